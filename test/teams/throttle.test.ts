import { reset, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AuthThrottle } from "../../src/auth/auth-throttle";
import { countFailure, forgetThrottles } from "../../src/auth/throttle";
import { chatFrames, fakeUpstream } from "../helpers/fake-upstream";
import { ADMIN_TOKEN, chat, createTeamKey, settle } from "./helpers";

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

const LIMIT = { AUTH_FAILURE_LIMIT: "3", AUTH_FAILURE_WINDOW_S: "300" };

/** A chat request from `client` with `key`. */
const from = (client: string, key: string | null, bindings: Record<string, unknown> = LIMIT) =>
  settle("/v1/chat/completions", chat(key, {}, { "cf-connecting-ip": client }), bindings);

const adminFrom = (client: string, token: string | null) =>
  settle(
    "/admin/teams",
    { headers: { "cf-connecting-ip": client, ...(token ? { authorization: `Bearer ${token}` } : {}) } },
    LIMIT,
  );

/** The throttle object's stored window for a client, or undefined when nothing was ever counted. */
const storedWindow = (scope: string, client: string) =>
  runInDurableObject(
    env.AUTH_THROTTLE.get(env.AUTH_THROTTLE.idFromName(`${scope}:${client}`)),
    (_: AuthThrottle, state) => state.storage.sql.exec("SELECT failures FROM failure_window").toArray()[0],
  );

describe("failed team keys", () => {
  it("answers a client's first AUTH_FAILURE_LIMIT failures with 401, then 429 with retry-after, forwarding nothing", async () => {
    await createTeamKey("acme");
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    for (let attempt = 1; attempt <= 3; attempt++)
      expect((await from("203.0.113.7", `ifk_guess${attempt}`)).res.status).toBe(401);
    const { res, text } = await from("203.0.113.7", "ifk_guess4");
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(290);
    expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(300);
    expect(JSON.parse(text)).toEqual({
      error: {
        message: "Too many failed API key attempts from this client; try again later.",
        type: "rate_limit_error",
        code: "too_many_failed_attempts",
        param: null,
      },
    });
    // Another credential that is not a team key, once keys are required, is a failed attempt too.
    expect((await from("203.0.113.7", "sk-provider-key")).res.status).toBe(429);
    expect(upstream.requests).toHaveLength(0);
  });

  it("keeps refusing in another isolate, which learns the throttle from the client's object", async () => {
    await createTeamKey("acme");
    for (let attempt = 1; attempt <= 4; attempt++) await from("203.0.113.7", "ifk_guess");
    forgetThrottles();
    expect((await from("203.0.113.7", "ifk_guess")).res.status).toBe(429);
  });

  it("serves a valid key at once, from a throttled client too, and never counts it", async () => {
    const { key } = await createTeamKey("acme");
    fakeUpstream(chatFrames(["Hi"]));
    for (let attempt = 1; attempt <= 4; attempt++) await from("203.0.113.7", "ifk_guess");
    expect((await from("203.0.113.7", key)).res.status).toBe(200);
    for (let attempt = 1; attempt <= 5; attempt++) expect((await from("198.51.100.2", key)).res.status).toBe(200);
    expect(await storedWindow("team", "198.51.100.2")).toBeUndefined();
    expect(await storedWindow("team", "203.0.113.7")).toEqual({ failures: 4 });
  });

  it("counts per client: another address is not throttled", async () => {
    await createTeamKey("acme");
    for (let attempt = 1; attempt <= 4; attempt++) await from("203.0.113.7", "ifk_guess");
    expect((await from("198.51.100.2", "ifk_guess")).res.status).toBe(401);
  });

  it("does not count requests that carry no credential", async () => {
    await createTeamKey("acme");
    for (let attempt = 1; attempt <= 5; attempt++) {
      const { res, text } = await from("203.0.113.7", null);
      expect(res.status).toBe(401);
      expect(JSON.parse(text)).toMatchObject({ error: { code: "missing_api_key" } });
    }
    expect(await storedWindow("team", "203.0.113.7")).toBeUndefined();
  });

  it("throttles /v1/messages in Anthropic's envelope", async () => {
    await createTeamKey("acme");
    const post = () =>
      settle(
        "/v1/messages",
        {
          method: "POST",
          headers: { "x-api-key": "ifk_guess", "cf-connecting-ip": "203.0.113.7" },
          body: JSON.stringify({ model: "m", max_tokens: 9, messages: [{ role: "user", content: "Hi" }] }),
        },
        LIMIT,
      );
    for (let attempt = 1; attempt <= 3; attempt++) expect((await post()).res.status).toBe(401);
    const { res, text } = await post();
    expect(res.status).toBe(429);
    expect(JSON.parse(text)).toEqual({
      type: "error",
      error: {
        type: "rate_limit_error",
        message: "Too many failed API key attempts from this client; try again later.",
        details: { error_code: "too_many_failed_attempts" },
      },
    });
  });
});

describe("failed admin tokens", () => {
  it("answers 401 up to the limit, then 429, even for the right token from that client", async () => {
    for (let attempt = 1; attempt <= 3; attempt++)
      expect((await adminFrom("203.0.113.7", `guess-${attempt}`)).res.status).toBe(401);
    const throttled = await adminFrom("203.0.113.7", "guess-4");
    expect(throttled.res.status).toBe(429);
    expect(throttled.res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(JSON.parse(throttled.text)).toMatchObject({ error: { code: "too_many_failed_attempts" } });
    // The token may be guessable: a throttled client cannot tell a right guess from a wrong one.
    expect((await adminFrom("203.0.113.7", ADMIN_TOKEN)).res.status).toBe(429);
    forgetThrottles();
    expect((await adminFrom("203.0.113.7", ADMIN_TOKEN)).res.status).toBe(429);
    expect((await adminFrom("198.51.100.2", ADMIN_TOKEN)).res.status).toBe(200);
  });

  it("counts admin tokens apart from team keys, and never counts a missing token", async () => {
    await createTeamKey("acme");
    for (let attempt = 1; attempt <= 4; attempt++) await from("203.0.113.7", "ifk_guess");
    for (let attempt = 1; attempt <= 4; attempt++) expect((await adminFrom("203.0.113.7", null)).res.status).toBe(401);
    expect((await adminFrom("203.0.113.7", ADMIN_TOKEN)).res.status).toBe(200);
  });
});

describe("the failure window", () => {
  const limits = { limit: 3, windowMs: 60_000 };

  it("opens at the first failure, throttles past the limit until it ends, then starts again", () => {
    let window = null;
    const verdicts = [];
    for (const at of [0, 1_000, 2_000, 3_000, 59_999]) {
      const counted = countFailure(window, at, limits);
      window = counted.window;
      verdicts.push(counted.verdict);
    }
    expect(verdicts).toEqual([
      { throttled: false, retryAfterMs: 0 },
      { throttled: false, retryAfterMs: 0 },
      { throttled: false, retryAfterMs: 0 },
      { throttled: true, retryAfterMs: 57_000 },
      { throttled: true, retryAfterMs: 1 },
    ]);
    expect(countFailure(window, 60_000, limits)).toEqual({
      window: { startMs: 60_000, failures: 1 },
      verdict: { throttled: false, retryAfterMs: 0 },
    });
  });
});
