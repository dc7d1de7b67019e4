import type { TeamMeter } from "../metering/team-meter";
import { cachedHistory, learnLocally, rememberHistory } from "./cache";
import { anonymousMeter } from "./history";
import type { HistorySnapshot, SavingsObservation } from "./types";

/**
 * Once the upstream has answered, how long the proxy waits for the history snapshot before it goes on with the
 * prior (the snapshot is still used if it arrives later). The snapshot is asked for with the upstream request,
 * so it is nearly always there first and the wait costs nothing.
 */
export const HISTORY_WAIT_MS = 1_000;
/**
 * Requests without a team key have no meter row to learn with, so an isolate queues their observations and sends
 * them to their anonymous meter in one call once this many are waiting (or the oldest has waited
 * `ANONYMOUS_FLUSH_MS`): a busy model costs its meter one write per batch, not one per request. An isolate that is
 * evicted loses what it had queued.
 */
export const ANONYMOUS_BATCH = 16;
export const ANONYMOUS_FLUSH_MS = 5_000;

const queued = new Map<string, { since: number; batch: { observed: SavingsObservation; time: string }[] }>();

/**
 * One request's line to the savings history in its team's meter (or the anonymous meter of its model). A copy
 * this isolate loaded in the last half minute is used at once; otherwise the snapshot is requested now, in
 * parallel with the upstream request: nothing waits for it before the upstream request is sent. A meter that
 * fails or is not bound leaves the estimate on the prior.
 */
export function createSavingsLink(
  namespace: DurableObjectNamespace<TeamMeter> | undefined,
  team: string | undefined,
  model: string,
  scope: string,
) {
  const name = team ?? anonymousMeter(model);
  const meter = namespace?.get(namespace.idFromName(name));
  const initial = meter ? cachedHistory(name, model, scope) : undefined;
  const loading: Promise<HistorySnapshot | undefined> =
    initial !== undefined || !meter
      ? Promise.resolve(initial)
      : Promise.resolve(meter.savings(model, scope)).then(
          (snapshot) => {
            rememberHistory(name, model, scope, snapshot as HistorySnapshot);
            return snapshot as HistorySnapshot;
          },
          () => undefined,
        );
  return {
    /** The snapshot this isolate already holds, for the session to start with. */
    initial,
    /** Calls `use` when a snapshot requested from the meter arrives, whenever that is. */
    onLoad(use: (snapshot: HistorySnapshot) => void): void {
      if (initial === undefined) void loading.then((snapshot) => snapshot && use(snapshot));
    },
    /** Resolves when the snapshot has arrived, or after `waitMs`, whichever is first. */
    async ready(waitMs = HISTORY_WAIT_MS): Promise<void> {
      if (initial !== undefined || !meter) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
      await Promise.race([loading, late]);
      clearTimeout(timer);
    },
    /**
     * What the request taught: applied to this isolate's copies at once. With a team key the meter learns it with
     * the request's row (`TeamMeter.record`); without one it is queued for the anonymous meter, and the returned
     * promise resolves when a full batch has been written (at once when it only queued).
     */
    async learned(observed: SavingsObservation, time: string, now = Date.now()): Promise<void> {
      if (!meter) return;
      learnLocally(name, observed);
      if (team) return;
      const queue = queued.get(name) ?? { since: now, batch: [] };
      queue.batch.push({ observed, time });
      queued.set(name, queue);
      if (queue.batch.length < ANONYMOUS_BATCH && now - queue.since < ANONYMOUS_FLUSH_MS) return;
      queued.delete(name);
      await meter.observe(queue.batch);
    },
  };
}

/** Forgets queued observations (tests reset storage between cases). */
export function forgetQueuedObservations(): void {
  queued.clear();
}

export type SavingsLink = ReturnType<typeof createSavingsLink>;
