import { describe, expect, it } from "vitest";
import { replayLines } from "../../scripts/lib/replay-core";
import { shippedPacks } from "../../src/packs";

const packs = () => ["math", "default"].map((name) => shippedPacks().get(name)!);
const loop = "The rain falls on the quiet town tonight. ".repeat(12);

describe("replay", () => {
  it("gives each stored sample the verdict the Worker would give it, and totals the tokens saved", () => {
    const lines = [
      JSON.stringify({
        question: "12 loaves at $3 each for 5 days?",
        output: "Each day she makes 12 * 3 = $36.\nIn 5 days she makes 36 * 5 = $170.\n#### 170",
      }),
      JSON.stringify({
        object: "chat.completion",
        choices: [
          { index: 0, message: { role: "assistant", content: "Fine." } },
          { index: 1, message: { role: "assistant", content: loop } },
        ],
      }),
      "",
      '{"text": "an unterminated line',
    ];
    const report = replayLines(lines, packs());
    expect(report.samples.map((s) => [s.line, s.choice, s.status, s.verdict?.rule])).toEqual([
      [1, 0, "rejected", "math.arithmetic"],
      [2, 0, "accepted", undefined],
      [2, 1, "rejected", "repetition-loop"],
    ]);
    expect(report.unreadable).toEqual([expect.objectContaining({ line: 4 })]);
    const left = report.samples.reduce((sum, s) => sum + s.tokensLeft, 0);
    const estimated = report.samples.reduce((sum, s) => sum + (s.savedEstimate?.tokens ?? 0), 0);
    expect(report.totals).toMatchObject({ samples: 3, rejected: 2, accepted: 1, unreadable: 1, tokensLeft: left });
    expect(report.totals.savedEstimate.tokens).toBe(estimated);
    expect(left).toBeGreaterThan(0);
    // Accepted samples carry no estimate; every cut one does, from the model the meter runs.
    expect(report.samples.map((s) => s.savedEstimate?.method)).toEqual([
      "length_prior",
      undefined,
      "loop_to_default_cap",
    ]);
  });
});
