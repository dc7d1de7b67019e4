import { describe, expect, it } from "vitest";
import { compilePack } from "../../src/engine/compile";
import { createChatFormat } from "../../src/formats/chat";
import type { AbortReason } from "../../src/proxy/abort";
import { createSession, type SessionOptions } from "../../src/proxy/session";
import { createSseReader } from "../../src/proxy/sse-reader";
import { shippedPacks } from "../../src/packs";
import { createRandom } from "../helpers/chunking";
import { chatFrames, dataEvents } from "../helpers/fake-upstream";
import { context } from "../helpers/packs";

const encoder = new TextEncoder();

function run(body: Uint8Array, pieces: number[], overrides: Partial<SessionOptions> = {}) {
  const aborts: AbortReason[] = [];
  const session = createSession({
    requestId: "req_t",
    format: createChatFormat("chat"),
    packs: [shippedPacks().get("default")!],
    ctx: context(),
    mode: "error",
    holdback: false,
    clientWantsUsage: false,
    choices: 1,
    model: "m",
    promptTokensEstimate: 3,
    abort: (reason) => aborts.push(reason),
    ...overrides,
  });
  const reader = createSseReader();
  let out = "";
  let offset = 0;
  for (const size of pieces) {
    for (const item of reader.feed(body.subarray(offset, offset + size)))
      for (const f of session.handle(item)) out += f.sse;
    offset += size;
    if (session.done) break;
  }
  if (!session.done) {
    for (const item of reader.end()) for (const f of session.handle(item)) out += f.sse;
    for (const f of session.upstreamEnded()) out += f.sse;
  }
  return { out, report: session.report(), aborts };
}

function randomSizes(total: number, seed: number, max: number): number[] {
  const random = createRandom(seed);
  const sizes: number[] = [];
  for (let sum = 0; sum < total;) {
    const n = 1 + Math.floor(random() * max);
    sizes.push(n);
    sum += n;
  }
  return sizes;
}

const loop = `Voilà — «naïve» café 😀 résumé. ${"Ωmega değer 日本語 loops again 🎉 and again. ".repeat(12)}`;

