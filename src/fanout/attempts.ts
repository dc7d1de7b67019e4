import type { Rejection } from "../engine/inspection";
import type { CountedBy, InflightUsage, Outcome } from "../formats/types";
import type { SessionReport } from "../proxy/session";
import type { SavedEstimate, SavingsObservation } from "../savings/types";

/**
 * How one attempt ended: a session outcome, or `surplus`: still running when `x-inflight-accept` had its k samples,
 * so inflight stopped it.
 */
export type AttemptOutcome = Outcome | "surplus";

/** One attempt of a fanned-out request, as `usage.inflight.attempts` and the meter row list it. */
export interface AttemptSummary {
  /** The attempt's number, in the order attempts started (0-based). */
  attempt: number;
  /** The choice it became in the response; `null` when it is not in it (rejected, failed, surplus). */
  choice: number | null;
  outcome: AttemptOutcome;
  /** The rule that rejected it or ended it early. */
  rule: string | null;
  /** Where that rule fired, in the attempt's own text. */
  offset: { chars: number; tokens: number } | null;
  prompt_tokens: number;
  completion_tokens: number;
  counted_by: CountedBy;
  saved_estimate: SavedEstimate | null;
  /** How often it was sent again after an upstream 429 or 5xx. */
  retries: number;
  /** The upstream's HTTP status, when the attempt failed with one. */
  status?: number;
  /** The seed it was sent with (the request's seed + its number). */
  seed?: number;
}

/** A finished attempt: what its session reports, and its place in the response. */
export interface AttemptResult {
  report: SessionReport;
  summary: AttemptSummary;
}

/** The per-attempt line of a finished attempt. */
export function summarize(
  attempt: number,
  report: SessionReport,
  extra: { choice: number | null; retries: number; surplus?: boolean; status?: number; seed?: number },
): AttemptSummary {
  const { usage, rejection } = report;
  return {
    attempt,
    choice: extra.choice,
    outcome: extra.surplus ? "surplus" : report.outcome,
    rule: rejection?.rule ?? null,
    offset: rejection ? { ...rejection.offset } : null,
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    counted_by: usage.inflight.counted_by,
    saved_estimate: usage.inflight.saved_estimate,
    retries: extra.retries,
    ...(extra.status !== undefined ? { status: extra.status } : {}),
    ...(extra.seed !== undefined ? { seed: extra.seed } : {}),
  };
}

/**
 * The attempts' saved estimates added up, as a request's choices are (`combineEstimates`): expected tokens and
 * both bounds summed, `mixed` when the methods differ, the fewest observations any rests on, and the `max_tokens`
 * bounds summed when every attempt had one. `null` when no rule cut any attempt.
 */
export function sumEstimates(estimates: readonly (SavedEstimate | null)[]): SavedEstimate | null {
  const parts = estimates.filter((estimate): estimate is SavedEstimate => estimate !== null);
  if (parts.length === 0) return null;
  const methods = new Set(parts.map((part) => part.method));
  const bounds = parts.map((part) => part.upper_bound);
  return {
    completion_tokens: parts.reduce((sum, part) => sum + part.completion_tokens, 0),
    p10: parts.reduce((sum, part) => sum + part.p10, 0),
    p90: parts.reduce((sum, part) => sum + part.p90, 0),
    method: methods.size === 1 ? parts[0]!.method : "mixed",
    samples: Math.min(...parts.map((part) => part.samples)),
    upper_bound: bounds.every((bound) => bound !== null) ? bounds.reduce((sum, bound) => sum + bound, 0) : null,
  };
}

/** Who counted the request: the provider, when it counted every attempt; else inflight, and why. */
function countedBy(results: readonly AttemptResult[]): CountedBy {
  const all = results.map((result) => result.summary.counted_by);
  if (all.length > 0 && all.every((by) => by === "upstream")) return "upstream";
  return all.includes("inflight_upstream_invalid") ? "inflight_upstream_invalid" : "inflight";
}

const isSample = (outcome: AttemptOutcome) => outcome === "accepted" || outcome === "early_exit";

/** Is the attempt one of the samples the response holds? */
export const returned = (result: AttemptResult): boolean =>
  result.summary.choice !== null && isSample(result.summary.outcome);

