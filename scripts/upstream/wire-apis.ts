import { sseEvent, type ResponseMeta, type TokenPiece, type Usage } from "./wire";

/** How one of the named-event APIs (Responses, Anthropic Messages) frames a planned stream. */
export interface ApiStream {
  /** Frames before the first token. */
  start(): string[];
  /** The frames carrying one token (opening an output item or content block first when the channel changes). */
  piece(piece: TokenPiece): string[];
  /** Frames after the last token: closing items, the final usage. */
  finish(finishReason: string): string[];
  /** The API's own error event. */
  error(error: { message: string; type: string; code: string | null; param: string | null }): string;
  /** An event that carries nothing (an empty text delta, a `ping`). */
  empty(): string;
}

const named = (payload: Record<string, unknown>) => sseEvent(JSON.stringify(payload), String(payload.type));

/**
 * OpenAI Responses events, as api.openai.com sends them: `response.created`, a reasoning item with a summary
 * (when the scenario has reasoning), a message item with one `output_text` part, `response.completed` with usage.
 */
export function responsesStream(meta: ResponseMeta, usage: Usage): ApiStream {
  let sequence = 0;
  const event = (payload: Record<string, unknown>) => named({ ...payload, sequence_number: sequence++ });
  const response = (status: string, output: unknown[]) => ({
    id: meta.id,
    object: "response",
    created_at: meta.created,
    status,
    model: meta.model,
    output,
    usage: null as unknown,
  });
  const output: Record<string, unknown>[] = [];
  let open: { channel: TokenPiece["channel"]; index: number; id: string; text: string } | undefined;

  const close = (): string[] => {
    if (!open) return [];
    const { index: output_index, id: item_id, text } = open;
    const frames =
      open.channel === "reasoning"
        ? [
            event({ type: "response.reasoning_summary_text.done", item_id, output_index, summary_index: 0, text }),
            event({
              type: "response.reasoning_summary_part.done",
              item_id,
              output_index,
              summary_index: 0,
              part: { type: "summary_text", text },
            }),
          ]
        : [
            event({ type: "response.output_text.done", item_id, output_index, content_index: 0, text, logprobs: [] }),
            event({
              type: "response.content_part.done",
              item_id,
              output_index,
              content_index: 0,
              part: { type: "output_text", text, annotations: [], logprobs: [] },
            }),
          ];
    const item =
      open.channel === "reasoning"
        ? { id: item_id, type: "reasoning", summary: [{ type: "summary_text", text }] }
        : {
            id: item_id,
            type: "message",
            status: "completed",
            role: "assistant",
            content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
          };
    output.push(item);
    frames.push(event({ type: "response.output_item.done", output_index, item }));
    open = undefined;
    return frames;
  };
  const openItem = (channel: TokenPiece["channel"]): string[] => {
    const index = output.length;
    const id = `${channel === "reasoning" ? "rs" : "msg"}_${meta.id}_${index}`;
    open = { channel, index, id, text: "" };
    if (channel === "reasoning")
      return [
        event({
          type: "response.output_item.added",
          output_index: index,
          item: { id, type: "reasoning", summary: [] },
        }),
        event({
          type: "response.reasoning_summary_part.added",
          item_id: id,
          output_index: index,
          summary_index: 0,
          part: { type: "summary_text", text: "" },
        }),
      ];
    return [
      event({
        type: "response.output_item.added",
        output_index: index,
        item: { id, type: "message", status: "in_progress", role: "assistant", content: [] },
      }),
      event({
        type: "response.content_part.added",
        item_id: id,
        output_index: index,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [], logprobs: [] },
      }),
    ];
  };

  return {
    start: () => [
      event({ type: "response.created", response: response("in_progress", []) }),
      event({ type: "response.in_progress", response: response("in_progress", []) }),
    ],
    piece(piece) {
      const frames = open?.channel === piece.channel ? [] : [...close(), ...openItem(piece.channel)];
      const current = open!;
      current.text += piece.text;
      const ids = { item_id: current.id, output_index: current.index };
      frames.push(
        piece.channel === "reasoning"
          ? event({ type: "response.reasoning_summary_text.delta", ...ids, summary_index: 0, delta: piece.text })
          : event({ type: "response.output_text.delta", ...ids, content_index: 0, delta: piece.text, logprobs: [] }),
      );
      return frames;
    },
    finish(finishReason) {
      const frames = close();
      const incomplete = finishReason === "length";
      const final = {
        ...response(incomplete ? "incomplete" : "completed", output),
        incomplete_details: incomplete ? { reason: "max_output_tokens" } : null,
        usage: {
          input_tokens: usage.prompt_tokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: usage.completion_tokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: usage.total_tokens,
        },
      };
      frames.push(event({ type: incomplete ? "response.incomplete" : "response.completed", response: final }));
      return frames;
    },
    error: (error) => named({ type: "error", sequence_number: sequence++, error }),
    empty: () =>
      event({
        type: "response.output_text.delta",
        item_id: open?.id ?? "",
        output_index: open?.index ?? 0,
        content_index: 0,
        delta: "",
        logprobs: [],
      }),
  };
}

const STOP_REASONS: Record<string, string> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  content_filter: "refusal",
};

/**
 * Anthropic Messages events, as api.anthropic.com sends them: `message_start` (input usage), a `thinking` block
 * (when the scenario has reasoning) and a `text` block of deltas, `ping`, `message_delta` (output usage), `message_stop`.
 */
export function messagesStream(meta: ResponseMeta, usage: Usage): ApiStream {
  let block = -1;
  let channel: TokenPiece["channel"] | undefined;
  const stop = (): string[] => (block >= 0 ? [named({ type: "content_block_stop", index: block })] : []);
  return {
    start: () => [
      named({
        type: "message_start",
        message: {
          id: meta.id,
          type: "message",
          role: "assistant",
          model: meta.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: usage.prompt_tokens, output_tokens: 1 },
        },
      }),
      named({ type: "ping" }),
    ],
    piece(piece) {
      const frames: string[] = [];
      if (piece.channel !== channel) {
        frames.push(...stop());
        block += 1;
        channel = piece.channel;
        const content_block =
          piece.channel === "reasoning"
            ? { type: "thinking", thinking: "", signature: "" }
            : { type: "text", text: "" };
        frames.push(named({ type: "content_block_start", index: block, content_block }));
      }
      const delta =
        piece.channel === "reasoning"
          ? { type: "thinking_delta", thinking: piece.text }
          : { type: "text_delta", text: piece.text };
      frames.push(named({ type: "content_block_delta", index: block, delta }));
      return frames;
    },
    finish: (finishReason) => [
      ...stop(),
      named({
        type: "message_delta",
        delta: { stop_reason: STOP_REASONS[finishReason] ?? "end_turn", stop_sequence: null },
        usage: { output_tokens: usage.completion_tokens },
      }),
      named({ type: "message_stop" }),
    ],
    error: (error) => named({ type: "error", error: { type: error.type, message: error.message } }),
    empty: () => named({ type: "ping" }),
  };
}
