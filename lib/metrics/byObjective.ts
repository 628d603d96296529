/**
 * Which metrics describe an objective: regression objectives get rmse/mae/r2,
 * binary:* gets logloss/auc/accuracy, multi:* gets logloss/accuracy, survival:cox its own cox-nloglik (its
 * predictions are hazard ratios and its labels signed times: an rmse of the two would be no figure of anything).
 */
import { mae, r2, rmse } from "./regression";
import { accuracy, auc, logloss } from "./classification";
import { BLEND_REFUSED, canonicalObjective, isClassification, objectiveTask } from "../core";
import { coxNLogLik } from "./survival";

export type MetricFn = (y: ArrayLike<number>, p: ArrayLike<number>) => number;

/**
 * The metrics that score probabilities (a ranking for auc), not classes: a vote blend's 0/1 or one-hot classes have no
 * such score, and crossValidate gives them NaN there — as scikit-learn's cross_validate scores a hard
 * VotingClassifier's neg_log_loss and roc_auc (it has no predict_proba nor decision_function: "Scoring failed", nan).
 */
export const PROBABILITY_METRICS: ReadonlySet<string> = new Set(["logloss", "auc"]);

/**
 * The metrics a cross-validation gives as the mean of its folds' values, never of the out-of-fold predictions pooled:
 * cox-nloglik. A Cox model's hazard ratios are defined up to a constant factor per model (the partial likelihood does
 * not see it), so the pooled held-out predictions of k fold models compare rows on k different scales — one fold's
 * model rescaled, an equivalent model, moved the pooled figure (4.96 → 5.54 on 600 rows, fold values 3.3–3.5) — and
 * the pooled risk sets hold k times the rows of a fold's, which put the figure ~log(k) above every fold's. Native
 * xgb.cv reports each fold's cox-nloglik and their mean; SageMaker's XGBoost a validation set's.
 */
export const FOLD_MEAN_METRICS: ReadonlySet<string> = new Set(["cox-nloglik"]);

export function metricsFor(objective: string): Record<string, MetricFn> {
  const task = objectiveTask(objective);
  if (task === "binary") return { logloss, auc, accuracy };
  if (task === "multiclass") return { logloss, accuracy };
  if (canonicalObjective(objective) === "survival:cox") return { "cox-nloglik": coxNLogLik };
  if (task === "survival") throw new Error(BLEND_REFUSED[canonicalObjective(objective)]);
  return { rmse, mae, r2 };
}

/** The metric the trainer logs and the per-fold figure shows by default. */
export function primaryMetric(objective: string): string {
  if (objectiveTask(objective) === "survival") return Object.keys(metricsFor(objective))[0];
  return isClassification(objective) ? "logloss" : "rmse";
}
