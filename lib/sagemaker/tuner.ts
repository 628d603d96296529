/** HyperparameterTuner: one automatic model tuning job (CreateHyperParameterTuningJob). */
import {
  CreateHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommandOutput,
  DescribeTrainingJobCommand,
  HyperParameterTrainingJobSummary,
  HyperParameterTuningJobStrategyType,
  HyperParameterTuningJobWarmStartType,
  ListHyperParameterTuningJobsCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  MetricDefinition,
  ParameterRanges,
} from "@aws-sdk/client-sagemaker";
import { tableOf } from "../data/arquero";
import { runningBest, stoppedEarly } from "../plots/trials";
import type { Table } from "../data/table";
import { Estimator, Channels, DEFAULT_METRIC_DEFINITIONS, stringifyHyperparameters } from "./estimator";
import { createModel, deployModel, DeployOptions, Predictor } from "./predictor";
import { Transformer, TransformerOptions } from "./transformer";
import { checkName, Session, sleep, uniqueName } from "./session";

export type ScalingType = "Auto" | "Linear" | "Logarithmic" | "ReverseLogarithmic";

export class ContinuousParameter {
  readonly kind = "Continuous";
  constructor(readonly min: number, readonly max: number, readonly scaling: ScalingType = "Auto") {
    if (!(min < max)) throw new Error(`ContinuousParameter: min (${min}) must be less than max (${max})`);
  }
}
export class IntegerParameter {
  readonly kind = "Integer";
  constructor(readonly min: number, readonly max: number, readonly scaling: ScalingType = "Auto") {
    if (!Number.isInteger(min) || !Number.isInteger(max) || !(min < max)) throw new Error(`IntegerParameter: min (${min}) and max (${max}) must be integers, min < max`);
  }
}
export class CategoricalParameter {
  readonly kind = "Categorical";
  readonly values: string[];
  constructor(values: (string | number)[]) {
    if (!values?.length) throw new Error("CategoricalParameter: at least one value");
    this.values = values.map(String);
  }
}
export type Parameter = ContinuousParameter | IntegerParameter | CategoricalParameter;

/** A tuning job's search strategy (SageMaker's HyperParameterTuningJobStrategyType). */
export type Strategy = `${HyperParameterTuningJobStrategyType}`;

/** The best training job of a finished tuning job, with the fields such a job always has. */
export type BestTrainingJob = HyperParameterTrainingJobSummary & {
  TrainingJobName: string;
  TunedHyperParameters: Record<string, string>;
  FinalHyperParameterTuningJobObjectiveMetric: { MetricName: string; Value: number };
};

/** DescribeHyperParameterTuningJob's answer for a tuning job that finished with a best training job. */
export type TuningJobResult = DescribeHyperParameterTuningJobCommandOutput & { HyperParameterTuningJobName: string; BestTrainingJob: BestTrainingJob };

export interface TunerOptions {
  estimator: Estimator;
  objectiveMetricName: string; // e.g. "validation:rmse"
  objectiveType?: "Minimize" | "Maximize"; // Minimize
  hyperparameterRanges: Record<string, Parameter>;
  metricDefinitions?: MetricDefinition[]; // default: the estimator's
  strategy?: Strategy; // Bayesian
  maxJobs?: number; // MaxNumberOfTrainingJobs (not needed for Grid)
  maxParallelJobs?: number; // 1
  earlyStoppingType?: "Off" | "Auto";
  baseTuningJobName?: string; // "ensemble-tuning"
  completionCriteria?: { targetObjectiveMetricValue?: number; maxNumberOfTrainingJobsNotImproving?: number };
  randomSeed?: number;
  hyperband?: { minResource?: number; maxResource?: number };
  maxRuntimeInSeconds?: number;
  /** warm start from up to 5 finished tuning jobs (by name or tuner): their trials seed this job's strategy */
  warmStartConfig?: WarmStartConfig;
}

