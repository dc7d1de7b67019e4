import { ScenarioSchema, startUpstream, type Scenario, type Upstream, type UpstreamRequest } from "../upstream";
import { CLEAN_ANSWER, LOOP_ANSWER, MATH_WITH_SLIP, PROSE_WRAPPED_JSON } from "./completions";

/**
 * Which demo answer a prompt gets, by keyword (case-insensitive, first match wins):
 * - "json" in the prompt, or a request for JSON output (`response_format`, Responses' `text.format`, Messages'
 *   `output_config.format`): JSON wrapped in prose, which the `json` pack rejects when the request asks for JSON;
 * - "math", "calculate" or "how many": a worked answer with an arithmetic slip;
 * - "loop", "story" or "repeat": a story that falls into a runaway loop (the `default` pack's `repetition-loop`);
 * - anything else: a short clean answer.
 */
export const DEMO_KEYWORDS: ReadonlyArray<{ words: readonly string[]; answer: string; name: string }> = [
  { name: "prose-wrapped JSON", words: ["json"], answer: PROSE_WRAPPED_JSON },
  { name: "arithmetic slip", words: ["math", "calculate", "how many"], answer: MATH_WITH_SLIP },
  { name: "runaway loop", words: ["loop", "story", "repeat"], answer: LOOP_ANSWER },
];

/** Milliseconds between tokens: slow enough to watch, fast enough not to bore. */
const DEMO_TOKEN_DELAY_MS = 12;

/** Picks the demo scenario for a request (see `DEMO_KEYWORDS`). */
export function chooseDemoScenario(request: UpstreamRequest): Scenario {
  const prompt = request.promptText.toLowerCase();
  const wantsJson = requestedFormats(request.body).some(
    (format) => typeof format === "object" && format !== null && "type" in format && format.type !== "text",
  );
  const match = wantsJson
    ? DEMO_KEYWORDS[0]
    : DEMO_KEYWORDS.find(({ words }) => words.some((word) => prompt.includes(word)));
  return ScenarioSchema.parse({ text: match?.answer ?? CLEAN_ANSWER, tokenDelayMs: DEMO_TOKEN_DELAY_MS });
}

/** Where each API asks for structured output: Chat `response_format`, Responses `text.format`, Messages `output_config.format`. */
function requestedFormats(body: Record<string, unknown>): unknown[] {
  const field = (value: unknown, key: string): unknown =>
    typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return [body.response_format, field(body.text, "format"), field(body.output_config, "format"), body.output_format];
}

/** Starts the demo upstream: the test upstream with the demo's answers for every model name. */
export function startDemoUpstream(options: { port?: number; host?: string } = {}): Promise<Upstream> {
  return startUpstream({ ...options, fallback: chooseDemoScenario, recordWritten: false });
}
