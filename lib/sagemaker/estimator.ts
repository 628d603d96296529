/** Estimator: one training job (CreateTrainingJob), with streaming logs and status progress. */
import {
  Channel,
  CreateTrainingJobCommand,
  CreateTrainingJobCommandInput,
  DescribeTrainingJobCommand,
  DescribeTrainingJobCommandOutput,
  MetricDefinition,
  TrainingInstanceType,
} from "@aws-sdk/client-sagemaker";
import type { TrainerHyperparameters } from "../trainer-hyperparameters";
import { checkName, Session, sleep, uniqueName } from "./session";
import { createModel, deployModel, DeployOptions, Predictor } from "./predictor";
import { Transformer, TransformerOptions } from "./transformer";
import { jobLogLines, LOG_GROUPS } from "./logs";

/** the trainer's log lines as SageMaker metric definitions (trainer/README.md) */
export const DEFAULT_METRIC_DEFINITIONS: MetricDefinition[] = [
  { Name: "validation:rmse", Regex: "validation-rmse:([0-9.]+)" },
  { Name: "train:rmse", Regex: "^train-rmse:([0-9.]+)" },
  { Name: "fold:ensemble-rmse", Regex: "ensemble-rmse:([0-9.]+)" },
  { Name: "validation:logloss", Regex: "validation-logloss:([0-9.]+)" },
];

export type Channels = string | Record<string, string | { uri: string; contentType?: string }>;

export interface EstimatorOptions {
  session: Session;
  /** the trainer's hyperparameters (trainer/README.md): a misspelt key is a compile-time error */
  hyperparameters?: TrainerHyperparameters;
  imageUri?: string;
  roleArn?: string;
  instanceType?: `${TrainingInstanceType}`; // default ml.m5.large
  instanceCount?: number; // 1
  volumeSizeInGB?: number; // 5
  maxRunSeconds?: number; // 3600
  metricDefinitions?: MetricDefinition[];
  baseJobName?: string; // "ensemble"
  outputPath?: string; // default session.defaultOutputPath()
  environment?: Record<string, string>;
}

export interface FitOptions {
  wait?: boolean; // default true
  logs?: boolean; // default true: stream the job's log lines live (CloudWatch Logs)
  jobName?: string;
}

/** SageMaker's hyperparameters are strings: a number or boolean as its JSON text; a key set to undefined is unset.
 * A NaN or infinite number is an Error (JSON.stringify sent it as "null"). */
export function stringifyHyperparameters(hp: TrainerHyperparameters = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(hp)) {
    if (v === undefined) continue;
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`hyperparameter ${k} is ${v}: a hyperparameter must be a finite number`);
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

/** why a job that ended did not complete: its FailureReason, else its secondary status and last status message
 * (a Stopped job has no FailureReason: MaxRuntimeExceeded, or stopped by a user) */
export function endedWithout(d: { FailureReason?: string; SecondaryStatus?: string; SecondaryStatusTransitions?: { StatusMessage?: string }[] }): string {
  if (d.FailureReason) return d.FailureReason;
  const last = d.SecondaryStatusTransitions?.at(-1)?.StatusMessage;
  return [d.SecondaryStatus, last].filter(Boolean).join(": ") || "no reason given";
}

/** A finished training job's model artifact, or an Error saying why there is none: a job that did not complete
 * gives its FailureReason (after fit({ wait: false }), deploy() and transformer() said "has no model artifacts
 * (Failed)" alone, where fit() — and the Python SDK's UnexpectedStatusException — give the reason) */
export function artifactOf(name: string, d: DescribeTrainingJobCommandOutput): string {
  if (d.TrainingJobStatus !== "Completed") throw new Error(`training job ${name} ${d.TrainingJobStatus}: ${endedWithout(d)}`);
  const artifact = d.ModelArtifacts?.S3ModelArtifacts;
  if (!artifact) throw new Error(`training job ${name} completed without a model artifact`);
  return artifact;
}

