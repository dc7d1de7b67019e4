import { MessageStream } from "@anthropic-ai/sdk/lib/MessageStream";
import type { EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { createAnthropicFormat } from "../../src/formats/anthropic";
import { createChatFormat } from "../../src/formats/chat";
import { createResponsesFormat } from "../../src/formats/responses";
import type { WireFormat } from "../../src/formats/types";
import { formatEvent } from "../../src/proxy/sse-reader";
import { pack } from "../helpers/packs";
import { eventsOf, run } from "./helpers";

const toolJson = pack({
  name: "tools",
  description: "d",
  rules: [{ id: "args", validator: "json-syntax", channels: ["tool_arguments"], message: "bad args" }],
});

/** A whole answer read by `format`, as the SSE body of the events it stands for. */
function streamOf(format: WireFormat, body: Record<string, unknown>): string {
  const whole = format.fromWhole(body);
  if (whole.kind !== "events") throw new Error(`not a completion: ${whole.kind}`);
  return whole.events.map((event: EventSourceMessage) => formatEvent(event)).join("");
}

const chatCompletion = (args: string) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 5,
  model: "m",
  system_fingerprint: "fp",
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: "Let me look.",
        reasoning_content: "The user wants the weather.",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "weather", arguments: args } },
          { id: "call_2", type: "function", function: { name: "time", arguments: "{}" } },
        ],
      },
      logprobs: null,
      finish_reason: "tool_calls",
    },
  ],
  usage: { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50 },
});

describe("whole answers read as streams", () => {
  it("chat: every channel and tool call is inspected, and the assembled message is the original", () => {
    const format = createChatFormat("chat");
    const body = chatCompletion('{"city": "Paris"}');
    const { frames, session } = run(streamOf(format, body), { format: createChatFormat("chat"), packs: [toolJson] });
    expect(session.report().outcome).toBe("accepted");
    const assembled = createChatFormat("chat").assemble(frames, session.report().usage).body as any;
    expect(assembled.choices).toEqual(body.choices);
    expect(format.fromWhole(body)).toMatchObject({ usage: { prompt_tokens: 20, completion_tokens: 30 } });
  });

  it("chat: a rule rejects what is wrong in a whole answer as in a stream", () => {
    const body = chatCompletion('{"city": Paris}');
    const { session } = run(streamOf(createChatFormat("chat"), body), {
      format: createChatFormat("chat"),
      packs: [toolJson],
    });
    expect(session.report()).toMatchObject({
      outcome: "rejected",
      rejection: { rule: "args", channel: "tool_arguments" },
    });
  });

  it("legacy completions: the text of each choice", () => {
    const format = createChatFormat("completions");
    const body = {
      id: "cmpl-1",
      object: "text_completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, text: "4", logprobs: null, finish_reason: "stop" }],
    };
    const { frames, session } = run(streamOf(format, body), { format: createChatFormat("completions") });
    expect(createChatFormat("completions").assemble(frames, session.report().usage).body).toMatchObject({
      choices: [{ index: 0, text: "4", finish_reason: "stop" }],
    });
  });

  it("tells errors and other JSON from completions in each API", () => {
    const chat = createChatFormat("chat");
    expect(chat.fromWhole({ error: { message: "overloaded" } })).toEqual({
      kind: "error",
      body: { error: { message: "overloaded" } },
    });
    expect(chat.fromWhole({ status: "ok" })).toEqual({ kind: "other" });
    const responses = createResponsesFormat();
    expect(responses.fromWhole({ object: "response", status: "failed", error: { message: "no" } })).toMatchObject({
      kind: "error",
      body: { error: { message: "no" } },
    });
    expect(responses.fromWhole({ object: "response", status: "queued", output: [] })).toEqual({ kind: "other" });
    const anthropic = createAnthropicFormat();
    expect(anthropic.fromWhole({ type: "error", error: { type: "overloaded_error", message: "busy" } })).toEqual({
      kind: "error",
      body: { type: "error", error: { type: "overloaded_error", message: "busy" } },
    });
    expect(anthropic.fromWhole({ type: "completion" })).toEqual({ kind: "other" });
  });

  it("Responses: reasoning, message text and function-call arguments stream as the API streams them", () => {
    const response = {
      id: "resp_1",
      object: "response",
      status: "completed",
      model: "m",
      output: [
        { id: "rs_1", type: "reasoning", summary: [{ type: "summary_text", text: "Thinking it over." }] },
        {
          id: "msg_1",
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "Here you are.", annotations: [] }],
        },
        {
          id: "fc_1",
          type: "function_call",
          call_id: "c1",
          name: "weather",
          arguments: '{"city": Paris}',
          status: "completed",
        },
      ],
      usage: { input_tokens: 5, output_tokens: 9, total_tokens: 14 },
    };
    const format = createResponsesFormat();
    const sse = streamOf(format, response);
    const texts = eventsOf(sse).flatMap(({ event }) => {
      const reading = createResponsesFormat().read(event);
      return reading.kind === "data" ? reading.texts.map((t) => `${t.channel}:${t.text}`) : [];
    });
    expect(texts).toEqual(["reasoning:Thinking it over.", "content:Here you are.", 'tool_arguments:{"city": Paris}']);
    const { session } = run(sse, { format: createResponsesFormat(), packs: [toolJson] });
    expect(session.report()).toMatchObject({ outcome: "rejected", rejection: { rule: "args" } });
    expect(eventsOf(sse).at(-1)!.json).toMatchObject({ type: "response.completed", response: { id: "resp_1" } });
  });

  it("Anthropic: the SDK's accumulator rebuilds the original message from the events", async () => {
    const message = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "m",
      content: [
        { type: "thinking", thinking: "Weather, then.", signature: "sig" },
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "tu_1", name: "weather", input: { city: "Paris" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 9 },
    };
    const sse = streamOf(createAnthropicFormat(), message);
    const lines = eventsOf(sse)
      .map((e) => JSON.stringify(e.json))
      .join("\n");
    const rebuilt = await MessageStream.fromReadableStream(new Response(lines).body!).finalMessage();
    expect(rebuilt.content).toEqual(message.content);
    expect(rebuilt.stop_reason).toBe("tool_use");
    expect(rebuilt.usage).toMatchObject({ input_tokens: 5, output_tokens: 9 });
  });
});
