import { createExecutionContext, reset, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { TeamMeter } from "../../src/metering/team-meter";
import { historyScope } from "../../src/savings/history";
import { chatFrames } from "../helpers/fake-upstream";
import { admin, BASE, chat, createTeamKey, meter, settle } from "../teams/helpers";
import { clean, looping, seededUpstream } from "./upstream";

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

const twoLoops = (body: Record<string, unknown>) => ((body.seed as number) % 2 === 0 ? looping() : clean(60));
const reservations = (team: string) =>
  runInDurableObject(meter(team), (_: TeamMeter, state) =>
    state.storage.sql.exec<{ request_id: string }>("SELECT request_id FROM reservations ORDER BY request_id").toArray(),
  );
type Verdict = { attempt: number; choice: number | null; outcome: string; rule: string | null; prompt_tokens: number };

describe("metering a fanned-out request", () => {
  it("writes one row with every attempt's tokens, the saved estimates added up, and each attempt's verdict", async () => {
    const { key } = await createTeamKey("acme");
    seededUpstream(twoLoops);
    const { res, text } = await settle(
      "/v1/chat/completions",
      chat(key, { n: 4, seed: 100, max_tokens: 500 }, { "x-inflight-fanout": "on" }),
    );
    expect(res.status).toBe(200);
    const usage = (
      JSON.parse(text) as {
        usage: {
          prompt_tokens: number;
          completion_tokens: number;
          inflight: { saved_estimate: { completion_tokens: number } };
        };
      }
    ).usage;
    const [row] = await meter("acme").requests(5);
    expect(row).toMatchObject({
      outcome: "rejected",
      rule: "repetition-loop",
      attempts: 4,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      saved_tokens: usage.inflight.saved_estimate.completion_tokens,
      saved_method: "loop_to_max_tokens",
    });
    const verdicts = JSON.parse(row!.attempt_verdicts!) as Verdict[];
    expect(verdicts.map((v) => [v.attempt, v.choice, v.outcome, v.rule])).toEqual([
      [0, 0, "rejected", "repetition-loop"],
      [1, 1, "accepted", null],
      [2, 2, "rejected", "repetition-loop"],
      [3, 3, "accepted", null],
    ]);
    expect(verdicts.reduce((sum, v) => sum + v.prompt_tokens, 0)).toBe(row!.prompt_tokens);
    // Two loops cut at their loop: each booked what max_tokens had left of it.
    expect(row!.saved_tokens).toBeGreaterThan(2 * 400);
    expect(await reservations("acme")).toEqual([]);
    const listed = JSON.parse((await admin("GET", "/teams/acme/requests")).text) as { data: Record<string, unknown>[] };
    expect(listed.data[0]).toMatchObject({ attempts: 4, attempt_verdicts: verdicts });
    // The attempts teach the savings model which choices were rejected, and where.
    const history = await meter("acme").savings("gpt-4o-mini", historyScope(null, ["default"]));
    expect(history.rejected?.key).toEqual([1, 0, 1, 0]);
    expect(history.cutAt?.key).toHaveLength(2);
    expect(history.lengths.key).toHaveLength(2);
  });

  it("reserves each extra attempt against the budget while it runs, and settles them all with the row", async () => {
    const { key } = await createTeamKey("acme");
    await admin("PUT", "/teams/acme/policy", { budget: { daily_usd: 10 } });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let waiting = 0;
    let allWaiting!: () => void;
    const started = new Promise<void>((resolve) => (allWaiting = resolve));
    seededUpstream(() => async () => {
      if (++waiting === 3) allWaiting();
      await gate;
      return new Response(chatFrames(clean(5)).join(""), { headers: { "content-type": "text/event-stream" } });
    });
    const answer = settle("/v1/chat/completions", chat(key, { n: 3, seed: 1 }, { "x-inflight-fanout": "on" }));
    await started;
    const held = (await reservations("acme")).map((row) => row.request_id);
    expect(held).toHaveLength(3);
    expect(held.slice(1)).toEqual([`${held[0]}#1`, `${held[0]}#2`]);
    open();
    expect((await answer).res.status).toBe(200);
    expect(await reservations("acme")).toEqual([]);
  });

  it("answers one request when the budget cannot take fan-out's extra prompts under auto, and 429 when forced", async () => {
    const { key } = await createTeamKey("acme");
    // The request's own reservation (4 x 4,096 completion tokens) fills the day: nothing more is admitted.
    await admin("PUT", "/teams/acme/policy", { budget: { daily_usd: 0.005 } });
    const logs = seededUpstream(() => clean(5));
    const auto = await settle("/v1/chat/completions", chat(key, { n: 4 }));
    expect(auto.res.status).toBe(200);
    expect(auto.res.headers.get("x-inflight-fanout")).toBe(
      "off; budget: fan-out's extra prompts pass the daily budget",
    );
    expect(logs).toHaveLength(1);
    expect(logs[0]!.body).toMatchObject({ n: 4 });
    const forced = await settle("/v1/chat/completions", chat(key, { n: 4 }, { "x-inflight-fanout": "on" }));
    expect(forced.res.status).toBe(429);
    expect(JSON.parse(forced.text)).toMatchObject({ error: { code: "budget_exceeded", period: "day" } });
    expect(logs).toHaveLength(1);
    expect(await reservations("acme")).toEqual([]);
  });

  it("stops refilling x-inflight-accept when the budget refuses the next attempt, and answers with what it has", async () => {
    const { key } = await createTeamKey("acme");
    await admin("PUT", "/teams/acme/policy", { budget: { daily_usd: 0.002 } });
    const logs = seededUpstream((body) => (body.seed === 1 ? looping() : clean(5)));
    const { res, text } = await settle("/v1/chat/completions", chat(key, { seed: 1 }, { "x-inflight-accept": "1" }));
    expect(logs).toHaveLength(1);
    expect(res.status).toBe(422);
    expect(JSON.parse(text)).toMatchObject({ usage: { inflight: { attempts: [{ outcome: "rejected" }] } } });
    const [row] = await meter("acme").requests(5);
    expect(row).toMatchObject({ outcome: "rejected", attempts: 1 });
  });

  it("stops every attempt when the client leaves mid-stream, and books each one", async () => {
    const { key } = await createTeamKey("acme");
    const logs = seededUpstream(() => clean(2_000));
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(
        `${BASE}/v1/chat/completions`,
        chat(key, { n: 3, seed: 1, stream: true }, { "x-inflight-fanout": "on" }),
      ),
      env,
      ctx,
    );
    const reader = res.body!.getReader();
    for (let read = 0; read < 10; read += 1) await reader.read();
    await reader.cancel();
    await waitOnExecutionContext(ctx);
    expect(logs).toHaveLength(3);
    for (const log of logs) {
      expect(log.cancelled).toBe(true);
      expect(log.sent).toBeLessThan(100);
    }
    const [row] = await meter("acme").requests(5);
    expect(row).toMatchObject({ outcome: "client_abort", attempts: 3 });
    const verdicts = JSON.parse(row!.attempt_verdicts!) as Verdict[];
    expect(verdicts.map((v) => v.outcome)).toEqual(["client_abort", "client_abort", "client_abort"]);
    expect(row!.completion_tokens).toBeGreaterThan(0);
  });
});
