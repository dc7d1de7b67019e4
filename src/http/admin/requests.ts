import type { Context } from "hono";
import * as z from "../../zod";
import { nanoToUsd } from "../../metering/pricing";
import type { StoredRequest } from "../../metering/store";
import { kvKeys } from "../../teams/storage-keys";
import { TeamNameSchema } from "../../teams/teams";
import { errorBody, errorResponse } from "../errors";
import type { AppEnv } from "../types";
import { queryOf, teamsDisabled, validate } from "./validation";

/** Most rows one call returns. */
export const MAX_REQUEST_ROWS = 500;

/** Query of `GET /admin/teams/<team>/requests`. */
export const RequestsQuerySchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_REQUEST_ROWS)), 100),
});
export type RequestsQuery = z.infer<typeof RequestsQuerySchema>;

/** A stored row as the API returns it: packs as a list, costs in USD, the saved figure named as the estimate it is. */
function publicRequest(row: StoredRequest): Record<string, unknown> {
  const {
    cost_nano_usd,
    saved_cost_nano_usd,
    saved_cost_p10_nano_usd,
    saved_cost_p90_nano_usd,
    saved_tokens,
    saved_p10,
    saved_p90,
    saved_upper_bound,
    packs,
    attempt_verdicts,
    day: _day,
    ...rest
  } = row;
  const usd = (nano: number | null) => (nano === null ? null : nanoToUsd(nano));
  return {
    ...rest,
    packs: JSON.parse(packs) as unknown,
    attempt_verdicts: attempt_verdicts === null ? null : (JSON.parse(attempt_verdicts) as unknown),
    estimated_saved_tokens: saved_tokens,
    estimated_saved_tokens_p10: saved_p10,
    estimated_saved_tokens_p90: saved_p90,
    saved_upper_bound_tokens: saved_upper_bound,
    cost_usd: usd(cost_nano_usd),
    estimated_saved_cost_usd: usd(saved_cost_nano_usd),
    estimated_saved_cost_usd_p10: usd(saved_cost_p10_nano_usd),
    estimated_saved_cost_usd_p90: usd(saved_cost_p90_nano_usd),
  };
}

/**
 * `GET /admin/teams/<team>/requests[?limit=100]`: the team's most recent metered requests, one row each as the
 * meter stored it (outcome, tokens, `counted_by`, cost), newest first. For finding out how one request was booked.
 */
export async function adminRequestsHandler(c: Context<AppEnv>): Promise<Response> {
  const kv = c.env.INFLIGHT_KV;
  const namespace = c.env.TEAM_METER;
  if (!kv || !namespace) return teamsDisabled();
  const team = validate(TeamNameSchema, c.req.param("team"));
  if (!team.ok) return team.error;
  const query = validate(RequestsQuerySchema, queryOf(c));
  if (!query.ok) return query.error;
  if ((await kv.get(kvKeys.team(team.value))) === null)
    return errorResponse(
      404,
      errorBody(`No team is named ${team.value}.`, "invalid_request_error", "team_not_found", "team"),
    );
  const rows = await namespace.get(namespace.idFromName(team.value)).requests(query.value.limit);
  return c.json({ object: "list", team: team.value, data: rows.map(publicRequest) });
}
