import type { CutKind } from "./kinds";
import { EXIT_TAIL_PRIOR, LENGTH_PRIOR, PRIOR_FADE, PRIOR_WEIGHT } from "./prior";
import type { HistorySnapshot, SavedEstimate, SavedMethod } from "./types";

/**
 * Cap for a degenerate output when the request set no `max_tokens`: the provider's own default limit is not
 * known here, and 4,096 is the smallest output limit in common use (GPT-3.5 and GPT-4 Turbo, Claude 3), so a
 * loop is booked as running to at most 4,096 tokens per choice: an estimate that errs low.
 */
export const DEFAULT_LOOP_CAP = 4096;
/** Below this many observations a key falls back to its model's history, then to the prior alone. */
export const MIN_SAMPLES = 5;

/** One cut choice, as the estimator sees it. */
export interface CutChoice {
  kind: CutKind;
  /** Tokens the choice had generated when it was cut (inflight's count). */
  generated: number;
  /** For an `answer` cut: the choice's tokens when its final answer began (`Inspection.answerStart`). */
  answerStart?: number;
}

/** The estimate for one choice, before the choices of a request are added up. */
export interface ChoiceEstimate {
  tokens: number;
  p10: number;
  p90: number;
  method: SavedMethod;
  samples: number;
}

interface Weighted {
  value: number;
  weight: number;
}

/** Observations (weight 1 each) and what is left of the prior (see `prior.ts`), sorted by value. */
function pool(observed: readonly number[], prior: readonly number[]): Weighted[] {
  const each = (PRIOR_WEIGHT * Math.max(0, 1 - observed.length / PRIOR_FADE)) / prior.length;
  const all = [...observed.map((value) => ({ value, weight: 1 })), ...prior.map((value) => ({ value, weight: each }))];
  return all.sort((a, b) => a.value - b.value);
}

/** The weighted `q` quantile of values sorted ascending. */
function quantile(sorted: readonly Weighted[], q: number): number {
  const total = sorted.reduce((sum, item) => sum + item.weight, 0);
  let seen = 0;
  for (const item of sorted) {
    seen += item.weight;
    if (seen >= q * total - 1e-9) return item.value;
  }
  return sorted.at(-1)?.value ?? 0;
}

/** Mean, p10 and p90 of `values` (sorted), each first limited to `cap`. */
function summarise(values: readonly Weighted[], cap: number): { tokens: number; p10: number; p90: number } {
  const total = values.reduce((sum, item) => sum + item.weight, 0);
  const mean = values.reduce((sum, item) => sum + item.weight * Math.min(item.value, cap), 0) / total;
  return {
    tokens: Math.round(mean),
    p10: Math.round(Math.min(quantile(values, 0.1), cap)),
    p90: Math.round(Math.min(quantile(values, 0.9), cap)),
  };
}

/** Which history an estimate rests on: the key's once it has enough, else the model's, else neither. */
function pick(
  history: { key: readonly number[]; model: readonly number[] },
  names: { key: SavedMethod; model: SavedMethod; prior: SavedMethod },
): { observed: readonly number[]; method: SavedMethod } {
  if (history.key.length >= MIN_SAMPLES) return { observed: history.key, method: names.key };
  if (history.model.length >= MIN_SAMPLES) return { observed: history.model, method: names.model };
  return { observed: history.key, method: names.prior };
}

/**
 * E[L - k | L > k] over the accepted lengths L (with the prior), each remainder limited to `cap`. When less
 * than one observation's weight lies beyond k (the stream is already longer than nearly everything seen), the
 * remainder is taken as exponential with the mean excess of the longest tenth over the 90th percentile.
 */
function typicalRemainder(lengths: readonly Weighted[], k: number, cap: number) {
  const beyond = lengths.filter((item) => item.value > k).map((item) => ({ ...item, value: item.value - k }));
  if (beyond.reduce((sum, item) => sum + item.weight, 0) >= 1) return summarise(beyond, cap);
  const q90 = quantile(lengths, 0.9);
  const top = lengths.filter((item) => item.value > q90);
  const topWeight = top.reduce((sum, item) => sum + item.weight, 0);
  const excess = topWeight > 0 ? top.reduce((sum, item) => sum + item.weight * (item.value - q90), 0) / topWeight : 0;
  const mean = Math.max(1, excess);
  // Exponential quantiles: p10 = mean x ln(10/9), p90 = mean x ln(10).
  return {
    tokens: Math.round(Math.min(mean, cap)),
    p10: Math.round(Math.min(mean * 0.105, cap)),
    p90: Math.round(Math.min(mean * 2.303, cap)),
  };
}

