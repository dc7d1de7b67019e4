import { describe, expect, it } from "vitest";
import { createChatFormat } from "../../src/formats/chat";
import { createSession, type SessionOptions } from "../../src/proxy/session";
import { createSseReader } from "../../src/proxy/sse-reader";
import { estimateTokens } from "../../src/engine/tokens";
import { shippedPacks } from "../../src/packs";
import type { HistorySnapshot } from "../../src/savings/types";
import { chatFrames, dataEvents } from "../helpers/fake-upstream";
import { context, pack } from "../helpers/packs";

const encoder = new TextEncoder();

/** Runs a session over a whole upstream body. */
function run(frames: string[], overrides: Partial<SessionOptions> = {}) {
  const session = createSession({
    requestId: "req_s",
    format: createChatFormat("chat"),
    packs: [shippedPacks().get("default")!],
    ctx: context(),
    mode: "error",
    holdback: false,
    clientWantsUsage: true,
    choices: 1,
    model: "m",
    promptTokensEstimate: 3,
    abort: () => undefined,
    ...overrides,
  });
  const reader = createSseReader();
  let out = "";
  for (const item of reader.feed(encoder.encode(frames.join("")))) {
    for (const frame of session.handle(item)) out += frame.sse;
    if (session.done) break;
  }
  if (!session.done) for (const frame of session.upstreamEnded()) out += frame.sse;
  return { events: dataEvents(out) as any[], report: session.report(), session };
}

const jsonAnswers = (n: number, length = 60): HistorySnapshot => ({
  lengths: { key: Array.from({ length: n }, () => length), model: [] },
  exitTails: { key: [], model: [] },
});

const answered = pack({
  name: "answers",
  description: "d",
  rules: [
    {
      id: "answered",
      validator: "answer-complete",
      params: { markers: ["answer-is"] },
      action: "exit",
      message: "done",
    },
    { id: "loop", validator: "repetition-loop", message: "loop" },
  ],
});
const explained = ["The sum is 4.", " The answer is 4.", " Because 2 and 2", " make 4, we", " are done here."];

