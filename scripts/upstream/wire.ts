import { tokenize } from "./tokenize";

/** Which endpoint a request came to; the wire shapes differ (`responses`: OpenAI Responses, `messages`: Anthropic). */
export type Endpoint = "chat" | "completions" | "responses" | "messages";

/** One piece of output: a token of one choice, on the content or the reasoning channel. */
export interface TokenPiece {
  choice: number;
  channel: "content" | "reasoning";
  text: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The ids and stamps one response shares across its chunks. */
export interface ResponseMeta {
  endpoint: Endpoint;
  id: string;
  created: number;
  model: string;
  /** `stream_options.include_usage`: every chunk carries `usage: null` and a usage chunk comes last. */
  includeUsage: boolean;
}

/**
 * Plans the token pieces of a response: choices interleave token by token (as providers send `n > 1`), and a
 * choice's reasoning comes before its content.
 */
export function planPieces(texts: readonly string[], reasoning: string | undefined): TokenPiece[] {
  const perChoice = texts.map((text, choice) => [
    ...tokenize(reasoning ?? "").map((piece): TokenPiece => ({ choice, channel: "reasoning", text: piece })),
    ...tokenize(text).map((piece): TokenPiece => ({ choice, channel: "content", text: piece })),
  ]);
  const longest = Math.max(0, ...perChoice.map((pieces) => pieces.length));
  const pieces: TokenPiece[] = [];
  for (let i = 0; i < longest; i += 1) {
    for (const choicePieces of perChoice) {
      const piece = choicePieces[i];
      if (piece) pieces.push(piece);
    }
  }
  return pieces;
}

/** Frames one SSE event. */
export function sseEvent(data: string, event?: string): string {
  return `${event ? `event: ${event}\n` : ""}data: ${data}\n\n`;
}

export const DONE_EVENT = sseEvent("[DONE]");

/** The first chunk of a chat choice: the role and empty content, as OpenAI sends it. */
export function roleChunk(meta: ResponseMeta, choice: number): string {
  return chunk(meta, [
    { index: choice, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null },
  ]);
}

export function tokenChunk(meta: ResponseMeta, piece: TokenPiece): string {
  if (meta.endpoint === "completions") {
    return chunk(meta, [{ text: piece.text, index: piece.choice, logprobs: null, finish_reason: null }]);
  }
  const delta = piece.channel === "content" ? { content: piece.text } : { reasoning_content: piece.text };
  return chunk(meta, [{ index: piece.choice, delta, logprobs: null, finish_reason: null }]);
}

/** A chunk that carries nothing: an empty delta (legacy Completions: empty text), as keep-alive chunks look. */
export function emptyChunk(meta: ResponseMeta, choice: number): string {
  if (meta.endpoint === "completions") {
    return chunk(meta, [{ text: "", index: choice, logprobs: null, finish_reason: null }]);
  }
  return chunk(meta, [{ index: choice, delta: {}, logprobs: null, finish_reason: null }]);
}

export function finishChunk(meta: ResponseMeta, choice: number, finishReason: string): string {
  if (meta.endpoint === "completions") {
    return chunk(meta, [{ text: "", index: choice, logprobs: null, finish_reason: finishReason }]);
  }
  return chunk(meta, [{ index: choice, delta: {}, logprobs: null, finish_reason: finishReason }]);
}

export function usageChunk(meta: ResponseMeta, usage: Usage): string {
  return JSON.stringify({ ...envelope(meta, "chunk"), choices: [], usage });
}

/** A whole non-streaming `chat.completion` or `text_completion`. */
export function completionBody(
  meta: ResponseMeta,
  texts: readonly string[],
  reasoning: string | undefined,
  finishReason: string,
  usage: Usage,
): unknown {
  const choices = texts.map((text, index) =>
    meta.endpoint === "completions"
      ? { text, index, logprobs: null, finish_reason: finishReason }
      : {
          index,
          message: {
            role: "assistant",
            content: text,
            refusal: null,
            ...(reasoning === undefined ? {} : { reasoning_content: reasoning }),
          },
          logprobs: null,
          finish_reason: finishReason,
        },
  );
  return { ...envelope(meta, "whole"), choices, usage };
}

/** An OpenAI error envelope. */
export function errorBody(
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): { error: unknown } {
  return { error: { message, type, param, code } };
}

function chunk(meta: ResponseMeta, choices: unknown[]): string {
  return JSON.stringify({ ...envelope(meta, "chunk"), choices, ...(meta.includeUsage ? { usage: null } : {}) });
}

function envelope(meta: ResponseMeta, kind: "chunk" | "whole"): Record<string, unknown> {
  const object =
    meta.endpoint === "completions"
      ? "text_completion"
      : kind === "chunk"
        ? "chat.completion.chunk"
        : "chat.completion";
  return { id: meta.id, object, created: meta.created, model: meta.model, system_fingerprint: "fp_inflight_upstream" };
}
