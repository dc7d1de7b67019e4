import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AdapterEntrySchema, AdapterInputSchema } from "../../src/adapters/schema";
import { vllmInput } from "./entries";

const issues = (input: unknown) => {
  const parsed = AdapterInputSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};
const prompt = { id: "sql-prompt-v2", virtualTokens: 20, hiddenSize: 4096 };

describe("adapter entry schema", () => {
  it("accepts a vLLM LoRA with a PEML continuous prompt and fills in defaults", () => {
    const parsed = AdapterInputSchema.parse(vllmInput({ prompt }));
    expect(parsed).toMatchObject({
      enabled: true,
      packs: [],
      backend: { baseUrl: "http://vllm.test/v1" },
      prompt: { virtualTokens: 20, hiddenSize: 4096, position: "system-start" },
    });
  });

  it("refuses a continuous prompt on engines that take no prompt embeddings, saying so", () => {
    for (const kind of ["sglang", "lorax", "tgi"] as const) {
      expect(issues(vllmInput({ backend: { kind, baseUrl: `http://${kind}.test/v1` }, prompt }))).toEqual([
        `prompt: a \`${kind}\` backend cannot apply a continuous prompt (only vLLM takes prompt_embeds): remove prompt`,
      ]);
    }
    expect(
      issues(vllmInput({ backend: { kind: "openai", baseUrl: "https://api.test/v1" }, lora: undefined, prompt })),
    ).toEqual(["prompt: an `openai` backend serves a plain model: remove prompt"]);
  });

  it("requires the prompt's hidden size and takes only vLLM's prompt dtypes", () => {
    expect(issues(vllmInput({ prompt: { id: "p", virtualTokens: 20 } as never }))[0]).toMatch(/^prompt\.hiddenSize/);
    expect(issues(vllmInput({ prompt: { ...prompt, dtype: "float64" as never } }))[0]).toMatch(/^prompt\.dtype/);
    expect(issues(vllmInput({ prompt: { ...prompt, position: "middle" as never } }))[0]).toMatch(/^prompt\.position/);
  });

  it("rejects a misspelt field instead of ignoring it", () => {
    expect(issues({ ...vllmInput(), enable: false })).toEqual([expect.stringContaining("enable")]);
    expect(issues(vllmInput({ lora: { name: "a", source: "/a", rank: 8, ranks: 2 } as never }))).toEqual([
      expect.stringContaining("ranks"),
    ]);
  });

  it("requires a LoRA for self-hosted engines and refuses one for a plain openai model", () => {
    expect(issues(vllmInput({ lora: undefined }))).toEqual(["lora: a `vllm` backend needs lora {name, source, rank}"]);
    expect(issues(vllmInput({ backend: { kind: "openai", baseUrl: "https://api.openai.com/v1" } }))).toEqual([
      "lora: an `openai` backend serves a plain model: remove lora",
    ]);
  });

  it("names an unknown engine kind", () => {
    const parsed = AdapterInputSchema.safeParse(
      vllmInput({ backend: { kind: "ollama", baseUrl: "http://o.test/v1" } as never }),
    );
    expect(z.prettifyError(parsed.error!)).toContain("backend.kind");
  });

  it("only lets an entry name ADAPTER_KEY_* secrets, never inflight's own", () => {
    expect(
      issues(
        vllmInput({ backend: { kind: "vllm", baseUrl: "http://vllm.test/v1", apiKeySecret: "UPSTREAM_API_KEY" } }),
      ),
    ).toEqual([expect.stringContaining("ADAPTER_KEY_")]);
    expect(
      issues(
        vllmInput({ backend: { kind: "vllm", baseUrl: "http://vllm.test/v1", apiKeySecret: "ADAPTER_KEY_VLLM" } }),
      ),
    ).toEqual([]);
  });

  it("keeps keys out of LoRAX's Authorization, which it reuses as its download token", () => {
    const lorax = { kind: "lorax", baseUrl: "http://lorax.test/v1" } as const;
    expect(issues(vllmInput({ backend: { ...lorax, apiKeySecret: "ADAPTER_KEY_LORAX" } }))).toEqual([
      expect.stringMatching(/^backend\.apiKeySecret: LoRAX reads Authorization as the token/),
    ]);
    expect(issues(vllmInput({ backend: { ...lorax, downloadTokenSecret: "ADAPTER_KEY_HF" } }))).toEqual([]);
  });

  it("rejects repeated tasks, bad task names and base URLs that are not plain http(s) bases", () => {
    expect(issues(vllmInput({ tasks: ["a", "a"] }))).toEqual(["tasks: tasks must not repeat"]);
    expect(issues(vllmInput({ tasks: ["Has Spaces"] }))[0]).toMatch(/^tasks\.0:/);
    for (const baseUrl of ["file:///etc/passwd", "https://user:pw@vllm.test/v1", "https://vllm.test/v1?x=1"])
      expect(issues(vllmInput({ backend: { kind: "vllm", baseUrl } }))[0]).toMatch(/^backend\.baseUrl:/);
  });

  it("defaults LoRAX's adapter source to the Hugging Face hub and SGLang to lora_path alone", () => {
    expect(
      AdapterInputSchema.parse(vllmInput({ backend: { kind: "lorax", baseUrl: "http://lorax.test/v1" } })).backend,
    ).toEqual({ kind: "lorax", baseUrl: "http://lorax.test/v1", adapterSource: "hub" });
    expect(
      AdapterInputSchema.parse(vllmInput({ backend: { kind: "sglang", baseUrl: "http://s.test/v1" } })).backend,
    ).toEqual({
      kind: "sglang",
      baseUrl: "http://s.test/v1",
      adapterInModel: false,
    });
  });

  it("still reads entries earlier releases stored, prompt and LoRAX key included, so routing can say what is wrong", () => {
    const stored = {
      ...vllmInput({ backend: { kind: "lorax", baseUrl: "http://lorax.test/v1", apiKeySecret: "ADAPTER_KEY_X" } }),
      prompt: { id: "p", virtualTokens: 20, source: "/models/p" },
      version: 3,
      updatedAt: "2026-11-25T00:00:00.000Z",
    };
    expect(AdapterEntrySchema.safeParse(stored).success).toBe(true);
    expect(AdapterInputSchema.safeParse(stored).success).toBe(false);
  });
});
