/**
 * `npm run bench -- data` — ingest speed and memory of lib's table loader (issue 11), against numpy and
 * pandas (Debian's python3) reading the same file in the same run.
 *
 * Data: a 1M × 28 numeric CSV (label y and features x0..x26 of the synthetic set, bench/synth.ts, seeded;
 * float32 values as shortest text, ~275 MB; written once under bench/data/, git-ignored). Its float32 size
 * is 1M × 28 × 4 = 112 MB.
 * Phases, each timed (wall and CPU) in one fresh process per tool (ours: bench/data-worker.ts):
 *   - ours, at 1 and 2 threads (loadTable's `threads`: the CSV parsed in chunks on worker threads): read + parse
 *     (lib.loadTable → Float32Array columns), to matrix (lib.toMatrix → row-major
 *     float32 + label), to bins (the core's DMatrix copy + histogram binning, train with 0 rounds, max_bin 256);
 *   - pandas: pd.read_csv (C engine) → to_numpy(float32) → xgb.DMatrix → xgb.QuantileDMatrix (max_bin 256);
 *   - numpy: np.loadtxt(dtype=float32, delimiter=",", skiprows=1).
 * MB/s is CSV bytes per second of the phase; peak RSS is the process's maximum resident set (so it includes
 * everything the tool held), also given as a multiple of the 112 MB float32 size.
 *
 * Then a whole training job on the CSV (models xgboost,catboost, k_fold 3, 50 rounds; parallel_fits unset, 1 and 2;
 * and on half the rows): peak RSS ÷ the 112 MB float32 size, issue 11's memory bar (≤ 4×).
 *
 * Then the flights rows (bench/flights.ts): vega-datasets' flights-3m.parquet loaded by ours (Parquet, and the same
 * table as CSV) against pandas in the same run, and a whole training job's peak RSS on a Parquet channel of it.
 *
 * Options: --rows=1000000 (also e.g. 500000, to see memory grow linearly)  --skip=numpy,pandas,csv,flights,job  --job-rounds=50
 *          --repeat=1  --flights-rows=1000000 (the job's and the model table's training rows)  --flights-holdout=200000
 *          --flights-rounds=50 (the job's; the model table's are FLIGHTS_MODEL_PARAMS)  --skip=model (the model table)
 */
import * as fs from "fs";
import * as path from "path";
import { DATA_DIR, synth } from "./synth";
import { flightsBench, runJson } from "./flights";
import { runTrainingJob } from "./training-job";

