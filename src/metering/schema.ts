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

/**
 * Budget reservations (README: Budgets): what each running request may still cost, booked at admission and
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
];
