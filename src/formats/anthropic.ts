import type { EventSourceMessage } from "eventsource-parser";
import type { Verdict } from "../engine/inspection";
import type { Channel } from "../engine/types";
import { formatEvent } from "../proxy/sse-reader";
import { anthropicWholeEvents } from "./anthropic-whole";
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

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

/**
 * Anthropic usage as the session counts it: `input_tokens` (cache reads and writes stay in their own fields, as
 * Anthropic bills them) and `output_tokens`. `input` is the count from `message_start`, for a `message_delta`
 * that omits it.
 */
export function readAnthropicUsage(value: unknown, input?: number): Usage | undefined {
  if (!isObject(value)) return undefined;
  const { input_tokens, output_tokens, ...rest } = value;
  const prompt = num(input_tokens) ?? input;
  if (prompt === undefined || typeof output_tokens !== "number") return undefined;
  return { ...rest, prompt_tokens: prompt, completion_tokens: output_tokens, total_tokens: prompt + output_tokens };
}

/** inflight's usage in Anthropic's own field names, with inflight's accounting. */
export function anthropicUsage(usage: InflightUsage): Json {
  const { prompt_tokens, completion_tokens, total_tokens: _total, inflight, ...rest } = usage;
  return { input_tokens: prompt_tokens, ...rest, output_tokens: completion_tokens, inflight };
}

/** Delta types whose text the engine inspects: the field holding it and its channel. */
const TEXT_DELTAS: Record<string, { field: string; channel: Channel }> = {
  text_delta: { field: "text", channel: "content" },
  thinking_delta: { field: "thinking", channel: "reasoning" },
  input_json_delta: { field: "partial_json", channel: "tool_arguments" },
};

/** Anthropic names every event; its SDK skips events without a name. */
function eventFrame(payload: Json): Frame {
  return { sse: `event: ${String(payload.type)}\ndata: ${JSON.stringify(payload)}\n\n`, payload };
}

/**
 * Anthropic Messages streams (`POST /v1/messages`): `message_start`, then per content block
 * `content_block_start` / `content_block_delta` (`text_delta`, `thinking_delta`, `input_json_delta`, ...) /
 * `content_block_stop`, then `message_delta` (stop reason, output usage) and `message_stop`; `ping` anywhere,
 * `error` events for failures. One output; every text block is one content stream, every tool-use block a
 * tool-call stream keyed by its block index.
 */
