/** Tokens a forwarded answer reported (embeddings: `usage.prompt_tokens`; `completion_tokens` when present). */
export interface ForwardedUsage {
  promptTokens: number;
  completionTokens: number;
}

/** How much of the end of an answer is kept: OpenAI-style servers write `usage` last, a few dozen bytes. */
const TAIL_BYTES = 4096;
/** Token counts beyond this are not believed (no request is that large); the estimate is used instead. */
const MAX_TOKENS = 100_000_000;

const count = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_TOKENS ? value : undefined;

/**
 * Keeps the last few KiB of a JSON answer as it streams through, and reads its `usage` object at the end, so
 * an answer of any size (embeddings can be many megabytes) is metered without being held in memory.
 */
export function createUsageTail() {
  let tail = new Uint8Array(0);
  return {
    push(chunk: Uint8Array): void {
      if (chunk.byteLength >= TAIL_BYTES) {
        tail = chunk.slice(chunk.byteLength - TAIL_BYTES);
        return;
      }
      const keep = Math.min(tail.byteLength, TAIL_BYTES - chunk.byteLength);
      const next = new Uint8Array(keep + chunk.byteLength);
      next.set(tail.subarray(tail.byteLength - keep));
      next.set(chunk, keep);
      tail = next;
    },
    /** The answer's last `usage` object, when its counts are sane non-negative integers; else null. */
    usage(): ForwardedUsage | null {
      const text = new TextDecoder().decode(tail);
      const matches = [...text.matchAll(/"usage"\s*:\s*(\{[^{}]*\})/g)];
      const last = matches.at(-1)?.[1];
      if (last === undefined) return null;
      let usage: Record<string, unknown>;
      try {
        usage = JSON.parse(last) as Record<string, unknown>;
      } catch {
        return null;
      }
      const prompt = count(usage.prompt_tokens ?? usage.input_tokens);
      const completion = count(usage.completion_tokens ?? usage.output_tokens ?? 0);
      if (prompt === undefined || completion === undefined) return null;
      return { promptTokens: prompt, completionTokens: completion };
    },
  };
}
