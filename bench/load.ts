/**
 * Under load (issue 17): the two local servers kept busy, memory watched. A measurement, not a test.
 *
 *   npx tsx bench/load.ts [--seconds 60] [--model <dir>] [--only endpoint|flood|control]   (or npm run bench:load)
 *
 *   1. endpoint   `trainer serve` (one process, as local mode starts it) under autocannon at 50 connections for
 *                 --seconds: a mix of 1-row CSV, 20-row CSV and 5-row JSON bodies. Requests, errors (socket
 *                 errors, timeouts, non-2xx), latency, and the server's RSS at start, end and peak (sampled
 *                 every second from /proc).
 *   2. flood      2 000 connections opened against the endpoint and held (half of them sending half a request),
 *                 while a client scores one row and pings every 100 ms: how many of those succeed, how slowly,
 *                 and how many flood sockets the connection cap closed.
 *   3. control    the local SageMaker (its own process, the project's trainer) running a Bayesian tuning job
 *                 (real trainer, 3-fold, 2 trials at a time) while 20 SDK clients poll DescribeHyperParameterTuningJob,
 *                 ListTrainingJobsForHyperParameterTuningJob and DescribeTrainingJob for --seconds: requests,
 *                 errors, RSS of the server process at start, end and peak, and its V8 heap (GET /_local/health).
 *
 * Without --model the endpoint serves the trainer's default ensemble trained on data/diabetes.csv. Everything
 * runs on loopback, on the same cores as the load generators.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
  CreateHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const autocannon = require("autocannon");

const ROOT = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const SECONDS = Number(opt("seconds") ?? 60);
const ONLY = opt("only");
if (!(SECONDS > 0)) throw new Error(`--seconds ${opt("seconds")}: not a positive number`);

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/** resident set size of a process in MB (Linux /proc) */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** samples a process's RSS every second: start, peak, end, and the curve (every 10th sample) */
function watch(pid: number): { stop(): { start: number; peak: number; end: number; curve: string } } {
  const samples = [rssMb(pid)];
  const timer = setInterval(() => samples.push(rssMb(pid)), 1000);
  return {
    stop() {
      clearInterval(timer);
      samples.push(rssMb(pid));
      const curve = samples.filter((_, i) => i % 10 === 0 || i === samples.length - 1).map((v) => v.toFixed(0)).join(" → ");
      return { start: samples[0], peak: Math.max(...samples), end: samples[samples.length - 1], curve };
    },
  };
}

function spawnUntil(cmd: string, argv: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let out = "";
  return new Promise((resolve, reject) => {
    const on = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ child, match: m });
    };
    child.stdout!.on("data", on);
    child.stderr!.on("data", (d) => (out += d));
    child.on("exit", (code) => reject(new Error(`${cmd} ${argv.join(" ")} exited (${code}): ${out.slice(-500)}`)));
  });
}

function request(port: number, method: string, p: string, body?: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: p, headers, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end(body);
  });
}

async function endpoint(optMl: string, rows: number[][]): Promise<void> {
  const { child, match } = await spawnUntil(process.execPath, ["--require", "tsx/cjs", "trainer/main.ts", "serve"], { OPT_ML: optMl, SAGEMAKER_BIND_TO_PORT: "0", SAGEMAKER_BIND_TO_HOST: "127.0.0.1" }, /serving on http:\/\/127\.0\.0\.1:(\d+)/);
  const port = Number(match[1]);
  const csv = (n: number) => rows.slice(0, n).map((r) => r.join(",")).join("\n") + "\n";
  const requests = [
    { method: "POST", path: "/invocations", headers: { "content-type": "text/csv" }, body: csv(1) },
    { method: "POST", path: "/invocations", headers: { "content-type": "text/csv" }, body: csv(20) },
    { method: "POST", path: "/invocations", headers: { "content-type": "application/json" }, body: JSON.stringify({ instances: rows.slice(0, 5) }) },
  ];
  for (let i = 0; i < 200; i++) await request(port, "POST", "/invocations", csv(1), { "content-type": "text/csv" }); // warm-up
  const mem = watch(child.pid!);
  const r = await new Promise<any>((resolve, reject) =>
    autocannon({ url: `http://127.0.0.1:${port}`, connections: 50, duration: SECONDS, requests, timeout: 10 }, (e: Error | null, res: unknown) => (e ? reject(e) : resolve(res))),
  );
  const m = mem.stop();
  const total = r.requests.total;
  console.log(`\n## endpoint: trainer serve, 50 connections, ${SECONDS} s (1-row CSV, 20-row CSV, 5-row JSON in turn)`);
  console.log(`requests ${total} (${r.requests.average.toFixed(0)} req/s), 2xx ${r["2xx"]}, non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}`);
  console.log(`latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms`);
  console.log(`RSS of the server: start ${m.start.toFixed(1)} MB, end ${m.end.toFixed(1)} MB, peak ${m.peak.toFixed(1)} MB (every 10 s: ${m.curve} MB)`);
  child.kill("SIGTERM");
}

