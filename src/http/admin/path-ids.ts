import type { MiddlewareHandler } from "hono";
import { rawPath } from "../doors";
import { errorBody, errorResponse } from "../errors";
import type { AppEnv } from "../types";

/**
 * Longest path segment an admin route takes. Ids are far shorter (team names and adapter ids 64 characters,
 * key ids 20); the bound keeps every id well inside KV's 512-byte key limit, raw length being at least the
 * decoded id's UTF-8 length.
 */
export const MAX_ADMIN_SEGMENT = 128;

/** The parameter a segment fills, by the collection before it (`/keys/<id>`, `/teams/<team>`, `/adapters/<id>`). */
const PARAM_AFTER: Record<string, string> = { keys: "id", teams: "team", adapters: "id" };

/**
 * Refuses an over-long id in any `/admin` path with 400 `invalid_field`, before a route turns it into a
 * storage key (a 10,000-character id would otherwise fail in KV as a 500 or 503). Mounted once for every admin
 * route, adapters included.
 */
export function boundedAdminIds(): MiddlewareHandler<AppEnv> {
  return async function checkAdminIds(c, next) {
    const segments = rawPath(c.req.url).split("/").slice(2);
    const at = segments.findIndex((segment) => segment.length > MAX_ADMIN_SEGMENT);
    if (at !== -1) {
      const param = PARAM_AFTER[segments[at - 1] ?? ""] ?? "path";
      return errorResponse(
        400,
        errorBody(
          `Invalid ${param}: at most ${MAX_ADMIN_SEGMENT} characters.`,
          "invalid_request_error",
          "invalid_field",
          param,
        ),
      );
    }
    await next();
  };
}
