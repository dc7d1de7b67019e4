import type { OfflineResult } from "../../src/engine/offline";
import { historyScope } from "../../src/savings/history";
import { cutKind, type CutKind } from "../../src/savings/kinds";
import { DEFAULT_EXIT_SAMPLE_SHARE } from "../../src/savings/sampling";
import { createSavingsSimulator } from "../../src/savings/simulate";
import { RepetitionLoopParamsSchema } from "../../src/validators/text/repetition-loop";
import type { LabelledSample } from "./corpora";

/**
 * The savings model checked against the truth: over stored full outputs, in order, the model learns from the
 * accepted ones exactly as a team's meter would (`createSavingsSimulator`: the Worker's windows and estimator), and
 * each sample a rule cuts is estimated at its cut point and compared with what its stored text really had left.
 * Pure; `npm run eval` prints the table (docs/metering.md explains it).
 */

/** One stored output as the savings check needs it: its length and where (and why) a rule stopped it. */
export interface SavingsTraceItem {
  model: string;
  tokens: number;
  stop?: { kind: CutKind; at: number };
  answerStart?: number;
  /**
   * A loop cut whose stored text is still repeating at its very end: its generator's own length limit (or the
   * dataset) cut it short, so the stored text says only that at least this much was left, not how much.
   */
  loopCutShort?: true;
}

/** The loop validator's own defaults: the longest period it looks for, and how much the copies must cover. */
const { maxPeriod: MAX_PERIOD, minChars: MIN_RUN } = RepetitionLoopParamsSchema.parse({});

/**
 * Whether `text` ends inside a loop: for some period p up to 1,024 characters, its last max(240, 2p) characters
 * each equal the one p before. A loop that ended by itself (the model moved on, or stopped) does not.
 */
export function endsInLoop(text: string): boolean {
  for (let p = 1; p <= MAX_PERIOD; p += 1) {
    const run = Math.max(MIN_RUN, 2 * p);
    if (text.length < run + p) return false;
    let periodic = true;
    for (let i = text.length - run; i < text.length && periodic; i += 1) periodic = text[i] === text[i - p];
    if (periodic) return true;
  }
  return false;
}

/**
 * The stored output's length and stop point, from the engine's offline result. `corpusModel` names the model of
 * a corpus whose samples do not say which wrote them.
 */
export function traceItem(sample: LabelledSample, result: OfflineResult, corpusModel: string): SavingsTraceItem {
  const model = sample.model ?? corpusModel;
  const { answerStart } = result;
  if (!result.verdict) return { model, tokens: result.tokens, answerStart };
  const kind = cutKind(result.verdict);
  return {
    model,
    tokens: result.tokens,
    stop: { kind, at: result.tokensUntilStop },
    answerStart,
    ...(kind === "degeneration" && endsInLoop(sample.text) ? { loopCutShort: true as const } : {}),
  };
}

/** A request setting the check runs under. */
export interface SavingsSetting {
  name: string;
  maxTokens: number | undefined;
}

/** `max_tokens` as pipelines set it, and none. */
export const SAVINGS_SETTINGS: readonly SavingsSetting[] = [
  { name: "max_tokens 4096", maxTokens: 4096 },
  { name: "no max_tokens", maxTokens: undefined },
];

interface KindStats {
  cuts: number;
  estimate: number;
  truth: number;
}

/** What the model estimated for one (corpus, pack, setting), against the truth. */
export interface SavingsStats {
  cuts: number;
  /** Exit-eligible samples let run to learn the tail (one in `1 / DEFAULT_EXIT_SAMPLE_SHARE`): not cut. */
  sampledExits: number;
  estimate: number;
  p10: number;
  p90: number;
  truth: number;
  /** What the `max_tokens` bound (`max_tokens` - k, the figure booked before the estimate) adds up to. */
  bound: number;
  /** Cuts whose estimate rested on the prior alone (too little history). */
  onPrior: number;
  /** Cuts whose truth lies within their [p10, p90]. */
  covered: number;
  /** Per cut: estimate minus truth, in tokens. */
  errors: number[];
  byKind: Record<CutKind, KindStats>;
  /**
   * Loop cuts whose stored text was cut short while still looping, before the setting's `max_tokens`: what they
   * really had left is unknown (the stored remainder is a lower bound), so they are counted here and not above.
   */
  cutShort: { cuts: number; estimate: number; stored: number };
}

/**
 * Replays a trace through the savings model (`createSavingsSimulator`, as the meter runs it) under one setting;
 * the truth of a cut is what its stored text had left, up to `max_tokens` when the setting has one.
 */
