import * as z from "../../zod";
import type { ValidatorKind } from "../../engine/types";
import { ANSWER_MARKERS, createAnswerScanner } from "./answers";
import { createThinkingSplit } from "./thinking";

const params = z.strictObject({
  /** Which markers count as a complete final answer. */
  markers: z._default(z.array(z.enum(ANSWER_MARKERS)).check(z.minLength(1)), [...ANSWER_MARKERS]),
});

/**
 * Reports the moment the final answer is complete: `\boxed{...}` with its braces closed, a `#### N` or `A: N`
 * line ended by a newline, a `So the answer is X.` sentence ended. Meant for `exit` rules: accept the output and
 * stop generating instead of paying for what follows the answer. At the end of the stream it reports nothing.
 * Answers inside the model's thinking (`<think>...</think>` opening the content) are drafts, never final: only
 * the answer after the thinking counts.
 *
 * @example rule: `{ id: math.stop-after-answer, validator: answer-complete, action: exit, params: { markers: [boxed, hashes] } }`
 */
export const answerCompleteValidator: ValidatorKind<typeof params> = {
  name: "answer-complete",
  summary:
    "Reports when a final-answer marker (boxed, ####, A:, Answer:, the answer is) after any thinking is complete.",
  params,
  defaultChannels: ["content"],
  compile({ markers }) {
    const wanted = new Set(markers);
    return (_ctx, target) => {
      // On the reasoning channel everything is thinking: no answer there is final.
      if (target.channel === "reasoning") return undefined;
      const split = createThinkingSplit(target);
      const scanner = createAnswerScanner();
      let base: number | undefined;
      return {
        push(text) {
          return split.push(text, (region, run, start) => {
            if (region !== "answer") return undefined;
            base ??= start;
            const answer = scanner.push(run).find((a) => wanted.has(a.marker));
            if (!answer) return undefined;
            return {
              at: base + answer.at,
              evidence: answer.evidence,
              detail: `the final answer (${answer.value}) is complete`,
            };
          });
        },
        end: () => undefined,
        stateSize: () => split.size() + scanner.size(),
      };
    };
  },
};
