/**
 * The token estimate inflight shipped before it was calibrated against o200k_base (a token per word, six letters,
 * three digits or three punctuation marks), kept unchanged so that `npm run eval:tokens` can show the figures
 * and the speed before and after.
 */
const enum CharClass {
  None,
  Letter,
  Digit,
  Space,
  Newline,
  Punct,
}

/** Letters per token inside a long word; English averages about four characters per token. */
const LETTERS_PER_TOKEN = 6;
const DIGITS_PER_TOKEN = 3;
const PUNCT_PER_TOKEN = 3;

function classify(code: number): CharClass {
  if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90)) return CharClass.Letter;
  if (code >= 48 && code <= 57) return CharClass.Digit;
  if (code === 32 || code === 9) return CharClass.Space;
  if (code === 10 || code === 13) return CharClass.Newline;
  if (code < 128) return CharClass.Punct;
  // Non-ASCII: letters of other scripts tokenise more finely; treat each as its own run piece.
  if (code >= 0xdc00 && code <= 0xdfff) return CharClass.None; // low surrogate continues its pair
  return CharClass.Letter;
}

class Counter {
  count = 0;
  private prev = CharClass.Newline;
  private run = 0;
  private afterSpace = false;
  private nonAsciiRun = 0;

  push(text: string): number {
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      const cls = classify(code);
      if (cls === CharClass.None) continue;
      const nonAscii = code >= 128;
      if (cls === this.prev) {
        this.run += 1;
        if (cls === CharClass.Letter) {
          if (nonAscii) {
            // Scripts outside ASCII average one to two characters per token.
            this.nonAsciiRun += 1;
            if (this.nonAsciiRun % 2 === 0) this.count += 1;
          } else if (this.run % LETTERS_PER_TOKEN === 1) this.count += 1;
        } else if (cls === CharClass.Digit && this.run % DIGITS_PER_TOKEN === 1) this.count += 1;
        else if (cls === CharClass.Punct && this.run % PUNCT_PER_TOKEN === 1) this.count += 1;
      } else {
        // A single space joins the word that follows it: " word" is one token.
        const joinsSpace =
          this.prev === CharClass.Space && this.run === 1 && (cls === CharClass.Letter || cls === CharClass.Punct);
        if (!joinsSpace) this.count += 1;
        this.prev = cls;
        this.run = 1;
        this.nonAsciiRun = nonAscii ? 1 : 0;
      }
      this.afterSpace = cls === CharClass.Space;
    }
    return this.count;
  }

  clone(): Counter {
    const copy = new Counter();
    copy.count = this.count;
    copy.prev = this.prev;
    copy.run = this.run;
    copy.afterSpace = this.afterSpace;
    copy.nonAsciiRun = this.nonAsciiRun;
    return copy;
  }
}

/** A fresh counter. */
export function createTokenCounterV1(): Counter {
  return new Counter();
}

/** Estimated tokens of a whole text. */
export function estimateTokensV1(text: string): number {
  return createTokenCounterV1().push(text);
}
