import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TeamMeter } from "../../src/metering/team-meter";
import { migrate } from "../../src/metering/store";
import { MIGRATIONS } from "../../src/metering/schema";
import { record } from "./records";

const meterFor = (name: string) => env.TEAM_METER.get(env.TEAM_METER.idFromName(name));
const limits = (daily_usd: number | null, monthly_usd: number | null = null) => ({ daily_usd, monthly_usd });

describe("the team meter", () => {
  it("stores a row per request and adds it to the day's rollup", async () => {
    const meter = meterFor("store");
    expect(
      await meter.record(
        record({
          requestId: "a",
          outcome: "rejected",
          rule: "repetition-loop",
          savedTokens: 400,
          savedCostNano: 240_000,
        }),
      ),
    ).toBe(true);
    expect(await meter.record(record({ requestId: "b" }))).toBe(true);
    await runInDurableObject(meter, (_: TeamMeter, state) => {
      const rows = state.storage.sql
        .exec("SELECT request_id, day, outcome, rule, packs FROM requests ORDER BY request_id")
        .toArray();
      expect(rows).toEqual([
        { request_id: "a", day: "2026-11-20", outcome: "rejected", rule: "repetition-loop", packs: '["default"]' },
        { request_id: "b", day: "2026-11-20", outcome: "accepted", rule: null, packs: '["default"]' },
      ]);
      const daily = state.storage.sql
        .exec("SELECT outcome, rule, requests, saved_tokens, cost_nano_usd FROM daily ORDER BY outcome")
        .toArray();
      expect(daily).toEqual([
        { outcome: "accepted", rule: "", requests: 1, saved_tokens: 0, cost_nano_usd: 45_000 },
        { outcome: "rejected", rule: "repetition-loop", requests: 1, saved_tokens: 400, cost_nano_usd: 45_000 },
      ]);
    });
  });

  it("counts a request id once, however often it is written", async () => {
    const meter = meterFor("idempotent");
    const same = record({ requestId: "dup" });
    expect(await meter.record(same)).toBe(true);
    expect(await meter.record(same)).toBe(false);
    const [total] = await meter.usage("2026-11-01", "2026-11-30", "total");
    expect(total).toMatchObject({ requests: 1, prompt_tokens: 100, cost_nano_usd: 45_000 });
  });

  it("keeps tokens and leaves cost out for a model without a price", async () => {
    const meter = meterFor("unpriced");
    await meter.record(record({ model: "my-finetune", costNano: null, savedCostNano: null }));
    const [row] = await meter.usage("2026-11-20", "2026-11-20", "model");
    expect(row).toMatchObject({
      key: "my-finetune",
      requests: 1,
      prompt_tokens: 100,
      completion_tokens: 50,
      cost_nano_usd: 0,
      unpriced_requests: 1,
    });
  });

  it("groups usage by day, model, rule, task and outcome over a date range", async () => {
    const meter = meterFor("groups");
    await meter.record(record({ time: "2026-11-19T23:59:59.000Z", task: "sql" }));
    await meter.record(
      record({ time: "2026-11-20T00:00:00.000Z", model: "gpt-4.1", outcome: "rejected", rule: "json.syntax" }),
    );
    await meter.record(record({ time: "2026-11-21T00:00:00.000Z" }));
    expect((await meter.usage("2026-11-19", "2026-11-20", "day")).map((r) => [r.key, r.requests])).toEqual([
      ["2026-11-19", 1],
      ["2026-11-20", 1],
    ]);
    expect((await meter.usage("2026-11-19", "2026-11-21", "model")).map((r) => [r.key, r.requests])).toEqual([
      ["gpt-4.1", 1],
      ["gpt-4o-mini", 2],
    ]);
    expect((await meter.usage("2026-11-19", "2026-11-21", "rule")).map((r) => [r.key, r.rejected])).toEqual([
      ["", 0],
      ["json.syntax", 1],
    ]);
    expect((await meter.usage("2026-11-19", "2026-11-21", "task")).map((r) => r.key)).toEqual(["", "sql"]);
  });

  it("groups usage by how each saved estimate was made, from the request rows, with the rollup's totals", async () => {
    const meter = meterFor("methods");
    const cut = (method: string, saved: number, time: string, rule = "json.syntax") =>
      record({
        time,
        outcome: "rejected",
        rule,
        savedMethod: method,
        savedTokens: saved,
        savedP10: saved - 10,
        savedP90: saved + 10,
        savedSamples: method === "length_prior" ? 0 : 40,
        savedCostNano: saved * 600,
        savedCostP10Nano: (saved - 10) * 600,
        savedCostP90Nano: (saved + 10) * 600,
      });
    await meter.record(record({ time: "2026-11-19T10:00:00.000Z" }));
    await meter.record(cut("length_prior", 60, "2026-11-19T11:00:00.000Z"));
    await meter.record(cut("length_history", 40, "2026-11-20T09:00:00.000Z"));
    await meter.record(cut("length_history", 30, "2026-11-20T10:00:00.000Z"));
    await meter.record(
      record({ time: "2026-11-20T11:00:00.000Z", model: "llama", costNano: null, savedCostNano: null }),
    );
    await meter.record(record({ time: "2026-11-20T12:00:00.000Z", outcome: "client_abort", savedTokens: null }));
    await meter.record(cut("loop_to_max_tokens", 500, "2026-11-22T10:00:00.000Z", "repetition-loop"));

    const byMethod = await meter.usage("2026-11-19", "2026-11-21", "method");
    expect(byMethod.map((r) => [r.key, r.requests, r.estimated_saved_tokens, r.estimated_saved_tokens_p10])).toEqual([
      ["length_history", 2, 70, 50],
      ["length_prior", 1, 60, 50],
      ["none", 3, 0, 0],
    ]);
    expect(byMethod.find((r) => r.key === "length_prior")?.estimated_saved_cost_p90_nano_usd).toBe(70 * 600);
    // Two dimensions, with the absent rule as '' like the rollup's.
    expect((await meter.usage("2026-11-19", "2026-11-21", ["day", "method"])).map((r) => [r.key, r.requests])).toEqual([
      ["2026-11-19\u001flength_prior", 1],
      ["2026-11-19\u001fnone", 1],
      ["2026-11-20\u001flength_history", 2],
      ["2026-11-20\u001fnone", 2],
    ]);
    expect((await meter.usage("2026-11-19", "2026-11-22", ["rule", "method"])).map((r) => r.key)).toEqual([
      "\u001fnone",
      "json.syntax\u001flength_history",
      "json.syntax\u001flength_prior",
      "repetition-loop\u001floop_to_max_tokens",
    ]);
    // Summed over its methods, a range reads the same as the rollup reads it.
    const [rollup] = await meter.usage("2026-11-19", "2026-11-22", "total");
    const fromRows: Record<string, number | string> = { key: "" };
    for (const row of await meter.usage("2026-11-19", "2026-11-22", "method"))
      for (const [field, value] of Object.entries(row))
        if (field !== "key") fromRows[field] = ((fromRows[field] as number | undefined) ?? 0) + (value as number);
    expect(fromRows).toEqual(rollup);
    expect(rollup).toMatchObject({ requests: 7, unpriced_requests: 1, client_abort: 1, rejected: 4 });
  });
});

