import type { EventSourceMessage } from "eventsource-parser";
import type { Json, WholeReading } from "./types";

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Anthropic names every event after its payload's `type`. */
const named = (payload: Json): EventSourceMessage => ({ event: String(payload.type), data: JSON.stringify(payload) });

/** The start, delta and stop events of one content block, its whole text in one delta. */
function blockEvents(block: Json, index: number): Json[] {
  const start = (contentBlock: Json) => ({ type: "content_block_start", index, content_block: contentBlock });
  const delta = (value: Json) => ({ type: "content_block_delta", index, delta: value });
  const stop = { type: "content_block_stop", index };
  switch (block.type) {
    case "text": {
      const { text, ...rest } = block;
      return [start({ ...rest, text: "" }), delta({ type: "text_delta", text: String(text ?? "") }), stop];
    }
    case "thinking": {
      const { thinking, signature, ...rest } = block;
      return [
        start({ ...rest, thinking: "" }),
        delta({ type: "thinking_delta", thinking: String(thinking ?? "") }),
        ...(typeof signature === "string" ? [delta({ type: "signature_delta", signature })] : []),
        stop,
      ];
    }
    case "tool_use": {
      const { input, ...rest } = block;
      return [
        start({ ...rest, input: {} }),
        delta({ type: "input_json_delta", partial_json: JSON.stringify(input ?? {}) }),
        stop,
      ];
    }
    default:
      return [start(block), stop];
  }
}

/**
 * A whole Anthropic `message` (an upstream that ignored `stream: true`) as the events that would have streamed it:
 * `message_start`, each content block's start, one delta with all its text and stop, `message_delta` with the stop
 * reason and usage, `message_stop`. Its `usage` is returned apart (the session books it as the final count).
 * `{"type": "error"}` is an error; JSON that is not a `message` is not a completion.
 */
export function anthropicWholeEvents(body: Json): WholeReading {
  if (body.type === "error" || ("error" in body && body.type !== "message"))
    return {
      kind: "error",
      body: isObject(body.error) ? { type: "error", error: body.error } : { type: "error", error: body },
    };
  if (body.type !== "message" || !Array.isArray(body.content)) return { kind: "other" };
  const { content, stop_reason, stop_sequence, usage, ...message } = body;
  const counts = isObject(usage) ? usage : {};
  const payloads: Json[] = [
    {
      type: "message_start",
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...counts, output_tokens: 0 },
      },
    },
    ...content.filter(isObject).flatMap((block, index) => blockEvents(block, index)),
    {
      type: "message_delta",
      delta: { stop_reason: stop_reason ?? "end_turn", stop_sequence: stop_sequence ?? null },
      usage: { output_tokens: counts.output_tokens ?? 0 },
    },
    { type: "message_stop" },
  ];
  return { kind: "events", events: payloads.map(named) };
}
