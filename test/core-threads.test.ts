/**
 * Threads inside the core (issue 12, wasm/csrc/threads.h): nthread with XGBoost's meaning,
 * models that do not depend on it, the single-threaded build, and native XGBoost 1.7.4
 * loading a model trained on two threads and predicting the same.
 *
 * The data are big enough that the parallel kernels really split the work: more than one
 * histogram row block (8 192 rows) per node, and nodes of more than 65 536 rows for the
 * parallel row partition (numeric and categorical splits), and symmetric levels whose nodes are partitioned side by side.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Booster, DMatrix, catboostParams, coreBuild, startTraining, train } from "node-xgboost-wasm";
import { POOL_DEATH_ENV } from "node-xgboost-wasm/dist/wasm";
import { TEST_CORES_ENV } from "node-xgboost-wasm/dist/cores";
import { hasXgboost, INSTALL_HINT, maxRelDiff, RefJob } from "../tools/reference/xgb-ref";
import { categoricalData, classLabels, regressionData, repoRoot } from "./helpers/core-data";

const XGB = hasXgboost();
if (!XGB) console.log(`  SKIP the native XGBoost check of core-threads: ${INSTALL_HINT}`);

const big = regressionData(70_000, 6, 12, 0.05);
const cat = categoricalData(70_000, [7, 40], 3, 5, 0.05);
const dBig = new DMatrix(big.X, { nrow: big.nrow, ncol: big.ncol, label: big.y });
const dCat = new DMatrix(cat.X, { nrow: cat.nrow, ncol: cat.ncol, label: cat.y, featureTypes: cat.featureTypes });
// categorical features only: the root's split (70k rows) is a categorical one
const catOnly = categoricalData(70_000, [9, 300], 0, 6, 0.05);
const dCatOnly = new DMatrix(catOnly.X, { nrow: catOnly.nrow, ncol: catOnly.ncol, label: catOnly.y, featureTypes: catOnly.featureTypes });

const BASE = { max_depth: 5, eta: 0.3, max_bin: 64, seed: 3 };
const CASES: { name: string; params: Record<string, unknown>; d: DMatrix }[] = [
  { name: "depthwise", params: { ...BASE, colsample_bynode: 0.8 }, d: dBig },
  { name: "lossguide", params: { ...BASE, grow_policy: "lossguide", max_depth: 0, max_leaves: 24, subsample: 0.8 }, d: dBig },
  { name: "symmetric (CatBoost-style)", params: { ...BASE, grow_policy: "symmetric", random_strength: 1 }, d: dBig },
  // the catboost member's bootstrap: its weights computed in row blocks side by side (booster.c tree_gradients)
  { name: "symmetric, Bayesian bootstrap", params: { ...BASE, grow_policy: "symmetric", random_strength: 1, bootstrap_type: "bayesian", bagging_temperature: 0.7 }, d: dBig },
  { name: "categorical splits", params: { ...BASE, max_cat_to_onehot: 8 }, d: dCat },
  { name: "categorical features only", params: { ...BASE }, d: dCatOnly },
  { name: "binary:logistic", params: { ...BASE, objective: "binary:logistic" }, d: new DMatrix(big.X, { nrow: big.nrow, ncol: big.ncol, label: big.y.map((v) => (v > 1 ? 1 : 0)) }) },
];

// A job runs on at most the cores (dist/cores): 4 here, so that nthread 3 really runs on 3 threads on a 2-core
// machine (each count's own split of the work), and back as it was after this file's tests
const coresBefore = process.env[TEST_CORES_ENV];
test.before(() => void (process.env[TEST_CORES_ENV] = "4"));
test.after(() => void (coresBefore === undefined ? delete process.env[TEST_CORES_ENV] : (process.env[TEST_CORES_ENV] = coresBefore)));

test("Node loads the threads build (shared memory)", () => {
  assert.is(coreBuild(), "threads");
});

test("nthread < 0 or not an integer is an Error naming nthread; 0 and unset are accepted", () => {
  const small = new DMatrix(big.X.subarray(0, 600), { nrow: 100, ncol: 6, label: big.y.subarray(0, 100) });
  for (const bad of [-1, 1.5, "2.5", "two", -3, 100000]) {
    assert.throws(() => train({ nthread: bad as number }, small, { numBoostRound: 1 }), (e: Error) => /nthread/.test(e.message), `nthread ${bad}`);
  }
  assert.throws(() => train({ n_jobs: -1 }, small, { numBoostRound: 1 }), (e: Error) => /n_jobs|nthread/.test(e.message));
  for (const ok of [0, 1, 2, undefined]) train({ nthread: ok }, small, { numBoostRound: 1 }).free();
  small.free();
});

/** Trains each case at each nthread; returns the saved models and predictions. */
function models(threads: number[], rounds = 8): Map<string, { json: string; pred: Float32Array }[]> {
  const out = new Map<string, { json: string; pred: Float32Array }[]>();
  for (const c of CASES) {
    out.set(c.name, threads.map((nthread) => {
      const b = train({ ...c.params, nthread }, c.d, { numBoostRound: rounds });
      const r = { json: b.saveModel(), pred: b.predict(c.d) };
      b.free();
      return r;
    }));
  }
  return out;
}

