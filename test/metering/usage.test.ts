import { describe, expect, it } from "vitest";
import {
  csvColumns,
  emptyRow,
  mergeRows,
  publicRow,
  resolveRange,
  toCsv,
  UsageQuerySchema,
} from "../../src/metering/usage";

const row = (key: string, fields: Partial<ReturnType<typeof emptyRow>> = {}) => ({ ...emptyRow(key), ...fields });

describe("usage rows", () => {
  it("sums rows with the same group across teams", () => {
    const merged = mergeRows([
      [row("m", { requests: 2, cost_nano_usd: 5 })],
      [row("m", { requests: 3, cost_nano_usd: 7 }), row("a", { requests: 1 })],
    ]);
    expect(merged.map((r) => [r.key, r.requests, r.cost_nano_usd])).toEqual([
      ["a", 1, 0],
      ["m", 5, 12],
    ]);
  });

  it("reports cost in USD, and null when no request in the group had a price", () => {
    expect(publicRow(row("m", { requests: 1, accepted: 1, cost_nano_usd: 2_550 }), ["model"])).toMatchObject({
      model: "m",
      cost_usd: 0.00000255,
    });
    expect(publicRow(row("x", { requests: 2, unpriced_requests: 2 }), ["model"])).toMatchObject({
      cost_usd: null,
      estimated_saved_cost_usd: null,
      estimated_saved_cost_usd_p10: null,
      estimated_saved_cost_usd_p90: null,
    });
    expect(publicRow(row(""), ["rule"])).toMatchObject({ rule: null });
  });

  it("writes CSV with quoting, and defuses cells a spreadsheet would run as formulas", () => {
    const csv = toCsv(
      [
        { model: '=HYPERLINK("x")', requests: 1 },
        { model: "a,b", requests: 2 },
      ],
      ["model", "requests"],
    );
    expect(csv).toBe('model,requests\r\n"\'=HYPERLINK(""x"")",1\r\n"a,b",2\r\n');
    expect(csvColumns(["day"])).toEqual(
      expect.arrayContaining(["day", "requests", "cost_usd", "estimated_saved_cost_usd", "budget_denied"]),
    );
  });
});

describe("usage queries", () => {
  it("defaults to the 30 days up to today and refuses ranges over a year", () => {
    const now = new Date("2026-11-20T12:00:00Z");
    expect(resolveRange(UsageQuerySchema.parse({}), now)).toEqual({ ok: true, from: "2026-10-22", to: "2026-11-20" });
    expect(resolveRange(UsageQuerySchema.parse({ from: "2024-01-01", to: "2026-01-01" }), now)).toMatchObject({
      ok: false,
    });
  });

  it("refuses unknown parameters, bad dates and groupings", () => {
    expect(UsageQuerySchema.safeParse({ from: "2026-13-01" }).success).toBe(false);
    expect(UsageQuerySchema.safeParse({ group_by: "week" }).success).toBe(false);
    expect(UsageQuerySchema.safeParse({ grop_by: "day" }).success).toBe(false);
    expect(UsageQuerySchema.safeParse({ from: "2026-11-02", to: "2026-11-01" }).success).toBe(false);
  });
});
