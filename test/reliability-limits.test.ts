/**
 * Huge fields (issue 17): the local SageMaker refuses a string or map longer than AWS allows with AWS's
 * ValidationException, and accepts one of exactly the allowed length. The limits are read from the independent
 * reference — the SageMaker service model botocore ships (service-2.json, the model AWS publishes) — so a wrong
 * constant in the server fails here.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { localServer, ModelShape, serviceModelShapes, tmpDir, trainingDefinition, trainingRequest } from "./sagemaker-helpers";

let shapes: Record<string, ModelShape> = {};
let ctx: Awaited<ReturnType<typeof localServer>>;
let data = "";
let out = "";

test.before(async () => {
  shapes = serviceModelShapes();
  ctx = await localServer();
  data = tmpDir("limits-data");
  out = tmpDir("limits-out");
});
test.after(async () => {
  await ctx.srv.close();
  ctx.sm.destroy();
  ctx.rt.destroy();
});

/** the service model's max for a field: the request shape, then member names; "[]" a list's member, "{}" a map's value, "{key}" its key, "{n}" the map's entry count */
function maxOf(request: string, fieldPath: string[]): number {
  let s = shapes[request];
  for (const step of fieldPath) {
    if (step === "[]") s = shapes[s.member!.shape];
    else if (step === "{}") s = shapes[s.value!.shape];
    else if (step === "{key}") s = shapes[s.key!.shape];
    else if (step === "{n}") break;
    else s = shapes[s.members![step].shape];
  }
  assert.ok(s?.max !== undefined, `${request} ${fieldPath.join(".")}: no max in the service model`);
  return s.max!;
}

async function call(op: string, body: unknown): Promise<{ status: number; message: string }> {
  const res = await fetch(ctx.srv.url, { method: "POST", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `SageMaker.${op}` }, body: JSON.stringify(body) });
  const j = (await res.json()) as { message?: string };
  return { status: res.status, message: j.message ?? "" };
}

let seq = 0;
const name = () => `limits-${++seq}`;
const a = (n: number) => "a".repeat(n);
const fileUri = (base: string, n: number) => `file://${base}/${a(n - `file://${base}/`.length)}`;
const entries = (n: number, value = "v") => Object.fromEntries(Array.from({ length: n }, (_, i) => [`K${i}`, value]));

/** a name of n characters that matches the names' pattern: two letters and dashes between (the pattern counts only
 * the letters and digits, so a long name of dashes got past it) */
const dashed = (n: number) => `a${"-".repeat(n - 2)}b`;
const tuningConfig = { Strategy: "Random", HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" }, ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 }, ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.1", MaxValue: "0.5" }] } };

