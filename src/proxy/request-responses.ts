import * as z from "../zod";
import type { RequestContext } from "../engine/types";
import type { ParsedRequest } from "./request";
import { responsesItem, tooDeep } from "./request-content";
import { contentText, notAnObject, requestIssue, estimatePromptTokens } from "./request-text";

const InputItemSchema = z
  .looseObject({
    type: z.optional(z.string()),
    role: z.optional(z.string()),
    content: z.optional(z.unknown()),
    output: z.optional(z.unknown()),
  })
  .check(z.superRefine(responsesItem));
const FormatSchema = z.looseObject({ type: z.string(), schema: z.optional(z.unknown()) });
const ToolSchema = z.looseObject({
  type: z.string(),
  name: z.optional(z.string()),
  parameters: z.optional(z.unknown()),
});

/** A Responses API request (`POST /v1/responses`): the fields inflight reads; the rest goes upstream as it is. */
export const ResponsesRequestSchema = z.looseObject({
  model: z.optional(z.string()),
  input: z.union([z.string(), z.array(InputItemSchema)]),
  instructions: z.nullish(z.string()),
  stream: z.nullish(z.boolean()),
  max_output_tokens: z.nullish(z.number().check(z.int(), z.positive())),
  text: z.nullish(z.looseObject({ format: z.nullish(FormatSchema) })),
  tools: z.nullish(z.array(ToolSchema)),
  /**
   * A background response keeps generating (and billing) after inflight cuts its stream, and only a separate
   * cancel call stops it: inflight could not enforce anything on it, so it refuses it.
   */
  background: z.nullish(
    z.literal(false, { error: "inflight cannot cut off a background response; omit it or set false" }),
  ),
});

/**
 * Validates a Responses request and reads what the engine needs: the prompt (instructions and every input text),
 * `text.format` (JSON wanted, its schema), function tools' parameter schemas and `max_output_tokens`.
 */
export function parseResponsesRequest(
  raw: unknown,
): { ok: true; value: ParsedRequest } | { ok: false; error: { message: string; param: string | null } } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, error: notAnObject };
  const deep = tooDeep(raw);
  if (deep) return { ok: false, error: deep };
  const parsed = ResponsesRequestSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: requestIssue(parsed.error, raw) };
  const request = parsed.data;
  const items = typeof request.input === "string" ? [request.input] : request.input.map(itemText);
  const texts = [request.instructions ?? "", ...items].filter(Boolean);
  const format = request.text?.format;
  const tools = new Map<string, unknown>();
  for (const tool of request.tools ?? [])
    if (tool.type === "function" && tool.name) tools.set(tool.name, tool.parameters);
  const maxTokens = request.max_output_tokens ?? undefined;
  const ctx: RequestContext = {
    prompt: texts.join("\n\n"),
    wantsJson: format?.type === "json_object" || format?.type === "json_schema",
    tools,
    ...(format?.type === "json_schema" && format.schema !== undefined ? { jsonSchema: format.schema } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  };
  return {
    ok: true,
    value: {
      body: request as Record<string, unknown>,
      ctx,
      stream: request.stream === true,
      // `response.completed` always carries usage.
      wantsUsage: true,
      choices: 1,
      model: request.model ?? "",
      promptTokensEstimate: estimatePromptTokens(texts),
    },
  };
}

function itemText(item: z.infer<typeof InputItemSchema>): string {
  if (item.content !== undefined) return contentText(item.content);
  // function_call_output and the like carry their text in `output`.
  return typeof item.output === "string" ? item.output : contentText(item.output);
}
