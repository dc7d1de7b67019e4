import { describe, expect, it } from "vitest";
import { checkUpstreamUsage, MAX_UPSTREAM_TOKENS } from "../../src/proxy/usage-check";

const usage = (prompt_tokens: number, completion_tokens: number) => ({
  prompt_tokens,
  completion_tokens,
  total_tokens: prompt_tokens + completion_tokens,
});

describe("upstream usage check", () => {
  it("books non-negative integer counts within the ceiling", () => {
    expect(checkUpstreamUsage(usage(0, 0), 0)).toBeUndefined();
    expect(checkUpstreamUsage(usage(MAX_UPSTREAM_TOKENS, MAX_UPSTREAM_TOKENS), 0)).toBeUndefined();
  });

  it("refuses negative, fractional and non-finite counts", () => {
    expect(checkUpstreamUsage(usage(-500, 3), 3)).toBe("not_a_count");
    expect(checkUpstreamUsage(usage(3, -1), 3)).toBe("not_a_count");
    expect(checkUpstreamUsage(usage(9.5, 3), 3)).toBe("not_a_count");
    expect(checkUpstreamUsage(usage(Number.NaN, 3), 3)).toBe("not_a_count");
    expect(checkUpstreamUsage(usage(1e300, 3), 3)).toBe("not_a_count");
  });

  it("refuses counts above the ceiling", () => {
    expect(checkUpstreamUsage(usage(MAX_UPSTREAM_TOKENS + 1, 0), 0)).toBe("above_ceiling");
    expect(checkUpstreamUsage(usage(1, 1e15), 0)).toBe("above_ceiling");
  });

  it("refuses a completion count under a quarter of inflight's count, once that count says something", () => {
    expect(checkUpstreamUsage(usage(9, 24), 100)).toBe("below_counted");
    expect(checkUpstreamUsage(usage(9, 25), 100)).toBeUndefined();
    // Hidden reasoning makes the provider's count larger than the text: never refused for that.
    expect(checkUpstreamUsage(usage(9, 5_000), 100)).toBeUndefined();
    // Short texts: the ratio says little.
    expect(checkUpstreamUsage(usage(9, 0), 31)).toBeUndefined();
    // Cached prompts make the prompt count small: it is not compared.
    expect(checkUpstreamUsage(usage(3, 100), 100)).toBeUndefined();
  });
});
