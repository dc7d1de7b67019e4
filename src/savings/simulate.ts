import { estimateChoice, type ChoiceEstimate } from "./estimate";
import type { CutKind } from "./kinds";
import { createMemoryHistory } from "./memory-history";
import { DEFAULT_EXIT_SAMPLE_SHARE } from "./sampling";

/** A stored output, for the savings model: its length and where (and why) a rule stopped it. */
export interface StoredOutput {
  model: string;
  scope: string;
  /** Estimated tokens of the whole stored output. */
  tokens: number;
  stop?: { kind: CutKind; at: number };
  /** Tokens before its final answer began, when it has one. */
  answerStart?: number;
  /** The request's `max_tokens`, if it had one. */
  maxTokens?: number;
}

/** What the meter would have done with a stored output. */
export type SimulatedStep =
  /** It ran to its end (or to `max_tokens`): its length is learned. */
  | { kind: "learned"; length: number }
  /** An exit-eligible output let run to measure its tail: learned, nothing saved. */
  | { kind: "exit_sampled"; length: number; tail: number }
  /** Cut by a rule: the estimate the meter would have booked, and what the stored text really had left. */
  | { kind: "cut"; estimate: ChoiceEstimate; truth: number };

/**
 * The meter's savings model run over stored outputs in order, with the Worker's windows and estimator: accepted
 * outputs teach it, one exit-eligible output in `exitEvery` is let run to teach the exit tail (the share the
 * Worker samples, taken deterministically), and every other cut is estimated at its cut point. An output longer
 * than its `max_tokens` counts as stopped there by the limit. `npm run eval` and `npm run replay` both use it.
 */
export function createSavingsSimulator(exitEvery = Math.round(1 / DEFAULT_EXIT_SAMPLE_SHARE)) {
  const history = createMemoryHistory();
  let exits = 0;
  return {
    next(output: StoredOutput): SimulatedStep {
      const { model, scope, maxTokens } = output;
      const length = maxTokens === undefined ? output.tokens : Math.min(output.tokens, maxTokens);
      const stop = output.stop && (maxTokens === undefined || output.stop.at < maxTokens) ? output.stop : undefined;
      const { answerStart } = output;
      if (!stop) {
        const answers = answerStart !== undefined && answerStart <= length ? [length - answerStart] : [];
        history.observe({ model, scope, lengths: [length], exitTails: [], answerLengths: answers });
        return { kind: "learned", length };
      }
      if (stop.kind === "exit" && ++exits % exitEvery === 0) {
        const tail = length - stop.at;
        history.observe({ model, scope, lengths: [length], exitTails: [tail] });
        return { kind: "exit_sampled", length, tail };
      }
      const estimate = estimateChoice(
        { kind: stop.kind, generated: stop.at, answerStart },
        history.snapshot(model, scope),
        maxTokens,
      );
      return { kind: "cut", estimate, truth: length - stop.at };
    },
  };
}
