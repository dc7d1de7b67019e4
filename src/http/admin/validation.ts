import type { Context } from "hono";
import * as z from "../../zod";
import { err, ok, type Result } from "../../engine/result";
import { TeamNameSchema } from "../../teams/teams";
import { errorBody, errorResponse } from "../errors";

/** A 400 in the OpenAI envelope naming the first field at fault (dotted path) in `param`. */
export function validationError(error: z.core.$ZodError): Response {
  const issue = error.issues[0];
  const param = issue && issue.path.length > 0 ? issue.path.join(".") : null;
  const message = param ? `Invalid ${param}: ${issue?.message}` : `Invalid input: ${issue?.message ?? "malformed"}`;
  return errorResponse(
    400,
    errorBody(message, "invalid_request_error", "invalid_field", param, { details: z.prettifyError(error) }),
  );
}

/** Parses `value` with `schema`; a failure is a ready 400 response. */
export function validate<S extends z.ZodMiniType>(schema: S, value: unknown): Result<z.infer<S>, Response> {
  const parsed = schema.safeParse(value);
  return parsed.success ? ok(parsed.data) : err(validationError(parsed.error));
}

/** The JSON body validated with `schema`: 400 `invalid_json` when it does not parse, else as `validate`. */
export async function readBody<S extends z.ZodMiniType>(c: Context, schema: S): Promise<Result<z.infer<S>, Response>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    return err(
      errorResponse(400, errorBody("The request body is not valid JSON.", "invalid_request_error", "invalid_json")),
    );
  }
  return validate(schema, raw);
}

/** A team name from a path or query, validated: a 400 names `team` in `param`. */
export function validateTeam(team: string): Result<string, Response> {
  const parsed = validate(z.strictObject({ team: TeamNameSchema }), { team });
  return parsed.ok ? ok(parsed.value.team) : parsed;
}

/** The query string as a plain object, for `validate` (a repeated parameter keeps its last value). */
export const queryOf = (c: Context): Record<string, string> => c.req.query();

/** 503 when the KV namespace for teams is not bound. */
export const teamsDisabled = () =>
  errorResponse(
    503,
    errorBody(
      "Teams are not configured: bind the INFLIGHT_KV namespace (see docs/teams.md).",
      "server_error",
      "teams_disabled",
    ),
  );
