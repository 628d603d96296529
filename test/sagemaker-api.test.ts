/** The local SageMaker with the raw, unmodified AWS SDK clients (fake trainer: test/fixtures/sagemaker-fake-trainer.cjs). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { execFileSync } from "child_process";
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  StopTrainingJobCommand,
  CreateModelCommand,
  DescribeModelCommand,
  DeleteModelCommand,
  CreateEndpointConfigCommand,
  DescribeEndpointConfigCommand,
  DeleteEndpointConfigCommand,
  CreateEndpointCommand,
  DescribeEndpointCommand,
  DeleteEndpointCommand,
  UpdateEndpointCommand,
  ListEndpointsCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  ResourceInUse,
  ResourceLimitExceeded,
  SageMakerServiceException,
  waitUntilTrainingJobCompletedOrStopped,
  waitUntilEndpointInService,
  waitUntilEndpointDeleted,
  paginateListTrainingJobs,
  CreateTransformJobCommand,
  DescribeTransformJobCommand,
  ListTransformJobsCommand,
  waitUntilTransformJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointAsyncCommand, InvokeEndpointCommand, InvokeEndpointWithResponseStreamCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { localServer, trainingRequest, tmpDir, until, ROLE, rejects, sleep, serviceModelShapes } from "./sagemaker-helpers";

let ctx: Awaited<ReturnType<typeof localServer>>;
let data: string;
let out: string;
// the waiter resolves on Completed/Stopped and throws (checkExceptions) on Failed
const waitJob = (name: string) =>
  waitUntilTrainingJobCompletedOrStopped({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TrainingJobName: name }).catch((e) => {
    const r = JSON.parse(e.message);
    assert.is(r.state, "FAILURE");
    return r as { state: string };
  });

test.before(async () => {
  ctx = await localServer({ maxConcurrentTrainingJobs: 3 });
  data = tmpDir("data");
  fs.writeFileSync(path.join(data, "train.csv"), "1,2,3\n4,5,6\n7,8,9\n");
  out = tmpDir("out");
});
test.after(async () => {
  await ctx.srv.close();
  ctx.sm.destroy();
  ctx.rt.destroy();
});

test("training job: create → waiter → Completed, metrics, transitions, a real model.tar.gz", async () => {
  const r = await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-ok", `file://${data}`, out, { eta: "0.35", max_depth: "5" })));
  assert.is(r.TrainingJobArn, "arn:aws:sagemaker:us-east-1:000000000000:training-job/job-ok");
  const w = await waitJob("job-ok");
  assert.is(w.state, "SUCCESS");
  const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-ok" }));
  assert.is(d.TrainingJobStatus, "Completed");
  assert.ok(d.CreationTime instanceof Date && Math.abs(d.CreationTime.getTime() - Date.now()) < 120000);
  assert.equal(d.SecondaryStatusTransitions!.map((s) => s.Status), ["Starting", "Downloading", "Training", "Uploading", "Completed"]);
  const expected = 100 * (0.35 - 0.25) ** 2 + (5 - 4) ** 2 + 1; // the fake trainer's objective
  const m = Object.fromEntries(d.FinalMetricDataList!.map((x) => [x.MetricName, x.Value]));
  assert.ok(Math.abs(m["validation:rmse"]! - expected) < 1e-4, JSON.stringify(m));
  assert.ok(Math.abs(m["train:rmse"]! - expected * 0.8) < 1e-4);
  assert.is(d.HyperParameters!.eta, "0.35");
  const tgz = d.ModelArtifacts!.S3ModelArtifacts!;
  assert.is(tgz, `file://${out}/job-ok/output/model.tar.gz`);
  const listing = execFileSync("tar", ["tzf", tgz.slice(7)]).toString().split("\n").filter(Boolean).sort();
  assert.equal(listing, ["manifest.json", "sub/", "sub/member.json"]);
  const manifest = JSON.parse(execFileSync("tar", ["xzOf", tgz.slice(7), "manifest.json"]).toString());
  assert.is(manifest.hyperparameters.max_depth, "5");
  const list = await ctx.sm.send(new ListTrainingJobsCommand({ NameContains: "job-ok" }));
  assert.equal(list.TrainingJobSummaries!.map((s) => [s.TrainingJobName, s.TrainingJobStatus]), [["job-ok", "Completed"]]);
  // the channel arrived as input/data/train/ and the config files exist
  const optml = path.join(ctx.dir, "training-jobs", "job-ok", "opt_ml");
  assert.equal(JSON.parse(fs.readFileSync(path.join(optml, "input/config/hyperparameters.json"), "utf8")).max_depth, "5");
  assert.ok(JSON.parse(fs.readFileSync(path.join(optml, "input/config/inputdataconfig.json"), "utf8")).train);
  assert.is(JSON.parse(fs.readFileSync(path.join(optml, "input/config/resourceconfig.json"), "utf8")).current_host, "algo-1");
  assert.ok(fs.existsSync(path.join(optml, "input/data/train/train.csv")));
  // logs kept in the state dir (and in CloudWatch Logs: test/sagemaker-logs.test.ts)
  assert.match(fs.readFileSync(path.join(ctx.dir, "training-jobs", "job-ok", "log.txt"), "utf8"), /train channel: 1 file\(s\), 3 line\(s\)/);
});

test("training job: an s3:// channel without an S3 endpoint (the local S3 folder) takes every object whose key begins with the prefix, as S3Prefix does — the part after the prefix its name", async () => {
  const bucket = path.join(ctx.dir, "s3", "bkt", "data");
  fs.mkdirSync(path.join(bucket, "ro"), { recursive: true });
  fs.writeFileSync(path.join(bucket, "rows.csv"), "1,2,3\n");
  fs.writeFileSync(path.join(bucket, "ro", "more.csv"), "4,5,6\n");
  fs.writeFileSync(path.join(bucket, "other.csv"), "7,8,9\n");
  // a dot file is an object as S3 lists it; an interrupted atomic write's temporary (storage.ts TMP_FILE) is not
  fs.writeFileSync(path.join(bucket, "ro", ".notes.csv"), "1,1,1\n");
  fs.writeFileSync(path.join(bucket, "ro", ".more.csv.4242.0.tmp"), "half");
  const got = async (name: string, uri: string) => {
    await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest(name, uri, out)));
    await waitJob(name);
    const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    const dir = path.join(ctx.dir, "training-jobs", name, "opt_ml", "input", "data", "train");
    const files = fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort() : [];
    return { status: d.TrainingJobStatus, reason: d.FailureReason, files };
  };
  // data/ro: the object data/rows.csv, named whole as AWS names a file the prefix matches partly ("in remote jobs,
  // [it] will name the files they matched using their full basename", aws/sagemaker-python-sdk#3612 — it was "ws.csv",
  // the part after the prefix, as the Python SDK's local mode names it), and the folder data/ro/'s files
  assert.equal(await got("job-s3-prefix", "s3://bkt/data/ro"), { status: "Completed", reason: undefined, files: [".notes.csv", "more.csv", "rows.csv"] });
  assert.equal(await got("job-s3-folder", "s3://bkt/data/ro/"), { status: "Completed", reason: undefined, files: [".notes.csv", "more.csv"] });
  const none = await got("job-s3-none", "s3://bkt/data/zz");
  assert.is(none.status, "Failed");
  assert.match(none.reason!, /^ClientError: Channel train: s3:\/\/bkt\/data\/zz does not exist \(no S3 endpoint configured: no object under that prefix/);
});

test("training job: trainer failure → Failed with the reason from output/failure", async () => {
  await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-fail", `file://${data}/train.csv`, out, { fail: "true" })));
  const w = await waitJob("job-fail");
  assert.is(w.state, "FAILURE");
  const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-fail" }));
  assert.is(d.TrainingJobStatus, "Failed");
  assert.match(d.FailureReason!, /AlgorithmError: hyperparameter fail="true": failing on purpose/);
});

test("training job: a failed job's model/ and output/data/ are uploaded, as SageMaker uploads them at the end of the training job whatever its end (they were lost)", async () => {
  await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-fail-out", `file://${data}/train.csv`, out, { fail: "true", fail_with_output: "true" })));
  await waitJob("job-fail-out");
  const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-fail-out" }));
  assert.is(d.TrainingJobStatus, "Failed");
  assert.match(d.FailureReason!, /^AlgorithmError: hyperparameter fail="true": failing on purpose/);
  assert.is(d.ModelArtifacts?.S3ModelArtifacts, `file://${out}/job-fail-out/output/model.tar.gz`);
  assert.equal(JSON.parse(execFileSync("tar", ["xzOf", path.join(out, "job-fail-out", "output", "model.tar.gz"), "checkpoint.json"]).toString()), { round: 1 });
  assert.is(execFileSync("tar", ["xzOf", path.join(out, "job-fail-out", "output", "output.tar.gz"), "diagnostics.txt"]).toString(), "what went wrong\n");
});

test("training job: trainer killed mid-job → Failed with a reason", async () => {
  await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-killed", `file://${data}`, out, { hang: "true" })));
  const pidFile = path.join(ctx.dir, "training-jobs", "job-killed", "pid");
  const pid = await until(async () => fs.existsSync(pidFile) && Number(fs.readFileSync(pidFile, "utf8")), "trainer pid");
  await until(async () => /hanging/.test(fs.readFileSync(path.join(ctx.dir, "training-jobs", "job-killed", "log.txt"), "utf8")), "trainer running");
  process.kill(pid, "SIGKILL");
  await waitJob("job-killed");
  const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-killed" }));
  assert.is(d.TrainingJobStatus, "Failed");
  assert.match(d.FailureReason!, /killed by signal SIGKILL/);
});

test("training job: StopTrainingJob → Stopped; stopping a finished job → ValidationException", async () => {
  await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-stop", `file://${data}`, out, { hang: "true" })));
  await until(async () => (await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-stop" }))).SecondaryStatus === "Training", "Training");
  await ctx.sm.send(new StopTrainingJobCommand({ TrainingJobName: "job-stop" }));
  const w = await waitJob("job-stop");
  assert.is(w.state, "SUCCESS"); // the waiter treats Stopped as done
  const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-stop" }));
  assert.is(d.TrainingJobStatus, "Stopped");
  await rejects(ctx.sm.send(new StopTrainingJobCommand({ TrainingJobName: "job-stop" })), "ValidationException", /status Stopped/);
});

test("training job: StopTrainingJob while its backend is being chosen (docker image inspect) → Stopped without its container ever starting (it started after the stop: Training after Stopping)", async () => {
  // a `docker` that takes 3 s to say it has no such image: the window between the channels' download and the container's start
  const bin = tmpDir("slow-docker");
  fs.writeFileSync(path.join(bin, "docker"), "#!/bin/sh\nsleep 3\necho 'Error: No such image' >&2\nexit 1\n", { mode: 0o755 });
  const savedPath = process.env.PATH;
  process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
  const local = await localServer({ backend: "auto" });
  try {
    await local.sm.send(new CreateTrainingJobCommand(trainingRequest("job-stop-choosing", `file://${data}`, out)));
    const log = path.join(local.dir, "training-jobs", "job-stop-choosing", "log.txt");
    await until(async () => fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("channel train:"), "the channel downloaded");
    await local.sm.send(new StopTrainingJobCommand({ TrainingJobName: "job-stop-choosing" }));
    await waitUntilTrainingJobCompletedOrStopped({ client: local.sm, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TrainingJobName: "job-stop-choosing" });
    const d = await local.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-stop-choosing" }));
    assert.is(d.TrainingJobStatus, "Stopped");
    assert.equal(d.SecondaryStatusTransitions!.map((t) => t.Status), ["Starting", "Downloading", "Stopping", "Stopped"]);
    assert.not.match(fs.readFileSync(log, "utf8"), /backend process|train channel:/); // no container was started
  } finally {
    process.env.PATH = savedPath;
    await local.srv.close();
    local.sm.destroy();
    local.rt.destroy();
  }
});

test("training job: StopTrainingJob gives the container SageMaker's SIGTERM window — a model saved 6 s after the SIGTERM is uploaded (it was SIGKILLed after 5 s)", async () => {
  const doc = serviceModelShapes().StoppingCondition.documentation ?? "";
  const windowS = Number(/delays job termination for (\d+) seconds/.exec(doc)?.[1]);
  assert.ok(windowS > 6, `the documented window: ${windowS} s`);
  await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-stop-save", `file://${data}`, out, { hang: "true", save_on_term: "true", term_save_ms: "6000" })));
  // once the trainer runs (its SIGTERM handler set): it prints "hanging"
  const log = path.join(ctx.dir, "training-jobs", "job-stop-save", "log.txt");
  await until(async () => fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("hanging"), "the trainer hanging");
  await ctx.sm.send(new StopTrainingJobCommand({ TrainingJobName: "job-stop-save" }));
  await waitJob("job-stop-save");
  const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-stop-save" }));
  assert.is(d.TrainingJobStatus, "Stopped");
  assert.equal(JSON.parse(execFileSync("tar", ["xzOf", d.ModelArtifacts!.S3ModelArtifacts!.slice(7), "saved-on-term.json"]).toString()), { saved: "on SIGTERM" });
});

test("training job: a StoppingCondition without MaxRuntimeInSeconds gets the documented default (it ran without a limit)", async () => {
  const doc = serviceModelShapes().StoppingCondition.members!.MaxRuntimeInSeconds.documentation ?? "";
  const days = Number(/The default value is (\d+) day/.exec(doc)?.[1]);
  assert.ok(days >= 1, doc);
  const req = trainingRequest("job-default-rt", `file://${data}`, out);
  req.StoppingCondition = {};
  await ctx.sm.send(new CreateTrainingJobCommand(req));
  await waitJob("job-default-rt");
  const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-default-rt" }));
  assert.is(d.TrainingJobStatus, "Completed");
  assert.equal(d.StoppingCondition, { MaxRuntimeInSeconds: days * 86400 });
  // the service model's largest MaxRuntimeInSeconds (28 days) is past what one Node timer holds (24.8 days): such a job
  // was stopped 1 ms after its start, MaxRuntimeExceeded
  const longest = Number(/The maximum value is (\d+) days/.exec(doc)?.[1]) * 86400;
  assert.ok(longest * 1000 > 2 ** 31 - 1, doc);
  const long = trainingRequest("job-longest-rt", `file://${data}`, out);
  long.StoppingCondition = { MaxRuntimeInSeconds: longest };
  await ctx.sm.send(new CreateTrainingJobCommand(long));
  await waitJob("job-longest-rt");
  const l = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-longest-rt" }));
  assert.equal([l.TrainingJobStatus, l.SecondaryStatus], ["Completed", "Completed"]);
});

test("training job: MaxRuntimeInSeconds → Stopped / MaxRuntimeExceeded, with what the algorithm saved in its SIGTERM window uploaded (it was lost)", async () => {
  // the service model's StoppingCondition: "SageMaker sends the algorithm the SIGTERM signal … Algorithms can use this
  // 120-second window to save the model artifacts, so the results of training are not lost"
  const doc = serviceModelShapes().StoppingCondition;
  assert.match(doc.documentation ?? "", /SIGTERM[\s\S]*save the model artifacts/);
  const req = trainingRequest("job-maxrt", `file://${data}`, out, { hang: "true", save_on_term: "true" });
  req.StoppingCondition = { MaxRuntimeInSeconds: 1 };
  await ctx.sm.send(new CreateTrainingJobCommand(req));
  await waitJob("job-maxrt");
  const d = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-maxrt" }));
  assert.is(d.TrainingJobStatus, "Stopped");
  assert.is(d.SecondaryStatus, "MaxRuntimeExceeded");
  const tgz = d.ModelArtifacts?.S3ModelArtifacts;
  assert.is(tgz, `file://${out}/job-maxrt/output/model.tar.gz`);
  assert.equal(JSON.parse(execFileSync("tar", ["xzOf", tgz!.slice(7), "saved-on-term.json"]).toString()), { saved: "on SIGTERM" });
});

test("training job: validation errors as AWS returns them (right exception classes)", async () => {
  const base = trainingRequest("job-v", `file://${data}`, out);
  const e1 = await rejects(ctx.sm.send(new CreateTrainingJobCommand({ ...base, RoleArn: undefined })), "ValidationException", /Value null at 'roleArn' failed to satisfy constraint: Member must not be null/);
  assert.ok(e1 instanceof SageMakerServiceException);
  assert.is(e1.$metadata.httpStatusCode, 400);
  await rejects(ctx.sm.send(new CreateTrainingJobCommand({ ...base, TrainingJobName: "bad_name" })), "ValidationException", /Member must satisfy regular expression pattern: \^\[a-zA-Z0-9\]\(-\*\[a-zA-Z0-9\]\)\{0,62\}/);
  await rejects(ctx.sm.send(new CreateTrainingJobCommand({ ...base, TrainingJobName: "x".repeat(64) })), "ValidationException");
  await rejects(ctx.sm.send(new CreateTrainingJobCommand({ ...base, TrainingJobName: "../escape" })), "ValidationException");
  await rejects(ctx.sm.send(new CreateTrainingJobCommand({ ...base, StoppingCondition: undefined, OutputDataConfig: undefined })), "ValidationException", /^2 validation errors detected/);
  await rejects(ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-v", `file://${data}/../etc`, out))), "ValidationException", /absolute path without '\.\.'/);
  await rejects(ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-v", `file://relative/path`, out))), "ValidationException");
  await rejects(ctx.sm.send(new CreateTrainingJobCommand({ ...base, ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1 } })), "ValidationException", /volumeSizeInGB/);
  // InputDataConfig's least length, the service model's (an empty list was accepted and the job ran without channels)
  const minChannels = serviceModelShapes().InputDataConfig.min!;
  await rejects(ctx.sm.send(new CreateTrainingJobCommand({ ...base, InputDataConfig: base.InputDataConfig.slice(0, minChannels - 1) })), "ValidationException", new RegExp(`^1 validation error detected: Value '\\[\\]' at 'inputDataConfig' failed to satisfy constraint: Member must have length greater than or equal to ${minChannels}$`));
  // an unknown training job: ValidationException "Requested resource not found.", as SageMaker answers (aws/aws-sdk#165;
  // boto3's TrainingJobCompletedOrStopped waiter fails on it), for Describe and Stop
  await rejects(ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "no-such-job" })), "ValidationException", /^Requested resource not found\.$/);
  await rejects(ctx.sm.send(new StopTrainingJobCommand({ TrainingJobName: "no-such-job" })), "ValidationException", /^Requested resource not found\.$/);
  const dup = await rejects(ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-ok", `file://${data}`, out))), "ResourceInUse", /already exists/);
  assert.ok(dup instanceof ResourceInUse);
  await rejects(ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("JOB-OK", `file://${data}`, out))), "ResourceInUse", /already exists \(arn:aws:sagemaker:us-east-1:000000000000:training-job\/job-ok\)/);
  // an output path on an existing object is refused when the job is created (it trained to its end, then failed: ENOTDIR)
  fs.writeFileSync(path.join(out, "an-object"), "x");
  await rejects(ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-on-object", `file://${data}`, path.join(out, "an-object", "sub")))), "ValidationException", /OutputDataConfig\.S3OutputPath: file:\/\/.*an-object\/sub is under the prefix of an existing object/);
  // missing data → the job fails (ClientError), as on AWS
  await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-nodata", `file://${data}/missing.csv`, out)));
  await waitJob("job-nodata");
  assert.match((await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-nodata" }))).FailureReason!, /ClientError: .*missing\.csv does not exist/);
  // a channel whose folder holds no file: the job fails (it completed, with a model trained on no data)
  const empty = tmpDir("empty-channel");
  await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("job-emptydata", `file://${empty}`, out)));
  await waitJob("job-emptydata");
  const emptyJob = await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "job-emptydata" }));
  assert.is(emptyJob.TrainingJobStatus, "Failed");
  assert.is(emptyJob.FailureReason, `ClientError: Channel train: no objects under file://${empty}`);
  // a NUL byte in the output path: refused as the job is created, not after its training
  await rejects(ctx.sm.send(new CreateTrainingJobCommand({ ...base, TrainingJobName: "job-nul", OutputDataConfig: { S3OutputPath: `file://${out}\u0000x` } })), "ValidationException", /OutputDataConfig\.S3OutputPath: the URI holds a NUL byte/);
});

test("training job: ResourceConfig.InstanceType is one of the service model's training instance types (ml.m5.medium, not one, was accepted and ran)", async () => {
  const types = serviceModelShapes().TrainingInstanceType.enum!;
  assert.ok(types.includes("ml.m5.large") && !types.includes("ml.m5.medium"), "botocore's TrainingInstanceType");
  const base = trainingRequest("job-type", `file://${data}`, out);
  await rejects(
    ctx.sm.send(new CreateTrainingJobCommand({ ...base, ResourceConfig: { ...base.ResourceConfig, InstanceType: "ml.m5.medium" } })),
    "ValidationException",
    /^1 validation error detected: Value 'ml\.m5\.medium' at 'resourceConfig\.instanceType' failed to satisfy constraint: Member must satisfy enum value set: \[.*ml\.m5\.large/,
  );
  // every type the model lists passes (the request's one problem, no role, is all that is said)
  for (const t of types)
    await rejects(ctx.sm.send(new CreateTrainingJobCommand({ ...base, RoleArn: undefined, ResourceConfig: { ...base.ResourceConfig, InstanceType: t as never } })), "ValidationException", /^1 validation error detected: Value null at 'roleArn'/);
});

test("training job: ResourceConfig.VolumeSizeInGB below the service model's minimum and an InstanceCount of 0 or none are refused (they were accepted and ran on one instance)", async () => {
  const shapes = serviceModelShapes();
  const base = trainingRequest("job-rc", `file://${data}`, out);
  const minVolume = shapes.VolumeSizeInGB.min!;
  await rejects(
    ctx.sm.send(new CreateTrainingJobCommand({ ...base, ResourceConfig: { ...base.ResourceConfig, VolumeSizeInGB: minVolume - 1 } })),
    "ValidationException",
    new RegExp(`^1 validation error detected: Value '${minVolume - 1}' at 'resourceConfig\\.volumeSizeInGB' failed to satisfy constraint: Member must have value greater than or equal to ${minVolume}$`),
  );
  // the model's minimum, 0, is InstanceGroups' (heterogeneous clusters, whose jobs describe InstanceCount 0); it is no instance count for a job without them
  assert.is(shapes.TrainingInstanceCount.min, 0);
  assert.ok(shapes.ResourceConfig.members!.InstanceGroups, "botocore's ResourceConfig has InstanceGroups");
  for (const InstanceCount of [0, undefined])
    await rejects(ctx.sm.send(new CreateTrainingJobCommand({ ...base, ResourceConfig: { ...base.ResourceConfig, InstanceCount } })), "ValidationException", /ResourceConfig\.InstanceCount must be at least 1/);
  const listed = await ctx.sm.send(new ListTrainingJobsCommand({ NameContains: "job-rc" }));
  assert.equal(listed.TrainingJobSummaries, []);
});

test("training job: ResourceLimitExceeded beyond the concurrent job limit", async () => {
  for (const n of ["lim-1", "lim-2", "lim-3"]) await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest(n, `file://${data}`, out, { hang: "true" })));
  const e = await rejects(ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("lim-4", `file://${data}`, out))), "ResourceLimitExceeded", /current utilization of 3/);
  assert.ok(e instanceof ResourceLimitExceeded);
  for (const n of ["lim-1", "lim-2", "lim-3"]) await ctx.sm.send(new StopTrainingJobCommand({ TrainingJobName: n }));
  for (const n of ["lim-1", "lim-2", "lim-3"]) await waitJob(n);
});

test("training job: a Stopping job still counts towards the concurrent job limit (its container is saving its model in the SIGTERM window)", async () => {
  const hp = { hang: "true", save_on_term: "true", term_save_ms: "3000" };
  for (const n of ["slim-1", "slim-2", "slim-3"]) await ctx.sm.send(new CreateTrainingJobCommand(trainingRequest(n, `file://${data}`, out, hp)));
  // its SIGTERM handler is set once it prints "hanging" (before, a SIGTERM ends it at once)
  const log = path.join(ctx.dir, "training-jobs", "slim-1", "log.txt");
  await until(async () => fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("hanging"), "slim-1 hanging");
  await ctx.sm.send(new StopTrainingJobCommand({ TrainingJobName: "slim-1" }));
  assert.is((await ctx.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "slim-1" }))).TrainingJobStatus, "Stopping");
  await rejects(ctx.sm.send(new CreateTrainingJobCommand(trainingRequest("slim-4", `file://${data}`, out))), "ResourceLimitExceeded", /current utilization of 3/);
  for (const n of ["slim-2", "slim-3"]) await ctx.sm.send(new StopTrainingJobCommand({ TrainingJobName: n }));
  for (const n of ["slim-1", "slim-2", "slim-3"]) await waitJob(n);
});

test("ListTrainingJobs: the SDK paginator walks NextToken pages; filters and sort orders", async () => {
  const names: string[] = [];
  let pages = 0;
  for await (const page of paginateListTrainingJobs({ client: ctx.sm, pageSize: 3 }, { SortBy: "Name", SortOrder: "Ascending" })) {
    pages++;
    names.push(...page.TrainingJobSummaries!.map((s) => s.TrainingJobName!));
  }
  assert.equal(names, [...names].sort());
  assert.ok(names.length >= 8 && pages === Math.ceil(names.length / 3), `${names.length} jobs in ${pages} pages`);
  const failed = await ctx.sm.send(new ListTrainingJobsCommand({ StatusEquals: "Failed", MaxResults: 100 }));
  assert.equal(failed.TrainingJobSummaries!.map((s) => s.TrainingJobName).sort(), ["job-emptydata", "job-fail", "job-fail-out", "job-killed", "job-nodata", "job-s3-none"]);
  const after = await ctx.sm.send(new ListTrainingJobsCommand({ CreationTimeAfter: new Date(Date.now() + 60000) }));
  assert.equal(after.TrainingJobSummaries, []);
});

test("ListTrainingJobs: StatusEquals filters each page of MaxResults jobs once it is taken, as the API reference says AWS does (pages held MaxResults of that status)", async () => {
  const doc = execFileSync("/usr/bin/python3", ["-c", "import botocore.session as s; print(s.get_session().get_service_model('sagemaker').operation_model('ListTrainingJobs').documentation)"], { encoding: "utf8" });
  assert.match(doc, /MaxResults<\/code> number of training jobs are first retrieved ignoring the <code>StatusEquals<\/code> parameter and then they are filtered/);
  const pages = async (extra: object) => {
    const out: { names: string[]; next?: string }[] = [];
    let NextToken: string | undefined;
    do {
      const r = await ctx.sm.send(new ListTrainingJobsCommand({ MaxResults: 2, NextToken, ...extra }));
      out.push({ names: r.TrainingJobSummaries!.map((s) => `${s.TrainingJobName} ${s.TrainingJobStatus}`), next: r.NextToken });
      NextToken = r.NextToken;
    } while (NextToken);
    return out;
  };
  const all = await pages({});
  const failed = await pages({ StatusEquals: "Failed" });
  assert.equal(failed, all.map((p) => ({ ...p, names: p.names.filter((n) => n.endsWith(" Failed")) })));
  // (the Failed jobs are the other tests' of this file: some, on pages of fewer than MaxResults)
  assert.ok(failed.some((p) => p.names.length < 2) && failed.flatMap((p) => p.names).length > 0, JSON.stringify(failed));
});

test("model, endpoint config, serverless endpoint: create/describe/list, invoke with header pass-through, delete", async () => {
  const artifact = `file://${out}/job-ok/output/model.tar.gz`;
  const m = await ctx.sm.send(new CreateModelCommand({ ModelName: "m1", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img:latest", ModelDataUrl: artifact } }));
  assert.is(m.ModelArn, "arn:aws:sagemaker:us-east-1:000000000000:model/m1");
  const dm = await ctx.sm.send(new DescribeModelCommand({ ModelName: "m1" }));
  assert.is(dm.PrimaryContainer!.ModelDataUrl, artifact);
  assert.ok(dm.CreationTime instanceof Date);
  await rejects(ctx.sm.send(new CreateModelCommand({ ModelName: "m1", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: artifact } })), "ValidationException", /Cannot create already existing model/);
  await rejects(ctx.sm.send(new DescribeModelCommand({ ModelName: "nope" })), "ValidationException", /Could not find model/);
  // ContainerImage's pattern [\S]+: an image with whitespace (a trailing space) is refused, as AWS refuses it
  await rejects(ctx.sm.send(new CreateModelCommand({ ModelName: "m-space", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "my-algo:latest " } })), "ValidationException", /Value 'my-algo:latest ' at 'primaryContainer\.image' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  // names are taken without regard to case, as AWS takes them (one ARN, arn:…:model/m1): M1 and C1 were second resources
  await rejects(ctx.sm.send(new CreateModelCommand({ ModelName: "M1", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: artifact } })), "ValidationException", /Cannot create already existing model "arn:aws:sagemaker:us-east-1:000000000000:model\/m1"/);
  const variant = (s: any) => ({ EndpointConfigName: "c-bad", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "m1", ServerlessConfig: s }] });
  await rejects(ctx.sm.send(new CreateEndpointConfigCommand(variant({ MemorySizeInMB: 1500, MaxConcurrency: 5 }))), "ValidationException", /MemorySizeInMB/);
  await rejects(ctx.sm.send(new CreateEndpointConfigCommand(variant({ MemorySizeInMB: 8192, MaxConcurrency: 5 }))), "ValidationException", /less than or equal to 6144/);
  await rejects(ctx.sm.send(new CreateEndpointConfigCommand(variant({ MemorySizeInMB: 2048, MaxConcurrency: 0 }))), "ValidationException", /greater than or equal to 1/);
  await rejects(ctx.sm.send(new CreateEndpointConfigCommand(variant({ MemorySizeInMB: 2048, MaxConcurrency: 201 }))), "ValidationException", /less than or equal to 200/);
  await rejects(
    ctx.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c-bad", ProductionVariants: [{ VariantName: "v", ModelName: "nope", ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 2 } }] })),
    "ValidationException",
    /Could not find model/,
  );
  await ctx.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c1", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "m1", ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 2 } }] }));
  await rejects(ctx.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "C1", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "m1", ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 2 } }] })), "ValidationException", /Cannot create already existing endpoint configuration/);
  const dc = await ctx.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: "c1" }));
  assert.equal(dc.ProductionVariants![0].ServerlessConfig, { MemorySizeInMB: 2048, MaxConcurrency: 2 });
  await rejects(ctx.sm.send(new CreateEndpointCommand({ EndpointName: "e1", EndpointConfigName: "nope" })), "ValidationException", /Could not find endpoint configuration/);
  await ctx.sm.send(new CreateEndpointCommand({ EndpointName: "e1", EndpointConfigName: "c1" }));
  const w = await waitUntilEndpointInService({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: "e1" });
  assert.is(w.state, "SUCCESS");
  const de = await ctx.sm.send(new DescribeEndpointCommand({ EndpointName: "e1" }));
  assert.is(de.EndpointStatus, "InService");
  assert.equal(de.ProductionVariants![0].CurrentServerlessConfig, { MemorySizeInMB: 2048, MaxConcurrency: 2 });
  assert.equal((await ctx.sm.send(new ListEndpointsCommand({}))).Endpoints!.map((e) => e.EndpointName), ["e1"]);
  // what a deploy left behind can be found (these were UnknownOperationException)
  const models = (await ctx.sm.send(new ListModelsCommand({ SortBy: "Name", SortOrder: "Ascending", MaxResults: 100 }))).Models!;
  assert.ok(models.some((x) => x.ModelName === "m1" && x.ModelArn === m.ModelArn && x.CreationTime instanceof Date), JSON.stringify(models));
  assert.equal(models.map((x) => x.ModelName), models.map((x) => x.ModelName!).sort());
  assert.equal((await ctx.sm.send(new ListEndpointConfigsCommand({ NameContains: "c1" }))).EndpointConfigs!.map((c) => c.EndpointConfigName), ["c1"]);
  await rejects(ctx.sm.send(new ListModelsCommand({ SortBy: "Status" as never })), "ValidationException", /sortBy/);
  // CreationTimeAfter is "greater than or equal to" for these three (the service model's documentation): a resource's
  // own CreationTime finds it (it found nothing); CreationTimeBefore stays strict
  assert.ok((await ctx.sm.send(new ListModelsCommand({ CreationTimeAfter: dm.CreationTime, MaxResults: 100 }))).Models!.some((x) => x.ModelName === "m1"));
  assert.equal((await ctx.sm.send(new ListEndpointConfigsCommand({ CreationTimeAfter: dc.CreationTime, NameContains: "c1" }))).EndpointConfigs!.map((c) => c.EndpointConfigName), ["c1"]);
  assert.equal((await ctx.sm.send(new ListEndpointsCommand({ CreationTimeAfter: de.CreationTime }))).Endpoints!.map((e) => e.EndpointName), ["e1"]);
  assert.equal((await ctx.sm.send(new ListEndpointsCommand({ CreationTimeBefore: de.CreationTime }))).Endpoints!, []);
  // a page resumes after the last listed item, wherever the list changed: deleting a listed item or creating one
  // before the position skips and repeats nothing (the offset token skipped the item after a deleted one)
  for (const x of ["pg-a", "pg-b", "pg-c", "pg-d", "pg-e"]) await ctx.sm.send(new CreateModelCommand({ ModelName: x, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: artifact } }));
  const p1 = await ctx.sm.send(new ListModelsCommand({ NameContains: "pg-", SortBy: "Name", SortOrder: "Ascending", MaxResults: 2 }));
  assert.equal(p1.Models!.map((x) => x.ModelName), ["pg-a", "pg-b"]);
  await ctx.sm.send(new DeleteModelCommand({ ModelName: "pg-a" }));
  const p2 = await ctx.sm.send(new ListModelsCommand({ NameContains: "pg-", SortBy: "Name", SortOrder: "Ascending", MaxResults: 2, NextToken: p1.NextToken }));
  assert.equal(p2.Models!.map((x) => x.ModelName), ["pg-c", "pg-d"]); // the offset gave pg-d, pg-e: pg-c never listed
  const q1 = await ctx.sm.send(new ListModelsCommand({ NameContains: "pg-", SortBy: "Name", SortOrder: "Ascending", MaxResults: 2 }));
  await ctx.sm.send(new CreateModelCommand({ ModelName: "pg-0", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: artifact } }));
  const q2 = await ctx.sm.send(new ListModelsCommand({ NameContains: "pg-", SortBy: "Name", SortOrder: "Ascending", MaxResults: 2, NextToken: q1.NextToken }));
  assert.equal([...q1.Models!, ...q2.Models!].map((x) => x.ModelName), ["pg-b", "pg-c", "pg-d", "pg-e"]); // the offset listed pg-c twice
  for (const x of ["pg-0", "pg-b", "pg-c", "pg-d", "pg-e"]) await ctx.sm.send(new DeleteModelCommand({ ModelName: x }));

  const r = await ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e1", Body: Buffer.from("1,2\n3,4\n"), ContentType: "text/csv", Accept: "application/json", CustomAttributes: "members=true" }));
  const body = JSON.parse(Buffer.from(r.Body!).toString());
  assert.is(body.contentType, "text/csv");
  assert.is(body.accept, "application/json");
  assert.is(body.customAttributes, "members=true");
  assert.is(body.body, "1,2\n3,4\n");
  assert.is(body.model.hyperparameters.max_depth, "5"); // the model from job-ok's model.tar.gz
  assert.is(r.ContentType, "application/json");
  assert.is(r.CustomAttributes, "echo:members=true");
  assert.is(r.InvokedProductionVariant, "AllTraffic");
  const csv = await ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e1", Body: Buffer.from("1,2\n3,4\n"), ContentType: "text/csv", Accept: "text/csv" }));
  assert.is(Buffer.from(csv.Body!).toString().trim().split("\n").length, 2);
  // a model error → ModelError with the original status
  // Expect: 100-continue to a serverless endpoint: a body declared past its 4 MB is refused before it is sent, with the
  // runtime's ValidationError, as the same body sent whole
  const declared = await new Promise<{ status: number; type: unknown; continued: boolean }>((resolve, reject) => {
    let continued = false;
    const port = Number(new URL(ctx.srv.url).port);
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/endpoints/e1/invocations", headers: { "content-type": "text/csv", "content-length": String(5 * 1048576), expect: "100-continue" }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode!, type: res.headers["x-amzn-errortype"], continued }));
    });
    req.on("continue", () => {
      continued = true;
      req.end(Buffer.alloc(5 * 1048576, 49));
    });
    req.on("error", reject);
  });
  assert.equal(declared, { status: 413, type: "ValidationError", continued: false });
  // an answer past a serverless endpoint's 4 MB is a ModelError as it passes it (it was buffered whole first); 3 MB is answered
  await rejects(ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e1", Body: Buffer.from("x"), ContentType: "text/csv", CustomAttributes: "answer_mb=20" })), "ModelError", /Received a response of more than 4 MB from primary; a serverless endpoint answers at most 4 MB/);
  const three = await ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e1", Body: Buffer.from("x"), ContentType: "text/csv", CustomAttributes: "answer_mb=3" }));
  assert.is(Buffer.from(three.Body!).length, 3 * 1048576);
  const me = await rejects(ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e1", Body: Buffer.from("x"), ContentType: "text/csv", CustomAttributes: "status=400" })), "ModelError", /Received client error \(400\)/);
  assert.is(me.OriginalStatusCode, 400);
  await rejects(ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "nope", Body: Buffer.from("x"), ContentType: "text/csv" })), "ValidationError", /Endpoint nope of account/);
  const long = await rejects(ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e".repeat(5000), Body: Buffer.from("x"), ContentType: "text/csv" })), "ValidationError", /at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  assert.ok(long.message.length < 600, `the name is not echoed whole: ${long.message.length} characters`);
  // the runtime's option headers: TargetVariant names the variant (another is refused), InferenceId within the
  // service model's constraints; what this endpoint does not have (multi-model, multi-container, explainer, inference
  // components, sessions) is a ValidationError naming the option — they were answered as if not sent
  const ask = (o: object) => ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e1", Body: Buffer.from("1,2\n"), ContentType: "text/csv", ...o }));
  assert.is((await ask({ TargetVariant: "AllTraffic", InferenceId: "req-1" })).InvokedProductionVariant, "AllTraffic");
  await rejects(ask({ TargetVariant: "Blue" }), "ValidationError", /TargetVariant Blue is not a production variant of endpoint e1/);
  await rejects(ask({ InferenceId: "x".repeat(65) }), "ValidationError", /at 'inferenceId' failed to satisfy constraint: Member must have length less than or equal to 64/);
  await rejects(ask({ TargetModel: "model-a.tar.gz" }), "ValidationError", /^Endpoint e1 is not a multi-model endpoint and does not support target model header\.$/);
  for (const [option, value] of [["TargetContainerHostname", "c1"], ["EnableExplanations", "`true`"], ["InferenceComponentName", "ic"], ["SessionId", "NEW_SESSION"]])
    await rejects(ask({ [option]: value }), "ValidationError", new RegExp(`^${option} \\(x-amzn-sagemaker-[a-z-]+\\): not supported by the local SageMaker`));
  // the headers passed to the model, as the runtime's service model constrains them (botocore's, read now): longer, or
  // not ASCII, went to the model as they were — "café" as "cafÃ©" (header bytes are Latin-1)
  const runtime = serviceModelShapes("sagemaker-runtime");
  for (const f of ["ContentType", "Accept", "CustomAttributes"]) {
    const shape = runtime[runtime.InvokeEndpointInput.members![f].shape];
    const field = `${f[0].toLowerCase()}${f.slice(1)}`;
    await rejects(ask({ [f]: "a".repeat(shape.max! + 1) }), "ValidationError", new RegExp(`at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}`));
    assert.is(shape.pattern, "\\p{ASCII}*");
    await rejects(ask({ [f]: "caf\u00e9" }), "ValidationError", new RegExp(`Value 'café' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: \\\\p\\{ASCII\\}\\*`));
  }
  assert.is((await ask({ CustomAttributes: "a".repeat(1024) })).InvokedProductionVariant, "AllTraffic");
  // the runtime's operations the local SageMaker does not have are named (they were "No route for POST …")
  await rejects(ctx.rt.send(new InvokeEndpointAsyncCommand({ EndpointName: "e1", InputLocation: "s3://b/in.csv" })), "UnknownOperationException", /^InvokeEndpointAsync \(POST \/endpoints\/e1\/async-invocations\) is an AWS operation the local SageMaker does not implement/);
  await rejects(ctx.rt.send(new InvokeEndpointWithResponseStreamCommand({ EndpointName: "e1", Body: Buffer.from("1,2\n") })), "UnknownOperationException", /^InvokeEndpointWithResponseStream \(POST \/endpoints\/e1\/invocations-response-stream\) is an AWS operation/);

  // throttling: MaxConcurrency 2, 2 + 3 parallel slow invocations → exactly 3 ThrottlingException
  const results = await Promise.allSettled(
    Array.from({ length: 5 }, () => ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e1", Body: Buffer.from("1,2\n"), ContentType: "text/csv", CustomAttributes: "delay=2500" }))),
  );
  const throttled = results.filter((x) => x.status === "rejected" && (x.reason as any).name === "ThrottlingException");
  assert.is(throttled.length, 3, JSON.stringify(results.map((x) => (x.status === "rejected" ? (x.reason as any).name : "ok"))));
  assert.is(results.filter((x) => x.status === "fulfilled").length, 2);
  // status 400, as AWS's common errors list ThrottlingException (it was 429); the SDK retries it all the same, by its
  // code: a client allowed 2 attempts makes both before giving up while the two slow invocations hold the endpoint
  assert.is((throttled[0] as PromiseRejectedResult).reason.$metadata.httpStatusCode, 400);
  const retrying = new SageMakerRuntimeClient({ endpoint: ctx.srv.url, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" }, maxAttempts: 2 });
  const held = Array.from({ length: 2 }, () => ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e1", Body: Buffer.from("1,2\n"), ContentType: "text/csv", CustomAttributes: "delay=2500" })));
  await sleep(300);
  const retried = await rejects(retrying.send(new InvokeEndpointCommand({ EndpointName: "e1", Body: Buffer.from("1,2\n"), ContentType: "text/csv" })), "ThrottlingException", /Rate exceeded/);
  assert.is(retried.$metadata.attempts, 2, "the SDK retried the throttled invocation");
  await Promise.all(held);

  // scale to zero, then a cold start on the next invocation (a new serve process)
  const before = await (await fetch(`${ctx.srv.url}/_local/endpoints/e1`)).json();
  const pid1 = body.pid;
  ctx.srv.endpoints.scaleToZero("e1");
  assert.is((await (await fetch(`${ctx.srv.url}/_local/endpoints/e1`)).json()).warm, false);
  const r2 = await ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e1", Body: Buffer.from("1,2\n"), ContentType: "text/csv", Accept: "application/json" }));
  assert.is.not(JSON.parse(Buffer.from(r2.Body!).toString()).pid, pid1);
  const after = await (await fetch(`${ctx.srv.url}/_local/endpoints/e1`)).json();
  assert.is(after.coldStarts, before.coldStarts + 1);

  await ctx.sm.send(new DeleteEndpointCommand({ EndpointName: "e1" }));
  const wd = await waitUntilEndpointDeleted({ client: ctx.sm, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { EndpointName: "e1" });
  assert.is(wd.state, "SUCCESS");
  await rejects(ctx.sm.send(new DescribeEndpointCommand({ EndpointName: "e1" })), "ValidationException", /Could not find endpoint/);
  await ctx.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: "c1" }));
  await ctx.sm.send(new DeleteModelCommand({ ModelName: "m1" }));
  await rejects(ctx.sm.send(new DeleteModelCommand({ ModelName: "m1" })), "ValidationException", /Could not find model/);
  await rejects(ctx.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: "c1" })), "ValidationException", /Could not find endpoint configuration/);
});

// a model.tar.gz of a few MB of gzip'd zeros unpacks in memory to gigabytes, enough to exhaust the server's memory
// (and a notebook kernel hosting it); past the limit the endpoint is Failed naming it, and the server answers on
test("a model.tar.gz that unpacks past SAGEMAKER_LOCAL_MAX_MODEL_BYTES fails its endpoint saying so", async () => {
  const dir = tmpDir("bomb");
  fs.mkdirSync(path.join(dir, "m"));
  fs.writeFileSync(path.join(dir, "m", "zeros.bin"), Buffer.alloc(3 << 20));
  execFileSync("tar", ["czf", path.join(dir, "model.tar.gz"), "-C", path.join(dir, "m"), "."]);
  assert.ok(fs.statSync(path.join(dir, "model.tar.gz")).size < 64 << 10, "a small archive");
  process.env.SAGEMAKER_LOCAL_MAX_MODEL_BYTES = String(1 << 20);
  try {
    await ctx.sm.send(new CreateModelCommand({ ModelName: "m-bomb", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: `file://${dir}/model.tar.gz` } }));
    await ctx.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c-bomb", ProductionVariants: [{ VariantName: "v", ModelName: "m-bomb", ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 } }] }));
    await ctx.sm.send(new CreateEndpointCommand({ EndpointName: "e-bomb", EndpointConfigName: "c-bomb" }));
    const settled = (name: string) =>
      until(async () => {
        const x = await ctx.sm.send(new DescribeEndpointCommand({ EndpointName: name }));
        return x.EndpointStatus === "Creating" ? undefined : x;
      }, `endpoint ${name} ends Creating`, 30000);
    const d = await settled("e-bomb");
    assert.is(d.EndpointStatus, "Failed");
    assert.match(d.FailureReason!, /Failed to extract model data archive from URL "file:\/\/.*model\.tar\.gz": model\.tar\.gz unpacks to more than 1\.0 MB \(env SAGEMAKER_LOCAL_MAX_MODEL_BYTES; default half this machine's memory\)/);
    // a value that is no size is named, not taken as the default (it was: "1GB" unpacked up to half the memory)
    process.env.SAGEMAKER_LOCAL_MAX_MODEL_BYTES = "1GB";
    await ctx.sm.send(new CreateEndpointCommand({ EndpointName: "e-bomb-env", EndpointConfigName: "c-bomb" }));
    const bad = await settled("e-bomb-env");
    assert.is(bad.EndpointStatus, "Failed");
    assert.match(bad.FailureReason!, /env SAGEMAKER_LOCAL_MAX_MODEL_BYTES must be a whole number of bytes > 0, got "1GB"/);
  } finally {
    delete process.env.SAGEMAKER_LOCAL_MAX_MODEL_BYTES;
  }
  await ctx.sm.send(new DeleteEndpointCommand({ EndpointName: "e-bomb-env" }));
  await ctx.sm.send(new DeleteEndpointCommand({ EndpointName: "e-bomb" }));
  await ctx.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: "c-bomb" }));
  await ctx.sm.send(new DeleteModelCommand({ ModelName: "m-bomb" }));
});

test("real-time endpoint (InstanceType) works too", async () => {
  await ctx.sm.send(new CreateModelCommand({ ModelName: "m2", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: `file://${out}/job-ok/output/model.tar.gz` } }));
  await rejects(
    ctx.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c2", ProductionVariants: [{ VariantName: "v", ModelName: "m2", InstanceType: "ml.m5.large" as any, InitialInstanceCount: 1, ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 1 } }] })),
    "ValidationException",
    /not both/,
  );
  await ctx.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c2", ProductionVariants: [{ VariantName: "v", ModelName: "m2", InstanceType: "ml.m5.large" as any, InitialInstanceCount: 1 }] }));
  await ctx.sm.send(new CreateEndpointCommand({ EndpointName: "e2", EndpointConfigName: "c2" }));
  await waitUntilEndpointInService({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: "e2" });
  const results = await Promise.all(
    Array.from({ length: 4 }, () => ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e2", Body: Buffer.from("1\n"), ContentType: "text/csv", Accept: "text/csv", CustomAttributes: "delay=200" }))),
  );
  assert.is(results.length, 4);
  assert.is((await ctx.sm.send(new DescribeEndpointCommand({ EndpointName: "e2" }))).ProductionVariants![0].CurrentInstanceCount, 1);
  await ctx.sm.send(new DeleteEndpointCommand({ EndpointName: "e2" }));
  await ctx.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: "c2" }));
  await ctx.sm.send(new DeleteModelCommand({ ModelName: "m2" }));
});

test("UpdateEndpoint, as AWS's blue/green update: the old fleet answers until the new one serves (an invocation in flight is answered), then the new one; a failed update rolls back to the old configuration; a real-time endpoint is not updated to a serverless configuration (AWS does not support it)", async () => {
  const artifact = `file://${out}/job-ok/output/model.tar.gz`;
  await ctx.sm.send(new CreateModelCommand({ ModelName: "m3", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: artifact } }));
  await ctx.sm.send(new CreateModelCommand({ ModelName: "m3-missing", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: `file://${out}/no-such-job/model.tar.gz` } }));
  await ctx.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c3-rt", ProductionVariants: [{ VariantName: "v", ModelName: "m3", InstanceType: "ml.m5.large" as any, InitialInstanceCount: 1 }] }));
  await ctx.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c3-sl", ProductionVariants: [{ VariantName: "v", ModelName: "m3", ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 3 } }] }));
  await ctx.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c3-missing", ProductionVariants: [{ VariantName: "v", ModelName: "m3-missing", InstanceType: "ml.m5.large" as any, InitialInstanceCount: 1 }] }));
  await ctx.sm.send(new CreateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-sl" }));
  await rejects(ctx.sm.send(new UpdateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-rt" })), "ValidationException", /Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint\/e3" \(status Creating\)/);
  await waitUntilEndpointInService({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: "e3" });
  const invoke = async (attrs?: string) => JSON.parse(Buffer.from((await ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e3", Body: Buffer.from("1\n"), ContentType: "text/csv", Accept: "application/json", CustomAttributes: attrs }))).Body!).toString());
  const blue = (await invoke()).pid;
  await rejects(ctx.sm.send(new UpdateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "nope" })), "ValidationException", /Could not find endpoint configuration/);
  await rejects(ctx.sm.send(new UpdateEndpointCommand({ EndpointName: "nope", EndpointConfigName: "c3-rt" })), "ValidationException", /Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint\/nope"/);
  await rejects(ctx.sm.send(new UpdateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-rt", RetainAllVariantProperties: true })), "ValidationException", /RetainAllVariantProperties true: not supported by the local SageMaker/);
  await rejects(ctx.sm.send(new UpdateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-rt", DeploymentConfig: { RollingUpdatePolicy: {} as any } })), "ValidationException", /DeploymentConfig: not supported by the local SageMaker/);

  const inFlight = invoke("delay=1500");
  await sleep(200);
  await ctx.sm.send(new UpdateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-rt", RetainAllVariantProperties: false }));
  const updating = await ctx.sm.send(new DescribeEndpointCommand({ EndpointName: "e3" }));
  assert.is(updating.EndpointStatus, "Updating");
  assert.is(updating.EndpointConfigName, "c3-sl");
  assert.is(updating.PendingDeploymentSummary!.EndpointConfigName, "c3-rt");
  assert.is(updating.PendingDeploymentSummary!.ProductionVariants![0].DesiredInstanceCount, 1);
  assert.equal(updating.ProductionVariants![0].CurrentServerlessConfig, { MemorySizeInMB: 2048, MaxConcurrency: 3 }, "the old fleet serves while the new one comes up");
  await rejects(ctx.sm.send(new UpdateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-sl" })), "ValidationException", /Cannot update in-progress endpoint .* \(status Updating\)/);
  await waitUntilEndpointInService({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: "e3" });
  const green = await ctx.sm.send(new DescribeEndpointCommand({ EndpointName: "e3" }));
  assert.is(green.EndpointConfigName, "c3-rt");
  assert.is(green.PendingDeploymentSummary, undefined);
  assert.is(green.FailureReason, undefined);
  assert.is(green.ProductionVariants![0].CurrentInstanceCount, 1);
  assert.is(green.ProductionVariants![0].CurrentServerlessConfig, undefined);
  assert.is((await inFlight).pid, blue, "the invocation in flight on the old fleet was answered by it");
  const greenPid = (await invoke()).pid;
  assert.is.not(greenPid, blue);
  await until(async () => { try { process.kill(blue, 0); return false; } catch { return true; } }, "the old fleet's model server stops once its invocations are answered", 10000);
  const folders = () => fs.readdirSync(ctx.srv.endpoints.servers.dir(ctx.srv.endpoints.endpoints.get("e3")!)).filter((f) => f.startsWith("opt_ml")).length;
  assert.is(folders(), 1, "the old fleet's /opt/ml folder is removed");

  // real-time to serverless: AWS's serverless guide says it is not supported (the other way is) — it went through
  await rejects(ctx.sm.send(new UpdateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-sl" })), "ValidationException", /endpoint is real-time \(InstanceType ml\.m5\.large\) and c3-sl is serverless — updating a real-time endpoint to a serverless one is not supported/);
  const still = await ctx.sm.send(new DescribeEndpointCommand({ EndpointName: "e3" }));
  assert.equal([still.EndpointStatus, still.EndpointConfigName], ["InService", "c3-rt"]);

  // a new fleet that cannot come up: the old one serves on, InService with its configuration, and the reason
  await ctx.sm.send(new UpdateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-missing" }));
  await until(async () => (await ctx.sm.send(new DescribeEndpointCommand({ EndpointName: "e3" }))).EndpointStatus !== "Updating", "the update ends", 30000);
  const back = await ctx.sm.send(new DescribeEndpointCommand({ EndpointName: "e3" }));
  assert.is(back.EndpointStatus, "InService");
  assert.is(back.EndpointConfigName, "c3-rt");
  assert.match(back.FailureReason!, /^UpdateEndpoint to c3-missing failed, rolled back to c3-rt: .*no-such-job/);
  assert.is((await invoke()).pid, greenPid, "the serving fleet was never stopped");
  assert.is(folders(), 1);
  await ctx.sm.send(new DeleteEndpointCommand({ EndpointName: "e3" }));

  // deleted while its replaced fleet still answers, and created again under the name: the replaced fleet is stopped
  // with the delete, and its folder's removal no longer takes the new endpoint's model (opt_ml, the same path)
  await ctx.sm.send(new CreateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-sl" }));
  await waitUntilEndpointInService({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: "e3" });
  // held far longer than the update and the delete take, even on a loaded machine: the delete ends it
  const held = invoke("delay=30000").then(() => undefined, (e: Error) => e);
  await sleep(200);
  await ctx.sm.send(new UpdateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-rt" }));
  await waitUntilEndpointInService({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: "e3" });
  await ctx.sm.send(new DeleteEndpointCommand({ EndpointName: "e3" }));
  await ctx.sm.send(new CreateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3-sl" }));
  await waitUntilEndpointInService({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: "e3" });
  assert.ok((await held) instanceof Error, "the delete stopped the fleet being retired, with the invocation it held");
  await sleep(300);
  ctx.srv.endpoints.scaleToZero("e3");
  assert.ok((await invoke()).pid > 0, "the re-created endpoint cold-starts from its own model");
  await ctx.sm.send(new DeleteEndpointCommand({ EndpointName: "e3" }));
  for (const c of ["c3-rt", "c3-sl", "c3-missing"]) await ctx.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: c }));
  for (const m of ["m3", "m3-missing"]) await ctx.sm.send(new DeleteModelCommand({ ModelName: m }));
});

test("batch transform of binary objects (SplitType None): the model receives and the output holds the object's bytes as they are", async () => {
  // a model made with Containers (one): described as made — Containers, no PrimaryContainer (it was described with
  // PrimaryContainer only) — and it runs; PrimaryContainer and Containers together are refused (Containers was ignored)
  const container = { Image: "img", ModelDataUrl: `file://${out}/job-ok/output/model.tar.gz` };
  await rejects(ctx.sm.send(new CreateModelCommand({ ModelName: "m-bt", ExecutionRoleArn: ROLE, PrimaryContainer: container, Containers: [{ ...container, Image: "other" }] })), "ValidationException", /either PrimaryContainer or Containers, not both/);
  await ctx.sm.send(new CreateModelCommand({ ModelName: "m-bt", ExecutionRoleArn: ROLE, Containers: [container] }));
  const described = await ctx.sm.send(new DescribeModelCommand({ ModelName: "m-bt" }));
  assert.equal([described.Containers, described.PrimaryContainer], [[container], undefined]);
  const input = tmpDir("bt-in");
  // every byte value: not valid UTF-8 (the input was decoded as UTF-8 and the answer too — 1024 bytes came back as 2048)
  const bytes = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256));
  fs.writeFileSync(path.join(input, "img.bin"), bytes);
  const job = (name: string, extra: object = {}) =>
    ctx.sm.send(
      new CreateTransformJobCommand({
        TransformJobName: name,
        ModelName: "m-bt",
        Environment: { ECHO_BYTES: "true" }, // the fake model answers the request's bytes
        TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${input}` } }, ContentType: "application/x-image", SplitType: "None" },
        TransformOutput: { S3OutputPath: `file://${out}/${name}` },
        TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
        ...extra,
      }),
    );
  const done = async (name: string) => {
    await waitUntilTransformJobCompletedOrStopped({ client: ctx.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TransformJobName: name });
    return ctx.sm.send(new DescribeTransformJobCommand({ TransformJobName: name }));
  };
  await job("bt-bin");
  assert.is((await done("bt-bin")).TransformJobStatus, "Completed");
  assert.ok(fs.readFileSync(path.join(out, "bt-bin", "img.bin.out")).equals(bytes), "the .out object is the model's answer byte for byte");
  // SplitType Line without filters or joins: the records pass byte for byte too (a Latin-1 CSV's é and the bytes FF FE
  // reached the model as U+FFFD)
  const latin = tmpDir("bt-latin");
  const rows = Buffer.from("caf\xe9,1\n\xff\xfe,2\nplain,3\n", "latin1");
  fs.writeFileSync(path.join(latin, "rows.csv"), rows);
  await job("bt-line", { BatchStrategy: "MultiRecord", TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${latin}` } }, ContentType: "text/csv", SplitType: "Line" } });
  assert.is((await done("bt-line")).TransformJobStatus, "Completed");
  assert.ok(fs.readFileSync(path.join(out, "bt-line", "rows.csv.out")).equals(rows), fs.readFileSync(path.join(out, "bt-line", "rows.csv.out")).toString("hex"));
  // MaxPayloadInMB 0: no payload limit, the body sent with chunked encoding (the service model's minimum is 0). It
  // was taken for "unset": the 6 MB default, so a 7 MB object failed the job ("larger than MaxPayloadInMB (6 MB)")
  const big = tmpDir("bt-big");
  const seven = Buffer.alloc(7 * 1048576, bytes);
  fs.writeFileSync(path.join(big, "big.bin"), seven);
  const bigJob = { TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix" as const, S3Uri: `file://${big}` } }, ContentType: "application/x-image", SplitType: "None" as const } };
  await job("bt-zero", { ...bigJob, MaxPayloadInMB: 0 });
  const zero = await done("bt-zero");
  assert.equal([zero.TransformJobStatus, zero.FailureReason, zero.MaxPayloadInMB], ["Completed", undefined, 0]);
  assert.ok(fs.readFileSync(path.join(out, "bt-zero", "big.bin.out")).equals(seven));
  // a limit that is given still holds (and without one, AWS's default 6 MB)
  await job("bt-six", bigJob);
  const six = await done("bt-six").catch(() => ctx.sm.send(new DescribeTransformJobCommand({ TransformJobName: "bt-six" })));
  assert.equal([six.TransformJobStatus, six.MaxPayloadInMB], ["Failed", 6]);
  assert.match(six.FailureReason!, /big\.bin: line 1: the record is larger than MaxPayloadInMB \(6 MB\)/);
  // the service model's enum and lengths: a misspelt instance type and a 257-character ContentType / Accept ran here
  await rejects(job("bt-type", { TransformResources: { InstanceType: "ml.m5.larg" as never, InstanceCount: 1 } }), "ValidationException", /Value 'ml\.m5\.larg' at 'transformResources\.instanceType' failed to satisfy constraint: Member must satisfy enum value set: \[.*ml\.m5\.large/);
  const long = "a".repeat(257);
  await rejects(job("bt-ctype", { TransformInput: { ...bigJob.TransformInput, ContentType: long } }), "ValidationException", /at 'transformInput\.contentType' failed to satisfy constraint: Member must have length less than or equal to 256/);
  await rejects(job("bt-accept", { TransformOutput: { S3OutputPath: `file://${out}/bt-accept`, Accept: long } }), "ValidationException", /at 'transformOutput\.accept' failed to satisfy constraint: Member must have length less than or equal to 256/);
  await rejects(
    ctx.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c-type", ProductionVariants: [{ VariantName: "v", ModelName: "m-bt", InstanceType: "ml.m5.larg" as never, InitialInstanceCount: 1 }] })),
    "ValidationException",
    /Value 'ml\.m5\.larg' at 'productionVariants\.1\.member\.instanceType' failed to satisfy constraint: Member must satisfy enum value set/,
  );
  assert.equal((await ctx.sm.send(new ListTransformJobsCommand({ NameContains: "bt-" }))).TransformJobSummaries!.map((j) => j.TransformJobName).sort(), ["bt-bin", "bt-line", "bt-six", "bt-zero"], "the refused jobs were not created");
});

test("serverless endpoint scales to zero after the idle time and cold-starts on the next invocation", async () => {
  const idle = await localServer({ serverlessIdleMs: 300 });
  try {
    await idle.sm.send(new CreateModelCommand({ ModelName: "m3", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: `file://${out}/job-ok/output/model.tar.gz` } }));
    await idle.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c3", ProductionVariants: [{ VariantName: "v", ModelName: "m3", ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 } }] }));
    await idle.sm.send(new CreateEndpointCommand({ EndpointName: "e3", EndpointConfigName: "c3" }));
    await waitUntilEndpointInService({ client: idle.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: "e3" });
    const stats = async () => (await fetch(`${idle.srv.url}/_local/endpoints/e3`)).json();
    await until(async () => (await stats()).warm === false, "scale to zero after creation");
    const invoke = async () => JSON.parse(Buffer.from((await idle.rt.send(new InvokeEndpointCommand({ EndpointName: "e3", Body: Buffer.from("1\n"), ContentType: "text/csv", Accept: "application/json" }))).Body!).toString());
    const a = await invoke();
    const s1 = await stats();
    await until(async () => (await stats()).warm === false, "scale to zero after the invocation");
    const b = await invoke();
    const s2 = await stats();
    assert.is(s2.coldStarts, s1.coldStarts + 1);
    assert.is.not(a.pid, b.pid);
    // ProvisionedConcurrency: AWS keeps that many instances warm — no scale to zero, no cold start (it scaled to zero
    // after the idle time like any serverless endpoint, the option silently without effect)
    await idle.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c3p", ProductionVariants: [{ VariantName: "v", ModelName: "m3", ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 2, ProvisionedConcurrency: 1 } }] }));
    await idle.sm.send(new CreateEndpointCommand({ EndpointName: "e3p", EndpointConfigName: "c3p" }));
    await waitUntilEndpointInService({ client: idle.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: "e3p" });
    assert.is((await idle.sm.send(new DescribeEndpointCommand({ EndpointName: "e3p" }))).ProductionVariants![0].CurrentServerlessConfig!.ProvisionedConcurrency, 1);
    await idle.rt.send(new InvokeEndpointCommand({ EndpointName: "e3p", Body: Buffer.from("1\n"), ContentType: "text/csv" }));
    await sleep(1200); // 4 idle times
    const p = await (await fetch(`${idle.srv.url}/_local/endpoints/e3p`)).json();
    assert.equal([p.warm, p.coldStarts], [true, 1], JSON.stringify(p));
  } finally {
    await idle.srv.close();
    idle.sm.destroy();
    idle.rt.destroy();
  }
});

test.run();
