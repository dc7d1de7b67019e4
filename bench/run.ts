/**
 * `npm run bench`: what inflight costs per token, how it scales, and how close it is to a bare pass-through.
 * Serves the bare pass-through Worker (bench/bare) and inflight the same way, with Miniflare directly, in
 * front of the shared test upstream (scripts/upstream) running in its own process; then runs the engine
 * offline. Prints one table and writes it, with the machine and the command, into bench/RESULTS.md (between
 * the generated-section markers; notes outside them are kept).
 *
 *   npm run bench            # everything, ~3-5 minutes on 2 cores
 *   npm run bench -- --quick # fewer rounds, for checking the harness
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadavg } from "node:os";
import type { CompiledPack } from "../src/engine/compile";
import { estimateTokens } from "../src/engine/tokens";
import { tokenize } from "../scripts/upstream";
import { runAbort, type AbortRow } from "./abort";
import { runConcurrency, type ConcurrencyRow } from "./concurrency";
import { runEngine, type EngineRow } from "./engine";
import { agent } from "./lib/client";
import { loadCorpus, reasoningSamples } from "./lib/corpus";
import { describeMachine } from "./lib/machine";
import { firstVerdict, loadPacks } from "./lib/packs";
import { startUpstreamProcess } from "./lib/upstream";
import { bundleWorker, root, serveWorker } from "./lib/workers";
import { runStreaming, type StreamConfig, type StreamingRow } from "./streaming";

const quick = process.argv.includes("--quick");
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const notes: string[] = [];
const started = performance.now();
const machine = describeMachine();

// ---- What the bench streams -------------------------------------------------------------------------------
const { packs, notes: packNotes } = loadPacks();
notes.push(...packNotes);
const has = (name: string) => packs.has(name);
const pick = (names: readonly string[]) => names.filter(has).map((name) => packs.get(name)!);
const targetPacks = ["default", "math"].filter(has);
if (targetPacks.length < 2)
  notes.push(
    `pack ${["default", "math"].filter((n) => !has(n)).join(", ")} missing: the default+math row runs ${targetPacks.join("+") || "no packs"}`,
  );
const allPacks = [...packs.keys()];

/**
 * A long, clean completion every configuration lets through to the end: GSM8K reference reasoning (every
 * equation holds), joined until the token estimate reaches `tokens`. The math pack rejects reasoning past
 * 2,000 estimated tokens by design, so no longer stream can pass it.
 */
function cleanCompletion(tokens: number, checks: readonly CompiledPack[][]): { text: string; prompt: string } {
  const pool = reasoningSamples(loadCorpus());
  const used: typeof pool = [];
  for (const sample of pool) {
    const text = [...used, sample].map((s) => s.text).join("\n\n");
    const prompt = [...used, sample].map((s) => s.prompt).join("\n\n");
    if (checks.some((set) => firstVerdict(set, prompt, tokenize(text)).at >= 0)) continue;
    used.push(sample);
    if (estimateTokens(text) >= tokens) break;
  }
  return { text: used.map((s) => s.text).join("\n\n"), prompt: used.map((s) => s.prompt).join("\n\n") };
}

/** A clean prefix whose last upstream token makes the arithmetic rule certain: nothing follows it. */
function failingCompletion(prefix: string, prompt: string, set: readonly CompiledPack[]) {
  const pieces = tokenize(
    `${prefix}\n\nSo she pays 48 / 2 = 25 dollars in total. Then she walks home with the rest.\n`,
  );
  const verdict = firstVerdict(set, prompt, pieces);
  if (verdict.at < 0 || verdict.at >= pieces.length)
    throw new Error(`the failing completion does not fail before its end (${JSON.stringify(verdict)})`);
  const text = pieces.slice(0, verdict.at + 1).join("");
  return { text, prompt, rule: verdict.rule!, tokens: tokenize(text).length };
}

