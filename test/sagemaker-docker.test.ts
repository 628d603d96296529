/**
 * The local SageMaker's Docker backend (sagemaker-local/containers.ts, issue 15), through the unmodified AWS SDK
 * clients and lib/sagemaker:
 *
 *  - a user's own image (test/fixtures/byoc: its `train` writes model/model.json and prints "byoc loss=…;", its
 *    `serve` echoes), built here on the stand-in base: with backend auto the image runs in Docker — the training
 *    job (metric, model.tar.gz, the choice in the log stream and in SecondaryStatusTransitions), a serverless
 *    endpoint (MemorySizeInMB as the container's memory limit, seen by `docker inspect` and from inside the
 *    container's cgroup), a transform job; an image the engine lacks runs the container program as a process;
 *  - bad input: an image that exits ≠ 0 (FailureReason = its output/failure), an image absent with backend docker
 *    (ValidationException, as AWS for an image ECR lacks), backend docker without an engine (the server refuses
 *    to start), a serve that never answers /ping (the endpoint Failed after startTimeoutMs), the container
 *    killed from outside mid-job (`docker kill`) and the `docker run` client killed (both standing in for Docker
 *    dying, which a test cannot do to a shared engine: the job Failed, no container left, the server up);
 *  - every way a container ends: StopTrainingJob, StopHyperParameterTuningJob (the tuning job's stop path, as its
 *    early stopping), DeleteEndpoint, close() with a job running, and a server killed with -9 whose container
 *    the next server on the state folder removes — `docker ps -a --filter label=…` empty after each;
 *  - the seed's flow with the trainer image (the one test/container.test.ts builds, shared): train → tune with 2
 *    parallel trials → serverless deploy → predict (equal to lib's loadEnsemble of the model) → delete, the
 *    containers seen in `docker ps` while jobs run and gone after.
 *
 * Skips, naming the cause, when Docker cannot run here (as test/container.test.ts). Removes every image it
 * builds but the trainer image and its build stage (the cache of the next run) and checks `docker images`.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { execFileSync, spawn } from "child_process";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateHyperParameterTuningJobCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  CreateTransformJobCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
  StopHyperParameterTuningJobCommand,
  StopTrainingJobCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand } from "@aws-sdk/client-sagemaker-runtime";
import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { startServer } from "@ensemble-workbook/sagemaker-local";
import { session, Estimator, HyperparameterTuner, ContinuousParameter, IntegerParameter } from "ensemble-workbook/sagemaker";
import { loadDiabetes, loadEnsemble } from "ensemble-workbook";
import { buildImage, dockerSync, dockerUnavailable, ensureTrainerImage, removeImage, TRAINER_IMAGE } from "./docker-helpers";
import { creds, FAKE_TRAINER, localServer, rejects, ROLE, sleep, tmpDir, trainingRequest, until } from "./sagemaker-helpers";

const BASE = process.env.TRAINER_NODE_IMAGE || "node:22-slim";
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const BYOC = `ensemble-workbook-byoc:${RUN}`;
/** the label of the images this test builds (removed after it) */
const IMAGE_LABEL = "ensemble-workbook.test-image";
const STATE_LABEL = "ensemble-workbook.sagemaker-local.state";
const ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ensemble:latest"; // not in the local engine
const DIABETES = path.join(__dirname, "..", "data", "diabetes.csv");

const cause = dockerUnavailable(BASE);
if (cause) console.log(`  SKIP the local SageMaker's Docker backend: ${cause}`);
const t = cause ? test.skip : test;
const log = (line: string) => console.log(`  docker backend: ${line}`);

/** the containers (running or not) labelled with a state folder */
function containersOf(stateDir: string): string[] {
  return dockerSync(["ps", "-a", "--filter", `label=${STATE_LABEL}=${stateDir}`, "--format", "{{.Names}}"]).split("\n").filter(Boolean);
}
/** the containers are gone (docker run --rm removes them a moment after they exit) */
async function noContainers(stateDir: string, what: string): Promise<void> {
  let left = containersOf(stateDir);
  for (let i = 0; i < 100 && left.length; i++) {
    await sleep(100);
    left = containersOf(stateDir);
  }
  assert.equal(left, [], `${what}: containers left`);
}
const images = () => dockerSync(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]).split("\n").filter(Boolean).sort();