export function createAnthropicFormat(): WireFormat {
  const toolNames = new Map<number, string>();
  let inputTokens: number | undefined;
  /** The upstream's `message_delta`, re-sent by `endNormally` with inflight's accounting. */
  let heldDelta: Json | undefined;
  /** Blocks the client has seen start and not yet stop: closed when inflight ends the message. */
  const openBlocks = new Set<number>();
  let started = false;

  const parse = (event: EventSourceMessage): Json => JSON.parse(event.data) as Json;

  const errorFrame = (fields: Json, usage: InflightUsage, status: number): Frame => {
    const u = anthropicUsage(usage);
    // Usage inside `error` too, as in the OpenAI formats, for wrappers that keep only the inner error object.
    const body = { type: "error", error: { ...fields, usage: u }, usage: u };
    return { ...eventFrame(body), error: { status, body } };
  };

  return {
    read(event): Reading {
      let payload: unknown;
      try {
        payload = JSON.parse(event.data);
      } catch {
        if (event.event === "error")
          return { kind: "error", body: { type: "error", error: { type: "api_error", message: event.data } } };
        return { kind: "malformed", detail: `an event's data is not JSON: ${event.data.slice(0, 80)}` };
      }
      if (!isObject(payload)) return { kind: "malformed", detail: "an event's data is not a JSON object" };
      const type = typeof payload.type === "string" ? payload.type : (event.event ?? "");
      if (type === "error" || event.event === "error")
        return {
          kind: "error",
          body: isObject(payload.error) ? { type: "error", ...payload } : { type: "error", error: payload },
        };
      if (type === "message_stop") return { kind: "done" };
      const index = num(payload.index) ?? 0;
      const texts: EventText[] = [];
      const push = (channel: Channel, text: unknown) => {
        if (typeof text !== "string" || !text) return;
        const toolName = toolNames.get(index);
        texts.push(
          channel === "tool_arguments"
            ? { choice: 0, channel, text, toolCall: index, ...(toolName ? { toolName } : {}) }
            : { choice: 0, channel, text },
        );
      };
      let usage: { value: Usage; final: boolean } | undefined;
      let hold = false;
      let progress = false;
      let stopped = false;
      if (type === "message_start" && isObject(payload.message)) {
        const value = readAnthropicUsage(payload.message.usage);
        inputTokens = value?.prompt_tokens;
        if (value) usage = { value, final: false };
      } else if (type === "content_block_start" && isObject(payload.content_block)) {
        const block = payload.content_block;
        if (typeof block.name === "string") {
          toolNames.set(index, block.name);
          progress = true;
        }
        if (block.type === "text") push("content", block.text);
        if (block.type === "thinking") push("reasoning", block.thinking);
      } else if (type === "content_block_delta" && isObject(payload.delta)) {
        const known = TEXT_DELTAS[String(payload.delta.type)];
        if (known) push(known.channel, payload.delta[known.field]);
      } else if (type === "message_delta") {
        const value = readAnthropicUsage(payload.usage, inputTokens);
        if (value) usage = { value, final: true };
        heldDelta = payload;
        hold = true;
        stopped = isObject(payload.delta) && typeof payload.delta.stop_reason === "string";
      }
      return {
        kind: "data",
        texts,
        finished: [],
        ...(usage ? { usage } : {}),
        ...(progress ? { progress } : {}),
        ...(stopped ? { stopped } : {}),
        hold,
        payload,
      };
    },
    truncate(event, text, keep) {
      const payload = parse(event);
      const delta = isObject(payload.delta) ? payload.delta : {};
      const field = TEXT_DELTAS[String(delta.type)]?.field;
      if (field) return eventFrame({ ...payload, delta: { ...delta, [field]: String(delta[field]).slice(0, keep) } });
      const block = isObject(payload.content_block) ? payload.content_block : {};
      const blockField = block.type === "thinking" ? "thinking" : "text";
      return eventFrame({
        ...payload,
        content_block: { ...block, [blockField]: String(block[blockField] ?? "").slice(0, keep) },
      });
    },
    // One output: nothing else is open when inflight ends it.
    withoutEnded: (event) => ({ sse: formatEvent(event), payload: parse(event) }),
    endOutput: () => [],
    sent(frames) {
      for (const { payload } of frames) {
        if (!payload) continue;
        if (payload.type === "message_start") started = true;
        const index = num(payload.index);
        if (index === undefined) continue;
        if (payload.type === "content_block_start") openBlocks.add(index);
        if (payload.type === "content_block_stop") openBlocks.delete(index);
      }
    },
    end(verdict: Verdict, usage) {
      const exit = verdict.action === "exit";
      const r = verdict.rejection;
      const frames = [...openBlocks]
        .sort((a, b) => a - b)
        .map((index) => eventFrame({ type: "content_block_stop", index }));
      openBlocks.clear();
      if (!started) return frames;
      const delta = exit
        ? { stop_reason: "end_turn", stop_sequence: null }
        : {
            stop_reason: "refusal",
            stop_sequence: null,
            stop_details: { type: "refusal", category: null, explanation: `${r.message} (rule ${r.rule})` },
          };
      return [
        ...frames,
        eventFrame({
          type: "message_delta",
          delta,
          usage: anthropicUsage(usage),
          inflight: { [exit ? "exit" : "rejection"]: r },
        }),
        eventFrame({ type: "message_stop" }),
      ];
    },
    endNormally(event, usage) {
      if (!event) return [];
      const delta = heldDelta ? [eventFrame({ ...heldDelta, usage: anthropicUsage(usage) })] : [];
      return [...delta, { sse: formatEvent(event), payload: parse(event) }];
    },
    rejection(verdict, usage) {
      const r = verdict.rejection;
      const error = {
        type: "inflight_rejection",
        message: `${r.message} (rule ${r.rule})`,
        // Where the SDK looks for a stable code (`APIError.errorCode`).
        details: { error_code: r.rule },
        rejection: r,
      };
      return errorFrame(error, usage, 422);
    },
    failure(message, usage, code = "malformed_upstream_stream") {
      return errorFrame({ type: "api_error", message, details: { error_code: code } }, usage, failureStatus(code));
    },
    fromWhole(body) {
      const reading = anthropicWholeEvents(body);
      const usage = reading.kind === "events" ? readAnthropicUsage(body.usage) : undefined;
      return usage ? { ...reading, usage } : reading;
    },
    relayWhole: (body, usage) => ({ ...body, usage: anthropicUsage(usage) }),
    assemble(frames, usage) {
      return { status: 200, body: assembleMessage(frames, usage) };
    },
  };
}

/** The `message` a non-streaming client gets, built from the events a streaming client would have received. */
function assembleMessage(frames: Frame[], usage: InflightUsage): Json {
  let message: Json = { type: "message", role: "assistant", content: [], stop_reason: null, stop_sequence: null };
  const content: Json[] = [];
  const json = new Map<number, string>();
  let inflight: unknown;
  for (const { payload } of frames) {
    if (!payload) continue;
    const index = num(payload.index) ?? 0;
    switch (payload.type) {
      case "message_start":
        if (isObject(payload.message)) message = { ...payload.message };
        break;
      case "content_block_start":
        if (isObject(payload.content_block)) content[index] = { ...payload.content_block };
        break;
      case "content_block_delta": {
        const block = content[index];
        const delta = isObject(payload.delta) ? payload.delta : {};
        if (!block) break;
        if (delta.type === "text_delta") block.text = `${String(block.text ?? "")}${String(delta.text ?? "")}`;
        if (delta.type === "thinking_delta")
          block.thinking = `${String(block.thinking ?? "")}${String(delta.thinking ?? "")}`;
        if (delta.type === "signature_delta") block.signature = delta.signature;
        if (delta.type === "citations_delta")
          block.citations = [...(Array.isArray(block.citations) ? block.citations : []), delta.citation];
        if (delta.type === "input_json_delta")
          json.set(index, (json.get(index) ?? "") + String(delta.partial_json ?? ""));
        break;
      }
      case "content_block_stop": {
        const block = content[index];
        const text = json.get(index);
        if (!block || text === undefined) break;
        try {
          block.input = text ? (JSON.parse(text) as unknown) : {};
        } catch {
          // Cut off mid-argument (an early exit): the input is what arrived, as text.
          block.input = text;
        }
        break;
      }
      case "message_delta": {
        const delta = isObject(payload.delta) ? payload.delta : {};
        message = { ...message, ...delta };
        if (payload.inflight !== undefined) inflight = payload.inflight;
        break;
      }
    }
  }
  return {
    ...message,
    content: content.filter(Boolean),
    usage: anthropicUsage(usage),
    ...(inflight !== undefined ? { inflight } : {}),
  };
}
