import { APIError } from "openai";
import { describe, expect, it } from "vitest";
import { chooseDemoScenario } from "../../scripts/demo";
import { CLEAN_ANSWER, LOOP_ANSWER, MATH_WITH_SLIP, PROSE_WRAPPED_JSON } from "../../scripts/demo/completions";
import { openai, thrown, upstream } from "./helpers";

function demoAnswer(prompt: string, body: Record<string, unknown> = {}): string | undefined {
  return chooseDemoScenario({ endpoint: "chat", body, promptText: prompt }).text;
}

describe("the demo upstream", () => {
  it("picks its answer by the prompt's keywords", () => {
    expect(demoAnswer("Tell me a story about a lighthouse")).toBe(LOOP_ANSWER);
    expect(demoAnswer("Give me JSON for Lisbon")).toBe(PROSE_WRAPPED_JSON);
    expect(demoAnswer("Describe Lisbon", { response_format: { type: "json_object" } })).toBe(PROSE_WRAPPED_JSON);
    expect(demoAnswer("Describe Lisbon", { text: { format: { type: "json_object" } } })).toBe(PROSE_WRAPPED_JSON);
    expect(demoAnswer("Describe Lisbon", { output_config: { format: { type: "json_schema", schema: {} } } })).toBe(
      PROSE_WRAPPED_JSON,
    );
    expect(demoAnswer("Describe Lisbon", { text: { format: { type: "text" } } })).toBe(CLEAN_ANSWER);
    expect(demoAnswer("Do the math: rolls per shop?")).toBe(MATH_WITH_SLIP);
    expect(demoAnswer("What does inflight do?")).toBe(CLEAN_ANSWER);
  });

  it("streams a clean answer that the default pack lets through", async () => {
    const { model } = await upstream.scenario({ text: CLEAN_ANSWER, tokenDelayMs: 1 });
    const completion = await openai().chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }] });
    expect(completion.choices[0]?.message.content).toBe(CLEAN_ANSWER);
  });

  it("streams a runaway loop that the default pack's repetition-loop rule rejects", async () => {
    const { model } = await upstream.scenario({ text: LOOP_ANSWER, tokenDelayMs: 1 });
    const error = await thrown(() =>
      openai().chat.completions.create({ model, messages: [{ role: "user", content: "Tell me a story" }] }),
    );
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).code).toBe("repetition-loop");
  });

  it("streams prose-wrapped JSON that the json pack rejects when the request asks for json_object", async () => {
    const { model } = await upstream.scenario({ text: PROSE_WRAPPED_JSON, tokenDelayMs: 1 });
    const error = await thrown(() =>
      openai().chat.completions.create(
        { model, response_format: { type: "json_object" }, messages: [{ role: "user", content: "Lisbon as JSON" }] },
        { headers: { "x-inflight-rules": "json" } },
      ),
    );
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).code).toBe("json.syntax");
  });
});
