/**
 * The state folder under stress: a full disk and record files that are not what the server wrote. What must hold:
 * the server goes on answering, nothing already stored is lost, and what could not be done says why (a job Failed
 * with its FailureReason, a 500 naming the error, a record moved aside and logged).
 *
 * The full disk is a small tmpfs mounted for the test (root only: otherwise that test skips, naming why).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateTrainingJobCommand, DescribeEndpointCommand, DescribeTrainingJobCommand, ListTrainingJobsCommand, SageMakerClient, UpdateEndpointCommand, waitUntilEndpointInService, waitUntilTrainingJobCompletedOrStopped } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { creds, localServer, rejects, tmpDir, trainingRequest, until } from "./sagemaker-helpers";
import { startSageMakerProcess } from "./fuzz/common";

/** a fresh tmpfs of `mb` MB, or why none can be mounted here */
function smallDisk(mb: number): string | { skip: string } {
  const dir = tmpDir("small-disk");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${mb}m`, "tmpfs", dir], { stdio: "pipe" });
  } catch (e) {
    return { skip: `cannot mount a tmpfs (${String((e as Error).message).split("\n")[0]})` };
  }
  return dir;
}

test("a full disk: a trainer printing past it fails its job saying so, the server answers on, a create that cannot be saved is a 500 and leaves nothing", async () => {
  const disk = smallDisk(2);
  if (typeof disk !== "string") return console.log(`    skipped: ${disk.skip}`);
  const data = tmpDir("state-data");
  fs.writeFileSync(path.join(data, "rows.csv"), "y,x\n1,2\n");
  const ctx = await localServer({ stateDir: disk });
  try {
    const { sm } = ctx;
    const job = async (name: string) => until(async () => {
      const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
      return d.TrainingJobStatus !== "InProgress" && d.TrainingJobStatus !== "Stopping" && d;
    }, `${name} to end`, 60_000);
    await sm.send(new CreateTrainingJobCommand(trainingRequest("kept", `file://${data}`, path.join(disk, "out"))));
    assert.is((await job("kept")).TrainingJobStatus, "Completed");
    // 4 million characters on one line (cut into events): several MB of log.txt and stream, past the 2 MB disk —
    // the ENOSPC was thrown in the pipe's handler and ended the server
    await sm.send(new CreateTrainingJobCommand(trainingRequest("flood", `file://${data}`, path.join(disk, "out"), { long_line: "4000000" })));
    const flood = await job("flood");
    assert.is(flood.TrainingJobStatus, "Failed");
    assert.match(flood.FailureReason ?? "", /output could not be written to its log \(ENOSPC/);
    // the disk is full now: a create that cannot be saved is refused, and leaves no job InProgress that never runs
    const e = await rejects(sm.send(new CreateTrainingJobCommand(trainingRequest("unsaved", `file://${data}`, path.join(disk, "out")))), "InternalFailure", /ENOSPC/);
    assert.is(e.$metadata.httpStatusCode, 500);
    await rejects(sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "unsaved" })), "ValidationException", /not found/);
    assert.equal(fs.readdirSync(path.join(disk, "training-jobs")).filter((f) => f.endsWith(".tmp")), [], "the failed write's temporary file is removed");
    await rejects(sm.send(new CreateModelCommand({ ModelName: "unsaved", ExecutionRoleArn: "arn:aws:iam::123456789012:role/R", PrimaryContainer: { Image: "img", ModelDataUrl: (await job("kept")).ModelArtifacts!.S3ModelArtifacts } })), "InternalFailure", /ENOSPC/);
    const names = (await sm.send(new ListTrainingJobsCommand({}))).TrainingJobSummaries!.map((s) => `${s.TrainingJobName}:${s.TrainingJobStatus}`).sort();
    assert.equal(names, ["flood:Failed", "kept:Completed"]);
  } finally {
    await ctx.srv.close();
    ctx.sm.destroy();
    ctx.rt.destroy();
    execFileSync("umount", [disk]);
  }
});

