import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseCompletionRequest } from "../../src/proxy/request";
import { parseMessagesRequest } from "../../src/proxy/request-anthropic";
import { MAX_JSON_DEPTH, tooDeep } from "../../src/proxy/request-content";
import { parseResponsesRequest } from "../../src/proxy/request-responses";
import { fakeUpstream, chatFrames } from "../helpers/fake-upstream";

afterEach(() => {
  vi.restoreAllMocks();
});

const chat = (messages: unknown[], extra: Record<string, unknown> = {}) =>
  parseCompletionRequest("chat", { model: "m", messages, ...extra });
const messages = (extra: Record<string, unknown>) =>
  parseMessagesRequest({ model: "m", max_tokens: 16, messages: [{ role: "user", content: "Hi" }], ...extra });
const responses = (extra: Record<string, unknown>) => parseResponsesRequest({ model: "m", input: "Hi", ...extra });
const paramOf = (result: { ok: boolean; error?: { param: string | null } }) =>
  result.ok ? "accepted" : result.error?.param;

/** `depth` tool results, each holding the next. */
function nestedToolResults(depth: number): unknown[] {
  let content: unknown[] = [{ type: "text", text: "deepest" }];
  for (let i = 0; i < depth; i++) content = [{ type: "tool_result", tool_use_id: `t${i}`, content }];
  return content;
}

describe("Chat Completions content", () => {
  it.each([
    ["an object as content", [{ role: "user", content: { a: 1 } }], "messages.0.content"],
    ["null content for a user", [{ role: "user", content: null }], "messages.0.content"],
    ["no content for a system message", [{ role: "system" }], "messages.0.content"],
    ["null content for a tool result", [{ role: "tool", tool_call_id: "c1", content: null }], "messages.0.content"],
    ["a number as a part", [{ role: "user", content: [5] }], "messages.0.content.0"],
    ["a part without a type", [{ role: "user", content: [{ text: "Hi" }] }], "messages.0.content.0.type"],
    ["a text part without text", [{ role: "user", content: [{ type: "text", text: 5 }] }], "messages.0.content.0.text"],
    ["a role that is not a string", [{ role: 1, content: "Hi" }], "messages.0.role"],
  ])("refuses %s with its dotted path", (_, list, param) => {
    expect(paramOf(chat(list))).toBe(param);
  });

  it("names the field in the message: missing or of the wrong type", () => {
    expect(chat([{ role: "system" }])).toMatchObject({
      ok: false,
      error: { message: "Missing required parameter: 'messages.0.content'." },
    });
    expect(chat([{ role: "user", content: { a: 1 } }])).toMatchObject({
      ok: false,
      error: { message: "Invalid value for 'messages.0.content': must be a string or an array of content parts" },
    });
  });

  it.each([
    [
      "assistant tool calls with null content",
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
    ],
    ["an assistant message without content", { role: "assistant", tool_calls: [] }],
    ["the old function role with null content", { role: "function", name: "f", content: null }],
    ["a developer message", { role: "developer", content: "Be brief." }],
    [
      "every user part type",
      {
        role: "user",
        content: [
          { type: "text", text: "Hi" },
          { type: "image_url", image_url: { url: "data:," } },
          { type: "input_audio", input_audio: { data: "", format: "wav" } },
          { type: "file", file: { file_id: "file-1" } },
        ],
      },
    ],
    ["a refusal part", { role: "assistant", content: [{ type: "refusal", refusal: "No." }] }],
    ["bare strings as parts", { role: "user", content: ["Hi", "there"] }],
    ["a role inflight does not know", { role: "ipython" }],
  ])("accepts %s", (_, message) => {
    expect(paramOf(chat([message]))).toBe("accepted");
  });
});

describe("Anthropic Messages system and content", () => {
  it.each([
    ["a number as system", { system: 5 }, "system"],
    ["an object as system", { system: { text: "x" } }, "system"],
    ["a number as a system block", { system: [5] }, "system.0"],
    ["a system text block without text", { system: [{ type: "text", text: 5 }] }, "system.0.text"],
    ["an object as content", { messages: [{ role: "user", content: { a: 1 } }] }, "messages.0.content"],
    ["null content", { messages: [{ role: "user", content: null }] }, "messages.0.content"],
    [
      "a block without a type",
      { messages: [{ role: "user", content: [{ text: "Hi" }] }] },
      "messages.0.content.0.type",
    ],
    [
      "a tool result holding an object",
      { messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: { a: 1 } }] }] },
      "messages.0.content.0.content",
    ],
    [
      "a text block nested in a tool result without text",
      {
        messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text" }] }] }],
      },
      "messages.0.content.0.content.0.text",
    ],
  ])("refuses %s with its dotted path", (_, extra, param) => {
    expect(paramOf(messages(extra))).toBe(param);
  });

  it.each([
    ["a system string", { system: "Be brief." }],
    [
      "system text blocks with cache control",
      { system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }] },
    ],
    ["a null system", { system: null }],
    [
      "every block a conversation carries",
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Look" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: "" } },
              { type: "document", source: { type: "text", media_type: "text/plain", data: "doc" } },
            ],
          },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "Hmm", signature: "s" },
              { type: "tool_use", id: "t", name: "f", input: { deep: { er: [1, 2] } } },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "t", content: "42" },
              {
                type: "tool_result",
                tool_use_id: "u",
                content: [
                  { type: "text", text: "ok" },
                  { type: "image", source: {} },
                ],
              },
              { type: "tool_result", tool_use_id: "v", is_error: true },
            ],
          },
          {
            role: "assistant",
            content: [
              {
                type: "web_search_tool_result",
                tool_use_id: "w",
                content: { type: "web_search_tool_result_error", error_code: "unavailable" },
              },
            ],
          },
        ],
      },
    ],
  ])("accepts %s", (_, extra) => {
    expect(paramOf(messages(extra))).toBe("accepted");
  });
});

