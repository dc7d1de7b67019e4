import { z } from "zod";

/** An OpenAI error object, as sent in an error body or an in-band error event. */
export const ErrorObjectSchema = z.strictObject({
  message: z.string(),
  type: z.string().default("server_error"),
  code: z.string().nullable().default(null),
  param: z.string().nullable().default(null),
});

/**
 * How a stream goes wrong. `garbage`: an event whose data is not JSON, then the body ends; `cut`: half an event,
 * then the body ends cleanly; `reset`: half an event, then the socket is destroyed; `hang`: nothing more is sent and
 * the response stays open until the client goes away. For a non-streaming request, any of them sends half of
 * the JSON body.
 */
export const MalformedSchema = z.enum(["garbage", "cut", "reset", "hang"]);
export type Malformed = z.infer<typeof MalformedSchema>;

/**
 * What one request of a scenario does differently from the rest (fan-out tests: a different text per
 * sub-request, one sub-request refused). A variant that names a source (`text`, `texts` or `status`) replaces the
 * scenario's source; its other fields replace the scenario's.
 */
export const VariantSchema = z.strictObject({
  text: z.string().optional(),
  texts: z.array(z.string()).min(1).optional(),
  status: z.number().int().min(400).max(599).optional(),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  tokenDelayMs: z.number().int().min(0).max(10_000).optional(),
  firstByteDelayMs: z.number().int().min(0).max(60_000).optional(),
  finishReason: z.enum(["stop", "length", "content_filter", "tool_calls"]).optional(),
});
export type Variant = z.infer<typeof VariantSchema>;

/**
 * What the upstream does for requests whose `model` is `scenario:<id>`. Exactly one source of output: `text`
 * (one choice), `texts` (one per choice, for `n > 1`), `chunks` (SSE data strings sent as they are, each framed as
 * `data: <string>\n\n`), `raw` (bytes written as they are, no framing at all) or `status` (an HTTP error).
 */
export const ScenarioSchema = z
  .strictObject({
    text: z.string().optional(),
    texts: z.array(z.string()).min(1).optional(),
    chunks: z.array(z.string()).optional(),
    raw: z.array(z.string()).optional(),
    /** Reasoning text sent as `delta.reasoning_content` before the content (chat only). */
    reasoning: z.string().optional(),
    /** Milliseconds between two token chunks; 0 streams as fast as the socket takes it. Default: the server's. */
    tokenDelayMs: z.number().int().min(0).max(10_000).optional(),
    /** Milliseconds before the response headers are sent. */
    firstByteDelayMs: z.number().int().min(0).max(60_000).default(0),
    /** An HTTP error status; the response body is `body` (JSON) or a generic OpenAI error envelope. */
    status: z.number().int().min(400).max(599).optional(),
    body: z.unknown().optional(),
    malformed: MalformedSchema.optional(),
    /** After the tokens, an OpenAI-style `data: {"error": {...}}` event, then the body ends. */
    inBandError: ErrorObjectSchema.optional(),
    /** After the tokens, an `event: error` frame with `{"error": {...}}`, then the body ends. */
    eventErrorFrame: z.union([z.literal(true), ErrorObjectSchema]).optional(),
    /** How many token chunks go out before `malformed`, `inBandError` or `eventErrorFrame`. Default: all of them. */
    failAfterTokens: z.number().int().min(0).optional(),
    /** End the body without `data: [DONE]`. */
    noDone: z.boolean().default(false),
    finishReason: z.enum(["stop", "length", "content_filter", "tool_calls"]).default("stop"),
    /** Extra response headers. */
    headers: z.record(z.string(), z.string()).default({}),
    /**
     * After the tokens (or `failAfterTokens` of them), keep the response open and send, every `stallEveryMs`
     * until the client goes away: `comments` (`: keep-alive`), or `empty_deltas` (a chunk with an empty delta; the
     * Responses API an empty `output_text.delta`, Anthropic a `ping`). Nothing that is progress.
     */
    stall: z.enum(["comments", "empty_deltas"]).optional(),
    stallEveryMs: z.number().int().min(1).max(60_000).default(50),
    /** End the body right after the tokens: no finish chunk, no usage, no `[DONE]` (named APIs: no closing events). */
    noFinish: z.boolean().default(false),
    /** Answer a streaming request with the whole JSON completion (`application/json`), as if `stream` were ignored. */
    ignoreStream: z.boolean().default(false),
    /** Counts that replace the ones the upstream reports (usage chunk, closing events, whole body), absurd or not. */
    usage: z
      .strictObject({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() })
      .optional(),
    /** Per request `seed` (its decimal string): what that request does instead (fan-out sends `seed + i`). */
    bySeed: z.record(z.string(), VariantSchema).optional(),
    /** Per arrival: what the scenario's i-th request does instead (later requests do as the scenario says). */
    byOrder: z.array(VariantSchema).optional(),
    /** Milliseconds between the headers and the body of an error (`status`) or a whole answer (`ignoreStream`). */
    bodyDelayMs: z.number().int().min(0).max(60_000).default(0),
    /** With `status`: announce the whole error body's length, send half of it, then reset the connection. */
    bodyBreak: z.boolean().default(false),
  })
  .check((ctx) => {
    const { text, texts, chunks, raw, status } = ctx.value;
    const sources = [text, texts, chunks, raw, status].filter((source) => source !== undefined).length;
    if (sources !== 1) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: "give exactly one of text, texts, chunks, raw or status",
      });
    }
  });
export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

/** What the upstream saw and did for one request. Times are epoch milliseconds. */
export interface RequestRecord {
  path: string;
  /** The JSON request body as received. */
  body: unknown;
  headers: Record<string, string>;
  stream: boolean;
  startedAtMs: number;
  tokensPlanned: number;
  /** Token chunks written before the connection closed (or the stream ended). */
  tokensSent: number;
  /** The client closed the connection before the response was complete. */
  clientClosed: boolean;
  /** The upstream wrote its whole response. */
  completed: boolean;
  closedAtMs: number | null;
  lastTokenAtMs: number | null;
  /** Every byte of the response body written, as text. */
  written: string;
  /** The request's `seed`, if it sent one. */
  seed: number | null;
  /** The variant that answered it (`seed:101`, `order:0`); null when the scenario itself did. */
  variant: string | null;
}