/**
 * The tokens one cut choice would still have generated. `maxTokens` is the request's per-choice limit. Pure and
 * synchronous: it runs once, when the cut happens, over a snapshot loaded while the upstream was answering.
 */
export function estimateChoice(
  cut: CutChoice,
  history: HistorySnapshot,
  maxTokens: number | undefined,
): ChoiceEstimate {
  const k = cut.generated;
  const cap = maxTokens === undefined ? Number.POSITIVE_INFINITY : Math.max(0, maxTokens - k);
  switch (cut.kind) {
    case "ended":
      return { tokens: 0, p10: 0, p90: 0, method: "already_generated", samples: 0 };
    case "degeneration": {
      const left = maxTokens === undefined ? Math.max(0, DEFAULT_LOOP_CAP - k) : cap;
      const method = maxTokens === undefined ? "loop_to_default_cap" : "loop_to_max_tokens";
      return { tokens: left, p10: left, p90: left, method, samples: 0 };
    }
    case "typical": {
      const { observed, method } = pick(history.lengths, {
        key: "length_history",
        model: "length_model_history",
        prior: "length_prior",
      });
      return { ...typicalRemainder(pool(observed, LENGTH_PRIOR), k, cap), method, samples: observed.length };
    }
    case "answer": {
      // The rest of the answer: E[A - a | A > a] over the final answers of accepted completions, where `a` is how
      // far into its answer the cut came. Until the key or its model has enough of them, the exit tail stands in.
      const answers = history.answerLengths ?? { key: [], model: [] };
      const known = answers.key.length >= MIN_SAMPLES || answers.model.length >= MIN_SAMPLES;
      if (cut.answerStart !== undefined && known) {
        const own = answers.key.length >= MIN_SAMPLES;
        const observed = own ? answers.key : answers.model;
        const method = own ? "answer_length_history" : "answer_length_model_history";
        const into = Math.max(0, k - cut.answerStart);
        return { ...typicalRemainder(pool(observed, []), into, cap), method, samples: observed.length };
      }
      return exitTail(history, cap);
    }
    case "exit":
      return exitTail(history, cap);
  }
}

/** What an answer is followed by, learned from streams let run past an early exit. */
function exitTail(history: HistorySnapshot, cap: number): ChoiceEstimate {
  const { observed, method } = pick(history.exitTails, {
    key: "exit_tail_history",
    model: "exit_tail_model_history",
    prior: "exit_tail_prior",
  });
  return { ...summarise(pool(observed, EXIT_TAIL_PRIOR), cap), method, samples: observed.length };
}

/**
 * A request's estimate: its cut choices added up (the bounds too, which makes the interval wider than the sum's
 * own, never narrower). `choices` and `generated` give the `max_tokens` upper bound for the whole request.
 */
export function combineEstimates(
  parts: readonly ChoiceEstimate[],
  bound: { maxTokens: number | undefined; choices: number; generated: number },
): SavedEstimate | null {
  if (parts.length === 0) return null;
  const methods = new Set(parts.map((part) => part.method));
  // Every cut choice had ended before its rule decided: the most the cut can have saved is nothing.
  const ended = methods.size === 1 && methods.has("already_generated");
  return {
    completion_tokens: parts.reduce((sum, part) => sum + part.tokens, 0),
    p10: parts.reduce((sum, part) => sum + part.p10, 0),
    p90: parts.reduce((sum, part) => sum + part.p90, 0),
    method: methods.size === 1 ? parts[0]!.method : "mixed",
    samples: Math.min(...parts.map((part) => part.samples)),
    upper_bound: ended
      ? 0
      : bound.maxTokens === undefined
        ? null
        : Math.max(0, bound.maxTokens * bound.choices - bound.generated),
  };
}
