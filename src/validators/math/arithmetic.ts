import * as z from "../../zod";
import type { Finding, ValidatorKind } from "../../engine/types";
import { createAnswerScanner, type Answer } from "./answers";
import { normalizeAnswer } from "./answer-value";
import { close } from "./chain";
import { numberKey, promptNumberKeys } from "./prompt-numbers";
import { scanOptionsFor } from "./scanner";
import { createSolutionCheck, type Check } from "./solution-check";
import { createThinkingCheck, type Slip, type ThinkingCheck } from "./thinking-check";
import { createThinkingSplit, type Region } from "./thinking";

const NO_SLIPS: readonly Slip[] = [];

const params = z.strictObject({
  /** Also check GSM8K calculator annotations `<<48/2=24>>` (on by default). */
  annotations: z._default(z.boolean(), true),
  /** Characters after a false equation in the solution in which the text may take it back (`6 = 14, contradiction`). */
  retractionWindow: z._default(z.number().check(z.int(), z.gte(0), z.lte(400)), 100),
  /** The same for a false step in the model's thinking, where a correction may come later (`... hmm, no: 12`). */
  thinkingWindow: z._default(z.number().check(z.int(), z.gte(0), z.lte(2000)), 400),
});

/**
 * Every equation or chain the solution writes must hold: `48/2 = 24`, `3 + 4 = 7 = 7 * 1`, `20% of 50 is 10`,
 * `$3 \times 4 = 12$`, `\binom{5}{3} = 10`, `<<48/2=24>>`. A chain is checked when the prose after it closes it;
 * anything the parser cannot read with certainty (variables, functions, subscripts, congruences, times, ratios,
 * unit conversions, list numbers) is skipped. A false equation the text takes back within `retractionWindow`
 * characters (`which is a contradiction`, `no wait`) is not reported.
 *
 * The model's thinking (the `reasoning` channel, or `<think>...</think>` opening the content) is read as
 * thinking: a false step there is reported only when it is written twice, when its wrong result is still used
 * and never corrected by the end of the thinking, or when the answer's final value is that wrong result (see
 * `thinking-check.ts`).
 *
 * @example rule: `{ id: math.arithmetic, validator: arithmetic, channels: [content, reasoning], message: "..." }`
 */
export const arithmeticValidator: ValidatorKind<typeof params> = {
  name: "arithmetic",
  summary:
    "Each completed equation or chain of equalities must hold (skips what it cannot parse; reads thinking as thinking).",
  params,
  defaultChannels: ["content"],
  compile({ annotations, retractionWindow, thinkingWindow }) {
    return (ctx, target) => {
      const { customStar } = scanOptionsFor(ctx, ctx.prompt);
      const split = createThinkingSplit(target);
      // Each part is made when its text first comes: most streams have no thinking, a reasoning stream no answer.
      let solution: Check | undefined;
      let thinking: ThinkingCheck | undefined;
      let answers: ReturnType<typeof createAnswerScanner> | undefined;
      let thinkingBase: number | undefined;
      let answerBase: number | undefined;
      let thinkingDone = false;
      let answerChecked = false;
      const standing = () => thinking?.standing() ?? NO_SLIPS;

      const shift = (finding: Finding | undefined, base: number): Finding | undefined =>
        finding && { ...finding, at: base + finding.at };

      /** The thinking ended (`</think>`, or the end of a reasoning stream). */
      function endThinking(): Finding | undefined {
        if (thinkingDone || thinkingBase === undefined) return undefined;
        thinkingDone = true;
        const finding = thinking!.end();
        return finding && { ...finding, at: split.thinkingEnd ?? thinkingBase + finding.at };
      }

      /**
       * The first final answer of the solution must not be the wrong result of a step the thinking never fixed.
       * (The thinking has ended before the solution's first character, so the standing slips are known.)
       */
      function checkAnswer(found: Answer[]): Finding | undefined {
        const answer = found[0];
        if (answerChecked || !answer) return undefined;
        answerChecked = true;
        const key = normalizeAnswer(answer.value);
        if (!key || !("number" in key)) return undefined;
        const slip = standing().find((s) => close(s.wrong, key.number) && !close(s.truth, key.number));
        if (!slip) return undefined;
        return {
          at: answerBase! + answer.at,
          evidence: answer.evidence,
          detail: `the answer ${answer.value} is the result of \`${slip.evidence}\` in the thinking, which does not hold (${slip.why}) and is never corrected.`,
        };
      }

      function feed(region: Region, text: string, start: number): Finding | undefined {
        if (region === "thinking") {
          thinkingBase ??= start;
          thinking ??= createThinkingCheck({
            window: thinkingWindow,
            customStar,
            given: (value) => promptNumberKeys(ctx, ctx.prompt).has(numberKey(Math.abs(value))),
          });
          return shift(thinking.push(text), thinkingBase);
        }
        const ended = endThinking();
        if (ended) return ended;
        answerBase ??= start;
        solution ??= createSolutionCheck({ annotations, retractionWindow, customStar });
        const finding = shift(solution.push(text), answerBase);
        if (finding || answerChecked || standing().length === 0) return finding;
        answers ??= createAnswerScanner();
        return checkAnswer(answers.push(text));
      }

      return {
        push(text) {
          const finding = split.push(text, feed);
          if (finding) return finding;
          return split.thinkingEnd !== undefined ? endThinking() : undefined;
        },
        end() {
          const last = split.end(feed) ?? endThinking();
          if (last) return last;
          if (answerBase === undefined || !solution) return undefined;
          const finding = shift(solution.end(), answerBase);
          if (finding || answerChecked || !answers) return finding;
          return checkAnswer(answers.end());
        },
        stateSize: () => split.size() + (solution?.size() ?? 0) + (thinking?.size() ?? 0) + (answers?.size() ?? 0),
      };
    };
  },
};
