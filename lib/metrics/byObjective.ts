/**
 * Which metrics describe an objective: regression objectives get rmse/mae/r2,
 * binary:* gets logloss/auc/accuracy, multi:* gets logloss/accuracy.
 */
import { mae, r2, rmse } from "./regression";
import { accuracy, auc, logloss } from "./classification";
import { isClassification, objectiveTask } from "../core";

export type MetricFn = (y: ArrayLike<number>, p: ArrayLike<number>) => number;

/**
 * The metrics that score probabilities (a ranking for auc), not classes: a vote blend's 0/1 or one-hot classes have no
 * such score, and crossValidate gives them NaN there — as scikit-learn's cross_validate scores a hard
 * VotingClassifier's neg_log_loss and roc_auc (it has no predict_proba nor decision_function: "Scoring failed", nan).
 */
export const PROBABILITY_METRICS: ReadonlySet<string> = new Set(["logloss", "auc"]);

export function metricsFor(objective: string): Record<string, MetricFn> {
  const task = objectiveTask(objective);
  if (task === "binary") return { logloss, auc, accuracy };
  if (task === "multiclass") return { logloss, accuracy };
  return { rmse, mae, r2 };
}

/** The metric the trainer logs and the per-fold figure shows by default. */
export function primaryMetric(objective: string): string {
  return isClassification(objective) ? "logloss" : "rmse";
}
