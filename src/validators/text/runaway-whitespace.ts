import * as z from "../../zod";
import type { Finding, Validator, ValidatorKind } from "../../engine/types";
import { createRecentText, excerpt, pushEachChar } from "./recent-text";

export const RunawayWhitespaceParamsSchema = z.strictObject({
  /** Longest run of consecutive whitespace characters (spaces, tabs, line breaks) allowed. */
  maxRun: z._default(z.number().check(z.int(), z.positive()), 200),
  /** Most blank lines allowed in a row (lines holding only whitespace). */
  maxBlankLines: z._default(z.number().check(z.int(), z.nonnegative()), 12),
});
export type RunawayWhitespaceParams = z.infer<typeof RunawayWhitespaceParamsSchema>;

/**
 * Finds runaway whitespace: a model stuck emitting spaces or line breaks (a known failure of JSON mode when the
 * prompt does not ask for JSON, and of some decoders near `max_tokens`). Rejects the moment a whitespace run
 * exceeds `maxRun` characters or holds more than `maxBlankLines` blank lines.
 *
 * State: two counters and 120 characters of recent text for evidence.
 */
export function createRunawayWhitespace(params: RunawayWhitespaceParams): Validator {
  const { maxRun, maxBlankLines } = params;
  const recent = createRecentText(120);
  let pos = 0;
  let run = 0;
  let newlines = 0;

  const step = (code: number, piece: string, index: number): Finding | undefined => {
    const i = pos;
    pos += 1;
    if (!isWhitespace(code)) {
      run = 0;
      newlines = 0;
      return undefined;
    }
    run += 1;
    if (code === 10) newlines += 1;
    // n line breaks in a row leave n - 1 blank lines between the text around them.
    const blank = Math.max(0, newlines - 1);
    if (run <= maxRun && blank <= maxBlankLines) return undefined;
    return {
      at: i + 1,
      evidence: excerpt(recent.upTo(piece, index), 120),
      detail:
        blank > maxBlankLines
          ? `The output has ${blank} blank lines in a row (limit ${maxBlankLines}).`
          : `The output has ${run} whitespace characters in a row (limit ${maxRun}).`,
    };
  };

  return {
    push: (text) => pushEachChar(text, recent, step),
    end: () => undefined,
    stateSize: () => recent.size() + 2,
  };
}

function isWhitespace(code: number): boolean {
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 0xa0 ||
    (code >= 0x2000 && code <= 0x200b) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

export const runawayWhitespace: ValidatorKind<typeof RunawayWhitespaceParamsSchema> = {
  name: "runaway-whitespace",
  summary: "Rejects runaway whitespace: too many whitespace characters or blank lines in a row.",
  params: RunawayWhitespaceParamsSchema,
  defaultChannels: ["content", "reasoning", "tool_arguments"],
  compile: (params) => () => createRunawayWhitespace(params),
};
