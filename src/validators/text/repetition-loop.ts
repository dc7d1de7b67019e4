import * as z from "../../zod";
import type { Finding, Validator, ValidatorKind } from "../../engine/types";
import { excerpt } from "./recent-text";

export const RepetitionLoopParamsSchema = z.strictObject({
  /** Back-to-back copies of the span needed, whatever its length. */
  minRepeats: z._default(z.number().check(z.int(), z.gte(2)), 3),
  /** Characters the copies must cover together when the span holds a letter. */
  minChars: z._default(z.number().check(z.int(), z.positive()), 240),
  /**
   * Characters the copies must cover together when the span has no letter: digits, symbols, whitespace (`-----`,
   * `|---`, `0, 0, 0`). Normal text repeats these more (separators, zero matrices), so the bar is higher.
   */
  minSymbolChars: z._default(z.number().check(z.int(), z.positive()), 600),
  /** Longest span (in characters) looked for; a repeated paragraph longer than this is not seen as a loop. */
  maxPeriod: z._default(z.number().check(z.int(), z.gte(16), z.lte(4096)), 1024),
});
export type RepetitionLoopParams = z.infer<typeof RepetitionLoopParamsSchema>;

/** Length of the anchor: a span is found by seeing its last ANCHOR characters again. */
const ANCHOR = 8;
const TABLE_BITS = 12;
const MAX_CANDIDATES = 16;
const HASH_BASE = 0x01000193;
const WORDY = /\p{L}/u;

interface Candidate {
  period: number;
  /** Consecutive positions, up to the current one, whose character equals the one `period` before. */
  run: number;
  /** Whether the repeated span holds a letter; worked out once, when the run is long enough to matter. */
  wordy?: boolean;
}

/**
 * Finds a runaway loop: the output repeating the same span back-to-back, e.g. the same 60 characters 4 times, or
 * the same line again and again. A span of `period` characters repeated back-to-back is a run of positions whose
 * character equals the one `period` earlier; the validator keeps such runs for a few candidate periods, found by
 * hashing the last 8 characters and looking up where that 8-gram was last seen.
 *
 * State: a ring of `2 * maxPeriod` characters, a 4,096-entry table of positions, and at most 16 candidates.
 * Work: constant per character.
 */
export function createRepetitionLoop(params: RepetitionLoopParams): Validator {
  const { minRepeats, minChars, minSymbolChars, maxPeriod } = params;
  let ringSize = 1;
  while (ringSize < 2 * maxPeriod) ringSize *= 2;
  const ringMask = ringSize - 1;
  const ring = new Uint16Array(ringSize);
  const table = new Int32Array(1 << TABLE_BITS).fill(-1);
  const candidates: Candidate[] = [];
  let pos = 0;
  let hash = 0;
  let dropPower = 1;
  for (let k = 0; k < ANCHOR; k += 1) dropPower = Math.imul(dropPower, HASH_BASE);

  const charAt = (i: number) => ring[i & ringMask]!;

  /** How many positions back from `i` match the character `period` earlier (within the ring). */
  const runBack = (i: number, period: number): number => {
    const limit = Math.min(i - period + 1, ringSize - period);
    let run = 0;
    while (run < limit && charAt(i - run) === charAt(i - period - run)) run += 1;
    return run;
  };

  const unit = (i: number, period: number): string => {
    let s = "";
    for (let k = i - period + 1; k <= i; k += 1) s += String.fromCharCode(charAt(k));
    return s;
  };

  const check = (i: number, c: Candidate): Finding | undefined => {
    const span = c.run + c.period;
    if (span < minRepeats * c.period || span < Math.min(minChars, minSymbolChars)) return undefined;
    c.wordy ??= WORDY.test(unit(i, c.period));
    if (span < (c.wordy ? minChars : minSymbolChars)) return undefined;
    const copies = Math.floor(span / c.period);
    return {
      at: i + 1,
      evidence: excerpt(unit(i, Math.min(c.period, 120))),
      detail: `The same ${c.period}-character span repeats ${copies} times back-to-back (${span} characters) ending at character ${i + 1}.`,
    };
  };

  const step = (code: number): Finding | undefined => {
    const i = pos;
    pos += 1;
    ring[i & ringMask] = code;
    hash = (Math.imul(hash, HASH_BASE) + code) | 0;
    if (i >= ANCHOR) hash = (hash - Math.imul(charAt(i - ANCHOR), dropPower)) | 0;

    let kept = 0;
    for (const c of candidates) {
      if (charAt(i - c.period) === code) {
        c.run += 1;
        candidates[kept++] = c;
      }
    }
    candidates.length = kept;

    if (i >= ANCHOR - 1) {
      const slot = Math.imul(hash, 0x9e3779b1) >>> (32 - TABLE_BITS);
      const previous = table[slot]!;
      table[slot] = i;
      const period = i - previous;
      if (previous >= 0 && period <= maxPeriod && !candidates.some((c) => c.period === period)) {
        // The table is lossy (slots collide), so a hit is only a hint; the run check below makes it exact.
        const run = runBack(i, period);
        if (run >= ANCHOR) {
          if (candidates.length === MAX_CANDIDATES) {
            candidates.sort((a, b) => b.run - a.run || a.period - b.period);
            candidates.pop();
          }
          candidates.push({ period, run });
        }
      }
    }

    // Several periods can fire on the same character (p and 2p); report the shortest span.
    let best: Candidate | undefined;
    for (const c of candidates) {
      if ((!best || c.period < best.period) && check(i, c)) best = c;
    }
    return best && check(i, best);
  };

  return {
    push(text) {
      for (let k = 0; k < text.length; k += 1) {
        const finding = step(text.charCodeAt(k));
        if (finding) return finding;
      }
      return undefined;
    },
    end: () => undefined,
    stateSize: () => ringSize + candidates.length,
  };
}

export const repetitionLoop: ValidatorKind<typeof RepetitionLoopParamsSchema> = {
  name: "repetition-loop",
  summary: "Rejects a runaway loop: the same span of text repeated back-to-back many times.",
  params: RepetitionLoopParamsSchema,
  defaultChannels: ["content", "reasoning"],
  compile: (params) => () => createRepetitionLoop(params),
};
