import * as z from "../zod";
import { PROMPT_DTYPES } from "./tensor/torch-save";

/** Task and adapter ids: lower-case slugs, safe in KV keys, headers and logs. */
export const SlugSchema = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9._-]{0,63}$/,
      "must be 1-64 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
    ),
  );

/** The serving engines inflight knows how to address; `openai` is any OpenAI-compatible API serving a plain model. */
export const EngineKindSchema = z.enum(["vllm", "sglang", "lorax", "tgi", "openai"]);
export type EngineKind = z.infer<typeof EngineKindSchema>;

const BaseUrlSchema = z
  .pipe(
    z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).check(
      z.refine((url) => !/^[a-z]+:\/\/[^/]*@/i.test(url), "must not carry credentials: name a secret in apiKeySecret"),
      z.refine((url) => !/[?#]/.test(url), "must not have a query or fragment: inflight appends /chat/completions"),
    ),
    z.transform((url: string) => url.replace(/\/+$/, "")),
  )
  .check(z.describe("The engine's OpenAI-compatible base, ending in /v1 (e.g. https://vllm.internal:8000/v1)."));

/**
 * Name of a Worker secret. Only `ADAPTER_KEY_*` secrets can be named, so the registry can never route inflight's
 * own secrets (UPSTREAM_API_KEY, ADMIN_TOKEN) to a backend.
 */
const SecretNameSchema = z
  .string()
  .check(z.regex(/^ADAPTER_KEY_[A-Z0-9_]{1,64}$/, "must name a Worker secret called ADAPTER_KEY_<NAME>"));

const backend = <K extends EngineKind>(kind: K) => ({
  kind: z.literal(kind),
  baseUrl: BaseUrlSchema,
  apiKeySecret: z.optional(SecretNameSchema),
});

/** Where the adapter is served and in which dialect. */
export const BackendSchema = z.discriminatedUnion("kind", [
  z.strictObject(backend("vllm")),
  z.strictObject({
    ...backend("sglang"),
    /**
     * Also name the adapter in `model` as `<baseModel>:<lora.name>` (SGLang releases from late 2025). `lora_path`
     * is always sent: every release reads it, while older ones ignore the colon form and serve the base model.
     */
    adapterInModel: z._default(z.boolean(), false),
  }),
  z.strictObject({
    ...backend("lorax"),
    /** LoRAX's `adapter_source`: where it fetches `lora.source` from. */
    adapterSource: z._default(z.enum(["hub", "local", "s3", "pbase"]), "hub"),
    /**
     * Secret holding the token LoRAX downloads private adapters with, sent as the body's `api_token`. LoRAX takes
     * `Authorization` as that token when the body has none, so no key is ever sent to LoRAX in that header.
     */
    downloadTokenSecret: z.optional(SecretNameSchema),
  }),
  z.strictObject(backend("tgi")),
  z.strictObject(backend("openai")),
]);
export type Backend = z.infer<typeof BackendSchema>;

/** The low-rank adaptation: the name the engine serves it under and where its weights live. */
export const LoraSchema = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  source: z.string().check(z.minLength(1), z.maxLength(1000)),
  rank: z.number().check(z.int(), z.gte(1), z.lte(1024)),
});
export type Lora = z.infer<typeof LoraSchema>;

/** Where inflight puts the prompt tensor in a chat request: first or last part of the system or last user message. */
export const PromptPositionSchema = z.enum(["system-start", "system-end", "user-start", "user-end"]);
export type PromptPosition = z.infer<typeof PromptPositionSchema>;

/** The uploaded tensor (set by `PUT /admin/adapters/:id/prompt`, never by hand): KV key `prompt-tensor:<sha256>`. */
export const PromptTensorSchema = z.strictObject({
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be a lower-case hex SHA-256")),
  dtype: z.enum(PROMPT_DTYPES),
  shape: z.tuple([z.number().check(z.int(), z.gte(1)), z.number().check(z.int(), z.gte(1))]),
  bytes: z.number().check(z.int(), z.gte(1)),
});
export type PromptTensor = z.infer<typeof PromptTensorSchema>;

const PromptIdSchema = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9][A-Za-z0-9._/:-]{0,199}$/,
      "must be 1-200 characters: letters, digits, '.', '_', '/', ':' or '-'",
    ),
  );

/**
 * PEML's optimised continuous prompt: `virtualTokens` embeddings of the base model's `hiddenSize`, trained with the
 * LoRA. inflight stores the tensor and sends it to vLLM as a `prompt_embeds` content part at `position`.
 */
export const ContinuousPromptSchema = z.strictObject({
  id: PromptIdSchema,
  virtualTokens: z.number().check(z.int(), z.gte(1), z.lte(4096)),
  /** The base model's hidden size (`hidden_size` in its config.json); vLLM refuses any other. */
  hiddenSize: z.number().check(z.int(), z.gte(1), z.lte(65536)),
  /** When set, the uploaded tensor must have this dtype (vLLM casts any float dtype to the model's). */
  dtype: z.optional(z.enum(PROMPT_DTYPES)),
  position: z._default(PromptPositionSchema, "system-start"),
  tensor: z.optional(PromptTensorSchema),
});
export type ContinuousPrompt = z.infer<typeof ContinuousPromptSchema>;

