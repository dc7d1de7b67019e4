/**
 * An incremental tokenizer for math in prose. A token is committed only once `LOOKAHEAD` more characters follow
 * it (or the stream ended): every rule below decides a token's kind and end from at most that many characters
 * past its end, so the committed tokens do not depend on how the text was split into pieces.
 */

export type TokenKind =
  | "num" // 12, 1,200, 10{,}000, 10,\\!000, 10\\,000, 3.5, .5
  | "op" // + - * / ^ × ÷ · − and ** (power, or markdown bold: the scanner decides)
  | "eq" // =
  | "approx" // ≈ ≅ ≃
  | "rel" // == => <= >= != and other comparisons: never an equation we check
  | "lp"
  | "rp"
  | "pct" // %
  | "cur" // $ € £ ¥ ₹
  | "word"
  | "cmd" // a LaTeX command: \frac, \times, \, ...
  | "ann-open" // << (GSM8K calculator annotation)
  | "ann-close" // >>
  | "space"
  | "newline"
  | "punct" // . , ; : ! ? and ellipses
  | "other";

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset of the first character in the whole stream. */
  start: number;
}

/** How many characters past a token's end decide it (the longest rule: `{,}ddd` thousands plus one digit). */
const LOOKAHEAD = 7;

/*
 * The rules, in priority order (the first that matches at a position wins):
 *   newline   \r\n? | \n
 *   space     [ \t\u00a0\u2009\u202f]{1,40}
 *   ann-open  <<            ann-close  >>
 *   num       \d{1,3}(?:SEP\d{3})+(?!\d)(?:\.\d{1,30})? for SEP = , | {,} | ,\! | \, (in that order, one kind per
 *             number) | \d{1,30}(?:\.\d{1,30})? | \.\d{1,30}
 *   cmd       \\[A-Za-z]{1,20} | \\[^A-Za-z]   (one code point)
 *   word      \p{L}{1,40}   (code points)
 *   rel       ==+ | => | <= | >= | != | =< | [<>≤≥≠]
 *   eq  =     approx [≈≅≃]     op  \*\* | [-+*\/^×÷·−]     pct  %     cur  [$€£¥₹]
 *   lp  [([{] rp [)\]}]        punct  \.{2,} | … | [.,;:!?]     other  any one code point
 * Only one rule can match a given first character, so `lexAt` dispatches on it instead of trying each in turn.
 */

/** The kind of a token decided by its first character alone (a one-character token), by char code < 128. */
const SINGLE: (TokenKind | undefined)[] = [];
for (const [chars, kind] of [
  ["+-/^", "op"],
  ["%", "pct"],
  ["$", "cur"],
  ["([{", "lp"],
  [")]}", "rp"],
  [",;:?", "punct"],
] as const) {
  for (const ch of chars) SINGLE[ch.charCodeAt(0)] = kind;
}
const NON_ASCII_SINGLE = new Map<number, TokenKind>([
  [0x2264, "rel"], // ≤
  [0x2265, "rel"], // ≥
  [0x2260, "rel"], // ≠
  [0x2248, "approx"], // ≈
  [0x2245, "approx"], // ≅
  [0x2243, "approx"], // ≃
  [0xd7, "op"], // ×
  [0xf7, "op"], // ÷
  [0xb7, "op"], // ·
  [0x2212, "op"], // −
  [0x20ac, "cur"], // €
  [0xa3, "cur"], // £
  [0xa5, "cur"], // ¥
  [0x20b9, "cur"], // ₹
  [0x2026, "punct"], // …
]);

const LETTER = /^\p{L}$/u;
const letterCache = new Map<number, boolean>();

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 0xa0 || code === 0x2009 || code === 0x202f;
}

/** The code point at `i` as `[code, length in code units]` (a lone surrogate counts as itself). */
function codePointLength(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return 2;
  }
  return 1;
}

