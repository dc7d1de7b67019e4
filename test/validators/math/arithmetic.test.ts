import { describe, expect, it } from "vitest";
import { arithmeticValidator } from "../../../src/validators/math/arithmetic";
import { runValidator, verdictUnderAnySplit } from "../../helpers/chunking";
import { maker, verdict } from "./helpers";

const make = maker(arithmeticValidator);

describe("arithmetic", () => {
  it.each([
    "48/2 = 24 clips.",
    "3 + 4 = 7 = 7 * 1.",
    "2 × 3 = 6, 6 ÷ 2 = 3, 2 · 5 = 10 and 4 * 5 = 20 and 5 x 3 = 15 and 2^10 = 1024.",
    "(2 + 3) * 4 = 20 and -3 + 5 = 2 and 7 - -7 * 4 = 35.",
    "It costs 1,200 + 300 = 1,500 dollars; 2.5 * 4 = 10.",
    "He pays $12.50 * 2 = $25.00 for 5 kg + 3 kg = 8 kg of rice.",
    "20% of 50 is 10, and 50 * 20% = 10, and 3/12 * 100 = 25%.",
    "$3 \\times 4 = 12$ and $\\frac{1}{2} \\cdot 10 = 5$ and \\dfrac{6}{3} = 2 and 8 \\div 4 = 2.",
    "Natalia sold 48/2 = <<48/2=24>>24 clips in May.",
    "She makes 9 * 2 = $<<9*2=18>>18 every day.",
    "10 / 3 = 3.33 each, 10/3 = 3.3, 2/3 = 0.67, 10 / 4 = 2 full boxes.",
    "The total is 3 + 4 = 7 + 1 = 8.",
    "$4.20 + $9.45 + $1.35 = $14.99 in all.",
  ])("accepts a correct calculation: %s", (text) => {
    expect(verdict(make, text)).toBeUndefined();
  });

  it.each([
    [
      "thousands written in LaTeX",
      "$9 \\times 10{,}000 = 90{,}000$, $78 \\times 48 = 3,\\!744$ and $10\\,000 + 1 = 10\\,001$.",
    ],
    [
      "binomials",
      "We choose in $\\binom{30}{3} = \\frac{30 \\times 29 \\times 28}{3 \\times 2 \\times 1} = 4,\\!060$ ways.",
    ],
    [
      "roots",
      "So $(\\sqrt{3})^7 = 27\\sqrt{3}$, $\\sqrt{16} = 4$, $\\sqrt[3]{27} = 3$ and $2\\sqrt{2} \\cdot \\sqrt{2} = 4$.",
    ],
    [
      "nested fractions",
      "$\\frac{\\frac{1}{2} + \\frac{1}{3}}{\\tfrac{5}{6}} = 1$ and $\\dfrac{12}{\\frac{3}{4}} = 16$.",
    ],
    [
      "LaTeX brackets and powers",
      "$\\left(\\frac{1}{2}\\right)^{2} \\cdot 8 = 2$ and $2^{10} - 2^{-1} \\cdot 2 = 1023$.",
    ],
    ["factorials", "$7! + 8! + 9! = 7!(1 + 8 + 8\\cdot9) = 5040(1 + 8 + 72)= 5040\\cdot81.$"],
    ["degrees", "$\\angle B = 180^\\circ - 60^\\circ - 45^\\circ = 75^\\circ$, and 90° - 30° = 60°."],
    [
      "units in \\text",
      "$5\\text{ cm} + 3\\text{ cm} = 8\\text{ cm}$ and $4\\text{ cm}^2 + 5\\text{ cm}^2 = 9\\text{ cm}^2$.",
    ],
    ["a division with its remainder", "In other words, \\[500 \\div 13=13 \\cdot 38+6.\\]So the next multiple is 507."],
    ["display lines that continue", "there are $$1^2 +\n2^2 +3^2 = 14$$of these."],
  ])("reads %s", (_label, text) => {
    expect(verdict(make, text)).toBeUndefined();
  });

  it.each([
    ["48/2 = 25 clips. Then", "48/2 = 25 clips."],
    ["3 + 4 = 7 = 6 * 1. Then", "3 + 4 = 7 = 6 * 1."],
    ["$3 \\times 4 = 13$ so we stop. Next", "$3 \\times 4 = 13$ so we stop."],
    ["<<48/2=23>>23 clips.\nNext", "<<48/2=23>>23 clips."],
    ["20% of 50 is 12. Then", "20% of 50 is 12."],
    ["\\frac{1}{2} \\cdot 10 = 6\nThen we go on.\nNext", "\\frac{1}{2} \\cdot 10 = 6\nThen we go on."],
    ["10 * 1 = 24 (left: 24)\nNext", "10 * 1 = 24 (left: 24)"],
    ["(7 - -7 * 4) = (7 - 28) = -21. Then", "(7 - -7 * 4) = (7 - 28) = -21."],
    ["$\\binom{5}{3} = 12$, so", "$\\binom{5}{3} = 12$, so"],
    ["so $9 \\times 10{,}000 = 9{,}000$. Then", "so $9 \\times 10{,}000 = 9{,}000$."],
    ["so $f(9) = 9! = 326880$ and more. Next", "so $f(9) = 9! = 326880$ and more."],
  ])("rejects %j at the end of its sentence or line", (text, upTo) => {
    const finding = verdict(make, text);
    expect(finding?.at).toBe(upTo.length);
    expect(finding?.detail).toMatch(/does not hold/);
  });

  it("does not wait past the start of the final answer, so an early exit on it cannot come first", () => {
    const text = "So 6 * 7 = 43 apples in all, and therefore \\boxed{43} is what we get.";
    expect(verdict(make, text)?.at).toBe(text.indexOf("\\boxed{") + "\\boxed{".length);
  });

  it("waits for the number to be complete before judging it", () => {
    const v = make();
    expect(v.push("48 / 2 = 2")).toBeUndefined();
    expect(v.push("4")).toBeUndefined();
    expect(v.push(".5")).toBeUndefined();
    expect(runValidator(v, [" in all\n"])?.detail).toMatch(/24 is not 24\.5/);
  });

  it.each([
    [
      "a contradiction it derives on purpose",
      "we get\n\\[1^2 + 2 + 1^2 + 2 = (2 + 2)^2 - 2 \\cdot 1 \\cdot 1,\\]which simplifies to $6 = 14,$ contradiction.\n",
    ],
    [
      "a counter-example marked as such",
      "5² + 5² = 7²\n\n25 + 25 = 49\n\n50 = 49 (not true)\n\nSince the squares differ",
    ],
    ["a correction in the same sentence", "So 3 × 4 = 13, no wait, actually 12. Then"],
    ["a false equation it calls false", "Then 2 + 2 = 5 is false. Next"],
  ])("takes back %s", (_label, text) => {
    expect(verdict(make, text)).toBeUndefined();
  });

  it("does not take back a false equation when the correction only comes in a later sentence", () => {
    expect(verdict(make, "So 3 × 4 = 13. We go on with that value. Actually it was 12.")?.at).toBe(
      "So 3 × 4 = 13.".length,
    );
  });

  it.each([
    ["variables", "x^2 + 4 = 4 and 2x + 4 = 10 and 3y = 6 and x + 4 - 4 = 12 - 4."],
    ["base conversions", "0x10 = 16 and 1010 in binary = 10 and 1010_2 = 10."],
    ["base subscripts", "So $682_{10}=3\\cdot6^3+0\\cdot6^2+5\\cdot{6^1}+4\\cdot6^0=3054_6$ and $(1011)_{(2)} = 11$."],
    ["indices", "Then $r_1 = \\frac{1}{2} = 0.5$ and $a_{4035} - \\frac{1}{2018} = 7$ and $x_{10} + 2 = 5$."],
    [
      "congruences",
      "$3^4 = 81 = 1 \\pmod 5$, $2^{10} = 1024 \\equiv 4 \\pmod{10}$, 7 * 8 = 56 = 1 mod 11, 5 = 2 (mod 3).",
    ],
    [
      "floors and ceilings",
      "$\\lfloor 7.5 \\rfloor + 2 = 9$, $\\left\\lceil \\frac{7}{2} \\right\\rceil = 4$ and ⌊100/7⌋ = 14.",
    ],
    ["trigonometry", "$a^2 = b^2 + c^2 - 2bc\\cos A$, so $49 = 64 + 9 - 48\\cos C$ and $4 = 2 \\sin 30$."],
    ["other named functions", "$\\log_2 8 = 3$, $\\ln 1 = 0$, $\\phi(12) = 4$, $\\gcd(12, 18) = 6$ and abs(-3) = 3."],
    ["function applications", "so f(2) = 6 × 2 − 6 = 6 and $g(3) = 2$ and $f'(2) = 3 \\cdot 2 = 6$."],
    [
      "a name just before",
      "$AB = AP\\sqrt{2} = 4\\sqrt{2}$ and $OP = AO \\sqrt{3} = 39$ and $\\angle SQT = \\angle PQR - 36^\\circ = 72^\\circ$.",
    ],
    ["inequalities and intervals", "$2^{10} = 1024 > 1000$, $1 < 3 = 3$, $x \\in [-2, 7]$, $3 \\le 5$ and 2 + 3 <= 5."],
    ["approximations", "$\\sqrt{2} \\approx 1.4$, 2^10 ≈ 1000, 22/7 = about 3.1, 10 / 3 ≈ 3.4."],
    [
      "operations the problem defines",
      "Then $3 \\ast (6 \\ast 8) = 3 \\ast 7 = 5$ and $2 \\star 3 = 11$ and $4 \\# 2 = 10$.",
    ],
    [
      "repeating decimals and glued decimals",
      "$\\frac{23}{9} = 2+0.\\overline{5}$ and exactly .$500 = \\tfrac{1}{2}$ of them.",
    ],
    ["questions", "Is 3 × 4 = 13? Could 7 + 8 = 16?"],
    ["notes after a step", "4 * 6 = 24 (left: 24)\n(left: 8 3)"],
    ["dates", "On 2023-10-05 = Thursday, 12/25 = Christmas."],
    ["times", "3:45 + 15 = 4:00 and 10am = 10."],
    ["ranges", "ages 3-4 = 2 children"],
    ["phone numbers", "Call 555-123-4567 = support."],
    ["list numbering", "1. 5 + 3 = 8\n2) 4 * 2 = 8\n- 5 + 3 = 8\n* 2 + 2 = 4"],
    ["ratios", "3:1 = 3 and the odds are 2:1"],
    ["a deliberate falsehood's pieces", "5² + 5² = 7²"],
    ["unit conversions", "1 hour = 60 minutes, 2 feet = 24 inches, $1 + 50 cents = $1.50."],
    ["units with a power", "5 cm^2 + 3 cm^2 = 9 cm^2"],
    ["word operators", "5 times 3 + 2 = 17, half of 10 + 2 = 7, 2 dozen + 6 = 30, twice 3 = 6, 3 + 4 = 7 times 2."],
    ["a percentage next to a plain number", "100 - 20% = 80% and 48 = 100% + 20% = 120% of it."],
    ["ambiguous notation", "-2^2 = 4 and 2^3^2 = 64 and 6/2(1+2) = 1 and 1,23 + 1 = 2.23 and 2\\frac{1}{2} = 1."],
    ["version numbers and functions", "v1.2.3 = 6 and sqrt(16) = 4 and 7^2 = 8^2 + 3^2 - 2(8)(3)cos(C)."],
    ["a difference written without its sign", "He got $1800 - $2000 = $200 less."],
    ["markdown bold", "**5 + 3 = 8**"],
    ["drawing code", '[asy]\npair A = dir(360*0/7+90);\nlabel("$x = 3 + 4 = 8$", A);\n[/asy]\nThe figure shows it.'],
  ])("skips %s", (_label, text) => {
    expect(verdict(make, text)).toBeUndefined();
  });

  it("reads `*` as the problem's own operation when the problem defines one", () => {
    const defined = maker(arithmeticValidator, {}, "If $a * b = 2a + 3b$ for all $a$ and $b$, what is $4 * 3$?");
    expect(verdict(defined, "We have $4 * 3 = 2(4)+3(3) = 8+9 = 17$.")).toBeUndefined();
    expect(verdict(make, "We have $4 * 3 = 17$. Then")?.detail).toMatch(/12 is not 17/);
  });

  it("gives the same finding under any chunking", () => {
    const text =
      "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day.\n" +
      "Then $3 \\times 4 = 12$ and 1,200 / 4 = 300; 20% of 50 is 10.\nSo 300 + 18 = 319 dollars.\nA: 319";
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    // `dollars` is a unit of 319, so the `.` after it closes the chain, and the line ends right after it.
    expect(finding?.at).toBe(text.indexOf("319 dollars.") + 12);
  });

  it("gives the same finding under any chunking of LaTeX, subscripts and a taken-back equation", () => {
    const text =
      "We get $3054_{6} = 682$ and $\\binom{30}{3} = 4{,}060$, $90,\\!000 = 9 \\cdot 10^{4}$; so 6 = 14, contradiction.\n" +
      "Then \\[\\frac{\\sqrt{16}}{2} + 5! = 123,\\]which is clear, and $2^{10} = 1000$ holds. Next line.";
    const { finding, disagreements } = verdictUnderAnySplit(make, text);
    expect(disagreements).toEqual([]);
    expect(finding?.at).toBe(text.indexOf("1000$ holds.") + "1000$ holds.".length);
  });

  it("gives the same (absent) finding under any chunking of clean text", () => {
    const { finding, disagreements } = verdictUnderAnySplit(make, "2 + 2 = 4, 1,000 * 3 = 3,000 and 7/2 = 3.5.\n");
    expect(disagreements).toEqual([]);
    expect(finding).toBeUndefined();
  });

  it("keeps its state small however long the output", () => {
    const v = make();
    const line =
      "We add 12 + 30 = 42 apples, then $42 / 6 = 7$ per box and $\\binom{4}{2} = 6$, r_1 = 2, a long line of prose ";
    for (let n = 0; n < 100_000; n += line.length) expect(v.push(line)).toBeUndefined();
    expect(v.stateSize!()).toBeLessThan(2000);
  });

  it("keeps its state small when braces and subscripts never close", () => {
    const v = make();
    for (let n = 0; n < 20_000; n += 1) expect(v.push("\\text{ {x_{ ")).toBeUndefined();
    expect(v.stateSize!()).toBeLessThan(2000);
  });
});
