/**
 * `npm start`: runs the Worker under `wrangler dev` on 127.0.0.1:$PORT (default 8787). Each upstream is taken
 * from the environment, else from `.dev.vars` (or the files given with `--env-file`, as `wrangler dev` reads them):
 * `UPSTREAM_BASE_URL` for chat, completions and Responses, `ANTHROPIC_BASE_URL` for Messages. An upstream set in
 * neither is the built-in demo upstream, started on a free local port (see scripts/demo for which prompt gets which
 * answer), so every API answers on a fresh machine. Extra arguments go to `wrangler dev`, e.g.
 * `npm start -- --log-level debug`.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEMO_KEYWORDS, startDemoUpstream } from "./demo";
import type { Upstream } from "./upstream";

const root = fileURLToPath(new URL("..", import.meta.url));
const port = process.env.PORT ?? "8787";
const passthrough = process.argv.slice(2);
const local = localVars(passthrough);

/** The upstreams `npm start` sets, and the routes each serves. */
const UPSTREAMS = [
  {
    name: "UPSTREAM_BASE_URL",
    routes: "/v1/chat/completions, /v1/completions, /v1/responses",
    demoUrl: (url: URL) => url.href,
  },
  { name: "ANTHROPIC_BASE_URL", routes: "/v1/messages", demoUrl: (url: URL) => url.origin },
] as const;

const args = ["dev", "--port", port, "--ip", "127.0.0.1"];
let demo: Upstream | undefined;
for (const { name, routes, demoUrl } of UPSTREAMS) {
  const fromEnv = process.env[name];
  if (fromEnv) {
    args.push("--var", `${name}:${fromEnv}`);
    console.log(`[inflight] ${routes} -> ${fromEnv} (from ${name})`);
  } else if (local.vars[name]) {
    console.log(`[inflight] ${routes} -> ${local.vars[name]} (${name} from ${local.source})`);
  } else {
    demo ??= await startDemoUpstream();
    const url = demoUrl(new URL(demo.url));
    args.push("--var", `${name}:${url}`);
    console.log(`[inflight] ${routes} -> the built-in DEMO upstream at ${url} (no ${name} set)`);
  }
}
if (demo) {
  for (const { words, name } of DEMO_KEYWORDS)
    console.log(`[inflight]   demo: a prompt with ${words.map((word) => `"${word}"`).join(" / ")} -> ${name}`);
  console.log(`[inflight]   demo: any other prompt -> a clean answer`);
}
args.push(...passthrough);

const wrangler = spawn(`${root}node_modules/.bin/wrangler`, args, { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (wrangler.exitCode === null) wrangler.kill(signal);
  });
}
wrangler.on("error", async (error) => {
  console.error(`[inflight] could not run wrangler: ${error.message}`);
  await demo?.close();
  process.exit(1);
});
wrangler.on("exit", async (code, signal) => {
  await demo?.close();
  process.exit(code ?? (signal ? 128 + signalNumber(signal) : 1));
});

/**
 * The variables `wrangler dev` will read by itself: from the `--env-file` files among its arguments when there are
 * any, else from `.dev.vars` (later files win, as in wrangler).
 */
function localVars(wranglerArgs: readonly string[]): { vars: Record<string, string>; source: string } {
  const { values } = parseArgs({
    args: [...wranglerArgs],
    options: { "env-file": { type: "string", multiple: true } },
    strict: false,
    allowPositionals: true,
  });
  const given = values["env-file"];
  const files = Array.isArray(given) ? given.filter((file) => typeof file === "string") : [];
  const paths = files.length > 0 ? files.map((file) => resolve(file)) : [`${root}.dev.vars`];
  const vars: Record<string, string> = {};
  for (const path of paths) if (existsSync(path)) Object.assign(vars, parseDotEnv(readFileSync(path, "utf8")));
  return { vars, source: files.length > 0 ? files.join(", ") : ".dev.vars" };
}

/** `NAME=value` lines, values unquoted; comments and blank lines skipped. */
function parseDotEnv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1]) vars[match[1]] = (match[2] ?? "").replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1;
}
