import type { OfflineResult } from "../../src/engine/offline";
import { decideFanout } from "../../src/fanout/auto-rule";
import { historyScope } from "../../src/savings/history";
import { createMemoryHistory } from "../../src/savings/memory-history";
import { estimatePromptTokens } from "../../src/proxy/request-text";
import type { LabelledSample } from "./corpora";

/**
 * Rejection sampling replayed over the stored outputs: what an accepted sample costs (prompt and completion tokens
 * billed, per sample that passes the pack) three ways. Each stored output is one draw; consecutive outputs are the
 * draws of one request (GSM8K's four solutions of a question and Game of 24's hundred attempts at a puzzle are
 * stored together; elsewhere different prompts stand in for repeated draws). Generation runs at one token per step
 * for every open output, as a provider runs the choices of one request side by side. Pure.
 */

/** One stored output as the replay needs it. */
export interface Draw {
  prompt: number;
  /** Its tokens, and where a rule stopped it (its end when none did). */
  tokens: number;
  stop: number;
  /** It passes the pack: no rule fired, or an exit rule ended it with a complete answer. */
  sample: boolean;
  /** A rule stopped it (rejection or exit). */
  cut: boolean;
}

/** `n`: choices per request; `k`: samples `x-inflight-accept` asks for; `maxAttempts`: its default budget (2k). */
export const REPLAY = { n: 4, k: 4, maxAttempts: 8 } as const;

export function drawOf(sample: LabelledSample, result: OfflineResult): Draw {
  const action = result.verdict?.action;
  return {
    prompt: estimatePromptTokens([sample.prompt]),
    tokens: result.tokens,
    stop: result.tokensUntilStop,
    sample: action !== "reject",
    cut: action !== undefined,
  };
}

/** Tokens billed (all, and the completion tokens alone), and samples obtained. */
export interface Cost {
  tokens: number;
  completion: number;
  samples: number;
}

const mean = (values: readonly number[]) => Math.round(values.reduce((a, b) => a + b, 0) / values.length);

/**
 * One request with `n` choices (inflight before fan-out): a choice a rule stops is dropped, but the provider
 * generates it on until every choice has ended (each cut choice at its cut, each other one at its end), so each
 * is billed up to that moment or its own end. The prompt is billed once.
 */
export function oneRequest(draws: readonly Draw[]): Cost {
  const ends = draws.map((draw) => (draw.cut ? draw.stop : draw.tokens));
  const last = Math.max(...ends);
  const completion = draws.reduce((sum, draw) => sum + Math.min(draw.tokens, last), 0);
  const samples = draws.filter((d) => d.sample).length;
  return { tokens: mean(draws.map((d) => d.prompt)) + completion, completion, samples };
}

/** Fan-out: every choice its own request, cut at its own cut; each sends the prompt. */
export function fanOut(draws: readonly Draw[]): Cost {
  const prompt = mean(draws.map((d) => d.prompt));
  const completion = draws.reduce((sum, draw) => sum + (draw.cut ? draw.stop : draw.tokens), 0);
  return { tokens: prompt * draws.length + completion, completion, samples: draws.filter((d) => d.sample).length };
}

/**
 * `x-inflight-accept: k` with `n` in flight: the pool's draws start in order, `n` at first and one more whenever
 * one ends without a sample, until k samples are accepted or `maxAttempts` have started; the attempts still
 * running at the k-th acceptance are stopped there (billed what they had generated).
 */
export function acceptK(pool: readonly Draw[], options: { n: number; k: number; maxAttempts: number }): Cost {
  const prompt = mean(pool.map((d) => d.prompt));
  const budget = Math.min(options.maxAttempts, pool.length);
  const running: { start: number; end: number; draw: Draw }[] = [];
  let started = 0;
  let completion = 0;
  let samples = 0;
  const start = (at: number) => {
    const draw = pool[started++]!;
    running.push({ start: at, end: at + (draw.cut ? draw.stop : draw.tokens), draw });
  };
  while (started < Math.min(options.n, budget)) start(0);
  while (running.length > 0) {
    running.sort((a, b) => a.end - b.end);
    const next = running.shift()!;
    completion += next.end - next.start;
    if (next.draw.sample) samples += 1;
    if (samples >= options.k) {
      for (const other of running.splice(0)) completion += next.end - other.start;
      break;
    }
    if (!next.draw.sample && started < budget) start(next.end);
  }
  return { tokens: prompt * started + completion, completion, samples };
}

/** One (corpus, pack) row: the three ways over the corpus. */
export interface FanoutRow {
  corpus: string;
  pack: string;
  draws: number;
  samples: number;
  one: Cost;
  fanout: Cost;
  /** Each request as the `auto` rule decides it (token counts), on the history learned from the requests before. */
  auto: Cost;
  /** Requests the rule fanned out. */
  autoFannedOut: number;
  accept: Cost;
  /** k-valid pools that got their k samples, of all pools. */
  reached: number;
  pools: number;
}

const blocks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
const add = (a: Cost, b: Cost): Cost => ({
  tokens: a.tokens + b.tokens,
  completion: a.completion + b.completion,
  samples: a.samples + b.samples,
});

/**
 * The `auto` rule over the requests in order, unpriced (it compares token counts, as the table does): each decided
 * on what the savings model learned from the requests before it, as a team's meter would have it (the choices
 * that finished teach their lengths; every choice whether it was rejected, and where).
 */
