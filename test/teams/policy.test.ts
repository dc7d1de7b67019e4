import { describe, expect, it } from "vitest";
import { effectivePolicy, modelAllowed, policySchemaFor, type Policy } from "../../src/teams/policy";

describe("effective policy", () => {
  it("applies the organisation's defaults to a team without its own", () => {
    const org = {
      default_packs: ["chat"],
      allowed_models: ["gpt-4o-mini"],
      budget: { daily_usd: 5, monthly_usd: 100 },
    };
    expect(effectivePolicy(org, {}, ["default"])).toEqual({
      enforced_packs: [],
      default_packs: ["chat"],
      allowed_models: ["gpt-4o-mini"],
      default_task: null,
      budget: { daily_usd: 5, monthly_usd: 100 },
    });
  });

  it("lets a team override each field, null included, but never drop an enforced pack", () => {
    const org = {
      enforced_packs: ["default"],
      allowed_models: ["gpt-4o-mini"],
      budget: { daily_usd: 5, monthly_usd: 100 },
    };
    const team = { enforced_packs: ["json"], allowed_models: null, budget: { daily_usd: null } };
    expect(effectivePolicy(org, team, ["default"])).toMatchObject({
      enforced_packs: ["default", "json"],
      allowed_models: null,
      budget: { daily_usd: null, monthly_usd: 100 },
    });
  });
});

describe("effective default packs", () => {
  const workerDefaults = ["default"];
  const defaults = (org: Policy, team: Policy) => effectivePolicy(org, team, workerDefaults).default_packs;

  it("are the Worker's DEFAULT_PACKS when neither policy sets them", () => {
    expect(defaults({}, {})).toEqual(["default"]);
    expect(defaults({ enforced_packs: ["chat"] }, { allowed_models: null })).toEqual(["default"]);
  });

  it("are none when a policy sets default_packs to [], which replaces the Worker's and the organisation's", () => {
    expect(defaults({ default_packs: [] }, {})).toEqual([]);
    expect(defaults({ default_packs: ["chat"] }, { default_packs: [] })).toEqual([]);
  });

  it("are the team's own list over the organisation's", () => {
    expect(defaults({ default_packs: [] }, { default_packs: ["math"] })).toEqual(["math"]);
  });
});

describe("allowed models", () => {
  it("matches exact names and prefix patterns", () => {
    expect(modelAllowed(null, "anything")).toBe(true);
    expect(modelAllowed(["gpt-4o-mini"], "gpt-4o-mini")).toBe(true);
    expect(modelAllowed(["gpt-4o-mini"], "gpt-4o-mini-2024")).toBe(false);
    expect(modelAllowed(["gpt-4.1*"], "gpt-4.1-nano")).toBe(true);
    expect(modelAllowed([], "gpt-4o")).toBe(false);
  });
});

describe("policy validation", () => {
  const schema = policySchemaFor(["default", "chat"]);

  it("names the field at fault", () => {
    const unknownPack = schema.safeParse({ enforced_packs: ["chat", "nope"] });
    expect(unknownPack.success).toBe(false);
    expect(unknownPack.error?.issues[0]?.path).toEqual(["enforced_packs", 1]);
    expect(schema.safeParse({ budget: { daily_usd: -1 } }).error?.issues[0]?.path).toEqual(["budget", "daily_usd"]);
    expect(schema.safeParse({ allowed_model: ["x"] }).error?.issues[0]?.code).toBe("unrecognized_keys");
  });
});
