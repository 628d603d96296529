/**
 * `npm run bench -- views` — k folds without k copies (issue 11): 3-fold cross-validation
 * (50 rounds, depth 6, eta 0.1, max_bin 256, nthread 1) on the synthetic set (bench/synth.ts,
 * 1M × 28 by default), each fold training on 2/3 of the rows and predicting the other third:
 *   - views:  one DMatrix; every fold trains on dm.slice(trainRows) and predicts dm.slice(testRows)
 *             — row views that share the matrix and its quantised form (binned once);
 *   - copies: one DMatrix; every fold copies its training and test rows into new DMatrices
 *             (what DMatrix.slice did before views), trains (binning the copy) and predicts,
 *             then frees them.
 * Each mode runs alone in its own process (this script with --mode=…), one after the other,
 * alternating over --repeat runs; peak RSS is process.resourceUsage().maxRSS (it includes
 * reading the data files), times are wall clock of the whole cross-validation. Prints the
 * ratios views / copies and each mode's out-of-fold RMSE (the views' fits use the whole
 * matrix's cuts, so the models differ slightly).
 *
 * Options: --rows=1000000  --rounds=50  --repeat=1
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { DMatrix, train } from "node-xgboost-wasm";
import { readF32File, synthFiles } from "./synth";

const args = process.argv.slice(2).filter((a) => a !== "views");
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const ROWS = Number(opt("rows") ?? 1_000_000), ROUNDS = Number(opt("rounds") ?? 50), REPEAT = Number(opt("repeat") ?? 1);
const K = 3;
const log = (msg: string) => process.stderr.write(`[bench views] ${msg}\n`);

interface Result { mode: string; seconds: number; fitSeconds: number; maxRssMb: number; oofRmse: number }

function child(mode: "views" | "copies"): void {
  const f = synthFiles(ROWS);
  let X: Float32Array | undefined = readF32File(f.x);
  const y = readF32File(f.y);
  const t0 = performance.now();
  const dm = new DMatrix(X, { nrow: ROWS, ncol: f.ncol, label: y });
  X = undefined; // the matrix lives in the core's memory from here, in both modes
  const fold = Int32Array.from({ length: ROWS }, (_, i) => i % K);
  const params = { max_depth: 6, eta: 0.1, max_bin: 256, nthread: 1, base_score: 0 };
  let sq = 0, fitSeconds = 0;
  for (let k = 0; k < K; k++) {
    const trainRows: number[] = [], testRows: number[] = [];
    for (let i = 0; i < ROWS; i++) (fold[i] === k ? testRows : trainRows).push(i);
    let dtrain = dm.slice(trainRows), dtest = dm.slice(testRows);
    if (mode === "copies") {
      const copy = (v: DMatrix) => { const c = new DMatrix(v.getData(), { nrow: v.nrow, ncol: v.ncol, label: v.getLabel() }); v.free(); return c; };
      dtrain = copy(dtrain); dtest = copy(dtest);
    }
    const tb = performance.now();
    const bst = train({ ...params, base_score: meanOf(dtrain.getLabel()!) }, dtrain, { numBoostRound: ROUNDS });
    fitSeconds += (performance.now() - tb) / 1000;
    const p = bst.predict(dtest), yt = dtest.getLabel()!;
    for (let i = 0; i < p.length; i++) sq += (p[i] - yt[i]) ** 2;
    bst.free(); dtrain.free(); dtest.free();
    log(`${mode}: fold ${k + 1}/${K} done (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const seconds = (performance.now() - t0) / 1000;
  dm.free();
  const r: Result = { mode, seconds, fitSeconds, maxRssMb: process.resourceUsage().maxRSS / 1024, oofRmse: Math.sqrt(sq / ROWS) };
  console.log(JSON.stringify(r));
}

function meanOf(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function main(): void {
  synthFiles(ROWS);
  const runs: Record<string, Result[]> = { views: [], copies: [] };
  const tsx = path.join(__dirname, "..", "node_modules", ".bin", "tsx");
  for (let r = 0; r < REPEAT; r++) {
    for (const mode of r % 2 === 0 ? ["views", "copies"] : ["copies", "views"]) {
      log(`${mode} (run ${r + 1}/${REPEAT}) …`);
      const p = spawnSync(tsx, [__filename, `--mode=${mode}`, `--rows=${ROWS}`, `--rounds=${ROUNDS}`], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
      if (p.status !== 0) throw new Error(`bench views: the ${mode} run failed (status ${p.status})`);
      runs[mode].push(JSON.parse(p.stdout.trim().split("\n").pop()!) as Result);
    }
  }
  const best = (m: string) => runs[m].reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const v = best("views"), c = best("copies");
  const f32Mb = (ROWS * 28 * 4) / 2 ** 20;
  const lines = [
    `${ROWS.toLocaleString("en-US")} rows × 28 (float32 ${f32Mb.toFixed(0)} MiB), ${K} folds × ${ROUNDS} rounds, depth 6, max_bin 256, nthread 1:`,
    "",
    "| | wall s | train() s (bin + boost) | peak RSS MiB | RSS / data | out-of-fold RMSE |",
    "|---|---|---|---|---|---|",
    ...[v, c].map((r) => `| ${r.mode} | ${r.seconds.toFixed(1)} | ${r.fitSeconds.toFixed(1)} | ${r.maxRssMb.toFixed(0)} | ${(r.maxRssMb / f32Mb).toFixed(2)}× | ${r.oofRmse.toFixed(4)} |`),
    `| views / copies | ${(v.seconds / c.seconds).toFixed(2)} | ${(v.fitSeconds / c.fitSeconds).toFixed(2)} | ${(v.maxRssMb / c.maxRssMb).toFixed(2)} | | |`,
  ];
  console.log(lines.join("\n"));
}

const mode = opt("mode");
if (mode === "views" || mode === "copies") child(mode);
else main();
