import { env } from "cloudflare:workers";
import { clearLoadCache } from "../../src/adapters/engine-load";
import { clearRegistryCache } from "../../src/adapters/registry";
import { clearTensorCache, TENSOR_PREFIX } from "../../src/adapters/tensor/store";

/** The real miniflare KV namespace bound as INFLIGHT_KV. */
export const kv = (env as unknown as { INFLIGHT_KV: KVNamespace }).INFLIGHT_KV;

/** Empties the registry's keys and the isolate caches, so each test starts from nothing. */
export async function resetRegistry(): Promise<void> {
  for (const prefix of ["adapter:", "task:", TENSOR_PREFIX]) {
    const listed = await kv.list({ prefix });
    await Promise.all(listed.keys.map((key) => kv.delete(key.name)));
  }
  clearRegistryCache();
  clearLoadCache();
  clearTensorCache();
}
