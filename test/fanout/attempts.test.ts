import { describe, expect, it } from "vitest";
import type { Rejection } from "../../src/engine/inspection";
import {
  attemptVerdict,
  mergedObservations,
  mergedUsage,
  requestOutcome,
  sumEstimates,
  summarize,
  type AttemptResult,
} from "../../src/fanout/attempts";
import type { Outcome } from "../../src/formats/types";
import type { SessionReport } from "../../src/proxy/session";
import type { SavedEstimate } from "../../src/savings/types";

const rejection = (rule: string, action: "reject" | "exit" = "reject"): Rejection => ({
  rule,
  pack: "p",
  stage: "*",
  validator: rule,
  action,
  message: "m",
  choice: 0,
  channel: "content",
  offset: { chars: 40, tokens: 10 },
  evidence: "e",
  detail: "d",
});

const estimate = (tokens: number, method: SavedEstimate["method"] = "loop_to_max_tokens"): SavedEstimate => ({
  completion_tokens: tokens,
  p10: tokens - 1,
  p90: tokens + 1,
  method,
  samples: 3,
  upper_bound: tokens + 5,
});

function attempt(
  index: number,
  outcome: Outcome,
  options: { choice?: number | null; rule?: string; saved?: SavedEstimate; surplus?: boolean; upstream?: boolean } = {},
): AttemptResult {
  const rejected = options.rule ? rejection(options.rule, outcome === "early_exit" ? "exit" : "reject") : undefined;
  const report: SessionReport = {
    outcome,
    ...(rejected ? { rejection: rejected } : {}),
    usage: {
      prompt_tokens: 9,
      completion_tokens: 10 * (index + 1),
      total_tokens: 9 + 10 * (index + 1),
      inflight: {
        request_id: "req_1",
        outcome,
        counted_by: options.upstream ? "upstream" : "inflight",
        saved_estimate: options.saved ?? null,
        packs: ["default"],
        flags: [rejection("invented-quantities", "reject")],
      },
    },
    observed: {
      lengths: outcome === "accepted" ? [10 * (index + 1)] : [],
      exitTails: [],
      rejected: [outcome === "rejected" ? 1 : 0],
      cutAt: outcome === "rejected" ? [10] : [],
    },
  };
  const choice = options.choice === undefined ? index : options.choice;
  return {
    report,
    summary: summarize(index, report, { choice, retries: index % 2, surplus: options.surplus ?? false }),
  };
}

describe("the attempts of a fanned-out request, added up", () => {
  it("sums every attempt's prompt and completion tokens, and the saved estimates with their bounds", () => {
    const results = [
      attempt(0, "rejected", { rule: "loop", saved: estimate(100) }),
      attempt(1, "accepted", { upstream: true }),
      attempt(2, "rejected", { rule: "json", saved: estimate(50, "length_history") }),
    ];
    const usage = mergedUsage("req_1", ["default"], "rejected", results);
    expect(usage).toMatchObject({ prompt_tokens: 27, completion_tokens: 60, total_tokens: 87 });
    expect(usage.inflight.saved_estimate).toEqual({
      completion_tokens: 150,
      p10: 148,
      p90: 152,
      method: "mixed",
      samples: 3,
      upper_bound: 160,
    });
    expect(usage.inflight.counted_by).toBe("inflight");
    expect(usage.inflight.attempts?.map((a) => [a.attempt, a.outcome, a.rule])).toEqual([
      [0, "rejected", "loop"],
      [1, "accepted", null],
      [2, "rejected", "json"],
    ]);
    // Flags are renumbered as each attempt's choice.
    expect(usage.inflight.flags?.map((flag) => flag.choice)).toEqual([0, 1, 2]);
  });

  it("says the provider counted the request only when it counted every attempt", () => {
    const both = [attempt(0, "accepted", { upstream: true }), attempt(1, "accepted", { upstream: true })];
    expect(mergedUsage("r", [], "accepted", both).inflight.counted_by).toBe("upstream");
    expect(sumEstimates([null, null])).toBeNull();
    expect(sumEstimates([{ ...estimate(5), upper_bound: null }, estimate(5)])?.upper_bound).toBeNull();
  });

  it("ends fan-out as one request with n choices does: rejected when any choice was, naming the first rule", () => {
    const results = [
      attempt(0, "accepted"),
      attempt(1, "rejected", { rule: "a" }),
      attempt(2, "rejected", { rule: "b" }),
    ];
    expect(requestOutcome(results, { clientGone: false })).toMatchObject({
      outcome: "rejected",
      rejection: { rule: "a" },
    });
    expect(requestOutcome([attempt(0, "accepted"), attempt(1, "upstream_error")], { clientGone: false }).outcome).toBe(
      "upstream_error",
    );
    expect(
      requestOutcome([attempt(0, "accepted"), attempt(1, "early_exit", { rule: "x" })], { clientGone: false }),
    ).toMatchObject({ outcome: "early_exit", rejection: { rule: "x" } });
    expect(requestOutcome([attempt(0, "accepted")], { clientGone: true }).outcome).toBe("client_abort");
  });

  it("ends x-inflight-accept as accepted when it returns its k samples, whatever was rejected on the way", () => {
    const results = [
      attempt(0, "rejected", { rule: "loop", choice: null }),
      attempt(1, "accepted", { choice: 0 }),
      attempt(2, "accepted", { choice: 1 }),
      attempt(3, "client_abort", { choice: null, surplus: true }),
    ];
    expect(requestOutcome(results, { clientGone: false, accept: 2 })).toEqual({ outcome: "accepted" });
    expect(requestOutcome(results, { clientGone: false, accept: 3 }).outcome).toBe("rejected");
    expect(results[3]!.summary.outcome).toBe("surplus");
  });

  it("adds up what the attempts teach the savings model, and keeps a compact verdict per attempt for the meter", () => {
    const results = [attempt(0, "rejected", { rule: "loop", saved: estimate(100) }), attempt(1, "accepted")];
    expect(mergedObservations(results)).toEqual({
      lengths: [20],
      exitTails: [],
      answerLengths: [],
      rejected: [1, 0],
      cutAt: [10],
    });
    expect(attemptVerdict(results[0]!.summary)).toEqual({
      attempt: 0,
      choice: 0,
      outcome: "rejected",
      rule: "loop",
      offset_tokens: 10,
      prompt_tokens: 9,
      completion_tokens: 10,
      saved_tokens: 100,
      retries: 0,
    });
  });
});
