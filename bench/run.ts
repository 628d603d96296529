/**
 * `npm run bench` — speed, memory and accuracy of the core against native XGBoost
 * (issue 2 item 3, issue 3 item 4). `npm run bench -- data`: the table loader's ingest (bench/data.ts).
 * `npm run bench -- parallel`: the training job with parallel_fits 2 vs 1 (bench/parallel-fits.ts).
 * `npm run bench -- views`: 3 folds on row views of one DMatrix vs on copied DMatrices (bench/views.ts).
 *
 * For 100k and 1M rows × 28 features of the synthetic set (bench/synth.ts, written once as
 * float32 files under bench/data/), train on the first 80 %, predict the rest, with
 * tree_method=hist, nthread=1, max_depth 6, eta 0.1, max_bin 256, 100 rounds and
 * base_score = training-label mean for every learner:
 *   - ours, depthwise (the XGBoost-style learner)        — child process (bench/worker.ts)
 *   - ours, lossguide with 64 leaves                      — child process
 *   - ours, grow_policy "symmetric" (CatBoost-style)      — child process
 *   - native XGBoost 1.7.4 (Debian python3-xgboost), depthwise and lossguide
 *                                                         — python (tools/reference/xgb_ref.py)
 *   - ml-xgboost (npm, XGBoost 0.7x via emscripten)       — child process, 100k only
 *   - the same C core built natively with gcc -O3 (wasm/native/), when gcc is there —
 *     not a WebAssembly number: it shows what compiling to wasm costs
 * and, at the largest size, SHAP contributions (predict predContribs / pred_contribs) of
 * 100k holdout rows with ours (depthwise) model, by ours and by native XGBoost loading the
 * same saved model, both at 1 thread (issue 16: bar ≤ 2× native's time, goal ≤ 1×).
 * Each learner runs alone in its own process, one after the other (peak RSS is per process:
 * ours from process.resourceUsage().maxRSS, native from resource.getrusage; both include
 * reading the data file); train CPU time (user + system of the process during training) is
 * printed beside wall time, as it is less disturbed by other jobs on a shared machine; predict times are the fastest of 3 runs. Prints a markdown table; also saved to bench/data/results.md.
 *
 * Options: --only-100k | --sizes=100000,1000000   --rounds=100   --repeat=1 (keep the fastest of N runs; the learners
 *            compared — ours and native at one setting — run in turn, A B B A …, and the threads table gives the
 *            median of the turns' ratios beside the fastest runs' ratio)
 *          --skip=native,ml-xgboost,symmetric,lossguide,native-c,contribs
 *          --contribs-only: the contributions rows alone (one per --threads value), with the model saved by an earlier run
 *            (bench/data/model-ours-depthwise-<rows>-<rounds>r.json; trained once if missing)
 *          --contrib-rows=100000: rows to explain
 *          --threads=1,2: at the largest size, ours and native XGBoost (depthwise) also at these
 *            nthread values (1 is the main table's rows); the threads table gives train time and
 *            predict rows/s against native at equal threads (issue 12: bars ≤ 1.2× and ≥ 0.9×)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { availableCores } from "node-xgboost-wasm";
import { DATA_DIR, readF32File, synthFiles, type SynthFiles } from "./synth";
import { hasXgboost, RefJob, xgboostVersion } from "../tools/reference/xgb-ref";

// `npm run bench -- data`: the table loader's ingest benchmark (bench/data.ts);
// `npm run bench -- parallel`: the training job with parallel_fits 2 vs 1 (bench/parallel-fits.ts);
// `npm run bench -- views`: folds on row views vs on copies (bench/views.ts)
const SUBCOMMANDS: Record<string, string> = { data: "data.ts", parallel: "parallel-fits.ts", views: "views.ts" };
if (SUBCOMMANDS[process.argv[2]]) {
  const script = SUBCOMMANDS[process.argv[2]];
  const r = spawnSync(path.join(__dirname, "..", "node_modules", ".bin", "tsx"), [path.join(__dirname, script), ...process.argv.slice(3)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
if (args.includes("--help")) {
  console.log("npm run bench [-- --only-100k | --sizes=100000,1000000] [--rounds=100] [--repeat=1] [--skip=native,ml-xgboost,symmetric,lossguide,native-c,contribs] [--contribs-only] [--contrib-rows=100000]");
  process.exit(0);
}
/** a bad option: its message, and the bench stops before running anything (no stack trace: it is the user's input) */
function badOption(message: string): never {
  process.stderr.write(`[bench] ${message}\n`);
  process.exit(2);
}
const sizes = args.includes("--only-100k") ? [100_000] : (opt("sizes") ?? "100000,1000000").split(",").map(Number);
const rounds = Number(opt("rounds") ?? 100);
const skip = new Set((opt("skip") ?? "").split(",").filter(Boolean));
/** run every measurement this many times (each in a fresh process; ours and native in turn: measureTogether) and keep the fastest training */
const repeat = Number(opt("repeat") ?? 1);
if (!(Number.isInteger(repeat) && repeat >= 1)) badOption(`--repeat: ${opt("repeat")} is not a positive integer`);
for (const n of sizes) if (!(Number.isInteger(n) && n >= 100)) badOption(`--sizes=${opt("sizes")}: each size must be a row count >= 100`);
if (!(Number.isInteger(rounds) && rounds >= 1)) badOption(`--rounds: ${rounds} is not a positive integer`);
const contribsOnly = args.includes("--contribs-only");
const contribRows = Number(opt("contrib-rows") ?? 100_000);
const threadCounts = (opt("threads") ?? "1,2").split(",").map(Number);
for (const t of threadCounts) if (!(Number.isInteger(t) && t >= 1 && t <= 512)) badOption(`--threads=${opt("threads")}: each must be a thread count from 1 to 512 (nthread's limit)`);
if (!(Number.isInteger(contribRows) && contribRows >= 1)) badOption(`--contrib-rows: ${opt("contrib-rows")} is not a positive integer`);

