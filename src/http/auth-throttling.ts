import type { Context } from "hono";
import { knownThrottle, rememberThrottle, type ThrottleVerdict } from "../auth/throttle";
import type { Envelope } from "./doors";
import { envelopeError } from "./envelope";
import { errorBody } from "./errors";
import type { AppEnv } from "./types";

/** Team keys and the admin token are counted apart: failing one never locks the other out. */
export type AuthScope = "team" | "admin";

/** The client as Cloudflare reports it (`cf-connecting-ip`, set by the edge, not by the client). */
const clientKey = (c: Context<AppEnv>, scope: AuthScope): string =>
  `${scope}:${c.req.header("cf-connecting-ip") ?? "unknown"}`;

/** Milliseconds this isolate already knows the client is throttled for, or 0; costs no call. */
export function throttledFor(c: Context<AppEnv>, scope: AuthScope): number {
  return knownThrottle(clientKey(c, scope), Date.now());
}

/**
 * Asks the client's `AuthThrottle` object: `fail` counts a failed attempt, `status` only reads. Without the
 * binding nothing is counted. A throttled verdict is remembered in the isolate, so the client's next attempts
 * are answered without another call.
 */
export async function askThrottle(
  c: Context<AppEnv>,
  scope: AuthScope,
  action: "fail" | "status",
): Promise<ThrottleVerdict> {
  const namespace = c.env.AUTH_THROTTLE;
  if (!namespace) return { throttled: false, retryAfterMs: 0 };
  const key = clientKey(c, scope);
  const { AUTH_FAILURE_LIMIT: limit, AUTH_FAILURE_WINDOW_S: windowS } = c.var.config;
  const now = Date.now();
  const stub = namespace.get(namespace.idFromName(key));
  const limits = { limit, windowMs: windowS * 1000 };
  const verdict = action === "fail" ? await stub.fail(limits, now) : await stub.status(limits, now);
  if (verdict.throttled) rememberThrottle(key, now, verdict.retryAfterMs);
  return verdict;
}

/** 429 `too_many_failed_attempts` with `retry-after` (whole seconds, at least 1). */
export function throttledResponse(envelope: Envelope, scope: AuthScope, retryAfterMs: number): Response {
  const what = scope === "admin" ? "admin token" : "API key";
  return envelopeError(
    envelope,
    429,
    errorBody(
      `Too many failed ${what} attempts from this client; try again later.`,
      "rate_limit_error",
      "too_many_failed_attempts",
    ),
    { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  );
}
