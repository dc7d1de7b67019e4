import { describe, expect, it } from "vitest";
import { createChatFormat } from "../../src/formats/chat";

const read = (data: unknown, event?: string) =>
  createChatFormat("chat").read({ data: typeof data === "string" ? data : JSON.stringify(data), event, id: undefined });

describe("engine errors inside a chat stream", () => {
  it("are errors in OpenAI's envelope whatever shape the engine gives them", () => {
    // vLLM and SGLang: {"error": {...}}, kept as sent.
    const nested = {
      error: { object: "error", message: "not loaded", type: "BadRequestError", param: null, code: 400 },
    };
    expect(read(nested)).toEqual({ kind: "error", body: nested });
    // TGI and LoRAX: {"error": "text", "error_type": "..."}.
    expect(read({ error: "Request failed during generation: x", error_type: "generation" })).toEqual({
      kind: "error",
      body: {
        error: { message: "Request failed during generation: x", type: "generation", code: null, param: null },
        error_type: "generation",
      },
    });
    // Older vLLM: the bare error object.
    expect(read({ object: "error", message: "boom", type: "InternalServerError", param: null, code: 500 })).toEqual({
      kind: "error",
      body: { error: { message: "boom", type: "InternalServerError", code: 500, param: null } },
    });
    expect(read("overloaded", "error")).toMatchObject({ kind: "error", body: { error: { message: "overloaded" } } });
  });

  it("are not read into a chunk that merely carries an empty error field", () => {
    const chunk = { id: "c1", choices: [{ index: 0, delta: { content: "hi" } }], error: null };
    expect(read(chunk)).toMatchObject({ kind: "data", texts: [{ text: "hi" }] });
  });
});
