/**
 * Hand-written requests (not from an SDK) with JSON values of the wrong type: the local SageMaker answers a
 * 400 ValidationException naming the field — never a 500 — and keeps serving. Checked over raw HTTP, since
 * the SDK clients cannot send such requests.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { localServer, trainingRequest, tmpDir } from "./sagemaker-helpers";

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
  { what: "RandomSeed a string", op: "CreateHyperParameterTuningJob", body: () => ({ HyperParameterTuningJobName: "t", HyperParameterTuningJobConfig: { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 }, HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" }, RandomSeed: "7" }, TrainingJobDefinition: trainingRequest("x", `file://${data}`, out) }), field: /hyperParameterTuningJobConfig\.randomSeed/ },
  { what: "TransformInput not a structure", op: "CreateTransformJob", body: () => ({ ...transformRequest("t1"), TransformInput: "s3://b/in" }), field: /transformInput/ },
  { what: "MaxPayloadInMB a string", op: "CreateTransformJob", body: () => ({ ...transformRequest("t2"), MaxPayloadInMB: "6" }), field: /maxPayloadInMB/ },
  { what: "an InputFilter a number", op: "CreateTransformJob", body: () => ({ ...transformRequest("t3"), DataProcessing: { InputFilter: 1 } }), field: /dataProcessing\.inputFilter/ },
  { what: "ParentHyperParameterTuningJobs a string", op: "CreateHyperParameterTuningJob", body: () => ({ HyperParameterTuningJobName: "w", HyperParameterTuningJobConfig: { Strategy: "Random", ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 }, HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" } }, TrainingJobDefinition: trainingRequest("x", `file://${data}`, out), WarmStartConfig: { WarmStartType: "TransferLearning", ParentHyperParameterTuningJobs: "parent" } }), field: /warmStartConfig\.parentHyperParameterTuningJobs/ },
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

test("CloudWatch Logs: a limit of the wrong type is an InvalidParameterException naming it; an unknown operation is named", async () => {
  const r = await call("GetLogEvents", { logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: "x", limit: "5" }, "Logs_20140328");
  assert.is(r.status, 400);
  assert.is(r.json.__type, "InvalidParameterException");
  assert.match(r.json.message ?? "", /Value '5' at 'limit' failed to satisfy constraint: Member must be an integer/);
  const u = await call("PutLogEvents", {}, "Logs_20140328");
  assert.is(u.json.__type, "UnknownOperationException");
});

for (const c of CASES)
  test(`${c.op}: ${c.what} → 400 ValidationException naming the field`, async () => {
    const r = await call(c.op, c.body());
    assert.is(r.status, 400, JSON.stringify(r.json));
    assert.is(r.json.__type, "ValidationException");
    assert.match(r.json.message ?? "", c.field);
  });

test("the server still answers after the malformed requests, and created nothing", async () => {
  const r = await call("ListTrainingJobs", {});
  assert.is(r.status, 200);
  assert.equal((r.json as { TrainingJobSummaries?: unknown[] }).TrainingJobSummaries, []);
});

test.run();
