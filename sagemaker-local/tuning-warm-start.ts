/**
 * Warm start: a tuning job that starts from up to 5 earlier ones (HyperParameterTuningJobWarmStartConfig), with
 * AWS's rules, checked before anything runs (ValidationException):
 *
 * - 1 to 5 parents, each an existing tuning job in a terminal state (Completed, Stopped or Failed);
 * - the same objective metric and type as every parent;
 * - IdenticalDataAndAlgorithm: the same training image and input data as every parent; the hyperparameters may move
 *   between static and tuned but their set (static + tuned) stays the same, and a hyperparameter tuned in both
 *   keeps its type (continuous, integer, categorical);
 * - TransferLearning: data, image, ranges and static hyperparameters may all change;
 * - either type: at most 10 changes towards static hyperparameters (tunable in a parent → static, a static value
 *   changed; staticChanges counts them as AWS's guide does);
 * - the parents' training jobs and the new job's MaxNumberOfTrainingJobs together at most 750 (they count against
 *   its limit);
 * - the Bayesian and Random strategies (the parents' results inform a model, or are not tried again); Grid and
 *   Hyperband take no warm start here.
 *
 * What it gives the new job: the parents' own finished trials (not their parents': warm start is not recursive) as
 * prior observations for the strategy (./tuning `StrategyOptions.prior`, with each trial's hyperparameters as it
 * ran), and the parents' best training jobs, among which and the job's own best DescribeHyperParameterTuningJob
 * answers OverallBestTrainingJob.
 */
import { validation } from "./errors";
import type { TrialSummary, TuningJobRecord } from "./records";
import type { TrainingJobs } from "./training";
import { MAX_TRAINING_JOBS, type CreateTuningJob } from "./tuning-spec";
import type { Trial } from "./tuning";
import { isJsonObject } from "./wire";

export interface WarmStart {
  prior: Trial[];
  parentBest: TrialSummary[];
}

const TERMINAL = ["Completed", "Stopped", "Failed"];

type RangeKind = "Continuous" | "Integer" | "Categorical";

/** tuned name → its kind, as far as the ranges are well formed */
function rangeKinds(ranges: unknown): Map<string, RangeKind> {
  const out = new Map<string, RangeKind>();
  if (!isJsonObject(ranges)) return out;
  for (const kind of ["Continuous", "Integer", "Categorical"] as const) {
    const list = ranges[`${kind}ParameterRanges`];
    if (Array.isArray(list)) for (const r of list) if (isJsonObject(r) && typeof r.Name === "string") out.set(r.Name, kind);
  }
  return out;
}

/** AWS's guide: "cannot be more than 10" changes towards static hyperparameters (warm start restrictions) */
const MAX_STATIC_CHANGES = 10;

/**
 * AWS's warm start restriction, for every warm start type: the hyperparameters tuned in the parent that are static
 * in the new job, plus the static hyperparameters whose value changed, count at most 10 changes — a categorical
 * range counting each of its values (tunable red/blue made static: 2), a changed static value 2 (the guide's
 * example: static red in the parent, blue now, "also counts as 2 changes"), a numeric range 1. Accepted whatever
 * the count before.
 */
function staticChanges(parentRanges: unknown, parentStatics: Record<string, string>, statics: Record<string, string>): { count: number; what: string[] } {
  let count = 0;
  const what: string[] = [];
  const pranges = isJsonObject(parentRanges) ? parentRanges : {};
  for (const kind of ["Continuous", "Integer", "Categorical"] as const) {
    const list = pranges[`${kind}ParameterRanges`];
    if (!Array.isArray(list)) continue;
    for (const r of list) {
      if (!isJsonObject(r) || typeof r.Name !== "string" || !(r.Name in statics)) continue;
      const n = kind === "Categorical" && Array.isArray(r.Values) ? r.Values.length : 1;
      count += n;
      what.push(`${r.Name} tunable → static: ${n}`);
    }
  }
  for (const [k, v] of Object.entries(statics))
    if (k in parentStatics && parentStatics[k] !== v) {
      count += 2;
      what.push(`${k} ${JSON.stringify(parentStatics[k])} → ${JSON.stringify(v)}: 2`);
    }
  return { count, what };
}

function channelsOf(def: CreateTuningJob["TrainingJobDefinition"]): string {
  return JSON.stringify((def.InputDataConfig ?? []).map((c) => [c.ChannelName, c.DataSource.S3DataSource.S3Uri]).sort());
}

/**
 * The parents of a validated CreateHyperParameterTuningJob request, checked against AWS's rules; their trials and
 * best jobs. `find` looks a tuning job up (throws ResourceNotFound for an unknown one).
 */
