/**
 * Median stopping rule — what SageMaker applies for TrainingJobEarlyStoppingType "AUTO".
 *
 * SageMaker's documentation: a training job is stopped when "the value of the objective metric
 * for the current training job is worse than the median value of running averages of the
 * objective metric for previous training jobs up to the same epoch". Here, after t rounds
 * (t = intermediate.length):
 *     current = the running job's value after round t   (the guide's "value … for the current training
 *               job"; its best value over rounds 1 … t, Google Vizier's rule, was taken — a job whose
 *               metric turned bad after a good first round was never stopped)
 *     for every previous trial j (Completed or Stopped) that reported ≥ t rounds:
 *         a_j = (1/t) Σ_{i ≤ t} v_j,i          (running average of its first t values)
 *     stop ⇔ current is strictly worse than median_j(a_j)   (worse = larger for Minimize).
 * The rule is inactive until at least `minTrials` (default 3) previous trials reach round t and
 * until t ≥ `minRounds` (default 1). Non-finite values count as worst.
 */
import type { ObjectiveType, Trial } from "./types";

export function medianStoppingRule(
  history: Trial[],
  intermediate: number[],
  objectiveType: ObjectiveType,
  opts: { minTrials?: number; minRounds?: number } = {},
): boolean {
  const minTrials = opts.minTrials ?? 3;
  const minRounds = opts.minRounds ?? 1;
  const t = intermediate?.length ?? 0;
  if (t === 0 || t < minRounds) return false;
  const loss = (v: number) => {
    const l = objectiveType === "Maximize" ? -v : v;
    return Number.isFinite(l) ? l : Infinity;
  };
  const current = loss(intermediate[t - 1]);
  const avgs: number[] = [];
  for (const tr of history) {
    if (tr.status === "Failed" || !tr.intermediate || tr.intermediate.length < t) continue;
    let s = 0;
    for (let i = 0; i < t; i++) s += loss(tr.intermediate[i]);
    avgs.push(s / t);
  }
  if (avgs.length < Math.max(1, minTrials)) return false;
  avgs.sort((a, b) => a - b);
  const m = avgs.length;
  const median = m % 2 ? avgs[(m - 1) / 2] : (avgs[m / 2 - 1] + avgs[m / 2]) / 2;
  return current > median;
}