describe("budgets", () => {
  it("admits while the day's spend is below the limit and records a refusal as budget_denied", async () => {
    const meter = meterFor("daily");
    const now = "2026-11-20T12:00:00.000Z";
    expect(await meter.admit({ limits: limits(0.0001), record: record({ time: now }) })).toMatchObject({ ok: true });
    await meter.record(record({ time: now, costNano: 100_000 }));
    const denied = await meter.admit({
      limits: limits(0.0001),
      record: record({ requestId: "denied", time: now, outcome: "budget_denied", costNano: 0 }),
    });
    expect(denied).toEqual({
      ok: false,
      error: {
        period: "day",
        limit_usd: 0.0001,
        spend_usd: 0.0001,
        reserved_usd: 0,
        resets_at: "2026-11-21T00:00:00.000Z",
      },
    });
    // The next day starts from zero.
    expect(
      await meter.admit({ limits: limits(0.0001), record: record({ time: "2026-11-21T00:00:01.000Z" }) }),
    ).toMatchObject({ ok: true });
    const [row] = await meter
      .usage("2026-11-20", "2026-11-20", "outcome")
      .then((rows) => rows.filter((r) => r.key === "budget_denied"));
    expect(row).toMatchObject({ requests: 1, budget_denied: 1, cost_nano_usd: 0, prompt_tokens: 100 });
  });

  it("sums the calendar month for the monthly limit", async () => {
    const meter = meterFor("monthly");
    await meter.record(record({ time: "2026-10-31T12:00:00.000Z", costNano: 1_000_000_000 }));
    await meter.record(record({ time: "2026-11-01T00:00:00.000Z", costNano: 600_000_000 }));
    await meter.record(record({ time: "2026-11-15T00:00:00.000Z", costNano: 400_000_000 }));
    const result = await meter.admit({ limits: limits(null, 1), record: record({ time: "2026-11-20T00:00:00.000Z" }) });
    expect(result).toEqual({
      ok: false,
      error: { period: "month", limit_usd: 1, spend_usd: 1, reserved_usd: 0, resets_at: "2026-12-01T00:00:00.000Z" },
    });
  });

  it("never admits a request after the spend it sees has reached the limit, and loses no update under concurrency", async () => {
    const meter = meterFor("concurrent");
    const time = "2026-11-20T12:00:00.000Z";
    const cost = 1_000_000; // 0.001 USD per request
    const budget = limits(0.01); // ten requests' worth
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const admitted = await meter.admit({
          limits: budget,
          record: record({ requestId: `r${i}`, time, outcome: "budget_denied", costNano: 0 }),
        });
        if (!admitted.ok) return admitted.error;
        await meter.record(record({ requestId: `r${i}`, time, costNano: cost }));
        return null;
      }),
    );
    const denials = outcomes.filter((o) => o !== null);
    const admitted = outcomes.length - denials.length;
    expect(admitted).toBeGreaterThanOrEqual(10);
    for (const denial of denials) expect(denial.spend_usd).toBeGreaterThanOrEqual(0.01);
    const [total] = await meter.usage("2026-11-20", "2026-11-20", "total");
    expect(total).toMatchObject({
      requests: 60,
      accepted: admitted,
      budget_denied: denials.length,
      cost_nano_usd: admitted * cost,
    });
  });
});

