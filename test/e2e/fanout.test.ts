import OpenAI, { APIUserAbortError } from "openai";
import { describe, expect, inject, it } from "vitest";
import { inspectText } from "../../src/engine/offline";
import { loadAllPacks } from "../../scripts/lib/packs";
import { tokenize, type RequestRecord } from "../../scripts/upstream";
import { cleanProse, openai, runawayLoop, upstream, waitForRecords } from "./helpers";
import { createTeam, meterRow } from "./meter";

const faultsUrl = inject("faultsWorkerUrl");
const messages = [{ role: "user" as const, content: "Write a short report." }];
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type Attempt = { attempt: number; choice: number | null; outcome: string; rule: string | null; retries: number };
type InflightUsage = OpenAI.CompletionUsage & { inflight: { outcome: string; attempts: Attempt[] } };

/** Two samples that loop from their first tokens and two clean 800-token ones, by seed (100 to 103). */
const LOOP = runawayLoop(800);
const CLEAN = [cleanProse(800, 21), cleanProse(800, 22)];
const CLEAN_TOKENS = CLEAN.map((text) => tokenize(text).length);
const twoLoops = {
  text: CLEAN[0]!,
  tokenDelayMs: 1,
  bySeed: { "100": { text: LOOP }, "101": { text: CLEAN[0]! }, "102": { text: LOOP }, "103": { text: CLEAN[1]! } },
};

/** Each sub-request closed: the looping ones cut early by inflight, the clean ones run to their end. */
async function expectEachCutOnItsOwn(id: string): Promise<RequestRecord[]> {
  const records = await waitForRecords(id, 4, (r) => r.closedAtMs !== null, 10_000);
  expect(records.map((r) => [(r.body as { n: number }).n, r.seed]).sort()).toEqual([
    [1, 100],
    [1, 101],
    [1, 102],
    [1, 103],
  ]);
  for (const record of records) {
    if (record.seed! % 2 === 0) {
      expect(record.clientClosed).toBe(true);
      expect(record.tokensSent).toBeLessThan(150);
    } else {
      expect(record.completed).toBe(true);
      expect(record.tokensSent).toBe(record.tokensPlanned);
    }
  }
  const total = records.reduce((sum, record) => sum + record.tokensSent, 0);
  const clean = CLEAN_TOKENS[0]! + CLEAN_TOKENS[1]!;
  expect(total).toBeGreaterThanOrEqual(clean);
  expect(total).toBeLessThan(clean + 300);
  return records;
}

/** Reads an SDK stream: the text and finish reason of each choice, and the usage chunk. */
async function drain(stream: AsyncIterable<Chunk>) {
  const texts = new Map<number, string>();
  const finishes = new Map<number, string>();
  const ids = new Set<string>();
  let usage: InflightUsage | undefined;
  for await (const chunk of stream) {
    ids.add(chunk.id);
    if (chunk.usage) usage = chunk.usage as InflightUsage;
    for (const choice of chunk.choices) {
      texts.set(choice.index, (texts.get(choice.index) ?? "") + (choice.delta?.content ?? ""));
      if (choice.finish_reason) finishes.set(choice.index, choice.finish_reason);
    }
  }
  return { texts, finishes, ids, usage };
}

describe("n = 4 with two looping samples", () => {
  it("costs the clean samples plus a few hundred tokens when streamed, where one request with n = 4 costs all 3,200", async () => {
    const { id, model } = await upstream.scenario(twoLoops);
    const stream = await openai().chat.completions.create(
      { model, n: 4, seed: 100, stream: true, stream_options: { include_usage: true }, messages },
      { headers: { "x-inflight-fanout": "on" } },
    );
    const { texts, finishes, ids, usage } = await drain(stream);
    expect(ids.size).toBe(1);
    expect([...finishes].sort()).toEqual([
      [0, "content_filter"],
      [1, "stop"],
      [2, "content_filter"],
      [3, "stop"],
    ]);
    expect(texts.get(1)).toBe(CLEAN[0]);
    expect(texts.get(3)).toBe(CLEAN[1]);
    expect(usage?.inflight.attempts.map((a) => a.outcome)).toEqual(["rejected", "accepted", "rejected", "accepted"]);
    expect(usage?.prompt_tokens).toBeGreaterThanOrEqual(4 * 5);
    await expectEachCutOnItsOwn(id);

    // The same four samples as one upstream request: every choice runs as long as any other does.
    const single = await upstream.scenario({ texts: [LOOP, CLEAN[0]!, LOOP, CLEAN[1]!], tokenDelayMs: 1 });
    const { data, response } = await openai()
      .chat.completions.create(
        { model: single.model, n: 4, stream: true, messages },
        { headers: { "x-inflight-fanout": "off" } },
      )
      .withResponse();
    expect(response.headers.get("x-inflight-fanout")).toBe("off; header");
    await drain(data);
    const [record] = await waitForRecords(single.id, 1, (r) => r.closedAtMs !== null, 10_000);
    expect(record!.tokensSent).toBeGreaterThan(3_000);
  });

  it("costs the same for a non-streaming client, which gets one chat.completion of four choices", async () => {
    const { id, model } = await upstream.scenario(twoLoops);
    const { data: completion, response } = await openai()
      .chat.completions.create({ model, n: 4, seed: 100, messages }, { headers: { "x-inflight-fanout": "on" } })
      .withResponse();
    expect(response.status).toBe(200);
    expect(completion.choices.map((c) => [c.index, c.finish_reason])).toEqual([
      [0, "content_filter"],
      [1, "stop"],
      [2, "content_filter"],
      [3, "stop"],
    ]);
    expect(completion.choices[3]!.message.content).toBe(CLEAN[1]);
    expect((completion.usage as InflightUsage).inflight.attempts).toHaveLength(4);
    await expectEachCutOnItsOwn(id);
  });
});

