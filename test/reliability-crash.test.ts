/**
 * Crash-safe state (issue 17): a bounded kill -9 campaign against the local SageMaker — seeded kills at random
 * moments and at the narrowest windows (between writing a temporary file and renaming it, between saving a trial
 * and its tuning job), each followed by a restart on the same state folder and the invariants of
 * test/fuzz/crash.ts. `npm run fuzz -- --targets crash --kills 200` runs a long campaign.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { execFile, execFileSync } from "child_process";
import { promisify } from "util";
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateTrainingJobCommand, DescribeTrainingJobCommand, SageMakerClient, waitUntilEndpointInService, waitUntilTrainingJobCompletedOrStopped } from "@aws-sdk/client-sagemaker";
import { startSageMakerProcess, summary } from "./fuzz/common";
import { crashCampaign } from "./fuzz/crash";
import { creds, ROLE, tmpDir, until } from "./sagemaker-helpers";

test("kill -9 at random moments and at the crash points: every restart loads the state, no job left running, whole artifacts, trials counted", async () => {
  const t = await crashCampaign({ kills: Number(process.env.CRASH_KILLS ?? 8), seconds: 60, seed: Number(process.env.FUZZ_SEED ?? 17) });
  console.log(`    ${summary(t)}`);
  assert.ok(t.inputs >= 4, `only ${t.inputs} kills`);
  assert.is(t.failures.length, 0, t.failures.map((f) => f.what).join("\n"));
});

// A server killed with -9 (a notebook kernel killed) left its children running: a model server listened for good and a
// 200,000-round training job fitted on (10 s later, still). The container program now stops itself once its parent
// is gone (trainer/parent-watch.ts): SIGTERM, as SageMaker stops a container.
test("kill -9 of the local SageMaker: its model server (with its workers) and its running training job (the project's trainer, as processes) stop within seconds", async () => {
  const dir = tmpDir("orphans");
  const proc = await startSageMakerProcess(dir, { SM_SERVER_REAL_TRAINER: "1" });
  const sm = new SageMakerClient({ endpoint: proc.url, region: "us-east-1", credentials: creds });
  try {
    const job = (name: string, hp: Record<string, string>) =>
      sm.send(new CreateTrainingJobCommand({
        TrainingJobName: name, RoleArn: ROLE, AlgorithmSpecification: { TrainingImage: "img", TrainingInputMode: "File" }, HyperParameters: hp,
        InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${path.join(__dirname, "..", "data", "diabetes.csv")}` } } }],
        OutputDataConfig: { S3OutputPath: `file://${dir}/out` }, ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 }, StoppingCondition: { MaxRuntimeInSeconds: 600 },
      }));
    await job("quick", { models: "xgboost", num_round: "5", k_fold: "2" });
    await waitUntilTrainingJobCompletedOrStopped({ client: sm, maxWaitTime: 120, minDelay: 1, maxDelay: 1 }, { TrainingJobName: "quick" });
    // two model server workers (node:cluster): they go with their primary
    await sm.send(new CreateModelCommand({ ModelName: "m", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: "img", ModelDataUrl: `file://${dir}/out/quick/output/model.tar.gz`, Environment: { SAGEMAKER_MODEL_SERVER_WORKERS: "2" } } }));
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "c", ProductionVariants: [{ VariantName: "v", ModelName: "m", InstanceType: "ml.m5.large", InitialInstanceCount: 1 }] }));
    await sm.send(new CreateEndpointCommand({ EndpointName: "e", EndpointConfigName: "c" }));
    await waitUntilEndpointInService({ client: sm, maxWaitTime: 120, minDelay: 1, maxDelay: 1 }, { EndpointName: "e" });
    await job("long", { models: "xgboost", num_round: "200000", k_fold: "2" });
    await until(async () => (await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "long" }))).SecondaryStatus === "Training", "the long job trains", 60000);
    const children = execFileSync("ps", ["--ppid", String(proc.pid), "-o", "pid=,args="]).toString().trim().split("\n").filter((l) => /trainer\/main\.(js|ts) (train|serve)$/.test(l.trim()));
    assert.equal(children.map((l) => l.trim().split(" ").pop()).sort(), ["serve", "train"], "a model server and a training job run");
    // its model server's port is on 127.0.0.1, every local user's: it answers this user's processes only, as the
    // server does (another user's request was answered)
    const served = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(fs.readFileSync(path.join(dir, "endpoints", "e", "log.txt"), "utf8"))![1];
    const ping = (uid?: number) => promisify(execFile)("curl", ["-s", "-w", " %{http_code}", `${served}/ping`], uid === undefined ? {} : { uid, gid: uid }).then((r) => r.stdout);
    assert.match(await ping(), / 200$/);
    if (process.getuid?.() === 0) assert.match(await ping(65534), /another local user \(uid 65534\).* 403$/);
    else console.log("    another user's request to the model server: skipped (it needs root to run curl as another user)");
    const serve = Number(children.find((l) => l.trim().endsWith("serve"))!.trim().split(" ")[0]);
    const workers = execFileSync("ps", ["--ppid", String(serve), "-o", "pid="]).toString().trim().split("\n").map(Number).filter((p) => p > 0);
    assert.ok(workers.length >= 2, `the model server's workers: ${workers.join(", ")}`);
    proc.kill("SIGKILL");
    assert.is((await proc.exited).signal, "SIGKILL");
    const pids = [...children.map((l) => Number(l.trim().split(" ")[0])), ...workers];
    const alive = () => pids.filter((p) => { try { process.kill(p, 0); return true; } catch { return false; } });
    await until(async () => alive().length === 0, `the orphans stop (alive: ${alive().join(", ")})`, 15000);
  } finally {
    sm.destroy();
    proc.kill("SIGKILL");
  }
});

test.run();
