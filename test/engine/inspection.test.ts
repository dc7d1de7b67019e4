import { describe, expect, it } from "vitest";
import { createInspection, type Verdict } from "../../src/engine/inspection";
import { estimateTokens } from "../../src/engine/tokens";
import { randomSplit } from "../helpers/chunking";
import { shippedPacks } from "../../src/packs";
import { context, pack } from "../helpers/packs";

const key = { choice: 0, channel: "content" as const };

function run(packs: Parameters<typeof createInspection>[0], pieces: string[]) {
  const inspection = createInspection(packs, context());
  let verdict: Verdict | undefined;
  for (const piece of pieces) {
    verdict = inspection.push(key, piece);
    if (verdict) return { verdict, inspection };
  }
  return { verdict: inspection.end(0), inspection };
}

const staged = pack({
  name: "staged",
  description: "reasoning, then an answer",
  stages: [{ id: "reasoning", until: ["####", "</think>"] }, { id: "answer" }],
  rules: [
    {
      id: "answer-is-number",
      stage: "answer",
      validator: "regex",
      params: { pattern: "^####\\s*-?\\d+\\s*$", mode: "must_match" },
      message: "The answer must be a number.",
    },
    {
      id: "short-reasoning",
      stage: "reasoning",
      validator: "length-budget",
      params: { maxChars: 200 },
      message: "Reasoning too long.",
    },
    {
      id: "no-hedging",
      validator: "regex",
      params: { pattern: "I think maybe", flags: "i" },
      action: "flag",
      message: "Hedging.",
    },
  ],
});