function autoRule(corpus: string, pack: string, requests: readonly Draw[][]): { cost: Cost; fannedOut: number } {
  const history = createMemoryHistory();
  const scope = historyScope(null, [pack]);
  let cost: Cost = { tokens: 0, completion: 0, samples: 0 };
  let fannedOut = 0;
  for (const draws of requests) {
    const decision = decideFanout({
      n: draws.length,
      promptTokens: mean(draws.map((d) => d.prompt)),
      maxTokens: undefined,
      price: undefined,
      history: history.snapshot(corpus, scope),
    });
    if (decision.fanOut && draws.length > 1) fannedOut += 1;
    cost = add(cost, decision.fanOut ? fanOut(draws) : oneRequest(draws));
    const rejected = draws.filter((d) => !d.sample);
    history.observe({
      model: corpus,
      scope,
      lengths: draws.filter((d) => !d.cut).map((d) => d.tokens),
      exitTails: [],
      rejected: draws.map((d) => (d.sample ? 0 : 1)),
      cutAt: rejected.map((d) => d.stop),
    });
  }
  return { cost, fannedOut };
}

export function replayRow(corpus: string, pack: string, draws: readonly Draw[]): FanoutRow {
  const zero = { tokens: 0, completion: 0, samples: 0 };
  const requests = blocks(draws, REPLAY.n);
  const auto = autoRule(corpus, pack, requests);
  const pools = blocks(draws, REPLAY.maxAttempts);
  const accepted = pools.map((pool) => acceptK(pool, REPLAY));
  return {
    corpus,
    pack,
    draws: draws.length,
    samples: draws.filter((d) => d.sample).length,
    one: requests.map(oneRequest).reduce(add, zero),
    fanout: requests.map(fanOut).reduce(add, zero),
    auto: auto.cost,
    autoFannedOut: auto.fannedOut,
    accept: accepted.reduce(add, zero),
    reached: accepted.filter((cost) => cost.samples >= REPLAY.k).length,
    pools: pools.length,
  };
}

const num = (n: number) => Math.round(n).toLocaleString("en-US");
const perSample = (tokens: number, cost: Cost) => (cost.samples > 0 ? tokens / cost.samples : Infinity);
const cell = (cost: Cost, base?: Cost, field: "tokens" | "completion" = "tokens") => {
  const value = perSample(cost[field], cost);
  if (!Number.isFinite(value)) return "—";
  const against = base ? perSample(base[field], base) : Infinity;
  const ratio = Number.isFinite(against) ? ` (${(value / against).toFixed(2)})` : "";
  return `${num(value)}${ratio}`;
};

/** The rows as a Markdown table: tokens per accepted sample, and each way against one request. */
export function fanoutTable(rows: readonly FanoutRow[]): string {
  const header = [
    "corpus",
    "pack",
    "outputs",
    "pass the pack",
    `one request, n = ${REPLAY.n}`,
    "fan-out (/ one request)",
    "auto (/ one request; requests fanned out)",
    `accept k = ${REPLAY.k}, ${REPLAY.n} at a time, ≤ ${REPLAY.maxAttempts} attempts (/ one request; pools with k samples)`,
    "completion tokens alone: one request → fan-out (ratio)",
  ];
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const body = rows.map((row) =>
    line([
      row.corpus,
      row.pack,
      num(row.draws),
      `${((100 * row.samples) / row.draws).toFixed(1)}%`,
      cell(row.one),
      cell(row.fanout, row.one),
      `${cell(row.auto, row.one)}; ${num(row.autoFannedOut)} of ${num(Math.ceil(row.draws / REPLAY.n))}`,
      `${cell(row.accept, row.one)}; ${num(row.reached)} of ${num(row.pools)}`,
      `${cell(row.one, undefined, "completion")} → ${cell(row.fanout, row.one, "completion")}`,
    ]),
  );
  return [line(header), line(header.map((_, i) => (i < 2 ? "---" : "---:"))), ...body].join("\n");
}

/**
 * `npm run eval`'s rejection-sampling replay: collects each (corpus, pack)'s draws while the main table is
 * measured, and prints the three ways' tokens per accepted sample.
 */
export function createFanoutReplay() {
  const rows: { corpus: string; pack: string; draws: Draw[] }[] = [];
  return {
    collect(corpus: string, pack: string) {
      const entry = { corpus, pack, draws: [] as Draw[] };
      rows.push(entry);
      return (sample: LabelledSample, result: OfflineResult) => entry.draws.push(drawOf(sample, result));
    },
    /** Each (corpus, pack) replayed the three ways. */
    rows(): FanoutRow[] {
      return rows.map(({ corpus, pack, draws }) => replayRow(corpus, pack, draws));
    },
    section(replayed: readonly FanoutRow[]): string {
      const cutAny = replayed.filter((row) => row.samples < row.draws);
      return [
        "## Rejection sampling: tokens per accepted sample",
        "",
        "Prompt and completion tokens billed per output that passes the pack, over consecutive outputs: one request",
        `with n = ${REPLAY.n} (a rejected choice is generated on until every choice has ended), fan-out (${REPLAY.n} requests, each cut`,
        "on its own, each sending the prompt), the auto rule choosing between the two request by request (token counts,",
        `on the history of the requests before), and x-inflight-accept: ${REPLAY.k} (${REPLAY.n} in flight, a new attempt after each`,
        `output that fails, at most ${REPLAY.maxAttempts}, those still running stopped at the ${REPLAY.k}th sample). Rows where the pack`,
        "rejected something; docs/sampling.md explains the replay.",
        "",
        fanoutTable(cutAny),
      ].join("\n");
    },
  };
}
