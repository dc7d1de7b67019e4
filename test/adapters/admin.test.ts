import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { call, admin } from "./app";
import { vllmInput } from "./entries";
import { fakeEngines, vllm } from "./fakes";
import { kv, resetRegistry } from "./kv";

beforeEach(async () => {
  await resetRegistry();
  // Disabling and deleting an adapter unloads it from its engine.
  fakeEngines({ "vllm.test": vllm({ base: "meta-llama/Llama-3.1-8B-Instruct" }) }, []);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("admin routes for adapters", () => {
  it("refuses requests without the admin token and writes nothing", async () => {
    const res = await call("/admin/adapters", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(vllmInput()),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_admin_token" } });
    expect(await kv.get("adapter:sql-lora")).toBeNull();
    expect((await call("/admin/tasks", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  });

  it("creates, reads, updates, disables, enables and deletes an adapter", async () => {
    const created = await admin("POST", "/adapters", vllmInput({ packs: ["chat"] }));
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: "sql-lora", version: 1, enabled: true, packs: ["chat"] });
    expect(await (await admin("GET", "/adapters/sql-lora")).json()).toMatchObject({ id: "sql-lora", version: 1 });

    const { id: _id, ...withoutId } = vllmInput({ tasks: ["text-to-sql", "sql-explain"] });
    const updated = await admin("PUT", "/adapters/sql-lora", withoutId);
    expect(await updated.json()).toMatchObject({ version: 2, tasks: ["text-to-sql", "sql-explain"] });

    expect(await (await admin("POST", "/adapters/sql-lora/disable")).json()).toMatchObject({
      enabled: false,
      version: 3,
    });
    expect(await (await admin("GET", "/tasks")).json()).toEqual({
      object: "list",
      data: [
        { task: "sql-explain", adapter: "sql-lora", enabled: false, engine: "vllm", version: 3 },
        { task: "text-to-sql", adapter: "sql-lora", enabled: false, engine: "vllm", version: 3 },
      ],
    });
    expect(await (await admin("POST", "/adapters/sql-lora/enable")).json()).toMatchObject({
      enabled: true,
      version: 4,
    });
    expect(await (await admin("GET", "/adapters")).json()).toMatchObject({
      object: "list",
      data: [{ id: "sql-lora", version: 4 }],
    });

    expect((await admin("DELETE", "/adapters/sql-lora")).status).toBe(200);
    expect((await admin("GET", "/adapters/sql-lora")).status).toBe(404);
    expect(await (await admin("GET", "/tasks")).json()).toEqual({ object: "list", data: [] });
  });

  it("names the field at fault in an invalid entry", async () => {
    const res = await admin("POST", "/adapters", { ...vllmInput(), lora: { name: "x", source: "/x", rank: 0 } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "invalid_adapter", param: "lora.rank" },
    });
  });

  it("refuses a rule pack that is not shipped, listing the known ones", async () => {
    const res = await admin("POST", "/adapters", vllmInput({ packs: ["nope"] }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "unknown_rule_pack", param: "packs", message: expect.stringContaining("default") },
    });
  });

  it("answers conflicts with 409: an existing id, a task another adapter serves", async () => {
    await admin("POST", "/adapters", vllmInput());
    expect(await (await admin("POST", "/adapters", vllmInput())).json()).toMatchObject({
      error: { code: "adapter_exists" },
    });
    const taken = await admin("POST", "/adapters", vllmInput({ id: "sql-lora-2" }));
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({
      error: { code: "task_taken", task: "text-to-sql", adapter: "sql-lora" },
    });
  });

  it("refuses a body whose id differs from the path, and unknown adapters", async () => {
    await admin("POST", "/adapters", vllmInput());
    expect(await (await admin("PUT", "/adapters/sql-lora", vllmInput({ id: "other" }))).json()).toMatchObject({
      error: { code: "invalid_adapter", param: "id" },
    });
    expect((await admin("POST", "/adapters/missing/disable")).status).toBe(404);
    expect((await admin("DELETE", "/adapters/missing")).status).toBe(404);
  });
});

describe("registering only what inflight can send", () => {
  it("refuses an adapter naming a secret the Worker does not have, naming the secret and never a value", async () => {
    const backend = { kind: "vllm", baseUrl: "http://vllm.test/v1", apiKeySecret: "ADAPTER_KEY_MISSING" } as const;
    const res = await admin("POST", "/adapters", vllmInput({ backend }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message:
          "The secret ADAPTER_KEY_MISSING named in backend.apiKeySecret is not set on this Worker: set it first (wrangler secret put ADAPTER_KEY_MISSING).",
        type: "invalid_request_error",
        code: "adapter_secret_missing",
        param: "backend.apiKeySecret",
      },
    });
    expect(await kv.get("adapter:sql-lora")).toBeNull();
    const lorax = { kind: "lorax", baseUrl: "http://lorax.test/v1", downloadTokenSecret: "ADAPTER_KEY_NOPE" } as const;
    expect(await (await admin("POST", "/adapters", vllmInput({ backend: lorax }))).json()).toMatchObject({
      error: { code: "adapter_secret_missing", param: "backend.downloadTokenSecret" },
    });
  });

  it("refuses to enable an adapter whose secret has gone since it was registered", async () => {
    const backend = { kind: "vllm", baseUrl: "http://vllm.test/v1", apiKeySecret: "ADAPTER_KEY_VLLM" } as const;
    await admin("POST", "/adapters", vllmInput({ backend, enabled: false }));
    const res = await admin("POST", "/adapters/sql-lora/enable", undefined, { ADAPTER_KEY_VLLM: undefined });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "adapter_secret_missing", param: "backend.apiKeySecret" },
    });
    expect(await (await admin("GET", "/adapters/sql-lora")).json()).toMatchObject({ enabled: false, version: 1 });
  });

  it("refuses base URLs that would send the backend key where it must not go", async () => {
    const post = (baseUrl: string, env: Record<string, unknown> = {}) =>
      admin("POST", "/adapters", vllmInput({ backend: { kind: "vllm", baseUrl } }), env);
    const refused = await post("http://vllm.example.com/v1");
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: {
        code: "invalid_adapter",
        param: "backend.baseUrl",
        message: expect.stringContaining("plain http would send the backend's key in clear"),
      },
    });
    expect(
      await (await post("http://169.254.169.254/v1", { ADAPTER_ALLOWED_HOSTS: "169.254.0.0/16" })).json(),
    ).toMatchObject({
      error: { param: "backend.baseUrl", message: expect.stringContaining("never allowed") },
    });
    expect(await (await post("https://127.0.0.1:8000/v1")).json()).toMatchObject({
      error: { message: expect.stringContaining("ADAPTER_ALLOWED_HOSTS") },
    });
    expect((await post("http://127.0.0.1:8000/v1", { ADAPTER_ALLOWED_HOSTS: "127.0.0.1" })).status).toBe(201);
  });

  it("answers a malformed ADAPTER_ALLOWED_HOSTS with a configuration error, registering nothing", async () => {
    const res = await admin("POST", "/adapters", vllmInput(), { ADAPTER_ALLOWED_HOSTS: "10.0.0.0/99" });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_configuration" } });
    expect(await kv.get("adapter:sql-lora")).toBeNull();
  });
});
