/**
 * One benchmark measurement in its own process (so its peak RSS is its own), started by
 * bench/run.ts:  tsx bench/worker.ts '<json job>'  → prints one JSON line.
 *
 *   job = { learner: "ours" | "ml-xgboost", x, y, nrow, ncol, nTrain, params, rounds, saveModel? }
 *   job = { learner: "ours-contribs", x, y, nrow, ncol, model, rowBegin, rowEnd, out }
 *         — SHAP contributions (predContribs) of rows [rowBegin, rowEnd) with a saved model,
 *           timed alone and written to `out` (float32)
 *
 * Times: train = train() alone (binning/quantiles included, loading the file and
 * building the DMatrix excluded, as for native XGBoost where xgb.train is timed);
 * predict = predicting the holdout rows (the fastest of job.predictRepeat runs). Peak RSS from process.resourceUsage().maxRSS.
 */
import * as fs from "fs";
import { loadRows, type SynthFiles } from "./synth";

interface Job extends SynthFiles {
  learner: "ours" | "ml-xgboost" | "ours-contribs"; params: Record<string, unknown>; rounds: number; predictRepeat?: number;
  saveModel?: string; model?: string; rowBegin?: number; rowEnd?: number; out?: string;
}

function rmse(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - p[i]) ** 2;
  return Math.sqrt(s / y.length);
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
/** CPU seconds (user + system) of this process since `c0` — less disturbed by other jobs than wall time */
const cpuSince = (c0: NodeJS.CpuUsage) => { const d = process.cpuUsage(c0); return (d.user + d.system) / 1e6; };

async function ours(job: Job) {
  const { DMatrix, train } = await import("node-xgboost-wasm");
  let tr: ReturnType<typeof loadRows> | undefined = loadRows(job, 0, job.nTrain);
  const baseScore = mean(tr.y);
  const dtrain = new DMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
  tr = undefined;
  const t0 = now(), c0 = process.cpuUsage();
  const bst = train({ ...job.params, base_score: baseScore }, dtrain, { numBoostRound: job.rounds });
  const trainSeconds = now() - t0, trainCpuSeconds = cpuSince(c0);
  dtrain.free();
  const te = loadRows(job, job.nTrain, job.nrow);
  const dtest = new DMatrix(te.X, { nrow: te.nrow, ncol: te.ncol });
  let p = new Float32Array(0), predictSeconds = Infinity;
  for (let r = 0; r < (job.predictRepeat ?? 1); r++) {
    const t1 = now();
    p = bst.predict(dtest);
    predictSeconds = Math.min(predictSeconds, now() - t1);
  }
  const trees = bst.numBoostedRounds();
  if (job.saveModel) fs.writeFileSync(job.saveModel, bst.saveModel());
  return { trainSeconds, trainCpuSeconds, predictSeconds, rmse: rmse(te.y, p), nPredict: te.nrow, rounds: trees, baseScore };
}

