import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chatFrames, dataEvents, fakeUpstream } from "../helpers/fake-upstream";

const url = "http://inflight.test/v1/chat/completions";
const loop = ["Once upon a time. ", ...Array.from({ length: 60 }, () => "The cat sat on the mat again and again. ")];

function post(body: unknown, headers: Record<string, string> = {}, path = url): Promise<Response> {
  return exports.default.fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer client-key", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const chat = (extra: Record<string, unknown> = {}) => ({
  model: "m",
  messages: [{ role: "user", content: "Tell me a story" }],
  ...extra,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("bad input", () => {
  it("answers malformed JSON with 400 in the OpenAI envelope, forwarding nothing", async () => {
    const upstream = fakeUpstream([]);
    const res = await post("{not json");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "invalid_json", param: null },
    });
    expect(res.headers.get("x-inflight-request-id")).toMatch(/^req_/);
    expect(upstream.requests).toHaveLength(0);
  });

  it("names a missing messages field", async () => {
    fakeUpstream([]);
    const res = await post({ model: "m" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { param: "messages", message: "Missing required parameter: 'messages'." },
    });
  });

  it("names a missing prompt on /v1/completions", async () => {
    fakeUpstream([]);
    const res = await post({ model: "m" }, {}, "http://inflight.test/v1/completions");
    expect(await res.json()).toMatchObject({ error: { param: "prompt" } });
  });

  it("answers an unknown pack with 400 naming it and listing the known packs", async () => {
    fakeUpstream([]);
    const res = await post(chat(), { "x-inflight-rules": "default,nope" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe("unknown_rule_pack");
    expect(body.error.message).toContain('"nope"');
    expect(body.error.message).toContain("default");
  });
});

