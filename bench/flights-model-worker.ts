/**
 * One system of the flights model table (bench/flights.ts), in its own process so its peak RSS is its own:
 *
 *   tsx bench/flights-model-worker.ts <xgboost|catboost|mean|write> <parquet> <trainRows> <holdoutRows> <outDir>
 *
 * Loads vega-datasets' flights-3m.parquet with lib.loadTable, derives hour, day of week and month (UTC) from `date`,
 * takes a seeded random sample (the core's Rng: the first `trainRows` of a permutation of the 3M rows train, the next
 * `holdoutRows` are held out), then
 *   - xgboost / catboost / mean: trains lib.xgboost, lib.catboost, or an Ensemble of both blended by their mean, on
 *     delay ~ distance + origin + destination (categorical) + hour + day_of_week + month; predicts the holdout;
 *   - write: writes the same rows once for native XGBoost (bench/flights.ts's Python): per split the four numeric
 *     features as row-major float32, the two airports as int32 codes, the label as float32, and the airports'
 *     categories as JSON — so native trains on exactly these rows and categories.
 * Prints one JSON line: { system, loadSeconds, loadCpu, trainSeconds, trainCpu, rmse, members?, maxRssMb }.
 */
import * as fs from "fs";
import * as path from "path";
import { table as arqueroTable } from "arquero";
import * as lib from "ensemble-workbook";
import { CategoricalColumn, type Table } from "ensemble-workbook";
import { Rng } from "node-xgboost-wasm";
import { FLIGHTS_MODEL_PARAMS } from "./flights";

const SAMPLE_SEED = 20240601;
const NUMERIC = ["distance", "hour", "day_of_week", "month"] as const;

interface Split {
  label: Float32Array;
  numeric: Float32Array[]; // NUMERIC order
  origin: Int32Array;
  destination: Int32Array;
}

function split(table: Table, idx: Uint32Array): Split {
  const date = table.column("date") as unknown as { at(i: number): Date | null };
  const delay = table.column("delay") as unknown as Float32Array;
  const distance = table.column("distance") as unknown as Float32Array;
  const origin = table.column("origin") as unknown as CategoricalColumn, destination = table.column("destination") as unknown as CategoricalColumn;
  const n = idx.length;
  const s: Split = { label: new Float32Array(n), numeric: NUMERIC.map(() => new Float32Array(n)), origin: new Int32Array(n), destination: new Int32Array(n) };
  for (let r = 0; r < n; r++) {
    const i = idx[r];
    const d = date.at(i);
    s.label[r] = delay[i];
    s.numeric[0][r] = distance[i];
    s.numeric[1][r] = d ? d.getUTCHours() : NaN;
    s.numeric[2][r] = d ? d.getUTCDay() : NaN;
    s.numeric[3][r] = d ? d.getUTCMonth() + 1 : NaN;
    s.origin[r] = origin.codes[i];
    s.destination[r] = destination.codes[i];
  }
  return s;
}

/** A split as an arquero table of typed columns (the airports keep the loaded table's categories). */
function asTable(s: Split, origin: CategoricalColumn, destination: CategoricalColumn): Table {
  const cols: Record<string, unknown> = { delay: s.label };
  NUMERIC.forEach((name, j) => (cols[name] = s.numeric[j]));
  cols.origin = new CategoricalColumn(s.origin, origin.categories);
  cols.destination = new CategoricalColumn(s.destination, destination.categories);
  return arqueroTable(cols as Parameters<typeof arqueroTable>[0]) as Table;
}

function writeSplit(dir: string, name: string, s: Split): void {
  const n = s.label.length;
  const X = new Float32Array(n * NUMERIC.length);
  for (let r = 0; r < n; r++) for (let j = 0; j < NUMERIC.length; j++) X[r * NUMERIC.length + j] = s.numeric[j][r];
  const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  fs.writeFileSync(path.join(dir, `${name}-X.f32`), bytes(X));
  fs.writeFileSync(path.join(dir, `${name}-y.f32`), bytes(s.label));
  fs.writeFileSync(path.join(dir, `${name}-origin.i32`), bytes(s.origin));
  fs.writeFileSync(path.join(dir, `${name}-destination.i32`), bytes(s.destination));
}

