import { describe, expect, it } from "vitest";
import { createLexer, type Token } from "../../../src/validators/math/lexer";
import { createRandom, randomSplit } from "../../helpers/chunking";
import { SAMPLE_TEXTS } from "./sample-texts";
import { createReferenceLexer } from "./reference-lexer";

function lexAll(lexer: { push(text: string): Token[]; end(): Token[] }, pieces: readonly string[]): Token[] {
  const out: Token[] = [];
  for (const piece of pieces) out.push(...lexer.push(piece));
  out.push(...lexer.end());
  return out;
}

const plain = (tokens: Token[]) => tokens.map((t) => `${t.kind}|${t.text}|${t.start}`);

/** Characters every rule cares about, and their neighbours. */
const ALPHABET = [
  ..."0123456789012345678901234567890,,,...  \t\n\r\u00a0\u2009\u202f<<>>==!=≤≥≠≈≅≃**+-*/^×÷·−%$€£¥₹()[]{}…;:!?",
  ..."abcxyzXÀé",
  "\\",
  "\\frac",
  "{,}",
  ",\\!",
  "\\,",
  "{",
  "}",
  "\\times",
  "𝑥",
  "😀",
  "\ud800",
  "\udc00",
  "ª",
  "\u2028",
  "#",
  '"',
  "٣",
];

function randomText(random: () => number, length: number): string {
  let text = "";
  for (let i = 0; i < length; i += 1) text += ALPHABET[Math.floor(random() * ALPHABET.length)]!;
  return text;
}

function expectSame(text: string, seed: number) {
  const expected = plain(lexAll(createReferenceLexer(), [text]));
  expect(plain(lexAll(createLexer(), [text]))).toEqual(expected);
  expect(plain(lexAll(createLexer(), randomSplit(text, seed, 5)))).toEqual(expected);
  expect(plain(lexAll(createReferenceLexer(), randomSplit(text, seed + 1, 7)))).toEqual(expected);
}

describe("lexer", () => {
  it("matches the regex reference on random strings", () => {
    const random = createRandom(7);
    for (let i = 0; i < 3000; i += 1) expectSame(randomText(random, 1 + Math.floor(random() * 60)), i);
  });

  it("matches the regex reference on long runs (digits, letters, spaces, dots, thousands)", () => {
    const cases = [
      "1".repeat(75) + ".5" + "2".repeat(40),
      "a".repeat(95) + "é".repeat(45) + "𝑥".repeat(45),
      " ".repeat(90) + "\t".repeat(3),
      ".".repeat(50) + "5",
      "1,234,567,8901 12,345.678 1,23 123,456,78 1234,567 ,123 1,234.5.6 0.1234567890123456789012345678901234",
      "10{,}000 90,\\!000 10\\,000 1{,}234{,}5678 1,\\!23 12\\,345.5 1{,}234,567 1,234{,}567 4,\\!060 $$ 148{,}000\\text",
      "\\" + "a".repeat(30) + " \\\\ \\, \\😀 \\",
      "=== => =< <= >= != <<< >>> ==",
      "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72",
    ];
    cases.forEach((text, i) => expectSame(text, i));
  });

  it("matches the regex reference on math-flavoured prose", () => {
    const texts = [
      "Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins with 4933828.",
      "$3 \\times 4 = 12$, so \\(\\frac{1}{2}\\) of 10 = 5 ≈ 5.0; 20% of 50 is 10… then 1,200 − 3·4 ÷ 2 = 1,194!",
      "Steps:\n10 - 4 = 6 (left: 5 6 6)\n6 / 6 = 1 (left: 1 5)\nAnswer: (6 - 4) * 5 = 24",
      ...SAMPLE_TEXTS,
    ];
    texts.forEach((text, i) => expectSame(text, i));
  });
});
