/**
 * Finds final-answer markers in a text stream as each one completes: `\boxed{...}` when its braces close,
 * `#### N`, `A: N` and `Answer: X` lines when the line ends, and a sentence starting `So the answer is X`
 * (also `Thus`, `Therefore`, `Hence`, `The final answer is`) when the sentence or line ends. Work is linear:
 * each character is looked at once, and a line or sentence is matched once, when it ends.
 */

export const ANSWER_MARKERS = ["boxed", "hashes", "answer-is", "a-colon", "answer-colon"] as const;
export type AnswerMarker = (typeof ANSWER_MARKERS)[number];

export interface Answer {
  marker: AnswerMarker;
  /** The answer as written, trimmed (at most `MAX_VALUE` characters). */
  value: string;
  /** Offset just after the character that completed the marker. */
  at: number;
  evidence: string;
}

const MAX_LINE = 1000;
const MAX_SENTENCE = 400;
const MAX_VALUE = 200;
const BOX_OPENERS = ["\\boxed{", "\\fbox{"];

/** Answers written as a line of their own, with the pattern of such a line (the answer is group 1). */
export const LINE_RULES: ReadonlyArray<readonly [AnswerMarker, RegExp]> = [
  ["hashes", /^\s*####\s*(\S.*?)\s*$/],
  // GSM8K's `A: 18`; only a number, since `A: Hey there` is a dialogue and `A: green, B: blue` a list.
  ["a-colon", /^\s*(?:\*\*)?A:(?:\*\*)?\s*(-?\$?\d[\d,]*(?:\.\d+)?)\s*\.?\s*$/],
  ["answer-colon", /^\s*(?:\*\*)?(?:final answer|answer)\s*:\s*(?:\*\*)?\s*(\S.*?)\s*$/i],
];
const ANSWER_IS =
  /^\s*(?:\*\*)?(?:(?:so|thus|therefore|hence)\s*,?\s+)?the\s+(?:final\s+|correct\s+)?answer\s+is\s*:?\s*(\S.*?)\s*[.!]?\s*$/i;

/** Returns a scanner; `push` and `end` return the answers completed by the new text, in order. */
export function createAnswerScanner() {
  let offset = 0;
  let line = "";
  let sentence = "";
  let recent = "";
  let box: { depth: number; value: string } | undefined;
  let previous = "";

  function matchSentence(at: number): Answer | undefined {
    const m = ANSWER_IS.exec(sentence);
    return m
      ? { marker: "answer-is", value: m[1]!.slice(0, MAX_VALUE), at, evidence: sentence.trim().slice(-120) }
      : undefined;
  }

  function matchLine(at: number): Answer[] {
    const out: Answer[] = [];
    for (const [marker, re] of LINE_RULES) {
      const m = re.exec(line);
      if (m) {
        out.push({ marker, value: m[1]!.slice(0, MAX_VALUE), at, evidence: line.trim().slice(0, 120) });
        return out;
      }
    }
    const answer = matchSentence(at);
    if (answer) out.push(answer);
    return out;
  }

  /** One character (a code point) that may matter on its own: inside a box, a line or sentence end, a `{`. */
  function step(ch: string, out: Answer[]) {
    offset += 1;
    const at = offset;
    if (box) {
      if (ch === "{") box.depth += 1;
      else if (ch === "}") box.depth -= 1;
      if (box.depth === 0) {
        out.push({ marker: "boxed", value: box.value.trim(), at, evidence: `\\boxed{${box.value}}`.slice(0, 120) });
        box = undefined;
      } else if (box.value.length < MAX_VALUE) box.value += ch;
    }
    recent = (recent + ch).slice(-8);
    if (!box && ch === "{" && BOX_OPENERS.some((opener) => recent.endsWith(opener))) box = { depth: 1, value: "" };

    if (ch === "\n" || ch === "\r") {
      out.push(...matchLine(at));
      line = "";
      sentence = "";
    } else {
      if (line.length < MAX_LINE) line += ch;
      // A sentence ends at `.`, `!` or `?` followed by a space: `3.5` and `e.g.x` do not end one.
      if ((ch === " " || ch === "\t") && (previous === "." || previous === "!" || previous === "?")) {
        const answer = matchSentence(at);
        if (answer) out.push(answer);
        sentence = "";
      } else if (sentence.length < MAX_SENTENCE) sentence += ch;
    }
    previous = ch;
  }

  /** `text.slice(from, to)` cut to at most `room` code units, not inside a surrogate pair (as `step` would). */
  function upTo(text: string, from: number, to: number, room: number): string {
    if (room <= 0) return "";
    if (to - from <= room) return text.slice(from, to);
    let end = from + room;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      const low = text.charCodeAt(end);
      if (low >= 0xdc00 && low <= 0xdfff) end += 1;
    }
    return text.slice(from, end);
  }

  /**
   * A run of characters that change nothing but the line and sentence texts (no line or sentence end, no `{`,
   * no open box): appended in one go, with the same caps `step` applies character by character.
   */
  function plain(text: string, from: number, to: number) {
    offset += to - from;
    line += upTo(text, from, to, MAX_LINE - line.length);
    sentence += upTo(text, from, to, MAX_SENTENCE - sentence.length);
    recent = to - from >= 8 ? text.slice(to - 8, to) : (recent + text.slice(from, to)).slice(-8);
    // Only compared with `.`, `!` and `?`: the last code unit stands for the last character.
    previous = text[to - 1]!;
  }

  return {
    push(text: string): Answer[] {
      const out: Answer[] = [];
      let i = 0;
      while (i < text.length) {
        if (!box) {
          let j = i;
          for (; j < text.length; j += 1) {
            const code = text.charCodeAt(j);
            // \n \r space \t {
            if (code === 10 || code === 13 || code === 32 || code === 9 || code === 123) break;
          }
          if (j > i) {
            plain(text, i, j);
            i = j;
            continue;
          }
        }
        const ch = String.fromCodePoint(text.codePointAt(i)!);
        step(ch, out);
        // A character outside the BMP counts as two code units.
        if (ch.length === 2) offset += 1;
        i += ch.length;
      }
      return out;
    },
    /** The unfinished last line, for checks that run when the stream ends. */
    end(): Answer[] {
      return line.trim() === "" ? [] : matchLine(offset);
    },
    size: () => line.length + sentence.length + recent.length + (box?.value.length ?? 0),
  };
}
