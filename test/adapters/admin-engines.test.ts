import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { chatFrames } from "../helpers/fake-upstream";
import { admin, chat } from "./app";
import { vllmInput } from "./entries";
import { fakeEngines, sglang, vllm } from "./fakes";
import { resetRegistry } from "./kv";

const BASE = "meta-llama/Llama-3.1-8B-Instruct";
const keyed = { kind: "vllm", baseUrl: "http://vllm.test/v1", apiKeySecret: "ADAPTER_KEY_VLLM" } as const;
const sglangBackend = { kind: "sglang", baseUrl: "http://sglang.test/v1" } as const;

function engines(options: Partial<Parameters<typeof vllm>[0]> = {}) {
  const vllmEngine = vllm({ base: BASE, ...options });
  const sglangEngine = sglang({ base: BASE, adapters: {} });
  const logs = fakeEngines({ "vllm.test": vllmEngine, "sglang.test": sglangEngine }, chatFrames(["SELECT 1;"]));
  const calls = (host: string) => logs[host]!.requests.map((r) => `${r.method} ${r.path}`);
  return { vllm: vllmEngine, sglang: sglangEngine, logs, calls };
}

beforeEach(resetRegistry);
afterEach(() => {
  vi.restoreAllMocks();
});

describe("engines follow the registry", () => {
  it("unloads a deleted vLLM adapter with the backend's key, and says so", async () => {
    const { vllm, logs, calls } = engines({ loaded: { "sql-lora": "/models/adapters/sql-lora" } });
    await admin("POST", "/adapters", vllmInput({ backend: keyed }));
    const res = await admin("DELETE", "/adapters/sql-lora");
    expect(await res.json()).toMatchObject({
      id: "sql-lora",
      engine: [{ action: "unload", host: "vllm.test", lora: "sql-lora", outcome: "unloaded" }],
    });
    expect(calls("vllm.test")).toEqual(["POST /v1/unload_lora_adapter"]);
    expect(logs["vllm.test"]!.requests[0]!.body).toEqual({ lora_name: "sql-lora" });
    expect(logs["vllm.test"]!.requests[0]!.headers.get("authorization")).toBe("Bearer sk-vllm-backend");
    expect(vllm.loaded.has("sql-lora")).toBe(false);
  });

  it("unloads on disable, and loads again on the first request after enable", async () => {
    const { vllm, calls } = engines();
    await admin("POST", "/adapters", vllmInput());
    expect((await chat({}, { "x-inflight-task": "text-to-sql" })).status).toBe(200);
    expect(vllm.loaded.has("sql-lora")).toBe(true);
    expect(await (await admin("POST", "/adapters/sql-lora/disable")).json()).toMatchObject({
      enabled: false,
      engine: [{ action: "unload", outcome: "unloaded" }],
    });
    expect(vllm.loaded.has("sql-lora")).toBe(false);
    const enabled = await (await admin("POST", "/adapters/sql-lora/enable")).json();
    expect(enabled).toMatchObject({ enabled: true });
    expect(enabled).not.toHaveProperty("engine");
    expect((await chat({}, { "x-inflight-task": "text-to-sql" })).status).toBe(200);
    expect(calls("vllm.test").slice(-3)).toEqual([
      "GET /v1/models",
      "POST /v1/load_lora_adapter",
      "POST /v1/chat/completions",
    ]);
  });

  it("keeps a LoRA another enabled adapter serves on the same engine", async () => {
    const { calls } = engines({ loaded: { "sql-lora": "/models/adapters/sql-lora" } });
    await admin("POST", "/adapters", vllmInput());
    await admin("POST", "/adapters", vllmInput({ id: "sql-lora-2", tasks: ["sql-explain"] }));
    expect(await (await admin("DELETE", "/adapters/sql-lora")).json()).toMatchObject({
      engine: [{ action: "unload", outcome: "kept" }],
    });
    expect(calls("vllm.test")).toEqual([]);
  });

  it("reports that vLLM without runtime LoRA updating cannot unload", async () => {
    engines({ runtimeLoading: false, loaded: { "sql-lora": "/models/adapters/sql-lora" } });
    await admin("POST", "/adapters", vllmInput());
    expect(await (await admin("DELETE", "/adapters/sql-lora")).json()).toMatchObject({
      engine: [{ action: "unload", outcome: "unsupported" }],
    });
  });

  it("reloads a new revision in place on vLLM at once (load_inplace), so the same name serves the new weights", async () => {
    const { vllm, logs, calls } = engines({ loaded: { "sql-lora": "/models/adapters/sql-lora" } });
    await admin("POST", "/adapters", vllmInput());
    const lora = { name: "sql-lora", source: "/models/adapters/sql-lora-v2", rank: 16 };
    const res = await admin("PUT", "/adapters/sql-lora", vllmInput({ lora }));
    expect(await res.json()).toMatchObject({ version: 2, engine: [{ action: "reload", outcome: "reloaded" }] });
    expect(calls("vllm.test")).toEqual(["GET /v1/models", "POST /v1/load_lora_adapter"]);
    expect(logs["vllm.test"]!.requests[1]!.body).toEqual({
      lora_name: "sql-lora",
      lora_path: "/models/adapters/sql-lora-v2",
      load_inplace: true,
    });
    expect(vllm.loaded.get("sql-lora")).toBe("/models/adapters/sql-lora-v2");
  });

  it("says when a vLLM without load_inplace kept the old weights", async () => {
    engines({ loadInplace: false, loaded: { "sql-lora": "/models/adapters/sql-lora" } });
    await admin("POST", "/adapters", vllmInput());
    const lora = { name: "sql-lora", source: "/models/adapters/sql-lora-v2", rank: 16 };
    expect(await (await admin("PUT", "/adapters/sql-lora", vllmInput({ lora }))).json()).toMatchObject({
      engine: [{ action: "reload", outcome: "failed", detail: expect.stringContaining("load_inplace") }],
    });
  });

  it("unloads the old LoRA when the adapter moves to another name", async () => {
    const { vllm } = engines({ loaded: { "sql-lora": "/models/adapters/sql-lora" } });
    await admin("POST", "/adapters", vllmInput());
    const lora = { name: "sql-lora-b", source: "/models/adapters/sql-lora-b", rank: 16 };
    expect(await (await admin("PUT", "/adapters/sql-lora", vllmInput({ lora }))).json()).toMatchObject({
      engine: [{ action: "unload", lora: "sql-lora", outcome: "unloaded" }],
    });
    expect(vllm.loaded.has("sql-lora")).toBe(false);
  });

  it("SGLang: unloads and reloads at the server root, never under /v1", async () => {
    const { sglang, calls } = engines();
    sglang.loaded.set("sql-lora", "/models/adapters/sql-lora");
    await admin("POST", "/adapters", vllmInput({ backend: sglangBackend }));
    const lora = { name: "sql-lora", source: "/models/adapters/sql-lora-v2", rank: 16 };
    expect(
      await (await admin("PUT", "/adapters/sql-lora", vllmInput({ backend: sglangBackend, lora }))).json(),
    ).toMatchObject({
      engine: [{ action: "reload", outcome: "reloaded" }],
    });
    expect(sglang.loaded.get("sql-lora")).toBe("/models/adapters/sql-lora-v2");
    expect(await (await admin("DELETE", "/adapters/sql-lora")).json()).toMatchObject({
      engine: [{ action: "unload", outcome: "unloaded" }],
    });
    expect(calls("sglang.test")).toEqual([
      "GET /v1/models",
      "POST /unload_lora_adapter",
      "POST /load_lora_adapter",
      "POST /unload_lora_adapter",
    ]);
  });
});
