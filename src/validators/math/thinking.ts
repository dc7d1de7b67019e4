import type { Target } from "../../engine/types";

/**
 * Splits one text stream into the model's thinking and its answer. Thinking is the whole `reasoning` channel
 * (`reasoning_content`, reasoning summaries, Anthropic thinking), or a `<think>...</think>` block that opens the
 * content (DeepSeek-R1, QwQ and Qwen3 served without a reasoning parser; whitespace may come before it). The
 * rest of the content is the answer. Decisions depend on the text only, never on how it was split: text that
 * may still turn out to be a tag is held back until it is decided (at most the tag's length).
 */

export type Region = "thinking" | "answer";

/** A run of text of one region; `start` is its offset in the stream. */
export interface RegionText {
  region: Region;
  text: string;
  start: number;
}

export interface ThinkingSplit {
  /** The region runs the new text completes, in order (the tags themselves belong to neither). */
  push(text: string): RegionText[];
  /** The stream ended: the rest of the text. */
  end(): RegionText[];
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

/** Starts splitting one stream watched as `target`. */
export function createThinkingSplit(target: Pick<Target, "channel">): ThinkingSplit {
  const allThinking = target.channel === "reasoning";
  /** `open`: deciding whether the content opens with `<think>`; then inside it; then after it. */
  let state: "open" | Region = allThinking ? "thinking" : "open";
  let held = "";
  /** Offset of `held[0]`. */
  let heldStart = 0;
  let thinkingEnd: number | undefined;

  function run(region: Region, text: string, start: number, out: RegionText[]) {
    if (text.length > 0) out.push({ region, text, start });
  }

  function step(final: boolean): RegionText[] {
    const out: RegionText[] = [];
    for (;;) {
      if (state === "open") {
        const lead = held.length - held.trimStart().length;
        const rest = held.slice(lead);
        if (rest.startsWith(OPEN)) {
          state = "thinking";
          held = rest.slice(OPEN.length);
          heldStart += lead + OPEN.length;
          continue;
        }
        // Leading whitespace is bounded: a content that opens with a page of blanks opens with no tag.
        if (!final && lead < 256 && (rest.length === 0 || OPEN.startsWith(rest))) return out;
        state = "answer";
        continue;
      }
      if (state === "answer") {
        run("answer", held, heldStart, out);
        heldStart += held.length;
        held = "";
        return out;
      }
      // Thinking: up to `</think>` (never on the reasoning channel, which is thinking to its end).
      const close = allThinking ? -1 : held.indexOf(CLOSE);
      if (close >= 0) {
        run("thinking", held.slice(0, close), heldStart, out);
        thinkingEnd = heldStart + close + CLOSE.length;
        held = held.slice(close + CLOSE.length);
        heldStart = thinkingEnd;
        state = "answer";
        continue;
      }
      const keep = final || allThinking ? 0 : partialTag(held, CLOSE);
      run("thinking", held.slice(0, held.length - keep), heldStart, out);
      heldStart += held.length - keep;
      held = held.slice(held.length - keep);
      if (final && thinkingEnd === undefined) thinkingEnd = heldStart;
      return out;
    }
  }

  return {
    push(text) {
      held += text;
      return step(false);
    },
    end() {
      const out = step(true);
      if (state === "thinking" && thinkingEnd === undefined) thinkingEnd = heldStart;
      return out;
    },
    get thinkingEnd() {
      return thinkingEnd;
    },
    size: () => held.length,
  };
}
