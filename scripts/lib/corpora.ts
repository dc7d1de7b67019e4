import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { payloads, recordingFiles } from "./recordings";

/** One labelled model output. */
export interface LabelledSample {
  /** `file:line` (plus the solution's model for GSM8K), so a reader can find it. */
  id: string;
  prompt: string;
  text: string;
  /** What the model streamed on its reasoning channel (`reasoning_content`) before `text`, if anything. */
  reasoning?: string;
  /** Per the corpus's own label (see `Corpus.label`). */
  correct: boolean;
  /** For wrong samples with a step label: the character offset where the first wrong step starts. */
  errorAt?: number;
  /** The model that wrote it, where a corpus mixes several (GSM8K); the savings model keys its history by it. */
  model?: string;
}

export interface Corpus {
  name: string;
  /** Which field is the label, in words, for the table notes. */
  label: string;
  /** Whether wrong samples carry the position of their first error (else the oracle stops them at token 0). */
  stepLabels: boolean;
  /** A BIG-Bench-Mistake task: also counted in the group's total row. */
  group?: string;
  samples: LabelledSample[];
}

type Row = Record<string, unknown>;

function readJsonl(path: string): Row[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Row);
}

const str = (value: unknown): string => (typeof value === "string" ? value : "");

const GSM8K_MODELS = ["6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification"] as const;

function gsm8kSolutions(path: string): LabelledSample[] {
  return readJsonl(path).flatMap((row, i) =>
    GSM8K_MODELS.flatMap((model) => {
      const entry = row[model] as { is_correct?: unknown; solution?: unknown } | undefined;
      if (!entry || typeof entry.solution !== "string") return [];
      const id = `example_model_solutions.jsonl:${i + 1} ${model}`;
      return [{ id, prompt: str(row.question), text: entry.solution, correct: entry.is_correct === true, model }];
    }),
  );
}

function gsm8kReference(path: string): LabelledSample[] {
  return readJsonl(path).map((row, i) => ({
    id: `test.jsonl:${i + 1}`,
    prompt: str(row.question),
    text: str(row.answer),
    correct: true,
  }));
}

function game24(path: string): LabelledSample[] {
  return readJsonl(path).map((row, i) => ({
    id: `game24_cot_gpt-4_t0.7.jsonl:${i + 1}`,
    // The task's prompt gives the four numbers as `Input: 4 5 6 10`.
    prompt: `Input: ${str(row.puzzle)}`,
    text: str(row.output),
    correct: row.r === 1,
  }));
}

/**
 * A BIG-Bench-Mistake trace as it was generated: one step a line. The last step already holds the answer
 * sentence (`... So the answer is X`, checked on every trace), so `answer` is not appended again.
 */
function bigBenchMistake(path: string, file: string): LabelledSample[] {
  return readJsonl(path).map((row, i) => {
    const steps = Array.isArray(row.steps) ? row.steps.map(str) : [];
    const text = steps.join("\n");
    const mistake = typeof row.mistake_index === "number" ? row.mistake_index : undefined;
    const sample: LabelledSample = {
      id: `${file}:${i + 1}`,
      prompt: str(row.input),
      text,
      correct: mistake === undefined,
    };
    if (mistake !== undefined) {
      const before = steps.slice(0, mistake);
      sample.errorAt = Math.min(
        text.length,
        before.reduce((sum, step) => sum + step.length + 1, 0),
      );
    }
    return sample;
  });
}

function mathReference(path: string): LabelledSample[] {
  return readJsonl(path).map((row, i) => ({
    id: `math_test.jsonl:${i + 1}`,
    prompt: str(row.problem),
    text: str(row.solution),
    correct: true,
  }));
}

function haluEval(path: string): LabelledSample[] {
  return readJsonl(path).map((row, i) => ({
    id: `general_data.jsonl:${i + 1}`,
    prompt: str(row.user_query),
    text: str(row.chatgpt_response),
    correct: row.hallucination === "no",
  }));
}

/**
 * Recorded Chat Completions streams of reasoning models (DeepSeek, Z.ai, Alibaba, Groq, xAI, a Hugging Face
 * `<think>` stream): choice 0's `reasoning_content` / `reasoning` and `content`. Not labelled; every one is a
 * real answer, so a rejection is a false rejection unless read otherwise.
 */
