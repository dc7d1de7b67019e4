import type { EventSourceMessage } from "eventsource-parser";
import type { Verdict } from "../engine/inspection";
import type { Channel } from "../engine/types";
import { dataFrame, formatEvent } from "../proxy/sse-reader";
import { chatWholeEvents } from "./chat-whole";
import {
  failureStatus,
  type EventText,
  type Frame,
  type InflightUsage,
  type Json,
  type Reading,
  type Usage,
  type WireFormat,
} from "./types";

/** Which OpenAI-compatible endpoint a request uses. */
export type CompletionKind = "chat" | "completions";

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  // Mistral and others stream `delta.content` as an array of parts.
  let text = "";
  for (const part of content) if (isObject(part) && typeof part.text === "string") text += part.text;
  return text;
}

/** OpenAI-style usage, or undefined when the object lacks the two counts. */
export function readUsage(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined;
  const { prompt_tokens, completion_tokens } = value;
  if (typeof prompt_tokens !== "number" || typeof completion_tokens !== "number") return undefined;
  const total = typeof value.total_tokens === "number" ? value.total_tokens : prompt_tokens + completion_tokens;
  return { ...value, prompt_tokens, completion_tokens, total_tokens: total };
}

/**
 * An engine's error inside a 200 stream, in OpenAI's envelope: vLLM and SGLang send `{"error": {...}}`, older
 * vLLM the bare `{"object": "error", "message"}`, TGI and LoRAX `{"error": "text", "error_type": "..."}`. The
 * engine's own fields are kept. `undefined` when the chunk is not an error (an `error: null` field is not one).
 */
function errorChunk(chunk: Json): Json | undefined {
  const error = chunk.error;
  if (isObject(error)) return chunk;
  if (typeof error === "string") {
    const type = typeof chunk.error_type === "string" ? chunk.error_type : "upstream_error";
    return { ...chunk, error: { message: error, type, code: null, param: null } };
  }
  if (chunk.object === "error" && typeof chunk.message === "string") {
    const { object: _object, message, type, code, param, ...rest } = chunk;
    return {
      ...rest,
      error: {
        message,
        type: typeof type === "string" ? type : "upstream_error",
        code: code ?? null,
        param: param ?? null,
      },
    };
  }
  return undefined;
}

const entryIndex = (entry: unknown) => (isObject(entry) && typeof entry.index === "number" ? entry.index : 0);

/**
 * Chat Completions (`chat.completion.chunk`) and legacy Completions (`text_completion`) streams: `data:` JSON
 * chunks ending with `data: [DONE]`, errors in-band as `{"error": {...}}` or as `event: error` frames.
 */
