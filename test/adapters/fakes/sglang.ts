import { fastapiNotFound, json, openaiShape, type EngineAnswer, type SeenRequest } from "./harness";

/**
 * SGLang's server (sgl-project/sglang, python/sglang/srt), from its code:
 * - OpenAI routes: errors are the flat `{"object": "error", "message", "type", "param", "code"}`; inside a stream
 *   `data: {"error": {...the same}}` (entrypoints/openai/serving_base.py create_error_response,
 *   create_streaming_error_response).
 * - The adapter is `lora_path` (every release), or the part of `model` after its first colon
 *   (`base-model:adapter-name`, late-2025 releases: serving_base.py _parse_model_parameter splits on the first
 *   colon, and the model's adapter wins over lora_path). Older releases ignore a colon in `model` and serve the
 *   base model. `model` itself is not checked against the served model.
 * - An adapter that is not loaded: ValueError "The following requested LoRA adapters are not loaded: x\nLoaded
 *   adapters: ..." (lora/lora_registry.py). Raised inside the generator: in a stream that is an HTTP 200 with the
 *   error event and [DONE]; releases that start the generator before answering (`kickStart`) answer 400 instead.
 * - GET /v1/models lists loaded LoRAs with `root` = their path (entrypoints/http_server.py available_models;
 *   `listsAdapters: false` for releases that list only the base).
 * - POST /load_lora_adapter and /unload_lora_adapter at the server root (http_server.py), answering
 *   `{"success", "error_message", "loaded_adapters"}` with 200 or 400: "Failed to load LoRA adapter x because it
 *   is already loaded" (lora_manager.py validate_new_adapter), "LoRA with name x does not exist. Loaded LoRAs:
 *   ..." (lora_registry.py unregister). Under /v1 they do not exist (FastAPI 404).
 */
export function sglang(options: {
  base: string;
  /** LoRAs loaded at start (`--lora-paths name=path`). */
  adapters: Record<string, string>;
  /** Paths that hold a LoRA; any path when absent. */
  disk?: string[];
  /** Releases that read `base:adapter` in `model` (default true). */
  modelSyntax?: boolean;
  /** Releases whose /v1/models lists LoRAs (default true). */
  listsAdapters?: boolean;
  /** Releases that refuse a missing adapter with 400 before the stream starts (default: error inside the stream). */
  kickStart?: boolean;
}) {
  const loaded = new Map(Object.entries(options.adapters));
  /** For each completion, the adapter SGLang served it with (`null`: the base model). */
  const served: (string | null)[] = [];
  const flat = (status: number, message: string, type = "BadRequestError", param: string | null = null) => ({
    object: "error",
    message,
    type,
    param,
    code: status,
  });
  const result = (success: boolean, error_message: string | null) => ({
    success,
    error_message,
    loaded_adapters: Object.fromEntries(loaded),
  });
  return {
    loaded,
    served,
    restart: () => {
      loaded.clear();
      for (const [name, path] of Object.entries(options.adapters)) loaded.set(name, path);
    },
    route(request: SeenRequest): EngineAnswer {
      const body = request.body ?? {};
      if (request.method === "GET" && request.path === "/v1/models") {
        const loras = options.listsAdapters === false ? [] : [...loaded];
        return json(200, {
          object: "list",
          data: [
            { id: options.base, object: "model", root: options.base, parent: null },
            ...loras.map(([id, root]) => ({ id, object: "model", root, parent: options.base })),
          ],
        });
      }
      if (request.method === "POST" && request.path === "/load_lora_adapter") {
        const { lora_name: name, lora_path: path } = body;
        if (loaded.has(name))
          return json(400, result(false, `Failed to load LoRA adapter ${name} because it is already loaded`));
        if (options.disk && !options.disk.includes(path))
          return json(400, result(false, `Can't find 'adapter_config.json' at '${path}'`));
        loaded.set(name, path);
        return json(200, result(true, null));
      }
      if (request.method === "POST" && request.path === "/unload_lora_adapter") {
        const name = body.lora_name;
        if (!loaded.has(name))
          return json(400, result(false, `LoRA with name ${name} does not exist. Loaded LoRAs: ${[...loaded.keys()]}`));
        loaded.delete(name);
        return json(200, result(true, null));
      }
      if (request.path.startsWith("/v1/") && request.path.endsWith("_lora_adapter")) return fastapiNotFound();
      const shape = openaiShape(request);
      if (shape) return json(400, flat(400, shape));
      const model = String(body.model ?? "");
      const colon = model.indexOf(":");
      const fromModel = options.modelSyntax !== false && colon >= 0 ? model.slice(colon + 1).trim() || null : null;
      const adapter: string | null = fromModel ?? (typeof body.lora_path === "string" ? body.lora_path : null);
      if (adapter !== null && !loaded.has(adapter)) {
        const message = `The following requested LoRA adapters are not loaded: ${adapter}\nLoaded adapters: ${[...loaded.keys()]}.`;
        if (options.kickStart) return json(400, flat(400, message));
        return { frames: [`data: ${JSON.stringify({ error: flat(400, message) })}\n\n`, "data: [DONE]\n\n"] };
      }
      served.push(adapter);
      return "stream";
    },
  };
}
