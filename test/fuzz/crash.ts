/**
 * The kill -9 campaign: the local SageMaker (its own process, the fake trainer as container program) runs a
 * workload — training jobs that upload model.tar.gz, a tuning job, a serverless endpoint being created — and is
 * SIGKILLed at a seeded random moment, or exactly at one of its narrowest windows (sagemaker-local/crash-points:
 * between writing a record's or an artifact's temporary file and renaming it, between saving a trial's training
 * job and its tuning job). Then a new server starts on the same state folder, and the invariants are checked:
 *
 *   - it starts: the state loads;
 *   - no training or tuning job is still InProgress / Stopping, no endpoint Creating; jobs cut off by the crash
 *     are Failed with a reason that says so;
 *   - every model.tar.gz under the outputs is whole (the system's `tar -tzf` reads it), every Completed job's
 *     artifact exists, and no temporary file of an interrupted write is left;
 *   - a tuning job lists exactly the training jobs made for it, and its TrainingJobStatusCounters and
 *     ObjectiveStatusCounters count them by their status;
 *   - no record was damaged (no <name>.json.corrupt), and no container process of the dead server still runs;
 *   - every few runs, a new training job completes on the recovered state.
 *
 * One state folder serves the whole campaign, so recoveries pile up as they would on a laptop.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { Budget, count, fail, Fuzz, httpRequest, newTally, ServerProcess, startSageMakerProcess, Tally } from "./common";

export interface CampaignOptions {
  kills: number;
  seconds: number;
  seed: number;
  log?: (line: string) => void;
}

type Json = Record<string, unknown>;

const POINTS = ["record-rename", "artifact-rename", "trial-recorded"];
const ROLE = "arn:aws:iam::123456789012:role/SageMakerRole";

async function api(port: number, op: string, body: Json, timeoutMs = 5000): Promise<Json> {
  const r = await httpRequest(port, "POST", "/", { "content-type": "application/x-amz-json-1.1", "x-amz-target": `SageMaker.${op}` }, JSON.stringify(body), timeoutMs);
  const j = JSON.parse(r.body.toString("utf8") || "{}") as Json;
  if (r.status !== 200) throw new Error(`${op}: ${r.status} ${JSON.stringify(j).slice(0, 300)}`);
  return j;
}

/** every item of a List… operation, all pages */
async function listAll(port: number, op: string, key: string, extra: Json = {}): Promise<Json[]> {
  const out: Json[] = [];
  let token: unknown;
  do {
    const r = await api(port, op, { ...extra, MaxResults: 100, ...(token ? { NextToken: token } : {}) });
    out.push(...((r[key] as Json[]) ?? []));
    token = r.NextToken;
  } while (token);
  return out;
}

function trainingRequest(name: string, data: string, out: string, hp: Record<string, string>): Json {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: "img", TrainingInputMode: "File", MetricDefinitions: [{ Name: "validation:rmse", Regex: "validation-rmse:([0-9.]+)" }] },
    HyperParameters: hp,
    InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${data}` } } }],
    OutputDataConfig: { S3OutputPath: `file://${out}` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 120 },
  };
}

/** processes whose environment names an OPT_ML inside `stateDir` (Linux) */
function containerProcesses(stateDir: string): number[] {
  if (process.platform !== "linux") return [];
  const prefix = path.resolve(stateDir) + path.sep;
  return fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").some((v) => v.startsWith("OPT_ML=") && v.slice(7).startsWith(prefix));
    } catch {
      return false;
    }
  });
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

