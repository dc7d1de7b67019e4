/**
 * The Worker's size budget: what `wrangler deploy --dry-run` reports as uploaded, checked against a limit, and
 * what weighs most in the bundle (from esbuild's metafile) when it is over. Pure: the CLI (scripts/bundle-size.ts)
 * runs wrangler.
 */

/** Most the Worker may upload, in KiB (1,024 bytes), as wrangler's "Total Upload" counts it (source maps apart). */
export const UPLOAD_BUDGET_KIB = 400;

/** Sizes wrangler reports for one build, in KiB. */
export interface UploadSize {
  kib: number;
  gzipKib: number;
}

// Wrangler colours the figures (green, yellow or red by how close they are to Cloudflare's limit): ESC [ ... m.
const ANSI = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`, "g");

/** The sizes in wrangler's `Total Upload: 287.44 KiB / gzip: 98.22 KiB` line; undefined when there is none. */
export function parseUploadSize(output: string): UploadSize | undefined {
  const match = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output.replace(ANSI, ""));
  return match ? { kib: Number(match[1]), gzipKib: Number(match[2]) } : undefined;
}

/** The part of esbuild's metafile this reads: each output file's bytes per input module. */
export interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

/** A package (`zod`, `hono`, `@scope/name`) or a source file, and the bytes it adds to the Worker. */
export interface ModuleWeight {
  module: string;
  bytes: number;
}

/** The module an input belongs to: its npm package when it comes from node_modules, else its own path. */
function moduleOf(input: string): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return inPackage ? inPackage[1]! : input.replace(/^(\.\.\/)+/, "");
}

/** The `top` heaviest packages and source files of the Worker's JavaScript, heaviest first. */
export function heaviestModules(meta: Metafile, top: number): ModuleWeight[] {
  const weights = new Map<string, number>();
  for (const [file, output] of Object.entries(meta.outputs)) {
    if (!file.endsWith(".js")) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const module = moduleOf(input);
      weights.set(module, (weights.get(module) ?? 0) + bytesInOutput);
    }
  }
  return [...weights]
    .map(([module, bytes]) => ({ module, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.module.localeCompare(b.module))
    .slice(0, top);
}

/** The one-line verdict, and whether the size is within the budget. */
export function budgetVerdict(size: UploadSize, budgetKib: number): { ok: boolean; line: string } {
  const ok = size.kib <= budgetKib;
  const figures = `${size.kib.toFixed(2)} KiB uploaded (gzip ${size.gzipKib.toFixed(2)} KiB)`;
  return {
    ok,
    line: ok
      ? `Worker bundle: ${figures}, within the ${budgetKib} KiB budget.`
      : `Worker bundle: ${figures}, over the ${budgetKib} KiB budget by ${(size.kib - budgetKib).toFixed(2)} KiB.`,
  };
}
