import type { Target } from "../../engine/types";

/**
 * Splits one text stream into the model's thinking and its answer. Thinking is the whole `reasoning` channel
 * (`reasoning_content`, reasoning summaries, Anthropic thinking), or a `<think>...</think>` block that opens the
 * content (DeepSeek-R1, QwQ and Qwen3 served without a reasoning parser; whitespace may come before it). The
 * rest of the content is the answer. Decisions depend on the text only, never on how it was split: text that
 * may still turn out to be a tag is held back until it is decided (at most the tag's length).
 */

export type Region = "thinking" | "answer";

/**
 * Receives a run of text of one region (`start`: its offset in the stream); a result other than undefined stops
 * the visit and is returned (a validator's finding).
 */
export type Visit<R> = (region: Region, text: string, start: number) => R | undefined;

export interface ThinkingSplit {
  /** Visits the region runs the new text completes, in order (the tags themselves belong to neither). */
  push<R>(text: string, visit: Visit<R>): R | undefined;
  /** The stream ended: visits the rest of the text. */
  end<R>(visit: Visit<R>): R | undefined;
  /** Where the thinking ended (the offset just after `</think>`, or the end of a reasoning stream), once known. */
  readonly thinkingEnd: number | undefined;
  size(): number;
}

const OPEN = "<think>";
const CLOSE = "</think>";

/** Whether `text` ends with a proper prefix of `tag`: the length of that prefix, else 0. */
function partialTag(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n -= 1) {
    if (text.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}

/** Splits one stream (a class: one is made per stream and validator, so its methods are shared). */
class Split implements ThinkingSplit {
  private readonly allThinking: boolean;
  /** `open`: deciding whether the content opens with `<think>`; then inside it; then after it. */
  private state: "open" | Region;
  private held = "";
  /** Offset of `held[0]` (of the next text, when nothing is held). */
  private heldStart = 0;
  thinkingEnd: number | undefined = undefined;

  constructor(channel: Target["channel"]) {
    this.allThinking = channel === "reasoning";
    this.state = this.allThinking ? "thinking" : "open";
  }

  push<R>(text: string, visit: Visit<R>): R | undefined {
    // The common case: past any thinking, nothing held, the text is the answer as it comes.
    if (this.state === "answer" && this.held === "") {
      const start = this.heldStart;
      this.heldStart += text.length;
      return text.length > 0 ? visit("answer", text, start) : undefined;
    }
    this.held += text;
    return this.step(false, visit);
  }

  end<R>(visit: Visit<R>): R | undefined {
    const found = this.step(true, visit);
    if (this.state === "thinking" && this.thinkingEnd === undefined) this.thinkingEnd = this.heldStart;
    return found;
  }

  size(): number {
    return this.held.length;
  }

  private step<R>(final: boolean, visit: Visit<R>): R | undefined {
    for (;;) {
      if (this.state === "open") {
        const lead = this.held.length - this.held.trimStart().length;
        const rest = this.held.slice(lead);
        if (rest.startsWith(OPEN)) {
          this.state = "thinking";
          this.held = rest.slice(OPEN.length);
          this.heldStart += lead + OPEN.length;
          continue;
        }
        // Leading whitespace is bounded: a content that opens with a page of blanks opens with no tag.
        if (!final && lead < 256 && (rest.length === 0 || OPEN.startsWith(rest))) return undefined;
        this.state = "answer";
        continue;
      }
      if (this.state === "answer") return this.flush("answer", this.held.length, visit);
      // Thinking: up to `</think>` (never on the reasoning channel, which is thinking to its end).
      const close = this.allThinking ? -1 : this.held.indexOf(CLOSE);
      if (close >= 0) {
        const found = this.flush("thinking", close, visit);
        this.thinkingEnd = this.heldStart + CLOSE.length;
        this.held = this.held.slice(CLOSE.length);
        this.heldStart = this.thinkingEnd;
        this.state = "answer";
        if (found !== undefined) return found;
        continue;
      }
      const keep = final || this.allThinking ? 0 : partialTag(this.held, CLOSE);
      return this.flush("thinking", this.held.length - keep, visit);
    }
  }

  /** Visits the first `length` held characters as `region` and drops them. */
  private flush<R>(region: Region, length: number, visit: Visit<R>): R | undefined {
    if (length === 0) return undefined;
    const text = this.held.length === length ? this.held : this.held.slice(0, length);
    const start = this.heldStart;
    this.held = this.held.slice(length);
    this.heldStart += length;
    return visit(region, text, start);
  }
}

/** Starts splitting one stream watched as `target`. */
export function createThinkingSplit(target: Pick<Target, "channel">): ThinkingSplit {
  return new Split(target.channel);
}
