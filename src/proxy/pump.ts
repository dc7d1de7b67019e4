import type { Frame, Session } from "./session";
import { createSseReader, type SseItem } from "./sse-reader";
import { UpstreamAbort } from "./abort";
import type { Deadline } from "./wait-timer";

const encoder = new TextEncoder();

/** How long a stream may go on: `idleMs` without progress, and until `deadline` (the request's total limit). */
export interface StreamLimits {
  idleMs: number;
  deadline?: Deadline;
}

class StreamTimeout extends Error {
  constructor(
    readonly wait: "idle" | "total",
    readonly ms: number,
  ) {
    super(wait === "idle" ? `no progress from the upstream for ${ms} ms` : `the request took longer than ${ms} ms`);
  }
}

/**
 * Reads the upstream, failing once `idleMs` pass without progress (the pump calls `touch` when the session made
 * some: bytes alone, such as keep-alive comments or empty deltas, do not count) or the deadline passes. One timer
 * per stream that re-arms itself from the time of the last progress, rather than a timer and a race per read:
 * reads are the hot path, one per upstream chunk.
 */
function createWatchedReader(reader: ReadableStreamDefaultReader<Uint8Array>, limits: StreamLimits) {
  const { idleMs, deadline } = limits;
  let last = Date.now();
  let fired: StreamTimeout | undefined;
  const wait = (now: number) => Math.max(0, Math.min(idleMs - (now - last), deadline ? deadline.at - now : idleMs));
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(function check() {
    const now = Date.now();
    if (deadline && now >= deadline.at) fired = new StreamTimeout("total", deadline.ms);
    else if (now - last >= idleMs) fired = new StreamTimeout("idle", idleMs);
    if (!fired) {
      timer = setTimeout(check, wait(now));
      return;
    }
    // Cancelling settles the pending read, which `read` then reports as the timeout.
    reader.cancel(fired).catch(() => undefined);
  }, wait(Date.now()));
  return {
    async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        // workerd settles the pending read of a cancelled fetch body with an error of its own, not `fired`.
        throw fired ?? error;
      }
      if (fired) throw fired;
      return result;
    },
    /** The stream made progress: the no-progress clock starts again. */
    touch() {
      last = Date.now();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * Drives a session from the upstream body: each network chunk is parsed into SSE items, inspected, and the
 * resulting frames handed to `write`. Returns when the session is over (the upstream is then aborted by the
 * session) or the upstream ends.
 */
export function createPump(upstream: ReadableStream<Uint8Array>, session: Session, limits: StreamLimits) {
  const reader = upstream.getReader();
  const idle = createWatchedReader(reader, limits);
  const sse = createSseReader();
  let finished = false;

  const handleAll = (items: SseItem[]): Frame[] => {
    const frames: Frame[] = [];
    for (const item of items) {
      frames.push(...session.handle(item));
      if (session.done) break;
    }
    return frames;
  };

  const close = () => {
    if (finished) return;
    finished = true;
    idle.stop();
    // Cancelling the body closes the upstream connection at once, even before the abort signal propagates.
    reader.cancel().catch(() => undefined);
  };

  return {
    /** The next batch of frames; `end` once nothing more will come. */
    async next(): Promise<{ frames: Frame[]; end: boolean }> {
      for (;;) {
        if (finished) return { frames: [], end: true };
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await idle.read();
        } catch (error) {
          if (session.done) {
            close();
            return { frames: [], end: true };
          }
          const frames =
            error instanceof StreamTimeout
              ? session.upstreamFailed(
                  error.message,
                  { kind: "timeout", wait: error.wait, ms: error.ms },
                  "upstream_timeout",
                )
              : session.upstreamFailed(
                  error instanceof UpstreamAbort
                    ? error.message
                    : `the connection failed (${error instanceof Error ? error.message : String(error)})`,
                );
          close();
          return { frames, end: true };
        }
        if (result.done) {
          const frames = [...handleAll(sse.end()), ...session.upstreamEnded()];
          close();
          return { frames, end: true };
        }
        const before = session.progress;
        const frames = handleAll(sse.feed(result.value));
        if (session.progress !== before) idle.touch();
        if (session.done) {
          close();
          return { frames, end: true };
        }
        if (frames.length > 0) return { frames, end: false };
      }
    },
    close,
  };
}

/** The client-facing SSE body. Reads upstream only as fast as the client takes frames (backpressure). */
export function streamToClient(
  pump: ReturnType<typeof createPump>,
  onClientGone: () => void,
  onEnd: () => void,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { frames, end } = await pump.next();
        if (frames.length > 0) controller.enqueue(encoder.encode(frames.map((frame) => frame.sse).join("")));
        if (end) {
          controller.close();
          onEnd();
        }
      },
      cancel() {
        onClientGone();
        pump.close();
        onEnd();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Runs the pump to the end and returns every frame, for non-streaming clients. */
export async function collectFrames(pump: ReturnType<typeof createPump>): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (;;) {
    const batch = await pump.next();
    frames.push(...batch.frames);
    if (batch.end) return frames;
  }
}
