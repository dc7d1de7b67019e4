import type { Context } from "hono";
import type { CompiledPack } from "../engine/compile";
import { parseNameList, selectPacks } from "../packs";
import { UpstreamAbort, type AbortReason } from "../proxy/abort";
import { collectFrames, createPump, streamToClient } from "../proxy/pump";
import { createSession, type SessionReport } from "../proxy/session";
import { describeFetchError, upstreamHeaders } from "../proxy/upstream";
import type { ApiSpec } from "./apis/types";
import type { AppEnv } from "./types";

/**
 * The request's packs: those a policy enforces, plus `x-inflight-rules` (which can add packs, never remove an
 * enforced one), else the policy's or the configured defaults.
 */
function choosePacks(
  c: Context<AppEnv>,
  api: ApiSpec,
): { ok: true; value: CompiledPack[] } | { ok: false; response: Response } {
  const named = parseNameList(c.req.header("x-inflight-rules"));
  const policy = c.var.packPolicy;
  const adapterPacks = c.var.upstream?.packs ?? [];
  // A team's defaults are already resolved against DEFAULT_PACKS, and may be `[]` on purpose.
  const defaults =
    adapterPacks.length > 0 ? adapterPacks : (policy?.defaults ?? parseNameList(c.var.config.DEFAULT_PACKS));
  const names = [...(policy?.enforced ?? []), ...(named.length > 0 ? named : defaults)];
  const selected = selectPacks(names);
  if (selected.ok) return selected;
  const { name, known } = selected.error;
  return {
    ok: false,
    response: api.error(
      400,
      `Unknown rule pack "${name}" in x-inflight-rules. Known packs: ${known.join(", ")}.`,
      "invalid_request_error",
      "unknown_rule_pack",
      "x-inflight-rules",
    ),
  };
}

function headerChoice<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T | undefined {
  if (value === undefined || value === "") return fallback;
  const lower = value.trim().toLowerCase() as T;
  return allowed.includes(lower) ? lower : undefined;
}

/** One log line per request; never holds keys or prompt text. */
function logReport(requestId: string, model: string, report: SessionReport): void {
  console.log(
    JSON.stringify({
      msg: "inflight.request",
      request_id: requestId,
      model,
      outcome: report.outcome,
      rule: report.rejection?.rule ?? null,
      usage: {
        ...report.usage,
        inflight: { ...report.usage.inflight, flags: report.usage.inflight.flags?.map((f) => f.rule) },
      },
    }),
  );
}

/**
 * The proxy route for one API (`POST /v1/chat/completions`, `/v1/completions`, ...): validates the request,
 * streams it from the upstream through the rule packs, and answers in the API's own terms.
 */
