/**
 * One hyperparameter tuning job's run: the strategy (./tuning) proposes, training jobs run.
 *
 * Up to MaxParallelTrainingJobs trials run at once and at most MaxNumberOfTrainingJobs are launched; each is a
 * training job named `<tuning job>-<nnn>-<8 hex>` with StaticHyperParameters + the proposed values +
 * `_tuning_objective_metric`, and the definition's Environment with OMP_NUM_THREADS, the trial's share of the cores
 * (coreBudget). While a trial runs, its objective metric's values (its `[<round>] …` lines only, when it prints
 * such lines) are its intermediate values: Hyperband's shouldStop, or with TrainingJobEarlyStoppingType Auto the median
 * stopping rule, may stop it early. A finished trial's objective is its final metric value (a stopped one's last
 * intermediate value); a Completed trial without one failed for the tuner. The job ends when the strategy has
 * nothing more to propose, the job limit or MaxRuntimeInSeconds is reached, a completion criterion holds, or it
 * is stopped — Completed, Stopped, or Failed when every trial failed (or the server stopped).
 */
import * as crypto from "crypto";
import { availableCores, coreShareEnv } from "node-xgboost-wasm";
import { Context, MAX_TIMER_MS, now } from "./context";
import { saveTuningJob, TuningJobConfigSpec, TuningJobRecord } from "./records";
import { TrainingJobs } from "./training";
import { refreshTuningJob } from "./tuning-summaries";
import * as tuning from "./tuning";
import { crashPoint } from "./crash-points";
import { ENVIRONMENT_ENTRIES } from "./training-spec";
import { rangeNames } from "./tuning-spec";

/** a trial as the run sees it while it goes on */
export interface TrialState {
  name: string;
  hp: Record<string, string>;
  intermediate: number[];
  /** the trial prints `[<round>] …` lines: only those are intermediate values */
  rounds?: boolean;
  status?: "Completed" | "Failed" | "Stopped";
  objective?: number;
}

/** a tuning job that has not finished: stop requests, and its run's promise */
export interface LiveTuningJob {
  stop: boolean;
  /** the server is stopping: the job fails */
  shutdown?: boolean;
  done: Promise<void>;
  trials: Map<string, TrialState>;
}

type FinishedTrial = tuning.Trial & { name: string };

/**
 * The trials share this machine's cores (the core's availableCores: the CPU affinity and a container's quota): with
 * P trials at once, each training job's environment gets OMP_NUM_THREADS = max(1, ⌊cores / P⌋), so
 * MaxParallelTrainingJobs × threads per job ≤ cores. OpenMP's variable is what any image's threads read as their
 * default — native XGBoost's, and this trainer's (its parallel_fits and nthread defaults: lib's defaultThreads) — so
 * no hyperparameter is added that another image would not know. The user may ask for more: the definition's
 * Environment sets OMP_NUM_THREADS itself (kept), a hyperparameter sets the threads (parallel_fits, nthread: given
 * values win over OpenMP's default), or MaxParallelTrainingJobs is above the cores (each trial then gets one thread,
 * and P of them run: SageMaker's limit is the user's to set). An Environment already at SageMaker's 48 entries is
 * kept as it is. The strategies (./tuning) know nothing of it: they stay pure.
 */
export function coreBudget(maxParallel: number, environment: Record<string, string> | undefined, cores = availableCores()): Record<string, string> | undefined {
  const env = environment ?? {}, share = coreShareEnv(maxParallel, env, cores); // a blank OMP_NUM_THREADS is unset
  if (!share.OMP_NUM_THREADS || Object.keys({ ...env, ...share }).length > ENVIRONMENT_ENTRIES) return environment;
  return { ...env, ...share };
}

export class TuningRun {
  private readonly history: FinishedTrial[] = [];
  private readonly running = new Map<string, { state: TrialState; done: Promise<string> }>();
  private launched = 0;
  /** no more trials will be launched */
  private exhausted = false;
  private completionReason?: string;
  /** a TuningJobCompletionCriteria ended the job: its TuningJobCompletionDetails stay as they were then */
  private criterionMet = false;

  private readonly cfg: TuningJobConfigSpec;
  private readonly objective: TuningJobConfigSpec["HyperParameterTuningJobObjective"];
  private readonly type: tuning.ObjectiveType;
  private readonly maxJobs: number;
  /** the hyperparameters of ParameterRanges: a trial's TunedHyperParameters */
  private readonly tunedNames: Set<string>;

  constructor(
    private ctx: Context,
    private jobs: TrainingJobs,
    private r: TuningJobRecord,
    private strategy: tuning.Strategy,
    private live: LiveTuningJob,
  ) {
    this.cfg = r.wire.HyperParameterTuningJobConfig;
    this.objective = this.cfg.HyperParameterTuningJobObjective;
    this.type = this.objective.Type;
    this.maxJobs = this.cfg.ResourceLimits.MaxNumberOfTrainingJobs ?? Infinity;
    this.tunedNames = new Set(rangeNames(this.cfg.ParameterRanges));
  }

