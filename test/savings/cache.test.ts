import { describe, expect, it } from "vitest";
import { cachedHistory, HISTORY_CACHE_MS, learnLocally, rememberHistory } from "../../src/savings/cache";
import { EMPTY_HISTORY } from "../../src/savings/types";

const observation = (scope: string, lengths: number[], exitTails: number[] = []) => ({
  model: "m",
  scope,
  lengths,
  exitTails,
});

describe("the isolate's copies of the savings history", () => {
  it("serves a loaded snapshot for HISTORY_CACHE_MS, then asks the meter again", () => {
    rememberHistory("acme", "m", "packs:default", EMPTY_HISTORY, 1_000);
    expect(cachedHistory("acme", "m", "packs:default", 1_000 + HISTORY_CACHE_MS - 1)).toEqual(EMPTY_HISTORY);
    expect(cachedHistory("acme", "m", "packs:default", 1_000 + HISTORY_CACHE_MS)).toBeUndefined();
    expect(cachedHistory("beta", "m", "packs:default", 1_000)).toBeUndefined();
  });

  it("applies what the isolate teaches to its copies: the key's own window and every key's model window", () => {
    rememberHistory("acme", "m", "packs:default", EMPTY_HISTORY, 0);
    rememberHistory("acme", "m", "task:sql", EMPTY_HISTORY, 0);
    rememberHistory("beta", "m", "packs:default", EMPTY_HISTORY, 0);
    learnLocally("acme", observation("packs:default", [60, 61], [7]));
    expect(cachedHistory("acme", "m", "packs:default", 0)).toEqual({
      lengths: { key: [60, 61], model: [60, 61] },
      exitTails: { key: [7], model: [7] },
      answerLengths: { key: [], model: [] },
      rejected: { key: [], model: [] },
      cutAt: { key: [], model: [] },
    });
    expect(cachedHistory("acme", "m", "task:sql", 0)).toEqual({
      lengths: { key: [], model: [60, 61] },
      exitTails: { key: [], model: [7] },
      answerLengths: { key: [], model: [] },
      rejected: { key: [], model: [] },
      cutAt: { key: [], model: [] },
    });
    learnLocally("acme", { ...observation("packs:default", [], []), rejected: [1, 0], cutAt: [12] });
    expect(cachedHistory("acme", "m", "packs:default", 0)).toMatchObject({
      rejected: { key: [1, 0], model: [1, 0] },
      cutAt: { key: [12], model: [12] },
    });
    expect(cachedHistory("beta", "m", "packs:default", 0)).toEqual(EMPTY_HISTORY);
  });
});
