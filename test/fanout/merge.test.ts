import { describe, expect, it } from "vitest";
import type { Rejection } from "../../src/engine/inspection";
import { createMerger, withUsage } from "../../src/fanout/merge";
import type { Frame, InflightUsage } from "../../src/formats/types";

const chunk = (
  id: string,
  index: number,
  delta: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Frame => {
  const payload = {
    id,
    object: "chat.completion.chunk",
    created: 7,
    model: "m",
    choices: [{ index, delta, finish_reason: null }],
    ...extra,
  };
  return { sse: `data: ${JSON.stringify(payload)}\n\n`, payload };
};

const usage = (outcome: InflightUsage["inflight"]["outcome"] = "accepted"): InflightUsage => ({
  prompt_tokens: 18,
  completion_tokens: 40,
  total_tokens: 58,
  inflight: { request_id: "req_abc", outcome, counted_by: "inflight", saved_estimate: null, packs: ["default"] },
});

const rejection: Rejection = {
  rule: "repetition-loop",
  pack: "default",
  stage: "*",
  validator: "repetition-loop",
  action: "reject",
  message: "The output is repeating itself in a loop.",
  choice: 0,
  channel: "content",
  offset: { chars: 256, tokens: 64 },
  evidence: "again and again",
  detail: "repeats",
};

const parse = (frame: Frame | undefined) => JSON.parse(frame!.sse.slice("data: ".length)) as Record<string, unknown>;

describe("merging the sub-responses of a fanned-out request", () => {
  it("renumbers each attempt's chunks as its choice and gives every chunk the first chunk's id", () => {
    const merger = createMerger("chat", "req_abc");
    const first = parse(merger.chunk(chunk("chatcmpl-up1", 0, { content: "Hello" }), 2));
    const second = parse(merger.chunk(chunk("chatcmpl-up2", 0, { content: "Other" }, { created: 9 }), 0));
    expect(first).toMatchObject({
      id: "chatcmpl-up1",
      created: 7,
      choices: [{ index: 2, delta: { content: "Hello" } }],
    });
    expect(second).toMatchObject({
      id: "chatcmpl-up1",
      created: 7,
      choices: [{ index: 0, delta: { content: "Other" } }],
    });
  });

  it("renumbers the rejection of a content_filter chunk as the client's choice", () => {
    const merger = createMerger("chat", "req_abc");
    const ended = chunk("chatcmpl-up1", 0, {}, { inflight: { rejection } });
    const out = parse(merger.chunk(ended, 3));
    expect(out).toMatchObject({
      choices: [{ index: 3 }],
      inflight: { rejection: { rule: "repetition-loop", choice: 3 } },
    });
  });

  it("passes on no [DONE], usage, error or comment frame of an attempt", () => {
    const merger = createMerger("chat", "req_abc");
    const usageOnly = { id: "x", choices: [], usage: usage() };
    const failure = { error: { message: "broke" } };
    expect(merger.chunk({ sse: "data: [DONE]\n\n" }, 0)).toBeUndefined();
    expect(merger.chunk({ sse: ": keep-alive\n\n" }, 0)).toBeUndefined();
    expect(merger.chunk({ sse: "", payload: usageOnly }, 0)).toBeUndefined();
    expect(merger.chunk({ sse: "", payload: failure, error: { status: 502, body: failure } }, 0)).toBeUndefined();
  });

  it("ends a choice whose attempt failed with finish_reason error and the upstream's error, without its usage", () => {
    const merger = createMerger("completions", "req_abc");
    const body = { error: { message: "overloaded", type: "server_error", code: null, param: null, usage: usage() } };
    const out = parse(merger.failedChoice(1, { status: 503, body }));
    expect(out).toMatchObject({
      id: "cmpl-abc",
      object: "text_completion",
      choices: [{ index: 1, text: "", finish_reason: "error" }],
      inflight: { error: { status: 503, message: "overloaded", type: "server_error" } },
    });
    expect((out.inflight as { error: Record<string, unknown> }).error.usage).toBeUndefined();
  });

  it("sends the usage chunk and [DONE] in the response's id, and the rejection error with the request's usage", () => {
    const merger = createMerger("chat", "req_abc");
    merger.chunk(chunk("chatcmpl-up1", 0, { content: "a" }), 0);
    expect(parse(merger.usageChunk(usage()))).toMatchObject({ id: "chatcmpl-up1", choices: [], usage: usage() });
    expect(merger.done.sse).toBe("data: [DONE]\n\n");
    const error = merger.rejected(rejection, 2, usage("rejected"));
    expect(error.error?.status).toBe(422);
    expect(error.error?.body).toMatchObject({
      error: {
        type: "inflight_rejection",
        code: "repetition-loop",
        rejection: { choice: 2 },
        usage: usage("rejected"),
      },
      usage: usage("rejected"),
    });
  });

  it("puts the request's usage into an upstream error beside and inside `error`", () => {
    const merger = createMerger("chat", "req_abc");
    const upstream = { error: { message: "Rate limited", type: "rate_limit", code: "rate_limit", param: null } };
    const failed = merger.failed({ status: 429, body: upstream }, usage("upstream_error"));
    expect(failed.error).toEqual({
      status: 429,
      body: { error: { ...upstream.error, usage: usage("upstream_error") }, usage: usage("upstream_error") },
    });
    expect(withUsage({ detail: "no" }, usage())).toEqual({ detail: "no", usage: usage() });
  });

  it("assembles the non-streaming answer with every choice, each decided choice carrying its own inflight", () => {
    const merger = createMerger("chat", "req_abc");
    const frames = [
      merger.chunk(chunk("chatcmpl-up1", 0, { role: "assistant", content: "Loop loop" }), 0)!,
      merger.chunk(chunk("chatcmpl-up2", 0, { role: "assistant", content: "Fine." }), 1)!,
      merger.chunk(
        {
          ...chunk("chatcmpl-up1", 0, {}),
          payload: {
            id: "u",
            choices: [{ index: 0, delta: {}, finish_reason: "content_filter" }],
            inflight: { rejection },
          },
        },
        0,
      )!,
      merger.chunk(
        {
          ...chunk("chatcmpl-up2", 0, {}),
          payload: { id: "u", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
        },
        1,
      )!,
    ];
    const body = merger.assemble(frames, usage("rejected"));
    expect(body).toMatchObject({
      id: "chatcmpl-up1",
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: { content: "Loop loop" },
          finish_reason: "content_filter",
          inflight: { rejection: { choice: 0 } },
        },
        { index: 1, message: { content: "Fine." }, finish_reason: "stop" },
      ],
      usage: usage("rejected"),
    });
    expect((body.choices as Record<string, unknown>[])[1]!.inflight).toBeUndefined();
  });
});
