import type { Bracket, MathTok, NumTok } from "./expression";
import { commandRole } from "./latex";
import { createLexer, type Token } from "./lexer";
import {
  APPROX_WORDS,
  CONTINUING_WORDS,
  CURRENCIES,
  CUTTING_OTHER,
  numberValue,
  OP_ALIASES,
  OPERATOR_WORDS,
  SAFE_OTHER,
  trimSpanText,
  UNITS,
  variableLike,
  type ScanOptions,
} from "./vocabulary";

export { scanOptionsFor, type ScanOptions } from "./vocabulary";

/**
 * A run of math between two pieces of prose ("closures": a word that is not a unit, a newline, punctuation),
 * reported when the closure arrives. `tokens` holds the numbers, operators and `=` signs of the run.
 */
export interface Span {
  tokens: MathTok[];
  /** Whether the run starts a fresh expression: false after `times`, `of`, `2 dozen`, `x^`, `f(`, `\cos`... */
  leftSafe: boolean;
  /** The run was longer than the scanner keeps; it is not checked. */
  overflow: boolean;
  /** A GSM8K calculator annotation `<<48/2=24>>`. */
  annotation: boolean;
  /** Offset just after the token that closed the run: where a finding about it becomes certain. */
  at: number;
  /** The run's text, for evidence (at most ~120 characters). */
  text: string;
}

const MAX_TOKENS = 300;
const MAX_TEXT = 120;
/** Tokens the scanner looks ahead before deciding one (e.g. `x` in `5 x 3` is an operator). */
const QUEUE = 3;
/** Tokens a subscript may span before the scanner stops skipping it. */
const MAX_SUBSCRIPT = 24;
/** Nested braces the scanner tracks (to drop the braces of `\text{...}`); deeper ones count as ordinary. */
const MAX_BRACES = 32;

/** Whether the token ends an operand: a number, a closing bracket or a factorial. */
const endsOperand = (tok: MathTok | undefined) => tok?.t === "num" || tok?.t === "rp" || tok?.t === "fact";

/**
 * Turns a text stream into math spans (a class: one is made per stream, so its methods are shared). `onSpan` is called for every closed span, in order, and may return a
 * value (e.g. a finding) that `push`/`end` pass on. Work is linear in the text: every token is handled once,
 * and a span is evaluated once, when it closes.
 */
export class Scanner<R> {
  private readonly lexer = createLexer();
  /** Lexed tokens not handled yet, from `head` (the scanner looks `QUEUE` tokens ahead). */
  private readonly queue: Token[] = [];
  private head = 0;
  private span: MathTok[] = [];
  private spanText = "";
  private overflow = false;
  private leftSafe = true;
  private annotation: { outer: MathTok[]; outerText: string; outerSafe: boolean; currency?: string } | undefined =
    undefined;
  private offset = 0;
  /** The last token that was not a space, and whether a space came after it. */
  private prev: Token | undefined = undefined;
  private spaced = false;
  private currency: string | undefined = undefined;
  /** A `$` glued after a `.` (`.$500`): the number after it is the tail of a decimal. */
  private currencyAfterDot = false;
  /** The previous closure was punctuation glued to a number (`3:`), so a glued number after it is `3:45`. */
  private gluedPunct = false;
  private result: R | undefined = undefined;
  /** Only spaces since the last newline (or the start): a `- ` or `* ` here is a list bullet. */
  private lineStart = true;
  /** The last newline joined two lines of one expression (`1 +` / `2 = 3`); a second one ends it. */
  private joinedLine = false;
  /** Skipping a subscript (`3054_{6}`, `r_1`, `_{(2)}`): brace depth and tokens left, or undefined. */
  private subscript: { depth: number; left: number } | undefined = undefined;
  /** For each open `{`: whether its braces are dropped (the argument of `\text`). */
  private readonly braces: boolean[] = [];
  /** The next `{` opens a `\text{...}` argument. */
  private textArgument = false;
  /** Inside an Asymptote `[asy] ... [/asy]` figure: drawing code, not math. */
  private figure = false;

