import type { EventSourceMessage } from "eventsource-parser";
import type { CompletionKind } from "./chat";
import type { Json, WholeReading } from "./types";

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const data = (payload: Json): EventSourceMessage => ({ data: JSON.stringify(payload) });

/** One choice of a `chat.completion` as the single chunk that streams it: the whole message as its delta. */
function chatDelta(message: Json): Json {
  const delta: Json = { role: typeof message.role === "string" ? message.role : "assistant" };
  for (const field of ["content", "reasoning_content", "reasoning", "refusal"])
    if (message[field] !== undefined && message[field] !== null) delta[field] = message[field];
  if (Array.isArray(message.tool_calls))
    delta.tool_calls = message.tool_calls.filter(isObject).map((call, index) => ({
      index,
      ...(call.id !== undefined ? { id: call.id } : {}),
      type: call.type ?? "function",
      function: isObject(call.function) ? call.function : {},
    }));
  return delta;
}

/**
 * A whole `chat.completion` or `text_completion` (an upstream that ignored `stream: true`) as the chunks that
 * would have streamed it: one chunk per choice carrying all its text and its finish reason, then `[DONE]` (the
 * format adds the body's `usage`, which the session books as the final count). `{"error": ...}` is an error; JSON
 * without `choices` is not a completion.
 */
export function chatWholeEvents(kind: CompletionKind, body: Json): WholeReading {
  if ("error" in body) return { kind: "error", body: isObject(body.error) ? body : { error: body.error } };
  if (!Array.isArray(body.choices)) return { kind: "other" };
  const head: Json = {
    id: body.id ?? "",
    object: kind === "chat" ? "chat.completion.chunk" : "text_completion",
    created: body.created ?? Math.floor(Date.now() / 1000),
    model: body.model ?? "",
    ...(body.system_fingerprint !== undefined ? { system_fingerprint: body.system_fingerprint } : {}),
  };
  const events: EventSourceMessage[] = [];
  for (const entry of body.choices) {
    if (!isObject(entry)) continue;
    const index = typeof entry.index === "number" ? entry.index : 0;
    const common = { index, logprobs: entry.logprobs ?? null, finish_reason: entry.finish_reason ?? null };
    const choice =
      kind === "completions"
        ? { ...common, text: typeof entry.text === "string" ? entry.text : "" }
        : { ...common, delta: chatDelta(isObject(entry.message) ? entry.message : {}) };
    events.push(data({ ...head, choices: [choice] }));
  }
  events.push({ data: "[DONE]" });
  return { kind: "events", events };
}
