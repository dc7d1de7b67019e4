import type { Context, MiddlewareHandler } from "hono";
import { hasLimits } from "../metering/budget";
import { shippedPricing } from "../metering/pricing";
import { priceRecord, type MeterRecord } from "../metering/record";
import { parseNameList } from "../packs";
import { lookupKey, keysIssued, TEAM_KEY_PREFIX } from "../teams/keys";
import { loadEffectivePolicy, modelAllowed, type EffectivePolicy } from "../teams/policy";
import { errorBody, errorResponse } from "./errors";
import type { AppEnv } from "./types";

/** A team key's own usage; answered only for team keys. */
export const TEAM_USAGE_PATH = "/v1/inflight/usage";
/** Routes whose proxy handler drops the client's credentials itself when a team key was used. */
const PROXIED_PATHS = new Set(["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages"]);

type Requirement = "auto" | "always" | "never";

/** `REQUIRE_TEAM_KEYS`: unset/`auto`, `true`, `false`. Any other value requires keys (fail closed). */
export function keyRequirement(value: string | undefined): Requirement {
  const normalized = (value ?? "").trim().toLowerCase();
  if (normalized === "" || normalized === "auto") return "auto";
  if (normalized === "false" || normalized === "0" || normalized === "never") return "never";
  return "always";
}

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function unauthorized(missing: boolean): Response {
  const body = missing
    ? errorBody(
        "A team key is required: send `Authorization: Bearer <team key>`.",
        "invalid_request_error",
        "missing_api_key",
      )
    : errorBody("The team key is not valid (unknown or revoked).", "invalid_request_error", "invalid_api_key");
  return errorResponse(401, body, { "www-authenticate": 'Bearer realm="inflight"' });
}

/** The request body's `model`, read from a copy so the route can still read the body. */
async function peekModel(request: Request): Promise<string | undefined> {
  if (request.method === "GET" || request.method === "HEAD") return undefined;
  if (!(request.headers.get("content-type") ?? "").includes("json")) return undefined;
  try {
    const body: unknown = await request.clone().json();
    const model = typeof body === "object" && body !== null ? (body as { model?: unknown }).model : undefined;
    return typeof model === "string" ? model : undefined;
  } catch {
    return undefined; // the route answers a malformed body
  }
}

/** The packs a request will run, as completions chooses them; for the record of a refused request. */
function packNames(c: Context<AppEnv>, policy: EffectivePolicy): string[] {
  const named = parseNameList(c.req.header("x-inflight-rules"));
  return [...new Set([...policy.enforced_packs, ...(named.length > 0 ? named : policy.default_packs)])];
}

function meterOf(env: Env, team: string) {
  const namespace = env.TEAM_METER;
  return namespace ? namespace.get(namespace.idFromName(team)) : undefined;
}

/**
 * Authenticates `/v1/*` requests with team keys (`Authorization: Bearer ifk_...` or `x-api-key: ifk_...`). A team key is checked
 * against its hash in KV, never forwarded upstream, and puts the request under its team's policy: enforced and
 * default packs, allowed models, and a budget checked in the team's meter before anything is forwarded. Other
 * credentials pass through untouched unless keys are required (`REQUIRE_TEAM_KEYS`, by default once any team
 * key exists). Without the `INFLIGHT_KV` binding it does nothing, unless keys are forced on (then 503).
 */
export function teamAuth(): MiddlewareHandler<AppEnv> {
  return async function authenticateTeam(c, next) {
    const kv = c.env.INFLIGHT_KV;
    if (!kv) {
      // Keys forced on without the namespace that holds them: refuse rather than let everything through.
      if (keyRequirement(c.env.REQUIRE_TEAM_KEYS) !== "always") return next();
      return errorResponse(
        503,
        errorBody("Team keys are required but INFLIGHT_KV is not bound.", "server_error", "teams_disabled"),
      );
    }
    // OpenAI clients send the key as a bearer token, Anthropic clients in `x-api-key`.
    const credentials = [bearer(c.req.header("authorization")), c.req.header("x-api-key")?.trim()];
    const presented = credentials.find((value) => value?.startsWith(TEAM_KEY_PREFIX));
    if (presented === undefined) {
      const requirement = keyRequirement(c.env.REQUIRE_TEAM_KEYS);
      const required =
        c.req.path === TEAM_USAGE_PATH ||
        requirement === "always" ||
        (requirement === "auto" && (await keysIssued(kv)));
      if (required) return unauthorized(!credentials.some(Boolean));
      return next();
    }
    const found = await lookupKey(kv, presented);
    if (!found.ok) return unauthorized(false);
    const { team, id: keyId } = found.value;
    const policy = await loadEffectivePolicy(kv, team, parseNameList(c.var.config.DEFAULT_PACKS));

    const model = await peekModel(c.req.raw);
    if (model !== undefined && !modelAllowed(policy.allowed_models, model)) {
      return errorResponse(
        403,
        errorBody(
          `The model "${model}" is not allowed for team ${team}.`,
          "invalid_request_error",
          "model_not_allowed",
          "model",
        ),
      );
    }
    const meter = meterOf(c.env, team);
    const base = (): Omit<MeterRecord, "outcome" | "costNano" | "savedCostNano"> => ({
      requestId: c.var.requestId,
      time: new Date().toISOString(),
      model: model ?? "",
      task: c.var.task ?? null,
      adapter: null,
      packs: packNames(c, policy),
      rule: null,
      promptTokens: 0,
      completionTokens: 0,
      savedTokens: null,
      savedMethod: "none",
      keyId,
    });
    if (meter && hasLimits(policy.budget) && c.req.method !== "GET" && c.req.method !== "HEAD") {
      const admitted = await meter.admit({
        limits: policy.budget,
        record: { ...base(), outcome: "budget_denied", costNano: 0, savedCostNano: 0 },
      });
      if (!admitted.ok) {
        const { period, limit_usd, spend_usd, resets_at } = admitted.error;
        const retryAfter = Math.max(1, Math.ceil((Date.parse(resets_at) - Date.now()) / 1000));
        const message = `Team ${team} has reached its ${period === "day" ? "daily" : "monthly"} budget of ${limit_usd} USD (spent ${spend_usd} USD).`;
        return errorResponse(
          429,
          errorBody(message, "insufficient_quota", "budget_exceeded", null, {
            period,
            limit_usd,
            spend_usd,
            resets_at,
          }),
          {
            "retry-after": String(retryAfter),
          },
        );
      }
    }

    c.set("team", { team, keyId });
    c.set("packPolicy", {
      enforced: policy.enforced_packs,
      defaults: policy.default_packs,
      ...(policy.default_task ? { defaultTask: policy.default_task } : {}),
    });
    if (meter) {
      const pricing = shippedPricing();
      c.set("recordRequest", async (record) => {
        await meter.record(priceRecord({ ...record, keyId }, pricing));
      });
    }
    if (!PROXIED_PATHS.has(c.req.path)) {
      // The passthrough route forwards the client's headers; a team key is inflight's own and stays here.
      const headers = new Headers(c.req.raw.headers);
      headers.delete("authorization");
      headers.delete("x-api-key");
      c.req.raw = new Request(c.req.raw, { headers });
    }
    await next();
  };
}