/** Whether the code point at `i` (of `length` code units) is a letter (`\p{L}`). */
function isLetterAt(text: string, i: number, length: number): boolean {
  const code = text.charCodeAt(i);
  if (code < 128) return isAsciiLetter(code);
  const key = length === 2 ? text.codePointAt(i)! : code;
  let letter = letterCache.get(key);
  if (letter === undefined) {
    letter = LETTER.test(text.slice(i, i + length));
    if (letterCache.size < 4096) letterCache.set(key, letter);
  }
  return letter;
}

/** Whether one UTF-16 code unit is a letter (`\p{L}`, a lone surrogate is not) or `-`: a number word's character. */
export function isWordCodeUnit(code: number): boolean {
  if (code < 128) return isAsciiLetter(code) || code === 45;
  let letter = letterCache.get(code);
  if (letter === undefined) {
    letter = LETTER.test(String.fromCharCode(code));
    if (letterCache.size < 4096) letterCache.set(code, letter);
  }
  return letter;
}

/** The end of a run of at most `max` ASCII digits starting at `i`. */
function digitsEnd(text: string, i: number, max: number): number {
  const limit = Math.min(text.length, i + max);
  let j = i;
  while (j < limit && isDigit(text.charCodeAt(j))) j += 1;
  return j;
}

/** After an integer part ending at `i`: the end of an optional `.\d{1,30}`. */
function fractionEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) return digitsEnd(text, i + 1, 30);
  return i;
}

/** Thousands separators, in the order the rules try them: `1,234`, LaTeX `1{,}234`, `1,\!234` and `1\,234`. */
const SEPARATORS = [",", "{,}", ",\\!", "\\,"] as const;

/** Whether `sep` followed by three digits starts at `j`. */
function groupAt(text: string, j: number, sep: string): boolean {
  if (!text.startsWith(sep, j)) return false;
  const k = j + sep.length;
  return isDigit(text.charCodeAt(k)) && isDigit(text.charCodeAt(k + 1)) && isDigit(text.charCodeAt(k + 2));
}

/** The end of the number starting at `i` (a digit there). */
function numberEnd(text: string, i: number): number {
  // \d{1,3}(?:SEP\d{3})+(?!\d)(?:\.\d{1,30})? for each separator in turn (one kind per number)
  const lead = digitsEnd(text, i, 4);
  const after = text.charCodeAt(lead);
  // Every separator starts with `,`, `{` or `\`.
  if (lead - i <= 3 && (after === 44 || after === 123 || after === 92)) {
    for (const sep of SEPARATORS) {
      if (!groupAt(text, lead, sep)) continue;
      let j = lead;
      const groupEnds: number[] = [];
      while (groupAt(text, j, sep)) {
        j += sep.length + 3;
        groupEnds.push(j);
      }
      let k = groupEnds.length;
      // Backtrack while a digit follows the last group (only the last can have one: the others are followed by a separator).
      if (isDigit(text.charCodeAt(groupEnds[k - 1]!))) k -= 1;
      if (k > 0) return fractionEnd(text, groupEnds[k - 1]!);
    }
  }
  // \d{1,30}(?:\.\d{1,30})?
  return fractionEnd(text, digitsEnd(text, i, 30));
}

/** The kind of the token `lexAt` found last (a module variable: no object per token). */
let lexedKind: TokenKind = "other";

function found(kind: TokenKind, end: number): number {
  lexedKind = kind;
  return end;
}