let imagesBefore: string[] = [];
const channel = tmpDir("byoc-data");
fs.writeFileSync(path.join(channel, "rows.csv"), "1,2,3\n4,5,6\n7,8,9\n");

function byocJob(name: string, out: string, hp: Record<string, string> = {}, image = BYOC) {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: "File" as const, MetricDefinitions: [{ Name: "loss", Regex: "byoc loss=([0-9.]+);" }] },
    HyperParameters: hp,
    InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix" as const, S3Uri: `file://${channel}` } } }],
    OutputDataConfig: { S3OutputPath: `file://${out}` },
    ResourceConfig: { InstanceType: "ml.m5.large" as const, InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
  };
}

async function finished(sm: SageMakerClient, name: string, timeoutMs = 90_000) {
  return until(async () => {
    const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
    return ["Completed", "Failed", "Stopped"].includes(d.TrainingJobStatus!) && d;
  }, `training job ${name} to finish`, timeoutMs);
}

/** the line of a job's CloudWatch Logs stream that says which backend runs it (the first line from ./containers) */
async function backendLogLine(url: string, group: string, prefix: string): Promise<string> {
  const logs = new CloudWatchLogsClient({ endpoint: url, region: "us-east-1", credentials: creds });
  const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: prefix }));
  const ev = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: streams.logStreams![0].logStreamName!, startFromHead: true }));
  const lines = ev.events!.map((e) => e.message!);
  const i = lines.findIndex((l) => l.startsWith("[local-sagemaker] backend "));
  assert.ok(i >= 0, `no backend line in ${prefix}: ${lines.slice(0, 5).join(" | ")}`);
  // before anything the container printed
  assert.ok(lines.slice(0, i).every((l) => l.startsWith("[local-sagemaker] ")), lines.slice(0, i).join(" | "));
  return lines[i];
}

if (!cause)
  test.before(async () => {
    imagesBefore = images();
    const b = await buildImage({ tag: BYOC, context: "test/fixtures/byoc", buildArgs: { NODE_IMAGE: BASE }, labels: { [IMAGE_LABEL]: RUN } });
    log(`built the BYOC image ${BYOC} in ${(b.ms / 1000).toFixed(1)} s`);
  });
if (!cause)
  test.after(() => {
    removeImage(BYOC);
    // the images this run built are gone (the trainer image and its build stage stay: the next run's cache)
    assert.equal(dockerSync(["images", "-a", "--filter", `label=${IMAGE_LABEL}=${RUN}`, "--format", "{{.ID}}"]).trim(), "", "images left by the test");
    // what else changed in the engine meanwhile (other runs share it): printed, not asserted
    const kept = new Set([`${TRAINER_IMAGE}`, `${TRAINER_IMAGE}-build`]);
    const added = images().filter((i) => !imagesBefore.includes(i) && !kept.has(i.split(" ")[0]));
    if (added.length) log(`images added to the engine during the run, not by this test: ${added.join(", ")}`);
  });

