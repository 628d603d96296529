/**
 * Which metrics describe an objective: regression objectives get rmse/mae/r2,
 * binary:* gets logloss/auc/accuracy, multi:* gets logloss/accuracy.
 */
import { mae, r2, rmse } from "./regression";
import { accuracy, auc, logloss } from "./classification";

export type MetricFn = (y: ArrayLike<number>, p: ArrayLike<number>) => number;

export function isClassification(objective: string): boolean {
  return objective.startsWith("binary:") || objective.startsWith("multi:");
}

export function metricsFor(objective: string): Record<string, MetricFn> {
  if (objective.startsWith("binary:")) return { logloss, auc, accuracy };
  if (objective.startsWith("multi:")) return { logloss, accuracy };
  return { rmse, mae, r2 };
}

/** The metric the trainer logs and the per-fold figure shows by default. */
export function primaryMetric(objective: string): string {
  return isClassification(objective) ? "logloss" : "rmse";
}