export function createProxyHandler(api: ApiSpec) {
  return async function proxyHandler(c: Context<AppEnv>): Promise<Response> {
    const { config, requestId } = c.var;
    const invalid = (message: string, code: string, param: string | null = null) =>
      api.error(400, message, "invalid_request_error", code, param);
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return invalid("The request body is not valid JSON.", "invalid_json");
    }
    const parsed = api.parse(raw);
    if (!parsed.ok) return invalid(parsed.error.message, "invalid_request", parsed.error.param);
    const request = parsed.value;
    const packs = choosePacks(c, api);
    if (!packs.ok) return packs.response;
    const mode = headerChoice(c.req.header("x-inflight-mode"), ["error", "finish"] as const, "error");
    if (!mode) return invalid("x-inflight-mode must be `error` or `finish`.", "invalid_header", "x-inflight-mode");
    const holdback = headerChoice(c.req.header("x-inflight-holdback"), ["none", "stage"] as const, "none");
    if (!holdback)
      return invalid("x-inflight-holdback must be `none` or `stage`.", "invalid_header", "x-inflight-holdback");
    const target = c.var.upstream;
    const upstreamSpec = api.upstream(config, target);
    if (!upstreamSpec.url) {
      return api.error(
        503,
        `No upstream is configured: ${upstreamSpec.missingHint}.`,
        "server_error",
        "upstream_not_configured",
      );
    }

    const controller = new AbortController();
    const abort = (reason: AbortReason) => {
      if (!controller.signal.aborted) controller.abort(new UpstreamAbort(reason));
    };
    const format = api.createFormat();
    const session = createSession({
      requestId,
      format,
      packs: packs.value,
      ctx: request.ctx,
      mode,
      holdback: holdback === "stage",
      clientWantsUsage: request.wantsUsage,
      choices: request.choices,
      model: request.model,
      promptTokensEstimate: request.promptTokensEstimate,
      abort,
    });
    let reported = false;
    const report = () => {
      if (reported) return;
      reported = true;
      const final = session.report();
      logReport(requestId, request.model, final);
      const record = c.var.recordRequest;
      if (record) {
        const write = record({
          requestId,
          time: new Date().toISOString(),
          model: request.model,
          task: c.var.task ?? null,
          adapter: c.var.upstream?.label ?? null,
          packs: packs.value.map((pack) => pack.name),
          outcome: final.outcome,
          rule: final.rejection?.rule ?? null,
          promptTokens: final.usage.prompt_tokens,
          completionTokens: final.usage.completion_tokens,
          savedTokens: final.usage.inflight.saved_completion_tokens,
          savedMethod: final.usage.inflight.saved_method,
        }).catch((error: unknown) =>
          console.error(JSON.stringify({ msg: "inflight.meter_failed", request_id: requestId, error: String(error) })),
        );
        // Metering survives the client disconnecting: the runtime keeps the request alive until it is written.
        c.executionCtx.waitUntil(write);
      }
    };
    const clientGone = () => {
      session.clientGone();
      abort({ kind: "client_disconnect" });
      report();
    };
    c.req.raw.signal?.addEventListener("abort", clientGone, { once: true });

    // Team keys are inflight's own: never forwarded.
    // A routed backend has its own key (or none): the client's credentials stay here too.
    const dropCredentials = c.var.packPolicy !== undefined || target !== undefined;
    const headers = upstreamHeaders(c.req.raw.headers, upstreamSpec, dropCredentials);
    headers.set("content-type", "application/json");
    headers.set("accept", "text/event-stream");
    const upstreamRequest = JSON.stringify(api.upstreamBody(request.body, target));
    const send = () =>
      fetch(upstreamSpec.url, { method: "POST", headers, body: upstreamRequest, signal: controller.signal });
    const packHeader: Record<string, string> = {
      "x-inflight-packs": packs.value.map((pack) => pack.name).join(","),
      ...(target?.label ? { "x-inflight-adapter": target.label } : {}),
    };
    let upstream: Response;
    try {
      upstream = await send();
      if (!upstream.ok && target?.recover) {
        // A routed backend may be able to fix what it refused (a vLLM adapter not loaded): then try once more.
        // Nothing has reached the client yet, so this stays one request with one usage record.
        const refusal = await upstream.text();
        upstream = (await target.recover(upstream.status, refusal))
          ? await send()
          : new Response(refusal, { status: upstream.status, headers: upstream.headers });
      }
    } catch (error) {
      if (controller.signal.aborted) {
        return api.error(499, "The client closed the request.", "client_error", "client_closed_request");
      }
      session.upstreamFailed("unreachable", { kind: "upstream_error" });
      report();
      const host = new URL(upstreamSpec.url).host;
      const message = `The upstream at ${host} could not be reached: ${describeFetchError(error)}`;
      return api.error(502, message, "upstream_error", "upstream_unreachable");
    }
    if (!upstream.ok || !upstream.body) {
      // Read the error body before the session aborts the request, or the body would be cut off with it.
      const errorText = await upstream.text();
      session.upstreamFailed(`HTTP ${upstream.status}`, { kind: "upstream_error" });
      report();
      const errorHeaders = new Headers(packHeader);
      errorHeaders.set("content-type", upstream.headers.get("content-type") ?? "application/json");
      return new Response(errorText, { status: upstream.status, headers: errorHeaders });
    }

    const pump = createPump(upstream.body, session, config.UPSTREAM_IDLE_TIMEOUT_MS);
    if (request.stream) {
      const body = streamToClient(pump, clientGone, report);
      return new Response(body, {
        headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...packHeader },
      });
    }

    const frames = await collectFrames(pump);
    report();
    const failed = frames.find((frame) => frame.error)?.error;
    const { status, body: json } = failed ?? format.assemble(frames, session.report().usage);
    return new Response(JSON.stringify(json), {
      status,
      headers: { "content-type": "application/json", ...packHeader },
    });
  };
}
