import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { estimateTokens } from "../../src/engine/tokens";
import type { TeamMeter } from "../../src/metering/team-meter";
import { estimatePromptTokens } from "../../src/proxy/request-text";
import worker from "../../src/index";
import { loop, messagesFrames, responsesFrames } from "../formats/frames";
import { chatFrames, dataEvents } from "../helpers/fake-upstream";
import { body, faultyUpstream, untilAborted } from "../helpers/faulty-fetch";
import { BASE, createTeamKey, meter } from "../teams/helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Short limits, so a fault ends in a fraction of a second. */
const LIMITS = {
  UPSTREAM_HEADERS_TIMEOUT_MS: "300",
  UPSTREAM_BODY_TIMEOUT_MS: "300",
  UPSTREAM_IDLE_TIMEOUT_MS: "300",
  UPSTREAM_TOTAL_TIMEOUT_MS: "0",
};
const PROMPT = "Say hello";
const PROMPT_ESTIMATE = estimatePromptTokens([PROMPT]);

let teams = 0;
/** A fresh team and its key, so each case reads its own meter. */
async function team(): Promise<{ team: string; key: string }> {
  teams += 1;
  const name = `faults-${teams}`;
  return { team: name, key: (await createTeamKey(name)).key };
}

interface Sent {
  res: Response;
  text: string;
  requestId: string;
}

/**
 * Sends one request with a team key through the Worker's fetch handler and waits for what it left running (the
 * meter write). `abortWhen` aborts the request's signal, as the runtime does when the client disconnects.
 */