  constructor(
    private readonly onSpan: (span: Span) => R | undefined,
    private readonly options: ScanOptions = {},
  ) {}

  private lastMath(): MathTok | undefined {
    return this.span[this.span.length - 1];
  }

  private add(tok: MathTok, text: string) {
    if (this.span.length >= MAX_TOKENS) this.overflow = true;
    else this.span.push(tok);
    if (this.spanText.length < MAX_TEXT) this.spanText += text;
  }

  private close(at: number, safeNext: boolean) {
    if (this.annotation) {
      // An annotation cut off by prose: check nothing, drop the sentence around it.
      this.annotation = undefined;
      this.overflow = true;
    }
    this.emit(at, false);
    this.span = [];
    this.spanText = "";
    this.overflow = false;
    this.leftSafe = safeNext;
    this.currency = undefined;
    this.joinedLine = false;
  }

  /** Closes the span at something that continues its last side (`48\cos C`): that side is not judged. */
  private cut(at: number) {
    const last = this.lastMath();
    if (last !== undefined && last.t !== "eq") this.add({ t: "bad" }, "");
    this.close(at, false);
  }

  private emit(at: number, isAnnotation: boolean) {
    while (this.span.length > 0 && this.span[this.span.length - 1]!.t === "lp") this.span.pop();
    if (this.span.length === 0) return;
    const text = trimSpanText(this.spanText);
    const out = this.onSpan({
      tokens: this.span,
      leftSafe: this.leftSafe,
      overflow: this.overflow,
      annotation: isAnnotation,
      at,
      text,
    });
    if (out !== undefined && this.result === undefined) this.result = out;
  }

  private nextSignificant(): Token | undefined {
    for (let i = this.head; i < this.queue.length; i += 1) if (this.queue[i]!.kind !== "space") return this.queue[i];
    return undefined;
  }

  /** Skips the tokens of a subscript; true while the token was part of it. */
  private skipSubscript(tok: Token): boolean {
    const sub = this.subscript!;
    sub.left -= 1;
    if (sub.depth === 0) {
      if (tok.kind === "lp" && tok.text === "{") sub.depth = 1;
      else if (tok.kind === "num" || tok.kind === "word" || tok.kind === "cmd") this.subscript = undefined;
      else {
        this.subscript = undefined;
        return false;
      }
    } else if (tok.kind === "lp") sub.depth += 1;
    else if (tok.kind === "rp") sub.depth -= 1;
    else if (tok.kind === "newline") {
      this.subscript = undefined;
      return false;
    }
    if (this.subscript && (sub.depth === 0 || sub.left <= 0)) this.subscript = undefined;
    // `a_{4035} - 1`: what follows a subscripted name continues an expression begun outside the span.
    if (!this.subscript && this.span.length === 0) this.leftSafe = false;
    this.prev = tok;
    this.spaced = false;
    return true;
  }

