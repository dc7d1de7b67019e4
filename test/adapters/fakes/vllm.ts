import { fromBase64 } from "../../../src/adapters/tensor/base64";
import { readTorchTensor } from "../../../src/adapters/tensor/torch-save";
import { fastapiNotFound, json, openaiShape, type EngineAnswer, type SeenRequest } from "./harness";

/** A `prompt_embeds` input vLLM accepted, and where it was. */
export interface SeenPromptEmbeds {
  path: string;
  /** Chat: the message and part it was in; completions: the top-level field. */
  messageIndex?: number;
  role?: string;
  partIndex?: number;
  partsInMessage?: number;
  /** The base64 exactly as sent. */
  data: string;
  shape: number[];
  dtype: string;
}

/**
 * vLLM's OpenAI-compatible server, from its code (vllm-project/vllm):
 * - Errors: `{"error": {"message", "type", "param", "code": <status>}}` (entrypoints/openai/engine/protocol.py
 *   ErrorResponse/ErrorInfo); releases before that: the flat `{"object": "error", "message", ...}` (`envelope`).
 * - `model` must be the base model or a loaded LoRA: else 404 NotFoundError "The model `x` does not exist.",
 *   param "model" (entrypoints/openai/models/serving.py, check_model).
 * - GET /v1/models lists the base and every loaded LoRA with `root` = its lora_path, `parent` = the base
 *   (OpenAIServingModels.show_available_models).
 * - POST /v1/load_lora_adapter and /v1/unload_lora_adapter exist only with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True
 *   (else FastAPI's 404 {"detail": "Not Found"}). Load: 400 InvalidUserInput without lora_name and lora_path; 400
 *   "has already been loaded..." for a loaded name unless `load_inplace` (which replaces the weights, same id);
 *   404 "Loading lora x failed: No adapter found for p" (exceptions.py LoRAAdapterNotFoundError); 200 text
 *   "Success: LoRA adapter 'x' added successfully.". Unload: 404 "The lora adapter 'x' cannot be found."; 200
 *   "Success: LoRA adapter 'x' removed successfully." (_check_load/_check_unload_lora_adapter_request).
 * - Chat content part `{"type": "prompt_embeds", "data": <base64 torch.save>}` (entrypoints/chat_utils, types.py
 *   ChatCompletionContentPartPromptEmbedsParam): without --enable-prompt-embeds 400 "You must set
 *   `--enable-prompt-embeds` to input `prompt_embeds`."; no data: 400; the tensor is loaded with
 *   torch.load(weights_only) and must be 2-D after squeeze(0) with the model's hidden_size, else 400
 *   (renderers/embed_utils.py safe_load_prompt_embeds). With the flag on, text containing "<prompt_embeds>" is
 *   refused (chat_utils _reject_reserved_placeholder_in_text). /v1/completions takes a top-level `prompt_embeds`.
 * - `stream_options` without `stream: true`: 400 (protocol.py validator).
 */
