import { describe, expect, it } from "vitest";
import { checkSavings, endsInLoop, type SavingsTraceItem } from "../../scripts/lib/eval-savings";

const loop = "4 * 4 = 16 (left: 16)\n16 + 4 = 20 (left: 20)\n";
const prose =
  "Then the model left its loop, went back to the question, counted the brackets one by one, found that " +
  "two were still open, closed them in the right order and wrote its final answer on a line of its own, " +
  "which is how an output that escaped a loop ends: in text that no longer repeats anything before it.";

describe("the eval's savings check", () => {
  it("tells a stored output that ends inside a loop from one whose loop ended", () => {
    expect(endsInLoop(`Steps:\n${loop.repeat(20)}`)).toBe(true);
    expect(endsInLoop(`Steps:\n${loop.repeat(20)}4 * 4 = 1`)).toBe(true); // cut mid-copy, still repeating
    expect(endsInLoop(`0.${"3".repeat(300)}`)).toBe(true);
    expect(endsInLoop(`Steps:\n${loop.repeat(20)}${prose}`)).toBe(false);
    expect(endsInLoop(prose)).toBe(false);
    expect(endsInLoop(loop.repeat(3))).toBe(false); // too short to say
  });

  it("sets apart loops cut short before the setting's max_tokens, and judges those that ran past it", () => {
    const accepted: SavingsTraceItem[] = Array.from({ length: 10 }, () => ({ model: "m", tokens: 100 }));
    const cutShort: SavingsTraceItem = {
      model: "m",
      tokens: 1000,
      stop: { kind: "degeneration", at: 200 },
      loopCutShort: true,
    };
    const ended: SavingsTraceItem = { model: "m", tokens: 80, stop: { kind: "ended", at: 80 } };
    const items = [...accepted, cutShort, ended];

    const limited = checkSavings(items, "math", { name: "max_tokens 4096", maxTokens: 4096 });
    expect(limited.cutShort).toEqual({ cuts: 1, estimate: 4096 - 200, stored: 800 });
    // Only the cut decided at the output's end is judged: it had nothing left and books nothing.
    expect(limited).toMatchObject({ cuts: 1, estimate: 0, truth: 0 });
    expect(limited.byKind.ended).toEqual({ cuts: 1, estimate: 0, truth: 0 });

    // Under a max_tokens the stored loop ran past, what it had left up to the limit is known: judged.
    const short = checkSavings(items, "math", { name: "max_tokens 500", maxTokens: 500 });
    expect(short.cutShort.cuts).toBe(0);
    expect(short.byKind.degeneration).toEqual({ cuts: 1, estimate: 300, truth: 300 });
  });
});
