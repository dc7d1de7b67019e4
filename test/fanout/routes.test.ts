import { reset } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { dataEvents } from "../helpers/fake-upstream";
import { chat, settle } from "../teams/helpers";
import { clean, looping, seededUpstream } from "./upstream";

afterEach(async () => {
  vi.restoreAllMocks();
  await reset();
});

type Chunk = {
  id: string;
  choices: { index: number; delta?: { content?: string }; finish_reason: string | null }[];
  inflight?: { rejection?: { rule: string; choice: number }; error?: { status: number } };
  usage?: { prompt_tokens: number; completion_tokens: number; inflight: { outcome: string; attempts: Attempt[] } };
  error?: { code: string; type: string; usage: unknown };
};
type Attempt = { attempt: number; choice: number | null; outcome: string; rule: string | null; retries: number };

const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  settle("/v1/chat/completions", chat(null, body, headers));
const chunks = (text: string) => dataEvents(text).filter((event) => typeof event === "object") as Chunk[];
/** The text each choice received, by index. */
function texts(events: Chunk[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const event of events)
    for (const choice of event.choices ?? [])
      out.set(choice.index, (out.get(choice.index) ?? "") + (choice.delta?.content ?? ""));
  return out;
}
const finishes = (events: Chunk[]) =>
  events.flatMap((event) =>
    (event.choices ?? []).filter((c) => c.finish_reason).map((c) => [c.index, c.finish_reason]),
  );
/** The first chunk of a chat stream, before it breaks. */
const chatFramesHead = `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] })}\n\n`;
/** Seeds 100 and 102 loop, 101 and 103 answer cleanly. */
const twoLoops = (body: Record<string, unknown>) => ((body.seed as number) % 2 === 0 ? looping() : clean(60));