async function main(): Promise<void> {
  const [system, parquet, trainArg, holdoutArg, outDir] = process.argv.slice(2);
  const trainRows = Number(trainArg), holdoutRows = Number(holdoutArg);
  if (!["xgboost", "catboost", "mean", "write"].includes(system)) throw new Error(`system must be xgboost, catboost, mean or write, not "${system}"`);
  const c0 = process.cpuUsage(), t0 = performance.now();
  const table = await lib.loadTable(parquet, { progress: false });
  const n = table.numRows();
  if (trainRows + holdoutRows > n) throw new Error(`${trainRows} training + ${holdoutRows} holdout rows: the file has ${n} rows`);
  const perm = new Rng(SAMPLE_SEED).permutation(n);
  const train = split(table, perm.subarray(0, trainRows));
  const test = split(table, perm.subarray(trainRows, trainRows + holdoutRows));
  const origin = table.column("origin") as unknown as CategoricalColumn, destination = table.column("destination") as unknown as CategoricalColumn;
  const loadSeconds = (performance.now() - t0) / 1000, loadCpuUsage = process.cpuUsage(c0);
  const loadCpu = (loadCpuUsage.user + loadCpuUsage.system) / 1e6;

  if (system === "write") {
    fs.mkdirSync(outDir, { recursive: true });
    writeSplit(outDir, "train", train);
    writeSplit(outDir, "test", test);
    fs.writeFileSync(path.join(outDir, "meta.json"), JSON.stringify({ numeric: NUMERIC, origin: origin.categories, destination: destination.categories, trainRows, holdoutRows }));
    console.log(JSON.stringify({ system, loadSeconds, loadCpu }));
    return;
  }

  const trainTable = asTable(train, origin, destination), testTable = asTable(test, origin, destination);
  const p = FLIGHTS_MODEL_PARAMS;
  // subsample / colsample 1 and base_score = the training mean: XGBoost's own settings in native's row
  let mean = 0;
  for (let i = 0; i < train.label.length; i++) mean += train.label[i];
  mean /= train.label.length;
  const xgb = () => lib.xgboost({ num_round: p.rounds, max_depth: p.max_depth, eta: p.eta, max_bin: p.max_bin, subsample: 1, colsample_bytree: 1, base_score: mean, seed: p.seed });
  const cat = () => lib.catboost({ iterations: p.rounds, depth: p.max_depth, learning_rate: p.eta, border_count: p.max_bin, random_seed: p.seed });
  const members = system === "xgboost" ? [xgb()] : system === "catboost" ? [cat()] : [xgb(), cat()];
  const ens = new lib.Ensemble({ members, blend: "mean" });
  let rounds = 0;
  const t1 = performance.now(), c1 = process.cpuUsage();
  ens.fit(trainTable, {
    label: "delay",
    categorical: ["origin", "destination"],
    onRound: () => {
      if (++rounds % 20 === 0) process.stderr.write(`[flights ${system}] ${rounds} / ${p.rounds * members.length} rounds\n`);
    },
  });
  const trainSeconds = (performance.now() - t1) / 1000, trainCpuUsage = process.cpuUsage(c1);
  const pred = ens.predict(testTable);
  const rmse = (q: ArrayLike<number>) => lib.rmse(test.label, q);
  const memberRmse: Record<string, number> = {};
  for (const [name, q] of Object.entries(pred.members)) memberRmse[name] = rmse(q);
  console.log(JSON.stringify({
    system, loadSeconds, loadCpu, trainSeconds, trainCpu: (trainCpuUsage.user + trainCpuUsage.system) / 1e6,
    rmse: rmse(pred.prediction), members: memberRmse, maxRssMb: process.resourceUsage().maxRSS / 1024,
  }));
  ens.free();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
