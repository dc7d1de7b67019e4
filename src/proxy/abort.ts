/**
 * The upstream waits inflight bounds: its response headers, a body that is not a stream (an error body, a non-SSE
 * answer), progress in a stream, and the request as a whole.
 */
export type UpstreamWait = "headers" | "body" | "idle" | "total";

/** Why inflight aborted the upstream request; accounting tells outcomes apart by it. */
export type AbortReason =
  | { kind: "rule"; action: "reject" | "exit"; rule: string }
  | { kind: "client_disconnect" }
  | { kind: "timeout"; wait: UpstreamWait; ms: number }
  | { kind: "malformed_upstream"; detail: string }
  | { kind: "upstream_error" }
  | { kind: "choices_done" }
  /** `x-inflight-accept` had its k samples while this attempt still ran (docs/sampling.md). */
  | { kind: "surplus" };

/** An Error carrying the reason, so `signal.reason` names what happened wherever it surfaces. */
export class UpstreamAbort extends Error {
  constructor(readonly reason: AbortReason) {
    super(`inflight aborted the upstream request: ${reason.kind}`);
    this.name = "UpstreamAbort";
  }
}

/**
 * The abort side of one upstream request: `abort` records the first reason only, and `aborted` says which reason
 * that was (undefined while the request runs, or when something other than inflight aborted it).
 */
export function createUpstreamAbort() {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    abort(reason: AbortReason): void {
      if (!controller.signal.aborted) controller.abort(new UpstreamAbort(reason));
    },
    aborted(): AbortReason | undefined {
      return controller.signal.reason instanceof UpstreamAbort ? controller.signal.reason.reason : undefined;
    },
  };
}