  private handle(tok: Token) {
    if (this.subscript && this.skipSubscript(tok)) return;
    if (this.figure) {
      // `[/asy]` ends the figure.
      if (tok.kind === "word" && tok.text === "asy" && this.prev?.text === "/") {
        this.figure = false;
        if (this.queue[this.head]?.text === "]") this.head += 1;
      }
      this.prev = tok;
      return;
    }
    if (this.textArgument && tok.kind !== "space" && tok.text !== "{") this.textArgument = false;
    const end = tok.start + tok.text.length;
    const atLineStart = this.lineStart;
    if (tok.kind !== "space") this.lineStart = tok.kind === "newline";
    const glued = this.prev !== undefined && !this.spaced;
    const last = this.lastMath();
    if (tok.kind !== "newline" && tok.kind !== "space") this.joinedLine = false;
    switch (tok.kind) {
      case "space":
        if (this.spanText.length > 0 && this.spanText.length < MAX_TEXT) this.spanText += " ";
        this.spaced = true;
        return;
      case "num": {
        const value = numberValue(tok.text);
        const dot = tok.text.indexOf(".");
        const decimals = dot >= 0 ? tok.text.length - dot - 1 : 0;
        const num: NumTok = { t: "num", value, raw: tok.text, decimals, percent: false, start: tok.start };
        if (this.currency !== undefined && glued && (this.prev?.kind === "cur" || this.prev?.kind === "ann-close"))
          num.unit = this.currency;
        if (glued && (this.prev?.kind === "word" || this.prev?.kind === "num" || this.prev?.kind === "other"))
          num.bad = true;
        if (glued && this.prev?.kind === "cur" && this.currencyAfterDot) num.bad = true;
        if (glued && this.gluedPunct) {
          num.bad = true;
          this.leftSafe = false;
        }
        this.add(num, tok.text);
        break;
      }
      case "word":
        this.handleWord(tok, glued, last, end);
        break;
      case "cmd":
        this.handleCommand(tok, glued, last, end);
        break;
      case "op":
        this.handleOperator(tok, glued, last, end, atLineStart);
        break;
      case "eq":
        this.add({ t: "eq", approx: false }, tok.text);
        break;
      case "approx":
        this.add({ t: "eq", approx: true }, tok.text);
        break;
      case "lp": {
        if (tok.text === "{") {
          if (this.braces.length < MAX_BRACES) this.braces.push(this.textArgument);
          const dropped = this.textArgument;
          this.textArgument = false;
          if (dropped) break;
        }
        // `2(3)` multiplies; LaTeX braces (`\frac{1}{2}`) only group.
        if (
          tok.text === "(" &&
          glued &&
          endsOperand(last) &&
          (this.prev?.kind === "num" ||
            this.prev?.kind === "rp" ||
            this.prev?.text === "!" ||
            this.prev?.text === "\\left")
        ) {
          this.add({ t: "op", op: "*", implicit: true }, "");
        }
        // `[asy]` opens a figure.
        if (tok.text === "[" && this.queue[this.head]?.text === "asy" && this.queue[this.head + 1]?.text === "]") {
          this.close(end, true);
          this.figure = true;
          break;
        }
        this.add({ t: "lp", ch: tok.text as Bracket }, tok.text);
        break;
      }
      case "rp": {
        const ch = tok.text === ")" ? "(" : tok.text === "]" ? "[" : "{";
        if (ch === "{" && this.braces.pop() === true) break;
        this.add({ t: "rp", ch }, tok.text);
        break;
      }
      case "pct":
        if (last?.t === "num" && (this.prev?.kind === "num" || this.prev?.kind === "cur")) {
          last.percent = true;
          this.spanText += "%";
        } else this.close(end, false);
        break;
      case "cur":
        // `7$`: a LaTeX formula ends here (a currency sign comes before its number).
        if (glued && (this.prev?.kind === "num" || this.prev?.kind === "rp") && this.queue[this.head]?.kind !== "num") {
          this.close(end, true);
          break;
        }
        this.currency = tok.text;
        this.currencyAfterDot = glued && this.prev?.text === ".";
        if (this.spanText.length < MAX_TEXT) this.spanText += tok.text;
        this.prev = tok;
        this.spaced = false;
        return;
      case "ann-open":
        if (this.annotation) this.close(end, false);
        else {
          this.annotation = {
            outer: this.span,
            outerText: this.spanText,
            outerSafe: this.leftSafe,
            currency: this.currency,
          };
          this.span = [];
          this.spanText = "";
          this.leftSafe = true;
        }
        break;
      case "ann-close":
        if (this.annotation) {
          this.emit(end, true);
          this.span = this.annotation.outer;
          this.spanText = this.annotation.outerText;
          this.leftSafe = this.annotation.outerSafe;
          this.currency = this.annotation.currency;
          this.annotation = undefined;
          this.prev = tok;
          this.spaced = false;
          return;
        } else this.close(end, false);
        break;
      case "newline":
        // `1^2 +` / `2^2 = 5`: a line that ends on an operator or `=` goes on in the next one.
        if (!this.joinedLine && (last?.t === "op" || last?.t === "eq") && !this.annotation) {
          this.joinedLine = true;
          if (this.spanText.length > 0 && this.spanText.length < MAX_TEXT) this.spanText += " ";
          this.spaced = true;
          return;
        }
        this.close(end, true);
        break;
      case "punct":
        this.handlePunct(tok, glued, last, end);
        return;
      case "rel":
        // `3!=6` is a factorial written against `=`, not "not equal".
        if (tok.text === "!=" && glued && last?.t === "num") last.bad = true;
        this.close(end, false);
        break;
      case "other":
        this.handleOther(tok, glued, last, end);
        break;
    }
    this.gluedPunct = false;
    this.currency = undefined;
    this.prev = tok;
    this.spaced = false;
  }