async function flood(optMl: string, rows: number[][]): Promise<void> {
  const { child, match } = await spawnUntil(process.execPath, ["--require", "tsx/cjs", "trainer/main.ts", "serve"], { OPT_ML: optMl, SAGEMAKER_BIND_TO_PORT: "0", SAGEMAKER_BIND_TO_HOST: "127.0.0.1" }, /serving on http:\/\/127\.0\.0\.1:(\d+)/);
  const port = Number(match[1]);
  const socks: net.Socket[] = [];
  let closedByServer = 0;
  for (let i = 0; i < 2000; i++) {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => undefined);
    s.on("close", () => closedByServer++);
    if (i % 2) s.write("POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n");
    socks.push(s);
  }
  const body = rows[0].join(",") + "\n";
  const times: number[] = [];
  let ok = 0;
  let tries = 0;
  const end = Date.now() + Math.min(SECONDS, 10) * 1000;
  while (Date.now() < end) {
    const t0 = Date.now();
    const [a, b] = await Promise.all([request(port, "POST", "/invocations", body, { "content-type": "text/csv" }), request(port, "GET", "/ping")]);
    times.push(Date.now() - t0);
    tries += 2;
    ok += Number(a === 200) + Number(b === 200);
    await new Promise((r) => setTimeout(r, 100));
  }
  times.sort((x, y) => x - y);
  console.log(`\n## flood: 2 000 connections held against trainer serve (half with half a request), ${Math.min(SECONDS, 10)} s`);
  console.log(`a real client meanwhile: ${ok}/${tries} answered 200, latency p50 ${times[times.length >> 1]} ms, max ${times[times.length - 1]} ms; flood sockets closed by the cap: ${closedByServer}`);
  for (const s of socks) s.destroy();
  child.kill("SIGTERM");
}