const args = process.argv.slice(2).filter((a) => a !== "data");
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const ROWS = Number(opt("rows") ?? 1_000_000);
const NCOL = 28;
const skip = new Set((opt("skip") ?? "").split(",").filter(Boolean));
const repeat = Number(opt("repeat") ?? 1);
const PYTHON = "/usr/bin/python3";
const ROOT = path.join(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const log = (msg: string) => process.stderr.write(`[bench data] ${msg}\n`);

function f32Text(v: number): string {
  for (let p = 1; p <= 9; p++) {
    const t = v.toPrecision(p);
    if (Math.fround(Number(t)) === v) return String(Number(t));
  }
  return String(v);
}

/** The CSV (written once): header y,x0..x26, then ROWS rows. */
export function ingestCsv(rows: number): string {
  const file = path.join(DATA_DIR, `ingest-${rows}x${NCOL}.csv`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  log(`writing ${file} …`);
  const s = synth(rows, 20240601, 28);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, "w");
  fs.writeSync(fd, ["y", ...Array.from({ length: NCOL - 1 }, (_, j) => `x${j}`)].join(",") + "\n");
  let buf: string[] = [];
  for (let i = 0; i < rows; i++) {
    const cells = [f32Text(s.y[i])];
    for (let j = 0; j < NCOL - 1; j++) cells.push(f32Text(s.X[i * s.ncol + j]));
    buf.push(cells.join(","));
    if (buf.length === 20000) {
      fs.writeSync(fd, buf.join("\n") + "\n");
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, buf.join("\n") + "\n");
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return file;
}

interface Phase {
  name: string;
  wall: number;
  cpu: number;
}
interface Result {
  tool: string;
  phases: Phase[];
  maxRssMb: number;
  /** RSS before any data was read (runtime, libraries), when the tool reports it */
  baselineRssMb?: number;
  rows: number;
  check?: number;
}

const PANDAS = `
import json, resource, sys, time
import numpy as np, pandas as pd, xgboost as xgb
file = sys.argv[1]
phases = []
def timed(name, f):
    t0, c0 = time.perf_counter(), time.process_time()
    out = f()
    phases.append({"name": name, "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0})
    return out
df = timed("read + parse", lambda: pd.read_csv(file))
X = timed("to matrix", lambda: np.ascontiguousarray(df.drop(columns=["y"]).to_numpy(dtype=np.float32)))
y = df["y"].to_numpy(dtype=np.float32)
del df
timed("to bins", lambda: xgb.QuantileDMatrix(X, label=y, max_bin=256, nthread=1))
print(json.dumps({"tool": f"pandas {pd.__version__} read_csv → xgboost {xgb.__version__} QuantileDMatrix", "phases": phases,
  "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": int(X.shape[0]), "check": float(X[-1, -1])}))
`;

const NUMPY = `
import json, resource, sys, time
import numpy as np
file = sys.argv[1]
t0, c0 = time.perf_counter(), time.process_time()
A = np.loadtxt(file, dtype=np.float32, delimiter=",", skiprows=1)
phases = [{"name": "read + parse", "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}]
print(json.dumps({"tool": f"numpy {np.__version__} loadtxt", "phases": phases, "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
  "rows": int(A.shape[0]), "check": float(A[-1, -1])}))
`;

const run = (cmd: string, argv: string[], what: string) => runJson<Result>(cmd, argv, what, log);

function best(runs: (Result | undefined)[]): Result | undefined {
  const ok = runs.filter((r): r is Result => r !== undefined);
  if (!ok.length) return undefined;
  const total = (r: Result) => r.phases.reduce((s, p) => s + p.wall, 0);
  return ok.reduce((a, b) => (total(b) < total(a) ? b : a));
}

async function main(): Promise<void> {
  if (!skip.has("csv")) csvBench();
  if (!skip.has("flights")) {
    const out = (await flightsBench({ rows: Number(opt("flights-rows") ?? 1_000_000), rounds: Number(opt("flights-rounds") ?? 50), skipJob: skip.has("job"),
      modelRows: Number(opt("flights-rows") ?? 1_000_000), holdoutRows: Number(opt("flights-holdout") ?? 200_000), skipModel: skip.has("model") })).join("\n");
    console.log("\n" + out);
    fs.writeFileSync(path.join(DATA_DIR, "flights-results.md"), out + "\n");
  }
}

function csvBench(): void {
  const file = ingestCsv(ROWS);
  const bytes = fs.statSync(file).size;
  const f32Mb = (ROWS * NCOL * 4) / 1e6;
  const python = fs.existsSync(PYTHON);
  const results: Result[] = [];
  const times = (f: () => Result | undefined) => best(Array.from({ length: repeat }, f));
  log(`ours on ${path.basename(file)} (${(bytes / 1e6).toFixed(0)} MB), 1 and 2 threads`);
  const oursRuns: Record<number, (Result | undefined)[]> = { 1: [], 2: [] };
  for (let i = 0; i < repeat; i++) {
    // alternating 1, 2, 2, 1, …: the machine's load changes under both alike
    for (const threads of i % 2 ? [2, 1] : [1, 2]) oursRuns[threads].push(run(TSX, [path.join(__dirname, "data-worker.ts"), file, String(threads)], `ours, ${threads} threads`));
  }
  const ours = best(oursRuns[1]);
  const ours2 = best(oursRuns[2]);
  if (ours) results.push(ours);
  if (ours2) results.push(ours2);
  if (python && !skip.has("pandas")) {
    log("pandas");
    const r = times(() => run(PYTHON, ["-c", PANDAS, file], "pandas"));
    if (r) results.push(r);
  }
  if (python && !skip.has("numpy")) {
    log("numpy");
    const r = times(() => run(PYTHON, ["-c", NUMPY, file], "numpy"));
    if (r) results.push(r);
  }
  for (const r of results) if (r.check !== undefined && ours?.check !== undefined && r.check !== ours.check) log(`WARNING: ${r.tool} read the last cell as ${r.check}, ours ${ours.check}`);
  const parse = (r: Result) => r.phases.find((p) => p.name === "read + parse")!;
  const lines = [
    `CSV: ${ROWS.toLocaleString("en-US")} rows × ${NCOL} numeric columns, ${(bytes / 1e6).toFixed(0)} MB; float32 size ${f32Mb.toFixed(0)} MB. MB/s = CSV MB per second of the phase (wall; CPU-time MB/s in brackets).`,
    "",
    "| tool | phase | wall s | CPU s | MB/s (CPU) | parse MB/s ÷ pandas |",
    "|---|---|---:|---:|---:|---:|",
  ];
  const pandas = results.find((r) => r.tool.startsWith("pandas"));
  for (const r of results) {
    for (const p of r.phases) {
      const ratio = p.name === "read + parse" && pandas ? `${(parse(pandas).wall / p.wall).toFixed(2)}×` : "";
      lines.push(`| ${r.tool} | ${p.name} | ${p.wall.toFixed(2)} | ${p.cpu.toFixed(2)} | ${(bytes / 1e6 / p.wall).toFixed(0)} (${(bytes / 1e6 / p.cpu).toFixed(0)}) | ${ratio} |`);
    }
  }
  if (ours && ours2) {
    lines.push("", `Parse on 2 threads ÷ 1 thread (ours, same run): ${(parse(ours).wall / parse(ours2).wall).toFixed(2)}× the MB/s (wall), CPU ${parse(ours).cpu.toFixed(2)} → ${parse(ours2).cpu.toFixed(2)} s.`);
  }
  lines.push("", "| tool | peak RSS MB | ÷ float32 size | RSS before data MB | (peak − before) ÷ float32 size |", "|---|---:|---:|---:|---:|");
  for (const r of results) {
    const base = r.baselineRssMb;
    lines.push(`| ${r.tool} | ${r.maxRssMb.toFixed(0)} | ${(r.maxRssMb / f32Mb).toFixed(2)}× | ${base !== undefined ? base.toFixed(0) : "—"} | ${base !== undefined ? `${((r.maxRssMb - base) / f32Mb).toFixed(2)}×` : "—"} |`);
  }
  if (!skip.has("job")) lines.push("", ...csvJobs(file, ROWS));
  const out = lines.join("\n");
  console.log(out);
  fs.writeFileSync(path.join(DATA_DIR, `ingest-results-${ROWS}.md`), out + "\n");
}

/**
 * Issue 11's memory bar: a whole training job on the CSV (models xgboost,catboost, k_fold 3, 50 rounds) as the
 * container runs it, its peak RSS ÷ the data's float32 size — with parallel_fits 1 and 2 (the default on 2 cores),
 * and on half the rows with parallel_fits 1, to show the growth is linear.
 */
function csvJobs(file: string, rows: number): string[] {
  // parallel 0: parallel_fits unset (the default: for 2^24 cells or more, one fit at a time on every core)
  const hp = (parallel: number) => ({
    label: "y", models: "xgboost,catboost", k_fold: "3", num_round: String(opt("job-rounds") ?? 50), ...(parallel ? { parallel_fits: String(parallel) } : {}),
  });
  const half = Math.floor(rows / 2);
  const runs: { rows: number; parallel: number; file: string }[] = [
    { rows, parallel: 0, file },
    { rows, parallel: 1, file },
    { rows, parallel: 2, file },
    { rows: half, parallel: 0, file: ingestCsv(half) },
  ];
  const out = [
    `Whole training job on the CSV (the container's bundle under /usr/bin/time -v; ${JSON.stringify(hp(0))}, parallel_fits unset, 1 and 2):`,
    "",
    "| rows | parallel_fits | wall s | CPU s | peak RSS MB | ÷ float32 size (bar ≤ 4×) | fold 1 line |",
    "|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of runs) {
    log(`training job on ${r.rows.toLocaleString("en-US")} rows, parallel_fits ${r.parallel || "unset"} …`);
    const job = runTrainingJob(r.file, { fileName: "train.csv", hyperparameters: hp(r.parallel) }, log);
    if (!job) continue;
    const f32Mb = (r.rows * NCOL * 4) / 1e6;
    out.push(`| ${r.rows.toLocaleString("en-US")} | ${r.parallel || "unset"} | ${job.seconds.toFixed(1)} | ${job.cpu.toFixed(1)} | ${job.maxRssMb.toFixed(0)} | ${(job.maxRssMb / f32Mb).toFixed(2)}× | \`${job.tail.find((l) => l.startsWith("fold=1 ")) ?? ""}\` |`);
  }
  return out;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
