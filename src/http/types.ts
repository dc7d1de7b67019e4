import type { Config } from "../config";
import type { Result } from "../engine/result";
import type { BudgetDenial, CostEstimate } from "../metering/budget";
import type { RequestRecord } from "../metering/record";
import type { ApiSpec } from "./apis/types";
import type { Door } from "./doors";
import type { RequestBody } from "./request-body";

/** The team a request authenticated as (set by team authentication). */
export interface TeamIdentity {
  team: string;
  keyId: string;
}

/** Rule packs a caller's policy imposes: enforced ones always run; defaults run when the request names none. */
export interface PackPolicy {
  enforced: string[];
  /** Resolved against DEFAULT_PACKS; `[]` means no default pack (a task's adapter packs still apply). */
  defaults: string[];
  /** The team's task when a request names none (adapter routing, docs/adapters.md). */
  defaultTask?: string;
}

/** Where a completion goes when something (an adapter registry) overrides the configured upstream. */
export interface UpstreamTarget {
  baseUrl: string;
  apiKey?: string;
  /** Replaces the request's `model` upstream (e.g. a served LoRA name). */
  model?: string;
  /** Extra body fields for the upstream (e.g. LoRAX `adapter_id`). */
  extraBody?: Record<string, unknown>;
  /** Description for the `x-inflight-adapter` header. */
  label?: string;
  /** Packs that fit the target's task: the request's defaults when it names none. */
  packs?: string[];
  /**
   * Called when the upstream refuses the request, before anything reaches the client. Returns true when it fixed
   * the cause (e.g. loaded a vLLM adapter the backend did not have), and the request is sent once more.
   */
  recover?: (status: number, body: string) => Promise<boolean>;
}

export type { RequestRecord };

/**
 * The Hono environment of every route. `Env` is generated from wrangler.toml and .dev.vars.example by `npm run
 * types` (worker-configuration.d.ts): the bindings, the vars and the secrets' names. A secret that is not set is
 * absent at run time whatever its type says: code checks a secret before it uses it (`readConfig` in src/config.ts
 * turns an empty one into `undefined`).
 */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: Config;
    requestId: string;
    /**
     * The signal of the request the runtime delivered (`enable_request_signal`: fires when the client disconnects),
     * taken before any middleware could replace `c.req.raw` with a copy that does not carry it.
     */
    clientSignal?: AbortSignal;
    /** Set by team authentication; absent when no team keys are in use. */
    packPolicy?: PackPolicy;
    /** Set by team authentication when the request carries a team key. */
    team?: TeamIdentity;
    /** Set by adapter routing. */
    upstream?: UpstreamTarget;
    task?: string;
    /**
     * Set by team authentication for a team with a budget: admits attempt `attempt` (1 and up) of a fanned-out
     * request and reserves its estimate, or refuses it (docs/sampling.md).
     */
    admitAttempt?: (attempt: number, estimate: CostEstimate) => Promise<Result<unknown, BudgetDenial>>;
    /** Called once per finished completion request, off the response path (`waitUntil`). */
    recordRequest?: (record: RequestRecord) => Promise<void>;
    /** The route a `/v1` request takes (set first, by `doors`). */
    door?: Door;
    /** The body, read once (`request-body.ts`). */
    requestBody?: Promise<Result<RequestBody, Response>>;
    requestJson?: Result<unknown, Response>;
    /** The proxied request as its API parsed it, parsed once (`parseOnce`). */
    parsedRequest?: { api: ApiSpec; result: ReturnType<ApiSpec["parse"]> };
  };
}
