import type { Context } from "hono";
import type { CompiledPack } from "../engine/compile";
import { parseNameList, selectPacks } from "../packs";
import type { ApiSpec } from "./apis/types";
import { samplingPlan, forwardSampled } from "./sampling";
import { parseOnce, requestJson } from "./request-body";
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

/**
 * The proxy route for one API (`POST /v1/chat/completions`, `/v1/completions`, ...): validates the request,
 * streams it from the upstream through the rule packs, and answers in the API's own terms. A request with `n`
 * may be answered with one upstream attempt per choice (fan-out, `x-inflight-accept`: docs/sampling.md).
 */
export function createProxyHandler(api: ApiSpec) {
  return async function proxyHandler(c: Context<AppEnv>): Promise<Response> {
    const { config } = c.var;
    const invalid = (message: string, code: string, param: string | null = null) =>
      api.error(400, message, "invalid_request_error", code, param);
    // Read once, bounded by MAX_REQUEST_BYTES, and parsed once: the body team policies were checked on.
    const raw = await requestJson(c);
    if (!raw.ok) return raw.error;
    const parsed = parseOnce(c, api, raw.value);
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

    const plan = samplingPlan(c, { api, request });
    if (!plan.ok) return invalid(plan.error.message, "invalid_header", plan.error.param);
    return forwardSampled(
      c,
      { api, request, packs: packs.value, mode, holdback: holdback === "stage", upstream: upstreamSpec },
      plan.value,
    );
  };
}
