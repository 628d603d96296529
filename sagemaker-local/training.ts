/**
 * Training jobs: CreateTrainingJob, DescribeTrainingJob, ListTrainingJobs, StopTrainingJob, and the
 * account's limit on concurrent jobs. A job's record is exactly what DescribeTrainingJob answers; its run —
 * the /opt/ml tree, the channels, the trainer process, the upload — is ./training-run's, and the
 * validation of its specification ./training-spec's (shared with tuning jobs). A tuning job creates its
 * trials here too, with hooks for the objective metric's intermediate values.
 */
import * as fs from "fs";
import * as path from "path";
import type {
  CreateTrainingJobCommandInput,
  CreateTrainingJobCommandOutput,
  DescribeTrainingJobCommandInput,
  DescribeTrainingJobCommandOutput,
  ListTrainingJobsCommandInput,
  ListTrainingJobsCommandOutput,
  StopTrainingJobCommandInput,
  StopTrainingJobCommandOutput,
  SortBy,
  TrainingJobStatus,
} from "@aws-sdk/client-sagemaker";
import { checkList, Context, Listed, now, listOrder, paginate, sortAndFilter, nameTaken } from "./context";
import { Checker, errorMessage, inUse, limitExceeded, validation } from "./errors";
import type { TrainingJobRecord, TrainingSpec } from "./records";
import type { Reply, Request } from "./wire";
import { checkFileRoots, TRAINING_SPEC_FIELDS, trainingFields, validateTrainingSpec } from "./training-spec";
import { joinUri } from "./storage";
import { JobHooks, Running, STOP_GRACE_MS, TrainingRun, transition } from "./training-run";

export type { JobHooks } from "./training-run";

/** CreateTrainingJob's request once validated */
type CreateTrainingJob = TrainingSpec & { TrainingJobName: string; HyperParameters?: Record<string, string> };

const LISTED: Listed<TrainingJobRecord> = { name: (r) => r.TrainingJobName, status: (r) => r.TrainingJobStatus, created: (r) => r.CreationTime, modified: (r) => r.LastModifiedTime };
/** the SDK's TrainingJobStatus values (a missing or misspelt one is a compile error) */
export const TRAINING_JOB_STATUSES = Object.keys({ InProgress: 1, Completed: 1, Failed: 1, Stopping: 1, Stopped: 1, Deleting: 1 } satisfies Record<TrainingJobStatus, 1>);
const SORT_BY = Object.keys({ Name: 1, CreationTime: 1, Status: 1 } satisfies Record<SortBy, 1>);
/** MaxRuntimeInSeconds when a StoppingCondition leaves it out: the API reference's "The default value is 1 day" (such a
 * job ran without a limit, and DescribeTrainingJob showed no MaxRuntimeInSeconds) */
const DEFAULT_MAX_RUNTIME_S = 86400;

export class TrainingJobs {
  readonly recs = new Map<string, TrainingJobRecord>();
  readonly running = new Map<string, Running>();
  constructor(private ctx: Context, private opts: { maxConcurrentJobs: number; recover?: boolean }) {
    for (const r of ctx.store.loadAll("training-jobs")) {
      if (opts.recover !== false && (r.TrainingJobStatus === "InProgress" || r.TrainingJobStatus === "Stopping")) {
        ctx.data.removeTemporaries(joinUri(r.OutputDataConfig.S3OutputPath, r.TrainingJobName, "output")); // an interrupted upload
        const t = now();
        r.TrainingJobStatus = "Failed";
        r.FailureReason = "InternalServerError: the local SageMaker server stopped while the job was running.";
        transition(r, "Failed", "The local SageMaker server stopped while the job was running.");
        r.TrainingEndTime = t;
        r.LastModifiedTime = t;
        ctx.store.save("training-jobs", r.TrainingJobName, r);
      }
      this.recs.set(r.TrainingJobName, r);
    }
  }

  private save(r: TrainingJobRecord): void {
    this.ctx.store.save("training-jobs", r.TrainingJobName, r);
  }
  jobDir(name: string): string {
    return this.ctx.store.dir("training-jobs", name);
  }
  logFile(name: string): string {
    return path.join(this.jobDir(name), "log.txt");
  }

