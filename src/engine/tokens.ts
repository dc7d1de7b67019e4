/**
 * Estimates BPE token counts without a vocabulary, so the Worker can count what an upstream generated when the
 * stream is cut off before the upstream's own usage arrives.
 *
 * Each UTF-16 unit falls in one *context*: its character class and a little of what precedes it, chosen to
 * follow the pre-tokenisation of OpenAI's o200k_base (a word takes one leading space or punctuation mark, a
 * lowercase-to-uppercase change starts a new word, digits group by three, punctuation runs and whitespace runs
 * are pieces of their own). Every context carries a weight: how many o200k tokens start, on average, at a unit
 * in that context, measured on real texts of every kind (`npm run eval:tokens -- --calibrate` writes them into
 * `token-weights.ts`). The count is the sum of the weights, rounded.
 *
 * The weights are expected values, so the count is close on a text's total, not on each word. The context of a
 * unit depends only on the units before it, which makes the count identical under any split of the text and
 * lets a finding's offset be converted to tokens exactly as the full text would be. See docs/tokens.md.
 *
 * @example
 * const counter = createTokenCounter();
 * counter.push("Hello, wor");
 * counter.push("ld!"); // counter.count === estimateTokens("Hello, world!")
 */
import { TOKEN_WEIGHTS } from "./token-weights";

export interface TokenCounter {
  /** Adds text and returns the running token count. */
  push(text: string): number;
  /** Tokens counted so far. */
  readonly count: number;
  /** A copy, to count a prefix of the next piece without disturbing this one. */
  clone(): TokenCounter;
}

/** Character classes. ASCII punctuation has one class per character, from `ASCII_PUNCT` up. */
const enum C {
  Lower,
  Upper,
  Digit,
  Space,
  Tab,
  Newline,
  Control,
  Latin,
  GreekCyrillic,
  OtherLetter,
  Mark,
  Han,
  Kana,
  Hangul,
  CjkPunct,
  GeneralPunct,
  Latin1Symbol,
  Symbol,
  HighSurrogate,
  LowSurrogate,
  AsciiPunct,
}

/** What a class is, for the units that follow it. */
const enum G {
  Letter,
  Digit,
  Space,
  Newline,
  Cjk,
  Astral,
  Punct,
}
const GROUPS = 7;

/** Punctuation families, for what follows a punctuation mark. */
const enum P {
  Quote,
  Open,
  Close,
  Separator,
  Stop,
  Operator,
  Backslash,
  Other,
  Count,
}

const ASCII_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const CLASSES = C.AsciiPunct + ASCII_PUNCT.length;

const ASCII_CLASS = new Uint8Array(128);
const GROUP_OF = new Uint8Array(CLASSES).fill(G.Punct);
const FAMILY_OF = new Uint8Array(CLASSES).fill(P.Other);
/** Index of each punctuation class among the punctuation contexts. */
const PUNCT_INDEX = new Uint8Array(CLASSES);
let punctClasses = 0;

for (let code = 0; code < 128; code += 1) {
  if (code >= 97 && code <= 122) ASCII_CLASS[code] = C.Lower;
  else if (code >= 65 && code <= 90) ASCII_CLASS[code] = C.Upper;
  else if (code >= 48 && code <= 57) ASCII_CLASS[code] = C.Digit;
  else if (code === 32) ASCII_CLASS[code] = C.Space;
  else if (code === 9) ASCII_CLASS[code] = C.Tab;
  else if (code === 10 || code === 13) ASCII_CLASS[code] = C.Newline;
  else if (code < 32 || code === 127) ASCII_CLASS[code] = C.Control;
  else ASCII_CLASS[code] = C.AsciiPunct + ASCII_PUNCT.indexOf(String.fromCharCode(code));
}
for (const cls of [C.Lower, C.Upper, C.Latin, C.GreekCyrillic, C.OtherLetter, C.Mark]) GROUP_OF[cls] = G.Letter;
GROUP_OF[C.Digit] = G.Digit;
GROUP_OF[C.Space] = GROUP_OF[C.Tab] = G.Space;
GROUP_OF[C.Newline] = G.Newline;
for (const cls of [C.Han, C.Kana, C.Hangul, C.CjkPunct]) GROUP_OF[cls] = G.Cjk;
GROUP_OF[C.HighSurrogate] = GROUP_OF[C.LowSurrogate] = G.Astral;
for (let cls = 0; cls < CLASSES; cls += 1) if (GROUP_OF[cls] === G.Punct) PUNCT_INDEX[cls] = punctClasses++;
const FAMILIES: [string, P][] = [
  ["\"'`", P.Quote],
  ["([{<", P.Open],
  [")]}>", P.Close],
  [",;:", P.Separator],
  [".!?", P.Stop],
  ["+-*/=^%&|~", P.Operator],
  ["\\", P.Backslash],
];
for (const [chars, family] of FAMILIES)
  for (const ch of chars) FAMILY_OF[C.AsciiPunct + ASCII_PUNCT.indexOf(ch)] = family;

