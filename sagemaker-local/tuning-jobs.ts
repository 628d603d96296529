/**
 * Hyperparameter tuning jobs: CreateHyperParameterTuningJob (validated, and its strategy built, before anything
 * runs), DescribeHyperParameterTuningJob, ListHyperParameterTuningJobs, ListTrainingJobsForHyperParameterTuningJob
 * and StopHyperParameterTuningJob. The loop that proposes and launches trials is ./tuning-run's; the summaries,
 * counters and BestTrainingJob are derived from the trials' training jobs in ./tuning-summaries.
 */
import { Context, now, publicView, paginate, sortAndFilter } from "./context";
import { Checker, TUNING_NAME_RE, inUse, notFound, validation } from "./errors";
import { TrainingJobs } from "./training";
import { validateTrainingSpec } from "./training-spec";
import { LiveTuningJob, TrialState, TuningRun } from "./tuning-run";
import { refreshTuningJob, trialSummaries } from "./tuning-summaries";
import * as tuning from "./tuning";

export class TuningJobs {
  recs = new Map<string, any>();
  private live = new Map<string, LiveTuningJob>();
  constructor(private ctx: Context, private jobs: TrainingJobs, recover = true) {
    for (const r of ctx.store.loadAll<any>("tuning-jobs")) {
      if (recover && (r.HyperParameterTuningJobStatus === "InProgress" || r.HyperParameterTuningJobStatus === "Stopping")) {
        r.HyperParameterTuningJobStatus = "Failed";
        r.FailureReason = "The local SageMaker server stopped while the tuning job was running.";
        r.HyperParameterTuningEndTime = r.LastModifiedTime = now();
        ctx.store.save("tuning-jobs", r.HyperParameterTuningJobName, r);
      }
      this.recs.set(r.HyperParameterTuningJobName, r);
    }
  }

