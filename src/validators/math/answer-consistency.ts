import * as z from "../../zod";
import type { ValidatorKind } from "../../engine/types";
import { createAnswerScanner, type Answer } from "./answers";
import { normalizeAnswer, sameAnswer } from "./answer-value";
import { createThinkingSplit, type Region } from "./thinking";

const params = z.strictObject({
  /**
   * Characters before the end of the thinking within which its last stated answer counts as its conclusion,
   * which the answer after the thinking must not contradict (0: do not compare the answer with the thinking).
   */
  thinkingConclusion: z._default(z.number().check(z.int(), z.gte(0)), 600),
});

type Keyed = { answer: Answer; key: ReturnType<typeof normalizeAnswer> };

/**
 * One output, one final answer: `The answer is 12` followed by `#### 15` (or `\boxed{}`, `Answer:`, `A:`) is
 * reported when the second answer completes. Answers compare as numbers when both start with one
 * (`18 dollars` = `$18`), otherwise as normalized text; a number against text is not judged.
 *
 * Inside the model's thinking (`<think>...</think>` opening the content) answers are drafts and may change. Only
 * the thinking's conclusion counts: an answer it states within `thinkingConclusion` characters of its end. The
 * first final answer after the thinking must agree with that conclusion.
 */
export const answerConsistencyValidator: ValidatorKind<typeof params> = {
  name: "answer-consistency",
  summary: "All final answers in one output must agree, and agree with the conclusion of the thinking.",
  params,
  defaultChannels: ["content"],
  compile({ thinkingConclusion }) {
    return (_ctx, target) => {
      if (target.channel === "reasoning") return undefined;
      const split = createThinkingSplit(target);
      const scanner = createAnswerScanner();
      /** The thinking's own answers (made when thinking text first comes). */
      let drafts: ReturnType<typeof createAnswerScanner> | undefined;
      /** The last answer the thinking stated, and where (within the thinking). */
      let draft: Keyed | undefined;
      let thinkingLength = 0;
      let base: number | undefined;
      let first: Keyed | undefined;

      function conclusion(): Keyed | undefined {
        if (!draft || thinkingConclusion === 0) return undefined;
        return thinkingLength - draft.answer.at <= thinkingConclusion ? draft : undefined;
      }

      function check(answers: Answer[]) {
        for (const answer of answers) {
          const key = normalizeAnswer(answer.value);
          if (!first) {
            first = { answer, key };
            const concluded = conclusion();
            if (concluded && sameAnswer(concluded.key, key) === false) {
              return {
                at: base! + answer.at,
                evidence: answer.evidence,
                detail: `the thinking concludes "${concluded.answer.value}" and the answer says "${answer.value}"`,
              };
            }
            continue;
          }
          if (sameAnswer(first.key, key) === false) {
            return {
              at: base! + answer.at,
              evidence: answer.evidence,
              detail: `the output answers "${first.answer.value}" and then "${answer.value}"`,
            };
          }
        }
        return undefined;
      }

      function think(answers: Answer[], length: number) {
        thinkingLength += length;
        const last = answers[answers.length - 1];
        if (last) draft = { answer: last, key: normalizeAnswer(last.value) };
      }

      const visit = (region: Region, text: string, start: number) => {
        if (region === "thinking") {
          drafts ??= createAnswerScanner();
          think(drafts.push(text), text.length);
          return undefined;
        }
        if (base === undefined) {
          // The thinking is over: its unfinished last line may hold its conclusion.
          if (drafts) think(drafts.end(), 0);
          base = start;
        }
        return check(scanner.push(text));
      };

      return {
        push: (text) => split.push(text, visit),
        end: () => split.end(visit) ?? (base !== undefined ? check(scanner.end()) : undefined),
        stateSize: () =>
          split.size() + scanner.size() + (drafts?.size() ?? 0) + (first?.answer.value.length ?? 0) + (draft ? 200 : 0),
      };
    };
  },
};
