import type { EventSourceMessage } from "eventsource-parser";
import type { Verdict } from "../engine/inspection";
import { formatEvent } from "../proxy/sse-reader";
import { responsesWholeEvents } from "./responses-whole";
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

/** Responses usage (`input_tokens`, `output_tokens`) as the session counts it; other fields ride along. */
export function readResponsesUsage(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined;
  const { input_tokens, output_tokens, total_tokens, ...rest } = value;
  if (typeof input_tokens !== "number" || typeof output_tokens !== "number") return undefined;
  const total = typeof total_tokens === "number" ? total_tokens : input_tokens + output_tokens;
  return { ...rest, prompt_tokens: input_tokens, completion_tokens: output_tokens, total_tokens: total };
}

/** inflight's usage in the Responses API's own field names, with inflight's accounting. */
export function responsesUsage(usage: InflightUsage): Json {
  const { prompt_tokens, completion_tokens, total_tokens, inflight, ...rest } = usage;
  return { input_tokens: prompt_tokens, output_tokens: completion_tokens, total_tokens, ...rest, inflight };
}

/** Event types whose `delta` is text the engine inspects, and the channel it belongs to. */
const TEXT_DELTAS = {
  "response.output_text.delta": "content",
  "response.reasoning_summary_text.delta": "reasoning",
  "response.reasoning_text.delta": "reasoning",
  "response.function_call_arguments.delta": "tool_arguments",
} as const;
const isTextDelta = (type: string): type is keyof typeof TEXT_DELTAS => Object.hasOwn(TEXT_DELTAS, type);

const TERMINAL = new Set(["response.completed", "response.incomplete"]);

/** An SSE frame as OpenAI writes Responses events: the event name repeats the payload's `type`. */
function eventFrame(payload: Json): Frame {
  return { sse: `event: ${String(payload.type)}\ndata: ${JSON.stringify(payload)}\n\n`, payload };
}

interface OutputItem {
  item: Json;
  done: boolean;
  /** Message content parts (and reasoning text parts) by `content_index`, with the text the client has. */
  parts: Map<number, { part: Json; done: boolean }>;
  /** Reasoning summary parts by `summary_index`. */
  summaries: Map<number, { text: string; done: boolean }>;
  arguments: string;
}

/**
 * What a client holds of a response, rebuilt from the events it was sent: the `response` header and every output
 * item with its text so far. Closing events and the non-streaming `response` object are written from it.
 */
function createOutputTracker() {
  let header: Json = {};
  const items = new Map<number, OutputItem>();
  const at = (payload: Json) => items.get(num(payload.output_index) ?? -1);
  const part = (payload: Json) => at(payload)?.parts.get(num(payload.content_index) ?? 0);
  const append = (target: { part: Json } | undefined, delta: unknown) => {
    if (target && typeof delta === "string")
      target.part = { ...target.part, text: `${target.part.text ?? ""}${delta}` };
  };

  return {
    get header() {
      return header;
    },
    add(payload: Json): void {
      const type = String(payload.type ?? "");
      if (isObject(payload.response)) header = payload.response;
      const item = at(payload);
      switch (type) {
        case "response.output_item.added":
          if (isObject(payload.item))
            items.set(num(payload.output_index) ?? items.size, {
              item: payload.item,
              done: false,
              parts: new Map(),
              summaries: new Map(),
              arguments: typeof payload.item.arguments === "string" ? payload.item.arguments : "",
            });
          return;
        case "response.output_item.done":
          if (item && isObject(payload.item)) Object.assign(item, { item: payload.item, done: true });
          return;
        case "response.content_part.added":
          if (item && isObject(payload.part))
            item.parts.set(num(payload.content_index) ?? 0, { part: { ...payload.part }, done: false });
          return;
        case "response.content_part.done": {
          const target = part(payload);
          if (target && isObject(payload.part)) Object.assign(target, { part: payload.part, done: true });
          return;
        }
        case "response.output_text.delta":
        case "response.reasoning_text.delta":
          return append(part(payload), payload.delta);
        case "response.function_call_arguments.delta":
          if (item && typeof payload.delta === "string") item.arguments += payload.delta;
          return;
        case "response.reasoning_summary_part.added":
          item?.summaries.set(num(payload.summary_index) ?? 0, { text: "", done: false });
          return;
        case "response.reasoning_summary_text.delta": {
          const summary = item?.summaries.get(num(payload.summary_index) ?? 0);
          if (summary && typeof payload.delta === "string") summary.text += payload.delta;
          return;
        }
        case "response.reasoning_summary_part.done": {
          const summary = item?.summaries.get(num(payload.summary_index) ?? 0);
          if (summary) summary.done = true;
        }
      }
    },
    /** Every item as the client has it; open ones get `status` (and their text so far). */
    output(status: string): Json[] {
      return [...items.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, entry]) => (entry.done ? entry.item : close(entry, status)));
    },
    /** The events that close every open item, as the API would send them, with the text the client has. */
    closers(status: string): Json[] {
      const events: Json[] = [];
      for (const [outputIndex, entry] of [...items.entries()].sort(([a], [b]) => a - b)) {
        if (entry.done) continue;
        const ids = { item_id: entry.item.id ?? "", output_index: outputIndex };
        for (const [contentIndex, { part: value, done }] of entry.parts) {
          if (done) continue;
          const text = typeof value.text === "string" ? value.text : "";
          if (value.type === "output_text")
            events.push({ type: "response.output_text.done", ...ids, content_index: contentIndex, text, logprobs: [] });
          if (value.type === "reasoning_text")
            events.push({ type: "response.reasoning_text.done", ...ids, content_index: contentIndex, text });
          events.push({ type: "response.content_part.done", ...ids, content_index: contentIndex, part: value });
        }
        for (const [summaryIndex, { text, done }] of entry.summaries) {
          if (done) continue;
          events.push({ type: "response.reasoning_summary_text.done", ...ids, summary_index: summaryIndex, text });
          events.push({
            type: "response.reasoning_summary_part.done",
            ...ids,
            summary_index: summaryIndex,
            part: { type: "summary_text", text },
          });
        }
        if (entry.item.type === "function_call")
          events.push({ type: "response.function_call_arguments.done", ...ids, arguments: entry.arguments });
        events.push({ type: "response.output_item.done", output_index: outputIndex, item: close(entry, status) });
      }
      return events;
    },
  };
}

