import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAdapterRegistry } from "../../src/adapters/registry";
import { chatFrames, dataEvents } from "../helpers/fake-upstream";
import { call, chat, teamApp } from "./app";
import { sglang, vllm } from "./fakes";
import { kv, resetRegistry } from "./kv";
import { BASE, engines, register, SQL_PROMPT } from "./world";

const loop = ["Once upon a time. ", ...Array.from({ length: 60 }, () => "The cat sat on the mat again and again. ")];

beforeEach(async () => {
  await resetRegistry();
  await register();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("choosing the task", () => {
  it("uses x-inflight-task over metadata.task and the prompt's rules, and says so in x-inflight-adapter", async () => {
    const { logs } = engines();
    const res = await chat(
      { metadata: { task: "extract" }, messages: [{ role: "user", content: SQL_PROMPT }] },
      { "x-inflight-task": "summarize" },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-inflight-adapter")).toBe("sum-lora; version=1; task=summarize; by=header; engine=sglang");
    expect(logs["sglang.test"]!.streamed).toHaveLength(1);
    expect(logs["tgi.test"]!.requests).toHaveLength(0);
  });

  it("uses metadata.task over the rules, and does not forward it", async () => {
    const { logs } = engines();
    const res = await chat({
      metadata: { task: "extract", user: "u1" },
      messages: [{ role: "user", content: SQL_PROMPT }],
    });
    expect(res.headers.get("x-inflight-adapter")).toBe(
      "extract-lora; version=1; task=extract; by=metadata; engine=tgi; lora=unverified",
    );
    expect(logs["tgi.test"]!.streamed[0]!.body.metadata).toEqual({ user: "u1" });
  });

  it("uses the team's default task when the request names none, before the rules", async () => {
    const { logs } = engines();
    const team = teamApp({ enforced: [], defaults: [], defaultTask: "classify" });
    const res = await team.chat({ messages: [{ role: "user", content: SQL_PROMPT }] });
    expect(res.headers.get("x-inflight-adapter")).toBe(
      "classify-lora; version=1; task=classify; by=team-default; engine=lorax",
    );
    expect(logs["lorax.test"]!.streamed).toHaveLength(1);
  });

  it("falls back to the task-matching rules over the prompt", async () => {
    const { logs } = engines();
    const res = await chat({ messages: [{ role: "user", content: SQL_PROMPT }] });
    expect(res.headers.get("x-inflight-adapter")).toBe(
      "sql-lora; version=1; task=text-to-sql; by=rule:sql-from-schema; engine=vllm",
    );
    expect(logs["vllm.test"]!.streamed).toHaveLength(1);
  });

  it("routes /v1/completions the same way", async () => {
    const { logs } = engines();
    const res = await call("/v1/completions", {
      method: "POST",
      headers: { "content-type": "application/json", "x-inflight-task": "extract" },
      body: JSON.stringify({ model: "my-model", prompt: "Invoice 42: total 10 EUR" }),
    });
    expect(res.headers.get("x-inflight-adapter")).toContain("extract-lora");
    expect(logs["tgi.test"]!.streamed[0]).toMatchObject({
      path: "/v1/completions",
      body: { model: "acme/extract-lora", prompt: "Invoice 42: total 10 EUR" },
    });
  });

  it("leaves a request with no task and no matching rule on the configured upstream", async () => {
    const { logs } = engines();
    const res = await chat({});
    expect(res.status).toBe(200);
    expect(res.headers.get("x-inflight-adapter")).toBeNull();
    expect(logs["upstream.test"]!.streamed[0]!.body.model).toBe("my-model");
    expect(logs["upstream.test"]!.streamed[0]!.headers.get("authorization")).toBe("Bearer client-key");
  });

  it("answers an unknown task with 404 in the OpenAI envelope, naming it, and sends nothing upstream", async () => {
    const { logs } = engines();
    const res = await chat({}, { "x-inflight-task": "translate" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        message: 'Unknown task "translate" (from x-inflight-task): no adapter is registered for it.',
        type: "invalid_request_error",
        code: "unknown_task",
        param: "x-inflight-task",
        task: "translate",
      },
    });
    expect(Object.values(logs).every((log) => log.requests.length === 0)).toBe(true);
  });

  it("answers a malformed task name with 400", async () => {
    engines();
    const res = await chat({ metadata: { task: "Not A Slug" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_task", param: "metadata.task" } });
  });
});

describe("what each engine is sent", () => {
  const sent = async (task: string, host: string) => {
    const { logs } = engines();
    const res = await chat({}, { "x-inflight-task": task });
    expect(res.status).toBe(200);
    return logs[host]!.streamed[0]!;
  };

  it("vLLM: the served LoRA name as model, the backend's own key, not the client's", async () => {
    const request = await sent("text-to-sql", "vllm.test");
    expect(request).toMatchObject({
      path: "/v1/chat/completions",
      body: { model: "sql-lora", stream: true, stream_options: { include_usage: true } },
    });
    expect(request.headers.get("authorization")).toBe("Bearer sk-vllm-backend");
    expect(request.headers.get("x-inflight-task")).toBeNull();
  });

  it("SGLang: the adapter in lora_path with the base as model, and no key when the entry names none", async () => {
    const request = await sent("summarize", "sglang.test");
    expect(request.body).toMatchObject({ model: BASE, lora_path: "sum" });
    expect(request.headers.get("authorization")).toBeNull();
  });

  it("LoRAX: the adapter id as model with its adapter_source, and no Authorization (LoRAX's download token)", async () => {
    const request = await sent("classify", "lorax.test");
    expect(request.body).toMatchObject({ model: "/data/adapters/classify", adapter_source: "local" });
    expect(request.body).not.toHaveProperty("api_token");
    expect(request.headers.get("authorization")).toBeNull();
  });

  it("TGI: the LORA_ADAPTERS id as model", async () => {
    expect((await sent("extract", "tgi.test")).body.model).toBe("acme/extract-lora");
  });

  it("openai: the plain model", async () => {
    expect((await sent("general", "openai.test")).body.model).toBe("gpt-plain");
  });
});

describe("disabled adapters and backends that are down", () => {
  it("answers a disabled adapter's task with 404 naming task and adapter, until it is enabled again", async () => {
    const { logs } = engines();
    const registry = createAdapterRegistry(kv);
    await registry.setEnabled("sum-lora", false);
    const res = await chat({}, { "x-inflight-task": "summarize" });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "task_disabled", task: "summarize", adapter: "sum-lora" },
    });
    expect(logs["sglang.test"]!.requests).toHaveLength(0);
    await registry.setEnabled("sum-lora", true);
    expect((await chat({}, { "x-inflight-task": "summarize" })).headers.get("x-inflight-adapter")).toContain(
      "version=3",
    );
  });

  it("answers 502 when the backend is down and serves the same request once it is back", async () => {
    const { hosts, logs } = engines({ "sglang.test": "down" });
    const down = await chat({}, { "x-inflight-task": "summarize" });
    expect(down.status).toBe(502);
    expect(await down.json()).toMatchObject({
      error: { type: "upstream_error", code: "upstream_unreachable", message: expect.stringContaining("sglang.test") },
    });
    hosts["sglang.test"] = sglang({ base: BASE, adapters: { sum: "/adapters/sum" } });
    const up = await chat({}, { "x-inflight-task": "summarize" });
    expect(up.status).toBe(200);
    expect(logs["sglang.test"]!.streamed).toHaveLength(1);
  });

  it("does not remember a vLLM probe that failed because the backend was down", async () => {
    const { hosts, logs } = engines({ "vllm.test": "down" });
    const down = await chat({}, { "x-inflight-task": "text-to-sql" });
    expect(down.status).toBe(502);
    expect(await down.json()).toMatchObject({
      error: { code: "upstream_unreachable", message: expect.stringContaining('adapter "sql-lora"') },
    });
    hosts["vllm.test"] = vllm({ base: BASE });
    expect((await chat({}, { "x-inflight-task": "text-to-sql" })).status).toBe(200);
    expect(logs["vllm.test"]!.requests.map((r) => r.path)).toEqual([
      "/v1/models",
      "/v1/load_lora_adapter",
      "/v1/chat/completions",
    ]);
  });
});

describe("validation on an adapter's stream", () => {
  it("cuts off a looping adapter stream with the adapter's packs and aborts the backend", async () => {
    const { logs } = engines({}, chatFrames(loop));
    const res = await chat({ stream: true, max_tokens: 2000 }, { "x-inflight-task": "text-to-sql" });
    expect(res.headers.get("x-inflight-packs")).toBe("chat");
    expect(res.headers.get("x-inflight-adapter")).toContain("sql-lora");
    const events = dataEvents(await res.text()) as Record<string, any>[];
    expect(events.at(-1)).toMatchObject({ error: { type: "inflight_rejection", rejection: { pack: "chat" } } });
    expect(logs["vllm.test"]!.cancelled).toBe(true);
    expect(logs["vllm.test"]!.sent).toBeLessThan(loop.length);
  });

  it("records the task, the adapter label and the client's own model in metering", async () => {
    engines();
    const team = teamApp({ enforced: ["default"], defaults: [] });
    const res = await team.chat({ metadata: { task: "summarize" } });
    expect(res.status).toBe(200);
    expect(team.records).toEqual([
      expect.objectContaining({
        model: "my-model",
        task: "summarize",
        adapter: "sum-lora; version=1; task=summarize; by=metadata; engine=sglang",
        packs: ["default"],
        outcome: "accepted",
      }),
    ]);
  });
});

describe("entries that can no longer be sent as registered", () => {
  it("answers a documented 503 naming the secret when it disappeared after registration, sending nothing", async () => {
    const { logs } = engines();
    const res = await chat({}, { "x-inflight-task": "text-to-sql" }, { ADAPTER_KEY_VLLM: undefined });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: {
        message:
          'Adapter "sql-lora" names the secret ADAPTER_KEY_VLLM, which is not set: set it (wrangler secret put ADAPTER_KEY_VLLM) or update the adapter.',
        type: "server_error",
        code: "adapter_secret_missing",
        param: null,
      },
    });
    expect(logs["vllm.test"]!.requests).toHaveLength(0);
  });

  it("refuses a backend ADAPTER_ALLOWED_HOSTS no longer allows, before its key goes anywhere", async () => {
    const { logs } = engines();
    const res = await chat({}, { "x-inflight-task": "text-to-sql" }, { ADAPTER_ALLOWED_HOSTS: "" });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: {
        type: "server_error",
        code: "adapter_backend_refused",
        message: expect.stringContaining("plain http would send the backend's key in clear"),
      },
    });
    expect(logs["vllm.test"]!.requests).toHaveLength(0);
  });

  it("serves an earlier release's SGLang entry with a prompt, labelled as not applied", async () => {
    const { logs } = engines();
    const stored = JSON.parse((await kv.get("adapter:sum-lora"))!);
    const legacy = { ...stored, prompt: { id: "sum-prompt", virtualTokens: 10, source: "/adapters/sum/prompt" } };
    await kv.put("adapter:sum-lora", JSON.stringify(legacy));
    await kv.put("task:summarize", JSON.stringify(legacy));
    const res = await chat({}, { "x-inflight-task": "summarize" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-inflight-adapter")).toBe(
      "sum-lora; version=1; task=summarize; by=header; engine=sglang; prompt=sum-prompt:not-applied",
    );
    expect(logs["sglang.test"]!.streamed).toHaveLength(1);
  });
});
