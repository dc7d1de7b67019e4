import type { Context } from "hono";
import { mergedObservations, mergedUsage, requestOutcome, returned, type AttemptResult } from "../fanout/attempts";
import { createChannel } from "../fanout/channel";
import { createMerger, type AttemptError } from "../fanout/merge";
import { createScheduler } from "../fanout/scheduler";
import type { Frame, InflightUsage } from "../formats/types";
import type { SessionReport } from "../proxy/session";
import type { SavingsLink } from "../savings/link";
import type { HistorySnapshot } from "../savings/types";
import { createAttempt, type Attempt } from "./attempt";
import { completionHeaders, completionUpstreamHeaders, jsonResponse, SSE_HEADERS, type Forwarding } from "./forward";
import { createReporter } from "./request-report";
import type { AppEnv } from "./types";

/**
 * While `x-inflight-accept` holds a stream back (no sample accepted yet, or the next one still being checked),
 * an SSE comment goes out this often so that no proxy or client drops the quiet connection.
 */
export const KEEPALIVE_MS = 5_000;
const KEEPALIVE: Frame = { sse: ": inflight: checking samples\n\n" };

/** How a fanned-out request runs: every choice an attempt (`accept` absent), or k accepted samples. */
export interface FanoutRun {
  /** `x-inflight-accept`: accepted samples wanted. */
  accept?: number;
  maxAttempts: number;
  concurrency: number;
  /** Attempts whose budget was admitted before the run (fan-out admits all of its attempts up front). */
  admitted: number;
  /** The `x-inflight-fanout` response header: what was decided and why. */
  header: string;
  savings: SavingsLink;
  scope: string;
  history(): HistorySnapshot | undefined;
}

type AttemptEvent =
  | { type: "opened"; attempt: Attempt }
  | { type: "frames"; attempt: Attempt; frames: Frame[] }
  | { type: "ended"; attempt: Attempt };

const isSample = (outcome: string) => outcome === "accepted" || outcome === "early_exit";

/**
 * Answers a Chat Completions or Completions request with attempts of `n: 1` each (docs/sampling.md). Fan-out: the
 * `n` attempts run at once (`MAX_CONCURRENT_ATTEMPTS` at most), each validated and cut on its own, and the client
 * gets them as the choices of one response, interleaved as they arrive. `x-inflight-accept: k`: attempts run
 * until k are accepted, a new one starting whenever one ends without a sample, each attempt held back until it is
 * accepted; the client gets only accepted samples, numbered in the order they were accepted. Every attempt is
 * checked against the team's budget before it starts, and reported in the request's one meter row.
 */
