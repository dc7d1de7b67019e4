import * as z from "../../zod";
import type { RequestContext, Target, Validator, ValidatorKind } from "../../engine/types";
import { createParserValidator } from "./excerpt";
import { createJsonParser } from "./json-parser";
import { createSchemaChecker } from "./schema/checker";
import { compileSchema, type SchemaNode } from "./schema/compile";

export const JsonSchemaParamsSchema = z.strictObject({
  /** Accept one markdown code fence around the value in `content`; keep it equal to the `json-syntax` rule's. */
  allowCodeFence: z._default(z.boolean(), false),
});
export type JsonSchemaParams = z.infer<typeof JsonSchemaParamsSchema>;

/** Compiled schemas by the request's schema object, so `n` choices and parallel tool calls compile once. */
const compiled = new WeakMap<object, SchemaNode>();

/**
 * `json-schema`: the JSON value must be able to satisfy the request's JSON Schema: `response_format.json_schema`
 * for `content`, the called tool's `parameters` for `tool_arguments`. Reports at the first key, type, value or
 * missing property that no alternative of the schema can accept any more. Only judges syntactically valid JSON:
 * a syntax error or an unfinished value ends the check silently (that is `json-syntax`'s finding).
 * Does not apply (the factory returns `undefined`) when there is no schema to check against.
 */
export const jsonSchema: ValidatorKind<typeof JsonSchemaParamsSchema> = {
  name: "json-schema",
  summary:
    "The JSON value can satisfy the request's JSON Schema (response format or tool parameters), checked as it streams.",
  params: JsonSchemaParamsSchema,
  defaultChannels: ["content", "tool_arguments"],
  compile(params) {
    return function createJsonSchemaValidator(ctx: RequestContext, target: Target): Validator | undefined {
      const schema = schemaFor(ctx, target);
      if (schema === undefined) return undefined;
      const checker = createSchemaChecker(compiledSchema(schema));
      const tool = target.channel === "tool_arguments";
      const parser = createJsonParser({ allowCodeFence: params.allowCodeFence && !tool, handler: checker });
      return createParserValidator(parser, (failure) => failure.reason === "handler", checker.stateSize);
    };
  },
};

function schemaFor(ctx: RequestContext, target: Target): unknown {
  switch (target.channel) {
    case "content":
      return ctx.jsonSchema;
    case "tool_arguments":
      return target.toolName === undefined ? undefined : ctx.tools.get(target.toolName);
    case "reasoning":
      return undefined;
  }
}

function compiledSchema(schema: unknown): SchemaNode {
  if (schema === null || typeof schema !== "object") return compileSchema(schema);
  let node = compiled.get(schema);
  if (!node) {
    node = compileSchema(schema);
    compiled.set(schema, node);
  }
  return node;
}
