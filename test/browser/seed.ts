import type { Scenario } from "./upstream";

/** How one team uses inflight in the seeded fortnight. */
interface TeamPlan {
  team: string;
  packs: string;
  model: (i: number) => string;
  maxTokens?: number;
  json?: boolean;
  /** Prompt length in characters (the upstream counts ~4 a token): retrieval prompts are long. */
  promptChars: number;
  /** Requests on the `day`-th day of the fortnight (0 is the oldest), `weekend` on Saturdays and Sundays. */
  perDay: (day: number, weekend: boolean) => number;
  scenario: (i: number) => Scenario;
  budget?: { daily_usd?: number; monthly_usd?: number };
}

/**
 * Three teams, as a team lead would see them: `search` extracts JSON with gpt-4o-mini (broken JSON one answer in
 * five), `support` chats with gpt-4o without `max_tokens` (boilerplate and loops), `research` solves math with
 * gpt-4.1 on weekdays only (false equations, and early exits at the final answer). Budgets: `search` and
 * `support` have their own; `research` inherits the organisation's monthly limit.
 */
export const PLANS: readonly TeamPlan[] = [
  {
    team: "search",
    packs: "json",
    model: () => "gpt-4o-mini",
    maxTokens: 800,
    json: true,
    promptChars: 8000,
    perDay: (day, weekend) => (weekend ? 3 : 8 + (day % 3)),
    scenario: (i) => (i % 5 === 4 ? "json-bad" : "json-good"),
    budget: { daily_usd: 0.005, monthly_usd: 0.1 },
  },
  {
    team: "support",
    packs: "chat",
    model: () => "gpt-4o",
    promptChars: 6000,
    perDay: (day, weekend) => (weekend ? 2 : 5 + (day % 2)),
    scenario: (i) => (i % 9 === 8 ? "loop" : i % 6 === 5 ? "boilerplate" : "hello"),
    budget: { daily_usd: 0.04, monthly_usd: 0.5 },
  },
  {
    team: "research",
    packs: "math",
    model: (i) => (i % 4 === 3 ? "gpt-4.1-mini" : "gpt-4.1"),
    maxTokens: 2048,
    promptChars: 2400,
    perDay: (_day, weekend) => (weekend ? 0 : 4),
    scenario: (i) => (i % 4 === 1 ? "math-bad" : "math-good"),
  },
];

/** The organisation's policy: a monthly limit every team without its own inherits. */
export const ORG_POLICY = { budget: { monthly_usd: 0.5 } };

/** Days in the fortnight, and one of them on which nobody sent anything (an outage: a gap in every chart). */
export const SEED_DAYS = 14;
export const OUTAGE_DAY = 9;

const DAY_MS = 86_400_000;

export interface SeedClient {
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** Moves the Worker's clock (test/browser/clock-worker.ts). */
  setClock(now: Date): Promise<void>;
  call(path: string, init: RequestInit): Promise<Response>;
}

/**
 * Seeds two weeks of usage the way clients make it: policies and team keys from the admin API, completions
 * through the Worker, each day with the Worker's clock set to that day (the last is today). Returns the number
 * of completions sent and the seeded days.
 */
export async function seedFortnight(client: SeedClient, now: Date): Promise<{ sent: number; days: string[] }> {
  const put = async (path: string, body: unknown) => {
    const res = await client.admin("PUT", path, body);
    if (res.status !== 200) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
  };
  await put("/admin/policy", ORG_POLICY);
  const keys = new Map<string, string>();
  for (const plan of PLANS) {
    if (plan.budget) await put(`/admin/teams/${plan.team}/policy`, { budget: plan.budget });
    const created = await client.admin("POST", "/admin/keys", { team: plan.team, name: "dashboard test" });
    if (created.status !== 201) throw new Error(`POST /admin/keys: ${created.status}`);
    keys.set(plan.team, ((await created.json()) as { key: string }).key);
  }
  const counters = new Map(PLANS.map((plan) => [plan.team, 0]));
  const days: string[] = [];
  let sent = 0;
  for (let day = 0; day < SEED_DAYS; day += 1) {
    const at = new Date(now.getTime() - (SEED_DAYS - 1 - day) * DAY_MS);
    days.push(at.toISOString().slice(0, 10));
    if (day === OUTAGE_DAY) continue;
    await client.setClock(at);
    const weekend = at.getUTCDay() === 0 || at.getUTCDay() === 6;
    // Teams send at the same time; each team's requests follow one another.
    await Promise.all(
      PLANS.map(async (plan) => {
        for (let n = plan.perDay(day, weekend); n > 0; n -= 1) {
          const i = counters.get(plan.team)!;
          counters.set(plan.team, i + 1);
          const scenario = plan.scenario(i);
          const res = await client.call("/v1/chat/completions", {
            method: "POST",
            headers: {
              authorization: `Bearer ${keys.get(plan.team)}`,
              "content-type": "application/json",
              "x-inflight-rules": plan.packs,
            },
            body: JSON.stringify({
              model: plan.model(i),
              ...(plan.maxTokens ? { max_tokens: plan.maxTokens } : {}),
              ...(plan.json ? { response_format: { type: "json_object" } } : {}),
              messages: [{ role: "user", content: `${scenario} ${"context ".repeat(plan.promptChars / 8)}` }],
            }),
          });
          // A non-streaming request is metered before its response is sent: once read, it is in the meter.
          await res.arrayBuffer();
          sent += 1;
        }
      }),
    );
  }
  await client.setClock(new Date());
  return { sent, days };
}
