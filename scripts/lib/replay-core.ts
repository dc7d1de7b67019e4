import type { CompiledPack } from "../../src/engine/compile";
import type { Rejection } from "../../src/engine/inspection";
import { inspectText, type OfflineResult } from "../../src/engine/offline";
import type { ChoiceEstimate } from "../../src/savings/estimate";
import { historyScope } from "../../src/savings/history";
import { cutKind } from "../../src/savings/kinds";
import { createSavingsSimulator } from "../../src/savings/simulate";
import { readStoredGeneration, type LineIds } from "./replay-input";

// The replay CLI's pure core, kept free of Node APIs so tests can run it inside workerd like the engine itself.

export type ReplayStatus = "accepted" | "rejected" | "exit" | "flagged";

/** The verdict on one stored sample (one choice of one line). */
export interface ReplaySample extends LineIds {
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
   * accepted samples before it in the input (docs/metering.md). Absent for samples that were not cut.
   */
  savedEstimate?: ChoiceEstimate;
  /** An exit-eligible sample the meter would have let run to learn the exit tail (one in 20): nothing saved. */
  exitSampled?: true;
}

/** A line (or one choice of it) that could not be read; counted, not fatal. */
export interface UnreadableSample extends LineIds {
  line: number;
  choice?: number;
  error: string;
}

/** How often one rule stopped or flagged a sample. */
export interface RuleCounts {
  /** Samples it rejected. */
  rejected: number;
  /** Samples it ended early as complete (`exit`). */
  exited: number;
  /** Samples in which it raised a `flag` (whatever their status). */
  flagged: number;
}

