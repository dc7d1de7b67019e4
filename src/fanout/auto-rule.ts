import type { ModelPrice } from "../metering/pricing";
import { estimateChoice, MIN_SAMPLES } from "../savings/estimate";
import type { HistorySnapshot } from "../savings/types";

/**
 * The share of rejected choices assumed before a key has history: 1 rejected choice in 10, counted as 10 choices
 * of evidence (a Beta(1, 9) prior), so a key's own verdicts outweigh it after a few dozen choices.
 */
export const PRIOR_REJECTED = 1;
export const PRIOR_CHOICES = 10;

/** What the `auto` rule knows about a request when it decides. */
export interface AutoInputs {
  /** Choices asked for (`n`). */
  n: number;
  /** Prompt tokens (inflight's estimate of the request's prompt). */
  promptTokens: number;
  /** Per-choice `max_tokens`, if set. */
  maxTokens: number | undefined;
  /** The model's list price; `undefined` compares token counts. */
  price: ModelPrice | undefined;
  history: HistorySnapshot;
}

/** The rule's figures and its verdict. */
export interface AutoDecision {
  fanOut: boolean;
  /** (n - 1) x prompt x input price: what sending the prompt n times adds. */
  extraPromptCost: number;
  /** n x p_reject x saved x output price: what cutting each rejected choice on its own is expected to save. */
  expectedSaving: number;
  pReject: number;
  /** Where p_reject came from: the key's verdicts, the model's, or the prior alone. */
  pRejectFrom: "history" | "model_history" | "prior";
  /** Tokens a rejected choice would still generate alongside the others (the savings model's estimate). */
  savedPerRejection: number;
  /** The savings model's method for that estimate (`length_history`, `length_prior`...). */
  savedMethod: string;
  priced: boolean;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** The key's observations once it has `MIN_SAMPLES`, else the model's, else none. */
function pick(window: { key: readonly number[]; model: readonly number[] } | undefined) {
  if (window && window.key.length >= MIN_SAMPLES) return { values: window.key, from: "history" as const };
  if (window && window.model.length >= MIN_SAMPLES) return { values: window.model, from: "model_history" as const };
  return { values: [] as readonly number[], from: "prior" as const };
}

/**
 * Whether a request with `n > 1` should be fanned out (docs/sampling.md, "The auto rule"): fan out when
 *
 *     (n - 1) x prompt_tokens x input_price  <  n x p_reject x saved_per_rejection x output_price
 *
 * Left: fan-out sends the prompt n times instead of once. Right: in one request a rejected choice is generated on
 * until the other choices end; cut on its own it stops at its cut. `p_reject` is the key's share of rejected
 * choices (its last 200 choices, with the prior above); `saved_per_rejection` is the savings model's estimate of
 * what an output still has to go from the key's mean cut offset, E[L - k | L > k] over its accepted lengths (the
 * length prior, mean 286 tokens, without history). Without a price both sides count tokens. Provider prompt
 * caching makes the left side smaller than this, so the rule errs towards one request.
 *
 * @example
 * // gpt-4o-mini (0.15 / 0.60 USD per million), no history, n = 4, a 50-token prompt:
 * // 3 x 50 x 0.15 = 22.5 < 4 x 0.1 x 286 x 0.6 = 68.6: fan out. A 500-token prompt (225) does not.
 */
export function decideFanout(inputs: AutoInputs): AutoDecision {
  const { n, promptTokens, maxTokens, price, history } = inputs;
  const verdicts = pick(history.rejected);
  const rejected = verdicts.values.reduce((sum, value) => sum + value, 0);
  const pReject = (rejected + PRIOR_REJECTED) / (verdicts.values.length + PRIOR_CHOICES);
  const cuts = pick(history.cutAt);
  const cutAt = cuts.values.length > 0 ? Math.round(mean(cuts.values)) : 0;
  const saved = estimateChoice({ kind: "typical", generated: cutAt }, history, maxTokens);
  const input = price?.input_per_million ?? 1;
  const output = price?.output_per_million ?? 1;
  const extraPromptCost = (n - 1) * promptTokens * input;
  const expectedSaving = n * pReject * saved.tokens * output;
  return {
    fanOut: extraPromptCost < expectedSaving,
    extraPromptCost,
    expectedSaving,
    pReject,
    pRejectFrom: verdicts.from,
    savedPerRejection: saved.tokens,
    savedMethod: saved.method,
    priced: price !== undefined,
  };
}

const figure = (value: number) => String(Number(value.toPrecision(4)));

/**
 * The decision as the `x-inflight-fanout` response header states it, e.g.
 * `on; rule: 3 x 50 x 0.15 = 22.5 < 4 x 0.1 x 286 x 0.6 = 68.6 (prompt x in vs p_reject x saved x out, USD per 1M tokens; p_reject prior, saved length_prior)`.
 */
export function describeDecision(inputs: AutoInputs, decision: AutoDecision): string {
  const input = inputs.price?.input_per_million ?? 1;
  const output = inputs.price?.output_per_million ?? 1;
  const left = `${inputs.n - 1} x ${inputs.promptTokens} x ${figure(input)} = ${figure(decision.extraPromptCost)}`;
  const right =
    `${inputs.n} x ${figure(decision.pReject)} x ${decision.savedPerRejection} x ${figure(output)}` +
    ` = ${figure(decision.expectedSaving)}`;
  const unit = decision.priced ? "USD per 1M tokens" : "unpriced: tokens";
  return (
    `${decision.fanOut ? "on" : "off"}; rule: ${left} ${decision.fanOut ? "<" : ">="} ${right}` +
    ` ((n-1) x prompt x in vs n x p_reject x saved x out, ${unit}; p_reject ${decision.pRejectFrom}, saved ${decision.savedMethod})`
  );
}
