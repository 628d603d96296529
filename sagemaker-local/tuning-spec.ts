/**
 * A tuning job's specification: the validation of HyperParameterTuningJobConfig (strategy, resource limits,
 * objective, early stopping, completion criteria, Hyperband's resources) and, before anything runs, the strategy
 * built from it — so every problem, including ranges that do not suit the strategy (./tuning checks those), is a
 * ValidationException of CreateHyperParameterTuningJob. The TrainingJobDefinition is ./training-spec's.
 */
import * as crypto from "crypto";
import { Checker, errorMessage, show, TUNING_NAME_RE, validation } from "./errors";
import type { TrainingJobDefinitionSpec, TuningJobConfigSpec } from "./records";
import * as tuning from "./tuning";
import { MAX_HYPERPARAMETERS } from "./training-spec";
import { isJsonObject } from "./wire";

/** CreateHyperParameterTuningJob's request once validated (its ParameterRanges are checked by ./tuning) */
export interface CreateTuningJob {
  HyperParameterTuningJobName: string;
  HyperParameterTuningJobConfig: Omit<TuningJobConfigSpec, "ParameterRanges"> & { ParameterRanges?: unknown };
  TrainingJobDefinition: TrainingJobDefinitionSpec;
  WarmStartConfig?: WarmStartSpec;
}

/** HyperParameterTuningJobWarmStartConfig once validated (./tuning-warm-start applies AWS's rules on the parents) */
export interface WarmStartSpec {
  ParentHyperParameterTuningJobs: { HyperParameterTuningJobName: string }[];
  WarmStartType: "IdenticalDataAndAlgorithm" | "TransferLearning";
}

/** WarmStartConfig's shape: 1–5 parents named as tuning jobs, a known WarmStartType */
export function validateWarmStartConfig(c: Checker, ws: unknown): void {
  const p = "WarmStartConfig";
  if (!c.object(ws, p)) return;
  c.oneOf(ws.WarmStartType, `${p}.WarmStartType`, ["IdenticalDataAndAlgorithm", "TransferLearning"], true);
  const parents = ws.ParentHyperParameterTuningJobs;
  if (!c.list(parents, `${p}.ParentHyperParameterTuningJobs`, true)) return;
  if (parents.length < 1 || parents.length > 5)
    c.custom(
      `1 validation error detected: Value '${JSON.stringify(parents)}' at 'warmStartConfig.parentHyperParameterTuningJobs' failed to satisfy constraint: Member must have length ${parents.length < 1 ? "greater than or equal to 1" : "less than or equal to 5"}`,
    );
  const seen = new Set<unknown>();
  for (const [i, parent] of parents.entries()) {
    const at = `${p}.ParentHyperParameterTuningJobs.${i + 1}.member`;
    if (!c.object(parent, at, true)) continue;
    c.name(parent.HyperParameterTuningJobName, `${at}.HyperParameterTuningJobName`, TUNING_NAME_RE);
    if (seen.has(parent.HyperParameterTuningJobName)) c.custom(`The parent hyperparameter tuning job ${String(parent.HyperParameterTuningJobName)} is listed more than once.`);
    seen.add(parent.HyperParameterTuningJobName);
  }
}

/** the most training jobs one tuning job may run (MaxNumberOfTrainingJobs' maximum; a Grid's combinations) */
export const MAX_TRAINING_JOBS = 750;

