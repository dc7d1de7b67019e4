import type { ServerResponse } from "node:http";
import { once } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import type { RequestRecord, Scenario } from "./scenario-schema";
import { tokenize } from "./tokenize";
import {
  DONE_EVENT,
  completionBody,
  emptyChunk,
  errorBody,
  finishChunk,
  planPieces,
  roleChunk,
  sseEvent,
  tokenChunk,
  usageChunk,
  type ResponseMeta,
  type TokenPiece,
  type Usage,
} from "./wire";
import { messagesStream, responsesStream, type ApiStream } from "./wire-apis";

/** Epoch milliseconds with sub-millisecond resolution, so abort latency can be measured below 1 ms. */
const now = () => performance.timeOrigin + performance.now();

/** One request the upstream answers, with the record it keeps up to date while it writes. */
export interface Exchange {
  res: ServerResponse;
  record: RequestRecord;
  meta: ResponseMeta;
  scenario: Scenario;
  tokenDelayMs: number;
  promptText: string;
  /** Keep a copy of every byte written in `record.written` (off for long benchmark streams). */
  recordWritten: boolean;
}

/**
 * Writes the response a scenario plans, pacing token chunks with timers, and stops at once when the client
 * closes the connection: the record then shows how far the stream got.
 */
export async function respond(exchange: Exchange): Promise<void> {
  const writer = createWriter(exchange);
  const { scenario, res, record } = exchange;
  if (scenario.firstByteDelayMs > 0 && !(await writer.wait(scenario.firstByteDelayMs))) return;

  if (scenario.status !== undefined) {
    const body =
      scenario.body ??
      errorBody(`Scenario error ${scenario.status}`, scenario.status >= 500 ? "server_error" : "invalid_request_error");
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(scenario.status, {
      "content-type": "application/json",
      ...(scenario.bodyBreak ? { "content-length": String(Buffer.byteLength(text)) } : {}),
      ...scenario.headers,
    });
    if (!(await writer.delayBody(scenario.bodyDelayMs))) return;
    if (scenario.bodyBreak) return writer.destroyAfter(text.slice(0, Math.floor(text.length / 2)));
    writer.end(text);
    return;
  }
  if (scenario.raw !== undefined) return streamFrames(writer, exchange, scenario.raw);
  if (scenario.chunks !== undefined)
    return streamFrames(
      writer,
      exchange,
      scenario.chunks.map((data) => sseEvent(data)),
    );

  const texts = scenario.texts ?? [scenario.text ?? ""];
  const pieces = planPieces(texts, exchange.meta.endpoint !== "completions" ? scenario.reasoning : undefined);
  record.tokensPlanned = pieces.length;
  const promptTokens = tokenize(exchange.promptText).length;
  const prompt = scenario.usage?.prompt_tokens ?? promptTokens;
  const completion = scenario.usage?.completion_tokens ?? pieces.length;
  const usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };

  const api = apiStream(exchange.meta, usage);
  if (!record.stream || scenario.ignoreStream) {
    res.writeHead(200, { "content-type": "application/json", ...scenario.headers });
    if (!(await writer.delayBody(scenario.bodyDelayMs))) return;
    const body = JSON.stringify(
      api
        ? wholeBody(api, pieces, scenario.finishReason)
        : completionBody(exchange.meta, texts, scenario.reasoning, scenario.finishReason, usage),
    );
    record.tokensSent = pieces.length;
    writer.end(scenario.malformed === undefined ? body : body.slice(0, Math.floor(body.length / 2)));
    return;
  }

  res.writeHead(200, sseHeaders(scenario.headers));
  const { meta } = exchange;
  if (api) {
    for (const frame of api.start()) if (!(await writer.write(frame))) return;
  }
  if (meta.endpoint === "chat") {
    for (let choice = 0; choice < texts.length; choice += 1)
      if (!(await writer.write(sseEvent(roleChunk(meta, choice))))) return;
  }
  const failsAt = failurePlanned(scenario)
    ? Math.min(scenario.failAfterTokens ?? pieces.length, pieces.length)
    : pieces.length;
  for (const piece of pieces.slice(0, failsAt)) {
    if (!(await writer.wait(exchange.tokenDelayMs))) return;
    if (!(await writer.write(api ? api.piece(piece).join("") : sseEvent(tokenChunk(meta, piece))))) return;
    record.tokensSent += 1;
    record.lastTokenAtMs = now();
  }
  if (scenario.stall !== undefined) return stall(writer, exchange, api);
  if (failurePlanned(scenario)) {
    const next = pieces[failsAt] ?? { choice: 0, channel: "content" as const, text: " cut" };
    // Named-event APIs: the next event's JSON, for a frame cut in half.
    const nextData = api ? (/^data: (.*)$/m.exec(api.piece(next).at(-1) ?? "")?.[1] ?? "") : tokenChunk(meta, next);
    return fail(writer, exchange, nextData, api);
  }
  if (scenario.noFinish) return writer.end("");
  if (api) {
    for (const frame of api.finish(scenario.finishReason)) if (!(await writer.write(frame))) return;
    writer.end("");
    return;
  }

  for (let choice = 0; choice < texts.length; choice += 1) {
    if (!(await writer.write(sseEvent(finishChunk(meta, choice, scenario.finishReason))))) return;
  }
  if (meta.includeUsage && !(await writer.write(sseEvent(usageChunk(meta, usage))))) return;
  writer.end(scenario.noDone ? "" : DONE_EVENT);
}

