import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAdapterRegistry, REGISTRY_CACHE_TTL_MS } from "../../src/adapters/registry";
import { AdapterInputSchema, type AdapterInput } from "../../src/adapters/schema";
import { putTensor, TENSOR_PREFIX } from "../../src/adapters/tensor/store";
import { entryOf, vllmInput } from "./entries";
import { kv, resetRegistry } from "./kv";

const registry = () => createAdapterRegistry(kv, () => new Date("2026-11-25T12:00:00.000Z"));
const fields = (overrides: Partial<AdapterInput> = {}) => AdapterInputSchema.parse(vllmInput(overrides));

beforeEach(resetRegistry);
afterEach(() => {
  vi.useRealTimers();
});

describe("adapter registry in KV", () => {
  it("stores the entry under adapter:<id> and a whole copy under task:<task>", async () => {
    const created = await registry().put(fields(), "create");
    expect(created).toMatchObject({
      ok: true,
      value: { id: "sql-lora", version: 1, updatedAt: "2026-11-25T12:00:00.000Z" },
    });
    expect(await kv.get("adapter:sql-lora", "json")).toEqual(created.ok && created.value);
    expect(await kv.get("task:text-to-sql", "json")).toEqual(created.ok && created.value);
  });

  it("bumps the version on every write and removes task keys an update drops", async () => {
    const r = registry();
    await r.put(fields({ tasks: ["text-to-sql", "sql-explain"] }), "create");
    const updated = await r.put(fields({ tasks: ["text-to-sql"] }), "replace");
    expect(updated).toMatchObject({ ok: true, value: { version: 2 } });
    expect(await kv.get("task:sql-explain")).toBeNull();
    expect(await r.setEnabled("sql-lora", false)).toMatchObject({ ok: true, value: { version: 3, enabled: false } });
    expect(await kv.get("task:text-to-sql", "json")).toMatchObject({ enabled: false, version: 3 });
  });

  it("refuses a duplicate id, a replace of a missing id and a task another adapter serves", async () => {
    const r = registry();
    await r.put(fields(), "create");
    expect(await r.put(fields(), "create")).toEqual({ ok: false, error: { reason: "exists", id: "sql-lora" } });
    expect(await r.put(fields({ id: "other" }), "replace")).toEqual({
      ok: false,
      error: { reason: "not_found", id: "other" },
    });
    expect(await r.put(fields({ id: "other" }), "create")).toEqual({
      ok: false,
      error: { reason: "task_taken", task: "text-to-sql", adapter: "sql-lora" },
    });
    expect(await kv.get("adapter:other")).toBeNull();
  });

  it("deletes an adapter with its task keys, and lists adapters and tasks", async () => {
    const r = registry();
    await r.put(fields(), "create");
    await r.put(
      fields({ id: "sum-lora", tasks: ["summarize", "tldr"], lora: { name: "sum", source: "/a/sum", rank: 8 } }),
      "create",
    );
    expect((await r.list()).ok && (await r.list())).toMatchObject({ value: [{ id: "sql-lora" }, { id: "sum-lora" }] });
    expect(await r.tasks()).toMatchObject({
      ok: true,
      value: [
        { task: "summarize", adapter: "sum-lora" },
        { task: "text-to-sql", adapter: "sql-lora", engine: "vllm", enabled: true, version: 1 },
        { task: "tldr" },
      ],
    });
    expect(await r.remove("sum-lora")).toMatchObject({ ok: true, value: { id: "sum-lora" } });
    expect(await kv.get("task:summarize")).toBeNull();
    expect(await r.forTask("tldr")).toEqual({ ok: true, value: null });
  });

  it("reports a corrupt stored entry instead of routing to it", async () => {
    await kv.put("task:broken", JSON.stringify({ id: "x" }));
    expect(await registry().forTask("broken")).toMatchObject({
      ok: false,
      error: expect.stringContaining("task:broken"),
    });
  });
});

