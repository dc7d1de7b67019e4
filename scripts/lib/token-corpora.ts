/**
 * The texts `npm run eval:tokens` counts, grouped by kind (prose, code, JSON, numbers and math, CJK, other
 * scripts), read from `../shared/data` at run time and never copied into the repository, plus the CJK and
 * other-script answers written for the eval, which the shared data lacks. Each corpus is split in two halves by
 * position (even and odd items): the estimator's constants were calibrated on the first half and the eval
 * reports the second, so a figure is never measured on the texts that set it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCorpora } from "./corpora";
import { CJK_SAMPLES } from "./cjk-samples";
import { OTHER_SCRIPT_SAMPLES } from "./other-script-samples";
import { recordedOutputs } from "./recordings";

export type TextKind = "prose" | "code" | "json" | "math" | "cjk" | "other";

/** The kinds the targets apply to, then `other`: other scripts and accented Latin, reported apart. */
export const KINDS: readonly TextKind[] = ["prose", "code", "json", "math", "cjk", "other"];

export interface TokenCorpus {
  kind: TextKind;
  name: string;
  texts: string[];
}

type Row = Record<string, unknown>;

const readJsonl = (path: string): Row[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Row);

const FENCE = /```[^\n]*\n([\s\S]*?)```/g;
const ASY = /\[asy\]([\s\S]*?)\[\/asy\]/g;

const codeBlocks = (text: string): string[] => [...text.matchAll(FENCE)].map((m) => m[1]!).filter((b) => b.trim());
const unique = (texts: Iterable<string>): string[] => [...new Set(texts)];

/** Loads every corpus found under `dataDir`; what is absent is listed, not fatal. */
export function loadTokenCorpora(dataDir: string): { corpora: TokenCorpus[]; notes: string[] } {
  const corpora: TokenCorpus[] = [];
  const notes: string[] = [];
  const add = (kind: TextKind, name: string, texts: string[]) => {
    if (texts.length > 0) corpora.push({ kind, name, texts });
    else notes.push(`${name}: no texts found, skipped`);
  };
  const { corpora: labelled, missing } = loadCorpora(dataDir);
  notes.push(...missing);
  const samples = (name: string) => labelled.find((c) => c.name === name)?.samples ?? [];
  const texts = (name: string) => samples(name).map((s) => s.text);

  const recordings = join(dataDir, "sse-recordings");
  const recorded = existsSync(recordings) ? recordedOutputs(recordings) : [];
  if (!existsSync(recordings)) notes.push(`recorded streams: ${recordings} not found, skipped`);
  const recordedTexts = unique(recorded.map((r) => r.text.trim()).filter((t) => t.length >= 200));

  const halu = texts("HaluEval chat");
  add(
    "prose",
    "HaluEval ChatGPT answers",
    halu.filter((t) => !t.includes("```")),
  );
  add(
    "prose",
    "Recorded stream answers",
    recordedTexts.filter((t) => !t.includes("```") && !t.trimStart().startsWith("{")),
  );
  add("prose", "BBM logic, objects, word sorting", [
    ...texts("BBM logical deduction"),
    ...texts("BBM object tracking"),
    ...texts("BBM word sorting"),
  ]);

  add("code", "Code blocks in answers", unique([...halu, ...recordedTexts].flatMap(codeBlocks)));
  const mathPath = join(dataDir, "math-reference/math_test.jsonl");
  const math = existsSync(mathPath) ? readJsonl(mathPath) : [];
  if (!existsSync(mathPath)) notes.push(`MATH reference: ${mathPath} not found, skipped`);
  const solutions = math.map((row) => (typeof row.solution === "string" ? row.solution : ""));
  add(
    "code",
    "MATH Asymptote figures",
    unique(solutions.flatMap((s) => [...s.matchAll(ASY)].map((m) => m[1]!.trim()))),
  );

  add(
    "json",
    "Recorded tool arguments, JSON answers",
    unique([
      ...recorded.flatMap((r) => r.toolArguments.map((a) => a.trim())),
      ...recorded.map((r) => r.text.trim()).filter((t) => t.startsWith("{") || t.startsWith("[")),
    ]).filter((t) => t.length >= 16),
  );
  add("json", "Structured outputs built from records", structuredOutputs(labelled));

  add("math", "GSM8K GPT-3 solutions", texts("GSM8K GPT-3 solutions"));
  add("math", "GSM8K reference solutions", texts("GSM8K reference"));
  add(
    "math",
    "MATH reference solutions (LaTeX)",
    solutions.map((s) => s.replace(ASY, "").trim()).filter((s) => s),
  );
  add("math", "Game of 24 GPT-4", texts("Game of 24 GPT-4"));
  add("math", "BBM arithmetic, Dyck", [...texts("BBM multistep arithmetic"), ...texts("BBM Dyck languages")]);

  for (const [name, list] of Object.entries(CJK_SAMPLES)) add("cjk", name, list);
  for (const [name, list] of Object.entries(OTHER_SCRIPT_SAMPLES)) add("other", name, list);
  return { corpora, notes };
}

/**
 * JSON as a model writes it for `response_format` or a tool call: real answers from the labelled corpora
 * wrapped in the objects a pipeline would ask for, half compact and half indented by two spaces.
 */
function structuredOutputs(labelled: ReturnType<typeof loadCorpora>["corpora"]): string[] {
  const out: string[] = [];
  for (const corpus of labelled)
    corpus.samples.forEach((sample, i) => {
      // Every fifth sample keeps these from outweighing the recorded JSON by too much.
      if (i % 5 !== 0) return;
      const k = i / 5;
      const lines = sample.text.split("\n").filter((line) => line.trim());
      const value =
        k % 2 === 0
          ? { steps: lines.slice(0, -1), answer: lines.at(-1) ?? "" }
          : { answer: sample.text, correct: sample.correct };
      out.push(JSON.stringify(value, null, (k >> 1) % 2 === 0 ? undefined : 2));
    });
  return out;
}

/** The half of a corpus a figure is calibrated on (`fit`) or reported on (`report`). */
export function half<T>(items: readonly T[], which: "fit" | "report"): T[] {
  return items.filter((_, i) => i % 2 === (which === "fit" ? 0 : 1));
}
