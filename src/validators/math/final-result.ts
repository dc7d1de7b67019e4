import { z } from "zod";
import type { Finding, Target, Validator, ValidatorKind } from "../../engine/types";
import { ANSWER_MARKERS, createAnswerScanner, type Answer } from "./answers";
import { normalizeAnswer } from "./answer-value";
import { checkLink, close, splitChain } from "./chain";
import { createScanner, scanOptionsFor, type Scanner, type Span } from "./scanner";
import { createThinkingSplit, type Region, type ThinkingSplit } from "./thinking";

const params = z.strictObject({
  /**
   * Which final answers are compared. Line answers (`#### N`, `A: N`) and answer sentences state the result of
   * the last step in word problems; a `\boxed{}` answer of a competition problem is often a quantity derived
   * from it (an exponent, a digit sum), so `boxed` is off by default.
   */
  markers: z.array(z.enum(ANSWER_MARKERS)).min(1).default(["hashes", "a-colon", "answer-is"]),
  /** The answer must complete within this many characters of the calculation before it. */
  within: z.number().int().positive().max(400).default(40),
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

const PLAIN_NUMBER = /^\s*-?\s*\$?\s*\d[\d,]*(?:\.\d+)?\s*$/;

class FinalResult implements Validator {
  private readonly split: ThinkingSplit;
  private readonly scanner: Scanner<undefined>;
  private readonly answers = createAnswerScanner();
  private last: Result | undefined = undefined;
  private base: number | undefined = undefined;
  /** Characters of the solution fed to the scanner. */
  private fed = 0;
  private done = false;
  private readonly visit = (region: Region, text: string, start: number) => this.feed(region, text, start);

  constructor(
    private readonly wanted: ReadonlySet<string>,
    private readonly within: number,
    target: Target,
    prompt: { owner: object; text: string },
  ) {
    this.split = createThinkingSplit(target);
    this.scanner = createScanner((span) => this.onSpan(span), scanOptionsFor(prompt.owner, prompt.text));
  }

  push(text: string): Finding | undefined {
    return this.split.push(text, this.visit);
  }

  end(): Finding | undefined {
    const found = this.split.end(this.visit);
    if (found || this.done || this.base === undefined) return found;
    this.scanner.end();
    return this.judge(this.answers.end()[0]);
  }

  stateSize(): number {
    return this.split.size() + this.scanner.size() + this.answers.size() + (this.last?.text.length ?? 0);
  }

  private feed(region: Region, text: string, start: number): Finding | undefined {
    if (region !== "answer" || this.done) return undefined;
    this.base ??= start;
    const answer = this.answers.push(text)[0];
    if (!answer) {
      this.scanner.push(text);
      this.fed += text.length;
      return undefined;
    }
    // The solution is over once its answer is complete: the calculations are those written up to there.
    this.scanner.push(text.slice(0, answer.at - this.fed));
    this.scanner.end();
    return this.judge(answer);
  }

  /**
   * The last calculation that holds and computes something (`12 + 5 = 17`, not `3 = 3`). An equation the scanner
   * could not read after it (`15-9=6`, a possible range) clears it: the last step is then unknown.
   */
  private onSpan(span: Span): undefined {
    if (span.annotation || !span.tokens.some((tok) => tok.t === "eq")) return undefined;
    this.last = undefined;
    const links = splitChain(span).links;
    const link = links[links.length - 1];
    if (!link?.left || !link.right || link.approx || checkLink(link) !== undefined) return undefined;
    if (link.left.operators === 0 || link.right.percent || link.left.percent) return undefined;
    const operands = link.left.nums.map((n) => n.value);
    this.last = { value: link.right.value, operands, at: span.at, text: span.text };
    return undefined;
  }

  /** The first final answer: a plain number that does not state the result computed just before it. */
  private judge(answer: Answer | undefined): Finding | undefined {
    if (!answer) return undefined;
    this.done = true;
    const last = this.last;
    if (!this.wanted.has(answer.marker) || !last || !PLAIN_NUMBER.test(answer.value)) return undefined;
    if (answer.at - last.at > this.within) return undefined;
    const key = normalizeAnswer(answer.value);
    if (!key || !("number" in key) || states(last.value, key.number)) return undefined;
    if (last.operands.some((operand) => close(operand, key.number))) return undefined;
    return {
      at: this.base! + answer.at,
      evidence: answer.evidence,
      detail: `the final answer ${answer.value} is not the result \`${last.text}\` computed just before it`,
    };
  }
}

/**
 * The final answer of a word problem states the result of its last step: `12 + 5 = 17 apples.` followed by
 * `#### 18` (or `A: 18`, `The answer is 18.`) is reported when the answer completes. Only a plain number right
 * after a calculation that holds is compared, and an answer that rounds the result, drops its sign or writes it
 * as a percentage (`0.2` and `20`) agrees with it. The model's thinking is not read.
 *
 * @example rule: `{ id: math.final-result, validator: final-result, message: "The final answer is not the result computed." }`
 */
export const finalResultValidator: ValidatorKind<typeof params> = {
  name: "final-result",
  summary: "A word problem's final answer must be the result computed just before it.",
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
