/**
 * `npm run bench:replay [-- N ... [--rules a,b]]`: the peak memory (VmHWM) of `npm run replay` over N generated lines
 * (default 10,000, 100,000 and 1,000,000), piped through stdin with `--jsonl` and its output read back, as a
 * pipeline would run it. The lines are generated while they are written, never stored. Replay runs in constant
 * memory when the peak does not grow with N, and when it completes under a small `--heap` cap (MiB of V8 old space).
 * Linux only (reads /proc).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { statusKiB } from "./lib/proc";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Line `i` of the generated input: clean and wrong arithmetic, a two-choice chat.completion, a runaway loop. */
export function generatedLine(i: number): string {
  const a = 3 + (i % 17);
  const b = 4 + (i % 13);
  const question = `A shop packs ${a} boxes of ${b} pens. How many pens are there?`;
  switch (i % 10) {
    case 0:
    case 1:
      return JSON.stringify({
        id: `q${i}`,
        question,
        output: `${a} * ${b} = ${a * b + 1} pens.\nThe answer is ${a * b + 1}.`,
      });
    case 2:
      return JSON.stringify({
        id: `chatcmpl-${i}`,
        object: "chat.completion",
        choices: [
          { index: 0, message: { role: "assistant", content: `There are ${a * b} pens.` } },
          { index: 1, message: { role: "assistant", content: `${a} * ${b} = ${a * b}. So ${a * b} pens.` } },
        ],
      });
    case 3:
      return JSON.stringify({ id: `q${i}`, question, output: `Let me count the pens again. `.repeat(12) });
    default:
      return JSON.stringify({ id: `q${i}`, question, output: `${a} * ${b} = ${a * b} pens.\nThe answer is ${a * b}.` });
  }
}

interface Measurement {
  lines: number;
  inputMiB: number;
  outputLines: number;
  seconds: number;
  peakMiB: number;
}

async function measure(lines: number, rules: string, heapMiB?: number): Promise<Measurement> {
  const started = performance.now();
  const limit = heapMiB === undefined ? [] : [`--max-old-space-size=${heapMiB}`];
  const child = spawn(
    join(root, "node_modules/.bin/node"),
    [...limit, "--import", "tsx", "scripts/replay.ts", "-", "--rules", rules, "--jsonl"],
    { cwd: root, stdio: ["pipe", "pipe", "ignore"] },
  );
  const pid = child.pid!;
  let peakKiB = 0;
  // VmHWM only grows, so its last reading before the process exits is its peak.
  const sample = () => {
    try {
      const kib = statusKiB(pid, "VmHWM");
      // An exiting process has a status without memory fields (NaN): its last reading stands.
      if (Number.isFinite(kib)) peakKiB = Math.max(peakKiB, kib);
    } catch {
      // exited between two readings
    }
  };
  const poll = setInterval(sample, 100);
  let outputLines = 0;
  child.stdout.on("data", (data: Buffer) => {
    for (let at = data.indexOf(10); at >= 0; at = data.indexOf(10, at + 1)) outputLines += 1;
    sample();
  });
  const exited = once(child, "exit");
  let bytes = 0;
  for (let i = 0; i < lines; i += 1) {
    const line = `${generatedLine(i)}\n`;
    bytes += Buffer.byteLength(line);
    if (!child.stdin.write(line)) await once(child.stdin, "drain");
  }
  child.stdin.end();
  const [code] = await exited;
  clearInterval(poll);
  if (code !== 0) throw new Error(`replay exited with ${code}`);
  return {
    lines,
    inputMiB: bytes / 2 ** 20,
    outputLines,
    seconds: (performance.now() - started) / 1000,
    peakMiB: peakKiB / 1024,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    // --heap MiB caps V8's old space: a run that held on to its input or its results would die out of memory.
    options: { rules: { type: "string", default: "default" }, heap: { type: "string" } },
  });
  const heap = values.heap === undefined ? undefined : Number(values.heap);
  const sizes = positionals.length > 0 ? positionals.map(Number) : [10_000, 100_000, 1_000_000];
  const capped = heap === undefined ? "" : `, --max-old-space-size=${heap}`;
  console.log(
    `replay --rules ${values.rules} --jsonl, stdin from a generator, stdout read back (Node ${process.version}${capped})`,
  );
  console.log("| lines | input | results written | time | lines/s | peak RSS |");
  console.log("| --: | --: | --: | --: | --: | --: |");
  for (const lines of sizes) {
    const m = await measure(lines, values.rules, heap);
    const n = (x: number) => Math.round(x).toLocaleString("en-US");
    console.log(
      `| ${n(m.lines)} | ${m.inputMiB.toFixed(1)} MiB | ${n(m.outputLines)} | ${m.seconds.toFixed(1)} s | ` +
        `${n(m.lines / m.seconds)} | ${m.peakMiB.toFixed(0)} MiB |`,
    );
  }
}
