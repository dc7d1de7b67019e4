import type * as z from "../zod";

/** Which part of a choice's output a piece of text belongs to. */
export type Channel = "content" | "reasoning" | "tool_arguments";

/** What validators may read of the request that produced the stream. */
export interface RequestContext {
  /** Every prompt text of the request (system, user, tool messages, or `prompt`), joined by blank lines. */
  prompt: string;
  /** The JSON Schema the output must satisfy (`response_format.json_schema.schema`), if any. */
  jsonSchema?: unknown;
  /** True when the request asks for JSON output (`json_object` or `json_schema`). */
  wantsJson: boolean;
  /** Tool parameter schemas by tool (function) name. */
  tools: ReadonlyMap<string, unknown>;
  /** The request's `max_tokens` / `max_completion_tokens`, if any. */
  maxTokens?: number;
}

/** The text stream a validator instance watches. */
export interface Target {
  channel: Channel;
  /** For `tool_arguments`: the function name of the tool call, once known. */
  toolName?: string;
}

/** A validator's report that the text it has seen breaks its rule (or, for `exit` rules, is complete). */
export interface Finding {
  /** Offset in characters (UTF-16 code units), within the text fed to this validator, where the finding is certain. */
  at: number;
  /** A short excerpt of the text that shows the finding (at most ~120 characters). */
  evidence: string;
  /** One sentence, specific to this occurrence (e.g. "48 / 2 = 25, but 48 / 2 is 24"). */
  detail: string;
}

/**
 * One validator watching one text stream. It sees each piece of text once, in order; the pieces joined are the
 * stream. Results must not depend on how the text is split into pieces: the same text gives the same finding at
 * the same `at`, whatever the split. State must stay bounded where the check allows it (no copy of the whole text).
 */
export interface Validator {
  /** The next piece of text; returns a finding the moment the text so far is certain to break the rule. */
  push(text: string): Finding | undefined;
  /** The stream (or the validator's stage) has ended; last chance to report. */
  end(): Finding | undefined;
  /** Approximate retained state in characters, for tests that prove state stays bounded. */
  stateSize?(): number;
}

/**
 * A kind of validator: its parameters (a `zod/mini` schema, validated when a pack loads) and a compile step that runs
 * once per pack per isolate. `compile` returns a factory that makes a fresh validator for one stream of one
 * request, or `undefined` when the validator does not apply to that request (e.g. a JSON Schema check on a
 * request without a schema).
 */
export interface ValidatorKind<P extends z.ZodMiniType = z.ZodMiniType> {
  name: string;
  /** One line: what the validator checks. */
  summary: string;
  params: P;
  /** Channels it applies to when a rule names none. */
  defaultChannels?: readonly Channel[];
  compile(params: z.output<P>): (ctx: RequestContext, target: Target) => Validator | undefined;
}
