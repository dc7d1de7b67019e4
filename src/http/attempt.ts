import type { Context } from "hono";
import { summarize, type AttemptResult } from "../fanout/attempts";
import type { AttemptError } from "../fanout/merge";
import { attemptBody } from "../fanout/plan";
import { retryDelay } from "../fanout/retry";
import type { Frame, Json } from "../formats/types";
import { createUpstreamAbort } from "../proxy/abort";
import { createPump } from "../proxy/pump";
import { createSession } from "../proxy/session";
import { abortOf, describeFailure, type UpstreamFailure } from "../proxy/upstream-failure";
import { createWaitTimer, type Deadline } from "../proxy/wait-timer";
import type { SavingsLink } from "../savings/link";
import { sampleExit } from "../savings/sampling";
import type { HistorySnapshot } from "../savings/types";
import { errorBody } from "./errors";
import type { Forwarding } from "./forward";
import type { AppEnv } from "./types";
import { openUpstream } from "./upstream-open";

/** What every attempt of one fanned-out request shares. */
export interface AttemptShared {
  c: Context<AppEnv>;
  forwarding: Forwarding;
  /** The upstream request's headers (credentials as the route allows). */
  headers: Headers;
  savings: SavingsLink;
  /** The newest history this request has; a snapshot that arrives later reaches each running session too. */
  history(): HistorySnapshot | undefined;
  deadline: Deadline | undefined;
}

/** How `open` ended: a stream (or a whole answer) to read, a failure, or inflight stopped the attempt. */
export type Opened = "ready" | "failed" | "stopped";

/** Waits `ms`, or less if `signal` aborts; true when the whole wait passed. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (passed: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", stop);
      resolve(passed);
    };
    const stop = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", stop, { once: true });
  });
}

/** A JSON error body as the attempt's error; text that is not a JSON object is wrapped in the envelope. */
function relayedError(status: number, text: string): AttemptError {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return { status, body: body as Json };
  } catch {
    // Not JSON: the opener relays JSON errors only, so this is not reached; wrap it anyway.
  }
  return {
    status,
    body: { ...errorBody(`The upstream answered HTTP ${status}.`, "upstream_error", "upstream_http_error") },
  };
}

/**
 * One attempt of a fanned-out request: a request of its own upstream (`n: 1`, `seed + index`) with its own
 * `AbortController`, session, pump, verdicts and usage, opened the way a single request is (`openUpstream`).
 * An upstream 429 or 5xx is sent again with back-off (`src/fanout/retry.ts`) before anything is read. Its session
 * runs in `finish` mode without a usage chunk: the orchestrator writes the response's own ending.
 */
