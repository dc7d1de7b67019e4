import type { ValidatorKind } from "../../engine/types";
import { answerCompleteValidator } from "./answer-complete";
import { answerConsistencyValidator } from "./answer-consistency";
import { arithmeticValidator } from "./arithmetic";
import { finalResultValidator } from "./final-result";
import { inventedQuantitiesValidator } from "./invented-quantities";
import { solutionBudgetValidator } from "./solution-budget";

/** The math validators. */
export const mathValidators: ValidatorKind[] = [
  arithmeticValidator,
  inventedQuantitiesValidator,
  answerConsistencyValidator,
  answerCompleteValidator,
  solutionBudgetValidator,
  finalResultValidator,
] as ValidatorKind[];
