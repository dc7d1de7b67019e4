import { createAdapterRegistry } from "../../src/adapters/registry";
import { AdapterInputSchema, type AdapterInput } from "../../src/adapters/schema";
import { chatFrames } from "../helpers/fake-upstream";
import { fakeEngines, lorax, openaiApi, sglang, tgi, vllm, type FakeEngine } from "./fakes";
import { kv } from "./kv";

export const BASE = "meta-llama/Llama-3.1-8B-Instruct";
export const SQL_PROMPT =
  "CREATE TABLE airports (icao VARCHAR, name VARCHAR)\nWrite a SQL query: the ICAO of Lilongwe?";

/** One adapter per engine, each on its own fake host. */
export const adapters: AdapterInput[] = [
  {
    id: "sql-lora",
    tasks: ["text-to-sql"],
    backend: { kind: "vllm", baseUrl: "http://vllm.test/v1", apiKeySecret: "ADAPTER_KEY_VLLM" },
    baseModel: BASE,
    lora: { name: "sql-lora", source: "/adapters/sql-lora", rank: 16 },
    packs: ["chat"],
  },
  {
    id: "sum-lora",
    tasks: ["summarize"],
    backend: { kind: "sglang", baseUrl: "http://sglang.test/v1" },
    baseModel: BASE,
    lora: { name: "sum", source: "/adapters/sum", rank: 8 },
  },
  {
    id: "classify-lora",
    tasks: ["classify"],
    backend: { kind: "lorax", baseUrl: "http://lorax.test/v1", adapterSource: "local" },
    baseModel: BASE,
    lora: { name: "classify", source: "/data/adapters/classify", rank: 8 },
  },
  {
    id: "extract-lora",
    tasks: ["extract"],
    backend: { kind: "tgi", baseUrl: "http://tgi.test/v1" },
    baseModel: BASE,
    lora: { name: "acme/extract-lora", source: "acme/extract-lora", rank: 8 },
  },
  {
    id: "plain",
    tasks: ["general"],
    backend: { kind: "openai", baseUrl: "http://openai.test/v1" },
    baseModel: "gpt-plain",
  },
];

/** Writes entries straight to the registry (the admin API's own checks are tested with it). */
export async function register(inputs: AdapterInput[] = adapters): Promise<void> {
  const registry = createAdapterRegistry(kv);
  for (const input of inputs) {
    const put = await registry.put(AdapterInputSchema.parse(input), "create");
    if (!put.ok) throw new Error(JSON.stringify(put.error));
  }
}

/** The fake engines behind `adapters`, and the configured upstream; `overrides` replace hosts. */
export function engines(
  overrides: Record<string, FakeEngine | "down"> = {},
  frames = chatFrames(["SELECT icao FROM airports;"]),
) {
  const engine = {
    vllm: vllm({ base: BASE, disk: ["/adapters/sql-lora"] }),
    sglang: sglang({ base: BASE, adapters: { sum: "/adapters/sum" } }),
    lorax: lorax({ base: BASE, available: { local: ["/data/adapters/classify"] } }),
    tgi: tgi({ base: BASE, adapters: ["acme/extract-lora"] }),
  };
  const hosts: Record<string, FakeEngine | "down"> = {
    "vllm.test": engine.vllm,
    "sglang.test": engine.sglang,
    "lorax.test": engine.lorax,
    "tgi.test": engine.tgi,
    "openai.test": openaiApi({ models: ["gpt-plain"] }),
    "upstream.test": openaiApi({ models: ["my-model"] }),
    ...overrides,
  };
  const logs = fakeEngines(hosts, frames);
  const calls = (host: string) => logs[host]!.requests.map((r) => `${r.method} ${r.path}`);
  return { logs, hosts, calls, ...engine };
}
