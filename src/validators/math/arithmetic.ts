import * as z from "../../zod";
import type { Finding, ValidatorKind } from "../../engine/types";
import { checkLink, splitChain } from "./chain";
import { createScanner } from "./scanner";

const params = z.strictObject({
  /** Also check GSM8K calculator annotations `<<48/2=24>>` (on by default). */
  annotations: z._default(z.boolean(), true),
});

/**
 * Every equation or chain the output writes must hold: `48/2 = 24`, `3 + 4 = 7 = 7 * 1`, `20% of 50 is 10`,
 * `$3 \times 4 = 12$`, `<<48/2=24>>`. A chain is checked when the prose after it closes it; anything the parser
 * cannot read with certainty (variables, times, ratios, unit conversions, list numbers) is skipped.
 *
 * @example rule: `{ id: math.arithmetic, validator: arithmetic, message: "A calculation in the answer is wrong." }`
 */
export const arithmeticValidator: ValidatorKind<typeof params> = {
  name: "arithmetic",
  summary: "Each completed equation or chain of equalities must hold (skips what it cannot parse).",
  params,
  defaultChannels: ["content"],
  compile({ annotations }) {
    return () => {
      const scanner = createScanner<Finding>((span) => {
        if (span.annotation && !annotations) return undefined;
        for (const link of splitChain(span).links) {
          const wrong = checkLink(link);
          if (wrong !== undefined) {
            return { at: span.at, evidence: span.text, detail: `\`${span.text}\` does not hold: ${wrong}.` };
          }
        }
        return undefined;
      });
      return { push: (text) => scanner.push(text), end: () => scanner.end(), stateSize: () => scanner.size() };
    };
  },
};
