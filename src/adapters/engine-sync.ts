import { checkBaseUrl, type HostPolicy } from "./base-url";
import { listedAdapter, unloadAdapter, type ManagedAdapter } from "./engine-lifecycle";
import { forgetLoaded, reload } from "./engine-load";
import type { AdapterEntry } from "./schema";

/** What an admin write did on an engine, returned as `engine` in the admin API's answer. */
export interface EngineReport {
  action: "unload" | "reload";
  host: string;
  lora: string;
  /**
   * `unloaded` / `reloaded`: done; `not_loaded`: the engine did not have it (a reload then happens on the next
   * request); `kept`: another enabled adapter serves the same LoRA there; `unsupported`: the engine takes no
   * run-time LoRA calls; `failed`: the engine refused or could not be reached (`detail` says why).
   */
  outcome: "unloaded" | "reloaded" | "not_loaded" | "kept" | "unsupported" | "failed";
  detail?: string;
}

/** The LoRA an enabled entry has inflight manage on its engine, if any. */
function managedOf(entry: AdapterEntry | null, secrets: Record<string, unknown>): ManagedAdapter | undefined {
  if (!entry?.enabled || !entry.lora) return undefined;
  const backend = entry.backend;
  if (backend.kind !== "vllm" && backend.kind !== "sglang") return undefined;
  const secret = backend.apiKeySecret ? secrets[backend.apiKeySecret] : "";
  return {
    engine: backend.kind,
    baseUrl: backend.baseUrl,
    apiKey: typeof secret === "string" ? secret : "",
    loraName: entry.lora.name,
    loraPath: entry.lora.source,
  };
}

const sameLora = (a: ManagedAdapter, b: ManagedAdapter) =>
  a.engine === b.engine && a.baseUrl === b.baseUrl && a.loraName === b.loraName;

/**
 * Brings engines in step with an admin write (`previous` -> `next`, `null` for a delete; a disabled entry counts as
 * gone). A LoRA the adapter no longer serves is unloaded, unless another enabled adapter in `others` serves the same
 * name on the same engine; a LoRA whose path changed (a new revision) is reloaded at once, so that the next request
 * gets the new weights (vLLM `load_inplace`, SGLang unload then load). Loading a new LoRA is left to the first request.
 */
export async function syncEngines(
  previous: AdapterEntry | null,
  next: AdapterEntry | null,
  others: readonly AdapterEntry[],
  secrets: Record<string, unknown>,
  policy: HostPolicy | undefined,
  fetcher: typeof fetch = fetch,
): Promise<EngineReport[]> {
  const before = managedOf(previous, secrets);
  if (!before) return [];
  const after = managedOf(next, secrets);
  if (after && sameLora(before, after) && after.loraPath === before.loraPath) return [];
  forgetLoaded(before);
  const report = (
    action: EngineReport["action"],
    outcome: EngineReport["outcome"],
    detail?: string,
  ): EngineReport[] => [
    { action, host: new URL(before.baseUrl).host, lora: before.loraName, outcome, ...(detail ? { detail } : {}) },
  ];
  const allowed = policy
    ? checkBaseUrl(before.baseUrl, policy)
    : { ok: false as const, error: "ADAPTER_ALLOWED_HOSTS is invalid" };
  const action = after && sameLora(before, after) ? "reload" : "unload";
  if (!allowed.ok) return report(action, "failed", `the backend is not allowed: ${allowed.error}`);

  if (action === "reload") {
    const card = await listedAdapter(after!, fetcher);
    if (!card.ok) return report(action, "failed", card.error.detail);
    if (!card.value) return report(action, "not_loaded");
    const done = await reload(after!, card.value.root ?? before.loraPath, fetcher);
    if (done.ok) return report(action, "reloaded");
    return report(
      action,
      "failed",
      "detail" in done.error
        ? done.error.detail
        : `vLLM kept the weights from ${done.error.root}: it has no load_inplace`,
    );
  }
  const shared = others.some(
    (entry) => entry.id !== previous!.id && managedOf(entry, secrets) && sameLora(managedOf(entry, secrets)!, before),
  );
  if (shared) return report(action, "kept");
  const unload = await unloadAdapter(before, fetcher);
  return unload.ok ? report(action, unload.value) : report(action, "failed", unload.error.detail);
}