async function oursContribs(job: Job) {
  const { Booster, DMatrix } = await import("node-xgboost-wasm");
  const bst = Booster.loadModel(fs.readFileSync(job.model!, "utf8"));
  if (job.params.nthread !== undefined) bst.setParam("nthread", job.params.nthread);
  const rows = loadRows(job, job.rowBegin!, job.rowEnd!);
  const d = new DMatrix(rows.X, { nrow: rows.nrow, ncol: rows.ncol });
  let c = new Float32Array(0), seconds = Infinity, cpuSeconds = Infinity;
  for (let r = 0; r < (job.predictRepeat ?? 1); r++) {
    const t0 = now(), c0 = process.cpuUsage();
    c = bst.predict(d, { predContribs: true });
    seconds = Math.min(seconds, now() - t0);
    cpuSeconds = Math.min(cpuSeconds, cpuSince(c0));
  }
  fs.writeFileSync(job.out!, Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  return { seconds, cpuSeconds, n: rows.nrow };
}

async function mlXgboost(job: Job) {
  // ml-xgboost 1.1.2: XGBoost 0.7x compiled with emscripten (2018). Its JS wrapper's
  // train() passes the whole matrix through ccall's 'array' type, i.e. on the 5 MB
  // emscripten stack, which overflows ("memory access out of bounds") above ~45k rows × 28;
  // so this calls the same exported C functions (create_model, set_param, train_full_model,
  // predict_one) with heap buffers. Its emscripten loader uses instantiateStreaming(fetch(path))
  // whenever that exists (Node >= 18), which cannot read a file path: hidden while loading.
  const wa = WebAssembly as { instantiateStreaming?: unknown };
  const streaming = wa.instantiateStreaming;
  wa.instantiateStreaming = undefined;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const M = await require("ml-xgboost/dist/wasm/xgboost").isReady;
  wa.instantiateStreaming = streaming;
  const createModel = M.cwrap("create_model", "number", ["number", "number", "number", "number"]);
  const setParam = M.cwrap("set_param", null, ["number", "string", "string"]);
  const trainFull = M.cwrap("train_full_model", null, ["number", "number"]);
  const predictOne = M.cwrap("predict_one", "number", ["number", "number", "number", "number"]);
  const freeModel = M.cwrap("free_memory_model", null, ["number"]);
  const heapCopy = (a: Float32Array) => {
    const ptr = M._malloc(a.length * 4);
    M.HEAPF32.set(a, ptr / 4);
    return ptr;
  };
  const tr = loadRows(job, 0, job.nTrain);
  const baseScore = mean(tr.y);
  const p = job.params;
  const xPtr = heapCopy(tr.X), yPtr = heapCopy(tr.y);
  const t0 = now(), c0 = process.cpuUsage();
  const model = createModel(xPtr, yPtr, tr.nrow, tr.ncol);
  const settings: Record<string, unknown> = {
    booster: "gbtree", objective: "reg:linear", tree_method: p.tree_method ?? "hist", max_depth: p.max_depth, eta: p.eta,
    max_bin: p.max_bin, min_child_weight: 1, subsample: 1, colsample_bytree: 1, base_score: baseScore, nthread: 1, silent: 1,
  };
  for (const [k, v] of Object.entries(settings)) setParam(model, k, String(v));
  trainFull(model, job.rounds);
  const trainSeconds = now() - t0, trainCpuSeconds = cpuSince(c0);
  M._free(xPtr); M._free(yPtr);
  const te = loadRows(job, job.nTrain, job.nrow);
  const rowPtr = M._malloc(te.ncol * 4), outPtr = M._malloc(16);
  const pred = new Float32Array(te.nrow);
  const t1 = now();
  for (let i = 0; i < te.nrow; i++) {
    M.HEAPF32.set(te.X.subarray(i * te.ncol, (i + 1) * te.ncol), rowPtr / 4);
    predictOne(model, rowPtr, te.ncol, outPtr);
    pred[i] = M.HEAPF32[outPtr / 4];
  }
  const predictSeconds = now() - t1;
  M._free(rowPtr); M._free(outPtr);
  freeModel(model);
  return { trainSeconds, trainCpuSeconds, predictSeconds, rmse: rmse(te.y, pred), nPredict: te.nrow, rounds: job.rounds, baseScore };
}

async function main() {
  const job: Job = JSON.parse(process.argv[2]);
  const r = job.learner === "ours" ? await ours(job) : job.learner === "ml-xgboost" ? await mlXgboost(job)
    : job.learner === "ours-contribs" ? await oursContribs(job) : undefined;
  if (!r) throw new Error(`unknown learner ${job.learner}`);
  process.stdout.write(JSON.stringify({ ...r, maxRssKb: process.resourceUsage().maxRSS }) + "\n");
}

main().catch((e) => {
  process.stderr.write(`bench worker failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
