/**
 * `npm run eval`: runs every shipped pack that applies over every labelled corpus in `<repo>/../shared/data`
 * (or `INFLIGHT_DATA_DIR`) with the Worker's engine, and prints one Markdown table: what each pack rejects,
 * what it wrongly rejects, the tokens it saves against an oracle, and a sample of false rejections to review.
 * docs/eval.md explains every column. A measuring tool, not a test: it exits 0 whatever the numbers.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CompiledPack } from "../src/engine/compile";
import { loadCorpora, type Corpus } from "./lib/corpora";
import { combine, measure, REVIEW_PER_ROW, type ReviewItem, type RowStats } from "./lib/eval-stats";
import { loadAllPacks } from "./lib/packs";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");

/** Targets the packs are held to (see docs/eval.md). */
const MAX_FALSE_REJECTION = 0.01;
const MIN_AT_OR_AFTER_LABEL = 0.95;
/** The math pack on the 5,000 human MATH reference solutions (all correct): at most 0.1% rejected. */
const MAX_MATH_REFERENCE_REJECTION = 0.001;

interface TableRow {
  corpus: string;
  pack: string;
  stepLabels: boolean;
  /** A group's total (BIG-Bench-Mistake over its tasks): in the table, not in the targets or the review. */
  total?: boolean;
  stats: RowStats;
}

/**
 * A pack applies to stored plain-text answers when one of its rules reads `content` without needing a JSON
 * request: the `json` pack does not (its rules need `response_format` or tool calls, which no corpus has).
 */
function appliesToPlainText(pack: CompiledPack): boolean {
  return pack.rules.some((rule) => !rule.jsonOnly && rule.channels.includes("content"));
}

const num = (n: number) => n.toLocaleString("en-US");
const share = (part: number, whole: number, digits = 1) =>
  whole > 0 ? `${((100 * part) / whole).toFixed(digits)}%` : "—";
const countShare = (part: number, whole: number, digits = 1) =>
  whole > 0 ? `${num(part)} (${share(part, whole, digits)})` : "—";

function cells({ corpus, pack, stepLabels, stats: s }: TableRow): string[] {
  const correct = s.samples - s.wrong;
  return [
    corpus,
    pack,
    num(s.samples),
    num(s.wrong),
    countShare(s.wrongRejected, s.wrong),
    countShare(s.correctRejected, correct, 2),
    num(s.exits),
    share(s.saved, s.tokens),
    share(s.oracleSaved, s.tokens),
    s.oracleSaved > 0 ? (s.saved / s.oracleSaved).toFixed(2) : "—",
    stepLabels && s.labelledRejections > 0
      ? `${num(s.atOrAfterLabel)}/${num(s.labelledRejections)} (${share(s.atOrAfterLabel, s.labelledRejections)})`
      : "—",
    `${share(s.keptCorrect, s.kept)} / ${share(correct, s.samples)}`,
  ];
}

const HEADER = [
  "corpus",
  "pack",
  "samples",
  "wrong",
  "wrong rejected",
  "correct rejected (false-rejection rate)",
  "early exits",
  "tokens saved",
  "oracle saved",
  "pack / oracle",
  "rejections at/after labelled step",
  "accuracy kept / all",
];

function table(rows: readonly TableRow[]): string {
  const line = (values: readonly string[]) => `| ${values.join(" | ")} |`;
  const align = HEADER.map((_, i) => (i < 2 ? "---" : "---:"));
  return [line(HEADER), line(align), ...rows.map((row) => line(cells(row)))].join("\n");
}

function notes(corpora: readonly Corpus[], skipped: readonly string[]): string {
  const labels = corpora
    .filter((corpus, i) => !corpus.group || corpora.findIndex((c) => c.group === corpus.group) === i)
    .map((corpus) => `${corpus.group ?? corpus.name}: ${corpus.label}`);
  return [
    `- "correct" follows each corpus's own label: ${labels.join("; ")}.`,
    "- Tokens are the engine's estimate (src/engine/tokens.ts), counted the same for every column.",
    "- tokens saved: tokens after the stop point of rejected and early-exited samples, over all tokens. An early",
    "  exit (`exit` rule: the answer is complete) saves tokens and keeps the sample; it never counts as a rejection.",
    "- oracle saved: an oracle that stops every wrong sample at its first labelled error: on BIG-Bench-Mistake the",
    "  start of step `mistake_index`; corpora without step labels have no error position, so the oracle stops their",
    "  wrong samples at token 0. It never stops a correct sample and does not exit early, so pack / oracle can",
    "  exceed 1 (early exits, false rejections).",
    "- rejections at/after labelled step: BIG-Bench-Mistake only, over rejections of traces with a labelled mistake.",
    "- accuracy kept / all: share of correct samples among those not rejected, and among all samples.",
    ...(corpora.some((corpus) => corpus.name.startsWith("HaluEval"))
      ? ["- math on HaluEval is a false-rejection check: its label is about hallucination, not arithmetic."]
      : []),
    ...skipped.map((line) => `- ${line}`),
  ].join("\n");
}

function reviewLine({ id, rejection, labelAt }: ReviewItem): string {
  const where = `${num(rejection.offset.chars)} chars / ${num(rejection.offset.tokens)} tokens`;
  const label = labelAt === undefined ? "" : ` (labelled step starts at ${num(labelAt)} chars)`;
  return `- ${id}, ${rejection.rule} at ${where}${label}: ${JSON.stringify(rejection.evidence)}; ${rejection.detail}`;
}

