/**
 * Fuzz target: every operation of the local SageMaker — the SageMaker API (training, tuning, models, endpoint
 * configs, endpoints, transform jobs), the CloudWatch Logs API and InvokeEndpoint —, the server in its own process. Each input starts from a valid request of the operation — written with the SDK's
 * input shapes (`Wire<…CommandInput>`, so the compiler checks every field name and type) — and changes it: a
 * structural JSON edit (a field removed, added or replaced by a value of another type, a huge string, a deep or
 * wide value), a text edit of the JSON, or a protocol edit (unknown or malformed X-Amz-Target, method, path,
 * Content-Type, an empty or non-object body).
 *
 * Invariants, for every input: an answer within 2 s; no 5xx; an error is AWS's shape (`__type` and `message`
 * for the API, `x-amzn-ErrorType` and `message` for the runtime); then `GET /ping` answers 200 and the process
 * is alive.
 *
 * Creates are cheap on purpose: training data is a folder that does not exist (a created job fails while
 * downloading, starting no process) and new endpoints use a model whose artifact is missing; one endpoint made
 * in the setup (the fake trainer's serve) takes the InvokeEndpoint inputs.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import type * as sm from "@aws-sdk/client-sagemaker";
import type * as cwl from "@aws-sdk/client-cloudwatch-logs";
import type { Wire } from "@ensemble-workbook/sagemaker-local";
import { Budget, count, fail, Fuzz, httpRequest, newTally, spend, startSageMakerProcess, Tally } from "./common";

const ROLE = "arn:aws:iam::123456789012:role/SageMakerRole";

/** a valid request of every operation (names from `n`, a fresh suffix, so creates do not all collide) */
function validRequests(dir: string, n: () => string): { [Op in keyof Requests]: () => Requests[Op] } {
  const missing = `file://${dir}/no-such-data`;
  const spec = {
    AlgorithmSpecification: { TrainingImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ensemble:latest", TrainingInputMode: "File" as const, MetricDefinitions: [{ Name: "validation:rmse", Regex: "validation-rmse:([0-9.]+)" }] },
    RoleArn: ROLE,
    InputDataConfig: [{ ChannelName: "train", ContentType: "text/csv", DataSource: { S3DataSource: { S3DataType: "S3Prefix" as const, S3Uri: missing } } }],
    OutputDataConfig: { S3OutputPath: `file://${dir}/out` },
    ResourceConfig: { InstanceType: "ml.m5.large" as const, InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
  };
  const t = 1.7e9;
  return {
    CreateTrainingJob: () => ({ TrainingJobName: `fz-${n()}`, HyperParameters: { eta: "0.2", max_depth: "3" }, Environment: { A: "1" }, ...spec }),
    DescribeTrainingJob: () => ({ TrainingJobName: "fz-seed" }),
    ListTrainingJobs: () => ({ MaxResults: 5, NameContains: "fz", SortBy: "Name", SortOrder: "Ascending", StatusEquals: "Failed", CreationTimeAfter: t, NextToken: "NQ==" }),
    StopTrainingJob: () => ({ TrainingJobName: "fz-seed" }),
    CreateHyperParameterTuningJob: () => ({
      HyperParameterTuningJobName: `fzt-${n()}`,
      HyperParameterTuningJobConfig: {
        Strategy: "Random",
        HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" },
        ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
        ParameterRanges: {
          ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.01", MaxValue: "0.5", ScalingType: "Logarithmic" }],
          IntegerParameterRanges: [{ Name: "max_depth", MinValue: "2", MaxValue: "6" }],
          CategoricalParameterRanges: [{ Name: "blend", Values: ["mean", "median"] }],
        },
        RandomSeed: 7,
        TrainingJobEarlyStoppingType: "Off",
      },
      TrainingJobDefinition: { StaticHyperParameters: { num_round: "3" }, ...spec },
    }),
    DescribeHyperParameterTuningJob: () => ({ HyperParameterTuningJobName: "fzt-seed" }),
    ListHyperParameterTuningJobs: () => ({ MaxResults: 3, SortBy: "CreationTime", SortOrder: "Descending", NameContains: "fzt" }),
    StopHyperParameterTuningJob: () => ({ HyperParameterTuningJobName: "fzt-seed" }),
    ListTrainingJobsForHyperParameterTuningJob: () => ({ HyperParameterTuningJobName: "fzt-seed", SortBy: "FinalObjectiveMetricValue", SortOrder: "Ascending", MaxResults: 10 }),
    CreateModel: () => ({ ModelName: `fzm-${n()}`, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img:latest", ModelDataUrl: `file://${dir}/model.tar.gz`, Environment: { K: "v" } } }),
    DescribeModel: () => ({ ModelName: "fz-model" }),
    DeleteModel: () => ({ ModelName: `fzm-${n()}` }),
    CreateEndpointConfig: () => ({ EndpointConfigName: `fzc-${n()}`, ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "fz-model", ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } }] }),
    DescribeEndpointConfig: () => ({ EndpointConfigName: "fz-config" }),
    DeleteEndpointConfig: () => ({ EndpointConfigName: `fzc-${n()}` }),
    CreateEndpoint: () => ({ EndpointName: `fze-${n()}`, EndpointConfigName: "fz-config-broken" }),
    DescribeEndpoint: () => ({ EndpointName: "fz-endpoint" }),
    DeleteEndpoint: () => ({ EndpointName: `fze-${n()}` }),
    ListEndpoints: () => ({ MaxResults: 10, SortBy: "Name", StatusEquals: "InService" }),
    CreateTransformJob: () => ({
      TransformJobName: `fzx-${n()}`,
      ModelName: "fz-model",
      TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: missing } }, ContentType: "text/csv", SplitType: "Line" },
      TransformOutput: { S3OutputPath: `file://${dir}/transform-out`, AssembleWith: "Line" },
      TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
      BatchStrategy: "MultiRecord",
      MaxPayloadInMB: 6,
    }),
    DescribeTransformJob: () => ({ TransformJobName: "fzx-seed" }),
    ListTransformJobs: () => ({ MaxResults: 10, SortBy: "CreationTime", SortOrder: "Descending", NameContains: "fzx" }),
    StopTransformJob: () => ({ TransformJobName: "fzx-seed" }),
    // CloudWatch Logs (X-Amz-Target Logs_20140328.<op>)
    DescribeLogGroups: () => ({ logGroupNamePrefix: "/aws/sagemaker/", limit: 10 }),
    DescribeLogStreams: () => ({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: "fz-seed", orderBy: "LogStreamName", descending: true, limit: 5 }),
    GetLogEvents: () => ({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: "fz-seed/algo-1-1700000000", startFromHead: true, limit: 100, startTime: 0, endTime: 4e12 }),
    FilterLogEvents: () => ({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: "fz", filterPattern: "rmse", limit: 50, interleaved: true }),
  };
}