describe("fan-out of n > 1", () => {
  it("cuts each looping attempt on its own while the clean ones run whole, in one streamed n = 4 response", async () => {
    const logs = seededUpstream(twoLoops);
    const { res, text } = await post(
      { n: 4, seed: 100, stream: true, stream_options: { include_usage: true } },
      { "x-inflight-fanout": "on" },
    );
    expect(res.headers.get("x-inflight-fanout")).toBe("on; header");
    expect(logs.map((log) => [log.body.n, log.body.seed]).sort()).toEqual([
      [1, 100],
      [1, 101],
      [1, 102],
      [1, 103],
    ]);
    for (const log of logs) {
      if ((log.body.seed as number) % 2 === 0) expect(log.sent).toBeLessThan(12);
      else expect(log.sent).toBe(log.planned);
    }
    const events = chunks(text);
    expect(new Set(events.map((event) => event.id)).size).toBe(1);
    expect(finishes(events).sort()).toEqual([
      [0, "content_filter"],
      [1, "stop"],
      [2, "content_filter"],
      [3, "stop"],
    ]);
    const filtered = events.filter((event) => event.inflight?.rejection);
    expect(filtered.map((event) => [event.choices[0]!.index, event.inflight!.rejection!.choice]).sort()).toEqual([
      [0, 0],
      [2, 2],
    ]);
    expect(texts(events).get(1)).toBe(clean(60).join(""));
    const usage = events.at(-1)!.usage!;
    expect(usage.inflight.outcome).toBe("rejected");
    expect(usage.prompt_tokens).toBe(4 * 9);
    expect(usage.inflight.attempts.map((a) => [a.attempt, a.choice, a.outcome])).toEqual([
      [0, 0, "rejected"],
      [1, 1, "accepted"],
      [2, 2, "rejected"],
      [3, 3, "accepted"],
    ]);
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("answers a non-streaming client with one chat.completion of every choice, each rejected one with its rejection", async () => {
    seededUpstream(twoLoops);
    const { res, text } = await post({ n: 4, seed: 100 }, { "x-inflight-fanout": "on" });
    expect(res.status).toBe(200);
    const body = JSON.parse(text) as {
      choices: { index: number; finish_reason: string; message: { content: string }; inflight?: unknown }[];
      usage: { completion_tokens: number; inflight: { attempts: Attempt[] } };
    };
    expect(body.choices.map((c) => [c.index, c.finish_reason])).toEqual([
      [0, "content_filter"],
      [1, "stop"],
      [2, "content_filter"],
      [3, "stop"],
    ]);
    expect(body.choices[2]!.inflight).toMatchObject({ rejection: { rule: "repetition-loop", choice: 2 } });
    expect(body.choices[3]!.message.content).toBe(clean(60).join(""));
    expect(body.usage.inflight.attempts).toHaveLength(4);
  });

  it("gives 422 only when no sample is left, and in finish mode a response of rejected choices", async () => {
    seededUpstream(() => looping());
    const all = await post({ n: 2, seed: 1 }, { "x-inflight-fanout": "on" });
    expect(all.res.status).toBe(422);
    expect(JSON.parse(all.text)).toMatchObject({
      error: { type: "inflight_rejection", code: "repetition-loop", usage: { inflight: { outcome: "rejected" } } },
    });
    const streamed = await post({ n: 2, seed: 1, stream: true }, { "x-inflight-fanout": "on" });
    const last = chunks(streamed.text).at(-1)!;
    expect(last.error).toMatchObject({ code: "repetition-loop", type: "inflight_rejection" });
    expect(streamed.text).not.toContain("[DONE]");
    const finish = await post({ n: 2, seed: 1 }, { "x-inflight-fanout": "on", "x-inflight-mode": "finish" });
    expect(finish.res.status).toBe(200);
    const body = JSON.parse(finish.text) as { choices: { finish_reason: string }[] };
    expect(body.choices.map((c) => c.finish_reason)).toEqual(["content_filter", "content_filter"]);
  });

  it("keeps today's single request under x-inflight-fanout: off", async () => {
    const logs = seededUpstream(() => clean(10));
    const { res } = await post({ n: 3, seed: 1 }, { "x-inflight-fanout": "off" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-inflight-fanout")).toBe("off; header");
    expect(logs).toHaveLength(1);
    expect(logs[0]!.body).toMatchObject({ n: 3, seed: 1 });
  });

  it("decides by the auto rule: a short prompt fans out, a long one stays one request, and the header says why", async () => {
    const logs = seededUpstream(() => clean(10));
    const short = await post({ n: 4 });
    expect(short.res.headers.get("x-inflight-fanout")).toMatch(
      /^on; rule: 3 x 9 x 0.15 = 4.05 < 4 x 0.1 x 286 x 0.6 = 68.64 .*USD per 1M tokens; p_reject prior/,
    );
    expect(logs).toHaveLength(4);
    const prompt = Array.from({ length: 200 }, (_, i) => `fact${i} about the subject`).join(". ");
    const long = await post({ n: 4, messages: [{ role: "user", content: prompt }] });
    expect(long.res.headers.get("x-inflight-fanout")).toMatch(
      /^off; rule: 3 x \d+ x 0.15 = [\d.]+ >= 4 x 0.1 x \d+ x 0.6 = [\d.]+ /,
    );
    expect(logs).toHaveLength(5);
    expect(logs[4]!.body).toMatchObject({ n: 4 });
  });

  it("sends an attempt again after an upstream 429, and ends a choice whose attempt keeps failing with finish_reason error", async () => {
    let limited = 0;
    const logs = seededUpstream((body) => {
      if (body.seed === 11 && limited++ === 0)
        return Response.json(
          { error: { message: "Slow down", type: "rate_limit" } },
          { status: 429, headers: { "retry-after": "0" } },
        );
      if (body.seed === 12)
        return Response.json(
          { error: { message: "Down", type: "server_error" } },
          { status: 503, headers: { "retry-after": "0" } },
        );
      return clean(20);
    });
    const { res, text } = await post(
      { n: 3, seed: 10, stream: true, stream_options: { include_usage: true } },
      { "x-inflight-fanout": "on" },
    );
    expect(res.status).toBe(200);
    expect(logs.filter((log) => log.body.seed === 11)).toHaveLength(2);
    expect(logs.filter((log) => log.body.seed === 12)).toHaveLength(3);
    const events = chunks(text);
    expect(finishes(events).sort()).toEqual([
      [0, "stop"],
      [1, "stop"],
      [2, "error"],
    ]);
    expect(events.find((event) => event.inflight?.error)?.inflight?.error).toMatchObject({
      status: 503,
      message: "Down",
    });
    const attempts = events.at(-1)!.usage!.inflight.attempts;
    expect(attempts.map((a) => [a.attempt, a.outcome, a.retries])).toEqual([
      [0, "accepted", 0],
      [1, "accepted", 1],
      [2, "upstream_error", 2],
    ]);
  });

  it("ends a choice whose stream breaks mid-way with finish_reason error, while the others finish", async () => {
    seededUpstream((body) =>
      body.seed === 2
        ? new Response(`${chatFramesHead}data: {not json\n\n`, { headers: { "content-type": "text/event-stream" } })
        : clean(20),
    );
    const { res, text } = await post({ n: 2, seed: 1, stream: true }, { "x-inflight-fanout": "on" });
    expect(res.status).toBe(200);
    const events = chunks(text);
    expect(finishes(events).sort()).toEqual([
      [0, "stop"],
      [1, "error"],
    ]);
    expect(events.find((event) => event.inflight?.error)?.inflight?.error).toMatchObject({
      status: 502,
      code: "malformed_upstream_stream",
    });
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("does not retry a 4xx other than 429, and answers with the upstream's error when no attempt gives a sample", async () => {
    const logs = seededUpstream(() =>
      Response.json(
        { error: { message: "Bad model", type: "invalid_request_error", code: "model_not_found" } },
        { status: 404 },
      ),
    );
    const { res, text } = await post({ n: 2, seed: 1 }, { "x-inflight-fanout": "on" });
    expect(logs).toHaveLength(2);
    expect(res.status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({
      error: { code: "model_not_found", usage: { inflight: { outcome: "upstream_error" } } },
      usage: { inflight: { attempts: [{ status: 404 }, { status: 404 }] } },
    });
  });
});

describe("x-inflight-accept: k valid samples", () => {
  it("streams only accepted samples, numbered as accepted, and never a rejected attempt's text", async () => {
    const logs = seededUpstream(twoLoops);
    const { res, text } = await post({ n: 2, seed: 100, stream: true }, { "x-inflight-accept": "2" });
    expect(res.headers.get("x-inflight-fanout")).toBe("on; accept 2 of at most 4 attempts, 2 at a time");
    expect(text.startsWith(": inflight: checking samples\n\n")).toBe(true);
    expect(text).not.toContain("cat sat");
    const events = chunks(text);
    expect([...texts(events).keys()].sort()).toEqual([0, 1]);
    expect(texts(events).get(0)).toBe(clean(60).join(""));
    expect(finishes(events).sort()).toEqual([
      [0, "stop"],
      [1, "stop"],
    ]);
    const attempts = events.at(-1)!.usage!.inflight.attempts;
    expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [0, "rejected"],
      [1, "accepted"],
      [2, "rejected"],
      [3, "accepted"],
    ]);
    expect(logs).toHaveLength(4);
  });

  it("holds each stage back per attempt under x-inflight-holdback: stage, fanned out or not", async () => {
    seededUpstream(twoLoops);
    const headers = { "x-inflight-holdback": "stage" };
    const fanned = await post({ n: 4, seed: 100, stream: true }, { ...headers, "x-inflight-fanout": "on" });
    // The rejected choices' text was held and dropped: only their content_filter chunks (with the evidence) came.
    const got = texts(chunks(fanned.text));
    expect([got.get(0), got.get(2)]).toEqual(["", ""]);
    expect(got.get(3)).toBe(clean(60).join(""));
    const accepted = await post({ n: 2, seed: 100, stream: true }, { ...headers, "x-inflight-accept": "2" });
    expect(accepted.text).not.toContain("cat sat");
    expect([...texts(chunks(accepted.text)).values()]).toEqual([clean(60).join(""), clean(60).join("")]);
  });

  it("retries on rejection for n = 1, seamlessly for a non-streaming client", async () => {
    seededUpstream((body) => (body.seed === 5 ? looping() : clean(30)));
    const { res, text } = await post({ seed: 5 }, { "x-inflight-accept": "1" });
    expect(res.status).toBe(200);
    const body = JSON.parse(text) as {
      choices: { index: number; message: { content: string } }[];
      usage: { inflight: { outcome: string; attempts: Attempt[] } };
    };
    expect(body.choices).toHaveLength(1);
    expect(body.choices[0]!.message.content).toBe(clean(30).join(""));
    expect(body.usage.inflight.outcome).toBe("accepted");
    expect(body.usage.inflight.attempts.map((a) => [a.choice, a.outcome, a.rule])).toEqual([
      [null, "rejected", "repetition-loop"],
      [0, "accepted", null],
    ]);
  });

  it("stops the attempts still running once it has k samples, and books them as surplus", async () => {
    const logs = seededUpstream((body) => (body.seed === 2 ? clean(5) : clean(400, `s${String(body.seed)}`)));
    const { text } = await post({ n: 3, seed: 1 }, { "x-inflight-accept": "1" });
    const body = JSON.parse(text) as { choices: unknown[]; usage: { inflight: { attempts: Attempt[] } } };
    expect(body.choices).toHaveLength(1);
    expect(body.usage.inflight.attempts.map((a) => a.outcome).sort()).toEqual(["accepted", "surplus", "surplus"]);
    for (const log of logs.filter((l) => l.body.seed !== 2)) {
      expect(log.cancelled).toBe(true);
      expect(log.sent).toBeLessThan(log.planned);
    }
  });

  it("ends with the rejection when every attempt of its budget is rejected", async () => {
    const logs = seededUpstream(() => looping());
    const { res, text } = await post({ seed: 1 }, { "x-inflight-accept": "1", "x-inflight-max-attempts": "3" });
    expect(logs).toHaveLength(3);
    expect(res.status).toBe(422);
    expect(JSON.parse(text)).toMatchObject({
      error: { code: "repetition-loop" },
      usage: { inflight: { outcome: "rejected" } },
    });
  });

  it("is refused on the APIs without n, which keep their own answers and get no x-inflight-fanout header", async () => {
    const logs = seededUpstream(() => clean(5));
    const body = { model: "m", input: "Say hello" };
    const refused = await settle("/v1/responses", chat(null, body, { "x-inflight-accept": "2" }));
    expect(refused.res.status).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({ error: { code: "invalid_header", param: "x-inflight-accept" } });
    expect(logs).toHaveLength(0);
    const plain = await settle("/v1/responses", { ...chat(null), body: JSON.stringify({ ...body, stream: false }) });
    expect(plain.res.headers.get("x-inflight-fanout")).toBeNull();
    expect(logs).toHaveLength(1);
  });

  it("refuses a malformed or contradictory header with 400, forwarding nothing", async () => {
    const logs = seededUpstream(() => clean(5));
    const { res, text } = await post({ n: 2 }, { "x-inflight-accept": "2", "x-inflight-fanout": "off" });
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "invalid_header", param: "x-inflight-fanout" } });
    expect(logs).toHaveLength(0);
  });
});
