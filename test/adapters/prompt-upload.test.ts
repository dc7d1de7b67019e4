import { beforeEach, describe, expect, it } from "vitest";
import { toBase64 } from "../../src/adapters/tensor/base64";
import { sha256Hex, TENSOR_PREFIX } from "../../src/adapters/tensor/store";
import f64 from "../fixtures/prompt-tensors/f64-4x8.b64?raw";
import { admin, uploadPrompt } from "./app";
import { vllmInput } from "./entries";
import { kv, resetRegistry } from "./kv";
import { torchSave } from "./torch-file";

const prompt = { id: "sql-prompt-v2", virtualTokens: 4, hiddenSize: 8 };

beforeEach(async () => {
  await resetRegistry();
  expect((await admin("POST", "/adapters", vllmInput({ prompt }))).status).toBe(201);
});

describe("uploading an adapter's prompt tensor", () => {
  it("stores the torch.save bytes under their SHA-256 and records the tensor in a new version of the entry", async () => {
    const file = torchSave("bfloat16", [4, 8]);
    const sha256 = await sha256Hex(file);
    const res = await uploadPrompt("sql-lora", file);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: "sql-lora",
      version: 2,
      prompt: {
        ...prompt,
        position: "system-start",
        tensor: { sha256, dtype: "bfloat16", shape: [4, 8], bytes: file.length },
      },
    });
    const stored = await kv.get(TENSOR_PREFIX + sha256, "arrayBuffer");
    expect(new Uint8Array(stored!)).toEqual(file);
    expect(await kv.get("task:text-to-sql", "json")).toMatchObject({ version: 2, prompt: { tensor: { sha256 } } });
  });

  it("takes the base64 form too, landing on the same key", async () => {
    const file = torchSave("float32", [4, 8]);
    const res = await uploadPrompt("sql-lora", `${toBase64(file).replace(/(.{76})/g, "$1\n")}\n`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ prompt: { tensor: { sha256: await sha256Hex(file), dtype: "float32" } } });
  });

  it("refuses a tensor whose shape is not the declared (virtualTokens, hiddenSize), saying both", async () => {
    const res = await uploadPrompt("sql-lora", torchSave("float32", [4, 16]));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message:
          'The prompt tensor has shape (4, 16); adapter "sql-lora" declares 4 virtual tokens of hidden size 8, so it must be (4, 8).',
        type: "invalid_request_error",
        code: "invalid_prompt_tensor",
        param: null,
      },
    });
    expect(await (await uploadPrompt("sql-lora", torchSave("float32", [1, 4, 8]))).json()).toMatchObject({
      error: { message: expect.stringContaining("has shape (1, 4, 8)") },
    });
  });

  it("refuses dtypes vLLM does not take, files that are not torch.save, and a dtype other than the declared one", async () => {
    expect(await (await uploadPrompt("sql-lora", f64)).json()).toMatchObject({
      error: { code: "invalid_prompt_tensor", message: expect.stringContaining("its tensor is float64") },
    });
    expect(await (await uploadPrompt("sql-lora", new TextEncoder().encode("hello"))).json()).toMatchObject({
      error: { code: "invalid_prompt_tensor", message: expect.stringContaining("not a torch.save file") },
    });
    expect(await (await uploadPrompt("sql-lora", "not base64!")).json()).toMatchObject({
      error: { code: "invalid_prompt_tensor" },
    });
    await admin("PUT", "/adapters/sql-lora", vllmInput({ prompt: { ...prompt, dtype: "bfloat16" } }));
    expect(await (await uploadPrompt("sql-lora", torchSave("float16", [4, 8]))).json()).toMatchObject({
      error: { message: 'The prompt tensor is float16; adapter "sql-lora" declares prompt.dtype bfloat16.' },
    });
  });

  it("answers 404, 409 and 415 for an unknown adapter, one without a prompt, and another content type", async () => {
    expect((await uploadPrompt("nope", torchSave("float32", [4, 8]))).status).toBe(404);
    const json = await uploadPrompt("sql-lora", "{}", "application/json");
    expect(json.status).toBe(415);
    expect(await json.json()).toMatchObject({ error: { code: "unsupported_media_type" } });
    await admin("PUT", "/adapters/sql-lora", vllmInput());
    const none = await uploadPrompt("sql-lora", torchSave("float32", [4, 8]));
    expect(none.status).toBe(409);
    expect(await none.json()).toMatchObject({ error: { code: "prompt_not_declared", param: "prompt" } });
  });

  it("keeps the tensor through a GET-edit-PUT round trip, and refuses a tensor written into the entry by hand", async () => {
    await uploadPrompt("sql-lora", torchSave("float32", [4, 8]));
    const { version: _v, updatedAt: _u, ...entry } = (await (await admin("GET", "/adapters/sql-lora")).json()) as any;
    const kept = await admin("PUT", "/adapters/sql-lora", { ...entry, packs: ["chat"] });
    expect(await kept.json()).toMatchObject({ version: 3, packs: ["chat"], prompt: { tensor: entry.prompt.tensor } });
    const forged = await admin("PUT", "/adapters/sql-lora", {
      ...entry,
      prompt: { ...entry.prompt, tensor: { ...entry.prompt.tensor, sha256: "0".repeat(64) } },
    });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: { code: "invalid_adapter", param: "prompt.tensor" } });
  });
});
