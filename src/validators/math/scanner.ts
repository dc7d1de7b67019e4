import type { Bracket, MathTok, NumTok } from "./expression";
import { commandRole } from "./latex";
import { createLexer, type Token } from "./lexer";

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

/** How the scanner reads the request's notation. */
export interface ScanOptions {
  /** `*` is an operation the problem defines (`a * b = a^b + b`), not a multiplication. */
  customStar?: boolean;
}

/** How to read the notation of a request's output, from its prompt. */
export function scanOptionsFor(prompt: string): ScanOptions {
  // The problem defines `*` as an operation of its own: `a * b = a^b + b`, `the operation $*$`.
  const customStar = /(?<![\w\\])[A-Za-z]\s*\*\s*[A-Za-z](?!\w)|\$\s*\*\s*\$|operation\s+\$?\*/.test(prompt);
  return { customStar };
}

const MAX_TOKENS = 300;
const MAX_TEXT = 120;
/** Tokens the scanner looks ahead before deciding one (e.g. `x` in `5 x 3` is an operator). */
const QUEUE = 3;
/** Tokens a subscript may span before the scanner stops skipping it. */
const MAX_SUBSCRIPT = 24;
/** Nested braces the scanner tracks (to drop the braces of `\text{...}`); deeper ones count as ordinary. */
const MAX_BRACES = 32;

const words = (list: string) => new Set(list.split(" "));

/** Words after which a number continues an expression begun in words (`5 times 3 = 15`, `half of 10 = 5`). */
const OPERATOR_WORDS = words(
  "times plus minus by of and or over divided multiplied into per from less more than twice double triple " +
    "thrice half third thirds quarter quarters fourth fifth tenth squared cubed sqrt root power add added adding " +
    "subtract subtracted subtracting sum product quotient difference mod modulo choose factorial to at on after " +
    "with without multiply divide another extra each every base log ln sin cos tan exp",
);

/**
 * Words that continue the expression before them (`48 cos C`, `3^4 = 81 = 1 mod 5`, `5 times 2`): the side they
 * follow is cut off, so it is not judged.
 */
const CONTINUING_WORDS = words(
  "times plus minus over divided multiplied squared cubed mod modulo choose factorial cos sin tan cot sec csc " +
    "log ln exp sqrt root power",
);

/** Unit words that may sit after a number inside an expression (`5 kg + 3 kg = 8 kg`). */
const UNITS = words(
  "kg kgs mg lb lbs pound pounds oz ounce ounces ton tons km cm mm mi mile miles ft foot feet inch inches yd " +
    "yard yards meter meters metre metres liter liters litre litres ml gallon gallons hr hrs hour hours min mins " +
    "minute minutes sec secs second seconds day days week weeks month months year years dollar dollars cent " +
    "cents euro euros usd mph kmh",
);

const APPROX_WORDS = words("about approximately approx roughly around nearly almost");
const SAFE_OTHER = new Set(['"', "`", "“", "”", "‘", "’", "—", "|", "&", "#", "*", "•", "→"]);
/**
 * Currency signs. A unit word or degree sign after a number replaces one: in `$5\text{ cm}$` the `$` opens a
 * formula.
 */
const CURRENCIES = new Set(["$", "€", "£", "¥", "₹"]);
/** Signs of operations the scanner cannot read: the side they touch is not judged. */
const CUTTING_OTHER = new Set([..."⌊⌋⌈⌉√∛∜∑∏∫±∓∘∗⋆⊕⊗⊙∆∇~@\\"]);
/** Short words that are prose, not variables. */
const PROSE_SHORT = words(
  "a A I am an as at be by do go he hi if in is it me my no of oh ok on or so to up us we OK US TV AM PM",
);

/** A word that reads as a variable or a point name (`x`, `AB`, `ab`, `PQR`), not as prose. */
function variableLike(word: string): boolean {
  if (PROSE_SHORT.has(word)) return false;
  if (word.length === 1) return true;
  if (word.length === 2) return /^[a-z]{2}$|^[A-Z]{2}$/.test(word);
  return word.length === 3 && /^[A-Z]{3}$/.test(word);
}

