/**
 * `npm run --silent replay -- [FILE.jsonl | -] [--rules a,b] [--only ...] [--jsonl | --json]`: runs rule packs
 * offline over stored generations, with the engine the Worker runs (fed in token-sized pieces), and reports where
 * each sample would have been stopped and how many tokens that would have saved. The input is read line by line
 * (a file, or stdin), in memory that does not grow with its size. Input shapes: see `readStoredGeneration`.
 *
 * Exit status: 0 after a run (whatever the verdicts), 2 for a usage error, an unknown pack or an unreadable file.
 */
import { once } from "node:events";
import { createReadStream, fstatSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createLineSplitter, type InputLine } from "./lib/read-lines";
import {
  createReplayer,
  createReplaySummary,
  formatLine,
  formatSummary,
  jsonlRecord,
  type LineResult,
  type ReplayShown,
} from "./lib/replay-core";
import { createProgress } from "./lib/replay-progress";
import { loadAllPacks, selectPacks } from "./lib/packs";

export {
  createReplayer,
  createReplaySummary,
  replayLines,
  type ReplayReport,
  type ReplaySample,
  type ReplayStatus,
  type ReplayTotals,
  type UnreadableSample,
} from "./lib/replay-core";

const SHOWN: readonly ReplayShown[] = ["rejected", "exit", "flagged", "accepted", "unreadable"];

const USAGE = "usage: npm run --silent replay -- [FILE.jsonl | -] [--rules a,b] [--only STATUS,...] [--jsonl | --json]";

const HELP = `${USAGE}

Runs rule packs over stored generations (one JSON object per line) with the Worker's own engine, and reports
where each sample would have been stopped and the tokens that would have been saved. FILE is read line by line,
in constant memory; without FILE, or with -, stdin is read.

  --rules a,b          packs to run, in order (default: default)
  --only STATUS,...    show only these samples: ${SHOWN.join(", ")}
                       (default: all but accepted; with --jsonl, all)
  --jsonl              one JSON result per sample on stdout, with the input line's own id and custom_id;
                       the summary goes to stderr
  --json               the summary alone, as one JSON document on stdout
  -h, --help           this help

The summary counts samples per outcome and per rule, and the tokens that would have been saved. Progress (lines,
rate, and the share read and time left when the input's size is known) is drawn on stderr when it is a terminal.
Exit status: 0 after a run, whatever the verdicts; 2 for a usage error, an unknown pack or an unreadable file.`;

type Mode = "text" | "jsonl" | "json";

function usageError(message: string): number {
  console.error(`${message}\n${USAGE}\n(--help for more)`);
  return 2;
}

/**
 * A writer that batches small writes (the caller flushes after each input chunk, so results follow the input as it
 * arrives) and waits when the reader is slower, so output never piles up in memory.
 */
function createOutput(stream: NodeJS.WriteStream, beforeWrite: () => void) {
  const interactive = stream.isTTY === true;
  let buffered: string[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    beforeWrite();
    const text = buffered.join("");
    buffered = [];
    size = 0;
    if (!stream.write(text)) await once(stream, "drain");
  };
  return {
    async write(text: string): Promise<void> {
      buffered.push(text);
      size += text.length;
      if (interactive || size >= 1 << 16) await flush();
    },
    flush,
  };
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        rules: { type: "string", default: "default" },
        only: { type: "string" },
        jsonl: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (args.values.help) {
    console.log(HELP);
    return 0;
  }
  const { values, positionals } = args;
  if (positionals.length > 1) return usageError(`one input at most, got ${positionals.length}`);
  if (values.json && values.jsonl) return usageError("--json and --jsonl both write stdout: choose one");
  if (values.json && values.only !== undefined) return usageError("--only picks samples to show; --json shows none");
  const mode: Mode = values.jsonl ? "jsonl" : values.json ? "json" : "text";
  const only = values.only?.split(",").map((status) => status.trim());
  const unknown = only?.filter((status) => !SHOWN.includes(status as ReplayShown)) ?? [];
  if (only?.length === 0 || unknown.length > 0)
    return usageError(`--only takes ${SHOWN.join(", ")}; got "${values.only}"`);
  const shown = new Set<ReplayShown>(
    (only as ReplayShown[] | undefined) ?? (mode === "jsonl" ? SHOWN : SHOWN.filter((s) => s !== "accepted")),
  );

  const file = positionals[0] === undefined || positionals[0] === "-" ? undefined : positionals[0];
  if (file === undefined && process.stdin.isTTY) return usageError("no input: give FILE.jsonl, or pipe lines to stdin");
  let totalBytes: number | undefined;
  try {
    const stat = file === undefined ? fstatSync(0) : statSync(file);
    if (stat.isFile()) totalBytes = stat.size;
    else if (file !== undefined && stat.isDirectory()) throw new Error("is a directory");
  } catch (error) {
    console.error(`cannot read ${file ?? "stdin"}: ${(error as Error).message}`);
    return 2;
  }

  const all = loadAllPacks();
  if (!all.ok) {
    console.error(all.error);
    return 2;
  }
  const packs = selectPacks(all.value, values.rules);
  if (!packs.ok) {
    console.error(packs.error);
    return 2;
  }

  const progress = process.stderr.isTTY
    ? createProgress({
        write: (text) => process.stderr.write(text),
        now: () => performance.now(),
        ...(totalBytes !== undefined ? { totalBytes } : {}),
      })
    : undefined;
  // Output that shares the terminal with the progress line erases it first; the next update draws it again.
  const stdout = createOutput(process.stdout, () => (process.stdout.isTTY ? progress?.clear() : undefined));
  const summary = createReplaySummary();
  const replayer = createReplayer(packs.value);
  let printed = false;
  const show = async (result: LineResult) => {
    if (mode === "text") {
      const lines = formatLine(result, shown);
      if (lines.length > 0) await stdout.write(`${lines.join("\n")}\n`);
      printed ||= lines.length > 0;
      return;
    }
    const entries = [...result.samples, ...result.unreadable].filter((entry) =>
      shown.has("error" in entry ? "unreadable" : entry.status),
    );
    for (const entry of entries) await stdout.write(`${jsonlRecord(entry)}\n`);
  };

  const input = file === undefined ? process.stdin : createReadStream(file);
  const splitter = createLineSplitter();
  let line = 0;
  let bytes = 0;
  const handle = async (lines: readonly InputLine[]) => {
    for (const { text, bytes: size } of lines) {
      line += 1;
      bytes += size;
      const result = replayer.line(text, line);
      summary.add(result);
      if (mode !== "json") await show(result);
    }
    await stdout.flush();
    progress?.update(line, bytes);
  };
  try {
    for await (const chunk of input) await handle(splitter.push(chunk as Buffer));
    await handle(splitter.end());
  } catch (error) {
    progress?.clear();
    console.error(`cannot read ${file ?? "stdin"} after line ${line}: ${(error as Error).message}`);
    return 2;
  }
  await stdout.flush();
  progress?.clear();

  const totals = summary.totals();
  const rules = packs.value.map((pack) => pack.name);
  if (mode === "json") await stdout.write(`${JSON.stringify({ file: file ?? "-", rules, ...totals }, null, 2)}\n`);
  else if (mode === "jsonl") process.stderr.write(`${formatSummary(totals)}\n`);
  else await stdout.write(`${printed ? "\n" : ""}${formatSummary(totals)}\n`);
  await stdout.flush();
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // A reader that goes away (`| head`) ends the run quietly, as for any command-line filter.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
