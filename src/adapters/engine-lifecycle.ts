import { err, ok, type Result } from "../engine/result";

/** An adapter on an engine whose LoRAs inflight can list, load and unload at run time. */
export interface ManagedAdapter {
  engine: "vllm" | "sglang";
  /** The engine's OpenAI-compatible base, ending in /v1. */
  baseUrl: string;
  /** Backend key, `""` for none. */
  apiKey: string;
  loraName: string;
  loraPath: string;
}

/** Why an engine call failed; `unreachable` means nothing reached the engine. */
export type LifecycleError =
  | { reason: "unreachable"; detail: string }
  | { reason: "probe_failed"; status: number; detail: string }
  | { reason: "load_failed"; status: number; detail: string }
  | { reason: "unload_failed"; status: number; detail: string };

/** How long one lifecycle call may take: loading reads the LoRA's weights (possibly from remote storage). */
export const LIFECYCLE_TIMEOUT_MS = 60_000;

/**
 * Where each engine takes LoRA calls. vLLM serves them under /v1 (vllm/entrypoints/serve/lora/api_router.py, only
 * with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True); SGLang at the server root (sglang/srt/entrypoints/http_server.py,
 * `/load_lora_adapter`, `/unload_lora_adapter`). Both list loaded LoRAs in GET /v1/models with `root` = the path.
 */
function urls(adapter: ManagedAdapter) {
  const root = adapter.engine === "sglang" ? adapter.baseUrl.replace(/\/v1$/, "") : adapter.baseUrl;
  return {
    models: `${adapter.baseUrl}/models`,
    load: `${root}/load_lora_adapter`,
    unload: `${root}/unload_lora_adapter`,
  };
}

/**
 * The message of an engine's error body, whatever its envelope: OpenAI's nested `{"error": {"message"}}` (vLLM,
 * SGLang streams), the flat `{"object": "error", "message"}` (SGLang, older vLLM), `{"error": "text"}` (TGI,
 * LoRAX), SGLang's `{"success": false, "error_message"}` or FastAPI's `{"detail"}`; else the text itself.
 */
export function engineMessage(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const error = body.error as { message?: unknown } | string | undefined;
    const message =
      (typeof error === "object" && error !== null ? error.message : error) ??
      body.message ??
      body.error_message ??
      body.detail;
    if (typeof message === "string") return message.slice(0, 500);
  } catch {
    // not JSON: the raw text
  }
  return text.slice(0, 500);
}

/** True when the engine's answer means the route for LoRA calls does not exist (runtime updating is off). */
const routeMissing = (status: number, text: string) => status === 404 && engineMessage(text) === "Not Found";

/** What each engine says when a LoRA is not loaded, for the completion's model or adapter. */
export function saysNotLoaded(engine: ManagedAdapter["engine"], loraName: string, status: number, text: string) {
  const message = engineMessage(text);
  // vllm/entrypoints/openai/models/serving.py, check_model: 404 NotFoundError, exactly this message.
  if (engine === "vllm") return status === 404 && message === `The model \`${loraName}\` does not exist.`;
  // sglang/srt/lora/lora_registry.py: a ValueError, 400 before streaming or an error event inside a 200 stream.
  return message.startsWith("The following requested LoRA adapters are not loaded:") && message.includes(loraName);
}

/** Calls the engine, turning network failures into `unreachable`; redirects are not followed (keys stay put). */
async function send(
  fetcher: typeof fetch,
  url: string,
  adapter: ManagedAdapter,
  body?: unknown,
): Promise<Result<{ status: number; text: string }, LifecycleError>> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (adapter.apiKey) headers.authorization = `Bearer ${adapter.apiKey}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  try {
    const response = await fetcher(url, {
      method: body === undefined ? "GET" : "POST",
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(LIFECYCLE_TIMEOUT_MS),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return ok({ status: response.status, text: await response.text() });
  } catch (error) {
    return err({ reason: "unreachable", detail: error instanceof Error ? error.message : String(error) });
  }
}

/** The engine's card for the LoRA in GET /v1/models (`root`: the path it was loaded from), or `null`. */
export async function listedAdapter(
  adapter: ManagedAdapter,
  fetcher: typeof fetch = fetch,
): Promise<Result<{ root?: string } | null, LifecycleError>> {
  const answer = await send(fetcher, urls(adapter).models, adapter);
  if (!answer.ok) return answer;
  const { status, text } = answer.value;
  if (status !== 200) return err({ reason: "probe_failed", status, detail: engineMessage(text) });
  let list: { data?: { id?: unknown; root?: unknown }[] };
  try {
    list = JSON.parse(text) as typeof list;
  } catch {
    return err({ reason: "probe_failed", status, detail: "GET /v1/models did not answer JSON" });
  }
  const card = list.data?.find((model) => model.id === adapter.loraName);
  if (!card) return ok(null);
  return ok(typeof card.root === "string" ? { root: card.root } : {});
}

/**
 * Loads the LoRA. `inplace` (vLLM only) replaces the weights of a LoRA already loaded under that name (vLLM's
 * `load_inplace`); without it an engine that has the name answers "already loaded", reported as such.
 */
export async function loadAdapter(
  adapter: ManagedAdapter,
  options: { inplace?: boolean } = {},
  fetcher: typeof fetch = fetch,
): Promise<Result<"loaded" | "already_loaded", LifecycleError>> {
  const body = {
    lora_name: adapter.loraName,
    lora_path: adapter.loraPath,
    ...(options.inplace && adapter.engine === "vllm" ? { load_inplace: true } : {}),
  };
  const answer = await send(fetcher, urls(adapter).load, adapter, body);
  if (!answer.ok) return answer;
  const { status, text } = answer.value;
  if (status === 200) return ok("loaded");
  const message = engineMessage(text);
  // vLLM: 400 "The lora adapter 'x' has already been loaded..."; SGLang: 400 "... because it is already loaded".
  if (status === 400 && /has already been loaded|because it is already loaded/.test(message))
    return ok("already_loaded");
  const detail = routeMissing(status, text)
    ? adapter.engine === "vllm"
      ? "POST /v1/load_lora_adapter is not served: start vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, or load the LoRA at start with --lora-modules"
      : "POST /load_lora_adapter is not served: start SGLang with --enable-lora"
    : message;
  return err({ reason: "load_failed", status, detail });
}

/**
 * Unloads the LoRA. `not_loaded`: the engine did not have it; `unsupported`: the engine takes no run-time LoRA
 * calls (vLLM without VLLM_ALLOW_RUNTIME_LORA_UPDATING), so a LoRA loaded at start stays until it restarts.
 */
export async function unloadAdapter(
  adapter: ManagedAdapter,
  fetcher: typeof fetch = fetch,
): Promise<Result<"unloaded" | "not_loaded" | "unsupported", LifecycleError>> {
  const answer = await send(fetcher, urls(adapter).unload, adapter, { lora_name: adapter.loraName });
  if (!answer.ok) return answer;
  const { status, text } = answer.value;
  if (status === 200) return ok("unloaded");
  if (routeMissing(status, text)) return ok("unsupported");
  const message = engineMessage(text);
  // vLLM: 404 "The lora adapter 'x' cannot be found."; SGLang: 400 "LoRA with name x does not exist...".
  if (/cannot be found|does not exist/.test(message)) return ok("not_loaded");
  return err({ reason: "unload_failed", status, detail: message });
}
