/** Hyperparameter tuning jobs: a strategy (./tuning) proposes, training jobs run (MaxParallelTrainingJobs at once). */
import * as crypto from "crypto";
import { Context, now, publicView, paginate, sortAndFilter } from "./context";
import { Checker, TUNING_NAME_RE, inUse, notFound, validation } from "./errors";
import { TrainingJobs } from "./training";
import { validateTrainingSpec } from "./training-spec";
import * as tuning from "./tuning";

interface TrialState {
  name: string;
  hp: Record<string, string>;
  intermediate: number[];
  status?: "Completed" | "Failed" | "Stopped";
  objective?: number;
}

export class TuningJobs {
  recs = new Map<string, any>();
  private live = new Map<string, { stop: boolean; shutdown?: boolean; done: Promise<void>; trials: Map<string, TrialState> }>();
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
    const live = { stop: false, done: Promise.resolve(), trials: new Map<string, TrialState>() };
    this.live.set(name, live);
    live.done = this.run(r, strategy, live).catch((e) => {
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

  private async run(r: any, strategy: tuning.Strategy, live: { stop: boolean; shutdown?: boolean; trials: Map<string, TrialState> }): Promise<void> {
    const cfg = r.HyperParameterTuningJobConfig;
    const def = r.TrainingJobDefinition;
    const objective = cfg.HyperParameterTuningJobObjective;
    const type = objective.Type as tuning.ObjectiveType;
    const maxParallel = cfg.ResourceLimits.MaxParallelTrainingJobs as number;
    const maxJobs = (cfg.ResourceLimits.MaxNumberOfTrainingJobs as number | undefined) ?? Infinity;
    const earlyAuto = cfg.TrainingJobEarlyStoppingType === "Auto";
    const criteria = {
      TargetObjectiveMetricValue: cfg.TuningJobCompletionCriteria?.TargetObjectiveMetricValue,
      MaxNumberOfTrainingJobsNotImproving: cfg.TuningJobCompletionCriteria?.BestObjectiveNotImproving?.MaxNumberOfTrainingJobsNotImproving,
    };
    const maxRuntime = cfg.ResourceLimits.MaxRuntimeInSeconds as number | undefined;
    const history: (tuning.Trial & { name: string })[] = [];
    const running = new Map<string, { state: TrialState; done: Promise<string> }>();
    let launched = 0;
    let exhausted = false;
    let completionReason: string | undefined;
    const toTrial = (s: TrialState): tuning.Trial & { name: string } => ({
      name: s.name,
      hyperparameters: s.hp,
      objective: s.objective,
      intermediate: s.intermediate.slice(),
      status: s.status!,
    });
    while (true) {
      if (maxRuntime && now() - r.CreationTime > maxRuntime && !completionReason) {
        completionReason = "MaxRuntimeInSeconds reached";
        exhausted = true;
      }
      while (!live.stop && !exhausted && running.size < maxParallel && launched < maxJobs) {
        const hp = strategy.next(history, [...running.values()].map((x) => x.state.hp));
        if (!hp) {
          exhausted = true;
          break;
        }
        launched++;
        const jobName = `${r.HyperParameterTuningJobName}-${String(launched).padStart(3, "0")}-${crypto.randomBytes(4).toString("hex")}`;
        const state: TrialState = { name: jobName, hp, intermediate: [] };
        live.trials.set(jobName, state);
        r._trials.push(jobName);
        r._tuned[jobName] = hp;
        let stopping = false;
        this.jobs.create(
          {
            TrainingJobName: jobName,
            HyperParameters: { ...(def.StaticHyperParameters ?? {}), ...hp, _tuning_objective_metric: objective.MetricName },
            AlgorithmSpecification: def.AlgorithmSpecification,
            RoleArn: def.RoleArn,
            InputDataConfig: def.InputDataConfig,
            OutputDataConfig: def.OutputDataConfig,
            ResourceConfig: def.ResourceConfig,
            StoppingCondition: def.StoppingCondition,
            Environment: def.Environment,
          },
          {
            tuningJobArn: r.HyperParameterTuningJobArn,
            objectiveMetric: objective.MetricName,
            onObjective: (v, line) => {
              if (!/^\s*\[\d+\]/.test(line)) return; // per-round lines only: intermediate values
              state.intermediate.push(v);
              if (stopping || live.stop) return;
              let stop = false;
              let why = "";
              if (strategy.shouldStop?.({ hyperparameters: hp, intermediate: state.intermediate.slice() }, history)) {
                stop = true;
                why = "Hyperband";
              } else if (earlyAuto && tuning.medianStoppingRule(history, state.intermediate, type)) {
                stop = true;
                why = "median stopping rule";
              }
              if (stop) {
                stopping = true;
                try {
                  this.jobs.stop({ TrainingJobName: jobName }, `Training job early stopped by the tuning job (${why})`);
                } catch {
                  /* already finished */
                }
              }
            },
          },
        );
        running.set(jobName, { state, done: this.jobs.waitFor(jobName).then(() => jobName) });
        this.refresh(r);
      }
      if (running.size === 0) break;
      const finished = await Promise.race([...running.values()].map((x) => x.done));
      const entry = running.get(finished)!;
      running.delete(finished);
      const job = this.jobs.recs.get(finished);
      const st = entry.state;
      st.status = job.TrainingJobStatus === "Completed" ? "Completed" : job.TrainingJobStatus === "Stopped" ? "Stopped" : "Failed";
      const fm = (job.FinalMetricDataList ?? []).find((m: any) => m.MetricName === objective.MetricName);
      st.objective = st.status === "Failed" ? undefined : st.status === "Stopped" ? (st.intermediate.length ? st.intermediate[st.intermediate.length - 1] : fm?.Value) : fm?.Value;
      if (st.status === "Completed" && st.objective === undefined) st.status = "Failed"; // no objective in the log: the trial failed for the tuner
      history.push(toTrial(st));
      r._objectives = { ...(r._objectives ?? {}), [finished]: { status: st.status, objective: st.objective } };
      if (!completionReason) {
        const c = tuning.completionReached(history, type, criteria);
        if (c.done) {
          completionReason = c.reason;
          exhausted = true;
          r.TuningJobCompletionDetails = { NumberOfTrainingJobsObjectiveNotImproving: this.notImproving(history, type) };
        }
      }
      this.refresh(r);
    }
    const t = now();
    this.refresh(r);
    if (live.shutdown) {
      r.HyperParameterTuningJobStatus = "Failed";
      r.FailureReason = "The local SageMaker server stopped while the tuning job was running.";
    } else if (live.stop) r.HyperParameterTuningJobStatus = "Stopped";
    else if (history.length && history.every((h) => h.status === "Failed")) {
      r.HyperParameterTuningJobStatus = "Failed";
      r.FailureReason = `All training jobs failed. First failure: ${this.jobs.recs.get(history[0].name)?.FailureReason ?? "unknown"}`;
    } else r.HyperParameterTuningJobStatus = "Completed";
    r.TuningJobCompletionDetails ??= { NumberOfTrainingJobsObjectiveNotImproving: this.notImproving(history, type) };
    r.ConsumedResources = { RuntimeInSeconds: Math.round(t - r.CreationTime) };
    r.HyperParameterTuningEndTime = r.LastModifiedTime = t;
    this.save(r);
    this.ctx.log(`tuning job ${r.HyperParameterTuningJobName}: ${r.HyperParameterTuningJobStatus}${completionReason ? ` (${completionReason})` : ""}`);
  }

  private notImproving(history: tuning.Trial[], type: tuning.ObjectiveType): number {
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

  /** counters and BestTrainingJob from the training jobs */
  private refresh(r: any): void {
    const counters = { Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 };
    const obj = { Succeeded: 0, Pending: 0, Failed: 0 };
    const sums = this.summaries(r);
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
    this.save(r);
  }

  summaries(r: any): any[] {
    const objective = r.HyperParameterTuningJobConfig.HyperParameterTuningJobObjective;
    return (r._trials as string[]).map((name) => {
      const j = this.jobs.recs.get(name) ?? {};
      const o = r._objectives?.[name];
      const status = j.TrainingJobStatus ?? "Failed";
      const value = o ? o.objective : (j.FinalMetricDataList ?? []).find((m: any) => m.MetricName === objective.MetricName)?.Value;
      const done = !["InProgress", "Stopping"].includes(status);
      return {
        TrainingJobName: name,
        TrainingJobArn: j.TrainingJobArn ?? this.ctx.arn("training-job", name.toLowerCase()),
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
    if (r.HyperParameterTuningJobStatus === "InProgress") this.refresh(r);
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
    let items = this.summaries(r);
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
    await Promise.all([...this.live.values()].map((l) => (l as any).done));
  }
  waitFor(name: string): Promise<void> {
    return this.live.get(name)?.done ?? Promise.resolve();
  }
}