describe("Responses input", () => {
  it.each([
    ["an object as a message's content", { input: [{ role: "user", content: { a: 1 } }] }, "input.0.content"],
    ["null content in a message", { input: [{ type: "message", role: "user", content: null }] }, "input.0.content"],
    [
      "an input_text part without text",
      { input: [{ role: "user", content: [{ type: "input_text", text: 5 }] }] },
      "input.0.content.0.text",
    ],
    [
      "a function call output that is an object",
      { input: [{ type: "function_call_output", call_id: "c", output: { a: 1 } }] },
      "input.0.output",
    ],
    ["a number as instructions", { instructions: 5 }, "instructions"],
    ["a background response", { background: true }, "background"],
  ])("refuses %s with its dotted path", (_, extra, param) => {
    expect(paramOf(responses(extra))).toBe(param);
  });

  it.each([
    ["a string", { input: "Hi" }],
    [
      "the items a conversation carries",
      {
        input: [
          {
            role: "user",
            content: [
              { type: "input_text", text: "Look" },
              { type: "input_image", image_url: "data:," },
              { type: "input_file", file_id: "file-1" },
            ],
          },
          { type: "message", role: "assistant", content: [{ type: "output_text", text: "Calling.", annotations: [] }] },
          { type: "reasoning", id: "rs_1", summary: [], content: null },
          { type: "function_call", call_id: "c", name: "f", arguments: "{}" },
          { type: "function_call_output", call_id: "c", output: "42" },
          { type: "function_call_output", call_id: "d", output: [{ type: "input_text", text: "ok" }] },
          { type: "item_reference", id: "msg_1" },
        ],
      },
    ],
    ["background off", { background: false }],
  ])("accepts %s", (_, extra) => {
    expect(paramOf(responses(extra))).toBe("accepted");
  });
});

describe("nesting", () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more, without recursion`, () => {
    const nest = (depth: number) => {
      let value: unknown = "x";
      for (let i = 0; i < depth; i++) value = [value];
      return value;
    };
    expect(tooDeep(nest(MAX_JSON_DEPTH))).toBeNull();
    expect(tooDeep(nest(MAX_JSON_DEPTH + 1))).toMatchObject({ param: "0.0.0.0.0.0" });
    // A million levels: a recursive walk would overflow the stack here.
    expect(tooDeep({ a: nest(1_000_000) })).toMatchObject({ param: "a.0.0.0.0.0" });
  });

  it("answers 5,000 nested content parts on /v1/messages with 400 in Anthropic's envelope, forwarding nothing", async () => {
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const res = await exports.default.fetch("http://inflight.test/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "client-key" },
      body: JSON.stringify({
        model: "m",
        max_tokens: 16,
        messages: [{ role: "user", content: nestedToolResults(5_000) }],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: `Invalid value for 'messages.0.content.0.content.0': nested more than ${MAX_JSON_DEPTH} levels deep.`,
        details: { error_code: "invalid_request", param: "messages.0.content.0.content.0" },
      },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it("reads the text of tool results nested a few levels deep, as before", () => {
    const parsed = parseMessagesRequest({
      model: "m",
      max_tokens: 16,
      messages: [{ role: "user", content: nestedToolResults(3) }],
    });
    expect(parsed.ok && parsed.value.ctx.prompt).toBe("deepest");
  });
});

describe("over HTTP", () => {
  it.each([
    ["/v1/chat/completions", { model: "m", messages: [{ role: "user", content: { a: 1 } }] }, "messages.0.content"],
    ["/v1/chat/completions", { model: "m", messages: [{ role: "user", content: null }] }, "messages.0.content"],
    ["/v1/messages", { model: "m", max_tokens: 9, system: 5, messages: [{ role: "user", content: "Hi" }] }, "system"],
    ["/v1/responses", { model: "m", input: [{ role: "user", content: { a: 1 } }] }, "input.0.content"],
  ])("%s answers a wrong type with 400 naming %j's field, forwarding nothing", async (path, body, param) => {
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const res = await exports.default.fetch(`http://inflight.test${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer client-key" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { param?: string; details?: { param: string } } };
    expect(json.error.param ?? json.error.details?.param).toBe(param);
    expect(upstream.requests).toHaveLength(0);
  });
});
