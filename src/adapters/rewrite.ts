import { err, ok, type Result } from "../engine/result";
import type { ManagedAdapter } from "./engine-lifecycle";
import { isLegacyPrompt, type AdapterEntry, type PromptPosition } from "./schema";
import type { TaskChoice } from "./select";

/** How a routed completion is sent: where, with which key, and what changes in the body. */
export interface UpstreamPlan {
  /** The engine's OpenAI-compatible base (…/v1). */
  baseUrl: string;
  /** The backend's key; `""` means send none (never the client's, never UPSTREAM_API_KEY). */
  apiKey: string;
  /** The `model` the engine expects for this adapter. */
  model: string;
  /** Fields merged into the body; an `undefined` value removes the field (JSON drops it). */
  extraBody: Record<string, unknown>;
  /** `x-inflight-adapter` and the metering `adapter` column. */
  label: string;
  /** Set for engines whose LoRAs inflight loads and reloads at run time (vLLM, SGLang). */
  managed?: ManagedAdapter;
  /** Set when the adapter's prompt tensor is added to the request (vLLM chat). */
  prompt?: { id: string; sha256: string; position: PromptPosition };
  /** vLLM: client `prompt_embeds` parts and the reserved placeholder text are removed from the messages. */
  stripPromptEmbeds: boolean;
}

/** Why a registry entry cannot be sent as is. */
export type PlanError =
  | { reason: "missing_secret"; secret: string }
  | { reason: "invalid_entry"; detail: string }
  | { reason: "prompt_missing"; prompt: string; legacy: boolean }
  | { reason: "prompt_needs_chat"; prompt: string };

/** The request being routed, as far as planning needs it. */
export interface RoutedRequest {
  kind: "chat" | "completions";
  /** The body's `metadata` (its `task` key is inflight's and is not forwarded). */
  metadata: unknown;
}

/**
 * Fields an engine reads to choose an adapter, a download token or prompt embeddings. A routed request's own are
 * always removed, so a client cannot pick another adapter than its task's, or send a tensor of its own.
 */
const ENGINE_CONTROLS = ["lora_path", "adapter_id", "adapter_source", "api_token", "prompt_embeds"] as const;

/** `metadata` without inflight's `task` key (dropped entirely when nothing else is left). */
function metadataWithoutTask(metadata: unknown): Record<string, unknown> {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata) || !("task" in metadata)) return {};
  const { task: _task, ...rest } = metadata as Record<string, unknown>;
  return { metadata: Object.keys(rest).length > 0 ? rest : undefined };
}

function secretValue(name: string, secrets: Record<string, unknown>): Result<string, PlanError> {
  const value = secrets[name];
  return typeof value === "string" && value !== "" ? ok(value) : err({ reason: "missing_secret", secret: name });
}

/** What happens to the entry's continuous prompt on this request. */
export type PromptUse =
  | { use: "none" }
  | { use: "applied"; id: string; sha256: string; position: PromptPosition }
  | { use: "not_applied"; id: string };

function promptUse(entry: AdapterEntry, request: RoutedRequest): Result<PromptUse, PlanError> {
  const prompt = entry.prompt;
  if (!prompt) return ok({ use: "none" });
  // Only vLLM takes prompt embeddings; entries for other engines with a prompt are from earlier releases.
  if (entry.backend.kind !== "vllm") return ok({ use: "not_applied", id: prompt.id });
  if (isLegacyPrompt(prompt)) return err({ reason: "prompt_missing", prompt: prompt.id, legacy: true });
  if (!prompt.tensor) return err({ reason: "prompt_missing", prompt: prompt.id, legacy: false });
  // vLLM's /v1/completions takes prompt_embeds as a whole, already templated prompt, never as a prefix.
  if (request.kind !== "chat") return err({ reason: "prompt_needs_chat", prompt: prompt.id });
  return ok({ use: "applied", id: prompt.id, sha256: prompt.tensor.sha256, position: prompt.position });
}

/**
 * The `x-inflight-adapter` value: adapter, revision, task, how the task was chosen, engine, and only what is true
 * of the LoRA and prompt: `lora=unverified` where the engine cannot confirm it serves the adapter (TGI runs the
 * base model for an unknown id), `prompt=<id>@<sha256 prefix>` when the prompt tensor was sent,
 * `prompt=<id>:not-applied` when the entry has a prompt the engine cannot take.
 */
