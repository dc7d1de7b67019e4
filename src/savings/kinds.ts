import type { Verdict } from "../engine/inspection";

/**
 * What a verdict says about how the output would have gone on. `degeneration`: it would not have stopped by
 * itself (a loop, runaway whitespace, a stage running past its budget), so it runs to the cap. `typical`: the
 * output was wrong in form or content (JSON, arithmetic, boilerplate...) but would have ended at a normal length.
 * `exit`: the answer was complete; what is saved is the tail that usually follows an answer.
 */
export type CutKind = "degeneration" | "typical" | "exit";

/** Validators whose findings mean the generation has degenerated and would run on to the cap. */
const DEGENERATION_VALIDATORS: ReadonlySet<string> = new Set([
  "repetition-loop",
  "sentence-loop",
  "runaway-whitespace",
  "length-budget",
]);

/** The kind of a verdict, for the savings model. */
export function cutKind(verdict: Verdict): CutKind {
  if (verdict.action === "exit") return "exit";
  return DEGENERATION_VALIDATORS.has(verdict.rejection.validator) ? "degeneration" : "typical";
}
