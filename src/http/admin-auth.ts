import type { MiddlewareHandler } from "hono";
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
    const header = c.req.header("authorization") ?? "";
    const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    if (!given || !(await secretsEqual(given, expected))) {
      return errorResponse(
        401,
        errorBody("A valid admin token is required.", "authentication_error", "invalid_admin_token"),
      );
    }
    await next();
  };
}
