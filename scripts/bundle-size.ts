/**
 * `npm run build:check [-- --top N] [-- --budget-kib K]`: bundles the Worker as `wrangler deploy` would, without
 * deploying (`wrangler deploy --dry-run`, output and esbuild metafile in .wrangler/dry-run), and exits 1 when the
 * upload is over the budget (400 KiB; README: Deploying), listing the heaviest packages and files. `--top N` lists
 * them on success too. A size budget, not a timing: the same build always gives the same size.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { budgetVerdict, heaviestModules, parseUploadSize, UPLOAD_BUDGET_KIB, type Metafile } from "./lib/bundle-size";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const OUT_DIR = ".wrangler/dry-run";
const METAFILE = `${OUT_DIR}/meta.json`;
const KIB = 1024;

const { values } = parseArgs({
  options: {
    top: { type: "string" },
    "budget-kib": { type: "string", default: String(UPLOAD_BUDGET_KIB) },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  process.stdout.write(
    "Usage: npm run build:check [-- --top N] [-- --budget-kib K]\n" +
      `Bundles the Worker with wrangler deploy --dry-run and fails when it uploads more than ${UPLOAD_BUDGET_KIB} KiB.\n`,
  );
  process.exit(0);
}
const budget = Number(values["budget-kib"]);
const top = values.top === undefined ? undefined : Number(values.top);
if (!(budget > 0) || (top !== undefined && !(Number.isInteger(top) && top > 0))) {
  process.stderr.write("--budget-kib takes a positive number of KiB, --top a positive whole number.\n");
  process.exit(2);
}

/** Runs wrangler, passing its output through, and resolves with its exit code and everything it wrote. */
function wrangler(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, "node_modules/.bin/wrangler"), args, {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString("utf8");
      process.stdout.write(data);
    });
    child.stderr.on("data", (data: Buffer) => {
      output += data.toString("utf8");
      process.stderr.write(data);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

const built = await wrangler(["deploy", "--dry-run", "--outdir", OUT_DIR, "--metafile", METAFILE]);
if (built.code !== 0) process.exit(built.code ?? 1);
const size = parseUploadSize(built.output);
if (!size) {
  process.stderr.write('wrangler printed no "Total Upload" line: the bundle size could not be checked.\n');
  process.exit(1);
}
const verdict = budgetVerdict(size, budget);
const list = !verdict.ok ? (top ?? 10) : top;
process.stdout.write(`\n${verdict.line}\n`);
if (list !== undefined) {
  const meta = JSON.parse(readFileSync(join(root, METAFILE), "utf8")) as Metafile;
  process.stdout.write(`Heaviest packages and files (KiB in the uploaded bundle):\n`);
  for (const { module, bytes } of heaviestModules(meta, list))
    process.stdout.write(`${(bytes / KIB).toFixed(1).padStart(8)}  ${module}\n`);
}
process.exit(verdict.ok ? 0 : 1);
