/**
 * A tuning job's view of its trials, derived from their training jobs: the summaries that
 * ListTrainingJobsForHyperParameterTuningJob answers (tuned hyperparameters, final objective, ObjectiveStatus),
 * and from them the job's TrainingJobStatusCounters, ObjectiveStatusCounters and BestTrainingJob — the best
 * Completed trial, or the best Stopped one if none completed — and for a warm start OverallBestTrainingJob, the best
 * of that and the parents' best training jobs. Recomputed whenever a trial starts or ends and on
 * DescribeHyperParameterTuningJob, so the answer is never staler than the training jobs.
 */
import type { TrainingJobStatusCounters, ObjectiveStatusCounters } from "@aws-sdk/client-sagemaker";
import { Context, now } from "./context";
import { saveTuningJob, TrialSummary, TuningJobRecord } from "./records";
import { TrainingJobs } from "./training";
import type { ObjectiveType, Trial } from "./tuning";
import { overallBest } from "./tuning-warm-start";

export function trialSummaries(ctx: Context, jobs: TrainingJobs, r: TuningJobRecord): TrialSummary[] {
  const { wire, local } = r;
  const objective = wire.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective;
  return local.trials.map((name): TrialSummary => {
    const j = jobs.recs.get(name); // undefined only if the job's file was lost
    const o = local.objectives?.[name];
    const status = j?.TrainingJobStatus ?? "Failed";
    const value = o ? o.objective : (j?.FinalMetricDataList ?? []).find((m) => m.MetricName === objective.MetricName)?.Value;
    const done = status !== "InProgress" && status !== "Stopping";
    return {
      TrainingJobName: name,
      TrainingJobArn: j?.TrainingJobArn ?? ctx.arn("training-job", name.toLowerCase()),
      TuningJobName: wire.HyperParameterTuningJobName,
      CreationTime: j?.CreationTime ?? wire.CreationTime,
      TrainingStartTime: j?.TrainingStartTime,
      TrainingEndTime: j?.TrainingEndTime,
      TrainingJobStatus: status,
      TunedHyperParameters: local.tuned[name],
      FailureReason: j?.FailureReason,
      FinalHyperParameterTuningJobObjectiveMetric: value !== undefined && done ? { Type: objective.Type, MetricName: objective.MetricName, Value: value } : undefined,
      ObjectiveStatus: !done ? "Pending" : value !== undefined && (o ? o.status !== "Failed" : status !== "Failed") ? "Succeeded" : "Failed",
    };
  });
}

/**
 * Counters and BestTrainingJob from the training jobs. Saves the record (and moves LastModifiedTime) when they
 * changed, or always with `save: "always"` (a caller that changed other fields); a DescribeHyperParameterTuningJob
 * that changes nothing writes nothing — with 20 clients polling, a durable (fsync'd) write per poll was the
 * server's bottleneck (~100 Describe/s).
 */
export function refreshTuningJob(ctx: Context, jobs: TrainingJobs, r: TuningJobRecord, save: "always" | "if-changed" = "always"): void {
  const counters: Required<TrainingJobStatusCounters> = { Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 };
  const obj: Required<ObjectiveStatusCounters> = { Succeeded: 0, Pending: 0, Failed: 0 };
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
  const w = r.wire;
  const before = JSON.stringify([w.TrainingJobStatusCounters, w.ObjectiveStatusCounters, w.BestTrainingJob]);
  w.TrainingJobStatusCounters = counters;
  w.ObjectiveStatusCounters = obj;
  const type = w.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.Type;
  const valueOf = (s: TrialSummary) => s.FinalHyperParameterTuningJobObjectiveMetric?.Value;
  const scored = (includeStopped: boolean) =>
    sums.filter((s) => valueOf(s) !== undefined && (s.TrainingJobStatus === "Completed" || (includeStopped && s.TrainingJobStatus === "Stopped")));
  let cands = scored(false);
  if (!cands.length) cands = scored(true);
  let best: { summary: TrialSummary; value: number } | undefined;
  for (const s of cands) {
    const v = valueOf(s)!; // scored: has a value
    if (!best || (type === "Minimize" ? v < best.value : v > best.value)) best = { summary: s, value: v };
  }
  w.BestTrainingJob = best?.summary;
  if (r.local.parentBest) w.OverallBestTrainingJob = overallBest(w.BestTrainingJob, r.local.parentBest, type); // warm start only, as AWS
  if (save === "if-changed" && JSON.stringify([w.TrainingJobStatusCounters, w.ObjectiveStatusCounters, w.BestTrainingJob]) === before) return;
  w.LastModifiedTime = now();
  saveTuningJob(ctx.store, r);
}

