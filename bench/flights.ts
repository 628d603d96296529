/**
 * The flights part of `npm run bench -- data` (issue 11): vega-datasets' flights-3m.parquet — 3M real US flights,
 * 13 MB of ZSTD-compressed Parquet as Polars writes it (date timestamp, delay, distance, origin, destination).
 *
 *   1. load: lib.loadTable on the Parquet file (hyparquet + hyparquet-compressors), and on the same table written
 *      as CSV, against pandas (Debian's python3) in the same run. pandas reads Parquet only through pyarrow or
 *      fastparquet; when neither is installed (as on this machine) pandas reads the CSV only, and the table says so.
 *      pandas gets `dtype={"origin": "category", "destination": "category"}` (the codes-plus-dictionary storage
 *      ours uses; with Python strings it holds far more). Each load in its own fresh process: seconds, MB/s (file
 *      bytes per second), peak RSS.
 *   2. a whole training job on it: the container's bundle `out/trainer/main.js train` under `/usr/bin/time -v` (peak RSS)
 *      on a Parquet channel of `--flights-rows` (default 1,000,000) seeded random rows, predicting delay from
 *      distance, origin, destination (categorical, ~300 airports each) and the hour, day of week and month derived
 *      from the date; models xgboost,catboost, k_fold 3, 50 rounds (`--flights-rounds`).
 *   3. the model table (issue 11): the same features on `--flights-rows` seeded random training rows and
 *      `--flights-holdout` (200,000) held-out rows; ours lib.xgboost, lib.catboost and their mean
 *      (bench/flights-model-worker.ts) against native XGBoost 1.7.4 hist with enable_categorical on the same rows
 *      (NATIVE_MODEL), the same hyperparameters (FLIGHTS_MODEL_PARAMS), each in its own process: load time, train
 *      time, holdout RMSE, peak RSS. `--skip=model` leaves it out.
 * The derived files are written once under bench/data/ (git-ignored).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { CategoricalColumn, loadTable, vegaDataset } from "ensemble-workbook";
import { Rng } from "node-xgboost-wasm";
import { DATA_DIR } from "./synth";
import { runTrainingJob, type JobRun } from "./training-job";

const ROOT = path.join(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const PYTHON = "/usr/bin/python3";
const log = (msg: string) => process.stderr.write(`[bench flights] ${msg}\n`);

export interface FlightsOptions {
  rows: number;
  rounds: number;
  skipJob: boolean;
  /** the model table: train rows (issue 11: 1,000,000) and held-out rows (200,000) */
  modelRows: number;
  holdoutRows: number;
  skipModel: boolean;
}