t("a user's own image (BYOC), backend auto: train in Docker — metric, model.tar.gz, the choice in the log and the status; serverless endpoint with --memory; transform; an absent image runs as a process", async () => {
  const { srv, sm, rt, dir } = await localServer({ trainerCommand: FAKE_TRAINER });
  try {
    assert.is(srv.containers.backend, "auto");
    const out = tmpDir("byoc-out");
    await sm.send(new CreateTrainingJobCommand(byocJob("byoc-train", out, { sleep: "2", alpha: "0.5" })));
    // the container is there while the job runs, labelled with this server and its state folder
    const running = await until(async () => containersOf(dir).length > 0 && containersOf(dir), "the training container", 30_000);
    assert.is(running.length, 1);
    assert.is(dockerSync(["inspect", "--format", '{{index .Config.Labels "ensemble-workbook.sagemaker-local"}} {{.HostConfig.NetworkMode}}', running[0]]).trim(), `${srv.containers.serverId} none`);
    const d = await finished(sm, "byoc-train");
    assert.is(d.TrainingJobStatus, "Completed", d.FailureReason);
    assert.is(d.AlgorithmSpecification!.TrainingImage, BYOC);
    assert.equal(d.FinalMetricDataList!.map((m) => [m.MetricName, m.Value]), [["loss", 0.333333]]);
    const imageId = dockerSync(["image", "inspect", "--format", "{{.Id}}", BYOC]).trim();
    const training = d.SecondaryStatusTransitions!.find((s) => s.Status === "Training")!;
    assert.match(training.StatusMessage!, new RegExp(`backend docker: image ${BYOC} \\(${imageId.slice(0, 19)}\\) found in the local Docker engine`));
    assert.match(await backendLogLine(srv.url, "/aws/sagemaker/TrainingJobs", "byoc-train/"), /^\[local-sagemaker\] backend docker: .*--network none/);
    // model.tar.gz holds what the container wrote under /opt/ml/model (read with tar, not with the server's code)
    const unpacked = tmpDir("byoc-model");
    execFileSync("tar", ["xzf", path.join(out, "byoc-train", "output", "model.tar.gz"), "-C", unpacked]);
    assert.equal(JSON.parse(fs.readFileSync(path.join(unpacked, "model.json"), "utf8")), { rows: 3, hyperparameters: { sleep: "2", alpha: "0.5" } });
    await noContainers(dir, "after the training job");

    // an image the engine lacks: the container program (here the fake trainer) as a process, said so
    await sm.send(new CreateTrainingJobCommand(trainingRequest("ecr-train", `file://${channel}`, out)));
    const p = await finished(sm, "ecr-train");
    assert.is(p.TrainingJobStatus, "Completed", p.FailureReason);
    assert.match(p.SecondaryStatusTransitions!.find((s) => s.Status === "Training")!.StatusMessage!, /backend process: no image 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/ensemble:latest in the local Docker engine/);

    // serverless endpoint from the BYOC model: the image serves, MemorySizeInMB is the container's memory limit
    await sm.send(new CreateModelCommand({ ModelName: "byoc-model", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: BYOC, ModelDataUrl: d.ModelArtifacts!.S3ModelArtifacts } }));
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "byoc-config", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "byoc-model", ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 2 } }] }));
    await sm.send(new CreateEndpointCommand({ EndpointName: "byoc-endpoint", EndpointConfigName: "byoc-config" }));
    const e = await until(async () => {
      const x = await sm.send(new DescribeEndpointCommand({ EndpointName: "byoc-endpoint" }));
      return x.EndpointStatus !== "Creating" && x;
    }, "the endpoint", 60_000);
    assert.is(e.EndpointStatus, "InService", e.FailureReason);
    assert.is(e.ProductionVariants![0].DeployedImages![0].ResolvedImage, `${BYOC}@${imageId}`);
    const inv = await rt.send(new InvokeEndpointCommand({ EndpointName: "byoc-endpoint", Body: Buffer.from("hello, container"), ContentType: "text/plain" }));
    const answer = JSON.parse(Buffer.from(inv.Body!).toString("utf8"));
    assert.is(answer.echo, "hello, container");
    assert.is(answer.model.rows, 3);
    assert.is(answer.memoryMax, String(1024 * 1048576), "the cgroup memory limit seen inside the container");
    const stats = await (await fetch(`${srv.url}/_local/endpoints/byoc-endpoint`)).json();
    log(`BYOC serverless endpoint: cold start ${stats.lastColdStartMs} ms (docker run → /ping 200, through the local SageMaker)`);
    const serving = containersOf(dir);
    assert.is(serving.length, 1);
    assert.is(dockerSync(["inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.NetworkMode}}", serving[0]]).trim(), `${1024 * 1048576} host`);
    assert.match(await backendLogLine(srv.url, "/aws/sagemaker/Endpoints/byoc-endpoint", "AllTraffic/"), /^\[local-sagemaker\] backend docker: .*--network host, 127\.0\.0\.1:\d+, --memory 1024m/);

    // a transform job with the same image: the object is one request (SplitType None), the echo its output
    const tout = tmpDir("byoc-transform");
    await sm.send(new CreateTransformJobCommand({
      TransformJobName: "byoc-transform",
      ModelName: "byoc-model",
      TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${channel}` } }, ContentType: "text/csv" },
      TransformOutput: { S3OutputPath: `file://${tout}` },
      TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
    }));
    const tj = await until(async () => {
      const x = await sm.send(new DescribeTransformJobCommand({ TransformJobName: "byoc-transform" }));
      return !["InProgress", "Stopping"].includes(x.TransformJobStatus!) && x;
    }, "the transform job", 60_000);
    assert.is(tj.TransformJobStatus, "Completed", tj.FailureReason);
    assert.is(JSON.parse(fs.readFileSync(path.join(tout, "rows.csv.out"), "utf8")).echo, "1,2,3\n4,5,6\n7,8,9\n");

    await sm.send(new DeleteEndpointCommand({ EndpointName: "byoc-endpoint" }));
    await noContainers(dir, "after DeleteEndpoint and the transform job");
  } finally {
    await srv.close();
  }
  await noContainers(dir, "after close()");
});