test("record files that are not records (null, {}, a number, another name's copy, truncated) are moved aside and logged; the server starts and lists the others", async () => {
  const first = await localServer();
  const { dir } = first;
  const model = { ModelName: "good", ExecutionRoleArn: "arn:aws:iam::123456789012:role/R", PrimaryContainer: { Image: "img", ModelDataUrl: `file://${dir}/m.tar.gz` } };
  await first.sm.send(new CreateModelCommand(model));
  await first.srv.close();
  first.sm.destroy();
  first.rt.destroy();
  const good = fs.readFileSync(path.join(dir, "models", "good.json"), "utf8");
  const bad: Record<string, string> = {
    "training-jobs/null-job.json": "null", // crashed the start: "Cannot read properties of null"
    "tuning-jobs/one.json": "1",
    "endpoints/empty.json": "{}", // listed as an endpoint without a name
    "models/copy.json": good, // another name's record: two models named good
    "transform-jobs/cut.json": good.slice(0, 20),
  };
  for (const [f, text] of Object.entries(bad)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  fs.writeFileSync(path.join(dir, "models", "copy.json.corrupt"), "an earlier one, kept");
  // a save interrupted by a crash (writeFileAtomic's temporary): removed by recovery in every kind's folder
  fs.writeFileSync(path.join(dir, "transform-jobs", ".cut.json.4242.7.tmp"), "{");
  const ctx = await localServer({ stateDir: dir });
  try {
    const list = async (op: string) => {
      const res = await fetch(ctx.srv.url, { method: "POST", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `SageMaker.${op}` }, body: "{}" });
      assert.is(res.status, 200, op);
      return Object.values((await res.json()) as Record<string, unknown[]>)[0];
    };
    assert.equal(((await list("ListModels")) as { ModelName: string }[]).map((m) => m.ModelName), ["good"]);
    for (const op of ["ListTrainingJobs", "ListHyperParameterTuningJobs", "ListEndpoints", "ListTransformJobs"]) assert.equal(await list(op), [], op);
    const log = fs.readFileSync(path.join(dir, "server.log"), "utf8");
    for (const f of Object.keys(bad)) {
      assert.not.ok(fs.existsSync(path.join(dir, f)), f);
      assert.ok(fs.existsSync(path.join(dir, f.endsWith("copy.json") ? `${f}.corrupt.1` : `${f}.corrupt`)), `${f} moved aside`);
      assert.match(log, `${path.join(dir, f)} could not be read`);
    }
    assert.is(fs.readFileSync(path.join(dir, "models", "copy.json.corrupt"), "utf8"), "an earlier one, kept");
    assert.not.ok(fs.existsSync(path.join(dir, "transform-jobs", ".cut.json.4242.7.tmp")), "the temporary file is removed");
  } finally {
    await ctx.srv.close();
    ctx.sm.destroy();
    ctx.rt.destroy();
  }
});

test("kill -9 in the middle of an UpdateEndpoint (the new fleet's model unpacked): the restart rolls the endpoint back to its configuration, InService, saying why, and removes the new fleet's folder", async () => {
  const first = await localServer();
  const { dir } = first;
  const data = tmpDir("data");
  fs.writeFileSync(path.join(data, "train.csv"), "1,2\n3,4\n");
  const out = tmpDir("out");
  await first.sm.send(new CreateTrainingJobCommand(trainingRequest("j", `file://${data}`, out)));
  await waitUntilTrainingJobCompletedOrStopped({ client: first.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TrainingJobName: "j" });
  const model = (name: string) => ({ ModelName: name, ExecutionRoleArn: "arn:aws:iam::123456789012:role/R", PrimaryContainer: { Image: "img", ModelDataUrl: `file://${out}/j/output/model.tar.gz` } });
  for (const name of ["blue", "green"]) {
    await first.sm.send(new CreateModelCommand(model(name)));
    await first.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [{ VariantName: "v", ModelName: name, ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 } }] }));
  }
  await first.sm.send(new CreateEndpointCommand({ EndpointName: "e", EndpointConfigName: "blue" }));
  await waitUntilEndpointInService({ client: first.sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: "e" });
  await first.srv.close();
  first.sm.destroy();
  first.rt.destroy();

  const proc = await startSageMakerProcess(dir, { SAGEMAKER_LOCAL_CRASH_AT: "endpoint-fleet-unpacked:1" });
  const sm = new SageMakerClient({ endpoint: proc.url, region: "us-east-1", credentials: creds, maxAttempts: 1 });
  await sm.send(new UpdateEndpointCommand({ EndpointName: "e", EndpointConfigName: "green" })).catch(() => undefined); // it answers, or dies first
  assert.is((await proc.exited).signal, "SIGKILL");
  sm.destroy();
  const endpointDir = path.join(dir, "endpoints", "e");
  assert.is(fs.readdirSync(endpointDir).filter((f) => f.startsWith("opt_ml")).length, 2, "the crash left the new fleet's folder");

  const ctx = await localServer({ stateDir: dir });
  try {
    const d = await ctx.sm.send(new DescribeEndpointCommand({ EndpointName: "e" }));
    assert.is(d.EndpointStatus, "InService");
    assert.is(d.EndpointConfigName, "blue");
    assert.is(d.PendingDeploymentSummary, undefined);
    assert.match(d.FailureReason!, /stopped while the endpoint was being updated to green; rolled back to blue/);
    assert.equal(fs.readdirSync(endpointDir).filter((f) => f.startsWith("opt_ml")), ["opt_ml"]);
    const r = await ctx.rt.send(new InvokeEndpointCommand({ EndpointName: "e", Body: Buffer.from("1\n"), ContentType: "text/csv" }));
    assert.ok(r.Body!.length > 0, "the old fleet serves");
  } finally {
    await ctx.srv.close();
    ctx.sm.destroy();
    ctx.rt.destroy();
  }
  // a fleet folder an InService endpoint does not serve from (a stop between an update's switch and the old folder's
  // removal): removed at the next start
  fs.mkdirSync(path.join(endpointDir, "opt_ml-1234", "model"), { recursive: true });
  const again = await localServer({ stateDir: dir });
  try {
    assert.equal(fs.readdirSync(endpointDir).filter((f) => f.startsWith("opt_ml")), ["opt_ml"]);
  } finally {
    await again.srv.close();
    again.sm.destroy();
    again.rt.destroy();
  }
});

