import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearLoadCache } from "../../src/adapters/engine-load";
import { clearRegistryCache, createAdapterRegistry } from "../../src/adapters/registry";
import { AdapterInputSchema } from "../../src/adapters/schema";
import { chat } from "./app";
import { vllm } from "./fakes";
import { kv, resetRegistry } from "./kv";
import { adapters, BASE, engines, register } from "./world";

const task = { "x-inflight-task": "text-to-sql" };

beforeEach(async () => {
  await resetRegistry();
  await register();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("vLLM adapters that are not loaded", () => {
  it("loads the adapter once with load_lora_adapter before the first completion, then reuses it", async () => {
    const { logs, calls } = engines();
    expect((await chat({}, task)).status).toBe(200);
    expect(calls("vllm.test")).toEqual(["GET /v1/models", "POST /v1/load_lora_adapter", "POST /v1/chat/completions"]);
    expect(logs["vllm.test"]!.requests[1]!.body).toEqual({ lora_name: "sql-lora", lora_path: "/adapters/sql-lora" });
    expect(logs["vllm.test"]!.requests[1]!.headers.get("authorization")).toBe("Bearer sk-vllm-backend");
    expect((await chat({}, task)).status).toBe(200);
    expect(calls("vllm.test").slice(3)).toEqual(["POST /v1/chat/completions"]);
  });

  it("does not load an adapter the engine already lists from the same path", async () => {
    const { vllm, calls } = engines();
    vllm.loaded.set("sql-lora", "/adapters/sql-lora");
    await chat({}, task);
    expect(calls("vllm.test")).toEqual(["GET /v1/models", "POST /v1/chat/completions"]);
  });

  it("when vLLM answers its exact 404 for the model, loads the adapter once and retries the same request", async () => {
    const { vllm, calls } = engines();
    await chat({}, task);
    vllm.restart();
    const retried = await chat({}, task);
    expect(retried.status).toBe(200);
    expect(calls("vllm.test").slice(3)).toEqual([
      "POST /v1/chat/completions",
      "GET /v1/models",
      "POST /v1/load_lora_adapter",
      "POST /v1/chat/completions",
    ]);
  });

  it("recognises that 404 in the flat error envelope of older vLLM releases too", async () => {
    const flat = vllm({ base: BASE, envelope: "flat" });
    const { calls } = engines({ "vllm.test": flat });
    await chat({}, task);
    flat.restart();
    expect((await chat({}, task)).status).toBe(200);
    expect(calls("vllm.test").filter((c) => c.endsWith("load_lora_adapter"))).toHaveLength(2);
  });

  it("does not load or retry on any other refusal, even one that says 'not found'", async () => {
    const { calls } = engines({
      "vllm.test": {
        route(request) {
          if (request.path === "/v1/models")
            return Response.json({ data: [{ id: "sql-lora", root: "/adapters/sql-lora" }] });
          return Response.json(
            { error: { message: "Tool 'lookup' not found.", type: "BadRequestError", param: null, code: 400 } },
            { status: 400 },
          );
        },
      },
    });
    const res = await chat({}, task);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { message: "Tool 'lookup' not found." } });
    expect(calls("vllm.test")).toEqual(["GET /v1/models", "POST /v1/chat/completions"]);
  });

  it("passes vLLM's refusal on when the adapter cannot be loaded on retry", async () => {
    const { vllm } = engines();
    await chat({}, task);
    vllm.restart();
    vllm.runtimeLoading = false;
    const lost = await chat({}, task);
    expect(lost.status).toBe(404);
    expect(await lost.json()).toMatchObject({ error: { message: "The model `sql-lora` does not exist." } });
  });

  it("answers 502 naming the adapter and the start flag when vLLM takes no run-time loads, sending no completion", async () => {
    const { logs } = engines({ "vllm.test": vllm({ base: BASE, runtimeLoading: false }) });
    const res = await chat({}, task);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      error: {
        type: "upstream_error",
        code: "adapter_load_failed",
        message: expect.stringMatching(/adapter "sql-lora".*VLLM_ALLOW_RUNTIME_LORA_UPDATING=True/),
      },
    });
    expect(logs["vllm.test"]!.streamed).toHaveLength(0);
  });
});

describe("vLLM revisions", () => {
  const revise = async (source: string) => {
    const registry = createAdapterRegistry(kv);
    const input = { ...adapters[0]!, lora: { name: "sql-lora", source, rank: 16 } };
    const put = await registry.put(AdapterInputSchema.parse(input), "replace");
    if (!put.ok) throw new Error(JSON.stringify(put.error));
  };

  it("reloads in place (load_inplace) when the engine serves the name from another path than the entry's", async () => {
    const engine = vllm({ base: BASE, loaded: { "sql-lora": "/adapters/sql-lora-v1" } });
    const { logs, calls } = engines({ "vllm.test": engine });
    const res = await chat({}, task);
    expect(res.status).toBe(200);
    expect(calls("vllm.test")).toEqual(["GET /v1/models", "POST /v1/load_lora_adapter", "POST /v1/chat/completions"]);
    expect(logs["vllm.test"]!.requests[1]!.body).toEqual({
      lora_name: "sql-lora",
      lora_path: "/adapters/sql-lora",
      load_inplace: true,
    });
    expect(engine.loaded.get("sql-lora")).toBe("/adapters/sql-lora");
  });

  it("refuses with 502 when the engine cannot reload in place, rather than serve the old weights under the new label", async () => {
    const { logs } = engines({
      "vllm.test": vllm({ base: BASE, loadInplace: false, loaded: { "sql-lora": "/adapters/sql-lora-v1" } }),
    });
    const res = await chat({}, task);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      error: { code: "adapter_load_failed", message: expect.stringContaining("/adapters/sql-lora-v1") },
    });
    expect(logs["vllm.test"]!.streamed).toHaveLength(0);
  });

  it("does not move the engine back when this isolate's copy of the entry is older than the registry's", async () => {
    const { vllm, calls } = engines();
    await chat({}, task);
    const version1 = (await kv.get("task:text-to-sql"))!;
    await revise("/adapters/sql-lora-v2");
    // Another isolate served version 2 and moved the engine on, while the task copy this one reads still lags.
    vllm.loaded.set("sql-lora", "/adapters/sql-lora-v2");
    await kv.put("task:text-to-sql", version1);
    clearLoadCache();
    clearRegistryCache();
    const res = await chat({}, task);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-inflight-adapter")).toContain("version=2");
    expect(vllm.loaded.get("sql-lora")).toBe("/adapters/sql-lora-v2");
    expect(calls("vllm.test").filter((c) => c.endsWith("load_lora_adapter"))).toHaveLength(1);
  });
});
