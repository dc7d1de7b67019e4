import { err, ok, type Result } from "../engine/result";
import { createTtlCache } from "./cache";
import {
  listedAdapter,
  loadAdapter,
  unloadAdapter,
  type LifecycleError,
  type ManagedAdapter,
} from "./engine-lifecycle";

/**
 * How long an isolate trusts that an engine has an adapter loaded. An engine that restarts within this window
 * answers that the adapter is not loaded; the router then forgets it (`forgetLoaded`) and loads it again.
 */
export const LOADED_TTL_MS = 60_000;

// Only successes are shared between requests: Workers do not let one request wait on another's I/O, so two cold
// requests may both probe. That is safe: the engine answers the second load "already loaded".
const loaded = createTtlCache<true>(LOADED_TTL_MS);

const keyOf = (adapter: ManagedAdapter) =>
  `${adapter.engine}\n${adapter.baseUrl}\n${adapter.loraName}\n${adapter.loraPath}`;

/** Forgets that an adapter is loaded (after the engine said it is not, or after an unload). */
export function forgetLoaded(adapter: ManagedAdapter): void {
  loaded.delete(keyOf(adapter));
}

/** Forgets every adapter (tests). */
export function clearLoadCache(): void {
  loaded.clear();
}

/** What making an adapter ready took. */
export type LoadOutcome = "cached" | "listed" | "loaded" | "reloaded";

/** Why an adapter could not be made ready. */
export type EnsureError =
  LifecycleError | { reason: "reload_unsupported"; root: string } | { reason: "stale_entry"; root: string };

/**
 * Makes sure the engine serves `loraName` from `loraPath` before a completion is sent to it. GET /v1/models lists
 * loaded LoRAs with the path each came from (`root`):
 * - listed from this path: ready;
 * - not listed: loaded (vLLM `POST /v1/load_lora_adapter`, SGLang `POST /load_lora_adapter`);
 * - listed from another path: a new revision of the entry points elsewhere, so the engine reloads it: vLLM in place
 *   (`load_inplace: true`), SGLang by unloading and loading. Unless `isCurrent` says the caller's entry is older
 *   than the registry's (another isolate already moved the engine on): then `stale_entry`, and nothing changes.
 * A success is remembered in the isolate for LOADED_TTL_MS; failures are not remembered.
 */
export async function ensureAdapter(
  adapter: ManagedAdapter,
  isCurrent: () => Promise<boolean>,
  fetcher: typeof fetch = fetch,
): Promise<Result<LoadOutcome, EnsureError>> {
  const key = keyOf(adapter);
  if (loaded.get(key)) return ok("cached");
  const result = await makeReady(adapter, isCurrent, fetcher);
  if (result.ok) loaded.set(key, true);
  return result;
}

async function makeReady(
  adapter: ManagedAdapter,
  isCurrent: () => Promise<boolean>,
  fetcher: typeof fetch,
): Promise<Result<LoadOutcome, EnsureError>> {
  const card = await listedAdapter(adapter, fetcher);
  if (!card.ok) return card;
  const root = card.value?.root;
  if (card.value && (root === undefined || root === adapter.loraPath)) return ok("listed");
  if (!card.value) {
    const load = await loadAdapter(adapter, {}, fetcher);
    return load.ok ? ok(load.value === "loaded" ? "loaded" : "listed") : load;
  }
  if (!(await isCurrent())) return err({ reason: "stale_entry", root: root! });
  return reload(adapter, root!, fetcher);
}

/** Replaces the weights an engine serves under the adapter's name with those at its (new) path. */
export async function reload(
  adapter: ManagedAdapter,
  root: string,
  fetcher: typeof fetch = fetch,
): Promise<Result<"reloaded", EnsureError>> {
  if (adapter.engine === "vllm") {
    const load = await loadAdapter(adapter, { inplace: true }, fetcher);
    if (!load.ok) return load;
    // A vLLM without load_inplace ignores the field and keeps the old weights: it says "already loaded".
    return load.value === "loaded" ? ok("reloaded") : err({ reason: "reload_unsupported", root });
  }
  const unload = await unloadAdapter(adapter, fetcher);
  if (!unload.ok) return unload;
  const load = await loadAdapter(adapter, {}, fetcher);
  if (!load.ok) return load;
  return load.value === "loaded" ? ok("reloaded") : err({ reason: "reload_unsupported", root });
}
