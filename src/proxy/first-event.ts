import type { EventSourceMessage } from "eventsource-parser";
import { createSseReader } from "./sse-reader";

/**
 * Waits for the first event of an upstream SSE body, before anything is sent to the client. Engines report some
 * refusals that way, inside an HTTP 200 stream (LoRAX when it cannot download the adapter, SGLang when the adapter
 * is not loaded): when `errorOf` says the first event is such an error, the answer is the engine's error and the
 * body is cancelled, so the caller can answer with an error status (or fix the cause and send again). Otherwise the
 * body is handed back whole, the bytes already read first. Comments before the first event are read past; after
 * `waitMs` without an event the body is handed back as it is (the stream's own idle timeout then applies).
 */
export async function firstEventError<E>(
  body: ReadableStream<Uint8Array>,
  errorOf: (event: EventSourceMessage) => E | undefined,
  waitMs: number,
): Promise<{ error: E } | { body: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const sse = createSseReader();
  const seen: Uint8Array[] = [];
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), waitMs);
  });
  try {
    for (;;) {
      pending = reader.read();
      const result = await Promise.race([pending, timeout]);
      if (result === "timeout") break;
      pending = undefined;
      if (result.done) break;
      seen.push(result.value);
      const event = sse.feed(result.value).find((item) => item.type !== "comment");
      if (!event) continue;
      if (event.type === "event") {
        const error = errorOf(event.event);
        if (error !== undefined) {
          await reader.cancel().catch(() => undefined);
          return { error };
        }
      }
      break;
    }
  } finally {
    clearTimeout(timer);
  }
  return { body: replay(reader, seen, pending) };
}

/** The body again: the chunks already read, a read still in flight, then the rest. */
function replay(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  seen: Uint8Array[],
  pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = seen.shift();
        if (chunk) return controller.enqueue(chunk);
        const next = pending ?? reader.read();
        pending = undefined;
        const { done, value } = await next;
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
