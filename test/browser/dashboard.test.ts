import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerProcess } from "../e2e/worker-process";
import {
  daysOf,
  dayTotals,
  expectLabelsApart,
  expectPercent,
  expectRoundAxis,
  expectShownAs,
  perDay,
  shown,
} from "./page-checks";
import { OUTAGE_DAY, PLANS, seedFortnight } from "./seed";
import { startSeedUpstream } from "./upstream";

const ADMIN_TOKEN = "browser-test-admin-token";
const ARTIFACTS = fileURLToPath(new URL("../artifacts", import.meta.url));
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TEAMS = PLANS.map((plan) => plan.team).sort();

let upstream: Awaited<ReturnType<typeof startSeedUpstream>>;
let worker: WorkerProcess;
let browser: BrowserContext;
let profile: string;
let seeded: { sent: number; days: string[] };

const call = (path: string, init: RequestInit = {}) => fetch(`${worker.url}${path}`, init);
const admin = (method: string, path: string, body?: unknown) =>
  call(path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const adminJson = async (path: string): Promise<any> => (await admin("GET", path)).json();

beforeAll(async () => {
  upstream = await startSeedUpstream();
  worker = await startWorker(
    "browser-worker",
    upstream.url,
    { ADMIN_TOKEN },
    fileURLToPath(new URL("./clock-worker.ts", import.meta.url)),
  );
  seeded = await seedFortnight(
    {
      admin,
      call,
      setClock: async (now) => {
        const res = await call("/__test/clock", { method: "PUT", body: JSON.stringify({ now: now.toISOString() }) });
        expect(res.status).toBe(200);
      },
    },
    new Date(),
  );
  profile = mkdtempSync(join(tmpdir(), "inflight-chromium-"));
  // A fresh profile per run (playwright passes it to Chromium as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await upstream?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function openDashboard(): Promise<{ page: Page; failures: string[]; origins: Set<string> }> {
  const page = await browser.newPage();
  const failures: string[] = [];
  page.on("pageerror", (error) => failures.push(error.message));
  page.on("requestfailed", (request) => failures.push(`${request.url()} ${request.failure()?.errorText}`));
  const origins = new Set<string>();
  page.on("request", (request) => origins.add(new URL(request.url()).origin));
  await page.goto(`${worker.url}/admin/dashboard#token=${ADMIN_TOKEN}`);
  await page.waitForSelector("body[data-loaded=true]");
  return { page, failures, origins };
}

describe("the dashboard over two weeks of three teams", () => {
  it("seeded every request through the Worker, on the days it was sent", async () => {
    const usage = await adminJson(`/admin/usage?group_by=day&from=${seeded.days[0]}&to=${seeded.days.at(-1)}`);
    expect(usage.totals.requests).toBe(seeded.sent);
    expect(usage.data.map((row: any) => row.day)).toEqual(seeded.days.filter((_, i) => i !== OUTAGE_DAY));
  });

  it("shows each team's spend, estimated saved with its interval, rejections and budget use as the admin API has them", async () => {
    const { page, failures, origins } = await openDashboard();
    expect(page.url()).not.toContain(ADMIN_TOKEN);
    expect(await page.locator("#login").isVisible()).toBe(false);
    const from = await page.inputValue("#from");
    const to = await page.inputValue("#to");
    const range = `from=${from}&to=${to}`;
    const today = new Date().toISOString().slice(0, 10);
    const [byTeam, byMethod, onToday, inMonth] = await Promise.all([
      adminJson(`/admin/usage?${range}&group_by=team`),
      adminJson(`/admin/usage?${range}&group_by=team,method`),
      adminJson(`/admin/usage?from=${today}&to=${today}&group_by=team`),
      adminJson(`/admin/usage?from=${today.slice(0, 8)}01&to=${today}&group_by=team`),
    ]);

    expectShownAs(await page.locator("#total-spend").textContent(), byTeam.totals.cost_usd);
    expectShownAs(await page.locator("#total-saved").textContent(), byTeam.totals.estimated_saved_cost_usd);
    expect(await page.locator(".card.saved h2").textContent()).toBe("Estimated saved by inflight");
    expect(await page.locator("#total-requests").textContent()).toBe(String(seeded.sent));

    expect(
      await page.locator("#teams tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-team"))),
    ).toEqual(TEAMS);
    for (const team of TEAMS) {
      const api = byTeam.data.find((row: any) => row.team === team);
      const row = page.locator(`#teams tr[data-team="${team}"]`);
      const field = (name: string) => row.locator(`td[data-field="${name}"]`);
      expect(await field("requests").locator(":scope > .sub").textContent()).toMatch(/^[\d.]+% rejected$/);
      expectPercent(await field("requests").locator(":scope > .sub").textContent(), api.rejected, api.requests);
      expect(shown(await field("requests").evaluate((td) => td.firstChild!.textContent))).toBe(api.requests);
      expectShownAs(await field("cost_usd").textContent(), api.cost_usd);
      // The estimate and its interval, labelled as one.
      expectShownAs(
        await field("estimated_saved_cost_usd").locator(".saved-value").textContent(),
        api.estimated_saved_cost_usd,
      );
      const interval = (await field("estimated_saved_cost_usd").locator(".interval").textContent())!;
      const [p10, p90] = /^p10–p90 (\$[\d.,]+) – (\$[\d.,]+)$/.exec(interval)!.slice(1);
      expectShownAs(p10!, api.estimated_saved_cost_usd_p10);
      expectShownAs(p90!, api.estimated_saved_cost_usd_p90);
      // The note says how many of the team's estimates rest on the prior, where any do.
      const methods = byMethod.data.filter((r: any) => r.team === team && r.method !== "none");
      const prior = methods.filter((r: any) => r.method.endsWith("_prior"));
      const mark = field("estimated_saved_cost_usd").locator(".prior-mark");
      if (prior.length === 0) expect(await mark.count()).toBe(0);
      else
        expect(await mark.textContent()).toBe(
          `prior: ${prior.reduce((n: number, r: any) => n + r.requests, 0)} of ${methods.reduce((n: number, r: any) => n + r.requests, 0)}`,
        );
      // Budget use: the effective policy's limits against the spend of today and of the month.
      const { effective } = await adminJson(`/admin/teams/${team}/policy`);
      for (const [name, limit, spend] of [
        ["budget_day", effective.budget.daily_usd, onToday.data.find((r: any) => r.team === team)?.cost_usd ?? 0],
        ["budget_month", effective.budget.monthly_usd, inMonth.data.find((r: any) => r.team === team)?.cost_usd ?? 0],
      ] as const) {
        const text = (await field(name).textContent())!;
        const amounts = [...text.matchAll(/\$[\d.,]+/g)].map((m) => m[0]);
        expectShownAs(amounts[0]!, spend);
        if (limit === null) expect(text).toContain("no limit");
        else {
          expectShownAs(amounts[1]!, limit);
          expect(text).toMatch(/^[\d.]+% used/);
          expectPercent(text, spend, limit);
        }
      }
    }
    // research has no budget of its own: it runs under the organisation's monthly limit, and its estimates rest on
    // the prior (its math answers are nearly all cut, so few accepted ones teach it).
    const research = page.locator('#teams tr[data-team="research"]');
    expect(await research.locator('td[data-field="budget_day"]').textContent()).toContain("no limit");
    expect(await research.locator('td[data-field="budget_month"]').textContent()).toContain("of $0.50");
    expect(await research.locator(".prior-mark").count()).toBe(1);

    // Rejection rate by rule, per team: the rule's rejections over the team's requests.
    const byTeamRule = await adminJson(`/admin/usage?${range}&group_by=team,rule`);
    for (const row of byTeamRule.data.filter((r: any) => r.rule !== null && r.rejected > 0)) {
      const td = page.locator(`#rule-rates tr[data-rule="${row.rule}"] td[data-team="${row.team}"]`);
      const requests = byTeam.data.find((r: any) => r.team === row.team).requests;
      expect(await td.getAttribute("data-count")).toBe(String(row.rejected));
      expect(await td.locator(".sub").textContent()).toBe(`${row.rejected} of ${requests}`);
    }
    expect(
      (
        await page.locator("#rule-rates tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-rule")))
      ).sort(),
    ).toEqual(["chat.boilerplate", "chat.repetition-loop", "json.syntax", "math.arithmetic", "math.stop-after-answer"]);

    expect(failures).toEqual([]);
    expect([...origins]).toEqual([worker.url.replace(/\/$/, "")]);
    await page.close();
  });

  it("draws daily bars per team and per rule over every day of the range, empty days at zero, on round axes", async () => {
    const { page } = await openDashboard();
    const from = await page.inputValue("#from");
    const to = await page.inputValue("#to");
    const range = `from=${from}&to=${to}`;
    const [byTeamDay, byRuleDay] = await Promise.all([
      adminJson(`/admin/usage?${range}&group_by=team,day`),
      adminJson(`/admin/usage?${range}&group_by=rule,day`),
    ]);
    const days = daysOf(from, to);
    const charts: [string, Map<string, number>, string][] = [
      ["spend-chart", perDay(byTeamDay.data, (r) => r.cost_usd ?? 0), "usd"],
      ["saved-chart", perDay(byTeamDay.data, (r) => r.estimated_saved_cost_usd ?? 0), "usd"],
      [
        "rule-chart",
        perDay(
          byRuleDay.data.filter((r: any) => r.rule !== null),
          (r) => r.rejected + r.early_exit,
        ),
        "count",
      ],
    ];
    for (const [chart, expected, unit] of charts) {
      const totals = await dayTotals(page, chart);
      // One slot per day, in order, whether or not anything happened that day.
      expect(totals.map(([day]) => day)).toEqual(days);
      for (const [day, total] of totals) expect(total, `${chart} ${day}`).toBeCloseTo(expected.get(day) ?? 0, 9);
      expect(totals.find(([day]) => day === seeded.days[OUTAGE_DAY])![1]).toBe(0);
      expect(await page.locator(`#${chart} g.day[data-total="0"] rect`).count()).toBe(0);
      // Bars, not a line.
      expect(await page.locator(`#${chart} rect.bar`).count()).toBeGreaterThan(10);
      expect(await page.locator(`#${chart} path:not(.whisker)`).count()).toBe(0);
      const labels = await expectRoundAxis(page, chart, Math.max(...totals.map(([, t]) => t)));
      for (const label of labels) expect(label).toMatch(unit === "usd" ? /^\$\d+(\.\d+)?$/ : /^\d+$/);
      await expectLabelsApart(page, chart);
    }
    // Each team has its own series in the team charts, each rule in the rule chart.
    const seriesOf = (chart: string) =>
      page.$$eval(`#${chart} rect.bar`, (rects) =>
        [...new Set(rects.map((r) => r.getAttribute("data-series")))].sort(),
      );
    expect(await seriesOf("spend-chart")).toEqual(TEAMS);
    expect(await seriesOf("rule-chart")).toEqual(
      [
        ...new Set(
          byRuleDay.data.filter((r: any) => r.rule !== null && r.rejected + r.early_exit > 0).map((r: any) => r.rule),
        ),
      ].sort(),
    );
    // The saved chart shows each day's interval as a whisker.
    const withInterval = new Set(
      byTeamDay.data.filter((r: any) => r.estimated_saved_cost_usd_p90 > 0).map((r: any) => r.day),
    );
    expect(await page.locator("#saved-chart path.whisker").count()).toBe(withInterval.size);

    // In tokens: billed tokens per day, on a k / M axis.
    await page.selectOption("#unit", "tokens");
    const tokens = perDay(byTeamDay.data, (r) => r.prompt_tokens + r.completion_tokens);
    for (const [day, total] of await dayTotals(page, "spend-chart")) expect(total).toBe(tokens.get(day) ?? 0);
    expect(await page.locator("#spend-title").textContent()).toBe("Tokens billed per day by team");
    const labels = await expectRoundAxis(page, "spend-chart", Math.max(...tokens.values()));
    expect(labels.at(-1)).toMatch(/^\d+(\.\d+)?k$/);
    await expectLabelsApart(page, "spend-chart");
    await page.close();
  });

  it("downloads the CSV of the range and grouping shown, the same rows as the admin API", async () => {
    const { page } = await openDashboard();
    const range = `from=${await page.inputValue("#from")}&to=${await page.inputValue("#to")}`;
    for (const [section, group] of [
      ["teams-section", "team"],
      ["rule-trend-section", "rule,day"],
      ["methods-section", "team,method"],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click(`#${section} button.csv`)]);
      const api = await admin("GET", `/admin/usage?${range}&group_by=${encodeURIComponent(group)}&format=csv`);
      const file = await download.path();
      expect(readFileSync(file, "utf8")).toBe(await api.text());
      expect(download.suggestedFilename()).toBe(/filename="([^"]+)"/.exec(api.headers.get("content-disposition")!)![1]);
    }
    await page.close();
  });

  it("narrows to one team, and keeps the range in the address but never the token", async () => {
    const { page } = await openDashboard();
    const urls: string[] = [];
    page.on("request", (request) => urls.push(request.url()));
    await page.selectOption("#team", "search");
    await page.click("#controls button[type=submit]");
    await page.waitForSelector('body[data-query*="team=search"]');
    expect(await page.locator("#teams tbody tr").count()).toBe(1);
    const range = `from=${await page.inputValue("#from")}&to=${await page.inputValue("#to")}`;
    const usage = await adminJson(`/admin/usage?${range}&team=search&group_by=team`);
    expectShownAs(await page.locator("#total-spend").textContent(), usage.totals.cost_usd);
    expect(await page.locator("#total-requests").textContent()).toBe(String(usage.totals.requests));
    expect(
      await page.$$eval("#spend-chart rect.bar", (rects) => [
        ...new Set(rects.map((r) => r.getAttribute("data-series"))),
      ]),
    ).toEqual(["search"]);
    expect(page.url()).toContain("team=search");
    expect(urls.length).toBeGreaterThan(5);
    for (const url of [page.url(), ...urls]) expect(url).not.toContain(ADMIN_TOKEN);
    await page.close();
  });

  it("lays out at desktop width and at 700 px without a horizontal page scroll, and saves both screenshots", async () => {
    const { page } = await openDashboard();
    mkdirSync(ARTIFACTS, { recursive: true });
    const pageScroll = () =>
      page.evaluate(() => {
        const root = (globalThis as any).document.documentElement;
        return { scroll: root.scrollWidth as number, width: root.clientWidth as number };
      });
    for (const [width, name] of [
      [1280, "dashboard.png"],
      [700, "dashboard-700.png"],
    ] as const) {
      await page.setViewportSize({ width, height: 900 });
      // The charts draw again at their box's new width.
      await page.waitForFunction(() =>
        [...(globalThis as any).document.querySelectorAll(".chart")].every(
          (box: any) =>
            Number(box.querySelector("svg").getAttribute("width")) === Math.max(280, Math.floor(box.clientWidth)),
        ),
      );
      const { scroll, width: client } = await pageScroll();
      expect(scroll, `page width at ${width}px`).toBeLessThanOrEqual(client);
      for (const chart of ["spend-chart", "saved-chart", "rule-chart"]) await expectLabelsApart(page, chart);
      // Every section fits the page; a table wider than its box scrolls inside it.
      const overflowing = await page.$$eval(
        "main section",
        (sections, right) => sections.filter((s) => s.getBoundingClientRect().right > right).map((s) => s.id),
        client,
      );
      expect(overflowing).toEqual([]);
      const file = join(ARTIFACTS, name);
      await page.screenshot({ path: file, fullPage: true });
      expect(statSync(file).size).toBeGreaterThan(50_000);
    }
    // At 700 px the teams table is one card per team, with every figure still there.
    expect(await page.locator("#teams thead").isVisible()).toBe(false);
    expect(await page.locator('#teams tr[data-team="search"] td[data-field="budget_month"]').isVisible()).toBe(true);
    await page.close();
  });

  it("asks for the admin token when it has none, and shows no data without it", async () => {
    const page = await browser.newPage();
    await page.goto(`${worker.url}/admin/dashboard`);
    await page.waitForSelector("#login:not([hidden])");
    expect(await page.locator("#report").isHidden()).toBe(true);
    await page.fill("#token", "wrong");
    await page.click("#login button");
    await page.waitForSelector("#status:has-text('refused')");
    expect(await page.locator("#report").isHidden()).toBe(true);
    await page.close();
  });
});