/** Sends what the scenario's `stall` names, again and again, until the client goes away. */
async function stall(writer: Writer, exchange: Exchange, api?: ApiStream): Promise<void> {
  const { scenario, meta } = exchange;
  const frame = () =>
    scenario.stall === "comments" ? ": keep-alive\n\n" : api ? api.empty() : sseEvent(emptyChunk(meta, 0));
  for (;;) {
    if (!(await writer.wait(scenario.stallEveryMs))) return;
    if (!(await writer.write(frame()))) return;
  }
}

function failurePlanned(scenario: Scenario): boolean {
  return (
    scenario.malformed !== undefined || scenario.inBandError !== undefined || scenario.eventErrorFrame !== undefined
  );
}

/** Ends the stream the way the scenario plans it to go wrong; `next` is the chunk that would have come next. */
async function fail(writer: Writer, exchange: Exchange, next: string, api?: ApiStream): Promise<void> {
  const { scenario } = exchange;
  if (api && (scenario.inBandError !== undefined || scenario.eventErrorFrame !== undefined)) {
    const planned = scenario.inBandError ?? scenario.eventErrorFrame;
    const error =
      planned === true || planned === undefined
        ? { message: "The upstream failed mid-stream.", type: "api_error", param: null, code: null }
        : planned;
    return writer.end(api.error(error));
  }
  if (scenario.inBandError !== undefined) return writer.end(sseEvent(JSON.stringify({ error: scenario.inBandError })));
  if (scenario.eventErrorFrame !== undefined) {
    const error =
      scenario.eventErrorFrame === true
        ? { message: "The upstream failed mid-stream.", type: "server_error", param: null, code: null }
        : scenario.eventErrorFrame;
    return writer.end(sseEvent(JSON.stringify({ error }), "error"));
  }
  const half = `data: ${next.slice(0, Math.floor(next.length / 2))}`;
  switch (scenario.malformed) {
    case "garbage":
      return writer.end(sseEvent("{this is not json"));
    case "cut":
      return writer.end(half);
    case "reset":
      return writer.destroyAfter(half);
    case "hang":
      await writer.untilClosed();
      return;
    case undefined:
      return writer.end("");
  }
}

async function streamFrames(writer: Writer, exchange: Exchange, frames: readonly string[]): Promise<void> {
  const { record, res, scenario } = exchange;
  record.tokensPlanned = frames.length;
  res.writeHead(200, sseHeaders(scenario.headers));
  for (const frame of frames) {
    if (!(await writer.wait(exchange.tokenDelayMs))) return;
    if (!(await writer.write(frame))) return;
    record.tokensSent += 1;
    record.lastTokenAtMs = now();
  }
  if (scenario.malformed === "hang") return writer.untilClosed();
  const named = exchange.meta.endpoint === "responses" || exchange.meta.endpoint === "messages";
  writer.end(scenario.noDone || scenario.raw !== undefined || named ? "" : DONE_EVENT);
}