t("bad input: an image that fails (its output/failure), backend docker with an absent image (ValidationException) or no engine, a serve that never answers /ping, SAGEMAKER_LOCAL_BACKEND misspelt", async () => {
  // backend docker without an engine: the server does not start, and says why
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
  try {
    await startServer({ backend: "docker", stateDir: tmpDir("no-engine"), quiet: true }).then(
      () => assert.unreachable("started without an engine"),
      (e: Error) => assert.match(e.message, /^backend docker \(option backend \/ SAGEMAKER_LOCAL_BACKEND\) but no Docker engine answers: .*nonexistent/),
    );
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
  process.env.SAGEMAKER_LOCAL_BACKEND = "dokcer";
  try {
    await startServer({ trainerCommand: FAKE_TRAINER, stateDir: tmpDir("misspelt"), quiet: true }).then(
      () => assert.unreachable("started with a misspelt backend"),
      (e: Error) => assert.match(e.message, /SAGEMAKER_LOCAL_BACKEND="dokcer": expected one of auto, docker, process/),
    );
  } finally {
    delete process.env.SAGEMAKER_LOCAL_BACKEND;
  }

  const { srv, sm, dir } = await localServer({ backend: "docker", startTimeoutMs: 4000 });
  try {
    const out = tmpDir("bad-out");
    // the image's own failure file is the FailureReason
    await sm.send(new CreateTrainingJobCommand(byocJob("byoc-fails", out, { fail: "alpha must be below 1, got 7" })));
    const f = await finished(sm, "byoc-fails");
    assert.is(f.TrainingJobStatus, "Failed");
    assert.is(f.FailureReason, "AlgorithmError: alpha must be below 1, got 7");
    // an image the engine lacks, backend docker: refused as AWS refuses an image ECR lacks
    await rejects(sm.send(new CreateTrainingJobCommand(byocJob("absent", out, {}, ECR_IMAGE))), "ValidationException", /^Requested image 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/ensemble:latest not found/);
    await rejects(sm.send(new CreateModelCommand({ ModelName: "absent", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: ECR_IMAGE } })), "ValidationException", /^Requested image .* not found/);
    // a name that is no image reference never reaches the docker CLI (where "--help" would be an option)
    await rejects(sm.send(new CreateTrainingJobCommand(byocJob("not-a-reference", out, {}, "--help"))), "ValidationException", /^Requested image --help not found in the local Docker engine \(backend docker: not a Docker image reference\)/);
    const tuning = { HyperParameterTuningJobName: "absent", HyperParameterTuningJobConfig: { Strategy: "Random" as const, ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 }, ParameterRanges: { ContinuousParameterRanges: [{ Name: "alpha", MinValue: "0", MaxValue: "1" }] } }, TrainingJobDefinition: { ...byocJob("x", out, {}, ECR_IMAGE), TrainingJobName: undefined, HyperParameters: undefined, StaticHyperParameters: {} } };
    await rejects(sm.send(new CreateHyperParameterTuningJobCommand(tuning as any)), "ValidationException", /^Requested image .* not found/);
    assert.is((await sm.send(new ListTrainingJobsCommand({}))).TrainingJobSummaries!.length, 1, "no job was created for the absent image");

    // a serve that never answers /ping 200: the endpoint Failed after startTimeoutMs, its container removed
    await sm.send(new CreateModelCommand({ ModelName: "never-ready", ExecutionRoleArn: ROLE, PrimaryContainer: { Image: BYOC, ModelDataUrl: `file://${writeModel()}`, Environment: { BYOC_NEVER_READY: "1" } } }));
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: "never-ready", ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "never-ready", InstanceType: "ml.m5.large", InitialInstanceCount: 1 }] }));
    const t0 = Date.now();
    await sm.send(new CreateEndpointCommand({ EndpointName: "never-ready", EndpointConfigName: "never-ready" }));
    const e = await until(async () => {
      const x = await sm.send(new DescribeEndpointCommand({ EndpointName: "never-ready" }));
      return x.EndpointStatus !== "Creating" && x;
    }, "the endpoint to fail", 60_000);
    assert.is(e.EndpointStatus, "Failed");
    assert.match(e.FailureReason!, /^the model server did not answer GET \/ping with 200 within 4000 ms \(startTimeoutMs\); last lines: .*byoc: serving on 127\.0\.0\.1:\d+/);
    log(`a serve that never answers /ping: endpoint Failed after ${((Date.now() - t0) / 1000).toFixed(1)} s (startTimeoutMs 4 s)`);
    await sm.send(new DeleteEndpointCommand({ EndpointName: "never-ready" }));
    await noContainers(dir, "after the failures");
  } finally {
    await srv.close();
  }
});

