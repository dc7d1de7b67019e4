import type { Context } from "hono";
import type { CompiledPack } from "../engine/compile";
import type { Json } from "../formats/types";
import { UpstreamAbort, type AbortReason } from "../proxy/abort";
import { collectFrames, createPump, streamToClient } from "../proxy/pump";
import type { ParsedRequest } from "../proxy/request";
import { createSession, type Frame } from "../proxy/session";
import { firstEventError } from "../proxy/first-event";
import { describeFetchError, upstreamHeaders } from "../proxy/upstream";
import {
  classifyHead,
  MAX_ERROR_BODY_BYTES,
  MAX_WHOLE_BODY_BYTES,
  peekBody,
  readBounded,
} from "../proxy/upstream-body";
import { abortOf, describeFailure, excerptOf, type UpstreamFailure } from "../proxy/upstream-failure";
import { createWaitTimer } from "../proxy/wait-timer";
import { historyScope } from "../savings/history";
import { createSavingsLink } from "../savings/link";
import { sampleExit } from "../savings/sampling";
import type { ApiSpec, UpstreamSpec } from "./apis/types";
import { createReporter } from "./request-report";
import type { AppEnv } from "./types";

/** A validated completion request, ready to go upstream. */
export interface Forwarding {
  api: ApiSpec;
  request: ParsedRequest;
  packs: CompiledPack[];
  mode: "error" | "finish";
  holdback: boolean;
  upstream: UpstreamSpec;
}

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };

const parseJson = (text: string): Json | unknown[] | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
};

/** `text/html; charset=utf-8` -> `a text/html body`; "" when the upstream named no type. */
const bodyOfType = (contentType: string | null) => {
  const type = (contentType ?? "").split(";")[0]!.trim();
  return type ? `a ${type} body` : "";
};

/**
 * A routed engine's refusal inside an HTTP 200 stream (an error as its first event: LoRAX failing to download the
 * adapter, SGLang without it) as the error response it stands for, 502 with the engine's error in OpenAI's
 * envelope, so that it is recovered from, metered and answered like any refusal. Other answers pass unchanged.
 */
async function engineRefusal(upstream: Response, api: ApiSpec, waitMs: number): Promise<Response> {
  if (!upstream.ok || !upstream.body) return upstream;
  const format = api.createFormat();
  const first = await firstEventError(
    upstream.body,
    (event) => {
      const reading = format.read(event);
      return reading.kind === "error" ? reading.body : undefined;
    },
    waitMs,
  );
  if ("body" in first) return new Response(first.body, upstream);
  return new Response(JSON.stringify(first.error), { status: 502, headers: { "content-type": "application/json" } });
}

const jsonResponse = (status: number, body: unknown, headers: Record<string, string>) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/**
 * Sends a validated completion request upstream and answers the client, whatever the upstream does. Every wait is
 * bounded (`UPSTREAM_HEADERS_TIMEOUT_MS`, `UPSTREAM_BODY_TIMEOUT_MS`, `UPSTREAM_IDLE_TIMEOUT_MS`,
 * `UPSTREAM_TOTAL_TIMEOUT_MS`), a client that leaves at any stage aborts the upstream at once, and every ending is
 * reported once, as what it was: an event stream runs through the session; a whole JSON completion (an upstream
 * that ignored `stream: true`) is validated and metered the same way and relayed; error bodies that are not JSON,
 * and answers that are neither, become errors in the API's envelope. README "Failure behaviour" has the table.
 */
