import { reset, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TeamMeter } from "../../src/metering/team-meter";
import { chatFrames, fakeUpstream } from "../helpers/fake-upstream";
import { admin, chat, createTeamKey, meter, settle } from "./helpers";

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

const rows = (team: string) =>
  runInDurableObject(meter(team), (_: TeamMeter, state) =>
    state.storage.sql.exec<Record<string, string | number | null>>("SELECT * FROM requests ORDER BY time").toArray(),
  );

describe("without team keys", () => {
  it("passes requests through with the client's Authorization while no key exists", async () => {
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res } = await settle("/v1/chat/completions", chat("client-key"));
    expect(res.status).toBe(200);
    expect(upstream.requests[0]!.headers.get("authorization")).toBe("Bearer client-key");
  });

  it("requires a key when REQUIRE_TEAM_KEYS is true, even before any exists", async () => {
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res, text } = await settle("/v1/chat/completions", chat("client-key"), { REQUIRE_TEAM_KEYS: "true" });
    expect(res.status).toBe(401);
    expect(JSON.parse(text)).toMatchObject({
      error: { type: "invalid_request_error", code: "invalid_api_key", param: null },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it("refuses everything when keys are forced on but the KV namespace is missing", async () => {
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const bindings = { REQUIRE_TEAM_KEYS: "true", INFLIGHT_KV: undefined };
    const { res, text } = await settle("/v1/chat/completions", chat("client-key"), bindings);
    expect(res.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "teams_disabled" } });
    expect(upstream.requests).toHaveLength(0);
  });

  it("keeps passing other credentials through once keys exist when REQUIRE_TEAM_KEYS is false", async () => {
    await createTeamKey("acme");
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res } = await settle("/v1/chat/completions", chat("client-key"), { REQUIRE_TEAM_KEYS: "false" });
    expect(res.status).toBe(200);
    expect(upstream.requests[0]!.headers.get("authorization")).toBe("Bearer client-key");
  });
});

