/**
 * Benchmark of `trainer serve` (a script, not a test), loopback only, bounded duration.
 *
 *   npx tsx bench/serve.ts [--model <dir>] [--seconds 10] [--runs 5]
 *
 * Without --model it first trains the default ensemble (hyperparameters
 * {} = models xgboost,catboost with lib's default rounds, k_fold 5) with
 * `trainer train` on data/diabetes.csv into a temporary OPT_ML tree.
 *
 * Measures
 *   1. cold start: spawn → first 200 from GET /ping (median of --runs), for the
 *      launcher local mode uses (node_modules/.bin/tsx trainer/main.ts serve: a
 *      CLI process that starts a second node), a one-process launcher
 *      (node --require tsx/cjs trainer/main.ts serve) and the esbuild bundle the
 *      Dockerfile runs (node out/trainer/main.js serve, built by trainer/bundle.ts);
 *   2. single-row latency: sequential POST /invocations (text/csv, one row),
 *      one keep-alive connection, client-side hrtime → p50 / p99 / max;
 *   3. throughput: autocannon, 50 connections, single-row CSV bodies → req/s
 *      and autocannon's latency p50 / p99 under that load; one process, then
 *      SAGEMAKER_MODEL_SERVER_WORKERS=2.
 * The load generator runs on the same machine (it competes for the cores).
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { bundleTrainer } from "./training-job";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const autocannon = require("autocannon");

const ROOT = path.resolve(__dirname, "..");
const MAIN = path.join(ROOT, "trainer", "main.ts");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const BUNDLE = path.join(ROOT, "out", "trainer", "main.js");

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const SECONDS = Math.min(60, Number(arg("seconds", "10")));
const RUNS = Math.min(20, Number(arg("runs", "5")));

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const c of children) {
    try {
      process.kill(-c.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  }
};
process.on("exit", killAll);
process.on("SIGINT", () => process.exit(130));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/ping", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
  });
}

interface Started {
  child: ChildProcess;
  port: number;
  coldMs: number;
}

type Launcher = "tsx-cli" | "node-require" | "bundle";
const LAUNCHERS: Record<Launcher, [string, string[], string]> = {
  "tsx-cli": [TSX, [MAIN, "serve"], "node_modules/.bin/tsx trainer/main.ts serve (local mode)"],
  "node-require": [process.execPath, ["--require", "tsx/cjs", MAIN, "serve"], "node --require tsx/cjs trainer/main.ts serve"],
  bundle: [process.execPath, [BUNDLE, "serve"], "node out/trainer/main.js serve (bundle, as in the Dockerfile)"],
};

async function startServe(optMl: string, launcher: Launcher, workers = 1): Promise<Started> {
  const port = await freePort();
  const [cmd, args] = LAUNCHERS[launcher];
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, OPT_ML: optMl, SAGEMAKER_BIND_TO_PORT: String(port), SAGEMAKER_BIND_TO_HOST: "127.0.0.1", SAGEMAKER_MODEL_SERVER_WORKERS: String(workers) },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  children.add(child);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if ((await ping(port)) === 200) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve (${launcher}) did not answer /ping`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return { child, port, coldMs: Number(process.hrtime.bigint() - t0) / 1e6 };
}

async function stop(s: Started): Promise<void> {
  const exited = new Promise((r) => s.child.once("close", r));
  try {
    process.kill(-s.child.pid!, "SIGTERM");
  } catch {
    /* gone */
  }
  await exited;
  children.delete(s.child);
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function sequentialLatency(port: number, body: string, seconds: number): Promise<{ n: number; p50: number; p99: number; max: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port, method: "POST", path: "/invocations", agent, headers: { "Content-Type": "text/csv", "Content-Length": Buffer.byteLength(body) } },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
          res.resume();
          res.on("end", () => resolve());
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  for (let i = 0; i < 300; i++) await one(); // warm-up
  const times: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end && times.length < 200_000) {
    const t0 = process.hrtime.bigint();
    await one();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return { n: times.length, p50: quantile(times, 0.5), p99: quantile(times, 0.99), max: times[times.length - 1] };
}

