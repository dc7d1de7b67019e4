import * as z from "../../zod";
import type { Finding, ValidatorKind } from "../../engine/types";
import { splitChain } from "./chain";
import { isWordCodeUnit } from "./lexer";
import { numberKey, promptNumberKeys, wordNumbers } from "./prompt-numbers";
import { createScanner, scanOptionsFor } from "./scanner";
import { createThinkingSplit, type Region } from "./thinking";

/** Numbers any solution may bring in: unit conversions, halves, percent bases, calendars. */
export const COMMON_CONSTANTS = [
  0, 1, 2, 3, 4, 0.5, 0.25, 0.75, 0.1, 0.01, 10, 12, 7, 24, 60, 100, 1000, 52, 365, 30, 3600, 1440, 16, 5280,
] as const;

const params = z.strictObject({
  /** Extra numbers that count as known (added to the built-in constants). */
  constants: z._default(z.array(z.number()), []),
  /** Distinct numbers remembered; past this the check stops, so memory stays bounded. */
  maxKnown: z._default(z.number().check(z.int(), z.positive()), 4096),
});

/**
 * In a word problem, every operand of an equation must come from somewhere: the prompt (digits or words like
 * `twice`, `a dozen`, `three`), an earlier number, number word or result in the output, or a small set of
 * common constants. An operand from nowhere is reported when its equation closes. Calculator annotations
 * (`<<...>>`) repeat the text's own equation and are not checked. The model's thinking is not checked, but the
 * numbers it states and computes count as known in the answer after it.
 */
export const inventedQuantitiesValidator: ValidatorKind<typeof params> = {
  name: "invented-quantities",
  summary: "Equation operands must appear in the prompt, earlier in the output, or among common constants.",
  params,
  defaultChannels: ["content"],
  compile({ constants, maxKnown }) {
    const constantKeys = new Set([...COMMON_CONSTANTS, ...constants].map(numberKey));
    return (ctx, target) => {
      const promptKeys = promptNumberKeys(ctx, ctx.prompt);
      const given = { has: (key: number) => constantKeys.has(key) || promptKeys.has(key) };
      /** Numbers learned from the output, by the offset where each became known (chunking-independent). */
      const learned = new Map<number, number>();
      const learn = (n: number, at: number) => {
        const key = numberKey(Math.abs(n));
        if (given.has(key)) return;
        const earlier = learned.get(key);
        // Keep the earliest offset: the scanner reports a span a few tokens after the word tracker sees it.
        if (earlier === undefined ? learned.size < maxKnown : at < earlier) learned.set(key, at);
      };
      const knownBefore = (n: number, at: number) => {
        const key = numberKey(Math.abs(n));
        return given.has(key) || (learned.get(key) ?? Infinity) < at;
      };
      /**
       * Reads one region of the stream (offsets in it are shifted by `base` to stream offsets). Thinking is read
       * only to learn its numbers: the answer may use what the thinking computed.
       */
      const options = scanOptionsFor(ctx, ctx.prompt);
      function createReader(base: number, report: boolean) {
        let offset = 0;
        let word = "";
        const scanner = createScanner<Finding>((span) => {
          if (span.annotation) return undefined;
          let finding: Finding | undefined;
          if (learned.size < maxKnown) {
            const { sides } = splitChain(span);
            sides.forEach((side, i) => {
              if (!side || finding || i === sides.length - 1 || side.operators === 0) return;
              const invented = side.nums.find(
                (n) =>
                  !knownBefore(n.value, base + n.start) && !(n.percent && knownBefore(n.value / 100, base + n.start)),
              );
              if (invented && report) {
                finding = {
                  at: base + span.at,
                  evidence: span.text,
                  detail: `${invented.raw} in \`${span.text}\` appears neither in the prompt nor earlier in the output`,
                };
              }
              const after = base + (side.nums[side.nums.length - 1]?.start ?? span.at) + 1;
              for (const v of [side.value, ...side.values]) learn(v, after);
            });
          }
          for (const tok of span.tokens) if (tok.t === "num") learn(tok.value, base + tok.start + 1);
          return finding;
        }, options);
        return {
          push(text: string): Finding | undefined {
            // Number words in the output (`four fifths`) become known where the word ends.
            let from = -1;
            for (let i = 0; i < text.length; i += 1) {
              if (isWordCodeUnit(text.charCodeAt(i)) && word.length < 30) {
                // Collect the run of word characters (at most 30 in all) with one slice.
                if (from < 0) from = i;
                if (word.length + (i + 1 - from) >= 30 || i + 1 === text.length) {
                  word += text.slice(from, i + 1);
                  from = -1;
                }
              } else {
                if (from >= 0) {
                  word += text.slice(from, i);
                  from = -1;
                }
                if (word === "") continue;
                for (const n of wordNumbers(word)) learn(n, base + offset + i);
                word = "";
              }
            }
            offset += text.length;
            return scanner.push(text);
          },
          end: () => scanner.end(),
          size: () => scanner.size() + word.length,
        };
      }

      const split = createThinkingSplit(target);
      let thinking: ReturnType<typeof createReader> | undefined;
      let answer: ReturnType<typeof createReader> | undefined;
      function feed(region: Region, text: string, start: number): Finding | undefined {
        if (region === "thinking") {
          thinking ??= createReader(start, false);
          thinking.push(text);
          return undefined;
        }
        if (thinking) {
          thinking.end();
          thinking = undefined;
        }
        answer ??= createReader(start, true);
        return answer.push(text);
      }
      return {
        push: (text) => split.push(text, feed),
        end() {
          const finding = split.end(feed);
          if (finding) return finding;
          thinking?.end();
          return answer?.end();
        },
        stateSize: () => split.size() + (thinking?.size() ?? 0) + (answer?.size() ?? 0) + learned.size,
      };
    };
  },
};
