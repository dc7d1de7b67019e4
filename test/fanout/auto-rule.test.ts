import { describe, expect, it } from "vitest";
import { decideFanout, describeDecision, type AutoInputs } from "../../src/fanout/auto-rule";
import { EMPTY_HISTORY, type HistorySnapshot } from "../../src/savings/types";

const gpt4oMini = { input_per_million: 0.15, output_per_million: 0.6 };
const inputs = (overrides: Partial<AutoInputs> = {}): AutoInputs => ({
  n: 4,
  promptTokens: 50,
  maxTokens: undefined,
  price: gpt4oMini,
  history: EMPTY_HISTORY,
  ...overrides,
});

/** A key whose last 40 choices were `rejectedShare` rejected at `cutAt`, and whose accepted answers are `length` long. */
function history(length: number, rejectedShare: number, cutAt: number): HistorySnapshot {
  const choices = Array.from({ length: 40 }, (_, i) => (i < rejectedShare * 40 ? 1 : 0));
  const key = Array.from({ length: 40 }, (_, i) => length - 20 + i);
  return {
    lengths: { key, model: key },
    exitTails: { key: [], model: [] },
    rejected: { key: choices, model: choices },
    cutAt: { key: [cutAt, cutAt, cutAt, cutAt, cutAt], model: [] },
  };
}

describe("the auto fan-out rule", () => {
  it("fans out a short prompt on the prior alone: 3 x 50 x 0.15 = 22.5 < 4 x 0.1 x 286 x 0.6 = 68.6", () => {
    const decision = decideFanout(inputs());
    expect(decision).toMatchObject({ fanOut: true, pReject: 0.1, pRejectFrom: "prior", savedPerRejection: 286 });
    expect(decision.extraPromptCost).toBeCloseTo(22.5);
    expect(decision.expectedSaving).toBeCloseTo(68.64);
    expect(describeDecision(inputs(), decision)).toBe(
      "on; rule: 3 x 50 x 0.15 = 22.5 < 4 x 0.1 x 286 x 0.6 = 68.64 ((n-1) x prompt x in vs n x p_reject x saved x out, USD per 1M tokens; p_reject prior, saved length_prior)",
    );
  });

  it("keeps a long prompt in one request: 3 x 500 x 0.15 = 225 >= 68.6", () => {
    const decision = decideFanout(inputs({ promptTokens: 500 }));
    expect(decision.fanOut).toBe(false);
    expect(describeDecision(inputs({ promptTokens: 500 }), decision)).toMatch(/^off; rule: 3 x 500 x 0.15 = 225 >= /);
  });

  it("learns from the key's history: long samples that often loop early fan out even a long prompt", () => {
    const looping = history(800, 0.5, 75);
    const decision = decideFanout(inputs({ promptTokens: 1500, history: looping }));
    expect(decision.pRejectFrom).toBe("history");
    expect(decision.pReject).toBeCloseTo(21 / 50);
    expect(decision.savedPerRejection).toBeGreaterThan(650);
    expect(decision.fanOut).toBe(true);
    // A key that is never rejected does not pay the prompt n times.
    const clean = history(800, 0, 75);
    expect(decideFanout(inputs({ promptTokens: 1500, history: clean })).fanOut).toBe(false);
  });

  it("compares token counts for a model without a price, and keeps within max_tokens", () => {
    const decision = decideFanout(inputs({ price: undefined, promptTokens: 100, maxTokens: 50 }));
    expect(decision.priced).toBe(false);
    expect(decision.savedPerRejection).toBeLessThanOrEqual(50);
    expect(decision.fanOut).toBe(false);
    expect(describeDecision(inputs({ price: undefined }), decideFanout(inputs({ price: undefined })))).toContain(
      "unpriced: tokens",
    );
  });
});
