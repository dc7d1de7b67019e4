import { describe, expect, it } from "vitest";
import { createLineSplitter, type InputLine } from "../../scripts/lib/read-lines";

/** Feeds `input` in chunks of `size` bytes and collects every line, the last one included. */
function split(input: string, size: number): InputLine[] {
  const bytes = Buffer.from(input, "utf8");
  const splitter = createLineSplitter();
  const lines: InputLine[] = [];
  for (let at = 0; at < bytes.length; at += size) lines.push(...splitter.push(bytes.subarray(at, at + size)));
  return [...lines, ...splitter.end()];
}

describe("the line splitter", () => {
  const input = '{"a": "héllo → 世界 🙂"}\r\n\n{"b": 2}\nlast line without an end';

  it("gives the same lines, with their byte counts, however the input is split (multi-byte characters included)", () => {
    const whole = split(input, Buffer.byteLength(input));
    expect(whole.map((line) => line.text)).toEqual([
      '{"a": "héllo → 世界 🙂"}',
      "",
      '{"b": 2}',
      "last line without an end",
    ]);
    expect(whole.reduce((sum, line) => sum + line.bytes, 0)).toBe(Buffer.byteLength(input));
    for (const size of [1, 2, 3, 5, 7, 64]) expect(split(input, size), `chunks of ${size}`).toEqual(whole);
  });

  it("ends cleanly on a final line end, and gives nothing for no input", () => {
    expect(split("one\ntwo\n", 3).map((line) => line.text)).toEqual(["one", "two"]);
    expect(split("\n", 1)).toEqual([{ text: "", bytes: 1 }]);
    expect(split("", 1)).toEqual([]);
  });

  it("holds a line longer than many chunks until its end arrives", () => {
    const long = "x".repeat(100_000);
    const splitter = createLineSplitter();
    for (let at = 0; at < long.length; at += 1000) expect(splitter.push(long.slice(at, at + 1000))).toEqual([]);
    expect(splitter.push("\nnext")).toEqual([{ text: long, bytes: 100_001 }]);
    expect(splitter.end()).toEqual([{ text: "next", bytes: 4 }]);
  });

  it("keeps a partial line when the stream reuses the chunk's memory", () => {
    const chunk = Buffer.from("abc");
    const splitter = createLineSplitter();
    splitter.push(chunk);
    chunk.write("zzz");
    expect(splitter.push("\n")).toEqual([{ text: "abc", bytes: 4 }]);
  });
});