/** a model.tar.gz for the BYOC image (its model.json), made with tar */
function writeModel(): string {
  const d = tmpDir("byoc-model-src");
  fs.writeFileSync(path.join(d, "model.json"), JSON.stringify({ rows: 1, hyperparameters: {} }));
  const tgz = path.join(tmpDir("byoc-model-tgz"), "model.tar.gz");
  execFileSync("tar", ["czf", tgz, "-C", d, "model.json"]);
  return tgz;
}

t("every end of a container: StopTrainingJob, the container killed from outside mid-job and its docker client killed (the job Failed, the server up), StopHyperParameterTuningJob, close() with a job running", async () => {
  const { srv, sm, dir } = await localServer({ trainerCommand: FAKE_TRAINER });
  const out = tmpDir("ends-out");
  const waitContainers = (n: number) => until(async () => containersOf(dir).length >= n && containersOf(dir), `${n} container(s)`, 30_000);
  // a stop is SIGTERM then SIGKILL after SageMaker's 120 s: sent before the image's node (PID 1) handles SIGTERM, it is
  // ignored and the container lives the 120 s — wait for the image to say it has started
  const waitStarted = async (n: number) => {
    const names = await waitContainers(n);
    await until(async () => names.every((c) => dockerSync(["logs", c]).includes("byoc: training")), `${n} container(s) to start training`, 30_000);
    return names;
  };
  try {
    // StopTrainingJob: SIGTERM in the container (the image exits on it), Stopped, the container gone
    await sm.send(new CreateTrainingJobCommand(byocJob("byoc-stop", out, { sleep: "60" })));
    await waitStarted(1);
    await sm.send(new StopTrainingJobCommand({ TrainingJobName: "byoc-stop" }));
    const s = await finished(sm, "byoc-stop", 30_000);
    assert.is(s.TrainingJobStatus, "Stopped");
    await noContainers(dir, "after StopTrainingJob");

    // killed from outside (as when the Docker engine loses it): Failed, saying so; the server goes on serving
    await sm.send(new CreateTrainingJobCommand(byocJob("byoc-killed", out, { sleep: "60" })));
    const [name] = await waitContainers(1);
    dockerSync(["kill", name]);
    const k = await finished(sm, "byoc-killed", 30_000);
    assert.is(k.TrainingJobStatus, "Failed");
    assert.match(k.FailureReason!, new RegExp(`^AlgorithmError: container ${name} exited with code 137 \\(the container was killed`));
    // the docker client killed (the job loses the engine): Failed, and the container it leaves is removed
    await sm.send(new CreateTrainingJobCommand(byocJob("byoc-client-killed", out, { sleep: "60" })));
    const [orphan] = await waitContainers(1);
    const client = srv.training.running.get("byoc-client-killed")!.container!;
    assert.is(client.name, orphan);
    process.kill(client.proc.pid!, "SIGKILL");
    const c = await finished(sm, "byoc-client-killed", 30_000);
    assert.is(c.TrainingJobStatus, "Failed");
    assert.match(c.FailureReason!, new RegExp(`^AlgorithmError: the docker client of container ${orphan} was killed by signal SIGKILL`));
    await noContainers(dir, "after the docker client was killed");
    await sm.send(new CreateTrainingJobCommand(byocJob("byoc-after-kill", out)));
    assert.is((await finished(sm, "byoc-after-kill")).TrainingJobStatus, "Completed");
    await noContainers(dir, "after the kill");

    // a tuning job stopped with 2 trials running in parallel: both containers stopped (the path early stopping takes)
    const def = { ...byocJob("x", out, { sleep: "60" }), TrainingJobName: undefined, HyperParameters: undefined, StaticHyperParameters: { sleep: "60" } };
    await sm.send(new CreateHyperParameterTuningJobCommand({
      HyperParameterTuningJobName: "byoc-tuning",
      HyperParameterTuningJobConfig: {
        Strategy: "Random",
        HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "loss" },
        ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 },
        ParameterRanges: { ContinuousParameterRanges: [{ Name: "alpha", MinValue: "0", MaxValue: "1" }] },
      },
      TrainingJobDefinition: def as any,
    }));
    assert.is((await waitStarted(2)).length, 2);
    await sm.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: "byoc-tuning" }));
    const tj = await until(async () => {
      const x = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: "byoc-tuning" }));
      return x.HyperParameterTuningJobStatus === "Stopped" && x;
    }, "the tuning job to stop", 30_000);
    assert.is(tj.TrainingJobStatusCounters!.Stopped, 2);
    await noContainers(dir, "after StopHyperParameterTuningJob");

    // close() while a job runs: its container goes with the server
    await sm.send(new CreateTrainingJobCommand(byocJob("byoc-close", out, { sleep: "60" })));
    await waitContainers(1);
  } finally {
    await srv.close();
  }
  await noContainers(dir, "after close()");
});

