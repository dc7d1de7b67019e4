import type { Usage } from "../formats/types";

/** The most tokens inflight believes for one count (prompt or completion) of one request. */
export const MAX_UPSTREAM_TOKENS = 10_000_000;

/**
 * An upstream that reports fewer completion tokens than a quarter of what inflight counted in the text it sent is
 * not believed. On the recorded provider streams inflight's estimate is at most 1.5x the provider's count, so this
 * leaves a wide margin; hidden reasoning only ever makes the provider's count larger. Below `MIN_COUNTED` tokens the
 * ratio says little, so short texts are not judged by it.
 */
export const MIN_COMPLETION_SHARE = 0.25;
const MIN_COUNTED = 32;

/** Why an upstream usage object was refused. */
export type UsageProblem = "not_a_count" | "above_ceiling" | "below_counted";

const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/**
 * Checks the usage an upstream reported before inflight books it: both counts are non-negative integers of at most
 * `MAX_UPSTREAM_TOKENS`, and the completion count is not far below what inflight counted (`counted`) in the text
 * that arrived. The prompt count is not compared with inflight's estimate: cached prompt tokens (Anthropic's
 * `cache_read_input_tokens`) legitimately leave it far below.
 *
 * @returns undefined when the usage can be booked, otherwise what is wrong with it
 */
export function checkUpstreamUsage(usage: Usage, counted: number): UsageProblem | undefined {
  const { prompt_tokens: prompt, completion_tokens: completion } = usage;
  if (!isCount(prompt) || !isCount(completion)) return "not_a_count";
  if (prompt > MAX_UPSTREAM_TOKENS || completion > MAX_UPSTREAM_TOKENS) return "above_ceiling";
  if (counted >= MIN_COUNTED && completion < counted * MIN_COMPLETION_SHARE) return "below_counted";
  return undefined;
}