const streamSets = [pick(targetPacks), pick(allPacks)];
const long = cleanCompletion(1_800, streamSets);
const longTokens = tokenize(long.text).length;
const shortText = tokenize(long.text).slice(0, 150).join("");
// The question the short completion starts answering (a long prompt would make the test upstream the bottleneck).
const shortPrompt = long.prompt.split("\n\n")[0] ?? "";
/** The first `tokens` upstream tokens of the long completion, cut back to a line end. */
const lines = (tokens: number) => {
  const head = tokenize(long.text).slice(0, tokens).join("");
  return head.includes("\n") ? head.slice(0, head.lastIndexOf("\n")) : head;
};
const failing = failingCompletion(lines(200), long.prompt, pick(targetPacks));
const failingShort = failingCompletion(lines(40), long.prompt, pick(targetPacks));
log(`streaming ${longTokens} chunks (${(long.text.length / 1024).toFixed(0)} KiB of text) per completion`);

// ---- Workers under test ------------------------------------------------------------------------------------
const upstream = await startUpstreamProcess();
log("bundling both Workers with wrangler");
const [bareBundle, inflightBundle] = await Promise.all([
  bundleWorker("bare", "bench/bare/wrangler.toml"),
  bundleWorker("inflight", "wrangler.toml"),
]);
// No packs: DEFAULT_PACKS is empty and the no-pack requests name none; the others name theirs in the header.
const bare = await serveWorker("bare", "bench/bare/wrangler.toml", bareBundle, { UPSTREAM_BASE_URL: upstream.url });
// The bare Worker again, with every chunk moved through a JavaScript stream: the floor for any proxy that reads
// the stream in JavaScript, which attributes inflight's cost between workerd's streams and inflight's own work.
const jsPump = await serveWorker("bare-js-pump", "bench/bare/wrangler.toml", bareBundle, {
  UPSTREAM_BASE_URL: upstream.url,
  PUMP: "js",
});
const inflight = await serveWorker("inflight", "wrangler.toml", inflightBundle, {
  UPSTREAM_BASE_URL: upstream.url,
  DEFAULT_PACKS: "",
});

let streaming: StreamingRow[];
let aborts: AbortRow[];
let concurrency: ConcurrencyRow[];
try {
  const { model } = await upstream.control.scenario({ text: long.text, tokenDelayMs: 0 });
  const chat = (origin: string) => `${origin}/v1/chat/completions`;
  const configs: StreamConfig[] = [
    { name: "upstream directly", url: `${upstream.url}/chat/completions` },
    { name: "bare pass-through Worker", url: chat(bare.url), pid: bare.pid },
    { name: "bare Worker, JS stream pump (no parsing)", url: chat(jsPump.url), pid: jsPump.pid },
    { name: "inflight, no packs", url: chat(inflight.url), pid: inflight.pid },
    {
      name: `inflight, ${targetPacks.join(" + ")}`,
      url: chat(inflight.url),
      pid: inflight.pid,
      headers: { "x-inflight-rules": targetPacks.join(",") },
    },
    {
      name: `inflight, all packs (${allPacks.join(", ")})`,
      url: chat(inflight.url),
      pid: inflight.pid,
      headers: { "x-inflight-rules": allPacks.join(",") },
    },
  ];
  streaming = await runStreaming(
    configs,
    {
      model,
      prompt: long.prompt,
      tokens: longTokens,
      rounds: quick ? 3 : 9,
      streamsPerRound: quick ? 2 : 4,
      baseline: "bare pass-through Worker",
    },
    log,
  );

  const rules = targetPacks.join(",");
  aborts = [
    await runAbort(
      upstream,
      inflight.url,
      rules,
      failingShort,
      quick ? 30 : 150,
      2,
      `paced (a chunk every 2 ms), failing chunk is #${failingShort.tokens}`,
    ),
    await runAbort(
      upstream,
      inflight.url,
      rules,
      failing,
      quick ? 20 : 60,
      0,
      `as fast as possible, failing chunk is #${failing.tokens} (includes inflight's backlog)`,
    ),
  ];
  for (const row of aborts) log(`abort latency ${row.label}: p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms`);

  const paced = await upstream.control.scenario({ text: shortText, tokenDelayMs: 20 });
  const levels = quick ? [100] : [100, 300, 500];
  concurrency = [
    ...(await runConcurrency(
      {
        ...inflight,
        name: `inflight, ${targetPacks.join(" + ")}`,
        headers: { "x-inflight-rules": targetPacks.join(",") },
      },
      paced.model,
      shortPrompt,
      levels,
      log,
    )),
    ...(await runConcurrency(
      { ...bare, name: "bare pass-through Worker" },
      paced.model,
      shortPrompt,
      [levels.at(-1)!],
      log,
    )),
  ];
} finally {
  agent.destroy();
  await Promise.all([bare.stop(), jsPump.stop(), inflight.stop()]);
  await upstream.stop();
}