export async function resolveChannels(session: Session, inputs: Channels): Promise<Channel[]> {
  const map = typeof inputs === "string" ? { train: inputs } : inputs;
  const out: Channel[] = [];
  for (const [name, v] of Object.entries(map)) {
    const uri = await session.dataUri(name, typeof v === "string" ? v : v.uri);
    out.push({
      ChannelName: name,
      ContentType: (typeof v === "object" && v.contentType) || "text/csv",
      DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: uri, S3DataDistributionType: "FullyReplicated" } },
    });
  }
  return out;
}


/** The parts of a CreateTrainingJob request that a tuning job's TrainingJobDefinition shares. */
export type TrainingSpec = Required<Pick<CreateTrainingJobCommandInput, "AlgorithmSpecification" | "RoleArn" | "InputDataConfig" | "OutputDataConfig" | "ResourceConfig" | "StoppingCondition">> &
  Pick<CreateTrainingJobCommandInput, "Environment">;

/** DescribeTrainingJob's answer for a job that completed: its name and its model artifact are always there. */
export type CompletedTrainingJob = DescribeTrainingJobCommandOutput & {
  TrainingJobName: string;
  ModelArtifacts: { S3ModelArtifacts: string };
};

/**
 * Polls a training job until it ends, printing its status changes and — with `logs` (default) — its log lines as
 * they are written, read from CloudWatch Logs (/aws/sagemaker/TrainingJobs, `<job>/…`) as the SageMaker Python SDK
 * does; `onLine` receives them instead of the session's log.
 */
