/**
 * Every KV key inflight writes to `INFLIGHT_KV`, in one place (docs/storage.md documents their values).
 *
 * - `key:<sha256 hex of the key>`: `KeyLookup`, present while the key is live (deleted on revocation).
 * - `keyinfo:<key id>`: `KeyInfo`, kept after revocation for the audit trail.
 * - `team:<team>`: `TeamInfo`, written when a team gets its first key or policy.
 * - `policy:org`: the organisation's `Policy`.
 * - `policy:team:<team>`: a team's `Policy` overrides.
 * - `state:keys-issued`: `{ first_at }`, written with the first key; from then on keys are required (auto mode).
 */
export const kvKeys = {
  keyByHash: (hash: string) => `key:${hash}`,
  keyInfo: (id: string) => `keyinfo:${id}`,
  keyInfoPrefix: "keyinfo:",
  team: (team: string) => `team:${team}`,
  teamPrefix: "team:",
  orgPolicy: "policy:org",
  teamPolicy: (team: string) => `policy:team:${team}`,
  keysIssued: "state:keys-issued",
} as const;

/** Reads every key under a prefix, following KV's list cursor. */
export async function listNames(kv: KVNamespace, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page: KVNamespaceListResult<unknown, string> = await kv.list({ prefix, ...(cursor ? { cursor } : {}) });
    names.push(...page.keys.map((key) => key.name));
    if (page.list_complete) return names;
    cursor = page.cursor;
  }
}
