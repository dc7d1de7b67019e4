import { json, openaiShape, type EngineAnswer, type SeenRequest } from "./harness";

/**
 * Text Generation Inference (huggingface/text-generation-inference), from its code:
 * - Chat `model` is the adapter id; absent, "tgi" or the base model means none.
 * - The server looks the id up in the adapters loaded at start (LORA_ADAPTERS) with
 *   `ADAPTER_TO_INDEX.get(adapter_id, 0)` (server/text_generation_server/models/flash_causal_lm.py): an unknown id
 *   is index 0, the base model, and the answer is an ordinary 200 stream.
 * - Validation errors: 422 `{"error": "...", "error_type": "validation"}` (router/src/server.rs).
 */
export function tgi(options: { base: string; adapters: string[] }) {
  /** For each completion, the adapter TGI served it with (`null`: the base model). */
  const served: (string | null)[] = [];
  return {
    served,
    route(request: SeenRequest): EngineAnswer {
      const shape = openaiShape(request);
      if (shape) return json(422, { error: `Input validation error: ${shape}`, error_type: "validation" });
      const model = request.body.model;
      served.push(typeof model === "string" && options.adapters.includes(model) ? model : null);
      return "stream";
    },
  };
}

/** A plain OpenAI-compatible API serving `models` (OpenAI's error envelope, 404 model_not_found). */
export function openaiApi(options: { models: string[] }) {
  return {
    route(request: SeenRequest): EngineAnswer {
      const shape = openaiShape(request);
      if (shape)
        return json(400, { error: { message: shape, type: "invalid_request_error", param: null, code: null } });
      if (!options.models.includes(request.body.model))
        return json(404, {
          error: {
            message: `The model \`${request.body.model}\` does not exist`,
            type: "invalid_request_error",
            param: null,
            code: "model_not_found",
          },
        });
      return "stream";
    },
  };
}
