import { describe, expect, it } from "vitest";
import { engineMessage, saysNotLoaded } from "../../src/adapters/engine-lifecycle";

describe("reading engine errors", () => {
  it("finds the message in every envelope the engines use", () => {
    expect(engineMessage(JSON.stringify({ error: { message: "nested", type: "NotFoundError", code: 404 } }))).toBe(
      "nested",
    );
    expect(
      engineMessage(JSON.stringify({ object: "error", message: "flat", type: "BadRequestError", code: 400 })),
    ).toBe("flat");
    expect(engineMessage(JSON.stringify({ error: "text", error_type: "generation" }))).toBe("text");
    expect(engineMessage(JSON.stringify({ success: false, error_message: "sglang" }))).toBe("sglang");
    expect(engineMessage(JSON.stringify({ detail: "Not Found" }))).toBe("Not Found");
    expect(engineMessage("plain")).toBe("plain");
  });
});

describe("when an engine says a LoRA is not loaded", () => {
  const vllm404 = (message: string, status = 404) =>
    saysNotLoaded(
      "vllm",
      "sql-lora",
      status,
      JSON.stringify({ error: { message, type: "NotFoundError", code: status } }),
    );

  it("vLLM: only its exact 404 for this model counts, in either envelope", () => {
    expect(vllm404("The model `sql-lora` does not exist.")).toBe(true);
    expect(
      saysNotLoaded(
        "vllm",
        "sql-lora",
        404,
        JSON.stringify({ object: "error", message: "The model `sql-lora` does not exist." }),
      ),
    ).toBe(true);
    // Things that say "not found" or name another model are other refusals: no load, no retry.
    expect(vllm404("The model `sql-lora` does not exist.", 400)).toBe(false);
    expect(vllm404("The model `other` does not exist.")).toBe(false);
    expect(vllm404("LoRA adapter sql-lora does not exist")).toBe(false);
    expect(vllm404("Loading lora sql-lora failed: No adapter found for /a")).toBe(false);
    expect(saysNotLoaded("vllm", "sql-lora", 400, JSON.stringify({ error: { message: "prompt not found" } }))).toBe(
      false,
    );
  });

  it("SGLang: its 'not loaded' error for this adapter, before or inside the stream", () => {
    const message = "The following requested LoRA adapters are not loaded: sum\nLoaded adapters: {'x'}.";
    expect(saysNotLoaded("sglang", "sum", 400, JSON.stringify({ object: "error", message }))).toBe(true);
    expect(saysNotLoaded("sglang", "sum", 502, JSON.stringify({ error: { object: "error", message } }))).toBe(true);
    expect(saysNotLoaded("sglang", "sum", 400, JSON.stringify({ object: "error", message: "sum: not found" }))).toBe(
      false,
    );
  });
});
