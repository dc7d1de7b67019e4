import { vi } from "vitest";

/** What the faked upstream saw and sent. */
export interface UpstreamLog {
  requests: { url: string; body: unknown; headers: Headers }[];
  /** SSE frames handed to the proxy before it stopped reading. */
  sent: number;
  cancelled: boolean;
  abortReason: unknown;
}

/** Builds SSE frames for a chat stream of `pieces`, one chunk per piece, ending with usage and [DONE]. */
export function chatFrames(
  pieces: string[],
  options: { finish?: string; usage?: boolean; id?: string } = {},
): string[] {
  const head = { id: options.id ?? "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m" };
  const frames = [
    `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] })}\n\n`,
  ];
  for (const piece of pieces)
    frames.push(
      `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })}\n\n`,
    );
  frames.push(
    `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, finish_reason: options.finish ?? "stop" }] })}\n\n`,
  );
  if (options.usage !== false) {
    frames.push(
      `data: ${JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 9, completion_tokens: pieces.length, total_tokens: 9 + pieces.length } })}\n\n`,
    );
  }
  frames.push("data: [DONE]\n\n");
  return frames;
}

/**
 * Replaces the Worker's outbound `fetch` with an upstream that streams `frames`, one per read, so the test can
 * see how far the proxy read before it aborted. `respond` overrides the whole response (errors, JSON).
 */
export function fakeUpstream(
  frames: (string | Uint8Array)[],
  respond?: (request: Request) => Response | Promise<Response>,
): UpstreamLog {
  const log: UpstreamLog = { requests: [], sent: 0, cancelled: false, abortReason: undefined };
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init as RequestInit);
    const text = await request.clone().text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    log.requests.push({ url: request.url, body, headers: request.headers });
    init?.signal?.addEventListener("abort", () => {
      log.abortReason = init.signal?.reason;
    });
    if (respond) return respond(request);
    return eventStream(frames, log, init?.signal);
  });
  return log;
}

const encoder = new TextEncoder();

/**
 * An SSE response that sends `frames` one per read, as a paced upstream does: `log.sent` counts those sent,
 * `log.cancelled` is set when the reader cancels, and nothing more is sent once `signal` aborts.
 */
export function eventStream(
  frames: readonly (string | Uint8Array)[],
  log: { sent: number; cancelled: boolean },
  signal?: AbortSignal | null,
): Response {
  let i = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (signal?.aborted) return;
        const frame = frames[i];
        i += 1;
        if (frame === undefined) {
          controller.close();
          return;
        }
        log.sent += 1;
        controller.enqueue(typeof frame === "string" ? encoder.encode(frame) : frame);
      },
      cancel() {
        log.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(stream, { headers: { "content-type": "text/event-stream" } });
}

/** Parses an SSE body into its data payloads (JSON where possible). */
export function dataEvents(body: string): unknown[] {
  return body
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => frame.slice(6))
    .map((data) => {
      try {
        return JSON.parse(data);
      } catch {
        return data;
      }
    });
}
