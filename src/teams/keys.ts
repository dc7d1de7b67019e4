import * as z from "../zod";
import { err, ok, type Result } from "../engine/result";
import { kvKeys, listNames } from "./storage-keys";
import { ensureTeam } from "./teams";

/** Team keys start with this, so inflight can tell them from provider keys a client passes through. */
export const TEAM_KEY_PREFIX = "ifk_";

/** `key:<hash>`: what a live key authenticates as. */
export const KeyLookupSchema = z.strictObject({ id: z.string(), team: z.string() });
export type KeyLookup = z.infer<typeof KeyLookupSchema>;

/** `keyinfo:<id>`: a key's metadata. `hash` lets revocation find the lookup entry; it is never returned. */
export const KeyInfoSchema = z.strictObject({
  id: z.string(),
  team: z.string(),
  name: z.nullable(z.string()),
  hash: z.string(),
  created_at: z.iso.datetime(),
  revoked_at: z.nullable(z.iso.datetime()),
});
export type KeyInfo = z.infer<typeof KeyInfoSchema>;

/** A key's metadata as the admin API shows it (no hash, never the key). */
export type PublicKeyInfo = Omit<KeyInfo, "hash">;

export const publicKeyInfo = ({ hash: _hash, ...info }: KeyInfo): PublicKeyInfo => info;

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of a key, hex: the only form in which a key is stored. */
export async function hashKey(key: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(key)));
}

/** A new random key: `ifk_` and 256 bits, base64url. */
export function generateKey(): string {
  return `${TEAM_KEY_PREFIX}${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** Creates a key for `team`. The returned `key` is shown once; only its hash is stored. */
export async function createKey(
  kv: KVNamespace,
  team: string,
  name: string | null,
  now: Date,
): Promise<{ key: string; info: KeyInfo }> {
  const key = generateKey();
  const hash = await hashKey(key);
  const id = `key_${hex(crypto.getRandomValues(new Uint8Array(8)).buffer as ArrayBuffer)}`;
  const info: KeyInfo = { id, team, name, hash, created_at: now.toISOString(), revoked_at: null };
  await ensureTeam(kv, team, now);
  const lookup: KeyLookup = { id, team };
  await Promise.all([
    kv.put(kvKeys.keyInfo(id), JSON.stringify(info)),
    kv.put(kvKeys.keyByHash(hash), JSON.stringify(lookup)),
    kv.put(kvKeys.keysIssued, JSON.stringify({ first_at: now.toISOString() })),
  ]);
  issuedSeen = true;
  return { key, info };
}

async function readKeyInfo(kv: KVNamespace, name: string): Promise<KeyInfo | undefined> {
  const parsed = KeyInfoSchema.safeParse(await kv.get(name, "json"));
  return parsed.success ? parsed.data : undefined;
}

/** Keys, newest first; only `team`'s when given. Revoked keys are listed with their `revoked_at`. */
export async function listKeys(kv: KVNamespace, team?: string): Promise<KeyInfo[]> {
  const names = await listNames(kv, kvKeys.keyInfoPrefix);
  const infos = await Promise.all(names.map((name) => readKeyInfo(kv, name)));
  return infos
    .filter((info): info is KeyInfo => info !== undefined && (team === undefined || info.team === team))
    .sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
}

/** Revokes a key: its lookup entry goes, its metadata stays with `revoked_at`. Revoking twice is a no-op. */
export async function revokeKey(kv: KVNamespace, id: string, now: Date): Promise<Result<KeyInfo, "not_found">> {
  const info = await readKeyInfo(kv, kvKeys.keyInfo(id));
  if (!info) return err("not_found");
  if (info.revoked_at) return ok(info);
  const revoked = { ...info, revoked_at: now.toISOString() };
  await kv.delete(kvKeys.keyByHash(info.hash));
  await kv.put(kvKeys.keyInfo(id), JSON.stringify(revoked));
  return ok(revoked);
}

/** The team a presented key belongs to; unknown and revoked keys are the same failure. */
export async function lookupKey(kv: KVNamespace, key: string): Promise<Result<KeyLookup, "unknown_key">> {
  if (!key.startsWith(TEAM_KEY_PREFIX) || key.length > 100) return err("unknown_key");
  const parsed = KeyLookupSchema.safeParse(await kv.get(kvKeys.keyByHash(await hashKey(key)), "json"));
  return parsed.success ? ok(parsed.data) : err("unknown_key");
}

/** True once any key was ever created: from then on, with `REQUIRE_TEAM_KEYS=auto`, every request needs one. */
export async function keysIssued(kv: KVNamespace): Promise<boolean> {
  // The marker is never removed, so once seen it holds for the isolate's life; a "no" is re-read after a few
  // seconds, well inside KV's own propagation window (up to a minute), so this adds no staleness of its own.
  if (issuedSeen) return true;
  if (Date.now() < notIssuedUntil) return false;
  issuedSeen = (await kv.get(kvKeys.keysIssued)) !== null;
  if (!issuedSeen) notIssuedUntil = Date.now() + NOT_ISSUED_TTL_MS;
  return issuedSeen;
}

const NOT_ISSUED_TTL_MS = 5_000;
let issuedSeen = false;
let notIssuedUntil = 0;

/** Forgets what this isolate learnt about the marker (tests, and right after this isolate issues a key). */
export function forgetKeysIssued(): void {
  issuedSeen = false;
  notIssuedUntil = 0;
}