describe("session", () => {
  it("gives the same verdict and offset however the upstream's bytes are split, even inside UTF-8 characters", () => {
    const words = loop.match(/\S+\s*/g)!;
    const body = encoder.encode(chatFrames(words).join(""));
    const whole = run(body, [body.length]).report.rejection!;
    expect(whole.rule).toBe("repetition-loop");
    for (let seed = 1; seed <= 40; seed += 1) {
      const split = run(body, randomSizes(body.length, seed, seed % 2 ? 5 : 60)).report.rejection!;
      expect(split.offset).toEqual(whole.offset);
      expect(split.evidence).toBe(whole.evidence);
    }
    // The same text streamed in other delta sizes gives the same verdict too.
    const letters = encoder.encode(chatFrames(Array.from(loop)).join(""));
    expect(run(letters, [letters.length]).report.rejection!.offset).toEqual(whole.offset);
  });

  it("aborts the upstream once, with the rule as the reason, and reports usage counted by inflight", () => {
    const body = encoder.encode(chatFrames(loop.match(/\S+\s*/g)!).join(""));
    const { aborts, report } = run(body, [body.length], { ctx: context({ maxTokens: 500 }) });
    expect(aborts).toEqual([{ kind: "rule", action: "reject", rule: "repetition-loop" }]);
    expect(report.usage.inflight).toMatchObject({ outcome: "rejected", counted_by: "inflight" });
    expect(report.usage.completion_tokens).toBeGreaterThan(0);
    // A loop runs to max_tokens: the estimate is what max_tokens leaves, and so is its upper bound.
    const left = 500 - report.usage.completion_tokens;
    expect(report.usage.inflight.saved_estimate).toEqual({
      completion_tokens: left,
      p10: left,
      p90: left,
      method: "loop_to_max_tokens",
      samples: 0,
      upper_bound: left,
    });
  });

  it("ends only the failing choice when n > 1 and lets the others finish", () => {
    const head = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
    const frame = (index: number, delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ ...head, choices: [{ index, delta, finish_reason: finish }] })}\n\n`;
    const frames: string[] = [];
    const looping = loop.match(/\S+\s*/g)!;
    for (let i = 0; i < looping.length; i += 1) {
      frames.push(frame(0, { content: looping[i] }));
      if (i < 5) frames.push(frame(1, { content: `fine ${i} ` }));
    }
    frames.push(frame(1, {}, "stop"), "data: [DONE]\n\n");
    const body = encoder.encode(frames.join(""));
    const { out, report, aborts } = run(body, [body.length], { choices: 2 });
    const events = dataEvents(out) as any[];
    expect(events.find((e) => e.choices?.[0]?.finish_reason === "content_filter")).toMatchObject({
      choices: [{ index: 0 }],
      inflight: { rejection: { choice: 0 } },
    });
    const second = events
      .filter((e) => e.choices?.[0]?.index === 1)
      .map((e) => e.choices[0].delta?.content ?? "")
      .join("");
    expect(second).toBe("fine 0 fine 1 fine 2 fine 3 fine 4 ");
    expect(events.at(-1)).toBe("[DONE]");
    expect(report.outcome).toBe("rejected");
    expect(aborts).toEqual([{ kind: "choices_done" }]);
  });

  it("exits early at a completed answer: the text after it is cut and the outcome is early_exit", () => {
    const exit = compilePack(
      {
        name: "x",
        description: "d",
        rules: [
          {
            id: "answered",
            validator: "regex",
            params: { pattern: "^#### \\d+$" },
            action: "exit",
            message: "answered",
          },
        ],
      },
      "x.yaml",
    );
    if (!exit.ok) throw new Error("pack");
    const body = encoder.encode(chatFrames(["So 6 * 7 = 42.\n", "#### 42", "\nHope this helps", " a lot!"]).join(""));
    const { out, report, aborts } = run(body, [body.length], { packs: [exit.value], clientWantsUsage: true });
    const events = dataEvents(out) as any[];
    const text = events.map((e) => e.choices?.[0]?.delta?.content ?? "").join("");
    expect(text).toBe("So 6 * 7 = 42.\n#### 42\n");
    expect(events.find((e) => e.inflight)).toMatchObject({
      choices: [{ finish_reason: "stop" }],
      inflight: { exit: { rule: "answered", action: "exit" } },
    });
    expect(report.outcome).toBe("early_exit");
    expect(aborts[0]).toMatchObject({ kind: "rule", action: "exit" });
    expect(events.at(-2)).toMatchObject({ usage: { inflight: { outcome: "early_exit" } } });
  });

  it("releases held text at each line checkpoint, never the failing line", () => {
    const lines = compilePack(
      {
        name: "l",
        description: "d",
        stages: [{ id: "out", checkpoint: "line" }],
        rules: [{ id: "no-bad", validator: "regex", params: { pattern: "BAD" }, message: "bad" }],
      },
      "l.yaml",
    );
    if (!lines.ok) throw new Error("pack");
    const body = encoder.encode(
      chatFrames(["good one\n", "good ", "two\n", "still ", "BAD", " line\n", "never"]).join(""),
    );
    const { out } = run(body, [body.length], { packs: [lines.value], holdback: true });
    const events = dataEvents(out) as any[];
    const text = events.map((e) => e.choices?.[0]?.delta?.content ?? "").join("");
    expect(text).toBe("good one\ngood two\n");
    expect(events.at(-1)).toMatchObject({ error: { code: "no-bad" } });
  });

  it("counts only text, a tool call starting and a finished output as progress", () => {
    const session = createSession({
      requestId: "req_p",
      format: createChatFormat("chat"),
      packs: [shippedPacks().get("default")!],
      ctx: context(),
      mode: "error",
      holdback: false,
      clientWantsUsage: false,
      choices: 1,
      model: "m",
      promptTokensEstimate: 3,
      abort: () => undefined,
    });
    const head = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
    const event = (delta: object, finish: string | null = null) => ({
      type: "event" as const,
      event: { data: JSON.stringify({ ...head, choices: [{ index: 0, delta, finish_reason: finish }] }) },
    });
    const progressAfter = (item: Parameters<typeof session.handle>[0]) => {
      const before = session.progress;
      session.handle(item);
      return session.progress - before;
    };
    expect(progressAfter({ type: "comment", text: "keep-alive" })).toBe(0);
    expect(progressAfter(event({ role: "assistant", content: "" }))).toBe(0);
    expect(progressAfter(event({}))).toBe(0);
    expect(progressAfter(event({ content: "Hi" }))).toBe(1);
    const call = { index: 0, id: "t", type: "function", function: { name: "weather", arguments: "" } };
    expect(progressAfter(event({ tool_calls: [call] }))).toBe(1);
    expect(progressAfter(event({}, "tool_calls"))).toBe(1);
  });

  it("books a stream that ends without its end as incomplete and runs no end-of-output check", () => {
    const json = compilePack(
      { name: "j", description: "d", rules: [{ id: "json", validator: "json-syntax", message: "bad JSON" }] },
      "j.yaml",
    );
    if (!json.ok) throw new Error("pack");
    // Finished, the unterminated JSON fails its end-of-output check...
    const finished = encoder.encode(chatFrames(['{"a": ', "1"]).join(""));
    const ctx = context({ wantsJson: true });
    expect(run(finished, [finished.length], { packs: [json.value], ctx }).report.rejection?.rule).toBe("json");
    // ...cut off, it is the stream that is incomplete, not the model's JSON.
    const body = encoder.encode(chatFrames(['{"a": ', "1"]).slice(0, 3).join(""));
    const { out, report } = run(body, [body.length], { packs: [json.value], ctx });
    expect(report.outcome).toBe("incomplete");
    expect(report.rejection).toBeUndefined();
    expect(dataEvents(out).at(-1)).toMatchObject({
      error: { type: "upstream_error", code: "incomplete_upstream_stream" },
      usage: { inflight: { outcome: "incomplete", counted_by: "inflight" } },
    });
  });
});
