/**
 * What each objective is — the one place that knows it (lib's blends, metrics, folds and members
 * ask here instead of testing name prefixes).
 *
 * | task         | objectives                                         | prediction per row         |
 * |--------------|----------------------------------------------------|----------------------------|
 * | regression   | reg:squarederror, reg:absoluteerror, reg:pseudohubererror, count:poisson | one value      |
 * | binary       | binary:logistic                                    | P(class 1)                 |
 * | multiclass   | multi:softprob, multi:softmax                      | num_class probabilities (softprob) or the class (softmax) |
 */
import { canonicalObjective, unsupportedObjective, type Objective } from "./params";

export type Task = "regression" | "binary" | "multiclass";

const TASKS: Record<Objective, Task> = {
  "reg:squarederror": "regression",
  "reg:absoluteerror": "regression",
  "reg:pseudohubererror": "regression",
  "count:poisson": "regression",
  "binary:logistic": "binary",
  "multi:softprob": "multiclass",
  "multi:softmax": "multiclass",
};

/** The task of an objective; an unknown name is an Error listing the known ones. */
export function objectiveTask(objective: string): Task {
  const task = TASKS[canonicalObjective(objective) as Objective];
  if (!task) throw new Error(unsupportedObjective(objective));
  return task;
}

/** binary:* and multi:* — labels are classes (stratified folds, classification metrics). */
export function isClassification(objective: string): boolean {
  return objectiveTask(objective) !== "regression";
}

/** multi:* — one output group (tree per round, probability per row) per class. */
export function isMulticlass(objective: string): boolean {
  return objectiveTask(objective) === "multiclass";
}

/** Output groups per row: num_class for multi:*, else 1. */
export function outputGroups(objective: string, numClass: number | undefined): number {
  return isMulticlass(objective) ? numClass ?? 1 : 1;
}
