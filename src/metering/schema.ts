/**
 * The team meter's first SQLite schema (one Durable Object per team). `requests` holds a row per request; `daily`
 * rolls them up per UTC day, model, task, rule and outcome so that usage over a range reads few rows.
 * Costs are integers in nano-USD so sums and budget checks are exact. `task` and `rule` are '' in `daily`
 * when absent (a primary key column cannot usefully be NULL).
 */
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS requests (
  request_id TEXT PRIMARY KEY,
  time TEXT NOT NULL,
  day TEXT NOT NULL,
  model TEXT NOT NULL,
  task TEXT,
  adapter TEXT,
  packs TEXT NOT NULL,
  outcome TEXT NOT NULL,
  rule TEXT,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  saved_tokens INTEGER,
  saved_method TEXT NOT NULL,
  cost_nano_usd INTEGER,
  saved_cost_nano_usd INTEGER,
  key_id TEXT
);
CREATE INDEX IF NOT EXISTS requests_by_day ON requests (day);
CREATE TABLE IF NOT EXISTS daily (
  day TEXT NOT NULL,
  model TEXT NOT NULL,
  task TEXT NOT NULL,
  rule TEXT NOT NULL,
  outcome TEXT NOT NULL,
  requests INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  saved_tokens INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,
  saved_cost_nano_usd INTEGER NOT NULL,
  unpriced_requests INTEGER NOT NULL,
  PRIMARY KEY (day, model, task, rule, outcome)
);
`;

/** Per-group sums of a saved column over the requests a `daily` row rolls up. */
const rolledUp = (column: string) => `COALESCE((SELECT SUM(r.${column}) FROM requests r
    WHERE r.day = daily.day AND r.model = daily.model AND COALESCE(r.task, '') = daily.task
      AND COALESCE(r.rule, '') = daily.rule AND r.outcome = daily.outcome), 0)`;

/**
 * Step 4: the saved figure becomes an estimate with an interval (docs/metering.md). Rows gain the estimate's p10,
 * p90, the observations it rests on, the `max_tokens` upper bound and the interval's cost; `daily` sums them.
 * Rows written before this step booked `max_tokens` remaining (an upper bound) or one isolate's mean length as
 * saved: their figure moves to `saved_upper_bound` (the upper bound) or is dropped (the mean), they keep their
 * old `saved_method`, and the rollups are recomputed from the rows, so no total mixes old bounds with estimates.
 * `savings_history` holds what the savings model learns: one row per history kind and key, the newest
 * observations as a JSON array (src/savings/history-store.ts).
 */
const SAVINGS_ESTIMATE = `
ALTER TABLE requests ADD COLUMN saved_p10 INTEGER;
ALTER TABLE requests ADD COLUMN saved_p90 INTEGER;
ALTER TABLE requests ADD COLUMN saved_samples INTEGER;
ALTER TABLE requests ADD COLUMN saved_upper_bound INTEGER;
ALTER TABLE requests ADD COLUMN saved_cost_p10_nano_usd INTEGER;
ALTER TABLE requests ADD COLUMN saved_cost_p90_nano_usd INTEGER;
ALTER TABLE daily ADD COLUMN saved_p10_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE daily ADD COLUMN saved_p90_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE daily ADD COLUMN saved_upper_bound_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE daily ADD COLUMN saved_cost_p10_nano_usd INTEGER NOT NULL DEFAULT 0;
ALTER TABLE daily ADD COLUMN saved_cost_p90_nano_usd INTEGER NOT NULL DEFAULT 0;
UPDATE requests
  SET saved_upper_bound = CASE WHEN saved_method = 'max_tokens_remaining' THEN saved_tokens END,
      saved_tokens = NULL, saved_cost_nano_usd = NULL
  WHERE saved_method IN ('max_tokens_remaining', 'mean_accepted_completion');
UPDATE daily SET
  saved_tokens = ${rolledUp("saved_tokens")},
  saved_cost_nano_usd = ${rolledUp("saved_cost_nano_usd")},
  saved_upper_bound_tokens = ${rolledUp("saved_upper_bound")};
CREATE TABLE savings_history (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  observed TEXT NOT NULL,
  total INTEGER NOT NULL,
  updated TEXT NOT NULL,
  PRIMARY KEY (kind, key)
);
`;

/**
 * Budget reservations (docs/teams.md, Budgets): what each running request may still cost, booked at admission and
 * replaced by the request's row when it is recorded. `expires_ms` lets a reservation whose request never
 * reports (a crashed isolate) lapse. `route` says which door a request took (`POST /v1/chat/completions`,
 * `POST /v1/embeddings`...); rows written before this step have none.
 */
const RESERVATIONS_AND_ROUTE = `
CREATE TABLE IF NOT EXISTS reservations (
  request_id TEXT PRIMARY KEY,
  day TEXT NOT NULL,
  amount_nano_usd INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
ALTER TABLE requests ADD COLUMN route TEXT;
`;

/**
 * Step 5: fanned-out requests (docs/sampling.md). A request answered with several upstream attempts (fan-out, or
 * `x-inflight-accept`) keeps one row, whose tokens are every attempt's, plus how many attempts it made and each
 * one's verdict and tokens as a JSON array. `NULL` for a request sent upstream once, and for rows from before.
 */
const ATTEMPTS = `
ALTER TABLE requests ADD COLUMN attempts INTEGER;
ALTER TABLE requests ADD COLUMN attempt_verdicts TEXT;
`;

/**
 * The meter's schema as ordered steps. A meter applies, once and in order, every step past the version it has
 * stored (`schema_version`), so meters created by an older release are brought up to date when they start.
 * Append only: a step that has shipped is never edited; a change is a new step (`ALTER TABLE ... ADD COLUMN`).
 * Step 1 uses `IF NOT EXISTS` because meters from before versioning already hold its tables.
 */
export const MIGRATIONS: readonly string[] = [
  SCHEMA_V1,
  // Who counted a request's tokens: `upstream`, `inflight`, or `inflight_upstream_invalid` (the upstream's usage
  // failed validation). NULL for rows written before this step and for requests refused before forwarding.
  "ALTER TABLE requests ADD COLUMN counted_by TEXT",
  RESERVATIONS_AND_ROUTE,
  SAVINGS_ESTIMATE,
  ATTEMPTS,
];
