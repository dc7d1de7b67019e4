import * as z from "../../zod";
import type { Finding, Validator, ValidatorKind } from "../../engine/types";
import { createPhraseMatcher } from "./phrase-matcher";
import { createRecentText, excerpt, pushEachChar } from "./recent-text";

/** Chat-template and end-of-sequence tokens of common model families, as they appear when leaked as text. */
export const DEFAULT_SPECIAL_TOKENS = [
  "<|im_start|>",
  "<|im_end|>",
  "<|endoftext|>",
  "<|eot_id|>",
  "<|eom_id|>",
  "<|start_header_id|>",
  "<|end_header_id|>",
  "<|begin_of_text|>",
  "<|assistant|>",
  "<|user|>",
  "<|system|>",
  "<|end|>",
  "<start_of_turn>",
  "<end_of_turn>",
  "[INST]",
  "[/INST]",
  "<<SYS>>",
  "<</SYS>>",
  "</s>",
] as const;

export const SpecialTokensParamsSchema = z.strictObject({
  /** Tokens to look for, matched exactly (case-sensitive). */
  tokens: z._default(z.array(z.string().check(z.minLength(2), z.maxLength(64))).check(z.minLength(1)), [
    ...DEFAULT_SPECIAL_TOKENS,
  ]),
  /** Occurrences (of any listed token, outside code) needed to reject. */
  minCount: z._default(z.number().check(z.int(), z.positive()), 1),
  /** Skip tokens inside Markdown code (`inline` or fenced), where an answer about chat templates quotes them. */
  ignoreInCode: z._default(z.boolean(), true),
});
export type SpecialTokensParams = z.infer<typeof SpecialTokensParamsSchema>;

/**
 * Finds leaked special tokens: chat-template markers and end-of-sequence tokens written out as text
 * (`<|im_end|>`, `<|eot_id|>`, `[INST]`, `</s>`), a sign that the server's template or stop tokens are wrong and
 * the model is writing the next turn itself. Tokens inside Markdown code are skipped by default, so an answer that
 * explains a chat template in code does not fail.
 *
 * State: the automaton node, the code-span state (a backtick run length and two flags) and 120 characters of
 * recent text for evidence.
 */
export function compileSpecialTokens(params: SpecialTokensParams): () => Validator {
  const { tokens, minCount, ignoreInCode } = params;
  const matcher = createPhraseMatcher(tokens);

  return function createSpecialTokens(): Validator {
    const recent = createRecentText(120);
    let node = 0;
    let pos = 0;
    let count = 0;
    let ticks = 0; // backticks in the current run
    let inFence = false;
    let inInline = false;

    const step = (code: number, piece: string, index: number): Finding | undefined => {
      const i = pos;
      pos += 1;
      if (code === 96) {
        ticks += 1;
      } else {
        // A run of backticks is read when it ends: three or more open or close a fence, fewer an inline span.
        if (ticks >= 3) inFence = !inFence;
        else if (ticks > 0 && !inFence) inInline = !inInline;
        ticks = 0;
        if (code === 10) inInline = false;
      }
      node = matcher.step(node, code);
      const hits = matcher.matches(node);
      if (hits.length === 0 || (ignoreInCode && (inFence || inInline))) return undefined;
      count += 1;
      if (count < minCount) return undefined;
      const token = tokens[hits[0]!]!;
      return {
        at: i + 1,
        evidence: excerpt(recent.upTo(piece, index).slice(-60)),
        detail:
          minCount === 1
            ? `The output contains the special token ${token}, leaked as text.`
            : `The output contains special tokens ${count} times (limit ${minCount - 1}); the last is ${token}.`,
      };
    };

    return {
      push: (text) => pushEachChar(text, recent, step),
      end: () => undefined,
      stateSize: () => recent.size() + 4,
    };
  };
}

export const specialTokens: ValidatorKind<typeof SpecialTokensParamsSchema> = {
  name: "special-tokens",
  summary: "Rejects leaked special tokens such as <|im_end|>, <|eot_id|>, [INST] or </s> outside Markdown code.",
  params: SpecialTokensParamsSchema,
  defaultChannels: ["content", "reasoning"],
  compile: (params) => {
    const create = compileSpecialTokens(params);
    return () => create();
  },
};
