import { describe, expect, it } from "vitest";
import { AdapterInputSchema } from "../../src/adapters/schema";
import { readConfig } from "../../src/config";
import { compilePack, formatPackError } from "../../src/engine/compile";
import { CreateKeySchema } from "../../src/http/admin/keys";
import { validationError } from "../../src/http/admin/validation";
import { parseCompletionRequest } from "../../src/proxy/request";
import { parseMessagesRequest } from "../../src/proxy/request-anthropic";
import * as z from "../../src/zod";

// zod/mini has no messages of its own: without the English locale that src/zod.ts installs, every line below would
// read "Invalid input". These are the exact words the API, the pack loader and the admin API have always shown.
describe("schema error messages, in zod's English wording", () => {
  it("names the pack file, the dotted path and the bound a rule parameter breaks", () => {
    const result = compilePack(
      {
        name: "p",
        description: "d",
        rules: [
          { id: "a", validator: "length-budget", params: { maxTokens: 0 }, message: "m" },
          { id: "b", validator: "regex", params: { pattern: "x", mode: "sometimes" }, message: "m" },
        ],
      },
      "rules/math.yaml",
    );
    expect(result.ok ? "" : formatPackError(result.error)).toBe(
      [
        "rules/math.yaml: rules.0.params.maxTokens: Too small: expected number to be >0",
        'rules/math.yaml: rules.1.params.mode: Invalid option: expected one of "must_not_match"|"must_match"',
      ].join("\n"),
    );
  });

  it("says which request field is invalid and why, or that it is missing", () => {
    const chat = (body: Record<string, unknown>) =>
      parseCompletionRequest("chat", { model: "m", messages: [{ role: "user", content: "x" }], ...body });
    expect(chat({ n: 0 })).toEqual({
      ok: false,
      error: { message: "Invalid value for 'n': Too small: expected number to be >=1", param: "n" },
    });
    expect(chat({ max_tokens: 1.5 })).toEqual({
      ok: false,
      error: {
        message: "Invalid value for 'max_tokens': Invalid input: expected int, received number",
        param: "max_tokens",
      },
    });
    expect(parseCompletionRequest("chat", { model: "m" })).toEqual({
      ok: false,
      error: { message: "Missing required parameter: 'messages'.", param: "messages" },
    });
    expect(parseMessagesRequest({ model: "m", max_tokens: "5", messages: [{ role: "user", content: "x" }] })).toEqual({
      ok: false,
      error: {
        message: "Invalid value for 'max_tokens': Invalid input: expected number, received string",
        param: "max_tokens",
      },
    });
  });

  it("lists every admin field at fault in `details`, each under its path", async () => {
    const parsed = CreateKeySchema.safeParse({ team: "Bad Team", name: "" });
    expect(parsed.success).toBe(false);
    expect(await validationError(parsed.error!).json()).toEqual({
      error: {
        message:
          "Invalid team: a team name is 1-64 lowercase letters, digits, `-` or `_`, starting with a letter or digit",
        type: "invalid_request_error",
        code: "invalid_field",
        param: "team",
        details: [
          "✖ a team name is 1-64 lowercase letters, digits, `-` or `_`, starting with a letter or digit",
          "  → at team",
          "✖ Too small: expected string to have >=1 characters",
          "  → at name",
        ].join("\n"),
      },
    });
  });

  it("names a variable of the wrong shape in the configuration error", () => {
    expect(() => readConfig({ MAX_REQUEST_BYTES: "lots" })).toThrow(
      "invalid configuration MAX_REQUEST_BYTES: Invalid input: expected number, received NaN",
    );
  });

  it("prints an invalid adapter's issues with their dotted paths", () => {
    const parsed = AdapterInputSchema.safeParse({
      id: "x",
      tasks: [],
      backend: { kind: "vllm", baseUrl: "ftp://x" },
      baseModel: "m",
    });
    expect(z.prettifyError(parsed.error!)).toBe(
      [
        "✖ an adapter serves at least one task",
        "  → at tasks",
        "✖ a `vllm` backend needs lora {name, source, rank}",
        "  → at lora",
        "✖ must be an http(s) URL",
        "  → at backend.baseUrl",
      ].join("\n"),
    );
  });
});
