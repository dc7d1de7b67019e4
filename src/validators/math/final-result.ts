import * as z from "../../zod";
import type { Finding, Target, Validator, ValidatorKind } from "../../engine/types";
import { LINE_RULES } from "./answers";
import { normalizeAnswer } from "./answer-value";
import { checkLink, close, splitChain } from "./chain";
import { createScanner, scanOptionsFor, type ScanOptions, type Span } from "./scanner";
import { createThinkingSplit, type Region, type ThinkingSplit } from "./thinking";

const LINE_MARKERS = ["hashes", "a-colon"] as const;

const params = z.strictObject({
  /**
   * Which line answers are compared: `#### N` (`hashes`) and `A: N` (`a-colon`) state the result of a word
   * problem's last step. (A `\boxed{}` answer of a competition problem is often a quantity derived from it, an
   * exponent or a digit sum, and is not compared.)
   */
  markers: z._default(z.array(z.enum(LINE_MARKERS)).check(z.minLength(1)), [...LINE_MARKERS]),
  /** The answer line must end within this many characters of the calculation before it. */
  within: z._default(z.number().check(z.int(), z.positive(), z.lte(400)), 40),
});

/** A calculation that holds, and where it closed. */
interface Result {
  value: number;
  /** The numbers it computes from: an answer may be one of them (`10 - 4 = 6` / `#### 4`). */
  operands: number[];
  at: number;
  text: string;
}

/** Ways a final answer states a result without contradicting it: rounded, without its sign, as a percentage. */
function states(result: number, answer: number): boolean {
  const forms = [result, -result, result * 100, result / 100];
  forms.push(Math.round(result), Math.floor(result), Math.ceil(result));
  if (forms.some((form) => close(form, answer))) return true;
  return !Number.isInteger(answer) && Math.abs(answer - result) <= 0.01 * Math.abs(result);
}

/** Characters of the solution kept to read the lines before an answer. */
const MAX_TAIL = 512;
/** Lines read back from the answer: the answer's own line and the two before it. */
const LINES_BACK = 3;
/** Only the start of a line can make it an answer line. */
const MAX_LINE_START = 16;

const PLAIN_NUMBER = /^\s*-?\s*\$?\s*\d[\d,]*(?:\.\d+)?\s*$/;

class FinalResult implements Validator {
  private readonly split: ThinkingSplit;
  private readonly options: ScanOptions;
  private readonly rules: ReadonlyArray<readonly [string, RegExp]>;
  private last: Result | undefined = undefined;
  private base: number | undefined = undefined;
  /** The end of the solution so far (MAX_TAIL to 2 × MAX_TAIL characters), and its offset in the solution. */
  private tail = "";
  private tailStart = 0;
  /** Offset (in the solution) where the current line starts. */
  private lineStart = 0;
  private done = false;
  private readonly visit = (region: Region, text: string, start: number) => this.feed(region, text, start);

  constructor(
    wanted: ReadonlySet<string>,
    private readonly within: number,
    target: Target,
    prompt: { owner: object; text: string },
  ) {
    this.split = createThinkingSplit(target);
    this.options = scanOptionsFor(prompt.owner, prompt.text);
    this.rules = LINE_RULES.filter(([marker]) => wanted.has(marker));
  }

  push(text: string): Finding | undefined {
    return this.split.push(text, this.visit);
  }

  end(): Finding | undefined {
    const found = this.split.end(this.visit);
    if (found || this.done || this.base === undefined) return found;
    return this.line(this.tailStart + this.tail.length);
  }

  stateSize(): number {
    return this.split.size() + this.tail.length;
  }