async function controlPlane(): Promise<void> {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "bench-load-state-"));
  const { child, match } = await spawnUntil(process.execPath, ["--require", "tsx/cjs", "tools/sagemaker-local.ts", "--port", "0", "--state-dir", state], {}, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  const url = match[1];
  const creds = { accessKeyId: "x", secretAccessKey: "x" };
  const admin = new SageMakerClient({ endpoint: url, region: "us-east-1", credentials: creds });
  const name = "load-tuning";
  await admin.send(
    new CreateHyperParameterTuningJobCommand({
      HyperParameterTuningJobName: name,
      HyperParameterTuningJobConfig: {
        Strategy: "Bayesian",
        HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "validation:rmse" },
        ResourceLimits: { MaxNumberOfTrainingJobs: 200, MaxParallelTrainingJobs: 2 },
        ParameterRanges: { ContinuousParameterRanges: [{ Name: "eta", MinValue: "0.02", MaxValue: "0.5", ScalingType: "Logarithmic" }], IntegerParameterRanges: [{ Name: "max_depth", MinValue: "2", MaxValue: "6" }] },
      },
      TrainingJobDefinition: {
        StaticHyperParameters: { models: "xgboost,catboost", num_round: "20", k_fold: "3" },
        AlgorithmSpecification: { TrainingImage: "ensemble-workbook-trainer:local", TrainingInputMode: "File", MetricDefinitions: [{ Name: "validation:rmse", Regex: "validation-rmse:([0-9.]+)" }] },
        RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
        InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `file://${path.join(ROOT, "data", "diabetes.csv")}` } } }],
        OutputDataConfig: { S3OutputPath: `file://${path.join(state, "out")}` },
        ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      },
    }),
  );
  await new Promise((r) => setTimeout(r, 1000));
  type Mem = { heapUsed: number; heapTotal: number; external: number };
  const heap = async () => ((await (await fetch(`${url}/_local/health`)).json()) as { memoryMb: Mem }).memoryMb;
  const heaps: Mem[] = [await heap()];
  const heapTimer = setInterval(() => heap().then((h) => heaps.push(h), () => undefined), 10_000);
  const mem = watch(child.pid!);
  let requests = 0;
  const errors: string[] = [];
  const end = Date.now() + SECONDS * 1000;
  const pollers = Array.from({ length: 20 }, async (_, i) => {
    const sm = new SageMakerClient({ endpoint: url, region: "us-east-1", credentials: creds, maxAttempts: 1 });
    while (Date.now() < end) {
      try {
        if (i % 3 === 0) await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
        else if (i % 3 === 1) await sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, MaxResults: 100 }));
        else {
          const trials = await sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name, MaxResults: 5 }));
          requests++;
          const first = trials.TrainingJobSummaries?.[0]?.TrainingJobName;
          if (first) await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: first }));
        }
        requests++;
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    sm.destroy();
  });
  await Promise.all(pollers);
  const m = mem.stop();
  clearInterval(heapTimer);
  heaps.push(await heap());
  const d = await admin.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
  console.log(`\n## control plane: local SageMaker with a Bayesian tuning job (real trainer, 2 in parallel), 20 SDK clients polling Describe*/List*, ${SECONDS} s`);
  console.log(`requests ${requests} (${(requests / SECONDS).toFixed(0)} req/s), errors ${errors.length}${errors.length ? ` (first: ${errors[0]})` : ""}`);
  console.log(`trials meanwhile: ${JSON.stringify(d.TrainingJobStatusCounters)}`);
  console.log(`RSS of the server: start ${m.start.toFixed(1)} MB, end ${m.end.toFixed(1)} MB, peak ${m.peak.toFixed(1)} MB (every 10 s: ${m.curve} MB)`);
  console.log(`V8 heap used / total and external (GET /_local/health, not collected first), every 10 s: ${heaps.map((h) => `${h.heapUsed.toFixed(0)}/${h.heapTotal.toFixed(0)}+${h.external.toFixed(0)}`).join(" → ")} MB`);
  admin.destroy();
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  fs.rmSync(state, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.log(`node ${process.version}; ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}); load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  const optMl = fs.mkdtempSync(path.join(os.tmpdir(), "bench-load-"));
  const lines = fs.readFileSync(path.join(ROOT, "data", "diabetes.csv"), "utf8").trim().split("\n");
  const header = lines[0].split(",");
  const rows = lines.slice(1).map((l) => l.split(",").map(Number).filter((_, j) => header[j] !== "target"));
  try {
    if (ONLY !== "control") {
      if (opt("model")) fs.symlinkSync(path.resolve(opt("model")!), path.join(optMl, "model"));
      else {
        fs.mkdirSync(path.join(optMl, "input", "data", "train"), { recursive: true });
        fs.mkdirSync(path.join(optMl, "input", "config"), { recursive: true });
        fs.copyFileSync(path.join(ROOT, "data", "diabetes.csv"), path.join(optMl, "input", "data", "train", "diabetes.csv"));
        fs.writeFileSync(path.join(optMl, "input", "config", "hyperparameters.json"), "{}");
        const r = spawnSync(process.execPath, ["--require", "tsx/cjs", "trainer/main.ts", "train"], { cwd: ROOT, env: { ...process.env, OPT_ML: optMl }, encoding: "utf8" });
        if (r.status !== 0) throw new Error(`train failed: ${r.stderr}`);
        console.log("trained the default ensemble (xgboost + catboost, lib's default rounds) on data/diabetes.csv");
      }
    }
    if (!ONLY || ONLY === "endpoint") await endpoint(optMl, rows);
    if (!ONLY || ONLY === "flood") await flood(optMl, rows);
    if (!ONLY || ONLY === "control") await controlPlane();
  } finally {
    fs.rmSync(optMl, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
