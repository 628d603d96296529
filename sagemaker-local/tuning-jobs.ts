/**
 * Hyperparameter tuning jobs: CreateHyperParameterTuningJob (validated, and its strategy built, before anything
 * runs), DescribeHyperParameterTuningJob, ListHyperParameterTuningJobs, ListTrainingJobsForHyperParameterTuningJob
 * and StopHyperParameterTuningJob. The loop that proposes and launches trials is ./tuning-run's; the summaries,
 * counters and BestTrainingJob are derived from the trials' training jobs in ./tuning-summaries.
 */
import type {
  CreateHyperParameterTuningJobCommandInput,
  CreateHyperParameterTuningJobCommandOutput,
  DescribeHyperParameterTuningJobCommandInput,
  DescribeHyperParameterTuningJobCommandOutput,
  ListHyperParameterTuningJobsCommandInput,
  ListHyperParameterTuningJobsCommandOutput,
  ListTrainingJobsForHyperParameterTuningJobCommandInput,
  ListTrainingJobsForHyperParameterTuningJobCommandOutput,
  StopHyperParameterTuningJobCommandInput,
  StopHyperParameterTuningJobCommandOutput,
  HyperParameterTuningJobSortByOptions,
  HyperParameterTuningJobStatus,
  TrainingJobSortByOptions,
} from "@aws-sdk/client-sagemaker";
import { checkList, Context, Listed, now, listOrder, ListOrder, paginate, sortBy, sortAndFilter, nameTaken } from "./context";
import { Checker, TUNING_NAME_RE, errorMessage, inUse, limitExceeded, notFound, show, validation } from "./errors";
import { fromDisk, saveTuningJob, TrialSummary, TuningJobLocal, TuningJobRecord, TuningJobWire } from "./records";
import { saveInBackground } from "./storage";
import { TRAINING_JOB_STATUSES, TrainingJobs } from "./training";
import { checkFileRoots, TRAINING_SPEC_FIELDS, trainingFields, validateTrainingSpec } from "./training-spec";
import { buildStrategy, CreateTuningJob, rangeNames, validateTuningConfig, validateWarmStartConfig } from "./tuning-spec";
import { resolveWarmStart } from "./tuning-warm-start";
import { LiveTuningJob, TrialState, TuningRun } from "./tuning-run";
import { refreshTuningJob, trialSummaries } from "./tuning-summaries";
import type { Reply, Request } from "./wire";

/**
 * Recovery: a trial is saved as a training job before its tuning job records it, so a crash in between leaves a
 * training job of this tuning job that its record does not list. Such trials are added back (in launch order,
 * which their names carry), with the tuned hyperparameters read from the training job.
 */
function adoptTrials(r: TuningJobRecord, jobs: TrainingJobs): void {
  const { wire, local } = r;
  const tunedNames = new Set(rangeNames(wire.HyperParameterTuningJobConfig.ParameterRanges));
  const missing = [...jobs.recs.values()].filter((j) => j.TuningJobArn === wire.HyperParameterTuningJobArn && !local.trials.includes(j.TrainingJobName));
  for (const j of missing.sort((a, b) => (a.TrainingJobName < b.TrainingJobName ? -1 : 1))) {
    local.trials.push(j.TrainingJobName);
    local.tuned[j.TrainingJobName] = Object.fromEntries(Object.entries(j.HyperParameters).filter(([k]) => tunedNames.has(k)));
  }
}

/** AWS's default quota of concurrent training jobs per tuning job (Service Quotas; the API itself sets no maximum) */
const MAX_PARALLEL_TRIALS = 100;
const TUNING_JOB_STATUSES = Object.keys({ Completed: 1, InProgress: 1, Failed: 1, Stopped: 1, Stopping: 1, Deleting: 1, DeleteFailed: 1 } satisfies Record<HyperParameterTuningJobStatus, 1>);
const TUNING_SORT_BY = Object.keys({ Name: 1, Status: 1, CreationTime: 1 } satisfies Record<HyperParameterTuningJobSortByOptions, 1>);
const TRIALS_SORT_BY = Object.keys({ Name: 1, CreationTime: 1, Status: 1, FinalObjectiveMetricValue: 1 } satisfies Record<TrainingJobSortByOptions, 1>);

const LISTED: Listed<TuningJobRecord> = {
  name: (r) => r.wire.HyperParameterTuningJobName,
  status: (r) => r.wire.HyperParameterTuningJobStatus,
  created: (r) => r.wire.CreationTime,
  modified: (r) => r.wire.LastModifiedTime,
  defaultSort: { by: "Name", order: "Ascending" }, // the API reference's defaults, unlike the other List… operations
};

