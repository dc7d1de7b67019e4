import { vi } from "vitest";

const encoder = new TextEncoder();

/** One upstream call as the faked `fetch` saw it. */
export interface FaultyCall {
  url: string;
  body: any;
  signal: AbortSignal;
  /** Why inflight aborted the call, once it did. */
  abortReason?: unknown;
}

/** What the faked upstream saw; `started` resolves on the first call. */
export interface FaultyUpstream {
  calls: FaultyCall[];
  started: Promise<FaultyCall>;
}

/**
 * Replaces the Worker's outbound `fetch` with `respond`, which sees the call's abort signal, so that a fault can
 * wait for inflight to give up (a timeout, the client leaving) instead of for a clock.
 */
export function faultyUpstream(respond: (call: FaultyCall) => Response | Promise<Response>): FaultyUpstream {
  const calls: FaultyCall[] = [];
  let begin!: (call: FaultyCall) => void;
  const started = new Promise<FaultyCall>((resolve) => (begin = resolve));
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init as RequestInit);
    const text = await request.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    const signal = init?.signal ?? new AbortController().signal;
    const call: FaultyCall = { url: request.url, body, signal };
    signal.addEventListener("abort", () => (call.abortReason = (signal.reason as { reason?: unknown }).reason));
    calls.push(call);
    begin(call);
    return respond(call);
  });
  return { calls, started };
}

/** A promise that rejects with the signal's reason when it aborts, and never settles otherwise. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/**
 * A body that sends `chunks` (one per read), then what `then` says: `end` closes it, `hang` waits until the
 * call is aborted, `break` errors it (a connection lost mid-body), `repeat` sends the last chunk again and again
 * until the call is aborted (keep-alives forever).
 */
export function body(
  signal: AbortSignal,
  chunks: string[],
  then: "end" | "hang" | "break" | "repeat" = "end",
): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (next < chunks.length) return controller.enqueue(encoder.encode(chunks[next++]!));
        if (then === "end") return controller.close();
        if (then === "break") return controller.error(new Error("Network connection lost."));
        if (then === "repeat" && chunks.length > 0) {
          // Yield to the timers between keep-alives, as a network would.
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (!signal.aborted) return controller.enqueue(encoder.encode(chunks.at(-1)!));
        }
        await untilAborted(signal).catch((reason: unknown) => controller.error(reason));
      },
    },
    { highWaterMark: 0 },
  );
}
