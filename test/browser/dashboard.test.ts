import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWorker, type WorkerProcess } from "../e2e/worker-process";
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

let upstream: Awaited<ReturnType<typeof startSeedUpstream>>;
let worker: WorkerProcess;
let browser: BrowserContext;
let profile: string;

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${worker.url}${path}`, init);
}

/** Seeds usage the way clients make it: team keys from the admin API, completions through the Worker. */
async function seed(): Promise<void> {
  for (const [team, models] of [
    ["acme", ["gpt-4o-mini", "gpt-4.1"]],
    ["beta", ["gpt-4o"]],
  ] as const) {
    const created = await call("/admin/keys", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ team, name: "dashboard test" }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    for (let i = 0; i < 6; i += 1) {
      const model = models[i % models.length]!;
      const prompt = i % 3 === 2 ? "Tell a story in a loop" : "Say hello";
      const res = await call("/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model, max_tokens: 3000, messages: [{ role: "user", content: prompt }] }),
      });
      await res.arrayBuffer();
    }
  }
  // Metering is written off the response path, but a non-streaming request sends its meter write before its
  // response, and the team's meter handles calls in the order they arrive: this read comes after every write.
  const usage = await call("/admin/usage?group_by=team", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(((await usage.json()) as { totals: { requests: number } }).totals.requests).toBe(12);
}

beforeAll(async () => {
  upstream = await startSeedUpstream();
  worker = await startWorker("browser-worker", upstream.url, { ADMIN_TOKEN });
  await seed();
  profile = mkdtempSync(join(tmpdir(), "inflight-chromium-"));
  // A fresh profile per run (playwright passes it to Chromium as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 900 },
  });
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await upstream?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

it("shows a team's spend chart, rejections by rule, outcomes and top models", async () => {
  const page = await browser.newPage();
  const failures: string[] = [];
  page.on("pageerror", (error) => failures.push(error.message));
  page.on("requestfailed", (request) => failures.push(`${request.url()} ${request.failure()?.errorText}`));
  // Everything the page loads comes from the Worker itself.
  const origins = new Set<string>();
  page.on("request", (request) => origins.add(new URL(request.url()).origin));

  await page.goto(`${worker.url}/admin/dashboard?team=acme#token=${ADMIN_TOKEN}`);
  await page.waitForSelector("body[data-loaded=true]");
  expect(page.url()).not.toContain(ADMIN_TOKEN);
  expect(await page.locator("#login").isVisible()).toBe(false);

  const spend = page.locator("#chart svg path.series-spend");
  const saved = page.locator("#chart svg path.series-saved");
  for (const path of [spend, saved]) {
    const box = await path.boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    expect(box?.height).toBeGreaterThan(10);
  }
  expect(await page.locator("#total-spend").textContent()).toMatch(/^\$0\.\d+$/);
  expect(await page.locator("#total-requests").textContent()).toBe("6");
  // The saved figure is shown as an estimate, with its interval.
  expect(await page.locator(".card.saved h2").textContent()).toBe("Estimated saved by inflight");
  expect(await page.locator("#total-saved").textContent()).toMatch(/^\$\d+\.\d+$/);
  expect(await page.locator("#total-saved-interval").textContent()).toMatch(/^p10–p90 \$\d+\.\d+ – \$\d+\.\d+$/);
  expect(await page.locator("#total-saved-tokens-interval").textContent()).toMatch(/^p10–p90 [\d,]+ – [\d,]+$/);
  expect(await page.locator("#rules").textContent()).toContain("repetition-loop");
  const outcomes = await page.locator("#outcomes tbody tr").allTextContents();
  expect(outcomes).toContain("accepted4");
  expect(outcomes).toContain("rejected2");
  const models = await page.locator("#models tbody tr td:first-child").allTextContents();
  expect(models.sort()).toEqual(["gpt-4.1", "gpt-4o-mini"]);

  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, "dashboard.png");
  await page.screenshot({ path: file, fullPage: true });
  expect(statSync(file).size).toBeGreaterThan(10_000);
  expect(failures).toEqual([]);
  expect([...origins]).toEqual([worker.url.replace(/\/$/, "")]);
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