describe("isolate cache", () => {
  it("serves a task from the isolate until the TTL passes, then reads KV again", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-25T12:00:00.000Z"));
    const r = registry();
    expect(await r.forTask("text-to-sql")).toEqual({ ok: true, value: null });
    // Another location writes the task; this isolate keeps its cached answer for the TTL.
    const elsewhere = entryOf(vllmInput());
    await kv.put("task:text-to-sql", JSON.stringify(elsewhere));
    vi.setSystemTime(Date.now() + REGISTRY_CACHE_TTL_MS - 1);
    expect(await r.forTask("text-to-sql")).toEqual({ ok: true, value: null });
    vi.setSystemTime(Date.now() + 1);
    expect(await r.forTask("text-to-sql")).toEqual({ ok: true, value: elsewhere });
  });

  it("sees its own isolate's writes at once", async () => {
    const r = registry();
    await r.put(fields(), "create");
    expect(await r.forTask("text-to-sql")).toMatchObject({ value: { enabled: true } });
    await r.setEnabled("sql-lora", false);
    expect(await r.forTask("text-to-sql")).toMatchObject({ value: { enabled: false } });
    await r.remove("sql-lora");
    expect(await r.forTask("text-to-sql")).toEqual({ ok: true, value: null });
  });
});

describe("prompt tensors", () => {
  const prompt = { id: "sql-prompt", virtualTokens: 4, hiddenSize: 8 };
  const tensor = { sha256: "a".repeat(64), dtype: "float32" as const, shape: [4, 8] as [number, number], bytes: 1169 };
  const expiry = async (sha256: string) =>
    (await kv.list({ prefix: TENSOR_PREFIX })).keys.find((key) => key.name === TENSOR_PREFIX + sha256)?.expiration;

  it("keeps the uploaded tensor across a replace that keeps the prompt's shape, and drops it otherwise", async () => {
    const r = registry();
    await r.put(fields({ prompt }), "create");
    await putTensor(kv, tensor.sha256, new Uint8Array([1, 2, 3]));
    expect(await r.setPromptTensor("sql-lora", tensor)).toMatchObject({
      ok: true,
      value: { version: 2, prompt: { tensor } },
    });
    expect(await r.put(fields({ prompt, packs: ["chat"] }), "replace")).toMatchObject({
      value: { version: 3, prompt: { tensor } },
    });
    expect(await expiry(tensor.sha256)).toBeUndefined();
    const reshaped = await r.put(fields({ prompt: { ...prompt, hiddenSize: 16 } }), "replace");
    expect(reshaped.ok && reshaped.value.prompt).toEqual({ ...prompt, hiddenSize: 16, position: "system-start" });
    // Isolates still serving the previous entry keep reading it until it expires.
    expect(await kv.get(TENSOR_PREFIX + tensor.sha256)).not.toBeNull();
    expect(await expiry(tensor.sha256)).toBeGreaterThan(Date.now() / 1000);
  });

  it("refuses a tensor written by hand, and an upload for an adapter without a prompt", async () => {
    const r = registry();
    await r.put(fields(), "create");
    expect(await r.put(fields({ prompt: { ...prompt, tensor } }), "replace")).toEqual({
      ok: false,
      error: { reason: "prompt_tensor_given", id: "sql-lora" },
    });
    expect(await r.setPromptTensor("sql-lora", tensor)).toEqual({
      ok: false,
      error: { reason: "prompt_not_declared", id: "sql-lora" },
    });
  });

  it("lets a deleted adapter's tensor expire only when no other adapter uses it", async () => {
    const r = registry();
    await putTensor(kv, tensor.sha256, new Uint8Array([1]));
    for (const [id, task] of [
      ["sql-lora", "text-to-sql"],
      ["sql-lora-b", "sql-b"],
    ]) {
      await r.put(fields({ id, tasks: [task!], prompt }), "create");
      await r.setPromptTensor(id!, tensor);
    }
    await r.remove("sql-lora");
    expect(await expiry(tensor.sha256)).toBeUndefined();
    await r.remove("sql-lora-b");
    expect(await expiry(tensor.sha256)).toBeGreaterThan(Date.now() / 1000);
  });
});
