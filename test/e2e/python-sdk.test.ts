import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { APIError, UnprocessableEntityError } from "openai";
import { describe, expect, it } from "vitest";
import { LOOP_RULE, openai, runawayLoop, thrown, upstream, workerUrl } from "./helpers";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** `.ci/run` creates this venv with test/e2e/python/requirements.txt; `INFLIGHT_PYTHON` points elsewhere. */
const python = process.env.INFLIGHT_PYTHON ?? join(root, ".venv/bin/python");
const script = join(root, "test/e2e/python/rejection_usage.py");

/** What every rejection's usage says of a loop cut with `max_tokens: 2000`: the estimate runs it to the limit. */
function expectLoopUsage(usage: any, tokens: "completion_tokens" | "output_tokens") {
  const generated = usage[tokens];
  expect(generated).toBeGreaterThan(0);
  expect(usage.inflight).toMatchObject({
    outcome: "rejected",
    counted_by: "inflight",
    saved_estimate: {
      completion_tokens: 2000 - generated,
      p10: 2000 - generated,
      p90: 2000 - generated,
      method: "loop_to_max_tokens",
      samples: 0,
      upper_bound: 2000 - generated,
    },
  });
}

describe("usage read from the exceptions the official SDKs raise", () => {
  it("Python openai: streaming and non-streaming rejections carry usage in e.body", async () => {
    if (!existsSync(python))
      throw new Error(
        `${python} not found: create it with \`python3 -m venv .venv && .venv/bin/pip install -r ` +
          "test/e2e/python/requirements.txt` (.ci/run does), or set INFLIGHT_PYTHON",
      );
    const cases = ["chat_stream", "chat_plain", "responses_stream", "responses_plain"] as const;
    const models: Record<string, string> = {};
    for (const name of cases)
      models[name] = (await upstream.scenario({ text: runawayLoop(2_000), tokenDelayMs: 1 })).model;
    const { stdout } = await promisify(execFile)(python, [script, workerUrl, JSON.stringify(models)], {
      timeout: 60_000,
    });
    const caught = JSON.parse(stdout);

    for (const name of cases) {
      expect(caught[name], name).toMatchObject({ code: LOOP_RULE, type: "inflight_rejection", rule: LOOP_RULE });
    }
    // A streamed error event is raised as APIError, a 422 body as UnprocessableEntityError.
    expect(caught.chat_stream.class).toBe("APIError");
    expect(caught.chat_plain).toMatchObject({ class: "UnprocessableEntityError", status_code: 422 });
    expect(caught.responses_stream.class).toBe("APIError");
    expect(caught.responses_plain).toMatchObject({ class: "UnprocessableEntityError", status_code: 422 });
    expectLoopUsage(caught.chat_stream.usage, "completion_tokens");
    expectLoopUsage(caught.chat_plain.usage, "completion_tokens");
    expectLoopUsage(caught.responses_stream.usage, "output_tokens");
    expectLoopUsage(caught.responses_plain.usage, "output_tokens");
    // Python starts and imports the SDK in a few seconds, more on a busy machine.
  }, 60_000);

  it("TypeScript openai: the same usage in error.error, streaming and not", async () => {
    const client = openai();
    const messages = [{ role: "user" as const, content: "Summarise the meeting." }];
    const streaming = (await upstream.scenario({ text: runawayLoop(2_000), tokenDelayMs: 1 })).model;
    const streamed = await thrown(async () => {
      const stream = await client.chat.completions.create({
        model: streaming,
        messages,
        max_tokens: 2000,
        stream: true,
      });
      for await (const _chunk of stream);
    });
    expect(streamed).toBeInstanceOf(APIError);
    expectLoopUsage(((streamed as APIError).error as { usage: unknown }).usage, "completion_tokens");

    const plain = (await upstream.scenario({ text: runawayLoop(2_000), tokenDelayMs: 1 })).model;
    const refused = await thrown(() => client.chat.completions.create({ model: plain, messages, max_tokens: 2000 }));
    expect(refused).toBeInstanceOf(UnprocessableEntityError);
    expectLoopUsage(((refused as UnprocessableEntityError).error as { usage: unknown }).usage, "completion_tokens");
  });
});
