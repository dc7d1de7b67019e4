/**
 * How an attempt of a fanned-out request meets an upstream 429 or 5xx: it is sent again, at most
 * `RETRY_DELAYS_MS.length` times, after the upstream's `retry-after` when it asks for no more than
 * `RETRY_AFTER_CAP_MS`, else after the next of `RETRY_DELAYS_MS`. A `retry-after` beyond the cap ends the attempt
 * at once (a provider that asks for a minute will not answer in two seconds), as does any other 4xx. The retries
 * are the attempt's own: they do not count against `x-inflight-max-attempts`. Nothing of a refused attempt reaches
 * the client, and a refused request is not billed.
 */
export const RETRY_DELAYS_MS: readonly number[] = [500, 2_000];
export const RETRY_AFTER_CAP_MS = 2_000;

/** Statuses worth sending again: rate limits and server errors. */
export const retryable = (status: number): boolean => status === 429 || (status >= 500 && status <= 599);

/** `retry-after` in milliseconds: delay-seconds or an HTTP date; `undefined` when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Whether to send an attempt again after an upstream error, and when.
 * @param retries how many times it was already sent again
 * @param msLeft time left before the request's total limit (`Infinity` without one)
 * @returns the wait in milliseconds, or `undefined`: the attempt fails with this error
 */
export function retryDelay(
  status: number,
  retryAfter: string | null,
  retries: number,
  msLeft = Number.POSITIVE_INFINITY,
  now = Date.now(),
): number | undefined {
  if (!retryable(status) || retries >= RETRY_DELAYS_MS.length) return undefined;
  const asked = retryAfterMs(retryAfter, now);
  if (asked !== undefined && asked > RETRY_AFTER_CAP_MS) return undefined;
  const wait = asked ?? RETRY_DELAYS_MS[retries]!;
  return wait < msLeft ? wait : undefined;
}
