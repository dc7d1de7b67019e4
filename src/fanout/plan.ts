import { err, ok, type Result } from "../engine/result";

/** `x-inflight-fanout`: `auto` (default) decides by the rule in `auto-rule.ts`; `on` and `off` force it. */
export const FANOUT_CHOICES = ["auto", "on", "off"] as const;
export type FanoutChoice = (typeof FANOUT_CHOICES)[number];

/** The configured limits (`MAX_ATTEMPTS_PER_REQUEST`, `MAX_CONCURRENT_ATTEMPTS`, `ATTEMPTS_PER_ACCEPTED`). */
export interface SamplingLimits {
  maxAttempts: number;
  maxConcurrent: number;
  attemptsPerAccepted: number;
}

/** The sampling headers of a request, as sent. */
export interface SamplingHeaders {
  fanout?: string | undefined;
  accept?: string | undefined;
  maxAttempts?: string | undefined;
}

/** What a request asks for, before the `auto` rule runs. */
export type SamplingPlan =
  /** One upstream request, as inflight always sent it; `reason` is what `x-inflight-fanout` says. */
  | { kind: "single"; reason: string }
  /** Fan-out may run: forced (`on`) or for the rule to decide (`auto`). */
  | { kind: "fanout"; forced: boolean; n: number; concurrency: number }
  /** `x-inflight-accept: k`: k accepted samples from at most `maxAttempts` attempts, `concurrency` at a time. */
  | { kind: "accept"; k: number; maxAttempts: number; concurrency: number };

/** A header the request got wrong, for a 400 naming it. */
export interface SamplingError {
  message: string;
  param: string;
}

/** What of the body decides whether its choices can be sampled one request each. */
export interface SamplingBody {
  /** `n`. */
  choices: number;
  body: Record<string, unknown>;
}

const positiveInt = (value: string): number | undefined => (/^\s*\d{1,4}\s*$/.test(value) ? Number(value) : undefined);

/**
 * Why a request's choices cannot become one request each, if they cannot: legacy Completions' `best_of` (the
 * upstream picks the best of several: splitting it changes the answer) and a batch of several prompts (choices
 * are numbered across prompts).
 */
function unavailable(body: Record<string, unknown>): string | undefined {
  if (typeof body.best_of === "number" && body.best_of > 1) return "best_of is set";
  const prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length > 1 && (typeof prompt[0] === "string" || Array.isArray(prompt[0])))
    return "the request holds several prompts";
  return undefined;
}

/**
 * Reads `x-inflight-fanout`, `x-inflight-accept` and `x-inflight-max-attempts` against the request and the limits.
 * A malformed or contradictory header is an error (400); a request fan-out cannot serve falls back to one request
 * under `auto`, and is an error when a header forces it.
 */
export function planSampling(
  headers: SamplingHeaders,
  request: SamplingBody,
  limits: SamplingLimits,
): Result<SamplingPlan, SamplingError> {
  const choice = (headers.fanout ?? "").trim().toLowerCase() || "auto";
  if (!(FANOUT_CHOICES as readonly string[]).includes(choice))
    return err({ message: "x-inflight-fanout must be `auto`, `on` or `off`.", param: "x-inflight-fanout" });
  const n = request.choices;
  const cannot = unavailable(request.body);
  const accept = headers.accept?.trim() ? headers.accept : undefined;
  const budget = headers.maxAttempts?.trim() ? headers.maxAttempts : undefined;

  if (accept !== undefined) {
    const k = positiveInt(accept);
    if (k === undefined || k < 1 || k > limits.maxAttempts)
      return err({
        message: `x-inflight-accept must be a whole number from 1 to ${limits.maxAttempts} (MAX_ATTEMPTS_PER_REQUEST).`,
        param: "x-inflight-accept",
      });
    if (choice === "off")
      return err({
        message:
          "x-inflight-accept runs each attempt as a request of its own; it cannot be combined with x-inflight-fanout: off.",
        param: "x-inflight-fanout",
      });
    if (cannot)
      return err({ message: `x-inflight-accept cannot be used here: ${cannot}.`, param: "x-inflight-accept" });
    let maxAttempts = Math.min(limits.maxAttempts, Math.max(n, limits.attemptsPerAccepted * k));
    if (budget !== undefined) {
      const asked = positiveInt(budget);
      if (asked === undefined || asked < k || asked > limits.maxAttempts)
        return err({
          message: `x-inflight-max-attempts must be a whole number from x-inflight-accept (${k}) to ${limits.maxAttempts} (MAX_ATTEMPTS_PER_REQUEST).`,
          param: "x-inflight-max-attempts",
        });
      maxAttempts = asked;
    }
    return ok({ kind: "accept", k, maxAttempts, concurrency: Math.min(n, limits.maxConcurrent, maxAttempts) });
  }
  if (budget !== undefined)
    return err({
      message: "x-inflight-max-attempts caps the attempts of x-inflight-accept; send it with that header.",
      param: "x-inflight-max-attempts",
    });

  if (choice === "off") return ok({ kind: "single", reason: "off; header" });
  if (n === 1) return ok({ kind: "single", reason: "off; n = 1" });
  const forced = choice === "on";
  const tooMany = n > limits.maxAttempts ? `n is above MAX_ATTEMPTS_PER_REQUEST (${limits.maxAttempts})` : undefined;
  const reason = cannot ?? tooMany;
  if (reason && forced)
    return err({ message: `x-inflight-fanout: on cannot be used here: ${reason}.`, param: "x-inflight-fanout" });
  if (reason) return ok({ kind: "single", reason: `off; ${reason}` });
  return ok({ kind: "fanout", forced, n, concurrency: Math.min(n, limits.maxConcurrent) });
}

/**
 * The body of attempt `index` of a fanned-out request: one choice, and `seed + index` when the request has a
 * seed, so that the samples differ (the same seed would give the same sample n times).
 */
export function attemptBody(body: Record<string, unknown>, index: number): Record<string, unknown> {
  const seed = typeof body.seed === "number" && Number.isInteger(body.seed) ? { seed: body.seed + index } : {};
  return { ...body, n: 1, ...seed };
}
