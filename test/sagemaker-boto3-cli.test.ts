/**
 * The local SageMaker from Python and the shell, as a user reaches AWS: Debian's boto3 (python3-boto3) and AWS CLI
 * (awscli) against the server's --endpoint-url (fake trainer). boto3 runs a training job and reads its log
 * (DescribeLogStreams, GetLogEvents following nextForwardToken until it comes back unchanged, the filter_log_events
 * paginator), runs a batch transform job to completion with its waiter and reads the output, is throttled by a
 * serverless endpoint and retries, updates the endpoint (UpdateEndpoint, its waiter), and starts a warm tuning job; the CLI follows a running job with `aws logs tail --follow`, reads the log with `aws logs
 * get-log-events`, runs a transform job to completion and starts a warm-started tuning job. Each part is skipped, naming the Debian package, where the tool is missing.
 *
 * The two clients' runs are independent (their own job names on the one server) and mostly wait — on the fake
 * trainer's rounds, on `aws logs tail`'s 5 s polls, on the tools' start-up —, so they run side by side: the boto3
 * script starts with the server and runs while the CLI test runs (its test then checks what it printed), and the
 * CLI's tuning jobs run while it follows the training job's log.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { execFile, spawn, spawnSync } from "child_process";
import { promisify } from "util";
import { localServer, tmpDir, until } from "./sagemaker-helpers";

const PYTHON = "/usr/bin/python3";
const AWS = "/usr/bin/aws";
const hasBoto3 = spawnSync(PYTHON, ["-c", "import boto3"]).status === 0;
const hasCli = fs.existsSync(AWS) && spawnSync(AWS, ["--version"]).status === 0;

let ctx: Awaited<ReturnType<typeof localServer>>;
let data: string;
let out: string;
/** the boto3 script's output (started in test.before, checked by its test) */
let boto3Run: Promise<string> | undefined;
const env = { ...process.env, AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "", AWS_EC2_METADATA_DISABLED: "true" };

/** the local server answers in this process: the tools must run without blocking it */
const run = async (cmd: string, args: string[]) => (await promisify(execFile)(cmd, args, { env, timeout: 120_000, maxBuffer: 1 << 24 })).stdout;

test.before(async () => {
  ctx = await localServer();
  data = tmpDir("data");
  fs.writeFileSync(path.join(data, "rows.csv"), "1,2,3\n4,5,6\n7,8,9\n");
  out = tmpDir("out");
  if (hasBoto3) {
    boto3Run = run(PYTHON, ["-c", BOTO3, ctx.srv.url, data, out]);
    boto3Run.catch(() => undefined); // its test awaits it (and fails with its error)
  }
});
test.after(async () => {
  await ctx.srv.close();
  ctx.sm.destroy();
});

