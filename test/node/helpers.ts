import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root, with a trailing slash. */
export const root = fileURLToPath(new URL("../..", import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command from the project's `node_modules/.bin` (so it gets the project's Node 22, as under `npm run`) and
 * resolves when it exits, with everything it wrote. `input` is written to its stdin.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const bin = join(root, "node_modules/.bin");
    const child = spawn(join(bin, command), args, {
      cwd: options.cwd ?? root,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        NO_COLOR: "1",
        FORCE_COLOR: "0",
        WRANGLER_SEND_METRICS: "false",
        ...options.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data: Buffer) => (stdout += data.toString("utf8")));
    child.stderr.on("data", (data: Buffer) => (stderr += data.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** The README, or one `## ` section of it (up to the next `## ` heading). */
export function readme(section?: string): string {
  return doc("README.md", section);
}

/** A Markdown file of the repository (`docs/api.md`), or one `## ` section of it (up to the next `## ` heading). */
export function doc(path: string, section?: string): string {
  const text = readFileSync(join(root, path), "utf8");
  if (section === undefined) return text;
  const start = text.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`${path} has no "## ${section}" section`);
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The secrets' names, as `.dev.vars.example` declares them for `npm run types` (`NAME=` lines). */
export function secretNames(): string[] {
  return readFileSync(join(root, ".dev.vars.example"), "utf8")
    .split("\n")
    .flatMap((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1] ?? []);
}