export class TuningJobs {
  readonly recs = new Map<string, TuningJobRecord>();
  private live = new Map<string, LiveTuningJob>();
  constructor(private ctx: Context, private jobs: TrainingJobs, recover = true) {
    for (const file of ctx.store.loadAll("tuning-jobs")) {
      const r = fromDisk<TuningJobWire, TuningJobLocal>(file);
      const w = r.wire;
      if (recover && (w.HyperParameterTuningJobStatus === "InProgress" || w.HyperParameterTuningJobStatus === "Stopping")) {
        w.HyperParameterTuningJobStatus = "Failed";
        w.FailureReason = "The local SageMaker server stopped while the tuning job was running.";
        w.HyperParameterTuningEndTime = w.LastModifiedTime = now();
        adoptTrials(r, jobs);
        refreshTuningJob(ctx, jobs, r); // the counters, from the trials' training jobs (running ones are Failed now), saved
      }
      this.recs.set(w.HyperParameterTuningJobName, r);
    }
  }

  create(request: Request<CreateHyperParameterTuningJobCommandInput>): Reply<CreateHyperParameterTuningJobCommandOutput> {
    const c = new Checker();
    if (request.TrainingJobDefinitions) c.custom("Local SageMaker supports TrainingJobDefinition, not TrainingJobDefinitions.");
    c.supported(request, "", ["HyperParameterTuningJobName", "HyperParameterTuningJobConfig", "TrainingJobDefinition", "WarmStartConfig", "TrainingJobDefinitions"]);
    c.name(request.HyperParameterTuningJobName, "HyperParameterTuningJobName", TUNING_NAME_RE);
    validateTuningConfig(c, request.HyperParameterTuningJobConfig);
    const def = request.TrainingJobDefinition;
    if (!request.TrainingJobDefinitions && c.object(def, "TrainingJobDefinition", true)) {
      // the tuned ranges are the config's ParameterRanges: a definition's own HyperParameterRanges, DefinitionName and
      // TuningObjective belong to TrainingJobDefinitions (several algorithms), which the local SageMaker does not run
      c.supported(def, "TrainingJobDefinition", trainingFields(def, ["StaticHyperParameters", ...TRAINING_SPEC_FIELDS]));
      validateTrainingSpec(c, def, "TrainingJobDefinition");
    }
    validateWarmStartConfig(c, request.WarmStartConfig);
    const input = c.valid<CreateTuningJob>(request);
    const parallel = input.HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs;
    if (parallel > MAX_PARALLEL_TRIALS)
      throw limitExceeded(
        `The account-level service limit 'Number of concurrent training jobs per hyperparameter tuning job' is ${MAX_PARALLEL_TRIALS}, and the request asks for ${parallel}. Please use AWS Service Quotas to request an increase for this quota.`,
      );
    checkFileRoots(this.ctx, input.TrainingJobDefinition, "TrainingJobDefinition: ");
    const name = input.HyperParameterTuningJobName;
    const arn = this.ctx.arn("hyper-parameter-tuning-job", name.toLowerCase());
    if (nameTaken(this.recs, name, this.ctx.store, "tuning-jobs")) throw inUse(`Hyperparameter tuning job names must be unique within an AWS account and region, and a job with this name already exists (${arn})`);
    const warm = resolveWarmStart(input, (n) => this.get(n), this.jobs);
    const { config, strategy } = buildStrategy(input, warm?.prior);
    const t = now();
    const r: TuningJobRecord = {
      wire: {
        HyperParameterTuningJobName: name,
        HyperParameterTuningJobArn: arn,
        HyperParameterTuningJobConfig: config,
        TrainingJobDefinition: input.TrainingJobDefinition,
        HyperParameterTuningJobStatus: "InProgress",
        CreationTime: t,
        LastModifiedTime: t,
        TrainingJobStatusCounters: { Completed: 0, InProgress: 0, RetryableError: 0, NonRetryableError: 0, Stopped: 0 },
        ObjectiveStatusCounters: { Succeeded: 0, Pending: 0, Failed: 0 },
        TuningJobCompletionDetails: { NumberOfTrainingJobsObjectiveNotImproving: 0 },
        WarmStartConfig: input.WarmStartConfig,
      },
      // OverallBestTrainingJob is IdenticalDataAndAlgorithm's (AWS's guide): under TransferLearning the parents'
      // objectives were measured on other data, and their best was reported as this job's overall best
      local: {
        trials: [], tuned: {},
        ...(warm ? { priorTrials: warm.prior.length, ...(input.WarmStartConfig?.WarmStartType === "IdenticalDataAndAlgorithm" ? { parentBest: warm.parentBest } : {}) } : {}),
      },
    };
    saveTuningJob(this.ctx.store, r); // before it is known: a save that fails leaves no job InProgress that never runs
    this.recs.set(name, r);
    const live: LiveTuningJob = { stop: false, done: Promise.resolve(), trials: new Map<string, TrialState>() };
    this.live.set(name, live);
    live.done = new TuningRun(this.ctx, this.jobs, r, strategy, live).run().catch((e) => {
      r.wire.HyperParameterTuningJobStatus = "Failed";
      r.wire.FailureReason = `InternalServerError: ${errorMessage(e)}`;
      r.wire.HyperParameterTuningEndTime = r.wire.LastModifiedTime = now();
      saveInBackground(`tuning job ${name}: status Failed`, this.ctx.log, () => saveTuningJob(this.ctx.store, r));
    });
    return { HyperParameterTuningJobArn: arn };
  }

