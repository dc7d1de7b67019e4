import { describe, expect, it } from "vitest";
import { adapterLabel, planUpstream, type RoutedRequest } from "../../src/adapters/rewrite";
import type { AdapterInput } from "../../src/adapters/schema";
import { entryOf, vllmInput } from "./entries";

const choice = { task: "text-to-sql", via: "header" } as const;
const chatRequest: RoutedRequest = { kind: "chat", metadata: undefined };
const plan = (input: Partial<AdapterInput>, secrets: Record<string, unknown> = {}, request = chatRequest) =>
  planUpstream(entryOf(vllmInput(input)), choice, secrets, request);
const tensor = { sha256: "ab".repeat(32), dtype: "bfloat16", shape: [20, 4096], bytes: 165_000 } as const;
const prompt = { id: "sql-prompt", virtualTokens: 20, hiddenSize: 4096 };
const cleared = {
  lora_path: undefined,
  adapter_id: undefined,
  adapter_source: undefined,
  api_token: undefined,
  prompt_embeds: undefined,
};

describe("per-engine request rewriting", () => {
  it("vLLM: the served LoRA name, a LoRA inflight manages, client prompt embeddings removed", () => {
    expect(plan({})).toMatchObject({
      ok: true,
      value: {
        baseUrl: "http://vllm.test/v1",
        model: "sql-lora",
        extraBody: cleared,
        managed: { engine: "vllm", loraName: "sql-lora", loraPath: "/models/adapters/sql-lora" },
        stripPromptEmbeds: true,
      },
    });
  });

  it("SGLang: lora_path names the adapter; model is the base, or base:adapter for releases that read it", () => {
    const backend = { kind: "sglang", baseUrl: "http://sglang.test/v1" } as const;
    expect(plan({ backend })).toMatchObject({
      value: {
        model: "meta-llama/Llama-3.1-8B-Instruct",
        extraBody: { ...cleared, lora_path: "sql-lora" },
        managed: { engine: "sglang" },
        stripPromptEmbeds: false,
      },
    });
    expect(plan({ backend: { ...backend, adapterInModel: true } })).toMatchObject({
      value: { model: "meta-llama/Llama-3.1-8B-Instruct:sql-lora", extraBody: { lora_path: "sql-lora" } },
    });
  });

  it("LoRAX: the adapter id with its source; the download token only in api_token, never a key", () => {
    const backend = { kind: "lorax", baseUrl: "http://lorax.test/v1", adapterSource: "local" } as const;
    const plain = plan({ backend });
    expect(plain).toMatchObject({
      value: {
        model: "/models/adapters/sql-lora",
        apiKey: "",
        extraBody: { adapter_source: "local", api_token: undefined },
      },
    });
    expect(plain.ok && plain.value.managed).toBeFalsy();
    expect(
      plan({ backend: { ...backend, downloadTokenSecret: "ADAPTER_KEY_HF" } }, { ADAPTER_KEY_HF: "hf_x" }),
    ).toMatchObject({
      value: { apiKey: "", extraBody: { api_token: "hf_x" } },
    });
  });

  it("TGI and plain models: the adapter id or the model, nothing managed", () => {
    expect(plan({ backend: { kind: "tgi", baseUrl: "http://tgi.test/v1" } })).toMatchObject({
      value: { model: "sql-lora" },
    });
    expect(
      plan({ backend: { kind: "openai", baseUrl: "https://api.test/v1" }, lora: undefined, baseModel: "gpt-sql" }),
    ).toMatchObject({ value: { model: "gpt-sql" } });
  });

  it("sends the named secret as the backend key and never a fallback", () => {
    expect(plan({})).toMatchObject({ value: { apiKey: "" } });
    const backend = { kind: "vllm", baseUrl: "http://vllm.test/v1", apiKeySecret: "ADAPTER_KEY_VLLM" } as const;
    expect(plan({ backend }, { ADAPTER_KEY_VLLM: "sk-vllm" })).toMatchObject({ value: { apiKey: "sk-vllm" } });
    expect(plan({ backend }, {})).toEqual({
      ok: false,
      error: { reason: "missing_secret", secret: "ADAPTER_KEY_VLLM" },
    });
    const lorax = {
      kind: "lorax",
      baseUrl: "http://lorax.test/v1",
      adapterSource: "hub",
      downloadTokenSecret: "ADAPTER_KEY_HF",
    } as const;
    expect(plan({ backend: lorax }, {})).toEqual({
      ok: false,
      error: { reason: "missing_secret", secret: "ADAPTER_KEY_HF" },
    });
  });

  it("refuses to send a LoRAX key an earlier release stored, since LoRAX would pass it on as its download token", () => {
    const entry = entryOf(vllmInput({}), {
      backend: { kind: "lorax", baseUrl: "http://lorax.test/v1", adapterSource: "hub", apiKeySecret: "ADAPTER_KEY_X" },
    });
    expect(planUpstream(entry, choice, { ADAPTER_KEY_X: "sk" }, chatRequest)).toMatchObject({
      ok: false,
      error: { reason: "invalid_entry", detail: expect.stringContaining("downloadTokenSecret") },
    });
  });

  it("keeps inflight's metadata.task from the backend but forwards the rest of metadata", () => {
    expect(plan({}, {}, { kind: "chat", metadata: { task: "text-to-sql", user: "u1" } })).toMatchObject({
      value: { extraBody: { metadata: { user: "u1" } } },
    });
    const alone = plan({}, {}, { kind: "chat", metadata: { task: "text-to-sql" } });
    expect(alone.ok && "metadata" in alone.value.extraBody && alone.value.extraBody.metadata === undefined).toBe(true);
    expect(JSON.stringify({ model: "m", metadata: { task: "x" }, ...(alone.ok ? alone.value.extraBody : {}) })).toBe(
      '{"model":"m"}',
    );
  });
});

