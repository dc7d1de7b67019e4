import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TeamMeter } from "../../src/metering/team-meter";
import {
  EXIT_TAIL_WINDOW,
  historyKeys,
  historyScope,
  LENGTH_WINDOW,
  MAX_HISTORY_KEYS,
} from "../../src/savings/history";
import { addObservation, loadHistory } from "../../src/savings/history-store";
import { createMemoryHistory } from "../../src/savings/memory-history";
import type { SavingsObservation } from "../../src/savings/types";
import { record } from "../metering/records";

const meterFor = (name: string) => env.TEAM_METER.get(env.TEAM_METER.idFromName(name));
const observation = (overrides: Partial<SavingsObservation> = {}): SavingsObservation => ({
  model: "gpt-4o-mini",
  scope: historyScope(null, ["json", "default"]),
  lengths: [],
  exitTails: [],
  ...overrides,
});

describe("the savings history", () => {
  it("files a request under its model and task, else its packs in any order, with a model-wide fallback", () => {
    expect(historyScope("text-to-sql", ["chat"])).toBe("task:text-to-sql");
    expect(historyScope(null, ["math", "default"])).toBe(historyScope(undefined, ["default", "math"]));
    expect(historyKeys("m", "packs:default")).toEqual({ key: '["m","packs:default"]', model: '["m","*"]' });
  });

  it("keeps the newest observations per key in the meter, exactly as the offline tools' memory copy does", async () => {
    const memory = createMemoryHistory();
    const steps = Array.from({ length: 260 }, (_, i) =>
      observation({
        scope: i % 3 === 0 ? "task:sql" : "packs:default",
        lengths: [i, i + 1],
        exitTails: i % 2 === 0 ? [i % 7] : [],
        answerLengths: i % 5 === 0 ? [i % 11] : [],
      }),
    );
    for (const step of steps) memory.observe(step);
    await runInDurableObject(meterFor("history"), (_: TeamMeter, state) => {
      const sql = state.storage.sql;
      for (const step of steps) state.storage.transactionSync(() => addObservation(sql, step, "2026-11-20T10:00:00Z"));
      for (const scope of ["task:sql", "packs:default"]) {
        const stored = loadHistory(sql, "gpt-4o-mini", scope);
        expect(stored).toEqual(memory.snapshot("gpt-4o-mini", scope));
        expect(stored.lengths.key.length).toBeLessThanOrEqual(LENGTH_WINDOW);
        expect(stored.lengths.model).toHaveLength(LENGTH_WINDOW);
        expect(stored.exitTails.model).toHaveLength(EXIT_TAIL_WINDOW);
        expect(stored.answerLengths?.model).toHaveLength(52);
        // Oldest first: the window ends with the newest observation.
        expect(stored.lengths.model.at(-1)).toBe(260);
      }
    });
  });

  it("keeps at most MAX_HISTORY_KEYS rows, dropping the least recently updated", async () => {
    await runInDurableObject(meterFor("bounded"), (_: TeamMeter, state) => {
      const sql = state.storage.sql;
      for (let i = 0; i <= MAX_HISTORY_KEYS; i += 1) {
        const time = new Date(Date.UTC(2026, 10, 20) + i * 1000).toISOString();
        addObservation(sql, observation({ model: `m${i}`, lengths: [i] }), time);
      }
      expect(sql.exec("SELECT COUNT(*) AS n FROM savings_history").one()).toEqual({ n: MAX_HISTORY_KEYS });
      expect(loadHistory(sql, "m0", observation().scope).lengths.model).toEqual([]);
      expect(loadHistory(sql, `m${MAX_HISTORY_KEYS}`, observation().scope).lengths.key).toEqual([MAX_HISTORY_KEYS]);
    });
  });

  it("learns in the same meter call that records the request, and once per request id", async () => {
    const meter = meterFor("learns");
    const observed = observation({ lengths: [64] });
    const row = record({ requestId: "same", observed });
    expect(await meter.record(row)).toBe(true);
    expect(await meter.record(row)).toBe(false);
    expect((await meter.savings(observed.model, observed.scope)).lengths.key).toEqual([64]);
  });
});