/** HyperParameterTuningJobWarmStartConfig: the parents, and whether data and algorithm are the same as theirs */
export interface WarmStartConfig {
  /** "IdenticalDataAndAlgorithm": same data and image, ranges may change; "TransferLearning": data, image, ranges may change */
  type: `${HyperParameterTuningJobWarmStartType}`;
  parents: (string | HyperparameterTuner)[];
}

export function parameterRanges(ranges: Record<string, Parameter>): ParameterRanges {
  const out: Required<Pick<ParameterRanges, "ContinuousParameterRanges" | "IntegerParameterRanges" | "CategoricalParameterRanges">> = {
    ContinuousParameterRanges: [],
    IntegerParameterRanges: [],
    CategoricalParameterRanges: [],
  };
  for (const [Name, p] of Object.entries(ranges)) {
    if (p instanceof ContinuousParameter) out.ContinuousParameterRanges.push({ Name, MinValue: String(p.min), MaxValue: String(p.max), ScalingType: p.scaling });
    else if (p instanceof IntegerParameter) out.IntegerParameterRanges.push({ Name, MinValue: String(p.min), MaxValue: String(p.max), ScalingType: p.scaling });
    else if (p instanceof CategoricalParameter) out.CategoricalParameterRanges.push({ Name, Values: p.values });
    else throw new Error(`hyperparameterRanges.${Name}: not a ContinuousParameter, IntegerParameter or CategoricalParameter`);
  }
  return out;
}

/** The tuning job's answer narrowed to a finished job with a best training job, or an Error saying why not. */
function withBest(d: DescribeHyperParameterTuningJobCommandOutput, name: string): TuningJobResult {
  const best = d.BestTrainingJob;
  const metric = best?.FinalHyperParameterTuningJobObjectiveMetric;
  if (!best?.TrainingJobName || metric?.MetricName === undefined || metric.Value === undefined) {
    throw new Error(`tuning job ${name}: no best training job (status ${d.HyperParameterTuningJobStatus}${d.FailureReason ? `: ${d.FailureReason}` : ""})`);
  }
  const bestJob: BestTrainingJob = {
    ...best,
    TrainingJobName: best.TrainingJobName,
    TunedHyperParameters: best.TunedHyperParameters ?? {},
    FinalHyperParameterTuningJobObjectiveMetric: { ...metric, MetricName: metric.MetricName, Value: metric.Value },
  };
  return { ...d, HyperParameterTuningJobName: name, BestTrainingJob: bestJob };
}


/**
 * The latest tuning job that completed with a best training job, among those whose name contains `nameContains`
 * (ListHyperParameterTuningJobs, newest first), or undefined when there is none.
 */
export async function latestTuningJob(session: Session, nameContains: string): Promise<TuningJobResult | undefined> {
  const { sm } = await session.clients();
  const listed = await sm.send(new ListHyperParameterTuningJobsCommand({ NameContains: nameContains, StatusEquals: "Completed", SortBy: "CreationTime", SortOrder: "Descending", MaxResults: 10 }));
  for (const s of listed.HyperParameterTuningJobSummaries ?? []) {
    const name = s.HyperParameterTuningJobName;
    if (!name) continue;
    const d = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
    if (d.BestTrainingJob?.FinalHyperParameterTuningJobObjectiveMetric?.Value !== undefined) return withBest(d, name);
  }
  return undefined;
}

/**
 * The 1-based trial (in the table's order, e.g. `tuner.trials()`) at which the best so far first reaches `target` (≤
 * when minimising, ≥ with maximize), or undefined when it never does. The best so far is trialsFigure's line, the
 * tuning job's BestTrainingJob rule: a trial stopped early (TrainingJobStatus "Stopped": Hyperband, early stopping)
 * counts only while no trial has run to its end — its objective is from fewer rounds.
 */
export function trialsToReach(trials: Table, target: number, opts: { objective?: string; maximize?: boolean } = {}): number | undefined {
  const values = Array.from(trials.array(opts.objective ?? "FinalObjectiveValue") as ArrayLike<number | null>, (v) => (v === null || v === undefined ? null : Number(v)));
  const stopped = trials.columnNames().includes("TrainingJobStatus") ? Array.from(trials.array("TrainingJobStatus") as ArrayLike<unknown>, (s) => stoppedEarly({ TrainingJobStatus: s })) : [];
  const best = runningBest(values, opts.maximize, stopped);
  const i = best.findIndex((v) => v !== null && (opts.maximize ? v >= target : v <= target));
  return i < 0 ? undefined : i + 1;
}

