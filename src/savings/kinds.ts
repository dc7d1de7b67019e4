import type { Verdict } from "../engine/inspection";

/**
 * What a verdict says about how the output would have gone on. `degeneration`: it would not have stopped by
 * itself (a loop, runaway whitespace, a stage running past its budget), so it runs to the cap. `typical`: the
 * output was wrong in form or content (JSON, arithmetic, boilerplate...) but would have ended at a normal length.
 * `exit`: the answer was complete; what is saved is the tail that usually follows an answer. `answer`: a rejection
 * in a pack's answer stage (its last stage, after a final-answer marker such as `####` or `\boxed{`): the output
 * was in its final answer, so what it would still have generated is an answer's tail too, as after an exit.
 * `ended`: the rule decided when the output had already ended (an end-of-output check, such as a final equation
 * closed by the end of the text): everything was generated, and nothing was saved, whatever the rule.
 */
export type CutKind = "degeneration" | "typical" | "answer" | "exit" | "ended";

/** Validators whose findings mean the generation has degenerated and would run on to the cap. */
const DEGENERATION_VALIDATORS: ReadonlySet<string> = new Set([
  "repetition-loop",
  "sentence-loop",
  "runaway-whitespace",
  "length-budget",
]);

/** The kind of a verdict, for the savings model. */
export function cutKind(verdict: Verdict): CutKind {
  if (verdict.outputEnded) return "ended";
  if (verdict.action === "exit") return "exit";
  if (DEGENERATION_VALIDATORS.has(verdict.rejection.validator)) return "degeneration";
  return verdict.finalStage ? "answer" : "typical";
}