  create(request: Request<CreateTrainingJobCommandInput>, hooks: JobHooks = {}): Reply<CreateTrainingJobCommandOutput> {
    const c = new Checker();
    c.supported(request, "", trainingFields(request, ["TrainingJobName", "HyperParameters", ...TRAINING_SPEC_FIELDS]));
    c.name(request.TrainingJobName, "TrainingJobName");
    validateTrainingSpec(c, request, "", { tuningTrial: hooks.tuningJobArn !== undefined });
    const input = c.valid<CreateTrainingJob>(request);
    checkFileRoots(this.ctx, input);
    const name = input.TrainingJobName;
    const arn = this.ctx.arn("training-job", name.toLowerCase());
    if (nameTaken(this.recs, name, this.ctx.store, "training-jobs"))
      throw inUse(`Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`);
    // the limit is on instances in use ("Number of instances across all training jobs"), and a Stopping job still
    // holds its instance — its container has SageMaker's SIGTERM window, up to 120 s, to save its model (one stopped
    // to make room let another start beside it while it still ran)
    const active = [...this.recs.values()].filter((r) => (r.TrainingJobStatus === "InProgress" || r.TrainingJobStatus === "Stopping") && !r.TuningJobArn).length;
    if (!hooks.tuningJobArn && active >= this.opts.maxConcurrentJobs)
      throw limitExceeded(
        `The account-level service limit 'Number of instances across all training jobs' is ${this.opts.maxConcurrentJobs} Instances, with current utilization of ${active} Instances and a request delta of 1 Instances. Please use AWS Service Quotas to request an increase for this quota.`,
      );
    const t = now();
    const r: TrainingJobRecord = {
      TrainingJobName: name,
      TrainingJobArn: arn,
      TuningJobArn: hooks.tuningJobArn,
      TrainingJobStatus: "InProgress",
      SecondaryStatus: "Starting",
      HyperParameters: input.HyperParameters ?? {},
      AlgorithmSpecification: input.AlgorithmSpecification,
      RoleArn: input.RoleArn,
      InputDataConfig: input.InputDataConfig,
      OutputDataConfig: input.OutputDataConfig,
      ResourceConfig: input.ResourceConfig,
      StoppingCondition: { ...input.StoppingCondition, MaxRuntimeInSeconds: input.StoppingCondition.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME_S },
      Environment: input.Environment,
      EnableNetworkIsolation: input.EnableNetworkIsolation ?? false,
      EnableInterContainerTrafficEncryption: false,
      EnableManagedSpotTraining: false,
      ModelArtifacts: undefined,
      CreationTime: t,
      LastModifiedTime: t,
      SecondaryStatusTransitions: [],
      FinalMetricDataList: [],
    };
    transition(r, "Starting", "Launching requested ML instances");
    fs.rmSync(this.jobDir(name), { recursive: true, force: true });
    fs.mkdirSync(this.jobDir(name), { recursive: true });
    // saved before it is known: a save that fails (ENOSPC) answers 500 and leaves no job InProgress that never runs
    this.save(r);
    this.recs.set(name, r);
    const run: Running = { done: Promise.resolve() };
    this.running.set(name, run);
    const job = new TrainingRun(this.ctx, r, run, hooks, this.jobDir(name), this.logFile(name), () => this.running.delete(name));
    run.done = job.start().catch((e) => this.ctx.log(`training job ${name}: internal error ${e instanceof Error ? e.stack : errorMessage(e)}`));
    return { TrainingJobArn: arn };
  }

  get(name: unknown): TrainingJobRecord {
    const r = typeof name === "string" ? this.recs.get(name) : undefined;
    // ValidationException, not ResourceNotFound: what SageMaker answers for a training job (aws/aws-sdk#165), and
    // what boto3's TrainingJobCompletedOrStopped waiter and the SageMaker Python SDK expect
    if (!r) throw validation(`Requested resource not found.`);
    return r;
  }
  describe(input: Request<DescribeTrainingJobCommandInput>): Reply<DescribeTrainingJobCommandOutput> {
    const c = new Checker();
    c.name(input.TrainingJobName, "TrainingJobName");
    c.throwIfAny();
    return this.get(input.TrainingJobName);
  }
  stop(input: Request<StopTrainingJobCommandInput>, message = "Stopping the training job"): Reply<StopTrainingJobCommandOutput> {
    const c = new Checker();
    c.name(input.TrainingJobName, "TrainingJobName");
    c.throwIfAny();
    const r = this.get(input.TrainingJobName);
    if (r.TrainingJobStatus !== "InProgress") throw validation(`The request was rejected because the training job is in status ${r.TrainingJobStatus}.`);
    const run = this.running.get(r.TrainingJobName);
    r.TrainingJobStatus = "Stopping";
    transition(r, "Stopping", message);
    this.save(r);
    if (run) {
      run.stopRequested = message === "Stopping the training job" ? "Stopped by user" : message;
      run.container?.stop(STOP_GRACE_MS);
    }
    return {};
  }
  list(input: Request<ListTrainingJobsCommandInput>): Reply<ListTrainingJobsCommandOutput> {
    checkList(input, { statuses: TRAINING_JOB_STATUSES, sortBy: SORT_BY });
    // StatusEquals filters the page once it is taken, as ListTrainingJobs' API reference says AWS does: "the MaxResults
    // number of training jobs are first retrieved ignoring the StatusEquals parameter and then they are filtered by the
    // StatusEquals parameter" — a page may hold fewer than MaxResults, or none, and a NextToken (here it held
    // MaxResults of that status, and code that read one page found every such job locally and not on AWS). The same
    // note has them "sorted according to the creation time, from the most current to the oldest": the default order
    // (its SortOrder member says Ascending; AWS's answers are newest first, as the note says)
    const items = sortAndFilter([...this.recs.values()], { ...input, StatusEquals: undefined }, LISTED);
    const { page, NextToken } = paginate(items, input, listOrder(input, LISTED));
    return {
      TrainingJobSummaries: page.filter((r) => !input.StatusEquals || r.TrainingJobStatus === input.StatusEquals).map((r) => ({
        TrainingJobName: r.TrainingJobName,
        TrainingJobArn: r.TrainingJobArn,
        CreationTime: r.CreationTime,
        TrainingEndTime: r.TrainingEndTime,
        LastModifiedTime: r.LastModifiedTime,
        TrainingJobStatus: r.TrainingJobStatus,
        SecondaryStatus: r.SecondaryStatus,
      })),
      NextToken,
    };
  }
  waitFor(name: string): Promise<void> {
    return this.running.get(name)?.done ?? Promise.resolve();
  }
  async shutdown(): Promise<void> {
    for (const [, run] of this.running) {
      run.stopRequested ??= "server shutdown";
      run.container?.kill();
    }
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}