function classOf(code: number): number {
  if (code < 128) return ASCII_CLASS[code]!;
  if (code >= 0xd800 && code <= 0xdfff) return code <= 0xdbff ? C.HighSurrogate : C.LowSurrogate;
  if ((code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0xf900 && code <= 0xfaff))
    return C.Han;
  if (code >= 0x3040 && code <= 0x30ff) return C.Kana;
  if ((code >= 0xac00 && code <= 0xd7af) || (code >= 0x1100 && code <= 0x11ff) || (code >= 0x3130 && code <= 0x318f))
    return C.Hangul;
  if ((code >= 0x3000 && code <= 0x303f) || (code >= 0xff00 && code <= 0xffef)) return C.CjkPunct;
  if (code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7) return C.Latin;
  if (code >= 0x370 && code <= 0x52f) return C.GreekCyrillic;
  if (code >= 0x300 && code <= 0x36f) return C.Mark;
  if (code >= 0x2000 && code <= 0x206f) return C.GeneralPunct;
  if (code <= 0xbf || code === 0xd7 || code === 0xf7) return C.Latin1Symbol;
  if (code >= 0x2070 && code <= 0x2bff) return C.Symbol;
  return C.OtherLetter;
}

// What starts a word: nothing it joins (line start, a digit, ...), one space, a space after whitespace
// (indentation), a lowercase-to-uppercase change, a CJK or astral character, one punctuation mark that the word
// takes as its first byte (by family), or punctuation the word cannot take (a run, or a mark after a space).
const enum W {
  None,
  Space,
  Indent,
  Digit,
  Camel,
  Cjk,
  Astral,
  Attached,
  Bare = Attached + P.Count,
  Count = Bare + P.Count,
}
/** Word shapes after the first letter: lowercase, all capitals, capitalised; `Pending` while only one capital. */
const enum S {
  Lower,
  Caps,
  Title,
  Pending,
}
const MAX_WORD_POS = 12;
const PER_PREFIX = 2 + 3 * (MAX_WORD_POS - 1);
const MAX_SPACE_RUN = 24;
/** Runs this long are degenerate output (a letter or mark repeated, runaway whitespace): see `RUNAWAY_WEIGHTS`. */
const LONG_WORD = 16;
const LONG_PUNCT = 8;
const LONG_NEWLINES = 8;

// Layout of the context table, one block per kind of unit.
const LETTERS = 0;
const OTHER_LETTERS = LETTERS + W.Count * PER_PREFIX;
const DIGITS = OTHER_LETTERS + 4 * (GROUPS + 3);
const WHITESPACE = DIGITS + GROUPS + 3;
const PER_WHITESPACE = GROUPS + MAX_SPACE_RUN - 2;
const NEWLINES = WHITESPACE + 2 * PER_WHITESPACE;
const CJK = NEWLINES + GROUPS + 3;
const PER_CJK = GROUPS + 4 * 3;
const ASTRAL = CJK + 4 * PER_CJK;
const PUNCT = ASTRAL + GROUPS + 1;
const PER_PUNCT = GROUPS + 2 * P.Count + 1;

/** How many contexts have a weight fitted on real text (`token-weights.ts`). */
export const TOKEN_CONTEXTS = PUNCT + punctClasses * PER_PUNCT;

/** A weight of 128 is one token. */
const UNIT = 128;

/**
 * Contexts past the fitted ones, for runs too long to occur in the calibration texts, with fixed weights
 * measured with o200k_base on such runs: a letter run ("hahaha...", "aaaa...", a word with no end) costs 0.13
 * to 0.5 tokens a letter, a repeated mark ("!!!!", "----") 0.03 to 0.1, runaway spaces 0.01 to 0.03 and
 * runaway newlines 0.07 a unit; the weights below are 0.28, 0.05, 0.02 and 0.07. Fitted, such runs would take
 * the weights of ordinary words and indents.
 */
const RUNAWAY_LETTER = TOKEN_CONTEXTS;
const RUNAWAY_PUNCT = TOKEN_CONTEXTS + 1;
const RUNAWAY_SPACE = TOKEN_CONTEXTS + 2;
const RUNAWAY_NEWLINE = TOKEN_CONTEXTS + 3;
const RUNAWAY_WEIGHTS = [36, 6, 3, 9];

const WEIGHTS = decodeWeights(TOKEN_WEIGHTS);

function decodeWeights(base64: string): Uint8Array {
  const bytes = atob(base64);
  const table = new Uint8Array(TOKEN_CONTEXTS + RUNAWAY_WEIGHTS.length).fill(UNIT);
  for (let i = 0; i < bytes.length && i < TOKEN_CONTEXTS; i += 1) table[i] = bytes.charCodeAt(i);
  table.set(RUNAWAY_WEIGHTS, TOKEN_CONTEXTS);
  return table;
}

/** Where the scanner is: what came before the next unit. */
interface ScanState {
  prev: number;
  prevPrevGroup: number;
  run: number;
  prefix: number;
  shape: number;
}

const startState = (): ScanState => ({ prev: C.Newline, prevPrevGroup: G.Newline, run: 0, prefix: 0, shape: 0 });

