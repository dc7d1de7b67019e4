import * as z from "../../zod";
import type { RequestContext, Target, Validator, ValidatorKind } from "../../engine/types";
import { createParserValidator } from "./excerpt";
import { createJsonParser } from "./json-parser";

export const JsonSyntaxParamsSchema = z.strictObject({
  /** Accept one markdown code fence (```` ```json ```` ... ```` ``` ````) around the value in `content`. */
  allowCodeFence: z._default(z.boolean(), false),
  /**
   * Report a JSON value the stream leaves unfinished, at the end of the text. A value cut by
   * `finish_reason: "length"` is as unusable as any other, so this is on by default; nothing is saved by it
   * (the stream is over), but the client gets a verdict instead of a parse error later.
   */
  reportTruncated: z._default(z.boolean(), true),
});
export type JsonSyntaxParams = z.infer<typeof JsonSyntaxParamsSchema>;

/**
 * `json-syntax`: the text must be one JSON value (RFC 8259), with nothing but whitespace around it. Applies to
 * `content` when the request asked for JSON, and to every tool call's arguments. Reports at the first character
 * that cannot be part of valid JSON: prose or a code fence before the value, a comment, a trailing comma, a
 * single quote, a bad escape or number, text after the value.
 *
 * @example
 * // rules/json.yaml
 * - { id: json.syntax, validator: json-syntax, when: json_requested, message: "The output is not valid JSON." }
 */
export const jsonSyntax: ValidatorKind<typeof JsonSyntaxParamsSchema> = {
  name: "json-syntax",
  summary: "The text is a single valid JSON value (RFC 8259), checked character by character.",
  params: JsonSyntaxParamsSchema,
  defaultChannels: ["content", "tool_arguments"],
  compile(params) {
    return function createJsonSyntaxValidator(ctx: RequestContext, target: Target): Validator | undefined {
      if (target.channel === "reasoning") return undefined;
      if (target.channel === "content" && !ctx.wantsJson) return undefined;
      const tool = target.channel === "tool_arguments";
      const parser = createJsonParser({ allowCodeFence: params.allowCodeFence && !tool });
      return createParserValidator(parser, (failure) => {
        switch (failure.reason) {
          case "syntax":
          case "handler":
            return true;
          case "empty":
            // Some providers send "" as the arguments of a call to a tool without parameters; clients read {}.
            return !tool && params.reportTruncated;
          case "truncated":
            return params.reportTruncated;
        }
      });
    };
  },
};
