import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** Longest we wait for `Ready on`; a first build with a cold cache takes ~10 s on the 2-core CI machine. */
const READY_DEADLINE_MS = 60_000;

export interface WorkerProcess {
  /** e.g. `http://127.0.0.1:41234`, as wrangler printed it. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs the Worker the way a user does: `wrangler dev` on a free port with `UPSTREAM_BASE_URL` (and any other
 * `vars`) set, resolved when wrangler prints its `Ready on <url>` line. Its output goes to `test/artifacts/<name>.log`.
 * `entry` replaces `wrangler.toml`'s `main` (a test entry that wraps the Worker).
 */
export async function startWorker(
  name: string,
  upstreamUrl: string,
  vars: Record<string, string> = {},
  entry?: string,
): Promise<WorkerProcess> {
  const persistTo = mkdtempSync(join(tmpdir(), `inflight-e2e-${name}-`));
  const args = [
    "dev",
    ...(entry === undefined ? [] : [entry]),
    "--port",
    "0",
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    "0",
    "--var",
    `UPSTREAM_BASE_URL:${upstreamUrl}`,
    ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
  ];
  // Detached: wrangler starts workerd, and stop() ends the whole group it leads.
  const child = spawn(join(root, "node_modules/.bin/wrangler"), args, {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", WRANGLER_SEND_METRICS: "false" },
  });
  mkdirSync(join(root, "test/artifacts"), { recursive: true });
  const log = createWriteStream(join(root, `test/artifacts/${name}.log`));
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });

  const stop = async () => {
    await terminate(child);
    log.end();
    rmSync(persistTo, { recursive: true, force: true });
  };
  try {
    return { url: await readyUrl(child, name), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readyUrl(child: ChildProcess, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const fail = (why: string) => {
      clearTimeout(deadline);
      reject(new Error(`wrangler dev (${name}) ${why}. Its output:\n${output.slice(-4000)}`));
    };
    const deadline = setTimeout(
      () => fail(`printed no "Ready on" line within ${READY_DEADLINE_MS} ms`),
      READY_DEADLINE_MS,
    );
    const onData = (data: Buffer) => {
      output += data.toString("utf8");
      const match = /Ready on (http:\/\/[^\s]+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(deadline);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      resolve(match[1]);
    };
    const onExit = (code: number | null) => fail(`exited (${code}) before it was ready`);
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (data: Buffer) => (output += data.toString("utf8")));
    child.once("exit", onExit);
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(-child.pid, "SIGTERM");
  const forced = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  }, 5_000);
  await exited;
  clearTimeout(forced);
}
