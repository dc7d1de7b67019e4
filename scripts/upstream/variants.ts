import type { Scenario, Variant } from "./scenario-schema";

/**
 * The scenario as one request of it plays it: the variant for its `seed` (`bySeed`), else for its place in
 * arrival order (`byOrder`, 0 for the scenario's first request), over the scenario. A variant that names a source
 * replaces the scenario's one.
 */
export function scenarioFor(
  scenario: Scenario,
  body: Record<string, unknown>,
  order: number,
): { scenario: Scenario; variant: string | null } {
  const seed = typeof body.seed === "number" ? String(body.seed) : undefined;
  const bySeed = seed !== undefined ? scenario.bySeed?.[seed] : undefined;
  const byOrder = scenario.byOrder?.[order];
  const chosen: [string, Variant] | undefined = bySeed
    ? [`seed:${seed}`, bySeed]
    : byOrder
      ? [`order:${order}`, byOrder]
      : undefined;
  if (!chosen) return { scenario, variant: null };
  const [variant, changes] = chosen;
  const namesSource = changes.text !== undefined || changes.texts !== undefined || changes.status !== undefined;
  const base: Scenario = namesSource
    ? { ...scenario, text: undefined, texts: undefined, chunks: undefined, raw: undefined, status: undefined }
    : scenario;
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  return { scenario: { ...base, ...defined } as Scenario, variant };
}
