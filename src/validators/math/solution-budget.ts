import * as z from "../../zod";
import { createTokenCounter } from "../../engine/tokens";
import type { Finding, Target, Validator, ValidatorKind } from "../../engine/types";
import { createThinkingSplit, type Region, type ThinkingSplit } from "./thinking";

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
  /** Estimated tokens allowed (see docs/tokens.md). */
  maxTokens: z.number().check(z.int(), z.positive()),
});

const MAX_MARKER = Math.max(...FINAL_ANSWER_MARKERS.map((m) => m.length));

/** Whether `text` holds the last character of a marker (`#`, `{`, `s`, `:`): only then can one complete in it. */
function mayEndMarker(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 35 || code === 123 || code === 115 || code === 58) return true;
  }
  return false;
}

/**
 * Counts one region of a stream against the budget. Text is counted as it comes; in the solution, a budget
 * crossed at offset `c` is reported once no final-answer marker can start at or before `c` any more (so the
 * count stops at the marker, as if the text after it had never been counted).
 */
class Budget implements Validator {
  private readonly split: ThinkingSplit;
  private readonly counter = createTokenCounter();
  private tail = "";
  /** Solution text since `recentStart`, kept to find a marker split across pieces. */
  private recent = "";
  private recentStart = 0;
  private answered = false;
  /** Where the budget ran out, not yet reported (the solution may still turn out to have ended before it). */
  private over: Finding | undefined = undefined;
  private readonly visit = (region: Region, text: string, start: number) => this.feed(region, text, start);

  constructor(
    private readonly scope: "thinking" | "solution",
    private readonly maxTokens: number,
    target: Target,
  ) {
    this.split = createThinkingSplit(target);
  }

  push(text: string): Finding | undefined {
    return this.split.push(text, this.visit);
  }

  end(): Finding | undefined {
    return this.split.end(this.visit) ?? this.over;
  }

  stateSize(): number {
    return this.split.size() + this.tail.length + this.recent.length;
  }

  private feed(region: Region, text: string, start: number): Finding | undefined {
    if (this.scope === "thinking") return region === "thinking" ? this.count(text, start) : undefined;
    if (region !== "answer" || this.answered) return undefined;
    if (this.recent === "") this.recentStart = start;
    this.recent += text;
    if (mayEndMarker(text)) {
      let found = -1;
      for (const marker of FINAL_ANSWER_MARKERS) {
        const i = this.recent.indexOf(marker);
        if (i >= 0 && (found < 0 || i < found)) found = i;
      }
      if (found >= 0) {
        const marker = this.recentStart + found;
        this.answered = true;
        const over = this.over;
        if (over) return over.at < marker ? over : undefined;
        return this.count(text.slice(0, Math.max(0, marker - start)), start);
      }
    }
    if (this.recent.length > 64) {
      this.recentStart += this.recent.length - (MAX_MARKER - 1);
      this.recent = this.recent.slice(-(MAX_MARKER - 1));
    }
    if (!this.over) this.over = this.count(text, start);
    const seen = start + text.length;
    // No marker can start at or before the crossing once MAX_MARKER more characters have come without one.
    return this.over && seen >= this.over.at + MAX_MARKER ? this.over : undefined;
  }

  /** Counts `text` (starting at stream offset `start`); the finding where the budget runs out, if it does. */
  private count(text: string, start: number): Finding | undefined {
    if (text.length === 0) return undefined;
    this.tail += text;
    if (this.tail.length > 160) this.tail = this.tail.slice(-80);
    const { counter, maxTokens } = this;
    // The estimate adds at most one token a character: a piece that cannot reach the budget needs no copy.
    if (counter.count + 2 * text.length <= maxTokens) {
      counter.push(text);
      return undefined;
    }
    const before = counter.clone();
    if (counter.push(text) <= maxTokens) return undefined;
    // The character whose token went over the budget.
    let i = 0;
    while (i < text.length && before.push(text[i]!) <= maxTokens) i += 1;
    const what = this.scope === "thinking" ? "the thinking" : "the solution";
    const where = this.scope === "thinking" ? "" : " without reaching a final answer";
    return {
      at: start + i,
      evidence: this.tail.slice(-80),
      detail: `${what} ran past its budget of ${maxTokens} tokens${where}`,
    };
  }
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
    return (_ctx, target) =>
      scope === "solution" && target.channel === "reasoning" ? undefined : new Budget(scope, maxTokens, target);
  },
};