/** the operations of the CloudWatch Logs API (their target prefix) */
const LOGS_OPS = new Set(["DescribeLogGroups", "DescribeLogStreams", "GetLogEvents", "FilterLogEvents"]);

/** the request of each operation, as the SDK shapes it on the JSON 1.1 wire */
interface Requests {
  CreateTrainingJob: Wire<sm.CreateTrainingJobCommandInput>;
  DescribeTrainingJob: Wire<sm.DescribeTrainingJobCommandInput>;
  ListTrainingJobs: Wire<sm.ListTrainingJobsCommandInput>;
  StopTrainingJob: Wire<sm.StopTrainingJobCommandInput>;
  CreateHyperParameterTuningJob: Wire<sm.CreateHyperParameterTuningJobCommandInput>;
  DescribeHyperParameterTuningJob: Wire<sm.DescribeHyperParameterTuningJobCommandInput>;
  ListHyperParameterTuningJobs: Wire<sm.ListHyperParameterTuningJobsCommandInput>;
  StopHyperParameterTuningJob: Wire<sm.StopHyperParameterTuningJobCommandInput>;
  ListTrainingJobsForHyperParameterTuningJob: Wire<sm.ListTrainingJobsForHyperParameterTuningJobCommandInput>;
  CreateModel: Wire<sm.CreateModelCommandInput>;
  DescribeModel: Wire<sm.DescribeModelCommandInput>;
  DeleteModel: Wire<sm.DeleteModelCommandInput>;
  CreateEndpointConfig: Wire<sm.CreateEndpointConfigCommandInput>;
  DescribeEndpointConfig: Wire<sm.DescribeEndpointConfigCommandInput>;
  DeleteEndpointConfig: Wire<sm.DeleteEndpointConfigCommandInput>;
  CreateEndpoint: Wire<sm.CreateEndpointCommandInput>;
  DescribeEndpoint: Wire<sm.DescribeEndpointCommandInput>;
  DeleteEndpoint: Wire<sm.DeleteEndpointCommandInput>;
  ListEndpoints: Wire<sm.ListEndpointsCommandInput>;
  CreateTransformJob: Wire<sm.CreateTransformJobCommandInput>;
  DescribeTransformJob: Wire<sm.DescribeTransformJobCommandInput>;
  ListTransformJobs: Wire<sm.ListTransformJobsCommandInput>;
  StopTransformJob: Wire<sm.StopTransformJobCommandInput>;
  DescribeLogGroups: Wire<cwl.DescribeLogGroupsCommandInput>;
  DescribeLogStreams: Wire<cwl.DescribeLogStreamsCommandInput>;
  GetLogEvents: Wire<cwl.GetLogEventsCommandInput>;
  FilterLogEvents: Wire<cwl.FilterLogEventsCommandInput>;
}

