import { describe, expect, it } from "vitest";
import type { Channel } from "../../../src/engine/types";
import { arithmeticValidator } from "../../../src/validators/math/arithmetic";
import { createThinkingSplit, type Region } from "../../../src/validators/math/thinking";
import { randomSplit, runValidator, verdictUnderAnySplit } from "../../helpers/chunking";
import { maker, verdict } from "./helpers";

/** The region runs a split gives for `pieces`, joined per region, with the offset each starts at. */
function regions(pieces: readonly string[], channel: Channel = "content") {
  const split = createThinkingSplit({ channel });
  const out: { region: Region; text: string; start: number }[] = [];
  const visit = (region: Region, text: string, start: number) => {
    const last = out[out.length - 1];
    if (last && last.region === region && last.start + last.text.length === start) last.text += text;
    else out.push({ region, text, start });
    return undefined;
  };
  for (const piece of pieces) split.push(piece, visit);
  split.end(visit);
  return { runs: out, thinkingEnd: split.thinkingEnd };
}

describe("thinking split", () => {
  it("reads a `<think>` block that opens the content as thinking, and the rest as the answer", () => {
    const text = "\n<think>\n3 + 4 = 7.\n</think>\nThe answer is 7.";
    expect(regions([text])).toEqual({
      runs: [
        { region: "thinking", text: "\n3 + 4 = 7.\n", start: 8 },
        { region: "answer", text: "\nThe answer is 7.", start: text.indexOf("</think>") + 8 },
      ],
      thinkingEnd: text.indexOf("</think>") + 8,
    });
  });

  it("reads content without an opening tag as all answer, even when it mentions a tag later", () => {
    const text = "So 3 + 4 = 7. <think> is a tag. </think>";
    expect(regions([text]).runs).toEqual([{ region: "answer", text, start: 0 }]);
  });

  it("reads the whole reasoning channel as thinking, `</think>` or not", () => {
    expect(regions(["Hmm, 2 + 2 = 4.", " </think> still thinking"], "reasoning").runs).toEqual([
      { region: "thinking", text: "Hmm, 2 + 2 = 4. </think> still thinking", start: 0 },
    ]);
  });

  it("gives the same regions however the text is split, tags included", () => {
    const text = "  <think>Let me see: 12 × 3 = 36.</thi\nnk> no, </think>\n\\boxed{36} and more </think>";
    const whole = regions([text]);
    expect(whole.runs.map((r) => r.region)).toEqual(["thinking", "answer"]);
    for (let seed = 1; seed <= 40; seed += 1) expect(regions(randomSplit(text, seed, 4))).toEqual(whole);
    expect(regions(Array.from(text))).toEqual(whole);
  });

  it("holds back no more than a tag's length", () => {
    const split = createThinkingSplit({ channel: "content" });
    const visit = () => undefined;
    split.push("<think>", visit);
    for (let i = 0; i < 1000; i += 1) split.push("thinking about 3 + 4 = 7 <", visit);
    expect(split.size()).toBeLessThanOrEqual("</think>".length);
  });
});

describe("arithmetic in a model's thinking", () => {
  const make = maker(arithmeticValidator);
  const think = (thinking: string, answer = "\n\\boxed{0}") => `<think>\n${thinking}\n</think>\n${answer}`;

  it.each([
    ["taken back at once", "So 3 × 4 = 13? No wait, 3 × 4 = 12. Then 12 + 5 = 17."],
    [
      "taken back with a cue in the next lines",
      "3 × 4 = 13. Then 13 + 5 = 18.\nHmm, let me recheck the first step: it is 12, so 17.",
    ],
    [
      "redone correctly much later",
      `48 / 3 = 15, so 15 × 2 = 30. ${"The legs add up and the units are miles. ".repeat(12)}Checking: 48 / 3 = 16, so 16 × 2 = 32.`,
    ],
    ["written once and not used", "The perimeter would be 2 × (8 + 5) = 28, but we want the area: 8 × 5 = 40."],
  ])("accepts a false step %s", (_label, thinking) => {
    expect(verdict(make, think(thinking, "\n\\boxed{17}"))).toBeUndefined();
  });

  it("rejects a false step whose result is still used when the thinking ends, at the `</think>`", () => {
    const text = think("17 × 23 = 381. Then 381 + 9 = 390 seats.", "\nThere are 390 seats.");
    const finding = verdict(make, text);
    expect(finding?.at).toBe(text.indexOf("</think>") + "</think>".length);
    expect(finding?.detail).toMatch(/never corrects it and goes on with 381/);
  });

  it("rejects the same false step written twice, when the second one's window closes", () => {
    const padding = "The path is outside the garden. ".repeat(14);
    const text = think(`14 × 14 = 186 square meters. ${padding}So 14 × 14 = 186. ${padding}`);
    const finding = verdict(make, text);
    expect(finding?.detail).toMatch(/computes it wrong a second time/);
    expect(finding?.at).toBeLessThan(text.indexOf("</think>"));
  });

  it("rejects an answer whose final value is the wrong result of a step the thinking never fixed", () => {
    const text = think("6 tables of 7 guests, so 6 × 7 = 43 guests.", "\nSix tables seat \\boxed{43} guests.");
    const finding = verdict(make, text);
    expect(finding?.at).toBe(text.indexOf("{43}") + 4);
    expect(finding?.detail).toMatch(/the answer 43 is the result of `6 × 7 = 43`/);
  });

  it("holds the answer after the thinking to the full rules", () => {
    const text = think("12 × 15 = 180.", "\nSo $12 \\times 15 = 170$ pencils. Done");
    expect(verdict(make, text)?.at).toBe(text.indexOf("pencils.") + "pencils.".length);
  });

  it("reads the reasoning channel as thinking, reporting a used slip when that stream ends", () => {
    const reasoning = maker(arithmeticValidator, {}, "", "reasoning");
    const text = "17 × 23 = 381. Then 381 + 9 = 390.";
    const v = reasoning();
    expect(v.push(text)).toBeUndefined();
    expect(v.end()?.at).toBe(text.length);
    expect(verdict(reasoning, "3 × 4 = 13, no wait, 12. So 12 + 5 = 17.")).toBeUndefined();
  });

  it("gives the same finding under any chunking", () => {
    const text = think(
      "So 3 × 4 = 13? No wait, 12. Then 17 × 23 = 381, and 381 + 9 = 390. Next 5 × 5 = 25.",
      "\nThere are \\boxed{390} seats.",
    );
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    expect(finding?.at).toBe(text.indexOf("</think>") + "</think>".length);
  });

  it("keeps its state small over a long thinking", () => {
    const v = make();
    expect(v.push("<think>\n")).toBeUndefined();
    const line = "Try n = 7: 7^2 + 1 = 50, and 50 / 5 = 10, so yes. Also 3 × 4 = 13, hmm no, 12. ";
    for (let n = 0; n < 100_000; n += line.length) expect(v.push(line)).toBeUndefined();
    expect(v.stateSize!()).toBeLessThan(6000);
    expect(runValidator(v, ["</think>\n\\boxed{40}"])).toBeUndefined();
  });
});