/** An open item as it stands: its parts, summaries and arguments so far, with a final status. */
function close(entry: OutputItem, status: string): Json {
  const item: Json = { ...entry.item, status };
  if (entry.parts.size > 0) {
    item.content = [...entry.parts.entries()].sort(([a], [b]) => a - b).map(([, p]) => p.part);
  }
  if (entry.summaries.size > 0 || item.type === "reasoning")
    item.summary = [...entry.summaries.values()].map(({ text }) => ({ type: "summary_text", text }));
  if (item.type === "function_call") item.arguments = entry.arguments;
  return item;
}

/**
 * OpenAI Responses API streams (`POST /v1/responses`): named events (`response.created`, `response.output_text.delta`,
 * `response.function_call_arguments.delta`, `response.reasoning_summary_text.delta`, ..., `response.completed`).
 * There is one output (no `n`); text of every message item is one content stream, each function call's
 * arguments a tool-call stream keyed by its `output_index`. Errors come as `error` events (the `openai` SDK raises
 * them as `APIError`) or `response.failed`.
 */
export function createResponsesFormat(): WireFormat {
  const toolNames = new Map<number, string>();
  const client = createOutputTracker();
  let sequence = 0;

  const next = () => (sequence += 1);
  const parse = (event: EventSourceMessage): Json => JSON.parse(event.data) as Json;
  const numbered = (payload: Json): Frame => eventFrame({ ...payload, sequence_number: next() });

  const terminal = (type: string, response: Json, usage: InflightUsage, extra: Json = {}): Frame =>
    numbered({ type, response: { ...response, usage: responsesUsage(usage), ...extra }, ...extra });

  const errorFrame = (fields: Json, usage: InflightUsage, status: number): Frame => {
    const u = responsesUsage(usage);
    // The SDK raises the nested error and keeps nothing else of the event or the 422 body: usage goes inside too.
    const error: Json = { ...fields, usage: u };
    const payload = {
      type: "error",
      sequence_number: next(),
      // The published event schema is flat; OpenAI nests the error, and the SDK raises the nested one.
      code: fields.code,
      message: fields.message,
      param: null,
      error,
      usage: u,
    };
    return { ...eventFrame(payload), error: { status, body: { error, usage: u } } };
  };

  return {
    read(event): Reading {
      if (event.data === "[DONE]") return { kind: "done" };
      let payload: unknown;
      try {
        payload = JSON.parse(event.data);
      } catch {
        if (event.event === "error")
          return { kind: "error", body: { error: { message: event.data, type: "upstream_error", code: null } } };
        return { kind: "malformed", detail: `an event's data is not JSON: ${event.data.slice(0, 80)}` };
      }
      if (!isObject(payload)) return { kind: "malformed", detail: "an event's data is not a JSON object" };
      const type = typeof payload.type === "string" ? payload.type : (event.event ?? "");
      const seq = num(payload.sequence_number);
      if (seq !== undefined && seq > sequence) sequence = seq;
      if (type === "error" || event.event === "error") {
        const { type: _type, sequence_number: _seq, ...flat } = payload;
        return { kind: "error", body: { error: isObject(payload.error) ? payload.error : flat } };
      }
      const response = isObject(payload.response) ? payload.response : {};
      if (type === "response.failed") {
        const error = isObject(response.error) ? response.error : { message: "The upstream response failed." };
        return { kind: "error", body: { error: { type: "upstream_error", ...error } } };
      }
      if (TERMINAL.has(type)) {
        const usage = readResponsesUsage(response.usage);
        return { kind: "done", ...(usage ? { usage } : {}) };
      }
      const outputIndex = num(payload.output_index) ?? 0;
      // A function call starting is progress before its first argument arrives.
      const toolStart =
        type === "response.output_item.added" && isObject(payload.item) && typeof payload.item.name === "string";
      if (toolStart) toolNames.set(outputIndex, String((payload.item as Json).name));
      const texts: EventText[] = [];
      if (isTextDelta(type) && typeof payload.delta === "string" && payload.delta) {
        const channel = TEXT_DELTAS[type];
        const toolName = toolNames.get(outputIndex);
        texts.push(
          channel === "tool_arguments"
            ? { choice: 0, channel, text: payload.delta, toolCall: outputIndex, ...(toolName ? { toolName } : {}) }
            : { choice: 0, channel, text: payload.delta },
        );
      }
      return { kind: "data", texts, finished: [], ...(toolStart ? { progress: true } : {}), payload };
    },
    truncate(event, text, keep) {
      const payload = parse(event);
      return eventFrame({ ...payload, delta: String(payload.delta ?? "").slice(0, keep) });
    },
    // One output: nothing else is open when inflight ends it.
    withoutEnded: (event) => ({ sse: formatEvent(event), payload: parse(event) }),
    endOutput: () => [],
    sent(frames) {
      for (const frame of frames) if (frame.payload) client.add(frame.payload);
    },
    end(verdict: Verdict, usage) {
      const exit = verdict.action === "exit";
      const status = exit ? "completed" : "incomplete";
      const closing = client.closers(status).map(numbered);
      const response = {
        ...client.header,
        status,
        incomplete_details: exit ? null : { reason: "content_filter" },
        output: client.output(status),
      };
      const inflight = { inflight: { [exit ? "exit" : "rejection"]: verdict.rejection } };
      return [...closing, terminal(exit ? "response.completed" : "response.incomplete", response, usage, inflight)];
    },
    endNormally(event, usage) {
      if (!event) return [];
      let payload: unknown;
      try {
        payload = JSON.parse(event.data);
      } catch {
        return [{ sse: formatEvent(event) }];
      }
      if (!isObject(payload) || !TERMINAL.has(String(payload.type)) || !isObject(payload.response))
        return [{ sse: formatEvent(event) }];
      return [eventFrame({ ...payload, response: { ...payload.response, usage: responsesUsage(usage) } })];
    },
    rejection(verdict, usage) {
      const r = verdict.rejection;
      const error = {
        type: "inflight_rejection",
        code: r.rule,
        message: `${r.message} (rule ${r.rule})`,
        param: null,
        rejection: r,
      };
      return errorFrame(error, usage, 422);
    },
    failure(message, usage, code = "malformed_upstream_stream") {
      return errorFrame({ type: "upstream_error", code, message, param: null }, usage, failureStatus(code));
    },
    fromWhole(body) {
      const reading = responsesWholeEvents(body);
      const usage = reading.kind === "events" ? readResponsesUsage(body.usage) : undefined;
      return usage ? { ...reading, usage } : reading;
    },
    relayWhole: (body, usage) => ({ ...body, usage: responsesUsage(usage) }),
    assemble(frames, usage) {
      const replay = createOutputTracker();
      let final: Json | undefined;
      for (const { payload } of frames) {
        if (!payload) continue;
        replay.add(payload);
        if (TERMINAL.has(String(payload.type)) && isObject(payload.response)) final = payload.response;
      }
      // An upstream that ended without `response.completed`: what arrived, marked incomplete.
      const body = final ?? { ...replay.header, status: "incomplete", output: replay.output("incomplete") };
      return { status: 200, body: { ...body, usage: responsesUsage(usage) } };
    },
  };
}