describe("with a team key", () => {
  it("forwards the request without the team key, meters it, and answers as before", async () => {
    const { key, id } = await createTeamKey("acme");
    const upstream = fakeUpstream(chatFrames(["Hello", " there"]));
    const { res, text } = await settle("/v1/chat/completions", chat(key));
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ choices: [{ message: { content: "Hello there" } }] });
    expect(upstream.requests[0]!.headers.get("authorization")).toBeNull();
    expect(JSON.stringify(upstream.requests[0]!.body)).not.toContain(key);

    const [row] = await rows("acme");
    expect(row).toMatchObject({
      request_id: res.headers.get("x-inflight-request-id"),
      model: "gpt-4o-mini",
      outcome: "accepted",
      prompt_tokens: 9,
      completion_tokens: 2,
      key_id: id,
      // 9 × 0.15 + 2 × 0.60 USD per million tokens, in nano-USD.
      cost_nano_usd: 2550,
      saved_cost_nano_usd: 0,
    });
  });

  it("sends the Worker's provider key upstream in place of the team key", async () => {
    const { key } = await createTeamKey("acme");
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    await settle("/v1/chat/completions", chat(key), { UPSTREAM_API_KEY: "sk-provider" });
    expect(upstream.requests[0]!.headers.get("authorization")).toBe("Bearer sk-provider");
  });

  it("does not forward the team key on the /v1/* passthrough", async () => {
    const { key } = await createTeamKey("acme");
    const upstream = fakeUpstream([], () => Response.json({ object: "list", data: [] }));
    const { res } = await settle("/v1/models", { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(upstream.requests[0]!.headers.get("authorization")).toBeNull();
  });

  it("accepts the key in x-api-key, as Anthropic clients send it, and forwards neither header", async () => {
    const { key } = await createTeamKey("acme");
    const upstream = fakeUpstream([], () => Response.json({ object: "list", data: [] }));
    const { res } = await settle("/v1/models", { headers: { "x-api-key": key } });
    expect(res.status).toBe(200);
    expect(upstream.requests[0]!.headers.get("x-api-key")).toBeNull();
    expect(upstream.requests[0]!.headers.get("authorization")).toBeNull();
  });

  it("answers a missing or unknown key with 401 once keys exist, forwarding nothing", async () => {
    await createTeamKey("acme");
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const missing = await settle("/v1/chat/completions", chat(null));
    expect(missing.res.status).toBe(401);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { code: "missing_api_key" } });
    const unknown = await settle("/v1/chat/completions", chat("ifk_notakey"));
    expect(unknown.res.status).toBe(401);
    expect(JSON.parse(unknown.text)).toMatchObject({ error: { code: "invalid_api_key" } });
    const provider = await settle("/v1/models", { headers: { authorization: "Bearer sk-someone" } });
    expect(provider.res.status).toBe(401);
    expect(upstream.requests).toHaveLength(0);
  });

  it("refuses a revoked key", async () => {
    const { key, id } = await createTeamKey("acme");
    await admin("DELETE", `/keys/${id}`);
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res } = await settle("/v1/chat/completions", chat(key));
    expect(res.status).toBe(401);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("team policy", () => {
  it("runs enforced packs whatever x-inflight-rules names, adding the requested ones", async () => {
    const { key } = await createTeamKey("acme");
    await admin("PUT", "/policy", { enforced_packs: ["chat"] });
    await admin("PUT", "/teams/acme/policy", { enforced_packs: ["json"], default_packs: ["math"] });
    fakeUpstream(chatFrames(["Hi"]));
    const named = await settle("/v1/chat/completions", chat(key, {}, { "x-inflight-rules": "default" }));
    expect(named.res.headers.get("x-inflight-packs")).toBe("chat,json,default");
    fakeUpstream(chatFrames(["Hi"]));
    const unnamed = await settle("/v1/chat/completions", chat(key));
    expect(unnamed.res.headers.get("x-inflight-packs")).toBe("chat,json,math");
  });

  it("runs nothing but the enforced packs when the policy's default_packs is [] and the request names none", async () => {
    const { key } = await createTeamKey("acme");
    await admin("PUT", "/teams/acme/policy", { default_packs: [] });
    // A runaway loop: the Worker's DEFAULT_PACKS (`default`) would cut it off at the repetition-loop rule.
    const loop = "The lighthouse keeper climbed the stairs again. ".repeat(20);
    fakeUpstream(chatFrames([loop]));
    const unnamed = await settle("/v1/chat/completions", chat(key));
    expect(unnamed.res.status).toBe(200);
    expect(unnamed.res.headers.get("x-inflight-packs")).toBe("");
    expect(JSON.parse(unnamed.text).choices[0].message.content).toBe(loop);

    await admin("PUT", "/policy", { enforced_packs: ["chat"] });
    fakeUpstream(chatFrames([loop]));
    const enforced = await settle("/v1/chat/completions", chat(key));
    expect(enforced.res.headers.get("x-inflight-packs")).toBe("chat");
    expect(JSON.parse(enforced.text).error).toMatchObject({ type: "inflight_rejection", code: "chat.repetition-loop" });
  });

  it("refuses a model the team may not use with 403, forwarding nothing", async () => {
    const { key } = await createTeamKey("acme");
    await admin("PUT", "/teams/acme/policy", { allowed_models: ["gpt-4.1*"] });
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res, text } = await settle("/v1/chat/completions", chat(key, { model: "gpt-4o" }));
    expect(res.status).toBe(403);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "model_not_allowed", param: "model" } });
    expect(upstream.requests).toHaveLength(0);
    fakeUpstream(chatFrames(["Hi"]));
    expect((await settle("/v1/chat/completions", chat(key, { model: "gpt-4.1-mini" }))).res.status).toBe(200);
  });

  it("applies the organisation's allowed models to a team without its own", async () => {
    const { key } = await createTeamKey("acme");
    await admin("PUT", "/policy", { allowed_models: ["gpt-4o-mini"] });
    fakeUpstream(chatFrames(["Hi"]));
    expect((await settle("/v1/chat/completions", chat(key, { model: "gpt-4.1" }))).res.status).toBe(403);
    await admin("PUT", "/teams/acme/policy", { allowed_models: null });
    expect((await settle("/v1/chat/completions", chat(key, { model: "gpt-4.1" }))).res.status).toBe(200);
  });
});