describe("streaming", () => {
  it("passes a clean stream through byte for byte and asks the upstream for a stream with usage", async () => {
    const frames = chatFrames(["Hello", " there", ", friend."]);
    const upstream = fakeUpstream(frames);
    const res = await post(chat({ stream: true }));
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const body = await res.text();
    // The usage chunk is dropped: the client did not ask for it.
    expect(body).toBe(frames.filter((f) => !f.includes('"usage"')).join(""));
    expect(upstream.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(upstream.requests[0]!.headers.get("authorization")).toBe("Bearer client-key");
  });

  it("cuts off a looping stream: one error event, the upstream aborted with the rule as reason", async () => {
    const upstream = fakeUpstream(chatFrames(loop));
    const res = await post(chat({ stream: true, max_tokens: 2000 }));
    const events = dataEvents(await res.text());
    const last = events.at(-1) as { error: Record<string, unknown>; usage: Record<string, unknown> };
    expect(last.error).toMatchObject({ type: "inflight_rejection", code: "repetition-loop", param: null });
    expect(last.error.rejection).toMatchObject({
      rule: "repetition-loop",
      pack: "default",
      validator: "repetition-loop",
      choice: 0,
      channel: "content",
    });
    expect(last.usage).toMatchObject({
      inflight: {
        outcome: "rejected",
        counted_by: "inflight",
        saved_estimate: { method: "loop_to_max_tokens", upper_bound: expect.any(Number) },
      },
    });
    // The SDKs keep only the inner error object: the same usage is inside it.
    expect(last.error.usage).toEqual(last.usage);
    expect(upstream.sent).toBeLessThan(loop.length);
    expect(upstream.cancelled).toBe(true);
    expect(upstream.abortReason).toMatchObject({ reason: { kind: "rule", rule: "repetition-loop" } });
    expect(events).not.toContain("[DONE]");
  });

  it("ends with finish_reason content_filter and the rejection under `inflight` in finish mode", async () => {
    fakeUpstream(chatFrames(loop));
    const res = await post(chat({ stream: true, stream_options: { include_usage: true } }), {
      "x-inflight-mode": "finish",
    });
    const events = dataEvents(await res.text()) as Record<string, any>[];
    const finish = events.find((e) => e.choices?.[0]?.finish_reason === "content_filter");
    expect(finish?.inflight.rejection.rule).toBe("repetition-loop");
    expect(events.at(-2)).toMatchObject({ choices: [], usage: { inflight: { outcome: "rejected" } } });
    expect(events.at(-1)).toBe("[DONE]");
  });

  it("never shows the client text from a stage that fails under stage hold-back", async () => {
    fakeUpstream(chatFrames(loop));
    const res = await post(chat({ stream: true }), { "x-inflight-holdback": "stage" });
    const events = dataEvents(await res.text()) as Record<string, any>[];
    expect(
      events.some(
        (e) => typeof e.choices?.[0]?.delta?.content === "string" && e.choices[0].delta.content.includes("cat"),
      ),
    ).toBe(false);
    expect(events.at(-1)).toMatchObject({ error: { code: "repetition-loop" } });
  });

  it("adds inflight's accounting to the usage chunk when the client asked for usage", async () => {
    fakeUpstream(chatFrames(["Hi"]));
    const events = dataEvents(
      await (await post(chat({ stream: true, stream_options: { include_usage: true } }))).text(),
    ) as Record<string, any>[];
    expect(events.at(-2)).toMatchObject({
      usage: {
        prompt_tokens: 9,
        completion_tokens: 1,
        inflight: { outcome: "accepted", counted_by: "upstream", saved_estimate: null },
      },
    });
  });

  it("ends a malformed upstream stream with a clear error event", async () => {
    fakeUpstream([chatFrames(["Hi"])[0]!, "data: {not json\n\n", ...chatFrames(["never"]).slice(1)]);
    const events = dataEvents(await (await post(chat({ stream: true }))).text()) as Record<string, any>[];
    expect(events.at(-1)).toMatchObject({ error: { type: "upstream_error", code: "malformed_upstream_stream" } });
  });

  it("forwards an in-band upstream error and stops", async () => {
    const error = `data: ${JSON.stringify({ error: { message: "overloaded", code: 502 } })}\n\n`;
    fakeUpstream([chatFrames(["Hi"])[0]!, error, "data: [DONE]\n\n"]);
    const body = await (await post(chat({ stream: true }))).text();
    expect(body.endsWith(error)).toBe(true);
  });

  it("ends a stream whose upstream goes silent with an idle-timeout error", async () => {
    fakeUpstream(
      [],
      () =>
        new Response(new ReadableStream({ pull: () => new Promise(() => undefined) }), {
          headers: { "content-type": "text/event-stream" },
        }),
    );
    const events = dataEvents(await (await post(chat({ stream: true }))).text()) as Record<string, any>[];
    expect(events.at(-1)).toMatchObject({
      error: {
        type: "upstream_error",
        code: "upstream_timeout",
        message: expect.stringContaining("no progress from the upstream"),
      },
    });
  });
});

describe("non-streaming", () => {
  it("assembles a chat.completion from the upstream stream", async () => {
    fakeUpstream(chatFrames(["Hello", " there"]));
    const res = await post(chat());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello there" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 9, completion_tokens: 2, inflight: { counted_by: "upstream" } },
    });
  });

  it("answers a rejection with 422 and the same body as the stream's error event", async () => {
    const upstream = fakeUpstream(chatFrames(loop));
    const res = await post(chat());
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      error: { type: "inflight_rejection", code: "repetition-loop", rejection: { rule: "repetition-loop" } },
      usage: { inflight: { outcome: "rejected" } },
    });
    expect(upstream.cancelled).toBe(true);
  });

  it("assembles text_completion for /v1/completions", async () => {
    const head = { id: "cmpl-1", object: "text_completion", created: 1, model: "m" };
    fakeUpstream([
      `data: ${JSON.stringify({ ...head, choices: [{ index: 0, text: "4", finish_reason: null }] })}\n\n`,
      `data: ${JSON.stringify({ ...head, choices: [{ index: 0, text: "", finish_reason: "stop" }] })}\n\n`,
      "data: [DONE]\n\n",
    ]);
    const res = await post({ model: "m", prompt: "2+2=" }, {}, "http://inflight.test/v1/completions");
    expect(await res.json()).toMatchObject({
      object: "text_completion",
      choices: [{ text: "4", finish_reason: "stop" }],
    });
  });
});

describe("upstream failures", () => {
  it("passes an upstream 4xx through with its status and body", async () => {
    const body = JSON.stringify({
      error: { message: "bad model", type: "invalid_request_error", code: "model_not_found" },
    });
    fakeUpstream([], () => new Response(body, { status: 404, headers: { "content-type": "application/json" } }));
    const res = await post(chat({ stream: true }));
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(body);
  });

  it("answers 502 when the upstream cannot be reached", async () => {
    fakeUpstream([], () => {
      throw new TypeError("connect ECONNREFUSED");
    });
    const res = await post(chat());
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { type: "upstream_error", code: "upstream_unreachable" } });
  });
});

describe("other /v1 routes", () => {
  it("forwards them unchanged", async () => {
    const upstream = fakeUpstream([], () => Response.json({ object: "list", data: [{ id: "m" }] }));
    const res = await exports.default.fetch("http://inflight.test/v1/models?limit=2", {
      headers: { authorization: "Bearer client-key" },
    });
    expect(await res.json()).toEqual({ object: "list", data: [{ id: "m" }] });
    expect(upstream.requests[0]!.url).toBe("http://upstream.test/v1/models?limit=2");
    expect(res.headers.get("x-inflight-request-id")).toMatch(/^req_/);
  });
});
