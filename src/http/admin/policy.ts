import type { Context, Hono } from "hono";
import { parseNameList, shippedPacks } from "../../packs";
import {
  effectivePolicy,
  policySchemaFor,
  readOrgPolicy,
  readTeamPolicy,
  writeOrgPolicy,
  writeTeamPolicy,
} from "../../teams/policy";
import { kvKeys } from "../../teams/storage-keys";
import { ensureTeam, listTeams } from "../../teams/teams";
import type { AppEnv } from "../types";
import { readBody, teamsDisabled, validateTeam } from "./validation";

const writableSchema = () => policySchemaFor([...shippedPacks().keys()]);
/** The Worker's DEFAULT_PACKS, under which `effective.default_packs` shows what a team's requests really run. */
const workerDefaults = (c: Context<AppEnv>) => parseNameList(c.var.config.DEFAULT_PACKS);

/** Teams and policies: the organisation's defaults, and each team's overrides with the effective result. */
export function policyRoutes(admin: Hono<AppEnv>): void {
  admin.get("/teams", async function listAllTeams(c) {
    const kv = c.env.INFLIGHT_KV;
    if (!kv) return teamsDisabled();
    return c.json({ object: "list", data: (await listTeams(kv)).map((team) => ({ team })) });
  });

  admin.get("/policy", async function readOrganisationPolicy(c) {
    const kv = c.env.INFLIGHT_KV;
    if (!kv) return teamsDisabled();
    return c.json({ policy: await readOrgPolicy(kv) });
  });

  admin.put("/policy", async function setOrganisationPolicy(c) {
    const kv = c.env.INFLIGHT_KV;
    if (!kv) return teamsDisabled();
    const body = await readBody(c, writableSchema());
    if (!body.ok) return body.error;
    await writeOrgPolicy(kv, body.value);
    return c.json({ policy: body.value });
  });

  admin.get("/teams/:team/policy", async function readTeamPolicyRoute(c) {
    const kv = c.env.INFLIGHT_KV;
    if (!kv) return teamsDisabled();
    const team = validateTeam(c.req.param("team"));
    if (!team.ok) return team.error;
    const [org, own] = await Promise.all([readOrgPolicy(kv), readTeamPolicy(kv, team.value)]);
    return c.json({ team: team.value, policy: own, effective: effectivePolicy(org, own, workerDefaults(c)) });
  });

  admin.put("/teams/:team/policy", async function setTeamPolicy(c) {
    const kv = c.env.INFLIGHT_KV;
    if (!kv) return teamsDisabled();
    const team = validateTeam(c.req.param("team"));
    if (!team.ok) return team.error;
    const body = await readBody(c, writableSchema());
    if (!body.ok) return body.error;
    await ensureTeam(kv, team.value, new Date());
    await writeTeamPolicy(kv, team.value, body.value);
    return c.json({
      team: team.value,
      policy: body.value,
      effective: effectivePolicy(await readOrgPolicy(kv), body.value, workerDefaults(c)),
    });
  });

  admin.delete("/teams/:team/policy", async function clearTeamPolicy(c) {
    const kv = c.env.INFLIGHT_KV;
    if (!kv) return teamsDisabled();
    const team = validateTeam(c.req.param("team"));
    if (!team.ok) return team.error;
    await kv.delete(kvKeys.teamPolicy(team.value));
    return c.json({
      team: team.value,
      policy: {},
      effective: effectivePolicy(await readOrgPolicy(kv), {}, workerDefaults(c)),
    });
  });
}
