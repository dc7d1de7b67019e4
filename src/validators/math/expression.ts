/**
 * Math tokens of one equation chain and a strict parser for one side of it. The parser refuses anything whose
 * meaning is not certain (a unary minus on a power base, `2^3^2`, implicit multiplication after a division, a
 * percentage added to a plain number, a bracket closed by another kind), so the arithmetic check never judges
 * text it could misread.
 */

export interface NumTok {
  t: "num";
  value: number;
  raw: string;
  /** Digits after the decimal point as written. */
  decimals: number;
  percent: boolean;
  /** A currency sign or unit word attached to the number (`$`, `kg`). */
  unit?: string;
  /** The number is glued to something that changes its meaning (`10am`, `3:45`, `CO2`, `3!`). */
  bad?: boolean;
  start: number;
}

/** An opening bracket; a closing one names the opening bracket it closes. */
export type Bracket = "(" | "[" | "{";

export type MathTok =
  | NumTok
  | { t: "op"; op: "+" | "-" | "*" | "/" | "^"; implicit?: boolean; of?: boolean }
  | { t: "lp"; ch: Bracket }
  | { t: "rp"; ch: Bracket }
  /** `\frac{a}{b}`, `\binom{n}{k}`, `\sqrt{x}` / `\sqrt[n]{x}`: the groups follow as tokens. */
  | { t: "frac" }
  | { t: "binom" }
  | { t: "sqrt" }
  /** A postfix factorial `!`. */
  | { t: "fact" }
  | { t: "eq"; approx: boolean }
  /** Something glued to an operand that makes the side unreadable (`2(8)(3)cos`). */
  | { t: "bad" };

/** One side of an equation, evaluated. */
export interface Side {
  value: number;
  /** The value is a percentage (`20%`, `20% + 5%`). */
  percent: boolean;
  /** A single number, possibly in parentheses. */
  atomic?: NumTok;
  /** The side's first number when an operator follows it (`7 + 1` -> 7), for running-total chains. */
  leading?: number;
  operators: number;
  nums: NumTok[];
  /** Every intermediate value the side computes (`(7 - 28)` in `7 - -7 * 4`: 28 and 35). */
  values: number[];
  units: Set<string>;
}

interface Node {
  value: number;
  percent: boolean;
}

class Unparseable extends Error {}

/** Thrown (one instance, so no stack is captured per failure) when a side cannot be read with certainty. */
const UNPARSEABLE = new Unparseable();

function fail(): never {
  throw UNPARSEABLE;
}

/** A recursive-descent parser over one side's tokens (methods, not per-call closures: this runs per span). */
class SideParser {
  pos = 0;
  operators = 0;
  readonly nums: NumTok[] = [];
  readonly values: number[] = [];

  constructor(private readonly tokens: readonly MathTok[]) {}

  private peek(): MathTok | undefined {
    return this.tokens[this.pos];
  }

  /** Whether the operand starting at `from` is the base of a `^`. */
  private powerFollows(from: number): boolean {
    const tokens = this.tokens;
    let i = from;
    if (tokens[i]?.t === "lp") {
      for (let depth = 0; i < tokens.length; i += 1) {
        const t = tokens[i]!.t;
        if (t === "lp") depth += 1;
        else if (t === "rp" && --depth === 0) break;
      }
    }
    const after = tokens[i + 1];
    return after?.t === "op" && after.op === "^";
  }

  expr(): Node {
    let left = this.term();
    for (let tok = this.peek(); tok?.t === "op" && (tok.op === "+" || tok.op === "-"); tok = this.peek()) {
      this.pos += 1;
      this.operators += 1;
      const right = this.term();
      // `100 - 20%` may mean 80 or 80%: not certain.
      if (left.percent !== right.percent) fail();
      left = { value: tok.op === "+" ? left.value + right.value : left.value - right.value, percent: left.percent };
      this.values.push(left.value);
    }
    return left;
  }

  private term(): Node {
    let left = this.unary();
    let divided = false;
    for (let tok = this.peek(); tok?.t === "op" && (tok.op === "*" || tok.op === "/"); tok = this.peek()) {
      this.pos += 1;
      this.operators += 1;
      // `6/2(1+2)`: readers disagree on the order.
      if (tok.implicit && divided) fail();
      const right = this.unary();
      if (left.percent && right.percent) fail();
      if (tok.op === "/") {
        divided = true;
        if (right.value === 0) fail();
        left = { value: left.value / right.value, percent: left.percent && !right.percent };
      } else {
        left = { value: left.value * right.value, percent: false };
      }
      this.values.push(left.value);
    }
    return left;
  }

