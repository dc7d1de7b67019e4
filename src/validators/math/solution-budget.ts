import { z } from "zod";
import { createTokenCounter } from "../../engine/tokens";
import type { Finding, ValidatorKind } from "../../engine/types";
import { createThinkingSplit } from "./thinking";

/** Where a solution's working ends and its final answer begins (the math pack's answer markers). */
export const FINAL_ANSWER_MARKERS = [
  "####",
  "\\boxed{",
  "The answer is",
  "the answer is",
  "Answer:",
  "Final answer:",
  "Final Answer:",
] as const;

const params = z.strictObject({
  /**
   * What is counted: `thinking` (the reasoning channel, or `<think>...</think>` opening the content) or
   * `solution` (the text after any thinking, up to its first final-answer marker).
   */
  scope: z.enum(["thinking", "solution"]),
  /** Estimated tokens allowed (see the README on token estimates). */
  maxTokens: z.number().int().positive(),
});

const MAX_MARKER = Math.max(...FINAL_ANSWER_MARKERS.map((m) => m.length));

/** The length of the longest end of `text` that starts a marker (held back until it is decided). */
function markerPrefix(text: string): number {
  for (let n = Math.min(text.length, MAX_MARKER - 1); n > 0; n -= 1) {
    const tail = text.slice(text.length - n);
    if (FINAL_ANSWER_MARKERS.some((marker) => marker.startsWith(tail))) return n;
  }
  return 0;
}

/**
 * A token budget for the model's thinking or for its worked solution, counted separately: a reasoning model may
 * think for many thousands of tokens, while a solution that has not reached its final answer after a few
 * thousand is running away. Reports the character at which the count passes `maxTokens`.
 *
 * @example rules: `{ validator: solution-budget, params: { scope: thinking, maxTokens: 32000 }, channels: [content, reasoning] }`
 */
export const solutionBudgetValidator: ValidatorKind<typeof params> = {
  name: "solution-budget",
  summary: "The thinking, or the solution before its final answer, must stay within maxTokens (estimated).",
  params,
  defaultChannels: ["content"],
  compile({ scope, maxTokens }) {
    return (_ctx, target) => {
      if (scope === "solution" && target.channel === "reasoning") return undefined;
      const split = createThinkingSplit(target);
      const counter = createTokenCounter();
      /** Solution text not counted yet because it may start a marker; and whether a marker was found. */
      let held = "";
      let heldStart = 0;
      let answered = false;
      let tail = "";

      /** Counts `text` (starting at stream offset `start`); the finding where the budget runs out, if it does. */
      function count(text: string, start: number): Finding | undefined {
        if (text.length === 0) return undefined;
        tail = (tail + text).slice(-80);
        const before = counter.clone();
        if (counter.push(text) <= maxTokens) return undefined;
        // The character whose token went over the budget.
        let i = 0;
        while (i < text.length && before.push(text[i]!) <= maxTokens) i += 1;
        const what = scope === "thinking" ? "the thinking" : "the solution";
        const where = scope === "thinking" ? "" : " without reaching a final answer";
        return { at: start + i, evidence: tail, detail: `${what} ran past its budget of ${maxTokens} tokens${where}` };
      }

      function solution(text: string, start: number, final: boolean): Finding | undefined {
        if (answered) return undefined;
        if (held === "") heldStart = start;
        const buffer = held + text;
        let found = -1;
        for (const marker of FINAL_ANSWER_MARKERS) {
          const i = buffer.indexOf(marker);
          if (i >= 0 && (found < 0 || i < found)) found = i;
        }
        if (found >= 0) {
          answered = true;
          held = "";
          return count(buffer.slice(0, found), heldStart);
        }
        const keep = final ? 0 : markerPrefix(buffer);
        held = buffer.slice(buffer.length - keep);
        const finding = count(buffer.slice(0, buffer.length - keep), heldStart);
        heldStart += buffer.length - keep;
        return finding;
      }

      function feed(runs: ReturnType<typeof split.push>, final: boolean): Finding | undefined {
        for (const run of runs) {
          const finding =
            run.region === "thinking"
              ? scope === "thinking"
                ? count(run.text, run.start)
                : undefined
              : scope === "solution"
                ? solution(run.text, run.start, false)
                : undefined;
          if (finding) return finding;
        }
        return final && scope === "solution" ? solution("", heldStart + held.length, true) : undefined;
      }

      return {
        push: (text) => feed(split.push(text), false),
        end: () => feed(split.end(), true),
        stateSize: () => split.size() + held.length + tail.length,
      };
    };
  },
};
