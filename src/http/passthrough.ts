import type { Context } from "hono";
import type { MeterOutcome } from "../metering/record";
import { createUsageTail, type ForwardedUsage } from "../proxy/usage-tail";
import { estimateInputTokens } from "../proxy/request-text";
import { describeFetchError, upstreamHeaders } from "../proxy/upstream";
import { errorBody, errorResponse } from "./errors";
import { requestBody, requestJson } from "./request-body";
import { unrouted } from "./route-doors";
import type { AppEnv } from "./types";

/** What a forwarded request books: its route, model, outcome and the tokens its answer reported. */
function meterForwarded(c: Context<AppEnv>, model: string, outcome: MeterOutcome, usage: ForwardedUsage): void {
  const record = c.var.recordRequest;
  if (!record) return;
  const write = record({
    requestId: c.var.requestId,
    time: new Date().toISOString(),
    model,
    task: null,
    adapter: null,
    packs: [],
    outcome,
    rule: null,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    savedTokens: null,
    savedMethod: "none",
  }).catch((error: unknown) =>
    console.error(JSON.stringify({ msg: "inflight.meter_failed", request_id: c.var.requestId, error: String(error) })),
  );
  c.executionCtx.waitUntil(write);
}

const NO_USAGE: ForwardedUsage = { promptTokens: 0, completionTokens: 0 };

/**
 * The `/v1` pass-through, for the allow-listed routes only (models, embeddings, moderations, files: see
 * `doors.ts`): forwarded upstream unchanged, with the provider key. Each forwarded request of a team is metered
 * once its answer has gone through: outcome `forwarded` (or `upstream_error` when the upstream failed), and for
 * routes whose JSON answer carries `usage` (embeddings) its tokens, else inflight's estimate of the `input`.
 */
export async function passthroughHandler(c: Context<AppEnv>): Promise<Response> {
  const { config, door } = c.var;
  if (door?.kind !== "forwarded") return unrouted(c);
  if (!config.UPSTREAM_BASE_URL) {
    return errorResponse(
      503,
      errorBody("No upstream is configured: set UPSTREAM_BASE_URL.", "server_error", "upstream_not_configured"),
    );
  }
  const body = await requestBody(c);
  if (!body.ok) return body.error;
  const method = c.req.method;
  let model = "";
  let estimate = NO_USAGE;
  if (door.forwarded.body === "json" && method === "POST") {
    const json = await requestJson(c);
    const fields = json.ok && typeof json.value === "object" && json.value !== null ? json.value : {};
    const { model: named, input } = fields as { model?: unknown; input?: unknown };
    if (typeof named === "string") model = named;
    estimate = { promptTokens: estimateInputTokens(input), completionTokens: 0 };
  }
  const url = new URL(c.req.url);
  // The path passed the allow-list as it arrived (no dot segments, no percent-escapes), so it goes as it is.
  const target = `${config.UPSTREAM_BASE_URL.replace(/\/+$/, "")}${url.pathname.replace(/^\/v1/, "")}${url.search}`;
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method,
      headers: upstreamHeaders(
        c.req.raw.headers,
        { ...(config.UPSTREAM_API_KEY ? { key: config.UPSTREAM_API_KEY } : {}), keyHeader: "authorization" },
        c.var.packPolicy !== undefined,
      ),
      body: method === "GET" || method === "HEAD" ? null : (body.value.bytes ?? body.value.text),
      signal: c.req.raw.signal,
    });
  } catch (error) {
    meterForwarded(c, model, "upstream_error", NO_USAGE);
    return errorResponse(
      502,
      errorBody(
        `The upstream at ${new URL(config.UPSTREAM_BASE_URL).host} could not be reached: ${describeFetchError(error)}`,
        "upstream_error",
        "upstream_unreachable",
      ),
    );
  }
  const outcome: MeterOutcome = upstream.ok ? "forwarded" : "upstream_error";
  const json = (upstream.headers.get("content-type") ?? "").includes("json");
  if (!c.var.recordRequest || !upstream.body || !door.forwarded.usage || !upstream.ok || !json) {
    meterForwarded(c, model, outcome, upstream.ok ? estimate : NO_USAGE);
    return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
  }
  // The answer streams through as it comes; only its tail is kept, to read `usage` when it has ended.
  const tail = createUsageTail();
  const reader = upstream.body.getReader();
  let metered = false;
  const finish = () => {
    if (metered) return;
    metered = true;
    meterForwarded(c, model, outcome, tail.usage() ?? estimate);
  };
  const relayed = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            finish();
            return;
          }
          tail.push(value);
          controller.enqueue(value);
        } catch (error) {
          controller.error(error);
          finish();
        }
      },
      cancel(reason) {
        finish();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(relayed, { status: upstream.status, headers: upstream.headers });
}
