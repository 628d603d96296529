/**
 * Batch transform jobs: CreateTransformJob (validated with AWS's constraints before anything runs),
 * DescribeTransformJob, ListTransformJobs and StopTransformJob; the SDK's and boto3's waiter
 * TransformJobCompletedOrStopped polls DescribeTransformJob. A job's run — the model, the container's `serve`
 * in batch mode, the mini-batches, the output objects — is ./transform-run's; the data handling ./transform-data's.
 *
 * Validation as AWS's: MaxPayloadInMB 0–100, MaxConcurrentTransforms ≥ 0 and MaxConcurrentTransforms ×
 * MaxPayloadInMB ≤ 100, the enums (SplitType, BatchStrategy, AssembleWith, JoinSource, CompressionType,
 * S3DataType), JSONPath filters that parse (./jsonpath), ModelClientConfig's ranges, an existing model. What the
 * local SageMaker does not implement is an error too: manifest inputs, RecordIO/TFRecord splits, gzip input,
 * more than one instance, and joins or filters on an input that is not split by lines.
 */
import type {
  CreateTransformJobCommandInput,
  CreateTransformJobCommandOutput,
  DescribeTransformJobCommandInput,
  DescribeTransformJobCommandOutput,
  ListTransformJobsCommandInput,
  ListTransformJobsCommandOutput,
  StopTransformJobCommandInput,
  StopTransformJobCommandOutput,
  SortBy,
  TransformJobStatus,
} from "@aws-sdk/client-sagemaker";
import { checkList, Context, Listed, now, listOrder, paginate, sortAndFilter, nameTaken } from "./context";
import { ApiError, Checker, errorMessage, inUse, sdkEnum, validation } from "./errors";
import { JsonPathError, parseJsonPath } from "./jsonpath";
import type { Models } from "./models";
import type { ModelRecord, TransformJobRecord } from "./records";
import { checkUri } from "./storage";
import { formatOf } from "./transform-data";
import { TransformRun } from "./transform-run";
import type { Reply, Request } from "./wire";

const TRANSFORM_JOB_STATUSES = Object.keys({ InProgress: 1, Completed: 1, Failed: 1, Stopping: 1, Stopped: 1 } satisfies Record<TransformJobStatus, 1>);
const SORT_BY = Object.keys({ Name: 1, CreationTime: 1, Status: 1 } satisfies Record<SortBy, 1>);
/** what AWS takes in a DataProcessing filter: letters, digits and the operators of its JSONPath table — an underscore
 * ("$['account_id','SageMakerOutput']") or a double quote is refused at CreateTransformJob (aws/aws-sdk#184: "only
 * the operators in that table are supported … there is no plan to support _"); the local SageMaker ran them */
