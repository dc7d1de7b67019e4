import { describe, expect, it } from "vitest";
import { classifyHead, peekBody, readBounded } from "../../src/proxy/upstream-body";
import { body, untilAborted } from "../helpers/faulty-fetch";

const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

describe("reading a body that is not a stream", () => {
  it("reads it whole, or up to the limit", async () => {
    const signal = new AbortController().signal;
    expect(await readBounded(body(signal, ["ab", "cd"]), 10, signal)).toEqual({
      ok: true,
      value: { text: "abcd", truncated: false },
    });
    expect(await readBounded(body(signal, ["abc", "def", "ghi"]), 5, signal)).toEqual({
      ok: true,
      value: { text: "abcde", truncated: true },
    });
    expect(await readBounded(null, 5, signal)).toEqual({ ok: true, value: { text: "", truncated: false } });
  });

  it("fails with the abort's reason when the wait is aborted, and with the error when the body breaks", async () => {
    const controller = new AbortController();
    const pending = readBounded(body(controller.signal, ["ab"], "hang"), 10, controller.signal);
    controller.abort("timed out");
    expect(await pending).toEqual({ ok: false, error: "timed out" });

    const signal = new AbortController().signal;
    const broken = await readBounded(body(signal, ["ab"], "break"), 10, signal);
    expect(broken.ok).toBe(false);
    expect(String((broken as { error: unknown }).error)).toContain("Network connection lost");
  });
});

describe("peeking at a body", () => {
  it("returns its first characters after whitespace and the whole body again", async () => {
    const signal = new AbortController().signal;
    const peeked = await peekBody(body(signal, ["\n  ", "  da", "ta: {}\n\n", "data: [DONE]\n\n"]), signal);
    expect(peeked.ok).toBe(true);
    const { head, body: again } = (peeked as { value: { head: string; body: ReadableStream<Uint8Array> } }).value;
    expect(head.startsWith("data: {}")).toBe(true);
    expect(await text(again)).toBe("\n    data: {}\n\ndata: [DONE]\n\n");
  });

  it("says an empty body is empty, and stops waiting when aborted", async () => {
    const signal = new AbortController().signal;
    const empty = await peekBody(body(signal, []), signal);
    expect(empty.ok && empty.value.head).toBe("");

    const controller = new AbortController();
    const pending = peekBody(new ReadableStream({ pull: () => untilAborted(controller.signal) }), controller.signal);
    controller.abort("gone");
    expect(await pending).toEqual({ ok: false, error: "gone" });
  });

  it("tells an event stream, JSON, nothing and anything else apart by their start", () => {
    expect(classifyHead("data: {")).toBe("sse");
    expect(classifyHead("event: message_start")).toBe("sse");
    expect(classifyHead(": keep-alive")).toBe("sse");
    expect(classifyHead("id: 1")).toBe("sse");
    expect(classifyHead('{"id": "x"}')).toBe("json");
    expect(classifyHead("[1]")).toBe("json");
    expect(classifyHead("")).toBe("empty");
    expect(classifyHead("<!doctype html>")).toBe("other");
    expect(classifyHead("database is down")).toBe("other");
  });
});
