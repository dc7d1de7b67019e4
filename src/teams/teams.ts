import * as z from "../zod";
import { kvKeys, listNames } from "./storage-keys";

/** A team name: lowercase letters, digits, `-` and `_`, up to 64 characters. */
export const TeamNameSchema = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9_-]{0,63}$/,
      "a team name is 1-64 lowercase letters, digits, `-` or `_`, starting with a letter or digit",
    ),
  );

export const TeamInfoSchema = z.strictObject({ team: TeamNameSchema, created_at: z.iso.datetime() });
export type TeamInfo = z.infer<typeof TeamInfoSchema>;

/** Records a team (first key or policy). Keeps the original creation time. */
export async function ensureTeam(kv: KVNamespace, team: string, now: Date): Promise<void> {
  if (await kv.get(kvKeys.team(team))) return;
  const info: TeamInfo = { team, created_at: now.toISOString() };
  await kv.put(kvKeys.team(team), JSON.stringify(info));
}

/** Every known team, by name. */
export async function listTeams(kv: KVNamespace): Promise<string[]> {
  const names = await listNames(kv, kvKeys.teamPrefix);
  return names.map((name) => name.slice(kvKeys.teamPrefix.length)).sort();
}
