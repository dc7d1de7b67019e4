import type { Config } from "../config";
import type { Json } from "../formats/types";
import type { AbortReason } from "../proxy/abort";
import { firstEventError } from "../proxy/first-event";
import { describeFetchError } from "../proxy/upstream";
import {
  classifyHead,
  MAX_ERROR_BODY_BYTES,
  MAX_WHOLE_BODY_BYTES,
  peekBody,
  readBounded,
} from "../proxy/upstream-body";
import { excerptOf, type UpstreamFailure } from "../proxy/upstream-failure";
import type { createWaitTimer } from "../proxy/wait-timer";
import type { ApiSpec, UpstreamSpec } from "./apis/types";
import type { UpstreamTarget } from "./types";

/**
 * What one upstream request came to before any of its text was read: an event stream, a whole JSON answer, a JSON
 * error to relay with its status, a failure to describe, or a client that left while it waited.
 */
export type Opening =
  | { kind: "sse"; body: ReadableStream<Uint8Array> }
  | { kind: "whole"; json: Json; status: number }
  | { kind: "http_error"; status: number; text: string; headers: Headers }
  | { kind: "failed"; failure: UpstreamFailure; headers?: Headers }
  | { kind: "client_gone" };

/** Everything one upstream request needs; the caller owns the controller, the timer and the session. */
export interface OpenRequest {
  api: ApiSpec;
  config: Pick<Config, "UPSTREAM_HEADERS_TIMEOUT_MS" | "UPSTREAM_BODY_TIMEOUT_MS" | "UPSTREAM_IDLE_TIMEOUT_MS">;
  spec: UpstreamSpec;
  target: UpstreamTarget | undefined;
  headers: Headers;
  /** The JSON body, serialised. */
  body: string;
  signal: AbortSignal;
  timer: ReturnType<typeof createWaitTimer>;
  /** Why the request was aborted, if inflight aborted it. */
  aborted(): AbortReason | undefined;
}

const parseJson = (text: string): Json | unknown[] | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
};

/** `text/html; charset=utf-8` -> `a text/html body`; "" when the upstream named no type. */
export const bodyOfType = (contentType: string | null) => {
  const type = (contentType ?? "").split(";")[0]!.trim();
  return type ? `a ${type} body` : "";
};

/**
 * A routed engine's refusal inside an HTTP 200 stream (an error as its first event: LoRAX failing to download the
 * adapter, SGLang without it) as the error response it stands for, 502 with the engine's error in OpenAI's
 * envelope, so that it is recovered from, metered and answered like any refusal. Other answers pass unchanged.
 */
async function engineRefusal(upstream: Response, api: ApiSpec, waitMs: number): Promise<Response> {
  if (!upstream.ok || !upstream.body) return upstream;
  const format = api.createFormat();
  const first = await firstEventError(
    upstream.body,
    (event) => {
      const reading = format.read(event);
      return reading.kind === "error" ? reading.body : undefined;
    },
    waitMs,
  );
  if ("body" in first) return new Response(first.body, upstream);
  return new Response(JSON.stringify(first.error), { status: 502, headers: { "content-type": "application/json" } });
}

/**
 * Sends one completion request upstream and reads its answer up to where the text starts, every wait bounded
 * (`UPSTREAM_HEADERS_TIMEOUT_MS`, `UPSTREAM_BODY_TIMEOUT_MS`). Redirects are not followed: they would carry the
 * provider key to wherever the upstream points. A routed backend that refuses may fix the cause (`recover`), and
 * the request is then sent once more: nothing has reached the client yet.
 */
