import type * as z from "../zod";

/**
 * Deepest nesting a request body may have. Real requests stay far below it (a JSON Schema at OpenAI's 10 levels
 * of structured-output nesting is about 25 deep, a tool result in a message 7); far above it, recursive code
 * anywhere (serialising the body upstream, compiling a schema) would exhaust the stack and fail with a 500.
 */
export const MAX_JSON_DEPTH = 128;

type Path = (string | number)[];

/** Where a value is nested deeper than `MAX_JSON_DEPTH`, found without recursion; null when it is not. */
export function tooDeep(value: unknown, max = MAX_JSON_DEPTH): { message: string; param: string | null } | null {
  const stack: { value: unknown; depth: number; path: Path }[] = [{ value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const { value: current, depth, path } = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (depth >= max) {
      // The first few steps name the field; the full path would be `max` segments long.
      const param = path.slice(0, 6).map(String).join(".") || null;
      const where = param ? `Invalid value for '${param}': nested` : "The request body is nested";
      return { message: `${where} more than ${max} levels deep.`, param };
    }
    const entries = Array.isArray(current) ? current.entries() : Object.entries(current);
    for (const [key, child] of entries)
      if (typeof child === "object" && child !== null)
        stack.push({ value: child, depth: depth + 1, path: path.length < 6 ? [...path, key] : path });
  }
  return null;
}

/** What the content of one API holds: which part types carry `text`, and which hold nested parts in `content`. */
interface PartRules {
  /** A bare string stands for a text part (vLLM and others accept it in chat content). */
  strings: boolean;
  textTypes: ReadonlySet<string>;
  nestingTypes: ReadonlySet<string>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The first part of `parts` (an array) that inflight cannot read: not an object with a string `type`, a text
 * part without a string `text`, or nested parts that are neither a string nor an array. Iterative.
 */
function partIssue(parts: unknown[], rules: PartRules): { path: Path; message: string } | null {
  const stack: { parts: unknown[]; path: Path }[] = [{ parts, path: [] }];
  while (stack.length > 0) {
    const { parts: current, path } = stack.pop()!;
    for (const [index, part] of current.entries()) {
      const at = [...path, index];
      if (typeof part === "string" && rules.strings) continue;
      if (!isObject(part)) return { path: at, message: "a content part must be an object with a `type`" };
      if (typeof part.type !== "string") return { path: [...at, "type"], message: "must be a string" };
      if (rules.textTypes.has(part.type) && typeof part.text !== "string")
        return { path: [...at, "text"], message: `a ${part.type} part needs a string \`text\`` };
      if (rules.nestingTypes.has(part.type) && part.content !== undefined) {
        if (Array.isArray(part.content)) stack.push({ parts: part.content, path: [...at, "content"] });
        else if (typeof part.content !== "string")
          return { path: [...at, "content"], message: "must be a string or an array of content parts" };
      }
    }
  }
  return null;
}

/**
 * A zod check for a content field: a string, an array of readable parts, or (when `nullable`) null or absent.
 * Issues carry the path inside the content, so the 400 names e.g. `messages.0.content.1.text`.
 */
function partsCheck(field: string, rules: PartRules, nullable: (holder: Record<string, unknown>) => boolean) {
  return (holder: Record<string, unknown>, ctx: z.core.$RefinementCtx) => {
    const value = holder[field];
    if (typeof value === "string") return;
    const wrong = { code: "custom" as const, path: [field], message: "must be a string or an array of content parts" };
    if (value === undefined || value === null) {
      if (!nullable(holder)) ctx.addIssue(wrong);
      return;
    }
    if (!Array.isArray(value)) {
      ctx.addIssue(wrong);
      return;
    }
    const issue = partIssue(value, rules);
    if (issue) ctx.addIssue({ code: "custom", path: [field, ...issue.path], message: issue.message });
  };
}

const none = new Set<string>();
const TEXT = new Set(["text"]);

/**
 * OpenAI Chat Completions: `content` is a string or parts (`text` parts need `text`); it may be null or absent
 * only for `assistant` messages (with tool calls), the old `function` role, and roles inflight does not know,
 * which it leaves to the upstream.
 */
export const chatContent = partsCheck(
  "content",
  { strings: true, textTypes: TEXT, nestingTypes: none },
  (message) => !["system", "developer", "user", "tool"].includes(String(message.role)),
);

/** Anthropic Messages: `content` is a string or blocks; a `tool_result` holds a string or blocks. Required. */
export const anthropicContent = partsCheck(
  "content",
  { strings: false, textTypes: TEXT, nestingTypes: new Set(["tool_result"]) },
  () => false,
);

/** Anthropic's `system`: a string or an array of text blocks; absent (or null) for none. */
export const anthropicSystem = partsCheck(
  "system",
  { strings: false, textTypes: TEXT, nestingTypes: none },
  () => true,
);

const RESPONSES_PARTS: PartRules = {
  strings: false,
  textTypes: new Set(["input_text", "output_text"]),
  nestingTypes: none,
};
const responsesMessage = partsCheck("content", RESPONSES_PARTS, () => false);
const responsesOutput = partsCheck("output", RESPONSES_PARTS, () => false);

/**
 * OpenAI Responses input items: a message (`type` absent or `message`) needs `content`, a string or parts;
 * a `function_call_output`'s `output` is a string or parts. Other item types are left to the upstream.
 */
export function responsesItem(item: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  const type = item.type ?? "message";
  if (type === "message") responsesMessage(item, ctx);
  else if (type === "function_call_output") responsesOutput(item, ctx);
}