async function send(
  key: string,
  options: {
    path?: string;
    body?: Record<string, unknown>;
    vars?: Record<string, string>;
    abortWhen?: Promise<unknown>;
    abortBeforeSend?: boolean;
  } = {},
): Promise<Sent> {
  const client = new AbortController();
  if (options.abortBeforeSend) client.abort();
  void options.abortWhen?.then(() => client.abort());
  const ctx = createExecutionContext();
  const request = new Request(`${BASE}${options.path ?? "/v1/chat/completions"}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(
      options.body ?? { model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: PROMPT }] },
    ),
    signal: client.signal,
  });
  const res = await worker.fetch(request, { ...env, ...LIMITS, ...options.vars }, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, text, requestId: res.headers.get("x-inflight-request-id")! };
}

/** The meter's row for a request. */
function row(teamName: string, requestId: string): Promise<Record<string, unknown>> {
  return runInDurableObject(meter(teamName), (_: TeamMeter, state) =>
    state.storage.sql.exec("SELECT * FROM requests WHERE request_id = ?", requestId).one(),
  );
}

const sse = (chunks: string[], signal: AbortSignal, then?: Parameters<typeof body>[2]) =>
  new Response(body(signal, chunks, then), { headers: { "content-type": "text/event-stream" } });
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const usageChunk = (usage: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage })}\n\n`;
const lastEvent = (text: string) =>
  dataEvents(text)
    .filter((e) => e !== "[DONE]")
    .at(-1) as Record<string, any>;

/** A whole `chat.completion`, as an upstream that ignored `stream: true` answers. */
const completion = (content: string, usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 }) => ({
  id: "chatcmpl-whole",
  object: "chat.completion",
  created: 7,
  model: "gpt-4o-mini",
  choices: [
    { index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" },
  ],
  usage,
  service_tier: "default",
});

describe("bounded waits", () => {
  it("answers 504 upstream_timeout when the upstream sends no headers in time, and books an upstream_error", async () => {
    const { team: name, key } = await team();
    const upstream = faultyUpstream((call) => untilAborted(call.signal));
    const { res, text, requestId } = await send(key);

    expect(res.status).toBe(504);
    expect(JSON.parse(text)).toMatchObject({
      error: { type: "upstream_error", code: "upstream_timeout", message: expect.stringContaining("300 ms") },
    });
    expect(upstream.calls[0]!.abortReason).toEqual({ kind: "timeout", wait: "headers", ms: 300 });
    // The upstream never answered: nothing was billed, so no prompt is booked either.
    expect(await row(name, requestId)).toMatchObject({
      outcome: "upstream_error",
      prompt_tokens: 0,
      completion_tokens: 0,
      counted_by: "inflight",
    });
  });

  it("cuts the wait for headers at the request's total limit and says so", async () => {
    const { team: name, key } = await team();
    const upstream = faultyUpstream((call) => untilAborted(call.signal));
    const { res, text, requestId } = await send(key, {
      vars: { UPSTREAM_HEADERS_TIMEOUT_MS: "60000", UPSTREAM_TOTAL_TIMEOUT_MS: "250" },
    });

    expect(res.status).toBe(504);
    expect(JSON.parse(text).error.message).toBe("The upstream did not finish the request within 250 ms.");
    expect(upstream.calls[0]!.abortReason).toEqual({ kind: "timeout", wait: "total", ms: 250 });
    expect(await row(name, requestId)).toMatchObject({ outcome: "upstream_error" });
  });

  it("ends a stream of keep-alive comments with an upstream_timeout event: comments are not progress", async () => {
    const { team: name, key } = await team();
    const upstream = faultyUpstream((call) =>
      sse([chunk({ content: "Hi" }), ": keep-alive\n\n"], call.signal, "repeat"),
    );
    const { text, requestId } = await send(key);

    expect(lastEvent(text)).toMatchObject({
      error: { type: "upstream_error", code: "upstream_timeout", message: expect.stringContaining("no progress") },
    });
    expect(upstream.calls[0]!.abortReason).toEqual({ kind: "timeout", wait: "idle", ms: 300 });
    expect(await row(name, requestId)).toMatchObject({ outcome: "upstream_error", counted_by: "inflight" });
  });

  it.each([
    ["empty deltas", chunk({})],
    ["role-only chunks", chunk({ role: "assistant", content: "" })],
  ])("ends a stream of %s with an upstream_timeout event", async (_name, filler) => {
    const { team: name, key } = await team();
    faultyUpstream((call) => sse([chunk({ content: "Hi" }), filler], call.signal, "repeat"));
    const { text, requestId } = await send(key);

    expect(lastEvent(text)).toMatchObject({ error: { code: "upstream_timeout" } });
    expect(await row(name, requestId)).toMatchObject({ outcome: "upstream_error" });
  });

  it("lets a slow stream run past the no-progress limit while each piece of text comes within it", async () => {
    const { team: name, key } = await team();
    const pieces = ["One", " two", " three", " four", " five", " six"];
    const paced = (signal: AbortSignal) => {
      let next = 0;
      const frames = chatFrames(pieces);
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            // Each piece of text 120 ms after the last: 600 ms in all, twice the 300 ms no-progress limit.
            if (next > 0 && next <= pieces.length) await new Promise((resolve) => setTimeout(resolve, 120));
            if (signal.aborted || next >= frames.length) return controller.close();
            controller.enqueue(new TextEncoder().encode(frames[next++]!));
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    };
    faultyUpstream((call) => paced(call.signal));
    const started = Date.now();
    const { text, requestId } = await send(key);

    expect(Date.now() - started).toBeGreaterThan(300);
    expect(text).toContain("data: [DONE]");
    expect(await row(name, requestId)).toMatchObject({ outcome: "accepted", counted_by: "upstream" });
  });

  it("ends a stream that outlives the total limit with an upstream_timeout event", async () => {
    const { team: name, key } = await team();
    const upstream = faultyUpstream((call) =>
      sse([chunk({ content: "Hi" }), chunk({ content: " again" })], call.signal, "repeat"),
    );
    const { text, requestId } = await send(key, {
      vars: { UPSTREAM_IDLE_TIMEOUT_MS: "60000", UPSTREAM_TOTAL_TIMEOUT_MS: "250" },
    });

    expect(lastEvent(text)).toMatchObject({
      error: { code: "upstream_timeout", message: "The upstream timed out: the request took longer than 250 ms" },
    });
    expect(upstream.calls[0]!.abortReason).toEqual({ kind: "timeout", wait: "total", ms: 250 });
    expect(await row(name, requestId)).toMatchObject({ outcome: "upstream_error" });
  });
});

describe("upstream error bodies", () => {
  it("keeps the status and answers in the envelope when an error body never arrives", async () => {
    const { team: name, key } = await team();
    faultyUpstream(
      (call) =>
        new Response(body(call.signal, [], "hang"), { status: 500, headers: { "content-type": "application/json" } }),
    );
    const { res, text, requestId } = await send(key);

    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(text)).toMatchObject({
      error: {
        type: "upstream_error",
        code: "upstream_http_error",
        message: "The upstream answered HTTP 500, and its error body did not arrive within 300 ms.",
      },
    });
    expect(await row(name, requestId)).toMatchObject({ outcome: "upstream_error", completion_tokens: 0 });
  });

  it("answers a 5xx whose body breaks mid-read with its status in the envelope, and meters it", async () => {
    const { team: name, key } = await team();
    faultyUpstream(
      (call) =>
        new Response(body(call.signal, ['{"error": {"mess'], "break"), {
          status: 503,
          headers: { "content-type": "application/json" },
        }),
    );
    const { res, text, requestId } = await send(key);

    expect(res.status).toBe(503);
    expect(JSON.parse(text).error).toMatchObject({
      code: "upstream_http_error",
      message: expect.stringContaining("its error body broke off"),
    });
    expect(await row(name, requestId)).toMatchObject({ outcome: "upstream_error" });
  });

  it("answers an HTML error page as JSON in the envelope, never as text/html", async () => {
    const { team: name, key } = await team();
    const page = "<html><head><style>h1{}</style></head><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>";
    faultyUpstream(() => new Response(page, { status: 502, headers: { "content-type": "text/html; charset=utf-8" } }));
    const { res, text, requestId } = await send(key);

    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(text)).toEqual({
      error: {
        message: "The upstream answered HTTP 502 with a text/html body, not a JSON error: 502 Bad Gateway nginx",
        type: "upstream_error",
        code: "upstream_http_error",
        param: null,
      },
    });
    expect(await row(name, requestId)).toMatchObject({ outcome: "upstream_error" });
  });

  it("answers it in Anthropic's envelope on /v1/messages", async () => {
    const { key } = await team();
    faultyUpstream(
      () => new Response("upstream connect error", { status: 503, headers: { "content-type": "text/plain" } }),
    );
    const { res, text } = await send(key, {
      path: "/v1/messages",
      body: { model: "claude-test", max_tokens: 100, stream: true, messages: [{ role: "user", content: PROMPT }] },
      vars: { ANTHROPIC_BASE_URL: "http://anthropic.test" },
    });

    expect(res.status).toBe(503);
    expect(JSON.parse(text)).toEqual({
      type: "error",
      error: {
        type: "api_error",
        message: "The upstream answered HTTP 503 with a text/plain body, not a JSON error: upstream connect error",
        details: { error_code: "upstream_http_error" },
      },
    });
  });

  it("passes a JSON error body through with its status, and meters it", async () => {
    const { team: name, key } = await team();
    const error = JSON.stringify({ error: { message: "slow down", type: "rate_limit_error", code: "rate_limited" } });
    faultyUpstream(() => new Response(error, { status: 429, headers: { "content-type": "application/json" } }));
    const { res, text, requestId } = await send(key);

    expect(res.status).toBe(429);
    expect(text).toBe(error);
    expect(await row(name, requestId)).toMatchObject({ outcome: "upstream_error", prompt_tokens: 0 });
  });

  it("books the prompt of an upstream that failed after it answered, none for one that refused", async () => {
    const { team: name, key } = await team();
    faultyUpstream((call) =>
      sse([...chatFrames(["Hello"]).slice(0, 2), 'data: {"error":{"message":"overloaded"}}\n\n'], call.signal),
    );
    const failed = await send(key);
    expect(await row(name, failed.requestId)).toMatchObject({
      outcome: "upstream_error",
      prompt_tokens: PROMPT_ESTIMATE,
    });
    faultyUpstream(() => new Response("<html>502</html>", { status: 502, headers: { "content-type": "text/html" } }));
    const refused = await send(key);
    expect(await row(name, refused.requestId)).toMatchObject({ outcome: "upstream_error", prompt_tokens: 0 });
  });

  it("follows no redirect: a 3xx is a 502 upstream_invalid_response", async () => {
    const { team: name, key } = await team();
    const upstream = faultyUpstream(
      () => new Response(null, { status: 307, headers: { location: "http://elsewhere.test/" } }),
    );
    const { res, text, requestId } = await send(key);

    expect(res.status).toBe(502);
    expect(JSON.parse(text).error).toMatchObject({ code: "upstream_invalid_response" });
    expect(upstream.calls).toHaveLength(1);
    expect(await row(name, requestId)).toMatchObject({ outcome: "upstream_error" });
  });
});