const PARAMS = { objective: "reg:squarederror", tree_method: "hist", nthread: 1, max_depth: 6, eta: 0.1, max_bin: 256, seed: 0 };
/** predict times are the fastest of this many runs (they are short and this machine is noisy) */
const PREDICT_REPEAT = 3;
const ROOT = path.join(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

interface Row {
  rows: number; learner: string; policy?: string; native?: boolean; threads?: number; trainSeconds: number; trainCpuSeconds: number; predictSeconds: number; nPredict: number;
  maxRssMb: number; rmse: number; note?: string;
  /** train seconds of every run, in turn order (measureTogether) */
  runs?: number[];
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : "—");

/** where ours (depthwise) model of a size is kept for the contributions row */
const modelFile = (n: number) => path.join(DATA_DIR, `model-ours-depthwise-${n}-${rounds}r.json`);

function worker(learner: "ours" | "ml-xgboost", f: SynthFiles, params: Record<string, unknown>, extra: Record<string, unknown> = {}): Omit<Row, "rows" | "learner"> {
  const job = { learner, ...f, params, rounds, predictRepeat: PREDICT_REPEAT, ...extra };
  const r = spawnSync(TSX, [path.join(__dirname, "worker.ts"), JSON.stringify(job)], {
    cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "pipe"],
  });
  if (r.status !== 0) throw new Error(`${learner} worker failed (status ${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  return { trainSeconds: out.trainSeconds, trainCpuSeconds: out.trainCpuSeconds, predictSeconds: out.predictSeconds, nPredict: out.nPredict, maxRssMb: out.maxRssKb / 1024, rmse: out.rmse };
}

function native(f: SynthFiles, params: Record<string, unknown> = PARAMS): Omit<Row, "rows" | "learner"> {
  const ref = new RefJob();
  ref.datasetSpec("train", { x: f.x, y: f.y, nrow: f.nrow, ncol: f.ncol, row_end: f.nTrain });
  ref.datasetSpec("test", { x: f.x, y: f.y, nrow: f.nrow, ncol: f.ncol, row_begin: f.nTrain });
  ref.task({ op: "train", params, num_round: rounds, dtrain: "train", base_score: "mean", predict: [{ data: "test", out: ref.file("pred.f32"), repeat: PREDICT_REPEAT }] });
  const [r] = ref.run({ timeoutMs: 3_600_000 });
  ref.cleanup();
  const p = r.predict![0];
  return { trainSeconds: r.train_seconds!, trainCpuSeconds: r.train_cpu_seconds!, predictSeconds: p.seconds, nPredict: p.n, maxRssMb: r.maxrss_kb / 1024, rmse: p.rmse! };
}

/** The same C core built natively (gcc -O3 -march=native, wasm/native/): how much WebAssembly costs. */
function nativeC(f: SynthFiles, policy: string): Omit<Row, "rows" | "learner"> {
  const dir = path.join(ROOT, "wasm", "native");
  const mk = spawnSync("make", ["-s", "-C", dir, "build/xgb_O3"], { encoding: "utf8" });
  if (mk.status !== 0) throw new Error(`make -C wasm/native build/xgb_O3 failed: ${mk.stderr}`);
  const r = spawnSync(path.join(dir, "build", "xgb_O3"), ["benchfile", f.x, f.y, String(f.nrow), String(f.ncol), String(f.nTrain), String(rounds), policy], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`xgb_O3 benchfile failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim());
  return { trainSeconds: out.trainSeconds, trainCpuSeconds: out.trainCpuSeconds, predictSeconds: out.predictSeconds, nPredict: out.nPredict, maxRssMb: out.maxRssKb / 1024, rmse: out.rmse };
}