t("a server killed with -9 leaves its container running; the next server on the state folder removes it (recovery)", async () => {
  const dir = tmpDir("crash");
  const out = tmpDir("crash-out");
  const root = path.join(__dirname, "..");
  const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), path.join(root, "tools", "sagemaker-local.ts"), "--port", "0", "--state-dir", dir, "--backend", "docker"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let text = "";
    child.stdout!.on("data", (d) => (text += d));
    child.stderr!.on("data", (d) => (text += d));
    const url = await until(async () => (/listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text) ?? [])[1], "the standalone server", 60_000);
    const sm = new SageMakerClient({ endpoint: url, region: "us-east-1", credentials: creds });
    await sm.send(new CreateTrainingJobCommand(byocJob("byoc-crash", out, { sleep: "60" })));
    await until(async () => containersOf(dir).length === 1, "the container", 30_000);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.is(containersOf(dir).length, 1, "the container outlives a server killed with -9");
  } finally {
    child.kill("SIGKILL");
  }
  const { srv, sm } = await localServer({ stateDir: dir, trainerCommand: FAKE_TRAINER });
  try {
    assert.equal(containersOf(dir), [], "recovery removed the orphan");
    assert.match(fs.readFileSync(path.join(dir, "server.log"), "utf8"), /recovery: removed 1 Docker container\(s\) left by a server that stopped: sagemaker-local-byoc-crash-train-/);
    assert.is((await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "byoc-crash" }))).TrainingJobStatus, "Failed");
  } finally {
    await srv.close();
  }
});