export class HyperparameterTuner {
  readonly options: TunerOptions;
  latestTuningJob?: string;
  latestDescription?: TuningJobResult;

  constructor(opts: TunerOptions) {
    if (!opts?.estimator) throw new Error("HyperparameterTuner: option estimator is required");
    if (!opts.objectiveMetricName) throw new Error("HyperparameterTuner: option objectiveMetricName is required");
    if (!opts.hyperparameterRanges || !Object.keys(opts.hyperparameterRanges).length) throw new Error("HyperparameterTuner: option hyperparameterRanges is required");
    // before fit() uploads anything: an option that cannot hold is an Error when the tuner is made
    if (opts.hyperband && (opts.strategy ?? "Bayesian") !== "Hyperband") throw new Error(`HyperparameterTuner: option hyperband is the Hyperband strategy's, and strategy is ${opts.strategy ?? "Bayesian"}`);
    this.options = opts;
  }
  private get session() {
    return this.options.estimator.session;
  }

  /** CreateHyperParameterTuningJob; by default waits and resolves to the finished job with its best training job */
  fit(inputs: Channels, opts?: { wait?: true; jobName?: string }): Promise<TuningJobResult>;
  /** CreateHyperParameterTuningJob without waiting (`wait: false`); `wait()` later */
  fit(inputs: Channels, opts: { wait: false; jobName?: string }): Promise<undefined>;
  fit(inputs: Channels, opts: { wait?: boolean; jobName?: string }): Promise<TuningJobResult | undefined>;
  async fit(inputs: Channels, opts: { wait?: boolean; jobName?: string } = {}): Promise<TuningJobResult | undefined> {
    const o = this.options;
    const est = o.estimator;
    const { sm } = await this.session.clients();
    const name = opts.jobName !== undefined ? checkName("HyperparameterTuner.fit: jobName", opts.jobName, 32) : uniqueName(o.baseTuningJobName ?? "tuning", 32);
    const tuned = new Set(Object.keys(o.hyperparameterRanges));
    const statics = Object.fromEntries(Object.entries(stringifyHyperparameters(est.hyperparameters)).filter(([k]) => !tuned.has(k))); // before the upload
    const spec = await est.trainingSpec(inputs);
    spec.AlgorithmSpecification.MetricDefinitions = o.metricDefinitions ?? est.options.metricDefinitions ?? DEFAULT_METRIC_DEFINITIONS;
    const strategy = o.strategy ?? "Bayesian";
    await sm.send(
      new CreateHyperParameterTuningJobCommand({
        HyperParameterTuningJobName: name,
        HyperParameterTuningJobConfig: {
          Strategy: strategy,
          StrategyConfig: strategy === "Hyperband" && o.hyperband ? { HyperbandStrategyConfig: { MinResource: o.hyperband.minResource, MaxResource: o.hyperband.maxResource } } : undefined,
          HyperParameterTuningJobObjective: { Type: o.objectiveType ?? "Minimize", MetricName: o.objectiveMetricName },
          ResourceLimits: { MaxNumberOfTrainingJobs: o.maxJobs, MaxParallelTrainingJobs: o.maxParallelJobs ?? 1, MaxRuntimeInSeconds: o.maxRuntimeInSeconds },
          ParameterRanges: parameterRanges(o.hyperparameterRanges),
          TrainingJobEarlyStoppingType: o.earlyStoppingType ?? "Off",
          TuningJobCompletionCriteria: o.completionCriteria
            ? {
                TargetObjectiveMetricValue: o.completionCriteria.targetObjectiveMetricValue,
                BestObjectiveNotImproving:
                  o.completionCriteria.maxNumberOfTrainingJobsNotImproving !== undefined
                    ? { MaxNumberOfTrainingJobsNotImproving: o.completionCriteria.maxNumberOfTrainingJobsNotImproving }
                    : undefined,
              }
            : undefined,
          RandomSeed: o.randomSeed,
        },
        // the estimator's environment too, as the Python SDK's tuner sends it (it was dropped)
        TrainingJobDefinition: { ...spec, StaticHyperParameters: statics },
        WarmStartConfig: o.warmStartConfig
          ? {
              WarmStartType: o.warmStartConfig.type,
              ParentHyperParameterTuningJobs: o.warmStartConfig.parents.map((p) => ({ HyperParameterTuningJobName: typeof p === "string" ? p : p.requireJob() })),
            }
          : undefined,
      }),
    );
    this.latestTuningJob = name;
    const warm = o.warmStartConfig ? `, warm start (${o.warmStartConfig.type}) from ${o.warmStartConfig.parents.map((p) => (typeof p === "string" ? p : p.requireJob())).join(", ")}` : "";
    this.session.log(`tuning job ${name} created: ${strategy}, ${o.maxJobs ?? "all"} jobs, ${o.maxParallelJobs ?? 1} in parallel${warm}`);
    if (opts.wait === false) return undefined;
    return this.wait();
  }

