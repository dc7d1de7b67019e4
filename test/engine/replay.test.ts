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
        output: "Each day she makes 12 * 3 = $36.\nIn 5 days she makes 36 * 5 = $170.\nThat is her total.\n#### 170",
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
      [2, 1, "rejected", "math.repetition-loop"],
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

describe("replay summary", () => {
  it("carries each line's own id and custom_id into its samples and its unreadable entries", () => {
    const report = replayLines(
      [
        JSON.stringify({ id: "q1", output: "Fine." }),
        JSON.stringify({
          id: 2,
          custom_id: "task-2",
          response: { body: { choices: [{ message: { content: "Ok." } }] } },
        }),
        JSON.stringify({ id: "q3", note: "no text" }),
        "not json",
      ],
      packs(),
    );
    expect(report.samples.map((s) => [s.line, s.id, s.custom_id])).toEqual([
      [1, "q1", undefined],
      [2, 2, "task-2"],
    ]);
    expect(report.unreadable.map((u) => [u.line, u.id])).toEqual([
      [3, "q3"],
      [4, undefined],
    ]);
  });

  it("counts lines read, samples per outcome, and per rule the samples it rejected, ended or flagged", () => {
    const lines = [
      JSON.stringify({ question: "2 + 2?", output: "2 + 2 = 5" }),
      JSON.stringify({ question: "2 + 2?", output: "2 + 2 = 4.\nSo the answer is 4.\nAnd more after it." }),
      "",
      JSON.stringify({ input: "40 apples, 15 sold?", text: "40 - 15 = 25 apples, 25 * 150 = 3750 grams." }),
      JSON.stringify({ output: loop }),
    ];
    const { totals } = replayLines(lines, packs());
    expect(totals).toMatchObject({ lines: 5, samples: 4, accepted: 0, rejected: 2, exited: 1, flagged: 1 });
    expect(totals.byRule).toEqual({
      "math.arithmetic": { rejected: 1, exited: 0, flagged: 0 },
      "math.invented-quantities": { rejected: 0, exited: 0, flagged: 1 },
      "math.repetition-loop": { rejected: 1, exited: 0, flagged: 0 },
      "math.stop-after-answer": { rejected: 0, exited: 1, flagged: 0 },
    });
    expect(Object.keys(totals.byRule)).toEqual(Object.keys(totals.byRule).sort());
  });
});