  create(input: any): any {
    const c = new Checker();
    c.name(input.HyperParameterTuningJobName, "HyperParameterTuningJobName", TUNING_NAME_RE);
    const cfg = input.HyperParameterTuningJobConfig;
    if (c.required(cfg, "HyperParameterTuningJobConfig")) {
      c.oneOf(cfg.Strategy, "HyperParameterTuningJobConfig.Strategy", ["Bayesian", "Random", "Hyperband", "Grid"], true);
      if (c.required(cfg.ResourceLimits, "HyperParameterTuningJobConfig.ResourceLimits")) {
        c.range(cfg.ResourceLimits.MaxParallelTrainingJobs, "HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs", 1, 100, true);
        c.range(cfg.ResourceLimits.MaxNumberOfTrainingJobs, "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs", 1, 750, cfg.Strategy !== "Grid");
      }
      if (c.required(cfg.HyperParameterTuningJobObjective, "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective")) {
        c.oneOf(cfg.HyperParameterTuningJobObjective.Type, "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.Type", ["Maximize", "Minimize"], true);
        c.required(cfg.HyperParameterTuningJobObjective.MetricName, "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName");
      }
      c.oneOf(cfg.TrainingJobEarlyStoppingType, "HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType", ["Off", "Auto"]);
    }
    const def = input.TrainingJobDefinition;
    if (input.TrainingJobDefinitions) c.custom("Local SageMaker supports TrainingJobDefinition, not TrainingJobDefinitions.");
    else if (c.required(def, "TrainingJobDefinition")) validateTrainingSpec(c, def, "TrainingJobDefinition");
    c.throwIfAny();
    const name = input.HyperParameterTuningJobName as string;
    const arn = this.ctx.arn("hyper-parameter-tuning-job", name.toLowerCase());
    if (this.recs.has(name)) throw inUse(`Hyperparameter tuning job names must be unique within an AWS account and region, and a job with this name already exists (${arn})`);
    const objective = cfg.HyperParameterTuningJobObjective;
    const defs = def.AlgorithmSpecification.MetricDefinitions ?? [];
    if (!defs.some((m: any) => m.Name === objective.MetricName))
      throw validation(`The objective metric for the hyperparameter tuning job, [${objective.MetricName}], isn't valid for the [${def.AlgorithmSpecification.TrainingImage}] algorithm. Choose a valid objective metric.`);
    const ranges: tuning.ParameterRanges = cfg.ParameterRanges ?? {};
    const tuned = [...(ranges.ContinuousParameterRanges ?? []), ...(ranges.IntegerParameterRanges ?? []), ...(ranges.CategoricalParameterRanges ?? [])].map((r) => r.Name);
    for (const k of tuned)
      if (def.StaticHyperParameters && k in def.StaticHyperParameters)
        throw validation(`The hyperparameter ${k} is both a static hyperparameter and a tunable hyperparameter. Specify it only once.`);
    if (cfg.Strategy === "Hyperband" && cfg.TrainingJobEarlyStoppingType === "Auto")
      throw validation("TrainingJobEarlyStoppingType Auto is not supported with the Hyperband strategy: Hyperband has its own early stopping.");
    let hyperband: tuning.HyperbandOptions | undefined;
    if (cfg.Strategy === "Hyperband") {
      const hc = cfg.StrategyConfig?.HyperbandStrategyConfig ?? {};
      try {
        if (hc.MaxResource !== undefined) hyperband = { minResource: hc.MinResource ?? 1, maxResource: hc.MaxResource, resourceParam: tuned.includes("num_round") ? undefined : "num_round" };
        else {
          const inf = tuning.inferMaxResource(def.StaticHyperParameters);
          hyperband = { minResource: hc.MinResource ?? 1, maxResource: inf.maxResource, resourceParam: inf.resourceParam };
        }
      } catch (e: any) {
        throw validation(e.message);
      }
    }
    let strategy: tuning.Strategy;
    try {
      tuning.validateRanges(cfg.Strategy, ranges);
      strategy = tuning.createStrategy(cfg.Strategy, ranges, {
        objectiveType: objective.Type,
        maxJobs: cfg.ResourceLimits.MaxNumberOfTrainingJobs ?? Infinity,
        seed: cfg.RandomSeed ?? 0,
        hyperband,
      });
    } catch (e: any) {
      throw validation(e.message);
    }
    const t = now();
    const r: any = {
      HyperParameterTuningJobName: name,
      HyperParameterTuningJobArn: arn,
      HyperParameterTuningJobConfig: cfg,
      TrainingJobDefinition: def,
      HyperParameterTuningJobStatus: "InProgress",
      CreationTime: t,
      LastModifiedTime: t,
      TrainingJobStatusCounters: { Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 },
      ObjectiveStatusCounters: { Succeeded: 0, Pending: 0, Failed: 0 },
      _trials: [] as string[],
      _tuned: {} as Record<string, Record<string, string>>,
    };
    this.recs.set(name, r);
    this.save(r);
    const live: LiveTuningJob = { stop: false, done: Promise.resolve(), trials: new Map<string, TrialState>() };
    this.live.set(name, live);
    live.done = new TuningRun(this.ctx, this.jobs, r, strategy, live).run().catch((e) => {
      r.HyperParameterTuningJobStatus = "Failed";
      r.FailureReason = `InternalServerError: ${e?.message ?? e}`;
      r.HyperParameterTuningEndTime = r.LastModifiedTime = now();
      this.save(r);
    });
    return { HyperParameterTuningJobArn: arn };
  }

  private save(r: any): void {
    this.ctx.store.save("tuning-jobs", r.HyperParameterTuningJobName, r);
  }