test("models are byte-identical for nthread 1, 2 and 3 (every grow policy, categorical splits)", () => {
  for (const [name, runs] of models([1, 2, 3])) {
    assert.ok(runs[0].json.length > 1000, `${name}: a real model`);
    assert.is(runs[1].json, runs[0].json, `${name}: nthread 2 vs 1`);
    assert.is(runs[2].json, runs[0].json, `${name}: nthread 3 vs 1`);
    assert.equal(runs[1].pred, runs[0].pred, `${name}: predictions at nthread 2 vs 1`);
    assert.equal(runs[2].pred, runs[0].pred, `${name}: predictions at nthread 3 vs 1`);
  }
});

test("a fit's thread count may change from round to round (TrainOptions.threads, lib's runs of fits): the same models, whether the fit is parked between rounds or not", () => {
  const rounds = 8;
  // rises from one thread (working memory built for one thread: rebuilt for the threads), falls back, rises again
  const counts = [1, 1, 2, 2, 1, 3, 2, 1, 2];
  for (const c of CASES) {
    const fixed = train({ ...c.params, nthread: 1 }, c.d, { numBoostRound: rounds });
    const expected = fixed.saveModel();
    fixed.free();
    for (const parked of [false, true]) {
      const asked: number[] = [];
      const t = startTraining({ ...c.params, nthread: 1 }, c.d, { numBoostRound: rounds, threads: () => counts[asked.push(0) - 1] });
      while (t.step()) if (parked) t.park();
      const b = t.finish();
      assert.is(asked.length, rounds + 1, `${c.name}: asked once as the fit starts (its binning) and before each round`);
      assert.is(b.saveModel(), expected, `${c.name}${parked ? ", parked between rounds" : ""}: threads ${counts.join(", ")} vs nthread 1`);
      b.free();
    }
  }
  for (const bad of [0.5, -1, Number.NaN, 100_000]) {
    assert.throws(() => train({}, CASES[0].d, { numBoostRound: 1, threads: () => bad }), (e: Error) => /threads/.test(e.message), `threads() = ${bad}`);
  }
});

test("binning does not depend on nthread: fresh matrices binned at nthread 1, 2 and 3 give byte-identical models (missing values, weights, categorical features, 300 000 rows)", () => {
  // 300 000 rows: a dozen full queues a feature in the quantile sketch (sketch.c: its levels carry) and many
  // blocks of the scan for minimums and missing values
  const d = regressionData(300_000, 5, 21, 0.1);
  const weight = Float32Array.from({ length: d.nrow }, (_, i) => 0.5 + ((i * 7919) % 13) / 6);
  const catData = categoricalData(20_000, [6, 30], 2, 7, 0.1);
  const fits: { name: string; make: () => DMatrix; params: Record<string, unknown> }[] = [
    { name: "numeric with missing values", make: () => new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y }), params: { max_bin: 256 } },
    { name: "weighted", make: () => new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y, weight }), params: { max_bin: 64 } },
    { name: "categorical", make: () => new DMatrix(catData.X, { nrow: catData.nrow, ncol: catData.ncol, label: catData.y, featureTypes: catData.featureTypes }), params: { max_bin: 32 } },
  ];
  for (const f of fits) {
    const runs = [1, 2, 3].map((nthread) => {
      const m = f.make(); // binned by its first train, at that train's nthread
      const b = train({ ...f.params, max_depth: 4, nthread }, m, { numBoostRound: 2 });
      const json = b.saveModel();
      b.free();
      m.free();
      return json;
    });
    assert.ok(runs[0].length > 1000, `${f.name}: a real model`);
    assert.is(runs[1], runs[0], `${f.name}: binned at nthread 2 vs 1`);
    assert.is(runs[2], runs[0], `${f.name}: binned at nthread 3 vs 1`);
  }
});