const TARGETS = ["", "SageMaker.", "SageMaker.Nope", "sagemaker.ListEndpoints", "SageMaker.listEndpoints", " SageMaker.ListEndpoints", "SageMaker.ListEndpoints ", "AWSSageMaker.ListEndpoints",
  "SageMaker.__proto__", "SageMaker.constructor", "SageMaker.hasOwnProperty", "SageMaker.toString", "SageMaker.ListEndpoints.X", "SageMaker..", "x".repeat(8000)];
const CONTENT_TYPES = ["application/x-amz-json-1.1", "application/json", "text/plain", "", "application/x-amz-json-1.0", "multipart/form-data", "application/x-amz-json-1.1; charset=latin1"];

export async function fuzzSageMakerApi(budget: Budget, seed = 1): Promise<Tally> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fuzz-sm-"));
  // a fake model artifact (what the fake trainer writes) and the resources the requests name
  fs.mkdirSync(path.join(dir, "model"));
  fs.writeFileSync(path.join(dir, "model", "manifest.json"), JSON.stringify({ format: "fake", objective: 1.5 }));
  execFileSync("tar", ["czf", path.join(dir, "model.tar.gz"), "-C", path.join(dir, "model"), "."]);
  fs.mkdirSync(path.join(dir, "transform-in"));
  fs.writeFileSync(path.join(dir, "transform-in", "rows.csv"), "1,2\n");
  const srv = await startSageMakerProcess(path.join(dir, "state"));
  const t = newTally("SageMaker API, Logs API, InvokeEndpoint (local SageMaker)");
  const f = new Fuzz(seed);
  let seq = 0;
  const requests = validRequests(dir, () => `${seed}-${++seq}`);
  const ops = Object.keys(requests) as (keyof Requests)[];
  const call = (op: string, body: unknown, extra: Record<string, string> = {}) =>
    httpRequest(srv.port, "POST", "/", { "content-type": "application/x-amz-json-1.1", "x-amz-target": `SageMaker.${op}`, ...extra }, typeof body === "string" ? body : JSON.stringify(body), 10_000);
  try {
    // the resources the valid requests name
    const setup: [string, unknown][] = [
      ["CreateTrainingJob", { ...requests.CreateTrainingJob(), TrainingJobName: "fz-seed" }],
      ["CreateHyperParameterTuningJob", { ...requests.CreateHyperParameterTuningJob(), HyperParameterTuningJobName: "fzt-seed" }],
      ["CreateModel", { ...requests.CreateModel(), ModelName: "fz-model" }],
      ["CreateModel", { ...requests.CreateModel(), ModelName: "fz-model-broken", PrimaryContainer: { Image: "img", ModelDataUrl: `file://${dir}/missing.tar.gz` } }],
      ["CreateEndpointConfig", { ...requests.CreateEndpointConfig(), EndpointConfigName: "fz-config" }],
      ["CreateEndpointConfig", { EndpointConfigName: "fz-config-broken", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "fz-model-broken", ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 } }] }],
      ["CreateEndpoint", { EndpointName: "fz-endpoint", EndpointConfigName: "fz-config" }],
      // (its input exists: CreateTransformJob refuses a prefix with no objects, as AWS does; the fuzzed ones name none)
      ["CreateTransformJob", { ...requests.CreateTransformJob(), TransformJobName: "fzx-seed", TransformInput: { ...requests.CreateTransformJob().TransformInput, DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${dir}/transform-in` } } } }],
    ];
    for (const [op, body] of setup) {
      const r = await call(op, body);
      if (r.status !== 200) throw new Error(`setup ${op}: ${r.status} ${r.body}`);
    }
    for (let i = 0; ; i++) {
      const d = JSON.parse((await call("DescribeEndpoint", { EndpointName: "fz-endpoint" })).body.toString());
      if (d.EndpointStatus === "InService") break;
      if (d.EndpointStatus === "Failed" || i > 300) throw new Error(`setup: endpoint ${JSON.stringify(d)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    let down = false;
    await spend(budget, t, async () => {
      if (down) return;
      let method = "POST";
      let urlPath = "/";
      let headers: Record<string, string>;
      let body: string | Buffer;
      let runtime = false;
      const op = f.chance(0.1) ? "InvokeEndpoint" : f.pick(ops);
      if (op === "InvokeEndpoint") {
        runtime = true;
        urlPath = f.chance(0.8) ? "/endpoints/fz-endpoint/invocations" : f.pick(["/endpoints/nope/invocations", "/endpoints/%ff/invocations", "/endpoints//invocations", "/endpoints/fz-endpoint/invocations/x", `/endpoints/${"e".repeat(3000)}/invocations`]);
        headers = { "content-type": f.pick(["text/csv", "application/json", "", "x/y"]), accept: f.pick(["", "text/csv", "application/json", "*/*"]) };
        if (f.chance(0.3)) headers["x-amzn-sagemaker-custom-attributes"] = f.pick(["status=400", "status=500", "delay=10", "members=true", "x".repeat(4000)]);
        body = f.chance(0.5) ? f.mutateText("1,2,3\n4,5,6\n") : f.mutateBytes("1,2\n");
      } else {
        headers = { "content-type": "application/x-amz-json-1.1", "x-amz-target": `${LOGS_OPS.has(op) ? "Logs_20140328" : "SageMaker"}.${op}` };
        const valid = requests[op]();
        const how = f.int(20);
        if (how < 13) body = JSON.stringify(f.mutateJson(valid));
        else if (how < 16) body = f.mutateText(JSON.stringify(valid));
        else if (how === 16) {
          headers["x-amz-target"] = f.pick(TARGETS);
          body = JSON.stringify(valid);
        } else if (how === 17) {
          headers["content-type"] = f.pick(CONTENT_TYPES);
          body = JSON.stringify(valid);
        } else if (how === 18) body = f.pick(["", "null", "[]", "1", '"x"', "{", "{}}", '{"a":1,"a":2}', "\ufeff{}", "{\u0000}", JSON.stringify(valid).repeat(2)]);
        else {
          method = f.pick(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]);
          urlPath = f.pick(["/", "/x", "/_local/training-jobs/fz-seed/logs?offset=1e400", "/_local/training-jobs/%ff/logs", "/_local/endpoints/fz-endpoint", "/_local/health", "/ping", "http://[", "*"]);
          body = JSON.stringify(valid);
        }
      }
      let r;
      try {
        r = await httpRequest(srv.port, method, urlPath, headers, method === "GET" || method === "HEAD" ? undefined : body);
      } catch (e) {
        count(t, "no answer");
        fail(t, `${op}: no answer: ${(e as Error).message}`, body);
        return;
      }
      count(t, `${r.status}`);
      if (r.status >= 500) fail(t, `${op}: ${r.status} ${r.body.toString("utf8").slice(0, 300)}`, body);
      else if (r.status >= 400 && method !== "HEAD") {
        let shape: { __type?: unknown; message?: unknown } = {};
        try {
          shape = JSON.parse(r.body.toString("utf8"));
        } catch {
          /* checked below */
        }
        const typed = runtime || urlPath !== "/" ? typeof r.headers["x-amzn-errortype"] === "string" || typeof shape.message === "string" : typeof shape.__type === "string";
        if (!typed || typeof shape.message !== "string" || !shape.message) fail(t, `${op}: ${r.status} not in AWS's error shape: ${r.body.toString("utf8").slice(0, 200)} ${JSON.stringify(headers).slice(0, 200)} ${method} ${urlPath}`, body);
      }
      try {
        const ping = await httpRequest(srv.port, "GET", "/ping", {});
        if (ping.status !== 200) throw new Error(`status ${ping.status}`);
      } catch (e) {
        fail(t, `the server stopped answering /ping after this ${op}: ${(e as Error).message}; output: ${srv.output().slice(-800)}`, body);
        down = true;
      }
    });
    // the server's own record of faults: a 500 would have been logged with its stack
    const log = fs.readFileSync(path.join(dir, "state", "server.log"), "utf8");
    for (const line of log.split("\n").filter((l) => /internal error/.test(l)).slice(0, 5)) fail(t, "server.log records an internal error", line);
  } finally {
    srv.kill("SIGTERM");
    await Promise.race([srv.exited, new Promise((r) => setTimeout(r, 5000))]);
    srv.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return t;
}