  get(name: unknown): any {
    const r = typeof name === "string" ? this.recs.get(name) : undefined;
    if (!r) throw notFound(`Amazon SageMaker can't find a tuning job named ${String(name)}.`);
    return r;
  }
  describe(input: any): any {
    const c = new Checker();
    c.name(input.HyperParameterTuningJobName, "HyperParameterTuningJobName", TUNING_NAME_RE);
    c.throwIfAny();
    const r = this.get(input.HyperParameterTuningJobName);
    if (r.HyperParameterTuningJobStatus === "InProgress") refreshTuningJob(this.ctx, this.jobs, r);
    const out: any = publicView(r);
    if (!out.BestTrainingJob) delete out.BestTrainingJob;
    return out;
  }
  list(input: any): any {
    const items = sortAndFilter([...this.recs.values()], input, { name: "HyperParameterTuningJobName", status: "HyperParameterTuningJobStatus" });
    const { page, NextToken } = paginate(items, input);
    return {
      HyperParameterTuningJobSummaries: page.map((r) => ({
        HyperParameterTuningJobName: r.HyperParameterTuningJobName,
        HyperParameterTuningJobArn: r.HyperParameterTuningJobArn,
        HyperParameterTuningJobStatus: r.HyperParameterTuningJobStatus,
        Strategy: r.HyperParameterTuningJobConfig.Strategy,
        CreationTime: r.CreationTime,
        HyperParameterTuningEndTime: r.HyperParameterTuningEndTime,
        LastModifiedTime: r.LastModifiedTime,
        TrainingJobStatusCounters: r.TrainingJobStatusCounters,
        ObjectiveStatusCounters: r.ObjectiveStatusCounters,
        ResourceLimits: r.HyperParameterTuningJobConfig.ResourceLimits,
      })),
      NextToken,
    };
  }
  listTrainingJobs(input: any): any {
    const c = new Checker();
    c.name(input.HyperParameterTuningJobName, "HyperParameterTuningJobName", TUNING_NAME_RE);
    c.oneOf(input.SortBy, "SortBy", ["Name", "CreationTime", "Status", "FinalObjectiveMetricValue"]);
    c.throwIfAny();
    const r = this.get(input.HyperParameterTuningJobName);
    let items = trialSummaries(this.ctx, this.jobs, r);
    if (input.StatusEquals) items = items.filter((s) => s.TrainingJobStatus === input.StatusEquals);
    const by = input.SortBy ?? "Name";
    const dir = (input.SortOrder ?? "Descending") === "Ascending" ? 1 : -1;
    const key = (s: any) =>
      by === "Name" ? s.TrainingJobName : by === "Status" ? s.TrainingJobStatus : by === "CreationTime" ? s.CreationTime : s.FinalHyperParameterTuningJobObjectiveMetric?.Value ?? (dir > 0 ? Infinity : -Infinity);
    items.sort((a, b) => (key(a) < key(b) ? -dir : key(a) > key(b) ? dir : 0));
    const { page, NextToken } = paginate(items, input);
    return { TrainingJobSummaries: page.map((s) => publicView(s)), NextToken };
  }
  stop(input: any): any {
    const c = new Checker();
    c.name(input.HyperParameterTuningJobName, "HyperParameterTuningJobName", TUNING_NAME_RE);
    c.throwIfAny();
    const r = this.get(input.HyperParameterTuningJobName);
    if (r.HyperParameterTuningJobStatus !== "InProgress") throw validation(`The hyperparameter tuning job is in status ${r.HyperParameterTuningJobStatus} and cannot be stopped.`);
    const live = this.live.get(r.HyperParameterTuningJobName);
    r.HyperParameterTuningJobStatus = "Stopping";
    this.save(r);
    if (live) {
      live.stop = true;
      for (const name of r._trials) {
        const j = this.jobs.recs.get(name);
        if (j?.TrainingJobStatus === "InProgress") this.jobs.stop({ TrainingJobName: name }, "Stopped by the tuning job");
      }
    }
    return {};
  }
  async shutdown(): Promise<void> {
    for (const l of this.live.values()) {
      l.stop = true;
      l.shutdown = true;
    }
  }
  async drain(): Promise<void> {
    await Promise.all([...this.live.values()].map((l) => l.done));
  }
  waitFor(name: string): Promise<void> {
    return this.live.get(name)?.done ?? Promise.resolve();
  }
}