export async function fanOutCompletion(c: Context<AppEnv>, forwarding: Forwarding, run: FanoutRun): Promise<Response> {
  const { config, requestId } = c.var;
  const { api, request, packs } = forwarding;
  const accept = run.accept;
  const packNames = packs.map((pack) => pack.name);
  const responseHeaders = { ...completionHeaders(c, forwarding), "x-inflight-fanout": run.header };
  const merger = createMerger(api.completionKind ?? "chat", requestId);
  const scheduler = createScheduler({
    maxAttempts: run.maxAttempts,
    concurrency: run.concurrency,
    ...(accept !== undefined ? { accept } : {}),
  });
  const channel = createChannel<AttemptEvent>();
  const totalMs = config.UPSTREAM_TOTAL_TIMEOUT_MS;
  const deadline = totalMs > 0 ? { at: Date.now() + totalMs, ms: totalMs } : undefined;
  const shared = {
    c,
    forwarding,
    headers: completionUpstreamHeaders(c, forwarding.upstream),
    savings: run.savings,
    history: run.history,
    deadline,
  };
  const live = new Map<number, Attempt>();
  const results: AttemptResult[] = [];
  const errors = new Map<number, AttemptError>();
  const held = new Map<number, Frame[]>();
  let nextChoice = 0;
  let opened = false;
  let left = false;
  const maxTokens = request.ctx.maxTokens ?? config.BUDGET_DEFAULT_MAX_TOKENS;

  /** Books an attempt's end once, as the choice it became. */
  const settle = (attempt: Attempt, choice: number | null, sample: boolean): AttemptResult => {
    live.delete(attempt.index);
    held.delete(attempt.index);
    const result = attempt.settle(choice);
    if (attempt.error) errors.set(attempt.index, attempt.error);
    results.push(result);
    scheduler.ended(sample);
    return result;
  };

  async function drive(attempt: Attempt): Promise<void> {
    try {
      if ((await attempt.open()) === "ready") {
        await channel.put({ type: "opened", attempt });
        for (;;) {
          const { frames, end } = await attempt.next();
          if (frames.length > 0) await channel.put({ type: "frames", attempt, frames });
          if (end) break;
        }
      }
    } catch (error) {
      attempt.crash(error);
    }
    await channel.put({ type: "ended", attempt });
  }

  /** Starts what the scheduler allows, each attempt past the first `admitted` once the team's budget admits it. */
  async function startMore(): Promise<void> {
    const indices: number[] = [];
    for (let index = scheduler.next(); index !== undefined; index = scheduler.next()) indices.push(index);
    if (indices.length === 0) return;
    const admit = c.var.admitAttempt;
    const admitted = await Promise.all(
      indices.map(async (index) => {
        if (index < run.admitted || !admit) return true;
        const cost = {
          promptTokens: request.promptTokensEstimate,
          completionTokens: index < request.choices ? 0 : maxTokens,
        };
        // A meter that cannot answer admits nothing: the budget is not sidestepped by an error.
        return admit(index, cost).then(
          (verdict) => verdict.ok,
          () => false,
        );
      }),
    );
    indices.forEach((index, i) => {
      if (admitted[i] && !left) {
        const attempt = createAttempt(shared, index);
        live.set(index, attempt);
        void drive(attempt);
        return;
      }
      scheduler.ended(false);
      scheduler.stop(left ? "client_gone" : "budget");
    });
  }

  /** What one event changes; returns the frames the client gets now. */
  function onEvent(event: AttemptEvent): Frame[] {
    const { attempt } = event;
    if (attempt.settled) return [];
    if (event.type === "opened") {
      opened = true;
      return [];
    }
    if (event.type === "frames") {
      if (accept === undefined) return event.frames.flatMap((frame) => merger.chunk(frame, attempt.index) ?? []);
      held.set(attempt.index, [...(held.get(attempt.index) ?? []), ...event.frames]);
      return [];
    }
    const sample = isSample(attempt.outcome);
    if (accept === undefined) {
      settle(attempt, attempt.index, sample);
      return attempt.error ? [merger.failedChoice(attempt.index, attempt.error)] : [];
    }
    const frames = held.get(attempt.index) ?? [];
    if (!sample || scheduler.enough) {
      settle(attempt, null, sample);
      return [];
    }
    const choice = nextChoice++;
    settle(attempt, choice, true);
    const out = frames.flatMap((frame) => merger.chunk(frame, choice) ?? []);
    if (scheduler.enough)
      for (const other of [...live.values()]) {
        other.stop("surplus");
        settle(other, null, false);
      }
    return out;
  }

  let lastSent = Date.now();
  /**
   * The frames to send next, once there are some; `undefined` when every attempt is over. With `keepAlive`, a
   * comment once `KEEPALIVE_MS` have passed since anything was sent, however busy the held-back attempts are.
   */
  async function advance(keepAlive: boolean): Promise<Frame[] | undefined> {
    for (;;) {
      if (scheduler.finished || left) return undefined;
      const quiet = Date.now() - lastSent;
      if (keepAlive && quiet >= KEEPALIVE_MS) return [KEEPALIVE];
      const event = await channel.take(keepAlive ? KEEPALIVE_MS - quiet : undefined);
      if (event === undefined) continue;
      const frames = onEvent(event);
      if (event.type === "ended") await startMore();
      if (frames.length > 0) return frames;
    }
  }

  let final: SessionReport | undefined;
  /** The request as it ended: the outcome, the usage of every attempt, what they teach the savings model. */
  const finalReport = (): SessionReport => {
    if (final) return final;
    const ordered = [...results].sort((a, b) => a.summary.attempt - b.summary.attempt);
    const { outcome, rejection } = requestOutcome(ordered, {
      clientGone: left,
      ...(accept !== undefined ? { accept } : {}),
    });
    final = {
      outcome,
      ...(rejection ? { rejection } : {}),
      usage: mergedUsage(requestId, packNames, outcome, ordered),
      observed: mergedObservations(ordered),
    };
    return final;
  };
  const report = createReporter(
    c,
    { report: finalReport },
    { model: request.model, packs: packNames, scope: run.scope, savings: run.savings },
  );

  /** How the response ends: an error when no sample is left (a failure, or every choice rejected), else normally. */
  function ending(usage: InflightUsage): Frame[] {
    if (!results.some(returned)) {
      const failed = [...results].reverse().find((result) => errors.has(result.summary.attempt));
      if (failed) return [merger.failed(errors.get(failed.summary.attempt)!, usage)];
      const rejected = [...results].reverse().find((result) => result.summary.outcome === "rejected");
      if (rejected?.report.rejection && forwarding.mode === "error")
        return [
          merger.rejected(rejected.report.rejection, accept === undefined ? rejected.summary.attempt : null, usage),
        ];
    }
    const usageChunk = accept !== undefined || request.wantsUsage ? [merger.usageChunk(usage)] : [];
    return [...usageChunk, merger.done];
  }
  const finish = (): Frame[] => {
    channel.close();
    const frames = ending(finalReport().usage);
    report();
    return frames;
  };

  const closed = () => api.error(499, "The client closed the request.", "client_error", "client_closed_request");
  /** The client left: every attempt still running is stopped and booked as it stood. */
  const leave = () => {
    if (left || final) return;
    left = true;
    scheduler.stop("client_gone");
    for (const attempt of [...live.values()]) {
      attempt.stop("client_gone");
      settle(attempt, accept === undefined ? attempt.index : null, false);
    }
    channel.close();
    report();
  };
  const clientSignal = c.var.clientSignal ?? c.req.raw.signal;
  if (clientSignal?.aborted) {
    leave();
    return closed();
  }
  clientSignal?.addEventListener("abort", leave, { once: true });

  await startMore();
  // The response starts once an attempt has a stream: before that, a failure of every attempt is the answer.
  const early: Frame[] = [];
  while (!opened && !scheduler.finished && !left) {
    const event = await channel.take();
    if (event === undefined) continue;
    early.push(...onEvent(event));
    if (event.type === "ended") await startMore();
  }
  if (left) return closed();
  if (!opened) {
    const [end] = finish();
    return jsonResponse(end?.error?.status ?? 502, end?.error?.body ?? {}, responseHeaders);
  }

  if (request.stream) {
    const encoder = new TextEncoder();
    const send = (controller: ReadableStreamDefaultController<Uint8Array>, frames: readonly Frame[]) => {
      if (frames.length === 0) return;
      controller.enqueue(encoder.encode(frames.map((frame) => frame.sse).join("")));
      lastSent = Date.now();
    };
    // Held-back attempts send nothing for a while: a comment at once, so the client sees the stream start.
    let pending: Frame[] = accept !== undefined ? [KEEPALIVE, ...early] : early;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (pending.length > 0) {
            send(controller, pending);
            pending = [];
            return;
          }
          const frames = await advance(accept !== undefined);
          if (left) return;
          if (frames) return send(controller, frames);
          send(controller, finish());
          controller.close();
        },
        cancel: leave,
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { headers: { ...SSE_HEADERS, ...responseHeaders } });
  }

  const frames = [...early];
  for (let batch = await advance(false); batch; batch = await advance(false)) frames.push(...batch);
  if (left) return closed();
  const end = finish();
  const failed = end.find((frame) => frame.error)?.error;
  if (failed) return jsonResponse(failed.status, failed.body, responseHeaders);
  return jsonResponse(200, merger.assemble(frames, finalReport().usage), responseHeaders);
}