describe("the meter's schema steps", () => {
  it("applies each step past the stored version once, so an older meter is brought up to date", async () => {
    const meter = meterFor("migrations");
    await meter.usage("2026-11-01", "2026-11-30", "total");
    await runInDurableObject(meter, (_: TeamMeter, state) => {
      const sql = state.storage.sql;
      expect(sql.exec("SELECT version FROM schema_version").one()).toEqual({ version: MIGRATIONS.length });
      const next = [...MIGRATIONS, "ALTER TABLE requests ADD COLUMN probe TEXT"];
      // A second ALTER of the same column would throw: applying twice proves each step runs once.
      expect(state.storage.transactionSync(() => migrate(sql, next))).toBe(next.length);
      expect(state.storage.transactionSync(() => migrate(sql, next))).toBe(next.length);
      const columns = sql
        .exec<{ name: string }>("PRAGMA table_info(requests)")
        .toArray()
        .map((c) => c.name);
      expect(columns).toContain("probe");
      expect(sql.exec("SELECT version FROM schema_version").one()).toEqual({ version: next.length });
    });
  });

  /** Turns the meter into one as the first release left it: step 1's tables, one upper-bound row, no version. */
  function firstRelease(sql: SqlStorage) {
    for (const table of ["requests", "daily", "reservations", "savings_history", "schema_version"])
      sql.exec(`DROP TABLE IF EXISTS ${table}`);
    sql.exec(MIGRATIONS[0]!);
    const rows = [
      ["old-bound", "rejected", "repetition-loop", 1499, "max_tokens_remaining", 899_400],
      ["old-mean", "rejected", "json-syntax", 120, "mean_accepted_completion", 72_000],
      ["old-accepted", "accepted", null, 0, "none", 0],
    ] as const;
    for (const [id, outcome, rule, saved, method, savedCost] of rows) {
      sql.exec(
        `INSERT INTO requests (request_id, time, day, model, task, adapter, packs, outcome, rule, prompt_tokens,
           completion_tokens, saved_tokens, saved_method, cost_nano_usd, saved_cost_nano_usd, key_id)
         VALUES (?, '2026-11-20T10:00:00.000Z', '2026-11-20', 'gpt-4o-mini', NULL, NULL, '["default"]', ?, ?, 10, 1,
           ?, ?, 1000, ?, NULL)`,
        id,
        outcome,
        rule,
        saved,
        method,
        savedCost,
      );
      sql.exec(
        `INSERT INTO daily VALUES ('2026-11-20', 'gpt-4o-mini', '', ?, ?, 1, 10, 1, ?, 1000, ?, 0)`,
        rule ?? "",
        outcome,
        saved,
        savedCost,
      );
    }
  }

  it("adopts a meter created before versioning without losing its rows", async () => {
    const meter = meterFor("unversioned");
    await meter.usage("2026-11-01", "2026-11-30", "total");
    await runInDurableObject(meter, (_: TeamMeter, state) => {
      const sql = state.storage.sql;
      firstRelease(sql);
      expect(state.storage.transactionSync(() => migrate(sql))).toBe(MIGRATIONS.length);
      expect(sql.exec("SELECT COUNT(*) AS n FROM requests").one()).toEqual({ n: 3 });
      expect(sql.exec("SELECT DISTINCT route FROM requests").toArray()).toEqual([{ route: null }]);
    });
  });

  it("moves the saved figure of rows from before the estimate out of the totals: a bound stays only as a bound", async () => {
    const meter = meterFor("first-release");
    await meter.usage("2026-11-01", "2026-11-30", "total");
    await runInDurableObject(meter, (_: TeamMeter, state) => {
      const sql = state.storage.sql;
      firstRelease(sql);
      state.storage.transactionSync(() => migrate(sql));
      expect(
        sql
          .exec(
            "SELECT request_id, saved_tokens, saved_upper_bound, saved_method, saved_cost_nano_usd FROM requests ORDER BY request_id",
          )
          .toArray(),
      ).toEqual([
        {
          request_id: "old-accepted",
          saved_tokens: 0,
          saved_upper_bound: null,
          saved_method: "none",
          saved_cost_nano_usd: 0,
        },
        {
          request_id: "old-bound",
          saved_tokens: null,
          saved_upper_bound: 1499,
          saved_method: "max_tokens_remaining",
          saved_cost_nano_usd: null,
        },
        {
          request_id: "old-mean",
          saved_tokens: null,
          saved_upper_bound: null,
          saved_method: "mean_accepted_completion",
          saved_cost_nano_usd: null,
        },
      ]);
    });
    const [total] = await meter.usage("2026-11-20", "2026-11-20", "total");
    expect(total).toMatchObject({
      requests: 3,
      estimated_saved_tokens: 0,
      estimated_saved_cost_nano_usd: 0,
      saved_upper_bound_tokens: 1499,
      cost_nano_usd: 3000,
    });
  });

  it("gives rows written before the counted_by step a NULL counted_by, and new rows theirs", async () => {
    const meter = meterFor("counted-by");
    await meter.usage("2026-11-01", "2026-11-30", "total");
    await runInDurableObject(meter, (_: TeamMeter, state) => {
      const sql = state.storage.sql;
      const countedBy = MIGRATIONS.indexOf("ALTER TABLE requests ADD COLUMN counted_by TEXT");
      expect(countedBy).toBeGreaterThan(0);
      // The state of a meter just before the step: the earlier steps' tables, with a row.
      for (const table of ["requests", "daily", "reservations", "savings_history", "schema_version"])
        sql.exec(`DROP TABLE ${table}`);
      expect(state.storage.transactionSync(() => migrate(sql, MIGRATIONS.slice(0, countedBy)))).toBe(countedBy);
      sql.exec(
        `INSERT INTO requests (request_id, time, day, model, packs, outcome, prompt_tokens, completion_tokens,
           saved_method) VALUES ('old', '2026-11-20T10:00:00.000Z', '2026-11-20', 'm', '[]', 'accepted', 1, 1, 'none')`,
      );
      state.storage.transactionSync(() => migrate(sql));
      expect(sql.exec("SELECT request_id, counted_by FROM requests").toArray()).toEqual([
        { request_id: "old", counted_by: null },
      ]);
    });
    expect(await meter.record(record({ requestId: "new", countedBy: "inflight_upstream_invalid" }))).toBe(true);
    await runInDurableObject(meter, (_: TeamMeter, state) => {
      expect(state.storage.sql.exec("SELECT counted_by FROM requests WHERE request_id = 'new'").one()).toEqual({
        counted_by: "inflight_upstream_invalid",
      });
    });
  });
});