/** A measurement: a learner at a size, run by `fn` in a fresh process. */
interface Job { rowsN: number; learner: string; fn: () => Omit<Row, "rows" | "learner">; note?: string; tags?: { policy?: string; native?: boolean; threads?: number } }

const job = (rowsN: number, learner: string, fn: Job["fn"], tags: Job["tags"], note?: string): Job => ({ rowsN, learner, fn, tags, note });

const failedRow = (j: Job, e: unknown): Row => ({
  rows: j.rowsN, learner: j.learner, ...j.tags, trainSeconds: NaN, trainCpuSeconds: NaN, predictSeconds: NaN, nPredict: 0, maxRssMb: NaN, rmse: NaN,
  note: `failed: ${(e as Error).message.split("\n")[0].slice(0, 120)}`,
});

/**
 * Runs jobs that are compared with each other (ours and native at the same setting) `repeat` times in turn — A B,
 * B A, A B, … — so that a drift of this machine's speed over the minutes weighs on each alike (run one after the
 * other, three runs of one binary spread 0.89–1.23× native on a shared VM). Each keeps its fastest training and
 * its fastest predict; Row.runs holds its train time of every turn, in turn order (the turns' ratios: pairRatio).
 */
function measureTogether(jobs: (Job | undefined)[]): (Row | undefined)[] {
  const best: (Row | undefined)[] = jobs.map(() => undefined);
  for (let k = 0; k < repeat; k++) {
    const order = jobs.map((_, i) => i);
    if (k % 2 === 1) order.reverse();
    for (const i of order) {
      const j = jobs[i];
      if (!j || (best[i] && !Number.isFinite(best[i]!.trainSeconds))) continue; // none, or failed in an earlier turn
      log(`${j.rowsN.toLocaleString("en")} rows: ${j.learner}${repeat > 1 ? ` (turn ${k + 1}/${repeat})` : ""} …`);
      let r: Omit<Row, "rows" | "learner">;
      try {
        r = j.fn();
      } catch (e) {
        log(`  FAILED: ${(e as Error).message.split("\n")[0]}`);
        best[i] = failedRow(j, e);
        continue;
      }
      log(`  train ${fmt(r.trainSeconds)} s (CPU ${fmt(r.trainCpuSeconds)} s), predict ${fmt(r.predictSeconds, 3)} s, peak RSS ${fmt(r.maxRssMb, 0)} MB, holdout RMSE ${fmt(r.rmse, 4)}`);
      const b = best[i];
      const runs = [...(b?.runs ?? []), r.trainSeconds];
      const kept = !b || r.trainSeconds < b.trainSeconds ? r : b;
      best[i] = { rows: j.rowsN, learner: j.learner, ...j.tags, ...kept, predictSeconds: Math.min(r.predictSeconds, b?.predictSeconds ?? Infinity), runs, ...(j.note ? { note: j.note } : {}) };
    }
  }
  return best;
}

