import type { Context } from "hono";
import {
  csvColumns,
  emptyRow,
  mergeRows,
  publicRow,
  resolveRange,
  toCsv,
  UsageQuerySchema,
  KEY_SEPARATOR,
  type UsageQuery,
  type UsageRow,
} from "../../metering/usage";
import { kvKeys } from "../../teams/storage-keys";
import { listTeams } from "../../teams/teams";
import { errorBody, errorResponse } from "../errors";
import type { AppEnv } from "../types";
import { queryOf, teamsDisabled, validate, validateTeam } from "./validation";

/** One team's rows; a `team` dimension becomes the team's name in the row key. */
async function teamRows(
  env: Env,
  team: string,
  from: string,
  to: string,
  groups: UsageQuery["group_by"],
): Promise<UsageRow[]> {
  const namespace = env.TEAM_METER;
  if (!namespace) return [];
  const meter = namespace.get(namespace.idFromName(team));
  const others = groups.filter((group) => group !== "team");
  const rows = await meter.usage(from, to, others.length > 0 ? others : ["total"]);
  if (!groups.includes("team")) return rows;
  // The meter knows nothing of teams: put the team's name where the dimension sits in the key.
  return rows.map((row) => {
    const values = others.length > 0 ? row.key.split(KEY_SEPARATOR) : [];
    values.splice(groups.indexOf("team"), 0, team);
    return { ...row, key: values.join(KEY_SEPARATOR) };
  });
}

/** Usage of `teams` (summed) as JSON or CSV. */
async function usageResponse(
  c: Context<AppEnv>,
  teams: string[],
  scope: string | null,
  query: UsageQuery,
): Promise<Response> {
  const range = resolveRange(query, new Date());
  if (!range.ok)
    return errorResponse(
      400,
      errorBody(`Invalid range: ${range.message}.`, "invalid_request_error", "invalid_field", "from"),
    );
  const { from, to } = range;
  const lists = await Promise.all(teams.map((team) => teamRows(c.env, team, from, to, query.group_by)));
  const rows = mergeRows(lists);
  const totals = publicRow(mergeRows([rows.map((row) => ({ ...row, key: "" }))])[0] ?? emptyRow(), []);
  const data = rows.map((row) => publicRow(row, query.group_by));
  const groupBy = query.group_by.join(",");
  if (query.format === "csv") {
    const name = `usage-${scope ?? "organisation"}-${from}-${to}-by-${query.group_by.join("-")}.csv`;
    return c.body(toCsv(data, csvColumns(query.group_by)), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name}"`,
    });
  }
  return c.json({ object: "inflight.usage", team: scope, from, to, group_by: groupBy, totals, data });
}

/** `GET /admin/usage`: one team's (`team=`) or the whole organisation's usage. */
export async function adminUsageHandler(c: Context<AppEnv>): Promise<Response> {
  const kv = c.env.INFLIGHT_KV;
  if (!kv) return teamsDisabled();
  const query = validate(UsageQuerySchema, queryOf(c));
  if (!query.ok) return query.error;
  const { team } = query.value;
  if (team === undefined) return usageResponse(c, await listTeams(kv), null, query.value);
  const name = validateTeam(team);
  if (!name.ok) return name.error;
  if ((await kv.get(kvKeys.team(name.value))) === null)
    return errorResponse(
      404,
      errorBody(`No team is named ${name.value}.`, "invalid_request_error", "team_not_found", "team"),
    );
  return usageResponse(c, [name.value], name.value, query.value);
}

/** `GET /v1/inflight/usage`: the calling team key's own team, never another's. */
export async function teamUsageHandler(c: Context<AppEnv>): Promise<Response> {
  const identity = c.var.team;
  if (!identity)
    return errorResponse(401, errorBody("A team key is required.", "invalid_request_error", "missing_api_key"));
  const query = validate(UsageQuerySchema, queryOf(c));
  if (!query.ok) return query.error;
  if (query.value.team !== undefined && query.value.team !== identity.team) {
    return errorResponse(
      403,
      errorBody("A team key can read only its own team's usage.", "invalid_request_error", "forbidden", "team"),
    );
  }
  return usageResponse(c, [identity.team], identity.team, query.value);
}