describe("streams that end without their end", () => {
  it("ends a stream cut cleanly before its finish and [DONE] with an error event, booked incomplete", async () => {
    const { team: name, key } = await team();
    faultyUpstream((call) => sse(chatFrames(["Hello", " there"]).slice(0, 3), call.signal));
    const { text, requestId } = await send(key);

    expect(text).toContain('"content":" there"');
    expect(lastEvent(text)).toMatchObject({
      error: { type: "upstream_error", code: "incomplete_upstream_stream" },
      usage: { inflight: { outcome: "incomplete", counted_by: "inflight" } },
    });
    expect(await row(name, requestId)).toMatchObject({
      outcome: "incomplete",
      completion_tokens: 2,
      counted_by: "inflight",
    });
  });

  it("answers it 502 when the client does not stream", async () => {
    const { team: name, key } = await team();
    faultyUpstream((call) => sse(chatFrames(["Hello", " there"]).slice(0, 3), call.signal));
    const { res, text, requestId } = await send(key, {
      body: { model: "gpt-4o-mini", messages: [{ role: "user", content: PROMPT }] },
    });

    expect(res.status).toBe(502);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "incomplete_upstream_stream" } });
    expect(await row(name, requestId)).toMatchObject({ outcome: "incomplete" });
  });

  it("accepts a stream whose every output finished, even without [DONE]", async () => {
    const { team: name, key } = await team();
    faultyUpstream((call) => sse(chatFrames(["Hello"]).slice(0, -1), call.signal));
    const { text, requestId } = await send(key);

    expect(text).not.toContain('"error"');
    expect(await row(name, requestId)).toMatchObject({ outcome: "accepted", counted_by: "upstream" });
  });

  it.each([
    ["/v1/responses", { model: "m", input: PROMPT, stream: true }, responsesFrames(["Hi", " there"]).slice(0, -1)],
    [
      "/v1/messages",
      { model: "m", max_tokens: 100, stream: true, messages: [{ role: "user", content: PROMPT }] },
      messagesFrames(["Hi", " there"]).slice(0, -3),
    ],
  ])("books %s streams without their closing events as incomplete", async (path, request, frames) => {
    const { team: name, key } = await team();
    faultyUpstream((call) => sse(frames, call.signal));
    const { text, requestId } = await send(key, {
      path,
      body: request,
      vars: { ANTHROPIC_BASE_URL: "http://anthropic.test" },
    });

    expect(text).toContain("incomplete_upstream_stream");
    expect(await row(name, requestId)).toMatchObject({ outcome: "incomplete" });
  });

  it("accepts an Anthropic stream that stopped (message_delta with its stop reason) without message_stop", async () => {
    const { team: name, key } = await team();
    faultyUpstream((call) => sse(messagesFrames(["Hi", " there"]).slice(0, -1), call.signal));
    const { text, requestId } = await send(key, {
      path: "/v1/messages",
      body: { model: "m", max_tokens: 100, stream: true, messages: [{ role: "user", content: PROMPT }] },
      vars: { ANTHROPIC_BASE_URL: "http://anthropic.test" },
    });

    expect(text).not.toContain("incomplete_upstream_stream");
    expect(await row(name, requestId)).toMatchObject({ outcome: "accepted" });
  });
});