/** The median over the turns of a's train time ÷ b's (measured together: measureTogether), NaN without both. */
function pairRatio(a?: Row, b?: Row): number {
  if (!a?.runs || !b?.runs || a.runs.length !== b.runs.length) return NaN;
  const r = a.runs.map((x, k) => x / b.runs![k]).sort((x, y) => x - y);
  return r.length % 2 ? r[r.length >> 1] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
}

interface ContribRow { modelRows: number; rows: number; threads: number; seconds: number; cpuSeconds: number; nativeSeconds: number; nativeCpuSeconds: number; maxAbsDiff: number; scale: number }

/** SHAP contributions of holdout rows with ours (depthwise) model of size n, both at nthread `threads`: ours, then
 * native on the same saved model. */
function contributions(n: number, f: SynthFiles, threads: number): ContribRow {
  const model = modelFile(n);
  if (!fs.existsSync(model)) {
    log(`${n.toLocaleString("en")} rows: no saved model at ${model}; training ours (depthwise) once …`);
    worker("ours", f, PARAMS, { saveModel: model });
  }
  const begin = f.nTrain, end = Math.min(f.nrow, begin + contribRows);
  const oursOut = path.join(DATA_DIR, `contribs-ours-${n}.f32`), nativeOut = path.join(DATA_DIR, `contribs-native-${n}.f32`);
  log(`contributions of ${(end - begin).toLocaleString("en")} holdout rows, ${n.toLocaleString("en")}-row model, nthread ${threads}: ours …`);
  const job = { learner: "ours-contribs", ...f, model, rowBegin: begin, rowEnd: end, out: oursOut, params: { nthread: threads }, rounds };
  const w = spawnSync(TSX, [path.join(__dirname, "worker.ts"), JSON.stringify(job)], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (w.status !== 0) throw new Error(`contributions worker failed (status ${w.status}): ${w.stderr}`);
  const o = JSON.parse(w.stdout.trim().split("\n").pop()!);
  log(`  ours ${fmt(o.seconds)} s (CPU ${fmt(o.cpuSeconds)} s); native XGBoost …`);
  const ref = new RefJob();
  ref.datasetSpec("explain", { x: f.x, nrow: f.nrow, ncol: f.ncol, row_begin: begin, row_end: end });
  ref.task({ op: "load", model, nthread: threads, predict: [{ data: "explain", pred_contribs: true, out: nativeOut }] });
  const [r] = ref.run({ timeoutMs: 3_600_000 });
  ref.cleanup();
  const p = r.predict![0];
  log(`  native ${fmt(p.seconds)} s (CPU ${fmt(p.cpu_seconds ?? NaN)} s)`);
  const a = readF32File(oursOut), b = readF32File(nativeOut);
  if (a.length !== b.length) throw new Error(`contributions: ${a.length} values from ours, ${b.length} from native`);
  let maxAbsDiff = 0, scale = 0;
  const W = f.ncol + 1;
  for (let i = 0; i < a.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - b[i]));
  for (let i = 0; i < a.length; i += W) { let m = 0; for (let j = 0; j < W; j++) m += a[i + j]; scale = Math.max(scale, Math.abs(m)); }
  fs.rmSync(oursOut); fs.rmSync(nativeOut);
  return { modelRows: n, rows: end - begin, threads, seconds: o.seconds, cpuSeconds: o.cpuSeconds, nativeSeconds: p.seconds, nativeCpuSeconds: p.cpu_seconds ?? NaN, maxAbsDiff, scale };
}