  private handleOperator(tok: Token, glued: boolean, last: MathTok | undefined, end: number, atLineStart: boolean) {
    if (tok.text === "**") {
      const next = this.queue[this.head];
      if (glued && (last?.t === "num" || last?.t === "rp") && (next?.kind === "num" || next?.kind === "lp")) {
        this.add({ t: "op", op: "^" }, tok.text);
      } else this.close(end, true); // markdown bold
      return;
    }
    const op = OP_ALIASES.get(tok.text) ?? tok.text;
    // A dash or star opening a line or sentence with a space after it is a list bullet, not a sign.
    if ((op === "-" || op === "*" || op === "+") && atLineStart && this.queue[this.head]?.kind === "space") {
      this.close(end, true);
      return;
    }
    // `PQR - 36`, `\angle A + 30`: a sign with a space after it, after a word, is a binary operator.
    if (
      (op === "-" || op === "+") &&
      this.span.length === 0 &&
      this.prev?.kind === "word" &&
      this.queue[this.head]?.kind === "space"
    )
      this.leftSafe = false;
    if (op === "*" && this.options.customStar) {
      this.cut(end);
      return;
    }
    // `5 cm^2`: the power belongs to the unit.
    if (op === "^" && last?.t === "num" && last.unit !== undefined && /^[a-z]/.test(last.unit)) {
      this.cut(end);
      return;
    }
    if (op === "^" && endsOperand(last) && this.degreeFollows()) {
      this.setDegree(last as NumTok);
      if (this.spanText.length < MAX_TEXT) this.spanText += "°";
      return;
    }
    // `3-4` between bare numbers may be a range; inside a calculator annotation it is a subtraction.
    const range =
      op === "-" && !this.annotation && glued && this.prev?.kind === "num" && this.queue[this.head]?.kind === "num";
    if (range) this.add({ t: "bad" }, tok.text);
    else this.add({ t: "op", op: op as "+" | "-" | "*" | "/" | "^" }, tok.text);
  }

  /** `90^\circ`: degrees (in place of a `$` that opened the formula, `$90^\circ`). */
  private setDegree(num: NumTok) {
    if (num.unit === undefined || CURRENCIES.has(num.unit)) num.unit = "°";
  }

  /** After `^`: `\circ` or `{\circ}` follows (degrees); consumes it. Only a number takes a degree unit. */
  private degreeFollows(): boolean {
    if (this.lastMath()?.t !== "num") return false;
    const a = this.queue[this.head];
    if (a?.text === "\\circ") {
      this.head += 1;
      return true;
    }
    if (a?.text === "{" && this.queue[this.head + 1]?.text === "\\circ" && this.queue[this.head + 2]?.text === "}") {
      this.head += 3;
      return true;
    }
    return false;
  }

  private handlePunct(tok: Token, glued: boolean, last: MathTok | undefined, end: number) {
    const next = this.queue[this.head];
    const gluedDigits = glued && this.prev?.kind === "num" && next?.kind === "num";
    if (tok.text === "!" && glued && endsOperand(last)) {
      // `5! = 120`, `7!(1 + 8)`: a factorial when more math follows; `It is 3!` is an exclamation.
      const after = this.nextSignificant();
      const math =
        after !== undefined &&
        (after.kind === "op" || after.kind === "eq" || after.kind === "lp" || after.kind === "rp");
      if (math) this.add({ t: "fact" }, "!");
      else {
        if (last?.t === "num") last.bad = true;
        this.close(end, false);
      }
      this.gluedPunct = false;
      this.prev = tok;
      this.spaced = false;
      return;
    }
    // `Is 3 × 4 = 13?`: a question claims nothing.
    if (tok.text === "?") this.overflow = true;
    // `3:45`, `1,23`, `1.2.3`, `0.\overline{3}`: the number before is not a plain number either.
    const gluedCommand = tok.text === "." && glued && next?.kind === "cmd" && /^\\[A-Za-z]/.test(next.text);
    if ((gluedDigits || gluedCommand) && last?.t === "num") last.bad = true;
    if (gluedCommand) this.cut(end);
    else this.close(end, !gluedDigits);
    this.gluedPunct = gluedDigits;
    this.prev = tok;
    this.spaced = false;
  }