/**
 * A prompt stored by earlier releases, which recorded only where the engine would find it. No engine applied it;
 * such an entry is served with `prompt=<id>:not-applied` (non-vLLM) or refused until re-registered (vLLM).
 */
export const LegacyPromptSchema = z.strictObject({
  id: PromptIdSchema,
  virtualTokens: z.number().check(z.int(), z.gte(1), z.lte(4096)),
  source: z.string().check(z.minLength(1), z.maxLength(1000)),
});
export type LegacyPrompt = z.infer<typeof LegacyPromptSchema>;

/** True for a prompt stored by an earlier release (no tensor can be attached to it). */
export const isLegacyPrompt = (prompt: ContinuousPrompt | LegacyPrompt): prompt is LegacyPrompt => "source" in prompt;

const entryFields = {
  tasks: z.array(SlugSchema).check(z.minLength(1, "an adapter serves at least one task"), z.maxLength(32)),
  backend: BackendSchema,
  baseModel: z.string().check(z.minLength(1), z.maxLength(200)),
  lora: z.optional(LoraSchema),
  /** Rule packs that fit the task: they replace the default packs for requests routed here. */
  packs: z._default(z.array(SlugSchema).check(z.maxLength(16)), []),
  enabled: z._default(z.boolean(), true),
};

interface Shape {
  tasks: string[];
  baseModel: string;
  backend: Backend;
  lora?: Lora | undefined;
  prompt?: ContinuousPrompt | LegacyPrompt | undefined;
}

function checkShape(entry: Shape, ctx: z.core.$RefinementCtx): void {
  if (new Set(entry.tasks).size !== entry.tasks.length)
    ctx.addIssue({ code: "custom", path: ["tasks"], message: "tasks must not repeat" });
  if (entry.backend.kind === "openai") {
    if (entry.lora)
      ctx.addIssue({
        code: "custom",
        path: ["lora"],
        message: "an `openai` backend serves a plain model: remove lora",
      });
  } else if (!entry.lora) {
    ctx.addIssue({
      code: "custom",
      path: ["lora"],
      message: `a \`${entry.backend.kind}\` backend needs lora {name, source, rank}`,
    });
  }
  if (entry.backend.kind === "sglang" && entry.backend.adapterInModel && entry.baseModel.includes(":"))
    ctx.addIssue({
      code: "custom",
      path: ["backend", "adapterInModel"],
      message:
        "SGLang splits `model` at its first colon, and baseModel has one: leave adapterInModel off (lora_path is sent)",
    });
  const prompt = entry.prompt;
  if (prompt && !isLegacyPrompt(prompt) && prompt.tensor) {
    const { shape, dtype } = prompt.tensor;
    if (shape[0] !== prompt.virtualTokens || shape[1] !== prompt.hiddenSize)
      ctx.addIssue({
        code: "custom",
        path: ["prompt", "tensor"],
        message: `the tensor is ${shape.join("x")}, not virtualTokens x hiddenSize`,
      });
    if (prompt.dtype && prompt.dtype !== dtype)
      ctx.addIssue({ code: "custom", path: ["prompt", "tensor"], message: `the tensor is ${dtype}, not prompt.dtype` });
  }
}

/** Checks only new writes make: what earlier releases stored is still read, and handled at routing. */
function checkInput(entry: Shape, ctx: z.core.$RefinementCtx): void {
  if (entry.prompt && entry.backend.kind !== "vllm")
    ctx.addIssue({
      code: "custom",
      path: ["prompt"],
      message:
        entry.backend.kind === "openai"
          ? "an `openai` backend serves a plain model: remove prompt"
          : `a \`${entry.backend.kind}\` backend cannot apply a continuous prompt (only vLLM takes prompt_embeds): remove prompt`,
    });
  if (entry.backend.kind === "lorax" && entry.backend.apiKeySecret)
    ctx.addIssue({
      code: "custom",
      path: ["backend", "apiKeySecret"],
      message:
        "LoRAX reads Authorization as the token for downloading adapters, so a backend key would reach the adapter source: name the download token in downloadTokenSecret instead",
    });
}

/** What an admin sends to create or replace an adapter. */
export const AdapterInputSchema = z
  .strictObject({ id: SlugSchema, ...entryFields, prompt: z.optional(ContinuousPromptSchema) })
  .check(
    z.superRefine((entry, ctx) => {
      checkShape(entry, ctx);
      checkInput(entry, ctx);
    }),
  );
export type AdapterInput = z.input<typeof AdapterInputSchema>;
/** A validated input, with defaults applied. */
export type AdapterFields = z.output<typeof AdapterInputSchema>;

/** A registry entry as stored under `adapter:<id>` and `task:<task>`. */
export const AdapterEntrySchema = z
  .strictObject({
    id: SlugSchema,
    ...entryFields,
    prompt: z.optional(z.union([ContinuousPromptSchema, LegacyPromptSchema])),
    /** Bumped by inflight on every write; shows which revision served a request. */
    version: z.number().check(z.int(), z.gte(1)),
    updatedAt: z.iso.datetime(),
  })
  .check(z.superRefine(checkShape));
export type AdapterEntry = z.infer<typeof AdapterEntrySchema>;