test("CatBoost's thread_count is the core's nthread (-1 every core, as CatBoost; 0 as XGBoost): the same model as thread_count 1", () => {
  assert.is(catboostParams({ thread_count: -1 }).params.nthread, 0);
  assert.is(catboostParams({ thread_count: 3 }).params.nthread, 3);
  assert.not.ok("nthread" in catboostParams().params, "unset: the core's default (every core)");
  const model = (threadCount: number) => {
    const { params } = catboostParams({ depth: 4, iterations: 8, learning_rate: 0.2, border_count: 64, thread_count: threadCount });
    const b = train(params, dBig, { numBoostRound: 8 });
    try {
      return b.saveModel();
    } finally {
      b.free();
    }
  };
  const one = model(1);
  assert.ok(one === model(2), "thread_count 2 trained another model");
  assert.ok(one === model(-1), "thread_count -1 trained another model");
  for (const bad of [0, -2, 1.5, 513, Number.NaN]) {
    assert.throws(() => catboostParams({ thread_count: bad }), new RegExp(`thread_count must be -1 \\(every core\\) or an integer from 1 to 512, got ${bad}$`));
  }
  assert.throws(() => catboostParams({ thread_count: 2, nthread: 2 }), /give thread_count or nthread, not both/);
  assert.throws(() => catboostParams({ thread_count: 2, n_jobs: 2 }), /give thread_count or n_jobs, not both/);
});

test("the same seed and nthread twice give the same model; another seed another one", () => {
  const c = CASES[0];
  const a = train({ ...c.params, nthread: 2 }, c.d, { numBoostRound: 4 }), b = train({ ...c.params, nthread: 2 }, c.d, { numBoostRound: 4 });
  const other = train({ ...c.params, nthread: 2, seed: 4 }, c.d, { numBoostRound: 4 });
  assert.is(a.saveModel(), b.saveModel());
  assert.is.not(other.saveModel(), a.saveModel(), "colsample_bynode draws depend on the seed");
  a.free(); b.free(); other.free();
});

test("the single-threaded build trains the same models as the threads build: chosen (XGB_WASM_THREADS=0), and where SharedArrayBuffer is missing", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "core-threads-"));
  try {
    const threaded = models([2], 5);
    const job = CASES.map((c, i) => {
      const file = path.join(dir, `case-${i}.json`);
      return { i, file, params: { ...c.params, nthread: 2 } };
    });
    fs.writeFileSync(path.join(dir, "jobs.json"), JSON.stringify(job));
    // the child builds the same data with the same helpers, trains at nthread 2 and saves
    const script = `
      const fs = require("fs");
      const { DMatrix, coreBuild, train } = require("node-xgboost-wasm");
      const { categoricalData, regressionData } = require(${JSON.stringify(path.join(__dirname, "helpers", "core-data"))});
      const big = regressionData(70000, 6, 12, 0.05), cat = categoricalData(70000, [7, 40], 3, 5, 0.05);
      const catOnly = categoricalData(70000, [9, 300], 0, 6, 0.05);
      const ds = [
        new DMatrix(big.X, { nrow: big.nrow, ncol: big.ncol, label: big.y }),
        new DMatrix(cat.X, { nrow: cat.nrow, ncol: cat.ncol, label: cat.y, featureTypes: cat.featureTypes }),
        new DMatrix(catOnly.X, { nrow: catOnly.nrow, ncol: catOnly.ncol, label: catOnly.y, featureTypes: catOnly.featureTypes }),
        new DMatrix(big.X, { nrow: big.nrow, ncol: big.ncol, label: big.y.map((v) => (v > 1 ? 1 : 0)) }),
      ];
      const which = [0, 0, 0, 0, 1, 2, 3]; // CASES in order: the data each trains on
      for (const j of JSON.parse(fs.readFileSync(${JSON.stringify(path.join(dir, "jobs.json"))}, "utf8"))) {
        fs.writeFileSync(j.file, train(j.params, ds[which[j.i]], { numBoostRound: 5 }).saveModel());
      }
      console.log(coreBuild());`;
    // --enable-sharedarraybuffer-per-context: no SharedArrayBuffer global (as in a context that is not
    // cross-origin isolated); the package loaded nothing before it chose its build
    for (const [how, flags, env] of [["XGB_WASM_THREADS=0", [], { XGB_WASM_THREADS: "0" }], ["no SharedArrayBuffer", ["--enable-sharedarraybuffer-per-context"], {}]] as const) {
      for (const j of job) fs.rmSync(j.file, { force: true });
      const r = spawnSync(process.execPath, [...flags, "--import", "tsx", "-e", `if (${flags.length} && typeof SharedArrayBuffer !== "undefined") throw new Error("SharedArrayBuffer is there");` + script], {
        cwd: repoRoot(), encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000,
      });
      assert.is(r.status, 0, `${how}: ${r.stderr}`);
      assert.is(r.stdout.trim(), "single-threaded", how);
      CASES.forEach((c, i) => assert.is(fs.readFileSync(job[i].file, "utf8"), threaded.get(c.name)![0].json, `${c.name}: single-threaded build (${how}) vs threads`));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("XGB_WASM_THREADS other than 0 or 1 is an Error", () => {
  const r = spawnSync(process.execPath, ["-e", `require("node-xgboost-wasm").coreBuild()`], {
    cwd: repoRoot(), encoding: "utf8", env: { ...process.env, XGB_WASM_THREADS: "yes" }, timeout: 60_000,
  });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /XGB_WASM_THREADS must be 0/);
});

test("the shared memory stops at 4 GiB with an out-of-memory Error, not a trap", () => {
  // in a child process: the memory it grows to cannot be given back
  const script = `
    const core = require("node-xgboost-wasm/dist/wasm");
    const got = [];
    for (let i = 0; i < 4; i++) {
      try { core.alloc(1.5e9); got.push("ok"); } catch (e) { got.push(e.message); }
    }
    console.log(JSON.stringify({ build: core.coreBuild(), got, mib: core.getCore().memory.buffer.byteLength / 2 ** 20 }));`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: repoRoot(), encoding: "utf8", timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.build, "threads");
  assert.equal(out.got.slice(0, 2), ["ok", "ok"], "two 1.5 GB blocks fit in 4 GiB");
  assert.match(out.got[2], /out of memory allocating 1500000000 bytes/);
  assert.ok(out.mib <= 4096, `memory ${out.mib} MiB`);
});