const BOTO3 = String.raw`
import json, sys, time
import boto3
url, data, out = sys.argv[1], sys.argv[2], sys.argv[3]
sm = boto3.client("sagemaker", endpoint_url=url)
logs = boto3.client("logs", endpoint_url=url)
role = "arn:aws:iam::123456789012:role/R"
algo = {"TrainingImage": "x", "TrainingInputMode": "File", "MetricDefinitions": [{"Name": "validation:rmse", "Regex": "validation-rmse:([0-9.]+)"}]}
chan = [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "file://" + data}}}]
res = {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1}
result = {}

# a training job and its log
sm.create_training_job(TrainingJobName="py-train", RoleArn=role, AlgorithmSpecification=algo, HyperParameters={"num_round": "12"},
    InputDataConfig=chan, OutputDataConfig={"S3OutputPath": "file://" + out}, ResourceConfig=res, StoppingCondition={"MaxRuntimeInSeconds": 60})
sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="py-train", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
group = "/aws/sagemaker/TrainingJobs"
stream = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="py-train/")["logStreams"][0]["logStreamName"]
messages, token, pages = [], None, 0
while True:
    kw = {"logGroupName": group, "logStreamName": stream, "startFromHead": True, "limit": 5}
    if token: kw["nextToken"] = token
    r = logs.get_log_events(**kw)
    pages += 1
    messages += [e["message"] for e in r["events"]]
    if r["nextForwardToken"] == token: break
    token = r["nextForwardToken"]
filtered = [e["message"] for p in logs.get_paginator("filter_log_events").paginate(logGroupName=group, logStreamNamePrefix="py-train/", filterPattern="validation-rmse", PaginationConfig={"PageSize": 4}) for e in p["events"]]
result["train"] = {"stream": stream, "messages": messages, "pages": pages, "filtered": filtered}

# a model, a batch transform job to completion, its output
sm.create_model(ModelName="py-model", ExecutionRoleArn=role, PrimaryContainer={"Image": "x", "ModelDataUrl": sm.describe_training_job(TrainingJobName="py-train")["ModelArtifacts"]["S3ModelArtifacts"]})
sm.create_transform_job(TransformJobName="py-transform", ModelName="py-model", BatchStrategy="SingleRecord", MaxConcurrentTransforms=2,
    TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "file://" + data}}, "ContentType": "text/csv", "SplitType": "Line"},
    TransformOutput={"S3OutputPath": "file://" + out + "/transform", "Accept": "text/csv", "AssembleWith": "Line"},
    DataProcessing={"JoinSource": "Input", "OutputFilter": "$[0,-1]"},
    TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
sm.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName="py-transform", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
d = sm.describe_transform_job(TransformJobName="py-transform")
result["transform"] = {"status": d["TransformJobStatus"], "output": open(out + "/transform/rows.csv.out").read(),
    "listed": [s["TransformJobName"] for s in sm.list_transform_jobs()["TransformJobSummaries"]]}

# a serverless endpoint: a ThrottlingException (status 400) retried by its code, in boto3's legacy (default) and
# standard retry modes; then UpdateEndpoint to another configuration, with the endpoint_in_service waiter
from botocore.config import Config
import threading
rt = boto3.client("sagemaker-runtime", endpoint_url=url)
for n, conc in (("py-cfg-a", 1), ("py-cfg-b", 2)):
    sm.create_endpoint_config(EndpointConfigName=n, ProductionVariants=[{"VariantName": "v", "ModelName": "py-model", "ServerlessConfig": {"MemorySizeInMB": 1024, "MaxConcurrency": conc}}])
sm.create_endpoint(EndpointName="py-ep", EndpointConfigName="py-cfg-a")
in_service = sm.get_waiter("endpoint_in_service")
in_service.wait(EndpointName="py-ep", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
# the clients made first, then one slow invocation holds the endpoint's one slot for 10 s (a loaded machine's margin)
probes = {mode: boto3.client("sagemaker-runtime", endpoint_url=url, config=Config(retries=retries)) for mode, retries in (("legacy", {"mode": "legacy", "max_attempts": 1}), ("standard", {"mode": "standard", "total_max_attempts": 2}))}
slow = threading.Thread(target=lambda: rt.invoke_endpoint(EndpointName="py-ep", Body=b"1,2\n", ContentType="text/csv", CustomAttributes="delay=10000"))
slow.start()
time.sleep(1.5)
result["throttled"] = {}
for mode, probe in probes.items():
    try:
        probe.invoke_endpoint(EndpointName="py-ep", Body=b"1,2\n", ContentType="text/csv")
    except sm.exceptions.ClientError as e:
        result["throttled"][mode] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["ResponseMetadata"]["RetryAttempts"]]
slow.join()
sm.update_endpoint(EndpointName="py-ep", EndpointConfigName="py-cfg-b")
during = sm.describe_endpoint(EndpointName="py-ep")
in_service.wait(EndpointName="py-ep", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
after = sm.describe_endpoint(EndpointName="py-ep")
answer = rt.invoke_endpoint(EndpointName="py-ep", Body=b"1,2\n", ContentType="text/csv", Accept="text/csv")["Body"].read().decode()
# boto3 sends a header's text as UTF-8: not ASCII, it is refused by name (it reached the model as "cafÃ©")
try:
    rt.invoke_endpoint(EndpointName="py-ep", Body=b"1,2\n", ContentType="text/csv", CustomAttributes="caf\u00e9")
    result["ascii"] = "answered"
except sm.exceptions.ClientError as e:
    result["ascii"] = e.response["Error"]
result["update"] = {"during": [during["EndpointStatus"], during["EndpointConfigName"], during["PendingDeploymentSummary"]["EndpointConfigName"]],
    "after": [after["EndpointStatus"], after["EndpointConfigName"], after["ProductionVariants"][0]["CurrentServerlessConfig"]["MaxConcurrency"], "PendingDeploymentSummary" in after], "answer": answer}
sm.delete_endpoint(EndpointName="py-ep")

# a tuning job, then a warm-started one
def tuning(name, warm=None):
    kw = dict(HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={"Strategy": "Bayesian", "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "validation:rmse"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 3, "MaxParallelTrainingJobs": 3},
            "ParameterRanges": {"ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.1", "MaxValue": "0.4"}]}},
        TrainingJobDefinition={"StaticHyperParameters": {"num_round": "2"}, "AlgorithmSpecification": algo, "RoleArn": role, "InputDataConfig": chan,
            "OutputDataConfig": {"S3OutputPath": "file://" + out}, "ResourceConfig": res, "StoppingCondition": {"MaxRuntimeInSeconds": 60}})
    if warm: kw["WarmStartConfig"] = warm
    sm.create_hyper_parameter_tuning_job(**kw)
    while True:
        d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        if d["HyperParameterTuningJobStatus"] in ("Completed", "Failed", "Stopped"): return d
        time.sleep(0.3)
tuning("py-parent")
d = tuning("py-warm", {"ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "py-parent"}], "WarmStartType": "IdenticalDataAndAlgorithm"})
result["warm"] = {"status": d["HyperParameterTuningJobStatus"], "type": d["WarmStartConfig"]["WarmStartType"], "overall": d["OverallBestTrainingJob"]["TrainingJobName"]}
try:
    tuning("py-six", {"ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "py-parent"}] * 6, "WarmStartType": "TransferLearning"})
except sm.exceptions.ClientError as e:
    result["six"] = e.response["Error"]
print(json.dumps(result))
`;