describe("answers that are not event streams", () => {
  it("relays a whole JSON completion to a non-streaming client as the upstream sent it, with its usage metered", async () => {
    const { team: name, key } = await team();
    const whole = completion("Hello there, friend.");
    faultyUpstream(() => Response.json(whole));
    const { res, text, requestId } = await send(key, {
      body: { model: "gpt-4o-mini", messages: [{ role: "user", content: PROMPT }] },
    });

    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      ...whole,
      usage: {
        ...whole.usage,
        inflight: expect.objectContaining({ outcome: "accepted", counted_by: "upstream", saved_estimate: null }),
      },
    });
    expect(await row(name, requestId)).toMatchObject({
      outcome: "accepted",
      prompt_tokens: 12,
      completion_tokens: 5,
      counted_by: "upstream",
    });
  });

  it("converts a whole JSON completion into the stream a streaming client asked for", async () => {
    const { team: name, key } = await team();
    faultyUpstream(() => Response.json(completion("Hello there, friend.")));
    const { res, text, requestId } = await send(key, {
      body: {
        model: "gpt-4o-mini",
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: PROMPT }],
      },
    });

    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = dataEvents(text) as any[];
    expect(events[0]).toMatchObject({
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta: { role: "assistant", content: "Hello there, friend." }, finish_reason: "stop" }],
    });
    expect(events.at(-2)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 5 } });
    expect(events.at(-1)).toBe("[DONE]");
    expect(await row(name, requestId)).toMatchObject({ outcome: "accepted", completion_tokens: 5 });
  });

  it("validates a whole JSON completion with the packs: a loop is rejected, billed in full, nothing saved", async () => {
    const { team: name, key } = await team();
    const usage = { prompt_tokens: 12, completion_tokens: 600, total_tokens: 612 };
    faultyUpstream(() => Response.json(completion(loop.join(""), usage)));
    const { res, text, requestId } = await send(key, {
      body: { model: "gpt-4o-mini", max_tokens: 2000, messages: [{ role: "user", content: PROMPT }] },
    });

    expect(res.status).toBe(422);
    expect(JSON.parse(text)).toMatchObject({ error: { type: "inflight_rejection", code: "repetition-loop" } });
    expect(await row(name, requestId)).toMatchObject({
      outcome: "rejected",
      rule: "repetition-loop",
      prompt_tokens: 12,
      completion_tokens: 600,
      saved_tokens: 0,
      counted_by: "upstream",
    });
  });

  it("relays whole Responses and Anthropic answers the same way", async () => {
    const { team: name, key } = await team();
    const response = {
      id: "resp_w",
      object: "response",
      status: "completed",
      model: "m",
      output: [
        {
          id: "msg_w",
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "Hi there.", annotations: [] }],
        },
      ],
      usage: { input_tokens: 4, output_tokens: 3, total_tokens: 7 },
    };
    faultyUpstream(() => Response.json(response));
    const sent = await send(key, { path: "/v1/responses", body: { model: "m", input: PROMPT } });
    expect(JSON.parse(sent.text)).toMatchObject({ ...response, usage: { input_tokens: 4, output_tokens: 3 } });
    expect(await row(name, sent.requestId)).toMatchObject({ outcome: "accepted", completion_tokens: 3 });

    vi.restoreAllMocks();
    const message = {
      id: "msg_w",
      type: "message",
      role: "assistant",
      model: "m",
      content: [{ type: "text", text: "Hi there." }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 4, output_tokens: 3 },
    };
    faultyUpstream(() => Response.json(message));
    const streamed = await send(key, {
      path: "/v1/messages",
      body: { model: "m", max_tokens: 100, stream: true, messages: [{ role: "user", content: PROMPT }] },
      vars: { ANTHROPIC_BASE_URL: "http://anthropic.test" },
    });
    expect(streamed.text).toContain("event: message_start");
    expect(streamed.text).toContain('"text":"Hi there."');
    expect(streamed.text).toContain("event: message_stop");
    expect(await row(name, streamed.requestId)).toMatchObject({ outcome: "accepted", prompt_tokens: 4 });
  });

  it.each([
    ["an HTML page", "<!doctype html><html><body>Sign in</body></html>", "text/html", "a text/html body"],
    ["an empty body", "", "application/json", "an empty body"],
    ["JSON that is not a completion", '{"status": "ok"}', "application/json", "JSON that is not a completion"],
    ["plain text", "OK", "text/plain", "a text/plain body"],
  ])("answers a 200 with %s with a 502 in the envelope, and meters it", async (_name, text, type, what) => {
    const { team: name, key } = await team();
    faultyUpstream(() => new Response(text, { headers: { "content-type": type } }));
    const sent = await send(key);

    expect(sent.res.status).toBe(502);
    expect(JSON.parse(sent.text)).toMatchObject({
      error: {
        code: "upstream_invalid_response",
        message: `The upstream answered HTTP 200 with ${what}, not an event stream or a completion.`,
      },
    });
    expect(await row(name, sent.requestId)).toMatchObject({ outcome: "upstream_error" });
  });

  it("answers a 200 JSON error object with 502 and the object, metered as upstream_error", async () => {
    const { team: name, key } = await team();
    const error = { error: { message: "model overloaded", type: "server_error", code: null, param: null } };
    faultyUpstream(() => Response.json(error));
    const sent = await send(key);

    expect(sent.res.status).toBe(502);
    expect(JSON.parse(sent.text)).toEqual(error);
    expect(await row(name, sent.requestId)).toMatchObject({ outcome: "upstream_error" });
  });

  it("reads an event stream sent without its content type", async () => {
    const { team: name, key } = await team();
    faultyUpstream(
      (call) =>
        new Response(body(call.signal, chatFrames(["Hello", " there"])), { headers: { "content-type": "text/plain" } }),
    );
    const sent = await send(key);

    expect(sent.text).toContain('"content":" there"');
    expect(await row(name, sent.requestId)).toMatchObject({ outcome: "accepted" });
  });
});

