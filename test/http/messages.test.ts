import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readConfig } from "../../src/config";
import { anthropicMessagesApi } from "../../src/http/apis/anthropic";
import { eventsOf } from "../formats/helpers";
import { loop, messagesFrames } from "../formats/frames";
import { fakeUpstream } from "../helpers/fake-upstream";

const url = "http://inflight.test/v1/messages";

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "client-key",
      "anthropic-version": "2023-06-01",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
const request = (extra: Record<string, unknown> = {}) => ({
  model: "claude-test",
  max_tokens: 2000,
  messages: [{ role: "user", content: "Tell me a story" }],
  ...extra,
});
const payloads = async (res: Response) => eventsOf(await res.text());

afterEach(() => {
  vi.restoreAllMocks();
});

describe("POST /v1/messages", () => {
  it("names a missing max_tokens in Anthropic's error envelope and forwards nothing", async () => {
    const upstream = fakeUpstream([]);
    const res = await post({ model: "m", messages: [{ role: "user", content: "Hi" }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "Missing required parameter: 'max_tokens'.",
        details: { error_code: "invalid_request", param: "max_tokens" },
      },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it("passes a clean stream through to ANTHROPIC_BASE_URL with the client's headers; usage gets inflight's accounting", async () => {
    const frames = messagesFrames(["Hello", " there", ", friend."]);
    const upstream = fakeUpstream(frames);
    const res = await post(request({ stream: true }));
    const body = await res.text();
    // Byte for byte up to `message_delta`, which comes back with inflight's accounting in its usage.
    expect(body.startsWith(frames.slice(0, -2).join(""))).toBe(true);
    const [delta, stop] = eventsOf(body).slice(-2);
    expect(delta!.event.event).toBe("message_delta");
    expect(delta!.json).toMatchObject({
      delta: { stop_reason: "end_turn" },
      usage: { input_tokens: 9, output_tokens: 3, inflight: { outcome: "accepted", counted_by: "upstream" } },
    });
    expect(stop!.event.event).toBe("message_stop");
    const sent = upstream.requests[0]!;
    expect(sent.url).toBe("http://anthropic.test/v1/messages");
    expect(sent.body).toMatchObject({ stream: true, max_tokens: 2000 });
    expect(sent.headers.get("x-api-key")).toBe("client-key");
    expect(sent.headers.get("anthropic-version")).toBe("2023-06-01");
  });

  it("cuts off a looping stream with one `error` event: Anthropic's envelope, the rejection and usage", async () => {
    const upstream = fakeUpstream(messagesFrames(loop));
    const events = await payloads(await post(request({ stream: true })));
    const last = events.at(-1)!;
    expect(last.event.event).toBe("error");
    expect(last.json).toMatchObject({
      type: "error",
      error: {
        type: "inflight_rejection",
        details: { error_code: "repetition-loop" },
        rejection: { rule: "repetition-loop", stage: expect.any(String), offset: { tokens: expect.any(Number) } },
      },
      usage: { input_tokens: 9, inflight: { outcome: "rejected", counted_by: "inflight" } },
    });
    // Usage inside `error` as well, as in the OpenAI formats.
    expect(last.json.error.usage).toEqual(last.json.usage);
    expect(last.json.usage.inflight.saved_estimate).toMatchObject({ method: "loop_to_max_tokens" });
    expect(upstream.sent).toBeLessThan(loop.length);
    expect(upstream.cancelled).toBe(true);
    expect(upstream.abortReason).toMatchObject({ reason: { kind: "rule", rule: "repetition-loop" } });
  });

  it("stops the open block and ends with stop_reason refusal and `inflight` in finish mode", async () => {
    fakeUpstream(messagesFrames(loop));
    const events = await payloads(await post(request({ stream: true }), { "x-inflight-mode": "finish" }));
    expect(events.slice(-3).map((e) => e.event.event)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(events.at(-2)!.json).toMatchObject({
      delta: { stop_reason: "refusal", stop_details: { type: "refusal" } },
      usage: { inflight: { outcome: "rejected" } },
      inflight: { rejection: { rule: "repetition-loop" } },
    });
  });

  it("never shows a failing stage's text under stage hold-back", async () => {
    fakeUpstream(messagesFrames(loop));
    const body = await (
      await post(request({ stream: true }), {
        "x-inflight-holdback": "stage",
        "x-inflight-mode": "finish",
      })
    ).text();
    const texts = eventsOf(body).map((e) => e.json.delta?.text);
    expect(texts.filter((t) => typeof t === "string" && t.includes("cat"))).toEqual([]);
    expect(eventsOf(body).at(-1)!.event.event).toBe("message_stop");
  });

  it("assembles a message for a non-streaming request", async () => {
    fakeUpstream(messagesFrames(["Hello", " there"]));
    const res = await post(request());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "Hello there" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 9, output_tokens: 2, inflight: { counted_by: "upstream" } },
    });
  });

  it("answers a non-streaming rejection with 422 in Anthropic's envelope", async () => {
    fakeUpstream(messagesFrames(loop));
    const res = await post(request());
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      type: "error",
      error: { type: "inflight_rejection", rejection: { rule: "repetition-loop" } },
      usage: { inflight: { outcome: "rejected" } },
    });
  });

  it("answers 502 in Anthropic's envelope when the upstream cannot be reached", async () => {
    fakeUpstream([], () => {
      throw new TypeError("connect ECONNREFUSED");
    });
    const res = await post(request());
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      type: "error",
      error: { type: "api_error", details: { error_code: "upstream_unreachable" } },
    });
  });
});

describe("the Anthropic upstream", () => {
  const upstream = (env: Record<string, string>) => anthropicMessagesApi().upstream(readConfig(env), undefined);

  it("is ANTHROPIC_BASE_URL as the SDK takes it, with or without /v1, and its key goes in x-api-key", () => {
    expect(upstream({ ANTHROPIC_BASE_URL: "https://api.anthropic.com", ANTHROPIC_API_KEY: "sk" })).toMatchObject({
      url: "https://api.anthropic.com/v1/messages",
      key: "sk",
      keyHeader: "x-api-key",
    });
    expect(upstream({ ANTHROPIC_BASE_URL: "https://gw.example/anthropic/v1/" }).url).toBe(
      "https://gw.example/anthropic/v1/messages",
    );
  });

  it("is missing (503 with a hint) until ANTHROPIC_BASE_URL is set", () => {
    expect(upstream({ UPSTREAM_BASE_URL: "https://api.openai.com/v1" })).toMatchObject({
      url: "",
      missingHint: expect.stringContaining("ANTHROPIC_BASE_URL"),
    });
  });
});
