import type { Token, TokenKind } from "../../../src/validators/math/lexer";

/**
 * The original regex-based lexer (17 sticky regexes tried in order, the whole lookahead re-lexed on every piece),
 * kept as the reference the fast lexer must match token for token.
 */

/** How many characters past a token's end decide it (the longest rule: `{,}ddd` thousands plus one digit). */
const LOOKAHEAD = 7;

const RULES: ReadonlyArray<readonly [TokenKind, RegExp]> = [
  ["newline", /\r\n?|\n/y],
  ["space", /[ \t\u00a0\u2009\u202f]{1,40}/y],
  ["ann-open", /<</y],
  ["ann-close", />>/y],
  [
    "num",
    /\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d{1,30})?|\d{1,3}(?:\{,\}\d{3})+(?!\d)(?:\.\d{1,30})?|\d{1,3}(?:,\\!\d{3})+(?!\d)(?:\.\d{1,30})?|\d{1,3}(?:\\,\d{3})+(?!\d)(?:\.\d{1,30})?|\d{1,30}(?:\.\d{1,30})?|\.\d{1,30}/y,
  ],
  ["cmd", /\\[A-Za-z]{1,20}|\\[^A-Za-z]/uy],
  ["word", /\p{L}{1,40}/uy],
  ["rel", /==+|=>|<=|>=|!=|=<|[<>≤≥≠]/y],
  ["eq", /=/y],
  ["approx", /[≈≅≃]/y],
  ["op", /\*\*|[-+*/^×÷·−]/y],
  ["pct", /%/y],
  ["cur", /[$€£¥₹]/y],
  ["lp", /[([{]/y],
  ["rp", /[)\]}]/y],
  ["punct", /\.{2,}|…|[.,;:!?]/y],
  ["other", /[\s\S]/uy],
];

/** Returns a tokenizer; `push` returns the tokens the new text committed, `end` the rest. */
export function createReferenceLexer() {
  let pending = "";
  let base = 0;

  function lex(final: boolean): Token[] {
    const out: Token[] = [];
    let pos = 0;
    while (pos < pending.length) {
      let matched: Token | undefined;
      for (const [kind, re] of RULES) {
        re.lastIndex = pos;
        const m = re.exec(pending);
        if (m) {
          matched = { kind, text: m[0], start: base + pos };
          break;
        }
      }
      // The last rule matches any character, so `matched` is always set.
      const token = matched!;
      const end = pos + token.text.length;
      if (!final && end + LOOKAHEAD > pending.length) break;
      out.push(token);
      pos = end;
    }
    pending = pending.slice(pos);
    base += pos;
    return out;
  }

  return {
    push(text: string): Token[] {
      pending += text;
      return lex(false);
    },
    end(): Token[] {
      return lex(true);
    },
    /** Characters held back until their tokens are decided (bounded by the longest token plus the lookahead). */
    size: () => pending.length,
  };
}
