import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { eventsOf } from "../formats/helpers";
import { loop, responsesFrames } from "../formats/frames";
import { fakeUpstream } from "../helpers/fake-upstream";

const url = "http://inflight.test/v1/responses";

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer client-key", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
const request = (extra: Record<string, unknown> = {}) => ({ model: "m", input: "Tell me a story", ...extra });
const payloads = async (res: Response) => eventsOf(await res.text()).map((e) => e.json as Record<string, any>);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("POST /v1/responses", () => {
  it("names a missing input in OpenAI's envelope and forwards nothing", async () => {
    const upstream = fakeUpstream([]);
    const res = await post({ model: "m" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { type: "invalid_request_error", param: "input", message: "Missing required parameter: 'input'." },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it("passes a clean stream through, asks the upstream's /responses for a stream, reports usage in its own terms", async () => {
    const frames = responsesFrames(["Hello", " there", ", friend."]);
    const upstream = fakeUpstream(frames);
    const res = await post(request({ stream: true }));
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const body = await res.text();
    // Every event but the last arrives byte for byte; the last gets inflight's accounting in its usage.
    expect(body.startsWith(frames.slice(0, -1).join(""))).toBe(true);
    const completed = eventsOf(body).at(-1)!;
    expect(completed.event.event).toBe("response.completed");
    expect(completed.json.response.usage).toEqual({
      input_tokens: 9,
      output_tokens: 3,
      total_tokens: 12,
      inflight: expect.objectContaining({ outcome: "accepted", counted_by: "upstream", saved_estimate: null }),
    });
    expect(upstream.requests[0]!.url).toBe("http://upstream.test/v1/responses");
    expect(upstream.requests[0]!.body).toMatchObject({ stream: true, input: "Tell me a story" });
    expect(upstream.requests[0]!.headers.get("authorization")).toBe("Bearer client-key");
  });

  it("cuts off a looping stream with one `error` event carrying the rejection and usage", async () => {
    const upstream = fakeUpstream(responsesFrames(loop));
    const events = await payloads(await post(request({ stream: true, max_output_tokens: 2000 })));
    const last = events.at(-1)!;
    expect(last).toMatchObject({
      type: "error",
      code: "repetition-loop",
      error: {
        type: "inflight_rejection",
        code: "repetition-loop",
        rejection: { rule: "repetition-loop", stage: expect.any(String) },
      },
      usage: {
        inflight: { outcome: "rejected", counted_by: "inflight", saved_estimate: { method: "loop_to_max_tokens" } },
      },
    });
    expect(last.error.usage).toEqual(last.usage);
    expect(last.usage.output_tokens).toBeGreaterThan(0);
    expect(last.sequence_number).toBeGreaterThan(events.at(-2)!.sequence_number);
    expect(upstream.sent).toBeLessThan(loop.length);
    expect(upstream.cancelled).toBe(true);
    expect(upstream.abortReason).toMatchObject({ reason: { kind: "rule", rule: "repetition-loop" } });
  });

  it("closes the open item with the text streamed so far, then response.incomplete, in finish mode", async () => {
    fakeUpstream(responsesFrames(loop));
    const events = await payloads(await post(request({ stream: true }), { "x-inflight-mode": "finish" }));
    const streamed = events
      .filter((e) => e.type === "response.output_text.delta")
      .map((e) => e.delta)
      .join("");
    const types = events.slice(-4).map((e) => e.type);
    expect(types).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.incomplete",
    ]);
    const [textDone, , itemDone, incomplete] = events.slice(-4);
    expect(textDone!.text).toBe(streamed);
    expect(itemDone!.item).toMatchObject({ status: "incomplete", content: [{ type: "output_text", text: streamed }] });
    expect(incomplete!.response).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "content_filter" },
      output: [{ content: [{ text: streamed }] }],
      usage: { inflight: { outcome: "rejected" } },
    });
    expect(incomplete!.inflight.rejection.rule).toBe("repetition-loop");
  });

  it("never shows a failing stage's text under stage hold-back, not even in the closing events", async () => {
    fakeUpstream(responsesFrames(loop));
    const body = await (
      await post(request({ stream: true }), {
        "x-inflight-holdback": "stage",
        "x-inflight-mode": "finish",
      })
    ).text();
    const events = eventsOf(body).map((e) => e.json);
    // The text the client got, from the deltas and from the closing events that restate it.
    const texts = events.flatMap((e) => [
      e.delta,
      e.text,
      e.item?.content?.[0]?.text,
      e.response?.output?.[0]?.content?.[0]?.text,
    ]);
    expect(texts.filter((t) => typeof t === "string" && t.includes("cat"))).toEqual([]);
    expect(events.at(-1).type).toBe("response.incomplete");
  });

  it("assembles a response object for a non-streaming request", async () => {
    fakeUpstream(responsesFrames(["Hello", " there"]));
    const res = await post(request());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      object: "response",
      status: "completed",
      output: [{ type: "message", content: [{ type: "output_text", text: "Hello there" }] }],
      usage: { input_tokens: 9, output_tokens: 2, inflight: { counted_by: "upstream" } },
    });
  });

  it("answers a non-streaming rejection with 422, the rejection and usage", async () => {
    const upstream = fakeUpstream(responsesFrames(loop));
    const res = await post(request());
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      error: { type: "inflight_rejection", code: "repetition-loop", rejection: { rule: "repetition-loop" } },
      usage: { inflight: { outcome: "rejected" } },
    });
    expect(upstream.cancelled).toBe(true);
  });

  it("forwards an upstream `error` event and stops", async () => {
    const error = `event: error\ndata: ${JSON.stringify({ type: "error", sequence_number: 3, error: { type: "server_error", code: "server_error", message: "boom" } })}\n\n`;
    fakeUpstream([...responsesFrames(["Hi"]).slice(0, 3), error, ...responsesFrames(["never"]).slice(3)]);
    const body = await (await post(request({ stream: true }))).text();
    expect(body.endsWith(error)).toBe(true);
  });
});
