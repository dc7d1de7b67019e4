import * as z from "../zod";
import type { BudgetLimits } from "../metering/budget";
import { kvKeys } from "./storage-keys";

const PackNameSchema = z.string().check(z.minLength(1), z.maxLength(64));
/** An exact model name, or a prefix ending in `*` (`gpt-4.1*`). */
const ModelPatternSchema = z.string().check(z.minLength(1), z.maxLength(200));
const UsdSchema = z.number().check(z.positive(), z.lte(1_000_000_000));

/**
 * A policy: the organisation's (`policy:org`) or a team's overrides (`policy:team:<team>`). Every field is
 * optional; a team's field, when present, replaces the organisation's, except `enforced_packs`, which adds to
 * the organisation's (a team cannot drop a pack the organisation enforces).
 */
export const PolicySchema = z.strictObject({
  /** Packs run on every request whatever `x-inflight-rules` says. */
  enforced_packs: z.optional(z.array(PackNameSchema).check(z.maxLength(32))),
  /** Packs run when a request names none, in place of the Worker's DEFAULT_PACKS; `[]`: only the enforced ones. */
  default_packs: z.optional(z.array(PackNameSchema).check(z.maxLength(32))),
  /** Models a request may name; null or absent means any. */
  allowed_models: z.optional(z.nullable(z.array(ModelPatternSchema).check(z.maxLength(256)))),
  /** The task (docs/adapters.md) of a request that names none. */
  default_task: z.optional(
    z
      .string()
      .check(z.regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "a task name is 1-64 characters a-z, 0-9, '.', '_' or '-'")),
  ),
  /** USD spend limits per UTC day and calendar month; null means none. */
  budget: z.optional(
    z.strictObject({ daily_usd: z.optional(z.nullable(UsdSchema)), monthly_usd: z.optional(z.nullable(UsdSchema)) }),
  ),
});
export type Policy = z.infer<typeof PolicySchema>;

/** The policy a team's requests run under, after the organisation's defaults are applied. */
export interface EffectivePolicy {
  enforced_packs: string[];
  /** What runs (after the enforced packs) when a request names no pack: resolved, the Worker's DEFAULT_PACKS included. */
  default_packs: string[];
  allowed_models: string[] | null;
  default_task: string | null;
  budget: BudgetLimits;
}

/** A policy whose packs exist: for writes, so that a typo fails at once with the field at fault. */
export function policySchemaFor(knownPacks: readonly string[]) {
  const known = new Set(knownPacks);
  const message = `unknown rule pack; known packs: ${[...known].sort().join(", ")}`;
  const pack = PackNameSchema.check(z.refine((name) => known.has(name), { message }));
  return z.extend(PolicySchema, {
    enforced_packs: z.optional(z.array(pack).check(z.maxLength(32))),
    default_packs: z.optional(z.array(pack).check(z.maxLength(32))),
  });
}

/**
 * Applies the organisation's policy under a team's. `workerDefaults` is the Worker's `DEFAULT_PACKS`: the default
 * packs when neither policy sets `default_packs`. A `default_packs: []` is a choice, not an absence: no default pack.
 */
export function effectivePolicy(org: Policy, team: Policy, workerDefaults: readonly string[]): EffectivePolicy {
  const pick = <T>(own: T | undefined, inherited: T | undefined, fallback: T): T =>
    own !== undefined ? own : inherited !== undefined ? inherited : fallback;
  return {
    enforced_packs: [...new Set([...(org.enforced_packs ?? []), ...(team.enforced_packs ?? [])])],
    default_packs: [...pick<readonly string[]>(team.default_packs, org.default_packs, workerDefaults)],
    allowed_models: pick(team.allowed_models, org.allowed_models, null),
    default_task: pick(team.default_task, org.default_task, null),
    budget: {
      daily_usd: pick(team.budget?.daily_usd, org.budget?.daily_usd, null),
      monthly_usd: pick(team.budget?.monthly_usd, org.budget?.monthly_usd, null),
    },
  };
}

/** Whether `model` matches an allowed name or `prefix*` pattern; any model when the list is null. */
export function modelAllowed(allowed: readonly string[] | null, model: string): boolean {
  if (allowed === null) return true;
  return allowed.some((pattern) =>
    pattern.endsWith("*") ? model.startsWith(pattern.slice(0, -1)) : model === pattern,
  );
}

async function readPolicy(kv: KVNamespace, name: string): Promise<Policy> {
  const parsed = PolicySchema.safeParse(await kv.get(name, "json"));
  // Only the admin API writes policies, through the same schema; an absent one is the empty policy.
  return parsed.success ? parsed.data : {};
}

export const readOrgPolicy = (kv: KVNamespace): Promise<Policy> => readPolicy(kv, kvKeys.orgPolicy);
export const readTeamPolicy = (kv: KVNamespace, team: string): Promise<Policy> =>
  readPolicy(kv, kvKeys.teamPolicy(team));

export async function writeOrgPolicy(kv: KVNamespace, policy: Policy): Promise<void> {
  await kv.put(kvKeys.orgPolicy, JSON.stringify(policy));
}

export async function writeTeamPolicy(kv: KVNamespace, team: string, policy: Policy): Promise<void> {
  await kv.put(kvKeys.teamPolicy(team), JSON.stringify(policy));
}

/** The effective policy of `team` (two KV reads), over the Worker's `DEFAULT_PACKS`. */
export async function loadEffectivePolicy(
  kv: KVNamespace,
  team: string,
  workerDefaults: readonly string[],
): Promise<EffectivePolicy> {
  const [org, own] = await Promise.all([readOrgPolicy(kv), readTeamPolicy(kv, team)]);
  return effectivePolicy(org, own, workerDefaults);
}
