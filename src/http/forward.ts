import type { Context } from "hono";
import type { CompiledPack } from "../engine/compile";
import { createUpstreamAbort } from "../proxy/abort";
import { collectFrames, createPump, streamToClient } from "../proxy/pump";
import type { ParsedRequest } from "../proxy/request";
import { createSession, type Frame } from "../proxy/session";
import { upstreamHeaders } from "../proxy/upstream";
import { abortOf, describeFailure, type UpstreamFailure } from "../proxy/upstream-failure";
import { createWaitTimer } from "../proxy/wait-timer";
import { historyScope } from "../savings/history";
import { createSavingsLink } from "../savings/link";
import { sampleExit } from "../savings/sampling";
import type { ApiSpec, UpstreamSpec } from "./apis/types";
import { createReporter } from "./request-report";
import type { AppEnv } from "./types";
import { openUpstream } from "./upstream-open";

/** A validated completion request, ready to go upstream. */
export interface Forwarding {
  api: ApiSpec;
  request: ParsedRequest;
  packs: CompiledPack[];
  mode: "error" | "finish";
  holdback: boolean;
  upstream: UpstreamSpec;
  /** Response headers to add (e.g. `x-inflight-fanout`). */
  headers?: Record<string, string>;
}

export const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };

export const jsonResponse = (status: number, body: unknown, headers: Record<string, string>) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** The response headers every completion gets: the packs that ran, the adapter, and any the caller adds. */
export function completionHeaders(c: Context<AppEnv>, forwarding: Forwarding): Record<string, string> {
  const label = c.var.upstream?.label;
  return {
    "x-inflight-packs": forwarding.packs.map((pack) => pack.name).join(","),
    ...(label ? { "x-inflight-adapter": label } : {}),
    ...forwarding.headers,
  };
}

/** The headers for a completion's upstream requests: credentials as the route allows, JSON in, SSE out. */
export function completionUpstreamHeaders(c: Context<AppEnv>, spec: UpstreamSpec): Headers {
  // Team keys are inflight's own: never forwarded. A routed backend has its own key (or none): the client's
  // credentials stay here too.
  const dropCredentials = c.var.packPolicy !== undefined || c.var.upstream !== undefined;
  const headers = upstreamHeaders(c.req.raw.headers, spec, dropCredentials);
  headers.set("content-type", "application/json");
  headers.set("accept", "text/event-stream");
  return headers;
}

/**
 * Sends a validated completion request upstream and answers the client, whatever the upstream does. Every wait is
 * bounded (`UPSTREAM_HEADERS_TIMEOUT_MS`, `UPSTREAM_BODY_TIMEOUT_MS`, `UPSTREAM_IDLE_TIMEOUT_MS`,
 * `UPSTREAM_TOTAL_TIMEOUT_MS`), a client that leaves at any stage aborts the upstream at once, and every ending is
 * reported once, as what it was: an event stream runs through the session; a whole JSON completion (an upstream
 * that ignored `stream: true`) is validated and metered the same way and relayed; error bodies that are not JSON,
 * and answers that are neither, become errors in the API's envelope. docs/api.md "Failure behaviour" has the table.
 */
