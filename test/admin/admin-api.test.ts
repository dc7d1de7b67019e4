import { reset } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chatFrames, fakeUpstream } from "../helpers/fake-upstream";
import { admin, chat, createTeamKey, settle, today } from "../teams/helpers";

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

const json = (text: string) => JSON.parse(text) as Record<string, any>;
const loop = ["Once upon a time. ", ...Array.from({ length: 60 }, () => "The cat sat on the mat again and again. ")];

describe("keys", () => {
  it("shows a new key once and lists keys without it", async () => {
    const { res, text } = await admin("POST", "/keys", { team: "acme", name: "ci" });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const created = json(text);
    expect(created).toEqual({
      id: expect.stringMatching(/^key_/),
      team: "acme",
      name: "ci",
      key: expect.stringMatching(/^ifk_/),
      created_at: expect.any(String),
      revoked_at: null,
    });

    const list = await admin("GET", "/keys?team=acme");
    expect(json(list.text).data).toEqual([
      { id: created.id, team: "acme", name: "ci", created_at: created.created_at, revoked_at: null },
    ]);
    expect(list.text).not.toContain(created.key);
    expect(json((await admin("GET", "/keys?team=other")).text).data).toEqual([]);
  });

  it("revokes a key by id and answers 404 for an unknown id", async () => {
    const { id } = await createTeamKey("acme");
    const revoked = await admin("DELETE", `/keys/${id}`);
    expect(revoked.res.status).toBe(200);
    expect(json(revoked.text)).toMatchObject({ id, revoked_at: expect.any(String) });
    const missing = await admin("DELETE", "/keys/key_nope");
    expect(missing.res.status).toBe(404);
    expect(json(missing.text)).toMatchObject({ error: { code: "key_not_found" } });
  });

  it("names the field at fault in a bad body", async () => {
    const { res, text } = await admin("POST", "/keys", { team: "Not A Team" });
    expect(res.status).toBe(400);
    expect(json(text)).toMatchObject({
      error: { type: "invalid_request_error", code: "invalid_field", param: "team" },
    });
    expect(json((await admin("POST", "/keys", { team: "acme", extra: 1 })).text)).toMatchObject({
      error: { code: "invalid_field" },
    });
  });
});

describe("policies", () => {
  it("stores the organisation's policy and each team's overrides, and shows the effective result", async () => {
    expect((await admin("PUT", "/policy", { default_packs: ["chat"], budget: { daily_usd: 10 } })).res.status).toBe(
      200,
    );
    const set = await admin("PUT", "/teams/acme/policy", { enforced_packs: ["json"], budget: { daily_usd: 2 } });
    expect(json(set.text)).toMatchObject({ team: "acme", policy: { enforced_packs: ["json"] } });
    const read = json((await admin("GET", "/teams/acme/policy")).text);
    expect(read.effective).toEqual({
      enforced_packs: ["json"],
      default_packs: ["chat"],
      allowed_models: null,
      default_task: null,
      budget: { daily_usd: 2, monthly_usd: null },
    });
    expect(json((await admin("GET", "/policy")).text)).toEqual({
      policy: { default_packs: ["chat"], budget: { daily_usd: 10 } },
    });
    expect(json((await admin("GET", "/teams")).text).data).toEqual([{ team: "acme" }]);
    const cleared = await admin("DELETE", "/teams/acme/policy");
    expect(json(cleared.text).effective.budget.daily_usd).toBe(10);
  });

  it("shows in effective.default_packs what a team's requests run: DEFAULT_PACKS, or [] once a policy says so", async () => {
    const effective = async () => json((await admin("GET", "/teams/acme/policy")).text).effective.default_packs;
    expect(await effective()).toEqual(["default"]);
    await admin("PUT", "/policy", { default_packs: [] });
    expect(await effective()).toEqual([]);
    const set = await admin("PUT", "/teams/acme/policy", { default_packs: ["math"] });
    expect(json(set.text).effective.default_packs).toEqual(["math"]);
    const cleared = await admin("DELETE", "/teams/acme/policy");
    expect(json(cleared.text).effective.default_packs).toEqual([]);
  });

  it("refuses an unknown pack with the index of the bad entry", async () => {
    const { res, text } = await admin("PUT", "/teams/acme/policy", { default_packs: ["chat", "nope"] });
    expect(res.status).toBe(400);
    expect(json(text).error).toMatchObject({
      param: "default_packs.1",
      message: expect.stringContaining("unknown rule pack"),
    });
  });
});

