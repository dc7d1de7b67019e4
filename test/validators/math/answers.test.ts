import { describe, expect, it } from "vitest";
import { answerCompleteValidator } from "../../../src/validators/math/answer-complete";
import { answerConsistencyValidator } from "../../../src/validators/math/answer-consistency";
import { verdictUnderAnySplit } from "../../helpers/chunking";
import { maker, verdict } from "./helpers";

describe("answer-consistency", () => {
  const make = maker(answerConsistencyValidator);

  it.each([
    "The answer is 12.\n#### 12\n",
    "So the answer is 18 dollars.\nA: 18",
    "Therefore, the answer is $1,200.\n\\boxed{1200}",
    "So the answer is (A).\nAnswer: A",
    "\\boxed{\\frac{1}{2}} and so the answer is 0.5.",
    "1) What has a heart?\nAnswer: An artichoke!\n2) Why was the book sad?\nAnswer: Because it had too many problems.",
    "If the answer is 5, then 5 * 2 = 10. The answer is 7.",
    "A: green, B: blue\nA: red, B: yellow",
  ])("accepts %j", (text) => {
    expect(verdict(make, text)).toBeUndefined();
  });

  it("reports a second, different answer when it completes", () => {
    const text = "The answer is 12.\nLet me check again.\n#### 15\n";
    const finding = verdict(make, text);
    expect(finding?.at).toBe(text.length);
    expect(finding?.detail).toBe('the output answers "12" and then "15"');
  });

  it("reports a different last line at the end of the stream", () => {
    expect(verdict(make, "So the answer is 3.\nA: 4")?.detail).toMatch(/"3" and then "4"/);
  });

  it("gives the same finding under any chunking", () => {
    const text = "Thus, the answer is 3.5 kg. Wait.\n\\boxed{{3.6}}\nThe answer is 3.6.\n";
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    expect(finding?.at).toBe(text.indexOf("}}") + 2);
  });

  it("keeps its state small however long the output", () => {
    const v = make();
    for (let n = 0; n < 100_000; n += 60) v.push("A long line of prose about numbers 1, 2 and 3 that never ends ");
    expect(v.stateSize!()).toBeLessThan(2000);
  });

  it("treats answers inside the thinking as drafts", () => {
    const text = "<think>\nSo the answer is 13. Hmm, wait, recount. The answer is 12.\n</think>\n\\boxed{12}";
    expect(verdict(make, text)).toBeUndefined();
  });

  it("rejects a final answer that contradicts the thinking's conclusion", () => {
    const text = "<think>\n6 × 7 = 42.\n\nSo the answer is 42.\n</think>\nThe box holds \\boxed{24} chocolates.";
    const finding = verdict(make, text);
    expect(finding?.at).toBe(text.indexOf("{24}") + 4);
    expect(finding?.detail).toBe('the thinking concludes "42" and the answer says "24"');
  });

  it("does not compare the answer with a draft stated long before the thinking ended", () => {
    const text = `<think>\nThe answer is 42.\n${"Let me look at this from another side. ".repeat(20)}\n</think>\n\\boxed{24}`;
    expect(verdict(make, text)).toBeUndefined();
    expect(verdict(maker(answerConsistencyValidator, { thinkingConclusion: 2000 }), text)?.detail).toMatch(/"42"/);
  });

  it("gives the same finding under any chunking of a thinking and its answer", () => {
    const text = "<think>\nSo the answer is 42.\n</think>\nThus, the answer is 24. Done\n";
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    expect(finding?.at).toBe(text.indexOf(" Done") + 1);
  });
});

describe("answer-complete", () => {
  const make = maker(answerCompleteValidator);

  it.each([
    ["\\boxed{", "\\boxed{\\frac{1}{2}}"],
    ["#### ", "#### 18\n"],
    ["So the answer is ", "So the answer is 3.5. "],
    ["A: ", "A: 18\n"],
    ["Answer: ", "Answer: (6 - 4) * 4 = 8\n"],
  ])("reports when a %j answer is complete", (_marker, text) => {
    expect(verdict(make, `Some work: 3 + 4 = 7.\n${text}More text`)?.at).toBe(`Some work: 3 + 4 = 7.\n${text}`.length);
  });

  it("does not report an unfinished answer or the end of the stream", () => {
    expect(verdict(make, "\\boxed{\\frac{1}{2}")).toBeUndefined();
    expect(verdict(make, "#### 18")).toBeUndefined();
    expect(verdict(make, "So the answer is 3.5")).toBeUndefined();
    expect(verdict(make, "A: Hey, how is it going?\nB: fine\n")).toBeUndefined();
  });

  it("only reports the markers its params choose", () => {
    const boxedOnly = maker(answerCompleteValidator, { markers: ["boxed"] });
    expect(verdict(boxedOnly, "#### 18\nso \\boxed{18}")?.at).toBe("#### 18\nso \\boxed{18}".length);
  });

  it("gives the same finding under any chunking", () => {
    const text = "3.5 and 4. So the answer is 3.5. Done\n";
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    expect(finding?.at).toBe(text.indexOf(" Done") + 1);
  });

  it("keeps its state small however long the output", () => {
    const v = make();
    for (let n = 0; n < 100_000; n += 60) v.push("A long line of prose about numbers 1, 2 and 3 that never ends ");
    expect(v.stateSize!()).toBeLessThan(2000);
  });

  it("never exits inside the thinking, and exits after it", () => {
    const text = "<think>\nMaybe \\boxed{13}? #### 13\nSo the answer is 13. No: 12.\n</think>\nSo \\boxed{12} it is.";
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    expect(finding?.at).toBe(text.indexOf("{12}") + 4);
  });

  it("does not run on the reasoning channel", () => {
    expect(maker(answerCompleteValidator, {}, "", "reasoning")()).toBeUndefined();
  });
});
