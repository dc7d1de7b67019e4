import * as z from "../../zod";
import { createTokenCounter } from "../../engine/tokens";
import type { ValidatorKind } from "../../engine/types";

const params = z
  .strictObject({
    /** Estimated tokens the stage may use (see docs/tokens.md). */
    maxTokens: z.optional(z.number().check(z.int(), z.positive())),
    maxChars: z.optional(z.number().check(z.int(), z.positive())),
  })
  .check(z.refine((p) => p.maxTokens !== undefined || p.maxChars !== undefined, "set maxTokens or maxChars"));

/**
 * A stage must end within a budget. Scoped to a stage that ends at a final-answer marker, it rejects a runaway
 * reasoning stage at the budget instead of letting it run to `max_tokens`.
 */
export const lengthBudgetValidator: ValidatorKind<typeof params> = {
  name: "length-budget",
  summary: "The stage must end within maxTokens (estimated) or maxChars.",
  params,
  defaultChannels: ["content"],
  compile({ maxTokens, maxChars }) {
    return () => {
      const counter = createTokenCounter();
      let chars = 0;
      let tail = "";
      return {
        push(text) {
          const start = chars;
          chars += text.length;
          tail = (tail + text).slice(-80);
          let at: number | undefined;
          if (maxChars !== undefined && chars > maxChars) at = maxChars - start;
          if (maxTokens !== undefined) {
            const before = counter.clone();
            if (counter.push(text) > maxTokens) {
              // Find the character whose token went over the budget.
              let i = 0;
              while (i < text.length && before.push(text[i]!) <= maxTokens) i += 1;
              at = Math.min(at ?? Infinity, i);
            }
          }
          if (at === undefined) return undefined;
          const overBy = maxTokens !== undefined ? `${maxTokens} tokens` : `${maxChars} characters`;
          return {
            at: start + at,
            evidence: tail,
            detail: `the stage ran past its budget of ${overBy} without ending`,
          };
        },
        end: () => undefined,
        stateSize: () => tail.length,
      };
    };
  },
};