describe("a client that leaves", () => {
  it("aborts the upstream at once when it leaves before the headers, streaming or not", async () => {
    for (const stream of [false, true]) {
      const { team: name, key } = await team();
      const upstream = faultyUpstream((call) => untilAborted(call.signal));
      const sent = await send(key, {
        body: { model: "gpt-4o-mini", stream, messages: [{ role: "user", content: PROMPT }] },
        vars: { UPSTREAM_HEADERS_TIMEOUT_MS: "60000" },
        abortWhen: upstream.started,
      });

      expect(sent.res.status).toBe(499);
      expect(upstream.calls[0]!.abortReason).toEqual({ kind: "client_disconnect" });
      expect(await row(name, sent.requestId)).toMatchObject({ outcome: "client_abort", completion_tokens: 0 });
    }
  });

  it("is noticed during a non-streaming collection and booked client_abort with the tokens seen", async () => {
    const { team: name, key } = await team();
    let sentSome!: () => void;
    const halfway = new Promise<void>((resolve) => (sentSome = resolve));
    const upstream = faultyUpstream((call) => {
      const frames = chatFrames(["One", " two", " three"]).slice(0, 4);
      let next = 0;
      return new Response(
        new ReadableStream<Uint8Array>(
          {
            async pull(controller) {
              if (next < frames.length) return controller.enqueue(new TextEncoder().encode(frames[next++]!));
              // Asked for more: the proxy has read and inspected every frame so far.
              sentSome();
              await untilAborted(call.signal).catch((reason: unknown) => controller.error(reason));
            },
          },
          { highWaterMark: 0 },
        ),
        { headers: { "content-type": "text/event-stream" } },
      );
    });
    const sent = await send(key, {
      body: { model: "gpt-4o-mini", messages: [{ role: "user", content: PROMPT }] },
      vars: { UPSTREAM_IDLE_TIMEOUT_MS: "60000" },
      abortWhen: halfway,
    });

    expect(sent.res.status).toBe(499);
    expect(upstream.calls[0]!.abortReason).toEqual({ kind: "client_disconnect" });
    expect(await row(name, sent.requestId)).toMatchObject({ outcome: "client_abort", completion_tokens: 3 });
  });

  it("is noticed while an error body is read", async () => {
    const { team: name, key } = await team();
    const upstream = faultyUpstream(
      (call) =>
        new Response(body(call.signal, ['{"error":'], "hang"), {
          status: 500,
          headers: { "content-type": "application/json" },
        }),
    );
    const sent = await send(key, { vars: { UPSTREAM_BODY_TIMEOUT_MS: "60000" }, abortWhen: upstream.started });

    expect(sent.res.status).toBe(499);
    expect(upstream.calls[0]!.abortReason).toEqual({ kind: "client_disconnect" });
    expect(await row(name, sent.requestId)).toMatchObject({ outcome: "client_abort" });
  });

  it("that left before the proxy got the request sends nothing upstream, and is booked", async () => {
    const { team: name, key } = await team();
    const upstream = faultyUpstream(() => new Response("never"));
    const sent = await send(key, { abortBeforeSend: true });

    expect(sent.res.status).toBe(499);
    expect(upstream.calls).toHaveLength(0);
    expect(await row(name, sent.requestId)).toMatchObject({ outcome: "client_abort", completion_tokens: 0 });
  });
});