  private feed(region: Region, text: string, start: number): Finding | undefined {
    if (region !== "answer" || this.done) return undefined;
    this.base ??= start;
    const from = this.tailStart + this.tail.length;
    this.tail += text;
    // Each line is judged when it ends: the first line answer is the solution's final answer.
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
      const finding = this.line(from + i + 1);
      if (finding || this.done) return finding;
      this.lineStart = from + i + 1;
    }
    if (this.tail.length > 2 * MAX_TAIL) {
      // A line longer than what is kept is no answer line, and the lines before it are out of view.
      this.tailStart += this.tail.length - MAX_TAIL;
      this.tail = this.tail.slice(-MAX_TAIL);
    }
    return undefined;
  }

  /** The line that ends at `end` (in the solution): when it is a line answer, the answer is judged. */
  private line(end: number): Finding | undefined {
    if (this.lineStart < this.tailStart) return undefined;
    const text = this.tail.slice(this.lineStart - this.tailStart, end - this.tailStart);
    // Most lines are not answers: look at the start before running the patterns.
    const head = text.slice(0, MAX_LINE_START);
    if (!head.includes("#") && !head.includes("A:")) return undefined;
    for (const [, pattern] of this.rules) {
      const match = pattern.exec(text.replace(/\r?\n$/, ""));
      if (!match) continue;
      this.done = true;
      return this.judge(match[1]!, end, text.trim());
    }
    return undefined;
  }

  /** The first line answer: a plain number that does not state the result computed just before it. */
  private judge(value: string, end: number, evidence: string): Finding | undefined {
    if (!PLAIN_NUMBER.test(value)) return undefined;
    this.lastCalculation(this.lineStart);
    const last = this.last;
    if (!last || end - last.at > this.within) return undefined;
    const key = normalizeAnswer(value);
    if (!key || !("number" in key) || states(last.value, key.number)) return undefined;
    if (last.operands.some((operand) => close(operand, key.number))) return undefined;
    return {
      at: this.base! + end,
      evidence: evidence.slice(0, 120),
      detail: `the final answer ${value} is not the result \`${last.text}\` computed just before it`,
    };
  }

  /**
   * Reads the calculations of the lines before the answer line (which starts at `end`): only a calculation within
   * `within` characters of the answer is compared, and reading from a line start keeps its first operand in view.
   */
  private lastCalculation(end: number): void {
    const text = this.tail.slice(0, end - this.tailStart);
    let from = text.length;
    for (let lines = 1; lines < LINES_BACK && from > 0;) {
      from = text.lastIndexOf("\n", from - 2);
      if (from < 0) break;
      lines += 1;
    }
    // No line start in view (a line longer than the tail keeps): nothing is read with certainty.
    if (from < 0 && this.tailStart > 0) return;
    const base = this.tailStart + from + 1;
    const scanner = createScanner((span) => this.onSpan(span, base), this.options);
    scanner.push(text.slice(from + 1));
    scanner.end();
  }

  /**
   * The last calculation that holds and computes something (`12 + 5 = 17`, not `3 = 3`). An equation the scanner
   * could not read after it (`15-9=6`, a possible range) clears it: the last step is then unknown.
   */
  private onSpan(span: Span, base: number): undefined {
    if (span.annotation || !span.tokens.some((tok) => tok.t === "eq")) return undefined;
    this.last = undefined;
    const links = splitChain(span).links;
    const link = links[links.length - 1];
    if (!link?.left || !link.right || link.approx || checkLink(link) !== undefined) return undefined;
    if (link.left.operators === 0 || link.right.percent || link.left.percent) return undefined;
    const operands = link.left.nums.map((n) => n.value);
    this.last = { value: link.right.value, operands, at: base + span.at, text: span.text };
    return undefined;
  }
}

/**
 * The line answer of a word problem states the result of its last step: `12 + 5 = 17 apples.` followed by
 * `#### 18` or `A: 18` is reported when the answer line ends. Only a plain number right after a calculation that
 * holds is compared, and an answer that rounds the result, drops its sign, writes it as a percentage (`0.2` and
 * `20`) or is one of the step's own numbers agrees with it. Only the lines before the answer are read, once; the
 * model's thinking is not read.
 *
 * @example rule: `{ id: math.final-result, validator: final-result, message: "The final answer is not the result computed." }`
 */
export const finalResultValidator: ValidatorKind<typeof params> = {
  name: "final-result",
  summary: "A word problem's line answer must be the result computed just before it.",
  params,
  defaultChannels: ["content"],
  compile({ markers, within }) {
    const wanted = new Set<string>(markers);
    return (ctx, target) =>
      target.channel === "reasoning"
        ? undefined
        : new FinalResult(wanted, within, target, { owner: ctx, text: ctx.prompt });
  },
};