export function adapterLabel(entry: AdapterEntry, choice: TaskChoice, prompt: PromptUse = { use: "none" }): string {
  const by = choice.via === "rule" && choice.rule ? `rule:${choice.rule}` : choice.via;
  const parts = [
    entry.id,
    `version=${entry.version}`,
    `task=${choice.task}`,
    `by=${by}`,
    `engine=${entry.backend.kind}`,
  ];
  if (entry.backend.kind === "tgi") parts.push("lora=unverified");
  if (prompt.use === "applied") parts.push(`prompt=${prompt.id}@${prompt.sha256.slice(0, 12)}`);
  if (prompt.use === "not_applied") parts.push(`prompt=${prompt.id}:not-applied`);
  return parts.join("; ");
}

/**
 * Plans the upstream request for a routed completion, in each engine's own terms:
 * - vLLM: `model` is the served LoRA name; the prompt tensor goes in as a `prompt_embeds` part (chat only).
 * - SGLang: `lora_path` names the adapter (every release reads it); `model` is the base model, or
 *   `<baseModel>:<lora.name>` with `adapterInModel` (late-2025 releases, which split on the first colon).
 * - LoRAX: `model` is the adapter id it loads (`lora.source`), `adapter_source` says from where, `api_token` is the
 *   download token when one is named; no Authorization is sent (LoRAX would use it as that token).
 * - TGI: `model` is the `LORA_ADAPTERS` id.
 * - openai: the plain model.
 * @param secrets the Worker's env, where secrets are looked up
 */
export function planUpstream(
  entry: AdapterEntry,
  choice: TaskChoice,
  secrets: Record<string, unknown>,
  request: RoutedRequest,
): Result<UpstreamPlan, PlanError> {
  const backend = entry.backend;
  const lora = entry.lora;
  if (backend.kind !== "openai" && !lora)
    return err({
      reason: "invalid_entry",
      detail: `adapter "${entry.id}" has no lora for its ${backend.kind} backend`,
    });
  const prompt = promptUse(entry, request);
  if (!prompt.ok) return prompt;
  let apiKey = "";
  if (backend.apiKeySecret) {
    // Refused at registration since LoRAX reads Authorization as its download token; earlier entries may have one.
    if (backend.kind === "lorax")
      return err({
        reason: "invalid_entry",
        detail: `adapter "${entry.id}" names a LoRAX apiKeySecret, which LoRAX would use as its download token: move it to downloadTokenSecret`,
      });
    const key = secretValue(backend.apiKeySecret, secrets);
    if (!key.ok) return key;
    apiKey = key.value;
  }
  const extraBody: Record<string, unknown> = Object.fromEntries(ENGINE_CONTROLS.map((field) => [field, undefined]));
  Object.assign(extraBody, metadataWithoutTask(request.metadata));
  let model = entry.baseModel;
  let managed: ManagedAdapter | undefined;
  switch (backend.kind) {
    case "vllm":
      model = lora!.name;
      managed = { engine: "vllm", baseUrl: backend.baseUrl, apiKey, loraName: lora!.name, loraPath: lora!.source };
      break;
    case "sglang":
      model = backend.adapterInModel ? `${entry.baseModel}:${lora!.name}` : entry.baseModel;
      extraBody.lora_path = lora!.name;
      managed = { engine: "sglang", baseUrl: backend.baseUrl, apiKey, loraName: lora!.name, loraPath: lora!.source };
      break;
    case "lorax": {
      model = lora!.source;
      extraBody.adapter_source = backend.adapterSource;
      if (backend.downloadTokenSecret) {
        const token = secretValue(backend.downloadTokenSecret, secrets);
        if (!token.ok) return token;
        extraBody.api_token = token.value;
      }
      break;
    }
    case "tgi":
      model = lora!.name;
      break;
    case "openai":
      break;
  }
  return ok({
    baseUrl: backend.baseUrl,
    apiKey,
    model,
    extraBody,
    label: adapterLabel(entry, choice, prompt.value),
    ...(managed ? { managed } : {}),
    ...(prompt.value.use === "applied"
      ? { prompt: { id: prompt.value.id, sha256: prompt.value.sha256, position: prompt.value.position } }
      : {}),
    stripPromptEmbeds: backend.kind === "vllm",
  });
}