t("the seed's flow with the trainer image in Docker: train → tune (2 parallel trials) → serverless deploy → predict → delete; containers seen while jobs run, gone after", async () => {
  const b = await ensureTrainerImage(BASE, log);
  log(`trainer image ${TRAINER_IMAGE} ready (${(b.ms / 1000).toFixed(1)} s of docker build in this process)`);
  const stateDir = tmpDir("docker-flow");
  const sess = session({ mode: "local", stateDir, imageUri: TRAINER_IMAGE, local: { backend: "docker" }, log: null, pollMs: 200 });
  // docker ps every 200 ms: the most containers of this state folder seen at once, by kind
  const seen = { train: 0, serve: 0 };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const names = containersOf(stateDir);
      seen.train = Math.max(seen.train, names.filter((n) => /-train-[0-9a-f]{6}$/.test(n)).length);
      seen.serve = Math.max(seen.serve, names.filter((n) => /-serve-[0-9a-f]{6}$/.test(n)).length);
      await sleep(200);
    }
  })();
  const t0 = Date.now();
  try {
    const est = new Estimator({ session: sess, hyperparameters: { models: "xgboost,catboost", k_fold: 3, num_round: 10 }, baseJobName: "docker" });
    const d = (await est.fit({ train: DIABETES }, { logs: false }))!;
    assert.is(d.TrainingJobStatus, "Completed");
    assert.match(d.SecondaryStatusTransitions!.find((s) => s.Status === "Training")!.StatusMessage!, /backend docker: image ensemble-workbook-trainer:test/);
    const m = est.metrics();
    assert.ok(m["validation:rmse"] > 40 && m["validation:rmse"] < 80, JSON.stringify(m));
    assert.is(seen.train, 1, "the training job's container in docker ps");
    const tTrain = Date.now();
    const tuner = new HyperparameterTuner({
      estimator: est,
      objectiveMetricName: "validation:rmse",
      objectiveType: "Minimize",
      hyperparameterRanges: { eta: new ContinuousParameter(0.2, 0.3), max_depth: new IntegerParameter(3, 4) },
      strategy: "Random",
      maxJobs: 2,
      maxParallelJobs: 2,
      randomSeed: 7,
    });
    const td = (await tuner.fit({ train: DIABETES }))!;
    assert.is(td.HyperParameterTuningJobStatus, "Completed");
    assert.is(td.TrainingJobStatusCounters!.Completed, 2);
    assert.is(seen.train, 2, "the 2 parallel trials' containers at once in docker ps");
    const tTune = Date.now();
    const predictor = await tuner.deploy({ serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } });
    const rows = loadDiabetes().slice(0, 20);
    const got = (await predictor.predict(rows)) as Float64Array;
    // lib's own loadEnsemble on the model.tar.gz the endpoint serves (extracted with tar)
    const { sm } = await sess.clients();
    const best = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: (await tuner.bestTrainingJob())! }));
    const modelDir = tmpDir("docker-flow-model");
    execFileSync("tar", ["xzf", best.ModelArtifacts!.S3ModelArtifacts!.replace(/^file:\/\//, ""), "-C", modelDir]);
    const ens = loadEnsemble(modelDir);
    try {
      const ref = ens.predict(rows).prediction;
      assert.is(got.length, ref.length);
      for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(got[i] - ref[i]) <= 1e-6 * Math.max(1, Math.abs(ref[i])), `prediction ${i}: ${got[i]} vs ${ref[i]}`);
    } finally {
      ens.free();
    }
    assert.is(seen.serve, 1, "the serverless endpoint's container in docker ps");
    assert.is(containersOf(stateDir).length, 1, "only the endpoint's container runs now");
    // scale to zero stops the container; the next invocation is a cold start in a new one
    const before = predictor.coldStarts.length;
    (await sess.localServer())!.endpoints.scaleToZero(predictor.endpointName);
    await noContainers(stateDir, "after the scale to zero");
    const again = (await predictor.predict(rows)) as Float64Array;
    assert.equal(Array.from(again), Array.from(got));
    assert.is(predictor.coldStarts.length, before + 1);
    log(`trainer image's serve through the local SageMaker: serverless cold start ${predictor.coldStarts[before]} ms (docker run → /ping 200)`);
    await predictor.delete();
    await noContainers(stateDir, "after the endpoint's deletion");
    log(`seed flow in Docker: training job ${((tTrain - t0) / 1000).toFixed(1)} s, tuning 2 trials / 2 parallel ${((tTune - tTrain) / 1000).toFixed(1)} s, deploy + predict + delete ${((Date.now() - tTune) / 1000).toFixed(1)} s`);
  } finally {
    polling = false;
    await poller;
    await sess.close();
  }
  await noContainers(stateDir, "after the session closed");
});

test.run();
