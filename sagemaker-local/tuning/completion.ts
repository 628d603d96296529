/**
 * Helpers for the tuning job's bookkeeping (pure): the best trial and the completion criteria of
 * HyperParameterTuningJobConfig.TuningJobCompletionCriteria.
 *
 *   TargetObjectiveMetricValue      done as soon as the best objective reaches the target
 *                                   (≤ target for Minimize, ≥ target for Maximize).
 *   MaxNumberOfTrainingJobsNotImproving = N
 *                                   walking the trials in completion order (Failed ones skipped),
 *                                   count the trials since the last one that improved the best
 *                                   objective by 1% or more; done when that count reaches N.
 * bestTrial: the Completed trial (Stopped too with includeStopped) with the best finite objective;
 * ties → the earlier one.
 */
import type { ObjectiveType, Trial } from "./types";

export function bestTrial<T extends Trial>(history: T[], objectiveType: ObjectiveType, opts: { includeStopped?: boolean } = {}): T | undefined {
  let best: T | undefined;
  for (const t of history) {
    if (!(t.status === "Completed" || (opts.includeStopped && t.status === "Stopped"))) continue;
    if (typeof t.objective !== "number" || !Number.isFinite(t.objective)) continue;
    if (!best || (objectiveType === "Maximize" ? t.objective > best.objective! : t.objective < best.objective!)) best = t;
  }
  return best;
}

export function completionReached(
  history: Trial[],
  objectiveType: ObjectiveType,
  criteria: { TargetObjectiveMetricValue?: number; MaxNumberOfTrainingJobsNotImproving?: number } | undefined,
  opts: { includeStopped?: boolean } = {},
): { done: boolean; reason?: string } {
  if (!criteria) return { done: false };
  const better = (a: number, b: number) => (objectiveType === "Maximize" ? a > b : a < b);
  const target = criteria.TargetObjectiveMetricValue;
  const best = bestTrial(history, objectiveType, opts);
  if (typeof target === "number" && best && !better(target, best.objective!))
    return { done: true, reason: `TargetObjectiveMetricValue ${target} reached (best ${best.objective})` };
  const n = criteria.MaxNumberOfTrainingJobsNotImproving;
  if (typeof n === "number" && n >= 1) {
    const since = trialsNotImproving(history, objectiveType, opts);
    if (since !== undefined && since >= n) return { done: true, reason: `MaxNumberOfTrainingJobsNotImproving ${n} reached` };
  }
  return { done: false };
}

/** SageMaker counts a trial as not improving unless it beats the best so far "by 1% or greater" */
export const MIN_IMPROVEMENT = 0.01;

/**
 * The trials since the last one that improved the best objective by at least 1% (MIN_IMPROVEMENT, relative to the
 * best so far's magnitude: BestObjectiveNotImproving counts "training jobs that have failed to improve model
 * performance by 1% or greater over prior training jobs", and TuningJobCompletionDetails those "not improving (1% or
 * less)"), in completion order (Failed ones skipped; a Stopped one counts as not improving unless includeStopped),
 * or undefined before any usable trial. A smaller gain still moves the best, but counts as not improving (any gain
 * reset the count: 1.0, 0.999, 0.998, … never ended the job). One count for the criterion and for the job's
 * TuningJobCompletionDetails, which counted Stopped trials by its own rule (2 where the criterion had reached 3).
 */
export function trialsNotImproving(history: Trial[], objectiveType: ObjectiveType, opts: { includeStopped?: boolean } = {}): number | undefined {
  const gain = (a: number, b: number) => (objectiveType === "Maximize" ? a - b : b - a);
  let cur: number | undefined;
  let since = 0;
  for (const t of history) {
    if (t.status === "Failed") continue;
    const usable = (t.status === "Completed" || (opts.includeStopped && t.status === "Stopped")) && typeof t.objective === "number" && Number.isFinite(t.objective);
    if (usable && cur === undefined) {
      cur = t.objective!;
      since = 0;
      continue;
    }
    const g = usable && cur !== undefined ? gain(t.objective!, cur) : 0;
    if (usable && g >= MIN_IMPROVEMENT * Math.abs(cur!) && g > 0) since = 0;
    else since++;
    if (g > 0) cur = t.objective!;
  }
  return cur === undefined ? undefined : since;
}