test("above 2 GiB of the core's memory: a matrix, a model and its SHAP values that live there give the numbers they give below (addresses read unsigned)", () => {
  // in a child process: the memory it grows to cannot be given back. The core returns addresses as wasm i32s, which
  // JavaScript reads as signed: one of 2 GiB or more came back negative — a RangeError after the work, or a slice
  // counted from the end of the memory
  const script = `
    const { Booster, DMatrix, train } = require("node-xgboost-wasm");
    const core = require("node-xgboost-wasm/dist/wasm");
    const n = 3000, p = 5, X = new Float32Array(n * p), y = new Float32Array(n);
    for (let i = 0; i < n; i++) { for (let j = 0; j < p; j++) X[i * p + j] = ((i * 7919 + j * 104729) % 1000) / 100; y[i] = X[i * p] * 2 - X[i * p + 1] + ((i * 31) % 7); }
    const run = () => {
      const d = new DMatrix(X, { nrow: n, ncol: p, label: y });
      const bst = train({ max_depth: 4, nthread: 2 }, d, { numBoostRound: 4 });
      const json = bst.saveModel(), again = Booster.loadModel(json);
      const out = { json, again: again.saveModel(), predict: Array.from(again.predict(d)), contribs: Array.from(bst.predict(d, { predContribs: true })) };
      bst.free(); again.free(); d.free();
      return out;
    };
    const below = run();
    const big = core.alloc(2.1e9), fill = [];
    let last = 0;
    while (last < 2 ** 31) fill.push(last = core.alloc(1 << 20)); // the fragments below 2 GiB taken: what follows lands above
    const above = run();
    console.log(JSON.stringify({ last, same: JSON.stringify(above) === JSON.stringify(below), contribs: above.contribs.length }));`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: repoRoot(), encoding: "utf8", timeout: 120_000 });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.last >= 2 ** 31, `an address above 2 GiB, as an unsigned number: ${out.last}`);
  assert.is(out.contribs, 3000 * 6);
  assert.ok(out.same, "the matrix, the model (saved, loaded, saved), its predictions and SHAP values above 2 GiB equal those below");
});

(XGB ? test : test.skip)("a model trained with nthread=2 loads in native XGBoost 1.7.4 and predicts the same", () => {
  const ref = new RefJob();
  try {
    ref.dataset("big", big.X, big.nrow, big.ncol, big.y);
    ref.dataset("cat", cat.X, cat.nrow, cat.ncol, cat.y, undefined, undefined, cat.featureTypes);
    ref.dataset("catOnly", catOnly.X, catOnly.nrow, catOnly.ncol, catOnly.y, undefined, undefined, catOnly.featureTypes);
    const ours: { name: string; pred: Float32Array; margin: Float32Array }[] = [];
    for (const c of CASES.filter((c) => c.name !== "binary:logistic")) {
      const b = train({ ...c.params, nthread: 2 }, c.d, { numBoostRound: 10 });
      // round trip through the JSON format as native reads it
      const loaded = Booster.loadModel(b.saveModel());
      ours.push({ name: c.name, pred: loaded.predict(c.d), margin: b.predict(c.d, { outputMargin: true }) });
      const data = c.d === dCat ? "cat" : c.d === dCatOnly ? "catOnly" : "big";
      ref.task({ op: "load", model: ref.model(b.saveModel()), predict: [{ data }, { data, output_margin: true }] });
      b.free(); loaded.free();
    }
    const results = ref.run({ strict: true });
    ours.forEach((o, i) => {
      const [p, m] = results[i].predict!;
      const dp = maxRelDiff(o.pred, p.values!), dm = maxRelDiff(o.margin, m.values!);
      assert.ok(dp.rel < 1e-5, `${o.name}: prediction ${dp.a} vs native ${dp.b} at row ${dp.index}`);
      assert.ok(dm.rel < 1e-5, `${o.name}: margin ${dm.a} vs native ${dm.b} at row ${dm.index}`);
    });
  } finally {
    ref.cleanup();
  }
});

