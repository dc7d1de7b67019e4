import Anthropic, { APIError as AnthropicError } from "@anthropic-ai/sdk";
import OpenAI, { APIError, APIUserAbortError, RateLimitError } from "openai";
import { describe, expect, inject, it } from "vitest";
import { tokenize, type ScenarioInput } from "../../scripts/upstream";
import { cleanProse, thrown, upstream, waitForRecord } from "./helpers";
import { createTeam, meterRow, rawClient } from "./meter";

const faultsUrl = inject("faultsWorkerUrl");
const directUrl = inject("directWorkerUrl");
const limits = inject("faultLimits");
/** How soon after a limit (or the client leaving) the upstream must see its connection closed. */
const PROMPTLY_MS = 1_500;
/** How much earlier than the upstream's own clock says the Worker's wait can end (see `closedPromptly`). */
const EARLY_MS = 400;
const messages = [{ role: "user" as const, content: "Hello" }];

/** A fresh team on the fault suite's Worker, its key in the official client. */
async function setUp(label: string, baseUrl = faultsUrl) {
  const { team, key } = await createTeam(baseUrl, label);
  const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 });
  const post = (body: Record<string, unknown>, path = "/v1/chat/completions") =>
    fetch(`${baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
  return { team, key, client, post, row: () => meterRow(baseUrl, team) };
}

/** Reads an SDK stream to its end, returning the text; throws what the stream throws. */
async function drain(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  return text;
}

/**
 * The upstream closed the connection within `PROMPTLY_MS` of `since` (epoch ms), and before it was done. The
 * Worker's clock starts when it sends the request, before the upstream records `startedAtMs`: on a loaded machine
 * the request can take a few hundred milliseconds to arrive, so the close may come that much before `since`.
 */
async function closedPromptly(id: string, since: (started: number) => number) {
  const record = await waitForRecord(id, (r) => r.closedAtMs !== null, 10_000);
  expect(record.clientClosed).toBe(true);
  expect(record.completed).toBe(false);
  const late = record.closedAtMs! - since(record.startedAtMs);
  expect(late).toBeGreaterThanOrEqual(-EARLY_MS);
  expect(late).toBeLessThan(PROMPTLY_MS);
  return record;
}

describe.concurrent("bounded waits", () => {
  it("answers 504 upstream_timeout when the headers do not come in time, and closes the upstream", async () => {
    const { client, row } = await setUp("slow-headers");
    const { id, model } = await upstream.scenario({ text: "Hi.", firstByteDelayMs: 30_000 });
    const error = await thrown(() => client.chat.completions.create({ model, messages }));

    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 504, code: "upstream_timeout", type: "upstream_error" });
    await closedPromptly(id, (started) => started + limits.UPSTREAM_HEADERS_TIMEOUT_MS);
    expect(await row()).toMatchObject({ outcome: "upstream_error", completion_tokens: 0, counted_by: "inflight" });
  });

  it("keeps an error's status and answers in the envelope when its body does not come in time", async () => {
    const { post, row } = await setUp("slow-error-body");
    const { id, model } = await upstream.scenario({ status: 500, bodyDelayMs: 30_000 });
    const res = await post({ model, stream: true, messages });

    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toMatchObject({
      error: {
        type: "upstream_error",
        code: "upstream_http_error",
        message: `The upstream answered HTTP 500, and its error body did not arrive within ${limits.UPSTREAM_BODY_TIMEOUT_MS} ms.`,
      },
    });
    await closedPromptly(id, (started) => started + limits.UPSTREAM_BODY_TIMEOUT_MS);
    expect(await row()).toMatchObject({ outcome: "upstream_error" });
  });

  it.each([
    ["keep-alive comments", "comments"],
    ["empty deltas", "empty_deltas"],
  ] as const)("ends a stream of %s forever with an upstream_timeout error", async (_name, stall) => {
    const { client, row } = await setUp(`stall-${stall}`);
    const { id, model } = await upstream.scenario({ text: "Hi there.", tokenDelayMs: 0, stall, stallEveryMs: 50 });
    const stream = await client.chat.completions.create({ model, stream: true, messages });
    const error = await thrown(() => drain(stream));

    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ code: "upstream_timeout", type: "upstream_error" });
    const record = await waitForRecord(id, (r) => r.closedAtMs !== null, 10_000);
    expect(record.clientClosed).toBe(true);
    // The last text came right away: the stream ran one no-progress limit past it, however many keep-alives came.
    expect(record.closedAtMs! - record.lastTokenAtMs!).toBeGreaterThanOrEqual(limits.UPSTREAM_IDLE_TIMEOUT_MS - 50);
    expect(record.closedAtMs! - record.lastTokenAtMs!).toBeLessThan(limits.UPSTREAM_IDLE_TIMEOUT_MS + PROMPTLY_MS);
    expect(await row()).toMatchObject({ outcome: "upstream_error", counted_by: "inflight" });
  });

  it("ends an Anthropic stream of pings forever with the error the SDK raises", async () => {
    const { team, key } = await createTeam(faultsUrl, "stall-pings");
    const client = new Anthropic({ baseURL: faultsUrl, apiKey: key, maxRetries: 0, timeout: 20_000 });
    const { model } = await upstream.scenario({ text: "Hi there.", tokenDelayMs: 0, stall: "empty_deltas" });
    const error = await thrown(() => client.messages.stream({ model, max_tokens: 100, messages }).finalMessage());

    expect(error).toBeInstanceOf(AnthropicError);
    expect((error as AnthropicError).errorCode).toBe("upstream_timeout");
    expect(await meterRow(faultsUrl, team)).toMatchObject({ outcome: "upstream_error" });
  });

  it("ends a stream that is still going at the total limit with an upstream_timeout error", async () => {
    const { client, row } = await setUp("total-limit");
    const { id, model } = await upstream.scenario({ text: cleanProse(400, 3), tokenDelayMs: 25 });
    const stream = await client.chat.completions.create({ model, stream: true, messages });
    const error = await thrown(() => drain(stream));

    expect(error).toMatchObject({
      code: "upstream_timeout",
      message: `The upstream timed out: the request took longer than ${limits.UPSTREAM_TOTAL_TIMEOUT_MS} ms`,
    });
    await closedPromptly(id, (started) => started + limits.UPSTREAM_TOTAL_TIMEOUT_MS);
    const stored = await row();
    expect(stored).toMatchObject({ outcome: "upstream_error", counted_by: "inflight" });
    expect(stored.completion_tokens).toBeGreaterThan(0);
  });
});

describe.concurrent("upstream error bodies", () => {
  it("answers a 5xx whose body breaks mid-read with its status in the envelope, and meters it", async () => {
    const { post, row } = await setUp("broken-error-body");
    const body = { error: { message: "The server had an error while processing your request.", type: "server_error" } };
    const { model } = await upstream.scenario({ status: 503, body, bodyBreak: true });
    const res = await post({ model, stream: true, messages });

    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: { type: "upstream_error", code: "upstream_http_error", message: expect.stringContaining("broke off") },
    });
    expect(await row()).toMatchObject({ outcome: "upstream_error" });
  });

  it("answers an HTML error page as JSON in the envelope, never as text/html", async () => {
    const { post, row } = await setUp("html-error");
    const page = "<html><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>";
    const { model } = await upstream.scenario({ status: 502, body: page, headers: { "content-type": "text/html" } });
    const res = await post({ model, messages });
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({
      error: {
        message: "The upstream answered HTTP 502 with a text/html body, not a JSON error: 502 Bad Gateway nginx",
        type: "upstream_error",
        code: "upstream_http_error",
        param: null,
      },
    });
    expect(await row()).toMatchObject({ outcome: "upstream_error" });
  });

  it("passes a JSON error body through with its status, and meters it", async () => {
    const { client, row } = await setUp("json-error");
    const body = { error: { message: "Slow down.", type: "requests", param: null, code: "rate_limit_exceeded" } };
    const { model } = await upstream.scenario({ status: 429, body });
    const error = await thrown(() => client.chat.completions.create({ model, messages }));

    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({
      status: 429,
      code: "rate_limit_exceeded",
      message: expect.stringContaining("Slow down."),
    });
    expect(await row()).toMatchObject({ outcome: "upstream_error" });
  });
});

describe.concurrent("streams that end without their end", () => {
  it("raises an incomplete_upstream_stream error through the SDK and books the request incomplete", async () => {
    const { client, row } = await setUp("no-finish");
    const text = cleanProse(20, 4);
    const { model } = await upstream.scenario({ text, tokenDelayMs: 0, noFinish: true });
    const stream = await client.chat.completions.create({ model, stream: true, messages });
    let received = "";
    const error = await thrown(async () => {
      for await (const chunk of stream) received += chunk.choices[0]?.delta?.content ?? "";
    });

    expect(received).toBe(text);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ code: "incomplete_upstream_stream", type: "upstream_error" });
    const stored = await row();
    expect(stored).toMatchObject({ outcome: "incomplete", counted_by: "inflight" });
    expect(stored.completion_tokens).toBeGreaterThan(0);
  });

  it("answers it 502 when the client does not stream", async () => {
    const { post, row } = await setUp("no-finish-whole");
    const { model } = await upstream.scenario({ text: "Hello there.", tokenDelayMs: 0, noFinish: true });
    const res = await post({ model, messages });

    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: "incomplete_upstream_stream" } });
    expect(await row()).toMatchObject({ outcome: "incomplete" });
  });
});

describe.concurrent("answers that are not event streams", () => {
  it("relays a whole JSON completion (the upstream ignored stream: true), streamed or not, with its usage", async () => {
    const text = cleanProse(30, 5);
    const { model } = await upstream.scenario({ text, ignoreStream: true });

    const streaming = await setUp("whole-streamed");
    const stream = await streaming.client.chat.completions.create({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages,
    });
    let received = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      received += chunk.choices[0]?.delta?.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(received).toBe(text);
    expect(usage).toMatchObject({ completion_tokens: tokenize(text).length, inflight: { counted_by: "upstream" } });
    expect(await streaming.row()).toMatchObject({
      outcome: "accepted",
      completion_tokens: tokenize(text).length,
      counted_by: "upstream",
    });

    const whole = await setUp("whole-json");
    const completion = await whole.client.chat.completions.create({ model, messages });
    expect(completion.choices[0]?.message.content).toBe(text);
    expect(completion.system_fingerprint).toBe("fp_inflight_upstream");
    expect(await whole.row()).toMatchObject({ outcome: "accepted", completion_tokens: tokenize(text).length });
  });

  const notCompletions: Array<[string, ScenarioInput, string]> = [
    [
      "an HTML page",
      { raw: ["<!doctype html><html><body>Log in</body></html>"], headers: { "content-type": "text/html" } },
      "a text/html body",
    ],
    ["an empty body", { raw: [], headers: { "content-type": "application/json" } }, "an empty body"],
    [
      "JSON that is not a completion",
      { raw: ['{"status": "ok"}'], headers: { "content-type": "application/json" } },
      "JSON that is not a completion",
    ],
  ];
  it.each(notCompletions)(
    "answers a 200 with %s with a 502 in the envelope, and meters it",
    async (label, scenario, what) => {
      const { client, row } = await setUp(`not-a-completion-${label}`);
      const { model } = await upstream.scenario({ ...scenario, tokenDelayMs: 0 });
      const error = await thrown(() => client.chat.completions.create({ model, stream: true, messages }));

      expect(error).toBeInstanceOf(APIError);
      expect(error).toMatchObject({
        status: 502,
        code: "upstream_invalid_response",
        message: expect.stringContaining(`HTTP 200 with ${what}, not an event stream or a completion`),
      });
      expect(await row()).toMatchObject({ outcome: "upstream_error" });
    },
  );
});

describe.concurrent("upstream usage", () => {
  it.each([
    ["negative prompt tokens", { prompt_tokens: -500 }],
    ["10^15 completion tokens", { completion_tokens: 1e15 }],
  ])("refuses %s and books inflight's own count, saying so", async (label, usage) => {
    const { client, row } = await setUp(`usage-${label}`);
    const text = cleanProse(40, 6);
    const { model } = await upstream.scenario({ text, tokenDelayMs: 0, usage });
    const stream = await client.chat.completions.create({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages,
    });
    let reported: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) reported = chunk.usage ?? reported;

    expect(reported).toMatchObject({ inflight: { counted_by: "inflight_upstream_invalid" } });
    const stored = await row();
    expect(stored).toMatchObject({ outcome: "accepted", counted_by: "inflight_upstream_invalid" });
    expect(stored.prompt_tokens).toBeGreaterThan(0);
    expect(stored.completion_tokens).toBeGreaterThanOrEqual(tokenize(text).length / 2);
    expect(stored.completion_tokens).toBeLessThan(tokenize(text).length * 2);
  });
});

describe.concurrent("a client that leaves", () => {
  it("mid-stream: the upstream is closed and the request booked client_abort with the tokens seen", async () => {
    const { client, row } = await setUp("leaves-mid-stream");
    const { id, model } = await upstream.scenario({ text: cleanProse(2_000, 13), tokenDelayMs: 5 });
    const abort = new AbortController();
    const stream = await client.chat.completions.create({ model, stream: true, messages }, { signal: abort.signal });
    let chunks = 0;
    let leftAt = 0;
    try {
      for await (const _chunk of stream) {
        chunks += 1;
        if (chunks === 20) {
          leftAt = Date.now();
          abort.abort();
        }
      }
    } catch (error) {
      expect(error).toBeInstanceOf(APIUserAbortError);
    }

    await closedPromptly(id, () => leftAt);
    const stored = await row();
    expect(stored).toMatchObject({ outcome: "client_abort", counted_by: "inflight" });
    expect(stored.completion_tokens).toBeGreaterThanOrEqual(19);
  });

  // Served by Miniflare directly: under `wrangler dev` the Worker does not learn that a client left before it answered.
  const leaving: Array<[string, ScenarioInput, Record<string, unknown>]> = [
    ["before the headers, not streaming", { text: "Hi.", firstByteDelayMs: 30_000 }, { stream: false }],
    ["before the headers, streaming", { text: "Hi.", firstByteDelayMs: 30_000 }, { stream: true }],
    ["while an error body is read", { status: 500, bodyDelayMs: 30_000 }, { stream: false }],
  ];
  it.each(leaving)(
    "%s: the upstream is closed at once and the request booked client_abort",
    async (label, scenario, extra) => {
      const { team, key } = await createTeam(directUrl, `leaves-${label}`);
      const { id, model } = await upstream.scenario(scenario);
      const client = await rawClient(
        directUrl,
        "/v1/chat/completions",
        { authorization: `Bearer ${key}` },
        {
          model,
          messages,
          ...extra,
        },
      );
      await waitForRecord(id, () => true);
      const leftAt = client.reset();

      await closedPromptly(id, () => leftAt);
      expect(await meterRow(directUrl, team)).toMatchObject({ outcome: "client_abort", completion_tokens: 0 });
    },
  );

  it("during a non-streaming collection: the upstream is closed at once, booked with the tokens seen", async () => {
    const { team, key } = await createTeam(directUrl, "leaves-collecting");
    const { id, model } = await upstream.scenario({ text: cleanProse(2_000, 17), tokenDelayMs: 10 });
    const client = await rawClient(
      directUrl,
      "/v1/chat/completions",
      { authorization: `Bearer ${key}` },
      {
        model,
        messages,
      },
    );
    const record = await waitForRecord(id, (r) => r.tokensSent >= 30);
    const leftAt = client.reset();

    const closed = await closedPromptly(id, () => leftAt);
    expect(client.received()).toBe("");
    const stored = await meterRow(directUrl, team);
    expect(stored).toMatchObject({ outcome: "client_abort", counted_by: "inflight" });
    expect(stored.completion_tokens).toBeGreaterThanOrEqual(record.tokensSent - 5);
    expect(stored.completion_tokens).toBeLessThan(closed.tokensPlanned);
  });
});
