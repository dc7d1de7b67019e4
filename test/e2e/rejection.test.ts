import { APIError } from "openai";
import { describe, expect, it } from "vitest";
import { LOOP_RULE, expectedRejection, openai, runawayLoop, thrown, upstream, waitForRecord } from "./helpers";

describe("a stream that breaks a rule", () => {
  it("is cut off with a structured rejection, and the upstream stops generating", async () => {
    const { id, model } = await upstream.scenario({ text: runawayLoop(2_000), tokenDelayMs: 5 });
    const { data: stream, response } = await openai()
      .chat.completions.create({ model, stream: true, messages: [{ role: "user", content: "Summarise the meeting." }] })
      .withResponse();
    expect(response.headers.get("x-inflight-request-id")).toBeTruthy();

    let received = "";
    const error = await thrown(async () => {
      for await (const chunk of stream) received += chunk.choices[0]?.delta.content ?? "";
    });

    expect(error).toBeInstanceOf(APIError);
    const apiError = error as APIError;
    expect(apiError.code).toBe(LOOP_RULE);
    expect(apiError.type).toBe("inflight_rejection");
    const body = apiError.error as { rejection?: { offset: { tokens: number } } };
    expect(body.rejection).toMatchObject(expectedRejection(LOOP_RULE));
    expect(body.rejection?.offset.tokens).toBeLessThan(100);
    expect(received.startsWith("Here is the summary")).toBe(true);

    const record = await waitForRecord(id, (r) => r.closedAtMs !== null);
    expect(record.clientClosed).toBe(true);
    expect(record.completed).toBe(false);
    expect(record.tokensPlanned).toBeGreaterThanOrEqual(2_000);
    // Cut before token 100, the upstream stops within a few of its 5 ms tokens; the bound leaves room for a loaded
    // machine (how fast the abort arrives is measured by `npm run bench`, not asserted here).
    expect(record.tokensSent).toBeLessThan(400);
  });

  it("ends with finish_reason content_filter and the rejection in `inflight.rejection` under x-inflight-mode: finish", async () => {
    const { id, model } = await upstream.scenario({ text: runawayLoop(2_000), tokenDelayMs: 5 });
    const stream = await openai().chat.completions.create(
      { model, stream: true, messages: [{ role: "user", content: "Summarise the meeting." }] },
      { headers: { "x-inflight-mode": "finish" } },
    );
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    const finished = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    expect(finished).toHaveLength(1);
    expect(finished[0]?.choices[0]?.finish_reason).toBe("content_filter");
    const { inflight } = finished[0] as unknown as { inflight?: { rejection?: unknown } };
    expect(inflight?.rejection).toMatchObject(expectedRejection(LOOP_RULE));
    const record = await waitForRecord(id, (r) => r.closedAtMs !== null);
    expect(record.clientClosed).toBe(true);
    expect(record.completed).toBe(false);
    expect(record.tokensSent).toBeLessThan(400);
  });
});
