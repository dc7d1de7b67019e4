/**
 * `npm run eval [-- --json] [-- --check]`: runs every shipped pack that applies over every labelled corpus in
 * `<repo>/../shared/data` (or `INFLIGHT_DATA_DIR`) with the Worker's engine, and prints one Markdown table: what
 * each pack rejects, what it wrongly rejects, the tokens it saves against an oracle, and a sample of false
 * rejections to review. docs/eval.md explains every column. `--json` writes the same as one JSON document.
 * By default a measuring tool that exits 0 whatever the numbers; `--check` exits 1 when a target is missed (and 2
 * when there is nothing to check), for CI.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { CompiledPack } from "../src/engine/compile";
import { loadCorpora, type Corpus } from "./lib/corpora";
import { combine, measure, REVIEW_PER_ROW, type ReviewItem, type RowStats } from "./lib/eval-stats";
import { createFanoutReplay } from "./lib/eval-fanout";
import { createSavingsCheck, savingsRowData } from "./lib/eval-savings";
import { loadAllPacks } from "./lib/packs";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");

/** Targets the packs are held to (see docs/eval.md). */
const MAX_FALSE_REJECTION = 0.01;
const MIN_AT_OR_AFTER_LABEL = 0.95;
/** The math pack on the 5,000 human MATH reference solutions (all correct): at most 0.1% rejected. */
const MAX_MATH_REFERENCE_REJECTION = 0.001;

/**
 * Rows that miss the false-rejection target against their corpus's label for a reason read sample by sample and
 * documented in docs/eval.md ("Reading the numbers"). Each is held to the count that was reviewed: one false
 * rejection more is a miss again.
 */
const REVIEWED_MISSES: readonly {
  target: TargetResult["id"];
  corpus: string;
  pack: string;
  maxCorrectRejected: number;
  why: string;
}[] = [
  {
    target: "false_rejections",
    corpus: "BBM multistep arithmetic",
    pack: "math",
    maxCorrectRejected: 15,
    why: "each trace labelled correct contains a false equation the annotators missed",
  },
  {
    target: "false_rejections",
    corpus: "HaluEval chat",
    pack: "chat",
    maxCorrectRejected: 398,
    why: "assistant boilerplate, which the chat pack rejects on purpose; the label is about hallucination",
  },
  {
    target: "math_reference_rejections",
    corpus: "MATH reference",
    pack: "math",
    maxCorrectRejected: 6,
    why: "each a real slip in the reference solution, read by hand (docs/validators-math.md)",
  },
];

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

/** One row's standing against one target. */
interface TargetRow {
  corpus: string;
  pack: string;
  value: number;
  met: boolean;
  /** Why a missed row still passes: a documented, reviewed label mismatch (REVIEWED_MISSES). */
  reviewed?: string;
}

/** A documented target, and every row it applies to. */
interface TargetResult {
  id: "false_rejections" | "rejections_at_or_after_label" | "math_reference_rejections";
  description: string;
  threshold: number;
  rows: TargetRow[];
  /** Every row met the target, or missed it within its reviewed count. */
  met: boolean;
}

/** A row's standing against a ceiling, passing as reviewed when it is within its REVIEWED_MISSES count. */
function ceilingRow(target: TargetResult["id"], row: TableRow, value: number, ceiling: number): TargetRow {
  const { corpus, pack, stats: s } = row;
  const review = REVIEWED_MISSES.find((miss) => miss.target === target && miss.corpus === corpus && miss.pack === pack);
  const met = value <= ceiling;
  const reviewed =
    !met && review && s.correctRejected <= review.maxCorrectRejected
      ? `${s.correctRejected} of at most ${review.maxCorrectRejected} reviewed: ${review.why}`
      : undefined;
  return { corpus, pack, value, met, ...(reviewed ? { reviewed } : {}) };
}

