import { err, ok, type Result } from "../engine/result";

/** The most of an upstream error body inflight reads; the rest is dropped (and the connection closed). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** The most of a whole (non-streamed) answer inflight reads; a larger one is refused. */
export const MAX_WHOLE_BODY_BYTES = 8 * 1024 * 1024;
/** How much of a body's start `peekBody` looks at. */
const HEAD_BYTES = 64;

/** Cancels `reader` when `signal` aborts (a timeout or the client leaving), so a pending read settles at once. */
function cancelOnAbort(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal): () => void {
  const cancel = () => void reader.cancel(signal.reason).catch(() => undefined);
  if (signal.aborted) cancel();
  else signal.addEventListener("abort", cancel, { once: true });
  return () => signal.removeEventListener("abort", cancel);
}

/**
 * Reads a body that is not a stream (an error body, a whole JSON answer) up to `maxBytes`. The wait is bounded
 * by `signal`: the caller aborts it when its timer runs out or the client leaves, and the read then fails with
 * the signal's reason. A body that breaks off fails with the error it broke with.
 */
export async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Result<{ text: string; truncated: boolean }, unknown>> {
  if (!body) return ok({ text: "", truncated: false });
  const reader = body.getReader();
  const release = cancelOnAbort(reader, signal);
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      // A cancel on abort ends the read as if the body had ended: the signal says it did not.
      if (signal.aborted) return err(signal.reason);
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size > maxBytes) {
        truncated = true;
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
  } catch (error) {
    return err(signal.aborted ? signal.reason : error);
  } finally {
    release();
  }
  const bytes = new Uint8Array(Math.min(size, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
  }
  return ok({ text: new TextDecoder().decode(bytes), truncated });
}

const isSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * Reads the start of a body whose content type does not say what it is: returns its first characters (after
 * leading whitespace; "" for an empty body) and the body again from its first byte, so nothing is lost whatever
 * the caller then does with it. Bounded by `signal` like `readBounded`.
 */
export async function peekBody(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<Result<{ head: string; body: ReadableStream<Uint8Array> }, unknown>> {
  const reader = body.getReader();
  const release = cancelOnAbort(reader, signal);
  const seen: Uint8Array[] = [];
  let head = "";
  let ended = false;
  try {
    let start = -1;
    let size = 0;
    while (size < HEAD_BYTES) {
      const { value, done } = await reader.read();
      if (signal.aborted) return err(signal.reason);
      if (done) {
        ended = true;
        break;
      }
      seen.push(value);
      if (start < 0) {
        const at = value.findIndex((byte) => !isSpace(byte));
        if (at < 0) continue;
        start = at;
        size = value.length - at;
        head = new TextDecoder().decode(value.subarray(at, at + HEAD_BYTES));
      } else {
        size += value.length;
        head += new TextDecoder().decode(value.subarray(0, HEAD_BYTES));
      }
    }
  } catch (error) {
    return err(signal.aborted ? signal.reason : error);
  } finally {
    release();
  }
  let next = 0;
  const replay = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (next < seen.length) return controller.enqueue(seen[next++]!);
        if (ended) return controller.close();
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return ok({ head: head.slice(0, HEAD_BYTES), body: replay });
}

/** What a body's start says it is: an event stream, JSON, nothing at all, or something else (HTML, text). */
export function classifyHead(head: string): "sse" | "json" | "empty" | "other" {
  if (head === "") return "empty";
  if (/^(?:data|event|id|retry)[ \t]*:|^:/.test(head)) return "sse";
  if (head.startsWith("{") || head.startsWith("[")) return "json";
  return "other";
}
