import type { Context } from "hono";
import { decideFanout, describeDecision } from "../fanout/auto-rule";
import { planSampling, type SamplingError, type SamplingPlan } from "../fanout/plan";
import { priceOf, shippedPricing } from "../metering/pricing";
import { historyScope } from "../savings/history";
import { createSavingsLink } from "../savings/link";
import { EMPTY_HISTORY, type HistorySnapshot } from "../savings/types";
import { fanOutCompletion } from "./fanout";
import { forwardCompletion, type Forwarding } from "./forward";
import { budgetExceeded } from "./team-auth";
import type { AppEnv } from "./types";

/** The request's sampling plan from its headers (400 for a header it got wrong); one request for the other APIs. */
export function samplingPlan(
  c: Context<AppEnv>,
  forwarding: Pick<Forwarding, "api" | "request">,
): { ok: true; value: SamplingPlan } | { ok: false; error: SamplingError } {
  const { config } = c.var;
  const headers = {
    fanout: c.req.header("x-inflight-fanout"),
    accept: c.req.header("x-inflight-accept"),
    maxAttempts: c.req.header("x-inflight-max-attempts"),
  };
  if (!forwarding.api.completionKind) {
    // The Responses and Messages APIs have no `n`: there is nothing to fan out, and no header is set.
    const asked =
      headers.accept?.trim() || headers.maxAttempts?.trim() || headers.fanout?.trim().toLowerCase() === "on";
    if (!asked) return { ok: true, value: { kind: "single", reason: "" } };
    const param = headers.accept?.trim()
      ? "x-inflight-accept"
      : headers.maxAttempts?.trim()
        ? "x-inflight-max-attempts"
        : "x-inflight-fanout";
    return {
      ok: false,
      error: { message: `${param} applies to /v1/chat/completions and /v1/completions only (the APIs with n).`, param },
    };
  }
  return planSampling(
    headers,
    { choices: forwarding.request.choices, body: forwarding.request.body },
    {
      maxAttempts: config.MAX_ATTEMPTS_PER_REQUEST,
      maxConcurrent: config.MAX_CONCURRENT_ATTEMPTS,
      attemptsPerAccepted: config.ATTEMPTS_PER_ACCEPTED,
    },
  );
}

const withHeader = (forwarding: Forwarding, header: string): Forwarding =>
  header ? { ...forwarding, headers: { ...forwarding.headers, "x-inflight-fanout": header } } : forwarding;

/**
 * Answers a completion request as its plan says: one upstream request (`x-inflight-fanout` says why), or
 * attempts of one choice each (docs/sampling.md). Under `auto` the rule in `src/fanout/auto-rule.ts` decides, on
 * the savings model's history for the request's key (waited for, as a single request waits for it before reading
 * text; an isolate's copy is used at once). Fan-out admits each extra attempt against the team's budget before
 * the first is sent: when the budget refuses, `auto` answers with one request, and `on` with the budget's 429.
 */
export async function forwardSampled(
  c: Context<AppEnv>,
  forwarding: Forwarding,
  plan: SamplingPlan,
): Promise<Response> {
  if (plan.kind === "single") return forwardCompletion(c, withHeader(forwarding, plan.reason));
  const { request, packs } = forwarding;
  const scope = historyScope(
    c.var.task,
    packs.map((pack) => pack.name),
  );
  const savings = createSavingsLink(c.env.TEAM_METER, c.var.team?.team, request.model, scope);
  let history: HistorySnapshot | undefined = savings.initial;
  savings.onLoad((snapshot) => (history = snapshot));
  const run = { savings, scope, history: () => history };

  if (plan.kind === "accept") {
    const header = `on; accept ${plan.k} of at most ${plan.maxAttempts} attempts, ${plan.concurrency} at a time`;
    return fanOutCompletion(c, forwarding, {
      ...run,
      accept: plan.k,
      maxAttempts: plan.maxAttempts,
      concurrency: plan.concurrency,
      admitted: 1,
      header,
    });
  }

  let header = "on; header";
  if (!plan.forced) {
    await savings.ready();
    const inputs = {
      n: plan.n,
      promptTokens: request.promptTokensEstimate,
      maxTokens: request.ctx.maxTokens,
      price: priceOf(shippedPricing(), request.model),
      history: history ?? EMPTY_HISTORY,
    };
    const decision = decideFanout(inputs);
    header = describeDecision(inputs, decision);
    if (!decision.fanOut) return forwardCompletion(c, withHeader(forwarding, header));
  }

  // Fan-out's attempts 1..n-1 add their prompts to what the request's admission reserved (its n completions).
  const admit = c.var.admitAttempt;
  if (admit) {
    const cost = { promptTokens: request.promptTokensEstimate, completionTokens: 0 };
    const verdicts = await Promise.all(Array.from({ length: plan.n - 1 }, (_, i) => admit(i + 1, cost)));
    const denied = verdicts.find((verdict) => !verdict.ok);
    if (denied && !denied.ok) {
      if (plan.forced) return budgetExceeded(c.var.door?.envelope ?? "openai", c.var.team?.team ?? "", denied.error);
      const period = denied.error.period === "day" ? "daily" : "monthly";
      return forwardCompletion(
        c,
        withHeader(forwarding, `off; budget: fan-out's extra prompts pass the ${period} budget`),
      );
    }
  }
  return fanOutCompletion(c, forwarding, {
    ...run,
    maxAttempts: plan.n,
    concurrency: plan.concurrency,
    admitted: plan.n,
    header,
  });
}
