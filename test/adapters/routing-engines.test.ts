import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AdapterInput } from "../../src/adapters/schema";
import { chatFrames, dataEvents } from "../helpers/fake-upstream";
import { chat, teamApp } from "./app";
import { lorax, sglang, tgi } from "./fakes";
import { resetRegistry } from "./kv";
import { adapters, BASE, engines, register } from "./world";

const [, sumLora, classifyLora, extractLora] = adapters as [AdapterInput, AdapterInput, AdapterInput, AdapterInput];

beforeEach(resetRegistry);
afterEach(() => {
  vi.restoreAllMocks();
});

describe("SGLang", () => {
  it("names the adapter in lora_path, which every release reads", async () => {
    await register([sumLora]);
    const old = sglang({ base: BASE, adapters: { sum: "/adapters/sum" }, modelSyntax: false });
    engines({ "sglang.test": old });
    expect((await chat({}, { "x-inflight-task": "summarize" })).status).toBe(200);
    expect(old.served).toEqual(["sum"]);
  });

  it("with adapterInModel also sends base:adapter, which SGLang splits at its first colon", async () => {
    await register([
      {
        ...sumLora,
        backend: { kind: "sglang", baseUrl: "http://sglang.test/v1", adapterInModel: true },
        lora: { name: "sum:v2", source: "/adapters/sum-v2", rank: 8 },
      },
    ]);
    const engine = sglang({ base: BASE, adapters: { "sum:v2": "/adapters/sum-v2" } });
    const { logs } = engines({ "sglang.test": engine });
    expect((await chat({}, { "x-inflight-task": "summarize" })).status).toBe(200);
    expect(logs["sglang.test"]!.streamed[0]!.body).toMatchObject({ model: `${BASE}:sum:v2`, lora_path: "sum:v2" });
    expect(engine.served).toEqual(["sum:v2"]);
  });

  it("loads an adapter it does not list at the server root, never under /v1", async () => {
    await register([sumLora]);
    const engine = sglang({ base: BASE, adapters: {} });
    const { logs, calls } = engines({ "sglang.test": engine });
    expect((await chat({}, { "x-inflight-task": "summarize" })).status).toBe(200);
    expect(calls("sglang.test")).toEqual(["GET /v1/models", "POST /load_lora_adapter", "POST /v1/chat/completions"]);
    expect(logs["sglang.test"]!.requests[1]!.body).toEqual({ lora_name: "sum", lora_path: "/adapters/sum" });
    expect(engine.served).toEqual(["sum"]);
  });

  it("takes 'already loaded' as ready on releases whose /v1/models lists no adapters", async () => {
    await register([sumLora]);
    const engine = sglang({ base: BASE, adapters: { sum: "/adapters/sum" }, listsAdapters: false });
    const { calls } = engines({ "sglang.test": engine });
    expect((await chat({}, { "x-inflight-task": "summarize" })).status).toBe(200);
    expect(calls("sglang.test")).toEqual(["GET /v1/models", "POST /load_lora_adapter", "POST /v1/chat/completions"]);
  });

  for (const kickStart of [false, true]) {
    it(`after a restart, loads the adapter and retries when SGLang says it is not loaded (${kickStart ? "400" : "inside a 200 stream"})`, async () => {
      await register([sumLora]);
      const engine = sglang({ base: BASE, adapters: {}, kickStart });
      const { calls } = engines({ "sglang.test": engine });
      await chat({}, { "x-inflight-task": "summarize" });
      engine.restart();
      const res = await chat({ stream: true }, { "x-inflight-task": "summarize" });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('"finish_reason":"stop"');
      expect(calls("sglang.test").slice(3)).toEqual([
        "POST /v1/chat/completions",
        "GET /v1/models",
        "POST /load_lora_adapter",
        "POST /v1/chat/completions",
      ]);
      expect(engine.served).toEqual(["sum", "sum"]);
    });
  }

  it("answers a missing adapter it cannot load as a 502 upstream error, with usage recorded, not as an empty answer", async () => {
    await register([sumLora]);
    const disk = ["/adapters/sum"];
    const engine = sglang({ base: BASE, adapters: {}, disk });
    engines({ "sglang.test": engine });
    const team = teamApp({ enforced: [], defaults: [], defaultTask: "summarize" });
    expect((await team.chat({})).status).toBe(200);
    engine.restart();
    disk.pop();
    const res = await team.chat({ stream: true });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      error: { message: expect.stringContaining("The following requested LoRA adapters are not loaded: sum") },
    });
    expect(team.records.at(-1)).toMatchObject({ task: "summarize", outcome: "upstream_error" });
  });
});