function cannon(port: number, body: string, seconds: number): Promise<any> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/invocations`,
        method: "POST",
        headers: { "content-type": "text/csv" },
        body,
        connections: 50,
        duration: seconds,
      },
      (err: Error | null, result: any) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function main(): Promise<void> {
  let optMl = fs.mkdtempSync(path.join(os.tmpdir(), "bench-serve-"));
  const given = arg("model", "");
  try {
    if (given) {
      fs.symlinkSync(path.resolve(given), path.join(optMl, "model"));
    } else {
      const data = path.join(optMl, "input", "data", "train");
      fs.mkdirSync(data, { recursive: true });
      fs.mkdirSync(path.join(optMl, "input", "config"), { recursive: true });
      fs.copyFileSync(path.join(ROOT, "data", "diabetes.csv"), path.join(data, "diabetes.csv"));
      fs.writeFileSync(path.join(optMl, "input", "config", "hyperparameters.json"), "{}");
      const t0 = Date.now();
      const r = spawnSync(TSX, [MAIN, "train"], { cwd: ROOT, env: { ...process.env, OPT_ML: optMl }, encoding: "utf8", timeout: 600_000 });
      if (r.status !== 0) throw new Error(`train failed: ${r.stderr}`);
      const final = r.stdout.trim().split("\n").filter((l) => /^(train|validation)-rmse:/.test(l));
      console.log(`trained the default ensemble in ${((Date.now() - t0) / 1000).toFixed(1)} s (${final.join(" ")})`);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(optMl, "model", "manifest.json"), "utf8"));
    console.log(`model: ${manifest.members.map((m: any) => m.name).join(", ")}, blend ${manifest.blend}; node ${process.version}; ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()})`);

    // 1. cold start
    bundleTrainer((m) => console.error(m));
    const cold: Record<Launcher, number[]> = { "tsx-cli": [], "node-require": [], bundle: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const launcher of Object.keys(LAUNCHERS) as Launcher[]) {
        const s = await startServe(optMl, launcher);
        cold[launcher].push(s.coldMs);
        await stop(s);
      }
    }
    for (const [launcher, v] of Object.entries(cold)) {
      const sorted = [...v].sort((a, b) => a - b);
      console.log(`cold start, ${LAUNCHERS[launcher as Launcher][2]}: median ${quantile(sorted, 0.5).toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms over ${v.length} runs`);
    }

    // 2 + 3 on one server (the bundle: the same code the container runs)
    const s = await startServe(optMl, "bundle");
    const row = fs.readFileSync(path.join(ROOT, "data", "diabetes.csv"), "utf8").split("\n")[1].split(",").slice(0, -1).join(",") + "\n";
    const lat = await sequentialLatency(s.port, row, SECONDS);
    console.log(`single-row latency, sequential (${lat.n} requests in ${SECONDS} s): p50 ${lat.p50.toFixed(3)} ms, p99 ${lat.p99.toFixed(3)} ms, max ${lat.max.toFixed(3)} ms`);
    const cpu0 = cpuSeconds(s.child.pid!);
    const c = await cannon(s.port, row, SECONDS);
    const cpu1 = cpuSeconds(s.child.pid!);
    console.log(
      `autocannon, 50 connections, ${SECONDS} s: ${c.requests.average.toFixed(0)} req/s average (${c.requests.total} requests, ${c.non2xx} non-2xx, ${c.errors} errors, ${c.timeouts} timeouts); latency p50 ${c.latency.p50} ms, p99 ${c.latency.p99} ms`,
    );
    if (cpu0 !== undefined && cpu1 !== undefined && c.requests.total > 0) {
      const us = ((cpu1 - cpu0) * 1e6) / c.requests.total;
      console.log(
        `server CPU per request under that load: ${us.toFixed(0)} µs (user + system) → one dedicated core serves ≈ ${(1e6 / us).toFixed(0)} req/s; the server used ${(((cpu1 - cpu0) / SECONDS) * 100).toFixed(0)}% of a core (load average ${os.loadavg()[0].toFixed(2)})`,
      );
    }
    await stop(s);
    // the same load on SAGEMAKER_MODEL_SERVER_WORKERS=2 (node:cluster, one port)
    const s2 = await startServe(optMl, "bundle", 2);
    await sequentialLatency(s2.port, row, 1); // warm both workers a little
    const c2 = await cannon(s2.port, row, SECONDS);
    console.log(
      `autocannon, 50 connections, ${SECONDS} s, 2 workers: ${c2.requests.average.toFixed(0)} req/s average (${c2.requests.total} requests, ${c2.non2xx} non-2xx, ${c2.errors} errors); latency p50 ${c2.latency.p50} ms, p99 ${c2.latency.p99} ms`,
    );
    await stop(s2);
  } finally {
    killAll();
    fs.rmSync(optMl, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  killAll();
  process.exit(1);
});
