import { describe, expect, it } from "vitest";
import { inventedQuantitiesValidator } from "../../../src/validators/math/invented-quantities";
import { verdictUnderAnySplit } from "../../helpers/chunking";
import { maker, verdict } from "./helpers";

const prompt =
  "Janet's ducks lay 16 eggs per day. She eats three for breakfast and bakes muffins with twice that many. " +
  "She sells the rest for $2 each, a dozen at a time, with a 20% discount.";
const make = maker(inventedQuantitiesValidator, {}, prompt);

describe("invented-quantities", () => {
  it("accepts operands from the prompt, number words, earlier results and common constants", () => {
    const text =
      "She eats 3 and bakes 3 * 2 = 6 eggs.\nShe sells 16 - 3 - 6 = 7 eggs.\n7 * 2 = 14 dollars, 14 * 0.8 = 11.2, " +
      "12 * 2 = 24 per dozen, 24 * 7 = 168 a week, 168 / 60 = 2.8 per minute.\nA: 11.2";
    expect(verdict(make, text)).toBeUndefined();
  });

  it("reports an operand that comes from nowhere when its equation closes", () => {
    const text = "She sells 16 - 3 = 13 eggs, so 13 * 5 = 65 dollars.";
    const finding = verdict(make, text);
    expect(finding?.detail).toMatch(/^5 in/);
    expect(finding?.at).toBe(text.length); // `dollars` is a unit of 65: the `.` closes the chain
  });

  it("counts number words written earlier in the output", () => {
    expect(verdict(make, "Four fifths of 16 is 16 * 4 / 5 = 12.8 eggs.")).toBeUndefined();
  });

  it("ignores calculator annotations, which repeat the text's equation", () => {
    expect(verdict(make, "16 - 3 = <<16-3=13>>13 eggs")).toBeUndefined();
  });

  it("gives the same finding under any chunking", () => {
    const text = "Four fifths of 16 eggs: 16 * 4 / 5 = 12.8.\nThen 12.8 * 9 = 115.2 and 3 + 1 = 4.\n";
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    expect(finding?.detail).toMatch(/^9 in/);
  });

  it("does not check the thinking, but knows the numbers it computed in the answer after it", () => {
    const text = "<think>\nTry 13 * 5 = 65 and 65 * 9 = 585.\n</think>\nSo 585 - 65 = 520 in all.";
    expect(verdict(make, text)).toBeUndefined();
    expect(verdict(make, "<think>\n13 * 5 = 65.\n</think>\nSo 65 * 9 = 585 in all.")?.detail).toMatch(/^9 in/);
  });

  it("gives the same finding under any chunking of a thinking and its answer", () => {
    const text = "<think>\nTry 13 * 5 = 65.\n</think>\nSo 65 * 2 = 130.\nThen 130 * 9 = 1170.\n";
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    expect(finding?.detail).toMatch(/^9 in/);
  });

  it("keeps its state bounded however many numbers it sees", () => {
    const v = maker(inventedQuantitiesValidator, { maxKnown: 100 }, prompt)();
    for (let i = 0; i < 20_000; i += 1) v.push(`item ${i} costs 16 dollars. `);
    expect(v.stateSize!()).toBeLessThan(400);
  });
});
