import { historyKeys, observationRows, slide, type HistoryKind } from "./history";
import type { HistorySnapshot, SavingsObservation } from "./types";

/**
 * The meter's history kept in memory, with the same keys, windows and updates as `history-store.ts`: what the
 * offline tools (`npm run eval`, `npm run replay`) learn from, in input order, so that they measure the model
 * the Worker runs.
 */
export function createMemoryHistory() {
  const rows = new Map<string, number[]>();
  const id = (kind: HistoryKind, key: string) => `${kind} ${key}`;
  const read = (kind: HistoryKind, key: string) => rows.get(id(kind, key)) ?? [];
  return {
    snapshot(model: string, scope: string): HistorySnapshot {
      const keys = historyKeys(model, scope);
      return {
        lengths: { key: read("length", keys.key), model: read("length", keys.model) },
        exitTails: { key: read("exit_tail", keys.key), model: read("exit_tail", keys.model) },
        answerLengths: { key: read("answer_length", keys.key), model: read("answer_length", keys.model) },
        rejected: { key: read("rejected", keys.key), model: read("rejected", keys.model) },
        cutAt: { key: read("cut_at", keys.key), model: read("cut_at", keys.model) },
      };
    },
    observe(observation: SavingsObservation): void {
      for (const { kind, key, values, size } of observationRows(observation))
        rows.set(id(kind, key), slide(read(kind, key), values, size));
    },
  };
}

export type MemoryHistory = ReturnType<typeof createMemoryHistory>;