  private unary(): Node {
    const tok = this.peek();
    if (tok?.t === "op" && (tok.op === "-" || tok.op === "+")) {
      this.pos += 1;
      // `-2^2`: -4 by convention, 4 to many writers.
      if (this.powerFollows(this.pos)) fail();
      const inner = this.unary();
      return { value: tok.op === "-" ? -inner.value : inner.value, percent: inner.percent };
    }
    return this.power();
  }

  private power(): Node {
    const base = this.factorial(this.primary());
    const tok = this.peek();
    if (tok?.t === "op" && tok.op === "^") {
      this.pos += 1;
      this.operators += 1;
      if (base.percent) fail();
      const exponent = this.primary();
      const after = this.peek();
      // `2^3^2` and `2^3!`: readers disagree on the grouping.
      if ((after?.t === "op" && after.op === "^") || after?.t === "fact") fail();
      if (exponent.percent) fail();
      return { value: base.value ** exponent.value, percent: false };
    }
    return base;
  }

  /** `n!`, `(2 + 1)!`: a whole number up to 20 (so the result stays exact). */
  private factorial(node: Node): Node {
    if (this.peek()?.t !== "fact") return node;
    this.pos += 1;
    this.operators += 1;
    if (node.percent || !Number.isInteger(node.value) || node.value < 0 || node.value > 20) fail();
    let value = 1;
    for (let k = 2; k <= node.value; k += 1) value *= k;
    if (this.peek()?.t === "fact") fail(); // `5!!` is a double factorial
    return { value, percent: false };
  }

  /** A bracketed expression; `only` restricts the bracket (`{...}` for LaTeX arguments). */
  private group(only?: Bracket): Node {
    const open = this.peek();
    if (open?.t !== "lp" || (only !== undefined && open.ch !== only)) return fail();
    this.pos += 1;
    const inner = this.expr();
    const close = this.peek();
    if (close?.t !== "rp" || close.ch !== open.ch) fail();
    this.pos += 1;
    return inner;
  }

  /** The argument of a LaTeX command: a `{...}` group holding a plain number (no percentage). */
  private argument(): Node {
    const node = this.group("{");
    if (node.percent) fail();
    return node;
  }

  private primary(): Node {
    const tok = this.peek();
    if (tok === undefined) return fail();
    if (tok.t === "num") {
      if (tok.bad) fail();
      this.pos += 1;
      this.nums.push(tok);
      return { value: tok.percent ? tok.value / 100 : tok.value, percent: tok.percent };
    }
    if (tok.t === "lp") return this.group();
    if (tok.t === "frac") {
      this.pos += 1;
      this.operators += 1;
      const numerator = this.argument();
      const denominator = this.argument();
      if (denominator.value === 0) fail();
      return { value: numerator.value / denominator.value, percent: false };
    }
    if (tok.t === "binom") {
      this.pos += 1;
      this.operators += 1;
      return { value: binomial(this.argument().value, this.argument().value), percent: false };
    }
    if (tok.t === "sqrt") {
      this.pos += 1;
      this.operators += 1;
      const next = this.peek();
      const index = next?.t === "lp" && next.ch === "[" ? this.group("[").value : 2;
      const radicand = this.argument().value;
      if (!Number.isInteger(index) || index < 2 || index > 10 || radicand < 0) fail();
      const value = index === 2 ? Math.sqrt(radicand) : index === 3 ? Math.cbrt(radicand) : radicand ** (1 / index);
      return { value, percent: false };
    }
    return fail();
  }
}

/** `n` choose `k` for whole numbers `0 <= k <= n`, exact while the result stays below 2^53. */
function binomial(n: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 0 || n < k || n > 10_000) fail();
  const m = Math.min(k, n - k);
  let value = 1;
  // Each partial product C(n - m + i, i) is a whole number, so the division is exact.
  for (let i = 1; i <= m; i += 1) {
    value = (value * (n - m + i)) / i;
    if (value > 1e15) fail();
  }
  return value;
}

/** Parses one side; `undefined` when it is empty, malformed or ambiguous. */
export function parseSide(tokens: readonly MathTok[]): Side | undefined {
  if (tokens.length === 0) return undefined;
  const parser = new SideParser(tokens);
  try {
    const node = parser.expr();
    const { pos, operators, nums, values } = parser;
    if (pos !== tokens.length || !Number.isFinite(node.value) || Math.abs(node.value) > 1e15) return undefined;
    const first = tokens[0];
    const second = tokens[1];
    const units = new Set<string>();
    for (const n of nums) if (n.unit !== undefined) units.add(n.unit);
    return {
      value: node.value,
      percent: node.percent,
      atomic: operators === 0 && nums.length === 1 ? nums[0] : undefined,
      leading: first?.t === "num" && second?.t === "op" && !first.percent ? first.value : undefined,
      operators,
      nums,
      values,
      units,
    };
  } catch (error) {
    if (error instanceof Unparseable) return undefined;
    throw error;
  }
}
