import * as z from "../../zod";
import type { Finding, Validator, ValidatorKind } from "../../engine/types";
import { createPhraseMatcher } from "./phrase-matcher";
import { createRecentText, excerpt, pushEachChar } from "./recent-text";

/** Assistant-meta phrases that are unwanted wherever they appear in generated data. */
export const DEFAULT_ANYWHERE_PHRASES = [
  "as an ai language model",
  "as a language model",
  "as an ai model",
  "as an ai assistant",
  "as an ai developed by",
  "as an ai,",
  "as a large language model",
  "as an artificial intelligence",
  "i'm an ai language model",
  "i am an ai language model",
  "i'm just an ai",
  "i am just an ai",
  "i'm sorry, but i can't",
  "i'm sorry, but i cannot",
  "i am sorry, but i cannot",
  "i'm sorry, but as an ai",
  "i'm sorry, i can't",
  "i'm sorry, i cannot",
  "i cannot assist with",
  "i can't assist with",
  "i'm unable to assist with",
  "i cannot fulfill",
  "i can't fulfill",
  "i don't have personal opinions",
  "i do not have personal opinions",
  "i don't have personal beliefs",
  "i do not have personal beliefs",
  "i don't have personal experiences",
  "i do not have personal experiences",
  "i don't have personal feelings",
  "i do not have personal feelings",
  "i don't have feelings",
  "i don't have access to real-time",
  "i do not have access to real-time",
  "my knowledge cutoff",
  "my knowledge cut-off",
  "as of my last update",
  "as of my last knowledge update",
  "as of my knowledge cutoff",
  "as of my training data",
  "my training data only goes",
] as const;

/** Chat openers: unwanted only as the very start of the output ("Sure! Here's ..."). */
export const DEFAULT_START_PHRASES = [
  "sure! here",
  "sure, here",
  "sure thing",
  "certainly! here",
  "certainly, here",
  "certainly! below",
  "of course! here",
  "of course, here",
  "absolutely! here",
  "absolutely, here",
  "great question",
  "i'd be happy to",
  "i would be happy to",
] as const;

const phraseList = z
  .pipe(
    z.array(z.string().check(z.minLength(3), z.maxLength(120))),
    z.transform((list: string[]) => list.map(normalizePhrase)),
  )
  .check(z.refine((list) => list.every((p) => p.length > 0), "a phrase must hold more than whitespace"));

export const BoilerplateParamsSchema = z.strictObject({
  /** Phrases rejected wherever they occur. Case, curly apostrophes and runs of whitespace are ignored. */
  anywhere: z._default(phraseList, [...DEFAULT_ANYWHERE_PHRASES]),
  /** Phrases rejected only when the output (after leading whitespace) starts with them. */
  atStart: z._default(phraseList, [...DEFAULT_START_PHRASES]),
});
export type BoilerplateParams = z.infer<typeof BoilerplateParamsSchema>;

/**
 * Finds assistant boilerplate in generated text: refusals ("I'm sorry, but I can't"), self-reference ("As an AI
 * language model"), knowledge-cutoff disclaimers, and chat openers ("Sure! Here's") at the start of the output.
 * Matching runs on a normalised stream (lower-case ASCII, `’` as `'`, any run of whitespace as one space) through
 * an Aho–Corasick automaton built once per rule, so a phrase cut across chunks is found with no buffering. A phrase
 * must start a word: "has an AI language model" does not match "as an ai language model".
 *
 * State: the automaton node, the last normalised characters (one phrase long) for the word-start check, one flag
 * per start phrase, and 120 characters of recent text for evidence.
 */
export function compileBoilerplate(params: BoilerplateParams): () => Validator {
  const { anywhere, atStart } = params;
  const matcher = createPhraseMatcher(anywhere);
  const history = matcher.maxLength + 1;

  return function createBoilerplate(): Validator {
    const normal = new Uint16Array(history); // ring of the last normalised characters
    const startAlive = atStart.map(() => true);
    const recent = createRecentText(120);
    let anyStartAlive = atStart.length > 0;
    let node = 0;
    let written = 0; // normalised characters so far
    let pendingSpace = false;
    let pos = 0;

    const found = (phrase: string, where: string, piece: string, index: number, i: number): Finding => ({
      at: i + 1,
      evidence: excerpt(recent.upTo(piece, index).slice(-Math.max(phrase.length + 20, 60))),
      detail: `The output contains the assistant boilerplate "${phrase}"${where}.`,
    });

    const feed = (code: number, piece: string, index: number, i: number): Finding | undefined => {
      const at = written;
      normal[at % history] = code;
      written += 1;
      if (anyStartAlive) {
        anyStartAlive = false;
        for (let p = 0; p < atStart.length; p += 1) {
          if (!startAlive[p]) continue;
          const phrase = atStart[p]!;
          if (phrase.charCodeAt(at) !== code) startAlive[p] = false;
          else if (at === phrase.length - 1) return found(phrase, " at the start", piece, index, i);
          else anyStartAlive = true;
        }
      }
      node = matcher.step(node, code);
      for (const p of matcher.matches(node)) {
        const phrase = anywhere[p]!;
        const before = at - phrase.length;
        if (before < 0 || !isWordCode(normal[before % history]!)) return found(phrase, "", piece, index, i);
      }
      return undefined;
    };

    const step = (raw: number, piece: string, index: number): Finding | undefined => {
      const i = pos;
      pos += 1;
      if (isSpace(raw)) {
        // Leading whitespace is dropped so "  Sure! Here" still starts the output.
        pendingSpace = written > 0;
        return undefined;
      }
      if (pendingSpace) {
        pendingSpace = false;
        const finding = feed(32, piece, index, i);
        if (finding) return finding;
      }
      return feed(normalizeCode(raw), piece, index, i);
    };

    return {
      push: (text) => pushEachChar(text, recent, step),
      end: () => undefined,
      stateSize: () => history + atStart.length + recent.size(),
    };
  };
}

function normalizePhrase(phrase: string): string {
  let out = "";
  for (const ch of phrase.trim()) {
    const code = ch.charCodeAt(0);
    if (isSpace(code)) {
      if (!out.endsWith(" ")) out += " ";
    } else out += String.fromCharCode(normalizeCode(code));
  }
  return out;
}

function normalizeCode(code: number): number {
  if (code >= 65 && code <= 90) return code + 32;
  if (code === 0x2019 || code === 0x2018 || code === 0x02bc) return 39; // ’ ‘ ʼ as '
  return code;
}

function isSpace(code: number): boolean {
  return (
    code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || (code >= 0x2000 && code <= 0x200a) || code === 0x3000
  );
}

function isWordCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code >= 0xc0;
}

export const boilerplate: ValidatorKind<typeof BoilerplateParamsSchema> = {
  name: "boilerplate",
  summary: "Rejects assistant boilerplate in generated text: refusals, 'As an AI language model', chat openers.",
  params: BoilerplateParamsSchema,
  defaultChannels: ["content"],
  compile: (params) => {
    const create = compileBoilerplate(params);
    return () => create();
  },
};