function checkTargets(rows: readonly TableRow[]): TargetResult[] {
  const falseRejections: TargetRow[] = rows.map((row) =>
    ceilingRow(
      "false_rejections",
      row,
      row.stats.correctRejected / Math.max(1, row.stats.samples - row.stats.wrong),
      MAX_FALSE_REJECTION,
    ),
  );
  const reference: TargetRow[] = rows
    .filter((row) => row.corpus === "MATH reference" && row.pack === "math")
    .map((row) =>
      ceilingRow(
        "math_reference_rejections",
        row,
        row.stats.correctRejected / Math.max(1, row.stats.samples),
        MAX_MATH_REFERENCE_REJECTION,
      ),
    );
  const atOrAfter: TargetRow[] = rows
    .filter(({ stepLabels, stats: s }) => stepLabels && s.labelledRejections > 0)
    .map(({ corpus, pack, stats: s }) => {
      const value = s.atOrAfterLabel / s.labelledRejections;
      return { corpus, pack, value, met: value >= MIN_AT_OR_AFTER_LABEL };
    });
  const passes = (list: TargetRow[]) => list.every((row) => row.met || row.reviewed !== undefined);
  return [
    {
      id: "false_rejections",
      description: `false rejections <= ${MAX_FALSE_REJECTION * 100}% of correct samples`,
      threshold: MAX_FALSE_REJECTION,
      rows: falseRejections,
      met: passes(falseRejections),
    },
    {
      id: "math_reference_rejections",
      description: `math rejects <= ${MAX_MATH_REFERENCE_REJECTION * 100}% of the MATH reference solutions`,
      threshold: MAX_MATH_REFERENCE_REJECTION,
      rows: reference,
      met: passes(reference),
    },
    {
      id: "rejections_at_or_after_label",
      description: `BIG-Bench-Mistake rejections at or after the labelled step >= ${MIN_AT_OR_AFTER_LABEL * 100}%`,
      threshold: MIN_AT_OR_AFTER_LABEL,
      rows: atOrAfter,
      met: passes(atOrAfter),
    },
  ];
}

function targets(results: readonly TargetResult[]): string {
  const name = (row: TargetRow) => `${row.corpus} / ${row.pack}`;
  const line = ({ description, rows }: TargetResult) => {
    const missed = rows.filter((row) => !row.met && row.reviewed === undefined);
    const reviewed = rows.filter((row) => !row.met && row.reviewed !== undefined);
    const standing =
      missed.length > 0
        ? `not met in ${missed.map(name).join("; ")}`
        : rows.length === 0
          ? "no row to check"
          : reviewed.length === 0
            ? "met in every row"
            : "met in every row but the reviewed label mismatches";
    const notes = reviewed.map((row) => `${name(row)} (${row.reviewed})`);
    return `- ${description}: ${standing}${notes.length > 0 ? `; reviewed: ${notes.join("; ")}` : ""}`;
  };
  return ["## Targets", "", ...results.map(line)].join("\n");
}

const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/** The table as data: one object per row, counts and the rates the Markdown table shows (null where it shows —). */
function rowData({ corpus, pack, stepLabels, total, stats: s }: TableRow) {
  const correct = s.samples - s.wrong;
  return {
    corpus: corpus.replace(/^\*\*(.*)\*\*$/, "$1"),
    pack,
    total: total === true,
    stepLabels,
    samples: s.samples,
    wrong: s.wrong,
    wrongRejected: s.wrongRejected,
    wrongRejectedRate: rate(s.wrongRejected, s.wrong),
    correctRejected: s.correctRejected,
    falseRejectionRate: rate(s.correctRejected, correct),
    falseRejectionsByRule: Object.fromEntries([...s.falseByRule].sort(([a], [b]) => a.localeCompare(b))),
    exits: s.exits,
    tokens: s.tokens,
    tokensSaved: s.saved,
    tokensSavedShare: rate(s.saved, s.tokens),
    oracleSaved: s.oracleSaved,
    oracleSavedShare: rate(s.oracleSaved, s.tokens),
    packOverOracle: s.oracleSaved > 0 ? s.saved / s.oracleSaved : null,
    labelledRejections: s.labelledRejections,
    atOrAfterLabel: s.atOrAfterLabel,
    atOrAfterLabelShare: stepLabels ? rate(s.atOrAfterLabel, s.labelledRejections) : null,
    kept: s.kept,
    keptCorrect: s.keptCorrect,
    accuracyKept: rate(s.keptCorrect, s.kept),
    accuracyAll: rate(correct, s.samples),
  };
}

