import type { TeamMeter } from "../metering/team-meter";
import { anonymousMeter } from "./history";
import type { HistorySnapshot, SavingsObservation } from "./types";

/**
 * Once the upstream has answered, how long the proxy waits for the history snapshot before it goes on with the
 * prior (the snapshot is still used if it arrives later). The snapshot is asked for with the upstream request,
 * so it is nearly always there first and the wait costs nothing.
 */
export const HISTORY_WAIT_MS = 1_000;

/**
 * One request's line to the savings history in its team's meter (or the anonymous meter of its model). The
 * snapshot is requested at once, in parallel with the upstream request: nothing waits for it before the upstream
 * request is sent. A meter that fails or is not bound leaves the estimate on the prior.
 */
export function createSavingsLink(
  namespace: DurableObjectNamespace<TeamMeter> | undefined,
  team: string | undefined,
  model: string,
  scope: string,
) {
  const meter = namespace?.get(namespace.idFromName(team ?? anonymousMeter(model)));
  const loading: Promise<HistorySnapshot | undefined> = meter
    ? Promise.resolve(meter.savings(model, scope)).then(
        (snapshot) => snapshot as HistorySnapshot,
        () => undefined,
      )
    : Promise.resolve(undefined);
  return {
    /** Calls `use` when the snapshot arrives, whenever that is. */
    onLoad(use: (snapshot: HistorySnapshot) => void): void {
      void loading.then((snapshot) => snapshot && use(snapshot));
    },
    /** Resolves when the snapshot has arrived, or after `waitMs`, whichever is first. */
    async ready(waitMs = HISTORY_WAIT_MS): Promise<void> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
      await Promise.race([loading, late]);
      clearTimeout(timer);
    },
    /** Teaches the model without a request row (a request without a team key); resolves when written. */
    async observe(observed: SavingsObservation, time: string): Promise<void> {
      if (!team && meter) await meter.observe(observed, time);
    },
  };
}

export type SavingsLink = ReturnType<typeof createSavingsLink>;
