import { describe, expect, it } from "vitest";
import { acceptK, fanOut, oneRequest, replayRow, type Draw } from "../../scripts/lib/eval-fanout";

const loop: Draw = { prompt: 20, tokens: 800, stop: 70, sample: false, cut: true };
const clean: Draw = { prompt: 20, tokens: 800, stop: 800, sample: true, cut: false };

describe("the rejection-sampling replay", () => {
  it("bills one n = 4 request for every choice as long as any other runs, and fan-out for each up to its cut", () => {
    const draws = [loop, clean, loop, clean];
    expect(oneRequest(draws)).toEqual({ tokens: 20 + 3_200, completion: 3_200, samples: 2 });
    expect(fanOut(draws)).toEqual({ tokens: 4 * 20 + 1_740, completion: 1_740, samples: 2 });
  });

  it("refills x-inflight-accept after each rejection and stops the attempts still running at the k-th sample", () => {
    const short: Draw = { ...clean, tokens: 100, stop: 100 };
    // k = 2, 2 at a time: the loop ends at 70 and a refill starts; the short sample ends at 100, the refill
    // (a long clean one) at 870, when the request has its two samples.
    const cost = acceptK([loop, short, clean, clean], { n: 2, k: 2, maxAttempts: 4 });
    expect(cost).toEqual({ tokens: 3 * 20 + 70 + 100 + 800, completion: 970, samples: 2 });
    // At most maxAttempts start: two loops in a budget of two give nothing.
    expect(acceptK([loop, loop, clean], { n: 1, k: 1, maxAttempts: 2 })).toEqual({
      tokens: 180,
      completion: 140,
      samples: 0,
    });
  });

  it("adds up a corpus in requests of four and pools of eight, with the auto rule deciding request by request", () => {
    const row = replayRow(
      "c",
      "p",
      Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? loop : clean)),
    );
    expect(row).toMatchObject({ draws: 16, samples: 8, pools: 2, reached: 2 });
    expect(row.one.tokens / row.one.samples).toBeGreaterThan(row.fanout.tokens / row.fanout.samples);
    // Short prompts and long samples that loop half the time: the rule fans every request out.
    expect(row.autoFannedOut).toBe(4);
    expect(row.auto).toEqual(row.fanout);
  });
});
