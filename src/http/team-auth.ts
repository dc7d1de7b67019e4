import type { Context, MiddlewareHandler } from "hono";
import { err, ok, type Result } from "../engine/result";
import {
  attemptReservationId,
  hasLimits,
  reservationNano,
  type BudgetDenial,
  type CostEstimate,
} from "../metering/budget";
import { priceOf, shippedPricing } from "../metering/pricing";
import { priceRecord, type MeterRecord } from "../metering/record";
import { parseNameList } from "../packs";
import { estimateInputTokens } from "../proxy/request-text";
import { lookupKey, keysIssued, TEAM_KEY_PREFIX } from "../teams/keys";
import { loadEffectivePolicy, modelAllowed, type EffectivePolicy } from "../teams/policy";
import { PROXIED_APIS } from "./apis";
import { askThrottle, throttledFor, throttledResponse } from "./auth-throttling";
import type { Door, Envelope } from "./doors";
import { envelopeError } from "./envelope";
import { errorBody } from "./errors";
import { parseOnce, requestBody, requestJson } from "./request-body";
import type { AppEnv } from "./types";

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

function unauthorized(envelope: Envelope, missing: boolean): Response {
  const body = missing
    ? errorBody(
        "A team key is required: send `Authorization: Bearer <team key>`.",
        "invalid_request_error",
        "missing_api_key",
      )
    : errorBody("The team key is not valid (unknown or revoked).", "invalid_request_error", "invalid_api_key");
  return envelopeError(envelope, 401, body, { "www-authenticate": 'Bearer realm="inflight"' });
}

/**
 * A presented credential that failed: 401, or 429 once the client has failed `AUTH_FAILURE_LIMIT` times in its
 * window. The key was checked first, so a valid key never waits on the throttle.
 */
async function failedAttempt(c: Context<AppEnv>, envelope: Envelope): Promise<Response> {
  const known = throttledFor(c, "team");
  if (known > 0) return throttledResponse(envelope, "team", known);
  const verdict = await askThrottle(c, "team", "fail");
  return verdict.throttled ? throttledResponse(envelope, "team", verdict.retryAfterMs) : unauthorized(envelope, false);
}

/** Routes whose body names the model a policy checks: the proxied APIs, embeddings and moderations. */
const takesModel = (door: Door | undefined): boolean =>
  door?.kind === "proxied" || (door?.kind === "forwarded" && door.forwarded.body === "json");

const modelField = (body: unknown): string | undefined => {
  const model = typeof body === "object" && body !== null ? (body as { model?: unknown }).model : undefined;
  return typeof model === "string" ? model : undefined;
};

/**
 * What the request may cost at most, from the body the handler will parse. `null` for a proxied request its
 * API refuses: it is answered 400 before anything is forwarded, so it needs no admission.
 */
function costEstimate(c: Context<AppEnv>, door: Door | undefined, body: unknown): CostEstimate | null {
  if (door?.kind === "proxied") {
    const parsed = parseOnce(c, PROXIED_APIS[door.api], body);
    if (!parsed.ok) return null;
    const { promptTokensEstimate, ctx, choices } = parsed.value;
    const maxTokens = ctx.maxTokens ?? c.var.config.BUDGET_DEFAULT_MAX_TOKENS;
    return { promptTokens: promptTokensEstimate, completionTokens: maxTokens * choices };
  }
  const input = typeof body === "object" && body !== null ? (body as { input?: unknown }).input : undefined;
  return { promptTokens: estimateInputTokens(input), completionTokens: 0 };
}

/** The packs a request will run, as completions chooses them; for the record of a refused request. */
function packNames(c: Context<AppEnv>, policy: EffectivePolicy): string[] {
  const named = parseNameList(c.req.header("x-inflight-rules"));
  return [...new Set([...policy.enforced_packs, ...(named.length > 0 ? named : policy.default_packs)])];
}

/** 429 `budget_exceeded` in the route's envelope, with when the period resets. */
export function budgetExceeded(envelope: Envelope, team: string, denial: BudgetDenial): Response {
  const { period, limit_usd, spend_usd, reserved_usd, resets_at } = denial;
  const retryAfter = Math.max(1, Math.ceil((Date.parse(resets_at) - Date.now()) / 1000));
  const running = reserved_usd > 0 ? `, ${reserved_usd} USD reserved by running requests` : "";
  const message = `Team ${team} has reached its ${period === "day" ? "daily" : "monthly"} budget of ${limit_usd} USD (spent ${spend_usd} USD${running}).`;
  return envelopeError(
    envelope,
    429,
    errorBody(message, "insufficient_quota", "budget_exceeded", null, {
      period,
      limit_usd,
      spend_usd,
      reserved_usd,
      resets_at,
    }),
    { "retry-after": String(retryAfter) },
  );
}

function meterOf(env: Env, team: string) {
  const namespace = env.TEAM_METER;
  return namespace ? namespace.get(namespace.idFromName(team)) : undefined;
}

