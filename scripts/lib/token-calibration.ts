/**
 * Fits the token estimate's weights (src/engine/token-weights.ts): for every context of src/engine/tokens.ts,
 * the mean number of o200k_base tokens that start at a unit in that context, over the calibration half of every
 * corpus. Each corpus counts as `MAX_UNITS` units whatever its size, so that the largest ones do not set the
 * weights alone, but is scaled up at most `MAX_BOOST` times, so that a small one's few samples do not either.
 * A context seen fewer than
 * `MIN_SAMPLES` times takes the mean of its character pair (this unit's class and the previous one's), or of
 * its character class.
 */
import { writeFileSync } from "node:fs";
import { TOKEN_CONTEXTS, tokenContexts } from "../../src/engine/tokens";
import { half, type TokenCorpus } from "./token-corpora";
import { tokenStarts } from "./token-truth";

const MIN_SAMPLES = 30;
const MAX_UNITS = 300_000;
const MAX_BOOST = 30;
/** A weight of 128 is one token; a byte holds up to 255 (1.99 tokens per unit). */
const UNIT = 128;

interface Sum {
  weight: number;
  tokens: number;
  n: number;
}

/** A coarse class of one UTF-16 unit, for contexts too rare to measure on their own. */
function coarse(ch: string | undefined): string {
  if (ch === undefined) return "^";
  if (/[a-z]/.test(ch)) return "a";
  if (/[A-Z]/.test(ch)) return "A";
  if (/[0-9]/.test(ch)) return "0";
  if (/[\n\r]/.test(ch)) return "n";
  if (/\s/.test(ch)) return "s";
  if (ch.charCodeAt(0) < 128) return ch;
  if (/[\u4e00-\u9fff\u3400-\u4dbf]/.test(ch)) return "H";
  if (/[\u3040-\u30ff]/.test(ch)) return "K";
  if (/[\uac00-\ud7af]/.test(ch)) return "G";
  if (/[\ud800-\udbff]/.test(ch)) return "E";
  if (/[\udc00-\udfff]/.test(ch)) return "e";
  if (/\p{L}|\p{M}/u.test(ch)) return "L";
  return "P";
}

function add(map: Map<string, Sum>, key: string, weight: number, tokens: number): void {
  const sum = map.get(key) ?? { weight: 0, tokens: 0, n: 0 };
  sum.weight += weight;
  sum.tokens += weight * tokens;
  sum.n += 1;
  map.set(key, sum);
}

/** The weight table fitted on the calibration halves of `corpora`, one byte per context. */
export function calibrate(corpora: readonly TokenCorpus[]): Uint8Array {
  const contexts = new Map<string, Sum>();
  const pairs = new Map<string, Sum>();
  const classes = new Map<string, Sum>();
  const pairOf = new Map<number, Map<string, number>>();
  for (const corpus of corpora) {
    const texts = half(corpus.texts, "fit");
    const units = texts.reduce((sum, text) => sum + text.length, 0);
    const weight = Math.min(MAX_BOOST, MAX_UNITS / units);
    for (const text of texts) {
      const context = tokenContexts(text);
      const starts = tokenStarts(text, "o200k_base");
      for (let i = 0; i < text.length; i += 1) {
        const cls = coarse(text[i]);
        const pair = `${cls}${coarse(text[i - 1])}`;
        add(contexts, String(context[i]), weight, starts[i]!);
        add(pairs, pair, weight, starts[i]!);
        add(classes, cls, weight, starts[i]!);
        // The pair a context is most often seen with is the one it falls back to.
        const seen = pairOf.get(context[i]!) ?? new Map<string, number>();
        seen.set(pair, (seen.get(pair) ?? 0) + 1);
        pairOf.set(context[i]!, seen);
      }
    }
  }
  const mean = (sum: Sum | undefined) => (sum && sum.n >= MIN_SAMPLES ? sum.tokens / sum.weight : undefined);
  const table = new Uint8Array(TOKEN_CONTEXTS);
  for (let context = 0; context < TOKEN_CONTEXTS; context += 1) {
    const pair = [...(pairOf.get(context) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1])[0]?.[0];
    const tokens =
      mean(contexts.get(String(context))) ??
      (pair ? (mean(pairs.get(pair)) ?? mean(classes.get(pair.slice(0, -1)))) : undefined) ??
      1;
    table[context] = Math.max(0, Math.min(255, Math.round(tokens * UNIT)));
  }
  return table;
}

/** Writes `table` as src/engine/token-weights.ts. */
export function writeWeights(path: string, table: Uint8Array): void {
  const base64 = Buffer.from(table).toString("base64");
  const lines: string[] = base64.match(/.{1,100}/g) ?? [];
  writeFileSync(
    path,
    [
      "/**",
      " * The token estimate's weights, one byte per context of ./tokens.ts (128 = one token), base64. Written by",
      " * `npm run eval:tokens -- --calibrate` from o200k_base counts on the calibration half of every corpus; do",
      " * not edit by hand. docs/tokens.md says how they are fitted.",
      " */",
      "export const TOKEN_WEIGHTS =",
      lines.map((line, i) => `  "${line}"${i === lines.length - 1 ? ";" : " +"}`).join("\n"),
      "",
    ].join("\n"),
  );
}
