/**
 * A queue from many producers (the attempts of a fanned-out request) to one consumer (the response). `put`
 * resolves when the consumer has taken the item, so an attempt reads its upstream only as fast as the client
 * takes the response: at most one batch per attempt waits here. `close` lets every producer go on (nothing is
 * taken any more).
 */
export function createChannel<T>() {
  const queue: { item: T; taken: () => void }[] = [];
  let waiting: ((item: T | undefined) => void) | undefined;
  let closed = false;

  return {
    put(item: T): Promise<void> {
      if (closed) return Promise.resolve();
      if (waiting) {
        const wake = waiting;
        waiting = undefined;
        wake(item);
        return Promise.resolve();
      }
      return new Promise((resolve) => queue.push({ item, taken: resolve }));
    },
    /**
     * The next item, waiting for one; `undefined` after `timeoutMs` without one (the caller sends a keep-alive) or
     * once the channel is closed.
     */
    take(timeoutMs?: number): Promise<T | undefined> {
      const next = queue.shift();
      if (next) {
        next.taken();
        return Promise.resolve(next.item);
      }
      if (closed) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        waiting = (item) => {
          clearTimeout(timer);
          resolve(item);
        };
        if (timeoutMs !== undefined)
          timer = setTimeout(() => {
            waiting = undefined;
            resolve(undefined);
          }, timeoutMs);
      });
    },
    /** Wakes a waiting consumer with nothing, so that it looks at the state again. */
    nudge(): void {
      const wake = waiting;
      waiting = undefined;
      wake?.(undefined);
    },
    close(): void {
      closed = true;
      for (const { taken } of queue.splice(0)) taken();
      this.nudge();
    },
  };
}
