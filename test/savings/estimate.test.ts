import { describe, expect, it } from "vitest";
import { combineEstimates, DEFAULT_LOOP_CAP, estimateChoice, MIN_SAMPLES } from "../../src/savings/estimate";
import { EXIT_TAIL_PRIOR, LENGTH_PRIOR } from "../../src/savings/prior";
import { EMPTY_HISTORY, type HistorySnapshot } from "../../src/savings/types";

const lengths = (key: number[], model: number[] = key): HistorySnapshot => ({
  lengths: { key, model },
  exitTails: { key: [], model: [] },
});
const tails = (key: number[]): HistorySnapshot => ({
  lengths: { key: [], model: [] },
  exitTails: { key, model: key },
});
/** Short JSON answers of 55 to 70 tokens, as a team asking for one small object gets them. */
const shortAnswers = Array.from({ length: 40 }, (_, i) => 55 + (i % 16));

describe("the saved estimate", () => {
  it("books no more than a short answer had left when it is rejected at its first token, whatever max_tokens allows", () => {
    // The example: a 62-token JSON answer rejected at token 1 with max_tokens 1500 booked 1,499.
    const estimate = estimateChoice({ kind: "typical", generated: 1 }, lengths(shortAnswers), 1500);
    expect(estimate.method).toBe("length_history");
    expect(estimate.samples).toBe(40);
    expect(estimate.tokens).toBeGreaterThanOrEqual(55);
    expect(estimate.tokens).toBeLessThanOrEqual(69);
    expect(estimate.p10).toBeGreaterThanOrEqual(54);
    expect(estimate.p90).toBeLessThanOrEqual(69);
    const request = combineEstimates([estimate], { maxTokens: 1500, choices: 1, generated: 1 });
    expect(request).toMatchObject({ completion_tokens: estimate.tokens, upper_bound: 1499 });
  });

  it("estimates E[L - k | L > k]: the further a stream has run, the less of a typical answer is left", () => {
    const history = lengths(Array.from({ length: 100 }, (_, i) => 100 + i)); // 100..199
    const at = (k: number) => estimateChoice({ kind: "typical", generated: k }, history, undefined).tokens;
    expect(at(0)).toBe(150); // the mean length
    expect(at(150)).toBe(25); // 151..199, less 150
    expect(at(190)).toBe(5);
  });

  it("never estimates more than max_tokens leaves, for the point or the interval", () => {
    const estimate = estimateChoice({ kind: "typical", generated: 80 }, lengths([100, 400, 900, 1500, 3000]), 500);
    expect(estimate.tokens).toBeLessThanOrEqual(420);
    expect(estimate.p90).toBe(420);
  });

  it("runs a degenerate output (a loop) to max_tokens, or to the documented cap without it", () => {
    const withMax = estimateChoice({ kind: "degeneration", generated: 300 }, lengths(shortAnswers), 2000);
    expect(withMax).toEqual({ tokens: 1700, p10: 1700, p90: 1700, method: "loop_to_max_tokens", samples: 0 });
    const without = estimateChoice({ kind: "degeneration", generated: 300 }, EMPTY_HISTORY, undefined);
    expect(without).toMatchObject({ tokens: DEFAULT_LOOP_CAP - 300, method: "loop_to_default_cap" });
    expect(estimateChoice({ kind: "degeneration", generated: 5000 }, EMPTY_HISTORY, undefined).tokens).toBe(0);
  });

  it("saves the tail measured after answers for an early exit, not the rest of a typical answer", () => {
    const measured = tails([0, 10, 10, 20, 20, 20, 20, 30, 30, 40]);
    const estimate = estimateChoice({ kind: "exit", generated: 40 }, measured, undefined);
    expect(estimate).toMatchObject({ tokens: 20, method: "exit_tail_history", samples: 10 });
    expect(estimateChoice({ kind: "exit", generated: 40 }, measured, 50).p90).toBe(10);
  });

  it("saves the rest of the answer for a rejection in the final answer, learned from accepted answers", () => {
    const answers: HistorySnapshot = {
      ...tails([30, 30, 30, 30, 30]),
      answerLengths: { key: [8, 10, 10, 12, 12, 12, 14, 20], model: [] },
    };
    // 40 tokens of reasoning, then 10 tokens into the answer: E[A - 10 | A > 10] over 12, 12, 12, 14, 20.
    const cut = estimateChoice({ kind: "answer", generated: 50, answerStart: 40 }, answers, undefined);
    expect(cut).toMatchObject({ tokens: 4, method: "answer_length_history", samples: 8 });
    // The model's answers stand in for a key with too few; without either, or without an answer start, the tail
    // measured after exits does.
    const model = { ...answers, answerLengths: { key: [5], model: [8, 10, 10, 12, 12, 12, 14, 20] } };
    const fromModel = estimateChoice({ kind: "answer", generated: 50, answerStart: 40 }, model, undefined);
    expect(fromModel).toMatchObject({ tokens: 4, method: "answer_length_model_history" });
    const few = { ...answers, answerLengths: { key: [5], model: [5] } };
    const exit = estimateChoice({ kind: "exit", generated: 50 }, few, undefined);
    expect(estimateChoice({ kind: "answer", generated: 50, answerStart: 40 }, few, undefined)).toEqual(exit);
    expect(exit.method).toBe("exit_tail_history");
    expect(estimateChoice({ kind: "answer", generated: 50 }, answers, undefined).method).toBe("exit_tail_history");
  });

  it("books nothing for a choice its rule decided after it had ended, and no bound when every cut choice had", () => {
    const ended = estimateChoice({ kind: "ended", generated: 40 }, lengths(shortAnswers), 1500);
    expect(ended).toEqual({ tokens: 0, p10: 0, p90: 0, method: "already_generated", samples: 0 });
    const bound = { maxTokens: 1500, choices: 2, generated: 80 };
    expect(combineEstimates([ended, ended], bound)).toMatchObject({ completion_tokens: 0, upper_bound: 0 });
    // Beside a choice cut mid-output, the request's bound is max_tokens x n less what was generated, as ever.
    const cut = estimateChoice({ kind: "typical", generated: 1 }, lengths(shortAnswers), 1500);
    expect(combineEstimates([ended, cut], bound)).toMatchObject({
      completion_tokens: cut.tokens,
      method: "mixed",
      upper_bound: 2920,
    });
  });

  it("rests on the documented prior with too little history, and says so", () => {
    const prior = estimateChoice({ kind: "typical", generated: 0 }, EMPTY_HISTORY, undefined);
    expect(prior.method).toBe("length_prior");
    expect(prior.samples).toBe(0);
    expect(prior.tokens).toBe(Math.round(LENGTH_PRIOR.reduce((a, b) => a + b, 0) / LENGTH_PRIOR.length));
    const exit = estimateChoice({ kind: "exit", generated: 10 }, EMPTY_HISTORY, undefined);
    expect(exit.method).toBe("exit_tail_prior");
    expect(exit.tokens).toBe(Math.round(EXIT_TAIL_PRIOR.reduce((a, b) => a + b, 0) / EXIT_TAIL_PRIOR.length));
    // A few observations are pooled with the prior but do not yet outweigh it.
    const few = estimateChoice({ kind: "typical", generated: 0 }, lengths([60, 60]), undefined);
    expect(few).toMatchObject({ method: "length_prior", samples: 2 });
    expect(few.tokens).toBeLessThan(prior.tokens);
  });

  it("falls back to the model's history across tasks before the prior, and lets the key's own take over", () => {
    const model = Array.from({ length: 30 }, () => 500);
    const fallback = estimateChoice({ kind: "typical", generated: 0 }, lengths([50], model), undefined);
    expect(fallback).toMatchObject({ tokens: 500, method: "length_model_history", samples: 30 });
    const own = Array.from({ length: MIN_SAMPLES * 2 }, () => 50);
    expect(estimateChoice({ kind: "typical", generated: 0 }, lengths(own, model), undefined)).toMatchObject({
      tokens: 50,
      method: "length_history",
    });
  });

  it("past everything seen, takes the remainder as exponential with the longest tenth's mean excess", () => {
    const history = lengths(Array.from({ length: 100 }, (_, i) => 100 + i));
    const beyond = estimateChoice({ kind: "typical", generated: 400 }, history, undefined);
    // The longest tenth (190..199) exceeds the p90 (189) by 5.5 on average.
    expect(beyond.tokens).toBe(6);
    expect(beyond.p10).toBeLessThan(beyond.tokens);
    expect(beyond.p90).toBeGreaterThan(beyond.tokens);
  });

  it("adds up the choices of an n > 1 request, bounds included, and names a mix of methods", () => {
    const typical = estimateChoice({ kind: "typical", generated: 10 }, lengths(shortAnswers), 100);
    const loop = estimateChoice({ kind: "degeneration", generated: 30 }, lengths(shortAnswers), 100);
    const request = combineEstimates([typical, loop], { maxTokens: 100, choices: 3, generated: 60 });
    expect(request).toEqual({
      completion_tokens: typical.tokens + 70,
      p10: typical.p10 + 70,
      p90: typical.p90 + 70,
      method: "mixed",
      samples: 0,
      upper_bound: 240,
    });
    expect(combineEstimates([], { maxTokens: 100, choices: 1, generated: 0 })).toBeNull();
  });
});
