import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import tracesSource from "../../fixtures/reasoning-traces.jsonl?raw";
import mathPackSource from "../../../rules/math.yaml?raw";
import { createInspection, type Verdict } from "../../../src/engine/inspection";
import { splitLikeTokens } from "../../../src/engine/offline";
import { PackSchema } from "../../../src/engine/pack-schema";
import { estimateTokens } from "../../../src/engine/tokens";
import { shippedPacks } from "../../../src/packs";
import { mathValidators } from "../../../src/validators/math";
import { textValidators } from "../../../src/validators/text";
import { randomSplit } from "../../helpers/chunking";
import { context } from "../../helpers/packs";

interface Trace {
  id: string;
  prompt: string;
  reasoning?: string;
  content: string;
  correct: boolean;
  note: string;
}

const traces = tracesSource
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as Trace);
const math = () => shippedPacks().get("math")!;

/** Streams a trace as a reasoning model would: its reasoning channel first, then its content. */
function stream(trace: Trace, split: (text: string) => Iterable<string> = splitLikeTokens): Verdict | undefined {
  const inspection = createInspection([math()], context({ prompt: trace.prompt }));
  for (const [channel, text] of [
    ["reasoning", trace.reasoning ?? ""],
    ["content", trace.content],
  ] as const) {
    for (const piece of split(text)) {
      const verdict = inspection.push({ choice: 0, channel }, piece);
      if (verdict) return verdict;
    }
  }
  return inspection.end(0);
}

const byId = (id: string) => traces.find((trace) => trace.id === id)!;

describe("the math pack", () => {
  const pack = PackSchema.parse(parse(mathPackSource));

  it("names only math validators and the text packs' two loop validators, with parameters they accept", () => {
    const loops = textValidators.filter((k) => k.name === "repetition-loop" || k.name === "sentence-loop");
    expect(loops).toHaveLength(2);
    for (const rule of pack.rules) {
      const kind = [...mathValidators, ...loops].find((k) => k.name === rule.validator);
      expect(kind, rule.validator).toBeDefined();
      expect(kind!.params.safeParse(rule.params).success, rule.id).toBe(true);
    }
  });

  it("budgets the thinking far above the solution", () => {
    const budget = (id: string) => pack.rules.find((rule) => rule.id === id)!.params as { maxTokens: number };
    expect(budget("math.thinking-budget").maxTokens).toBeGreaterThanOrEqual(
      8 * budget("math.reasoning-budget").maxTokens,
    );
  });

  it("lets a long reasoning trace with self-corrections and a correct boxed answer through, ending at the answer", () => {
    const trace = byId("r1-long-enumeration");
    const thinking = trace.content.slice(0, trace.content.indexOf("</think>"));
    expect(estimateTokens(thinking)).toBeGreaterThan(2000);
    expect(thinking.match(/wait|Hmm, no|not right/g)?.length).toBe(3);
    const verdict = stream(trace);
    expect(verdict?.action).toBe("exit");
    expect(verdict?.rejection.offset.chars).toBe(trace.content.indexOf("\\boxed{40}") + "\\boxed{40}".length);
  });

  it.each(traces.filter((trace) => trace.correct).map((trace) => [trace.id, trace] as const))(
    "accepts the correct trace %s",
    (_id, trace) => {
      expect(stream(trace)?.action ?? "accepted").not.toBe("reject");
    },
  );

  it.each(
    traces
      .filter((trace) => !trace.correct && trace.id !== "r1-stray-slip-not-used")
      .map((trace) => [trace.id, trace] as const),
  )("rejects the wrong trace %s", (_id, trace) => {
    expect(stream(trace)?.action).toBe("reject");
  });

  it("stops a looping solution, or a looping thinking, when the loop is certain and not at a budget", () => {
    // A Game of 24 loop: every equation in it holds, so only the loop rule can stop it.
    const loop = "4 * 4 = 16 (left: 16)\n16 + 4 = 20 (left: 20)\n20 - 4 = 16 (left: 16)\n";
    const solution = stream({
      id: "loop",
      prompt: "4 4 4 10",
      content: `Steps:\n${loop.repeat(60)}`,
      correct: false,
      note: "",
    });
    expect(solution?.rejection.rule).toBe("math.repetition-loop");
    expect(solution!.rejection.offset.tokens).toBeLessThan(200);
    const thinking = stream({
      id: "loop-thinking",
      prompt: "4 4 4 10",
      reasoning: `Let me try.\n${loop.repeat(60)}`,
      content: "\\boxed{24}",
      correct: false,
      note: "",
    });
    expect(thinking?.rejection).toMatchObject({ rule: "math.repetition-loop", channel: "reasoning" });
  });

  it("lets a false step that nothing uses through, as documented", () => {
    expect(stream(byId("r1-stray-slip-not-used"))?.action).toBe("exit");
  });

  it("rejects a repeated slip on the reasoning channel before the content's early exit", () => {
    const verdict = stream(byId("reasoning-channel-repeated-slip"));
    expect(verdict?.rejection).toMatchObject({ rule: "math.arithmetic", channel: "reasoning" });
  });

  it("gives every trace the same verdict and offset under any split", () => {
    for (const trace of traces) {
      const whole = stream(trace);
      for (let seed = 1; seed <= 6; seed += 1) {
        const split = stream(trace, (text) => randomSplit(text, seed, 9));
        expect(split?.action, trace.id).toBe(whole?.action);
        expect(split?.rejection.offset, trace.id).toEqual(whole?.rejection.offset);
      }
    }
  });
});
