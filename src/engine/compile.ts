import type * as z from "../zod";
import { validatorKinds } from "../validators";
import { PackSchema, type Action, type Stage } from "./pack-schema";
import { err, ok, type Result } from "./result";
import type { Channel, RequestContext, Target, Validator } from "./types";

/** A rule ready to run: its validator compiled once, instantiated per stream. */
export interface CompiledRule {
  id: string;
  pack: string;
  /** Index into the pack's stages, or `-1` for the whole output. */
  stageIndex: number;
  stage: string;
  validator: string;
  action: Action;
  message: string;
  channels: readonly Channel[];
  jsonOnly: boolean;
  create(ctx: RequestContext, target: Target): Validator | undefined;
}

export interface CompiledPack {
  name: string;
  description: string;
  stages: readonly Stage[];
  rules: readonly CompiledRule[];
}

/** One problem in a pack file: where (dotted path) and what. */
export interface PackIssue {
  path: string;
  message: string;
}

/** Why a pack file could not be loaded. */
export interface PackError {
  file: string;
  issues: PackIssue[];
}

/** `file: path: message` lines, one per issue. */
export function formatPackError(error: PackError): string {
  return error.issues.map((issue) => `${error.file}: ${issue.path || "(root)"}: ${issue.message}`).join("\n");
}

function issuesOf(zodError: z.core.$ZodError, prefix: (string | number)[] = []): PackIssue[] {
  return zodError.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join("."),
    message: issue.message,
  }));
}

/**
 * Validates a parsed pack file (YAML or JSON already decoded) and compiles every rule's validator.
 * @example compilePack(YAML.parse(text), "rules/math.yaml")
 */
export function compilePack(input: unknown, file: string): Result<CompiledPack, PackError> {
  const parsed = PackSchema.safeParse(input);
  if (!parsed.success) return err({ file, issues: issuesOf(parsed.error) });
  const pack = parsed.data;
  const issues: PackIssue[] = [];
  const stageIds = pack.stages.map((stage) => stage.id);
  pack.stages.forEach((stage, index) => {
    const last = index === pack.stages.length - 1;
    if (!last && !stage.until)
      issues.push({ path: `stages.${index}.until`, message: "every stage but the last needs `until` markers" });
    if (last && stage.until)
      issues.push({
        path: `stages.${index}.until`,
        message: "the last stage runs to the end of the output and takes no `until`",
      });
    if (stageIds.indexOf(stage.id) !== index)
      issues.push({ path: `stages.${index}.id`, message: `duplicate stage id "${stage.id}"` });
  });
  const rules: CompiledRule[] = [];
  const seen = new Set<string>();
  pack.rules.forEach((rule, index) => {
    const at = `rules.${index}`;
    if (seen.has(rule.id)) issues.push({ path: `${at}.id`, message: `duplicate rule id "${rule.id}"` });
    seen.add(rule.id);
    const stageIndex = rule.stage === "*" ? -1 : stageIds.indexOf(rule.stage);
    if (rule.stage !== "*" && stageIndex < 0) {
      issues.push({
        path: `${at}.stage`,
        message: `unknown stage "${rule.stage}"; this pack's stages: ${["*", ...stageIds].join(", ")}`,
      });
    }
    const kind = validatorKinds.get(rule.validator);
    if (!kind) {
      issues.push({
        path: `${at}.validator`,
        message: `unknown validator "${rule.validator}"; known: ${[...validatorKinds.keys()].sort().join(", ")}`,
      });
      return;
    }
    const params = kind.params.safeParse(rule.params);
    if (!params.success) {
      issues.push(...issuesOf(params.error, [...at.split("."), "params"]));
      return;
    }
    rules.push({
      id: rule.id,
      pack: pack.name,
      stageIndex,
      stage: rule.stage,
      validator: rule.validator,
      action: rule.action,
      message: rule.message,
      channels: rule.channels ?? kind.defaultChannels ?? ["content"],
      jsonOnly: rule.when === "json_requested",
      create: kind.compile(params.data),
    });
  });
  if (issues.length > 0) return err({ file, issues });
  return ok({ name: pack.name, description: pack.description, stages: pack.stages, rules });
}
