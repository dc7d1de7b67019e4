import {
  ANSWER_LENGTH_WINDOW,
  CUT_AT_WINDOW,
  EXIT_TAIL_WINDOW,
  LENGTH_WINDOW,
  REJECTED_WINDOW,
  slide,
} from "./history";
import type { HistorySnapshot, SavingsObservation } from "./types";

/**
 * Snapshots an isolate has loaded, kept for `HISTORY_CACHE_MS` so that a busy key costs its meter one read per
 * isolate every half minute rather than one per request. What this isolate itself teaches is applied to its
 * copies at once (so it never estimates from older history than it wrote); other isolates' observations show when
 * the copy expires. A window of 200 completions hardly moves in that time.
 */
export const HISTORY_CACHE_MS = 30_000;
const MAX_ENTRIES = 1_000;

interface Entry {
  meter: string;
  model: string;
  scope: string;
  snapshot: HistorySnapshot;
  expires: number;
}

const entries = new Map<string, Entry>();
const id = (meter: string, model: string, scope: string) => JSON.stringify([meter, model, scope]);

/** A fresh enough copy of the snapshot, if this isolate has one. */
export function cachedHistory(
  meter: string,
  model: string,
  scope: string,
  now = Date.now(),
): HistorySnapshot | undefined {
  const entry = entries.get(id(meter, model, scope));
  if (!entry || entry.expires <= now) return undefined;
  return entry.snapshot;
}

/** Keeps a snapshot loaded from a meter. */
export function rememberHistory(
  meter: string,
  model: string,
  scope: string,
  snapshot: HistorySnapshot,
  now = Date.now(),
): void {
  const key = id(meter, model, scope);
  entries.delete(key);
  entries.set(key, { meter, model, scope, snapshot, expires: now + HISTORY_CACHE_MS });
  // Maps iterate in insertion order: the first entry is the oldest.
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
}

/** Applies an observation this isolate sends to `meter` to its copies: the key's own and the model-wide windows. */
export function learnLocally(meter: string, observation: SavingsObservation): void {
  for (const entry of entries.values()) {
    if (entry.meter !== meter || entry.model !== observation.model) continue;
    const own = entry.scope === observation.scope;
    const both = (window: HistorySnapshot["lengths"] | undefined, values: readonly number[] = [], size: number) => ({
      key: own ? slide(window?.key ?? [], values, size) : (window?.key ?? []),
      model: slide(window?.model ?? [], values, size),
    });
    const { snapshot } = entry;
    entry.snapshot = {
      lengths: both(snapshot.lengths, observation.lengths, LENGTH_WINDOW),
      exitTails: both(snapshot.exitTails, observation.exitTails, EXIT_TAIL_WINDOW),
      answerLengths: both(snapshot.answerLengths, observation.answerLengths, ANSWER_LENGTH_WINDOW),
      rejected: both(snapshot.rejected, observation.rejected, REJECTED_WINDOW),
      cutAt: both(snapshot.cutAt, observation.cutAt, CUT_AT_WINDOW),
    };
  }
}

/** Forgets every copy (tests reset storage between cases, and a fresh isolate would know nothing). */
export function forgetHistoryCache(): void {
  entries.clear();
}