/** Operators written with other signs. */
const OP_ALIASES = new Map([
  ["×", "*"],
  ["·", "*"],
  ["÷", "/"],
  ["−", "-"],
]);

/**
 * Turns a text stream into math spans. `onSpan` is called for every closed span, in order, and may return a
 * value (e.g. a finding) that `push`/`end` pass on. Work is linear in the text: every token is handled once,
 * and a span is evaluated once, when it closes.
 */
export function createScanner<R>(onSpan: (span: Span) => R | undefined, options: ScanOptions = {}) {
  const lexer = createLexer();
  /** Lexed tokens not handled yet, from `head` (the scanner looks `QUEUE` tokens ahead). */
  const queue: Token[] = [];
  let head = 0;
  let span: MathTok[] = [];
  let spanText = "";
  let overflow = false;
  let leftSafe = true;
  let annotation: { outer: MathTok[]; outerText: string; outerSafe: boolean; currency?: string } | undefined;
  let offset = 0;
  /** The last token that was not a space, and whether a space came after it. */
  let prev: Token | undefined;
  let spaced = false;
  let currency: string | undefined;
  /** A `$` glued after a `.` (`.$500`): the number after it is the tail of a decimal. */
  let currencyAfterDot = false;
  /** The previous closure was punctuation glued to a number (`3:`), so a glued number after it is `3:45`. */
  let gluedPunct = false;
  let result: R | undefined;
  /** Only spaces since the last newline (or the start): a `- ` or `* ` here is a list bullet. */
  let lineStart = true;
  /** The last newline joined two lines of one expression (`1 +` / `2 = 3`); a second one ends it. */
  let joinedLine = false;
  /** Skipping a subscript (`3054_{6}`, `r_1`, `_{(2)}`): brace depth and tokens left, or undefined. */
  let subscript: { depth: number; left: number } | undefined;
  /** For each open `{`: whether its braces are dropped (the argument of `\text`). */
  const braces: boolean[] = [];
  /** The next `{` opens a `\text{...}` argument. */
  let textArgument = false;
  /** Inside an Asymptote `[asy] ... [/asy]` figure: drawing code, not math. */
  let figure = false;

  const lastMath = (): MathTok | undefined => span[span.length - 1];

  function add(tok: MathTok, text: string) {
    if (span.length >= MAX_TOKENS) overflow = true;
    else span.push(tok);
    if (spanText.length < MAX_TEXT) spanText += text;
  }

  function close(at: number, safeNext: boolean) {
    if (annotation) {
      // An annotation cut off by prose: check nothing, drop the sentence around it.
      annotation = undefined;
      overflow = true;
    }
    emit(at, false);
    span = [];
    spanText = "";
    overflow = false;
    leftSafe = safeNext;
    currency = undefined;
    joinedLine = false;
  }

  /** Closes the span at something that continues its last side (`48\cos C`): that side is not judged. */
  function cut(at: number) {
    const last = lastMath();
    if (last !== undefined && last.t !== "eq") add({ t: "bad" }, "");
    close(at, false);
  }

  function emit(at: number, isAnnotation: boolean) {
    while (span.length > 0 && span[span.length - 1]!.t === "lp") span.pop();
    if (span.length === 0) return;
    const text = spanText.replace(/[\s([{]+$/, "").trim();
    const out = onSpan({ tokens: span, leftSafe, overflow, annotation: isAnnotation, at, text });
    if (out !== undefined && result === undefined) result = out;
  }

  function nextSignificant(): Token | undefined {
    for (let i = head; i < queue.length; i += 1) if (queue[i]!.kind !== "space") return queue[i];
    return undefined;
  }

  /** Whether the token ends an operand: a number, a closing bracket or a factorial. */
  const endsOperand = (tok: MathTok | undefined) => tok?.t === "num" || tok?.t === "rp" || tok?.t === "fact";

  /** Skips the tokens of a subscript; true while the token was part of it. */
  function skipSubscript(tok: Token): boolean {
    const sub = subscript!;
    sub.left -= 1;
    if (sub.depth === 0) {
      if (tok.kind === "lp" && tok.text === "{") sub.depth = 1;
      else if (tok.kind === "num" || tok.kind === "word" || tok.kind === "cmd") subscript = undefined;
      else {
        subscript = undefined;
        return false;
      }
    } else if (tok.kind === "lp") sub.depth += 1;
    else if (tok.kind === "rp") sub.depth -= 1;
    else if (tok.kind === "newline") {
      subscript = undefined;
      return false;
    }
    if (subscript && (sub.depth === 0 || sub.left <= 0)) subscript = undefined;
    // `a_{4035} - 1`: what follows a subscripted name continues an expression begun outside the span.
    if (!subscript && span.length === 0) leftSafe = false;
    prev = tok;
    spaced = false;
    return true;
  }

  function handle(tok: Token) {
    if (subscript && skipSubscript(tok)) return;
    if (figure) {
      // `[/asy]` ends the figure.
      if (tok.kind === "word" && tok.text === "asy" && prev?.text === "/") {
        figure = false;
        if (queue[head]?.text === "]") head += 1;
      }
      prev = tok;
      return;
    }
    if (textArgument && tok.kind !== "space" && tok.text !== "{") textArgument = false;
    const end = tok.start + tok.text.length;
    const atLineStart = lineStart;
    if (tok.kind !== "space") lineStart = tok.kind === "newline";
    const glued = prev !== undefined && !spaced;
    const last = lastMath();
    if (tok.kind !== "newline" && tok.kind !== "space") joinedLine = false;
    switch (tok.kind) {
      case "space":
        if (spanText.length > 0 && spanText.length < MAX_TEXT) spanText += " ";
        spaced = true;
        return;
      case "num": {
        const value = Number(/^[\d.]+$/.test(tok.text) ? tok.text : tok.text.replace(/[^\d.]/g, ""));
        const dot = tok.text.indexOf(".");
        const decimals = dot >= 0 ? tok.text.length - dot - 1 : 0;
        const num: NumTok = { t: "num", value, raw: tok.text, decimals, percent: false, start: tok.start };
        if (currency !== undefined && glued && (prev?.kind === "cur" || prev?.kind === "ann-close"))
          num.unit = currency;
        if (glued && (prev?.kind === "word" || prev?.kind === "num" || prev?.kind === "other")) num.bad = true;
        if (glued && prev?.kind === "cur" && currencyAfterDot) num.bad = true;
        if (glued && gluedPunct) {
          num.bad = true;
          leftSafe = false;
        }
        add(num, tok.text);
        break;
      }
      case "word":
        handleWord(tok, glued, last, end);
        break;
      case "cmd":
        handleCommand(tok, glued, last, end);
        break;
      case "op":
        handleOperator(tok, glued, last, end, atLineStart);
        break;
      case "eq":
        add({ t: "eq", approx: false }, tok.text);
        break;
      case "approx":
        add({ t: "eq", approx: true }, tok.text);
        break;
      case "lp": {
        if (tok.text === "{") {
          if (braces.length < MAX_BRACES) braces.push(textArgument);
          const dropped = textArgument;
          textArgument = false;
          if (dropped) break;
        }
        // `2(3)` multiplies; LaTeX braces (`\frac{1}{2}`) only group.
        if (
          tok.text === "(" &&
          glued &&
          endsOperand(last) &&
          (prev?.kind === "num" || prev?.kind === "rp" || prev?.text === "!" || prev?.text === "\\left")
        ) {
          add({ t: "op", op: "*", implicit: true }, "");
        }
        // `[asy]` opens a figure.
        if (tok.text === "[" && queue[head]?.text === "asy" && queue[head + 1]?.text === "]") {
          close(end, true);
          figure = true;
          break;
        }
        add({ t: "lp", ch: tok.text as Bracket }, tok.text);
        break;
      }
      case "rp": {
        const ch = tok.text === ")" ? "(" : tok.text === "]" ? "[" : "{";
        if (ch === "{" && braces.pop() === true) break;
        add({ t: "rp", ch }, tok.text);
        break;
      }
      case "pct":
        if (last?.t === "num" && (prev?.kind === "num" || prev?.kind === "cur")) {
          last.percent = true;
          spanText += "%";
        } else close(end, false);
        break;
      case "cur":
        // `7$`: a LaTeX formula ends here (a currency sign comes before its number).
        if (glued && (prev?.kind === "num" || prev?.kind === "rp") && queue[head]?.kind !== "num") {
          close(end, true);
          break;
        }
        currency = tok.text;
        currencyAfterDot = glued && prev?.text === ".";
        if (spanText.length < MAX_TEXT) spanText += tok.text;
        prev = tok;
        spaced = false;
        return;
      case "ann-open":
        if (annotation) close(end, false);
        else {
          annotation = { outer: span, outerText: spanText, outerSafe: leftSafe, currency };
          span = [];
          spanText = "";
          leftSafe = true;
        }
        break;
      case "ann-close":
        if (annotation) {
          emit(end, true);
          span = annotation.outer;
          spanText = annotation.outerText;
          leftSafe = annotation.outerSafe;
          currency = annotation.currency;
          annotation = undefined;
          prev = tok;
          spaced = false;
          return;
        } else close(end, false);
        break;
      case "newline":
        // `1^2 +` / `2^2 = 5`: a line that ends on an operator or `=` goes on in the next one.
        if (!joinedLine && (last?.t === "op" || last?.t === "eq") && !annotation) {
          joinedLine = true;
          if (spanText.length > 0 && spanText.length < MAX_TEXT) spanText += " ";
          spaced = true;
          return;
        }
        close(end, true);
        break;
      case "punct":
        handlePunct(tok, glued, last, end);
        return;
      case "rel":
        // `3!=6` is a factorial written against `=`, not "not equal".
        if (tok.text === "!=" && glued && last?.t === "num") last.bad = true;
        close(end, false);
        break;
      case "other":
        handleOther(tok, glued, last, end);
        break;
    }
    gluedPunct = false;
    currency = undefined;
    prev = tok;
    spaced = false;
  }

  function handleOperator(tok: Token, glued: boolean, last: MathTok | undefined, end: number, atLineStart: boolean) {
    if (tok.text === "**") {
      const next = queue[head];
      if (glued && (last?.t === "num" || last?.t === "rp") && (next?.kind === "num" || next?.kind === "lp")) {
        add({ t: "op", op: "^" }, tok.text);
      } else close(end, true); // markdown bold
      return;
    }
    const op = OP_ALIASES.get(tok.text) ?? tok.text;
    // A dash or star opening a line or sentence with a space after it is a list bullet, not a sign.
    if ((op === "-" || op === "*" || op === "+") && atLineStart && queue[head]?.kind === "space") {
      close(end, true);
      return;
    }
    // `PQR - 36`, `\angle A + 30`: a sign with a space after it, after a word, is a binary operator.
    if ((op === "-" || op === "+") && span.length === 0 && prev?.kind === "word" && queue[head]?.kind === "space")
      leftSafe = false;
    if (op === "*" && options.customStar) {
      cut(end);
      return;
    }
    // `5 cm^2`: the power belongs to the unit.
    if (op === "^" && last?.t === "num" && last.unit !== undefined && /^[a-z]/.test(last.unit)) {
      cut(end);
      return;
    }
    if (op === "^" && endsOperand(last) && degreeFollows()) {
      setDegree(last as NumTok);
      if (spanText.length < MAX_TEXT) spanText += "°";
      return;
    }
    // `3-4` between bare numbers may be a range; inside a calculator annotation it is a subtraction.
    const range = op === "-" && !annotation && glued && prev?.kind === "num" && queue[head]?.kind === "num";
    if (range) add({ t: "bad" }, tok.text);
    else add({ t: "op", op: op as "+" | "-" | "*" | "/" | "^" }, tok.text);
  }

  /** `90^\circ`: degrees (in place of a `$` that opened the formula, `$90^\circ`). */
  function setDegree(num: NumTok) {
    if (num.unit === undefined || CURRENCIES.has(num.unit)) num.unit = "°";
  }

  /** After `^`: `\circ` or `{\circ}` follows (degrees); consumes it. Only a number takes a degree unit. */
  function degreeFollows(): boolean {
    if (lastMath()?.t !== "num") return false;
    const a = queue[head];
    if (a?.text === "\\circ") {
      head += 1;
      return true;
    }
    if (a?.text === "{" && queue[head + 1]?.text === "\\circ" && queue[head + 2]?.text === "}") {
      head += 3;
      return true;
    }
    return false;
  }

  function handlePunct(tok: Token, glued: boolean, last: MathTok | undefined, end: number) {
    const next = queue[head];
    const gluedDigits = glued && prev?.kind === "num" && next?.kind === "num";
    if (tok.text === "!" && glued && endsOperand(last)) {
      // `5! = 120`, `7!(1 + 8)`: a factorial when more math follows; `It is 3!` is an exclamation.
      const after = nextSignificant();
      const math =
        after !== undefined &&
        (after.kind === "op" || after.kind === "eq" || after.kind === "lp" || after.kind === "rp");
      if (math) add({ t: "fact" }, "!");
      else {
        if (last?.t === "num") last.bad = true;
        close(end, false);
      }
      gluedPunct = false;
      prev = tok;
      spaced = false;
      return;
    }
    // `Is 3 × 4 = 13?`: a question claims nothing.
    if (tok.text === "?") overflow = true;
    // `3:45`, `1,23`, `1.2.3`, `0.\overline{3}`: the number before is not a plain number either.
    const gluedCommand = tok.text === "." && glued && next?.kind === "cmd" && /^\\[A-Za-z]/.test(next.text);
    if ((gluedDigits || gluedCommand) && last?.t === "num") last.bad = true;
    if (gluedCommand) cut(end);
    else close(end, !gluedDigits);
    gluedPunct = gluedDigits;
    prev = tok;
    spaced = false;
  }

  function handleOther(tok: Token, glued: boolean, last: MathTok | undefined, end: number) {
    if (tok.text === "_") {
      // A subscript: `3054_{6}` is a base, `r_1` an index. The operand it is glued to is not a plain number.
      if (glued && endsOperand(last)) add({ t: "bad" }, "");
      subscript = { depth: 0, left: MAX_SUBSCRIPT };
      return;
    }
    if (tok.text === "°" && last?.t === "num" && glued) {
      setDegree(last);
      if (spanText.length < MAX_TEXT) spanText += "°";
      return;
    }
    // A prime (`f'(2)`) or closing quote glued to something: what follows is not a fresh expression.
    if (tok.text === "'" || tok.text === "′") {
      close(end, !glued);
      return;
    }
    if (SAFE_OTHER.has(tok.text)) close(end, true);
    else if (CUTTING_OTHER.has(tok.text)) cut(end);
    else close(end, false);
  }

  function handleWord(tok: Token, glued: boolean, last: MathTok | undefined, end: number) {
    const word = tok.text.toLowerCase();
    const next = nextSignificant();
    const afterOperand = last?.t === "num" || last?.t === "rp";
    if (word === "x" && afterOperand && (next?.kind === "num" || next?.kind === "lp")) {
      const nextGlued = queue[head]?.kind !== "space";
      const hex = glued && last?.t === "num" && last.raw === "0";
      if (glued === nextGlued && !hex) {
        add({ t: "op", op: "*" }, tok.text);
        return;
      }
    }
    if (last?.t === "num" && prev?.kind === "num") {
      if (UNITS.has(word) && (last.unit === undefined || CURRENCIES.has(last.unit))) {
        last.unit = word;
        if (spanText.length < MAX_TEXT) spanText += tok.text;
        return;
      }
      if (word === "percent" && !glued) {
        last.percent = true;
        if (spanText.length < MAX_TEXT) spanText += tok.text;
        return;
      }
    }
    // `10am`, `5th`, `3x`, `2(8)(3)cos`: the operand before is part of something else.
    if (glued && (prev?.kind === "num" || prev?.kind === "rp") && span.length > 0) add({ t: "bad" }, "");
    if (word === "of" && last?.t === "num" && last.percent) {
      add({ t: "op", op: "*", of: true }, tok.text);
      return;
    }
    if ((word === "equals" || (word === "is" && percentOfSinceEq())) && span.length > 0) {
      add({ t: "eq", approx: false }, tok.text);
      return;
    }
    if (APPROX_WORDS.has(word) && last?.t === "eq") {
      last.approx = true;
      if (spanText.length < MAX_TEXT) spanText += tok.text;
      return;
    }
    const variable = variableLike(tok.text);
    // `f(2)`, `gcd(12, 18)`: the bracket after a word holds a function's argument.
    const applied = queue[head]?.kind === "lp" && queue[head]?.text !== "{";
    const unsafe = OPERATOR_WORDS.has(word) || variable || tok.text.length === 1 || prev?.kind === "num" || applied;
    if (CONTINUING_WORDS.has(word) || (variable && (endsOperand(last) || last?.t === "op"))) cut(end);
    else close(end, !unsafe);
  }

  function percentOfSinceEq(): boolean {
    for (let i = span.length - 1; i >= 0; i -= 1) {
      const t = span[i]!;
      if (t.t === "eq") return false;
      if (t.t === "op" && t.of) return true;
    }
    return false;
  }

  function handleCommand(tok: Token, glued: boolean, last: MathTok | undefined, end: number) {
    const name = tok.text;
    switch (commandRole(name)) {
      case "ignore":
        // `\sqrt{15} \left( ... \right)`: the bracket after `\left` multiplies like a glued one.
        if (name === "\\left" && endsOperand(last)) {
          prev = tok;
          spaced = false;
        }
        return;
      case "times":
        add({ t: "op", op: "*" }, "×");
        return;
      case "divide":
        add({ t: "op", op: "/" }, "÷");
        return;
      case "frac":
        add({ t: "frac" }, name);
        return;
      case "binom":
      case "sqrt":
        // `27\sqrt{3}` multiplies (a mixed number `2\frac{1}{2}` does not, so fractions stay unparsed).
        if (endsOperand(last)) add({ t: "op", op: "*", implicit: true }, "");
        add({ t: commandRole(name) as "binom" | "sqrt" }, name);
        return;
      case "text":
        if (last?.t === "num" && takeUnitArgument(last)) return;
        textArgument = true;
        close(end, true);
        return;
      case "break":
        close(end, true);
        return;
      case "relation":
        close(end, false);
        return;
      case "approx":
        add({ t: "eq", approx: true }, "≈");
        return;
      case "percent":
        if (last?.t === "num") {
          last.percent = true;
          spanText += "%";
        } else close(end, false);
        return;
      case "dollar":
        currency = "$";
        prev = tok;
        spaced = false;
        return;
      case "degree":
        if (name === "\\degree" && last?.t === "num" && glued) {
          setDegree(last);
          return;
        }
        cut(end);
        return;
      case "opaque":
        // `48\cos C`, `= 1 \pmod 5`, `2\pi`: the side it touches goes on in notation the scanner cannot read.
        cut(end);
        return;
    }
  }

  /** After `\text` following a number: an argument that starts with a unit word (`5\text{ cm}`) is its unit. */
  function takeUnitArgument(num: NumTok): boolean {
    if (queue[head]?.text !== "{") return false;
    const spaced = queue[head + 1]?.kind === "space";
    const word = queue[head + (spaced ? 2 : 1)];
    if (word?.kind !== "word" || !UNITS.has(word.text.toLowerCase())) return false;
    if (num.unit === undefined || CURRENCIES.has(num.unit)) num.unit = word.text.toLowerCase();
    if (spanText.length < MAX_TEXT) spanText += ` ${word.text}`;
    head += spaced ? 3 : 2;
    // The closing brace is dropped when it comes.
    if (braces.length < MAX_BRACES) braces.push(true);
    return true;
  }

  function drain(final: boolean): R | undefined {
    result = undefined;
    const keep = final ? 0 : QUEUE;
    while (queue.length - head > keep) {
      const tok = queue[head]!;
      head += 1;
      handle(tok);
    }
    if (head > 0) {
      queue.splice(0, head);
      head = 0;
    }
    return result;
  }

  return {
    push(text: string): R | undefined {
      offset += text.length;
      lexer.push(text, queue);
      return drain(false);
    },
    end(): R | undefined {
      lexer.end(queue);
      const out = drain(true);
      result = undefined;
      close(offset, true);
      return out ?? result;
    },
    /** Retained characters: the lexer's tail, the queue, the open span and the brace stack. */
    size: () => lexer.size() + (queue.length - head) * 8 + span.length * 4 + spanText.length + braces.length,
  };
}