test("AWS CLI: aws logs tail --follow shows a running job's lines as they come; get-log-events; a transform job; a warm start", async () => {
  if (!hasCli) {
    console.log(`  skipped: ${AWS} is missing (Debian package awscli)`);
    return;
  }
  const cli = async (...args: string[]) => JSON.parse(await run(AWS, ["--endpoint-url", ctx.srv.url, "--output", "json", ...args]));
  // a warm-started tuning job with the CLI, from a parent it also starts: started first, it runs while the
  // training job's log is followed and the transform job runs (other job names; the tail follows cli-train/ only)
  const tuning = (name: string, extra: string[] = []) =>
    cli("sagemaker", "create-hyper-parameter-tuning-job", "--hyper-parameter-tuning-job-name", name,
      "--hyper-parameter-tuning-job-config", JSON.stringify({ Strategy: "Random", HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" }, ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 }, ParameterRanges: { IntegerParameterRanges: [{ Name: "max_depth", MinValue: "2", MaxValue: "8" }] } }),
      "--training-job-definition", JSON.stringify({ StaticHyperParameters: { num_round: "2" }, AlgorithmSpecification: { TrainingImage: "x", TrainingInputMode: "File", MetricDefinitions: [{ Name: "validation:rmse", Regex: "validation-rmse:([0-9.]+)" }] }, RoleArn: "arn:aws:iam::123456789012:role/R", InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${data}` } } }], OutputDataConfig: { S3OutputPath: `file://${out}` }, ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 }, StoppingCondition: { MaxRuntimeInSeconds: 60 } }),
      ...extra);
  const finished = (name: string) =>
    until(async () => {
      const d = await cli("sagemaker", "describe-hyper-parameter-tuning-job", "--hyper-parameter-tuning-job-name", name);
      return d.HyperParameterTuningJobStatus !== "InProgress" && d;
    }, `tuning job ${name}`, 60_000);
  const warmStarted = (async () => {
    await tuning("cli-parent");
    await finished("cli-parent");
    await tuning("cli-warm", ["--warm-start-config", JSON.stringify({ ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "cli-parent" }], WarmStartType: "TransferLearning" })]);
    return finished("cli-warm");
  })();
  warmStarted.catch(() => undefined); // awaited at the end (a failure fails the test there)
  // follow the group while a slow job runs
  const seen: { line: string; at: number }[] = [];
  const tail = spawn(AWS, ["--endpoint-url", ctx.srv.url, "logs", "tail", "/aws/sagemaker/TrainingJobs", "--log-stream-name-prefix", "cli-train/", "--follow", "--format", "short"], { env });
  let buf = "";
  tail.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split("\n");
    buf = lines.pop()!;
    for (const l of lines) seen.push({ line: l, at: Date.now() });
  });
  try {
    await cli("sagemaker", "create-training-job", "--training-job-name", "cli-train", "--role-arn", "arn:aws:iam::123456789012:role/R",
      "--algorithm-specification", "TrainingImage=x,TrainingInputMode=File", "--hyper-parameters", "num_round=10,sleep_ms=600",
      "--input-data-config", JSON.stringify([{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${data}` } } }]),
      "--output-data-config", `S3OutputPath=file://${out}`, "--resource-config", "InstanceType=ml.m5.large,InstanceCount=1,VolumeSizeInGB=1",
      "--stopping-condition", "MaxRuntimeInSeconds=60");
    await until(async () => seen.some((s) => /train-rmse:/.test(s.line)) && seen, "the tail to show the last lines", 60_000);
  } finally {
    tail.kill("SIGTERM");
  }
  const rounds = seen.filter((s) => /\[\d+\] validation-rmse/.test(s.line));
  assert.is(rounds.length, 10);
  // `tail --follow` polls every 5 s: the rounds (6 s of training) came in more than one poll, i.e. while the job ran
  assert.ok(rounds[rounds.length - 1].at - rounds[0].at >= 1000, JSON.stringify(rounds.map((r) => r.at - rounds[0].at)));
  const streams = await cli("logs", "describe-log-streams", "--log-group-name", "/aws/sagemaker/TrainingJobs", "--log-stream-name-prefix", "cli-train/");
  const stream = streams.logStreams[0].logStreamName;
  const ev = await cli("logs", "get-log-events", "--log-group-name", "/aws/sagemaker/TrainingJobs", "--log-stream-name", stream, "--start-from-head");
  assert.is(ev.events.filter((e: { message: string }) => /^\[\d+\]/.test(e.message)).length, 10);
  assert.match(ev.nextForwardToken, /^f\//);
  assert.ok(ev.events.every((e: { timestamp: number; ingestionTime: number }) => e.timestamp > 1.6e12 && e.ingestionTime >= e.timestamp));

  // a transform job to completion with the CLI, and its output
  const artifact = (await cli("sagemaker", "describe-training-job", "--training-job-name", "cli-train")).ModelArtifacts.S3ModelArtifacts;
  await cli("sagemaker", "create-model", "--model-name", "cli-model", "--execution-role-arn", "arn:aws:iam::123456789012:role/R", "--primary-container", JSON.stringify({ Image: "x", ModelDataUrl: artifact }));
  await cli("sagemaker", "create-transform-job", "--transform-job-name", "cli-transform", "--model-name", "cli-model", "--batch-strategy", "MultiRecord",
    "--transform-input", JSON.stringify({ DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${data}/rows.csv` } }, ContentType: "text/csv", SplitType: "Line" }),
    "--transform-output", JSON.stringify({ S3OutputPath: `file://${out}/cli-transform`, Accept: "text/csv", AssembleWith: "Line" }),
    "--transform-resources", "InstanceType=ml.m5.large,InstanceCount=1");
  const t = await until(async () => {
    const d = await cli("sagemaker", "describe-transform-job", "--transform-job-name", "cli-transform");
    return d.TransformJobStatus !== "InProgress" && d;
  }, "the CLI's transform job", 60_000);
  assert.is(t.TransformJobStatus, "Completed", t.FailureReason);
  assert.is(fs.readFileSync(path.join(out, "cli-transform", "rows.csv.out"), "utf8"), "5.25\n5.25\n5.25\n"); // the fake model's objective per row

  const w = await warmStarted;
  assert.is(w.HyperParameterTuningJobStatus, "Completed");
  assert.is(w.WarmStartConfig.WarmStartType, "TransferLearning");
  // OverallBestTrainingJob is IdenticalDataAndAlgorithm's (the API reference); boto3's warm start below has one
  assert.is(w.OverallBestTrainingJob, undefined);
});

test("boto3: training log through the logs client, a transform job to completion, a warm-started tuning job", async () => {
  if (!hasBoto3) {
    console.log(`  skipped: ${PYTHON} cannot import boto3 (Debian package python3-boto3)`);
    return;
  }
  const r = JSON.parse(await boto3Run!);
  assert.match(r.train.stream, /^py-train\/algo-1-\d+$/);
  assert.equal(r.train.messages.filter((m: string) => /^\[\d+\] /.test(m)).length, 12);
  assert.is(r.train.messages[r.train.messages.length - 1], "validation-rmse:5.25000;"); // eta 0.3, max_depth 6
  assert.ok(r.train.pages >= 4, "paged 5 at a time");
  assert.is(r.train.filtered.length, 13);
  assert.is(r.transform.status, "Completed");
  // the fake model answers its objective for every row; JoinSource Input + $[0,-1]: first field, then the answer
  assert.is(r.transform.output, "1,5.25\n4,5.25\n7,5.25\n");
  assert.ok(r.transform.listed.includes("py-transform"));
  // a throttled invocation is status 400 with its code, and boto3 retries it in both modes (1 retry allowed here)
  assert.equal(r.throttled, { legacy: ["ThrottlingException", 400, 1], standard: ["ThrottlingException", 400, 1] });
  assert.equal(r.update.during, ["Updating", "py-cfg-a", "py-cfg-b"]);
  assert.equal(r.update.after, ["InService", "py-cfg-b", 2, false]);
  assert.is(r.update.answer, "5.25\n");
  assert.is(r.ascii.Code, "ValidationError");
  assert.match(r.ascii.Message, /Value 'café' at 'customAttributes' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p\{ASCII\}\*/);
  assert.equal([r.warm.status, r.warm.type], ["Completed", "IdenticalDataAndAlgorithm"]);
  assert.match(r.warm.overall, /^py-(parent|warm)-\d{3}-/);
  assert.is(r.six.Code, "ValidationException");
  assert.match(r.six.Message, /Member must have length less than or equal to 5/);
});

test.run();