const USAGE =
  "usage: npm run eval [-- --json] [-- --check]   (INFLIGHT_DATA_DIR: the labelled data, default ../shared/data)";

function main(argv: string[]): number {
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: {
        json: { type: "boolean", default: false },
        check: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(
      [
        USAGE,
        "",
        "  --json    the table, targets and notes as one JSON document on stdout, in place of Markdown",
        "  --check   exit 1 when a target in docs/eval.md is missed (2 when there is nothing to check)",
        "",
        "Without --check the eval is a report: it exits 0 whatever the numbers.",
      ].join("\n"),
    );
    return 0;
  }
  // Without --check a report, whatever happens; with it, a run that cannot measure is a failure too.
  const cannotRun = flags.check ? 2 : 0;
  const started = performance.now();
  const dataDir = resolve(process.env.INFLIGHT_DATA_DIR ?? join(root, "..", "shared", "data"));
  const all = loadAllPacks();
  if (!all.ok) {
    console.error(all.error);
    return cannotRun;
  }
  const packs = [...all.value.values()].sort((a, b) => a.name.localeCompare(b.name));
  const applied = packs.filter(appliesToPlainText);
  const skipped = packs
    .filter((pack) => !applied.includes(pack))
    .map((pack) => `pack \`${pack.name}\` skipped: its rules need a JSON request or tool calls, which no corpus has.`);
  const { corpora, missing, fromData } = loadCorpora(dataDir);
  if (fromData === 0) {
    console.error(`no labelled corpus under ${dataDir} (set INFLIGHT_DATA_DIR)`);
    return cannotRun;
  }

  const rows: TableRow[] = [];
  const groups = new Map<string, Map<string, RowStats[]>>();
  const savings = createSavingsCheck();
  const fanout = createFanoutReplay();
  corpora.forEach((corpus, i) => {
    for (const pack of applied) {
      const learn = savings.collect(corpus.name, pack.name);
      const draw = fanout.collect(corpus.name, pack.name);
      const stats = measure(pack, corpus, (sample, result) => {
        learn(sample, result);
        draw(sample, result);
      });
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
  const results = checkTargets(perCorpus);
  const savingsRows = savings.rows();
  const fanoutRows = fanout.rows();
  const met = results.every((target) => target.met);
  if (flags.json) {
    const document = {
      packs: applied.map((pack) => pack.name),
      samples,
      rows: rows.map(rowData),
      targets: results,
      met,
      savings: savingsRows.map(savingsRowData),
      fanout: fanoutRows,
      skipped: [...skipped, ...missing],
      dataDir,
      seconds: Number(seconds),
      node: process.versions.node,
    };
    console.log(JSON.stringify(document, null, 2));
  } else {
    console.log(
      [
        `# inflight eval: ${applied.map((pack) => pack.name).join(", ")} over ${num(samples)} labelled samples`,
        "",
        table(rows),
        "",
        notes(corpora, [...skipped, ...missing]),
        "",
        targets(results),
        "",
        review(perCorpus),
        "",
        savings.section(savingsRows),
        "",
        fanout.section(fanoutRows),
        "",
        `Data: ${dataDir}. Took ${seconds} s (Node ${process.versions.node}).`,
      ].join("\n"),
    );
  }
  if (!flags.check || met) return 0;
  const missed = results.flatMap((target) =>
    target.rows
      .filter((row) => !row.met && row.reviewed === undefined)
      .map((row) => `${row.corpus} / ${row.pack}: ${target.description}`),
  );
  console.error(`eval --check: ${missed.length} target(s) missed:\n${missed.map((line) => `  ${line}`).join("\n")}`);
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.slice(2));
