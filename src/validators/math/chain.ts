import { parseSide, type MathTok, type Side } from "./expression";
import type { Span } from "./scanner";

/** One `=` of a chain: the sides around it (undefined when a side could not be read with certainty). */
export interface Link {
  left: Side | undefined;
  right: Side | undefined;
  approx: boolean;
}

/** Splits a span at its `=` signs and parses each side. The first side is dropped when the span may start mid-expression. */
export function splitChain(span: Span): { sides: (Side | undefined)[]; links: Link[]; parts: MathTok[][] } {
  const parts: MathTok[][] = [[]];
  const approx: boolean[] = [];
  for (const tok of span.tokens) {
    if (tok.t === "eq") {
      parts.push([]);
      approx.push(tok.approx);
    } else parts[parts.length - 1]!.push(tok);
  }
  if (parts.length < 2 || span.overflow) return { sides: [], links: [], parts: [] };
  const sides = parts.map((part, i) =>
    i === 0 && !span.leftSafe ? undefined : startsSafely(part) ? parseSide(part) : undefined,
  );
  const links = approx.map((isApprox, i) => ({ left: sides[i], right: sides[i + 1], approx: isApprox }));
  return { sides, links, parts };
}

/** A side's tokens as text, to recognise the same calculation written again (`3 × 4` and `3*4` alike). */
export function sideKey(part: readonly MathTok[]): string {
  return part
    .map((tok) => {
      switch (tok.t) {
        case "num":
          return String(tok.value);
        case "op":
          return tok.op;
        case "lp":
        case "rp":
          return tok.t === "lp" ? "(" : ")";
        default:
          return tok.t;
      }
    })
    .join(" ");
}

/** A side that starts with a binary operator continues something outside the span (`x^2 + 4`, `dozen + 6`). */
function startsSafely(part: readonly MathTok[]): boolean {
  const first = part[0];
  return first !== undefined && (first.t !== "op" || first.op === "-");
}

/** Why a link does not hold, or undefined when it holds or cannot be judged with certainty. */
export function checkLink({ left, right, approx }: Link): string | undefined {
  // An approximation (`\approx`, `about`) claims no exact value.
  if (!left || !right || approx) return undefined;
  // `1 hour = 60 minutes`, `$1 + 50 cents`: different units, so the numbers need not match.
  if (mixedUnits(left.units, right.units)) return undefined;
  // `3 = 4` claims no arithmetic: a label, a unit conversion or a cut-off expression.
  if (left.atomic && right.atomic) return undefined;
  // `48 = 120%` relates a quantity to a share; only a computed ratio (`3/4 = 75%`) is checked against a percentage.
  if (left.percent !== right.percent && (left.percent ? right : left).operators === 0) return undefined;
  if (agrees(left, right, approx) || agrees(right, left, approx)) return undefined;
  // `$1800 - $2000 = $200 less`: a difference written without its sign.
  if (isPlainDifference(left) && close(-left.value, right.value)) return undefined;
  // `500 ÷ 13 = 13 · 38 + 6`: division with a remainder, written with `=` for `500 = 13 · 38 + 6`.
  if (isRemainderNotation(left, right)) return undefined;
  // A running total: `3 + 4 = 7 + 1 = 8`.
  if (right.leading !== undefined && close(left.value, right.leading)) return undefined;
  return `${format(left.value, left.percent)} is not ${format(right.value, right.percent)}`;
}

/** Whether the two sides use more than one unit in all. */
function mixedUnits(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  let first: string | undefined;
  for (const units of [a, b]) {
    for (const unit of units) {
      if (first === undefined) first = unit;
      else if (unit !== first) return true;
    }
  }
  return false;
}

/** Whether `shown` (as written) states the value of `exact`, allowing the rounding the text shows. */
function agrees(exact: Side, shown: Side, approx: boolean): boolean {
  if (close(exact.value, shown.value)) return true;
  const literal = shown.atomic;
  if (!literal) return false;
  // `3/12 * 100 = 25%`: a percentage written for a value already multiplied by 100.
  const target = literal.percent ? literal.value : shown.value;
  const candidates = literal.percent ? [exact.value * 100, exact.value] : [exact.value];
  const step = 10 ** -literal.decimals;
  for (const value of candidates) {
    if (close(value, target)) return true;
    if (approx && Math.abs(value - target) <= Math.max(0.01 * Math.abs(value), step)) return true;
    if (roundsTo(value, target, literal.decimals)) return true;
    // `$4.20 + $9.45 + $1.35 = $14.99`: a calculator's 14.999999999999998 cut to cents.
    if (literal.decimals >= 2 && Math.abs(value - target) <= 10 ** -literal.decimals * (1 + 1e-6)) return true;
  }
  return false;
}

/** `a ÷ b` on one side, and a side worth `a` that multiplies `b` and adds a remainder on the other. */
function isRemainderNotation(division: Side, rest: Side): boolean {
  const [a, b] = division.nums;
  if (division.operators !== 1 || division.nums.length !== 2 || !a || !b || b.value === 0) return false;
  if (!close(division.value, a.value / b.value) || rest.operators < 2) return false;
  return close(rest.value, a.value) && rest.nums.some((n) => n.value === b.value);
}

/** `a - b` with two positive numbers. */
function isPlainDifference(side: Side): boolean {
  return (
    side.operators === 1 && side.nums.length === 2 && side.leading !== undefined && side.leading > 0 && side.value < 0
  );
}

/** `value` rounded, truncated or rounded up to `decimals` places gives `target`. */
function roundsTo(value: number, target: number, decimals: number): boolean {
  const scale = 10 ** decimals;
  const scaled = value * scale;
  // Only when the exact value has more places than shown: `10 / 5 = 3` is not a rounding of 2.
  if (close(scaled, Math.round(scaled))) return false;
  const t = target * scale;
  return [Math.round(scaled), Math.trunc(scaled), Math.ceil(scaled), Math.floor(scaled)].some((v) => close(v, t));
}

export function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function format(value: number, percent: boolean): string {
  const shown = percent ? value * 100 : value;
  const text = Number.isInteger(shown) ? String(shown) : String(Number(shown.toPrecision(10)));
  return percent ? `${text}%` : text;
}
