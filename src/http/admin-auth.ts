import type { MiddlewareHandler } from "hono";
import { askThrottle, throttledFor, throttledResponse } from "./auth-throttling";
import { errorBody, errorResponse } from "./errors";
import type { AppEnv } from "./types";

const encoder = new TextEncoder();

/** Compares two secrets in time that does not depend on where they differ. */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  // Hash both so the comparison runs over equal lengths whatever the input length.
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * Guards `/admin/*`: `Authorization: Bearer <ADMIN_TOKEN>`. Without a configured token the admin API is off.
 * A client that has presented a wrong token more than `AUTH_FAILURE_LIMIT` times in its window is refused with
 * 429 until the window ends, even with the right token: the token may be a chosen secret, so a throttled
 * client must not be able to go on testing guesses. That costs a correct token one throttle read per call.
 */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async function requireAdminToken(c, next) {
    const expected = c.env.ADMIN_TOKEN;
    if (!expected) {
      return errorResponse(
        503,
        errorBody("The admin API is disabled: set the ADMIN_TOKEN secret.", "server_error", "admin_disabled"),
      );
    }
    const known = throttledFor(c, "admin");
    if (known > 0) return throttledResponse("openai", "admin", known);
    const header = c.req.header("authorization") ?? "";
    const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    const valid = given !== "" && (await secretsEqual(given, expected));
    // No token at all is not a guess; it is not counted.
    if (given !== "") {
      const verdict = await askThrottle(c, "admin", valid ? "status" : "fail");
      if (verdict.throttled) return throttledResponse("openai", "admin", verdict.retryAfterMs);
    }
    if (!valid) {
      return errorResponse(
        401,
        errorBody("A valid admin token is required.", "authentication_error", "invalid_admin_token"),
      );
    }
    await next();
  };
}