describe("upstream usage", () => {
  const clean = ["Hello", " there,", " friend."];
  it.each([
    ["negative counts", { prompt_tokens: -500, completion_tokens: 3, total_tokens: -497 }],
    ["counts above the ceiling", { prompt_tokens: 9, completion_tokens: 1e15, total_tokens: 1e15 + 9 }],
    ["counts that are not integers", { prompt_tokens: 9.5, completion_tokens: 3, total_tokens: 12.5 }],
  ])("refuses %s and books inflight's own count, saying so", async (_name, usage) => {
    const { team: name, key } = await team();
    const frames = chatFrames(clean, { usage: false });
    frames.splice(-1, 0, usageChunk(usage));
    faultyUpstream((call) => sse(frames, call.signal));
    const { text, requestId } = await send(key, {
      body: {
        model: "gpt-4o-mini",
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: PROMPT }],
      },
    });

    expect(lastEvent(text)).toMatchObject({
      usage: {
        prompt_tokens: PROMPT_ESTIMATE,
        completion_tokens: estimateTokens(clean.join("")),
        inflight: { counted_by: "inflight_upstream_invalid" },
      },
    });
    expect(await row(name, requestId)).toMatchObject({
      outcome: "accepted",
      prompt_tokens: PROMPT_ESTIMATE,
      completion_tokens: estimateTokens(clean.join("")),
      counted_by: "inflight_upstream_invalid",
    });
  });

  it("refuses a completion count far below the text that arrived", async () => {
    const { team: name, key } = await team();
    const words = Array.from({ length: 80 }, (_, i) => ` word${i}`);
    const frames = chatFrames(words, { usage: false });
    frames.splice(-1, 0, usageChunk({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 }));
    faultyUpstream((call) => sse(frames, call.signal));
    const { requestId } = await send(key);

    const stored = await row(name, requestId);
    expect(stored).toMatchObject({ outcome: "accepted", counted_by: "inflight_upstream_invalid" });
    expect(stored.completion_tokens).toBeGreaterThanOrEqual(80);
  });

  it("books a sane count as the upstream's", async () => {
    const { team: name, key } = await team();
    faultyUpstream((call) => sse(chatFrames(clean), call.signal));
    const { requestId } = await send(key);

    expect(await row(name, requestId)).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 3,
      counted_by: "upstream",
    });
  });
});