/** The context a word's first letter sets for the whole word: see `W`. */
function wordPrefix(prev: number, prevGroup: number, prevPrevGroup: number, camel: boolean): number {
  if (camel) return W.Camel;
  switch (prevGroup) {
    case G.Space:
      return prevPrevGroup === G.Space ? W.Indent : W.Space;
    case G.Punct:
      // The o200k pattern lets a word take one mark before it, unless that mark ends a run or follows a space.
      return (prevPrevGroup === G.Punct || prevPrevGroup === G.Space ? W.Bare : W.Attached) + FAMILY_OF[prev]!;
    case G.Digit:
      return W.Digit;
    case G.Cjk:
      return W.Cjk;
    case G.Astral:
      return W.Astral;
    default:
      return W.None;
  }
}

/**
 * Moves `s` past `text` and returns the weight of its units; writes each unit's context into `contexts` when
 * given. One loop over locals, since it runs on every piece of every stream.
 */
function scan(s: ScanState, text: string, contexts?: Uint16Array): number {
  let { prev, prevPrevGroup, run, prefix, shape } = s;
  let prevGroup = GROUP_OF[prev]!;
  let score = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    const cls = code < 128 ? ASCII_CLASS[code]! : classOf(code);
    const group = GROUP_OF[cls]!;
    const camel = prev === C.Lower && cls === C.Upper;
    run = group === prevGroup && !camel ? run + 1 : 1;
    let context: number;
    switch (group) {
      case G.Letter:
        if (run === 1) {
          prefix = wordPrefix(prev, prevGroup, prevPrevGroup, camel);
          shape = cls === C.Upper ? S.Pending : S.Lower;
        } else if (run === 2 && shape === S.Pending) shape = cls === C.Upper ? S.Caps : S.Title;
        if (run >= LONG_WORD) context = RUNAWAY_LETTER;
        else if (cls <= C.Upper)
          context =
            LETTERS +
            prefix * PER_PREFIX +
            (run === 1 ? cls : 2 + shape * (MAX_WORD_POS - 1) + (run < MAX_WORD_POS ? run : MAX_WORD_POS) - 2);
        else
          context =
            OTHER_LETTERS + (cls - C.Latin) * (GROUPS + 3) + (run === 1 ? prevGroup : GROUPS + (run < 4 ? run : 4) - 2);
        break;
      case G.Digit:
        context = DIGITS + (run === 1 ? prevGroup : GROUPS + ((run - 1) % 3));
        break;
      case G.Space:
        context =
          run >= MAX_SPACE_RUN
            ? RUNAWAY_SPACE
            : WHITESPACE + (cls - C.Space) * PER_WHITESPACE + (run === 1 ? prevGroup : GROUPS + run - 2);
        break;
      case G.Newline:
        context =
          run >= LONG_NEWLINES
            ? RUNAWAY_NEWLINE
            : NEWLINES + (run === 1 ? prevGroup : GROUPS + (run < 4 ? run : 4) - 2);
        break;
      case G.Cjk:
        context =
          CJK +
          (cls - C.Han) * PER_CJK +
          (run === 1 ? prevGroup : GROUPS + (prev - C.Han) * 3 + (run < 4 ? run : 4) - 2);
        break;
      case G.Astral:
        context = ASTRAL + (cls === C.HighSurrogate ? prevGroup : GROUPS);
        break;
      default:
        if (run >= 3 && prev === cls)
          // The same mark repeated ("...", "---", "```"): BPE merges such runs far more than mixed ones.
          context = run >= LONG_PUNCT ? RUNAWAY_PUNCT : PUNCT + PUNCT_INDEX[cls]! * PER_PUNCT + PER_PUNCT - 1;
        else
          context =
            PUNCT +
            PUNCT_INDEX[cls]! * PER_PUNCT +
            (run === 1 ? prevGroup : GROUPS + FAMILY_OF[prev]! * 2 + (run >= 3 ? 1 : 0));
    }
    if (contexts) contexts[i] = context;
    score += WEIGHTS[context]!;
    prevPrevGroup = prevGroup;
    prevGroup = group;
    prev = cls;
  }
  s.prev = prev;
  s.prevPrevGroup = prevPrevGroup;
  s.run = run;
  s.prefix = prefix;
  s.shape = shape;
  return score;
}

class Counter implements TokenCounter {
  private score = 0;
  private state = startState();

  get count(): number {
    return Math.floor((this.score + UNIT / 2) / UNIT);
  }

  push(text: string): number {
    this.score += scan(this.state, text);
    return this.count;
  }

  clone(): TokenCounter {
    const copy = new Counter();
    copy.score = this.score;
    copy.state = { ...this.state };
    return copy;
  }
}

/** A fresh counter. */
export function createTokenCounter(): TokenCounter {
  return new Counter();
}

/** Estimated tokens of a whole text. */
export function estimateTokens(text: string): number {
  return createTokenCounter().push(text);
}

/** The context of every UTF-16 unit of `text`, for calibrating the weights (scripts/token-accuracy.ts). */
export function tokenContexts(text: string): Uint16Array {
  const contexts = new Uint16Array(text.length);
  scan(startState(), text, contexts);
  return contexts;
}
