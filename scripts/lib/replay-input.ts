import type { RequestContext } from "../../src/engine/types";
import type { CompletionKind } from "../../src/formats/chat";
import { parseCompletionRequest } from "../../src/proxy/request";
import { err, ok, type Result } from "../../src/engine/result";

/** One stored generation: the text of one choice. */
export interface StoredText {
  /** The choice's `index` (or its position among `choices`); 0 for a plain text field. */
  choice: number;
  /** The completion text, or why this choice has none (e.g. a tool-call-only message). */
  text: Result<string, string>;
}

/** One line of a replay file, read: the request context the Worker would have built and the texts to inspect. */
export interface StoredGeneration {
  ctx: RequestContext;
  texts: StoredText[];
  /** The line's own top-level `id` and Batch API `custom_id`, so that results can be joined back to the input. */
  ids: LineIds;
}

/** A line's own identifiers, when it has them. */
export interface LineIds {
  id?: string | number;
  custom_id?: string;
}

type Json = Record<string, unknown>;

const TEXT_FIELDS = ["text", "completion", "output", "response"] as const;
const PROMPT_FIELDS = ["prompt", "question", "input"] as const;
/** Request fields read from the line itself when it has no `request` object. */
const REQUEST_FIELDS = ["response_format", "tools", "max_tokens", "max_completion_tokens"] as const;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A `chat.completion` / `text_completion` object, or an OpenAI Batch API `response` wrapping one in `body`. */
function completionObject(value: unknown): Json | undefined {
  if (!isObject(value)) return undefined;
  if (Array.isArray(value.choices)) return value;
  return isObject(value.body) && Array.isArray(value.body.choices) ? value.body : undefined;
}

/** Message content as the Worker reads it: a string, or the text parts of a content array. */
function contentText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.filter((part): part is { text: string } => isObject(part) && typeof part.text === "string");
  return parts.length > 0 ? parts.map((part) => part.text).join("") : undefined;
}

function choiceTexts(completion: Json): StoredText[] {
  const choices = completion.choices as unknown[];
  return choices.map((choice, position): StoredText => {
    const index = isObject(choice) && typeof choice.index === "number" ? choice.index : position;
    if (!isObject(choice)) return { choice: index, text: err("choice is not an object") };
    if (typeof choice.text === "string") return { choice: index, text: ok(choice.text) };
    const text = isObject(choice.message) ? contentText(choice.message.content) : undefined;
    return { choice: index, text: text === undefined ? err("choice has no text content") : ok(text) };
  });
}

function textsOf(line: Json): Result<StoredText[], string> {
  const top = completionObject(line);
  if (top) return ok(choiceTexts(top));
  for (const field of TEXT_FIELDS) {
    const value = line[field];
    if (typeof value === "string") return ok([{ choice: 0, text: ok(value) }]);
    const completion = completionObject(value);
    if (completion) return ok(choiceTexts(completion));
  }
  return err(
    `no completion text: expected a string in ${TEXT_FIELDS.join(", ")}, or a chat.completion / text_completion object`,
  );
}

function promptOf(line: Json): string | undefined {
  for (const field of PROMPT_FIELDS) {
    const value = line[field];
    if (typeof value === "string") return value;
    // A legacy completions prompt may be a list of strings; the Worker joins them with blank lines.
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value.join("\n\n");
  }
  return undefined;
}

/**
 * The request behind the line, as a body the Worker's own parser accepts: the `request` object when there is
 * one, else a chat request built from `messages` or from the prompt text (one user message, which gives the
 * same `ctx.prompt`), with the line's `response_format` and `tools`.
 */
function requestOf(line: Json): { kind: CompletionKind; body: Json } {
  const extra: Json = {};
  for (const field of REQUEST_FIELDS) if (line[field] !== undefined) extra[field] = line[field];
  if (isObject(line.request)) {
    const kind: CompletionKind = Array.isArray(line.request.messages) ? "chat" : "completions";
    return { kind, body: { ...extra, ...line.request } };
  }
  if (Array.isArray(line.messages)) return { kind: "chat", body: { ...extra, messages: line.messages } };
  return { kind: "chat", body: { ...extra, messages: [{ role: "user", content: promptOf(line) ?? "" }] } };
}

/** The line's top-level `id` (a string or a number) and `custom_id` (a string), when present. */
export function lineIds(line: Json): LineIds {
  return {
    ...(typeof line.id === "string" || typeof line.id === "number" ? { id: line.id } : {}),
    ...(typeof line.custom_id === "string" ? { custom_id: line.custom_id } : {}),
  };
}

/**
 * Reads one JSONL line of stored generations. Accepted shapes: a completion text in `text`, `completion`,
 * `output` or `response`, or a `chat.completion` / `text_completion` object (the line itself, one of those
 * fields, or a Batch API `response.body`), each choice a sample; the prompt from `request` (a request body),
 * `messages`, `prompt`, `question` or `input`; optional `response_format` and `tools`. The line's `id` and
 * `custom_id` are kept (`ids`); an unreadable line that is a JSON object still has them in the error.
 * @example readStoredGeneration('{"question":"2+2?","output":"2 + 2 = 5"}')
 */
export function readStoredGeneration(line: string): Result<StoredGeneration, UnreadableLine> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return err({ error: `not JSON: ${(error as Error).message}`, ids: {} });
  }
  if (!isObject(value)) return err({ error: "not a JSON object", ids: {} });
  const ids = lineIds(value);
  const texts = textsOf(value);
  if (!texts.ok) return err({ error: texts.error, ids });
  const { kind, body } = requestOf(value);
  const request = parseCompletionRequest(kind, body);
  if (!request.ok) return err({ error: `request: ${request.error.message}`, ids });
  return ok({ ctx: request.value.ctx, texts: texts.value, ids });
}

/** Why a line could not be read, with the identifiers it does carry. */
export interface UnreadableLine {
  error: string;
  ids: LineIds;
}