describe("the saved estimate in a session", () => {
  it("is made from the key's history when a rule cuts the stream, and never changes after", () => {
    const { events, report, session } = run(chatFrames(["Sure! ", '{"a": 1}']), {
      ctx: context({ wantsJson: true, maxTokens: 1500 }),
      history: jsonAnswers(30),
    });
    const rejection = events.at(-1);
    expect(rejection.error.code).toBe("json-syntax");
    const generated = report.usage.completion_tokens;
    const estimate = rejection.usage.inflight.saved_estimate;
    // Every accepted answer of this key ran to 60 tokens: that, less what was generated, is what was left.
    expect(estimate).toEqual({
      completion_tokens: 60 - generated,
      p10: 60 - generated,
      p90: 60 - generated,
      method: "length_history",
      samples: 30,
      upper_bound: 1500 - generated,
    });
    // History that arrives after the cut changes nothing already booked.
    session.useHistory(jsonAnswers(30, 1000));
    expect(session.report().usage.inflight.saved_estimate).toEqual(estimate);
    expect(rejection.error.usage).toEqual(rejection.usage);
  });

  it("books nothing when the rule decided only once the output had ended: all of it was generated", () => {
    const math = { packs: [shippedPacks().get("math")!], ctx: context({ maxTokens: 1500 }), history: jsonAnswers(30) };
    // The false equation is closed by the end of the output: the upstream had finished it before the rule spoke.
    const atEnd = run(chatFrames(["Two and two:\n", "2 + 2 = 5"]), math);
    expect(atEnd.events.at(-1).error.code).toBe("math.arithmetic");
    expect(atEnd.report.usage.inflight.saved_estimate).toEqual({
      completion_tokens: 0,
      p10: 0,
      p90: 0,
      method: "already_generated",
      samples: 0,
      upper_bound: 0,
    });
    // The same equation closed by text that follows it is cut mid-output: the rest of a typical answer is booked.
    const midway = run(chatFrames(["Two and two:\n", "2 + 2 = 5.", " Then we add", " the rest", " to it."]), math);
    expect(midway.events.at(-1).error.code).toBe("math.arithmetic");
    const estimate = midway.report.usage.inflight.saved_estimate;
    expect(estimate).toMatchObject({ method: "length_history", samples: 30 });
    expect(estimate?.completion_tokens).toBeGreaterThan(0);
  });

  it("uses the history once it arrives, for a cut after that", () => {
    const session = createSession({
      requestId: "req_late",
      format: createChatFormat("chat"),
      packs: [shippedPacks().get("default")!],
      ctx: context({ wantsJson: true }),
      mode: "error",
      holdback: false,
      clientWantsUsage: false,
      choices: 1,
      model: "m",
      promptTokensEstimate: 3,
      abort: () => undefined,
    });
    session.useHistory(jsonAnswers(20, 80));
    for (const item of createSseReader().feed(encoder.encode(chatFrames(["Sure!"]).join("")))) session.handle(item);
    expect(session.report().usage.inflight.saved_estimate).toMatchObject({ method: "length_history", samples: 20 });
  });

  it("is null when no rule cut the stream, and an accepted request teaches its length", () => {
    const { report } = run(chatFrames(["A short", " and clean", " answer."]));
    expect(report.outcome).toBe("accepted");
    expect(report.usage.inflight.saved_estimate).toBeNull();
    // Lengths are inflight's own count, the unit a cut stream's position is measured in.
    expect(report.observed).toEqual({
      lengths: [estimateTokens("A short and clean answer.")],
      exitTails: [],
      answerLengths: [],
      rejected: [0],
      cutAt: [],
    });
  });

  it("teaches the length of an accepted choice's final answer, from its marker to its end", () => {
    const { report } = run(chatFrames(["Two and two make 4.\n", "#### ", "4"]), {
      packs: [shippedPacks().get("math")!],
    });
    expect(report.outcome).toBe("accepted");
    expect(report.observed.answerLengths).toEqual([estimateTokens("#### 4")]);
    expect(report.observed.lengths).toEqual([estimateTokens("Two and two make 4.\n#### 4")]);
  });

  it("teaches no length from a rejected request, only that it was rejected and where; nothing from a broken-off one", () => {
    const rejected = run(chatFrames(["Sure! ", "{}"]), { ctx: context({ wantsJson: true }) });
    expect(rejected.report.observed).toEqual({
      lengths: [],
      exitTails: [],
      answerLengths: [],
      rejected: [1],
      cutAt: [estimateTokens("Sure! ")],
    });
    const broken = createSession({
      requestId: "req_b",
      format: createChatFormat("chat"),
      packs: [],
      ctx: context(),
      mode: "error",
      holdback: false,
      clientWantsUsage: false,
      choices: 1,
      model: "m",
      promptTokensEstimate: 3,
      abort: () => undefined,
    });
    broken.upstreamFailed("cut");
    expect(broken.report().observed).toEqual({
      lengths: [],
      exitTails: [],
      answerLengths: [],
      rejected: [],
      cutAt: [],
    });
  });

  it("lets a sampled request run past its early exit: the client gets it all, the tail is measured", () => {
    const { events, report } = run(chatFrames(explained), { packs: [answered], exitSample: true });
    const text = events.map((e) => e.choices?.[0]?.delta?.content ?? "").join("");
    expect(text).toBe(explained.join(""));
    expect(report.outcome).toBe("accepted");
    const observed = report.usage.inflight.exit_observed!;
    expect(observed).toMatchObject({ rule: "answered", choice: 0 });
    expect(observed.tail_tokens).toBeGreaterThan(0);
    expect(report.observed.exitTails).toEqual([observed.tail_tokens]);
    expect(report.observed.lengths).toEqual([observed.offset_tokens + observed.tail_tokens]);
    expect(events.at(-2).usage.inflight.exit_observed).toEqual(observed);
  });

  it("still rejects what a sampled request's tail gets wrong", () => {
    const looping = [...explained, ...Array.from({ length: 30 }, () => " And so the loop goes round again.")];
    const { report } = run(chatFrames(looping), { packs: [answered], exitSample: true });
    expect(report.outcome).toBe("rejected");
    expect(report.rejection?.rule).toBe("loop");
    expect(report.observed.exitTails).toEqual([]);
  });

  it("exits as usual when the request is not sampled, and estimates the exit from the prior", () => {
    const { report } = run(chatFrames(explained), { packs: [answered] });
    expect(report.outcome).toBe("early_exit");
    expect(report.usage.inflight.saved_estimate).toMatchObject({ method: "exit_tail_prior", samples: 0 });
    expect(report.usage.inflight.exit_observed).toBeUndefined();
  });
});