  private handleOther(tok: Token, glued: boolean, last: MathTok | undefined, end: number) {
    if (tok.text === "_") {
      // A subscript: `3054_{6}` is a base, `r_1` an index. The operand it is glued to is not a plain number.
      if (glued && endsOperand(last)) this.add({ t: "bad" }, "");
      this.subscript = { depth: 0, left: MAX_SUBSCRIPT };
      return;
    }
    if (tok.text === "°" && last?.t === "num" && glued) {
      this.setDegree(last);
      if (this.spanText.length < MAX_TEXT) this.spanText += "°";
      return;
    }
    // A prime (`f'(2)`) or closing quote glued to something: what follows is not a fresh expression.
    if (tok.text === "'" || tok.text === "′") {
      this.close(end, !glued);
      return;
    }
    if (SAFE_OTHER.has(tok.text)) this.close(end, true);
    else if (CUTTING_OTHER.has(tok.text)) this.cut(end);
    else this.close(end, false);
  }

  private handleWord(tok: Token, glued: boolean, last: MathTok | undefined, end: number) {
    const word = tok.text.toLowerCase();
    const next = this.nextSignificant();
    const afterOperand = last?.t === "num" || last?.t === "rp";
    if (word === "x" && afterOperand && (next?.kind === "num" || next?.kind === "lp")) {
      const nextGlued = this.queue[this.head]?.kind !== "space";
      const hex = glued && last?.t === "num" && last.raw === "0";
      if (glued === nextGlued && !hex) {
        this.add({ t: "op", op: "*" }, tok.text);
        return;
      }
    }
    if (last?.t === "num" && this.prev?.kind === "num") {
      if (UNITS.has(word) && (last.unit === undefined || CURRENCIES.has(last.unit))) {
        last.unit = word;
        if (this.spanText.length < MAX_TEXT) this.spanText += tok.text;
        return;
      }
      if (word === "percent" && !glued) {
        last.percent = true;
        if (this.spanText.length < MAX_TEXT) this.spanText += tok.text;
        return;
      }
    }
    // `10am`, `5th`, `3x`, `2(8)(3)cos`: the operand before is part of something else.
    if (glued && (this.prev?.kind === "num" || this.prev?.kind === "rp") && this.span.length > 0)
      this.add({ t: "bad" }, "");
    if (word === "of" && last?.t === "num" && last.percent) {
      this.add({ t: "op", op: "*", of: true }, tok.text);
      return;
    }
    if ((word === "equals" || (word === "is" && this.percentOfSinceEq())) && this.span.length > 0) {
      this.add({ t: "eq", approx: false }, tok.text);
      return;
    }
    if (APPROX_WORDS.has(word) && last?.t === "eq") {
      last.approx = true;
      if (this.spanText.length < MAX_TEXT) this.spanText += tok.text;
      return;
    }
    const variable = variableLike(tok.text);
    // `f(2)`, `gcd(12, 18)`: the bracket after a word holds a function's argument.
    const applied = this.queue[this.head]?.kind === "lp" && this.queue[this.head]?.text !== "{";
    const unsafe =
      OPERATOR_WORDS.has(word) || variable || tok.text.length === 1 || this.prev?.kind === "num" || applied;
    if (CONTINUING_WORDS.has(word) || (variable && (endsOperand(last) || last?.t === "op"))) this.cut(end);
    else this.close(end, !unsafe);
  }

