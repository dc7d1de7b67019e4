import { z } from "zod";

/** A secret: `""` (an empty line in .dev.vars) is the same as unset. */
const SecretSchema = z
  .string()
  .optional()
  .transform((value) => value || undefined);

/**
 * Worker configuration from vars and secrets, validated once per isolate. The values a deployed Worker runs with are
 * in wrangler.toml `[vars]`; the defaults here apply only to a variable that is absent altogether.
 */
export const ConfigSchema = z.object({
  /** OpenAI-compatible base URL, e.g. https://api.openai.com/v1 (no trailing slash needed). */
  UPSTREAM_BASE_URL: z.string().default(""),
  /** Secret. When set, replaces the client's Authorization upstream; otherwise the client's is passed through. */
  UPSTREAM_API_KEY: SecretSchema,
  /** Anthropic-compatible base URL for `/v1/messages`, as the Anthropic SDK takes it: https://api.anthropic.com */
  ANTHROPIC_BASE_URL: z.string().default(""),
  /** Secret. When set, replaces the client's `x-api-key` upstream; otherwise the client's is passed through. */
  ANTHROPIC_API_KEY: SecretSchema,
  /** Packs applied when a request names none (comma-separated). */
  DEFAULT_PACKS: z.string().default("default"),
  /** Abort an upstream that sends nothing for this long (milliseconds). */
  UPSTREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
});
export type Config = z.infer<typeof ConfigSchema>;

/**
 * Reads the config from the Worker's env (`Env`, or any object of vars and secrets); a value of the wrong shape is
 * reported by name. An empty secret counts as unset.
 */
export function readConfig(env: object): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid configuration ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}