describe("TGI", () => {
  it("labels the adapter unverified: for an id it does not have, TGI answers 200 from the base model", async () => {
    await register([{ ...extractLora, lora: { name: "acme/unknown", source: "acme/unknown", rank: 8 } }]);
    const engine = tgi({ base: BASE, adapters: ["acme/extract-lora"] });
    engines({ "tgi.test": engine });
    const res = await chat({}, { "x-inflight-task": "extract" });
    expect(res.status).toBe(200);
    expect(engine.served).toEqual([null]);
    expect(res.headers.get("x-inflight-adapter")).toBe(
      "extract-lora; version=1; task=extract; by=header; engine=tgi; lora=unverified",
    );
  });
});

describe("LoRAX", () => {
  it("answers an adapter download failure inside the stream with 502 to a streaming client, usage recorded", async () => {
    await register([{ ...classifyLora, lora: { name: "c", source: "/data/adapters/missing", rank: 8 } }]);
    engines();
    const team = teamApp({ enforced: [], defaults: [], defaultTask: "classify" });
    const res = await team.chat({ stream: true });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-inflight-adapter")).toContain("classify-lora");
    expect(await res.json()).toEqual({
      error: {
        message: "Request failed during generation: Server error: adapter /data/adapters/missing not found in local",
        type: "generation",
        code: null,
        param: null,
      },
      error_type: "generation",
    });
    expect(team.records).toEqual([
      expect.objectContaining({
        task: "classify",
        outcome: "upstream_error",
        promptTokens: expect.any(Number),
        completionTokens: 0,
      }),
    ]);
  });

  it("answers the same failure to a client that does not stream with 502, never LoRAX's 424 or an empty answer", async () => {
    await register([{ ...classifyLora, lora: { name: "c", source: "/data/adapters/missing", rank: 8 } }]);
    engines();
    const res = await chat({}, { "x-inflight-task": "classify" });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      error: { type: "generation", message: expect.stringContaining("missing") },
    });
  });

  it("sends a download token only as api_token, from its own secret, and never the client's credentials", async () => {
    await register([
      {
        ...classifyLora,
        backend: {
          kind: "lorax",
          baseUrl: "http://lorax.test/v1",
          adapterSource: "hub",
          downloadTokenSecret: "ADAPTER_KEY_HF",
        },
        lora: { name: "c", source: "acme/private-classify", rank: 8 },
      },
    ]);
    const engine = lorax({
      base: BASE,
      available: { hub: ["acme/private-classify"] },
      private: { "acme/private-classify": "hf-download-token" },
    });
    const { logs } = engines({ "lorax.test": engine });
    const res = await chat(
      { api_token: "client-token", adapter_source: "s3", lora_path: "x" },
      { "x-inflight-task": "classify", authorization: "Bearer client-key" },
    );
    expect(res.status).toBe(200);
    const seen = logs["lorax.test"]!.streamed[0]!;
    expect(seen.headers.get("authorization")).toBeNull();
    expect(seen.body).toMatchObject({
      model: "acme/private-classify",
      adapter_source: "hub",
      api_token: "hf-download-token",
    });
    expect(seen.body).not.toHaveProperty("lora_path");
    expect(engine.downloadTokens).toEqual(["hf-download-token"]);
  });

  it("without a download token LoRAX gets none at all, so a private adapter fails instead of borrowing a key", async () => {
    await register([
      {
        ...classifyLora,
        backend: { kind: "lorax", baseUrl: "http://lorax.test/v1", adapterSource: "hub" },
        lora: { name: "c", source: "acme/private-classify", rank: 8 },
      },
    ]);
    const engine = lorax({
      base: BASE,
      available: { hub: ["acme/private-classify"] },
      private: { "acme/private-classify": "t" },
    });
    engines({ "lorax.test": engine });
    const res = await chat({ api_token: "client-token" }, { "x-inflight-task": "classify" });
    expect(res.status).toBe(502);
    expect(engine.downloadTokens).toEqual([null]);
  });
});

describe("engine errors inside a 200 stream", () => {
  const broken = (error: unknown) => [...chatFrames(["SELECT "]).slice(0, 2), `data: ${JSON.stringify(error)}\n\n`];

  it("are upstream errors after text too: the streaming client gets the error event, metering says upstream_error", async () => {
    await register();
    engines({}, broken({ error: { message: "CUDA out of memory", type: "InternalServerError", code: 500 } }));
    const team = teamApp({ enforced: [], defaults: [], defaultTask: "text-to-sql" });
    const res = await team.chat({ stream: true });
    expect(res.status).toBe(200);
    expect(dataEvents(await res.text()).at(-1)).toMatchObject({ error: { message: "CUDA out of memory" } });
    expect(team.records.at(-1)).toMatchObject({ outcome: "upstream_error" });
  });

  it("reach a client that does not stream as 502 in OpenAI's envelope, whatever the engine's shape", async () => {
    await register();
    engines({}, broken({ error: "Request failed during generation: boom", error_type: "generation" }));
    const res = await chat({}, { "x-inflight-task": "extract" });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      error: { message: "Request failed during generation: boom", type: "generation", code: null, param: null },
    });
  });
});
