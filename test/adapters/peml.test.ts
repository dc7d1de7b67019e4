import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { toBase64 } from "../../src/adapters/tensor/base64";
import { clearTensorCache, sha256Hex, TENSOR_PREFIX } from "../../src/adapters/tensor/store";
import { admin, call, chat, uploadPrompt } from "./app";
import { vllmInput } from "./entries";
import { vllm } from "./fakes";
import { kv, resetRegistry } from "./kv";
import { torchSave } from "./torch-file";
import { BASE, engines } from "./world";

const prompt = { id: "sql-prompt-v2", virtualTokens: 4, hiddenSize: 8 };
const task = { "x-inflight-task": "text-to-sql" };
const file = torchSave("bfloat16", [4, 8]);

function peml(options: Partial<Parameters<typeof vllm>[0]> = {}) {
  const engine = vllm({ base: BASE, hiddenSize: 8, enablePromptEmbeds: true, ...options });
  return { engine, ...engines({ "vllm.test": engine }) };
}

beforeEach(async () => {
  await resetRegistry();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const registerPeml = async (extra: Record<string, unknown> = {}) => {
  const res = await admin("POST", "/adapters", vllmInput({ prompt: { ...prompt, ...extra } }));
  expect(res.status).toBe(201);
};

describe("a PEML adapter on vLLM: the LoRA and its continuous prompt", () => {
  it("sends the LoRA as model and the uploaded tensor, byte for byte, first in the system message", async () => {
    const { engine, logs } = peml();
    await registerPeml();
    expect((await uploadPrompt("sql-lora", file)).status).toBe(200);
    const res = await chat(
      {
        messages: [
          { role: "system", content: "You write SQL." },
          { role: "user", content: "Count airports." },
        ],
      },
      task,
    );
    expect(res.status).toBe(200);
    const sha256 = await sha256Hex(file);
    expect(res.headers.get("x-inflight-adapter")).toBe(
      `sql-lora; version=2; task=text-to-sql; by=header; engine=vllm; prompt=sql-prompt-v2@${sha256.slice(0, 12)}`,
    );
    const sent = logs["vllm.test"]!.streamed[0]!;
    expect(sent.body.model).toBe("sql-lora");
    expect(sent.body.messages).toEqual([
      {
        role: "system",
        content: [
          { type: "prompt_embeds", data: toBase64(file) },
          { type: "text", text: "You write SQL." },
        ],
      },
      { role: "user", content: "Count airports." },
    ]);
    expect(engine.promptEmbeds).toEqual([
      {
        path: "/v1/chat/completions",
        messageIndex: 0,
        role: "system",
        partIndex: 0,
        partsInMessage: 2,
        data: toBase64(file),
        shape: [4, 8],
        dtype: "bfloat16",
      },
    ]);
  });

  it("puts the prompt where the entry says: here first in the last user message", async () => {
    const { engine } = peml();
    await registerPeml({ position: "user-start" });
    await uploadPrompt("sql-lora", file);
    const messages = [
      { role: "user", content: "earlier" },
      { role: "assistant", content: "ok" },
      { role: "user", content: "now" },
    ];
    expect((await chat({ messages }, task)).status).toBe(200);
    expect(engine.promptEmbeds).toMatchObject([{ messageIndex: 2, role: "user", partIndex: 0, partsInMessage: 2 }]);
  });

  it("removes the client's own prompt_embeds parts and the reserved placeholder, which vLLM would refuse", async () => {
    const { engine, logs } = peml();
    await registerPeml();
    await uploadPrompt("sql-lora", file);
    const theirs = toBase64(torchSave("float32", [2, 16]));
    const res = await chat(
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "hi <prompt_embeds> there" },
              { type: "prompt_embeds", data: theirs },
            ],
          },
        ],
      },
      task,
    );
    expect(res.status).toBe(200);
    expect(engine.promptEmbeds.map((seen) => seen.data)).toEqual([toBase64(file)]);
    expect(logs["vllm.test"]!.streamed[0]!.body.messages[1]).toEqual({
      role: "user",
      content: [{ type: "text", text: "hi  there" }],
    });
  });

  it("refuses the task until its tensor is uploaded, sending nothing to the engine", async () => {
    const { logs } = peml();
    await registerPeml();
    const res = await chat({}, task);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: {
        type: "server_error",
        code: "adapter_prompt_unavailable",
        message: expect.stringContaining("PUT /admin/adapters/sql-lora/prompt"),
      },
    });
    expect(logs["vllm.test"]!.requests).toHaveLength(0);
  });

  it("refuses /v1/completions for the task: vLLM takes prompt_embeds there only as the whole prompt", async () => {
    const { logs } = peml();
    await registerPeml();
    await uploadPrompt("sql-lora", file);
    const res = await call("/v1/completions", {
      method: "POST",
      headers: { "content-type": "application/json", ...task },
      body: JSON.stringify({ model: "my-model", prompt: "SELECT", prompt_embeds: "QUJD" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: {
        type: "invalid_request_error",
        code: "prompt_requires_chat",
        message: expect.stringContaining("/v1/chat/completions"),
      },
    });
    expect(logs["vllm.test"]!.requests).toHaveLength(0);
  });

  it("passes on vLLM's refusal when it runs without --enable-prompt-embeds", async () => {
    peml({ enablePromptEmbeds: false });
    await registerPeml();
    await uploadPrompt("sql-lora", file);
    const res = await chat({}, task);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { message: "You must set `--enable-prompt-embeds` to input `prompt_embeds`.", param: "prompt_embeds" },
    });
  });

  it("reads the tensor from KV once per isolate, and answers 503 when it is gone from both", async () => {
    const { engine } = peml();
    await registerPeml();
    await uploadPrompt("sql-lora", file);
    expect((await chat({}, task)).status).toBe(200);
    await kv.delete(TENSOR_PREFIX + (await sha256Hex(file)));
    expect((await chat({}, task)).status).toBe(200);
    expect(engine.promptEmbeds.map((seen) => seen.data)).toEqual([toBase64(file), toBase64(file)]);
    clearTensorCache();
    const gone = await chat({}, task);
    expect(gone.status).toBe(503);
    expect(await gone.json()).toMatchObject({ error: { code: "adapter_prompt_unavailable" } });
  });
});
