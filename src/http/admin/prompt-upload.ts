import type { Context } from "hono";
import type { AdapterRegistry, RegistryWriteError } from "../../adapters/registry";
import { isLegacyPrompt, type AdapterEntry } from "../../adapters/schema";
import { fromBase64 } from "../../adapters/tensor/base64";
import { MAX_TENSOR_BYTES, putTensor, sha256Hex } from "../../adapters/tensor/store";
import { readTorchTensor } from "../../adapters/tensor/torch-save";
import type { Result } from "../../engine/result";
import { errorBody, errorResponse } from "../errors";
import type { AppEnv } from "../types";

const refuse = (status: 400 | 404 | 413 | 415, message: string, code: string, param: string | null = null) =>
  errorResponse(status, errorBody(message, "invalid_request_error", code, param));

/** Base64 text of a MAX_TENSOR_BYTES file, with room for line breaks. */
const MAX_BODY_BYTES = Math.ceil((MAX_TENSOR_BYTES * 4) / 3) + 1024 * 1024;

/**
 * `PUT /admin/adapters/:id/prompt`: the adapter's prompt tensor, as the bytes `torch.save(tensor, f)` wrote
 * (`Content-Type: application/octet-stream`) or their base64 (`text/plain`). The tensor must be float32, bfloat16
 * or float16 of shape `(virtualTokens, hiddenSize)` as the entry's prompt declares. It is stored once under its
 * SHA-256 (`prompt-tensor:<sha256>`) and the entry records it (new version). Answers the entry, or an error
 * saying what the file holds instead.
 */
export async function uploadPromptTensor(
  c: Context<AppEnv>,
  registry: AdapterRegistry,
  id: string,
): Promise<Response | Result<AdapterEntry, RegistryWriteError>> {
  const read = await registry.get(id);
  if (!read.ok) return { ok: false, error: { reason: "storage", detail: read.error } };
  const entry = read.value;
  if (!entry) return refuse(404, `No adapter "${id}".`, "adapter_not_found", "id");
  const prompt = entry.prompt;
  if (!prompt || isLegacyPrompt(prompt)) return { ok: false, error: { reason: "prompt_not_declared", id } };

  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/octet-stream" && type !== "text/plain")
    return refuse(
      415,
      "Send the tensor as the bytes torch.save wrote (Content-Type: application/octet-stream) or as their base64 (text/plain).",
      "unsupported_media_type",
    );
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) return tooLarge();
  const body = new Uint8Array(await c.req.arrayBuffer());
  let bytes: Uint8Array = body;
  if (type === "text/plain") {
    if (body.length > MAX_BODY_BYTES) return tooLarge();
    const decoded = fromBase64(new TextDecoder().decode(body));
    if (!decoded.ok) return refuse(400, `The prompt tensor is not usable: ${decoded.error}.`, "invalid_prompt_tensor");
    bytes = decoded.value;
  }
  if (bytes.length > MAX_TENSOR_BYTES) return tooLarge();

  const tensor = readTorchTensor(bytes);
  if (!tensor.ok) return refuse(400, `The prompt tensor is not usable: ${tensor.error}.`, "invalid_prompt_tensor");
  const { dtype, shape } = tensor.value;
  const expected = `(${prompt.virtualTokens}, ${prompt.hiddenSize})`;
  if (shape.length !== 2 || shape[0] !== prompt.virtualTokens || shape[1] !== prompt.hiddenSize)
    return refuse(
      400,
      `The prompt tensor has shape (${shape.join(", ")}); adapter "${id}" declares ${prompt.virtualTokens} virtual tokens of hidden size ${prompt.hiddenSize}, so it must be ${expected}.`,
      "invalid_prompt_tensor",
    );
  if (prompt.dtype && dtype !== prompt.dtype)
    return refuse(
      400,
      `The prompt tensor is ${dtype}; adapter "${id}" declares prompt.dtype ${prompt.dtype}.`,
      "invalid_prompt_tensor",
    );
  const sha256 = await sha256Hex(bytes);
  await putTensor(c.env.INFLIGHT_KV!, sha256, bytes);
  return registry.setPromptTensor(id, { sha256, dtype, shape: [shape[0]!, shape[1]!], bytes: bytes.length });
}

const tooLarge = () =>
  refuse(
    413,
    `The prompt tensor is larger than ${MAX_TENSOR_BYTES / (1024 * 1024)} MiB, the most a KV value holds (and ~33 MiB of base64 on every request).`,
    "prompt_tensor_too_large",
  );