/** The named-event stream for the Responses and Anthropic endpoints; undefined for Chat and Completions. */
function apiStream(meta: Exchange["meta"], usage: Usage): ApiStream | undefined {
  if (meta.endpoint === "responses") return responsesStream(meta, usage);
  if (meta.endpoint === "messages") return messagesStream(meta, usage);
  return undefined;
}

/** A non-streaming Responses `response` or Anthropic `message`: the payload the stream's last events carry. */
function wholeBody(api: ApiStream, pieces: TokenPiece[], finishReason: string): unknown {
  type Json = Record<string, unknown>;
  const field = (value: Json | undefined, key: string): Json => {
    const inner = value?.[key];
    return typeof inner === "object" && inner !== null ? (inner as Json) : {};
  };
  const frames = [...api.start(), ...pieces.flatMap((piece) => api.piece(piece)), ...api.finish(finishReason)];
  const payloads = frames.map((frame) => JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? "{}") as Json);
  const final = payloads.findLast((p) => p.type === "response.completed" || p.type === "response.incomplete");
  if (final) return final.response;
  const message = field(
    payloads.find((p) => p.type === "message_start"),
    "message",
  );
  const text = payloads
    .map((p) => field(p, "delta"))
    .flatMap((delta) => (delta.type === "text_delta" ? [String(delta.text)] : []))
    .join("");
  const end = payloads.find((p) => p.type === "message_delta");
  return {
    ...message,
    content: [{ type: "text", text }],
    stop_reason: field(end, "delta").stop_reason ?? "end_turn",
    usage: { ...field(message, "usage"), output_tokens: field(end, "usage").output_tokens },
  };
}

function sseHeaders(extra: Record<string, string>): Record<string, string> {
  return {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...extra,
  };
}

interface Writer {
  /** Writes and waits for the socket to take it; false once the client has gone. */
  write(text: string): Promise<boolean>;
  end(text: string): void;
  /** Waits `ms` (0: not at all); false if the client went away meanwhile. */
  wait(ms: number): Promise<boolean>;
  untilClosed(): Promise<void>;
  /** Sends the headers now and waits `ms` before the body (0: no wait); false if the client went away. */
  delayBody(ms: number): Promise<boolean>;
  /** Writes `text`, then destroys the socket once the text has reached it (a connection reset mid-stream). */
  destroyAfter(text: string): void;
}

function createWriter({ res, record, recordWritten }: Exchange): Writer {
  const closed = new AbortController();
  let selfDestroyed = false;
  res.on("close", () => {
    record.closedAtMs = now();
    if (!record.completed && !selfDestroyed) record.clientClosed = true;
    closed.abort();
  });
  const keep = (text: string) => {
    if (recordWritten) record.written += text;
  };
  return {
    async write(text) {
      if (closed.signal.aborted) return false;
      keep(text);
      if (res.write(text)) return true;
      // Backpressure: wait for the socket, or for the client to go away, whichever comes first.
      await once(res, "drain", { signal: closed.signal }).catch(() => undefined);
      return !closed.signal.aborted;
    },
    end(text) {
      if (closed.signal.aborted) return;
      keep(text);
      record.completed = true;
      res.end(text);
    },
    async wait(ms) {
      if (ms > 0) await delay(ms, undefined, { signal: closed.signal }).catch(() => undefined);
      return !closed.signal.aborted;
    },
    async untilClosed() {
      if (!closed.signal.aborted) await once(closed.signal, "abort");
    },
    async delayBody(ms) {
      if (ms === 0) return true;
      res.flushHeaders();
      await delay(ms, undefined, { signal: closed.signal }).catch(() => undefined);
      return !closed.signal.aborted;
    },
    destroyAfter(text) {
      if (closed.signal.aborted) return;
      keep(text);
      selfDestroyed = true;
      res.write(text, () => res.socket?.destroy());
    },
  };
}
