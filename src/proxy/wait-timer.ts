import type { AbortReason } from "./abort";

/** The request's total limit: when it runs out (epoch ms) and how long it was. */
export interface Deadline {
  at: number;
  ms: number;
}

/**
 * Bounds the waits before a stream starts (the response headers, then a body that is not a stream), one at a
 * time, by calling `expire` with the reason when one runs out; the caller aborts the upstream request with it.
 * Each wait is also cut at the request's `deadline`, and is then reported as the total limit.
 *
 * @example
 * const timer = createWaitTimer((reason) => controller.abort(new UpstreamAbort(reason)), deadline);
 * timer.start("headers", 60_000);
 * const response = await fetch(url, { signal: controller.signal });
 * timer.stop();
 */
export function createWaitTimer(expire: (reason: AbortReason) => void, deadline?: Deadline) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    start(wait: "headers" | "body", ms: number): void {
      clearTimeout(timer);
      const left = deadline ? deadline.at - Date.now() : Infinity;
      const reason: AbortReason =
        deadline && left <= ms ? { kind: "timeout", wait: "total", ms: deadline.ms } : { kind: "timeout", wait, ms };
      timer = setTimeout(() => expire(reason), Math.max(0, Math.min(ms, left)));
    },
    stop(): void {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
