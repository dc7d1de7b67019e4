import * as z from "../zod";

/**
 * How a saved estimate was made. Degeneration verdicts run to a cap (`loop_to_*`); format and content verdicts
 * run to a typical length learned from accepted completions (`length_*`); early exits save the typical tail
 * that follows an answer, learned from streams that were let run past it (`exit_tail_*`); a rejection in the final
 * answer saves the rest of the answer, learned from the answers of accepted completions (`answer_length_*`, and
 * the exit tail until there are enough). `*_history` rests on
 * the request's own key (model and task or packs), `*_model_history` on the model's history across keys, and
 * `*_prior` on the documented prior alone (too little history). `mixed`: the choices of an n > 1 request were
 * cut by verdicts of different kinds. `already_generated`: the output was complete when its rule decided (the
 * upstream sent the answer whole, ignoring `stream: true`, or the rule's check closed at the output's end), so
 * nothing was saved. docs/metering.md describes each.
 */
export const SAVED_METHODS = [
  "loop_to_max_tokens",
  "loop_to_default_cap",
  "length_history",
  "length_model_history",
  "length_prior",
  "exit_tail_history",
  "exit_tail_model_history",
  "exit_tail_prior",
  "answer_length_history",
  "answer_length_model_history",
  "mixed",
  "already_generated",
] as const;
export type SavedMethod = (typeof SAVED_METHODS)[number];

/** The estimate of completion tokens a cut avoided, as every response, meter row and report carries it. */
export const SavedEstimateSchema = z.strictObject({
  /** Expected completion tokens the upstream would still have generated. */
  completion_tokens: z.number().check(z.int(), z.nonnegative()),
  /** 10th and 90th percentiles of that remainder. */
  p10: z.number().check(z.int(), z.nonnegative()),
  p90: z.number().check(z.int(), z.nonnegative()),
  method: z.enum(SAVED_METHODS),
  /** Observations the estimate rests on; 0 for a cap or the prior alone. */
  samples: z.number().check(z.int(), z.nonnegative()),
  /** `max_tokens` × n minus what was generated: the most the cut can have saved; null without `max_tokens`. */
  upper_bound: z.nullable(z.number().check(z.int(), z.nonnegative())),
});
export type SavedEstimate = z.infer<typeof SavedEstimateSchema>;

/** The estimate of a rule's cut of a whole answer: generated, and billed, before inflight saw it. */
export const ALREADY_GENERATED: SavedEstimate = {
  completion_tokens: 0,
  p10: 0,
  p90: 0,
  method: "already_generated",
  samples: 0,
  upper_bound: 0,
};

/** What the savings model has learned for one request's key, loaded from the team's meter. */
export interface HistorySnapshot {
  /** Accepted completion lengths per choice (inflight's token count), oldest first: this key, then the model. */
  lengths: { key: readonly number[]; model: readonly number[] };
  /** Tokens that followed an answer in streams let run past an early exit: this key, then the model. */
  exitTails: { key: readonly number[]; model: readonly number[] };
  /**
   * Tokens of the final answer (from its marker, `####`, `\boxed{`, `Answer:`..., to the end) of accepted
   * completions that had one. Absent in snapshots that predate it.
   */
  answerLengths?: { key: readonly number[]; model: readonly number[] };
  /**
   * Per choice that ended, newest last: 1 when a rule rejected it, 0 when it finished (or exited early). What the
   * fan-out rule reads as the share of rejected choices (docs/sampling.md). Absent in snapshots that predate it.
   */
  rejected?: { key: readonly number[]; model: readonly number[] };
  /** Where rules rejected choices: the choice's tokens at the rejection (inflight's count). */
  cutAt?: { key: readonly number[]; model: readonly number[] };
}

/** A snapshot with nothing learned: estimates rest on the prior. */
export const EMPTY_HISTORY: HistorySnapshot = { lengths: { key: [], model: [] }, exitTails: { key: [], model: [] } };

/** What one finished request teaches the model: written in the same meter call as the request's row. */
export interface SavingsObservation {
  model: string;
  /** The key's scope within the model: `task:<task>` or `packs:<names>`. */
  scope: string;
  /** Lengths of the choices that ended normally (inflight's token count). */
  lengths: number[];
  /** Tails measured after early exits that were let run (see `EXIT_SAMPLE_SHARE`). */
  exitTails: number[];
  /** Final-answer lengths of the choices that ended normally and had a final answer. */
  answerLengths?: number[];
  /** Per choice that ended: 1 when a rule rejected it, else 0. */
  rejected?: number[];
  /** The token offsets of the rule rejections among them. */
  cutAt?: number[];
}