export async function forwardCompletion(c: Context<AppEnv>, forwarding: Forwarding): Promise<Response> {
  const { config, requestId } = c.var;
  const { api, request, packs, upstream: spec } = forwarding;
  const target = c.var.upstream;
  const controller = new AbortController();
  const abort = (reason: AbortReason) => {
    if (!controller.signal.aborted) controller.abort(new UpstreamAbort(reason));
  };
  /** Why the upstream request was aborted, if inflight aborted it. */
  const aborted = (): AbortReason | undefined =>
    controller.signal.reason instanceof UpstreamAbort ? controller.signal.reason.reason : undefined;
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
  const packHeader: Record<string, string> = {
    "x-inflight-packs": packNames.join(","),
    ...(target?.label ? { "x-inflight-adapter": target.label } : {}),
  };

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
  /** A wait that ended without its answer: the client left, a timer ran out, or the upstream broke (`broke`). */
  const interrupted = (broke: () => UpstreamFailure): Response => {
    timer.stop();
    const reason = aborted();
    if (reason?.kind === "client_disconnect") return closed();
    if (reason?.kind === "timeout") return fail({ reason: "timeout", wait: reason.wait, ms: reason.ms });
    return fail(broke());
  };

  // Team keys are inflight's own: never forwarded. A routed backend has its own key (or none): the client's
  // credentials stay here too.
  const dropCredentials = c.var.packPolicy !== undefined || target !== undefined;
  const headers = upstreamHeaders(c.req.raw.headers, spec, dropCredentials);
  headers.set("content-type", "application/json");
  headers.set("accept", "text/event-stream");
  const upstreamRequest = JSON.stringify(api.upstreamBody(request.body, target));
  // Redirects are not followed: they would carry the provider key to wherever the upstream points.
  const send = () =>
    fetch(spec.url, {
      method: "POST",
      headers,
      body: upstreamRequest,
      signal: controller.signal,
      redirect: "manual",
    });
  // A routed engine may refuse inside an HTTP 200 stream: read its first event before answering.
  const attempt = async () => (target ? engineRefusal(await send(), api, config.UPSTREAM_IDLE_TIMEOUT_MS) : send());
  const host = new URL(spec.url).host;

  /** Reads an error body within `UPSTREAM_BODY_TIMEOUT_MS`; a failure is the ready response. */
  const readErrorBody = async (response: Response) => {
    timer.start("body", config.UPSTREAM_BODY_TIMEOUT_MS);
    const read = await readBounded(response.body, MAX_ERROR_BODY_BYTES, controller.signal);
    timer.stop();
    if (read.ok) return read;
    const reason = aborted();
    if (reason?.kind === "client_disconnect") return { ok: false as const, error: closed() };
    const detail =
      reason?.kind === "timeout"
        ? `did not arrive within ${reason.ms} ms`
        : `broke off (${describeFetchError(read.error)})`;
    return { ok: false as const, error: fail({ reason: "error_body_unreadable", status: response.status, detail }) };
  };

  let upstream: Response;
  try {
    timer.start("headers", config.UPSTREAM_HEADERS_TIMEOUT_MS);
    upstream = await attempt();
    if (!upstream.ok && target?.recover) {
      // A routed backend may be able to fix what it refused (a vLLM adapter not loaded): then try once more.
      // Nothing has reached the client yet, so this stays one request with one usage record.
      const refusal = await readErrorBody(upstream);
      if (!refusal.ok) return refusal.error;
      timer.start("headers", config.UPSTREAM_HEADERS_TIMEOUT_MS);
      upstream = (await target.recover(upstream.status, refusal.value.text))
        ? await attempt()
        : new Response(refusal.value.text, { status: upstream.status, headers: upstream.headers });
    }
  } catch (error) {
    return interrupted(() => ({ reason: "unreachable", host, detail: describeFetchError(error) }));
  }
  timer.stop();

  const { status } = upstream;
  if (status < 200 || status > 299) {
    if (status < 400 || status > 599) {
      upstream.body?.cancel().catch(() => undefined);
      return fail({ reason: "unexpected_status", status });
    }
    const read = await readErrorBody(upstream);
    if (!read.ok) return read.error;
    const { text, truncated } = read.value;
    if (!truncated && parseJson(text) !== undefined) {
      // A JSON error is already in the API's own terms: relayed with its status, as the upstream sent it.
      session.upstreamFailed(`HTTP ${status}`, { kind: "upstream_error" });
      report();
      return new Response(text, { status, headers: { ...packHeader, "content-type": "application/json" } });
    }
    const contentType = bodyOfType(upstream.headers.get("content-type"));
    return fail({ reason: "error_not_json", status, contentType, excerpt: excerptOf(text) });
  }

  // A success: an event stream, a whole JSON answer, or neither. The content type decides, or, when it names
  // neither, the body's first characters.
  const contentType = (upstream.headers.get("content-type") ?? "").toLowerCase();
  let body = upstream.body;
  let shape: ReturnType<typeof classifyHead> | undefined = !body
    ? "empty"
    : contentType.includes("text/event-stream")
      ? "sse"
      : contentType.includes("json")
        ? "json"
        : undefined;
  const bodyFailed = (error: unknown) =>
    interrupted(() => ({ reason: "body_unreadable", detail: describeFetchError(error) }));
  if (shape === undefined && body) {
    timer.start("body", config.UPSTREAM_BODY_TIMEOUT_MS);
    const peeked = await peekBody(body, controller.signal);
    timer.stop();
    if (!peeked.ok) return bodyFailed(peeked.error);
    body = peeked.value.body;
    shape = classifyHead(peeked.value.head);
  }

  // The savings history was asked for with the upstream request, so it is usually here by now; a slow meter
  // leaves cuts on the prior. Before any text is read: the estimate is made at the cut.
  await savings.ready();

  if (shape === "sse" && body) {
    const pump = createPump(body, session, {
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

  if (shape === "empty" || !body) {
    body?.cancel().catch(() => undefined);
    return fail({ reason: "not_a_completion", status, what: "an empty body" });
  }
  timer.start("body", config.UPSTREAM_BODY_TIMEOUT_MS);
  const read = await readBounded(body, MAX_WHOLE_BODY_BYTES, controller.signal);
  timer.stop();
  if (!read.ok) return bodyFailed(read.error);
  const { text, truncated } = read.value;
  const json = truncated ? undefined : parseJson(text);
  if (json === undefined || Array.isArray(json)) {
    const what = truncated
      ? `a body over ${MAX_WHOLE_BODY_BYTES} bytes`
      : text.trim() === ""
        ? "an empty body"
        : shape === "json"
          ? "a body that is not a JSON object"
          : bodyOfType(upstream.headers.get("content-type")) || "a body that is neither JSON nor an event stream";
    return fail({ reason: "not_a_completion", status, what });
  }
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