/** 403 for a model the policy does not allow, or for a request whose model cannot be read under a model list. */
function checkModel(
  c: Context<AppEnv>,
  team: string,
  policy: EffectivePolicy,
  body: Result<unknown, Response> | null,
): Result<string | undefined, Response> {
  if (body === null) return ok(undefined);
  // Not JSON: under a model list the model cannot be read, so the request is refused here, with the same 400
  // the handler would give; without one, the handler (or the upstream, for forwarded routes) answers it.
  if (!body.ok) return policy.allowed_models === null ? ok(undefined) : body;
  const model = modelField(body.value);
  if (policy.allowed_models === null) return ok(model);
  const envelope = c.var.door?.envelope ?? "openai";
  if (model === undefined)
    return err(
      envelopeError(
        envelope,
        403,
        errorBody(
          `Team ${team} may use only the models its policy lists, and this request names none (\`model\` must be a string).`,
          "invalid_request_error",
          "model_not_allowed",
          "model",
        ),
      ),
    );
  if (!modelAllowed(policy.allowed_models, model))
    return err(
      envelopeError(
        envelope,
        403,
        errorBody(
          `The model "${model}" is not allowed for team ${team}.`,
          "invalid_request_error",
          "model_not_allowed",
          "model",
        ),
      ),
    );
  return ok(model);
}

/**
 * Authenticates `/v1/*` requests with team keys (`Authorization: Bearer ifk_...` or `x-api-key: ifk_...`). A team key is checked
 * against its hash in KV, never forwarded upstream, and puts the request under its team's policy: enforced and
 * default packs, allowed models (checked on the body the handler parses, whatever its content type), and a
 * budget: the team's meter admits the request and reserves its estimated cost before anything is forwarded.
 * Other credentials pass through untouched unless keys are required (`REQUIRE_TEAM_KEYS`, by default once any
 * team key exists). Without the `INFLIGHT_KV` binding it does nothing, unless keys are forced on (then 503).
 */
export function teamAuth(): MiddlewareHandler<AppEnv> {
  return async function authenticateTeam(c, next) {
    const kv = c.env.INFLIGHT_KV;
    const door = c.var.door;
    const envelope = door?.envelope ?? "openai";
    if (!kv) {
      // Keys forced on without the namespace that holds them: refuse rather than let everything through.
      if (keyRequirement(c.env.REQUIRE_TEAM_KEYS) !== "always") return next();
      return envelopeError(
        envelope,
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
        door?.kind === "usage" || requirement === "always" || (requirement === "auto" && (await keysIssued(kv)));
      if (!required) return next();
      // No credential at all is not a guess, and is not counted.
      return credentials.some(Boolean) ? failedAttempt(c, envelope) : unauthorized(envelope, true);
    }
    const found = await lookupKey(kv, presented);
    if (!found.ok) return failedAttempt(c, envelope);
    const { team, id: keyId } = found.value;
    const policy = await loadEffectivePolicy(kv, team, parseNameList(c.var.config.DEFAULT_PACKS));

    let body: Result<unknown, Response> | null = null;
    if (takesModel(door)) {
      const read = await requestBody(c);
      if (!read.ok) return read.error;
      body = await requestJson(c);
    }
    const model = checkModel(c, team, policy, body);
    if (!model.ok) return model.error;
    const meter = meterOf(c.env, team);
    const route = door && "route" in door ? door.route : null;
    const base = (): Omit<MeterRecord, "outcome" | "costNano" | "savedCostNano"> => ({
      requestId: c.var.requestId,
      time: new Date().toISOString(),
      model: model.value ?? "",
      task: c.var.task ?? null,
      adapter: null,
      packs: packNames(c, policy),
      rule: null,
      promptTokens: 0,
      completionTokens: 0,
      savedTokens: null,
      savedMethod: "none",
      keyId,
      route,
    });
    let reserved = false;
    if (meter && hasLimits(policy.budget) && c.req.method !== "GET" && c.req.method !== "HEAD") {
      const estimate = costEstimate(c, door, body?.ok ? body.value : undefined);
      if (estimate !== null) {
        const reserveNano = reservationNano(estimate, priceOf(shippedPricing(), model.value ?? ""));
        const admitted = await meter.admit({
          limits: policy.budget,
          record: { ...base(), outcome: "budget_denied", costNano: 0, savedCostNano: 0 },
          reserveNano,
        });
        if (!admitted.ok) return budgetExceeded(envelope, team, admitted.error);
        reserved = reserveNano > 0;
      }
    }

    c.set("team", { team, keyId });
    c.set("packPolicy", {
      enforced: policy.enforced_packs,
      defaults: policy.default_packs,
      ...(policy.default_task ? { defaultTask: policy.default_task } : {}),
    });
    if (meter && hasLimits(policy.budget)) {
      const price = priceOf(shippedPricing(), model.value ?? "");
      c.set("admitAttempt", (attempt, estimate) =>
        meter.admitAttempt({
          limits: policy.budget,
          reservationId: attemptReservationId(c.var.requestId, attempt),
          reserveNano: reservationNano(estimate, price),
          time: new Date().toISOString(),
        }),
      );
    }
    let recorded = false;
    if (meter) {
      const pricing = shippedPricing();
      c.set("recordRequest", async (record) => {
        recorded = true;
        // The row replaces the request's reservation in the same transaction.
        await meter.record(priceRecord({ ...record, keyId, route }, pricing));
      });
    }
    await next();
    // Refused after admission (unknown pack, adapter errors...) without a row: nothing ran, free the reservation.
    // A streamed answer records when its stream ends; a reservation whose request never reports expires.
    if (reserved && !recorded && !c.res.ok) c.executionCtx.waitUntil(meter!.release(c.var.requestId));
  };
}