// SHAP values in parallel (csrc/shap.c: blocks of rows are the tasks, each thread with its own working memory):
// every row's numbers are computed the same way on whichever thread, so they must be bit-identical for every
// nthread — on float rows and on a matrix whose floats were released (rows decoded from bins in chunks) — and
// native XGBoost explaining the same model on two threads must agree.
test("SHAP values, interaction values and Saabas run in parallel: bit-identical for nthread 1, 2 and 3 (float rows and released bins, 3 classes), and within 1e-4 of native XGBoost's at nthread 2", () => {
  const data = regressionData(12_000, 6, 31, 0.05);
  const y = classLabels(data.y, 3);
  const dTrain = new DMatrix(data.X, { nrow: data.nrow, ncol: data.ncol, label: y });
  const dRows = new DMatrix(data.X, { nrow: data.nrow, ncol: data.ncol });
  const few = 400; // interaction values cost (features + 1) × contributions: fewer rows, still 100 tasks
  const dFew = new DMatrix(data.X.subarray(0, few * data.ncol), { nrow: few, ncol: data.ncol });
  const bst = train({ objective: "multi:softprob", num_class: 3, max_depth: 5, eta: 0.3, max_bin: 64, seed: 2, nthread: 1 }, dTrain, { numBoostRound: 12 });
  const explain = (n: number, d: DMatrix) => {
    bst.setParam("nthread", n);
    return {
      contribs: bst.predict(d, { predContribs: true }),
      approx: bst.predict(d, { predContribs: true, approxContribs: true }),
      interactions: bst.predict(dFew, { predInteractions: true }),
    };
  };
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const one = explain(1, dRows);
  assert.is(one.contribs.length, 12_000 * 3 * 7);
  for (const n of [2, 3]) {
    const many = explain(n, dRows);
    for (const k of ["contribs", "approx", "interactions"] as const) assert.ok(bytes(many[k]).equals(bytes(one[k])), `nthread ${n}: ${k} differ from nthread 1`);
  }
  // the training matrix without its floats: rows decoded from its bins, explained chunk by chunk in parallel
  dTrain.releaseFloats([64]);
  for (const n of [1, 3]) {
    bst.setParam({ n_jobs: n });
    assert.ok(bytes(bst.predict(dTrain, { predContribs: true })).equals(bytes(one.contribs)), `released bins, nthread ${n}: contributions differ from the float rows'`);
  }
  if (XGB) {
    const ref = new RefJob();
    try {
      ref.dataset("rows", data.X, data.nrow, data.ncol);
      ref.dataset("few", data.X.subarray(0, few * data.ncol), few, data.ncol);
      ref.task({ op: "load", model: ref.model(bst.saveModel()), nthread: 2, predict: [{ data: "rows", pred_contribs: true }, { data: "few", pred_interactions: true }, { data: "rows", pred_contribs: true, approx_contribs: true }] });
      const [r] = ref.run({ strict: true });
      const scale = Math.max(1, ...bst.predict(dRows, { outputMargin: true }).map(Math.abs));
      ([["contribs", 0], ["interactions", 1], ["approx", 2]] as const).forEach(([k, i]) => {
        const theirs = r.predict![i].values!;
        assert.is(theirs.length, one[k].length, k);
        let worst = 0;
        for (let j = 0; j < theirs.length; j++) worst = Math.max(worst, Math.abs(theirs[j] - one[k][j]));
        assert.ok(worst <= 1e-4 * scale, `${k}: max |ours − native at nthread 2| = ${worst} (margin scale ${scale})`);
      });
    } finally {
      ref.cleanup();
    }
  }
  // setParam changes nthread only, checked as train checks it
  assert.throws(() => bst.setParam("nthread", -1), /parameter nthread must be between 0 \(every core, as XGBoost\) and 512, got -1/);
  assert.throws(() => bst.setParam({ max_depth: 3 }), /setParam: max_depth cannot change on a trained model/);
  assert.throws(() => bst.setParam({ nthread: 1, n_jobs: 2 }), /nthread and n_jobs name the same setting/);
  assert.throws(() => bst.setParam("nthread"), /setParam: nthread has no value/);
  bst.free(); dTrain.free(); dRows.free(); dFew.free();
});

