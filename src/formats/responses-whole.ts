import type { Json, WholeReading } from "./types";

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The events of one message content part: added (empty), one delta with all its text, done, part done. */
function partEvents(part: Json, ids: Json, contentIndex: number): Json[] {
  const at = { ...ids, content_index: contentIndex };
  const field = part.type === "refusal" ? "refusal" : part.type === "output_text" ? "text" : undefined;
  if (!field)
    return [
      { type: "response.content_part.added", ...at, part },
      { type: "response.content_part.done", ...at, part },
    ];
  const text = String(part[field] ?? "");
  const kind = field === "text" ? "output_text" : "refusal";
  return [
    { type: "response.content_part.added", ...at, part: { ...part, [field]: "" } },
    { type: `response.${kind}.delta`, ...at, delta: text },
    { type: `response.${kind}.done`, ...at, [field]: text, ...(kind === "output_text" ? { logprobs: [] } : {}) },
    { type: "response.content_part.done", ...at, part },
  ];
}

/** The events of one reasoning summary part. */
function summaryEvents(summary: Json, ids: Json, summaryIndex: number): Json[] {
  const at = { ...ids, summary_index: summaryIndex };
  const text = String(summary.text ?? "");
  return [
    { type: "response.reasoning_summary_part.added", ...at, part: { ...summary, text: "" } },
    { type: "response.reasoning_summary_text.delta", ...at, delta: text },
    { type: "response.reasoning_summary_text.done", ...at, text },
    { type: "response.reasoning_summary_part.done", ...at, part: summary },
  ];
}

/** `output_item.added`, the item's text events, `output_item.done`. */
function itemEvents(item: Json, outputIndex: number): Json[] {
  const ids = { item_id: item.id ?? "", output_index: outputIndex };
  const added = (value: Json) => ({ type: "response.output_item.added", output_index: outputIndex, item: value });
  const done = { type: "response.output_item.done", output_index: outputIndex, item };
  if (item.type === "message" && Array.isArray(item.content))
    return [
      added({ ...item, status: "in_progress", content: [] }),
      ...item.content.filter(isObject).flatMap((part, index) => partEvents(part, ids, index)),
      done,
    ];
  if (item.type === "reasoning")
    return [
      added({ ...item, summary: [] }),
      ...(Array.isArray(item.summary) ? item.summary : [])
        .filter(isObject)
        .flatMap((summary, index) => summaryEvents(summary, ids, index)),
      done,
    ];
  if (item.type === "function_call") {
    const args = String(item.arguments ?? "");
    return [
      added({ ...item, status: "in_progress", arguments: "" }),
      { type: "response.function_call_arguments.delta", ...ids, delta: args },
      { type: "response.function_call_arguments.done", ...ids, arguments: args },
      done,
    ];
  }
  return [added(item), done];
}

/**
 * A whole Responses `response` (an upstream that ignored `stream: true`) as the events that would have streamed it:
 * `response.created`, each output item's events with all its text in one delta, then `response.completed` (or
 * `response.incomplete`) carrying the response itself. A `failed` or `cancelled` response, or `{"error": ...}`,
 * is an error; a response still `queued` or `in_progress`, or other JSON, is not a completion.
 */
export function responsesWholeEvents(body: Json): WholeReading {
  if (body.object !== "response") {
    if (isObject(body.error)) return { kind: "error", body: { error: body.error } };
    return { kind: "other" };
  }
  if (body.status === "failed" || body.status === "cancelled") {
    const error = isObject(body.error) ? body.error : { message: `The upstream response is ${String(body.status)}.` };
    return { kind: "error", body: { error: { type: "upstream_error", ...error } } };
  }
  if (body.status !== "completed" && body.status !== "incomplete") return { kind: "other" };
  const output = Array.isArray(body.output) ? body.output.filter(isObject) : [];
  const payloads: Json[] = [
    { type: "response.created", response: { ...body, status: "in_progress", output: [], usage: null } },
    ...output.flatMap((item, index) => itemEvents(item, index)),
    { type: body.status === "completed" ? "response.completed" : "response.incomplete", response: body },
  ];
  return {
    kind: "events",
    events: payloads.map((payload, index) => {
      const numbered = { ...payload, sequence_number: index };
      return { event: String(payload.type), data: JSON.stringify(numbered) };
    }),
  };
}
