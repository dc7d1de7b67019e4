import { z } from "zod";
import type { RequestContext } from "../engine/types";
import type { ParsedRequest } from "./request";
import { responsesItem, tooDeep } from "./request-content";
import { contentText, notAnObject, requestIssue, estimatePromptTokens } from "./request-text";

const InputItemSchema = z
  .looseObject({
    type: z.string().optional(),
    role: z.string().optional(),
    content: z.unknown().optional(),
    output: z.unknown().optional(),
  })
  .superRefine(responsesItem);
const FormatSchema = z.looseObject({ type: z.string(), schema: z.unknown().optional() });
const ToolSchema = z.looseObject({
  type: z.string(),
  name: z.string().optional(),
  parameters: z.unknown().optional(),
});

/** A Responses API request (`POST /v1/responses`): the fields inflight reads; the rest goes upstream as it is. */
export const ResponsesRequestSchema = z.looseObject({
  model: z.string().optional(),
  input: z.union([z.string(), z.array(InputItemSchema)]),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  text: z.looseObject({ format: FormatSchema.nullish() }).nullish(),
  tools: z.array(ToolSchema).nullish(),
  /**
   * A background response keeps generating (and billing) after inflight cuts its stream, and only a separate
   * cancel call stops it: inflight could not enforce anything on it, so it refuses it.
   */
  background: z
    .literal(false, { error: "inflight cannot cut off a background response; omit it or set false" })
    .nullish(),
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
