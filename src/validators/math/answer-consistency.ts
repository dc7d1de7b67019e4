import * as z from "../../zod";
import type { ValidatorKind } from "../../engine/types";
import { createAnswerScanner, type Answer } from "./answers";
import { normalizeAnswer, sameAnswer } from "./answer-value";

const params = z.strictObject({});

/**
 * One output, one final answer: `The answer is 12` followed by `#### 15` (or `\boxed{}`, `Answer:`, `A:`) is
 * reported when the second answer completes. Answers compare as numbers when both start with one
 * (`18 dollars` = `$18`), otherwise as normalized text; a number against text is not judged.
 */
export const answerConsistencyValidator: ValidatorKind<typeof params> = {
  name: "answer-consistency",
  summary: "All final answers in one output must agree.",
  params,
  defaultChannels: ["content"],
  compile() {
    return () => {
      const scanner = createAnswerScanner();
      let first: { answer: Answer; key: ReturnType<typeof normalizeAnswer> } | undefined;
      function check(answers: Answer[]) {
        for (const answer of answers) {
          const key = normalizeAnswer(answer.value);
          if (!first) {
            first = { answer, key };
            continue;
          }
          if (sameAnswer(first.key, key) === false) {
            return {
              at: answer.at,
              evidence: answer.evidence,
              detail: `the output answers "${first.answer.value}" and then "${answer.value}"`,
            };
          }
        }
        return undefined;
      }
      return {
        push: (text) => check(scanner.push(text)),
        end: () => check(scanner.end()),
        stateSize: () => scanner.size() + (first?.answer.value.length ?? 0),
      };
    };
  },
};
