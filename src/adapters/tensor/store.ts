import { err, ok, type Result } from "../../engine/result";
import { toBase64 } from "./base64";

/** KV key prefix of prompt tensors: `prompt-tensor:<sha256 of the torch.save bytes>`. */
export const TENSOR_PREFIX = "prompt-tensor:";

/** KV's limit for one value; a prompt tensor this large costs ~33 MiB of request body per call anyway. */
export const MAX_TENSOR_BYTES = 25 * 1024 * 1024;

/**
 * How long a tensor no entry uses any more stays readable: isolates that still hold the previous entry (the
 * registry cache, KV propagation: about 90 s) keep sending the tensor they were given.
 */
export const RETIRED_TENSOR_TTL_S = 24 * 60 * 60;

/** Isolate memory given to cached tensors (their base64 text); a tensor over this is read from KV each time. */
export const TENSOR_CACHE_CHARS = 32 * 1024 * 1024;

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Content-addressed, so an entry never goes stale: the cache only evicts, oldest use first.
const cache = new Map<string, string>();
let cachedChars = 0;

/** Forgets every cached tensor (tests). */
export function clearTensorCache(): void {
  cache.clear();
  cachedChars = 0;
}

function remember(sha256: string, base64: string): void {
  if (base64.length > TENSOR_CACHE_CHARS) return;
  while (cachedChars + base64.length > TENSOR_CACHE_CHARS) {
    const [oldest, text] = cache.entries().next().value as [string, string];
    cache.delete(oldest);
    cachedChars -= text.length;
  }
  cache.set(sha256, base64);
  cachedChars += base64.length;
}

/** Stores a tensor under its hash (idempotent: the same bytes always land on the same key). */
export async function putTensor(kv: KVNamespace, sha256: string, bytes: Uint8Array): Promise<void> {
  await kv.put(TENSOR_PREFIX + sha256, bytes);
}

/**
 * Lets a tensor that no entry uses expire after RETIRED_TENSOR_TTL_S instead of deleting it at once (KV can only
 * set an expiry by writing the value again).
 */
export async function retireTensor(kv: KVNamespace, sha256: string): Promise<void> {
  const bytes = await kv.get(TENSOR_PREFIX + sha256, "arrayBuffer");
  if (bytes) await kv.put(TENSOR_PREFIX + sha256, bytes, { expirationTtl: RETIRED_TENSOR_TTL_S });
  const text = cache.get(sha256);
  if (text !== undefined) {
    cache.delete(sha256);
    cachedChars -= text.length;
  }
}

/**
 * The tensor's bytes as base64, ready for a `prompt_embeds` part. Each isolate reads a tensor from KV once and keeps
 * it (a hash names one content forever); the bytes are checked against their hash before first use.
 */
export async function tensorBase64(kv: KVNamespace, sha256: string): Promise<Result<string, string>> {
  const cached = cache.get(sha256);
  if (cached !== undefined) {
    // Re-insert: the Map's order is the eviction order.
    cache.delete(sha256);
    cache.set(sha256, cached);
    return ok(cached);
  }
  let stored: ArrayBuffer | null;
  try {
    stored = await kv.get(TENSOR_PREFIX + sha256, "arrayBuffer");
  } catch (error) {
    return err(`${TENSOR_PREFIX}${sha256}: ${(error as Error).message}`);
  }
  if (!stored) return err(`${TENSOR_PREFIX}${sha256} is missing`);
  const bytes = new Uint8Array(stored);
  if ((await sha256Hex(bytes)) !== sha256) return err(`${TENSOR_PREFIX}${sha256} does not match its hash`);
  const base64 = toBase64(bytes);
  remember(sha256, base64);
  return ok(base64);
}
