/** One line of input, without its line end, and the bytes it took (line end included). */
export interface InputLine {
  text: string;
  bytes: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream into lines as its chunks arrive, holding only the line being read: memory stays the size of
 * the longest line, whatever the input's size. Lines end with `\n` or `\r\n`; `end()` gives a last line without
 * one. It splits on the newline byte, which never occurs inside a UTF-8 sequence, so a character split across two
 * chunks decodes whole.
 * @example
 * const lines = createLineSplitter();
 * for await (const chunk of stream) for (const { text } of lines.push(chunk)) handle(text);
 * for (const { text } of lines.end()) handle(text);
 */
export function createLineSplitter() {
  let pending: Buffer[] = [];
  const take = (last: Buffer, ending: number): InputLine => {
    const line = pending.length === 0 ? last : Buffer.concat([...pending, last]);
    pending = [];
    const cr = line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? 1 : 0;
    return { text: line.toString("utf8", 0, line.length - cr), bytes: line.length + ending };
  };
  return {
    /** The lines this chunk completes. */
    push(raw: Uint8Array | string): InputLine[] {
      const chunk =
        typeof raw === "string" ? Buffer.from(raw, "utf8") : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      const lines: InputLine[] = [];
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
        lines.push(take(chunk.subarray(start, end), 1));
        start = end + 1;
      }
      // Copied: a stream may reuse a chunk's memory once it has been handled.
      if (start < chunk.length) pending.push(Buffer.from(chunk.subarray(start)));
      return lines;
    },
    /** The last line, when the input does not end with a line end. */
    end(): InputLine[] {
      return pending.some((part) => part.length > 0) ? [take(Buffer.alloc(0), 0)] : [];
    },
  };
}
