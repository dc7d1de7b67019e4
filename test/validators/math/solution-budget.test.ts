import { describe, expect, it } from "vitest";
import { estimateTokens } from "../../../src/engine/tokens";
import { solutionBudgetValidator } from "../../../src/validators/math/solution-budget";
import { verdictUnderAnySplit } from "../../helpers/chunking";
import { maker, verdict } from "./helpers";

const solution = maker(solutionBudgetValidator, { scope: "solution", maxTokens: 50 });
const thinking = maker(solutionBudgetValidator, { scope: "thinking", maxTokens: 50 });
const steps = (n: number) => "We add one more step to the working here. ".repeat(n);

/** The offset of the character whose token takes the count past `max`. */
function crossing(text: string, max: number): number {
  let i = 0;
  while (estimateTokens(text.slice(0, i + 1)) <= max) i += 1;
  return i;
}

describe("solution-budget", () => {
  it("rejects a solution that runs past its budget before any final answer, at the crossing", () => {
    const text = steps(20);
    expect(verdict(solution, text)?.at).toBe(crossing(text, 50));
  });

  it("stops counting at the first final-answer marker, even one split across pieces", () => {
    const text = `${steps(4)}The answer is 12. ${steps(30)}`;
    expect(verdict(solution, text)).toBeUndefined();
    const { finding, disagreements } = verdictUnderAnySplit(solution, text);
    expect(disagreements).toEqual([]);
    expect(finding).toBeUndefined();
  });

  it("counts a solution that crosses its budget just before its marker as over", () => {
    const text = `${steps(6)}\\boxed{7}`;
    const over = crossing(text, 50);
    expect(over).toBeLessThan(text.indexOf("\\boxed{"));
    const { finding, disagreements } = verdictUnderAnySplit(solution, text);
    expect(disagreements).toEqual([]);
    expect(finding?.at).toBe(over);
  });

  it("does not count the model's thinking against the solution", () => {
    expect(verdict(solution, `<think>\n${steps(40)}</think>\n${steps(2)}\\boxed{3}`)).toBeUndefined();
  });

  it("counts only the thinking in the thinking budget, in the content or on the reasoning channel", () => {
    const text = `<think>\n${steps(20)}</think>\nDone.`;
    // The thinking is what follows `<think>`, its line break included.
    expect(verdict(thinking, text)?.at).toBe("<think>".length + crossing(`\n${steps(20)}`, 50));
    expect(verdict(thinking, `<think>\n${steps(2)}</think>\n${steps(40)}`)).toBeUndefined();
    expect(
      verdict(maker(solutionBudgetValidator, { scope: "thinking", maxTokens: 50 }, "", "reasoning"), steps(20))?.at,
    ).toBe(crossing(steps(20), 50));
  });

  it("gives the same finding under any chunking", () => {
    const text = `<think>\n${steps(3)}</think>\n${steps(12)}`;
    const { finding, disagreements } = verdictUnderAnySplit(solution, text);
    expect(disagreements).toEqual([]);
    // The solution is what follows `</think>`, its line break included.
    expect(finding?.at).toBe(text.indexOf("</think>") + 8 + crossing(`\n${steps(12)}`, 50));
  });

  it("keeps its state small however long the output", () => {
    const v = maker(solutionBudgetValidator, { scope: "solution", maxTokens: 10_000_000 })();
    for (let n = 0; n < 100_000; n += 40) expect(v.push("A long line of working with 3 + 4 = 7 in")).toBeUndefined();
    expect(v.stateSize!()).toBeLessThan(400);
  });
});
