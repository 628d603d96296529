/**
 * Hand-written requests (not from an SDK) with JSON values of the wrong type: the local SageMaker answers a
 * 400 ValidationException naming the field — never a 500 — and keeps serving. Checked over raw HTTP, since
 * the SDK clients cannot send such requests.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { localServer, trainingDefinition, trainingRequest, tmpDir } from "./sagemaker-helpers";

let ctx: Awaited<ReturnType<typeof localServer>>;
let data: string;
let out: string;

test.before(async () => {
  ctx = await localServer();
  data = tmpDir("data");
  out = tmpDir("out");
});
test.after(async () => {
  await ctx.srv.close();
  ctx.sm.destroy();
  ctx.rt.destroy();
});

async function call(op: string, body: unknown, service = "SageMaker"): Promise<{ status: number; json: { __type?: string; message?: string } }> {
  const res = await fetch(ctx.srv.url, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `${service}.${op}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const CASES: { what: string; op: string; body: () => unknown; field: RegExp }[] = [
  { what: "MetricDefinitions not a list", op: "CreateTrainingJob", body: () => ({ ...trainingRequest("bad-1", `file://${data}`, out), AlgorithmSpecification: { TrainingImage: "img", TrainingInputMode: "File", MetricDefinitions: "validation-rmse" } }), field: /algorithmSpecification\.metricDefinitions/ },
  { what: "InputDataConfig not a list", op: "CreateTrainingJob", body: () => ({ ...trainingRequest("bad-2", `file://${data}`, out), InputDataConfig: { ChannelName: "train" } }), field: /inputDataConfig/ },
  { what: "Environment values not strings", op: "CreateTrainingJob", body: () => ({ ...trainingRequest("bad-3", `file://${data}`, out), Environment: { A: 1 } }), field: /environment/ },
  { what: "S3OutputPath a number", op: "CreateTrainingJob", body: () => ({ ...trainingRequest("bad-4", `file://${data}`, out), OutputDataConfig: { S3OutputPath: 5 } }), field: /outputDataConfig\.s3OutputPath/ },
  { what: "Containers not a list", op: "CreateModel", body: () => ({ ModelName: "m", Containers: "img" }), field: /containers/ },
  { what: "a production variant not a structure", op: "CreateEndpointConfig", body: () => ({ EndpointConfigName: "c", ProductionVariants: ["AllTraffic"] }), field: /productionVariants\.1\.member/ },
  { what: "RandomSeed a string", op: "CreateHyperParameterTuningJob", body: () => ({ HyperParameterTuningJobName: "t", HyperParameterTuningJobConfig: { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 }, HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" }, RandomSeed: "7" }, TrainingJobDefinition: trainingDefinition(`file://${data}`, out) }), field: /hyperParameterTuningJobConfig\.randomSeed/ },
  { what: "TransformInput not a structure", op: "CreateTransformJob", body: () => ({ ...transformRequest("t1"), TransformInput: "s3://b/in" }), field: /transformInput/ },
  { what: "MaxPayloadInMB a string", op: "CreateTransformJob", body: () => ({ ...transformRequest("t2"), MaxPayloadInMB: "6" }), field: /maxPayloadInMB/ },
  { what: "an InputFilter a number", op: "CreateTransformJob", body: () => ({ ...transformRequest("t3"), DataProcessing: { InputFilter: 1 } }), field: /dataProcessing\.inputFilter/ },
  { what: "ParentHyperParameterTuningJobs a string", op: "CreateHyperParameterTuningJob", body: () => ({ HyperParameterTuningJobName: "w", HyperParameterTuningJobConfig: { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 }, HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" } }, TrainingJobDefinition: trainingDefinition(`file://${data}`, out), WarmStartConfig: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: "parent" } }), field: /warmStartConfig\.parentHyperParameterTuningJobs/ },
];

function transformRequest(name: string): Record<string, unknown> {
  return {
    TransformJobName: name,
    ModelName: "m",
    TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${data}` } }, SplitType: "Line" },
    TransformOutput: { S3OutputPath: `file://${out}` },
    TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
  };
}

test("CloudWatch Logs: a limit of the wrong type or an unknown field is an InvalidParameterException naming it; an unknown operation is named", async () => {
  const r = await call("GetLogEvents", { logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: "x", limit: "5" }, "Logs_20140328");
  assert.is(r.status, 400);
  assert.is(r.json.__type, "InvalidParameterException");
  assert.match(r.json.message ?? "", /Value '5' at 'limit' failed to satisfy constraint: Member must be an integer/);
  const u = await call("PutLogEvents", {}, "Logs_20140328");
  assert.is(u.json.__type, "UnknownOperationException");
  // an operation AWS has says it is not implemented here; a misspelt one is unknown
  assert.match(u.json.message ?? "", /^Logs_20140328\.PutLogEvents is an AWS operation the local SageMaker does not implement/);
  const notHere = await call("CreateNotebookInstance", {});
  assert.match(notHere.json.message ?? "", /^SageMaker\.CreateNotebookInstance is an AWS operation the local SageMaker does not implement/);
  const misspelt = await call("CreateTrainingJbo", {});
  assert.is(misspelt.json.message, "Unknown operation SageMaker.CreateTrainingJbo");
  // a field the operation does not have is refused, naming it (a misspelt prefix listed every stream), as the
  // SageMaker operations refuse theirs; the fields it has pass (null stands for absent)
  const typo = await call("DescribeLogStreams", { logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamPrefix: "job-1/" }, "Logs_20140328");
  assert.is(typo.status, 400);
  assert.is(typo.json.__type, "InvalidParameterException");
  assert.match(typo.json.message ?? "", /^logStreamNamPrefix: not a parameter of this operation.*logStreamNamePrefix/);
  const known = await call("FilterLogEvents", { logGroupName: "/aws/sagemaker/NoSuchGroup", interleaved: true, unmask: null, limit: 5 }, "Logs_20140328");
  assert.is(known.json.__type, "ResourceNotFoundException", JSON.stringify(known.json));
  // MaxResults 1e400 (Infinity once parsed) is named as such, not 'null'
  const inf = await fetch(ctx.srv.url, { method: "POST", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "SageMaker.ListTrainingJobs" }, body: '{"MaxResults": 1e400}' });
  assert.match(((await inf.json()) as { message: string }).message, /Value 'Infinity' at 'maxResults' failed to satisfy constraint/);
});

for (const c of CASES)
  test(`${c.op}: ${c.what} → 400 ValidationException naming the field`, async () => {
    const r = await call(c.op, c.body());
    assert.is(r.status, 400, JSON.stringify(r.json));
    assert.is(r.json.__type, "ValidationException");
    assert.match(r.json.message ?? "", c.field);
  });

// Options of SageMaker's that the local SageMaker does not implement: each a 400 ValidationException naming it (they
// were accepted and ignored — a spot job ran as on-demand, a MultiModel endpoint as a single model, an async
// endpoint answered synchronously); the same switches given off are accepted
const tuningConfig = { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 }, HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" } };
const job = (over: Record<string, unknown> | (() => Record<string, unknown>)) => () => ({ ...trainingRequest("un-1", `file://${data}`, out), ...(typeof over === "function" ? over() : over) });
const channel = (over: Record<string, unknown>, s3: Record<string, unknown> = {}) => [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${data}`, ...s3 } }, ...over }];
const UNSUPPORTED: { what: string; op: string; body: () => unknown; named: RegExp }[] = [
  { what: "managed spot training", op: "CreateTrainingJob", body: job({ EnableManagedSpotTraining: true }), named: /^EnableManagedSpotTraining: not supported by the local SageMaker/ },
  { what: "a VPC, checkpoints and tags", op: "CreateTrainingJob", body: job({ VpcConfig: { SecurityGroupIds: ["sg-1"], Subnets: ["s-1"] }, CheckpointConfig: { S3Uri: "s3://b/c" }, Tags: [{ Key: "a", Value: "b" }] }), named: /^VpcConfig, CheckpointConfig, Tags: not supported/ },
  { what: "Pipe input mode", op: "CreateTrainingJob", body: job({ AlgorithmSpecification: { TrainingImage: "img", TrainingInputMode: "Pipe" } }), named: /AlgorithmSpecification\.TrainingInputMode Pipe is not supported by the local SageMaker: use File or FastFile/ },
  { what: "a marketplace algorithm", op: "CreateTrainingJob", body: job({ AlgorithmSpecification: { AlgorithmName: "xgb", TrainingInputMode: "File" } }), named: /^AlgorithmSpecification\.AlgorithmName: not supported/ },
  { what: "instance groups", op: "CreateTrainingJob", body: job({ ResourceConfig: { VolumeSizeInGB: 1, InstanceGroups: [{ InstanceType: "ml.m5.large", InstanceCount: 2, InstanceGroupName: "g" }] } }), named: /^ResourceConfig\.InstanceGroups: not supported/ },
  { what: "a spot job's wait time", op: "CreateTrainingJob", body: job({ StoppingCondition: { MaxRuntimeInSeconds: 60, MaxWaitTimeInSeconds: 30 } }), named: /^StoppingCondition\.MaxWaitTimeInSeconds: not supported/ },
  { what: "a manifest file channel", op: "CreateTrainingJob", body: job(() => ({ InputDataConfig: channel({}, { S3DataType: "ManifestFile" }) })), named: /S3DataType ManifestFile is not supported by the local SageMaker: use S3Prefix/ },
  { what: "a gzip channel", op: "CreateTrainingJob", body: job(() => ({ InputDataConfig: channel({ CompressionType: "Gzip" }) })), named: /InputDataConfig\.1\.member\.CompressionType Gzip is not supported/ },
  { what: "a shuffled channel", op: "CreateTrainingJob", body: job(() => ({ InputDataConfig: channel({ ShuffleConfig: { Seed: 1 } }) })), named: /^InputDataConfig\.1\.member\.ShuffleConfig: not supported/ },
  { what: "an environment key SageMaker refuses", op: "CreateTrainingJob", body: job({ Environment: { "A=B": "x" } }), named: /Map keys must satisfy constraint: \[Member must satisfy regular expression pattern: \[a-zA-Z_\]\[a-zA-Z0-9_\]\*\]/ },
  { what: "a NUL byte in an environment value", op: "CreateTrainingJob", body: job({ Environment: { AB: "x\u0000y" } }), named: /^Environment: the value of AB holds a NUL byte/ },
  { what: "an empty metric name", op: "CreateTrainingJob", body: job({ AlgorithmSpecification: { TrainingImage: "img", TrainingInputMode: "File", MetricDefinitions: [{ Name: "", Regex: "x" }] } }), named: /metricDefinitions\.1\.member\.name' failed to satisfy constraint: Member must have length greater than or equal to 1/ },
  { what: "a definition's own ranges", op: "CreateHyperParameterTuningJob", body: () => ({ HyperParameterTuningJobName: "t", HyperParameterTuningJobConfig: tuningConfig, TrainingJobDefinition: { ...trainingDefinition(`file://${data}`, out), HyperParameterRanges: { IntegerParameterRanges: [{ Name: "max_depth", MinValue: "1", MaxValue: "3" }] } } }), named: /^TrainingJobDefinition\.HyperParameterRanges: not supported/ },
  { what: "autotune", op: "CreateHyperParameterTuningJob", body: () => ({ HyperParameterTuningJobName: "t", HyperParameterTuningJobConfig: tuningConfig, TrainingJobDefinition: trainingDefinition(`file://${data}`, out), Autotune: { Mode: "Enabled" } }), named: /^Autotune: not supported/ },
  { what: "completion on convergence", op: "CreateHyperParameterTuningJob", body: () => ({ HyperParameterTuningJobName: "t", HyperParameterTuningJobConfig: { ...tuningConfig, TuningJobCompletionCriteria: { ConvergenceDetected: { CompleteOnConvergence: "Enabled" } } }, TrainingJobDefinition: trainingDefinition(`file://${data}`, out) }), named: /^HyperParameterTuningJobConfig\.TuningJobCompletionCriteria\.ConvergenceDetected: not supported/ },
  { what: "a runtime below the service model's 120 s", op: "CreateHyperParameterTuningJob", body: () => ({ HyperParameterTuningJobName: "t", HyperParameterTuningJobConfig: { ...tuningConfig, ResourceLimits: { ...tuningConfig.ResourceLimits, MaxRuntimeInSeconds: -5 } }, TrainingJobDefinition: trainingDefinition(`file://${data}`, out) }), named: /resourceLimits\.maxRuntimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 120/ },
  { what: "a fractional Hyperband resource", op: "CreateHyperParameterTuningJob", body: () => ({ HyperParameterTuningJobName: "t", HyperParameterTuningJobConfig: { ...tuningConfig, Strategy: "Hyperband", StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 5.5 } } }, TrainingJobDefinition: trainingDefinition(`file://${data}`, out) }), named: /hyperbandStrategyConfig\.maxResource' failed to satisfy constraint: Member must be an integer/ },
  { what: "a multi-model container", op: "CreateModel", body: () => ({ ModelName: "m", PrimaryContainer: { Image: "img", ModelDataUrl: `file://${out}/`, Mode: "MultiModel" } }), named: /PrimaryContainer\.Mode MultiModel is not supported by the local SageMaker: use SingleModel/ },
  { what: "network isolation for a model (its container serves on the host's network)", op: "CreateModel", body: () => ({ ModelName: "m", EnableNetworkIsolation: true, PrimaryContainer: { Image: "img", ModelDataUrl: `file://${out}/` } }), named: /^EnableNetworkIsolation true: not supported by the local SageMaker/ },
  { what: "an uncompressed model source", op: "CreateModel", body: () => ({ ModelName: "m", PrimaryContainer: { Image: "img", ModelDataSource: { S3DataSource: { S3Uri: `file://${out}/`, S3DataType: "S3Prefix", CompressionType: "None" } } } }), named: /^PrimaryContainer\.ModelDataSource: not supported/ },
  { what: "an async endpoint", op: "CreateEndpointConfig", body: () => ({ EndpointConfigName: "c", ProductionVariants: [{ VariantName: "v", ModelName: "m", InstanceType: "ml.m5.large", InitialInstanceCount: 1 }], AsyncInferenceConfig: { OutputConfig: { S3OutputPath: "s3://b/o" } } }), named: /^AsyncInferenceConfig: not supported/ },
  { what: "three instances", op: "CreateEndpointConfig", body: () => ({ EndpointConfigName: "c", ProductionVariants: [{ VariantName: "v", ModelName: "m", InstanceType: "ml.m5.large", InitialInstanceCount: 3 }] }), named: /InitialInstanceCount must be 1/ },
  { what: "a negative variant weight", op: "CreateEndpointConfig", body: () => ({ EndpointConfigName: "c", ProductionVariants: [{ VariantName: "v", ModelName: "m", InstanceType: "ml.m5.large", InitialInstanceCount: 1, InitialVariantWeight: -1 }] }), named: /initialVariantWeight' failed to satisfy constraint: Member must have value greater than or equal to 0/ },
  { what: "a deployment config", op: "CreateEndpoint", body: () => ({ EndpointName: "e", EndpointConfigName: "c", DeploymentConfig: { AutoRollbackConfiguration: {} } }), named: /^DeploymentConfig: not supported/ },
  { what: "a warm pool filter", op: "ListTrainingJobs", body: () => ({ WarmPoolStatusEquals: "Available" }), named: /^WarmPoolStatusEquals: not supported/ },
  { what: "a name filter on a tuning job's trials", op: "ListTrainingJobsForHyperParameterTuningJob", body: () => ({ HyperParameterTuningJobName: "t", NameContains: "x" }), named: /^NameContains: not supported/ },
  { what: "a pagination token this server did not give", op: "ListTrainingJobs", body: () => ({ NextToken: "garbage!!" }), named: /^Invalid pagination token: garbage!!/ },
  { what: "a negative offset as a pagination token", op: "ListTrainingJobs", body: () => ({ NextToken: Buffer.from("-5").toString("base64") }), named: /^Invalid pagination token/ },
];

for (const c of UNSUPPORTED)
  test(`${c.op}: ${c.what} → 400 ValidationException naming it (not ignored)`, async () => {
    const r = await call(c.op, c.body());
    assert.is(r.status, 400, JSON.stringify(r.json));
    assert.is(r.json.__type, "ValidationException");
    assert.match(r.json.message ?? "", c.named);
  });

test("switches given off are accepted (a bad name is the request's only problem); LastModifiedTime filters list by it", async () => {
  const off = await call("CreateTrainingJob", { ...trainingRequest("bad_name", `file://${data}`, out), EnableManagedSpotTraining: false, EnableInterContainerTrafficEncryption: false });
  assert.match(off.json.message ?? "", /trainingJobName' failed to satisfy constraint/);
  assert.not.match(off.json.message ?? "", /EnableManagedSpotTraining|EnableInterContainerTrafficEncryption/);
  const later = await call("ListTrainingJobs", { LastModifiedTimeAfter: Date.now() / 1000 + 3600 });
  assert.is(later.status, 200);
  assert.equal((later.json as { TrainingJobSummaries?: unknown[] }).TrainingJobSummaries, []);
});

test("the server still answers after the malformed requests, and created nothing", async () => {
  const r = await call("ListTrainingJobs", {});
  assert.is(r.status, 200);
  assert.equal((r.json as { TrainingJobSummaries?: unknown[] }).TrainingJobSummaries, []);
});

test.run();