describe("the continuous prompt", () => {
  const withTensor = { prompt: { ...prompt, tensor } } as Partial<AdapterInput>;

  it("is added on vLLM chat requests once its tensor is uploaded, and says so with the tensor's hash", () => {
    expect(plan(withTensor)).toMatchObject({
      value: { prompt: { id: "sql-prompt", sha256: tensor.sha256, position: "system-start" } },
    });
    const planned = plan(withTensor);
    expect(planned.ok && planned.value.label).toBe(
      `sql-lora; version=1; task=text-to-sql; by=header; engine=vllm; prompt=sql-prompt@${"ab".repeat(6)}`,
    );
  });

  it("is refused until its tensor is uploaded, and on /v1/completions, where vLLM cannot prefix it", () => {
    expect(plan({ prompt })).toEqual({
      ok: false,
      error: { reason: "prompt_missing", prompt: "sql-prompt", legacy: false },
    });
    expect(plan(withTensor, {}, { kind: "completions", metadata: undefined })).toEqual({
      ok: false,
      error: { reason: "prompt_needs_chat", prompt: "sql-prompt" },
    });
  });

  it("labels a prompt an engine cannot take as not applied, and refuses an earlier vLLM prompt without tensor", () => {
    const legacy = { id: "old-prompt", virtualTokens: 20, source: "/p" };
    const sglang = entryOf(vllmInput({ backend: { kind: "sglang", baseUrl: "http://sglang.test/v1" } }), {
      prompt: legacy,
    });
    const planned = planUpstream(sglang, choice, {}, chatRequest);
    expect(planned.ok && planned.value.label).toBe(
      "sql-lora; version=1; task=text-to-sql; by=header; engine=sglang; prompt=old-prompt:not-applied",
    );
    expect(planned.ok && planned.value.prompt).toBeUndefined();
    const vllm = entryOf(vllmInput({}), { prompt: legacy });
    expect(planUpstream(vllm, choice, {}, chatRequest)).toEqual({
      ok: false,
      error: { reason: "prompt_missing", prompt: "old-prompt", legacy: true },
    });
  });
});

describe("the adapter label", () => {
  it("names the adapter, its version, the task, how it was chosen and the engine", () => {
    const entry = entryOf(vllmInput({}), { version: 4 });
    expect(adapterLabel(entry, { task: "text-to-sql", via: "rule", rule: "sql-from-schema" })).toBe(
      "sql-lora; version=4; task=text-to-sql; by=rule:sql-from-schema; engine=vllm",
    );
  });

  it("says a TGI adapter is unverified: TGI runs the base model for an id it does not have", () => {
    const entry = entryOf(vllmInput({ backend: { kind: "tgi", baseUrl: "http://tgi.test/v1" } }));
    expect(adapterLabel(entry, choice)).toBe(
      "sql-lora; version=1; task=text-to-sql; by=header; engine=tgi; lora=unverified",
    );
  });
});
