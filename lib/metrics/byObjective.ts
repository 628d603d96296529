/**
 * Which metrics describe an objective: regression objectives get rmse/mae/r2,
 * binary:* gets logloss/auc/accuracy, multi:* gets logloss/accuracy.
 */
import { mae, r2, rmse } from "./regression";
import { accuracy, auc, logloss } from "./classification";
import { isClassification, objectiveTask } from "../core";

export type MetricFn = (y: ArrayLike<number>, p: ArrayLike<number>) => number;

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