function reasoningRecordings(dir: string): LabelledSample[] {
  return recordingFiles(dir).flatMap((file) => {
    let reasoning = "";
    let text = "";
    for (const chunk of payloads(file)) {
      for (const choice of (chunk.choices as Row[] | undefined) ?? []) {
        if ((choice.index ?? 0) !== 0) continue;
        const delta = (choice.delta as Row | undefined) ?? {};
        const thought = typeof delta.reasoning_content === "string" ? delta.reasoning_content : delta.reasoning;
        if (typeof thought === "string") reasoning += thought;
        if (typeof delta.content === "string") text += delta.content;
      }
    }
    const thinks = reasoning.trim() !== "" || text.trimStart().startsWith("<think>");
    if (!thinks) return [];
    return [{ id: relative(dir, file), prompt: "", text, reasoning, correct: true }];
  });
}

/** The reasoning traces written for the tests (`test/fixtures/reasoning-traces.jsonl`), labelled by hand. */
function reasoningFixtures(path: string): LabelledSample[] {
  return readJsonl(path).map((row, i) => ({
    id: `reasoning-traces.jsonl:${i + 1} ${str(row.id)}`,
    prompt: str(row.prompt),
    text: str(row.content),
    ...(typeof row.reasoning === "string" ? { reasoning: row.reasoning } : {}),
    correct: row.correct === true,
  }));
}

interface CorpusSpec extends Omit<Corpus, "samples"> {
  file: string;
  /** The file lives in the repository (a fixture), not in the data directory. */
  inRepo?: boolean;
  load(path: string): LabelledSample[];
}

const BBM_TASKS: [file: string, name: string][] = [
  ["multistep_arithmetic.jsonl", "BBM multistep arithmetic"],
  ["word_sorting.jsonl", "BBM word sorting"],
  ["logical_deduction.jsonl", "BBM logical deduction"],
  ["tracking_shuffled_objects.jsonl", "BBM object tracking"],
  ["dyck_languages.jsonl", "BBM Dyck languages"],
];

const SPECS: CorpusSpec[] = [
  {
    name: "GSM8K GPT-3 solutions",
    label: "`is_correct` (final answer)",
    stepLabels: false,
    file: "gsm8k-model-solutions/example_model_solutions.jsonl",
    load: gsm8kSolutions,
  },
  {
    name: "GSM8K reference",
    label: "all correct",
    stepLabels: false,
    file: "gsm8k-model-solutions/test.jsonl",
    load: gsm8kReference,
  },
  {
    name: "Game of 24 GPT-4",
    label: "`r = 1` (final expression)",
    stepLabels: false,
    file: "game24-gpt4-cot/game24_cot_gpt-4_t0.7.jsonl",
    load: game24,
  },
  {
    name: "MATH reference",
    label: "all correct (human-written competition solutions)",
    stepLabels: false,
    file: "math-reference/math_test.jsonl",
    load: mathReference,
  },
  ...BBM_TASKS.map(([file, name]): CorpusSpec => ({
    name,
    label: "`mistake_index` null (first wrong step, human-annotated)",
    stepLabels: true,
    group: "BIG-Bench-Mistake",
    file: `bigbench-mistake/${file}`,
    load: (path) => bigBenchMistake(path, file),
  })),
  {
    name: "HaluEval chat",
    label: '`hallucination` = "no"',
    stepLabels: false,
    file: "halueval-chat/general_data.jsonl",
    load: haluEval,
  },
  {
    name: "Reasoning traces (fixtures)",
    label: "`correct` (hand-labelled: a right answer, and every false step in the thinking taken back or redone)",
    stepLabels: false,
    file: "test/fixtures/reasoning-traces.jsonl",
    inRepo: true,
    load: reasoningFixtures,
  },
  {
    name: "Recorded reasoning streams",
    label: "all correct (real provider streams, unlabelled)",
    stepLabels: false,
    file: "sse-recordings",
    load: reasoningRecordings,
  },
];

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Loads every labelled corpus found under `dataDir`, and the repository's own fixtures; absent files are listed,
 * not fatal. `fromData` counts the corpora found under `dataDir`: without one there is nothing real to measure.
 */
export function loadCorpora(dataDir: string): { corpora: Corpus[]; missing: string[]; fromData: number } {
  const corpora: Corpus[] = [];
  const missing: string[] = [];
  let fromData = 0;
  for (const { file, load, inRepo, ...spec } of SPECS) {
    const path = join(inRepo ? repoRoot : dataDir, file);
    if (!existsSync(path)) {
      missing.push(`${spec.name}: ${path} not found, skipped`);
      continue;
    }
    corpora.push({ ...spec, samples: load(path) });
    if (!inRepo) fromData += 1;
  }
  return { corpora, missing, fromData };
}
