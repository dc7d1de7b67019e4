import { reset, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RESERVATION_TTL_MS } from "../../src/metering/budget";
import type { TeamMeter } from "../../src/metering/team-meter";
import { chatFrames, fakeUpstream } from "../helpers/fake-upstream";
import { record } from "../metering/records";
import { admin, chat, createTeamKey, meter, settle, today } from "./helpers";

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

const CONCURRENT = 50;
/** 9 prompt tokens (inflight's estimate of "Say hello" with framing, and the upstream's count) and 50 completion tokens. */
const PIECES = Array.from({ length: 50 }, (_, i) => ` word${i}`);
/** gpt-4o-mini: 9 × 0.15 + 50 × 0.60 USD per million tokens, in nano-USD. */
const COST_NANO = 9 * 150 + 50 * 600;

const reservations = (team: string) =>
  runInDurableObject(meter(team), (_: TeamMeter, state) =>
    state.storage.sql.exec("SELECT request_id, amount_nano_usd FROM reservations").toArray(),
  );

/**
 * Fires `CONCURRENT` requests at once and holds every upstream answer until each request has been admitted or
 * refused: the worst case, where no admitted request has finished (and been recorded) before the last decision.
 */
async function fireAtOnce(key: string, maxTokens: number) {
  let decided = 0;
  let release!: () => void;
  const allDecided = new Promise<void>((resolve) => (release = resolve));
  const decide = () => {
    decided += 1;
    if (decided === CONCURRENT) release();
  };
  fakeUpstream([], async () => {
    decide();
    await allDecided;
    return new Response(chatFrames(PIECES).join(""), { headers: { "content-type": "text/event-stream" } });
  });
  const answers = await Promise.all(
    Array.from({ length: CONCURRENT }, () =>
      settle("/v1/chat/completions", chat(key, { max_tokens: maxTokens })).then((answer) => {
        if (answer.res.status === 429) decide();
        return answer;
      }),
    ),
  );
  const [total] = await meter("acme").usage(today(), today(), "total");
  return { statuses: answers.map((a) => a.res.status), total: total! };
}

describe("budget reservations under concurrency", () => {
  it.each([
    ["4/3 of one request", 4 / 3],
    ["9.57 requests", 9.57],
  ])(
    `lets ${CONCURRENT} concurrent requests from zero spend pass a daily limit of %s by at most one request's reservation`,
    async (_, requests) => {
      const { key } = await createTeamKey("acme");
      const limitNano = Math.round(requests * COST_NANO);
      await admin("PUT", "/teams/acme/policy", { budget: { daily_usd: limitNano / 1e9 } });
      // max_tokens is what the request generates: its reservation is its cost.
      const { statuses, total } = await fireAtOnce(key, 50);

      const admitted = statuses.filter((s) => s === 200).length;
      expect(admitted).toBe(Math.ceil(limitNano / COST_NANO));
      expect(statuses.filter((s) => s === 429)).toHaveLength(CONCURRENT - admitted);
      expect(total).toMatchObject({ requests: CONCURRENT, accepted: admitted, budget_denied: CONCURRENT - admitted });
      // The bound docs/teams.md states (Budgets): the limit, plus the reservation of the last request admitted.
      expect(total.cost_nano_usd).toBeLessThan(limitNano + COST_NANO);
      expect(await reservations("acme")).toEqual([]);
    },
  );

  it("reserves max_tokens at the output price, so a generous max_tokens admits fewer", async () => {
    const { key } = await createTeamKey("acme");
    const limitNano = 10 * COST_NANO;
    await admin("PUT", "/teams/acme/policy", { budget: { daily_usd: limitNano / 1e9 } });
    const { statuses, total } = await fireAtOnce(key, 1000);
    const reservation = 9 * 150 + 1000 * 600;
    expect(statuses.filter((s) => s === 200)).toHaveLength(Math.ceil(limitNano / reservation));
    expect(total.cost_nano_usd).toBeLessThan(limitNano);
  });
});

describe("a reservation's life", () => {
  it("is replaced by the request's row when it is recorded", async () => {
    const team = meter("life");
    const time = "2026-11-20T12:00:00.000Z";
    const limits = { daily_usd: 1, monthly_usd: null };
    await team.admit({ limits, record: record({ requestId: "r1", time }), reserveNano: 500_000_000 });
    expect(await reservations("life")).toEqual([{ request_id: "r1", amount_nano_usd: 500_000_000 }]);
    expect(
      await team.admit({ limits, record: record({ requestId: "r2", time }), reserveNano: 500_000_000 }),
    ).toMatchObject({ ok: true });
    const refused = await team.admit({ limits, record: record({ requestId: "r3", time }), reserveNano: 1 });
    expect(refused).toMatchObject({ ok: false, error: { spend_usd: 0, reserved_usd: 1 } });
    await team.record(record({ requestId: "r1", time, costNano: 1_000 }));
    expect(await reservations("life")).toEqual([{ request_id: "r2", amount_nano_usd: 500_000_000 }]);
  });

  it(`expires ${RESERVATION_TTL_MS / 60_000} minutes after admission when its request never reports`, async () => {
    const team = meter("crashed");
    const limits = { daily_usd: 1, monthly_usd: null };
    const start = Date.parse("2026-11-20T12:00:00.000Z");
    const at = (ms: number) => new Date(start + ms).toISOString();
    await team.admit({ limits, record: record({ requestId: "lost", time: at(0) }), reserveNano: 1_000_000_000 });
    expect(
      await team.admit({ limits, record: record({ requestId: "a", time: at(RESERVATION_TTL_MS - 1) }) }),
    ).toMatchObject({ ok: false });
    expect(
      await team.admit({ limits, record: record({ requestId: "b", time: at(RESERVATION_TTL_MS) }) }),
    ).toMatchObject({ ok: true });
    expect(await reservations("crashed")).toEqual([]);
  });

  it("is released when the request is refused after admission, before anything is forwarded", async () => {
    const { key } = await createTeamKey("acme");
    await admin("PUT", "/teams/acme/policy", { budget: { daily_usd: 1 } });
    const upstream = fakeUpstream(chatFrames(["Hi"]));
    const { res } = await settle("/v1/chat/completions", chat(key, {}, { "x-inflight-rules": "nope" }));
    expect(res.status).toBe(400);
    expect(upstream.requests).toHaveLength(0);
    expect(await reservations("acme")).toEqual([]);
  });

  it("is not taken for a model without a price, which adds no spend", async () => {
    const { key } = await createTeamKey("acme");
    await admin("PUT", "/teams/acme/policy", { budget: { daily_usd: 1 } });
    let answered!: () => void;
    const hold = new Promise<void>((resolve) => (answered = resolve));
    let reached!: () => void;
    const arrived = new Promise<void>((resolve) => (reached = resolve));
    fakeUpstream([], async () => {
      reached();
      await hold;
      return new Response(chatFrames(["Hi"]).join(""), { headers: { "content-type": "text/event-stream" } });
    });
    const pending = settle("/v1/chat/completions", chat(key, { model: "local-llama" }));
    await arrived;
    expect(await reservations("acme")).toEqual([]);
    answered();
    expect((await pending).res.status).toBe(200);
  });
});
