/** Failed authentication attempts one client has made in its current window. */
export interface FailureWindow {
  /** When the window's first failure happened (ms since the epoch). */
  startMs: number;
  failures: number;
}

/** `AUTH_FAILURE_LIMIT` failures are answered as usual; later ones in the same window are refused with 429. */
export interface ThrottleLimits {
  limit: number;
  windowMs: number;
}

/** After a failed attempt: whether the client is now throttled, and for how long. */
export interface ThrottleVerdict {
  throttled: boolean;
  /** Until the window ends; 0 when not throttled. */
  retryAfterMs: number;
}

/**
 * Counts one failed attempt into a client's fixed window, opened by its first failure. The first `limit`
 * failures of a window are not throttled; every later one is, until the window ends.
 * @returns the window to store and the verdict for this attempt
 */
export function countFailure(
  current: FailureWindow | null,
  nowMs: number,
  limits: ThrottleLimits,
): { window: FailureWindow; verdict: ThrottleVerdict } {
  const open = current !== null && nowMs - current.startMs < limits.windowMs;
  const window = open ? { startMs: current.startMs, failures: current.failures + 1 } : { startMs: nowMs, failures: 1 };
  const throttled = window.failures > limits.limit;
  return { window, verdict: { throttled, retryAfterMs: throttled ? window.startMs + limits.windowMs - nowMs : 0 } };
}

/** Whether a client is throttled right now, without counting anything. */
export function currentVerdict(current: FailureWindow | null, nowMs: number, limits: ThrottleLimits): ThrottleVerdict {
  const open = current !== null && nowMs - current.startMs < limits.windowMs;
  if (!open || current.failures <= limits.limit) return { throttled: false, retryAfterMs: 0 };
  return { throttled: true, retryAfterMs: current.startMs + limits.windowMs - nowMs };
}

/** How many throttled clients an isolate remembers; the oldest is forgotten first. */
const REMEMBERED = 10_000;
const throttledUntil = new Map<string, number>();

/**
 * What this isolate already knows: a client its throttle object has refused stays refused here until its window
 * ends, without asking the object again (and before any credential is checked).
 * @returns milliseconds left, or 0
 */
export function knownThrottle(client: string, nowMs: number): number {
  const until = throttledUntil.get(client);
  if (until === undefined) return 0;
  if (until > nowMs) return until - nowMs;
  throttledUntil.delete(client);
  return 0;
}

/** Remembers that `client` is throttled for `retryAfterMs`. */
export function rememberThrottle(client: string, nowMs: number, retryAfterMs: number): void {
  if (throttledUntil.size >= REMEMBERED) throttledUntil.delete(throttledUntil.keys().next().value!);
  throttledUntil.set(client, nowMs + retryAfterMs);
}

/** Forgets every remembered throttle (tests, as a fresh isolate would). */
export function forgetThrottles(): void {
  throttledUntil.clear();
}
