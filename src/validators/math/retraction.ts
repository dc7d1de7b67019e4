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

/** The hold (a class: one is made per stream, so its methods are shared). */
class Hold<T extends Finding> implements RetractionHold<T> {
  private queue: T[] = [];
  private tail = "";
  /** Offset of `tail[0]`. */
  private tailStart = 0;
  private offset = 0;

  constructor(
    private readonly window: number,
    private readonly retracts: (text: string, finding: T) => boolean,
    private readonly windowEnd?: (text: string) => number | undefined,
  ) {}

  feed(text: string): void {
    this.tail += text;
    this.offset += text.length;
  }

  hold(finding: T): void {
    if (this.queue.length < MAX_PENDING) this.queue.push(finding);
  }

  release(): T | undefined {
    if (this.queue.length === 0) {
      this.trim();
      return undefined;
    }
    const finding = this.due(this.offset, false);
    this.trim();
    return finding;
  }

  end(): T | undefined {
    return this.due(this.offset, true);
  }

  pending(): readonly T[] {
    return this.queue;
  }

  size(): number {
    return this.tail.length + this.queue.length * 64;
  }

  private windowText(from: number, to: number): string | undefined {
    if (from < this.tailStart) return undefined;
    return this.tail.slice(from - this.tailStart, to - this.tailStart);
  }

  /** Judges the earliest pending finding whose window ends by `limit`. */
  private due(limit: number, final: boolean): T | undefined {
    while (this.queue.length > 0) {
      const first = this.queue[0]!;
      const from = Math.max(0, first.at - 1);
      const seen = this.windowText(from, Math.min(first.at + this.window, limit));
      let until = first.at + this.window;
      const early = seen === undefined ? undefined : this.windowEnd?.(seen);
      if (early !== undefined) until = Math.min(until, first.at + early);
      if (!final && until > limit) return undefined;
      this.queue.shift();
      until = Math.min(until, limit);
      // Text no longer kept (a finding reported far behind the stream) is not judged: precision first.
      if (seen === undefined || this.retracts(seen.slice(first.at - from, until - from), first)) continue;
      return { ...first, at: until };
    }
    return undefined;
  }

  private trim() {
    // Trimmed in steps of KEEP, so that a stream's pieces are not copied once each.
    if (this.tail.length < 2 * KEEP) return;
    const keepFrom = Math.min(this.offset - KEEP, (this.queue[0]?.at ?? Infinity) - 1);
    if (keepFrom > this.tailStart) {
      this.tail = this.tail.slice(keepFrom - this.tailStart);
      this.tailStart = keepFrom;
    }
  }
}

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
  return new Hold(window, retracts, windowEnd);
}
