import { vi } from "vitest";
import { chatFrames, eventStream } from "../helpers/fake-upstream";

/** What the faked upstream did for one request of a fanned-out one. */
export interface SubRequestLog {
  body: Record<string, unknown>;
  /** Frames handed over before the stream ended or was cancelled. */
  sent: number;
  planned: number;
  cancelled: boolean;
}

/** What the upstream answers one request with: the content pieces of a chat stream, or a response of its own. */
export type Answer = string[] | Response | (() => Response | Promise<Response>);

/**
 * An upstream at `fetch` that answers each request as `answer` says for its body (its `seed`, its `n`...), one SSE
 * frame per read, and logs how far each stream got: a fanned-out request's attempts are told apart by their
 * bodies. A frame counts as sent when the proxy pulls it (the stream never reads ahead).
 */
export function seededUpstream(answer: (body: Record<string, unknown>, index: number) => Answer): SubRequestLog[] {
  const logs: SubRequestLog[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init as RequestInit);
    const body = (await request.json()) as Record<string, unknown>;
    const log: SubRequestLog = { body, sent: 0, planned: 0, cancelled: false };
    logs.push(log);
    const planned = answer(body, logs.length - 1);
    if (planned instanceof Response) return planned;
    if (typeof planned === "function") return planned();
    const frames = chatFrames(planned, { id: `chatcmpl-up${logs.length}` });
    log.planned = frames.length;
    return eventStream(frames, log, init?.signal);
  });
  return logs;
}

/** Content pieces of a clean answer: `count` distinct words. */
export const clean = (count: number, tag = "w") =>
  Array.from({ length: count }, (_, i) => ` ${tag}${i}x${(i * 7) % 13}`);

/** Content pieces that loop from the start: the default pack's `repetition-loop` rejects them early. */
export const looping = (count = 200) => [
  "Once upon a time. ",
  ...Array.from({ length: count }, () => "The cat sat on the mat again and again. "),
];