export function vllm(options: {
  base: string;
  /** The model's hidden size. */
  hiddenSize?: number;
  /** `--enable-prompt-embeds` (off by default, as in vLLM). */
  enablePromptEmbeds?: boolean;
  /** VLLM_ALLOW_RUNTIME_LORA_UPDATING. */
  runtimeLoading?: boolean;
  /** Releases with `load_inplace`; older ones ignore the field. */
  loadInplace?: boolean;
  /** LoRAs loaded at start (`--lora-modules name=path`). */
  loaded?: Record<string, string>;
  /** Paths that hold a LoRA; any path when absent. */
  disk?: string[];
  envelope?: "nested" | "flat";
}) {
  const loaded = new Map(Object.entries(options.loaded ?? {}));
  const hidden = options.hiddenSize ?? 8;
  let runtime = options.runtimeLoading ?? true;
  const promptEmbeds: SeenPromptEmbeds[] = [];
  const error = (status: number, type: string, message: string, param: string | null = null) =>
    json(
      status,
      options.envelope === "flat"
        ? { object: "error", message, type, param, code: status }
        : { error: { message, type, param, code: status } },
    );

  /** safe_load_prompt_embeds, as far as a fake can: decode, load, squeeze, check rank and hidden size. */
  const loadEmbeds = (data: unknown): { shape: number[]; dtype: string } | Response => {
    if (!options.enablePromptEmbeds)
      return error(
        400,
        "BadRequestError",
        "You must set `--enable-prompt-embeds` to input `prompt_embeds`.",
        "prompt_embeds",
      );
    if (typeof data !== "string" || data === "")
      return error(
        400,
        "BadRequestError",
        "prompt_embeds content part requires a non-empty `data` field with base64-encoded tensor bytes.",
        "prompt_embeds",
      );
    // pybase64.b64decode(validate=True): no whitespace, correct padding.
    const bytes = /^[A-Za-z0-9+/]*={0,2}$/.test(data) && data.length % 4 === 0 ? fromBase64(data) : undefined;
    if (!bytes?.ok) return error(400, "BadRequestError", "Only base64 data is allowed", "prompt_embeds");
    const tensor = readTorchTensor(bytes.value);
    if (!tensor.ok)
      return error(
        400,
        "BadRequestError",
        `\`prompt_embeds\` could not be deserialized as a torch tensor: ${tensor.error}`,
        "prompt_embeds",
      );
    let shape = tensor.value.shape;
    if (shape.length > 2 && shape[0] === 1) shape = shape.slice(1);
    if (shape.length !== 2)
      return error(
        400,
        "BadRequestError",
        `\`prompt_embeds\` must be a 2D tensor of shape (num_tokens, hidden_size); got shape (${shape.join(", ")}).`,
        "prompt_embeds",
      );
    if (shape[1] !== hidden)
      return error(
        400,
        "BadRequestError",
        `\`prompt_embeds\` hidden_size ${shape[1]} does not match the model's hidden_size ${hidden}.`,
        "prompt_embeds",
      );
    return { shape, dtype: tensor.value.dtype };
  };
  const reserved = (text: unknown) =>
    options.enablePromptEmbeds && typeof text === "string" && text.includes("<prompt_embeds>")
      ? error(
          400,
          "BadRequestError",
          "Text content may not contain the reserved placeholder '<prompt_embeds>'. This placeholder is used internally to mark `prompt_embeds` splice positions in the tokenized prompt.",
          "messages",
        )
      : undefined;

  const chatParts = (request: SeenRequest): Response | undefined => {
    const seen: SeenPromptEmbeds[] = [];
    for (const [messageIndex, message] of (request.body.messages as any[]).entries()) {
      const content = message?.content;
      if (typeof content === "string") {
        const refused = reserved(content);
        if (refused) return refused;
        continue;
      }
      if (!Array.isArray(content)) continue;
      for (const [partIndex, part] of content.entries()) {
        const type = typeof part === "string" ? "text" : part?.type;
        if (type === "text" || type === "input_text" || type === "refusal") {
          const refused = reserved(typeof part === "string" ? part : (part.text ?? part.refusal));
          if (refused) return refused;
        } else if (type === "prompt_embeds") {
          const loadedEmbeds = loadEmbeds(part.data);
          if (loadedEmbeds instanceof Response) return loadedEmbeds;
          seen.push({
            path: request.path,
            messageIndex,
            role: message.role,
            partIndex,
            partsInMessage: content.length,
            data: part.data,
            ...loadedEmbeds,
          });
        } else if (!["image_url", "input_audio", "audio_url", "video_url"].includes(type)) {
          return error(400, "BadRequestError", `Unsupported chat content part type: '${type}'.`, "type");
        }
      }
    }
    promptEmbeds.push(...seen);
    return undefined;
  };

  return {
    loaded,
    promptEmbeds,
    /** Switches runtime LoRA loading (VLLM_ALLOW_RUNTIME_LORA_UPDATING) on or off. */
    set runtimeLoading(on: boolean) {
      runtime = on;
    },
    /** A restart: LoRAs loaded at run time are gone, those from the command line (`loaded`) come back. */
    restart: () => {
      loaded.clear();
      for (const [name, path] of Object.entries(options.loaded ?? {})) loaded.set(name, path);
    },
    route(request: SeenRequest): EngineAnswer {
      const body = request.body ?? {};
      if (request.method === "GET" && request.path === "/v1/models") {
        return json(200, {
          object: "list",
          data: [
            { id: options.base, object: "model", root: options.base, parent: null },
            ...[...loaded].map(([id, root]) => ({ id, object: "model", root, parent: options.base })),
          ],
        });
      }
      if (request.method === "POST" && request.path === "/v1/load_lora_adapter") {
        if (!runtime) return fastapiNotFound();
        const { lora_name: name, lora_path: path, load_inplace: inplace } = body;
        if (!name || !path) return error(400, "InvalidUserInput", "Both 'lora_name' and 'lora_path' must be provided.");
        if (loaded.has(name) && !(inplace === true && options.loadInplace !== false))
          return error(
            400,
            "InvalidUserInput",
            `The lora adapter '${name}' has already been loaded. If you want to load the adapter in place, set 'load_inplace' to True.`,
          );
        if (options.disk && !options.disk.includes(path))
          return error(404, "NotFoundError", `Loading lora ${name} failed: No adapter found for ${path}`);
        loaded.set(name, path);
        return new Response(`Success: LoRA adapter '${name}' added successfully.`, { status: 200 });
      }
      if (request.method === "POST" && request.path === "/v1/unload_lora_adapter") {
        if (!runtime) return fastapiNotFound();
        const name = body.lora_name;
        if (!name) return error(400, "InvalidUserInput", "'lora_name' needs to be provided to unload a LoRA adapter.");
        if (!loaded.has(name)) return error(404, "NotFoundError", `The lora adapter '${name}' cannot be found.`);
        loaded.delete(name);
        return new Response(`Success: LoRA adapter '${name}' removed successfully.`, { status: 200 });
      }
      const shape = openaiShape(request);
      if (shape) return error(400, "BadRequestError", shape);
      if (body.stream !== true && body.stream_options)
        return error(400, "BadRequestError", "Stream options can only be defined when `stream=True`.");
      if (body.model !== options.base && !loaded.has(body.model))
        return error(404, "NotFoundError", `The model \`${body.model}\` does not exist.`, "model");
      if (request.path.endsWith("/chat/completions")) {
        const refused = chatParts(request);
        if (refused) return refused;
      } else if (body.prompt_embeds !== undefined) {
        const loadedEmbeds = loadEmbeds(body.prompt_embeds);
        if (loadedEmbeds instanceof Response) return loadedEmbeds;
        promptEmbeds.push({ path: request.path, data: body.prompt_embeds, ...loadedEmbeds });
      }
      return "stream";
    },
  };
}