export function checkSavings(items: readonly SavingsTraceItem[], pack: string, setting: SavingsSetting): SavingsStats {
  const simulator = createSavingsSimulator();
  const scope = historyScope(null, [pack]);
  const kind = (): KindStats => ({ cuts: 0, estimate: 0, truth: 0 });
  const stats: SavingsStats = {
    cuts: 0,
    sampledExits: 0,
    estimate: 0,
    p10: 0,
    p90: 0,
    truth: 0,
    bound: 0,
    onPrior: 0,
    covered: 0,
    errors: [],
    byKind: { degeneration: kind(), typical: kind(), answer: kind(), exit: kind(), ended: kind() },
    cutShort: { cuts: 0, estimate: 0, stored: 0 },
  };
  for (const item of items) {
    const step = simulator.next({
      ...item,
      scope,
      ...(setting.maxTokens !== undefined ? { maxTokens: setting.maxTokens } : {}),
    });
    if (step.kind === "exit_sampled") stats.sampledExits += 1;
    if (step.kind !== "cut" || !item.stop) continue;
    const { estimate, truth } = step;
    // Past the setting's max_tokens the stored loop did reach the limit, so its truth is known after all.
    if (item.loopCutShort && (setting.maxTokens === undefined || item.tokens < setting.maxTokens)) {
      stats.cutShort.cuts += 1;
      stats.cutShort.estimate += estimate.tokens;
      stats.cutShort.stored += truth;
      continue;
    }
    stats.cuts += 1;
    stats.estimate += estimate.tokens;
    stats.p10 += estimate.p10;
    stats.p90 += estimate.p90;
    stats.truth += truth;
    if (setting.maxTokens !== undefined) stats.bound += setting.maxTokens - item.stop.at;
    if (estimate.method.endsWith("_prior")) stats.onPrior += 1;
    if (truth >= estimate.p10 && truth <= estimate.p90) stats.covered += 1;
    stats.errors.push(estimate.tokens - truth);
    const byKind = stats.byKind[item.stop.kind];
    byKind.cuts += 1;
    byKind.estimate += estimate.tokens;
    byKind.truth += truth;
  }
  return stats;
}

/** Within this share of the truth, summed over a row's cuts (issue #15). */
export const SAVINGS_TOLERANCE = 0.15;
/** Rows with fewer cuts are shown, not judged: a handful of cuts says little about a sum. */
export const MIN_JUDGED_CUTS = 20;

/** One row of the savings table. */
export interface SavingsRow {
  corpus: string;
  pack: string;
  setting: string;
  stats: SavingsStats;
}

const num = (n: number) => Math.round(n).toLocaleString("en-US");
const ratioOf = (s: SavingsStats) => (s.truth > 0 ? s.estimate / s.truth : s.estimate === 0 ? 1 : Infinity);

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A savings row as data, for `npm run eval -- --json`. */
export function savingsRowData({ corpus, pack, setting, stats: s }: SavingsRow) {
  const ratio = ratioOf(s);
  return {
    corpus,
    pack,
    setting,
    cuts: s.cuts,
    truth: s.truth,
    estimate: s.estimate,
    p10: s.p10,
    p90: s.p90,
    estimateOverTruth: s.cuts > 0 && Number.isFinite(ratio) ? ratio : null,
    loopsCutShort: s.cutShort.cuts,
    loopsCutShortEstimate: s.cutShort.estimate,
    loopsCutShortStored: s.cutShort.stored,
    verdict: verdictOf(s),
  };
}

/** Whether a row meets the target, is too small to judge, or misses it. */
export function verdictOf(s: SavingsStats): "met" | "missed" | "too few cuts" {
  if (s.cuts < MIN_JUDGED_CUTS) return "too few cuts";
  return Math.abs(ratioOf(s) - 1) <= SAVINGS_TOLERANCE ? "met" : "missed";
}

function kinds(s: SavingsStats): string {
  const parts = (Object.entries(s.byKind) as [CutKind, KindStats][])
    .filter(([, k]) => k.cuts > 0)
    .map(([name, k]) => `${name} ${num(k.cuts)}: ${num(k.estimate)} / ${num(k.truth)}`);
  return parts.join("; ");
}