/** The end of the token starting at `i` (< text.length), by the rules above; its kind goes to `lexedKind`. */
function lexAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const next = i + 1 < text.length ? text.charCodeAt(i + 1) : -1;
  if (isDigit(code)) return found("num", numberEnd(text, i));
  if (isAsciiLetter(code)) {
    let j = i + 1;
    const limit = Math.min(text.length, i + 40);
    while (j < limit && isAsciiLetter(text.charCodeAt(j))) j += 1;
    if (j < limit && text.charCodeAt(j) >= 128) return found("word", wordEnd(text, i));
    return found("word", j);
  }
  if (isSpace(code)) {
    let j = i + 1;
    const limit = Math.min(text.length, i + 40);
    while (j < limit && isSpace(text.charCodeAt(j))) j += 1;
    return found("space", j);
  }
  switch (code) {
    case 10:
      return found("newline", i + 1);
    case 13:
      return found("newline", next === 10 ? i + 2 : i + 1);
    case 46: {
      if (isDigit(next)) return found("num", digitsEnd(text, i + 1, 30));
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) === 46) j += 1;
      return found("punct", j);
    }
    case 92: // backslash
      if (next === -1) return found("other", i + 1);
      if (isAsciiLetter(next)) {
        let j = i + 2;
        const limit = Math.min(text.length, i + 21);
        while (j < limit && isAsciiLetter(text.charCodeAt(j))) j += 1;
        return found("cmd", j);
      }
      return found("cmd", i + 1 + codePointLength(text, i + 1));
    case 60: // <
      if (next === 60) return found("ann-open", i + 2);
      return found("rel", next === 61 ? i + 2 : i + 1);
    case 62: // >
      if (next === 62) return found("ann-close", i + 2);
      return found("rel", next === 61 ? i + 2 : i + 1);
    case 61: // =
      if (next === 61) {
        let j = i + 2;
        while (j < text.length && text.charCodeAt(j) === 61) j += 1;
        return found("rel", j);
      }
      if (next === 62 || next === 60) return found("rel", i + 2);
      return found("eq", i + 1);
    case 33: // !
      return next === 61 ? found("rel", i + 2) : found("punct", i + 1);
    case 42: // *
      return found("op", next === 42 ? i + 2 : i + 1);
  }
  if (code < 128) return found(SINGLE[code] ?? "other", i + 1);
  const single = NON_ASCII_SINGLE.get(code);
  if (single !== undefined) return found(single, i + 1);
  const length = codePointLength(text, i);
  if (isLetterAt(text, i, length)) return found("word", wordEnd(text, i));
  return found("other", i + length);
}

/** The end of `\p{L}{1,40}` (40 code points) starting at `i` (a letter there). */
function wordEnd(text: string, i: number): number {
  let j = i;
  for (let count = 0; count < 40 && j < text.length; count += 1) {
    const length = codePointLength(text, j);
    if (!isLetterAt(text, j, length)) break;
    j += length;
  }
  return j;
}

/** A tokenizer (a class: one is made per stream, so its methods are shared). */
class Lexer {
  private pending = "";
  private base = 0;

  /** Appends the tokens the new text committed to `out`. */
  push(text: string, out: Token[] = []): Token[] {
    this.pending += text;
    // Nothing can be committed until LOOKAHEAD characters follow the first pending token's start.
    if (this.pending.length <= LOOKAHEAD) return out;
    return this.lex(false, out);
  }

  /** Appends the rest of the tokens to `out`. */
  end(out: Token[] = []): Token[] {
    return this.lex(true, out);
  }

  /** Characters held back until their tokens are decided (bounded by the longest token plus the lookahead). */
  size(): number {
    return this.pending.length;
  }

  private lex(final: boolean, out: Token[]): Token[] {
    const pending = this.pending;
    let pos = 0;
    const length = pending.length;
    // A token is committed once LOOKAHEAD characters follow it: no token can end past `stop`.
    const stop = final ? length : length - LOOKAHEAD;
    while (pos < stop) {
      const end = lexAt(pending, pos);
      if (end > stop) break;
      out.push({ kind: lexedKind, text: pending.slice(pos, end), start: this.base + pos });
      pos = end;
    }
    if (pos > 0) {
      this.pending = pending.slice(pos);
      this.base += pos;
    }
    return out;
  }
}

/** Returns a tokenizer; `push` appends the tokens the new text committed to `out`, `end` the rest. */
export function createLexer(): Lexer {
  return new Lexer();
}
