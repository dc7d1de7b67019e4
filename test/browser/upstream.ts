import { createServer, type Server } from "node:http";

/**
 * What the upstream answers, by the first word of the prompt: clean answers that pass, and the failures each
 * shipped pack catches (broken JSON, assistant boilerplate, a loop, a false equation), plus a math answer that
 * goes on after its final answer (an early exit).
 */
export const SCENARIOS = {
  hello: "Hello! Here is a short answer to your question, with the two facts you asked for and a link to the guide.",
  "json-good":
    '{"title": "Quarterly revenue report", "tags": ["finance", "q3", "summary"], "score": 0.92, "pages": 14}',
  "json-bad":
    '{"title": "Quarterly revenue report", "tags": ["finance" "q3"], "score": 0.92, "pages": 14, "summary": "Revenue grew in every region"}',
  boilerplate:
    "As an AI language model, I cannot browse the internet, but here is what I know about the topic you asked about.",
  loop: `Once upon a time. ${"The cat sat on the mat again and again. ".repeat(60)}`,
  "math-good":
    "There are 12 boxes with 3 apples each, so 12 * 3 = 36 apples. Then 36 + 4 = 40. The answer is 40.\n\n" +
    "To check: 40 - 4 = 36 and 36 / 3 = 12, which matches the 12 boxes in the problem statement.",
  "math-bad": "There are 12 boxes with 3 apples each, so 12 * 3 = 38 apples. Then 38 + 4 = 42. The answer is 42.",
} as const;
export type Scenario = keyof typeof SCENARIOS;

/** About four characters a token, as the upstream's own usage would count. */
const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

/**
 * A minimal OpenAI-compatible upstream for the dashboard test: it streams the scenario its prompt names, word by
 * word, then a usage chunk counted from the prompt and the answer.
 */
export async function startSeedUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as { model?: string; messages?: { content: string }[] };
      const prompt = body.messages?.map((m) => m.content).join("\n") ?? "";
      const name = (prompt.split(/\s/, 1)[0] ?? "") as Scenario;
      const text: string = SCENARIOS[name] ?? SCENARIOS.hello;
      const head = { id: "chatcmpl-seed", object: "chat.completion.chunk", created: 1, model: body.model ?? "m" };
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const piece of text.match(/\S+\s*/g) ?? []) {
        const frame = { ...head, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] };
        res.write(`data: ${JSON.stringify(frame)}\n\n`);
      }
      res.write(`data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
      const usage = { prompt_tokens: tokens(prompt), completion_tokens: tokens(text) };
      const total = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
      res.write(`data: ${JSON.stringify({ ...head, choices: [], usage: total })}\n\n`);
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