function contributionLines(cs: ContribRow[]): string[] {
  const c0 = cs[0], one = cs.find((c) => c.threads === 1);
  const lines = [
    "",
    `SHAP contributions (predContribs / pred_contribs), ${c0.rows.toLocaleString("en")} holdout rows × 28 features, the ${c0.modelRows.toLocaleString("en")}-row model (ours, depthwise, ${rounds} rounds, depth 6), ours and native at equal nthread on the same saved model (ours runs on at most the ${availableCores()} cores here):`,
    "",
    "| nthread | ours s | ours CPU s | native s | native CPU s | ours ÷ native | CPU ÷ native | rows/s ours | speed-up vs 1 thread (native) | max abs diff (margin scale) |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const c of cs) {
    const ratio = c.seconds / c.nativeSeconds, cpuRatio = c.cpuSeconds / c.nativeCpuSeconds;
    const speedUp = one ? `${fmt(one.seconds / c.seconds)}× (${fmt(one.nativeSeconds / c.nativeSeconds)}×)` : "—";
    lines.push(`| ${c.threads} | ${fmt(c.seconds)} | ${fmt(c.cpuSeconds)} | ${fmt(c.nativeSeconds)} | ${fmt(c.nativeCpuSeconds)} | ${fmt(ratio)}× | ${fmt(cpuRatio)}× | ${Math.round(c.rows / c.seconds).toLocaleString("en")} | ${speedUp} | ${c.maxAbsDiff.toExponential(1)} (${fmt(c.scale)}) |`);
  }
  const worst = Math.max(...cs.map((c) => c.seconds / c.nativeSeconds));
  lines.push("", `Contributions: ours takes at most ${fmt(worst)}× native's time at equal nthread (bar ≤ 2×: ${worst <= 2 ? "met" : "NOT met"}; goal ≤ 1×: ${worst <= 1 ? "met" : "not met"}).`);
  return lines;
}

/** The contributions rows, one per --threads value */
function contributionRows(n: number): ContribRow[] {
  const f = synthFiles(n);
  return threadCounts.map((t) => contributions(n, f, t));
}

