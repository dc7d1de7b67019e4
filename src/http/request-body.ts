import type { Context, MiddlewareHandler } from "hono";
import { err, ok, type Result } from "../engine/result";
import { envelopeError } from "./envelope";
import { errorBody } from "./errors";
import type { ApiSpec } from "./apis/types";
import type { AppEnv } from "./types";

/** A `/v1` request body, read once and never past `MAX_REQUEST_BYTES`. */
export interface RequestBody {
  /** Bytes received. */
  size: number;
  /** The body as text (UTF-8); empty for a forwarded upload, which keeps its bytes. */
  text: string;
  /** The bytes of a forwarded upload (`bytes` routes); null otherwise. */
  bytes: Uint8Array | null;
}

const HAS_NO_BODY = new Set(["GET", "HEAD"]);

/**
 * Reads a body stream up to `limit` bytes, decoding as it goes unless `keepBytes`. It stops reading (and
 * cancels the stream) at the first chunk past the limit, so a chunked body without `content-length` is never
 * buffered whole.
 */
export async function readBounded(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
  keepBytes: boolean,
): Promise<Result<RequestBody, "too_large">> {
  if (!stream) return ok({ size: 0, text: "", bytes: keepBytes ? new Uint8Array(0) : null });
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const texts: string[] = [];
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel("request body too large").catch(() => {});
      return err("too_large");
    }
    if (keepBytes) chunks.push(value);
    else texts.push(decoder.decode(value, { stream: true }));
  }
  if (!keepBytes) {
    texts.push(decoder.decode());
    return ok({ size, text: texts.join(""), bytes: null });
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return ok({ size, text: "", bytes });
}

function tooLarge(c: Context<AppEnv>): Response {
  const limit = c.var.config.MAX_REQUEST_BYTES;
  return envelopeError(
    c.var.door?.envelope ?? "openai",
    413,
    errorBody(
      `The request body is larger than ${limit} bytes (MAX_REQUEST_BYTES).`,
      "invalid_request_error",
      "request_too_large",
    ),
  );
}

async function read(c: Context<AppEnv>): Promise<Result<RequestBody, Response>> {
  const limit = c.var.config.MAX_REQUEST_BYTES;
  const raw = c.req.raw;
  const keepBytes = c.var.door?.kind === "forwarded" && c.var.door.forwarded.body === "bytes";
  if (HAS_NO_BODY.has(raw.method)) return ok({ size: 0, text: "", bytes: keepBytes ? new Uint8Array(0) : null });
  const declared = Number(raw.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) {
    await raw.body?.cancel("request body too large").catch(() => {});
    return err(tooLarge(c));
  }
  const body = await readBounded(raw.body, limit, keepBytes);
  if (!body.ok) return err(tooLarge(c));
  // Hono's own readers (`c.req.json()`, used by adapter routing) see the same text, never the drained stream.
  // Its cache holds promises, although its type says otherwise.
  if (!keepBytes) c.req.bodyCache.text = Promise.resolve(body.value.text) as unknown as string;
  return body;
}

/**
 * The request's body, read once whoever asks first (team authentication for a policy check, or the route's
 * handler), bounded by `MAX_REQUEST_BYTES`: a larger body is answered with 413 in the route's envelope.
 */
export function requestBody(c: Context<AppEnv>): Promise<Result<RequestBody, Response>> {
  let pending = c.var.requestBody;
  if (!pending) {
    pending = read(c);
    c.set("requestBody", pending);
  }
  return pending;
}

/**
 * The body parsed as JSON, whatever its content type (policy checks and handlers read the same value), parsed
 * once. A body that is not JSON is a 400 `invalid_json` in the route's envelope.
 */
export async function requestJson(c: Context<AppEnv>): Promise<Result<unknown, Response>> {
  const cached = c.var.requestJson;
  if (cached) return cached;
  const body = await requestBody(c);
  if (!body.ok) return body;
  let parsed: Result<unknown, Response>;
  try {
    parsed = ok(JSON.parse(body.value.text) as unknown);
  } catch {
    parsed = err(
      envelopeError(
        c.var.door?.envelope ?? "openai",
        400,
        errorBody("The request body is not valid JSON.", "invalid_request_error", "invalid_json"),
      ),
    );
  }
  c.set("requestJson", parsed);
  return parsed;
}

/** Reads every `/v1` body before the routes (413 here), so that whatever runs next sees the same bytes. */
export function boundedBody(): MiddlewareHandler<AppEnv> {
  return async function readBoundedBody(c, next) {
    const body = await requestBody(c);
    if (!body.ok) return body.error;
    await next();
  };
}

/** The proxied request as `api` parses it, parsed once (budget reservations and the handler read the same). */
export function parseOnce(c: Context<AppEnv>, api: ApiSpec, raw: unknown): ReturnType<ApiSpec["parse"]> {
  const memo = c.var.parsedRequest;
  if (memo && memo.api === api) return memo.result;
  const result = api.parse(raw);
  c.set("parsedRequest", { api, result });
  return result;
}
