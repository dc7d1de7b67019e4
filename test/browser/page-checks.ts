import type { Page } from "playwright-core";
import { expect } from "vitest";

/**
 * What the dashboard test checks on the page: figures as a reader sees them (rounded text read back and compared
 * with the admin API's numbers within the rounding shown), and charts as drawn (one slot per day, round axes,
 * labels that neither overlap nor stick out).
 */

/** A figure as the page shows it ("$0.0123", "$1,234.50", "1,234", "12.5%") read back as a number. */
export const shown = (text: string | null): number => Number((text ?? "").replace(/[$,%\s]/g, ""));

/** The rounding the page applies: three significant digits under $1, cents from $1. */
export function expectShownAs(text: string | null, value: number) {
  const number = shown(text);
  const tolerance = Math.abs(value) >= 1 ? 0.005 : Math.abs(value) * 0.005 + 1e-12;
  expect(Math.abs(number - value), `${text} shows ${value}`).toBeLessThanOrEqual(tolerance);
}

/** A share as the page shows it ("2.8%", "57%"), within the rounding of the digits it shows. */
export function expectPercent(text: string | null, part: number, whole: number) {
  const match = /([\d.]+)%/.exec(text ?? "")!;
  const tolerance = match[1]!.includes(".") ? 0.05 : 0.5;
  expect(Math.abs(Number(match[1]) - (100 * part) / whole), `${text} shows ${part} of ${whole}`).toBeLessThanOrEqual(
    tolerance + 1e-9,
  );
}

/** The days from `from` to `to`, inclusive. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** Sums `value` of API rows per day. */
export function perDay(rows: any[], value: (row: any) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) out.set(row.day, (out.get(row.day) ?? 0) + value(row));
  return out;
}

/** What a day's bars add up to, as each `g.day` of a chart carries it. */
export async function dayTotals(page: Page, chart: string): Promise<[string, number][]> {
  return page.$$eval(`#${chart} g.day`, (groups) =>
    groups.map((g) => [g.getAttribute("data-day")!, Number(g.getAttribute("data-total"))] as [string, number]),
  );
}

/** Asserts an axis is round: 0 first, one step 1, 2, 2.5 or 5 times a power of ten, the top just above the data. */
export async function expectRoundAxis(page: Page, chart: string, max: number) {
  const ticks = await page.$$eval(`#${chart} .y-tick`, (nodes) =>
    nodes.map((n) => ({ value: Number(n.getAttribute("data-value")), label: n.textContent! })),
  );
  const values = ticks.map((t) => t.value);
  expect(values[0]).toBe(0);
  const step = values[1]! - values[0]!;
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  expect(
    [1, 2, 2.5, 5].some((m) => Math.abs(m - mantissa) < 1e-6),
    `step ${step}`,
  ).toBe(true);
  values.forEach((v, i) => expect(v).toBeCloseTo(i * step, 9));
  expect(values.at(-1)!).toBeGreaterThanOrEqual(max - 1e-12);
  expect(values.at(-1)! - step).toBeLessThan(max);
  // Every label of the axis has the same number of decimals.
  const decimals = new Set(ticks.map((t) => (t.label.split(".")[1] ?? "").replace(/\D/g, "").length));
  expect(decimals.size).toBe(1);
  return ticks.map((t) => t.label);
}

/** Asserts no two labels of a chart's axis overlap and none sticks out of the chart. */
export async function expectLabelsApart(page: Page, chart: string) {
  const svgBox = (await page.locator(`#${chart} svg`).boundingBox())!;
  for (const axis of ["x-tick", "y-tick"]) {
    const boxes = (await page.locator(`#${chart} .${axis}`).evaluateAll((nodes) =>
      nodes.map((n) => {
        const r = n.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      }),
    )) as { left: number; right: number; top: number; bottom: number }[];
    expect(boxes.length).toBeGreaterThan(1);
    for (const box of boxes) {
      expect(box.left).toBeGreaterThanOrEqual(svgBox.x - 0.5);
      expect(box.right).toBeLessThanOrEqual(svgBox.x + svgBox.width + 0.5);
    }
    const sorted = [...boxes].sort((a, b) => (axis === "x-tick" ? a.left - b.left : a.top - b.top));
    for (let i = 1; i < sorted.length; i += 1) {
      if (axis === "x-tick") expect(sorted[i]!.left).toBeGreaterThan(sorted[i - 1]!.right);
      else expect(sorted[i]!.top).toBeGreaterThanOrEqual(sorted[i - 1]!.bottom);
    }
  }
}
