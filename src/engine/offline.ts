import type { CompiledPack } from "./compile";
import { createInspection, type Rejection, type Verdict } from "./inspection";
import { estimateTokens } from "./tokens";
import type { RequestContext } from "./types";

/** The outcome of running packs over one stored output, as the Worker would have run them in flight. */
export interface OfflineResult {
  verdict?: Verdict;
  flags: readonly Rejection[];
  /** Estimated tokens of the whole output. */
  tokens: number;
  /** Estimated tokens generated before the stream would have stopped (all of them when nothing fired). */
  tokensUntilStop: number;
  /** Tokens before the final answer began, when the output reached one (`Inspection.answerStart`). */
  answerStart?: number;
}

/**
 * Runs the packs over a finished output, fed in `pieces` (default: roughly token-sized pieces, as a provider
 * streams them). Same engine, same verdicts as the Worker: the replay CLI and the eval use this.
 * @example inspectText([mathPack], { prompt, wantsJson: false, tools: new Map() }, solution)
 */
export function inspectText(
  packs: readonly CompiledPack[],
  ctx: RequestContext,
  text: string,
  pieces: Iterable<string> = splitLikeTokens(text),
): OfflineResult {
  const inspection = createInspection(packs, ctx);
  const key = { choice: 0, channel: "content" as const };
  const tokens = estimateTokens(text);
  for (const piece of pieces) {
    const verdict = inspection.push(key, piece);
    if (verdict) {
      const tokensUntilStop = verdict.rejection.offset.tokens;
      return { verdict, flags: inspection.flags, tokens, tokensUntilStop, answerStart: inspection.answerStart(0) };
    }
  }
  const verdict = inspection.end(0);
  return {
    ...(verdict ? { verdict } : {}),
    flags: inspection.flags,
    tokens,
    tokensUntilStop: tokens,
    answerStart: inspection.answerStart(0),
  };
}

/** Splits text into word-sized pieces (a word with its leading space, or a run of other characters). */
export function* splitLikeTokens(text: string): Generator<string> {
  const pattern = /\s*[\p{L}\p{N}]+|\s*[^\s\p{L}\p{N}]+|\s+/gu;
  for (const match of text.matchAll(pattern)) yield match[0];
}