function main() {
  const haveNative = !skip.has("native") && hasXgboost();
  if (contribsOnly) {
    if (!haveNative) throw new Error("--contribs-only compares with native XGBoost: install python3-xgboost (apt-get install python3-xgboost)");
    const n = Math.max(...sizes);
    const text = contributionLines(contributionRows(n)).join("\n");
    console.log(text);
    fs.writeFileSync(path.join(DATA_DIR, "results-contribs.md"), text + "\n");
    return;
  }
  const rows: Row[] = [];
  for (const n of sizes) {
    log(`${n.toLocaleString("en")} rows × 28: data ${fs.existsSync(path.join(DATA_DIR, `synth-${n}-20240601.X.f32`)) ? "cached" : "generating"} under bench/data/`);
    const f = synthFiles(n);
    const LOSSGUIDE = { ...PARAMS, grow_policy: "lossguide", max_depth: 0, max_leaves: 64 };
    const V = xgboostVersion();
    const [nat, ours] = measureTogether([
      haveNative ? job(n, `native XGBoost ${V} hist (depthwise)`, () => native(f), { policy: "depthwise", native: true }) : undefined,
      job(n, "ours (depthwise)", () => worker("ours", f, PARAMS, { saveModel: modelFile(n) }), { policy: "depthwise" }),
    ]);
    const [natLg, lossguide] = skip.has("lossguide") ? [] : measureTogether([
      haveNative ? job(n, `native XGBoost ${V} hist (lossguide, 64 leaves)`, () => native(f, LOSSGUIDE), { policy: "lossguide", native: true }) : undefined,
      job(n, "ours (lossguide, 64 leaves)", () => worker("ours", f, LOSSGUIDE), { policy: "lossguide" }),
    ]);
    const [sym] = skip.has("symmetric") ? [] : measureTogether([job(n, "ours (symmetric, CatBoost-style)", () => worker("ours", f, { ...PARAMS, grow_policy: "symmetric" }), { policy: "symmetric" })]);
    const [ml] = skip.has("ml-xgboost") || n > 100_000 ? [] : measureTogether([
      job(n, "ml-xgboost 1.1.2 (npm)", () => worker("ml-xgboost", f, PARAMS), { policy: "depthwise" }, "XGBoost 0.7x via emscripten, one predict call per row; its train() wrapper overflows the stack at this size, so its C exports are called directly"),
    ]);
    const haveGcc = !skip.has("native-c") && spawnSync("sh", ["-c", "command -v gcc && command -v make"]).status === 0;
    const [cCore] = haveGcc ? measureTogether([job(n, "ours, the same C built natively (gcc -O3, depthwise)", () => nativeC(f, "depthwise"), { policy: "depthwise" }, "not WebAssembly: shows what wasm costs")]) : [];
    for (const r of [nat, ours, natLg, lossguide, sym, ml, cCore]) if (r) rows.push(r);
  }

  // threads: at the largest size, depthwise at each nthread, ours and native in the same run
  const threadRows: { threads: number; ours?: Row; nat?: Row }[] = [];
  {
    const n = Math.max(...sizes), f = synthFiles(n);
    const V = xgboostVersion();
    for (const t of threadCounts) {
      const p = { ...PARAMS, nthread: t };
      // nthread 1: the main table's pair
      const [nat, ours] = t === 1
        ? [rows.find((x) => x.rows === n && x.native && x.policy === "depthwise"), rows.find((x) => x.rows === n && x.learner === "ours (depthwise)")]
        : measureTogether([
          haveNative ? job(n, `native XGBoost ${V} hist (depthwise), nthread ${t}`, () => native(f, p), { policy: "depthwise-threads", native: true, threads: t }) : undefined,
          job(n, `ours (depthwise), nthread ${t}`, () => worker("ours", f, p), { policy: "depthwise-threads", threads: t }),
        ]);
      threadRows.push({ threads: t, ours, nat });
    }
  }

  // the table: ratios against native in the same run (train time: lower is better;
  // predict throughput: higher is better), and symmetric against depthwise
  const lines: string[] = [];
  lines.push(`Synthetic regression, 28 features, train 80 % / holdout 20 %, depth 6, eta 0.1, max_bin 256, ${rounds} rounds, nthread 1, base_score = train mean${repeat > 1 ? `; fastest of ${repeat} runs, ours and native in turn` : ""}.`);
  lines.push(`Machine: ${require("os").cpus()[0]?.model ?? "?"} (${require("os").cpus().length} CPUs), Node ${process.version}.`);
  lines.push("");
  lines.push("| rows | learner | train s | train ÷ native | train CPU s | CPU ÷ native | predict s | predict rows/s | rows/s ÷ native | peak RSS MB | holdout RMSE | note |");
  lines.push("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const r of rows) {
    // against native with the same grow policy (symmetric has none: against native depthwise)
    const nat = rows.find((x) => x.rows === r.rows && x.native && x.policy === r.policy)
      ?? rows.find((x) => x.rows === r.rows && x.native && x.policy === "depthwise");
    const depthwise = rows.find((x) => x.rows === r.rows && x.learner === "ours (depthwise)");
    const rps = r.nPredict / r.predictSeconds;
    const natRps = nat ? nat.nPredict / nat.predictSeconds : NaN;
    let note = r.note ?? "";
    if (!r.native && nat && nat.policy !== r.policy) note = `ratios vs native depthwise${note ? "; " + note : ""}`;
    if (r.learner.startsWith("ours (symmetric") && depthwise) note = `${fmt(r.trainSeconds / depthwise.trainSeconds)}× depthwise train time${note ? "; " + note : ""}`;
    lines.push(`| ${r.rows.toLocaleString("en")} | ${r.learner} | ${fmt(r.trainSeconds)} | ${nat && r !== nat ? fmt(r.trainSeconds / nat.trainSeconds) + "×" : "—"} | ${fmt(r.trainCpuSeconds)} | ${nat && r !== nat ? fmt(r.trainCpuSeconds / nat.trainCpuSeconds) + "×" : "—"} | ${fmt(r.predictSeconds, 3)} | ${Number.isFinite(rps) ? Math.round(rps).toLocaleString("en") : "—"} | ${nat && r !== nat ? fmt(rps / natRps) + "×" : "—"} | ${fmt(r.maxRssMb, 0)} | ${fmt(r.rmse, 4)} | ${note} |`);
  }
  // issue 2's bar at the largest size: ours ≤ 1.5× native train time (goal ≤ 1.0×) and ≥ 0.5× its predict rows/s
  const top = Math.max(...rows.map((r) => r.rows));
  const nTop = rows.find((x) => x.rows === top && x.native && x.policy === "depthwise");
  const oTop = rows.find((x) => x.rows === top && x.learner === "ours (depthwise)");
  if (nTop && oTop && Number.isFinite(oTop.trainSeconds)) {
    const tr = oTop.trainSeconds / nTop.trainSeconds, trCpu = oTop.trainCpuSeconds / nTop.trainCpuSeconds, pr = (oTop.nPredict / oTop.predictSeconds) / (nTop.nPredict / nTop.predictSeconds);
    lines.push("");
    lines.push(`At ${top.toLocaleString("en")} rows, ours (depthwise) vs native: train ${fmt(tr)}×${repeat > 1 ? ` (median of the ${repeat} turns' ratios ${fmt(pairRatio(oTop, nTop))}×)` : ""} (CPU time ${fmt(trCpu)}×; bar ≤ 1.5×: ${tr <= 1.5 ? "met" : "NOT met"}; goal ≤ 1.0×: ${tr <= 1.0 ? "met" : "not met"}), predict rows/s ${fmt(pr)}× (bar ≥ 0.5×: ${pr >= 0.5 ? "met" : "NOT met"}), holdout RMSE ${fmt(oTop.rmse, 4)} vs ${fmt(nTop.rmse, 4)}.`);
  }
  if (threadRows.length) {
    // ours runs on at most the cores whatever nthread asks (wasm/src/cores.ts); native starts nthread OpenMP threads
    const cores = availableCores();
    lines.push("", `Threads, ${top.toLocaleString("en")} rows (depthwise; ${cores} cores usable here${threadRows.some((r) => r.threads > cores) ? `: above ${cores}, ours runs on ${cores} threads and native on nthread` : ""}): ours vs native XGBoost ${xgboostVersion()} at equal nthread, in this run.`, "");
    lines.push(`| nthread | ours train s | native train s | train ÷ native (bar ≤ 1.2×) | median of the ${repeat} turns' ratios | ours predict rows/s | native predict rows/s | rows/s ÷ native (bar ≥ 0.9×) | ours train speed-up vs 1 thread |`);
    lines.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    const one = threadRows.find((r) => r.threads === 1)?.ours;
    for (const { threads, ours, nat } of threadRows) {
      const rps = (r?: Row) => (r ? r.nPredict / r.predictSeconds : NaN);
      const tr = ours && nat ? ours.trainSeconds / nat.trainSeconds : NaN, pr = rps(ours) / rps(nat);
      lines.push(`| ${threads}${threads > cores ? ` (ours ${cores})` : ""} | ${fmt(ours?.trainSeconds ?? NaN)} | ${fmt(nat?.trainSeconds ?? NaN)} | ${fmt(tr)}× | ${fmt(pairRatio(ours, nat))}× | ${Number.isFinite(rps(ours)) ? Math.round(rps(ours)).toLocaleString("en") : "—"} | ${Number.isFinite(rps(nat)) ? Math.round(rps(nat)).toLocaleString("en") : "—"} | ${fmt(pr)}× | ${one && ours ? fmt(one.trainSeconds / ours.trainSeconds) + "×" : "—"} |`);
    }
  }
  if (haveNative && !skip.has("contribs") && oTop && Number.isFinite(oTop.trainSeconds)) {
    try {
      lines.push(...contributionLines(contributionRows(top)));
    } catch (e) {
      log(`contributions FAILED: ${(e as Error).message.split("\n")[0]}`);
      lines.push("", `Contributions: failed: ${(e as Error).message.split("\n")[0].slice(0, 200)}`);
    }
  }
  const table = lines.join("\n");
  console.log(table);
  fs.mkdirSync(DATA_DIR, { recursive: true });
  fs.writeFileSync(path.join(DATA_DIR, "results.md"), table + "\n");
  fs.writeFileSync(path.join(DATA_DIR, "results.json"), JSON.stringify(rows, null, 1) + "\n");
  if (!haveNative && !skip.has("native")) console.log("\n(native XGBoost rows missing: install python3-xgboost: apt-get install python3-xgboost)");
}

main();
