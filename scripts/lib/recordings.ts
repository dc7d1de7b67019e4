/**
 * Text read back from the recorded provider streams in `../shared/data/sse-recordings`, for the token eval:
 * the Chat Completions streams that carry the provider's own usage, and every stream's generated text and tool
 * arguments whatever its API (Chat Completions, Responses, Anthropic Messages, Gemini).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

type Json = Record<string, unknown>;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** The recorded stream files under `dir` (raw SSE bodies and one-payload-a-line chunk files). */
export function recordingFiles(dir: string): string[] {
  return walk(dir)
    .filter((file) => /\.(bin|sse|chunks\.txt)$/.test(file))
    .sort();
}

/** The JSON payloads of a recorded stream: SSE `data:` lines, or one chunk a line (`*.chunks.txt`). */
export function payloads(file: string): Json[] {
  const raw = readFileSync(file, "utf8");
  const lines = file.endsWith(".chunks.txt")
    ? raw.split("\n")
    : raw
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim());
  return lines.flatMap((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return value && typeof value === "object" ? [value as Json] : [];
    } catch {
      return [];
    }
  });
}

const str = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * The streamed text of a single-choice Chat Completions stream and the provider's completion tokens, or
 * undefined when the stream has several choices, no usage, or reasoning tokens (billed but not streamed).
 */
export function measureChatStream(file: string): { text: string; usage: number } | undefined {
  let text = "";
  let usage: number | undefined;
  for (const chunk of payloads(file)) {
    for (const choice of (chunk.choices as Json[] | undefined) ?? []) {
      if ((choice.index ?? 0) !== 0) return undefined;
      const delta = (choice.delta as Json | undefined) ?? {};
      for (const field of ["content", "reasoning_content", "reasoning", "refusal"]) {
        const value = delta[field];
        if (typeof value === "string") text += value;
        if (Array.isArray(value)) for (const part of value as Json[]) text += str(part.text);
      }
      for (const call of (delta.tool_calls as Json[] | undefined) ?? []) {
        const fn = (call.function as Json | undefined) ?? {};
        text += `${str(fn.name)}${str(fn.arguments)}`;
      }
      if (typeof choice.text === "string" && !choice.delta) text += choice.text;
    }
    const u = chunk.usage as Json | undefined;
    if (u && typeof u.completion_tokens === "number") {
      const details = u.completion_tokens_details as Json | undefined;
      if (typeof details?.reasoning_tokens === "number" && details.reasoning_tokens > 0) return undefined;
      usage = u.completion_tokens;
    }
  }
  return usage && text ? { text, usage } : undefined;
}

/** What one recorded stream generated: its visible text and, separately, its tool-call arguments (JSON). */
export interface RecordedOutput {
  file: string;
  text: string;
  toolArguments: string[];
}

/** The generated text and tool arguments of every recorded stream, whatever its API. */
export function recordedOutputs(dir: string): RecordedOutput[] {
  return recordingFiles(dir).map((file) => {
    let text = "";
    const calls = new Map<string, string>();
    const addArguments = (key: string, piece: string) => calls.set(key, (calls.get(key) ?? "") + piece);
    for (const chunk of payloads(file)) {
      // Chat Completions (and the compatible providers).
      for (const choice of (chunk.choices as Json[] | undefined) ?? []) {
        const delta = (choice.delta as Json | undefined) ?? {};
        const content = delta.content;
        if (typeof content === "string") text += content;
        if (Array.isArray(content)) for (const part of content as Json[]) text += str(part.text);
        for (const call of (delta.tool_calls as Json[] | undefined) ?? []) {
          const fn = (call.function as Json | undefined) ?? {};
          addArguments(`${str(choice.index)}:${String(call.index ?? 0)}`, str(fn.arguments));
        }
        if (typeof choice.text === "string" && !choice.delta) text += choice.text;
      }
      // Anthropic Messages and the Responses API.
      const delta = chunk.delta as Json | string | undefined;
      if (chunk.type === "content_block_delta" && delta && typeof delta === "object") {
        if (delta.type === "text_delta") text += str(delta.text);
        if (delta.type === "input_json_delta") addArguments(`a${String(chunk.index)}`, str(delta.partial_json));
      }
      if (chunk.type === "response.output_text.delta") text += str(delta);
      if (chunk.type === "response.function_call_arguments.delta") addArguments(`r${str(chunk.item_id)}`, str(delta));
      // Gemini.
      for (const candidate of (chunk.candidates as Json[] | undefined) ?? []) {
        const parts = ((candidate.content as Json | undefined)?.parts as Json[] | undefined) ?? [];
        for (const part of parts) text += str(part.text);
      }
    }
    return { file: relative(dir, file), text, toolArguments: [...calls.values()].filter((a) => a !== "") };
  });
}