export async function crashCampaign(opts: CampaignOptions): Promise<Tally> {
  const log = opts.log ?? (() => undefined);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "crash-campaign-"));
  const state = path.join(root, "state");
  const data = path.join(root, "data");
  const out = path.join(root, "out");
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(data, "train.csv"), "1,2,3\n4,5,6\n7,8,9\n");
  const t = newTally("kill -9 campaign (local SageMaker)");
  const f = new Fuzz(opts.seed);
  const t0 = Date.now();
  let restarts = 0;
  let artifacts = 0;
  let run = 0;
  try {
    while (run < opts.kills && Date.now() - t0 < opts.seconds * 1000) {
      run++;
      t.inputs = run;
      // 1. a server that will crash: at a crash point (its n-th pass), or at a random moment
      const atPoint = f.chance(0.5);
      const point = f.pick(POINTS);
      const nth = 1 + f.int(6);
      const env: Record<string, string> = atPoint ? { SAGEMAKER_LOCAL_CRASH_AT: `${point}:${nth}` } : {};
      let srv: ServerProcess;
      try {
        srv = await startSageMakerProcess(state, env);
      } catch (e) {
        // the crash point was reached while the server recovered the folder (it saves records then): a crash
        // during recovery, which the next start must survive too
        if (!atPoint || !/exited \(SIGKILL\)/.test((e as Error).message)) throw e;
        count(t, `crashed at ${point} while recovering`);
        await restart();
        continue;
      }
      const killAfter = atPoint ? 6000 : 100 + f.int(2400);
      let timedOut = false;
      const killer = setTimeout(() => {
        timedOut = true;
        srv.kill("SIGKILL");
      }, killAfter);
      // 2. the workload, until the server dies (requests to a dead server just fail)
      const workload = (async () => {
        const port = srv.port;
        const tag = `r${run}`;
        await api(port, "CreateTrainingJob", trainingRequest(`job-${tag}`, data, out, { num_round: String(2 + f.int(5)), sleep_ms: String(f.int(150)) }));
        await api(port, "CreateHyperParameterTuningJob", {
          HyperParameterTuningJobName: `tune-${tag}`,
          HyperParameterTuningJobConfig: {
            Strategy: "Random",
            HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" },
            ResourceLimits: { MaxNumberOfTrainingJobs: 3 + f.int(4), MaxParallelTrainingJobs: 2 },
            ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.05", MaxValue: "0.5" }] },
            RandomSeed: run,
          },
          TrainingJobDefinition: { ...trainingRequest("x", data, out, { num_round: "3", sleep_ms: String(f.int(100)) }), TrainingJobName: undefined, HyperParameters: undefined, StaticHyperParameters: { max_depth: "4" } },
        });
        // an endpoint from the artifact of an earlier run's job, while this run's jobs go on
        const done = fs.existsSync(out) ? filesUnder(out).filter((p) => p.endsWith("model.tar.gz")) : [];
        if (done.length) {
          await api(port, "CreateModel", { ModelName: `m-${tag}`, PrimaryContainer: { Image: "img", ModelDataUrl: `file://${f.pick(done)}` } });
          await api(port, "CreateEndpointConfig", { EndpointConfigName: `c-${tag}`, ProductionVariants: [{ VariantName: "AllTraffic", ModelName: `m-${tag}`, ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 2 } }] });
          await api(port, "CreateEndpoint", { EndpointName: `e-${tag}`, EndpointConfigName: `c-${tag}` });
        }
        for (;;) {
          await api(port, "DescribeHyperParameterTuningJob", { HyperParameterTuningJobName: `tune-${tag}` });
          await new Promise((r) => setTimeout(r, 50));
        }
      })().catch(() => undefined);
      const ended = await srv.exited;
      clearTimeout(killer);
      await workload;
      if (ended.signal !== "SIGKILL") fail(t, `run ${run}: the server exited by itself (${ended.signal ?? ended.code}): ${srv.output().slice(-500)}`, "");
      else count(t, !atPoint ? "killed at a random moment" : timedOut ? `${point} not reached ${nth}×: killed after 6 s` : `crashed at ${point}`);
      // 3. the next server on the same folder, and the invariants
      await restart();
    }
  } finally {
    t.seconds = (Date.now() - t0) / 1000;
    fs.rmSync(root, { recursive: true, force: true });
  }
  t.outcomes.restarts = restarts;
  t.outcomes["model.tar.gz files checked whole"] = artifacts;
  log(`${run} kills, ${restarts} restarts, ${t.failures.length} invariant violations`);
  return t;

  async function restart(): Promise<void> {
    let srv: ServerProcess;
    try {
      srv = await startSageMakerProcess(state);
    } catch (e) {
      fail(t, `run ${run}: the state folder does not load: ${(e as Error).message}`, "");
      throw e;
    }
    restarts++;
    try {
      await check(srv);
    } catch (e) {
      fail(t, `run ${run}: checking the invariants failed: ${(e as Error).message}`, "");
    } finally {
      srv.kill("SIGTERM");
      await Promise.race([srv.exited, new Promise((r) => setTimeout(r, 5000))]);
      srv.kill("SIGKILL");
    }
  }

  async function check(srv: ServerProcess): Promise<void> {
    const port = srv.port;
    const v = (what: string) => fail(t, `run ${run}: ${what}`, "");
    const jobs = await listAll(port, "ListTrainingJobs", "TrainingJobSummaries");
    // 16 at a time, as an SDK client would (a burst of hundreds of new connections meets the connection cap)
    const described: Json[] = [];
    for (let i = 0; i < jobs.length; i += 16)
      described.push(...(await Promise.all(jobs.slice(i, i + 16).map((j) => api(port, "DescribeTrainingJob", { TrainingJobName: j.TrainingJobName })))));
    for (const d of described) {
      const status = d.TrainingJobStatus as string;
      if (status === "InProgress" || status === "Stopping") v(`training job ${d.TrainingJobName} is ${status} after a restart`);
      if (status === "Failed" && !d.FailureReason) v(`training job ${d.TrainingJobName} Failed without a reason`);
      if (status === "Completed") {
        const uri = (d.ModelArtifacts as Json | undefined)?.S3ModelArtifacts as string | undefined;
        if (!uri || !fs.existsSync(uri.replace(/^file:\/\//, ""))) v(`Completed job ${d.TrainingJobName} has no model.tar.gz (${uri})`);
      }
    }
    for (const file of filesUnder(out)) {
      if (path.basename(file).endsWith(".tmp")) v(`a temporary file of an interrupted upload is left: ${file}`);
      else if (file.endsWith(".tar.gz")) {
        try {
          execFileSync("tar", ["-tzf", file], { stdio: "pipe" });
          artifacts++;
        } catch (e) {
          v(`${file} is not a whole tar.gz: ${(e as Error).message.split("\n")[0]}`);
        }
      }
    }
    const tunings = await listAll(port, "ListHyperParameterTuningJobs", "HyperParameterTuningJobSummaries");
    for (const s of tunings) {
      const name = s.HyperParameterTuningJobName as string;
      const d = await api(port, "DescribeHyperParameterTuningJob", { HyperParameterTuningJobName: name });
      if (d.HyperParameterTuningJobStatus === "InProgress" || d.HyperParameterTuningJobStatus === "Stopping") v(`tuning job ${name} is ${d.HyperParameterTuningJobStatus} after a restart`);
      const trials = await listAll(port, "ListTrainingJobsForHyperParameterTuningJob", "TrainingJobSummaries", { HyperParameterTuningJobName: name });
      const own = described.filter((j) => j.TuningJobArn === d.HyperParameterTuningJobArn).map((j) => j.TrainingJobName as string).sort();
      const listed = trials.map((x) => x.TrainingJobName as string).sort();
      if (JSON.stringify(own) !== JSON.stringify(listed)) v(`tuning job ${name} lists trials [${listed}] but its training jobs are [${own}]`);
      const c = d.TrainingJobStatusCounters as Record<string, number>;
      const byStatus = (st: string) => described.filter((j) => own.includes(j.TrainingJobName as string) && j.TrainingJobStatus === st).length;
      const expect = { Completed: byStatus("Completed"), InProgress: byStatus("InProgress") + byStatus("Stopping"), Stopped: byStatus("Stopped"), NonRetryableError: byStatus("Failed"), RetryableError: 0 };
      if (JSON.stringify(c) !== JSON.stringify({ ...c, ...expect })) v(`tuning job ${name}: TrainingJobStatusCounters ${JSON.stringify(c)}, its trials say ${JSON.stringify(expect)}`);
      const o = d.ObjectiveStatusCounters as Record<string, number>;
      if (o.Succeeded + o.Pending + o.Failed !== own.length) v(`tuning job ${name}: ObjectiveStatusCounters ${JSON.stringify(o)} do not add up to its ${own.length} trials`);
    }
    for (const e of await listAll(port, "ListEndpoints", "Endpoints")) if (e.EndpointStatus === "Creating") v(`endpoint ${e.EndpointName} is still Creating`);
    for (const file of filesUnder(state)) {
      if (file.endsWith(".corrupt")) v(`a record was damaged: ${file}`);
      if (/\/(training-jobs|tuning-jobs|models|endpoint-configs|endpoints)\/\.[^/]+\.tmp$/.test(file)) v(`a temporary record file is left: ${file}`);
    }
    const orphans = containerProcesses(state).filter((pid) => pid !== srv.pid);
    // the new server's own children (the endpoint's model servers it starts) are not orphans: only count those it did not start
    const stray = orphans.filter((pid) => {
      try {
        return Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[1]) !== srv.pid;
      } catch {
        return false;
      }
    });
    if (stray.length) v(`container processes of the dead server still run: ${stray.join(", ")}`);
    // now and then: the recovered state takes new work
    if (restarts % 4 === 0) {
      const name = `after-${run}`;
      await api(port, "CreateTrainingJob", trainingRequest(name, data, out, { num_round: "2" }));
      let status = "InProgress";
      for (let i = 0; i < 200 && status === "InProgress"; i++) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await api(port, "DescribeTrainingJob", { TrainingJobName: name })).TrainingJobStatus as string;
      }
      if (status !== "Completed") v(`a new training job on the recovered state ended ${status}`);
    }
  }
}

export type { Budget };