export function createAttempt(shared: AttemptShared, index: number) {
  const { c, forwarding } = shared;
  const { config, requestId } = c.var;
  const { api, request, packs, upstream: spec } = forwarding;
  const target = c.var.upstream;
  const { signal, abort, aborted } = createUpstreamAbort();
  const format = api.createFormat();
  const history = shared.history();
  const session = createSession({
    requestId,
    format,
    packs,
    ctx: request.ctx,
    mode: "finish",
    holdback: forwarding.holdback,
    clientWantsUsage: false,
    choices: 1,
    model: request.model,
    promptTokensEstimate: request.promptTokensEstimate,
    exitSample: sampleExit(config.EXIT_SAMPLE_SHARE),
    ...(history ? { history } : {}),
    abort,
  });
  shared.savings.onLoad((history) => session.useHistory(history));
  const timer = createWaitTimer(abort, shared.deadline);
  const body = attemptBody(request.body, index);
  const seed = typeof body.seed === "number" ? body.seed : undefined;
  const upstreamBody = JSON.stringify(api.upstreamBody(body, target));
  let retries = 0;
  let status: number | undefined;
  let error: AttemptError | undefined;
  let surplus = false;
  let source: { next(): Promise<{ frames: Frame[]; end: boolean }>; close(): void } | undefined;
  let result: AttemptResult | undefined;

  const failWith = (failure: UpstreamFailure): void => {
    const described = describeFailure(failure);
    session.upstreamFailed(described.message, abortOf(failure));
    error = { status: described.status, body: { ...errorBody(described.message, described.type, described.code) } };
  };
  /** The frames of a whole JSON answer (an upstream that ignored `stream: true`), as a single request makes them. */
  const whole = (json: Json, answered: number): Opened => {
    const reading = format.fromWhole(json);
    if (reading.kind === "other") {
      failWith({ reason: "not_a_completion", status: answered, what: "JSON that is not a completion" });
      return "failed";
    }
    if (reading.kind === "error") {
      session.upstreamFailed("the upstream answered with an error object", { kind: "upstream_error" });
      error = { status: 502, body: reading.body };
      return "failed";
    }
    session.wholeBody(reading.usage);
    const frames: Frame[] = [];
    for (const event of reading.events) {
      frames.push(...session.handle({ type: "event", event }));
      if (session.done) break;
    }
    frames.push(...session.upstreamEnded());
    let given = false;
    source = {
      next: async () => {
        const out = given ? [] : frames;
        given = true;
        return { frames: out, end: true };
      },
      close: () => undefined,
    };
    return "ready";
  };

  return {
    index,
    /**
     * Sends the attempt (again after a 429 or 5xx, within the retry budget) until it has a stream to read, a
     * failure to report, or inflight stopped it.
     */
    async open(): Promise<Opened> {
      for (;;) {
        const opened = await openUpstream({
          api,
          config,
          spec,
          target,
          headers: shared.headers,
          body: upstreamBody,
          signal,
          timer,
          aborted,
        });
        if (opened.kind === "client_gone" || aborted()?.kind === "surplus") return "stopped";
        if (opened.kind === "sse") {
          // As a single request does: the history is nearly always here by now; the estimate is made at the cut.
          await shared.savings.ready();
          source = createPump(opened.body, session, {
            idleMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
            ...(shared.deadline ? { deadline: shared.deadline } : {}),
          });
          return "ready";
        }
        if (opened.kind === "whole") {
          await shared.savings.ready();
          return whole(opened.json, opened.status);
        }
        const answered =
          opened.kind === "http_error" ? opened.status : "status" in opened.failure ? opened.failure.status : undefined;
        const msLeft = shared.deadline ? shared.deadline.at - Date.now() : Number.POSITIVE_INFINITY;
        const wait =
          answered === undefined
            ? undefined
            : retryDelay(answered, opened.headers?.get("retry-after") ?? null, retries, msLeft);
        if (wait !== undefined) {
          if (!(await pause(wait, signal))) return "stopped";
          retries += 1;
          continue;
        }
        if (answered !== undefined) status = answered;
        if (opened.kind === "http_error") {
          session.upstreamFailed(`HTTP ${opened.status}`, { kind: "upstream_error" });
          error = relayedError(opened.status, opened.text);
        } else failWith(opened.failure);
        return "failed";
      }
    },
    /** The next batch of frames of an opened attempt; `end` once it is over. */
    async next(): Promise<{ frames: Frame[]; end: boolean }> {
      const batch = source ? await source.next() : { frames: [], end: true };
      // A stream that broke, or the upstream's in-band error: the error frame a single request would end with.
      const failed = batch.frames.find((frame) => frame.error)?.error;
      if (failed) error ??= { status: failed.status, body: failed.body };
      return batch;
    },
    /**
     * Stops the attempt now: the client left (`client_gone`), or enough samples were accepted (`surplus`). Its
     * session books what it had generated, as a request whose client left.
     */
    stop(why: "client_gone" | "surplus"): void {
      if (result) return;
      surplus = why === "surplus";
      session.clientGone();
      abort(surplus ? { kind: "surplus" } : { kind: "client_disconnect" });
      timer.stop();
      source?.close();
    },
    /** Something inflight did not expect broke the attempt: it ends as an upstream failure would. */
    crash(cause: unknown): void {
      if (result || session.done) return;
      const detail = cause instanceof Error ? cause.message : String(cause);
      session.upstreamFailed(`the attempt broke off (${detail})`);
      // An unexpected failure inside inflight, answered as the single-request path answers one (500
      // internal_error); the attempt's tokens so far are still booked with the request.
      error = {
        status: 500,
        body: { ...errorBody(`The attempt broke off inside inflight: ${detail}`, "server_error", "internal_error") },
      };
      abort({ kind: "upstream_error" });
      source?.close();
    },
    /** Why the attempt gave no sample, when it failed. */
    get error(): AttemptError | undefined {
      return error;
    },
    /** The session's outcome so far (`accepted` until it ends otherwise). */
    get outcome() {
      return session.report().outcome;
    },
    get settled(): boolean {
      return result !== undefined;
    },
    /** Ends the attempt's bookkeeping once, as the choice it became (`null`: not in the response). */
    settle(choice: number | null): AttemptResult {
      if (result) return result;
      timer.stop();
      const report = session.report();
      result = {
        report,
        summary: summarize(index, report, {
          choice,
          retries,
          surplus,
          ...(status !== undefined ? { status } : {}),
          ...(seed !== undefined ? { seed } : {}),
        }),
      };
      return result;
    },
  };
}

export type Attempt = ReturnType<typeof createAttempt>;
