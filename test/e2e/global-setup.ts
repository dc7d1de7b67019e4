import { createServer } from "node:net";
import type { TestProject } from "vitest/node";
import { startUpstream } from "../../scripts/upstream";
import { startWorker } from "./worker-process";

export const IDLE_TIMEOUT_MS = 1_500;

/**
 * Starts the test upstream in this process and two Workers under `wrangler dev`: one in front of the upstream,
 * one in front of a port nothing listens on (for the unreachable-upstream test).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const upstream = await startUpstream({ tokenDelayMs: 5 });
  const deadUrl = `http://127.0.0.1:${await unusedPort()}/v1`;
  // A short idle timeout, so that the test of an upstream that goes silent ends in seconds.
  // No request is sampled to run past its early exit: the tests expect every exit to happen.
  const vars = { UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS), EXIT_SAMPLE_SHARE: "0" };
  const started = await Promise.allSettled([
    // The Anthropic upstream as the Anthropic SDK names a base URL: the origin, without `/v1`.
    startWorker("e2e-worker", upstream.url, { ...vars, ANTHROPIC_BASE_URL: new URL(upstream.url).origin }),
    startWorker("e2e-worker-unreachable", deadUrl, { ...vars, ANTHROPIC_BASE_URL: new URL(deadUrl).origin }),
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
  const [worker, unreachable] = workers as [(typeof workers)[number], (typeof workers)[number]];
  project.provide("upstreamUrl", upstream.url);
  project.provide("workerUrl", worker.url);
  project.provide("unreachableWorkerUrl", unreachable.url);
  project.provide("idleTimeoutMs", IDLE_TIMEOUT_MS);
  return teardown;
}

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
  }
}