describe("inspection", () => {
  it("splits stages at markers and runs each rule only on its stage", () => {
    const ok = run([staged], ["Two plus two is four.\n#", "### 4"]);
    expect(ok.verdict).toBeUndefined();
    const bad = run([staged], ["Two plus two is four.\n#### four"]);
    expect(bad.verdict?.rejection).toMatchObject({
      rule: "answer-is-number",
      stage: "answer",
      validator: "regex",
      action: "reject",
    });
    expect(bad.verdict?.rejection.offset.chars).toBe("Two plus two is four.\n#### four".length);
  });

  it("tells where a choice's final answer began, in tokens over all of its streams, once it has one", () => {
    const inspection = createInspection([staged], context());
    inspection.push({ choice: 0, channel: "reasoning" }, "Let me add them up.");
    inspection.push(key, "Two plus two is four.\n");
    expect(inspection.answerStart(0)).toBeUndefined();
    inspection.push(key, "#### 4");
    const before = estimateTokens("Let me add them up.") + estimateTokens("Two plus two is four.\n");
    expect(inspection.answerStart(0)).toBe(before);
    expect(inspection.end(0)).toBeUndefined();
    expect(inspection.choiceTokens(0) - inspection.answerStart(0)!).toBe(estimateTokens("#### 4"));
    // A pack of one stage has no final answer to measure.
    const single = createInspection(
      [...shippedPacks().values()].filter((p) => p.stages.length === 1),
      context(),
    );
    single.push(key, "Two plus two is four.\n#### 4");
    expect(single.answerStart(0)).toBeUndefined();
  });

  it("rejects a runaway stage at its budget, not at the end", () => {
    const text = "step. ".repeat(100);
    const { verdict } = run([staged], [text]);
    expect(verdict?.rejection).toMatchObject({ rule: "short-reasoning", offset: { chars: 200 } });
    expect(verdict?.rejection.offset.tokens).toBe(estimateTokens(text.slice(0, 200)));
  });

  it("gives the same verdict and offset under any split, including inside multi-byte characters", () => {
    const text = `Ünïcode 😀 reasoning ${"é".repeat(40)} more 🎉 text ${"z".repeat(200)}`;
    const whole = run([staged], [text]).verdict!.rejection;
    for (let seed = 1; seed <= 40; seed += 1) {
      const split = run([staged], randomSplit(text, seed, 7)).verdict!.rejection;
      expect(split.offset).toEqual(whole.offset);
      expect(split.rule).toBe(whole.rule);
    }
  });

  it("holds a marker split across pieces out of the earlier stage", () => {
    const marker = pack({
      name: "m",
      description: "d",
      stages: [{ id: "think", until: ["</think>"] }, { id: "out" }],
      rules: [
        {
          id: "no-close-tag",
          stage: "think",
          validator: "regex",
          params: { pattern: "</" },
          message: "no tags in thinking",
        },
      ],
    });
    for (let seed = 1; seed <= 30; seed += 1) {
      expect(run([marker], randomSplit("hmm, so the answer </think> is 4", seed, 3)).verdict).toBeUndefined();
    }
  });

  it("collects flags without stopping the stream", () => {
    const { verdict, inspection } = run([staged], ["I think maybe it is 4.\n", "#### 4"]);
    expect(verdict).toBeUndefined();
    expect(inspection.flags.map((f) => f.rule)).toEqual(["no-hedging"]);
  });

  it("reports an exit action as an exit verdict", () => {
    const exiting = pack({
      name: "e",
      description: "d",
      rules: [{ id: "done", validator: "regex", params: { pattern: "DONE" }, action: "exit", message: "finished" }],
    });
    const { verdict } = run([exiting], ["work work DONE\n", "chatter"]);
    expect(verdict?.action).toBe("exit");
    expect(verdict?.rejection.offset.chars).toBe("work work DONE\n".length);
  });

  it("clears text for hold-back at each checkpoint only", () => {
    const lines = pack({ name: "l", description: "d", stages: [{ id: "out", checkpoint: "line" }], rules: [] });
    const inspection = createInspection([lines], context());
    inspection.push(key, "first line\nsecond");
    expect(inspection.cleared(key)).toBe("first line\n".length);
    inspection.push(key, " half\n");
    expect(inspection.cleared(key)).toBe("first line\nsecond half\n".length);
    const whole = createInspection([pack({ name: "w", description: "d", rules: [] })], context());
    whole.push(key, "held\nuntil the end");
    expect(whole.cleared(key)).toBe(0);
    whole.end(0);
    expect(whole.cleared(key)).toBe("held\nuntil the end".length);
  });

  it("keeps rules requested for JSON off other requests", () => {
    const json = pack({
      name: "j",
      description: "d",
      rules: [
        {
          id: "braces",
          validator: "regex",
          params: { pattern: "^[^{]" },
          when: "json_requested",
          message: "JSON only",
        },
      ],
    });
    expect(createInspection([json], context()).push(key, "plain text\n")).toBeUndefined();
    expect(createInspection([json], context({ wantsJson: true })).push(key, "plain text\n")?.rejection.rule).toBe(
      "braces",
    );
  });

  it("counts tokens of every stream it saw", () => {
    const inspection = createInspection([], context());
    inspection.push(key, "hello world");
    inspection.push({ choice: 1, channel: "reasoning" }, "thinking hard");
    expect(inspection.tokens()).toBe(estimateTokens("hello world") + estimateTokens("thinking hard"));
    expect(inspection.choiceTokens(1)).toBe(estimateTokens("thinking hard"));
  });

  it("ends a choice at an early exit: a rejection by its reasoning stream's end-of-output checks wins", () => {
    const exitPack = pack({
      name: "exit-after-reasoning",
      description: "reasoning must conclude; the answer exits",
      rules: [
        {
          id: "concludes",
          validator: "regex",
          params: { pattern: "^Therefore", mode: "must_match" },
          channels: ["reasoning"],
          message: "The reasoning never concludes.",
        },
        { id: "done", validator: "regex", params: { pattern: "DONE" }, action: "exit", message: "Complete." },
      ],
    });
    const run = (reasoning: string) => {
      const inspection = createInspection([exitPack], context());
      expect(inspection.push({ choice: 0, channel: "reasoning" }, reasoning)).toBeUndefined();
      return inspection.push(key, "The answer. DONE\nmore");
    };
    expect(run("Thinking it over.\nStill thinking.")?.rejection).toMatchObject({
      rule: "concludes",
      action: "reject",
      channel: "reasoning",
    });
    expect(run("Thinking it over.\nTherefore 4.")?.rejection).toMatchObject({ rule: "done", action: "exit" });
  });

  it("converts the offset of a finding made after the piece it is about to the same tokens under any split", () => {
    const math = shippedPacks().get("math")!;
    const text = `${"We add the first numbers and carry on with the working. ".repeat(30)}So 3 × 4 = 13 apples. Then more.`;
    const tokensOf = (pieces: string[]) => run([math], pieces).verdict!.rejection.offset;
    const whole = tokensOf([text]);
    expect(whole.tokens).toBe(estimateTokens(text.slice(0, whole.chars)));
    for (let seed = 1; seed <= 20; seed += 1) expect(tokensOf(randomSplit(text, seed, 6))).toEqual(whole);
  });
});
