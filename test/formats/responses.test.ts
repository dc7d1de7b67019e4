import { describe, expect, it } from "vitest";
import { pack } from "../helpers/packs";
import { createResponsesFormat, readResponsesUsage, responsesUsage } from "../../src/formats/responses";
import { eventsOf, run, sseOf } from "./helpers";
import { loop, responsesFrames } from "./frames";

const answered = pack({
  name: "x",
  description: "d",
  rules: [
    { id: "answered", validator: "regex", params: { pattern: "^#### \\d+$" }, action: "exit", message: "answered" },
  ],
});
const toolJson = pack({
  name: "tools",
  description: "d",
  rules: [{ id: "args", validator: "json-syntax", channels: ["tool_arguments"], message: "bad args" }],
});

describe("Responses format", () => {
  it("reads usage as the session counts it and writes it back in Responses' own names", () => {
    const usage = readResponsesUsage({
      input_tokens: 9,
      input_tokens_details: { cached_tokens: 2 },
      output_tokens: 3,
      total_tokens: 12,
    })!;
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    const inflight = { request_id: "r", outcome: "accepted", counted_by: "upstream" } as never;
    expect(responsesUsage({ ...usage, inflight })).toEqual({
      input_tokens: 9,
      output_tokens: 3,
      total_tokens: 12,
      input_tokens_details: { cached_tokens: 2 },
      inflight,
    });
  });

  it("exits early mid-delta: the delta is cut, the item closed with that text, response.completed carries `inflight.exit`", () => {
    const body = responsesFrames(["So 6 * 7 = 42.\n", "#### 42", "\nHope this helps", " a lot!"]).join("");
    for (const holdback of [false, true]) {
      const { sse, session } = run(body, { format: createResponsesFormat(), packs: [answered], holdback });
      const events = eventsOf(sse).map((e) => e.json);
      const text = events
        .filter((e) => e.type === "response.output_text.delta")
        .map((e) => e.delta)
        .join("");
      expect(text).toBe("So 6 * 7 = 42.\n#### 42\n");
      expect(events.find((e) => e.type === "response.output_text.done").text).toBe(text);
      const last = events.at(-1);
      expect(last).toMatchObject({
        type: "response.completed",
        response: { status: "completed", output: [{ status: "completed", content: [{ text }] }] },
        inflight: { exit: { rule: "answered" } },
      });
      expect(session.report().outcome).toBe("early_exit");
    }
  });

  it("inspects function-call arguments by tool name and reasoning summaries on their own channels", () => {
    const args = (delta: string, seq: number) => ({
      type: "response.function_call_arguments.delta",
      item_id: "fc_1",
      output_index: 1,
      delta,
      sequence_number: seq,
    });
    const body = sseOf([
      { type: "response.created", response: { id: "resp_1", output: [] }, sequence_number: 0 },
      { type: "response.output_item.added", output_index: 0, item: { id: "rs_1", type: "reasoning", summary: [] } },
      {
        type: "response.reasoning_summary_part.added",
        item_id: "rs_1",
        output_index: 0,
        summary_index: 0,
        part: { type: "summary_text", text: "" },
      },
      {
        type: "response.reasoning_summary_text.delta",
        item_id: "rs_1",
        output_index: 0,
        summary_index: 0,
        delta: "Hm.",
      },
      {
        type: "response.output_item.added",
        output_index: 1,
        item: { id: "fc_1", type: "function_call", name: "lookup", call_id: "c1", arguments: "" },
      },
      args('{"city": ', 5),
      args("}}", 6),
    ]);
    const { frames, session } = run(body, { format: createResponsesFormat(), packs: [toolJson], mode: "finish" });
    expect(session.report().rejection).toMatchObject({ rule: "args", channel: "tool_arguments", tool_call: 1 });
    const events = frames.map((f) => f.payload as Record<string, any>);
    // The reasoning item and the function call are closed with what the client saw of each.
    expect(events.find((e) => e.type === "response.reasoning_summary_text.done")).toMatchObject({ text: "Hm." });
    expect(events.find((e) => e.type === "response.function_call_arguments.done")).toMatchObject({
      arguments: '{"city": ',
    });
    expect(events.at(-1)).toMatchObject({ type: "response.incomplete" });
  });

  it("counts the cut-off stream itself and estimates what was saved from max_output_tokens", () => {
    const { frames } = run(responsesFrames(loop).join(""), {
      format: createResponsesFormat(),
      ctx: { maxTokens: 2000 },
    });
    expect(frames.at(-1)!.error).toMatchObject({
      status: 422,
      body: {
        error: { code: "repetition-loop", rejection: { rule: "repetition-loop" } },
        usage: {
          output_tokens: expect.any(Number),
          inflight: { counted_by: "inflight", saved_estimate: { method: "loop_to_max_tokens" } },
        },
      },
    });
  });

  it("reports a response.failed from the upstream as its error, not as a completion", () => {
    const body = sseOf([
      { type: "response.created", response: { id: "r" } },
      {
        type: "response.failed",
        response: { id: "r", status: "failed", error: { code: "server_error", message: "x" } },
      },
    ]);
    const { frames, session } = run(body, { format: createResponsesFormat() });
    expect(session.report().outcome).toBe("upstream_error");
    expect(frames.at(-1)!.error).toEqual({
      status: 502,
      body: { error: { type: "upstream_error", code: "server_error", message: "x" } },
    });
  });
});
