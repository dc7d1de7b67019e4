import * as z from "../zod";
import { err, ok, type Result } from "../engine/result";
import { SlugSchema } from "./schema";

const TaskRuleSchema = z
  .strictObject({
    id: SlugSchema,
    task: SlugSchema,
    /** Case-insensitive substrings; any one present matches. */
    keywords: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.maxLength(100)), []),
    /** Regular expressions (JavaScript syntax, matched case-insensitively); any one matching matches. */
    patterns: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(500))).check(z.maxLength(50)), []),
  })
  .check(
    z.refine((rule) => rule.keywords.length + rule.patterns.length > 0, {
      message: "a rule needs keywords or patterns",
    }),
  );

/** The task-matching file, rules/tasks/tasks.json: rules are tried in order and the first match wins. */
export const TaskRulesFileSchema = z.strictObject({
  $comment: z.optional(z.string()),
  rules: z.array(TaskRuleSchema),
});
export type TaskRulesFile = z.input<typeof TaskRulesFileSchema>;

/** A rule ready to match prompts. */
export interface TaskMatcher {
  id: string;
  task: string;
  matches(prompt: string): boolean;
}

/** What a prompt matched: the task and the rule that chose it. */
export interface TaskMatch {
  task: string;
  rule: string;
}

/**
 * Validates and compiles task-matching rules once. An invalid file or pattern is reported with the dotted path.
 * @example compileTaskRules({ rules: [{ id: "sql", task: "sql", keywords: ["sql query"] }] })
 */
export function compileTaskRules(data: unknown, file = "rules/tasks/tasks.json"): Result<TaskMatcher[], string> {
  const parsed = TaskRulesFileSchema.safeParse(data);
  if (!parsed.success) return err(`${file}: ${z.prettifyError(parsed.error)}`);
  const ids = new Set<string>();
  const matchers: TaskMatcher[] = [];
  for (const [index, rule] of parsed.data.rules.entries()) {
    if (ids.has(rule.id)) return err(`${file}: rules.${index}.id: "${rule.id}" is used twice`);
    ids.add(rule.id);
    const keywords = rule.keywords.map((keyword) => keyword.toLowerCase());
    const patterns: RegExp[] = [];
    for (const [at, source] of rule.patterns.entries()) {
      try {
        patterns.push(new RegExp(source, "iu"));
      } catch (error) {
        return err(`${file}: rules.${index}.patterns.${at}: ${(error as Error).message}`);
      }
    }
    matchers.push({
      id: rule.id,
      task: rule.task,
      matches(prompt) {
        const lower = prompt.toLowerCase();
        return keywords.some((keyword) => lower.includes(keyword)) || patterns.some((pattern) => pattern.test(prompt));
      },
    });
  }
  return ok(matchers);
}

/** Every rule that matches the prompt, in file order (the router takes the first whose task has an adapter). */
export function matchTasks(matchers: readonly TaskMatcher[], prompt: string): TaskMatch[] {
  return matchers
    .filter((matcher) => matcher.matches(prompt))
    .map((matcher) => ({ task: matcher.task, rule: matcher.id }));
}
