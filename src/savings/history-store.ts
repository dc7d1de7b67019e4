import { historyKeys, MAX_HISTORY_KEYS, observationRows, slide, type HistoryKind } from "./history";
import type { HistorySnapshot, SavingsObservation } from "./types";

/**
 * The savings model's durable state in a team's meter (SQLite, `savings_history`): one row per history kind and
 * key, holding the newest observations as a JSON array. Runs inside the meter, in the caller's transaction.
 */

function read(sql: SqlStorage, kind: HistoryKind, key: string): number[] {
  const row = sql
    .exec<{ observed: string }>("SELECT observed FROM savings_history WHERE kind = ? AND key = ?", kind, key)
    .toArray()[0];
  if (!row) return [];
  const parsed: unknown = JSON.parse(row.observed);
  return Array.isArray(parsed) ? parsed.filter((value): value is number => typeof value === "number") : [];
}

/** What the model knows for a request's key and its model. */
export function loadHistory(sql: SqlStorage, model: string, scope: string): HistorySnapshot {
  const keys = historyKeys(model, scope);
  return {
    lengths: { key: read(sql, "length", keys.key), model: read(sql, "length", keys.model) },
    exitTails: { key: read(sql, "exit_tail", keys.key), model: read(sql, "exit_tail", keys.model) },
    answerLengths: { key: read(sql, "answer_length", keys.key), model: read(sql, "answer_length", keys.model) },
    rejected: { key: read(sql, "rejected", keys.key), model: read(sql, "rejected", keys.model) },
    cutAt: { key: read(sql, "cut_at", keys.key), model: read(sql, "cut_at", keys.model) },
  };
}

/** Adds a finished request's observations, then drops the least recently updated rows beyond the bound. */
export function addObservation(sql: SqlStorage, observation: SavingsObservation, time: string): void {
  for (const { kind, key, values, size } of observationRows(observation)) {
    const window = slide(read(sql, kind, key), values, size);
    sql.exec(
      `INSERT INTO savings_history (kind, key, observed, total, updated) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, key) DO UPDATE SET observed = excluded.observed, total = total + ?, updated = excluded.updated`,
      kind,
      key,
      JSON.stringify(window),
      values.length,
      time,
      values.length,
    );
  }
  sql.exec(
    `DELETE FROM savings_history WHERE rowid IN (
       SELECT rowid FROM savings_history ORDER BY updated DESC, rowid DESC LIMIT -1 OFFSET ?)`,
    MAX_HISTORY_KEYS,
  );
}
