import * as z from "./zod";
import { DEFAULT_EXIT_SAMPLE_SHARE } from "./savings/sampling";

/** A secret: `""` (an empty line in .dev.vars) is the same as unset. */
const SecretSchema = z.pipe(
  z.optional(z.string()),
  z.transform((value: string | undefined) => value || undefined),
);

/**
 * Worker configuration from vars and secrets, validated once per isolate. The values a deployed Worker runs with are
 * in wrangler.toml `[vars]`; the defaults here apply only to a variable that is absent altogether.
 */
export const ConfigSchema = z.object({
  /** OpenAI-compatible base URL, e.g. https://api.openai.com/v1 (no trailing slash needed). */
  UPSTREAM_BASE_URL: z._default(z.string(), ""),
  /** Secret. When set, replaces the client's Authorization upstream; otherwise the client's is passed through. */
  UPSTREAM_API_KEY: SecretSchema,
  /** Anthropic-compatible base URL for `/v1/messages`, as the Anthropic SDK takes it: https://api.anthropic.com */
  ANTHROPIC_BASE_URL: z._default(z.string(), ""),
  /** Secret. When set, replaces the client's `x-api-key` upstream; otherwise the client's is passed through. */
  ANTHROPIC_API_KEY: SecretSchema,
  /** Packs applied when a request names none (comma-separated). */
  DEFAULT_PACKS: z._default(z.string(), "default"),
  /** Longest wait for the upstream's response headers (milliseconds). */
  UPSTREAM_HEADERS_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 60_000),
  /** Longest wait for a body that is not a stream: an error body, or a 200 that is not SSE (milliseconds). */
  UPSTREAM_BODY_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 30_000),
  /**
   * Abort a stream that makes no progress for this long (milliseconds): only text (content, reasoning, tool-call
   * arguments), a tool call starting or an output finishing count; comments, keep-alives and empty deltas do not.
   */
  UPSTREAM_IDLE_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 120_000),
  /** Longest a whole request may take upstream, headers to last byte (milliseconds); 0: no limit. */
  UPSTREAM_TOTAL_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.gte(0)), 0),
  /**
   * Adapter backends allowed beyond public https: host names, `*.suffix`, IPs and CIDRs (comma-separated) that may
   * use plain http, loopback or private addresses (docs/adapters.md, "Base URLs").
   */
  ADAPTER_ALLOWED_HOSTS: z._default(z.string(), ""),
  /** Largest `/v1` request body (bytes); a larger one is answered 413 while it is read. */
  MAX_REQUEST_BYTES: z._default(z.coerce.number().check(z.int(), z.positive()), 8 * 1024 * 1024),
  /** Completion tokens a budget reservation assumes when a request sets no `max_tokens`. */
  BUDGET_DEFAULT_MAX_TOKENS: z._default(z.coerce.number().check(z.int(), z.positive()), 4096),
  /** Failed team-key or admin-token attempts per client and window answered with 401; later ones get 429. */
  AUTH_FAILURE_LIMIT: z._default(z.coerce.number().check(z.int(), z.positive()), 10),
  /** The failed-attempt window (seconds), opened by a client's first failure. */
  AUTH_FAILURE_WINDOW_S: z._default(z.coerce.number().check(z.int(), z.positive()), 300),
  /**
   * Most upstream attempts one Chat Completions or Completions request may make when fanned out or asked for
   * k accepted samples (`x-inflight-accept`, docs/sampling.md); a header asking for more is refused.
   */
  MAX_ATTEMPTS_PER_REQUEST: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(64)), 16),
  /** Most attempts of one request in flight at once (Workers open 6 connections at a time per request). */
  MAX_CONCURRENT_ATTEMPTS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(32)), 6),
  /** `x-inflight-accept: k` without `x-inflight-max-attempts` may make this many attempts per sample wanted. */
  ATTEMPTS_PER_ACCEPTED: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(16)), 2),
  /** Share of exit-eligible requests let run past the exit, to learn what follows an answer (docs/metering.md). */
  EXIT_SAMPLE_SHARE: z._default(z.coerce.number().check(z.gte(0), z.lte(1)), DEFAULT_EXIT_SAMPLE_SHARE),
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
