import { describe, expect, it } from "vitest";
import { createTokenCounter, estimateTokens, TOKEN_CONTEXTS } from "../../src/engine/tokens";
import { TOKEN_WEIGHTS } from "../../src/engine/token-weights";
import { randomSplit } from "../helpers/chunking";

/** One paragraph of each kind, with its o200k_base token count (counted with OpenAI's tokenizer). */
const KINDS = {
  prose: {
    o200k: 56,
    text:
      "Inflight reads the upstream stream as it arrives and checks every piece of text against the rules of the " +
      "team's packs. When a rule fails, it aborts the upstream request at once, so the provider stops generating " +
      "and billing, and answers with a structured rejection that carries the usage.",
  },
  code: {
    o200k: 45,
    text:
      "function total(items) {\n  let sum = 0;\n  for (const item of items) {\n" +
      "    if (item.price > 0) sum += item.price * item.quantity;\n  }\n  return sum;\n}\n",
  },
  json: {
    o200k: 60,
    text:
      '{"city": "Lisbon", "days": 3, "plan": [{"day": 1, "visit": ["Alfama", "Belém Tower"]}, ' +
      '{"day": 2, "visit": ["Sintra"]}], "budget_eur": 450.5}',
  },
  math: {
    o200k: 53,
    text:
      "She buys 3 boxes of 12 eggs, so she has 3 * 12 = 36 eggs. After using 7 eggs a day for 4 days, " +
      "36 - 7 * 4 = 8 eggs are left.\n#### 8",
  },
  cjk: { o200k: 40, text: "这个周末我们打算去山里露营，天气预报说两天都是晴天。记得带上帐篷、睡袋和足够的饮用水。" },
};

/** Texts that stress the scanner's state: multi-byte characters, CJK, digits, code punctuation, long runs. */
const TRICKY = [
  'Résumé: 12,345 apples 😀 and {"json": [1, 2, 3]}\n\n    indented   words',
  "東京タワーは1958年に完成した。서울의 날씨는 맑음. «Привет», — сказал он… 🧘‍♀️🍷",
  "getElementById(x)?.innerHTML ??= `${a}<br/>`; // TODO: fix\r\n\tif (a !== b && c >= 0x1F) return [...xs];",
  "3.14159 + 2,718,281 = 1e-9 × 10^12 ≈ 1234567890123; $(x_1^2) \\frac{1}{2}",
  `${"ha".repeat(30)} ${"!".repeat(20)}${" ".repeat(40)}${"\n".repeat(12)}${"=".repeat(16)}`,
  ...Object.values(KINDS).map((kind) => kind.text),
];

describe("token estimate", () => {
  it("counts common words with their leading space as one token each, as o200k does", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("hello world")).toBe(2);
    expect(estimateTokens("The cat sat on the mat.")).toBe(7);
  });

  it("groups digits by three, as o200k does", () => {
    expect(estimateTokens("123456789")).toBe(3);
    expect(estimateTokens("1234567890")).toBe(4);
  });

  // The eval (npm run eval:tokens) measures the spread on thousands of texts; this guards against a gross
  // regression of any kind, with room for one paragraph's own deviation.
  it.each(Object.entries(KINDS))("counts a paragraph of %s within 20% of o200k", (_kind, { text, o200k }) => {
    const ratio = estimateTokens(text) / o200k;
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.2);
  });

  it("counts degenerate runs near what o200k bills for them, not as ordinary words or marks", () => {
    // o200k: 21 tokens for the laugh, 3 for the marks, 2 for the spaces, 3 for the newlines.
    expect(estimateTokens("ha".repeat(40))).toBeGreaterThanOrEqual(14);
    expect(estimateTokens("ha".repeat(40))).toBeLessThanOrEqual(28);
    expect(estimateTokens("!".repeat(40))).toBeLessThanOrEqual(10);
    expect(estimateTokens(" ".repeat(100))).toBeLessThanOrEqual(10);
    expect(estimateTokens("\n".repeat(30))).toBeLessThanOrEqual(6);
    // A long word still costs more than a short one.
    expect(estimateTokens("pneumonoultramicroscopicsilicovolcanoconiosis")).toBeGreaterThan(
      estimateTokens("pneumonia"),
    );
  });

  it("is the same under any split, including pieces of one code unit", () => {
    for (const text of TRICKY) {
      const whole = estimateTokens(text);
      for (let seed = 1; seed <= 20; seed += 1) {
        const counter = createTokenCounter();
        for (const piece of randomSplit(text, seed, 1 + (seed % 7))) counter.push(piece);
        expect(counter.count).toBe(whole);
      }
      // Every UTF-16 unit alone, which also splits surrogate pairs.
      const units = createTokenCounter();
      for (const unit of text) for (let i = 0; i < unit.length; i += 1) units.push(unit[i]!);
      expect(units.count).toBe(whole);
    }
  });

  it("counts a prefix through a clone exactly as the text up to there, and leaves the original alone", () => {
    const [text] = TRICKY;
    const counter = createTokenCounter();
    counter.push(text!.slice(0, 20));
    const before = counter.count;
    const copy = counter.clone();
    copy.push(text!.slice(20, 41));
    expect(copy.count).toBe(estimateTokens(text!.slice(0, 41)));
    expect(counter.count).toBe(before);
    counter.push(text!.slice(20));
    expect(counter.count).toBe(estimateTokens(text!));
  });

  it("never decreases as text arrives", () => {
    const counter = createTokenCounter();
    let last = 0;
    for (const piece of randomSplit(TRICKY.join("\n"), 7, 3)) {
      const count = counter.push(piece);
      expect(count).toBeGreaterThanOrEqual(last);
      last = count;
    }
  });

  it("has a fitted weight for every context", () => {
    expect(atob(TOKEN_WEIGHTS.replace(/\s/g, "")).length).toBe(TOKEN_CONTEXTS);
  });
});