// A worker thread of the core's pool that dies in the middle of a job (the test hook makes worker thread 1 end
// right after its 3rd task claim — predict's 1st — holding the task: process.exit or an uncaught Error) used to leave
// the main thread waiting for that task forever. Now the job — and train() or predict() — fails with an Error
// saying what happened, later calls with nthread > 1 are refused, and nthread 1 still trains the same model.
function dieInChild(how: string, claim: number, op: "train" | "predict" | "contributions"): { first: string; again: string; model: string } {
  const script = `
    const { Booster, DMatrix, train } = require("node-xgboost-wasm");
    const core = require("node-xgboost-wasm/dist/wasm");
    const n = 20000, p = 6, X = new Float32Array(n * p), y = new Float32Array(n);
    for (let i = 0; i < n; i++) { for (let j = 0; j < p; j++) X[i * p + j] = ((i * 7919 + j * 104729) % 1000) / 100; y[i] = X[i * p] * 2 - X[i * p + 1] + ((i * 31) % 7); }
    const d = new DMatrix(X, { nrow: n, ncol: p, label: y });
    const many = new DMatrix(new Float32Array(5 * n * p).map((_, i) => X[i % (n * p)]), { nrow: 5 * n, ncol: p }); // predict: 49 tasks
    const out = {};
    const attempt = (f) => { try { f(); return "ok"; } catch (e) { return e.message; } };
    (async () => {
      const model = ${op !== "train" ? `Booster.loadModel(train({ max_depth: 6, nthread: 1 }, d, { numBoostRound: 30 }).saveModel())` : "undefined"};
      core.setThreads(2); // the pool's worker thread starts in the background: wait for it (no job before)
      await core.poolReady();
      out.first = attempt(() => ${op === "predict" ? "model.predict(many)" : op === "contributions" ? "model.predict(d, { predContribs: true })" : "train({ max_depth: 4, nthread: 2 }, d, { numBoostRound: 10 })"});
      out.again = attempt(() => train({ max_depth: 4, nthread: 2 }, d, { numBoostRound: 2 }));
      out.model = train({ max_depth: 4, nthread: 1 }, d, { numBoostRound: 10 }).saveModel();
      console.log(JSON.stringify(out));
    })();`;
  const r = spawnSync(process.execPath, ["-e", script], {
    cwd: repoRoot(), encoding: "utf8", env: { ...process.env, [POOL_DEATH_ENV]: `${how}:${claim}` }, timeout: 60_000,
  });
  assert.is(r.signal, null, `the child was killed (${r.signal}) — it hung: ${r.stderr}`);
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// A fresh process (this one's pool is up already): the threads counted in /proc/self/task (Linux).
(fs.existsSync("/proc/self/task") ? test : test.skip)("nthread 2 on fewer rows than POOL_MIN_ROWS starts no thread and trains the model of nthread 1; on POOL_MIN_ROWS rows the pool starts", () => {
  const script = `
    const fs = require("fs");
    const { DMatrix, train } = require("node-xgboost-wasm");
    const core = require("node-xgboost-wasm/dist/wasm");
    const threads = () => fs.readdirSync("/proc/self/task").length;
    const data = (n) => {
      const p = 6, X = new Float32Array(n * p), y = new Float32Array(n);
      for (let i = 0; i < n; i++) { for (let j = 0; j < p; j++) X[i * p + j] = ((i * 7919 + j * 104729) % 1000) / 100; y[i] = X[i * p] * 2 - X[i * p + 1] + ((i * 31) % 7); }
      return new DMatrix(X, { nrow: n, ncol: p, label: y });
    };
    const fit = (d, nthread) => train({ max_depth: 4, nthread }, d, { numBoostRound: 5 }).saveModel();
    (async () => {
      const small = data(core.POOL_MIN_ROWS - 1), large = data(core.POOL_MIN_ROWS);
      const before = threads();
      const out = { small2: fit(small, 2) };
      small.releaseFloats([256], { nthread: 2 });
      out.small1 = fit(small, 1);
      out.smallThreads = threads() - before;
      out.large2 = fit(large, 2);
      await core.poolReady();
      out.largeThreads = threads() - before;
      out.large1 = fit(large, 1);
      console.log(JSON.stringify(out));
    })();`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: repoRoot(), encoding: "utf8", timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.smallThreads, 0, "training and binning fewer rows than POOL_MIN_ROWS started a thread");
  assert.is(out.small2, out.small1);
  assert.is(out.largeThreads, 1, "the pool's one worker thread (nthread 2), and no watcher thread");
  assert.is(out.large2, out.large1);
});