export async function waitForTrainingJob(session: Session, name: string, opts: { logs?: boolean; onLine?: (line: string) => void } = {}): Promise<DescribeTrainingJobCommandOutput> {
  const { sm } = await session.clients();
  const newLines = opts.logs === false ? undefined : await jobLogLines(session, LOG_GROUPS.trainingJobs, name);
  let lastSecondary = "";
  const t0 = Date.now();
  const drainLogs = async () => {
    for (const e of (await newLines?.()) ?? []) {
      if (opts.onLine) opts.onLine(e.message);
      else session.log(`  ${name} | ${e.message}`);
    }
  };
  for (;;) {
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    await drainLogs();
    if (d.SecondaryStatus && d.SecondaryStatus !== lastSecondary) {
      lastSecondary = d.SecondaryStatus;
      session.log(`training job ${name}: ${d.TrainingJobStatus} / ${d.SecondaryStatus} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    if (d.TrainingJobStatus === "Completed" || d.TrainingJobStatus === "Failed" || d.TrainingJobStatus === "Stopped") {
      await drainLogs();
      return d;
    }
    await sleep(session.pollMs);
  }
}

export class Estimator {
  readonly session: Session;
  readonly options: EstimatorOptions;
  hyperparameters: TrainerHyperparameters;
  latestTrainingJob?: string;
  latestDescription?: DescribeTrainingJobCommandOutput;

  constructor(opts: EstimatorOptions) {
    if (!opts?.session) throw new Error("Estimator: option session is required (session())");
    this.session = opts.session;
    this.options = opts;
    this.hyperparameters = { ...(opts.hyperparameters ?? {}) };
  }

  setHyperparameters(hp: TrainerHyperparameters): this {
    Object.assign(this.hyperparameters, hp);
    return this;
  }

  /** the parts of a training job request shared with the tuner's TrainingJobDefinition */
  async trainingSpec(inputs: Channels): Promise<TrainingSpec> {
    const o = this.options;
    return {
      AlgorithmSpecification: {
        TrainingImage: o.imageUri ?? this.session.imageUri,
        TrainingInputMode: "File",
        MetricDefinitions: o.metricDefinitions ?? DEFAULT_METRIC_DEFINITIONS,
      },
      RoleArn: o.roleArn ?? this.session.roleArn,
      InputDataConfig: await resolveChannels(this.session, inputs),
      OutputDataConfig: { S3OutputPath: o.outputPath ?? this.session.defaultOutputPath() },
      ResourceConfig: { InstanceType: o.instanceType ?? "ml.m5.large", InstanceCount: o.instanceCount ?? 1, VolumeSizeInGB: o.volumeSizeInGB ?? 5 },
      StoppingCondition: { MaxRuntimeInSeconds: o.maxRunSeconds ?? 3600 },
      Environment: o.environment,
    };
  }

  /** CreateTrainingJob; with wait (default) resolves to the final DescribeTrainingJob, and throws if the job did not complete */
  fit(inputs: Channels, opts?: FitOptions & { wait?: true }): Promise<CompletedTrainingJob>;
  /** CreateTrainingJob without waiting (`wait: false`): resolves once the job is created */
  fit(inputs: Channels, opts: FitOptions & { wait: false }): Promise<undefined>;
  fit(inputs: Channels, opts: FitOptions): Promise<CompletedTrainingJob | undefined>;
  async fit(inputs: Channels, opts: FitOptions = {}): Promise<CompletedTrainingJob | undefined> {
    const { sm } = await this.session.clients();
    const name = opts.jobName !== undefined ? checkName("fit: jobName", opts.jobName) : uniqueName(this.options.baseJobName ?? "ensemble");
    const hyperParameters = stringifyHyperparameters(this.hyperparameters); // a bad value fails before the upload
    const spec = await this.trainingSpec(inputs);
    await sm.send(new CreateTrainingJobCommand({ TrainingJobName: name, HyperParameters: hyperParameters, ...spec }));
    this.latestTrainingJob = name;
    // the description is this job's from now on: deploy() after fit({ wait: false }) deployed the previous job's model
    this.latestDescription = undefined;
    this.session.log(`training job ${name} created (${this.session.mode})`);
    if (opts.wait === false) return undefined;
    const d = await waitForTrainingJob(this.session, name, { logs: opts.logs });
    this.latestDescription = d;
    const artifact = artifactOf(name, d);
    const metrics = (d.FinalMetricDataList ?? []).map((m) => `${m.MetricName}=${m.Value}`).join(", ");
    this.session.log(`training job ${name} completed in ${d.TrainingTimeInSeconds ?? "?"} s; ${metrics}`);
    return { ...d, TrainingJobName: name, ModelArtifacts: { ...d.ModelArtifacts, S3ModelArtifacts: artifact } };
  }

  /** final metrics of the latest job: { "validation:rmse": 57.7, … } */
  metrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.latestDescription?.FinalMetricDataList ?? []) if (m.MetricName && m.Value !== undefined) out[m.MetricName] = m.Value;
    return out;
  }

  get modelData(): string | undefined {
    return this.latestDescription?.ModelArtifacts?.S3ModelArtifacts;
  }

  /** the latest job's model artifact, once the job ended (after fit({ wait: false }) it is waited for) */
  private async latestArtifact(what: string): Promise<string> {
    if (!this.latestTrainingJob) throw new Error(`Estimator.${what}: fit() first`);
    if (!this.latestDescription) this.latestDescription = await waitForTrainingJob(this.session, this.latestTrainingJob, { logs: false });
    try {
      return artifactOf(this.latestTrainingJob, this.latestDescription);
    } catch (e) {
      throw new Error(`Estimator.${what}: ${(e as Error).message}`);
    }
  }

  async deploy(opts: DeployOptions = {}): Promise<Predictor> {
    const data = await this.latestArtifact("deploy");
    return deployModel(this.session, { imageUri: this.options.imageUri, roleArn: this.options.roleArn, ...opts, modelData: data });
  }

  /** a Transformer (batch transform) for the latest job's model: CreateModel from its artifact */
  async transformer(opts: TransformerOptions & { modelName?: string } = {}): Promise<Transformer> {
    const data = await this.latestArtifact("transformer");
    const modelName = await createModel(this.session, { modelData: data, modelName: opts.modelName, imageUri: this.options.imageUri, roleArn: this.options.roleArn });
    return new Transformer(this.session, modelName, opts);
  }
}
