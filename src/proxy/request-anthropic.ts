import * as z from "../zod";
import type { RequestContext } from "../engine/types";
import type { ParsedRequest } from "./request";
import { anthropicContent, anthropicSystem, tooDeep } from "./request-content";
import { contentText, notAnObject, requestIssue, estimatePromptTokens } from "./request-text";

const MessageSchema = z.looseObject({ role: z.string(), content: z.unknown() }).check(z.superRefine(anthropicContent));
const JsonFormatSchema = z.nullish(z.looseObject({ type: z.string(), schema: z.optional(z.unknown()) }));
const ToolSchema = z.looseObject({ name: z.string(), input_schema: z.optional(z.unknown()) });

/** An Anthropic Messages request (`POST /v1/messages`): the fields inflight reads; the rest goes upstream as it is. */
export const MessagesRequestSchema = z
  .looseObject({
    model: z.string(),
    max_tokens: z.number().check(z.int(), z.positive()),
    messages: z.array(MessageSchema).check(z.minLength(1, "messages must hold at least one message")),
    system: z.optional(z.unknown()),
    stream: z.nullish(z.boolean()),
    tools: z.nullish(z.array(ToolSchema)),
    /** Structured outputs; `output_format` is the beta's older spelling. */
    output_config: z.nullish(z.looseObject({ format: JsonFormatSchema })),
    output_format: JsonFormatSchema,
  })
  .check(z.superRefine(anthropicSystem));

/**
 * Validates a Messages request (`model`, `max_tokens` and `messages` are required, as Anthropic requires them)
 * and reads what the engine needs: the prompt (system and every message's text, tool results included), the
 * JSON output schema, tools' `input_schema` and `max_tokens`.
 */
export function parseMessagesRequest(
  raw: unknown,
): { ok: true; value: ParsedRequest } | { ok: false; error: { message: string; param: string | null } } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, error: notAnObject };
  const deep = tooDeep(raw);
  if (deep) return { ok: false, error: deep };
  const parsed = MessagesRequestSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: requestIssue(parsed.error, raw) };
  const request = parsed.data;
  const texts = [contentText(request.system), ...request.messages.map((m) => contentText(m.content))].filter(Boolean);
  const format = request.output_config?.format ?? request.output_format;
  const tools = new Map<string, unknown>();
  for (const tool of request.tools ?? []) tools.set(tool.name, tool.input_schema);
  const ctx: RequestContext = {
    prompt: texts.join("\n\n"),
    wantsJson: format?.type === "json_schema",
    tools,
    ...(format?.type === "json_schema" && format.schema !== undefined ? { jsonSchema: format.schema } : {}),
    maxTokens: request.max_tokens,
  };
  return {
    ok: true,
    value: {
      body: request as Record<string, unknown>,
      ctx,
      stream: request.stream === true,
      // `message_delta` always carries usage.
      wantsUsage: true,
      choices: 1,
      model: request.model,
      promptTokensEstimate: estimatePromptTokens(texts),
    },
  };
}
