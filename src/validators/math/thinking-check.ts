import type { Finding } from "../../engine/types";
import { checkLink, close, sideKey, splitChain } from "./chain";
import { createRetractionHold } from "./retraction";
import { createScanner, type ScanOptions } from "./scanner";
import type { Check } from "./solution-check";

/**
 * Words with which a model takes back what it just computed while it thinks: `no wait`, `hmm`, `let me
 * recheck`, `that's wrong`, `actually`.
 */
const THINKING_RETRACTION = new RegExp(
  [
    "\\b(?:wait|nope|actually|hmm+|hm|oops|mistake|wrong|incorrect|errors?|re-?check\\w*|double[- ]check\\w*",
    "re-?calculat\\w*|re-?comput\\w*|redo|verify|hold on|correction|miscalculat\\w*|sorry|scratch that",
    "contradiction|impossible|typo|let me (?:check|see|think|compute|calculate|try|redo)",
    "not (?:right|correct|true|equal|possible)|is(?:n'?t| not) (?:right|correct|true)",
    "does(?:n'?t| not) (?:seem|look|add up|match|work))\\b|\\bno\\b[\\s,.!]|≠|\\\\neq?\\b",
  ].join("|"),
  "i",
);

/** False steps kept after their window; past this, new ones are not tracked (bounded state). */
const MAX_STANDING = 32;

/** A false step in the thinking that its window did not take back. */
export interface Slip extends Finding {
  /** The left side as written, to recognise the same calculation done again. */
  key: string;
  /** Why it is false (`391 is not 381`). */
  why: string;
  /** The result the thinking wrote, and the true value. */
  wrong: number;
  truth: number;
  /** The wrong result was used as an operand later in the thinking. */
  carried: boolean;
}

export interface ThinkingCheckOptions extends ScanOptions {
  window: number;
  /** Numbers the problem itself gives: a later use of one of them is not a use of a wrong result. */
  given(value: number): boolean;
}

export interface ThinkingCheck extends Check {
  /** False steps the thinking wrote and never took back or redid correctly. */
  standing(): readonly Slip[];
}

/**
 * The arithmetic check on a model's thinking, where exploring and correcting oneself is the norm. A false step
 * is not a rejection on its own. It is dropped when the text takes it back within `window` characters, or when a
 * later step redoes the same calculation correctly. It is reported:
 * - at once, when the same false step is written again and neither time taken back (a repeated wrong
 *   recomputation);
 * - when the thinking ends, if its wrong result was used as an operand afterwards and it was never corrected.
 * The caller also reports an answer whose final value is a standing wrong result (see `standing`).
 */
export function createThinkingCheck(options: ThinkingCheckOptions): ThinkingCheck {
  const corrected = new Set<Slip>();
  const standing: Slip[] = [];
  const hold = createRetractionHold<Slip>(
    options.window,
    (text, slip) => corrected.has(slip) || THINKING_RETRACTION.test(text),
  );
  let fed = 0;

  /** A later correct step with the same left side corrects the slips on it. */
  function correct(key: string, value: number) {
    for (const slip of hold.pending()) if (slip.key === key && close(slip.truth, value)) corrected.add(slip);
    for (let i = standing.length - 1; i >= 0; i -= 1) {
      const slip = standing[i]!;
      if (slip.key === key && close(slip.truth, value)) standing.splice(i, 1);
    }
  }

  function markUse(value: number, start: number) {
    if (options.given(value)) return;
    for (const slip of [...hold.pending(), ...standing]) {
      if (start >= slip.at && close(slip.wrong, value) && !close(slip.wrong, slip.truth)) slip.carried = true;
    }
  }

  const scanner = createScanner<never>((span) => {
    if (span.annotation) return undefined;
    const { links, parts } = splitChain(span);
    // Numbers on every side but the last (`381 + 9` in `381 + 9 = 390`): where a wrong result would be used. A
    // first side is counted even when it may be cut off (`and 381 + 9`): its numbers are written all the same.
    for (let i = 0; i < parts.length - 1; i += 1)
      for (const tok of parts[i]!) if (tok.t === "num") markUse(tok.value, tok.start);
    links.forEach((link, i) => {
      const key = sideKey(parts[i] ?? []);
      const wrong = checkLink(link);
      if (wrong === undefined) {
        if (link.left && link.right) correct(key, link.right.value);
        return;
      }
      const { left, right } = link;
      hold.hold({
        at: span.at,
        evidence: span.text,
        detail: `\`${span.text}\` in the thinking does not hold (${wrong})`,
        why: wrong,
        key,
        wrong: right!.value,
        truth: left!.value,
        carried: false,
      });
    });
    return undefined;
  }, options);

  /** Slips whose window closed: a repeat of a standing one is reported, the others stand. */
  function settle(next: () => Slip | undefined): Finding | undefined {
    for (let slip = next(); slip; slip = next()) {
      const earlier = standing.find((s) => s.key === slip.key && close(s.wrong, slip.wrong));
      if (earlier) {
        return {
          at: slip.at,
          evidence: slip.evidence,
          detail: `${slip.detail}, and the thinking computes it wrong a second time without correcting it.`,
        };
      }
      if (standing.length < MAX_STANDING) standing.push(slip);
    }
    return undefined;
  }

  return {
    push(text) {
      hold.feed(text);
      fed += text.length;
      scanner.push(text);
      return settle(() => hold.release());
    },
    /** The thinking ended: a standing slip whose result was used is reported here. */
    end() {
      scanner.end();
      const repeated = settle(() => hold.release() ?? hold.end());
      if (repeated) return repeated;
      const used = standing.find((slip) => slip.carried);
      if (!used) return undefined;
      return {
        at: fed,
        evidence: used.evidence,
        detail: `${used.detail}; the thinking never corrects it and goes on with ${formatValue(used.wrong)}.`,
      };
    },
    standing: () => standing,
    size: () => scanner.size() + hold.size() + standing.length * 64,
  };
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(10)));
}