function review(rows: readonly TableRow[]): string {
  const out = [
    `## False rejections to review (up to ${REVIEW_PER_ROW} per row)`,
    "",
    "Correct-labelled samples that were rejected. Labels judge the final answer (GSM8K, Game of 24) or were set",
    "by annotators who can miss a wrong step (BIG-Bench-Mistake), so read the evidence before counting one as a",
    "false rejection.",
  ];
  for (const { corpus, pack, stats } of rows) {
    if (stats.correctRejected === 0) continue;
    const byRule = [...stats.falseByRule].sort((a, b) => b[1] - a[1]).map(([rule, n]) => `${rule} ${num(n)}`);
    out.push("", `### ${corpus} / ${pack}: ${num(stats.correctRejected)} (${byRule.join(", ")})`);
    out.push(...stats.review.map(reviewLine));
  }
  const early = rows.filter(({ stats }) => stats.beforeLabel.length > 0);
  if (early.length > 0) out.push("", "## Rejections before the labelled step (wrong samples)");
  for (const { corpus, pack, stats } of early) {
    const count = stats.labelledRejections - stats.atOrAfterLabel;
    out.push("", `### ${corpus} / ${pack}: ${num(count)}`, ...stats.beforeLabel.map(reviewLine));
  }
  return out.join("\n");
}

function targets(rows: readonly TableRow[]): string {
  const overLimit = rows.filter(
    ({ stats: s }) => s.correctRejected / Math.max(1, s.samples - s.wrong) > MAX_FALSE_REJECTION,
  );
  const early = rows.filter(
    ({ stepLabels, stats: s }) =>
      stepLabels && s.labelledRejections > 0 && s.atOrAfterLabel / s.labelledRejections < MIN_AT_OR_AFTER_LABEL,
  );
  const name = (row: TableRow) => `${row.corpus} / ${row.pack}`;
  const reference = rows.find((row) => row.corpus === "MATH reference" && row.pack === "math")?.stats;
  return [
    "## Targets",
    "",
    ...(reference
      ? [
          `- math on the MATH reference solutions <= ${MAX_MATH_REFERENCE_REJECTION * 100}% rejected: ` +
            `${reference.correctRejected} of ${reference.samples} ` +
            `(${reference.correctRejected / reference.samples <= MAX_MATH_REFERENCE_REJECTION ? "met" : "not met"})`,
        ]
      : []),
    `- false rejections <= ${MAX_FALSE_REJECTION * 100}% of correct samples: ` +
      (overLimit.length === 0 ? "met in every row" : `not met in ${overLimit.map(name).join("; ")}`),
    `- BIG-Bench-Mistake rejections at or after the labelled step >= ${MIN_AT_OR_AFTER_LABEL * 100}%: ` +
      (early.length === 0 ? "met in every row with rejections" : `not met in ${early.map(name).join("; ")}`),
  ].join("\n");
}

function main(): number {
  const started = performance.now();
  const dataDir = resolve(process.env.INFLIGHT_DATA_DIR ?? join(root, "..", "shared", "data"));
  const all = loadAllPacks();
  if (!all.ok) {
    console.error(all.error);
    return 0;
  }
  const packs = [...all.value.values()].sort((a, b) => a.name.localeCompare(b.name));
  const applied = packs.filter(appliesToPlainText);
  const skipped = packs
    .filter((pack) => !applied.includes(pack))
    .map((pack) => `pack \`${pack.name}\` skipped: its rules need a JSON request or tool calls, which no corpus has.`);
  const { corpora, missing } = loadCorpora(dataDir);
  if (corpora.length === 0) {
    console.error(`no labelled corpus under ${dataDir} (set INFLIGHT_DATA_DIR)`);
    return 0;
  }

  const rows: TableRow[] = [];
  const groups = new Map<string, Map<string, RowStats[]>>();
  corpora.forEach((corpus, i) => {
    for (const pack of applied) {
      const stats = measure(pack, corpus);
      rows.push({ corpus: corpus.name, pack: pack.name, stepLabels: corpus.stepLabels, stats });
      if (corpus.group) {
        const byPack = groups.get(corpus.group) ?? new Map<string, RowStats[]>();
        byPack.set(pack.name, [...(byPack.get(pack.name) ?? []), stats]);
        groups.set(corpus.group, byPack);
      }
    }
    // After the last corpus of a group, add the group's total rows.
    const group = corpus.group;
    if (group && corpora[i + 1]?.group !== group) {
      for (const [pack, parts] of groups.get(group) ?? []) {
        if (parts.length < 2) continue;
        const name = `**${group}, ${parts.length} tasks**`;
        rows.push({ corpus: name, pack, stepLabels: corpus.stepLabels, total: true, stats: combine(parts) });
      }
    }
  });

  const perCorpus = rows.filter((row) => !row.total);
  const samples = corpora.reduce((sum, corpus) => sum + corpus.samples.length, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    [
      `# inflight eval: ${applied.map((pack) => pack.name).join(", ")} over ${num(samples)} labelled samples`,
      "",
      table(rows),
      "",
      notes(corpora, [...skipped, ...missing]),
      "",
      targets(perCorpus),
      "",
      review(perCorpus),
      "",
      `Data: ${dataDir}. Took ${seconds} s (Node ${process.versions.node}).`,
    ].join("\n"),
  );
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
