import * as z from "../zod";

/** Where a stage ends. The marker text itself belongs to the next stage. */
export const StageSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z][a-z0-9_-]*$/, "stage ids are lower-case words: a-z, 0-9, _ and -")),
  /** Markers that end this stage, e.g. `</think>`, `Final Answer:`, `####`. The last stage has none. */
  until: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  /**
   * Where validated text may be released to the client under `x-inflight-holdback: stage`:
   * at the end of the stage (default), at each line end, at each blank-line step, or every N tokens.
   */
  checkpoint: z._default(
    z.union([z.enum(["stage", "line", "step"]), z.strictObject({ tokens: z.number().check(z.int(), z.positive()) })]),
    "stage",
  ),
});
export type Stage = z.infer<typeof StageSchema>;

export const ActionSchema = z.enum(["reject", "flag", "exit"]);
export type Action = z.infer<typeof ActionSchema>;

export const RuleSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z][a-z0-9_.-]*$/, "rule ids are lower-case words: a-z, 0-9, _, . and -")),
  /** A stage id, or `*` for the whole output. */
  stage: z._default(z.string(), "*"),
  validator: z.string(),
  params: z._default(z.record(z.string(), z.unknown()), {}),
  /** Which text the rule reads; defaults to the validator's own choice (usually `content`). */
  channels: z.optional(z.array(z.enum(["content", "reasoning", "tool_arguments"])).check(z.minLength(1))),
  action: z._default(ActionSchema, "reject"),
  message: z.string().check(z.minLength(1)),
  /** Only run when the request asks for JSON output (`response_format` `json_object` or `json_schema`). */
  when: z._default(z.enum(["always", "json_requested"]), "always"),
});
export type Rule = z.infer<typeof RuleSchema>;

export const PackSchema = z.strictObject({
  name: z.string().check(z.regex(/^[a-z][a-z0-9_-]*$/, "pack names are lower-case words: a-z, 0-9, _ and -")),
  description: z.string().check(z.minLength(1)),
  stages: z._default(z.array(StageSchema).check(z.minLength(1)), [{ id: "output", checkpoint: "stage" }]),
  rules: z.array(RuleSchema),
});
export type Pack = z.infer<typeof PackSchema>;
export type PackInput = z.input<typeof PackSchema>;
