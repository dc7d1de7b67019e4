import { describe, expect, it } from "vitest";
import { attemptBody, planSampling } from "../../src/fanout/plan";
import { createScheduler } from "../../src/fanout/scheduler";
import { RETRY_AFTER_CAP_MS, RETRY_DELAYS_MS, retryAfterMs, retryDelay } from "../../src/fanout/retry";

const limits = { maxAttempts: 16, maxConcurrent: 6, attemptsPerAccepted: 2 };
const request = (choices: number, body: Record<string, unknown> = {}) => ({ choices, body: { n: choices, ...body } });

describe("the sampling headers", () => {
  it("fans out n > 1 under auto and on, at most MAX_CONCURRENT_ATTEMPTS at a time; n = 1 stays one request", () => {
    expect(planSampling({}, request(4), limits)).toEqual({
      ok: true,
      value: { kind: "fanout", forced: false, n: 4, concurrency: 4 },
    });
    expect(planSampling({ fanout: "ON" }, request(10), limits)).toMatchObject({
      value: { kind: "fanout", forced: true, concurrency: 6 },
    });
    expect(planSampling({}, request(1), limits)).toEqual({ ok: true, value: { kind: "single", reason: "off; n = 1" } });
    expect(planSampling({ fanout: "off" }, request(4), limits)).toMatchObject({
      value: { kind: "single", reason: "off; header" },
    });
  });

  it("keeps one request where splitting would change the answer, and refuses a header that forces it", () => {
    const bestOf = request(2, { best_of: 4 });
    expect(planSampling({}, bestOf, limits)).toMatchObject({
      value: { kind: "single", reason: "off; best_of is set" },
    });
    expect(planSampling({ fanout: "on" }, bestOf, limits)).toMatchObject({
      ok: false,
      error: { param: "x-inflight-fanout" },
    });
    const batch = request(2, { prompt: ["one", "two"] });
    expect(planSampling({}, batch, limits)).toMatchObject({
      value: { reason: "off; the request holds several prompts" },
    });
    expect(planSampling({}, request(20), limits)).toMatchObject({ value: { kind: "single" } });
    expect(planSampling({ accept: "1" }, batch, limits)).toMatchObject({
      ok: false,
      error: { param: "x-inflight-accept" },
    });
  });

  it("reads x-inflight-accept as k samples, n in flight, and a default budget of 2k attempts (at least n)", () => {
    expect(planSampling({ accept: "3" }, request(2), limits)).toEqual({
      ok: true,
      value: { kind: "accept", k: 3, maxAttempts: 6, concurrency: 2 },
    });
    expect(planSampling({ accept: "1" }, request(1), limits)).toMatchObject({
      value: { k: 1, maxAttempts: 2, concurrency: 1 },
    });
    expect(planSampling({ accept: "1" }, request(5), limits)).toMatchObject({
      value: { maxAttempts: 5, concurrency: 5 },
    });
    expect(planSampling({ accept: "12" }, request(4), limits)).toMatchObject({ value: { maxAttempts: 16 } });
    expect(planSampling({ accept: "2", maxAttempts: "3" }, request(2), limits)).toMatchObject({
      value: { maxAttempts: 3, concurrency: 2 },
    });
  });

  it.each([
    [{ fanout: "sometimes" }, "x-inflight-fanout"],
    [{ accept: "0" }, "x-inflight-accept"],
    [{ accept: "two" }, "x-inflight-accept"],
    [{ accept: "17" }, "x-inflight-accept"],
    [{ accept: "2", fanout: "off" }, "x-inflight-fanout"],
    [{ accept: "3", maxAttempts: "2" }, "x-inflight-max-attempts"],
    [{ accept: "3", maxAttempts: "99" }, "x-inflight-max-attempts"],
    [{ maxAttempts: "4" }, "x-inflight-max-attempts"],
  ])("refuses %o naming %s", (headers, param) => {
    const plan = planSampling(headers, request(2), limits);
    expect(plan).toMatchObject({ ok: false, error: { param } });
    if (!plan.ok) expect(plan.error.message).toContain(param === "x-inflight-fanout" ? "x-inflight-fanout" : param);
  });

  it("sends each attempt with one choice and the request's seed plus its number", () => {
    expect(attemptBody({ n: 4, seed: 100, model: "m" }, 3)).toEqual({ n: 1, seed: 103, model: "m" });
    expect(attemptBody({ n: 4, model: "m" }, 3)).toEqual({ n: 1, model: "m" });
  });
});

describe("which attempts start when", () => {
  it("runs fan-out's n attempts, concurrency at a time, with no refill", () => {
    const scheduler = createScheduler({ maxAttempts: 3, concurrency: 2 });
    expect([scheduler.next(), scheduler.next(), scheduler.next()]).toEqual([0, 1, undefined]);
    scheduler.ended(false);
    expect(scheduler.next()).toBe(2);
    scheduler.ended(true);
    scheduler.ended(true);
    expect(scheduler.next()).toBeUndefined();
    expect(scheduler.finished).toBe(true);
    expect(scheduler.stopReason).toBe("max_attempts");
  });

  it("refills x-inflight-accept after each attempt without a sample, until k are accepted", () => {
    const scheduler = createScheduler({ maxAttempts: 10, concurrency: 2, accept: 2 });
    expect([scheduler.next(), scheduler.next()]).toEqual([0, 1]);
    scheduler.ended(false);
    expect(scheduler.next()).toBe(2);
    scheduler.ended(true);
    expect(scheduler.next()).toBe(3);
    scheduler.ended(true);
    expect(scheduler.enough).toBe(true);
    expect(scheduler.next()).toBeUndefined();
    expect(scheduler.finished).toBe(false);
    scheduler.ended(false);
    expect(scheduler.finished).toBe(true);
    expect(scheduler.stopReason).toBe("accepted");
  });

  it("stops starting attempts once the budget refuses one", () => {
    const scheduler = createScheduler({ maxAttempts: 10, concurrency: 1, accept: 3 });
    expect(scheduler.next()).toBe(0);
    scheduler.ended(false);
    scheduler.stop("budget");
    expect(scheduler.next()).toBeUndefined();
    expect(scheduler.finished).toBe(true);
    expect(scheduler.stopReason).toBe("budget");
  });
});

describe("retrying an attempt after an upstream 429 or 5xx", () => {
  it("waits 0.5 s then 2 s, and gives up after two retries or on another 4xx", () => {
    expect(RETRY_DELAYS_MS).toEqual([500, 2000]);
    expect(retryDelay(429, null, 0)).toBe(500);
    expect(retryDelay(503, null, 1)).toBe(2000);
    expect(retryDelay(500, null, 2)).toBeUndefined();
    expect(retryDelay(400, null, 0)).toBeUndefined();
    expect(retryDelay(404, null, 0)).toBeUndefined();
  });

  it("honours retry-after up to the cap, and fails at once past it or past the request's total limit", () => {
    expect(retryDelay(429, "1", 0)).toBe(1000);
    expect(retryDelay(429, String(RETRY_AFTER_CAP_MS / 1000 + 1), 0)).toBeUndefined();
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(retryAfterMs("Wed, 25 Nov 2026 10:00:01 GMT", now)).toBe(1000);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryDelay(503, null, 0, 400)).toBeUndefined();
  });
});
