import type { AuthThrottle } from "../auth/auth-throttle";
import type { Config } from "../config";
import type { Result } from "../engine/result";
import type { BudgetDenial, CostEstimate } from "../metering/budget";
import type { RequestRecord } from "../metering/record";
import type { TeamMeter } from "../metering/team-meter";
import type { ApiSpec } from "./apis/types";
import type { Door } from "./doors";
import type { RequestBody } from "./request-body";

/** Worker bindings. Secrets (UPSTREAM_API_KEY) arrive here too. */
export interface Bindings {
  UPSTREAM_BASE_URL?: string;
  UPSTREAM_API_KEY?: string;
  ANTHROPIC_BASE_URL?: string;
  /** Secret: the Anthropic-compatible upstream's key. */
  ANTHROPIC_API_KEY?: string;
  DEFAULT_PACKS?: string;
  UPSTREAM_HEADERS_TIMEOUT_MS?: string;
  UPSTREAM_BODY_TIMEOUT_MS?: string;
  UPSTREAM_IDLE_TIMEOUT_MS?: string;
  UPSTREAM_TOTAL_TIMEOUT_MS?: string;
  MAX_REQUEST_BYTES?: string;
  BUDGET_DEFAULT_MAX_TOKENS?: string;
  AUTH_FAILURE_LIMIT?: string;
  AUTH_FAILURE_WINDOW_S?: string;
  /** Fan-out and `x-inflight-accept` limits (docs/sampling.md). */
  MAX_ATTEMPTS_PER_REQUEST?: string;
  MAX_CONCURRENT_ATTEMPTS?: string;
  ATTEMPTS_PER_ACCEPTED?: string;
  /** Share of exit-eligible requests let run past the exit to measure the tail (default 0.05). */
  EXIT_SAMPLE_SHARE?: string;
  /** Secret guarding /admin/*. */
  ADMIN_TOKEN?: string;
  /** Team keys, policies (see the README, "Teams, keys and metering"). Without it, team keys and metering are off. */
  INFLIGHT_KV?: KVNamespace;
  /** One metering Durable Object per team. */
  TEAM_METER?: DurableObjectNamespace<TeamMeter>;
  /** Adapter backends allowed over http or on private addresses (docs/adapters.md). */
  ADAPTER_ALLOWED_HOSTS?: string;
  /** Failed-authentication counts, one object per client. Without it, failed attempts are not throttled. */
  AUTH_THROTTLE?: DurableObjectNamespace<AuthThrottle>;
  /** `auto` (default: required once any team key exists), `true` (always) or `false` (never required). */
  REQUIRE_TEAM_KEYS?: string;
}

/** The team a request authenticated as (set by team authentication). */
export interface TeamIdentity {
  team: string;
  keyId: string;
}

/** Rule packs a caller's policy imposes: enforced ones always run; defaults run when the request names none. */
export interface PackPolicy {
  enforced: string[];
  defaults: string[];
  /** The team's task when a request names none (adapter routing, README: Per-task adapters). */
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

export interface AppEnv {
  Bindings: Bindings;
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
