import type { Hono } from "hono";
import * as z from "../../zod";
import { createKey, listKeys, publicKeyInfo, revokeKey } from "../../teams/keys";
import { TeamNameSchema } from "../../teams/teams";
import { errorBody, errorResponse } from "../errors";
import type { AppEnv } from "../types";
import { queryOf, readBody, teamsDisabled, validate } from "./validation";

/** `POST /admin/keys` body. */
export const CreateKeySchema = z.strictObject({
  team: TeamNameSchema,
  name: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(100)))),
});
export type CreateKey = z.infer<typeof CreateKeySchema>;

const ListKeysQuerySchema = z.strictObject({ team: z.optional(TeamNameSchema) });

/** Key management: create (the key is in this response only), list, revoke. */
export function keyRoutes(admin: Hono<AppEnv>): void {
  admin.post("/keys", async function createTeamKey(c) {
    const kv = c.env.INFLIGHT_KV;
    if (!kv) return teamsDisabled();
    const body = await readBody(c, CreateKeySchema);
    if (!body.ok) return body.error;
    const { key, info } = await createKey(kv, body.value.team, body.value.name ?? null, new Date());
    return c.json({ ...publicKeyInfo(info), key }, 201, { "cache-control": "no-store" });
  });

  admin.get("/keys", async function listTeamKeys(c) {
    const kv = c.env.INFLIGHT_KV;
    if (!kv) return teamsDisabled();
    const query = validate(ListKeysQuerySchema, queryOf(c));
    if (!query.ok) return query.error;
    const keys = await listKeys(kv, query.value.team);
    return c.json({ object: "list", data: keys.map(publicKeyInfo) });
  });

  admin.delete("/keys/:id", async function revokeTeamKey(c) {
    const kv = c.env.INFLIGHT_KV;
    if (!kv) return teamsDisabled();
    const revoked = await revokeKey(kv, c.req.param("id"), new Date());
    if (!revoked.ok)
      return errorResponse(404, errorBody("No key has this id.", "invalid_request_error", "key_not_found", "id"));
    return c.json(publicKeyInfo(revoked.value));
  });
}
