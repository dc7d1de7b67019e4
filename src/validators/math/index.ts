import type { ValidatorKind } from "../../engine/types";
import { answerCompleteValidator } from "./answer-complete";
import { answerConsistencyValidator } from "./answer-consistency";
import { arithmeticValidator } from "./arithmetic";
import { inventedQuantitiesValidator } from "./invented-quantities";
import { solutionBudgetValidator } from "./solution-budget";

/** The math validators. */
export const mathValidators: ValidatorKind[] = [
  arithmeticValidator,
  inventedQuantitiesValidator,
  answerConsistencyValidator,
  answerCompleteValidator,
  solutionBudgetValidator,
] as ValidatorKind[];
