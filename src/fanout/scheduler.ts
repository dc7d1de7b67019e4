/** Why no more attempts start. */
export type StopReason = "accepted" | "max_attempts" | "budget" | "client_gone";

/** How many attempts a request runs, how many at once, and (for `x-inflight-accept`) how many it needs. */
export interface SchedulerOptions {
  maxAttempts: number;
  concurrency: number;
  /** Accepted samples wanted; absent for fan-out, where every attempt runs and each is a choice. */
  accept?: number;
}

/**
 * Which attempts of a fanned-out request start when. Fan-out runs `n` attempts, `concurrency` at a time.
 * `x-inflight-accept: k` keeps up to `concurrency` attempts in flight and starts another each time one ends
 * without a sample, until k are accepted or `maxAttempts` have started (or the budget, or the client, stops it).
 * Pure: the orchestrator asks `next()` and reports `ended()`.
 */
export function createScheduler(options: SchedulerOptions) {
  let started = 0;
  let running = 0;
  let accepted = 0;
  let stopped: StopReason | undefined;
  const enough = () => options.accept !== undefined && accepted >= options.accept;

  return {
    /** The number of the attempt to start now, or `undefined` when none may. */
    next(): number | undefined {
      if (stopped !== undefined || enough() || started >= options.maxAttempts || running >= options.concurrency)
        return undefined;
      running += 1;
      return started++;
    },
    /** An attempt ended; `sample` when it gave one (accepted or ended early by a rule). */
    ended(sample: boolean): void {
      running -= 1;
      if (sample) accepted += 1;
    },
    /** No attempt starts from now on. */
    stop(reason: Exclude<StopReason, "accepted" | "max_attempts">): void {
      stopped ??= reason;
    },
    /** `x-inflight-accept` has its k samples: the attempts still running are surplus. */
    get enough(): boolean {
      return enough();
    },
    /** Nothing runs and nothing more will start. */
    get finished(): boolean {
      return running === 0 && (stopped !== undefined || enough() || started >= options.maxAttempts);
    },
    get running(): number {
      return running;
    },
    /** Why attempts stopped starting, once they have. */
    get stopReason(): StopReason | undefined {
      if (enough()) return "accepted";
      return stopped ?? (started >= options.maxAttempts ? "max_attempts" : undefined);
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