interface LoadResult {
  tool: string;
  seconds: number;
  cpu: number;
  rows: number;
  maxRssMb: number;
  baselineRssMb?: number;
  check: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** flights-3m as CSV (written once): date as "YYYY-MM-DD HH:MM", the other columns as they are. */
async function flightsCsv(source: string): Promise<string> {
  const file = path.join(DATA_DIR, "flights-3m.csv");
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  log(`writing ${file} …`);
  const t = await loadTable(source, { progress: false });
  const date = t.column("date") as unknown as { at(i: number): Date };
  const delay = t.column("delay") as unknown as Float32Array, distance = t.column("distance") as unknown as Float32Array;
  const origin = t.column("origin") as unknown as CategoricalColumn, destination = t.column("destination") as unknown as CategoricalColumn;
  const fd = fs.openSync(`${file}.tmp`, "w");
  fs.writeSync(fd, "date,delay,distance,origin,destination\n");
  let buf: string[] = [];
  for (let i = 0; i < t.numRows(); i++) {
    const d = date.at(i);
    const when = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    buf.push(`${when},${delay[i]},${distance[i]},${origin.at(i)},${destination.at(i)}`);
    if (buf.length === 50_000) {
      fs.writeSync(fd, buf.join("\n") + "\n");
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, buf.join("\n") + "\n");
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

/** The training job's channel (written once): `rows` seeded random flights, features derived from the date. */
async function jobParquet(source: string, rows: number): Promise<string> {
  const file = path.join(DATA_DIR, `flights-features-${rows}.parquet`);
  if (fs.existsSync(file)) return file;
  log(`writing ${file} …`);
  const t = await loadTable(source, { progress: false });
  const n = t.numRows();
  if (rows > n) throw new Error(`--flights-rows=${rows}: the file has ${n} rows`);
  const pick = new Rng(20240601).permutation(n).subarray(0, rows);
  const date = t.column("date") as unknown as { at(i: number): Date };
  const delay = t.column("delay") as unknown as Float32Array, distance = t.column("distance") as unknown as Float32Array;
  const origin = t.column("origin") as unknown as CategoricalColumn, destination = t.column("destination") as unknown as CategoricalColumn;
  const col = (f: (i: number) => number) => Array.from(pick, f);
  const buf = parquetWriteBuffer({
    columnData: [
      { name: "delay", data: col((i) => delay[i]), type: "DOUBLE" },
      { name: "distance", data: col((i) => distance[i]), type: "DOUBLE" },
      { name: "origin", data: Array.from(pick, (i) => origin.at(i)), type: "STRING" },
      { name: "destination", data: Array.from(pick, (i) => destination.at(i)), type: "STRING" },
      { name: "hour", data: col((i) => date.at(i).getUTCHours()), type: "INT32" },
      { name: "day_of_week", data: col((i) => date.at(i).getUTCDay()), type: "INT32" },
      { name: "month", data: col((i) => date.at(i).getUTCMonth() + 1), type: "INT32" },
    ],
  });
  fs.writeFileSync(file, new Uint8Array(buf));
  return file;
}

const PANDAS = `
import json, resource, sys, time
import pandas as pd
file = sys.argv[1]
t0, c0 = time.perf_counter(), time.process_time()
df = pd.read_parquet(file) if file.endswith(".parquet") else pd.read_csv(file, dtype={"origin": "category", "destination": "category"})
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"tool": f"pandas {pd.__version__} " + ("read_parquet" if file.endswith(".parquet") else "read_csv (origin, destination as category)"),
  "seconds": seconds, "cpu": cpu, "rows": int(len(df)), "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
  "check": float(df["delay"].astype("float64").sum())}))
`;

/** Runs a measuring child process; its last stdout line is its JSON result (undefined, logged, when it fails). */
export function runJson<T>(cmd: string, argv: string[], what: string, report: (msg: string) => void = log, o: { showProgress?: boolean } = {}): T | undefined {
  // showProgress: the child's stderr (its progress lines) goes straight to ours
  const r = spawnSync(cmd, argv, { encoding: "utf8", maxBuffer: 1 << 24, cwd: ROOT, stdio: o.showProgress ? ["ignore", "pipe", "inherit"] : "pipe" });
  if (r.status !== 0) {
    report(`${what} failed: ${o.showProgress ? `exit ${r.status}` : r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as T;
}

function pandasReadsParquet(): boolean {
  return spawnSync(PYTHON, ["-c", "import pandas, pyarrow"]).status === 0 || spawnSync(PYTHON, ["-c", "import pandas, fastparquet"]).status === 0;
}

/** A training job on the Parquet channel (./training-job: the container's bundle under /usr/bin/time -v). */
function trainingJob(channelFile: string, opts: FlightsOptions): JobRun | undefined {
  const hp = { label: "delay", models: "xgboost,catboost", k_fold: "3", num_round: String(opts.rounds), seed: "1" };
  log(`training job on ${opts.rows.toLocaleString("en-US")} rows (${JSON.stringify(hp)}) …`);
  return runTrainingJob(channelFile, { fileName: "part-00000.parquet", hyperparameters: hp, contentType: "application/x-parquet" }, log);
}

/** The model table's hyperparameters, the same on both sides (ours: bench/flights-model-worker.ts; native: NATIVE_MODEL). */
export const FLIGHTS_MODEL_PARAMS = { rounds: 100, max_depth: 6, eta: 0.1, max_bin: 256, seed: 20240601 };

/** Native XGBoost 1.7.4 on the rows flights-model-worker.ts wrote: airports as pandas categoricals, enable_categorical. */
const NATIVE_MODEL = `
import json, resource, sys, time
import numpy as np, pandas as pd, xgboost as xgb
d, rounds, max_depth, eta, max_bin, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
meta = json.load(open(f"{d}/meta.json"))
t0, c0 = time.perf_counter(), time.process_time()
def frame(name):
    X = np.fromfile(f"{d}/{name}-X.f32", dtype=np.float32).reshape(-1, len(meta["numeric"]))
    df = pd.DataFrame(X, columns=meta["numeric"])
    for col in ("origin", "destination"):
        df[col] = pd.Categorical.from_codes(np.fromfile(f"{d}/{name}-{col}.i32", dtype=np.int32), categories=meta[col])
    return df, np.fromfile(f"{d}/{name}-y.f32", dtype=np.float32)
Xtr, ytr = frame("train")
Xte, yte = frame("test")
dtrain = xgb.DMatrix(Xtr, label=ytr, enable_categorical=True, nthread=1)
dtest = xgb.DMatrix(Xte, enable_categorical=True, nthread=1)
load, load_cpu = time.perf_counter() - t0, time.process_time() - c0
params = {"tree_method": "hist", "objective": "reg:squarederror", "max_depth": max_depth, "eta": eta, "max_bin": max_bin,
          "subsample": 1, "colsample_bytree": 1, "base_score": float(ytr.astype(np.float64).mean()), "nthread": 1, "seed": seed}
t1, c1 = time.perf_counter(), time.process_time()
bst = xgb.train(params, dtrain, num_boost_round=rounds)
train, train_cpu = time.perf_counter() - t1, time.process_time() - c1
p = bst.predict(dtest)
rmse = float(np.sqrt(np.mean((p.astype(np.float64) - yte) ** 2)))
print(json.dumps({"system": f"native XGBoost {xgb.__version__} hist, enable_categorical", "loadSeconds": load, "loadCpu": load_cpu,
  "trainSeconds": train, "trainCpu": train_cpu, "rmse": rmse, "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

interface ModelResult {
  system: string;
  loadSeconds: number;
  loadCpu: number;
  trainSeconds: number;
  trainCpu: number;
  rmse: number;
  members?: Record<string, number>;
  maxRssMb: number;
}

function runModel(cmd: string, argv: string[], what: string): ModelResult | undefined {
  log(what);
  return runJson<ModelResult>(cmd, argv, what, log, { showProgress: true });
}

/**
 * The model table: delay from distance, origin, destination, hour, day of week, month on `modelRows` seeded random
 * flights, `holdoutRows` held out; ours (xgboost, catboost, their mean) and native XGBoost on the same rows, each
 * system in its own process (load time, train time, holdout RMSE, peak RSS).
 */
function modelTable(parquet: string, opts: FlightsOptions): string[] {
  const worker = path.join(__dirname, "flights-model-worker.ts");
  const dir = path.join(DATA_DIR, `flights-model-${opts.modelRows}-${opts.holdoutRows}`);
  const args = (system: string) => [worker, system, parquet, String(opts.modelRows), String(opts.holdoutRows), dir];
  if (!fs.existsSync(path.join(dir, "meta.json"))) runModel(TSX, args("write"), `writing the model rows for native XGBoost to ${dir}`);
  const results: ModelResult[] = [];
  for (const system of ["xgboost", "catboost", "mean"]) {
    const r = runModel(TSX, args(system), `ours: ${system} on ${opts.modelRows.toLocaleString("en-US")} rows`);
    if (r) results.push({ ...r, system: system === "mean" ? "ours: mean of xgboost + catboost (Ensemble, blend mean)" : `ours: lib.${system}` });
  }
  const p = FLIGHTS_MODEL_PARAMS;
  const native = runModel(PYTHON, ["-c", NATIVE_MODEL, dir, String(p.rounds), String(p.max_depth), String(p.eta), String(p.max_bin), String(p.seed)], "native XGBoost 1.7.4");
  if (native) results.push(native);
  const ref = native;
  const lines = [
    "",
    `Model: delay from distance, origin, destination (categorical), hour, day_of_week, month (UTC, from date); ` +
      `${opts.modelRows.toLocaleString("en-US")} seeded random training rows, ${opts.holdoutRows.toLocaleString("en-US")} other rows held out. ` +
      `Both sides: ${p.rounds} rounds, depth ${p.max_depth}, eta ${p.eta}, max_bin ${p.max_bin} (catboost: border_count ${p.max_bin}), subsample 1, ` +
      `colsample 1, xgboost base_score = training mean, 1 thread. Ours loads the 3M-row Parquet with loadTable and samples; native reads the ` +
      `same rows written once as raw float32 + int32 codes (pandas categoricals). Load includes the sampling; train = fit() / xgb.train (binning included).`,
    "",
    "| system | load s (CPU) | train s (CPU) | holdout RMSE | peak RSS MB | train CPU ÷ native | RMSE ÷ native |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of results) {
    const ratio = ref && r !== ref ? `${(r.trainCpu / ref.trainCpu).toFixed(2)}× | ${(r.rmse / ref.rmse).toFixed(4)}` : "— | —";
    const members = r.members && Object.keys(r.members).length > 1 ? ` (${Object.entries(r.members).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ")})` : "";
    lines.push(`| ${r.system} | ${r.loadSeconds.toFixed(2)} (${r.loadCpu.toFixed(2)}) | ${r.trainSeconds.toFixed(2)} (${r.trainCpu.toFixed(2)}) | ${r.rmse.toFixed(4)}${members} | ${r.maxRssMb.toFixed(0)} | ${ratio} |`);
  }
  return lines;
}

/** The flights rows of the data benchmark, as markdown lines. */
export async function flightsBench(opts: FlightsOptions): Promise<string[]> {
  const parquet = vegaDataset("flights-3m.parquet");
  const csv = await flightsCsv(parquet);
  const worker = path.join(__dirname, "flights-worker.ts");
  const results: (LoadResult & { file: string })[] = [];
  for (const file of [parquet, csv]) {
    log(`ours on ${path.basename(file)}`);
    const r = runJson<LoadResult>(TSX, [worker, file], "ours");
    if (r) results.push({ ...r, file });
  }
  const parquetByPandas = pandasReadsParquet();
  for (const file of parquetByPandas ? [parquet, csv] : [csv]) {
    log(`pandas on ${path.basename(file)}`);
    const r = runJson<LoadResult>(PYTHON, ["-c", PANDAS, file], "pandas");
    if (r) results.push({ ...r, file });
  }
  const checks = new Set(results.map((r) => r.check));
  if (checks.size > 1) log(`WARNING: the tools summed delay differently: ${[...checks].join(", ")}`);
  const pandasCsv = results.find((r) => r.tool.startsWith("pandas") && r.file === csv);
  const lines = [
    `Flights: vega-datasets' flights-3m.parquet, ${results[0]?.rows.toLocaleString("en-US") ?? "3,000,000"} rows × 5 columns (date, delay, distance, origin, destination), ` +
      `${(fs.statSync(parquet).size / 1e6).toFixed(1)} MB ZSTD Parquet; the same table as CSV ${(fs.statSync(csv).size / 1e6).toFixed(0)} MB. ` +
      `MB/s = file MB per second (wall). ${parquetByPandas ? "" : "pandas cannot read Parquet here (neither pyarrow nor fastparquet is installed), so it reads the CSV only."}`,
    "",
    "| tool | file | load s | CPU s | MB/s (CPU) | rows/s (CPU) | peak RSS MB | ÷ pandas read_csv: wall, CPU, RSS |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of results) {
    const mb = fs.statSync(r.file).size / 1e6;
    const ratio = pandasCsv ? `${(r.seconds / pandasCsv.seconds).toFixed(2)}×, ${(r.cpu / pandasCsv.cpu).toFixed(2)}×, ${(r.maxRssMb / pandasCsv.maxRssMb).toFixed(2)}×` : "";
    const perSecond = (x: number, digits: number) => `${(x / r.seconds).toLocaleString("en-US", { maximumFractionDigits: digits })} (${(x / r.cpu).toLocaleString("en-US", { maximumFractionDigits: digits })})`;
    lines.push(`| ${r.tool} | ${path.basename(r.file)} | ${r.seconds.toFixed(2)} | ${r.cpu.toFixed(2)} | ${perSecond(mb, 1)} | ${perSecond(r.rows, 0)} | ${r.maxRssMb.toFixed(0)} | ${ratio} |`);
  }
  if (!opts.skipModel) lines.push(...modelTable(parquet, opts));
  if (!opts.skipJob) {
    const channel = await jobParquet(parquet, opts.rows);
    const job = trainingJob(channel, opts);
    if (job) {
      const f32Mb = (opts.rows * 7 * 4) / 1e6;
      lines.push(
        "",
        `Training job (the container's \`out/trainer/main.js train\` under \`/usr/bin/time -v\`) on a Parquet channel of ${opts.rows.toLocaleString("en-US")} seeded random flights ` +
          `(${(fs.statSync(channel).size / 1e6).toFixed(1)} MB; delay from distance, origin, destination, hour, day_of_week, month): models xgboost,catboost, k_fold 3, ${opts.rounds} rounds.`,
        "",
        "| rows | wall s | CPU s | peak RSS MB | ÷ float32 size of the table |",
        "|---:|---:|---:|---:|---:|",
        `| ${opts.rows.toLocaleString("en-US")} | ${job.seconds.toFixed(0)} | ${job.cpu.toFixed(0)} | ${job.maxRssMb.toFixed(0)} | ${(job.maxRssMb / f32Mb).toFixed(1)}× (${f32Mb.toFixed(0)} MB) |`,
        "",
        "```",
        ...job.tail,
        "```",
      );
    }
  }
  return lines;
}
