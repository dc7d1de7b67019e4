import type { Finding } from "../../engine/types";

/**
 * Holds each finding for a window of text after it and drops it when the text takes it back: a deliberate
 * counter-example (`6 = 14, contradiction`, `25 + 25 = 49 (not true)`) or a self-correction (`No wait`,
 * `actually`). A finding that survives its window is released with `at` at the window's end, where it became
 * certain; so the verdict and its offset do not depend on how the text is split. State: the pending findings
 * (at most `MAX_PENDING`) and the text since the earliest of them (at most the window plus the scanner's delay).
 */
export interface RetractionHold<T extends Finding = Finding> {
  /** Appends the next piece of the stream (before the findings it closes are held). */
  feed(text: string): void;
  /** Holds a finding (its `at` is where the claim closed, at most the end of the text fed). */
  hold(finding: T): void;
  /** The first held finding whose window has closed without a retraction, if any. */
  release(): T | undefined;
  /** The stream ended: pending findings are judged on the text they got. */
  end(): T | undefined;
  /** The findings still in their window. */
  pending(): readonly T[];
  size(): number;
}

const MAX_PENDING = 8;
/** Text kept before the current offset, beyond what pending findings need (covers the scanner's delay). */
const KEEP = 512;

/**
 * @param window characters after a finding in which a retraction may come
 * @param retracts whether the text of a window takes its finding back
 * @param windowEnd where a window ends early, if its text shows it: given the text from one character before the
 *   finding (the character that closed it) to the end of the window so far, the window's length, or undefined
 *   when the text so far does not decide it
 */
export function createRetractionHold<T extends Finding = Finding>(
  window: number,
  retracts: (text: string, finding: T) => boolean,
  windowEnd?: (text: string) => number | undefined,
): RetractionHold<T> {
  let pending: T[] = [];
  let tail = "";
  /** Offset of `tail[0]`. */
  let tailStart = 0;
  let offset = 0;

  function windowText(from: number, to: number): string | undefined {
    if (from < tailStart) return undefined;
    return tail.slice(from - tailStart, to - tailStart);
  }

  /** Judges the earliest pending finding whose window ends by `limit`. */
  function due(limit: number, final: boolean): T | undefined {
    while (pending.length > 0) {
      const first = pending[0]!;
      const from = Math.max(0, first.at - 1);
      const seen = windowText(from, Math.min(first.at + window, limit));
      let until = first.at + window;
      const early = seen === undefined ? undefined : windowEnd?.(seen);
      if (early !== undefined) until = Math.min(until, first.at + early);
      if (!final && until > limit) return undefined;
      pending = pending.slice(1);
      until = Math.min(until, limit);
      // Text no longer kept (a finding reported far behind the stream) is not judged: precision first.
      if (seen === undefined || retracts(seen.slice(first.at - from, until - from), first)) continue;
      return { ...first, at: until };
    }
    return undefined;
  }

  function trim() {
    const keepFrom = Math.min(offset - KEEP, (pending[0]?.at ?? Infinity) - 1);
    if (keepFrom > tailStart) {
      tail = tail.slice(keepFrom - tailStart);
      tailStart = keepFrom;
    }
  }

  return {
    feed(text) {
      tail += text;
      offset += text.length;
    },
    hold(finding) {
      if (pending.length < MAX_PENDING) pending.push(finding);
    },
    release() {
      const finding = due(offset, false);
      trim();
      return finding;
    },
    end() {
      return due(offset, true);
    },
    pending: () => pending,
    size: () => tail.length + pending.length * 64,
  };
}