  private percentOfSinceEq(): boolean {
    for (let i = this.span.length - 1; i >= 0; i -= 1) {
      const t = this.span[i]!;
      if (t.t === "eq") return false;
      if (t.t === "op" && t.of) return true;
    }
    return false;
  }

  private handleCommand(tok: Token, glued: boolean, last: MathTok | undefined, end: number) {
    const name = tok.text;
    switch (commandRole(name)) {
      case "ignore":
        // `\sqrt{15} \left( ... \right)`: the bracket after `\left` multiplies like a glued one.
        if (name === "\\left" && endsOperand(last)) {
          this.prev = tok;
          this.spaced = false;
        }
        return;
      case "times":
        this.add({ t: "op", op: "*" }, "×");
        return;
      case "divide":
        this.add({ t: "op", op: "/" }, "÷");
        return;
      case "frac":
        this.add({ t: "frac" }, name);
        return;
      case "binom":
      case "sqrt":
        // `27\sqrt{3}` multiplies (a mixed number `2\frac{1}{2}` does not, so fractions stay unparsed).
        if (endsOperand(last)) this.add({ t: "op", op: "*", implicit: true }, "");
        this.add({ t: commandRole(name) as "binom" | "sqrt" }, name);
        return;
      case "text":
        if (last?.t === "num" && this.takeUnitArgument(last)) return;
        this.textArgument = true;
        this.close(end, true);
        return;
      case "break":
        this.close(end, true);
        return;
      case "relation":
        this.close(end, false);
        return;
      case "approx":
        this.add({ t: "eq", approx: true }, "≈");
        return;
      case "percent":
        if (last?.t === "num") {
          last.percent = true;
          this.spanText += "%";
        } else this.close(end, false);
        return;
      case "dollar":
        this.currency = "$";
        this.prev = tok;
        this.spaced = false;
        return;
      case "degree":
        if (name === "\\degree" && last?.t === "num" && glued) {
          this.setDegree(last);
          return;
        }
        this.cut(end);
        return;
      case "opaque":
        // `48\cos C`, `= 1 \pmod 5`, `2\pi`: the side it touches goes on in notation the scanner cannot read.
        this.cut(end);
        return;
    }
  }

  /** After `\text` following a number: an argument that starts with a unit word (`5\text{ cm}`) is its unit. */
  private takeUnitArgument(num: NumTok): boolean {
    if (this.queue[this.head]?.text !== "{") return false;
    const gap = this.queue[this.head + 1]?.kind === "space";
    const word = this.queue[this.head + (gap ? 2 : 1)];
    if (word?.kind !== "word" || !UNITS.has(word.text.toLowerCase())) return false;
    if (num.unit === undefined || CURRENCIES.has(num.unit)) num.unit = word.text.toLowerCase();
    if (this.spanText.length < MAX_TEXT) this.spanText += ` ${word.text}`;
    this.head += gap ? 3 : 2;
    // The closing brace is dropped when it comes.
    if (this.braces.length < MAX_BRACES) this.braces.push(true);
    return true;
  }

  private drain(final: boolean): R | undefined {
    this.result = undefined;
    const keep = final ? 0 : QUEUE;
    while (this.queue.length - this.head > keep) {
      const tok = this.queue[this.head]!;
      this.head += 1;
      this.handle(tok);
    }
    if (this.head > 0) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return this.result;
  }

  push(text: string): R | undefined {
    this.offset += text.length;
    this.lexer.push(text, this.queue);
    return this.drain(false);
  }

  end(): R | undefined {
    this.lexer.end(this.queue);
    const out = this.drain(true);
    this.result = undefined;
    this.close(this.offset, true);
    return out ?? this.result;
  }

  /** Retained characters: the lexer's tail, the queue, the open span and the brace stack. */
  size(): number {
    return (
      this.lexer.size() +
      (this.queue.length - this.head) * 8 +
      this.span.length * 4 +
      this.spanText.length +
      this.braces.length
    );
  }
}

/** A scanner calling `onSpan` for every closed span. */
export function createScanner<R>(onSpan: (span: Span) => R | undefined, options: ScanOptions = {}): Scanner<R> {
  return new Scanner(onSpan, options);
}