describe("usage", () => {
  async function traffic() {
    const acme = await createTeamKey("acme");
    const beta = await createTeamKey("beta");
    for (const [key, pieces, model] of [
      [acme.key, ["Hi"], "gpt-4o-mini"],
      [acme.key, loop, "gpt-4o-mini"],
      [beta.key, ["Hello", " there"], "gpt-4.1"],
      [beta.key, ["Hi"], "private-model"],
    ] as const) {
      fakeUpstream(chatFrames([...pieces]));
      await settle("/v1/chat/completions", chat(key, { model, max_tokens: 1000 }));
    }
  }

  it("reads one team's usage grouped by day, model, rule, outcome or task", async () => {
    await traffic();
    const byDay = json((await admin("GET", "/usage?team=acme&group_by=day")).text);
    expect(byDay).toMatchObject({ object: "inflight.usage", team: "acme", to: today(), group_by: "day" });
    expect(byDay.data).toEqual([expect.objectContaining({ day: today(), requests: 2, accepted: 1, rejected: 1 })]);
    // The loop ran to max_tokens: its estimate, interval and upper bound are what max_tokens left.
    const {
      estimated_saved_tokens: saved,
      estimated_saved_tokens_p10: p10,
      estimated_saved_tokens_p90: p90,
    } = byDay.totals;
    expect(saved).toBeGreaterThan(0);
    expect([p10, p90, byDay.totals.saved_upper_bound_tokens]).toEqual([saved, saved, saved]);
    expect(byDay.totals.estimated_saved_cost_usd).toBeCloseTo((saved * 0.6) / 1e6, 12);
    expect(byDay.totals.estimated_saved_cost_usd_p10).toBe(byDay.totals.estimated_saved_cost_usd);
    const byRule = json((await admin("GET", "/usage?team=acme&group_by=rule")).text);
    expect(byRule.data.map((r: any) => [r.rule, r.rejected])).toEqual([
      [null, 0],
      ["repetition-loop", 1],
    ]);
    const byTask = json((await admin("GET", "/usage?team=acme&group_by=task")).text);
    expect(byTask.data).toEqual([expect.objectContaining({ task: null, requests: 2 })]);
  });

  it("sums the whole organisation, by team or by model, with cost null for an unpriced model", async () => {
    await traffic();
    const byTeam = json((await admin("GET", "/usage?group_by=team")).text);
    expect(byTeam.team).toBeNull();
    expect(byTeam.data.map((r: any) => [r.team, r.requests])).toEqual([
      ["acme", 2],
      ["beta", 2],
    ]);
    expect(byTeam.totals.requests).toBe(4);
    const byModel = json((await admin("GET", "/usage?group_by=model")).text);
    expect(byModel.data.find((r: any) => r.model === "private-model")).toMatchObject({
      requests: 1,
      cost_usd: null,
      unpriced_requests: 1,
    });
    expect(byModel.data.find((r: any) => r.model === "gpt-4.1")).toMatchObject({ cost_usd: (9 * 2 + 2 * 8) / 1e6 });
  });

  it("answers CSV with a header line and one line per group", async () => {
    await traffic();
    const { res, text } = await admin("GET", `/usage?group_by=model&format=csv&from=${today()}&to=${today()}`);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toContain("usage-organisation-");
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "model,requests,accepted,rejected,early_exit,client_abort,upstream_error,incomplete,budget_denied,forwarded," +
        "prompt_tokens,completion_tokens,estimated_saved_tokens,estimated_saved_tokens_p10,estimated_saved_tokens_p90," +
        "saved_upper_bound_tokens,unpriced_requests,cost_usd,estimated_saved_cost_usd," +
        "estimated_saved_cost_usd_p10,estimated_saved_cost_usd_p90",
    );
    expect(lines.slice(1).map((line) => line.split(",")[0])).toEqual(["gpt-4.1", "gpt-4o-mini", "private-model"]);
    expect(lines.find((line) => line.startsWith("private-model"))!.endsWith(",1,,,,")).toBe(true);
  });

  it("groups by two dimensions: team and day, rule and day", async () => {
    await traffic();
    const byTeamDay = json((await admin("GET", "/usage?group_by=team,day")).text);
    expect(byTeamDay.group_by).toBe("team,day");
    expect(byTeamDay.data.map((r: any) => [r.team, r.day, r.requests])).toEqual([
      ["acme", today(), 2],
      ["beta", today(), 2],
    ]);
    const byRuleDay = json((await admin("GET", "/usage?team=acme&group_by=rule,day")).text);
    expect(byRuleDay.data.map((r: any) => [r.rule, r.day, r.rejected])).toEqual([
      [null, today(), 0],
      ["repetition-loop", today(), 1],
    ]);
    expect(byRuleDay.data[1].estimated_saved_tokens).toBe(byRuleDay.totals.estimated_saved_tokens);
    const csv = (await admin("GET", "/usage?group_by=day,team&format=csv")).text.split("\r\n");
    expect(csv[0]!.startsWith("day,team,requests,")).toBe(true);
    expect(csv[1]!.startsWith(`${today()},acme,2,`)).toBe(true);
  });

  it("groups by how the saved estimates were made, per team", async () => {
    await traffic();
    const byMethod = json((await admin("GET", "/usage?group_by=team,method")).text);
    expect(byMethod.data.map((r: any) => [r.team, r.method, r.requests])).toEqual([
      ["acme", "loop_to_max_tokens", 1],
      ["acme", "none", 1],
      ["beta", "none", 2],
    ]);
    const loop = byMethod.data[0];
    const byTeam = json((await admin("GET", "/usage?team=acme&group_by=team")).text).data[0];
    expect(loop.estimated_saved_tokens).toBe(byTeam.estimated_saved_tokens);
    expect(loop.estimated_saved_cost_usd_p90).toBe(byTeam.estimated_saved_cost_usd_p90);
    expect(byMethod.totals.requests).toBe(4);
  });

  it("answers 400 naming the parameter at fault and 404 for an unknown team", async () => {
    const bad = await admin("GET", "/usage?group_by=week");
    expect(bad.res.status).toBe(400);
    expect(json(bad.text).error).toMatchObject({ param: "group_by" });
    for (const group of ["day,day", "day,rule,model", "day,"])
      expect(json((await admin("GET", `/usage?group_by=${group}`)).text).error).toMatchObject({ param: "group_by" });
    expect(json((await admin("GET", "/usage?from=2026-02-30")).text).error).toMatchObject({ param: "from" });
    expect((await admin("GET", "/usage?team=ghost")).res.status).toBe(404);
  });
});