// ---- The engine offline, with the Workers stopped so they do not compete for the cores ----------------------
const engine: EngineRow[] = runEngine(packs, log);

// ---- Report ------------------------------------------------------------------------------------------------
const f = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "—");
/** Heap deltas under ~1 KiB (or below zero) are garbage-collector noise. */
const kib = (bytes: number) => (bytes < 1024 ? "< 1 KiB" : `${f(bytes / 1024, 1)} KiB`);
const pct = (ratio: number) => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : "—");
const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
const target = streaming.find((row) => row.name.startsWith(`inflight, ${targetPacks.join(" + ")}`));
const mathRow = engine.find((row) => row.pack === "math");

const sections = [
  `### 1. Streaming overhead (${longTokens} chunks per completion, as fast as the upstream can; ratios vs the bare pass-through, same round)`,
  table(
    [
      "configuration",
      "chunks/s",
      "vs bare",
      "TTFB ms",
      "TTFB added ms",
      "workerd CPU ms / 1M tokens",
      "CPU vs bare",
      "errors",
    ],
    streaming.map((r) => [
      r.name,
      f(r.chunksPerSec, 0),
      pct(r.throughputRatio),
      f(r.ttfbMs, 2),
      f(r.ttfbAddedMs, 2),
      f(r.cpuMsPerMTokens, 0),
      Number.isFinite(r.cpuRatio) ? `${f(r.cpuRatio, 2)}x` : "—",
      String(r.errors),
    ]),
  ),
  `### 2. Abort latency (failing chunk written by the upstream -> upstream sees its connection closed, as the upstream records it with performance.now(), sub-millisecond; rule \`${aborts[0]?.rule ?? "?"}\`, packs ${targetPacks.join(" + ")})`,
  table(
    ["upstream pace", "trials", "p50 ms", "p99 ms", "mean ms", "errors"],
    aborts.map((a) => [a.label, String(a.trials), f(a.p50Ms, 0), f(a.p99Ms, 0), f(a.meanMs, 2), String(a.errors)]),
  ),
  "### 3. Engine offline (one core; upstream-sized pieces; MB/s over the corpus text each pack read before its verdicts)",
  table(
    [
      "pack",
      "MB/s",
      "time per character vs no rules (same repetition)",
      "1k tokens ms",
      "10k ms",
      "100k ms",
      "100k/1k",
      "state/stream @1k",
      "state/stream @100k",
    ],
    engine.map((r) => [
      r.pack,
      f(r.mbPerSec, 2),
      `${f(r.vsNoRules, 1)}x`,
      f(r.ms1k, 2),
      f(r.ms10k, 1),
      f(r.ms100k, 0),
      f(r.ms100k / r.ms1k, 0),
      kib(r.stateBytes1k),
      kib(r.stateBytes100k),
    ]),
  ),
  "### 4. Concurrency (paced streams: 150 chunks, one every 20 ms) and memory",
  table(
    ["Worker", "streams", "errors", "TTFB p50 ms", "TTFB p99 ms", "wall s", "workerd RSS before MiB", "peak MiB"],
    concurrency.map((r) => [
      r.worker,
      String(r.streams),
      r.errors + (r.firstError ? ` (${r.firstError})` : ""),
      f(r.ttfbP50Ms, 1),
      f(r.ttfbP99Ms, 1),
      f(r.wallMs / 1000, 1),
      f(r.rssBeforeMiB, 0),
      f(r.peakMiB, 0),
    ]),
  ),
  "### Targets (reported, not asserted)",
  table(
    ["target", "measured", "met"],
    [
      [
        `inflight ${targetPacks.join("+")} keeps >= 90% of bare throughput`,
        pct(target?.throughputRatio ?? NaN),
        (target?.throughputRatio ?? 0) >= 0.9 ? "yes" : "**no**",
      ],
      [
        `inflight ${targetPacks.join("+")} adds < 1 ms TTFB`,
        `${f(target?.ttfbAddedMs ?? NaN, 2)} ms`,
        (target?.ttfbAddedMs ?? Infinity) < 1 ? "yes" : "**no**",
      ],
      [
        "abort latency p99 < 5 ms (paced upstream)",
        `${f(aborts[0]?.p99Ms ?? NaN, 0)} ms`,
        (aborts[0]?.p99Ms ?? Infinity) < 5 ? "yes" : "**no**",
      ],
      [
        "engine >= 50 MB/s per core with math",
        `${f(mathRow?.mbPerSec ?? NaN, 2)} MB/s`,
        (mathRow?.mbPerSec ?? 0) >= 50 ? "yes" : "**no**",
      ],
      [
        "100k/1k time ratio <= 120 (every pack)",
        engine.map((r) => `${r.pack} ${f(r.ms100k / r.ms1k, 0)}`).join(", "),
        engine.every((r) => r.ms100k / r.ms1k <= 120) ? "yes" : "**no**",
      ],
      [
        "500 concurrent streams, zero errors",
        concurrency
          .filter((r) => r.streams === 500)
          .map((r) => `${r.worker}: ${r.errors}`)
          .join(", ") || "not run",
        concurrency.some((r) => r.streams === 500) &&
        concurrency.filter((r) => r.streams === 500).every((r) => r.errors === 0)
          ? "yes"
          : "**no**",
      ],
    ],
  ),
  ...(notes.length > 0 ? ["Notes: " + notes.join("; ")] : []),
];
const report = sections.join("\n\n");
process.stdout.write(`${report}\n`);

const generated = [
  "<!-- bench:begin (generated by `npm run bench`; edit outside these markers) -->",
  `Latest run: ${new Date().toISOString()}, \`npm run bench${quick ? " -- --quick" : ""}\` (${f((performance.now() - started) / 1000, 0)} s)`,
  "",
  ...machine.map((line) => `- ${line}`),
  `- Load average at end: ${loadavg()
    .map((v) => v.toFixed(2))
    .join(", ")}`,
  "",
  report,
  "<!-- bench:end -->",
].join("\n");
const file = join(root, "bench/RESULTS.md");
const previous = existsSync(file)
  ? readFileSync(file, "utf8")
  : "# Benchmark results\n\n<!-- bench:begin -->\n<!-- bench:end -->\n";
const begin = previous.indexOf("<!-- bench:begin");
const end = previous.indexOf("<!-- bench:end -->");
const next =
  begin >= 0 && end > begin
    ? previous.slice(0, begin) + generated + previous.slice(end + "<!-- bench:end -->".length)
    : `${previous.trimEnd()}\n\n${generated}\n`;
writeFileSync(file, next);
log(`wrote bench/RESULTS.md in ${f((performance.now() - started) / 1000, 0)} s`);
