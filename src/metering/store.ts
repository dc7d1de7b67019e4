import { dayOf, OUTCOMES, type MeterRecord } from "./record";
import { COUNT_FIELDS, GROUP_COLUMNS, KEY_SEPARATOR, type MeterGroup, type UsageRow } from "./usage";
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
       completion_tokens, saved_tokens, saved_method, cost_nano_usd, saved_cost_nano_usd, key_id, counted_by, route,
       saved_p10, saved_p90, saved_samples, saved_upper_bound, saved_cost_p10_nano_usd, saved_cost_p90_nano_usd,
       attempts, attempt_verdicts)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    record.savedP10 ?? null,
    record.savedP90 ?? null,
    record.savedSamples ?? null,
    record.savedUpperBound ?? null,
    record.savedCostP10Nano ?? null,
    record.savedCostP90Nano ?? null,
    record.attempts ?? null,
    record.attemptVerdicts ? JSON.stringify(record.attemptVerdicts) : null,
  );
  sql.exec(
    `INSERT INTO daily (day, model, task, rule, outcome, requests, prompt_tokens, completion_tokens, saved_tokens,
       cost_nano_usd, saved_cost_nano_usd, unpriced_requests, saved_p10_tokens, saved_p90_tokens,
       saved_upper_bound_tokens, saved_cost_p10_nano_usd, saved_cost_p90_nano_usd)
     VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (day, model, task, rule, outcome) DO UPDATE SET
       requests = requests + 1,
       prompt_tokens = prompt_tokens + excluded.prompt_tokens,
       completion_tokens = completion_tokens + excluded.completion_tokens,
       saved_tokens = saved_tokens + excluded.saved_tokens,
       cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd,
       saved_cost_nano_usd = saved_cost_nano_usd + excluded.saved_cost_nano_usd,
       unpriced_requests = unpriced_requests + excluded.unpriced_requests,
       saved_p10_tokens = saved_p10_tokens + excluded.saved_p10_tokens,
       saved_p90_tokens = saved_p90_tokens + excluded.saved_p90_tokens,
       saved_upper_bound_tokens = saved_upper_bound_tokens + excluded.saved_upper_bound_tokens,
       saved_cost_p10_nano_usd = saved_cost_p10_nano_usd + excluded.saved_cost_p10_nano_usd,
       saved_cost_p90_nano_usd = saved_cost_p90_nano_usd + excluded.saved_cost_p90_nano_usd`,
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
    record.savedP10 ?? 0,
    record.savedP90 ?? 0,
    record.savedUpperBound ?? 0,
    record.savedCostP10Nano ?? 0,
    record.savedCostP90Nano ?? 0,
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

/**
 * Removes a request's reservation (it was recorded, or ended without a row), and those of its attempts
 * (`<request id>#<n>`, booked by `admitAttempt`): every id from `<id>#` up to `<id>$` (`$` follows `#`).
 */
export function settle(sql: SqlStorage, requestId: string): void {
  sql.exec(
    "DELETE FROM reservations WHERE request_id = ? OR (request_id > ? AND request_id < ?)",
    requestId,
    `${requestId}#`,
    `${requestId}$`,
  );
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

/** `daily` columns behind each summed field of a usage row. */
const SUMS: Record<(typeof COUNT_FIELDS)[number], string> = {
  requests: "requests",
  // One count per outcome, from the outcome list, so a new outcome gets its column with no other change.
  ...(Object.fromEntries(
    OUTCOMES.map((outcome) => [outcome, `CASE WHEN outcome = '${outcome}' THEN requests ELSE 0 END`]),
  ) as Record<(typeof OUTCOMES)[number], string>),
  prompt_tokens: "prompt_tokens",
  completion_tokens: "completion_tokens",
  estimated_saved_tokens: "saved_tokens",
  estimated_saved_tokens_p10: "saved_p10_tokens",
  estimated_saved_tokens_p90: "saved_p90_tokens",
  saved_upper_bound_tokens: "saved_upper_bound_tokens",
  unpriced_requests: "unpriced_requests",
  cost_nano_usd: "cost_nano_usd",
  estimated_saved_cost_nano_usd: "saved_cost_nano_usd",
  estimated_saved_cost_p10_nano_usd: "saved_cost_p10_nano_usd",
  estimated_saved_cost_p90_nano_usd: "saved_cost_p90_nano_usd",
};

/**
 * The same sums over `requests`, one row per request, for groupings the rollup cannot answer (`method`). The
 * rollup adds exactly these values (`insertRecord`), so both give the same totals.
 */
const REQUEST_SUMS: Record<(typeof COUNT_FIELDS)[number], string> = {
  requests: "1",
  ...(Object.fromEntries(
    OUTCOMES.map((outcome) => [outcome, `CASE WHEN outcome = '${outcome}' THEN 1 ELSE 0 END`]),
  ) as Record<(typeof OUTCOMES)[number], string>),
  prompt_tokens: "prompt_tokens",
  completion_tokens: "completion_tokens",
  estimated_saved_tokens: "COALESCE(saved_tokens, 0)",
  estimated_saved_tokens_p10: "COALESCE(saved_p10, 0)",
  estimated_saved_tokens_p90: "COALESCE(saved_p90, 0)",
  saved_upper_bound_tokens: "COALESCE(saved_upper_bound, 0)",
  unpriced_requests: "CASE WHEN cost_nano_usd IS NULL THEN 1 ELSE 0 END",
  cost_nano_usd: "COALESCE(cost_nano_usd, 0)",
  estimated_saved_cost_nano_usd: "COALESCE(saved_cost_nano_usd, 0)",
  estimated_saved_cost_p10_nano_usd: "COALESCE(saved_cost_p10_nano_usd, 0)",
  estimated_saved_cost_p90_nano_usd: "COALESCE(saved_cost_p90_nano_usd, 0)",
};

/** Group expressions over `requests`: absent tasks and rules are '' as in the rollup. */
const REQUEST_GROUP_COLUMNS: Record<MeterGroup, string> = {
  ...GROUP_COLUMNS,
  rule: "COALESCE(rule, '')",
  task: "COALESCE(task, '')",
  method: "saved_method",
};

/**
 * Usage over the UTC days `from`..`to` (inclusive), one row per value of the groups (one or two), ordered by
 * them; a two-group row's key joins its values with `KEY_SEPARATOR`. Read from the daily rollup, or, when a
 * group is `method`, from the request rows of the range (through their day index).
 */
export function queryUsage(
  sql: SqlStorage,
  from: string,
  to: string,
  group: MeterGroup | readonly MeterGroup[],
): UsageRow[] {
  const groups = typeof group === "string" ? [group] : group;
  const byRequest = groups.includes("method");
  const [table, columns, fields]: [string, Record<string, string>, Record<string, string>] = byRequest
    ? ["requests", REQUEST_GROUP_COLUMNS, REQUEST_SUMS]
    : ["daily", GROUP_COLUMNS, SUMS];
  const key = groups.map((g) => columns[g]).join(` || char(${KEY_SEPARATOR.charCodeAt(0)}) || `);
  const sums = COUNT_FIELDS.map((field) => `SUM(${fields[field]}) AS ${field}`).join(", ");
  const rows = sql
    .exec<Record<string, string | number>>(
      `SELECT ${key} AS key, ${sums} FROM ${table} WHERE day BETWEEN ? AND ? GROUP BY key ORDER BY key`,
      from,
      to,
    )
    .toArray();
  return rows.map((row) => {
    const out = { key: String(row.key) } as UsageRow;
    for (const field of COUNT_FIELDS) out[field] = Number(row[field]);
    return out;
  });
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
  saved_p10: number | null;
  saved_p90: number | null;
  saved_samples: number | null;
  saved_upper_bound: number | null;
  saved_cost_p10_nano_usd: number | null;
  saved_cost_p90_nano_usd: number | null;
  attempts: number | null;
  attempt_verdicts: string | null;
};

/** The `limit` most recent requests, newest first. */
export function recentRequests(sql: SqlStorage, limit: number): StoredRequest[] {
  return sql.exec<StoredRequest>("SELECT * FROM requests ORDER BY time DESC, request_id DESC LIMIT ?", limit).toArray();
}