export function createChatFormat(kind: CompletionKind): WireFormat {
  const toolNames = new Map<string, string>();
  let header: Json = {};

  const chunkHeader = (): Json => ({
    id: header.id ?? "",
    object: kind === "chat" ? "chat.completion.chunk" : "text_completion",
    created: header.created ?? Math.floor(Date.now() / 1000),
    model: header.model ?? "",
    ...(header.system_fingerprint !== undefined ? { system_fingerprint: header.system_fingerprint } : {}),
  });
  const frame = (payload: Json): Frame => ({ sse: dataFrame(payload), payload });
  const parse = (event: EventSourceMessage): Json => JSON.parse(event.data) as Json;

  const finishFrame = (verdict: Verdict): Frame => {
    const { choice } = verdict.rejection;
    const reason = verdict.action === "exit" ? "stop" : "content_filter";
    const entry =
      kind === "completions"
        ? { index: choice, text: "", logprobs: null, finish_reason: reason }
        : { index: choice, delta: {}, logprobs: null, finish_reason: reason };
    const key = verdict.action === "exit" ? "exit" : "rejection";
    return frame({ ...chunkHeader(), choices: [entry], inflight: { [key]: verdict.rejection } });
  };
  const usageFrames = (usage: InflightUsage, wantsUsage: boolean): Frame[] =>
    wantsUsage ? [frame({ ...chunkHeader(), choices: [], usage })] : [];
  const doneFrame: Frame = { sse: "data: [DONE]\n\n" };

  /** Reads an entry's texts; returns true when a tool call starts in it (progress without text). */
  const readTexts = (entry: Json, choice: number, texts: EventText[]): boolean => {
    if (kind === "completions") {
      if (typeof entry.text === "string" && entry.text) texts.push({ choice, channel: "content", text: entry.text });
      return false;
    }
    if (!isObject(entry.delta)) return false;
    const delta = entry.delta;
    const reasoning = typeof delta.reasoning_content === "string" ? delta.reasoning_content : delta.reasoning;
    if (typeof reasoning === "string" && reasoning) texts.push({ choice, channel: "reasoning", text: reasoning });
    const content = contentText(delta.content);
    if (content) texts.push({ choice, channel: "content", text: content });
    if (!Array.isArray(delta.tool_calls)) return false;
    let started = false;
    for (const call of delta.tool_calls) {
      if (!isObject(call)) continue;
      const index = entryIndex(call);
      const fn = isObject(call.function) ? call.function : {};
      const id = `${choice}:${index}`;
      // The function name comes once, on a tool call's first delta.
      if (typeof fn.name === "string" && fn.name && !toolNames.has(id)) {
        toolNames.set(id, fn.name);
        started = true;
      }
      const args = typeof fn.arguments === "string" ? fn.arguments : "";
      const toolName = toolNames.get(id);
      if (args)
        texts.push({
          choice,
          channel: "tool_arguments",
          text: args,
          toolCall: index,
          ...(toolName ? { toolName } : {}),
        });
    }
    return started;
  };

  return {
    read(event): Reading {
      if (event.data === "[DONE]") return { kind: "done" };
      let chunk: unknown;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        if (event.event === "error")
          return {
            kind: "error",
            body: { error: { message: event.data, type: "upstream_error", code: null, param: null } },
          };
        return { kind: "malformed", detail: `an event's data is not JSON: ${event.data.slice(0, 80)}` };
      }
      if (!isObject(chunk)) return { kind: "malformed", detail: "an event's data is not a JSON object" };
      const error = errorChunk(chunk);
      if (error) return { kind: "error", body: error };
      if (event.event === "error") return { kind: "error", body: { error: chunk } };
      if (!header.id && chunk.id !== undefined) header = chunk;
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      const texts: EventText[] = [];
      const finished: number[] = [];
      let progress = false;
      for (const entry of choices) {
        if (!isObject(entry)) continue;
        const choice = entryIndex(entry);
        if (readTexts(entry, choice, texts)) progress = true;
        if (typeof entry.finish_reason === "string" && entry.finish_reason) finished.push(choice);
      }
      const usage = readUsage(chunk.usage);
      // The usage-only chunk (`choices: []`) is re-sent at the end with inflight's accounting, if the client asked.
      const usageOnly = choices.length === 0 && usage !== undefined;
      return {
        kind: "data",
        texts,
        finished,
        ...(usage ? { usage: { value: usage, final: usageOnly } } : {}),
        ...(progress ? { progress } : {}),
        hold: usageOnly,
        payload: chunk,
      };
    },
    truncate(event, text, keep) {
      const chunk = parse(event);
      const choices = (Array.isArray(chunk.choices) ? chunk.choices : []).map((entry) => {
        if (!isObject(entry) || entryIndex(entry) !== text.choice) return entry;
        if (kind === "completions") return { ...entry, text: String(entry.text ?? "").slice(0, keep) };
        if (!isObject(entry.delta)) return entry;
        return { ...entry, delta: cutDelta(entry.delta, text.channel, keep) };
      });
      return frame({ ...chunk, choices });
    },
    withoutEnded(event, ended) {
      const chunk = parse(event);
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      const kept = choices.filter((entry) => !ended.has(entryIndex(entry)));
      if (kept.length === choices.length) return { sse: formatEvent(event), payload: chunk };
      if (kept.length === 0 && chunk.usage == null) return undefined;
      return frame({ ...chunk, choices: kept });
    },
    endOutput: (verdict) => [finishFrame(verdict)],
    end: (verdict, usage, wantsUsage) => [finishFrame(verdict), ...usageFrames(usage, wantsUsage), doneFrame],
    endNormally: (event, usage, wantsUsage) => [
      ...usageFrames(usage, wantsUsage),
      event ? { sse: formatEvent(event) } : doneFrame,
    ],
    // `usage` is also inside `error`: the openai SDKs keep only that object of an error event or a 422 body.
    rejection(verdict, usage) {
      const r = verdict.rejection;
      const body = {
        error: {
          message: `${r.message} (rule ${r.rule})`,
          type: "inflight_rejection",
          code: r.rule,
          param: null,
          rejection: r,
          usage,
        },
        usage,
      };
      return { sse: dataFrame(body), payload: body, error: { status: 422, body } };
    },
    failure(message, usage, code = "malformed_upstream_stream") {
      const body = { error: { message, type: "upstream_error", code, param: null, usage }, usage };
      return { sse: dataFrame(body), payload: body, error: { status: failureStatus(code), body } };
    },
    fromWhole(body) {
      const reading = chatWholeEvents(kind, body);
      const usage = reading.kind === "events" ? readUsage(body.usage) : undefined;
      return usage ? { ...reading, usage } : reading;
    },
    relayWhole: (body, usage) => ({ ...body, usage }),
    assemble(frames, usage) {
      return { status: 200, body: assembleChat(kind, frames, usage) };
    },
  };
}

