import { createServer } from "node:net";
import type { TestProject } from "vitest/node";
import { bundleWorker, serveWorker } from "../../bench/lib/workers";
import { startUpstream } from "../../scripts/upstream";
import { startWorker } from "./worker-process";

export const IDLE_TIMEOUT_MS = 1_500;
/** The admin token of the fault suite's Workers (a test value, not a secret). */
export const FAULTS_ADMIN_TOKEN = "e2e-faults-admin-token";
/** The fault suite's bounded waits: short, so that every fault ends in about a second. */
export const FAULT_LIMITS = {
  UPSTREAM_HEADERS_TIMEOUT_MS: 800,
  UPSTREAM_BODY_TIMEOUT_MS: 800,
  UPSTREAM_IDLE_TIMEOUT_MS: 800,
  UPSTREAM_TOTAL_TIMEOUT_MS: 4_000,
};

/**
 * Starts the test upstream in this process and three Workers under `wrangler dev`: one in front of the upstream,
 * one in front of a port nothing listens on (for the unreachable-upstream test), and one with short limits and an
 * admin token for the fault suite. The fault suite also gets the same Worker served by Miniflare directly, for a
 * client that leaves before the response starts: `wrangler dev`'s proxy sends the request on to the Worker
 * detached from the client's connection, so the Worker never learns that the client left until it answers.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const upstream = await startUpstream({ tokenDelayMs: 5 });
  const deadUrl = `http://127.0.0.1:${await unusedPort()}/v1`;
  // A short idle timeout, so that the test of an upstream that goes silent ends in seconds.
  // No request is sampled to run past its early exit: the tests expect every exit to happen.
  const vars = { UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS), EXIT_SAMPLE_SHARE: "0" };
  // The Anthropic upstream as the Anthropic SDK names a base URL: the origin, without `/v1`.
  const faultVars = {
    ...Object.fromEntries(Object.entries(FAULT_LIMITS).map(([name, ms]) => [name, String(ms)])),
    ADMIN_TOKEN: FAULTS_ADMIN_TOKEN,
    ANTHROPIC_BASE_URL: new URL(upstream.url).origin,
    EXIT_SAMPLE_SHARE: "0",
  };
  const started = await Promise.allSettled([
    startWorker("e2e-worker", upstream.url, { ...vars, ANTHROPIC_BASE_URL: new URL(upstream.url).origin }),
    startWorker("e2e-worker-unreachable", deadUrl, { ...vars, ANTHROPIC_BASE_URL: new URL(deadUrl).origin }),
    startWorker("e2e-worker-faults", upstream.url, faultVars),
    bundleWorker("e2e-worker-direct", "wrangler.toml").then((bundle) =>
      serveWorker("e2e-worker-direct", "wrangler.toml", bundle, { ...faultVars, UPSTREAM_BASE_URL: upstream.url }),
    ),
  ]);
  const workers = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const teardown = async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await upstream.close();
  };
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await teardown();
    throw failed.reason;
  }
  const [worker, unreachable, faults, direct] = workers as [WorkerUrl, WorkerUrl, WorkerUrl, WorkerUrl];
  project.provide("upstreamUrl", upstream.url);
  project.provide("workerUrl", worker.url);
  project.provide("unreachableWorkerUrl", unreachable.url);
  project.provide("idleTimeoutMs", IDLE_TIMEOUT_MS);
  project.provide("faultsWorkerUrl", faults.url);
  project.provide("directWorkerUrl", direct.url);
  project.provide("faultsAdminToken", FAULTS_ADMIN_TOKEN);
  project.provide("faultLimits", FAULT_LIMITS);
  return teardown;
}

type WorkerUrl = { url: string; stop(): Promise<void> };

/** A port that was free a moment ago; nothing is listening on it afterwards. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The test upstream's base URL (ends with `/v1`). */
    upstreamUrl: string;
    /** The Worker in front of it (no `/v1`). */
    workerUrl: string;
    /** A Worker whose upstream is a port nothing listens on. */
    unreachableWorkerUrl: string;
    /** The Workers' `UPSTREAM_IDLE_TIMEOUT_MS`. */
    idleTimeoutMs: number;
    /** The fault suite's Worker under `wrangler dev`: short limits, an admin token (no `/v1`). */
    faultsWorkerUrl: string;
    /** The same Worker served by Miniflare directly, so a client that leaves early is seen (no `/v1`). */
    directWorkerUrl: string;
    faultsAdminToken: string;
    faultLimits: typeof FAULT_LIMITS;
  }
}
