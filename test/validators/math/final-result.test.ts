import { describe, expect, it } from "vitest";
import { finalResultValidator } from "../../../src/validators/math/final-result";
import { verdictUnderAnySplit } from "../../helpers/chunking";
import { maker, verdict } from "./helpers";

const make = maker(finalResultValidator);

describe("final-result", () => {
  it.each([
    ["a line answer after a different result", "He makes 88000/10 = <<88000/10=8800>>8,800 a year.\nA: 8\n", "A: 8\n"],
    ["a `####` answer", "So 12 + 5 = 17 apples.\n#### 18\n", "#### 18\n"],
    ["a bold line answer", "Then 500 + 480 = 980 dollars.\n**A:** 990\n", "**A:** 990\n"],
  ])("rejects %s when the answer completes", (_label, text, tail) => {
    const finding = verdict(make, text);
    expect(finding?.at).toBe(text.indexOf(tail) + tail.length);
    expect(finding?.detail).toMatch(/is not the result/);
  });

  it.each([
    ["the same result", "So 12 + 5 = 17 apples.\n#### 17\n"],
    ["a rounded result", "Each gets 580/110 = 5.27 boxes.\nA: 5\n"],
    ["a percentage written as a number", "So 4 / 20 x 100% = 20%.\n#### 20\n"],
    ["a result without its sign", "The change is 90 - 180 = -90.\nA: 90\n"],
    ["one of the step's own numbers", "He can skip 4 classes, because 10 - 4 = <<10-4=6>>6\n#### 4\n"],
    [
      "an answer far from the last step",
      `So 12 + 5 = 17.\n${"Then we think about what the question asks. ".repeat(3)}\n#### 18\n`,
    ],
    ["a step it could not read", "He saves 15-9=$<<15-9=6.0>>6.\nA: 6\n"],
    ["a boxed competition answer", "So $2^6 = 64$, and $n = \\boxed{6}$."],
    ["an answer that is not a plain number", "So 3 + 4 = 7.\nA: 7 apples and 2 pears\n"],
    ["an answer sentence (not a line answer)", "Then 500 + 480 = 980 dollars. So the answer is 990. Next"],
    ["an answer inside the thinking", "<think>\n3 + 4 = 7.\nThe answer is 8.\n</think>\nSo 3 + 4 = 7.\n#### 7\n"],
  ])("accepts %s", (_label, text) => {
    expect(verdict(make, text)).toBeUndefined();
  });

  it("judges only the calculations written before the answer, however the text is split", () => {
    const text = "So 12 + 5 = 17 apples.\nA: 18\nThen 9 + 9 = 18 too.";
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    expect(finding?.at).toBe(text.indexOf("A: 18\n") + "A: 18\n".length);
  });

  it("reads only the lines before the answer, however long the solution and however it is split", () => {
    const text = `${"We add 2 + 2 = 4 more apples to the pile.\n".repeat(80)}So 12 + 5 = 17 apples.\nA: 18\n`;
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    expect(finding?.at).toBe(text.length);
  });

  it("judges a last-line answer at the end of the stream", () => {
    expect(verdict(make, "So 12 + 5 = 17 apples.\nA: 18")?.at).toBe("So 12 + 5 = 17 apples.\nA: 18".length);
  });

  it("keeps its state small however long the output", () => {
    const v = make();
    for (let n = 0; n < 100_000; n += 60)
      expect(v.push("We add 12 + 30 = 42 apples, then more prose about it ")).toBeUndefined();
    expect(v.stateSize!()).toBeLessThan(3000);
  });
});