describe("x-inflight-accept", () => {
  it("returns k samples that pass every rule, with failures on the way, and meters every attempt in one row", async () => {
    const { team, key } = await createTeam(faultsUrl, "accept-k");
    const client = new OpenAI({ baseURL: `${faultsUrl}/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 });
    const texts = [cleanProse(200, 31), cleanProse(200, 32)];
    const { id, model } = await upstream.scenario({
      text: texts[1]!,
      tokenDelayMs: 1,
      bySeed: { "100": { text: runawayLoop(400) }, "101": { text: texts[0]! }, "102": { text: runawayLoop(400) } },
    });
    const stream = await client.chat.completions.create(
      { model, n: 2, seed: 100, stream: true, messages },
      { headers: { "x-inflight-accept": "2" } },
    );
    const { texts: received, usage } = await drain(stream);
    expect([...received.keys()].sort()).toEqual([0, 1]);
    expect([...received.values()].sort()).toEqual([...texts].sort());
    const packs = loadAllPacks();
    if (!packs.ok) throw new Error(packs.error);
    for (const text of received.values())
      expect(
        inspectText([packs.value.get("default")!], { prompt: "", wantsJson: false, tools: new Map() }, text).verdict,
      ).toBeUndefined();
    expect(usage?.inflight.outcome).toBe("accepted");
    const outcomes = usage!.inflight.attempts.map((a) => a.outcome);
    expect(outcomes.filter((o) => o === "rejected")).toHaveLength(2);
    expect(outcomes.filter((o) => o === "accepted")).toHaveLength(2);
    await waitForRecords(id, 4, (r) => r.closedAtMs !== null);

    const row = await meterRow(faultsUrl, team);
    expect(row).toMatchObject({ outcome: "accepted", attempts: 4, prompt_tokens: usage!.prompt_tokens });
    expect(row.completion_tokens).toBe(usage!.completion_tokens);
    expect((row.attempt_verdicts as Attempt[]).map((a) => a.outcome)).toEqual(outcomes);
  });
});

describe("a fanned-out request under faults", () => {
  it("cancels every attempt when the client walks away, and books each one", async () => {
    const { team, key } = await createTeam(faultsUrl, "fanout-abort");
    const client = new OpenAI({ baseURL: `${faultsUrl}/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 });
    const { id, model } = await upstream.scenario({ text: cleanProse(2_000, 41), tokenDelayMs: 5 });
    const abort = new AbortController();
    const stream = await client.chat.completions.create(
      { model, n: 3, seed: 7, stream: true, messages },
      { headers: { "x-inflight-fanout": "on" }, signal: abort.signal },
    );
    let chunks = 0;
    try {
      for await (const _chunk of stream) if (++chunks === 30) abort.abort();
    } catch (error) {
      expect(error).toBeInstanceOf(APIUserAbortError);
    }
    const records = await waitForRecords(id, 3, (r) => r.closedAtMs !== null, 10_000);
    for (const record of records) {
      expect(record.clientClosed).toBe(true);
      expect(record.tokensSent).toBeLessThan(record.tokensPlanned / 2);
    }
    const row = await meterRow(faultsUrl, team);
    expect(row).toMatchObject({ outcome: "client_abort", attempts: 3 });
    expect((row.attempt_verdicts as Attempt[]).map((a) => a.outcome)).toEqual([
      "client_abort",
      "client_abort",
      "client_abort",
    ]);
    expect(row.completion_tokens).toBeGreaterThan(0);
  });

  it("sends an attempt the upstream refused with 503 again after its back-off, and the response is whole", async () => {
    const { id, model } = await upstream.scenario({
      text: cleanProse(60, 51),
      tokenDelayMs: 1,
      byOrder: [{ status: 503, body: { error: { message: "Overloaded", type: "server_error" } } }],
    });
    const completion = await openai().chat.completions.create(
      { model, n: 2, seed: 1, messages },
      { headers: { "x-inflight-fanout": "on" } },
    );
    expect(completion.choices.map((c) => c.finish_reason)).toEqual(["stop", "stop"]);
    const attempts = (completion.usage as InflightUsage).inflight.attempts;
    expect(attempts.map((a) => a.retries).sort()).toEqual([0, 1]);
    const records = await upstream.records(id);
    expect(records).toHaveLength(3);
    expect(records.filter((r) => r.variant === "order:0")).toHaveLength(1);
  });
});