const JSONPATH_CHARS = /[A-Za-z0-9$[\]*. ,:'-]/;
const LISTED: Listed<TransformJobRecord> = { name: (r) => r.TransformJobName, status: (r) => r.TransformJobStatus, created: (r) => r.CreationTime, modified: (r) => r.TransformEndTime ?? r.TransformStartTime ?? r.CreationTime };

/** a transform job that has not finished */
export interface RunningTransform {
  stop(shutdown?: boolean): void;
  kill(): void;
  done: Promise<void>;
}

export class TransformJobs {
  readonly recs = new Map<string, TransformJobRecord>();
  private running = new Map<string, RunningTransform>();
  /** startTimeoutMs: a job's model server must answer GET /ping within it (the server's option, as for endpoints) */
  constructor(private ctx: Context, private models: Models, recover = true, private startTimeoutMs = 120_000) {
    for (const r of ctx.store.loadAll("transform-jobs")) {
      if (recover && (r.TransformJobStatus === "InProgress" || r.TransformJobStatus === "Stopping")) {
        ctx.data.removeTemporaries(r.TransformOutput.S3OutputPath); // an output being written (its folder's top)
        r.TransformJobStatus = "Failed";
        r.FailureReason = "InternalServerError: the local SageMaker server stopped while the job was running.";
        r.TransformEndTime = now();
        ctx.store.save("transform-jobs", r.TransformJobName, r);
      }
      this.recs.set(r.TransformJobName, r);
    }
  }

  async create(request: Request<CreateTransformJobCommandInput>): Promise<Reply<CreateTransformJobCommandOutput>> {
    const c = new Checker();
    c.supported(request, "", ["TransformJobName", "ModelName", "MaxConcurrentTransforms", "MaxPayloadInMB", "BatchStrategy", "Environment", "ModelClientConfig", "TransformInput", "TransformOutput", "TransformResources", "DataProcessing", "DataCaptureConfig", "ExperimentConfig"]);
    c.name(request.TransformJobName, "TransformJobName");
    c.name(request.ModelName, "ModelName");
    c.range(request.MaxConcurrentTransforms, "MaxConcurrentTransforms", 0, 1_000_000);
    c.range(request.MaxPayloadInMB, "MaxPayloadInMB", 0, 100);
    c.oneOf(request.BatchStrategy, "BatchStrategy", ["MultiRecord", "SingleRecord"]);
    c.environment(request.Environment, "Environment", { entries: 16, key: 1024, value: 10240 });
    const mcc = request.ModelClientConfig;
    if (c.object(mcc, "ModelClientConfig")) {
      c.supported(mcc, "ModelClientConfig", ["InvocationsTimeoutInSeconds", "InvocationsMaxRetries"]);
      c.range(mcc.InvocationsTimeoutInSeconds, "ModelClientConfig.InvocationsTimeoutInSeconds", 1, 3600);
      c.range(mcc.InvocationsMaxRetries, "ModelClientConfig.InvocationsMaxRetries", 0, 3);
    }
    const input = request.TransformInput;
    if (c.object(input, "TransformInput", true)) {
      c.supported(input, "TransformInput", ["DataSource", "ContentType", "CompressionType", "SplitType"]);
      c.oneOf(input.SplitType, "TransformInput.SplitType", ["None", "Line", "RecordIO", "TFRecord"]);
      c.oneOf(input.CompressionType, "TransformInput.CompressionType", ["None", "Gzip"]);
      if (c.string(input.ContentType, "TransformInput.ContentType")) c.maxLength(input.ContentType, "TransformInput.ContentType", 256);
      const ds = input.DataSource;
      if (c.object(ds, "TransformInput.DataSource", true)) {
        const s3 = ds.S3DataSource;
        if (c.object(s3, "TransformInput.DataSource.S3DataSource", true)) {
          c.supported(s3, "TransformInput.DataSource.S3DataSource", ["S3DataType", "S3Uri"]);
          c.oneOf(s3.S3DataType, "TransformInput.DataSource.S3DataSource.S3DataType", ["ManifestFile", "S3Prefix", "AugmentedManifestFile", "Converse"], true);
          if (c.string(s3.S3Uri, "TransformInput.DataSource.S3DataSource.S3Uri", true)) checkUri(s3.S3Uri, "TransformInput.DataSource.S3DataSource.S3Uri");
          if (typeof s3.S3DataType === "string" && s3.S3DataType !== "S3Prefix") c.custom(`S3DataType ${s3.S3DataType} is not supported by the local SageMaker: use S3Prefix.`);
        }
      }
      if (input.SplitType === "RecordIO" || input.SplitType === "TFRecord") c.custom(`SplitType ${input.SplitType} is not supported by the local SageMaker: use None or Line.`);
      if (input.CompressionType === "Gzip") c.custom("CompressionType Gzip is not supported by the local SageMaker: use None.");
    }
    const output = request.TransformOutput;
    if (c.object(output, "TransformOutput", true)) {
      c.supported(output, "TransformOutput", ["S3OutputPath", "Accept", "AssembleWith", "KmsKeyId"]);
      if (c.string(output.S3OutputPath, "TransformOutput.S3OutputPath", true)) checkUri(output.S3OutputPath, "TransformOutput.S3OutputPath");
      if (c.string(output.Accept, "TransformOutput.Accept")) c.maxLength(output.Accept, "TransformOutput.Accept", 256);
      c.oneOf(output.AssembleWith, "TransformOutput.AssembleWith", ["None", "Line"]);
      if (output.KmsKeyId !== undefined) c.custom("TransformOutput.KmsKeyId is not supported by the local SageMaker.");
    }
    const res = request.TransformResources;
    if (c.object(res, "TransformResources", true)) {
      c.supported(res, "TransformResources", ["InstanceType", "InstanceCount"]);
      // AWS's enum, as the SDK has it: a misspelt type (any string) ran here and was refused by AWS
      c.oneOf(res.InstanceType, "TransformResources.InstanceType", sdkEnum("TransformInstanceType"), true);
      c.range(res.InstanceCount, "TransformResources.InstanceCount", 1, 1_000_000, true);
      if (typeof res.InstanceCount === "number" && res.InstanceCount > 1) c.custom("Local SageMaker runs transform jobs on one instance: TransformResources.InstanceCount must be 1.");
    }
    const dp = request.DataProcessing;
    if (c.object(dp, "DataProcessing")) {
      c.supported(dp, "DataProcessing", ["InputFilter", "OutputFilter", "JoinSource"]);
      c.oneOf(dp.JoinSource, "DataProcessing.JoinSource", ["Input", "None"]);
      for (const f of ["InputFilter", "OutputFilter"] as const) {
        const v = dp[f];
        if (!c.string(v, `DataProcessing.${f}`)) continue;
        const odd = [...v].find((ch) => !JSONPATH_CHARS.test(ch));
        if (v.length > 63) c.custom(`Value '${v}' at 'dataProcessing.${f[0].toLowerCase()}${f.slice(1)}' failed to satisfy constraint: Member must have length less than or equal to 63`);
        else if (odd !== undefined)
          c.custom(`Invalid ${f}: "${v}". Unexpected "${odd}" in JsonPath. Supported operators for "${isObject(input) && typeof input.ContentType === "string" ? input.ContentType : ""}" are ['$', '[', ']', '*', '.', ' ', ',', ':', '-', '''].`);
        else
          try {
            parseJsonPath(v);
          } catch (e) {
            if (!(e instanceof JsonPathError)) throw e;
            c.custom(`DataProcessing.${f}: ${e.message}.`);
          }
      }
    }
    for (const f of ["DataCaptureConfig", "ExperimentConfig"] as const) if (request[f] !== undefined) c.custom(`${f} is not supported by the local SageMaker.`);
    const mct = request.MaxConcurrentTransforms;
    const mpl = request.MaxPayloadInMB;
    if (typeof mct === "number" && typeof mpl === "number" && mct > 0 && mct * mpl > 100)
      c.custom(`MaxConcurrentTransforms (${mct}) * MaxPayloadInMB (${mpl}) must not exceed 100 MB.`);
    const isFilter = (v: unknown) => typeof v === "string" && v !== "$"; // other types are problems above
    const filtered = isObject(dp) && (isFilter(dp.InputFilter) || isFilter(dp.OutputFilter) || dp.JoinSource === "Input");
    if (filtered && isObject(input) && input.SplitType !== "Line")
      c.custom("DataProcessing (InputFilter, OutputFilter, JoinSource Input) needs TransformInput.SplitType Line in the local SageMaker.");
    if (filtered && isObject(input) && formatOf(typeof input.ContentType === "string" ? input.ContentType : undefined) === "raw")
      c.custom("DataProcessing needs CSV (text/csv) or JSON (application/json, application/jsonlines) input: set TransformInput.ContentType.");
    const valid = c.valid<CreateTransformJobCommandInput & { TransformJobName: string; ModelName: string }>(request);
    // file:// input and output only inside the allowed folders (./file-roots), checked again when they are used
    this.ctx.data.checkAllowed(valid.TransformInput!.DataSource!.S3DataSource!.S3Uri!, "TransformInput.DataSource.S3DataSource.S3Uri");
    this.ctx.data.checkAllowed(valid.TransformOutput!.S3OutputPath!, "TransformOutput.S3OutputPath");
    this.ctx.data.checkOutputPrefix(valid.TransformOutput!.S3OutputPath!, "TransformOutput.S3OutputPath");
    const name = valid.TransformJobName;
    const arn = this.ctx.arn("transform-job", name.toLowerCase());
    if (nameTaken(this.recs, name, this.ctx.store, "transform-jobs")) throw inUse(`Job name must be unique within an AWS account and region, and a job with this name already exists (${arn})`);
    await this.checkInput(valid.TransformInput!.DataSource!.S3DataSource!.S3Uri!, this.models.model(valid.ModelName)); // the model first: "Could not find model …"
    // again after the listing's await: a create of the same name, or a DeleteModel, may have come in meanwhile
    if (nameTaken(this.recs, name, this.ctx.store, "transform-jobs")) throw inUse(`Job name must be unique within an AWS account and region, and a job with this name already exists (${arn})`);
    const model: ModelRecord = this.models.model(valid.ModelName);
    const t = now();
    const r: TransformJobRecord = {
      TransformJobName: name,
      TransformJobArn: arn,
      TransformJobStatus: "InProgress",
      ModelName: valid.ModelName,
      MaxConcurrentTransforms: valid.MaxConcurrentTransforms,
      MaxPayloadInMB: valid.MaxPayloadInMB,
      BatchStrategy: valid.BatchStrategy,
      ModelClientConfig: valid.ModelClientConfig,
      Environment: valid.Environment,
      TransformInput: {
        ...valid.TransformInput!,
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: valid.TransformInput!.DataSource!.S3DataSource!.S3Uri! } },
        SplitType: (valid.TransformInput!.SplitType ?? "None") as "None" | "Line",
        CompressionType: "None",
      },
      TransformOutput: { ...valid.TransformOutput!, S3OutputPath: valid.TransformOutput!.S3OutputPath!, AssembleWith: valid.TransformOutput!.AssembleWith ?? "None" },
      TransformResources: { ...valid.TransformResources!, InstanceType: valid.TransformResources!.InstanceType!, InstanceCount: valid.TransformResources!.InstanceCount! },
      DataProcessing: valid.DataProcessing,
      CreationTime: t,
    };
    this.save(r); // before it is known: a save that fails leaves no job InProgress that never runs
    this.recs.set(name, r);
    const run = new TransformRun(this.ctx, r, model, () => this.save(r), this.startTimeoutMs);
    const running: RunningTransform = { stop: (shutdown) => run.stop(shutdown), kill: () => run.kill(), done: Promise.resolve() };
    this.running.set(name, running);
    running.done = run
      .start()
      .catch((e) => this.ctx.log(`transform job ${name}: internal error ${e instanceof Error ? e.stack : errorMessage(e)}`))
      .finally(() => this.running.delete(name));
    return { TransformJobArn: arn };
  }

  /**
   * AWS lists the input when the job is created: an S3Uri with no object under it is CreateTransformJob's
   * ValidationException (it was a job that started, then Failed with the same words). An input removed after this
   * still fails the job when it runs (./transform-run).
   */
  private async checkInput(uri: string, model: ModelRecord): Promise<void> {
    const found = await this.ctx.data.objects(uri, "TransformInput.DataSource.S3DataSource.S3Uri").then(
      (objects) => objects.length > 0,
      (e) => {
        if (e instanceof ApiError) throw e; // a link to nothing, a folder outside the roots: named as they are
        if (nothingThere(e)) return false; // no such folder, bucket or prefix, or none this server may list: AWS's words
        throw e; // the S3 endpoint down or failing: the server's fault, not "no objects"
      },
    );
    if (found) return;
    const bucket = /^s3:\/\/([^/]+)/.exec(uri)?.[1];
    throw validation(
      `No S3 objects found under S3 URL "${uri}" given in input data source. Please ensure that the bucket exists in the selected region (${this.ctx.region}), that objects exist under that S3 prefix` +
        (bucket ? `, and that the role "${model.ExecutionRoleArn ?? ""}" has "s3:ListBucket" permissions on bucket "${bucket}".` : "."),
    );
  }

  private save(r: TransformJobRecord): void {
    this.ctx.store.save("transform-jobs", r.TransformJobName, r);
  }

  /** an unknown job is a ValidationException, as SageMaker answers for transform jobs (as for training jobs): botocore's
   * TransformJobCompletedOrStopped waiter fails on that code, and clients that stop jobs on AWS match it with "Could
   * not find job to update with name" — ResourceNotFound, the service model's listed error, was an "unexpected error"
   * to that waiter and not what such clients catch */
  get(name: unknown, message = "Could not find requested job with name"): TransformJobRecord {
    const r = typeof name === "string" ? this.recs.get(name) : undefined;
    if (!r) throw validation(`${message} ${String(name)}`);
    return r;
  }
  describe(input: Request<DescribeTransformJobCommandInput>): Reply<DescribeTransformJobCommandOutput> {
    const c = new Checker();
    c.name(input.TransformJobName, "TransformJobName");
    c.throwIfAny();
    return this.get(input.TransformJobName);
  }
  list(input: Request<ListTransformJobsCommandInput>): Reply<ListTransformJobsCommandOutput> {
    checkList(input, { statuses: TRANSFORM_JOB_STATUSES, sortBy: SORT_BY });
    const items = sortAndFilter([...this.recs.values()], input, LISTED);
    const { page, NextToken } = paginate(items, input, listOrder(input, LISTED));
    return {
      TransformJobSummaries: page.map((r) => ({
        TransformJobName: r.TransformJobName,
        TransformJobArn: r.TransformJobArn,
        CreationTime: r.CreationTime,
        TransformEndTime: r.TransformEndTime,
        LastModifiedTime: r.TransformEndTime ?? r.TransformStartTime ?? r.CreationTime,
        TransformJobStatus: r.TransformJobStatus,
        FailureReason: r.FailureReason,
      })),
      NextToken,
    };
  }
  stop(input: Request<StopTransformJobCommandInput>): Reply<StopTransformJobCommandOutput> {
    const c = new Checker();
    c.name(input.TransformJobName, "TransformJobName");
    c.throwIfAny();
    const r = this.get(input.TransformJobName, "Could not find job to update with name");
    if (r.TransformJobStatus !== "InProgress") throw validation(`The request was rejected because the transform job is in status ${r.TransformJobStatus}.`);
    r.TransformJobStatus = "Stopping";
    this.save(r);
    this.running.get(r.TransformJobName)?.stop();
    return {};
  }
  waitFor(name: string): Promise<void> {
    return this.running.get(name)?.done ?? Promise.resolve();
  }
  /** the server is stopping: running jobs end Failed (as a restarted server would record them) */
  async shutdown(): Promise<void> {
    for (const run of this.running.values()) run.stop(true);
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
  /** the host process is exiting: SIGKILL the containers */
  killAll(): void {
    for (const run of this.running.values()) run.kill();
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A listing error that means the input holds nothing this server may read — AWS's "No S3 objects found …" names a
 * missing bucket or prefix and a role without s3:ListBucket alike — rather than a failing S3 endpoint. */
function nothingThere(e: unknown): boolean {
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (["ENOENT", "ENOTDIR", "EACCES", "EPERM"].includes(err.code ?? "")) return true;
  if (["NoSuchBucket", "NoSuchKey", "NotFound", "AccessDenied", "Forbidden"].includes(err.name ?? "")) return true;
  const status = err.$metadata?.httpStatusCode;
  if (status === 403 || status === 404) return true;
  return status === undefined && / does not exist\b/.test(err.message ?? ""); // the file store's own (storage.ts objects)
}