  async run(): Promise<void> {
    const maxRuntime = this.cfg.ResourceLimits.MaxRuntimeInSeconds;
    const deadline = maxRuntime ? this.r.wire.CreationTime + maxRuntime : Infinity;
    let timer: NodeJS.Timeout | undefined;
    const reached = () => {
      if (this.completionReason) return;
      this.completionReason = "MaxRuntimeInSeconds reached";
      this.exhausted = true;
      // the job's time is up for its running trials too: they were left to run on (a 120 s job ended at 181 s)
      for (const x of this.running.values()) this.jobs.stop({ TrainingJobName: x.state.name }, "Stopped by the tuning job: its MaxRuntimeInSeconds was reached");
    };
    try {
      while (true) {
        if (now() >= deadline) reached();
        this.launchTrials();
        if (this.running.size === 0) break;
        const ticking = deadline === Infinity || this.completionReason ? [] : [new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.min(MAX_TIMER_MS, Math.max(0, (deadline - now()) * 1000) + 10))))];
        const finished = await Promise.race([...[...this.running.values()].map((x) => x.done), ...ticking]);
        clearTimeout(timer);
        if (finished !== undefined) this.record(finished);
      }
    } finally {
      clearTimeout(timer);
    }
    this.finish();
  }

  private refresh(): void {
    refreshTuningJob(this.ctx, this.jobs, this.r);
  }

  /** as many trials as the strategy proposes and the limits allow */
  private launchTrials(): void {
    const maxParallel = this.cfg.ResourceLimits.MaxParallelTrainingJobs;
    while (!this.live.stop && !this.exhausted && this.running.size < maxParallel && this.launched < this.maxJobs) {
      const hp = this.strategy.next(this.history, [...this.running.values()].map((x) => x.state.hp));
      if (!hp) {
        this.exhausted = true;
        break;
      }
      this.launch(hp);
      this.refresh();
    }
  }

  private launch(hp: Record<string, string>): void {
    const { live } = this;
    const { wire, local } = this.r;
    const def = wire.TrainingJobDefinition;
    this.launched++;
    const jobName = `${wire.HyperParameterTuningJobName}-${String(this.launched).padStart(3, "0")}-${crypto.randomBytes(4).toString("hex")}`;
    const state: TrialState = { name: jobName, hp, intermediate: [] };
    let stopping = false;
    this.jobs.create(
      {
        TrainingJobName: jobName,
        HyperParameters: {
          ...(def.StaticHyperParameters ?? {}),
          ...hp,
          _tuning_objective_metric: this.objective.MetricName,
        },
        AlgorithmSpecification: def.AlgorithmSpecification,
        RoleArn: def.RoleArn,
        InputDataConfig: def.InputDataConfig,
        OutputDataConfig: def.OutputDataConfig,
        ResourceConfig: def.ResourceConfig,
        StoppingCondition: def.StoppingCondition,
        Environment: coreBudget(this.cfg.ResourceLimits.MaxParallelTrainingJobs, def.Environment),
      },
      {
        tuningJobArn: wire.HyperParameterTuningJobArn,
        objectiveMetric: this.objective.MetricName,
        onObjective: (v, line) => {
          // the intermediate values: every value of the objective metric, as SageMaker takes them ("all metrics that
          // correspond to an objective metric are used to derive early stopping decisions") — but for a trial that
          // prints `[<round>] …` lines (this project's trainer, whose final summary line repeats the metric), those
          // lines only. Only `[<round>]` lines counted before: an image logging `epoch 3 val_loss=…` was never
          // stopped early, under Hyperband not even at MaxResource
          if (/^\s*\[\d+\]/.test(line)) {
            if (!state.rounds) state.intermediate.length = 0; // unbracketed values seen first: the rounds replace them
            state.rounds = true;
          } else if (state.rounds) return;
          state.intermediate.push(v);
          if (stopping || live.stop) return;
          const why = this.earlyStopReason(state);
          if (why) {
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
    // recorded once its training job exists (saved by create): a crash between the two saves leaves a training job
    // that recovery adopts (./tuning-jobs), never a trial without one
    crashPoint("trial-recorded");
    live.trials.set(jobName, state);
    local.trials.push(jobName);
    // TunedHyperParameters are "the hyperparameters for which you specified ranges to search" (the API reference):
    // Hyperband's resource parameter, in its proposals (num_round = MaxResource, static or added), was listed too
    local.tuned[jobName] = Object.fromEntries(Object.entries(hp).filter(([k]) => this.tunedNames.has(k)));
    this.running.set(jobName, { state, done: this.jobs.waitFor(jobName).then(() => jobName) });
  }

  /** why a running trial should stop now (Hyperband, or the median stopping rule), or undefined */
  private earlyStopReason(state: TrialState): string | undefined {
    if (this.strategy.shouldStop?.({ hyperparameters: state.hp, intermediate: state.intermediate.slice() }, this.history)) return "Hyperband";
    if (this.cfg.TrainingJobEarlyStoppingType === "Auto" && tuning.medianStoppingRule(this.history, state.intermediate, this.type)) return "median stopping rule";
    return undefined;
  }

  /** a trial's training job has ended: its objective, into the history; completion criteria */
  private record(finished: string): void {
    const { r, objective, type } = this;
    const st = this.running.get(finished)!.state; // finished is one of the running trials' names
    this.running.delete(finished);
    const job = this.jobs.recs.get(finished);
    st.status = job?.TrainingJobStatus === "Completed" ? "Completed" : job?.TrainingJobStatus === "Stopped" ? "Stopped" : "Failed";
    const fm = (job?.FinalMetricDataList ?? []).find((m) => m.MetricName === objective.MetricName);
    st.objective = st.status === "Failed" ? undefined : st.status === "Stopped" ? (st.intermediate.length ? st.intermediate[st.intermediate.length - 1] : fm?.Value) : fm?.Value;
    if (st.status === "Completed" && st.objective === undefined) st.status = "Failed"; // no objective in the log: the trial failed for the tuner
    this.history.push({ name: st.name, hyperparameters: st.hp, objective: st.objective, intermediate: st.intermediate.slice(), status: st.status });
    r.local.objectives = { ...(r.local.objectives ?? {}), [finished]: { status: st.status, objective: st.objective } };
    let justMet = false;
    if (!this.completionReason) {
      const criteria = {
        TargetObjectiveMetricValue: this.cfg.TuningJobCompletionCriteria?.TargetObjectiveMetricValue,
        MaxNumberOfTrainingJobsNotImproving: this.cfg.TuningJobCompletionCriteria?.BestObjectiveNotImproving?.MaxNumberOfTrainingJobsNotImproving,
      };
      const c = tuning.completionReached(this.history, type, criteria);
      if (c.done) {
        this.completionReason = c.reason;
        this.exhausted = true;
        this.criterionMet = justMet = true;
      }
    }
    // the count as the job goes, as SageMaker reports it for running jobs too (it was set only once a criterion ended
    // the job, or at the end); frozen when a criterion ends the job, at the count that ended it
    if (!this.criterionMet || justMet)
      r.wire.TuningJobCompletionDetails = { NumberOfTrainingJobsObjectiveNotImproving: tuning.trialsNotImproving(this.history, type) ?? 0 };
    this.refresh();
  }

  /**
   * Why a trial failed for the tuner: its training job's FailureReason, or — a job that completed without the
   * objective metric (ObjectiveStatus Failed; SageMaker's training job has no FailureReason then) — which metric and
   * regex matched no line of its log. Every trial completing that way said "First failure: unknown".
   */
  private failureOf(name: string): string {
    const job = this.jobs.recs.get(name);
    if (job?.FailureReason) return job.FailureReason;
    if (job?.TrainingJobStatus === "Completed") {
      const metric = this.objective.MetricName;
      const regex = job.AlgorithmSpecification?.MetricDefinitions?.find((m) => m.Name === metric)?.Regex;
      return `training job ${name} completed without the objective metric ${metric}: no line of its log matched its MetricDefinitions Regex ${JSON.stringify(regex)}.`;
    }
    return `training job ${name} ended ${job?.TrainingJobStatus ?? "without a record"}.`;
  }

  /** no trial running and none to launch: the job's final status */
  private finish(): void {
    const { live, history } = this;
    const r = this.r.wire;
    const t = now();
    this.refresh();
    if (live.shutdown) {
      r.HyperParameterTuningJobStatus = "Failed";
      r.FailureReason = "The local SageMaker server stopped while the tuning job was running.";
    } else if (live.stop) r.HyperParameterTuningJobStatus = "Stopped";
    else if (history.length && history.every((h) => h.status === "Failed")) {
      r.HyperParameterTuningJobStatus = "Failed";
      r.FailureReason = `All training jobs failed. First failure: ${this.failureOf(history[0].name)}`;
    } else r.HyperParameterTuningJobStatus = "Completed";
    if (!this.criterionMet) r.TuningJobCompletionDetails = { NumberOfTrainingJobsObjectiveNotImproving: tuning.trialsNotImproving(history, this.type) ?? 0 };
    r.ConsumedResources = { RuntimeInSeconds: Math.round(t - r.CreationTime) };
    r.HyperParameterTuningEndTime = r.LastModifiedTime = t;
    saveTuningJob(this.ctx.store, this.r);
    this.ctx.log(`tuning job ${r.HyperParameterTuningJobName}: ${r.HyperParameterTuningJobStatus}${this.completionReason ? ` (${this.completionReason})` : ""}`);
  }
}