  /** polls until the tuning job ends, one line per finished training job; throws if it failed or found no best job */
  async wait(): Promise<TuningJobResult> {
    const name = this.requireJob();
    const { sm } = await this.session.clients();
    const seen = new Set<string>();
    const t0 = Date.now();
    for (;;) {
      const d = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
      for (const s of await this.summaries()) {
        if (seen.has(s.TrainingJobName!) || ["InProgress", "Stopping"].includes(s.TrainingJobStatus!)) continue;
        seen.add(s.TrainingJobName!);
        const hp = Object.entries(s.TunedHyperParameters ?? {}).map(([k, v]) => `${k}=${v}`).join(" ");
        const obj = s.FinalHyperParameterTuningJobObjectiveMetric?.Value;
        const total = this.options.maxJobs ?? "?";
        this.session.log(
          `tuning ${name}: [${seen.size}/${total}] ${s.TrainingJobName} ${s.TrainingJobStatus} ${hp}${obj !== undefined ? ` → ${this.options.objectiveMetricName}=${obj}` : ""}${s.FailureReason ? ` (${s.FailureReason.slice(0, 200)})` : ""} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
        );
      }
      if (["Completed", "Failed", "Stopped"].includes(d.HyperParameterTuningJobStatus!)) {
        const best = d.BestTrainingJob;
        this.session.log(
          `tuning job ${name}: ${d.HyperParameterTuningJobStatus}${best ? `; best ${best.TrainingJobName} ${best.FinalHyperParameterTuningJobObjectiveMetric?.MetricName}=${best.FinalHyperParameterTuningJobObjectiveMetric?.Value}` : ""}`,
        );
        if (d.HyperParameterTuningJobStatus === "Failed") throw new Error(`tuning job ${name} failed: ${d.FailureReason ?? ""}`);
        this.latestDescription = withBest(d, name);
        return this.latestDescription;
      }
      await sleep(this.session.pollMs);
    }
  }

  /**
   * A new tuner warm-started from this one's job (and `additionalParents`, at most 5 in all), as the SageMaker Python
   * SDK's: same data and algorithm — the ranges and the job budget may change (`overrides`).
   */
  identicalDatasetAndAlgorithmTuner(opts: { additionalParents?: (string | HyperparameterTuner)[]; overrides?: Partial<TunerOptions> } = {}): HyperparameterTuner {
    return this.warmStarted("IdenticalDataAndAlgorithm", opts);
  }

  /** A new tuner warm-started from this one's job by transfer learning: other data, estimator or ranges allowed (`overrides`). */
  transferLearningTuner(opts: { additionalParents?: (string | HyperparameterTuner)[]; overrides?: Partial<TunerOptions> } = {}): HyperparameterTuner {
    return this.warmStarted("TransferLearning", opts);
  }

  private warmStarted(type: WarmStartConfig["type"], opts: { additionalParents?: (string | HyperparameterTuner)[]; overrides?: Partial<TunerOptions> }): HyperparameterTuner {
    const parents = [this.requireJob(), ...(opts.additionalParents ?? [])];
    return new HyperparameterTuner({ ...this.options, ...(opts.overrides ?? {}), warmStartConfig: { type, parents } });
  }

  /** the latest tuning job's name (throws before fit) */
  requireJob(): string {
    if (!this.latestTuningJob) throw new Error("HyperparameterTuner: fit() first");
    return this.latestTuningJob;
  }

  async summaries(): Promise<HyperParameterTrainingJobSummary[]> {
    const { sm } = await this.session.clients();
    const out: HyperParameterTrainingJobSummary[] = [];
    let token: string | undefined;
    do {
      const r = await sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: this.requireJob(), MaxResults: 100, NextToken: token, SortBy: "CreationTime", SortOrder: "Ascending" }));
      out.push(...(r.TrainingJobSummaries ?? []));
      token = r.NextToken;
    } while (token);
    return out;
  }

  /** name of the best training job */
  async bestTrainingJob(): Promise<string> {
    const { sm } = await this.session.clients();
    const name = this.requireJob();
    const d = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
    return withBest(d, name).BestTrainingJob.TrainingJobName;
  }

  /** all trials: one row per training job (name, status, objective, tuned hyperparameters as numbers where numeric, seconds) */
  async trials(): Promise<Table> {
    const sums = await this.summaries();
    const params = Object.keys(this.options.hyperparameterRanges);
    const cols: Record<string, unknown[]> = { TrainingJobName: [], TrainingJobStatus: [], FinalObjectiveValue: [], TrainingElapsedTimeSeconds: [], FailureReason: [] };
    for (const p of params) cols[p] = [];
    for (const s of sums) {
      cols.TrainingJobName.push(s.TrainingJobName);
      cols.TrainingJobStatus.push(s.TrainingJobStatus);
      cols.FinalObjectiveValue.push(s.FinalHyperParameterTuningJobObjectiveMetric?.Value ?? null);
      const st = s.TrainingStartTime?.getTime();
      const en = s.TrainingEndTime?.getTime();
      cols.TrainingElapsedTimeSeconds.push(st && en ? (en - st) / 1000 : null);
      cols.FailureReason.push(s.FailureReason ?? null);
      for (const p of params) {
        const v = s.TunedHyperParameters?.[p];
        cols[p].push(v !== undefined && v !== "" && Number.isFinite(Number(v)) && !(this.options.hyperparameterRanges[p] instanceof CategoricalParameter) ? Number(v) : v ?? null);
      }
    }
    return tableOf(["TrainingJobName", "TrainingJobStatus", "FinalObjectiveValue", "TrainingElapsedTimeSeconds", "FailureReason", ...params].map((n) => [n, cols[n]] as const));
  }

  async deploy(opts: DeployOptions = {}): Promise<Predictor> {
    const data = await this.bestModelData();
    const est = this.options.estimator;
    return deployModel(this.session, { imageUri: est.options.imageUri, roleArn: est.options.roleArn, ...opts, modelData: data });
  }

  /** a Transformer (batch transform) for the best training job's model: CreateModel from its artifact */
  async transformer(opts: TransformerOptions & { modelName?: string } = {}): Promise<Transformer> {
    const data = await this.bestModelData();
    const est = this.options.estimator;
    const modelName = await createModel(this.session, { modelData: data, modelName: opts.modelName, imageUri: est.options.imageUri, roleArn: est.options.roleArn });
    return new Transformer(this.session, modelName, opts);
  }

  /** the best training job's model artifact (its S3 URI) */
  private async bestModelData(): Promise<string> {
    const best = await this.bestTrainingJob();
    const { sm } = await this.session.clients();
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: best }));
    const data = d.ModelArtifacts?.S3ModelArtifacts;
    if (!data) throw new Error(`best training job ${best} has no model artifacts`);
    return data;
  }
}