/** The summary of a run: counts per outcome and per rule, the saved estimate, and what was really left. */
export interface ReplayTotals {
  /** Input lines read, blank ones included. */
  lines: number;
  samples: number;
  accepted: number;
  rejected: number;
  exited: number;
  flagged: number;
  unreadable: number;
  /** Per rule id, sorted by id. */
  byRule: Record<string, RuleCounts>;
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

/** What one input line gave: a verdict per readable choice, and what could not be read. */
export interface LineResult {
  samples: ReplaySample[];
  unreadable: UnreadableSample[];
}

function statusOf(result: OfflineResult): ReplayStatus {
  if (result.verdict) return result.verdict.action === "exit" ? "exit" : "rejected";
  return result.flags.length > 0 ? "flagged" : "accepted";
}

/** The line's model (`model`, `request.model`, `response.model`, `body.model`), which keys the savings history. */
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
 * Replays input lines through the packs, one call per line (1-based `line`): one JSON object, each choice a
 * sample; a blank line gives nothing. Each cut sample gets the saved estimate the meter would have booked, from
 * the savings model learning in input order (its memory is bounded by the number of models and keys, not of
 * lines). Pure: no file system, no output; a caller streams a file through it.
 * @example createReplayer([mathPack]).line('{"id": "q1", "output": "2 + 2 = 5"}', 1)
 */
export function createReplayer(packs: readonly CompiledPack[]) {
  const savings = createSavingsSimulator();
  const scope = historyScope(
    null,
    packs.map((pack) => pack.name),
  );
  return {
    line(raw: string, line: number): LineResult {
      const samples: ReplaySample[] = [];
      const unreadable: UnreadableSample[] = [];
      if (raw.trim() === "") return { samples, unreadable };
      const stored = readStoredGeneration(raw);
      if (!stored.ok) {
        unreadable.push({ line, ...stored.error.ids, error: stored.error.error });
        return { samples, unreadable };
      }
      const { ids } = stored.value;
      const several = stored.value.texts.length > 1;
      const model = modelOf(raw);
      const { maxTokens } = stored.value.ctx;
      for (const { choice, text } of stored.value.texts) {
        if (!text.ok) {
          unreadable.push({ line, ...ids, ...(several || choice !== 0 ? { choice } : {}), error: text.error });
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
          answerStart: result.answerStart,
          ...(maxTokens !== undefined ? { maxTokens } : {}),
        });
        samples.push({
          line,
          ...ids,
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
      return { samples, unreadable };
    },
  };
}

/**
 * Replays stored generations held in memory (one JSON object per line) and keeps every verdict: for tests and small
 * inputs. The CLI streams instead (`createReplayer` and `createReplaySummary`), in constant memory.
 */
export function replayLines(lines: Iterable<string>, packs: readonly CompiledPack[]): ReplayReport {
  const samples: ReplaySample[] = [];
  const unreadable: UnreadableSample[] = [];
  const summary = createReplaySummary();
  const replayer = createReplayer(packs);
  let line = 0;
  for (const raw of lines) {
    line += 1;
    const result = replayer.line(raw, line);
    summary.add(result);
    samples.push(...result.samples);
    unreadable.push(...result.unreadable);
  }
  return { samples, unreadable, totals: summary.totals() };
}

/** Counts line results as they come, in memory that depends on the number of rules, not of lines. */
export function createReplaySummary() {
  const counts = { lines: 0, samples: 0, accepted: 0, rejected: 0, exited: 0, flagged: 0, unreadable: 0 };
  const rules = new Map<string, RuleCounts>();
  let tokens = 0;
  let tokensLeft = 0;
  const savedEstimate = { tokens: 0, p10: 0, p90: 0 };
  const ruleCounts = (rule: string): RuleCounts => {
    let found = rules.get(rule);
    if (!found) rules.set(rule, (found = { rejected: 0, exited: 0, flagged: 0 }));
    return found;
  };
  return {
    add(result: LineResult): void {
      counts.lines += 1;
      counts.unreadable += result.unreadable.length;
      for (const sample of result.samples) {
        counts.samples += 1;
        if (sample.status === "exit") counts.exited += 1;
        else counts[sample.status] += 1;
        if (sample.verdict) ruleCounts(sample.verdict.rule)[sample.status === "exit" ? "exited" : "rejected"] += 1;
        for (const rule of new Set(sample.flags.map((flag) => flag.rule))) ruleCounts(rule).flagged += 1;
        tokens += sample.tokens;
        tokensLeft += sample.tokensLeft;
        savedEstimate.tokens += sample.savedEstimate?.tokens ?? 0;
        savedEstimate.p10 += sample.savedEstimate?.p10 ?? 0;
        savedEstimate.p90 += sample.savedEstimate?.p90 ?? 0;
      }
    },
    totals(): ReplayTotals {
      const byRule = Object.fromEntries([...rules].sort(([a], [b]) => a.localeCompare(b)));
      return {
        ...counts,
        byRule,
        tokens,
        tokensLeft,
        savedEstimate: { ...savedEstimate },
        estimateOverTruth: tokensLeft > 0 ? savedEstimate.tokens / tokensLeft : null,
        savedShare: tokens > 0 ? savedEstimate.tokens / tokens : 0,
      };
    },
  };
}

/** Which samples an output shows: a sample's status, or `unreadable` for what could not be read. */
export type ReplayShown = ReplayStatus | "unreadable";

/** One result as one JSON line: the sample (or the unreadable line) with the input line's own ids. */
export function jsonlRecord(entry: ReplaySample | UnreadableSample): string {
  return JSON.stringify("error" in entry ? { ...entry, status: "unreadable" } : entry);
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

/**
 * One input line's results as text, in choice order: a block per shown sample (status, tokens, the stopping rule
 * and the flags with their evidence) and a line per unreadable entry.
 */
export function formatLine(result: LineResult, shown: ReadonlySet<ReplayShown>): string[] {
  const out: string[] = [];
  const entries = [
    ...result.samples.map((sample) => ({ choice: sample.choice, sample })),
    ...result.unreadable.map((error) => ({ choice: error.choice ?? -1, error })),
  ].sort((a, b) => a.choice - b.choice);
  const several = result.samples.length > 1;
  for (const entry of entries) {
    if ("error" in entry) {
      if (!shown.has("unreadable")) continue;
      const where = entry.error.choice !== undefined ? ` choice ${entry.error.choice}` : "";
      out.push(`line ${entry.error.line}${idText(entry.error)}${where}: unreadable: ${entry.error.error}`);
      continue;
    }
    const { sample } = entry;
    if (!shown.has(sample.status)) continue;
    const choice = several || sample.choice > 0 ? ` choice ${sample.choice}` : "";
    const head = `line ${sample.line}${idText(sample)}${choice}: ${sample.status}`;
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
  return out;
}

const idText = (ids: LineIds) =>
  ids.id !== undefined || ids.custom_id !== undefined
    ? ` (${[ids.id !== undefined ? `id ${ids.id}` : "", ids.custom_id !== undefined ? `custom_id ${ids.custom_id}` : ""].filter(Boolean).join(", ")})`
    : "";

/** The summary as text: counts per outcome, a table of counts per rule, the saved estimate and the truth. */
export function formatSummary(t: ReplayTotals): string {
  const out = [
    `${num(t.lines)} lines, ${num(t.samples)} samples: ${num(t.accepted)} accepted, ${num(t.rejected)} rejected, ` +
      `${num(t.exited)} exited early, ${num(t.flagged)} flagged; ${num(t.unreadable)} unreadable`,
  ];
  const rules = Object.entries(t.byRule);
  if (rules.length > 0) {
    const width = Math.max(4, ...rules.map(([rule]) => rule.length));
    const cell = (value: string | number) => (typeof value === "number" ? num(value) : value).padStart(10);
    out.push(`${"rule".padEnd(width)}${cell("rejected")}${cell("exited")}${cell("flagged")}`);
    for (const [rule, c] of rules)
      out.push(`${rule.padEnd(width)}${cell(c.rejected)}${cell(c.exited)}${cell(c.flagged)}`);
  }
  out.push(
    `tokens ${num(t.tokens)}; estimated saved ${num(t.savedEstimate.tokens)} (${pct(t.savedShare)}; ` +
      `p10-p90 ${num(t.savedEstimate.p10)}-${num(t.savedEstimate.p90)}); really left after the cuts ` +
      `${num(t.tokensLeft)}` +
      (t.estimateOverTruth === null ? "" : ` (estimate / truth ${t.estimateOverTruth.toFixed(2)})`),
  );
  return out.join("\n");
}
