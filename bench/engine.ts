/**
 * Section 3: the inspection engine offline, in this process (one core): MB/s of completion text per pack over
 * the corpus, time for one 1k/10k/100k-token output, and retained state per stream.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { CompiledPack } from "../src/engine/compile";
import { createInspection } from "../src/engine/inspection";
import { tokenize } from "../scripts/upstream";
import { loadCorpus, reasoningSamples, type Sample } from "./lib/corpus";
import { contextFor, firstVerdict } from "./lib/packs";
import { median } from "./lib/stats";

export interface EngineRow {
  pack: string;
  mbPerSec: number;
  /**
   * Time per character against an inspection with no rules over the same text (the token counter and the stream
   * bookkeeping alone), measured in the same repetition: what the pack's rules cost, whatever the machine's speed.
   */
  vsNoRules: number;
  /** Share of the corpus text the pack read before its verdicts stopped the streams. */
  readShare: number;
  ms1k: number;
  ms10k: number;
  ms100k: number;
  /** Tokens the long output reached (100k unless a rule stopped it). */
  reached100k: number;
  stateBytes1k: number;
  stateBytes100k: number;
  note?: string;
}

interface Prepared {
  prompt: string;
  pieces: string[];
}

const KEY = { choice: 0, channel: "content" as const };
/** Corpus text per pack and repetition; the whole corpus (~8 MB) would take minutes at the slower packs. */
const CORPUS_BYTES = 1_500_000;

/** Runs one inspection over the pieces until a verdict; returns the UTF-16 units read. */
function inspect(packs: readonly CompiledPack[], sample: Prepared): number {
  const inspection = createInspection(packs, contextFor(sample.prompt));
  let read = 0;
  for (const piece of sample.pieces) {
    read += piece.length;
    if (inspection.push(KEY, piece)) return read;
  }
  inspection.end(0);
  return read;
}

/** An evenly spread, fixed subset of the corpus of about `bytes` bytes, split as the upstream streams it. */
function corpusSubset(corpus: readonly Sample[], bytes: number): Prepared[] {
  const total = corpus.reduce((sum, sample) => sum + sample.text.length, 0);
  const step = Math.max(1, Math.round(total / bytes));
  return corpus
    .filter((_, i) => i % step === 0)
    .map((sample) => ({ prompt: sample.prompt, pieces: tokenize(sample.text) }));
}

/**
 * One long output of `tokens` upstream tokens that the pack lets through: samples that pass on their own,
 * joined by blank lines. The math pack's solution budget (4,000 tokens by design) is lifted for this, or no
 * output could get past 4k tokens.
 */
function longOutput(pack: CompiledPack, pool: readonly Sample[], tokens: number): Prepared {
  const pieces: string[] = [];
  const prompts: string[] = [];
  for (let round = 0; pieces.length < tokens && round < 50; round += 1) {
    for (const sample of pool) {
      if (pieces.length >= tokens) break;
      const own = tokenize(`${pieces.length > 0 ? "\n\n" : ""}${sample.text}`);
      if (round === 0 && firstVerdict([pack], sample.prompt, tokenize(sample.text)).at >= 0) continue;
      pieces.push(...own);
      if (prompts.length < 50) prompts.push(sample.prompt);
    }
  }
  return { prompt: prompts.join("\n\n"), pieces: pieces.slice(0, tokens) };
}

function withoutBudgets(pack: CompiledPack): CompiledPack {
  return {
    ...pack,
    rules: pack.rules.filter((rule) => rule.validator !== "length-budget" && rule.validator !== "solution-budget"),
  };
}

/**
 * Median ms for one output, timing `batch` outputs back to back per repetition so that every size does about
 * the same total work (and pays its share of garbage collection, which a median of single short runs would skip).
 */
function timeOne(packs: readonly CompiledPack[], sample: Prepared, batch: number, reps: number): number {
  const times: number[] = [];
  for (let i = 0; i <= reps; i += 1) {
    const start = performance.now();
    for (let j = 0; j < batch; j += 1) inspect(packs, sample);
    if (i > 0) times.push((performance.now() - start) / batch);
  }
  return median(times);
}

/** Heap retained per inspection after `pieces`, averaged over `count` live inspections. */
function stateBytes(packs: readonly CompiledPack[], sample: Prepared, count: number): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const keep: unknown[] = [];
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i += 1) {
    const inspection = createInspection(packs, contextFor(sample.prompt));
    for (const piece of sample.pieces) if (inspection.push(KEY, piece)) break;
    keep.push(inspection);
  }
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  keep.length = 0;
  return (after - before) / count;
}

export function runEngine(packs: ReadonlyMap<string, CompiledPack>, log: (line: string) => void): EngineRow[] {
  const corpus = loadCorpus();
  const subset = corpusSubset(corpus, CORPUS_BYTES);
  const subsetChars = subset.reduce((sum, s) => sum + s.pieces.reduce((n, p) => n + p.length, 0), 0);
  const pool = [...reasoningSamples(corpus), ...corpus.filter((s) => s.source === "halueval-chat")];
  const rows: EngineRow[] = [];
  /** MB/s of `packs` over the subset, and the characters read. */
  const rate = (packs: readonly CompiledPack[]) => {
    let read = 0;
    const start = performance.now();
    for (const sample of subset) read += inspect(packs, sample);
    return { mbPerSec: read / 1e6 / ((performance.now() - start) / 1000), read };
  };
  for (const sample of subset.slice(0, 200)) inspect([], sample);
  for (const [name, pack] of packs) {
    const one = [pack];
    // Warm up the JIT on a slice of the corpus before timing.
    for (const sample of subset.slice(0, 200)) inspect(one, sample);
    const rates: number[] = [];
    const ratios: number[] = [];
    let read = 0;
    for (let rep = 0; rep < 3; rep += 1) {
      const bare = rate([]);
      const measured = rate(one);
      read = measured.read;
      rates.push(measured.mbPerSec);
      ratios.push(bare.mbPerSec / measured.mbPerSec);
    }
    const unbudgeted = [withoutBudgets(pack)];
    const long = longOutput(unbudgeted[0]!, pool, 100_000);
    const reached = firstVerdict(unbudgeted, long.prompt, long.pieces);
    const at = (n: number): Prepared => ({ prompt: long.prompt, pieces: long.pieces.slice(0, n) });
    const row: EngineRow = {
      pack: name,
      mbPerSec: median(rates),
      vsNoRules: median(ratios),
      readShare: read / subsetChars,
      ms1k: timeOne(unbudgeted, at(1_000), 100, 5),
      ms10k: timeOne(unbudgeted, at(10_000), 10, 5),
      ms100k: timeOne(unbudgeted, at(100_000), 1, 5),
      reached100k: reached.at >= 0 ? reached.at : long.pieces.length,
      stateBytes1k: stateBytes(unbudgeted, at(1_000), 20),
      stateBytes100k: stateBytes(unbudgeted, at(100_000), 20),
      ...(reached.at >= 0 && reached.at < long.pieces.length
        ? { note: `${reached.rule} stopped the long output at token ${reached.at}` }
        : {}),
    };
    rows.push(row);
    log(
      `engine ${name}: ${row.mbPerSec.toFixed(1)} MB/s, 1k ${row.ms1k.toFixed(2)} ms, 100k ${row.ms100k.toFixed(1)} ms`,
    );
  }
  return rows;
}