// Fresh processes: the threads counted in /proc/self/task; the cores as the core sees them (the affinity by taskset,
// or the tests' override), and OpenMP's variables as XGBoost reads them
(fs.existsSync("/proc/self/task") && spawnSync("taskset", ["-c", "0", "true"]).status === 0 ? test : test.skip)("a job never runs on more threads than the cores or OMP_THREAD_LIMIT (nthread 64 on 3 cores: 2 pool threads; taskset -c 0: none); OMP_NUM_THREADS is nthread 0's meaning; the model of nthread 1", () => {
  const script = `
    const fs = require("fs");
    const { DMatrix, availableCores, train } = require("node-xgboost-wasm");
    const core = require("node-xgboost-wasm/dist/wasm");
    const threads = () => fs.readdirSync("/proc/self/task").length;
    const n = 20000, p = 6, X = new Float32Array(n * p), y = new Float32Array(n);
    for (let i = 0; i < n; i++) { for (let j = 0; j < p; j++) X[i * p + j] = ((i * 7919 + j * 104729) % 1000) / 100; y[i] = X[i * p] * 2 - X[i * p + 1] + ((i * 31) % 7); }
    const d = new DMatrix(X, { nrow: n, ncol: p, label: y });
    const fit = (nthread) => train({ max_depth: 4, ...(nthread === undefined ? {} : { nthread }) }, d, { numBoostRound: 4 }).saveModel();
    (async () => {
      const out = { cores: availableCores(), one: fit(1) };
      // SHAP values of 100 rows — less work than POOL_MIN_ROWS rows of predictions — start no pool thread
      const start = threads();
      const tiny = new DMatrix(X.subarray(0, 600), { nrow: 100, ncol: p, label: y.subarray(0, 100) });
      train({ max_depth: 3 }, tiny, { numBoostRound: 2 }).predict(tiny, { predContribs: true });
      // nor do one row's interaction values on 200 features (work enough, but one task: nothing to share)
      const W = 200, wide = new DMatrix(new Float32Array(50 * W).map((_, i) => ((i * 7919) % 1000) / 100), { nrow: 50, ncol: W, label: y.subarray(0, 50) });
      train({ max_depth: 3 }, wide, { numBoostRound: 2 }).predict(new DMatrix(new Float32Array(W).fill(1), { nrow: 1, ncol: W }), { predInteractions: true });
      out.poolShap = threads() - start;
      const before = threads();
      out.unset = fit(undefined);
      await core.poolReady();
      out.poolUnset = threads() - before;
      out.many = fit(64);
      await core.poolReady();
      out.poolMany = threads() - before;
      console.log(JSON.stringify(out));
    })();`;
  const run = (env: Record<string, string>, pin = false) => {
    const full = { ...process.env };
    for (const k of [TEST_CORES_ENV, "OMP_NUM_THREADS", "OMP_THREAD_LIMIT"]) delete full[k];
    const r = spawnSync(pin ? "taskset" : process.execPath, [...(pin ? ["-c", "0", process.execPath] : []), "-e", script], { cwd: repoRoot(), encoding: "utf8", env: { ...full, ...env }, timeout: 60_000 });
    assert.is(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.is(out.unset, out.one, `${JSON.stringify(env)}: nthread unset, the model of nthread 1`);
    assert.is(out.many, out.one, `${JSON.stringify(env)}: nthread 64, the model of nthread 1`);
    return out;
  };
  const three = run({ [TEST_CORES_ENV]: "3" });
  assert.is(three.cores, 3);
  assert.is(three.poolUnset, 2, "nthread unset on 3 cores: 2 pool threads beside this one");
  assert.is(three.poolMany, 2, "nthread 64 on 3 cores: no more");
  assert.is(three.poolShap, 0, "SHAP values of 100 rows, and one row's interaction values on 200 features, on 3 cores: no pool thread");
  const pinned = run({}, true);
  assert.is(pinned.cores, 1, "taskset -c 0: one core");
  assert.is(pinned.poolMany, 0, "nthread 64 on one core: no pool thread");
  const ompOne = run({ [TEST_CORES_ENV]: "3", OMP_NUM_THREADS: "1" });
  assert.is(ompOne.poolUnset, 0, "OMP_NUM_THREADS=1: nthread unset is one thread");
  assert.is(ompOne.poolMany, 2, "OMP_NUM_THREADS is the default only: nthread 64 still runs on the 3 cores");
  const limit = run({ [TEST_CORES_ENV]: "3", OMP_THREAD_LIMIT: "2" });
  assert.is(limit.poolUnset, 1, "OMP_THREAD_LIMIT=2: 1 pool thread");
  assert.is(limit.poolMany, 1, "OMP_THREAD_LIMIT=2 caps nthread 64 too");
  assert.is(run({ OMP_NUM_THREADS: "1,4" }).poolUnset, 0, "a list: its first value (the outer level)");
  // libgomp reads a value with strtoul: a "+" and leading zeros are a number (its threads checked with ctypes: 2)
  assert.is(run({ [TEST_CORES_ENV]: "3", OMP_NUM_THREADS: " +02 " }).poolUnset, 1, "OMP_NUM_THREADS=' +02 ': 2 threads");
  // a list with a bad item is a bad value for libgomp (it warns and uses every core): an Error here, not its first item
  for (const [name, bad, why] of [[TEST_CORES_ENV, "0", /must be an integer from 1 to 512/], [TEST_CORES_ENV, "513", /must be an integer from 1 to 512/], ["OMP_NUM_THREADS", "abc", /OMP_NUM_THREADS must be an integer ≥ 1.*got "abc"/], ["OMP_NUM_THREADS", "1,abc", /OMP_NUM_THREADS must be an integer ≥ 1, or a list of them.*got "1,abc"/], ["OMP_NUM_THREADS", "2,", /OMP_NUM_THREADS must be/], ["OMP_THREAD_LIMIT", "3,1", /OMP_THREAD_LIMIT must be an integer ≥ 1 .*got "3,1"/], ["OMP_THREAD_LIMIT", "0", /OMP_THREAD_LIMIT must be an integer ≥ 1/]] as const) {
    const r = spawnSync(process.execPath, ["-e", `const { DMatrix, train } = require("node-xgboost-wasm"); train({}, new DMatrix(new Float32Array(4), { nrow: 4, ncol: 1, label: [1, 2, 3, 4] }), { numBoostRound: 1 })`], { cwd: repoRoot(), encoding: "utf8", env: { ...process.env, [name]: bad }, timeout: 60_000 });
    assert.is(r.status, 1, `${name}=${bad}`);
    assert.match(r.stderr, why, `${name}=${bad}`);
  }
});

(os.availableParallelism() >= 2 ? test : test.skip)("a pool worker thread that dies mid-job (exit, uncaught Error) fails train(), predict() and SHAP values with an Error naming it — no hang", () => {
  // the reference: nthread 1 in this process, on the child's data
  const n = 20000, p = 6, X = new Float32Array(n * p), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) X[i * p + j] = ((i * 7919 + j * 104729) % 1000) / 100;
    y[i] = X[i * p] * 2 - X[i * p + 1] + ((i * 31) % 7);
  }
  const d = new DMatrix(X, { nrow: n, ncol: p, label: y });
  const reference = train({ max_depth: 4, nthread: 1 }, d, { numBoostRound: 10 });
  const want = reference.saveModel();
  reference.free();
  d.free();
  const died = /a worker thread of the core's thread pool died during a job; the job's result is lost \(worker thread 1 of the core's pool /;
  const refused = /^nthread 2: worker thread 1 of the core's pool .*; nthread > 1 is refused in this process from now on \(restart it, or use nthread 1\)$/;
  const cases: [string, "train" | "predict" | "contributions", RegExp][] = [
    ["exit", "train", /exited with code 7/],
    ["throw", "train", /threw Error: the test hook NODE_XGBOOST_WASM_TEST_POOL_DEATH threw/],
    ["exit", "predict", /exited with code 7/],
    ["exit", "contributions", /exited with code 7/], // SHAP values' rows in parallel (shap.c)
  ];
  for (const [how, op, cause] of cases) {
    const r = dieInChild(how, op === "train" ? 3 : 1, op);
    assert.match(r.first, new RegExp(`^${op === "train" ? "train" : "predict"}: `), `${how} in ${op}: ${r.first}`);
    assert.match(r.first, died, `${how} in ${op}: ${r.first}`);
    assert.match(r.first, cause, `${how} in ${op}: ${r.first}`);
    assert.match(r.again, refused, `${how} in ${op}, the next train: ${r.again}`);
    assert.match(r.again, cause);
    assert.is(r.model, want, `${how} in ${op}: nthread 1 afterwards trains the same model as a sound process`);
  }
});

test.after(() => { for (const d of new Set(CASES.map((c) => c.d))) d.free(); });
test.run();
