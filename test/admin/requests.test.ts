import { reset } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chatFrames, fakeUpstream } from "../helpers/fake-upstream";
import { admin, chat, createTeamKey, settle } from "../teams/helpers";

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

describe("GET /admin/teams/<team>/requests", () => {
  it("lists the team's metered requests, newest first, as the meter stored them", async () => {
    const { key, id: keyId } = await createTeamKey("acme");
    fakeUpstream(chatFrames(["Hello", " there"]));
    const first = await settle("/v1/chat/completions", chat(key, { stream: true }));
    const second = await settle("/v1/chat/completions", chat(key, { stream: true }));

    const { res, text } = await admin("GET", "/teams/acme/requests");
    expect(res.status).toBe(200);
    const body = JSON.parse(text) as { object: string; team: string; data: Record<string, unknown>[] };
    expect(body).toMatchObject({ object: "list", team: "acme" });
    expect(body.data.map((row) => row.request_id).sort()).toEqual(
      [first, second].map(({ res: r }) => r.headers.get("x-inflight-request-id")).sort(),
    );
    expect(body.data[0]).toEqual({
      request_id: expect.stringMatching(/^req_/),
      time: expect.any(String),
      model: "gpt-4o-mini",
      task: null,
      adapter: null,
      packs: ["default"],
      outcome: "accepted",
      rule: null,
      prompt_tokens: 9,
      completion_tokens: 2,
      estimated_saved_tokens: 0,
      estimated_saved_tokens_p10: null,
      estimated_saved_tokens_p90: null,
      saved_samples: null,
      saved_upper_bound_tokens: null,
      saved_method: "none",
      counted_by: "upstream",
      route: "POST /v1/chat/completions",
      attempts: null,
      attempt_verdicts: null,
      key_id: keyId,
      cost_usd: expect.any(Number),
      estimated_saved_cost_usd: 0,
      estimated_saved_cost_usd_p10: null,
      estimated_saved_cost_usd_p90: null,
    });
    expect(JSON.parse((await admin("GET", "/teams/acme/requests?limit=1")).text).data).toHaveLength(1);
  });

  it("answers 400 for a bad limit, 404 for an unknown team, 401 without the admin token", async () => {
    await createTeamKey("acme");
    const bad = await admin("GET", "/teams/acme/requests?limit=0");
    expect(bad.res.status).toBe(400);
    expect(JSON.parse(bad.text).error).toMatchObject({ code: "invalid_field", param: "limit" });
    expect((await admin("GET", "/teams/ghost/requests")).res.status).toBe(404);
    expect((await admin("GET", "/teams/acme/requests", undefined, null)).res.status).toBe(401);
  });
});