export function resolveWarmStart(input: CreateTuningJob, find: (name: string) => TuningJobRecord, jobs: TrainingJobs): WarmStart | undefined {
  const ws = input.WarmStartConfig;
  if (!ws) return undefined;
  const cfg = input.HyperParameterTuningJobConfig;
  if (cfg.Strategy === "Grid" || cfg.Strategy === "Hyperband")
    throw validation(`Warm start is not supported with the ${cfg.Strategy} strategy in the local SageMaker: use Bayesian or Random.`);
  const objective = cfg.HyperParameterTuningJobObjective;
  const def = input.TrainingJobDefinition;
  const tuned = rangeKinds(cfg.ParameterRanges);
  const names = new Set([...tuned.keys(), ...Object.keys(def.StaticHyperParameters ?? {})]);
  const prior: Trial[] = [];
  const parentBest: TrialSummary[] = [];
  for (const { HyperParameterTuningJobName: parentName } of ws.ParentHyperParameterTuningJobs) {
    const parent = find(parentName);
    const w = parent.wire;
    if (!TERMINAL.includes(w.HyperParameterTuningJobStatus))
      throw validation(
        `The parent hyperparameter tuning job ${parentName} is in status ${w.HyperParameterTuningJobStatus}. Parent jobs of a warm start tuning job must be in a terminal state (Completed, Stopped or Failed).`,
      );
    const po = w.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective;
    if (po.MetricName !== objective.MetricName || po.Type !== objective.Type)
      throw validation(
        `The objective metric of the warm start tuning job (${objective.Type} ${objective.MetricName}) must be the same as that of the parent hyperparameter tuning job ${parentName} (${po.Type} ${po.MetricName}).`,
      );
    const pdef = w.TrainingJobDefinition;
    const ptuned = rangeKinds(w.HyperParameterTuningJobConfig.ParameterRanges);
    const pnames = new Set([...ptuned.keys(), ...Object.keys(pdef.StaticHyperParameters ?? {})]);
    if (ws.WarmStartType === "IdenticalDataAndAlgorithm") {
      if (pdef.AlgorithmSpecification.TrainingImage !== def.AlgorithmSpecification.TrainingImage || channelsOf(pdef) !== channelsOf(def))
        throw validation(
          `For warm start type IdenticalDataAndAlgorithm the training image and the input data must be the same as those of the parent hyperparameter tuning job ${parentName}; use TransferLearning for different data or a different image.`,
        );
      const diff = [...names].filter((n) => !pnames.has(n)).concat([...pnames].filter((n) => !names.has(n)));
      if (diff.length)
        throw validation(
          `For warm start type IdenticalDataAndAlgorithm the set of static and tunable hyperparameters must be the same as that of the parent hyperparameter tuning job ${parentName}; these differ: ${diff.sort().join(", ")}.`,
        );
    } else if (names.size !== pnames.size) {
      // AWS's rules for every warm start, TransferLearning too (only IdenticalDataAndAlgorithm's were checked)
      throw validation(
        `The total number of static and tunable hyperparameters of a warm start tuning job (${names.size}) must be the same as that of the parent hyperparameter tuning job ${parentName} (${pnames.size}).`,
      );
    }
    for (const [n, kind] of tuned) {
      const pk = ptuned.get(n);
      if (pk && pk !== kind) throw validation(`The type of hyperparameter ${n} cannot change between the parent hyperparameter tuning job ${parentName} (${pk}) and the warm start tuning job (${kind}).`);
    }
    const changes = staticChanges(w.HyperParameterTuningJobConfig.ParameterRanges, pdef.StaticHyperParameters ?? {}, def.StaticHyperParameters ?? {});
    if (changes.count > MAX_STATIC_CHANGES)
      throw validation(
        `The number of changes from tunable hyperparameters of the parent hyperparameter tuning job ${parentName} to static hyperparameters, plus the changes of static hyperparameter values, is ${changes.count} (${changes.what.join(", ")}); a warm start tuning job allows at most ${MAX_STATIC_CHANGES}, each value of a categorical hyperparameter counting as one.`,
      );
    if (w.BestTrainingJob) parentBest.push(w.BestTrainingJob);
    for (const name of parent.local.trials) {
      const j = jobs.recs.get(name);
      const o = parent.local.objectives?.[name];
      if (!j || !o || o.status === "Failed" || o.objective === undefined) continue;
      const { _tuning_objective_metric: _omit, ...hp } = j.HyperParameters;
      void _omit;
      prior.push({ hyperparameters: hp, objective: o.objective, status: o.status });
    }
  }
  // "All training jobs launched by parent hyperparameter tuning jobs and the new hyperparameter tuning jobs count
  // against the limit of training jobs for the tuning job" (the API reference): any number was accepted
  const parentJobs = ws.ParentHyperParameterTuningJobs.reduce((n, p) => n + find(p.HyperParameterTuningJobName).local.trials.length, 0);
  const max = cfg.ResourceLimits.MaxNumberOfTrainingJobs ?? 0;
  if (parentJobs + max > MAX_TRAINING_JOBS)
    throw validation(
      `The training jobs of the parent hyperparameter tuning jobs (${parentJobs}) and MaxNumberOfTrainingJobs (${max}) make ${parentJobs + max}; they count against the limit of ${MAX_TRAINING_JOBS} training jobs of a warm start tuning job.`,
    );
  return { prior, parentBest };
}

/** the best of the job's own best training job and its parents' (OverallBestTrainingJob) */
export function overallBest(own: TrialSummary | undefined, parents: TrialSummary[], type: "Minimize" | "Maximize"): TrialSummary | undefined {
  let best: TrialSummary | undefined;
  for (const s of [...(own ? [own] : []), ...parents]) {
    const v = s.FinalHyperParameterTuningJobObjectiveMetric?.Value;
    if (v === undefined) continue;
    const b = best?.FinalHyperParameterTuningJobObjectiveMetric?.Value;
    if (b === undefined || (type === "Minimize" ? v < b : v > b)) best = s;
  }
  return best;
}