export async function forwardCompletion(c: Context<AppEnv>, forwarding: Forwarding): Promise<Response> {
  const { config, requestId } = c.var;
  const { api, request, packs, upstream: spec } = forwarding;
  const target = c.var.upstream;
  const { signal, abort, aborted } = createUpstreamAbort();
  const format = api.createFormat();
  const packNames = packs.map((pack) => pack.name);
  // The savings history of this request's key, asked for now, in parallel with the upstream request.
  const scope = historyScope(c.var.task, packNames);
  const savings = createSavingsLink(c.env.TEAM_METER, c.var.team?.team, request.model, scope);
  const session = createSession({
    requestId,
    format,
    packs,
    ctx: request.ctx,
    mode: forwarding.mode,
    holdback: forwarding.holdback,
    clientWantsUsage: request.wantsUsage,
    choices: request.choices,
    model: request.model,
    promptTokensEstimate: request.promptTokensEstimate,
    exitSample: sampleExit(config.EXIT_SAMPLE_SHARE),
    ...(savings.initial ? { history: savings.initial } : {}),
    abort,
  });
  savings.onLoad((history) => session.useHistory(history));
  const packHeader = completionHeaders(c, forwarding);

  const report = createReporter(c, session, { model: request.model, packs: packNames, scope, savings });

  // The client may leave at any stage, before the upstream answers included: abort it at once and book what
  // was seen. A client that left while an earlier step ran (team auth, the body) is gone already.
  const clientGone = () => {
    session.clientGone();
    abort({ kind: "client_disconnect" });
    report();
  };
  const closed = () => api.error(499, "The client closed the request.", "client_error", "client_closed_request");
  const clientSignal = c.var.clientSignal ?? c.req.raw.signal;
  if (clientSignal?.aborted) {
    clientGone();
    return closed();
  }
  clientSignal?.addEventListener("abort", clientGone, { once: true });

  const totalMs = config.UPSTREAM_TOTAL_TIMEOUT_MS;
  const deadline = totalMs > 0 ? { at: Date.now() + totalMs, ms: totalMs } : undefined;
  const timer = createWaitTimer(abort, deadline);

  const fail = (failure: UpstreamFailure): Response => {
    timer.stop();
    const error = describeFailure(failure);
    session.upstreamFailed(error.message, abortOf(failure));
    report();
    const response = api.error(error.status, error.message, error.type, error.code);
    for (const [name, value] of Object.entries(packHeader)) response.headers.set(name, value);
    return response;
  };
  const opened = await openUpstream({
    api,
    config,
    spec,
    target,
    headers: completionUpstreamHeaders(c, spec),
    body: JSON.stringify(api.upstreamBody(request.body, target)),
    signal,
    timer,
    aborted,
  });
  switch (opened.kind) {
    case "client_gone":
      return closed();
    case "failed":
      return fail(opened.failure);
    case "http_error":
      // A JSON error is already in the API's own terms: relayed with its status, as the upstream sent it.
      session.upstreamFailed(`HTTP ${opened.status}`, { kind: "upstream_error" });
      report();
      return new Response(opened.text, {
        status: opened.status,
        headers: { ...packHeader, "content-type": "application/json" },
      });
    case "sse":
    case "whole":
      break;
  }

  // The savings history was asked for with the upstream request, so it is usually here by now; a slow meter
  // leaves cuts on the prior. Before any text is read: the estimate is made at the cut.
  await savings.ready();

  if (opened.kind === "sse") {
    const pump = createPump(opened.body, session, {
      idleMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
      ...(deadline ? { deadline } : {}),
    });
    if (request.stream)
      return new Response(streamToClient(pump, clientGone, report), { headers: { ...SSE_HEADERS, ...packHeader } });
    const frames = await collectFrames(pump);
    report();
    if (session.report().outcome === "client_abort") return closed();
    return answerFrames(frames);
  }

  const { json, status } = opened;
  const whole = format.fromWhole(json);
  switch (whole.kind) {
    case "other":
      return fail({ reason: "not_a_completion", status, what: "JSON that is not a completion" });
    case "error":
      // An error object in a 200: the upstream failed, in the API's own terms (as an in-band error event is).
      session.upstreamFailed("the upstream answered with an error object", { kind: "upstream_error" });
      report();
      return jsonResponse(502, whole.body, packHeader);
    case "events": {
      session.wholeBody(whole.usage);
      const frames: Frame[] = [];
      for (const event of whole.events) {
        frames.push(...session.handle({ type: "event", event }));
        if (session.done) break;
      }
      frames.push(...session.upstreamEnded());
      report();
      if (request.stream)
        return new Response(frames.map((frame) => frame.sse).join(""), { headers: { ...SSE_HEADERS, ...packHeader } });
      // Accepted: the upstream's own answer, with inflight's usage. Cut by a rule: what a stream would have given.
      const final = session.report();
      return final.outcome === "accepted"
        ? jsonResponse(200, format.relayWhole(json, final.usage), packHeader)
        : answerFrames(frames);
    }
  }

  /** The non-streaming answer from a response's frames: the error a frame ended it with, or the assembled body. */
  function answerFrames(frames: Frame[]): Response {
    const failed = frames.find((frame) => frame.error)?.error;
    const { status: code, body: answer } = failed ?? format.assemble(frames, session.report().usage);
    return jsonResponse(code, answer, packHeader);
  }
}
