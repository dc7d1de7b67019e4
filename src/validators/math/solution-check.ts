import type { Finding } from "../../engine/types";
import { checkLink, splitChain } from "./chain";
import { createRetractionHold } from "./retraction";
import { createScanner, type ScanOptions } from "./scanner";

/** Words that take back the equation just before them: a counter-example, an impossibility, a correction. */
const RETRACTION =
  /\b(?:contradictions?|contradicts|contradictory|(?:is|which is) impossible|absurd|not true|false|incorrect|wrong|mistake|oops|wait|actually|sorry|typo|correction|miscalculat\w*)\b|≠|\\neq?\b/i;

/** The start of a final answer: the window for a retraction closes there (an exit on it must not come first). */
const ANSWER_START = /\\boxed\{|####|\banswer is\b|\banswer:/i;

/**
 * A retraction of a solution's equation comes in the same sentence (`..., which is a contradiction.`), or, for an
 * equation on a line of its own, on the next line (`25 + 25 = 49` / `50 = 49 (not true)`): the window ends at the
 * end of that sentence or line, or at the start of the final answer, whichever comes first. `text` starts with
 * the character that closed the equation.
 */
function sentenceEnd(text: string): number | undefined {
  // Positions in `text` are one before the finding's offset: a stop at index i ends a window of i - 1.
  const answer = ANSWER_START.exec(text.slice(1));
  const answerAt = answer ? answer.index + answer[0].length : undefined;
  const ownLine = text[0] === "\n" || text[0] === "\r";
  let stopAt: number | undefined;
  if (ownLine) {
    const next = /^\s*\S[^\n]*\n/.exec(text.slice(1));
    if (next) stopAt = next.index + next[0].length - 1;
  } else {
    // The closing `.` itself may end the sentence.
    const stop = /[.!?](?=\s)|\n/.exec(text);
    if (stop) stopAt = stop[0] === "\n" ? stop.index - 1 : stop.index;
  }
  if (stopAt === undefined) return answerAt;
  return answerAt === undefined ? stopAt : Math.min(stopAt, answerAt);
}

export interface SolutionCheckOptions extends ScanOptions {
  annotations: boolean;
  retractionWindow: number;
}

/** A checker over one run of text; offsets are within the text it was fed. */
export interface Check {
  push(text: string): Finding | undefined;
  end(): Finding | undefined;
  size(): number;
}

/**
 * The arithmetic check on a solution (what the reader is shown): the first false equation is reported once the
 * rest of its sentence (or the next line, for an equation on a line of its own; at most `retractionWindow`
 * characters, and never past the start of the final answer) has not taken it back.
 */
export function createSolutionCheck(options: SolutionCheckOptions): Check {
  const hold = createRetractionHold(options.retractionWindow, (text) => RETRACTION.test(text), sentenceEnd);
  const scanner = createScanner<never>((span) => {
    if (span.annotation && !options.annotations) return undefined;
    for (const link of splitChain(span).links) {
      const wrong = checkLink(link);
      if (wrong !== undefined) {
        hold.hold({ at: span.at, evidence: span.text, detail: `\`${span.text}\` does not hold: ${wrong}.` });
        return undefined;
      }
    }
    return undefined;
  }, options);
  return {
    push(text) {
      hold.feed(text);
      scanner.push(text);
      return hold.release();
    },
    end() {
      scanner.end();
      return hold.release() ?? hold.end();
    },
    size: () => scanner.size() + hold.size(),
  };
}