  get(name: unknown): TuningJobRecord {
    const r = typeof name === "string" ? this.recs.get(name) : undefined;
    if (!r) throw notFound(`Amazon SageMaker can't find a tuning job named ${show(name)}.`);
    return r;
  }
  describe(input: Request<DescribeHyperParameterTuningJobCommandInput>): Reply<DescribeHyperParameterTuningJobCommandOutput> {
    const c = new Checker();
    c.name(input.HyperParameterTuningJobName, "HyperParameterTuningJobName", TUNING_NAME_RE);
    c.throwIfAny();
    const r = this.get(input.HyperParameterTuningJobName);
    const w = r.wire;
    if (w.HyperParameterTuningJobStatus === "InProgress") refreshTuningJob(this.ctx, this.jobs, r, "if-changed");
    // a running job's wall clock so far (SageMaker reports it as the job goes; it was there only once the job ended),
    // answered, not saved: a durable write per poll is what "if-changed" avoids
    if (w.HyperParameterTuningJobStatus === "InProgress" || w.HyperParameterTuningJobStatus === "Stopping")
      return { ...w, ConsumedResources: { RuntimeInSeconds: Math.max(0, Math.round(now() - w.CreationTime)) } };
    return w;
  }
  list(input: Request<ListHyperParameterTuningJobsCommandInput>): Reply<ListHyperParameterTuningJobsCommandOutput> {
    checkList(input, { statuses: TUNING_JOB_STATUSES, sortBy: TUNING_SORT_BY });
    const items = sortAndFilter([...this.recs.values()], input, LISTED);
    const { page, NextToken } = paginate(items, input, listOrder(input, LISTED));
    return {
      HyperParameterTuningJobSummaries: page.map(({ wire: r }) => ({
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
  listTrainingJobs(input: Request<ListTrainingJobsForHyperParameterTuningJobCommandInput>): Reply<ListTrainingJobsForHyperParameterTuningJobCommandOutput> {
    const c = new Checker();
    c.name(input.HyperParameterTuningJobName, "HyperParameterTuningJobName", TUNING_NAME_RE);
    c.throwIfAny();
    checkList(input, { statuses: TRAINING_JOB_STATUSES, sortBy: TRIALS_SORT_BY, fields: ["HyperParameterTuningJobName", "MaxResults", "NextToken", "StatusEquals", "SortBy", "SortOrder"] });
    const r = this.get(input.HyperParameterTuningJobName);
    let items = trialSummaries(this.ctx, this.jobs, r);
    if (input.StatusEquals) items = items.filter((s) => s.TrainingJobStatus === input.StatusEquals);
    // the API reference's defaults: SortBy Name, SortOrder Ascending (it was Descending here); by the objective, a
    // trial without one is not listed (they were listed last)
    const by = input.SortBy ?? "Name";
    const dir = (input.SortOrder ?? "Ascending") === "Ascending" ? 1 : -1;
    if (by === "FinalObjectiveMetricValue") items = items.filter((s) => s.FinalHyperParameterTuningJobObjectiveMetric?.Value !== undefined);
    const order: ListOrder<TrialSummary> = {
      key: (t) => (by === "Name" ? t.TrainingJobName : by === "Status" ? t.TrainingJobStatus : by === "CreationTime" ? t.CreationTime : t.FinalHyperParameterTuningJobObjectiveMetric!.Value!),
      name: (t) => t.TrainingJobName,
      dir: dir as 1 | -1,
    };
    const { page, NextToken } = paginate(sortBy(items, order), input, order);
    return { TrainingJobSummaries: page, NextToken };
  }
  stop(input: Request<StopHyperParameterTuningJobCommandInput>): Reply<StopHyperParameterTuningJobCommandOutput> {
    const c = new Checker();
    c.name(input.HyperParameterTuningJobName, "HyperParameterTuningJobName", TUNING_NAME_RE);
    c.throwIfAny();
    const r = this.get(input.HyperParameterTuningJobName);
    const w = r.wire;
    if (w.HyperParameterTuningJobStatus !== "InProgress") throw validation(`The hyperparameter tuning job is in status ${w.HyperParameterTuningJobStatus} and cannot be stopped.`);
    const live = this.live.get(w.HyperParameterTuningJobName);
    w.HyperParameterTuningJobStatus = "Stopping";
    saveTuningJob(this.ctx.store, r);
    if (live) {
      live.stop = true;
      for (const name of r.local.trials) {
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
