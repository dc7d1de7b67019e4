import type * as z from "../zod";
import { estimateTokens } from "../engine/tokens";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * How deep `contentText` follows nested parts. Bodies are refused past `MAX_JSON_DEPTH` before this runs; the
 * bound keeps the walk safe on its own.
 */
const MAX_CONTENT_DEPTH = 32;

/**
 * The text of a message's content in the Responses and Anthropic shapes: a string, or parts whose `text` (or, for
 * tool results, nested `content` / `output`) holds text. Images and other non-text parts count for nothing.
 */
export function contentText(content: unknown, depth = 0): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content) || depth >= MAX_CONTENT_DEPTH) return "";
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") texts.push(part);
    else if (isObject(part)) {
      const text =
        typeof part.text === "string"
          ? part.text
          : contentText(part.content, depth + 1) || contentText(part.output, depth + 1);
      if (text) texts.push(text);
    }
  }
  return texts.join("\n");
}

/** A zod issue as a request error: the dotted path of the field at fault and a message naming it. */
export function requestIssue(error: z.core.$ZodError, raw: unknown): { message: string; param: string | null } {
  const issue = error.issues[0]!;
  const param = issue.path.map(String).join(".") || null;
  let value = raw;
  for (const key of issue.path)
    value = isObject(value) ? value[String(key)] : Array.isArray(value) ? value[Number(key)] : undefined;
  const missing = value === undefined;
  const message = missing
    ? `Missing required parameter: '${param}'.`
    : `Invalid value for '${param}': ${issue.message}`;
  return { message, param };
}

export const notAnObject = { message: "The request body must be a JSON object.", param: null } as const;

/** Per-message framing tokens in chat formats (role markers) and the reply's priming, as OpenAI counts them. */
const TOKENS_PER_MESSAGE = 4;
const REPLY_PRIMING = 3;

/** Estimated prompt tokens of chat-style input: each message's text plus its framing. */
export function estimatePromptTokens(messages: readonly string[]): number {
  return messages.reduce((sum, text) => sum + estimateTokens(text) + TOKENS_PER_MESSAGE, REPLY_PRIMING);
}

/**
 * Estimated tokens of an embeddings or moderations `input`: a string, strings, token ids (one token each),
 * arrays of token ids, or parts with `text`. Anything else counts for nothing.
 */
export function estimateInputTokens(input: unknown): number {
  if (typeof input === "string") return estimateTokens(input);
  if (!Array.isArray(input)) return 0;
  let tokens = 0;
  for (const item of input) {
    if (typeof item === "string") tokens += estimateTokens(item);
    else if (typeof item === "number") tokens += 1;
    else if (Array.isArray(item)) tokens += item.length;
    else if (isObject(item) && typeof item.text === "string") tokens += estimateTokens(item.text);
  }
  return tokens;
}