/** HyperParameterTuningJobConfig, but its ParameterRanges (./tuning checks those for the strategy) */
export function validateTuningConfig(c: Checker, cfg: unknown): void {
  const p = "HyperParameterTuningJobConfig";
  if (!c.object(cfg, p, true)) return;
  c.supported(cfg, p, ["Strategy", "StrategyConfig", "HyperParameterTuningJobObjective", "ResourceLimits", "ParameterRanges", "TrainingJobEarlyStoppingType", "TuningJobCompletionCriteria", "RandomSeed"]);
  c.oneOf(cfg.Strategy, `${p}.Strategy`, ["Bayesian", "Random", "Hyperband", "Grid"], true);
  const limits = cfg.ResourceLimits;
  if (c.object(limits, `${p}.ResourceLimits`, true)) {
    c.supported(limits, `${p}.ResourceLimits`, ["MaxParallelTrainingJobs", "MaxNumberOfTrainingJobs", "MaxRuntimeInSeconds"]);
    // the service model sets no maximum: above the quota is ResourceLimitExceeded (tuning-jobs.ts), as AWS answers
    c.range(limits.MaxParallelTrainingJobs, `${p}.ResourceLimits.MaxParallelTrainingJobs`, 1, Number.MAX_SAFE_INTEGER, true);
    c.range(limits.MaxNumberOfTrainingJobs, `${p}.ResourceLimits.MaxNumberOfTrainingJobs`, 1, MAX_TRAINING_JOBS, cfg.Strategy !== "Grid");
    // the service model's range (a negative one ended the job at once, Completed with no trial)
    c.range(limits.MaxRuntimeInSeconds, `${p}.ResourceLimits.MaxRuntimeInSeconds`, 120, 15768000);
  }
  const objective = cfg.HyperParameterTuningJobObjective;
  if (c.object(objective, `${p}.HyperParameterTuningJobObjective`, true)) {
    c.supported(objective, `${p}.HyperParameterTuningJobObjective`, ["Type", "MetricName"]);
    c.oneOf(objective.Type, `${p}.HyperParameterTuningJobObjective.Type`, ["Maximize", "Minimize"], true);
    c.string(objective.MetricName, `${p}.HyperParameterTuningJobObjective.MetricName`, true);
  }
  const ranges = cfg.ParameterRanges;
  if (isJsonObject(ranges))
    for (const kind of ["ContinuousParameterRanges", "IntegerParameterRanges", "CategoricalParameterRanges"]) {
      const list = ranges[kind];
      if (!Array.isArray(list)) continue; // its type is ./tuning's to check
      list.forEach((r: unknown, i: number) => {
        if (!isJsonObject(r)) return;
        const at = `${p}.ParameterRanges.${kind}.${i + 1}.member`;
        for (const f of ["Name", "MinValue", "MaxValue"]) c.maxLength(r[f], `${at}.${f}`, 256);
        if (Array.isArray(r.Values)) r.Values.forEach((v: unknown, j: number) => c.maxLength(v, `${at}.Values.${j + 1}.member`, 256));
      });
    }
  c.oneOf(cfg.TrainingJobEarlyStoppingType, `${p}.TrainingJobEarlyStoppingType`, ["Off", "Auto"]);
  c.range(cfg.RandomSeed, `${p}.RandomSeed`, 0, 2 ** 31 - 1);
  const criteria = cfg.TuningJobCompletionCriteria;
  if (c.object(criteria, `${p}.TuningJobCompletionCriteria`)) {
    const at = `${p}.TuningJobCompletionCriteria`;
    // ConvergenceDetected (stop once the search converges) is not implemented: only its "Disabled"
    const convergence = criteria.ConvergenceDetected;
    const off = isJsonObject(convergence) && convergence.CompleteOnConvergence === "Disabled" && Object.keys(convergence).length === 1;
    c.supported(criteria, at, ["TargetObjectiveMetricValue", "BestObjectiveNotImproving", ...(off ? ["ConvergenceDetected"] : [])]);
    c.number(criteria.TargetObjectiveMetricValue, `${at}.TargetObjectiveMetricValue`);
    const notImproving = criteria.BestObjectiveNotImproving;
    if (c.object(notImproving, `${at}.BestObjectiveNotImproving`)) {
      c.supported(notImproving, `${at}.BestObjectiveNotImproving`, ["MaxNumberOfTrainingJobsNotImproving"]);
      c.range(notImproving.MaxNumberOfTrainingJobsNotImproving, `${at}.BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving`, 3, 1e6);
    }
  }
  const strategyConfig = cfg.StrategyConfig;
  if (c.object(strategyConfig, `${p}.StrategyConfig`)) {
    c.supported(strategyConfig, `${p}.StrategyConfig`, ["HyperbandStrategyConfig"]);
    const hc: unknown = strategyConfig.HyperbandStrategyConfig;
    // "provided only if Hyperband is selected" (the API reference): with Random or Bayesian it was ignored
    if (hc !== undefined && cfg.Strategy !== "Hyperband")
      c.custom(`${p}.StrategyConfig.HyperbandStrategyConfig is for the Hyperband strategy only; the strategy is ${show(cfg.Strategy)}.`);
    if (c.object(hc, `${p}.StrategyConfig.HyperbandStrategyConfig`)) {
      c.supported(hc, `${p}.StrategyConfig.HyperbandStrategyConfig`, ["MinResource", "MaxResource"]);
      // integers ≥ 1, as the service model has them (MaxResource 5.5 gave its trials num_round "5.5")
      c.range(hc.MinResource, `${p}.StrategyConfig.HyperbandStrategyConfig.MinResource`, 1, 2 ** 31 - 1);
      c.range(hc.MaxResource, `${p}.StrategyConfig.HyperbandStrategyConfig.MaxResource`, 1, 2 ** 31 - 1);
    }
  }
}

