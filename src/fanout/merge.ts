import type { Rejection } from "../engine/inspection";
import { createChatFormat, type CompletionKind } from "../formats/chat";
import type { Frame, InflightUsage, Json } from "../formats/types";
import { dataFrame } from "../proxy/sse-reader";

/** Why an attempt gave no sample: the error the single request would have answered with. */
export interface AttemptError {
  status: number;
  /** The error body in the API's envelope (`{"error": {...}}`), or the upstream's own JSON error. */
  body: Json;
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The fields every chunk of one response shares. */
const HEAD_FIELDS = ["id", "object", "created", "model", "system_fingerprint"] as const;

/** An error body with the request's usage in it, beside `error` and inside it (the SDKs keep only `error`). */
export function withUsage(body: Json, usage: InflightUsage): Json {
  const { usage: _own, ...rest } = body;
  if (!isObject(rest.error)) return { ...rest, usage };
  const { usage: _inner, ...error } = rest.error;
  return { ...rest, error: { ...error, usage }, usage };
}

/** An `inflight` field of a chunk with its rejection or exit renumbered as the client's choice. */
function renumbered(inflight: unknown, choice: number): unknown {
  if (!isObject(inflight)) return inflight;
  const out: Json = { ...inflight };
  for (const key of ["rejection", "exit"]) if (isObject(out[key])) out[key] = { ...(out[key] as Json), choice };
  return out;
}

/**
 * Merges the sub-responses of a fanned-out Chat Completions or Completions request into the one response the
 * client asked for, in the ordinary `n > 1` shape: each attempt's chunks renumbered as its choice and given the
 * response's one id (the first chunk sent decides it), a choice whose attempt failed ended with
 * `finish_reason: "error"`, and the response's end: the usage chunk and `[DONE]`, or an error event when no
 * sample is left. Pure: the orchestrator decides what to send when.
 */
export function createMerger(kind: CompletionKind, requestId: string) {
  const format = createChatFormat(kind);
  let head: Json | undefined;
  const headOf = (chunk?: Json): Json => {
    if (head) return head;
    head = {
      id: `${kind === "chat" ? "chatcmpl" : "cmpl"}-${requestId.replace(/^req_/, "")}`,
      object: kind === "chat" ? "chat.completion.chunk" : "text_completion",
      created: Math.floor(Date.now() / 1000),
      model: "",
    };
    if (chunk) for (const field of HEAD_FIELDS) if (chunk[field] !== undefined) head[field] = chunk[field];
    return head;
  };
  const frame = (payload: Json): Frame => ({ sse: dataFrame(payload), payload });

  return {
    /**
     * An attempt's frame as the client gets it, as choice `choice`; `undefined` for what the merged response does
     * not pass on (the attempt's `[DONE]`, usage and error frames, keep-alive comments).
     */
    chunk(attempt: Frame, choice: number): Frame | undefined {
      const chunk = attempt.payload;
      if (!chunk || attempt.error || !Array.isArray(chunk.choices) || chunk.choices.length === 0) return undefined;
      const choices = chunk.choices.map((entry) => (isObject(entry) ? { ...entry, index: choice } : entry));
      const out: Json = { ...chunk, ...headOf(chunk), choices };
      if (chunk.inflight !== undefined) out.inflight = renumbered(chunk.inflight, choice);
      return frame(out);
    },
    /** The chunk that ends choice `choice` when its attempt failed: `finish_reason: "error"` and the error. */
    failedChoice(choice: number, error: AttemptError): Frame {
      const inner = isObject(error.body.error) ? error.body.error : error.body;
      const { usage: _usage, ...cause } = inner;
      const entry =
        kind === "completions"
          ? { index: choice, text: "", logprobs: null, finish_reason: "error" }
          : { index: choice, delta: {}, logprobs: null, finish_reason: "error" };
      return frame({ ...headOf(), choices: [entry], inflight: { error: { status: error.status, ...cause } } });
    },
    /** The usage chunk (`choices: []`), as the client asked for it with `stream_options.include_usage`. */
    usageChunk(usage: InflightUsage): Frame {
      return frame({ ...headOf(), choices: [], usage });
    },
    done: { sse: "data: [DONE]\n\n" } as Frame,
    /** The error event (and 422 body) when every choice was rejected: the last rejection, with the usage. */
    rejected(rejection: Rejection, choice: number | null, usage: InflightUsage): Frame {
      const renamed = choice === null ? rejection : { ...rejection, choice };
      return format.rejection({ action: "reject", rejection: renamed }, usage);
    },
    /** The error event (and error body) when no sample is left and an attempt failed: its error, with the usage. */
    failed(error: AttemptError, usage: InflightUsage): Frame {
      const body = withUsage(error.body, usage);
      return { sse: dataFrame(body), payload: body, error: { status: error.status, body } };
    },
    /**
     * The non-streaming body from the frames the client would have streamed: the `chat.completion` (or
     * `text_completion`) with every choice, each choice a rule decided carrying its own `inflight` field.
     */
    assemble(frames: readonly Frame[], usage: InflightUsage): Json {
      const body = format.assemble([...frames], usage).body;
      const decided = new Map<number, unknown>();
      for (const { payload } of frames) {
        if (!payload || payload.inflight === undefined || !Array.isArray(payload.choices)) continue;
        for (const entry of payload.choices) if (isObject(entry)) decided.set(Number(entry.index), payload.inflight);
      }
      const choices = (Array.isArray(body.choices) ? body.choices : []).map((choice) =>
        isObject(choice) && decided.has(Number(choice.index))
          ? { ...choice, inflight: decided.get(Number(choice.index)) }
          : choice,
      );
      return { ...body, choices };
    },
  };
}

export type Merger = ReturnType<typeof createMerger>;