function cutDelta(delta: Json, channel: Channel, keep: number): Json {
  const out = { ...delta };
  if (channel === "content") out.content = contentText(delta.content).slice(0, keep);
  if (channel === "reasoning") {
    const field = typeof delta.reasoning_content === "string" ? "reasoning_content" : "reasoning";
    out[field] = String(delta[field] ?? "").slice(0, keep);
  }
  return out;
}

/** The `chat.completion` / `text_completion` a non-streaming client gets, built from the streamed chunks. */
function assembleChat(kind: CompletionKind, frames: Frame[], usage: InflightUsage): Json {
  let header: Json = {};
  let inflight: unknown;
  const choices = new Map<number, Json>();
  const append = (target: Json, field: string, text: unknown) => {
    if (typeof text !== "string") return;
    target[field] = (typeof target[field] === "string" ? target[field] : "") + text;
  };
  const get = (index: number): Json => {
    let choice = choices.get(index);
    if (!choice) {
      choice =
        kind === "chat"
          ? { index, message: { role: "assistant", content: null }, logprobs: null, finish_reason: null }
          : { index, text: "", logprobs: null, finish_reason: null };
      choices.set(index, choice);
    }
    return choice;
  };
  for (const { payload: chunk } of frames) {
    if (!chunk) continue;
    if (!header.id && chunk.id) header = chunk;
    if (chunk.inflight !== undefined) inflight = chunk.inflight;
    for (const entry of Array.isArray(chunk.choices) ? chunk.choices : []) {
      if (!isObject(entry)) continue;
      const choice = get(entryIndex(entry));
      if (typeof entry.finish_reason === "string") choice.finish_reason = entry.finish_reason;
      if (kind === "completions") {
        append(choice, "text", entry.text);
        continue;
      }
      const message = choice.message as Json;
      const delta = isObject(entry.delta) ? entry.delta : {};
      if (typeof delta.role === "string") message.role = delta.role;
      if (delta.content !== undefined && delta.content !== null) append(message, "content", contentText(delta.content));
      append(message, "refusal", delta.refusal);
      append(message, "reasoning_content", delta.reasoning_content);
      append(message, "reasoning", delta.reasoning);
      if (!Array.isArray(delta.tool_calls)) continue;
      const calls = (message.tool_calls ??= []) as Json[];
      for (const call of delta.tool_calls) {
        if (!isObject(call)) continue;
        const index = typeof call.index === "number" ? call.index : calls.length;
        calls[index] ??= { id: "", type: "function", function: { name: "", arguments: "" } };
        const target = calls[index]!;
        if (typeof call.id === "string") target.id = call.id;
        const fn = isObject(call.function) ? call.function : {};
        append(target.function as Json, "name", fn.name);
        append(target.function as Json, "arguments", fn.arguments);
      }
    }
  }
  return {
    id: header.id ?? "",
    object: kind === "chat" ? "chat.completion" : "text_completion",
    created: header.created ?? Math.floor(Date.now() / 1000),
    model: header.model ?? "",
    ...(header.system_fingerprint !== undefined ? { system_fingerprint: header.system_fingerprint } : {}),
    choices: [...choices.values()].sort((a, b) => Number(a.index) - Number(b.index)),
    usage,
    ...(inflight !== undefined ? { inflight } : {}),
  };
}
