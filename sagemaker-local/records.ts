/**
 * The local SageMaker's state: one record per resource, typed by the SDK's own shapes.
 *
 * What a record holds on the wire is its Describe… answer (`Wire<Describe…CommandOutput>`), narrowed where the
 * server guarantees more than the SDK promises (a stored job always has its name, status and times; a validated
 * request its required fields). Training jobs, models and endpoint configurations have nothing else: their
 * record *is* the answer. Tuning jobs and endpoints also keep local state that is never sent — the trials'
 * names and proposals, the variant and model an endpoint was created from — in a separate `local` part:
 * `{ wire, local }`.
 *
 * On disk (./storage, one JSON file per resource) a record is one flat object: the wire fields and the local
 * ones prefixed with "_" — the format since the first version, so existing state folders stay readable.
 */
import type {
  AlgorithmSpecification,
  Channel,
  ContainerDefinition,
  DescribeEndpointCommandOutput,
  DescribeEndpointConfigCommandOutput,
  DescribeHyperParameterTuningJobCommandOutput,
  DescribeModelCommandOutput,
  DescribeTrainingJobCommandOutput,
  DescribeTransformJobCommandOutput,
  EndpointStatus,
  HyperParameterTrainingJobDefinition,
  HyperParameterTrainingJobSummary,
  HyperParameterTuningJobConfig,
  HyperParameterTuningJobObjectiveType,
  HyperParameterTuningJobStatus,
  HyperParameterTuningJobStrategyType,
  MetricData,
  OutputDataConfig,
  ProductionVariant,
  ResourceConfig,
  ResourceLimits,
  S3DataSource,
  SecondaryStatus,
  SecondaryStatusTransition,
  TrainingInputMode,
  TrainingJobEarlyStoppingType,
  TrainingJobStatus,
  TransformJobStatus,
  TransformInput,
  TransformOutput,
  TransformResources,
} from "@aws-sdk/client-sagemaker";
import type { Store } from "./storage";
import type { ParameterRanges } from "./tuning/types";
import type { Having, Wire } from "./wire";

/** `T` with the fields of `U` replaced */
export type Override<T, U> = Omit<T, keyof U> & U;

// ---------- what validation guarantees (./training-spec, ./tuning-jobs, ./models) ----------

export interface MetricDefinitionSpec {
  Name: string;
  /** compiles as a RegExp */
  Regex: string;
}
export type AlgorithmSpec = Override<Wire<AlgorithmSpecification>, { TrainingInputMode: TrainingInputMode; MetricDefinitions?: MetricDefinitionSpec[] }>;
/** a channel: S3 data source only (file:// or s3:// URI) */
export type ChannelSpec = Override<Wire<Channel>, { ChannelName: string; DataSource: { S3DataSource: Having<Wire<S3DataSource>, "S3Uri" | "S3DataType"> } }>;

/** the parts of a training job that CreateTrainingJob and a tuning job's TrainingJobDefinition share */
export interface TrainingSpec {
  AlgorithmSpecification: AlgorithmSpec;
  RoleArn: string;
  InputDataConfig?: ChannelSpec[];
  OutputDataConfig: Having<Wire<OutputDataConfig>, "S3OutputPath">;
  ResourceConfig: Having<Wire<ResourceConfig>, "VolumeSizeInGB">;
  StoppingCondition: { MaxRuntimeInSeconds?: number };
  Environment?: Record<string, string>;
  EnableNetworkIsolation?: boolean;
}

export type TrainingJobDefinitionSpec = Override<Wire<HyperParameterTrainingJobDefinition>, TrainingSpec & { StaticHyperParameters?: Record<string, string> }>;

export type TuningJobConfigSpec = Override<
  Wire<HyperParameterTuningJobConfig>,
  {
    Strategy: HyperParameterTuningJobStrategyType;
    HyperParameterTuningJobObjective: { Type: HyperParameterTuningJobObjectiveType; MetricName: string };
    ResourceLimits: Having<Wire<ResourceLimits>, "MaxParallelTrainingJobs">;
    ParameterRanges?: ParameterRanges;
    TrainingJobEarlyStoppingType?: TrainingJobEarlyStoppingType;
  }
>;

export type ServerlessSpec = { MemorySizeInMB: number; MaxConcurrency: number; ProvisionedConcurrency?: number };
/** a production variant: serverless, or InstanceType with InitialInstanceCount */
export type VariantSpec = Override<Wire<ProductionVariant>, { VariantName: string; ModelName: string; ServerlessConfig?: ServerlessSpec }>;

// ---------- records ----------

/** A training job: exactly DescribeTrainingJob's answer. */
export type TrainingJobRecord = Override<
  Wire<DescribeTrainingJobCommandOutput>,
  TrainingSpec & {
    TrainingJobName: string;
    TrainingJobArn: string;
    TrainingJobStatus: TrainingJobStatus;
    SecondaryStatus: SecondaryStatus;
    HyperParameters: Record<string, string>;
    CreationTime: number;
    LastModifiedTime: number;
    SecondaryStatusTransitions: Wire<SecondaryStatusTransition>[];
    FinalMetricDataList: Wire<MetricData>[];
  }
>;

/** what ListTrainingJobsForHyperParameterTuningJob answers for one trial */
export type TrialSummary = Override<Wire<HyperParameterTrainingJobSummary>, { TrainingJobName: string; TrainingJobStatus: TrainingJobStatus; CreationTime: number }>;

