import type { SavingsObservation } from "./types";

/** Accepted lengths kept per key: the model forgets a regime after this many newer completions. */
export const LENGTH_WINDOW = 200;
/** Exit tails kept per key. */
export const EXIT_TAIL_WINDOW = 100;
/** Final-answer lengths kept per key. */
export const ANSWER_LENGTH_WINDOW = 100;
/** Choice verdicts (rejected or not) kept per key: the rejection share is over the last this many choices. */
export const REJECTED_WINDOW = 200;
/** Rejection offsets kept per key. */
export const CUT_AT_WINDOW = 100;
/** History rows a meter keeps; the least recently updated go first. Bounds a meter's history to ~0.5 MB. */
export const MAX_HISTORY_KEYS = 512;

/**
 * The meter instance (`TEAM_METER.idFromName`) that keeps the savings history of requests without a team key,
 * one per model so that no single object takes all of that traffic. It holds no request rows, and no team can
 * have such a name (team names start with a letter or digit).
 */
export const anonymousMeter = (model: string): string => `_anonymous:${model}`;

/** The history kinds a meter keeps (docs/metering.md; `rejected` and `cut_at` feed the fan-out rule). */
export type HistoryKind = "length" | "exit_tail" | "answer_length" | "rejected" | "cut_at";

/**
 * What a request's history is filed under within its team's meter: the model and the task (when adapter routing
 * named one), else the packs that ran, since they say what the output is for; and the model across all of its
 * keys, the fallback for a key with too little history.
 * @example historyKeys("gpt-4o-mini", "task:text-to-sql") // { key: '["gpt-4o-mini","task:text-to-sql"]', model: '["gpt-4o-mini","*"]' }
 */
export function historyKeys(model: string, scope: string): { key: string; model: string } {
  return { key: JSON.stringify([model, scope]), model: JSON.stringify([model, "*"]) };
}

/** A request's scope within its model: its task, else its packs (sorted, so their order does not matter). */
export function historyScope(task: string | null | undefined, packs: readonly string[]): string {
  return task ? `task:${task}` : `packs:${[...packs].sort().join(",")}`;
}

/** The window after adding `values`: oldest first, at most `size` long. */
export function slide(window: readonly number[], values: readonly number[], size: number): number[] {
  const next = [...window, ...values.map((value) => Math.max(0, Math.round(value)))];
  return next.length > size ? next.slice(next.length - size) : next;
}

/** The history rows an observation adds to, with the values each gets. */
export function observationRows(
  observation: SavingsObservation,
): { kind: HistoryKind; key: string; values: number[]; size: number }[] {
  const keys = historyKeys(observation.model, observation.scope);
  const rows: { kind: HistoryKind; key: string; values: number[]; size: number }[] = [];
  for (const key of [keys.key, keys.model]) {
    if (observation.lengths.length > 0)
      rows.push({ kind: "length", key, values: observation.lengths, size: LENGTH_WINDOW });
    if (observation.exitTails.length > 0)
      rows.push({ kind: "exit_tail", key, values: observation.exitTails, size: EXIT_TAIL_WINDOW });
    if (observation.answerLengths?.length)
      rows.push({ kind: "answer_length", key, values: observation.answerLengths, size: ANSWER_LENGTH_WINDOW });
    if (observation.rejected?.length)
      rows.push({ kind: "rejected", key, values: observation.rejected, size: REJECTED_WINDOW });
    if (observation.cutAt?.length) rows.push({ kind: "cut_at", key, values: observation.cutAt, size: CUT_AT_WINDOW });
  }
  return rows;
}
