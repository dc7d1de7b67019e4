import { reset, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TeamMeter } from "../../src/metering/team-meter";
import { chatFrames, fakeUpstream } from "../helpers/fake-upstream";
import { admin, chat, createTeamKey, meter, settle } from "../teams/helpers";

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

const rows = (team: string) =>
  runInDurableObject(meter(team), (_: TeamMeter, state) =>
    state.storage.sql
      .exec<Record<string, string | number | null>>(
        "SELECT route, model, outcome, prompt_tokens, completion_tokens, packs, cost_nano_usd, key_id FROM requests ORDER BY time",
      )
      .toArray(),
  );

/** An embeddings answer as OpenAI writes it: the vectors, then `usage` last. */
function embeddingsAnswer(vectors: number, dims: number, promptTokens: number): string {
  const data = Array.from({ length: vectors }, (_, index) => ({
    object: "embedding",
    index,
    embedding: Array.from({ length: dims }, (_, i) => Math.sin(index + i)),
  }));
  return JSON.stringify({
    object: "list",
    data,
    model: "text-embedding-3-small",
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

const embed = (key: string, body: unknown = { model: "text-embedding-3-small", input: ["first text", "second"] }) =>
  settle("/v1/embeddings", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("the pass-through meters what it forwards", () => {
  it("books an embeddings request as forwarded, with its route and the answer's own usage", async () => {
    const { key, id } = await createTeamKey("acme");
    const answer = embeddingsAnswer(2, 8, 7);
    const upstream = fakeUpstream([], () => new Response(answer, { headers: { "content-type": "application/json" } }));
    const { res, text } = await embed(key);
    expect(res.status).toBe(200);
    expect(text).toBe(answer);
    expect(upstream.requests[0]!.headers.get("authorization")).toBeNull();
    expect(await rows("acme")).toEqual([
      {
        route: "POST /v1/embeddings",
        model: "text-embedding-3-small",
        outcome: "forwarded",
        prompt_tokens: 7,
        completion_tokens: 0,
        packs: "[]",
        cost_nano_usd: null,
        key_id: id,
      },
    ]);
  });

  it("reads the usage at the end of a multi-megabyte answer that streams through unchanged", async () => {
    const { key } = await createTeamKey("acme");
    const answer = embeddingsAnswer(64, 3072, 1234);
    expect(answer.length).toBeGreaterThan(2_000_000);
    const bytes = new TextEncoder().encode(answer);
    fakeUpstream([], () => {
      // Delivered in uneven pieces, the usage object split across two of them.
      const cuts = [0, 1000, 65_536, bytes.length - 30, bytes.length];
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 1; i < cuts.length; i++) controller.enqueue(bytes.slice(cuts[i - 1], cuts[i]));
          controller.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "application/json" } });
    });
    const { text } = await embed(key);
    expect(text).toBe(answer);
    expect((await rows("acme"))[0]).toMatchObject({ outcome: "forwarded", prompt_tokens: 1234 });
  });

  it("falls back to inflight's estimate of the input when the answer reports no usable usage", async () => {
    const { key } = await createTeamKey("acme");
    for (const usage of [undefined, { prompt_tokens: -500 }, { prompt_tokens: 1e15 }]) {
      fakeUpstream([], () => Response.json({ object: "list", data: [], ...(usage ? { usage } : {}) }));
      await embed(key, { model: "e", input: ["one two three", "four"] });
    }
    // "one two three" is 3 tokens, "four" 1.
    expect((await rows("acme")).map((row) => row.prompt_tokens)).toEqual([4, 4, 4]);
  });

  it("books models, moderations and file requests with their routes", async () => {
    const { key } = await createTeamKey("acme");
    fakeUpstream([], () => Response.json({ object: "list", data: [] }));
    const auth = { authorization: `Bearer ${key}` };
    await settle("/v1/models", { headers: auth });
    await settle("/v1/models/gpt-4o-mini", { headers: auth });
    await settle("/v1/moderations", { method: "POST", headers: auth, body: JSON.stringify({ input: "hi" }) });
    await settle("/v1/files/file-1", { method: "DELETE", headers: auth });
    expect((await rows("acme")).map((row) => [row.route, row.outcome])).toEqual([
      ["GET /v1/models", "forwarded"],
      ["GET /v1/models/{id}", "forwarded"],
      ["POST /v1/moderations", "forwarded"],
      ["DELETE /v1/files/{id}", "forwarded"],
    ]);
  });

  it("forwards a multipart upload byte for byte", async () => {
    const { key } = await createTeamKey("acme");
    let received: { bytes: Uint8Array; type: string | null } | undefined;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input as RequestInfo, init as RequestInit);
      received = { bytes: new Uint8Array(await request.arrayBuffer()), type: request.headers.get("content-type") };
      return Response.json({ id: "file-1", object: "file" });
    });
    const form = new FormData();
    form.set("purpose", "user_data");
    form.set("file", new File([new Uint8Array([0, 255, 1, 254, 10, 13, 0xc3])], "data.bin"));
    const sent = new Request("http://x/", { method: "POST", body: form });
    const bytes = new Uint8Array(await sent.clone().arrayBuffer());
    const { res } = await settle("/v1/files", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": sent.headers.get("content-type")! },
      body: bytes,
    });
    expect(res.status).toBe(200);
    expect(received?.type).toBe(sent.headers.get("content-type"));
    expect(received?.bytes).toEqual(bytes);
    expect((await rows("acme"))[0]).toMatchObject({ route: "POST /v1/files", outcome: "forwarded" });
  });

  it("books an upstream failure as upstream_error and relays its status", async () => {
    const { key } = await createTeamKey("acme");
    fakeUpstream([], () => Response.json({ error: { message: "down" } }, { status: 503 }));
    expect((await embed(key)).res.status).toBe(503);
    vi.restoreAllMocks();
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new Error("connection refused"));
    expect((await embed(key)).res.status).toBe(502);
    expect((await rows("acme")).map((row) => [row.outcome, row.prompt_tokens])).toEqual([
      ["upstream_error", 0],
      ["upstream_error", 0],
    ]);
  });

  it("checks a forwarded request against the team's budget", async () => {
    const { key } = await createTeamKey("acme");
    await admin("PUT", "/teams/acme/policy", { budget: { daily_usd: 0.000001 } });
    fakeUpstream(chatFrames(["Hello", " there"]));
    await settle("/v1/chat/completions", chat(key));
    const upstream = fakeUpstream([], () => Response.json({}));
    const { res } = await embed(key);
    expect(res.status).toBe(429);
    expect(upstream.requests).toHaveLength(0);
    expect((await rows("acme")).map((row) => [row.route, row.outcome])).toEqual([
      ["POST /v1/chat/completions", "accepted"],
      ["POST /v1/embeddings", "budget_denied"],
    ]);
  });
});