/** The savings table in Markdown: one line per row with cuts. */
export function savingsTable(rows: readonly SavingsRow[]): string {
  const header = [
    "corpus",
    "pack",
    "setting",
    "cuts",
    "truth (tokens left)",
    "estimate (p10 to p90)",
    "estimate / truth",
    "max_tokens bound / truth",
    "error per cut p10 / p50 / p90",
    "truth in [p10, p90]",
    "on prior",
    "by kind: estimate / truth",
    "loops cut short while looping: estimate / stored (not judged)",
    "target",
  ];
  const line = (values: readonly string[]) => `| ${values.join(" | ")} |`;
  const body = rows
    .filter((row) => row.stats.cuts + row.stats.cutShort.cuts > 0)
    .map(({ corpus, pack, setting, stats: s }) => {
      const errors = [...s.errors].sort((a, b) => a - b);
      const ratio = ratioOf(s);
      return line([
        corpus,
        pack,
        setting,
        num(s.cuts) + (s.sampledExits > 0 ? ` (+${num(s.sampledExits)} exits let run)` : ""),
        num(s.truth),
        `${num(s.estimate)} (${num(s.p10)} to ${num(s.p90)})`,
        s.cuts > 0 && Number.isFinite(ratio) ? ratio.toFixed(2) : "—",
        s.bound > 0 && s.truth > 0 ? (s.bound / s.truth).toFixed(1) : "—",
        s.cuts > 0
          ? `${num(quantile(errors, 0.1))} / ${num(quantile(errors, 0.5))} / ${num(quantile(errors, 0.9))}`
          : "—",
        s.cuts > 0 ? `${((100 * s.covered) / s.cuts).toFixed(0)}%` : "—",
        s.cuts > 0 ? `${((100 * s.onPrior) / s.cuts).toFixed(0)}%` : "—",
        kinds(s) || "—",
        s.cutShort.cuts > 0
          ? `${num(s.cutShort.cuts)}: ${num(s.cutShort.estimate)} / ≥ ${num(s.cutShort.stored)}`
          : "—",
        verdictOf(s),
      ]);
    });
  return [line(header), line(header.map((_, i) => (i < 3 ? "---" : "---:"))), ...body].join("\n");
}

/** The target line: met, and where it is missed. */
export function savingsTargets(rows: readonly SavingsRow[]): string {
  const judged = rows.filter((row) => verdictOf(row.stats) !== "too few cuts");
  const missed = judged.filter((row) => verdictOf(row.stats) === "missed");
  const name = (row: SavingsRow) => `${row.corpus} / ${row.pack} / ${row.setting} (${ratioOf(row.stats).toFixed(2)})`;
  return (
    `- summed saved estimate within ±${SAVINGS_TOLERANCE * 100}% of the truth, rows with at least ` +
    `${MIN_JUDGED_CUTS} cuts: met in ${judged.length - missed.length} of ${judged.length}` +
    (missed.length > 0 ? `; missed in ${missed.map(name).join("; ")}` : "")
  );
}

/**
 * `npm run eval`'s savings check: collects each (corpus, pack) trace while the main table is measured (the MATH
 * reference solutions among them: the corpus whose answers are followed by more text, so it checks the exit
 * tail), and prints the table under both settings with its target line.
 */
export function createSavingsCheck() {
  const traces = new Map<string, { corpus: string; pack: string; items: SavingsTraceItem[] }>();
  return {
    /** The per-sample hook for `measure`. */
    collect(corpus: string, pack: string) {
      const entry = { corpus, pack, items: [] as SavingsTraceItem[] };
      traces.set(`${corpus}\u0000${pack}`, entry);
      return (sample: LabelledSample, result: OfflineResult) => entry.items.push(traceItem(sample, result, corpus));
    },
    /** One row per (corpus, pack, setting): the estimate against what the cut samples really had left. */
    rows(): SavingsRow[] {
      return SAVINGS_SETTINGS.flatMap((setting) =>
        [...traces.values()].map(({ corpus, pack, items }) => ({
          corpus,
          pack,
          setting: setting.name,
          stats: checkSavings(items, pack, setting),
        })),
      );
    },
    /** The eval's section on the savings estimate, in Markdown. */
    section(rows: readonly SavingsRow[]): string {
      return [
        "## Saved-spend estimate against the truth",
        "",
        "Each (corpus, pack) is one key of one team's meter: accepted outputs teach the model in corpus order, one in",
        `${Math.round(1 / DEFAULT_EXIT_SAMPLE_SHARE)} exit-eligible outputs is let run to teach the exit tail, and every other cut is estimated at its`,
        "cut point and compared with the tokens its stored text really had left (docs/metering.md).",
        "",
        savingsTable(rows),
        "",
        savingsTargets(rows),
      ].join("\n");
    },
  };
}
