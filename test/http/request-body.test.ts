import { reset } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chatFrames, fakeUpstream } from "../helpers/fake-upstream";
import { admin, chat, createTeamKey, settle } from "../teams/helpers";

const MiB = 1024 * 1024;

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

/** A chat request whose body is `bytes` long (ASCII), padded in the message. */
function chatOfSize(bytes: number): string {
  const empty = JSON.stringify({ model: "m", messages: [{ role: "user", content: "" }] });
  return JSON.stringify({ model: "m", messages: [{ role: "user", content: "a".repeat(bytes - empty.length) }] });
}

/** A body stream that never ends, counting what the Worker pulled from it and whether it cancelled it. */
function endlessBody(chunkBytes: number) {
  const log = { pulled: 0, cancelled: false };
  const chunk = new TextEncoder().encode("a".repeat(chunkBytes));
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        log.pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        log.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, log };
}

describe("the /v1 body limit", () => {
  it("answers a body over the default 8 MiB with 413 in the OpenAI envelope, forwarding nothing", async () => {
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const res = await exports.default.fetch("http://inflight.test/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chatOfSize(8 * MiB + 1),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: {
        message: "The request body is larger than 8388608 bytes (MAX_REQUEST_BYTES).",
        type: "invalid_request_error",
        code: "request_too_large",
        param: null,
      },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it("takes a body of exactly the limit", async () => {
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res } = await settle(
      "/v1/chat/completions",
      { method: "POST", headers: { "content-type": "application/json" }, body: chatOfSize(64 * 1024) },
      { MAX_REQUEST_BYTES: String(64 * 1024) },
    );
    expect(res.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });

  it("cuts a chunked body without content-length at the limit, never reading it whole", async () => {
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { stream, log } = endlessBody(16 * 1024);
    const { res, text } = await settle(
      "/v1/chat/completions",
      { method: "POST", headers: { "content-type": "application/json" }, body: stream },
      { MAX_REQUEST_BYTES: String(100_000) },
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "request_too_large" } });
    // The stream never ends: it was read to the first chunk past the limit, then cancelled.
    expect(log.pulled).toBeLessThanOrEqual(100_000 + 2 * 16 * 1024);
    expect(log.cancelled).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });

  it("answers /v1/messages in Anthropic's envelope, and the pass-through as well", async () => {
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const limit = { MAX_REQUEST_BYTES: "1000" };
    const big = JSON.stringify({ model: "m", max_tokens: 5, messages: [{ role: "user", content: "a".repeat(2000) }] });
    const messages = await settle("/v1/messages", { method: "POST", body: big }, limit);
    expect(messages.res.status).toBe(413);
    expect(JSON.parse(messages.text)).toEqual({
      type: "error",
      error: {
        type: "request_too_large",
        message: "The request body is larger than 1000 bytes (MAX_REQUEST_BYTES).",
        details: { error_code: "request_too_large" },
      },
    });
    const embeddings = await settle("/v1/embeddings", { method: "POST", body: big }, limit);
    expect(embeddings.res.status).toBe(413);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("model policies read the body the handler parses", () => {
  const restricted = async () => {
    const { key } = await createTeamKey("acme");
    await admin("PUT", "/teams/acme/policy", { allowed_models: ["gpt-4o-mini"] });
    return key;
  };
  const post = (key: string, path: string, body: string, contentType: string | null) =>
    settle(path, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, ...(contentType ? { "content-type": contentType } : {}) },
      body,
    });
  const forbidden = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] });

  it.each([
    ["text/plain", "text/plain"],
    ["no content type", null],
    ["a form", "application/x-www-form-urlencoded"],
    ["multipart", "multipart/form-data; boundary=x"],
  ])("refuses a forbidden model sent as %s with 403, forwarding nothing", async (_, contentType) => {
    const key = await restricted();
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res, text } = await post(key, "/v1/chat/completions", forbidden, contentType);
    expect(res.status).toBe(403);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "model_not_allowed", param: "model" } });
    expect(upstream.requests).toHaveLength(0);
  });

  it("serves an allowed model whatever the content type, with the body as the policy read it", async () => {
    const key = await restricted();
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
    const { res } = await post(key, "/v1/chat/completions", body, "text/plain");
    expect(res.status).toBe(200);
    expect(upstream.requests[0]!.body).toMatchObject({ model: "gpt-4o-mini", messages: [{ content: "Hi" }] });
  });

  it.each([
    ["no model", { messages: [{ role: "user", content: "Hi" }] }],
    ["a model that is not a string", { model: ["gpt-4o-mini"], messages: [{ role: "user", content: "Hi" }] }],
    ["a body that is not an object", ["gpt-4o-mini"]],
  ])("refuses %s with 403 when the policy restricts models", async (_, body) => {
    const key = await restricted();
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res, text } = await post(key, "/v1/chat/completions", JSON.stringify(body), "application/json");
    expect(res.status).toBe(403);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "model_not_allowed", param: "model" } });
    expect(upstream.requests).toHaveLength(0);
  });

  it("refuses a body that is not JSON with 400 when the policy restricts models", async () => {
    const key = await restricted();
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res, text } = await post(key, "/v1/embeddings", "model=gpt-4o&input=x", "text/plain");
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "invalid_json" } });
    expect(upstream.requests).toHaveLength(0);
  });

  it("checks /v1/messages, /v1/responses and /v1/embeddings too, each in its own envelope", async () => {
    const key = await restricted();
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const messages = await settle("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": key, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-x", max_tokens: 9, messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(messages.res.status).toBe(403);
    expect(JSON.parse(messages.text)).toEqual({
      type: "error",
      error: {
        type: "permission_error",
        message: 'The model "claude-x" is not allowed for team acme.',
        details: { error_code: "model_not_allowed", param: "model" },
      },
    });
    const responses = await post(key, "/v1/responses", JSON.stringify({ model: "o3", input: "Hi" }), null);
    expect(responses.res.status).toBe(403);
    const embeddings = await post(key, "/v1/embeddings", JSON.stringify({ model: "e5", input: "Hi" }), null);
    expect(embeddings.res.status).toBe(403);
    expect(upstream.requests).toHaveLength(0);
  });

  it("leaves a request without a model to the handler when no policy restricts models", async () => {
    const { key } = await createTeamKey("acme");
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res } = await settle("/v1/chat/completions", chat(key, { model: undefined }));
    expect(res.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });
});
