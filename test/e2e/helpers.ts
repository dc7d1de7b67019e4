import { createParser, type EventSourceMessage } from "eventsource-parser";
import OpenAI from "openai";
import { expect, inject } from "vitest";
import { createUpstreamControl, tokenize, type RequestRecord } from "../../scripts/upstream";
import { createRandom } from "../helpers/chunking";

export const workerUrl = inject("workerUrl");
export const unreachableWorkerUrl = inject("unreachableWorkerUrl");
export const idleTimeoutMs = inject("idleTimeoutMs");
export const upstream = createUpstreamControl(inject("upstreamUrl"));

/** The official SDK pointed at a Worker; no retries, so a test sees the first answer. */
export function openai(baseUrl = workerUrl): OpenAI {
  return new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: "test", maxRetries: 0, timeout: 20_000 });
}

/** What the default pack's `repetition-loop` rule rejects (see the `rejects a runaway loop` tests). */
export const LOOP_RULE = "repetition-loop";

/**
 * About 50 tokens of a normal answer, then one sentence over and over, to `tokens` tokens in all. The default
 * `repetition-loop` rule needs 3 back-to-back copies covering 240 characters, so the sentence uses long words
 * (57 characters in 6 tokens): the loop is certain about 25 tokens after it starts, near token 75.
 */
export function runawayLoop(tokens = 2_000): string {
  let text =
    "Here is the summary you asked for. The committee met on Tuesday to review the budget, " +
    "and after a long debate it agreed to fund the new library wing, the park repairs and two " +
    "extra buses for the school route.";
  while (tokenize(text).length < tokens) text += " Nevertheless, administrators recommended reconsideration.";
  return text;
}

const WORDS = (
  "river mountain quiet engine paper window garden silver morning station letter bridge candle orange " +
  "harbor lantern meadow copper violin thunder pocket ladder velvet compass island marble pepper saddle " +
  "falcon blanket cedar whistle pebble anchor ribbon canyon basket glacier feather tunnel cottage"
).split(" ");

/** Varied prose with no repeated run (a seeded random walk over a word list), `tokens` tokens long. */
export function cleanProse(tokens: number, seed = 7): string {
  const random = createRandom(seed);
  const parts: string[] = [];
  let count = 0;
  while (count < tokens) {
    const length = 5 + Math.floor(random() * 8);
    const sentence = Array.from({ length }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");
    parts.push(`${sentence[0]?.toUpperCase()}${sentence.slice(1)}.`);
    count += length + 1;
  }
  return parts.join(" ");
}

/** Reads a whole SSE body into its events. */
export async function readEvents(res: Response): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(await res.text());
  return events;
}

/** Posts a chat completion request to the Worker without the SDK, for tests that check raw bytes and statuses. */
export function postChat(
  body: Record<string, unknown>,
  init: { baseUrl?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${init.baseUrl ?? workerUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer test", ...init.headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
}

/** Runs `work` and returns what it threw; fails the test if it threw nothing. */
export async function thrown(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, but none was thrown");
}

/**
 * Waits until the upstream's record of the scenario's first request satisfies `done`. The upstream is another
 * party (the Worker closes the connection in its own time), so this polls its records until a deadline.
 */
export async function waitForRecord(
  id: string,
  done: (record: RequestRecord) => boolean,
  deadlineMs = 5_000,
): Promise<RequestRecord> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const [record] = await upstream.records(id);
    if (record && done(record)) return record;
    if (Date.now() > deadline)
      throw new Error(`upstream record ${id} never got there: ${JSON.stringify({ ...record, written: undefined })}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Waits until the scenario has `count` requests and every one satisfies `done` (a fanned-out request's
 * sub-requests, each closed in its own time), polling the upstream's records until a deadline.
 */
export async function waitForRecords(
  id: string,
  count: number,
  done: (record: RequestRecord) => boolean,
  deadlineMs = 5_000,
): Promise<RequestRecord[]> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const records = await upstream.records(id);
    if (records.length >= count && records.every(done)) return records;
    if (Date.now() > deadline)
      throw new Error(
        `upstream records ${id} never got there: ${JSON.stringify(records.map((r) => ({ ...r, written: undefined })))}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The rejection fields every rejection carries, as the wire contract names them. */
export function expectedRejection(rule: string): Record<string, unknown> {
  return {
    rule,
    pack: expect.any(String),
    stage: expect.any(String),
    validator: expect.any(String),
    action: "reject",
    choice: 0,
    channel: "content",
    offset: { chars: expect.any(Number), tokens: expect.any(Number) },
    evidence: expect.any(String),
    detail: expect.any(String),
  };
}
