import type { Context, MiddlewareHandler } from "hono";
import { findDoor, rawPath, resemblance, type Door } from "./doors";
import { envelopeError } from "./envelope";
import { errorBody } from "./errors";
import type { AppEnv } from "./types";

/** A path as quoted in an error message: never more than a line of it. */
const quoted = (path: string) => (path.length > 120 ? `${path.slice(0, 120)}...` : path);

/** 404 `not_found`, naming the route the path resembles when it resembles one. */
export function notFoundResponse(path: string, door: Extract<Door, { kind: "not_found" }>): Response {
  const hint = door.suggestion
    ? ` It resembles ${door.suggestion}: inflight answers only its exact spelling.`
    : " See the README for the routes inflight serves.";
  return envelopeError(
    door.envelope,
    404,
    errorBody(`Not found: ${quoted(path)}.${hint}`, "invalid_request_error", "not_found"),
  );
}

/** The answer to a request no route took (outside `/v1` too): 404 in the envelope of what the path resembles. */
export function unrouted(c: Context<AppEnv>): Response {
  const path = rawPath(c.req.url);
  return notFoundResponse(path, { kind: "not_found", ...resemblance(path) });
}

/**
 * One door per route (see `doors.ts`): sets `c.var.door` for a canonical `/v1` route, and answers every other
 * method (405 with `Allow`) or spelling (404) in the API's envelope, before authentication or any body is read.
 */
export function routeDoors(): MiddlewareHandler<AppEnv> {
  return async function chooseDoor(c, next) {
    const path = rawPath(c.req.url);
    const door = findDoor(c.req.method, path);
    switch (door.kind) {
      case "wrong_method":
        return envelopeError(
          door.envelope,
          405,
          errorBody(
            `${c.req.method} is not allowed on ${quoted(path)}: use ${door.allow.join(" or ")}.`,
            "invalid_request_error",
            "method_not_allowed",
          ),
          { allow: door.allow.join(", ") },
        );
      case "not_found":
        return notFoundResponse(path, door);
      case "proxied":
      case "forwarded":
      case "usage":
        c.set("door", door);
        return next();
    }
  };
}