test("two processes on one state folder: a name the other one created is taken (it was created again over the running job, its folder removed)", async () => {
  const a = await localServer();
  const other = await startSageMakerProcess(a.dir); // its own process: a server registered on the folder
  const b = new SageMakerClient({ endpoint: other.url, region: "us-east-1", credentials: creds });
  try {
    const data = tmpDir("state-data");
    fs.writeFileSync(path.join(data, "rows.csv"), "y,x\n1,2\n");
    await a.sm.send(new CreateTrainingJobCommand(trainingRequest("shared-name", `file://${data}`, path.join(a.dir, "out"), { num_round: "3", sleep_ms: "200" })));
    await a.sm.send(new CreateModelCommand({ ModelName: "Shared-Model", ExecutionRoleArn: "arn:aws:iam::123456789012:role/R", PrimaryContainer: { Image: "img", ModelDataUrl: `file://${a.dir}/m.tar.gz` } }));
    await rejects(b.send(new CreateTrainingJobCommand(trainingRequest("SHARED-name", `file://${data}`, path.join(a.dir, "out2"), { fail: "true" }))), "ResourceInUse", /already exists/);
    await rejects(b.send(new CreateModelCommand({ ModelName: "shared-model", ExecutionRoleArn: "arn:aws:iam::123456789012:role/R", PrimaryContainer: { Image: "img2", ModelDataUrl: `file://${a.dir}/m.tar.gz` } })), "ValidationException", /already existing model/);
    const done = await until(async () => {
      const d = await a.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "shared-name" }));
      return d.TrainingJobStatus !== "InProgress" && d;
    }, "the first process's job to end", 60_000);
    assert.is(done.TrainingJobStatus, "Completed", done.FailureReason);
    assert.match(fs.readFileSync(path.join(a.dir, "training-jobs", "shared-name", "log.txt"), "utf8"), /validation-rmse/);
  } finally {
    b.destroy();
    other.kill("SIGTERM");
    await other.exited;
    await a.srv.close();
    a.sm.destroy();
    a.rt.destroy();
  }
});

test("two servers of one process on one state folder: the second does not take the first's running trainer for an orphan, and the registration stays while one serves", async () => {
  const a = await localServer();
  const data = tmpDir("state-data");
  fs.writeFileSync(path.join(data, "rows.csv"), "y,x\n1,2\n");
  let b: Awaited<ReturnType<typeof localServer>> | undefined;
  try {
    await a.sm.send(new CreateTrainingJobCommand(trainingRequest("first-servers-job", `file://${data}`, path.join(a.dir, "out"), { num_round: "6", sleep_ms: "300" })));
    await until(async () => fs.existsSync(path.join(a.dir, "training-jobs", "first-servers-job", "pid")), "the trainer to start", 30_000);
    b = await localServer({ stateDir: a.dir }); // it recovered the folder: SIGKILLed the trainer, failed the job on disk
    const done = await until(async () => {
      const d = await a.sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "first-servers-job" }));
      return d.TrainingJobStatus !== "InProgress" && d;
    }, "the job to end", 60_000);
    assert.is(done.TrainingJobStatus, "Completed", done.FailureReason);
    assert.is(JSON.parse(fs.readFileSync(path.join(a.dir, "training-jobs", "first-servers-job.json"), "utf8")).TrainingJobStatus, "Completed");
    await b.srv.close();
    assert.ok(fs.existsSync(path.join(a.dir, "servers", String(process.pid))), "the process's registration is kept while a serves");
  } finally {
    await b?.srv.close();
    await a.srv.close();
    assert.not.ok(fs.existsSync(path.join(a.dir, "servers", String(process.pid))), "and removed with the last server");
    for (const c of [a, b]) c?.sm.destroy(), c?.rt.destroy();
  }
});

test.run();
