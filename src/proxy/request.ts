import * as z from "../zod";
import { estimateTokens } from "../engine/tokens";
import type { RequestContext } from "../engine/types";
import type { CompletionKind } from "../formats/chat";
import { chatContent, tooDeep } from "./request-content";
import { contentText, estimatePromptTokens, notAnObject, requestIssue } from "./request-text";

const MessageSchema = z
  .looseObject({ role: z.string(), content: z.optional(z.unknown()) })
  .check(z.superRefine(chatContent));
const StreamOptionsSchema = z.nullish(z.looseObject({ include_usage: z.optional(z.boolean()) }));
const ResponseFormatSchema = z.nullish(
  z.looseObject({
    type: z.string(),
    json_schema: z.optional(z.looseObject({ schema: z.optional(z.unknown()) })),
  }),
);
const ToolSchema = z.looseObject({
  type: z.optional(z.string()),
  function: z.optional(z.looseObject({ name: z.string(), parameters: z.optional(z.unknown()) })),
});
const Common = {
  model: z.optional(z.string()),
  stream: z.nullish(z.boolean()),
  stream_options: StreamOptionsSchema,
  n: z.nullish(z.number().check(z.int(), z.gte(1), z.lte(128))),
  max_tokens: z.nullish(z.number().check(z.int(), z.positive())),
};

export const ChatRequestSchema = z.looseObject({
  ...Common,
  messages: z.array(MessageSchema).check(z.minLength(1, "messages must hold at least one message")),
  max_completion_tokens: z.nullish(z.number().check(z.int(), z.positive())),
  response_format: ResponseFormatSchema,
  tools: z.nullish(z.array(ToolSchema)),
});
export const CompletionRequestSchema = z.looseObject({
  ...Common,
  prompt: z.union([z.string(), z.array(z.string()), z.array(z.number()), z.array(z.array(z.number()))]),
});

/** A request body inflight understood, with what validators and accounting need from it. */
export interface ParsedRequest {
  body: Record<string, unknown>;
  ctx: RequestContext;
  stream: boolean;
  wantsUsage: boolean;
  choices: number;
  model: string;
  promptTokensEstimate: number;
}

/**
 * Validates a completion request and reads what the engine needs. A body error names the field at fault.
 * @returns the parsed request, or an error message and the dotted path of the field
 */
export function parseCompletionRequest(
  kind: CompletionKind,
  raw: unknown,
): { ok: true; value: ParsedRequest } | { ok: false; error: { message: string; param: string | null } } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, error: notAnObject };
  const deep = tooDeep(raw);
  if (deep) return { ok: false, error: deep };
  const schema = kind === "chat" ? ChatRequestSchema : CompletionRequestSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: requestIssue(parsed.error, raw) };
  const body = parsed.data as Record<string, unknown>;
  let prompt: string;
  let promptTokensEstimate: number;
  const tools = new Map<string, unknown>();
  let jsonSchema: unknown;
  let wantsJson = false;
  let maxTokens: number | undefined;
  if (kind === "chat") {
    const chat = parsed.data as z.infer<typeof ChatRequestSchema>;
    const texts = chat.messages.map((message) => contentText(message.content));
    prompt = texts.join("\n\n");
    promptTokensEstimate = estimatePromptTokens(texts);
    const format = chat.response_format;
    wantsJson = format?.type === "json_object" || format?.type === "json_schema";
    if (format?.type === "json_schema") jsonSchema = format.json_schema?.schema;
    for (const tool of chat.tools ?? []) if (tool.function) tools.set(tool.function.name, tool.function.parameters);
    maxTokens = chat.max_completion_tokens ?? chat.max_tokens ?? undefined;
  } else {
    const completion = parsed.data as z.infer<typeof CompletionRequestSchema>;
    prompt =
      typeof completion.prompt === "string"
        ? completion.prompt
        : completion.prompt.filter((p) => typeof p === "string").join("\n\n");
    promptTokensEstimate = estimateTokens(prompt);
    maxTokens = completion.max_tokens ?? undefined;
  }
  const ctx: RequestContext = {
    prompt,
    wantsJson,
    tools,
    ...(jsonSchema !== undefined ? { jsonSchema } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  };
  return {
    ok: true,
    value: {
      body,
      ctx,
      stream: body.stream === true,
      wantsUsage: (body.stream_options as { include_usage?: boolean } | null | undefined)?.include_usage === true,
      choices: typeof body.n === "number" ? body.n : 1,
      model: typeof body.model === "string" ? body.model : "",
      promptTokensEstimate,
    },
  };
}

/** The body sent upstream: always streamed, always with usage, so inflight can cut it off and count it. */
export function upstreamBody(body: Record<string, unknown>): Record<string, unknown> {
  const streamOptions =
    typeof body.stream_options === "object" && body.stream_options !== null ? body.stream_options : {};
  return { ...body, stream: true, stream_options: { ...streamOptions, include_usage: true } };
}
