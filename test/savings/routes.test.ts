import { reset, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TeamMeter } from "../../src/metering/team-meter";
import { estimateTokens } from "../../src/engine/tokens";
import { anonymousMeter, historyScope } from "../../src/savings/history";
import { ANONYMOUS_BATCH } from "../../src/savings/link";
import { chatFrames, fakeUpstream } from "../helpers/fake-upstream";
import { chat, createTeamKey, meter, settle } from "../teams/helpers";

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

/** A small JSON answer, streamed a word at a time. */
const answer = (i: number) =>
  JSON.stringify({ city: "Paris", country: "France", rank: i, landmarks: ["Eiffel Tower", "Louvre", "Notre-Dame"] });
const pieces = (text: string) => text.match(/\S+\s*/g)!;
const askJson = { response_format: { type: "json_object" }, max_tokens: 1500 };
const jsonRules = { "x-inflight-rules": "json" };

async function acceptedAnswers(key: string | null, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    fakeUpstream(chatFrames(pieces(answer(i))));
    const { res } = await settle("/v1/chat/completions", chat(key, askJson, jsonRules));
    expect(res.status).toBe(200);
  }
}

/** A JSON answer that starts with prose: rejected by json.syntax at its first token. */
async function rejectedAtStart(key: string | null, stream = true) {
  fakeUpstream(chatFrames(["Sure! ", ...pieces(answer(99))]));
  const { res, text } = await settle("/v1/chat/completions", chat(key, { ...askJson, stream }, jsonRules));
  return { res, text };
}

const lastEvent = (text: string) =>
  JSON.parse(
    text
      .split("\n\n")
      .filter((frame) => frame.startsWith("data: "))
      .at(-1)!
      .slice(6),
  );

describe("saved spend, end to end", () => {
  it("books what a short answer plausibly had left when it is rejected at its start, not what max_tokens allows", async () => {
    const { key } = await createTeamKey("acme");
    await acceptedAnswers(key, 12);
    const { text } = await rejectedAtStart(key);
    const event = lastEvent(text);
    expect(event.error.code).toBe("json.syntax");
    const estimate = event.usage.inflight.saved_estimate;
    const full = estimateTokens(answer(1));
    expect(estimate).toMatchObject({ method: "length_history", samples: 12 });
    // At most the longest answer this key has produced, far below the 1,49x that max_tokens would allow.
    expect(estimate.completion_tokens).toBeLessThanOrEqual(full);
    expect(estimate.p90).toBeLessThanOrEqual(full);
    expect(estimate.upper_bound).toBe(1500 - event.usage.completion_tokens);
    // The SDKs keep only the inner error object: usage is there too.
    expect(event.error.usage).toEqual(event.usage);

    // The meter books the same estimate, interval and bound, and the usage API sums them.
    const rows = await runInDurableObject(meter("acme"), (_: TeamMeter, state) =>
      state.storage.sql
        .exec(
          "SELECT saved_tokens, saved_p10, saved_p90, saved_samples, saved_upper_bound, saved_method FROM requests WHERE outcome = 'rejected'",
        )
        .toArray(),
    );
    expect(rows).toEqual([
      {
        saved_tokens: estimate.completion_tokens,
        saved_p10: estimate.p10,
        saved_p90: estimate.p90,
        saved_samples: 12,
        saved_upper_bound: estimate.upper_bound,
        saved_method: "length_history",
      },
    ]);
    const usage = JSON.parse(
      (await settle("/v1/inflight/usage?group_by=outcome", { headers: { authorization: `Bearer ${key}` } })).text,
    );
    expect(usage.totals).toMatchObject({
      estimated_saved_tokens: estimate.completion_tokens,
      estimated_saved_tokens_p10: estimate.p10,
      estimated_saved_tokens_p90: estimate.p90,
      saved_upper_bound_tokens: estimate.upper_bound,
    });
  });

  it("learns each team's lengths in its own meter, kept across requests", async () => {
    const acme = await createTeamKey("acme");
    const beta = await createTeamKey("beta");
    await acceptedAnswers(acme.key, 6);
    const scope = historyScope(null, ["json"]);
    expect((await meter("acme").savings("gpt-4o-mini", scope)).lengths.key).toHaveLength(6);
    expect((await meter("beta").savings("gpt-4o-mini", scope)).lengths.key).toEqual([]);
    const { text } = await rejectedAtStart(beta.key);
    expect(lastEvent(text).usage.inflight.saved_estimate).toMatchObject({ method: "length_prior", samples: 0 });
  });

  it("keeps the history of requests without a team key in the anonymous meter of their model, in batches", async () => {
    const anonymous = env.TEAM_METER.get(env.TEAM_METER.idFromName(anonymousMeter("gpt-4o-mini")));
    const scope = historyScope(null, ["json"]);
    await acceptedAnswers(null, ANONYMOUS_BATCH - 1);
    // Queued in the isolate (and already used by it), not yet written.
    expect((await anonymous.savings("gpt-4o-mini", scope)).lengths.key).toEqual([]);
    await acceptedAnswers(null, 1);
    expect((await anonymous.savings("gpt-4o-mini", scope)).lengths.key).toHaveLength(ANONYMOUS_BATCH);
    const { res, text } = await rejectedAtStart(null, false);
    expect(res.status).toBe(422);
    const body = JSON.parse(text);
    expect(body.usage.inflight.saved_estimate).toMatchObject({ method: "length_history", samples: ANONYMOUS_BATCH });
    expect(body.error.usage).toEqual(body.usage);
    // No request rows in it: requests without a team key are not metered.
    const rows = await runInDurableObject(anonymous, (_: TeamMeter, state) =>
      state.storage.sql.exec("SELECT COUNT(*) AS n FROM requests").one(),
    );
    expect(rows).toEqual({ n: 0 });
  });

  it("measures the exit tail on sampled requests and estimates later exits from it", async () => {
    const { key } = await createTeamKey("acme");
    const solution = ["6 * 7 = 42.\n", "#### 42\n", "This is because", " six sevens are", " forty-two."];
    const math = { "x-inflight-rules": "math" };
    for (let i = 0; i < 10; i += 1) {
      fakeUpstream(chatFrames(solution));
      const { text } = await settle("/v1/chat/completions", chat(key, {}, math), { EXIT_SAMPLE_SHARE: "1" });
      // The client gets the whole output, as without the exit rule.
      expect(JSON.parse(text).choices[0].message.content).toBe(solution.join(""));
    }
    fakeUpstream(chatFrames(solution));
    const { text } = await settle("/v1/chat/completions", chat(key, {}, math));
    const exited = JSON.parse(text);
    expect(exited.choices[0].message.content).toBe("6 * 7 = 42.\n#### 42\n");
    const tail = estimateTokens(solution.slice(2).join(""));
    expect(exited.usage.inflight).toMatchObject({
      outcome: "early_exit",
      saved_estimate: { method: "exit_tail_history", samples: 10, completion_tokens: tail },
    });
    const outcomes = await runInDurableObject(meter("acme"), (_: TeamMeter, state) =>
      state.storage.sql.exec("SELECT outcome, COUNT(*) AS n FROM requests GROUP BY outcome ORDER BY outcome").toArray(),
    );
    expect(outcomes).toEqual([
      { outcome: "accepted", n: 10 },
      { outcome: "early_exit", n: 1 },
    ]);
  });
});
