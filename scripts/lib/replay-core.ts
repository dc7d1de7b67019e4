import type { CompiledPack } from "../../src/engine/compile";
import type { Rejection } from "../../src/engine/inspection";
import { inspectText, type OfflineResult } from "../../src/engine/offline";
import type { ChoiceEstimate } from "../../src/savings/estimate";
import { historyScope } from "../../src/savings/history";
import { cutKind } from "../../src/savings/kinds";
import { createSavingsSimulator } from "../../src/savings/simulate";
import { readStoredGeneration } from "./replay-input";

// The replay CLI's pure core, kept free of Node APIs so tests can run it inside workerd like the engine itself.

export type ReplayStatus = "accepted" | "rejected" | "exit" | "flagged";

/** The verdict on one stored sample (one choice of one line). */
export interface ReplaySample {
  /** 1-based line number in the input. */
  line: number;
  choice: number;
  /** `flagged`: no rule stopped it, but a `flag` rule fired. */
  status: ReplayStatus;
  /** The rule that stopped the sample (`rejected` or `exit`). */
  verdict?: Rejection;
  /** `flag` findings up to the stop point. */
  flags: readonly Rejection[];
  tokens: number;
  /** Tokens the stored text has after the stop point (up to its `max_tokens`): what was really left. */
  tokensLeft: number;
  /**
   * What the meter would have booked as saved for this cut: the savings model's estimate, learned from the
   * accepted samples before it in the file (docs/metering.md). Absent for samples that were not cut.
   */
  savedEstimate?: ChoiceEstimate;
  /** An exit-eligible sample the meter would have let run to learn the exit tail (one in 20): nothing saved. */
  exitSampled?: true;
}

/** A line (or one choice of it) that could not be read; counted, not fatal. */
export interface UnreadableSample {
  line: number;
  choice?: number;
  error: string;
}

export interface ReplayTotals {
  samples: number;
  accepted: number;
  rejected: number;
  exited: number;
  flagged: number;
  unreadable: number;
  tokens: number;
  /** What the cut samples really had left. */
  tokensLeft: number;
  /** The estimates' sums: what the meter would have booked as saved, with its interval. */
  savedEstimate: { tokens: number; p10: number; p90: number };
  /** `savedEstimate.tokens / tokensLeft`: the estimate against the truth (null when nothing was left). */
  estimateOverTruth: number | null;
  /** `savedEstimate.tokens / tokens` (0 when there are no tokens). */
  savedShare: number;
}

export interface ReplayReport {
  samples: ReplaySample[];
  unreadable: UnreadableSample[];
  totals: ReplayTotals;
}

function statusOf(result: OfflineResult): ReplayStatus {
  if (result.verdict) return result.verdict.action === "exit" ? "exit" : "rejected";
  return result.flags.length > 0 ? "flagged" : "accepted";
}

/** The line's model (`model`, `request.model`, `response.model`), which keys the savings history. */
function modelOf(raw: string): string {
  try {
    const line = JSON.parse(raw) as Record<string, unknown>;
    for (const value of [line, line.request, line.response, line.body]) {
      const model = typeof value === "object" && value !== null ? (value as { model?: unknown }).model : undefined;
      if (typeof model === "string" && model) return model;
    }
  } catch {
    // unreadable lines never get here
  }
  return "";
}

/**
 * Replays stored generations through the packs: one JSON object per line, blank lines skipped. Each cut sample
 * gets the saved estimate the meter would have booked, from the savings model learning in file order. Pure: no
 * file system, no output.
 * @example replayLines(readFileSync(file, "utf8").split("\n"), [mathPack])
 */