/**
 * How a fanned-out request ended, as the meter and the log book it. The client left: `client_abort`. Fan-out (every
 * attempt a choice) ends as one request with `n` choices does: `rejected` when a rule rejected any choice, else
 * `early_exit` when a rule ended one early, else `upstream_error` or `incomplete` when an attempt failed, else
 * `accepted`. `x-inflight-accept` ends `accepted` (or `early_exit`) when it returns its k samples, whatever was
 * rejected on the way (the attempts say what); short of k, as fan-out would. The rejection is the first one.
 */
export function requestOutcome(
  results: readonly AttemptResult[],
  options: { clientGone: boolean; accept?: number },
): { outcome: Outcome; rejection?: Rejection } {
  const first = results.find((result) => result.summary.outcome === "rejected")?.report.rejection;
  const withRejection = (outcome: Outcome) => ({ outcome, ...(first ? { rejection: first } : {}) });
  if (options.clientGone) return { outcome: "client_abort" };
  const outcomes = results.map((result) => result.summary.outcome);
  const samples = results.filter(returned);
  if (options.accept !== undefined && samples.length >= options.accept) {
    const exit = samples.find((result) => result.summary.outcome === "early_exit")?.report.rejection;
    return exit ? { outcome: "early_exit", rejection: exit } : { outcome: "accepted" };
  }
  if (first) return withRejection("rejected");
  const exit = results.find((result) => result.summary.outcome === "early_exit")?.report.rejection;
  if (exit) return { outcome: "early_exit", rejection: exit };
  if (outcomes.includes("upstream_error")) return { outcome: "upstream_error" };
  if (outcomes.includes("incomplete")) return { outcome: "incomplete" };
  return { outcome: "accepted" };
}

/**
 * The usage of a fanned-out request: every attempt's prompt and completion tokens added up (each attempt sent the
 * prompt), the saved estimates added up, the flags of the returned choices, and every attempt's line.
 */
export function mergedUsage(
  requestId: string,
  packs: readonly string[],
  outcome: Outcome,
  results: readonly AttemptResult[],
): InflightUsage {
  const prompt = results.reduce((sum, result) => sum + result.summary.prompt_tokens, 0);
  const completion = results.reduce((sum, result) => sum + result.summary.completion_tokens, 0);
  const flags = results.flatMap((result) =>
    result.summary.choice === null
      ? []
      : (result.report.usage.inflight.flags ?? []).map((flag) => ({ ...flag, choice: result.summary.choice! })),
  );
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    inflight: {
      request_id: requestId,
      outcome,
      counted_by: countedBy(results),
      saved_estimate: sumEstimates(results.map((result) => result.summary.saved_estimate)),
      packs: [...packs],
      ...(flags.length > 0 ? { flags } : {}),
      attempts: results.map((result) => result.summary),
    },
  };
}

/** What the attempts teach the savings model, together: each session's own observations, added up. */
export function mergedObservations(
  results: readonly AttemptResult[],
): Pick<SavingsObservation, "lengths" | "exitTails" | "answerLengths" | "rejected" | "cutAt"> {
  const all = results.map((result) => result.report.observed);
  return {
    lengths: all.flatMap((observed) => observed.lengths),
    exitTails: all.flatMap((observed) => observed.exitTails),
    answerLengths: all.flatMap((observed) => observed.answerLengths ?? []),
    rejected: all.flatMap((observed) => observed.rejected ?? []),
    cutAt: all.flatMap((observed) => observed.cutAt ?? []),
  };
}

/** An attempt as the meter row keeps it (`attempt_verdicts`): its line without the estimate's interval. */
export interface AttemptVerdict {
  attempt: number;
  choice: number | null;
  outcome: AttemptOutcome;
  rule: string | null;
  offset_tokens: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  saved_tokens: number | null;
  retries: number;
  status?: number;
}

export function attemptVerdict(summary: AttemptSummary): AttemptVerdict {
  return {
    attempt: summary.attempt,
    choice: summary.choice,
    outcome: summary.outcome,
    rule: summary.rule,
    offset_tokens: summary.offset?.tokens ?? null,
    prompt_tokens: summary.prompt_tokens,
    completion_tokens: summary.completion_tokens,
    saved_tokens: summary.saved_estimate?.completion_tokens ?? null,
    retries: summary.retries,
    ...(summary.status !== undefined ? { status: summary.status } : {}),
  };
}
