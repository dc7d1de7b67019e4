import type { CompiledPack } from "../../src/engine/compile";
import type { Rejection } from "../../src/engine/inspection";
import { createInspection } from "../../src/engine/inspection";
import { inspectText, splitLikeTokens, type OfflineResult } from "../../src/engine/offline";
import { estimateTokens } from "../../src/engine/tokens";
import type { RequestContext } from "../../src/engine/types";
import type { Corpus, LabelledSample } from "./corpora";

/** A correct-labelled sample the pack rejected, for a reader to judge. */
export interface ReviewItem {
  id: string;
  rejection: Rejection;
  /** For a rejection before the labelled step: where that step starts (chars). */
  labelAt?: number;
}

/** What one pack did on one corpus. Every count is additive, so rows can be summed into a group row. */
export interface RowStats {
  samples: number;
  wrong: number;
  wrongRejected: number;
  correctRejected: number;
  exits: number;
  /** Estimated tokens of every sample. */
  tokens: number;
  /** Tokens after the stop point of rejected and exited samples. */
  saved: number;
  /** Tokens after the oracle's stop point: the first labelled error, or token 0 without step labels. */
  oracleSaved: number;
  /** Rejections of wrong samples whose first error position is labelled. */
  labelledRejections: number;
  /** Of those, how many fall at or after the start of the labelled step. */
  atOrAfterLabel: number;
  kept: number;
  keptCorrect: number;
  /** Correct-labelled samples rejected, by rule. */
  falseByRule: Map<string, number>;
  /** Up to `REVIEW_PER_ROW` of them, in corpus order. */
  review: ReviewItem[];
  /** Up to `REVIEW_PER_ROW` rejections of wrong samples that fall before the labelled step. */
  beforeLabel: ReviewItem[];
}

export const REVIEW_PER_ROW = 3;

function emptyStats(): RowStats {
  return {
    samples: 0,
    wrong: 0,
    wrongRejected: 0,
    correctRejected: 0,
    exits: 0,
    tokens: 0,
    saved: 0,
    oracleSaved: 0,
    labelledRejections: 0,
    atOrAfterLabel: 0,
    kept: 0,
    keptCorrect: 0,
    falseByRule: new Map(),
    review: [],
    beforeLabel: [],
  };
}

/**
 * A sample with a reasoning channel, as a reasoning model streams it: the reasoning first, then the content, in
 * token-sized pieces, through the Worker's inspection (`inspectText` reads content only).
 */
function inspectWithReasoning(pack: CompiledPack, ctx: RequestContext, reasoning: string, text: string): OfflineResult {
  const inspection = createInspection([pack], ctx);
  const tokens = estimateTokens(reasoning) + estimateTokens(text);
  for (const [channel, body] of [
    ["reasoning", reasoning],
    ["content", text],
  ] as const) {
    for (const piece of splitLikeTokens(body)) {
      const verdict = inspection.push({ choice: 0, channel }, piece);
      if (verdict) {
        // The stop point: the verdict's offset on its channel, after all of the reasoning for a content verdict.
        const before = channel === "content" ? estimateTokens(reasoning) : 0;
        return { verdict, flags: inspection.flags, tokens, tokensUntilStop: before + verdict.rejection.offset.tokens };
      }
    }
  }
  const verdict = inspection.end(0);
  return { ...(verdict ? { verdict } : {}), flags: inspection.flags, tokens, tokensUntilStop: tokens };
}

/**
 * Runs one pack over one corpus with the Worker's engine (`inspectText`, token-sized pieces) and counts the
 * outcome against the corpus labels. An `exit` verdict saves tokens and keeps the sample; it is never a rejection.
 * `onSample` sees every result in corpus order (the savings check reuses them instead of inspecting again).
 */
export function measure(
  pack: CompiledPack,
  corpus: Corpus,
  onSample?: (sample: LabelledSample, result: OfflineResult) => void,
): RowStats {
  const stats = emptyStats();
  for (const sample of corpus.samples) {
    const ctx: RequestContext = { prompt: sample.prompt, wantsJson: false, tools: new Map() };
    const result =
      sample.reasoning !== undefined
        ? inspectWithReasoning(pack, ctx, sample.reasoning, sample.text)
        : inspectText([pack], ctx, sample.text);
    onSample?.(sample, result);
    stats.samples += 1;
    stats.tokens += result.tokens;
    stats.saved += result.tokens - result.tokensUntilStop;
    if (!sample.correct) {
      stats.wrong += 1;
      const oracleStop = sample.errorAt === undefined ? 0 : estimateTokens(sample.text.slice(0, sample.errorAt));
      stats.oracleSaved += result.tokens - oracleStop;
    }
    const rejection = result.verdict?.action === "reject" ? result.verdict.rejection : undefined;
    if (result.verdict?.action === "exit") stats.exits += 1;
    if (!rejection) {
      stats.kept += 1;
      if (sample.correct) stats.keptCorrect += 1;
      continue;
    }
    if (sample.correct) {
      stats.correctRejected += 1;
      stats.falseByRule.set(rejection.rule, (stats.falseByRule.get(rejection.rule) ?? 0) + 1);
      if (stats.review.length < REVIEW_PER_ROW) stats.review.push({ id: sample.id, rejection });
      continue;
    }
    stats.wrongRejected += 1;
    if (sample.errorAt !== undefined) {
      stats.labelledRejections += 1;
      if (rejection.offset.chars >= sample.errorAt) stats.atOrAfterLabel += 1;
      else if (stats.beforeLabel.length < REVIEW_PER_ROW)
        stats.beforeLabel.push({ id: sample.id, rejection, labelAt: sample.errorAt });
    }
  }
  return stats;
}

/** The sum of several rows (the review list keeps the first few of each). */
export function combine(rows: readonly RowStats[]): RowStats {
  const total = emptyStats();
  for (const row of rows) {
    for (const key of Object.keys(total) as (keyof RowStats)[]) {
      const value = row[key];
      if (typeof value === "number") (total[key] as number) += value;
    }
    for (const [rule, n] of row.falseByRule) total.falseByRule.set(rule, (total.falseByRule.get(rule) ?? 0) + n);
    total.review.push(...row.review);
    total.beforeLabel.push(...row.beforeLabel);
  }
  return total;
}
