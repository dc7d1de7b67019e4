import type { EventSourceMessage } from "eventsource-parser";
import type { Rejection, Verdict } from "../engine/inspection";
import type { AttemptSummary } from "../fanout/attempts";
import type { Channel } from "../engine/types";
import type { ExitObserved } from "../savings/tracker";
import type { SavedEstimate } from "../savings/types";

type Json = Record<string, unknown>;

/** Token usage as the engine and metering see it, whatever the wire format calls it. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [key: string]: unknown;
}

/**
 * How a request ended, for usage records. `incomplete`: the upstream's stream ended cleanly but without its end
 * (no `[DONE]`, `response.completed` or `message_stop`, and not every output finished).
 */
export type Outcome = "accepted" | "rejected" | "early_exit" | "client_abort" | "upstream_error" | "incomplete";

/**
 * Who counted the tokens. `upstream`: the provider's own usage; `inflight`: inflight's count, because the stream was
 * cut or carried no usage; `inflight_upstream_invalid`: inflight's count, because the usage the upstream sent failed
 * validation (`src/proxy/usage-check.ts`).
 */
export type CountedBy = "upstream" | "inflight" | "inflight_upstream_invalid";

/** The codes of the error inflight sends when the upstream's stream fails (docs/api.md, Failure behaviour). */
export type FailureCode = "malformed_upstream_stream" | "upstream_timeout" | "incomplete_upstream_stream";

/** The status a non-streaming client gets for a failure: 504 for a wait that ran out, else 502. */
export const failureStatus = (code: FailureCode): number => (code === "upstream_timeout" ? 504 : 502);

/** Usage as inflight reports it: OpenAI's fields plus how they were counted and what was saved. */
export interface InflightUsage extends Usage {
  inflight: {
    request_id: string;
    outcome: Outcome;
    counted_by: CountedBy;
    /** The estimate of completion tokens the cut avoided (docs/metering.md); null when no rule cut the stream. */
    saved_estimate: SavedEstimate | null;
    packs: string[];
    flags?: Rejection[];
    /** A stream let run past its early exit to measure what follows an answer (`EXIT_SAMPLE_SHARE`). */
    exit_observed?: ExitObserved;
    /** A fanned-out request (docs/sampling.md): every upstream attempt, in the order they started. */
    attempts?: AttemptSummary[];
  };
}

/** Something to send the client: an SSE frame, and the JSON it carries for non-streaming assembly. */
export interface Frame {
  sse: string;
  payload?: Json;
  /** Set on frames that end the response with an error (rejection in error mode, upstream failure). */
  error?: { status: number; body: Json };
}

/** One piece of text in an event, for one stream of one output. */
export interface EventText {
  choice: number;
  channel: Channel;
  text: string;
  toolCall?: number;
  toolName?: string;
}

/** What one upstream event means to the session. */
export type Reading =
  | {
      kind: "data";
      texts: EventText[];
      /** Outputs that finished in this event (the upstream's own finish). */
      finished: number[];
      /** Usage carried by the event; `final` when it is the upstream's closing count. */
      usage?: { value: Usage; final: boolean };
      /**
       * The event moves the response on without text of its own: a tool call starts (its name). Text and finished
       * outputs count anyway; comments, keep-alives, role-only chunks and empty deltas never do.
       */
      progress?: boolean;
      /** The upstream ended every output in this event (Anthropic's `message_delta` with its `stop_reason`). */
      stopped?: boolean;
      /** Held back and re-sent by `endNormally` (with inflight's accounting), not forwarded as it is. */
      hold?: boolean;
      /** The event's parsed data, kept for non-streaming assembly. */
      payload: Json;
    }
  | { kind: "done"; usage?: Usage }
  | { kind: "error"; body: Json }
  | { kind: "malformed"; detail: string };

/**
 * One API's stream dialect: reads its events into engine input and writes inflight's decisions back as that
 * API's own events. Created per request (it keeps ids, open blocks, tool names).
 */
export interface WireFormat {
  read(event: EventSourceMessage): Reading;
  /** The event with `text`'s stream cut to its first `keep` characters (early exit mid-event). */
  truncate(event: EventSourceMessage, text: EventText, keep: number): Frame;
  /** The event without the entries of outputs already ended by inflight (n > 1); `undefined` drops it. */
  withoutEnded(event: EventSourceMessage, ended: ReadonlySet<number>): Frame | undefined;
  /** Frames ending one output while others go on (n > 1). */
  endOutput(verdict: Verdict): Frame[];
  /** Frames ending the response after inflight stopped it (finish mode, or early exit). */
  end(verdict: Verdict, usage: InflightUsage, wantsUsage: boolean): Frame[];
  /**
   * Frames ending a response that was not cut by a verdict: `event` is the upstream's own end event, or
   * `undefined` when inflight closes the response itself (n > 1, after the last open output finished).
   */
  endNormally(event: EventSourceMessage | undefined, usage: InflightUsage, wantsUsage: boolean): Frame[];
  /** The error frame for a rejection in error mode. */
  rejection(verdict: Verdict, usage: InflightUsage): Frame;
  /** The error frame for an upstream that broke mid-stream (`code` says how; default `malformed_upstream_stream`). */
  failure(message: string, usage: InflightUsage, code?: FailureCode): Frame;
  /**
   * Reads a whole (non-streamed) JSON answer of this API as the stream events it stands for, so that the session
   * validates and meters it like a stream: `events` for a completion (with its usage), `error` for an error object,
   * `other` for JSON that is neither.
   */
  fromWhole(body: Json): WholeReading;
  /** A whole JSON answer as the non-streaming client gets it: as the upstream sent it, with inflight's usage. */
  relayWhole(body: Json, usage: InflightUsage): Json;
  /**
   * Optional: told, in order, which frames leave the session for the client (hold-back drops some, a rule stops
   * others). Formats whose closing events restate what the client has (Responses' `*.done` events carry the full
   * text) track it here; `end` then closes exactly what the client saw.
   */
  sent?(frames: readonly Frame[]): void;
  /**
   * Builds the non-streaming response from the frames a streaming client would have received. Not called when a
   * frame ended the response with an error: that frame's `error` is the answer.
   */
  assemble(frames: Frame[], usage: InflightUsage): { status: number; body: Json };
}

/** What a whole JSON answer holds (see `WireFormat.fromWhole`). */
export type WholeReading =
  { kind: "events"; events: EventSourceMessage[]; usage?: Usage } | { kind: "error"; body: Json } | { kind: "other" };

export type { Json };
