import { reset } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chatFrames, fakeUpstream } from "../helpers/fake-upstream";
import { admin, chat, createTeamKey, meter, settle, today } from "./helpers";

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

describe("budgets over HTTP", () => {
  it("answers 429 budget_exceeded with limit and spend once the day's spend reaches the limit, forwarding nothing", async () => {
    const { key } = await createTeamKey("acme");
    // One request costs 9 × 0.15 + 2 × 0.60 = 2.55 micro-USD; the limit is just below it.
    await admin("PUT", "/teams/acme/policy", { budget: { daily_usd: 0.000002 } });
    fakeUpstream(chatFrames(["Hello", " there"]));
    expect((await settle("/v1/chat/completions", chat(key))).res.status).toBe(200);

    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res, text } = await settle("/v1/chat/completions", chat(key));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(JSON.parse(text)).toEqual({
      error: {
        message: expect.stringContaining("daily budget"),
        type: "insufficient_quota",
        code: "budget_exceeded",
        param: null,
        period: "day",
        limit_usd: 0.000002,
        spend_usd: 0.00000255,
        reserved_usd: 0,
        resets_at: expect.stringMatching(/T00:00:00\.000Z$/),
      },
    });
    expect(upstream.requests).toHaveLength(0);

    const rows = await meter("acme").usage(today(), today(), "outcome");
    expect(rows.map((r) => [r.key, r.requests])).toEqual([
      ["accepted", 1],
      ["budget_denied", 1],
    ]);
  });

  it("uses the organisation's budget for a team without its own", async () => {
    const { key } = await createTeamKey("acme");
    fakeUpstream(chatFrames(["Hi"]));
    await settle("/v1/chat/completions", chat(key));
    await admin("PUT", "/policy", { budget: { monthly_usd: 0.000001 } });
    const { res, text } = await settle("/v1/chat/completions", chat(key));
    expect(res.status).toBe(429);
    expect(JSON.parse(text)).toMatchObject({
      error: { code: "budget_exceeded", period: "month", limit_usd: 0.000001 },
    });
  });
});
