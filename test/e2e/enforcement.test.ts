import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { thrown, upstream } from "./helpers";
import { startWorker, type WorkerProcess } from "./worker-process";

const ADMIN_TOKEN = "e2e-enforcement-admin-token";
const FAILURE_LIMIT = 3;

// Its own Worker: team keys make every request need a key, which the shared e2e Worker must not.
let worker: WorkerProcess;
let teamKey: string;

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${worker.url}${path}`, { ...init, signal: AbortSignal.timeout(20_000) });
}

async function adminCall(method: string, path: string, body?: unknown): Promise<Response> {
  return call(`/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The team's usage by outcome, as `GET /v1/inflight/usage` reports it. */
async function outcomes(): Promise<Record<string, number>> {
  const res = await call("/v1/inflight/usage?group_by=outcome", { headers: { authorization: `Bearer ${teamKey}` } });
  const body = (await res.json()) as { data: { outcome: string; requests: number }[] };
  return Object.fromEntries(body.data.map((row) => [row.outcome, row.requests]));
}

beforeAll(async () => {
  worker = await startWorker("e2e-enforcement", inject("upstreamUrl"), {
    ADMIN_TOKEN,
    AUTH_FAILURE_LIMIT: String(FAILURE_LIMIT),
    ANTHROPIC_BASE_URL: new URL(inject("upstreamUrl")).origin,
  });
  const created = await adminCall("POST", "/keys", { team: "e2e" });
  teamKey = ((await created.json()) as { key: string }).key;
  // The test upstream's models are `scenario:<id>`.
  await adminCall("PUT", "/teams/e2e/policy", { allowed_models: ["scenario:*"] });
}, 90_000);

afterAll(async () => {
  await worker?.stop();
});

describe("enforcement through the real HTTP stack", () => {
  it("refuses a forbidden model sent as text/plain, and serves an allowed one sent the same way", async () => {
    const forbidden = await call("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${teamKey}`, "content-type": "text/plain" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { code: "model_not_allowed", param: "model" } });

    const { id, model } = await upstream.scenario({ text: "Hello there.", tokenDelayMs: 0 });
    const allowed = await call("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${teamKey}`, "content-type": "text/plain" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ choices: [{ message: { content: "Hello there." } }] });
    const [record] = await upstream.records(id);
    expect(record?.body).toMatchObject({ model, stream: true });
  });

  it("refuses other spellings and methods of a proxied route; none reaches the upstream", async () => {
    const { id, model } = await upstream.scenario({ text: "Should never be asked.", tokenDelayMs: 0 });
    const body = JSON.stringify({ model, messages: [{ role: "user", content: "Hi" }] });
    const headers = { authorization: `Bearer ${teamKey}`, "content-type": "application/json" };
    for (const path of [
      "/v1/chat/completions/",
      "/v1/chat//completions",
      "/v1/Chat/Completions",
      "/v1/chat%2Fcompletions",
      "/v1/chat/completions;x",
    ]) {
      const res = await call(path, { method: "POST", headers, body });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    }
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const res = await call("/v1/chat/completions", { method, headers, body });
      expect(res.status, method).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
    expect(await upstream.records(id)).toEqual([]);
  });

  it("forwards GET /v1/models and meters it as forwarded", async () => {
    const before = (await outcomes()).forwarded ?? 0;
    const res = await call("/v1/models", { headers: { authorization: `Bearer ${teamKey}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ object: "list", data: [{ id: "inflight-upstream" }] });
    expect((await outcomes()).forwarded).toBe(before + 1);
  });

  it("answers a 9 MiB chunked body with 413 while reading it; nothing reaches the upstream", async () => {
    const { id, model } = await upstream.scenario({ text: "Should never be asked.", tokenDelayMs: 0 });
    const head = new TextEncoder().encode(`{"model":"${model}","messages":[{"role":"user","content":"`);
    const filler = new TextEncoder().encode("a".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
      },
      pull(controller) {
        if (sent >= 9 * 1024 * 1024) return controller.close();
        sent += filler.byteLength;
        controller.enqueue(filler);
      },
    });
    const res = await call("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${teamKey}`, "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "request_too_large" } });
    expect(await upstream.records(id)).toEqual([]);
  });

  it("answers 5,000 nested content parts on /v1/messages with 400 in Anthropic's envelope", async () => {
    const { id, model } = await upstream.scenario({ text: "Should never be asked.", tokenDelayMs: 0 });
    // Sent as raw JSON: the SDK's own request building recurses and would overflow the test's stack first.
    let content = '[{"type":"text","text":"deepest"}]';
    for (let i = 0; i < 5_000; i++) content = `[{"type":"tool_result","tool_use_id":"t${i}","content":${content}}]`;
    const res = await call("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": teamKey, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: `{"model":${JSON.stringify(model)},"max_tokens":16,"messages":[{"role":"user","content":${content}}]}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", details: { param: "messages.0.content.0.content.0" } },
    });
    expect(await upstream.records(id)).toEqual([]);
  });

  it("answers a content of the wrong type with 400 naming it, which the OpenAI SDK raises", async () => {
    const { id, model } = await upstream.scenario({ text: "Should never be asked.", tokenDelayMs: 0 });
    const client = new OpenAI({ baseURL: `${worker.url}/v1`, apiKey: teamKey, maxRetries: 0, timeout: 20_000 });
    const error = await thrown(() =>
      client.chat.completions.create({
        model,
        messages: [{ role: "user", content: { a: 1 } as unknown as string }],
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("messages.0.content");
    expect(await upstream.records(id)).toEqual([]);
  });

  it("answers a 10,000-character admin id with 400", async () => {
    const res = await adminCall("DELETE", `/keys/${"k".repeat(10_000)}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_field", param: "id" } });
  });

  it("throttles failed team keys with 429 and retry-after, and still serves the valid key", async () => {
    const wrong = () => call("/v1/models", { headers: { authorization: "Bearer ifk_not-a-key" } });
    for (let attempt = 1; attempt <= FAILURE_LIMIT; attempt++) expect((await wrong()).status).toBe(401);
    const throttled = await wrong();
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await throttled.json()).toMatchObject({ error: { code: "too_many_failed_attempts" } });
    expect((await call("/v1/models", { headers: { authorization: `Bearer ${teamKey}` } })).status).toBe(200);
  });
});