export function replayLines(lines: Iterable<string>, packs: readonly CompiledPack[]): ReplayReport {
  const samples: ReplaySample[] = [];
  const savings = createSavingsSimulator();
  const scope = historyScope(
    null,
    packs.map((pack) => pack.name),
  );
  const unreadable: UnreadableSample[] = [];
  let line = 0;
  for (const raw of lines) {
    line += 1;
    if (raw.trim() === "") continue;
    const stored = readStoredGeneration(raw);
    if (!stored.ok) {
      unreadable.push({ line, error: stored.error });
      continue;
    }
    const several = stored.value.texts.length > 1;
    const model = modelOf(raw);
    const { maxTokens } = stored.value.ctx;
    for (const { choice, text } of stored.value.texts) {
      if (!text.ok) {
        unreadable.push({ line, ...(several || choice !== 0 ? { choice } : {}), error: text.error });
        continue;
      }
      const result = inspectText(packs, stored.value.ctx, text.value);
      const status = statusOf(result);
      // The offline engine inspects each text as choice 0; report the choice it came from.
      const inChoice = (finding: Rejection): Rejection => ({ ...finding, choice });
      const step = savings.next({
        model,
        scope,
        tokens: result.tokens,
        ...(result.verdict ? { stop: { kind: cutKind(result.verdict), at: result.tokensUntilStop } } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
      });
      samples.push({
        line,
        choice,
        status,
        ...(result.verdict ? { verdict: inChoice(result.verdict.rejection) } : {}),
        flags: result.flags.map(inChoice),
        tokens: result.tokens,
        tokensLeft: step.kind === "cut" ? step.truth : 0,
        ...(step.kind === "cut" ? { savedEstimate: step.estimate } : {}),
        ...(step.kind === "exit_sampled" ? { exitSampled: true as const } : {}),
      });
    }
  }
  return { samples, unreadable, totals: totalsOf(samples, unreadable.length) };
}

function totalsOf(samples: readonly ReplaySample[], unreadable: number): ReplayTotals {
  const count = (status: ReplayStatus) => samples.filter((sample) => sample.status === status).length;
  const tokens = samples.reduce((sum, sample) => sum + sample.tokens, 0);
  const tokensLeft = samples.reduce((sum, sample) => sum + sample.tokensLeft, 0);
  const sum = (field: "tokens" | "p10" | "p90") =>
    samples.reduce((total, sample) => total + (sample.savedEstimate?.[field] ?? 0), 0);
  const savedEstimate = { tokens: sum("tokens"), p10: sum("p10"), p90: sum("p90") };
  return {
    samples: samples.length,
    accepted: count("accepted"),
    rejected: count("rejected"),
    exited: count("exit"),
    flagged: count("flagged"),
    unreadable,
    tokens,
    tokensLeft,
    savedEstimate,
    estimateOverTruth: tokensLeft > 0 ? savedEstimate.tokens / tokensLeft : null,
    savedShare: tokens > 0 ? savedEstimate.tokens / tokens : 0,
  };
}

const num = (n: number) => n.toLocaleString("en-US");
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const tokensText = (n: number) => `${num(n)} token${n === 1 ? "" : "s"}`;

function describeFinding(finding: Rejection): string[] {
  const where = `at ${num(finding.offset.chars)} chars / ${num(finding.offset.tokens)} tokens`;
  return [
    `${finding.rule} (${finding.pack}) ${where}: ${finding.detail}`,
    `  evidence: ${JSON.stringify(finding.evidence)}`,
  ];
}

/** The human-readable report: one block per sample, unreadable lines in input order, then the totals. */
export function formatReport(report: ReplayReport): string {
  const out: string[] = [];
  const entries = [
    ...report.samples.map((sample) => ({ line: sample.line, choice: sample.choice, sample })),
    ...report.unreadable.map((error) => ({ line: error.line, choice: error.choice ?? -1, error })),
  ].sort((a, b) => a.line - b.line || a.choice - b.choice);
  const perLine = new Map<number, number>();
  for (const sample of report.samples) perLine.set(sample.line, (perLine.get(sample.line) ?? 0) + 1);
  for (const entry of entries) {
    if ("error" in entry) {
      const where = entry.error.choice !== undefined ? ` choice ${entry.error.choice}` : "";
      out.push(`line ${entry.line}${where}: unreadable: ${entry.error.error}`);
      continue;
    }
    const { sample } = entry;
    const several = sample.choice > 0 || (perLine.get(sample.line) ?? 0) > 1;
    const head = `line ${sample.line}${several ? ` choice ${sample.choice}` : ""}: ${sample.status}`;
    const estimate = sample.savedEstimate;
    const saved = estimate
      ? `, estimated saved ${num(estimate.tokens)} (p10-p90 ${num(estimate.p10)}-${num(estimate.p90)}, ` +
        `${estimate.method}, ${num(estimate.samples)} samples; ${num(sample.tokensLeft)} really left)`
      : sample.exitSampled
        ? ", let run to measure the exit tail: nothing saved"
        : "";
    out.push(`${head} (${tokensText(sample.tokens)}${saved})`);
    const findings = [...(sample.verdict ? [sample.verdict] : []), ...sample.flags];
    for (const finding of findings) {
      const [first, ...rest] = describeFinding(finding);
      out.push(`  ${finding === sample.verdict ? finding.action : "flag"} ${first}`, ...rest.map((l) => `  ${l}`));
    }
  }
  const t = report.totals;
  out.push(
    "",
    `samples ${num(t.samples)}: ${num(t.accepted)} accepted, ${num(t.rejected)} rejected, ${num(t.exited)} exited early, ` +
      `${num(t.flagged)} flagged; ${num(t.unreadable)} unreadable`,
    `tokens ${num(t.tokens)}; estimated saved ${num(t.savedEstimate.tokens)} (${pct(t.savedShare)}; ` +
      `p10-p90 ${num(t.savedEstimate.p10)}-${num(t.savedEstimate.p90)}); really left after the cuts ` +
      `${num(t.tokensLeft)}` +
      (t.estimateOverTruth === null ? "" : ` (estimate / truth ${t.estimateOverTruth.toFixed(2)})`),
  );
  return out.join("\n");
}
