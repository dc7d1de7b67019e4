import * as z from "../../zod";
import type { Finding, Validator, ValidatorKind } from "../../engine/types";
import { createRecentText, excerpt, pushEachChar } from "./recent-text";

export const SentenceLoopParamsSchema = z.strictObject({
  /** Sentences shorter than this (in words) are not counted: short lines like `- Yes` or `}` recur in normal text. */
  minWords: z._default(z.number().check(z.int(), z.gte(3)), 8),
  /** Times the same sentence must occur, anywhere in the output, to reject. */
  minOccurrences: z._default(z.number().check(z.int(), z.gte(2)), 4),
  /**
   * Sentences (of 3 or more words) just before the repeated one that must all be repeats too. A loop repeats
   * everything; a step-by-step trace that restates its state ("Hence, we have ...") keeps adding new sentences.
   */
  window: z._default(z.number().check(z.int(), z.gte(1), z.lte(32)), 10),
});
export type SentenceLoopParams = z.infer<typeof SentenceLoopParamsSchema>;

/** Slots in the table of sentence counts; the table never grows. */
const SLOTS = 1024;
const PROBES = 8;
/** Sentences this short are only counted for novelty, never reported. */
const MIN_NOVELTY_WORDS = 3;

/**
 * Finds a sentence loop: the same sentence (or line) of at least `minWords` words recurring `minOccurrences`
 * times, not necessarily back-to-back (a model cycling through the same few steps). A sentence ends at `.`, `!`,
 * `?`, `;` or a line break; it is compared by its words, lower-cased, so spacing and punctuation inside it do not
 * matter. Each sentence is kept only as two 32-bit hashes in a fixed table of 1,024 counts; when the slots a hash
 * may use are full, the least-seen one is replaced, so a sentence that keeps coming back stays counted.
 *
 * State: the table, the running hashes of the current sentence and 120 characters of recent text for evidence.
 */
export function createSentenceLoop(params: SentenceLoopParams): Validator {
  const { minWords, minOccurrences, window } = params;
  const keys = new Int32Array(SLOTS);
  const checks = new Int32Array(SLOTS);
  const counts = new Uint32Array(SLOTS);
  const recent = createRecentText(120);
  let pos = 0;
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x2545f491 | 0;
  let words = 0;
  let inWord = false;
  let sentenceStart = 0;
  /** Bit k set: the k-th most recent sentence was new. */
  let newBits = 0;
  let sentencesSeen = 0;

  const resetSentence = () => {
    h1 = 0x811c9dc5 | 0;
    h2 = 0x2545f491 | 0;
    words = 0;
    inWord = false;
  };

  /** Counts the sentence just ended; returns how many times it has now been seen. */
  const count = (): number => {
    const key = h1 | 1; // 0 marks an empty slot
    const base = (Math.imul(key, 0x9e3779b1) >>> 0) % SLOTS;
    let victim = base;
    for (let p = 0; p < PROBES; p += 1) {
      const slot = (base + p) % SLOTS;
      if (counts[slot] === 0 || (keys[slot] === key && checks[slot] === h2)) {
        if (counts[slot] === 0) {
          keys[slot] = key;
          checks[slot] = h2;
        }
        counts[slot] = counts[slot]! + 1;
        return counts[slot]!;
      }
      if (counts[slot]! < counts[victim]!) victim = slot;
    }
    keys[victim] = key;
    checks[victim] = h2;
    counts[victim] = 1;
    return 1;
  };

  const step = (code: number, piece: string, index: number): Finding | undefined => {
    const i = pos;
    pos += 1;
    const lower = code >= 65 && code <= 90 ? code + 32 : code;
    const isWord =
      (lower >= 97 && lower <= 122) || (code >= 48 && code <= 57) || code === 39 || (code >= 0xc0 && !isSpace(code));
    if (isWord) {
      if (!inWord) {
        if (words === 0) sentenceStart = i;
        words += 1;
        h1 = Math.imul(h1 ^ 32, 0x01000193);
        h2 = Math.imul(h2 ^ 32, 0x5bd1e995);
        inWord = true;
      }
      h1 = Math.imul(h1 ^ lower, 0x01000193);
      h2 = Math.imul(h2 ^ lower, 0x5bd1e995);
      return undefined;
    }
    inWord = false;
    return isSentenceEnd(code) ? closeSentence(i + 1, () => recent.upTo(piece, index)) : undefined;
  };

  /** Ends the current sentence at offset `at`; `upToHere` gives the recent text, read only on a finding. */
  const closeSentence = (at: number, upToHere: () => string): Finding | undefined => {
    if (words < MIN_NOVELTY_WORDS) {
      resetSentence();
      return undefined;
    }
    const seen = count();
    const reportable = words >= minWords;
    const length = at - sentenceStart;
    resetSentence();
    newBits = ((newBits << 1) | (seen === 1 ? 1 : 0)) & ((1 << window) - 1);
    sentencesSeen += 1;
    if (!reportable || seen < minOccurrences || sentencesSeen < window || newBits !== 0) return undefined;
    return {
      at,
      evidence: excerpt(upToHere().slice(-Math.min(length, 120))),
      detail: `The same sentence (${length} characters) has now occurred ${seen} times in the output.`,
    };
  };

  return {
    push: (text) => pushEachChar(text, recent, step),
    // The last sentence may lack an end mark; it still counts.
    end: () => closeSentence(pos, () => recent.upTo("", -1)),
    stateSize: () => SLOTS * 3 + recent.size(),
  };
}

function isSentenceEnd(code: number): boolean {
  return code === 46 || code === 33 || code === 63 || code === 59 || code === 10 || code === 0x3002;
}

function isSpace(code: number): boolean {
  return code === 0xa0 || code === 0x3000 || (code >= 0x2000 && code <= 0x200b) || code === 0x2028 || code === 0x2029;
}

export const sentenceLoop: ValidatorKind<typeof SentenceLoopParamsSchema> = {
  name: "sentence-loop",
  summary: "Rejects a sentence loop: the same sentence of several words recurring many times in the output.",
  params: SentenceLoopParamsSchema,
  defaultChannels: ["content"],
  compile: (params) => () => createSentenceLoop(params),
};