/**
 * The request's strategy, built before anything runs so that every problem is a ValidationException: the
 * objective must be one of the metric definitions, a tuned hyperparameter may not also be static, Hyperband's
 * resource (MaxResource, or inferred from the static num_round) must be known, and the ranges must suit the strategy.
 */
export function buildStrategy(input: CreateTuningJob, prior?: tuning.Trial[]): { config: TuningJobConfigSpec; strategy: tuning.Strategy } {
  const cfg = input.HyperParameterTuningJobConfig;
  const def = input.TrainingJobDefinition;
  const objective = cfg.HyperParameterTuningJobObjective;
  const defs = def.AlgorithmSpecification.MetricDefinitions ?? [];
  if (!defs.some((m) => m.Name === objective.MetricName))
    throw validation(`The objective metric for the hyperparameter tuning job, [${objective.MetricName}], isn't valid for the [${def.AlgorithmSpecification.TrainingImage}] algorithm. Choose a valid objective metric.`);
  const tuned = rangeNames(cfg.ParameterRanges);
  for (const k of tuned)
    if (def.StaticHyperParameters && k in def.StaticHyperParameters)
      throw validation(`The hyperparameter ${k} is both a static hyperparameter and a tunable hyperparameter. Specify it only once.`);
  // the trials' hyperparameters are the static and the tuned ones: a training job takes at most 100 (a tuning job
  // with more was accepted, and Failed at its first trial with an InternalServerError)
  const statics = Object.keys(def.StaticHyperParameters ?? {}).length;
  if (statics + tuned.length > MAX_HYPERPARAMETERS)
    throw validation(
      `The StaticHyperParameters (${statics}) and the tuned hyperparameters of ParameterRanges (${tuned.length}) make ${statics + tuned.length} hyperparameters; a training job takes at most ${MAX_HYPERPARAMETERS}.`,
    );
  if (cfg.Strategy === "Hyperband" && cfg.TrainingJobEarlyStoppingType === "Auto")
    throw validation("TrainingJobEarlyStoppingType Auto is not supported with the Hyperband strategy: Hyperband has its own early stopping.");
  let hyperband: tuning.HyperbandOptions | undefined;
  if (cfg.Strategy === "Hyperband") {
    const hc = cfg.StrategyConfig?.HyperbandStrategyConfig ?? {};
    try {
      if (hc.MaxResource !== undefined) {
        // a given MaxResource never rewrites a static round count (num_round 20 reached the trials as "3" for
        // MaxResource 3): a trial that reaches MaxResource is stopped, as SageMaker's guide says, unless its static
        // count is MaxResource itself (it ends there); without one, the trials get num_round = MaxResource — the one
        // hyperparameter the local SageMaker adds (README)
        const inStatics = tuning.staticResourceKey(def.StaticHyperParameters);
        const resourceParam = inStatics
          ? Number(def.StaticHyperParameters![inStatics]) === hc.MaxResource ? inStatics : undefined
          : tuned.includes("num_round") ? undefined : "num_round";
        hyperband = { minResource: hc.MinResource ?? 1, maxResource: hc.MaxResource, ...(resourceParam ? { resourceParam } : {}) };
      }
      else {
        const inf = tuning.inferMaxResource(def.StaticHyperParameters);
        hyperband = { minResource: hc.MinResource ?? 1, maxResource: inf.maxResource, resourceParam: inf.resourceParam };
      }
    } catch (e) {
      throw validation(errorMessage(e));
    }
  }
  try {
    const ranges = cfg.ParameterRanges ?? {};
    tuning.validateRanges(cfg.Strategy, ranges);
    if (cfg.Strategy === "Grid") {
      // the grid is every combination, counted before any is made (27,000 were accepted, and 6 ranges of 30 values
      // ran the server out of memory building them); a tuning job runs at most MAX_TRAINING_JOBS training jobs, and
      // a MaxNumberOfTrainingJobs, when given, is that count (AWS's guide: it "must equal" it; a smaller one cut the
      // grid silently)
      const size = (ranges.CategoricalParameterRanges ?? []).reduce((n, r) => n * r.Values.length, 1);
      if (size > MAX_TRAINING_JOBS) throw new Error(`The Grid strategy's ranges make ${size} combinations, more than the ${MAX_TRAINING_JOBS} training jobs a tuning job can run.`);
      const max = cfg.ResourceLimits.MaxNumberOfTrainingJobs;
      if (max !== undefined && max !== size) throw new Error(`MaxNumberOfTrainingJobs (${max}) must equal the number of combinations of the Grid strategy's ranges (${size}), or be left out.`);
    }
    if (cfg.Strategy !== "Grid") {
      // ranges with no continuous one have finitely many combinations, and AWS refuses a MaxNumberOfTrainingJobs
      // above that count with this message (seen from CreateHyperParameterTuningJob, Bayesian and Random alike; its
      // wording names no strategy, and other reports meet it from any strategy but Grid, so Hyperband too — each of its
      // trials is one combination, run up to MaxResource or stopped early); the job was accepted here and ended after
      // the last combination, short of the jobs asked for, without a word
      const space = tuning.buildSpace(cfg.Strategy, ranges);
      const combinations = tuning.spaceSize(space);
      const max = cfg.ResourceLimits.MaxNumberOfTrainingJobs;
      if (max !== undefined && combinations < max)
        throw new Error(
          `You don't have enough combinations of hyperparameter ranges. The total number of hyperparameter combinations for the provided ranges [${combinations.toFixed(1)}] must be equal or greater than the value of MaxNumberOfJobs, [${max}]. Provide additional ranges.`,
        );
      // a warm start's strategy never proposes a parent's point again: the combinations its parents ran are spent
      // (parents that had run every one gave a job that ran no training job and was Completed, without a word)
      const left = tuning.combinationsLeft(space, prior);
      if (max !== undefined && left < max)
        throw new Error(
          `The parent hyperparameter tuning jobs already ran ${combinations - left} of the ${combinations} hyperparameter combinations of the provided ranges, which a warm start does not run again; ${left} are left, fewer than MaxNumberOfTrainingJobs [${max}]. Provide additional ranges or lower MaxNumberOfTrainingJobs.`,
        );
    }
    const strategy = tuning.createStrategy(cfg.Strategy, ranges, {
      objectiveType: objective.Type,
      maxJobs: cfg.ResourceLimits.MaxNumberOfTrainingJobs ?? Infinity,
      // no RandomSeed: a fresh draw, as AWS gives each job (every job without one repeated the same trials)
      seed: cfg.RandomSeed ?? crypto.randomInt(0, 2 ** 31),
      hyperband,
      prior,
    });
    return { config: { ...cfg, ParameterRanges: cfg.ParameterRanges === undefined ? undefined : ranges }, strategy };
  } catch (e) {
    throw validation(errorMessage(e));
  }
}

/** the names of the tuned hyperparameters, as far as the ranges are well formed (./tuning checks them) */
export function rangeNames(ranges: unknown): string[] {
  if (!isJsonObject(ranges)) return [];
  const lists = [ranges.ContinuousParameterRanges, ranges.IntegerParameterRanges, ranges.CategoricalParameterRanges];
  return lists.flatMap((l) => (Array.isArray(l) ? l : [])).flatMap((r: unknown) => (isJsonObject(r) && typeof r.Name === "string" ? [r.Name] : []));
}
