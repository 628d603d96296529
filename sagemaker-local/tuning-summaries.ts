/**
 * A tuning job's view of its trials, derived from their training jobs: the summaries that
 * ListTrainingJobsForHyperParameterTuningJob answers (tuned hyperparameters, final objective, ObjectiveStatus),
 * and from them the job's TrainingJobStatusCounters, ObjectiveStatusCounters and BestTrainingJob — the best
 * Completed trial, or the best Stopped one if none completed. Recomputed whenever a trial starts or ends and on
 * DescribeHyperParameterTuningJob, so the answer is never staler than the training jobs.
 */
import { Context, now } from "./context";
import { TrainingJobs } from "./training";
import type { ObjectiveType, Trial } from "./tuning";

export function trialSummaries(ctx: Context, jobs: TrainingJobs, r: any): any[] {
  const objective = r.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective;
  return (r._trials as string[]).map((name) => {
    const j = jobs.recs.get(name) ?? {};
    const o = r._objectives?.[name];
    const status = j.TrainingJobStatus ?? "Failed";
    const value = o ? o.objective : (j.FinalMetricDataList ?? []).find((m: any) => m.MetricName === objective.MetricName)?.Value;
    const done = !["InProgress", "Stopping"].includes(status);
    return {
      TrainingJobName: name,
      TrainingJobArn: j.TrainingJobArn ?? ctx.arn("training-job", name.toLowerCase()),
      TuningJobName: r.HyperParameterTuningJobName,
      CreationTime: j.CreationTime ?? r.CreationTime,
      TrainingStartTime: j.TrainingStartTime,
      TrainingEndTime: j.TrainingEndTime,
      TrainingJobStatus: status,
      TunedHyperParameters: r._tuned[name],
      FailureReason: j.FailureReason,
      FinalHyperParameterTuningJobObjectiveMetric: value !== undefined && done ? { Type: objective.Type, MetricName: objective.MetricName, Value: value } : undefined,
      ObjectiveStatus: !done ? "Pending" : value !== undefined && (o ? o.status !== "Failed" : status !== "Failed") ? "Succeeded" : "Failed",
    };
  });
}

/** counters and BestTrainingJob from the training jobs; saves the record */
export function refreshTuningJob(ctx: Context, jobs: TrainingJobs, r: any): void {
  const counters = { Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 };
  const obj = { Succeeded: 0, Pending: 0, Failed: 0 };
  const sums = trialSummaries(ctx, jobs, r);
  for (const s of sums) {
    if (s.TrainingJobStatus === "Completed") counters.Completed++;
    else if (s.TrainingJobStatus === "InProgress" || s.TrainingJobStatus === "Stopping") counters.InProgress++;
    else if (s.TrainingJobStatus === "Stopped") counters.Stopped++;
    else counters.NonRetryableError++;
    if (s.ObjectiveStatus === "Succeeded") obj.Succeeded++;
    else if (s.ObjectiveStatus === "Failed") obj.Failed++;
    else obj.Pending++;
  }
  r.TrainingJobStatusCounters = counters;
  r.ObjectiveStatusCounters = obj;
  const type = r.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.Type;
  const scored = (includeStopped: boolean) =>
    sums.filter((s) => s.FinalHyperParameterTuningJobObjectiveMetric && (s.TrainingJobStatus === "Completed" || (includeStopped && s.TrainingJobStatus === "Stopped")));
  let cands = scored(false);
  if (!cands.length) cands = scored(true);
  let best: any;
  for (const s of cands) {
    const v = s.FinalHyperParameterTuningJobObjectiveMetric.Value;
    if (!best || (type === "Minimize" ? v < best.FinalHyperParameterTuningJobObjectiveMetric.Value : v > best.FinalHyperParameterTuningJobObjectiveMetric.Value)) best = s;
  }
  r.BestTrainingJob = best;
  r.LastModifiedTime = now();
  ctx.store.save("tuning-jobs", r.HyperParameterTuningJobName, r);
}

/** TuningJobCompletionDetails.NumberOfTrainingJobsObjectiveNotImproving: trials since the best one improved */
export function notImproving(history: Trial[], type: ObjectiveType): number {
  let best: number | undefined;
  let n = 0;
  for (const h of history) {
    if (h.status === "Failed" || h.objective === undefined) continue;
    if (best === undefined || (type === "Minimize" ? h.objective < best : h.objective > best)) {
      best = h.objective;
      n = 0;
    } else n++;
  }
  return n;
}
