/**
 * What each objective is — the one place that knows it (lib's blends, metrics, folds and members
 * ask here instead of testing name prefixes).
 *
 * | task         | objectives                                         | prediction per row         |
 * |--------------|----------------------------------------------------|----------------------------|
 * | regression   | reg:squarederror, reg:absoluteerror, reg:pseudohubererror, reg:squaredlogerror, count:poisson, reg:gamma, reg:tweedie, reg:logistic | one value (reg:logistic: a probability, its labels in [0, 1], XGBoost's regression task) |
 * | binary       | binary:logistic                                    | P(class 1)                 |
 * | binary       | binary:logitraw, binary:hinge                      | the log-odds (logitraw), the class 0 / 1 (hinge): no probability, see BLEND_REFUSED |
 * | multiclass   | multi:softprob, multi:softmax                      | num_class probabilities (softprob) or the class (softmax) |
 * | survival     | survival:cox                                       | the hazard ratio exp(margin) (labels: times, negative = censored) |
 * | survival     | survival:aft                                       | the time exp(margin) (labels: the bounds label_lower_bound / label_upper_bound) |
 * | ranking      | rank:pairwise, rank:ndcg, rank:map                 | a score to order a query's rows by (the margin) |
 */
import { canonicalObjective, unsupportedObjective, type Objective } from "./params";

export type Task = "regression" | "binary" | "multiclass" | "survival" | "ranking";

const TASKS: Record<Objective, Task> = {
  "reg:squarederror": "regression",
  "reg:absoluteerror": "regression",
  "reg:pseudohubererror": "regression",
  "count:poisson": "regression",
  "reg:gamma": "regression",
  "reg:tweedie": "regression",
  "reg:squaredlogerror": "regression",
  "reg:logistic": "regression",
  "binary:logistic": "binary",
  "binary:logitraw": "binary",
  "binary:hinge": "binary",
  "multi:softprob": "multiclass",
  "multi:softmax": "multiclass",
  "survival:cox": "survival",
  "survival:aft": "survival",
  "rank:pairwise": "ranking",
  "rank:ndcg": "ranking",
  "rank:map": "ranking",
};

/** The task of an objective; an unknown name is an Error listing the known ones. */
export function objectiveTask(objective: string): Task {
  const task = TASKS[canonicalObjective(objective) as Objective];
  if (!task) throw new Error(unsupportedObjective(objective));
  return task;
}

/**
 * Objectives whose prediction is not what an ensemble of their task blends and scores (a probability of class 1, a
 * value in the label's unit): lib refuses them, with the reason, rather than average log-odds with probabilities or
 * score 0 / 1 classes as probabilities (a logloss of 0 or infinity). The core trains and predicts them as XGBoost.
 */
export const BLEND_REFUSED: Record<string, string> = {
  "binary:logitraw": "binary:logitraw predicts the log-odds (a margin, not a probability), which an ensemble cannot blend with probabilities or score with logloss / auc; use binary:logistic (the same trees, predicting the probability)",
  "binary:hinge": "binary:hinge predicts the class itself (0 or 1, no probability), which an ensemble cannot average or score with logloss / auc; use binary:logistic and predictClasses for the labels",
  "multi:softmax": "multi:softmax predicts a class index per row, which an ensemble cannot blend or score as probabilities; use multi:softprob (the same trees, predicting each class's probability) and predictClasses for the labels",
  "survival:aft": "survival:aft's labels are intervals (XGBoost's label_lower_bound and label_upper_bound), which an ensemble's one label column does not hold; train it with train() on a DMatrix given label_lower_bound and label_upper_bound",
};
// rank:* train on query groups, which an ensemble's tables, folds (rows, not groups), blends and per-row metrics do
// not keep: refused with the reason rather than trained as one query of all rows
for (const o of ["rank:pairwise", "rank:ndcg", "rank:map"]) {
  BLEND_REFUSED[o] = `${o} learns to order the rows of each query group (DMatrix group / qid), which an ensemble's tables, folds (split by row, not by group), blends and per-row metrics do not keep; train it with the core's train() on a DMatrix with its groups`;
}

/** Each objective's labels, as native checks them (its words in parentheses); binary:hinge's [0, 1] is its documented
 * range (native reads any label as 2y - 1 and trains on nonsense past it) */
const LABEL_RANGES: Record<string, [ok: (y: number) => boolean, needs: string]> = {
  "binary:logistic": [(y) => y >= 0 && y <= 1, "labels in [0, 1]"],
  "reg:logistic": [(y) => y >= 0 && y <= 1, "labels in [0, 1] (native: label must be in [0,1] for logistic regression)"],
  "binary:logitraw": [(y) => y >= 0 && y <= 1, "labels in [0, 1] (native: label must be in [0,1] for logistic regression)"],
  "binary:hinge": [(y) => y >= 0 && y <= 1, "labels in [0, 1] (0 or 1: its classes)"],
  "count:poisson": [(y) => y >= 0, "labels >= 0"],
  // its gains are 2^label - 1 of the label as an integer (native's shift: past 30 it overflows)
  "rank:ndcg": [(y) => y >= 0 && y < 31, "relevance labels in [0, 31) (the gain is 2^label - 1 of the label truncated to an integer)"],
  "reg:gamma": [(y) => y > 0, "labels > 0 (native: GammaRegression: label must be positive)"],
  "reg:tweedie": [(y) => y >= 0, "labels >= 0 (native: TweedieRegression: label must be nonnegative)"],
  "reg:squaredlogerror": [(y) => y > -1, "labels > -1 (native: label must be greater than -1 for rmsle so that log(label + 1) can be valid)"],
};

/** The labels an objective takes — a test and what it needs, in words — or undefined (any number; multi:*'s classes
 * are checked against num_class by train) */
export function labelRange(objective: string): [ok: (y: number) => boolean, needs: string] | undefined {
  return LABEL_RANGES[canonicalObjective(objective)];
}

/** binary:* and multi:* — labels are classes (stratified folds, classification metrics). */
export function isClassification(objective: string): boolean {
  const task = objectiveTask(objective);
  return task === "binary" || task === "multiclass";
}

/** multi:* — one output group (tree per round, probability per row) per class. */
export function isMulticlass(objective: string): boolean {
  return objectiveTask(objective) === "multiclass";
}

/** Output groups per row: num_class for multi:*, else 1. */
export function outputGroups(objective: string, numClass: number | undefined): number {
  return isMulticlass(objective) ? numClass ?? 1 : 1;
}
