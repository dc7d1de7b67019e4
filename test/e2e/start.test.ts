import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const READY_DEADLINE_MS = 60_000;

/** What each of the Quick start's curl examples must show, by the route it calls. */
const EXPECTED: Record<string, RegExp> = {
  "/v1/chat/completions": /"code":"repetition-loop"/,
  "/v1/messages":
    /event: error\ndata: \{"type":"error","error":\{"type":"inflight_rejection".*"error_code":"repetition-loop"/,
  "/v1/responses": /event: error\ndata: .*"code":"json\.syntax"/,
  "/v1/completions": /"code":"math\.arithmetic".*"evidence":"96 \/ 4 = 26"/,
};

/** `.ci/run` creates this venv with test/e2e/python/requirements.txt; `INFLIGHT_PYTHON` points elsewhere. */
const python = process.env.INFLIGHT_PYTHON ?? join(root, ".venv/bin/python");

/** What each language's client example must print: both rejections, with the rule, the offset and the usage. */
const EXAMPLE_OUTPUT = [
  /\nrejected: math\.arithmetic at token \d+: .*96 \/ 4 = 26.*\nusage: \d+ tokens, outcome rejected\n/,
  /\nrejected: repetition-loop at token \d+\nusage: \d+ tokens, about \d+ saved \(loop_to_max_tokens\)\n/,
];

const readme = () => readFileSync(join(root, "README.md"), "utf8");

/** The code blocks the README marks to be run (`<!-- run: ts -->` on the line before the fence), by language. */
function runnableExamples(): Record<string, string[]> {
  const examples: Record<string, string[]> = {};
  for (const match of readme().matchAll(/<!-- run: ([a-z]+) -->\n```[a-z]*\n([\s\S]*?)\n```/g))
    (examples[match[1]!] ??= []).push(`${match[2]!}\n`);
  return examples;
}

/** The Quick start section's `curl` commands, continuation lines joined. */
function quickStartCurls(): string[] {
  const text = readme();
  const start = text.indexOf("\n## Quick start\n");
  const section = text.slice(start, text.indexOf("\n## ", start + 1));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, "").split("\n"))
    .filter((line) => line.startsWith("curl "));
}

describe("npm start with no upstream configured", () => {
  let child: ChildProcess;
  let port: number;
  let dir: string;
  let output = "";

  beforeAll(async () => {
    port = await unusedPort();
    // Its own state and env file, so that a developer's .dev.vars or local keys change nothing here.
    dir = mkdtempSync(join(tmpdir(), "inflight-start-"));
    writeFileSync(join(dir, "local.env"), "ONLY_ON_THIS_MACHINE=1\n");
    // An empty upstream is an unset one, for npm start as for the Worker.
    const env = {
      ...process.env,
      UPSTREAM_BASE_URL: "",
      ANTHROPIC_BASE_URL: "",
      PORT: String(port),
      NO_COLOR: "1",
      WRANGLER_SEND_METRICS: "false",
    };
    const args = ["scripts/start.ts", "--persist-to", join(dir, "state"), "--env-file", join(dir, "local.env")];
    child = spawn(join(root, "node_modules/.bin/tsx"), args, {
      cwd: root,
      detached: true,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (data: Buffer) => (output += data.toString("utf8")));
    child.stderr?.on("data", (data: Buffer) => (output += data.toString("utf8")));
    await ready(child, () => output);
  }, READY_DEADLINE_MS + 10_000); // a cold first `wrangler dev` on a fresh clone outlasts a hook's default 10 s

  afterAll(async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }, 15_000);

  it("serves every API from the demo upstream, and says so", () => {
    expect(output).toMatch(/\/v1\/chat\/completions, \/v1\/completions, \/v1\/responses -> the built-in DEMO upstream/);
    expect(output).toMatch(/\/v1\/messages -> the built-in DEMO upstream/);
    expect(output).not.toMatch(/types might be out of date/i);
  });

  it("answers the README's Quick start curl examples for all four APIs as the README says", async () => {
    const curls = quickStartCurls();
    const routes = curls.map((command) => /http:\/\/localhost:8787(\/v1\/[a-z/]+)/.exec(command)?.[1]);
    expect(routes.sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const command of curls) {
      const route = /http:\/\/localhost:8787(\/v1\/[a-z/]+)/.exec(command)![1]!;
      const result = await shell(command.replace("http://localhost:8787", `http://127.0.0.1:${port}`));
      expect({ route, code: result.code }).toEqual({ route, code: 0 });
      expect(result.stdout, route).toMatch(EXPECTED[route]!);
    }
  });

  describe("the README's client examples, run as written with no API key set", () => {
    const examples = runnableExamples();
    // The SDKs refuse to start without a key: the examples must fall back to a placeholder, so none is set here.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => name !== "OPENAI_API_KEY" && name !== "ANTHROPIC_API_KEY"),
    ) as NodeJS.ProcessEnv;
    const source = (code: string) => code.replaceAll("http://localhost:8787", `http://127.0.0.1:${port}`);

    it("are marked: one TypeScript and one Python block", () => {
      expect(Object.fromEntries(Object.entries(examples).map(([lang, blocks]) => [lang, blocks.length]))).toEqual({
        ts: 1,
        py: 1,
      });
    });

    it("TypeScript (tsx, the official openai and @anthropic-ai/sdk): both rejections and their usage read from the exceptions", async () => {
      // Beside the project's node_modules, so that the example's imports resolve as in a project that installed them.
      symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
      const file = join(dir, "example.mts");
      writeFileSync(file, source(examples.ts![0]!));
      // As a user's strict project compiles it: tsx alone would run code whose types are wrong.
      const tsc = ["--noEmit", "--strict", "--module", "nodenext", "--target", "es2022", "--types", "node", file];
      const compiled = await execute(join(root, "node_modules/.bin/tsc"), [...tsc, "--skipLibCheck"], env, dir);
      expect(compiled).toEqual({ code: 0, stdout: "" });
      const result = await execute(join(root, "node_modules/.bin/tsx"), [file], env, dir);
      expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(EXAMPLE_OUTPUT[0]!) });
      expect(result.stdout).toMatch(EXAMPLE_OUTPUT[1]!);
    }, 60_000);

    it("Python (the official openai and anthropic SDKs): both rejections and their usage read from the exceptions", async () => {
      if (!existsSync(python))
        throw new Error(
          `${python} not found: create it with \`python3 -m venv .venv && .venv/bin/pip install -r ` +
            "test/e2e/python/requirements.txt` (.ci/run does), or set INFLIGHT_PYTHON",
        );
      const file = join(dir, "example.py");
      writeFileSync(file, source(examples.py![0]!));
      const result = await execute(python, [file], env, dir);
      expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(EXAMPLE_OUTPUT[0]!) });
      expect(result.stdout).toMatch(EXAMPLE_OUTPUT[1]!);
    }, 60_000);
  });
});

/** Runs a program to its end; its stderr goes to the test's output. */
function execute(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (data: Buffer) => (stdout += data.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
  });
}

function shell(command: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", command], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (data: Buffer) => (stdout += data.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
  });
}

function ready(child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => fail("printed no Ready line"), READY_DEADLINE_MS);
    const fail = (why: string) => {
      clearTimeout(deadline);
      reject(new Error(`npm start ${why}. Its output:\n${output().slice(-4000)}`));
    };
    const onData = () => {
      if (!/Ready on http/.test(output())) return;
      clearTimeout(deadline);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      resolve();
    };
    const onExit = (code: number | null) => fail(`exited (${code})`);
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