/** [operation, request shape, field path, the request with the field n long] */
const CASES: [string, string, string[], (n: number) => unknown][] = [
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["TrainingJobName"], (n) => trainingRequest(dashed(n), `file://${data}`, out)],
  ["DescribeTrainingJob", "DescribeTrainingJobRequest", ["TrainingJobName"], (n) => ({ TrainingJobName: dashed(n) })],
  ["CreateHyperParameterTuningJob", "CreateHyperParameterTuningJobRequest", ["HyperParameterTuningJobName"], (n) => ({ HyperParameterTuningJobName: dashed(n), HyperParameterTuningJobConfig: tuningConfig, TrainingJobDefinition: trainingDefinition(`file://${data}`, out) })],
  ["CreateModel", "CreateModelInput", ["ModelName"], (n) => ({ ModelName: dashed(n), PrimaryContainer: { Image: "i" } })],
  ["CreateEndpointConfig", "CreateEndpointConfigInput", ["EndpointConfigName"], (n) => ({ EndpointConfigName: dashed(n), ProductionVariants: [{ VariantName: "v", ModelName: "no-such-model", ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 } }] })],
  ["CreateEndpointConfig", "CreateEndpointConfigInput", ["ProductionVariants", "[]", "VariantName"], (n) => ({ EndpointConfigName: name(), ProductionVariants: [{ VariantName: dashed(n), ModelName: "no-such-model", ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 } }] })],
  ["CreateEndpoint", "CreateEndpointInput", ["EndpointName"], (n) => ({ EndpointName: dashed(n), EndpointConfigName: "no-such-config" })],
  ["CreateTransformJob", "CreateTransformJobRequest", ["TransformJobName"], (n) => ({ TransformJobName: dashed(n), ModelName: "no-such-model", TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${data}` } } }, TransformOutput: { S3OutputPath: `file://${out}` }, TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 } })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["AlgorithmSpecification", "TrainingImage"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), AlgorithmSpecification: { TrainingImage: a(n), TrainingInputMode: "File" } })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["AlgorithmSpecification", "MetricDefinitions", "[]", "Name"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), AlgorithmSpecification: { TrainingImage: "i", TrainingInputMode: "File", MetricDefinitions: [{ Name: a(n), Regex: "x" }] } })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["AlgorithmSpecification", "MetricDefinitions", "[]", "Regex"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), AlgorithmSpecification: { TrainingImage: "i", TrainingInputMode: "File", MetricDefinitions: [{ Name: "m", Regex: a(n) }] } })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["OutputDataConfig", "S3OutputPath"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), OutputDataConfig: { S3OutputPath: fileUri(out, n) } })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["InputDataConfig", "[]", "ChannelName"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), InputDataConfig: [{ ChannelName: a(n), DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${data}` } } }] })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["InputDataConfig", "[]", "ContentType"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), InputDataConfig: [{ ChannelName: "train", ContentType: a(n), DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${data}` } } }] })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["InputDataConfig", "[]", "DataSource", "S3DataSource", "S3Uri"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: fileUri(data, n) } } }] })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["Environment", "{}"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), Environment: { A: a(n) } })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["Environment", "{n}"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), Environment: entries(n) })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["HyperParameters", "{}"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), HyperParameters: { eta: a(n) } })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["HyperParameters", "{key}"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), HyperParameters: { [a(n)]: "1" } })],
  ["CreateTrainingJob", "CreateTrainingJobRequest", ["HyperParameters", "{n}"], (n) => ({ ...trainingRequest(name(), `file://${data}`, out), HyperParameters: entries(n) })],
  ["CreateModel", "CreateModelInput", ["PrimaryContainer", "Image"], (n) => ({ ModelName: name(), PrimaryContainer: { Image: a(n) } })],
  ["CreateModel", "CreateModelInput", ["PrimaryContainer", "ModelDataUrl"], (n) => ({ ModelName: name(), PrimaryContainer: { Image: "i", ModelDataUrl: fileUri(out, n) } })],
  ["CreateModel", "CreateModelInput", ["PrimaryContainer", "Environment", "{}"], (n) => ({ ModelName: name(), PrimaryContainer: { Image: "i", Environment: { A: a(n) } } })],
  ["CreateModel", "CreateModelInput", ["PrimaryContainer", "Environment", "{n}"], (n) => ({ ModelName: name(), PrimaryContainer: { Image: "i", Environment: entries(n) } })],
  ["ListTrainingJobs", "ListTrainingJobsRequest", ["NameContains"], (n) => ({ NameContains: a(n) })],
  ["ListTrainingJobs", "ListTrainingJobsRequest", ["NextToken"], (n) => ({ NextToken: a(n) })],
  ...(["Name", "MinValue", "MaxValue"] as const).map((f): [string, string, string[], (n: number) => unknown] => [
    "CreateHyperParameterTuningJob",
    "CreateHyperParameterTuningJobRequest",
    ["HyperParameterTuningJobConfig", "ParameterRanges", "ContinuousParameterRanges", "[]", f],
    (n) => ({
      HyperParameterTuningJobName: `lt-${++seq}`,
      HyperParameterTuningJobConfig: {
        Strategy: "Random",
        HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" },
        ResourceLimits: { MaxNumberOfTrainingJobs: 1, MaxParallelTrainingJobs: 1 },
        ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.1", MaxValue: "0.5", [f]: f === "Name" ? a(n) : `0.${"1".repeat(n - 2)}` }] },
      },
      TrainingJobDefinition: trainingDefinition(`file://${data}`, out),
    }),
  ]),
];

test("strings and maps longer than the service model allows → 400 ValidationException naming the limit; exactly the limit passes", async () => {
  const checked: string[] = [];
  for (const [op, shape, fieldPath, body] of CASES) {
    const max = maxOf(shape, fieldPath);
    const what = `${op} ${fieldPath.join(".")} (max ${max})`;
    const over = await call(op, body(max + 1));
    assert.is(over.status, 400, `${what}: ${max + 1} → ${over.status} ${over.message}`);
    assert.match(over.message, new RegExp(`(less than or equal to|at most|longer than) ${max}\\b`), `${what}: ${over.message.slice(0, 300)}`);
    const at = await call(op, body(max));
    assert.not.match(at.message, new RegExp(`(less than or equal to|at most|longer than) ${max}\\b`), `${what}: exactly ${max} was refused: ${at.message.slice(0, 300)}`);
    checked.push(`${fieldPath[fieldPath.length - 1] === "{n}" ? fieldPath[fieldPath.length - 2] + " entries" : fieldPath.filter((s) => !s.startsWith("[") && !s.startsWith("{")).pop()} ${max}`);
  }
  console.log(`    limits from botocore's service model: ${checked.join(", ")}`);
});

test.run();