export async function openUpstream(request: OpenRequest): Promise<Opening> {
  const { api, config, spec, target, timer, signal, aborted } = request;
  const send = () =>
    fetch(spec.url, { method: "POST", headers: request.headers, body: request.body, signal, redirect: "manual" });
  // A routed engine may refuse inside an HTTP 200 stream: read its first event before answering.
  const attempt = async () => (target ? engineRefusal(await send(), api, config.UPSTREAM_IDLE_TIMEOUT_MS) : send());
  const host = new URL(spec.url).host;

  /** A wait that ended without its answer: the client left, a timer ran out, or the upstream broke (`broke`). */
  const interrupted = (broke: () => UpstreamFailure): Opening => {
    timer.stop();
    const reason = aborted();
    if (reason?.kind === "client_disconnect") return { kind: "client_gone" };
    if (reason?.kind === "timeout")
      return { kind: "failed", failure: { reason: "timeout", wait: reason.wait, ms: reason.ms } };
    return { kind: "failed", failure: broke() };
  };
  /** Reads an error body within `UPSTREAM_BODY_TIMEOUT_MS`; a failure is the opening to answer with. */
  const readErrorBody = async (response: Response) => {
    timer.start("body", config.UPSTREAM_BODY_TIMEOUT_MS);
    const read = await readBounded(response.body, MAX_ERROR_BODY_BYTES, signal);
    timer.stop();
    if (read.ok) return read;
    const reason = aborted();
    if (reason?.kind === "client_disconnect") return { ok: false as const, error: { kind: "client_gone" } as Opening };
    const detail =
      reason?.kind === "timeout"
        ? `did not arrive within ${reason.ms} ms`
        : `broke off (${describeFetchError(read.error)})`;
    const failure: UpstreamFailure = { reason: "error_body_unreadable", status: response.status, detail };
    return { ok: false as const, error: { kind: "failed", failure, headers: response.headers } as Opening };
  };

  let upstream: Response;
  try {
    timer.start("headers", config.UPSTREAM_HEADERS_TIMEOUT_MS);
    upstream = await attempt();
    if (!upstream.ok && target?.recover) {
      // A routed backend may be able to fix what it refused (a vLLM adapter not loaded): then try once more.
      const refusal = await readErrorBody(upstream);
      if (!refusal.ok) return refusal.error;
      timer.start("headers", config.UPSTREAM_HEADERS_TIMEOUT_MS);
      upstream = (await target.recover(upstream.status, refusal.value.text))
        ? await attempt()
        : new Response(refusal.value.text, { status: upstream.status, headers: upstream.headers });
    }
  } catch (error) {
    return interrupted(() => ({ reason: "unreachable", host, detail: describeFetchError(error) }));
  }
  timer.stop();

  const { status } = upstream;
  if (status < 200 || status > 299) {
    if (status < 400 || status > 599) {
      upstream.body?.cancel().catch(() => undefined);
      return { kind: "failed", failure: { reason: "unexpected_status", status } };
    }
    const read = await readErrorBody(upstream);
    if (!read.ok) return read.error;
    const { text, truncated } = read.value;
    // A JSON error is already in the API's own terms: relayed with its status, as the upstream sent it.
    if (!truncated && parseJson(text) !== undefined)
      return { kind: "http_error", status, text, headers: upstream.headers };
    const contentType = bodyOfType(upstream.headers.get("content-type"));
    return {
      kind: "failed",
      failure: { reason: "error_not_json", status, contentType, excerpt: excerptOf(text) },
      headers: upstream.headers,
    };
  }

  // A success: an event stream, a whole JSON answer, or neither. The content type decides, or, when it names
  // neither, the body's first characters.
  const contentType = (upstream.headers.get("content-type") ?? "").toLowerCase();
  let body = upstream.body;
  let shape: ReturnType<typeof classifyHead> | undefined = !body
    ? "empty"
    : contentType.includes("text/event-stream")
      ? "sse"
      : contentType.includes("json")
        ? "json"
        : undefined;
  const bodyFailed = (error: unknown) =>
    interrupted(() => ({ reason: "body_unreadable", detail: describeFetchError(error) }));
  if (shape === undefined && body) {
    timer.start("body", config.UPSTREAM_BODY_TIMEOUT_MS);
    const peeked = await peekBody(body, signal);
    timer.stop();
    if (!peeked.ok) return bodyFailed(peeked.error);
    body = peeked.value.body;
    shape = classifyHead(peeked.value.head);
  }
  if (shape === "sse" && body) return { kind: "sse", body };

  const notACompletion = (what: string): Opening => ({
    kind: "failed",
    failure: { reason: "not_a_completion", status, what },
  });
  if (shape === "empty" || !body) {
    body?.cancel().catch(() => undefined);
    return notACompletion("an empty body");
  }
  timer.start("body", config.UPSTREAM_BODY_TIMEOUT_MS);
  const read = await readBounded(body, MAX_WHOLE_BODY_BYTES, signal);
  timer.stop();
  if (!read.ok) return bodyFailed(read.error);
  const { text, truncated } = read.value;
  const json = truncated ? undefined : parseJson(text);
  if (json === undefined || Array.isArray(json)) {
    const what = truncated
      ? `a body over ${MAX_WHOLE_BODY_BYTES} bytes`
      : text.trim() === ""
        ? "an empty body"
        : shape === "json"
          ? "a body that is not a JSON object"
          : bodyOfType(upstream.headers.get("content-type")) || "a body that is neither JSON nor an event stream";
    return notACompletion(what);
  }
  return { kind: "whole", json, status };
}