export type TuningJobWire = Override<
  Wire<DescribeHyperParameterTuningJobCommandOutput>,
  {
    HyperParameterTuningJobName: string;
    HyperParameterTuningJobArn: string;
    HyperParameterTuningJobConfig: TuningJobConfigSpec;
    TrainingJobDefinition: TrainingJobDefinitionSpec;
    HyperParameterTuningJobStatus: HyperParameterTuningJobStatus;
    CreationTime: number;
    LastModifiedTime: number;
    BestTrainingJob?: TrialSummary;
  }
>;

/** a finished trial as the tuning job scored it */
export interface TrialOutcome {
  status: "Completed" | "Failed" | "Stopped";
  objective?: number;
}

/** a tuning job's local state */
export interface TuningJobLocal {
  /** training job names of the trials, in launch order */
  trials: string[];
  /** each trial's proposed (tuned) hyperparameters */
  tuned: Record<string, Record<string, string>>;
  /** each finished trial's status and objective for the tuner */
  objectives?: Record<string, TrialOutcome>;
  /** a warm start: the parents' best training jobs (for OverallBestTrainingJob) */
  parentBest?: TrialSummary[];
  /** a warm start: how many of the parents' trials seeded the strategy */
  priorTrials?: number;
}

export interface TuningJobRecord {
  wire: TuningJobWire;
  local: TuningJobLocal;
}

/** A model: exactly DescribeModel's answer (one container). */
export type ModelRecord = Override<Wire<DescribeModelCommandOutput>, { ModelName: string; ModelArn: string; PrimaryContainer: Wire<ContainerDefinition>; CreationTime: number }>;

/** An endpoint configuration: exactly DescribeEndpointConfig's answer (one production variant). */
export type EndpointConfigRecord = Override<
  Wire<DescribeEndpointConfigCommandOutput>,
  { EndpointConfigName: string; EndpointConfigArn: string; ProductionVariants: VariantSpec[]; CreationTime: number }
>;

/** DescribeEndpoint's answer but its ProductionVariants, which are derived from the variant and the status */
export type EndpointWire = Override<
  Omit<Wire<DescribeEndpointCommandOutput>, "ProductionVariants">,
  { EndpointName: string; EndpointArn: string; EndpointConfigName: string; EndpointStatus: EndpointStatus; CreationTime: number; LastModifiedTime: number }
>;

/** what an endpoint was created from: copies, so deleting the model or the configuration does not disturb it */
export interface EndpointLocal {
  variant: VariantSpec;
  model: ModelRecord;
  /** the folder, inside the endpoint's, that is its model server's /opt/ml: "opt_ml" when absent; an UpdateEndpoint's
   * new fleet gets its own ("opt_ml-<time>") while the old one still serves from its folder */
  optml?: string;
  /** while an UpdateEndpoint's new fleet comes up: its configuration (DescribeEndpoint's PendingDeploymentSummary) */
  pending?: { EndpointConfigName: string; StartTime: number; variant: VariantSpec };
}

export interface EndpointRecord {
  wire: EndpointWire;
  local: EndpointLocal;
}

/** a transform job's input once validated: an S3 prefix (file:// or s3://), split None or Line */
export type TransformInputSpec = Override<
  Wire<TransformInput>,
  { DataSource: { S3DataSource: { S3DataType: "S3Prefix"; S3Uri: string } }; SplitType: "None" | "Line"; CompressionType: "None" }
>;

/** A transform job: exactly DescribeTransformJob's answer (the parameters it runs with filled in). */
export type TransformJobRecord = Override<
  Wire<DescribeTransformJobCommandOutput>,
  {
    TransformJobName: string;
    TransformJobArn: string;
    TransformJobStatus: TransformJobStatus;
    ModelName: string;
    TransformInput: TransformInputSpec;
    TransformOutput: Override<Wire<TransformOutput>, { S3OutputPath: string; AssembleWith: "None" | "Line" }>;
    TransformResources: Having<Wire<TransformResources>, "InstanceType" | "InstanceCount">;
    CreationTime: number;
  }
>;

// ---------- on disk ----------

/** `{ wire, local }` as one flat JSON object: local fields prefixed with "_" */
export type OnDisk<W, L> = W & { [K in keyof L as `_${K & string}`]: L[K] };

/** the JSON file of each kind of resource (<state>/<kind>/<name>.json) */
export interface StoredRecords {
  "training-jobs": TrainingJobRecord;
  "tuning-jobs": OnDisk<TuningJobWire, TuningJobLocal>;
  models: ModelRecord;
  "endpoint-configs": EndpointConfigRecord;
  endpoints: OnDisk<EndpointWire, EndpointLocal>;
  "transform-jobs": TransformJobRecord;
}

export function toDisk<W extends object, L extends object>(rec: { wire: W; local: L }): OnDisk<W, L> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec.wire)) out[k] = v;
  for (const [k, v] of Object.entries(rec.local)) out[`_${k}`] = v;
  return out as OnDisk<W, L>; // the same fields, renamed as the type says
}

export function fromDisk<W extends object, L extends object>(file: OnDisk<W, L>): { wire: W; local: L } {
  const wire: Record<string, unknown> = {};
  const local: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file)) {
    if (k.startsWith("_")) local[k.slice(1)] = v;
    else wire[k] = v;
  }
  return { wire: wire as W, local: local as L }; // the split toDisk joined
}

export function saveTuningJob(store: Store, r: TuningJobRecord): void {
  store.save("tuning-jobs", r.wire.HyperParameterTuningJobName, toDisk(r));
}
