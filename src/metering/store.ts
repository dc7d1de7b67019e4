import { dayOf, OUTCOMES, type MeterRecord } from "./record";
import { GROUP_COLUMNS, type MeterGroup, type UsageRow } from "./usage";
import { MIGRATIONS } from "./schema";

/**
 * Brings the tables up to the newest schema step (`MIGRATIONS`); returns the version reached. Idempotent; runs
 * when the meter starts, inside the caller's transaction so that a step and its version change together.
 */
export function migrate(sql: SqlStorage, steps: readonly string[] = MIGRATIONS): number {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  const current = row?.version ?? 0;
  for (let step = current; step < steps.length; step++) sql.exec(steps[step]!);
  if (row === undefined) sql.exec("INSERT INTO schema_version (version) VALUES (?)", steps.length);
  else if (current < steps.length) sql.exec("UPDATE schema_version SET version = ?", steps.length);
  return Math.max(current, steps.length);
}

/**
 * Stores one request and adds it to its day's rollup. A request id already stored is ignored (returns false),
 * so a retried write never counts twice. Call inside a transaction: the row and the rollup change together.
 */
export function insertRecord(sql: SqlStorage, record: MeterRecord): boolean {
  const seen = sql.exec("SELECT 1 FROM requests WHERE request_id = ?", record.requestId).toArray();
  if (seen.length > 0) return false;
  const day = dayOf(record.time);
  sql.exec(
    `INSERT INTO requests (request_id, time, day, model, task, adapter, packs, outcome, rule, prompt_tokens,
       completion_tokens, saved_tokens, saved_method, cost_nano_usd, saved_cost_nano_usd, key_id, counted_by, route)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    record.requestId,
    record.time,
    day,
    record.model,
    record.task,
    record.adapter,
    JSON.stringify(record.packs),
    record.outcome,
    record.rule,
    record.promptTokens,
    record.completionTokens,
    record.savedTokens,
    record.savedMethod,
    record.costNano,
    record.savedCostNano,
    record.keyId,
    record.countedBy ?? null,
    record.route ?? null,
  );
  sql.exec(
    `INSERT INTO daily (day, model, task, rule, outcome, requests, prompt_tokens, completion_tokens, saved_tokens,
       cost_nano_usd, saved_cost_nano_usd, unpriced_requests)
     VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (day, model, task, rule, outcome) DO UPDATE SET
       requests = requests + 1,
       prompt_tokens = prompt_tokens + excluded.prompt_tokens,
       completion_tokens = completion_tokens + excluded.completion_tokens,
       saved_tokens = saved_tokens + excluded.saved_tokens,
       cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd,
       saved_cost_nano_usd = saved_cost_nano_usd + excluded.saved_cost_nano_usd,
       unpriced_requests = unpriced_requests + excluded.unpriced_requests`,
    day,
    record.model,
    record.task ?? "",
    record.rule ?? "",
    record.outcome,
    record.promptTokens,
    record.completionTokens,
    record.savedTokens ?? 0,
    record.costNano ?? 0,
    record.savedCostNano ?? 0,
    record.costNano === null ? 1 : 0,
  );
  return true;
}

/**
 * Books what a running request may still cost against its start day, until its row replaces it (`settle`) or
 * `expiresMs` passes.
 */
export function reserve(sql: SqlStorage, requestId: string, day: string, amountNano: number, expiresMs: number): void {
  sql.exec(
    "INSERT OR REPLACE INTO reservations (request_id, day, amount_nano_usd, expires_ms) VALUES (?, ?, ?, ?)",
    requestId,
    day,
    amountNano,
    expiresMs,
  );
}

/** Removes a request's reservation (it was recorded, or ended without a row). */
export function settle(sql: SqlStorage, requestId: string): void {
  sql.exec("DELETE FROM reservations WHERE request_id = ?", requestId);
}

/** Drops reservations whose request never reported by `nowMs`. */
export function expireReservations(sql: SqlStorage, nowMs: number): void {
  sql.exec("DELETE FROM reservations WHERE expires_ms <= ?", nowMs);
}

/** Reserved nano-USD over the UTC days `from`..`to` (inclusive). */
export function reservedNano(sql: SqlStorage, from: string, to: string): number {
  const row = sql
    .exec<{
      reserved: number | null;
    }>("SELECT SUM(amount_nano_usd) AS reserved FROM reservations WHERE day BETWEEN ? AND ?", from, to)
    .one();
  return row.reserved ?? 0;
}

/** Spend in nano-USD over the UTC days `from`..`to` (inclusive). */
export function spendNano(sql: SqlStorage, from: string, to: string): number {
  const row = sql
    .exec<{ spend: number | null }>("SELECT SUM(cost_nano_usd) AS spend FROM daily WHERE day BETWEEN ? AND ?", from, to)
    .one();
  return row.spend ?? 0;
}

/** One `SUM` per outcome, from the outcome list, so a new outcome gets its column with no other change. */
const OUTCOME_SUMS = OUTCOMES.map(
  (outcome) => `SUM(CASE WHEN outcome = '${outcome}' THEN requests ELSE 0 END) AS ${outcome}`,
).join(",\n         ");

/** Usage over the UTC days `from`..`to` (inclusive), one row per group value, ordered by it. */
export function queryUsage(sql: SqlStorage, from: string, to: string, group: MeterGroup): UsageRow[] {
  const column = GROUP_COLUMNS[group];
  const rows = sql
    .exec<Record<string, string | number>>(
      `SELECT ${column} AS key,
         SUM(requests) AS requests,
         ${OUTCOME_SUMS},
         SUM(prompt_tokens) AS prompt_tokens,
         SUM(completion_tokens) AS completion_tokens,
         SUM(saved_tokens) AS saved_tokens,
         SUM(cost_nano_usd) AS cost_nano_usd,
         SUM(saved_cost_nano_usd) AS saved_cost_nano_usd,
         SUM(unpriced_requests) AS unpriced_requests
       FROM daily WHERE day BETWEEN ? AND ? GROUP BY key ORDER BY key`,
      from,
      to,
    )
    .toArray();
  // Every column but `key` is a sum named as its UsageRow field.
  return rows.map(({ key, ...sums }) => ({
    key: String(key),
    ...(Object.fromEntries(Object.entries(sums).map(([name, value]) => [name, Number(value)])) as Omit<
      UsageRow,
      "key"
    >),
  }));
}

/** One row of the `requests` table as stored (costs in nano-USD, `packs` as its JSON text). */
export type StoredRequest = {
  request_id: string;
  time: string;
  day: string;
  model: string;
  task: string | null;
  adapter: string | null;
  packs: string;
  outcome: string;
  rule: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  saved_tokens: number | null;
  saved_method: string;
  cost_nano_usd: number | null;
  saved_cost_nano_usd: number | null;
  key_id: string | null;
  counted_by: string | null;
  route: string | null;
};

/** The `limit` most recent requests, newest first. */
export function recentRequests(sql: SqlStorage, limit: number): StoredRequest[] {
  return sql.exec<StoredRequest>("SELECT * FROM requests ORDER BY time DESC, request_id DESC LIMIT ?", limit).toArray();
}
