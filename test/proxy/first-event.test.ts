import { describe, expect, it } from "vitest";
import { firstEventError } from "../../src/proxy/first-event";

const encoder = new TextEncoder();
const streamOf = (chunks: string[], state = { cancelled: false, pulls: 0 }) =>
  new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[state.pulls++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(encoder.encode(chunk));
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
const errorOf = (event: { data: string }) => (event.data.includes('"error"') ? JSON.parse(event.data) : undefined);
const text = (body: ReadableStream<Uint8Array>) => new Response(body).text();

describe("waiting for a stream's first event", () => {
  it("returns an error first event and cancels the body", async () => {
    const state = { cancelled: false, pulls: 0 };
    const first = await firstEventError(
      streamOf([": ping\n\n", 'data: {"error":"no"}\n\n', "data: more\n\n"], state),
      errorOf,
      1000,
    );
    expect(first).toEqual({ error: { error: "no" } });
    expect(state.cancelled).toBe(true);
  });

  it("hands back every byte of a stream whose first event is data, including what it read", async () => {
    const chunks = [": comment\n\n", 'data: {"a"', ":1}\n\n", 'data: {"error":"later"}\n\n', "data: [DONE]\n\n"];
    const first = await firstEventError(streamOf(chunks), errorOf, 1000);
    expect("body" in first && (await text(first.body))).toBe(chunks.join(""));
  });

  it("hands the body back unread past its wait, the pending read included", async () => {
    let release: (() => void) | undefined;
    const late = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise<void>((resolve) => (release = resolve));
        controller.enqueue(encoder.encode("data: late\n\n"));
        controller.close();
      },
    });
    const first = await firstEventError(late, errorOf, 1);
    expect("body" in first).toBe(true);
    const reading = text((first as { body: ReadableStream<Uint8Array> }).body);
    release!();
    expect(await reading).toBe("data: late\n\n");
  });

  it("hands back an empty stream as it is", async () => {
    const first = await firstEventError(streamOf([]), errorOf, 1000);
    expect("body" in first && (await text(first.body))).toBe("");
  });
});
