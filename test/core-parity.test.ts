/**
 * Accuracy parity with native XGBoost 1.7.4 hist (issue 2 item 2): the same data, the same
 * fold indices, the same params and base_score = training-label mean for both.
 *   - data/diabetes.csv, 5-fold CV: mean RMSE within 1 % of native;
 *   - the benchmark's synthetic set (bench/synth.ts), 100k rows × 28 features, first 80 %
 *     train: holdout RMSE within 0.5 % of native (depth 6, eta 0.1, 256 bins, 100 rounds —
 *     the bench settings; about 2–3 s each side).
 *   - classification on diabetes (binarised / 3 classes), 5-fold: mean log loss within 2 %
 *     (beyond the issue's bar: checks that the objectives' gradients match native).
 *   - weighted training (same weights): mean RMSE within 1 %;
 *   - with exact cuts (≤ 256 distinct values per feature) the trees themselves are native's
 *     (nodes, features, default directions, thresholds, leaf values, hessians), and so are
 *     the per-round eval curves and early stopping's best iteration;
 *   - row/column sampling and random forests: mean holdout RMSE over 3 seeds within 5 %.
 * Skips (with what to install) when /usr/bin/python3 cannot import xgboost.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Booster, DMatrix, train, type Metric, type Objective, type XGBoostParams } from "node-xgboost-wasm";
import { hasXgboost, maxRelDiff, readF32, RefJob } from "../tools/reference/xgb-ref";
import { binaryLabels, categoricalData, classLabels, complement, diabetes, foldIndices, mean, mulberry32, rmse, takeRows, type Json } from "./helpers/core-data";
import { synth } from "../bench/synth";

const XGB = hasXgboost();
const t = XGB ? test : test.skip;

const DIABETES_SETTINGS: { name: string; params: XGBoostParams; rounds: number }[] = [
  { name: "depth 3, eta 0.05, 200 rounds", params: { max_depth: 3, eta: 0.05 }, rounds: 200 },
  { name: "depth 6, eta 0.3, 6 rounds (the blog's setting)", params: { max_depth: 6, eta: 0.3 }, rounds: 6 },
  { name: "lossguide 8 leaves, eta 0.1, min_child_weight 5, 100 rounds", params: { grow_policy: "lossguide", max_depth: 0, max_leaves: 8, eta: 0.1, min_child_weight: 5 }, rounds: 100 },
];

for (const s of DIABETES_SETTINGS) {
  t(`diabetes 5-fold (same folds), ${s.name}: mean RMSE within 1% of native hist`, () => {
    const d = diabetes();
    const folds = foldIndices(d.nrow, 5, 42);
    const params: XGBoostParams = { objective: "reg:squarederror", tree_method: "hist", max_bin: 256, seed: 0, ...s.params };
    const ours: number[] = [];
    for (const testRows of folds) {
      const tr = takeRows(d, complement(d.nrow, testRows)), te = takeRows(d, testRows);
      const dtr = new DMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
      const dte = new DMatrix(te.X, { nrow: te.nrow, ncol: te.ncol });
      const bst = train({ ...params, base_score: mean(tr.y) }, dtr, { numBoostRound: s.rounds });
      ours.push(rmse(te.y, bst.predict(dte)));
      bst.free(); dtr.free(); dte.free();
    }
    const ref = new RefJob();
    ref.dataset("diabetes", d.X, d.nrow, d.ncol, d.y);
    ref.task({ op: "cv", params, num_round: s.rounds, data: "diabetes", folds, base_score: "mean" });
    const [native] = ref.run();
    ref.cleanup();
    const oursMean = mean(ours);
    const rel = oursMean / native.mean! - 1;
    console.log(`    diabetes ${s.name}: ours ${oursMean.toFixed(3)} [${ours.map((v) => v.toFixed(2)).join(", ")}], native ${native.mean!.toFixed(3)} [${native.fold_scores!.map((v) => v.toFixed(2)).join(", ")}] (${(rel * 100).toFixed(2)}%)`);
    assert.ok(Math.abs(rel) <= 0.01, `mean RMSE ours ${oursMean} vs native ${native.mean}: ${(rel * 100).toFixed(2)}% apart (> 1%)`);
  });
}

t("synthetic 100k × 28 (bench data), depth 6, eta 0.1, 256 bins, 100 rounds: holdout RMSE within 0.5% of native", () => {
  const s = synth(100_000);
  const ncol = s.ncol, n = s.nTrain;
  const Xtr = s.X.subarray(0, n * ncol), ytr = s.y.subarray(0, n);
  const Xte = s.X.subarray(n * ncol), yte = s.y.subarray(n);
  const params: XGBoostParams = { objective: "reg:squarederror", tree_method: "hist", max_depth: 6, eta: 0.1, max_bin: 256, seed: 0 };
  const rounds = 100;
  const dtr = new DMatrix(Xtr, { nrow: n, ncol, label: ytr });
  const dte = new DMatrix(Xte, { nrow: s.nrow - n, ncol });
  const bst = train({ ...params, base_score: mean(ytr) }, dtr, { numBoostRound: rounds });
  const ours = rmse(yte, bst.predict(dte));
  bst.free(); dtr.free(); dte.free();

  const ref = new RefJob();
  ref.dataset("train", Xtr, n, ncol, ytr);
  ref.dataset("test", Xte, s.nrow - n, ncol, yte);
  ref.task({ op: "train", params, num_round: rounds, dtrain: "train", base_score: "mean", predict: [{ data: "test", out: ref.file("p.f32") }] });
  const [native] = ref.run();
  ref.cleanup();
  const nat = native.predict![0].rmse!;
  const rel = ours / nat - 1;
  console.log(`    synthetic 100k holdout RMSE: ours ${ours.toFixed(4)}, native ${nat.toFixed(4)} (${(rel * 100).toFixed(3)}%)`);
  assert.ok(ours < 1.3, `holdout RMSE ${ours} is far from the noise level 1`);
  assert.ok(Math.abs(rel) <= 0.005, `holdout RMSE ours ${ours} vs native ${nat}: ${(rel * 100).toFixed(3)}% apart (> 0.5%)`);
});

function logloss(y: ArrayLike<number>, p: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = k === 1 ? (y[i] === 1 ? p[i] : 1 - p[i]) : p[i * k + y[i]];
    s -= Math.log(Math.min(1, Math.max(1e-15, q)));
  }
  return s / y.length;
}

const CLASSIFICATION: { name: string; objective: Objective; k: number; labels: (y: Float32Array) => Float32Array; extra: XGBoostParams }[] = [
  { name: "binary:logistic (target > median)", objective: "binary:logistic", k: 1, labels: binaryLabels, extra: {} },
  { name: "multi:softprob (3 quantile classes)", objective: "multi:softprob", k: 3, labels: (y) => classLabels(y, 3), extra: { num_class: 3 } },
];

for (const c of CLASSIFICATION) {
  t(`diabetes 5-fold (same folds), ${c.name}, depth 3, eta 0.1, 60 rounds: mean log loss within 2% of native`, () => {
    const d0 = diabetes();
    const d = { ...d0, y: c.labels(d0.y) };
    const folds = foldIndices(d.nrow, 5, 7);
    const params: XGBoostParams = { objective: c.objective, tree_method: "hist", max_depth: 3, eta: 0.1, seed: 0, ...c.extra };
    const ours: number[] = [];
    for (const testRows of folds) {
      const tr = takeRows(d, complement(d.nrow, testRows)), te = takeRows(d, testRows);
      const dtr = new DMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y });
      const dte = new DMatrix(te.X, { nrow: te.nrow, ncol: te.ncol });
      // base_score: the training mean for binary (as native gets), 0.5 for multiclass (native 1.7's fixed default)
      const bst = train({ ...params, base_score: c.k === 1 ? mean(tr.y) : 0.5 }, dtr, { numBoostRound: 60 });
      ours.push(logloss(te.y, bst.predict(dte), c.k));
      bst.free(); dtr.free(); dte.free();
    }
    const ref = new RefJob();
    ref.dataset("d", d.X, d.nrow, d.ncol, d.y);
    ref.task({ op: "cv", params: { ...params, ...(c.k > 1 ? { base_score: 0.5 } : {}) }, num_round: 60, data: "d", folds, metric: c.k === 1 ? "logloss" : "mlogloss", ...(c.k === 1 ? { base_score: "mean" as const } : {}) });
    const [native] = ref.run();
    ref.cleanup();
    const oursMean = mean(ours), rel = oursMean / native.mean! - 1;
    console.log(`    ${c.name}: log loss ours ${oursMean.toFixed(4)}, native ${native.mean!.toFixed(4)} (${(rel * 100).toFixed(2)}%)`);
    assert.ok(Math.abs(rel) <= 0.02, `mean log loss ours ${oursMean} vs native ${native.mean}: ${(rel * 100).toFixed(2)}% apart (> 2%)`);
  });
}

t("diabetes 5-fold with row weights (same folds, same weights), depth 4, eta 0.1, 80 rounds: mean RMSE within 1% of native", () => {
  const d = diabetes();
  const w = Float32Array.from({ length: d.nrow }, (_, i) => 0.25 + ((i * 2654435761) >>> 0) % 1000 / 400);
  const folds = foldIndices(d.nrow, 5, 3);
  const params: XGBoostParams = { objective: "reg:squarederror", tree_method: "hist", max_depth: 4, eta: 0.1, min_child_weight: 2, seed: 0 };
  const ours: number[] = [];
  for (const testRows of folds) {
    const trRows = complement(d.nrow, testRows);
    const tr = takeRows(d, trRows), te = takeRows(d, testRows);
    const wtr = Float32Array.from(trRows, (r) => w[r]);
    let sw = 0, swy = 0;
    for (let i = 0; i < tr.nrow; i++) { sw += wtr[i]; swy += wtr[i] * tr.y[i]; }
    const dtr = new DMatrix(tr.X, { nrow: tr.nrow, ncol: tr.ncol, label: tr.y, weight: wtr });
    const dte = new DMatrix(te.X, { nrow: te.nrow, ncol: te.ncol });
    const bst = train({ ...params, base_score: swy / sw }, dtr, { numBoostRound: 80 });
    ours.push(rmse(te.y, bst.predict(dte)));
    bst.free(); dtr.free(); dte.free();
  }
  const ref = new RefJob();
  ref.dataset("diabetes", d.X, d.nrow, d.ncol, d.y, w);
  ref.task({ op: "cv", params, num_round: 80, data: "diabetes", folds, base_score: "mean" });
  const [native] = ref.run();
  ref.cleanup();
  const oursMean = mean(ours), rel = oursMean / native.mean! - 1;
  console.log(`    diabetes weighted: ours ${oursMean.toFixed(3)}, native ${native.mean!.toFixed(3)} (${(rel * 100).toFixed(2)}%)`);
  assert.ok(Math.abs(rel) <= 0.01, `weighted mean RMSE ours ${oursMean} vs native ${native.mean}: ${(rel * 100).toFixed(2)}% apart (> 1%)`);
});

/**
 * With ≤ 256 distinct values per feature the hist cuts are exact on both sides, so the
 * trees themselves must be native's: same nodes, split features, default directions,
 * thresholds, leaf values and hessians (within float32 summation error).
 */
function exactCutsCheck(settings: XGBoostParams[], nanRates: [number, number]): void {
  const rnd = mulberry32(5);
  const n = 600, m = 6;
  const X = new Float32Array(n * m), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) X[i * m + j] = Math.floor(rnd() * 20) / 2;
    y[i] = Math.sin(X[i * m]) * 3 + X[i * m + 1] - X[i * m + 2] * 0.5 + rnd();
    if (rnd() < nanRates[0]) X[i * m + 1] = NaN;
    if (rnd() < nanRates[1]) X[i * m + 3] = NaN;
  }
  // squared error with scale_pos_weight: whole-number labels, so that some are exactly 1 (the rows it weighs)
  const labelsFor = (st: XGBoostParams) => {
    const o = st.objective;
    return o === "binary:logistic" ? binaryLabels(y) : String(o).startsWith("multi:") ? classLabels(y, 3)
      : o === "count:poisson" ? y.map((v) => Math.max(0, Math.floor(v + 2))) : st.scale_pos_weight !== undefined ? y.map((v) => Math.abs(Math.round(v)) % 3) : y;
  };
  const ref = new RefJob();
  const ours: any[] = [];
  const files: string[] = [];
  settings.forEach((st, i) => {
    const p: XGBoostParams = { objective: "reg:squarederror", base_score: 0.5, ...st };
    const lab = labelsFor(p);
    const d = new DMatrix(X, { nrow: n, ncol: m, label: lab });
    const b = train(p, d, { numBoostRound: 5 });
    ours.push(JSON.parse(b.saveModel()));
    b.free(); d.free();
    ref.dataset(`d${i}`, X, n, m, lab);
    files.push(ref.file(`native${i}.json`));
    ref.task({ op: "train", params: p, num_round: 5, dtrain: `d${i}`, save_model: files[i] });
  });
  ref.run();
  const fs = require("fs") as typeof import("fs");
  let trees = 0, nodes = 0;
  settings.forEach((st, i) => {
    const nat = JSON.parse(fs.readFileSync(files[i], "utf8"));
    const to = ours[i].learner.gradient_booster.model.trees, tn = nat.learner.gradient_booster.model.trees;
    assert.is(to.length, tn.length, `${JSON.stringify(st)}: ${to.length} trees vs native ${tn.length}`);
    to.forEach((a: any, k: number) => {
      const b = tn[k], where = `${JSON.stringify(st)} tree ${k}`;
      for (const f of ["left_children", "right_children", "split_indices", "default_left"]) {
        const i = a[f].findIndex((v: unknown, j: number) => Number(v) !== Number(b[f][j]));
        assert.ok(a[f].length === b[f].length && i < 0, `${where}: ${f} differ at node ${i}: ours ${a[f][i]} vs native ${b[f][i]} (loss_chg ours ${a.loss_changes[i]} native ${b.loss_changes[i]}, cond ${a.split_conditions[i]} vs ${b.split_conditions[i]})`);
      }
      // base_weights (informational, unused by prediction): for reg:absoluteerror native keeps
      // the Newton weight where the leaf value is the refreshed median — not compared there
      const fields = st.objective === "reg:absoluteerror" ? [["split_conditions", 1e-5], ["sum_hessian", 1e-4]] as const
        : [["split_conditions", 1e-5], ["base_weights", 1e-4], ["sum_hessian", 1e-4]] as const;
      for (const [f, tol] of fields) {
        const d = maxRelDiff(a[f], b[f], 1e-2);
        assert.ok(d.rel <= tol, `${where}: ${f}[${d.index}] ours ${d.a} vs native ${d.b}`);
      }
      trees++; nodes += a.left_children.length;
    });
  });
  ref.cleanup();
  console.log(`    ${trees} trees, ${nodes} nodes identical to native's`);
}

t("exact cuts, no missing values: ours grows exactly native's trees (13 objectives/settings: nodes, features, thresholds, leaf values, hessians)", () => {
  exactCutsCheck([
    { max_depth: 3, eta: 0.3 },
    { max_depth: 6, eta: 0.3, lambda: 2, min_child_weight: 3, gamma: 0.5 },
    { grow_policy: "lossguide", max_leaves: 10, max_depth: 0, alpha: 0.5 },
    { max_depth: 4, max_delta_step: 0.3, alpha: 1, gamma: 1 },
    // alpha with max_delta_step and no gamma to prune the difference (this core added alpha·|w| to the gain: 15 nodes
    // against native's 5), and count:poisson, whose max_delta_step defaults to 0.7
    { max_depth: 4, max_delta_step: 0.3, alpha: 1 },
    { objective: "count:poisson", max_depth: 3, alpha: 1 },
    { objective: "binary:logistic", max_depth: 4 },
    { objective: "multi:softprob", num_class: 3, max_depth: 3 },
    { objective: "multi:softmax", num_class: 3, max_depth: 3 },
    { objective: "reg:pseudohubererror", max_depth: 3, huber_slope: 2 },
    { objective: "count:poisson", max_depth: 3 },
    // scale_pos_weight weighs the gradients of rows labelled 1 (it was an Error: "not supported")
    { objective: "binary:logistic", max_depth: 4, scale_pos_weight: 3 },
    { max_depth: 3, scale_pos_weight: 0.25 },
  ], [0, 0]);
});

t("exact cuts, reg:absoluteerror with eta 1: same trees and leaf values as native (XGBoost's median of the leaf's residuals)", () => {
  // eta 1 only: XGBoost 1.7 sets these leaves to the median itself and ignores eta
  // (src/objective/adaptive.cc: SetLeaf(q)); 2.x, which this core follows, sets q × eta —
  // checked on its own below
  exactCutsCheck([{ objective: "reg:absoluteerror", max_depth: 3, eta: 1 }, { objective: "reg:absoluteerror", max_depth: 5, eta: 1, lambda: 3 }], [0, 0]);
});

t("reg:absoluteerror with eta 0.3: the first tree's leaves are 0.3 × native 1.7.4's (which ignores eta there; XGBoost 2.x applies it)", () => {
  const rnd = mulberry32(6);
  const n = 500, m = 4, X = new Float32Array(n * m), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) X[i * m + j] = Math.floor(rnd() * 10);
    y[i] = X[i * m] * 2 - X[i * m + 1] + rnd() * 3;
  }
  const p: XGBoostParams = { objective: "reg:absoluteerror", base_score: 0.5, max_depth: 3, eta: 0.3 };
  const d = new DMatrix(X, { nrow: n, ncol: m, label: y });
  const b = train(p, d, { numBoostRound: 1 });
  const ours = JSON.parse(b.saveModel()).learner.gradient_booster.model.trees[0];
  b.free(); d.free();
  const ref = new RefJob();
  ref.dataset("d", X, n, m, y);
  const f = ref.file("native.json");
  ref.task({ op: "train", params: p, num_round: 1, dtrain: "d", save_model: f });
  ref.run();
  const nat = JSON.parse(require("fs").readFileSync(f, "utf8")).learner.gradient_booster.model.trees[0];
  ref.cleanup();
  assert.equal(ours.split_indices, nat.split_indices, "tree structure");
  ours.left_children.forEach((l: number, i: number) => {
    if (l !== -1) return;
    const want = 0.3 * nat.split_conditions[i];
    assert.ok(Math.abs(ours.split_conditions[i] - want) <= 1e-5 * Math.max(1, Math.abs(want)), `leaf ${i}: ours ${ours.split_conditions[i]}, 0.3 × native ${want}`);
  });
});

t("near-tied splits are decided in float, as native's evaluator: 4-valued features, where mirrored bins score equal but for the last bits of a double — the same thresholds and leaves as native", () => {
  // in the first round every row has the same hessian, and splits on either side of a bin whose rows mirror
  // another's gain the same up to rounding: native rounds each side's gain to a float and keeps the first found;
  // this core compared doubles and split a multi:softprob tree at f2 < 3 where native split at f2 < 2
  const rnd = mulberry32(7);
  const n = 300, m = 3, X = new Float32Array(n * m), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) X[i * m + j] = Math.floor(rnd() * 4);
    y[i] = Math.min(2, Math.max(0, Math.floor(X[i * m] - X[i * m + 1] * 0.5 + rnd() * 2)));
    rnd(); // the draw of the weight this data had when the case was found
  }
  const settings: XGBoostParams[] = [
    { objective: "multi:softprob", num_class: 3, base_score: 0.5 },
    { objective: "binary:logistic", base_score: 0.5, max_depth: 4 },
  ];
  const ref = new RefJob();
  const ours = settings.map((p, i) => {
    const lab = p.objective === "binary:logistic" ? y.map((v) => (v > 0 ? 1 : 0)) : y;
    const d = new DMatrix(X, { nrow: n, ncol: m, label: lab });
    const b = train(p, d, { numBoostRound: 2 });
    const trees = JSON.parse(b.saveModel()).learner.gradient_booster.model.trees;
    b.free(); d.free();
    ref.dataset(`d${i}`, X, n, m, lab);
    ref.task({ op: "train", params: p, num_round: 2, dtrain: `d${i}`, save_model: ref.file(`n${i}.json`) });
    return trees;
  });
  ref.run();
  const fs = require("fs") as typeof import("fs");
  settings.forEach((p, i) => {
    const nat = JSON.parse(fs.readFileSync(ref.file(`n${i}.json`), "utf8")).learner.gradient_booster.model.trees;
    ours[i].forEach((a: any, k: number) => {
      const b = nat[k], where = `${p.objective} tree ${k}`;
      assert.equal(a.split_indices, b.split_indices, `${where}: split features`);
      const d = maxRelDiff(a.split_conditions, b.split_conditions, 1e-2);
      assert.ok(d.rel <= 1e-5, `${where}: node ${d.index}: ours ${d.a}, native ${d.b}`);
    });
  });
  ref.cleanup();
});

t("weights spanning 1e-6..1e6, exact cuts, depth 6: every node's split, loss_chg, hessian and weight, and every prediction, are native's to the bit (reg:squarederror, binary:logistic, multi:softprob, count:poisson, reg:pseudohubererror)", () => {
  // Native divides a side's score in float (the double G² and H + lambda each rounded first) and multiplies a leaf's float
  // weight by the float eta; this core divided and multiplied in double and rounded once. An ulp on each side is many
  // ulps of a gain (a difference of such sides): every node's loss_chg differed here, node LLLLL split at f1 < 2 where
  // native splits at f1 < 1.25, and predictions differed by up to 37 %. binary:logistic's sigmoid and gradients are
  // native's float arithmetic too (they were taken in double: an ulp off on many rows, a tree apart by the third round),
  // and so are multi:softprob's softmax and gradients (the first tree split other nodes than native's), count:poisson's
  // and reg:pseudohubererror's.
  const n = 30000, m = 5, { X, y, w } = fortyValueData(6, n, m, (rnd) => Math.pow(10, rnd() * 12 - 6));
  const settings: { p: XGBoostParams; rounds: number; label: Float32Array }[] = [
    { p: { objective: "reg:squarederror" }, rounds: 1, label: y },
    { p: { objective: "binary:logistic" }, rounds: 3, label: binaryOf(y) },
    { p: { objective: "multi:softprob", num_class: 3 }, rounds: 2, label: threeClassesOf(y) },
    { p: { objective: "count:poisson" }, rounds: 3, label: y.map((v) => Math.max(0, Math.floor(v + 3))) },
    { p: { objective: "reg:pseudohubererror" }, rounds: 4, label: y },
  ];
  bitExactCheck(X, n, m, w, settings);
});

t("parameters native keeps as floats (lambda 0.3, alpha 0.1, eta 0.3, min_child_weight 0.7) and num_parallel_tree's learning rate (eta 0.45 / 7, a float division): every node and prediction is native's to the bit", () => {
  // the core used them as given (H + 0.3 where native adds 0.3f; 0.45 / 7 in double): leaves an ulp off on the
  // first tree, predictions apart on hundreds of rows
  const n = 8000, m = 5, { X, y, w } = fortyValueData(8, n, m, (rnd) => 0.1 + rnd() * 9.9);
  const floats = { lambda: 0.3, alpha: 0.1, eta: 0.3, min_child_weight: 0.7 };
  bitExactCheck(X, n, m, w, [
    { p: { objective: "binary:logistic", ...floats }, rounds: 2, label: binaryOf(y) },
    { p: { objective: "multi:softprob", num_class: 3, ...floats }, rounds: 1, label: threeClassesOf(y) },
    { p: { objective: "reg:squarederror", num_parallel_tree: 7, eta: 0.45, max_depth: 5 }, rounds: 1, label: y },
  ]);
});

/** n rows × m features of 40 values each (so every value is its own bin and the cuts are surely native's), a smooth
 * label with noise, and weights drawn by weight(rnd) — the bit-exact tests' data */
function fortyValueData(seed: number, n: number, m: number, weight: (rnd: () => number) => number): { X: Float32Array; y: Float32Array; w: Float32Array } {
  const rnd = mulberry32(seed);
  const X = new Float32Array(n * m), y = new Float32Array(n), w = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let f = 0; f < m; f++) { const v = Math.floor(rnd() * 40) * 0.25; X[r * m + f] = v; s += Math.sin(v + f) * (f + 1); }
    y[r] = s + rnd(); w[r] = weight(rnd);
  }
  return { X, y, w };
}
const binaryOf = (y: Float32Array) => y.map((v) => (v > 0 ? 1 : 0));
const threeClassesOf = (y: Float32Array) => y.map((v) => Math.min(2, Math.max(0, Math.floor(v / 3 + 1))));

/** Every tree's nodes as native's, as floats: the shape, each node's split, default direction, loss_chg, hessian and
 * weight (the bit-exact parity tests' comparison). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function assertTreesNative(ours: any[], nat: any[], what: string): void {
  assert.is(ours.length, nat.length, `${what}: trees`);
  ours.forEach((a, k) => {
    const b = nat[k], where = `${what} tree ${k}`;
    assert.equal(a.left_children, b.left_children, `${where}: shape`);
    for (const f of ["split_indices", "default_left", "split_conditions", "loss_changes", "sum_hessian", "base_weights"]) {
      const j = a[f].findIndex((v: number, q: number) => Math.fround(Number(v)) !== Math.fround(Number(b[f][q])));
      const node = j < 0 ? "" : a.left_children[j] < 0 ? " (a leaf)" : ` (split f${a.split_indices[j]} < ${a.split_conditions[j]}, native's f${b.split_indices[j]} < ${b.split_conditions[j]})`;
      assert.ok(j < 0, `${where}: ${f}[${j}]: ours ${a[f][j]}, native ${b[f][j]}${node}`);
    }
  });
}

/** Trains each setting on (X, w) here and natively; every tree's nodes (split, default direction, loss_chg, hessian,
 * weight) and every prediction must be native's as floats. */
function bitExactCheck(X: Float32Array, n: number, m: number, w: Float32Array, settings: { p: XGBoostParams; rounds: number; label: Float32Array }[]): void {
  const ref = new RefJob();
  const ours = settings.map((st, i) => {
    const p: XGBoostParams = { tree_method: "hist", base_score: 0.5, max_depth: 6, max_bin: 256, ...st.p };
    const d = new DMatrix(X, { nrow: n, ncol: m, label: st.label, weight: w });
    const b = train(p, d, { numBoostRound: st.rounds });
    const out = { trees: JSON.parse(b.saveModel()).learner.gradient_booster.model.trees, pred: b.predict(d) };
    b.free(); d.free();
    ref.dataset(`d${i}`, X, n, m, st.label, w);
    ref.task({ op: "train", params: p, num_round: st.rounds, dtrain: `d${i}`, save_model: ref.file(`n${i}.json`), predict: [{ data: `d${i}`, out: ref.file(`p${i}.f32`) }] });
    return out;
  });
  ref.run();
  const fs = require("fs") as typeof import("fs");
  settings.forEach((st, i) => {
    const nat = JSON.parse(fs.readFileSync(ref.file(`n${i}.json`), "utf8")).learner.gradient_booster.model.trees;
    const npred = readF32(ref.file(`p${i}.f32`));
    assertTreesNative(ours[i].trees, nat, String(st.p.objective));
    const r = ours[i].pred.findIndex((v, q) => v !== npred[q]);
    assert.ok(r < 0, `${st.p.objective}: prediction of row ${r}: ours ${ours[i].pred[r]}, native ${npred[r]}`);
  });
  ref.cleanup();
}

t("weights spanning 1e-6..1e6 with missing values (10 % NaN in three features, one of them sketched): pseudo-Huber's trees and predictions are native's to the bit", () => {
  // Native sums the missing-left scan's right side down from the top bin (the left one, missing values included, is the
  // node's sums less it); this core summed the left side up from the missing values' slot. The same rows, other
  // roundings: small leaves' hessians came out ulps off native's here (predictions 2e-7 apart).
  const rnd = mulberry32(11);
  const n = 15000, m = 6, X = new Float32Array(n * m), y = new Float32Array(n), w = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let f = 0; f < m; f++) {
      let v = f >= 4 ? rnd() * 10 : Math.floor(rnd() * 40) * 0.25;
      if (f % 2 === 0 && rnd() < 0.1) v = NaN;
      X[r * m + f] = v;
      if (!Number.isNaN(v)) s += Math.sin(v + f) * (f + 1);
    }
    y[r] = s + rnd(); w[r] = Math.pow(10, rnd() * 12 - 6);
  }
  bitExactCheck(X, n, m, w, [{ p: { objective: "reg:pseudohubererror", huber_slope: 0.7 }, rounds: 5, label: y }]);
});

t("reg:absoluteerror with row weights: the intercept and every leaf are native's weighted median (the first value whose cumulative weight reaches half, as std::lower_bound)", () => {
  // whole-number weights put a cumulative weight at exactly half the total in many leaves: the median is then the
  // value there, not the next one (this core took the next: intercept -1.8 for native's -2.0 on 8 labels of weight 1)
  const rnd = mulberry32(11);
  const n = 400, m = 4, X = new Float32Array(n * m), y = new Float32Array(n), w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) X[i * m + j] = Math.floor(rnd() * 8);
    y[i] = Math.round((X[i * m] - X[i * m + 1] + rnd() * 4) * 2) / 2;
    w[i] = 1 + Math.floor(rnd() * 3);
  }
  // no base_score: XGBoost 1.7 estimates reg:absoluteerror's intercept (the weighted median) as this core does
  const p: XGBoostParams = { objective: "reg:absoluteerror", max_depth: 3, eta: 1 };
  const d = new DMatrix(X, { nrow: n, ncol: m, label: y, weight: w });
  const b = train(p, d, { numBoostRound: 3 });
  const ours = b.predict(d);
  b.free(); d.free();
  const ref = new RefJob();
  ref.dataset("d", X, n, m, y, w);
  ref.task({ op: "train", params: p, num_round: 3, dtrain: "d", predict: [{ data: "d" }] });
  const [native] = ref.run();
  ref.cleanup();
  const diff = maxRelDiff(ours, native.predict![0].values!, 1);
  assert.ok(diff.rel <= 1e-6, `prediction of row ${diff.index}: ours ${diff.a}, native ${diff.b}`);
});

t("exact cuts with missing values (8% / 3% NaN in two features): same trees incl. default directions", () => {
  exactCutsCheck([
    { max_depth: 3, eta: 0.3 },
    { max_depth: 6, eta: 0.3, lambda: 2, min_child_weight: 3, gamma: 0.5 },
    { grow_policy: "lossguide", max_leaves: 10, max_depth: 0, alpha: 0.5 },
    { objective: "binary:logistic", max_depth: 4 },
    { objective: "multi:softprob", num_class: 3, max_depth: 3 },
  ], [0.08, 0.03]);
});

t("quantile cuts (thousands of distinct values a feature): the sketch's cut values are native's — every split threshold and prediction, with weights (some 0), missing values, max_bin 16", () => {
  // more rows than the sketch's queue (2 × its limit) in each case, so its levels prune and combine: 20k rows at
  // 256 bins, 6k at 16 bins (limit 513: five queues, three levels); native's cut values show as split_conditions
  const cases: { name: string; n: number; params: XGBoostParams; weights?: boolean; nan?: number }[] = [
    { name: "256 bins", n: 20000, params: { max_bin: 256 } },
    { name: "fractional weights (10% of them 0), 64 bins", n: 20000, params: { max_bin: 64 }, weights: true },
    { name: "10% missing, 128 bins", n: 20000, params: { max_bin: 128 }, nan: 0.1 },
    { name: "16 bins", n: 6000, params: { max_bin: 16 } },
    // the core's 255 bins for a feature with missing values: native's 256 less the cut between the two lightest
    // bins — native splits at none of these trees' thresholds there (a sketch of 255 bins matched none)
    { name: "10% missing, 256 bins", n: 20000, params: { max_bin: 256 }, nan: 0.1 },
  ];
  const m = 4, ref = new RefJob(), ours: { trees: any[]; pred: Float32Array }[] = [], files: string[] = [];
  cases.forEach((c, i) => {
    const rnd = mulberry32(11 + i);
    const X = new Float32Array(c.n * m), y = new Float32Array(c.n), w = new Float32Array(c.n);
    for (let r = 0; r < c.n; r++) {
      for (let f = 0; f < m; f++) X[r * m + f] = f === 2 ? Math.exp(3 * rnd()) : rnd() * 10 - 3;
      y[r] = Math.sin(X[r * m]) * 3 + X[r * m + 1] - Math.log(X[r * m + 2]) + rnd();
      w[r] = rnd() < 0.1 ? 0 : 0.5 + rnd() * 2;  // native's sketch skips weight-0 rows
      if (c.nan) for (let f = 0; f < m; f++) if (rnd() < c.nan) X[r * m + f] = NaN;
    }
    const p: XGBoostParams = { objective: "reg:squarederror", tree_method: "hist", base_score: 0.5, max_depth: 4, ...c.params };
    const d = new DMatrix(X, { nrow: c.n, ncol: m, label: y, ...(c.weights ? { weight: w } : {}) });
    const b = train(p, d, { numBoostRound: 5 });
    ours.push({ trees: JSON.parse(b.saveModel()).learner.gradient_booster.model.trees, pred: b.predict(d) });
    b.free(); d.free();
    ref.dataset(`d${i}`, X, c.n, m, y, c.weights ? w : undefined);
    files.push(ref.file(`native${i}.json`));
    ref.task({ op: "train", params: p, num_round: 5, dtrain: `d${i}`, save_model: files[i], predict: [{ data: `d${i}` }] });
  });
  const native = ref.run();
  const fs = require("fs") as typeof import("fs");
  let splits = 0;
  cases.forEach((c, i) => {
    const tn = JSON.parse(fs.readFileSync(files[i], "utf8")).learner.gradient_booster.model.trees;
    assert.is(ours[i].trees.length, tn.length, `${c.name}: trees`);
    ours[i].trees.forEach((a: any, k: number) => {
      const b = tn[k];
      assert.equal(a.left_children, b.left_children, `${c.name} tree ${k}: nodes`);
      a.left_children.forEach((l: number, j: number) => {
        if (l < 0) return;
        // the JSON texts differ in digits (ours 9, native the shortest): the same float32
        const same = a.split_indices[j] === b.split_indices[j] && Math.fround(a.split_conditions[j]) === Math.fround(b.split_conditions[j]);
        assert.ok(same, `${c.name} tree ${k} node ${j}: ours f${a.split_indices[j]} < ${a.split_conditions[j]}, native f${b.split_indices[j]} < ${b.split_conditions[j]}`);
        splits++;
      });
    });
    const diff = maxRelDiff(ours[i].pred, native[i].predict![0].values!, 1);
    assert.ok(diff.rel <= 1e-6, `${c.name}: prediction of row ${diff.index}: ours ${diff.a}, native ${diff.b}`);
  });
  ref.cleanup();
  console.log(`    ${splits} split thresholds equal to native's`);
});

t("informative missingness: like native, the split 'every present value left, missing right' is considered (same first split, gain and threshold — native's last cut, max + (|max| + 1e-5) in double)", () => {
  // values 0 … 9, and -10 … -1: with a negative maximum the cut computed in float was 1.00136e-5 where native's is 1e-5
  for (const shift of [0, -10]) {
    const n = 200, X = new Float32Array(n), y = new Float32Array(n);
    for (let i = 0; i < n; i++) { X[i] = (i % 10) + shift; y[i] = i % 3 === 0 ? 10 : (i % 10) * 0.01; if (i % 3 === 0) X[i] = NaN; }
    const p: XGBoostParams = { objective: "reg:squarederror", base_score: 0.5, max_depth: 1, eta: 1, lambda: 0 };
    const d = new DMatrix(X, { nrow: n, ncol: 1, label: y });
    const b = train(p, d, { numBoostRound: 1 });
    const ours = JSON.parse(b.saveModel()).learner.gradient_booster.model.trees[0];
    b.free(); d.free();
    const ref = new RefJob();
    ref.dataset("d", X, n, 1, y);
    const f = ref.file("native.json");
    ref.task({ op: "train", params: p, num_round: 1, dtrain: "d", save_model: f });
    ref.run();
    const nat = JSON.parse(require("fs").readFileSync(f, "utf8")).learner.gradient_booster.model.trees[0];
    ref.cleanup();
    const desc = (t: any) => `threshold ${t.split_conditions[0]}, default_left ${t.default_left[0]}, gain ${t.loss_changes[0]}`;
    assert.ok(Math.abs(ours.loss_changes[0] - nat.loss_changes[0]) <= 1e-3 * nat.loss_changes[0],
      `values from ${shift}: first split: ours ${desc(ours)}; native ${desc(nat)} (native sends every present value left and NaN right)`);
    assert.is(Number(ours.default_left[0]), Number(nat.default_left[0]), "default direction");
    assert.is(Math.fround(ours.split_conditions[0]), Math.fround(nat.split_conditions[0]), `values from ${shift}: threshold ours ${ours.split_conditions[0]} vs native ${nat.split_conditions[0]}`);
  }
});

test("a row of weight 0 above every weighted value: the last cut lies above it too (native's lies below it), so the split 'every present value left, missing right' sends it left in prediction as in training", () => {
  // native's sketch skips weight-0 rows, so its last cut is above the weighted maximum (8 here: 16.00001); the row
  // at 100 is binned into the last bin (left) while training but is right of x < 16.00001 in prediction
  const n = 200, X = new Float32Array(n), y = new Float32Array(n), w = new Float32Array(n).fill(1);
  for (let i = 0; i < n; i++) { X[i] = i % 9; y[i] = i % 3 === 0 ? 10 : (i % 9) * 0.01; if (i % 3 === 0) X[i] = NaN; }
  X[1] = 100; w[1] = 0;
  const p: XGBoostParams = { objective: "reg:squarederror", base_score: 0.5, max_depth: 1, eta: 1, lambda: 0 };
  const d = new DMatrix(X, { nrow: n, ncol: 1, label: y, weight: w });
  const b = train(p, d, { numBoostRound: 1 });
  const tree = JSON.parse(b.saveModel()).learner.gradient_booster.model.trees[0];
  const pred = b.predict(d);
  b.free(); d.free();
  assert.ok(tree.split_conditions[0] > 100, `threshold ${tree.split_conditions[0]}: the split of missing values from present ones`);
  assert.is(pred[1], pred[2], "the weight-0 row at 100 is predicted in the leaf of the present values, where training put it");
});

t("exact cuts: eval curves and early stopping match native (evalsResult per round, bestIteration, rounds kept)", () => {
  const rnd = mulberry32(8);
  const mk = (n: number) => {
    const X = new Float32Array(n * 5), y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 5; j++) X[i * 5 + j] = Math.floor(rnd() * 30) / 3;
      y[i] = Math.sin(X[i * 5]) * 2 + X[i * 5 + 1] * 0.3 + (rnd() - 0.5) * 3;
    }
    return { X, y, n };
  };
  const tr = mk(400), va = mk(300);
  const cases: { params: XGBoostParams; labels: (y: Float32Array) => Float32Array; metrics: Metric[] }[] = [
    { params: { objective: "reg:squarederror", max_depth: 5, eta: 0.5 }, labels: (y) => y, metrics: ["rmse", "mae"] },
    { params: { objective: "binary:logistic", max_depth: 4, eta: 0.6 }, labels: binaryLabels, metrics: ["logloss", "error"] },
    // soft labels in [0, 1], which binary:logistic takes: error and auc weigh a row y positive and 1 − y negative (they
    // were rounded at 0.5: error 0.074 and auc 0.981 where native gives 0.245 and 0.817)
    { params: { objective: "binary:logistic", max_depth: 4, eta: 0.6 }, labels: (y) => y.map((v) => 1 / (1 + Math.exp(-v))), metrics: ["logloss", "error", "auc"] },
    // logloss of a regression's output on 0/1 labels, predictions outside [0, 1] included: native floors each log's
    // argument at 1e-16 and no more (p = 1.2 with y = 1 adds -log 1.2 < 0); it was clipped to [1e-16, 1 - 1e-16] here
    { params: { objective: "reg:squarederror", max_depth: 4, eta: 0.9 }, labels: binaryLabels, metrics: ["logloss", "rmse"] },
    // XGBoost's own metric for the pseudo-Huber loss (the default was rmse here: early stopping watched another metric)
    { params: { objective: "reg:pseudohubererror", max_depth: 4, eta: 0.5, huber_slope: 1.5 }, labels: (y) => y, metrics: ["mphe", "rmse"] },
    // aucpr watched last: early stopping maximises it, as native's (its larger-is-better list has auc and aucpr)
    { params: { objective: "binary:logistic", max_depth: 4, eta: 0.6 }, labels: binaryLabels, metrics: ["logloss", "aucpr"] },
    // a gamma model's deviance, minimised
    { params: { objective: "reg:gamma", max_depth: 4, eta: 0.6 }, labels: (y) => y.map((v) => Math.exp(v / 3)), metrics: ["gamma-deviance"] },
    // a ranking without groups (one query of all rows, as native) watching ndcg@30, maximised as native's EarlyStopping
    // maximises ndcg* and map*
    { params: { objective: "rank:pairwise", max_depth: 4, eta: 0.6 }, labels: (y) => y.map((v) => Math.max(0, Math.min(4, Math.floor(v + 2)))), metrics: ["map", "ndcg@30"] },
  ];
  const ref = new RefJob();
  const ours: { evals: Record<string, Record<string, number[]>>; best: number; rounds: number }[] = [];
  cases.forEach((c, i) => {
    const params = { ...c.params, base_score: 0.5, eval_metric: c.metrics };
    const ytr = c.labels(tr.y), yva = c.labels(va.y);
    const dtr = new DMatrix(tr.X, { nrow: tr.n, ncol: 5, label: ytr }), dva = new DMatrix(va.X, { nrow: va.n, ncol: 5, label: yva });
    const b = train(params, dtr, { numBoostRound: 200, evals: [[dtr, "train"], [dva, "valid"]], earlyStoppingRounds: 8 });
    ours.push({ evals: b.evalsResult, best: b.bestIteration ?? -1, rounds: b.numBoostedRounds() });
    b.free(); dtr.free(); dva.free();
    ref.dataset(`tr${i}`, tr.X, tr.n, 5, ytr);
    ref.dataset(`va${i}`, va.X, va.n, 5, yva);
    ref.task({ op: "train", params, num_round: 200, dtrain: `tr${i}`, evals: [`tr${i}`, `va${i}`], early_stopping_rounds: 8 });
  });
  const results = ref.run();
  ref.cleanup();
  cases.forEach((c, i) => {
    const nat = results[i], o = ours[i], what = String(c.params.objective);
    console.log(`    ${what}: best iteration ours ${o.best} / native ${nat.best_iteration}, rounds ${o.rounds} / ${nat.num_boosted_rounds}`);
    assert.is(o.best, nat.best_iteration, `${what}: bestIteration ours ${o.best} vs native ${nat.best_iteration}`);
    assert.is(o.rounds, nat.num_boosted_rounds, `${what}: rounds kept ours ${o.rounds} vs native ${nat.num_boosted_rounds}`);
    for (const [oursName, natName] of [["train", `tr${i}`], ["valid", `va${i}`]]) {
      for (const m of c.metrics) {
        const a = o.evals[oursName][m], b = nat.evals_result![natName][m];
        assert.is(a.length, b.length, `${what} ${oursName}-${m}: ${a.length} rounds vs native ${b.length}`);
        const d = maxRelDiff(a, b, 1e-3);
        assert.ok(d.rel <= 1e-5, `${what} ${oursName}-${m} round ${d.index}: ours ${d.a} vs native ${d.b}`);
      }
    }
  });
});

t("eval_metric as XGBoost reads it: the objective's default (mphe for pseudo-Huber), a metric given twice evaluated once, an empty list the default, error@t; early stopping on a NaN metric keeps round 0 as its best", () => {
  const rnd = mulberry32(12);
  const n = 300, X = new Float32Array(n * 3), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) X[i * 3 + j] = Math.floor(rnd() * 20) / 2;
    y[i] = X[i * 3] - 0.5 * X[i * 3 + 1] + rnd() * 2;
  }
  const oneClass = new Float32Array(100).fill(1); // auc of one class: NaN every round
  const cases: { name: string; params: XGBoostParams; labels?: Float32Array; valid?: Float32Array; es?: number }[] = [
    // huber_slope left at 1: native 1.7.4's default mphe ignores a huber_slope given (an explicit eval_metric mphe
    // reads it, as here and as XGBoost 2.x's default does: compared in the test above with huber_slope 1.5)
    { name: "pseudo-Huber default", params: { objective: "reg:pseudohubererror" } },
    { name: "rmse twice", params: { eval_metric: ["rmse", "mae", "rmse"] } },
    { name: "empty list", params: { eval_metric: [] as never }, es: 2 },
    { name: "NaN auc, early stopping", params: { objective: "binary:logistic", eval_metric: "auc" }, labels: y.map((v) => (v > 3 ? 1 : 0)), valid: oneClass, es: 3 },
    // error@t at other thresholds, named as native names them (error@0.50 is error), the last watched by early
    // stopping (it was refused: 'not implemented here')
    { name: "error@t", params: { objective: "binary:logistic", eval_metric: ["error@0.7", "error@0.50", "logloss", "error@0.3"] as never }, labels: y.map((v) => (v > 3 ? 1 : 0)), es: 2 },
    // names of thresholds past what they show: 0.5000001 is "error@0.5" (it was refused), 1e-7 "error@1e-07", 2e6 "error@2e+06"
    { name: "error@t names", params: { objective: "binary:logistic", eval_metric: ["error@0.5000001", "error@0.0000001", "error@2000000"] as never }, labels: y.map((v) => (v > 3 ? 1 : 0)) },
  ];
  const ref = new RefJob();
  const ours: { evals: Record<string, Record<string, number[]>>; best: number; rounds: number }[] = [];
  cases.forEach((c, i) => {
    const params = { max_depth: 3, eta: 0.5, base_score: 0.5, ...c.params };
    const labels = c.labels ?? y;
    const valid = c.valid ?? labels.subarray(0, 100);
    const dtr = new DMatrix(X, { nrow: n, ncol: 3, label: labels }), dva = new DMatrix(X.subarray(0, 300), { nrow: 100, ncol: 3, label: valid });
    const b = train(params, dtr, { numBoostRound: 12, evals: [[dtr, "train"], [dva, "valid"]], earlyStoppingRounds: c.es });
    ours.push({ evals: b.evalsResult, best: b.bestIteration ?? -1, rounds: b.numBoostedRounds() });
    b.free(); dtr.free(); dva.free();
    ref.dataset(`tr${i}`, X, n, 3, labels);
    ref.dataset(`va${i}`, X.subarray(0, 300), 100, 3, valid);
    ref.task({ op: "train", params, num_round: 12, dtrain: `tr${i}`, evals: [`tr${i}`, `va${i}`], ...(c.es ? { early_stopping_rounds: c.es } : {}) });
  });
  const results = ref.run();
  ref.cleanup();
  cases.forEach((c, i) => {
    const nat = results[i], o = ours[i];
    assert.equal(Object.keys(o.evals.train), Object.keys(nat.evals_result![`tr${i}`]), `${c.name}: the metrics evaluated`);
    for (const m of Object.keys(o.evals.train)) {
      const a = o.evals.train[m], b = nat.evals_result![`tr${i}`][m];
      assert.is(a.length, b.length, `${c.name} ${m}: ${a.length} values vs native ${b.length}`);
      const d = maxRelDiff(a, b, 1e-3);
      assert.ok(d.rel <= 1e-5, `${c.name} train-${m} round ${d.index}: ours ${d.a} vs native ${d.b}`);
    }
    if (c.es) {
      assert.is(o.best, nat.best_iteration, `${c.name}: bestIteration`);
      assert.is(o.rounds, nat.num_boosted_rounds, `${c.name}: rounds kept`);
    }
  });
});

t("XGBoost 1.7's other objectives (reg:gamma, reg:tweedie, reg:squaredlogerror, reg:logistic, binary:logitraw, binary:hinge) and metrics (gamma-nloglik, gamma-deviance, tweedie-nloglik@rho, aucpr): native's predictions and eval logs, and models that load both ways", () => {
  const rnd = mulberry32(21);
  const n = 300, m = 4, nv = 100;
  const mk = (rows: number) => {
    const X = new Float32Array(rows * m), z = new Float32Array(rows), u = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < m; j++) X[i * m + j] = Math.floor(rnd() * 20) / 2;
      z[i] = 0.3 * X[i * m] - 0.2 * X[i * m + 1] + (rnd() - 0.5);
      u[i] = rnd();
    }
    return { X, z, u };
  };
  const tr = mk(n), va = mk(nv);
  type Data = ReturnType<typeof mk>;
  const positive = (d: Data) => d.z.map((v, i) => Math.exp(v) * (0.5 + d.u[i]));
  const zeroOrPositive = (d: Data) => d.z.map((v, i) => (d.u[i] < 0.3 ? 0 : Math.exp(v) * d.u[i]));
  const classes = (d: Data) => d.z.map((v) => (v > 0.5 ? 1 : 0));
  const w = Float32Array.from({ length: n }, () => 0.5 + rnd());
  const cases: { params: XGBoostParams; labels: (d: Data) => Float32Array; weight?: Float32Array }[] = [
    { params: { objective: "reg:gamma", eval_metric: ["gamma-deviance", "gamma-nloglik"] }, labels: positive },
    { params: { objective: "reg:gamma" }, labels: positive, weight: w }, // the default metric, gamma-nloglik
    { params: { objective: "reg:tweedie" }, labels: zeroOrPositive }, // tweedie-nloglik@1.5
    { params: { objective: "reg:tweedie", tweedie_variance_power: 1.2, eval_metric: ["rmse", "tweedie-nloglik@1.7"] }, labels: zeroOrPositive },
    { params: { objective: "reg:tweedie", tweedie_variance_power: 1.3 }, labels: zeroOrPositive, weight: w },
    { params: { objective: "reg:squaredlogerror" }, labels: zeroOrPositive }, // rmsle
    { params: { objective: "reg:logistic", eval_metric: ["rmse", "logloss"] }, labels: (d) => d.u },
    { params: { objective: "binary:logitraw", eval_metric: ["logloss", "auc", "aucpr"] }, labels: classes },
    { params: { objective: "binary:hinge" }, labels: classes }, // error
    { params: { objective: "binary:logistic", eval_metric: ["aucpr", "auc"] }, labels: classes, weight: w },
    { params: { objective: "binary:logistic", eval_metric: "aucpr" }, labels: (d) => d.u }, // soft labels, as native's sums
    { params: { objective: "multi:softprob", num_class: 3, eval_metric: ["aucpr"] }, labels: (d) => d.z.map((v) => (v < 0 ? 0 : v < 1 ? 1 : 2)) },
  ];
  const ref = new RefJob();
  const fs = require("fs") as typeof import("fs");
  const ours = cases.map((c, i) => {
    const params: XGBoostParams = { max_depth: 3, eta: 0.5, base_score: 0.5, ...c.params };
    const ytr = c.labels(tr), yva = c.labels(va);
    const dtr = new DMatrix(tr.X, { nrow: n, ncol: m, label: ytr, weight: c.weight }), dva = new DMatrix(va.X, { nrow: nv, ncol: m, label: yva });
    const b = train(params, dtr, { numBoostRound: 10, evals: [[dtr, "train"], [dva, "valid"]] });
    const out = { evals: b.evalsResult, pred: b.predict(dva), contribs: b.predict(dva, { predContribs: true }), model: b.saveModel() };
    b.free(); dtr.free();
    ref.dataset(`tr${i}`, tr.X, n, m, ytr, c.weight);
    ref.dataset(`va${i}`, va.X, nv, m, yva);
    ref.task({ op: "train", params, num_round: 10, dtrain: `tr${i}`, evals: [`tr${i}`, `va${i}`], predict: [{ data: `va${i}` }, { data: `va${i}`, pred_contribs: true }], save_model: ref.file(`n${i}.json`) });
    ref.task({ op: "load", model: ref.model(out.model), predict: [{ data: `va${i}` }] });
    return { ...out, dva };
  });
  const results = ref.run();
  cases.forEach((c, i) => {
    const what = JSON.stringify(c.params) + (c.weight ? " weighted" : "");
    const nat = results[2 * i], loaded = results[2 * i + 1], o = ours[i];
    const d = maxRelDiff(o.pred, nat.predict![0].values!, 1e-3);
    assert.ok(d.rel <= 1e-5, `${what}: prediction of row ${d.index}: ours ${d.a}, native ${d.b}`);
    // SHAP values and the bias: the margin, base_score through the objective's link (log for gamma / tweedie, logit for
    // reg:logistic, the value itself for logitraw, squaredlogerror and hinge)
    const sv = maxRelDiff(o.contribs, nat.predict![1].values!, 1); // float sums in another order: 1e-5 of the margin's unit
    assert.ok(sv.rel <= 1e-5, `${what}: SHAP value ${sv.index}: ours ${sv.a}, native ${sv.b}`);
    const l = maxRelDiff(loaded.predict![0].values!, o.pred, 1e-3);
    assert.ok(l.rel <= 1e-6, `${what}: our model in native: row ${l.index} predicts ${l.a}, ours ${l.b}`);
    const back = Booster.loadModel(fs.readFileSync(ref.file(`n${i}.json`), "utf8"));
    const r = maxRelDiff(back.predict(o.dva), nat.predict![0].values!, 1e-3);
    assert.ok(r.rel <= 1e-6, `${what}: native's model here: row ${r.index} predicts ${r.a}, native ${r.b}`);
    back.free(); o.dva.free();
    for (const [oursName, natName] of [["train", `tr${i}`], ["valid", `va${i}`]]) {
      assert.equal(Object.keys(o.evals[oursName]), Object.keys(nat.evals_result![natName]), `${what}: the metrics evaluated`);
      for (const metric of Object.keys(o.evals[oursName])) {
        const e = maxRelDiff(o.evals[oursName][metric], nat.evals_result![natName][metric], 1e-3);
        assert.ok(e.rel <= 1e-5, `${what} ${oursName}-${metric} round ${e.index}: ours ${e.a} vs native ${e.b}`);
      }
    }
  });
  ref.cleanup();
});

t("an eval set whose weights are all 0: each metric as native reports it (logloss and error 0, mlogloss NaN)", () => {
  const rnd = mulberry32(13);
  const n = 200, X = new Float32Array(n * 2), y = new Float32Array(n);
  for (let i = 0; i < n; i++) { X[2 * i] = Math.floor(rnd() * 10); X[2 * i + 1] = Math.floor(rnd() * 10); y[i] = X[2 * i] + rnd() * 4 > 7 ? 1 : 0; }
  const zero = new Float32Array(50), cases: { params: XGBoostParams; labels: Float32Array }[] = [
    { params: { objective: "binary:logistic", eval_metric: ["logloss", "error"] }, labels: y },
    { params: { objective: "multi:softprob", num_class: 2, eval_metric: ["mlogloss", "merror"] }, labels: y },
  ];
  const ref = new RefJob();
  const ours = cases.map((c, i) => {
    const params = { max_depth: 2, base_score: 0.5, ...c.params };
    const dtr = new DMatrix(X, { nrow: n, ncol: 2, label: c.labels }), dz = new DMatrix(X.subarray(0, 100), { nrow: 50, ncol: 2, label: c.labels.subarray(0, 50), weight: zero });
    const b = train(params, dtr, { numBoostRound: 2, evals: [[dz, "zero"]] });
    const r = b.evalsResult.zero;
    b.free(); dtr.free(); dz.free();
    ref.dataset(`tr${i}`, X, n, 2, c.labels);
    ref.dataset(`z${i}`, X.subarray(0, 100), 50, 2, c.labels.subarray(0, 50), zero);
    ref.task({ op: "train", params, num_round: 2, dtrain: `tr${i}`, evals: [`z${i}`] });
    return r;
  });
  const results = ref.run();
  ref.cleanup();
  cases.forEach((c, i) => {
    for (const m of c.params.eval_metric as string[]) {
      // NaN is written as null by the reference's JSON
      const nat = results[i].evals_result![`z${i}`][m].map((v) => (v === null ? NaN : v));
      assert.equal(ours[i][m].map(String), nat.map(String), `${c.params.objective} ${m}: ours ${ours[i][m]}, native ${nat}`);
    }
  });
});

t("colsample_bylevel under lossguide: one feature set per depth of a tree, as native's (at most 2 of 20 features split a depth at 0.1)", () => {
  // lossguide reaches the depths out of order; the set was drawn again at every change of depth, so one depth's nodes
  // split on up to 8 features
  const rnd = mulberry32(14);
  const n = 2000, m = 20, X = new Float32Array(n * m), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) { const v = Math.floor(rnd() * 40) / 10; X[i * m + j] = v; s += Math.sin(v * (1 + j / 7)); }
    y[i] = s + rnd() - 0.5;
  }
  const params: XGBoostParams = { grow_policy: "lossguide", max_depth: 0, max_leaves: 48, colsample_bylevel: 0.1, base_score: 0.5 };
  /** the most distinct split features at one depth of one tree */
  const widest = (model: Json): number => {
    let most = 0;
    for (const t of model.learner.gradient_booster.model.trees) {
      const depth: number[] = [0], at: Record<number, Set<number>> = {};
      t.left_children.forEach((l: number, i: number) => {
        if (l < 0) return;
        depth[l] = depth[t.right_children[i]] = depth[i] + 1;
        (at[depth[i]] ??= new Set()).add(t.split_indices[i]);
      });
      most = Math.max(most, ...Object.values(at).map((f) => f.size));
    }
    return most;
  };
  const d = new DMatrix(X, { nrow: n, ncol: m, label: y });
  const ours = [1, 2, 3].map((seed) => {
    const b = train({ ...params, seed }, d, { numBoostRound: 10 });
    const w = widest(JSON.parse(b.saveModel()));
    b.free();
    return w;
  });
  d.free();
  const ref = new RefJob();
  ref.dataset("d", X, n, m, y);
  const f = ref.file("native.json");
  ref.task({ op: "train", params: { ...params, seed: 1 }, num_round: 10, dtrain: "d", save_model: f });
  ref.run();
  const native = widest(JSON.parse(require("fs").readFileSync(f, "utf8")));
  ref.cleanup();
  assert.ok(native <= 2, `native split one depth on ${native} features`);
  assert.ok(Math.max(...ours) <= 2, `ours split one depth on ${ours.join(", ")} features (seeds 1, 2, 3); native on ${native}`);
});

t("colsample_bytree 0.7 of 90 features: 63 features a tree, as native counts them (floor of the product in float)", () => {
  // in double 0.7 × 90 is 62.99…: 62 features a tree here, 63 natively
  const rnd = mulberry32(15);
  const n = 8000, m = 90, X = new Float32Array(n * m), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) { const v = Math.floor(rnd() * 20); X[i * m + j] = v; s += Math.sin((v * (1 + j / 50)) / 3); }
    y[i] = s + (rnd() - 0.5) * 0.3;
  }
  // trees of 400 leaves on features that all matter: each tree splits on every feature it may use
  const params: XGBoostParams = { grow_policy: "lossguide", max_depth: 0, max_leaves: 400, min_child_weight: 0, colsample_bytree: 0.7, base_score: 0.5 };
  const used = (model: Json): number[] => model.learner.gradient_booster.model.trees.map((t: Json) =>
    new Set(t.split_indices.filter((_: number, i: number) => t.left_children[i] >= 0)).size);
  const d = new DMatrix(X, { nrow: n, ncol: m, label: y });
  const b = train(params, d, { numBoostRound: 2 });
  const ours = used(JSON.parse(b.saveModel()));
  b.free(); d.free();
  const ref = new RefJob();
  ref.dataset("d", X, n, m, y);
  const f = ref.file("native.json");
  ref.task({ op: "train", params, num_round: 2, dtrain: "d", save_model: f });
  ref.run();
  const native = used(JSON.parse(require("fs").readFileSync(f, "utf8")));
  ref.cleanup();
  assert.equal(native, [63, 63], `native's trees split on ${native} features`);
  assert.equal(ours, native, `features a tree: ours ${ours}, native ${native}`);
});

t("row and column sampling (subsample, colsample_by*, random forest): holdout RMSE, mean over 3 seeds, within 5% of native's", () => {
  // the random streams differ from native's, so only the statistics can agree; native's own
  // seed-to-seed spread on this set is several % (±6 % with colsample_bytree 0.5 at 40
  // rounds, which is why the fractions here sample less aggressively)
  const s = synth(15000, 99);
  const n = s.nTrain, m = s.ncol;
  const Xtr = s.X.subarray(0, n * m), ytr = s.y.subarray(0, n), Xte = s.X.subarray(n * m), yte = s.y.subarray(n);
  const ref = new RefJob();
  ref.dataset("tr", Xtr, n, m, ytr);
  ref.dataset("te", Xte, s.nrow - n, m, yte);
  const sets: Record<string, unknown>[] = [
    { subsample: 0.7 }, { colsample_bytree: 0.75 }, { colsample_bylevel: 0.6 }, { colsample_bynode: 0.5 },
    { subsample: 0.6, colsample_bytree: 0.8, colsample_bynode: 0.7 },
    { num_parallel_tree: 8, subsample: 0.6, colsample_bynode: 0.5, eta: 1, max_depth: 8 },
  ];
  const ours: number[][] = [];
  const dtr = new DMatrix(Xtr, { nrow: n, ncol: m, label: ytr }), dte = new DMatrix(Xte, { nrow: s.nrow - n, ncol: m });
  sets.forEach((st, i) => {
    ours.push([]);
    for (const seed of [1, 2, 3]) {
      const p = { max_depth: 6, eta: 0.1, seed, base_score: mean(ytr), ...st };
      const rounds = st.num_parallel_tree ? 1 : 40;
      const b = train(p, dtr, { numBoostRound: rounds });
      ours[i].push(rmse(yte, b.predict(dte)));
      b.free();
      ref.task({ op: "train", params: p, num_round: rounds, dtrain: "tr", predict: [{ data: "te", out: ref.file(`p${i}-${seed}.f32`) }] });
    }
  });
  dtr.free(); dte.free();
  const r = ref.run();
  ref.cleanup();
  sets.forEach((st, i) => {
    const nat = [0, 1, 2].map((k) => r[i * 3 + k].predict![0].rmse!);
    const rel = mean(ours[i]) / mean(nat) - 1;
    console.log(`    ${JSON.stringify(st)}: ours ${ours[i].map((v) => v.toFixed(3)).join(" ")}, native ${nat.map((v) => v.toFixed(3)).join(" ")} (${(rel * 100).toFixed(2)}%)`);
    assert.ok(Math.abs(rel) <= 0.05, `${JSON.stringify(st)}: mean holdout RMSE ours ${mean(ours[i])} vs native ${mean(nat)} (${(rel * 100).toFixed(2)}%)`);
  });
});


/**
 * monotone_constraints and interaction_constraints, as native 1.7.4's hist applies them (split_evaluator.h: node
 * bounds, clamped weights, -inf for a split against the direction; constraints.cc: the features a branch may split
 * on): exact cuts and some missing values, so the trees are native's node for node, and the predictions within 1e-6.
 * The constrained features: f0 (3·sin, not monotone) made increasing, f1 (increasing in truth) made decreasing.
 */
t("monotone and interaction constraints, depthwise and lossguide: native's trees and predictions (1e-6), and monotone predictions", () => {
  const rnd = mulberry32(21);
  const n = 500, m = 5, X = new Float32Array(n * m), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) X[i * m + j] = Math.floor(rnd() * 20) / 2;
    y[i] = Math.sin(X[i * m]) * 3 + X[i * m + 1] - X[i * m + 2] * 0.5 + X[i * m + 3] * X[i * m + 4] * 0.1 + rnd();
    if (rnd() < 0.1) X[i * m + 1] = NaN;
    if (rnd() < 0.1) X[i * m] = NaN;
  }
  const names = ["a", "b", "c", "d", "e"];
  // (the checked feature's direction is the truth's or against it: a model that never splits on it proves nothing)
  // forms as users write them: native's tuple text, an array shorter than the features (the rest 0), the Python
  // package's dict by name; the interaction groups by index, as text, and by name
  const settings: { p: XGBoostParams; mono?: [number, number] }[] = [
    { p: { max_depth: 4, monotone_constraints: "(1,-1,0,0,0)" }, mono: [0, 1] },
    { p: { grow_policy: "lossguide", max_depth: 0, max_leaves: 12, alpha: 0.5, monotone_constraints: [-1, 1] }, mono: [0, -1] },
    { p: { max_depth: 3, max_delta_step: 0.4, monotone_constraints: { a: -1, b: 1 } }, mono: [1, 1] },
    { p: { max_depth: 4, interaction_constraints: "[[0, 1], [2, 3, 4]]" } },
    { p: { grow_policy: "lossguide", max_depth: 0, max_leaves: 16, interaction_constraints: [["a", "c"], ["b", "d", "e"], ["c", "d"]], monotone_constraints: "(0,1)" } },
    // no group at all: native still constrains — below the root a branch splits only on its path's features
    { p: { max_depth: 4, interaction_constraints: "[]" } },
    // one tree a class, each held to the constraints
    { p: { objective: "multi:softprob", num_class: 3, max_depth: 3, monotone_constraints: "(1,1,-1)" }, mono: [1, 1] },
  ];
  const base: XGBoostParams = { objective: "reg:squarederror", base_score: 0.5, eta: 0.3 };
  const ref = new RefJob();
  const classes = classLabels(y, 3);
  ref.dataset("d", X, n, m, y, undefined, names);
  ref.dataset("k", X, n, m, classes, undefined, names);
  const fs = require("fs") as typeof import("fs");
  const ours = settings.map(({ p }, i) => {
    const multi = p.objective === "multi:softprob";
    const d = new DMatrix(X, { nrow: n, ncol: m, label: multi ? classes : y, featureNames: names });
    const b = train({ ...base, ...p }, d, { numBoostRound: 8 });
    const out = { trees: JSON.parse(b.saveModel()).learner.gradient_booster.model.trees, pred: b.predict(d), b, d };
    // (Python's xgboost takes a tuple, its text or a dict; a JSON array reaches it as a list, which it refuses)
    const mc = p.monotone_constraints, native = Array.isArray(mc) ? { ...p, monotone_constraints: `(${mc.join(",")})` } : p;
    ref.task({ op: "train", params: { ...base, ...native }, num_round: 8, dtrain: multi ? "k" : "d", save_model: ref.file(`c${i}.json`), predict: [{ data: "d" }] });
    return out;
  });
  const results = ref.run();
  let nodes = 0;
  settings.forEach(({ p, mono }, i) => {
    const where = JSON.stringify(p);
    const nat = JSON.parse(fs.readFileSync(ref.file(`c${i}.json`), "utf8")).learner.gradient_booster.model.trees;
    assert.is(ours[i].trees.length, nat.length, `${where}: trees`);
    ours[i].trees.forEach((a: any, k: number) => {
      for (const f of ["left_children", "split_indices", "default_left"]) assert.equal(a[f], nat[k][f], `${where} tree ${k}: ${f}`);
      // (thresholds and leaf values: within 1e-6, relative past 1 — the float sums of earlier rounds differ in their
      // last bits)
      const d = maxRelDiff(a.split_conditions, nat[k].split_conditions, 1);
      assert.ok(d.rel <= 1e-6, `${where} tree ${k}: node ${d.index}: ours ${d.a}, native ${d.b}`);
      nodes += a.left_children.length;
    });
    const np = results[i].predict![0].values!;
    const d = maxRelDiff(ours[i].pred, np, 1);
    assert.ok(d.rel <= 1e-6, `${where}: prediction ${d.index}: ours ${d.a}, native ${d.b}`);
    if (mono) {
      // along the constrained feature, every row's margin (each class's, for multi:softprob) moves only in its
      // direction (missing values aside)
      const [f, dir] = mono, k = p.num_class ?? 1;
      const grid = Float32Array.from({ length: 21 }, (_, v) => v / 2);
      const G = new Float32Array(60 * grid.length * m);
      for (let r = 0; r < 60; r++) grid.forEach((v, g) => { const at = (r * grid.length + g) * m; G.set(X.subarray(r * m, r * m + m), at); G[at + f] = v; });
      const dg = new DMatrix(G, { nrow: 60 * grid.length, ncol: m, featureNames: names });
      const pg = ours[i].b.predict(dg, { outputMargin: true });
      dg.free();
      let moved = 0;
      for (let r = 0; r < 60; r++) for (let g = 1; g < grid.length; g++) for (let c = 0; c < k; c++) {
        const at = (r * grid.length + g) * k + c, step = (pg[at] - pg[at - k]) * dir;
        assert.ok(step >= 0, `${where}: row ${r}: f${f} ${grid[g - 1]} → ${grid[g]} moves the margin against the constraint (${step * dir})`);
        moved += step > 0 ? 1 : 0;
      }
      assert.ok(moved > 0, `${where}: the constrained feature never moves a prediction`);
    }
    ours[i].b.free(); ours[i].d.free();
  });
  ref.cleanup();
  console.log(`    ${settings.length} constrained settings: ${nodes} nodes identical to native's`);
});

t("constraints on categorical features, as native's: its one-hot and partition splits are held to the feature's direction (the set going right the upper side) and to the groups — native's trees and predictions", () => {
  const d = categoricalData(800, [3, 9], 2, 5, 0.05);
  const settings: XGBoostParams[] = [
    { max_depth: 4, monotone_constraints: "(1,-1,1,0)" },
    { max_depth: 4, monotone_constraints: "(-1,1,0,-1)", max_cat_to_onehot: 1 },
    { grow_policy: "lossguide", max_depth: 0, max_leaves: 10, interaction_constraints: "[[0,2],[1,3]]", monotone_constraints: "(0,1,1)" },
  ];
  const ref = new RefJob();
  ref.dataset("d", d.X, d.nrow, d.ncol, d.y, undefined, undefined, d.featureTypes);
  const ours = settings.map((p, i) => {
    const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y, featureTypes: d.featureTypes });
    const b = train({ base_score: 0.5, ...p }, dm, { numBoostRound: 6 });
    ref.task({ op: "train", params: { base_score: 0.5, ...p }, num_round: 6, dtrain: "d", save_model: ref.file(`k${i}.json`), predict: [{ data: "d" }] });
    const out = { trees: JSON.parse(b.saveModel()).learner.gradient_booster.model.trees, pred: b.predict(dm) };
    b.free(); dm.free();
    return out;
  });
  const results = ref.run();
  const fs = require("fs") as typeof import("fs");
  settings.forEach((p, i) => {
    // (native writes a categorical node's split condition as NaN, which JSON has not)
    const nat = JSON.parse(fs.readFileSync(ref.file(`k${i}.json`), "utf8").replace(/NaN/g, "null")).learner.gradient_booster.model.trees;
    ours[i].trees.forEach((a: any, k: number) => {
      for (const f of ["left_children", "split_indices", "default_left", "categories", "categories_nodes"]) assert.equal(a[f], nat[k][f], `${JSON.stringify(p)} tree ${k}: ${f}`);
    });
    const diff = maxRelDiff(ours[i].pred, results[i].predict![0].values!, 1);
    assert.ok(diff.rel <= 1e-6, `${JSON.stringify(p)}: prediction ${diff.index}: ours ${diff.a}, native ${diff.b}`);
  });
  ref.cleanup();
});


t("survival:cox and survival:aft (normal, logistic, extreme; exact, right-, left- and interval-censored times): every tree node, prediction and per-round cox-nloglik / aft-nloglik / interval-regression-accuracy is native's; the models load both ways", () => {
  // the core refused both objectives ("not implemented here"); native's CoxRegression (Breslow's ties over rows by
  // |label|), AFTObj (survival_util.h: the three distributions, their limits, the clipping) and their metrics. The
  // logistic case leaves eval_metric unset: native 1.7.4 then scores aft-nloglik with the normal distribution of scale
  // 1 (params.ts aftDefaultMetric), the others name it and it reads the objective's distribution.
  const n = 3000, nv = 500, m = 4;
  const { X, y } = fortyValueData(21, n + nv, m, () => 1);
  const rnd = mulberry32(22);
  // times from the label (shorter for a larger y) on a 0.1 grid: ties, as real follow-up times have
  const time = Float32Array.from(y, (v) => Math.max(0.1, Math.round(Math.exp(1 - 0.15 * v + rnd() * 0.8) * 10) / 10));
  const cox = time.map((tm) => (rnd() < 0.3 ? -tm : tm)); // 30 % right-censored
  const lower = new Float32Array(n + nv), upper = new Float32Array(n + nv);
  for (let i = 0; i < n + nv; i++) {
    const u = rnd(), tm = time[i];
    if (u < 0.4) { lower[i] = upper[i] = tm; } // exact
    else if (u < 0.65) { lower[i] = tm; upper[i] = Infinity; } // right-censored
    else if (u < 0.8) { lower[i] = 0; upper[i] = tm; } // left-censored
    else { lower[i] = tm * 0.7; upper[i] = tm * 1.4; } // interval
  }
  const w = Float32Array.from({ length: n }, () => 0.5 + rnd());
  const Xtr = X.subarray(0, n * m), Xva = X.subarray(n * m);
  // pow: the bounds raised to a power — times from 1e-25 to 1e32, where densities and probabilities underflow and the
  // gradients take native's limits and clipping (survival_util.h GetLimitGradAtInfPred, Clip)
  const settings: { p: XGBoostParams; weight?: Float32Array; pow?: number }[] = [
    { p: { objective: "survival:cox" } },
    { p: { objective: "survival:cox" }, weight: w },
    { p: { objective: "survival:aft", eval_metric: ["interval-regression-accuracy", "aft-nloglik"] } },
    { p: { objective: "survival:aft", aft_loss_distribution: "logistic", aft_loss_distribution_scale: 1.2 }, weight: w },
    { p: { objective: "survival:aft", aft_loss_distribution: "extreme", aft_loss_distribution_scale: 0.8, eval_metric: ["aft-nloglik", "interval-regression-accuracy"] } },
    { p: { objective: "survival:aft", aft_loss_distribution: "normal", aft_loss_distribution_scale: 0.5, max_depth: 4, eta: 0.5 } },
    { p: { objective: "survival:aft", aft_loss_distribution: "normal", eval_metric: ["aft-nloglik", "interval-regression-accuracy"] }, pow: 25 },
    { p: { objective: "survival:aft", aft_loss_distribution: "logistic", aft_loss_distribution_scale: 0.7, eval_metric: "aft-nloglik" }, pow: 25 },
    { p: { objective: "survival:aft", aft_loss_distribution: "extreme", eval_metric: "aft-nloglik" }, pow: 25 },
  ];
  const ref = new RefJob();
  const fs = require("fs") as typeof import("fs");
  const rounds = 4;
  const ours = settings.map((st, i) => {
    const aft = st.p.objective === "survival:aft";
    const p: XGBoostParams = { tree_method: "hist", max_depth: 6, max_bin: 256, ...st.p };
    const lo = st.pow ? lower.map((v) => v ** st.pow!) : lower, hi = st.pow ? upper.map((v) => v ** st.pow!) : upper;
    const labels = (from: number, to: number) => (aft ? { label_lower_bound: lo.subarray(from, to), label_upper_bound: hi.subarray(from, to) } : { label: cox.subarray(from, to) });
    const dtr = new DMatrix(Xtr, { nrow: n, ncol: m, weight: st.weight, ...labels(0, n) });
    const dva = new DMatrix(Xva, { nrow: nv, ncol: m, ...labels(n, n + nv) });
    const b = train(p, dtr, { numBoostRound: rounds, evals: [[dtr, "train"], [dva, "valid"]] });
    const out = { trees: JSON.parse(b.saveModel()).learner.gradient_booster.model.trees, pred: b.predict(dva), evals: b.evalsResult, model: b.saveModel(), dva };
    b.free(); dtr.free();
    ref.dataset(`tr${i}`, Xtr, n, m, aft ? undefined : cox.subarray(0, n), st.weight);
    ref.dataset(`va${i}`, Xva, nv, m, aft ? undefined : cox.subarray(n));
    if (aft) { ref.bounds(`tr${i}`, lo.subarray(0, n), hi.subarray(0, n)); ref.bounds(`va${i}`, lo.subarray(n), hi.subarray(n)); }
    ref.task({ op: "train", params: p, num_round: rounds, dtrain: `tr${i}`, evals: [`tr${i}`, `va${i}`], save_model: ref.file(`n${i}.json`), predict: [{ data: `va${i}`, out: ref.file(`p${i}.f32`) }] });
    ref.task({ op: "load", model: ref.model(out.model), predict: [{ data: `va${i}`, out: ref.file(`l${i}.f32`) }] });
    return out;
  });
  const results = ref.run();
  settings.forEach((st, i) => {
    const what = JSON.stringify(st.p) + (st.weight ? " weighted" : "");
    const natModel = fs.readFileSync(ref.file(`n${i}.json`), "utf8");
    const nat = JSON.parse(natModel).learner.gradient_booster.model.trees;
    // the objective's section (aft_loss_param: the distribution's name, its scale as a float's text) and the intercept
    const ourLearner = JSON.parse(ours[i].model).learner, natLearner = JSON.parse(natModel).learner;
    assert.equal(ourLearner.objective, natLearner.objective, `${what}: the saved objective`);
    assert.is(Number(ourLearner.learner_model_param.base_score), Number(natLearner.learner_model_param.base_score), `${what}: base_score`);
    assertTreesNative(ours[i].trees, nat, what);
    const npred = readF32(ref.file(`p${i}.f32`));
    const r = ours[i].pred.findIndex((v, q) => v !== npred[q]);
    assert.ok(r < 0, `${what}: prediction exp(margin) of row ${r}: ours ${ours[i].pred[r]}, native ${npred[r]}`);
    const loaded = readF32(ref.file(`l${i}.f32`));
    const l = ours[i].pred.findIndex((v, q) => v !== loaded[q]);
    assert.ok(l < 0, `${what}: our model in native: row ${l} predicts ${loaded[l]}, ours ${ours[i].pred[l]}`);
    const back = Booster.loadModel(natModel);
    const bp = back.predict(ours[i].dva);
    const q = bp.findIndex((v, j) => v !== npred[j]);
    assert.ok(q < 0, `${what}: native's model here: row ${q} predicts ${bp[q]}, native ${npred[q]}`);
    back.free(); ours[i].dva.free();
    for (const [oursName, natName] of [["train", `tr${i}`], ["valid", `va${i}`]]) {
      const natEvals = results[2 * i].evals_result![natName];
      assert.equal(Object.keys(ours[i].evals[oursName]), Object.keys(natEvals), `${what}: the metrics evaluated`);
      for (const metric of Object.keys(natEvals)) {
        const e = maxRelDiff(ours[i].evals[oursName][metric], natEvals[metric], 1e-3);
        assert.ok(e.rel === 0, `${what} ${oursName}-${metric} round ${e.index}: ours ${e.a} vs native ${e.b}`);
      }
    }
  });
  ref.cleanup();
});


t("a tree that is its root alone (no split gains gamma): its saved base weight is the root's own weight and its leaf eta times it, as native's (the base weight was scaled by eta too)", () => {
  const rnd = mulberry32(31);
  const n = 200, X = new Float32Array(n * 2), y = new Float32Array(n);
  for (let i = 0; i < n; i++) { X[2 * i] = rnd(); X[2 * i + 1] = rnd(); y[i] = X[2 * i] + 1; }
  const p: XGBoostParams = { gamma: 1e9, base_score: 0.5, eta: 0.3 };
  const d = new DMatrix(X, { nrow: n, ncol: 2, label: y });
  const b = train(p, d, { numBoostRound: 2 });
  const ours = JSON.parse(b.saveModel()).learner.gradient_booster.model.trees;
  b.free(); d.free();
  const ref = new RefJob();
  ref.dataset("d", X, n, 2, y);
  ref.task({ op: "train", params: p, num_round: 2, dtrain: "d", save_model: ref.file("n.json") });
  ref.run();
  const nat = JSON.parse(require("fs").readFileSync(ref.file("n.json"), "utf8")).learner.gradient_booster.model.trees;
  ref.cleanup();
  ours.forEach((a: any, k: number) => {
    assert.is(a.left_children.length, 1, `tree ${k} is a root alone`);
    for (const f of ["base_weights", "split_conditions", "sum_hessian"]) assert.is(Math.fround(a[f][0]), Math.fround(nat[k][f][0]), `tree ${k} ${f}: ours ${a[f][0]}, native ${nat[k][f][0]}`);
  });
});

/** Ranking data: n rows of m features of 40 values each (exact cuts) in query groups of 1..30 rows, relevance labels
 * 0..4 from a smooth function with noise, and one weight per group */
function rankingData(seed: number, n: number, m: number): { X: Float32Array; y: Float32Array; group: number[]; groupW: number[] } {
  const { X, y } = fortyValueData(seed, n, m, () => 1);
  const rnd = mulberry32(seed + 1), group: number[] = [];
  for (let left = n; left > 0;) { const s = Math.min(left, 1 + Math.floor(rnd() * 30)); group.push(s); left -= s; }
  return { X, y: y.map((v) => Math.min(4, Math.max(0, Math.floor(v / 2 + 2)))), group, groupW: group.map(() => 0.5 + rnd() * 2) };
}

t("rank:pairwise, rank:ndcg and rank:map (num_pairsample, fix_list_weight, group weights, qid): every node and prediction is native's to the bit, and so is every round's ndcg, ndcg@3, ndcg-, map, map@3-, auc and pre@5 on the training and a held-out grouped set", () => {
  // native samples each row's partner with std::minstd_rand and std::uniform_int_distribution (objective/std_random.c);
  // a tree apart would mean the pairs or their lambda weights differ
  const n = 3000, m = 5, tr = rankingData(21, n, m), va = rankingData(22, 800, m);
  const metrics = ["ndcg", "ndcg@3", "ndcg-", "map", "map@3-", "auc", "pre@5"] as Metric[]; // auc per query on graded labels
  const settings: { p: XGBoostParams; weights?: boolean; qid?: boolean }[] = [
    { p: { objective: "rank:pairwise" }, qid: true },
    { p: { objective: "rank:ndcg", num_pairsample: 2 }, weights: true },
    { p: { objective: "rank:map", fix_list_weight: 10 } },
    { p: { objective: "rank:ndcg", grow_policy: "lossguide", max_leaves: 12, fix_list_weight: 3, num_pairsample: 3 }, weights: true },
  ];
  const qidOf = (group: number[]) => group.flatMap((s, k) => new Array<number>(s).fill(k * 3 + 1));
  const ref = new RefJob();
  const ours = settings.map((st, i) => {
    const p: XGBoostParams = { tree_method: "hist", max_depth: 6, max_bin: 256, eval_metric: metrics, ...st.p };
    const groups = st.qid ? { qid: qidOf(tr.group) } : { group: tr.group };
    const d = new DMatrix(tr.X, { nrow: n, ncol: m, label: tr.y, ...groups, ...(st.weights ? { weight: tr.groupW } : {}) });
    const dv = new DMatrix(va.X, { nrow: 800, ncol: m, label: va.y, group: va.group });
    const b = train(p, d, { numBoostRound: 4, evals: [[d, "train"], [dv, "valid"]] });
    const out = { trees: JSON.parse(b.saveModel()).learner.gradient_booster.model.trees, pred: b.predict(d), evals: b.evalsResult };
    b.free(); d.free(); dv.free();
    ref.dataset(`train${i}`, tr.X, n, m, tr.y);
    ref.groups(`train${i}`, tr.group, st.weights ? tr.groupW : undefined);
    ref.task({ op: "train", params: p, num_round: 4, dtrain: `train${i}`, evals: [`train${i}`, "valid"], save_model: ref.file(`r${i}.json`), predict: [{ data: `train${i}`, out: ref.file(`r${i}.f32`) }] });
    return out;
  });
  ref.dataset("valid", va.X, 800, m, va.y);
  ref.groups("valid", va.group);
  const results = ref.run();
  const fs = require("fs") as typeof import("fs");
  settings.forEach((st, i) => {
    const what = JSON.stringify(st.p);
    const nat = JSON.parse(fs.readFileSync(ref.file(`r${i}.json`), "utf8")).learner.gradient_booster.model.trees;
    assertTreesNative(ours[i].trees, nat, what);
    const npred = readF32(ref.file(`r${i}.f32`));
    const r = ours[i].pred.findIndex((v, q) => v !== npred[q]);
    assert.ok(r < 0, `${what}: prediction of row ${r}: ours ${ours[i].pred[r]}, native ${npred[r]}`);
    const ne = results[i].evals_result!;
    for (const [set, nset] of [["train", `train${i}`], ["valid", "valid"]]) {
      for (const metric of metrics) assert.equal(ours[i].evals[set][metric], ne[nset][metric], `${what}: ${set}-${metric} per round`);
    }
  });
  ref.cleanup();
});

t("ndcg@3, map and map@5- of a binary:logistic model on a grouped eval set (its probabilities ranked per query): native's values every round", () => {
  const n = 2000, m = 5, tr = rankingData(41, n, m), y = tr.y.map((v) => (v > 1 ? 1 : 0));
  const metrics = ["ndcg@3", "map", "map@5-"] as Metric[];
  const p: XGBoostParams = { objective: "binary:logistic", base_score: 0.5, eval_metric: metrics };
  const d = new DMatrix(tr.X, { nrow: n, ncol: m, label: y }), dg = new DMatrix(tr.X, { nrow: n, ncol: m, label: y, group: tr.group });
  const b = train(p, d, { numBoostRound: 3, evals: [[dg, "g"]] });
  const ours = b.evalsResult.g;
  b.free(); d.free(); dg.free();
  const ref = new RefJob();
  ref.dataset("g", tr.X, n, m, y);
  ref.groups("g", tr.group);
  ref.task({ op: "train", params: p, num_round: 3, dtrain: "g", evals: ["g"] });
  const [r] = ref.run();
  ref.cleanup();
  for (const metric of metrics) assert.equal(ours[metric], r.evals_result!.g[metric], metric);
});

t("auc, aucpr, pre@3 and pre on grouped eval sets — per query, as native scores them whatever the objective (rank:pairwise with group weights, binary:logistic), and early stopping on auc by query: native's values every round, best iteration and rounds", () => {
  // auc / aucpr ignored the groups here (auc 0.976 where native's per-query auc is 0.748), and pre was refused
  const n = 1500, m = 5, tr = rankingData(51, n, m), va = rankingData(52, 600, m);
  const bin = (y: Float32Array) => y.map((v) => (v > 1 ? 1 : 0)), ytr = bin(tr.y), yva = bin(va.y);
  // a query of weight 0: native's auc scores it 0 and counts it (its pairs' weights sum to 0), its aucpr leaves it out
  const zero = tr.group.findIndex((s) => s >= 3), groupW = tr.groupW.map((w, k) => (k === zero ? 0 : w));
  const metrics = ["aucpr", "pre@3", "pre", "auc"] as Metric[]; // auc watched (the last)
  const runs: { p: XGBoostParams; grouped: boolean }[] = [
    { p: { objective: "rank:pairwise", max_depth: 4, eta: 0.5 }, grouped: true },
    { p: { objective: "binary:logistic", max_depth: 4, eta: 0.5, base_score: 0.5 }, grouped: false },
  ];
  const ref = new RefJob();
  ref.dataset("trg", tr.X, n, m, ytr);
  ref.groups("trg", tr.group, groupW);
  ref.dataset("trp", tr.X, n, m, ytr);
  ref.dataset("va", va.X, 600, m, yva);
  ref.groups("va", va.group);
  const ours = runs.map(({ p, grouped }) => {
    const params = { ...p, eval_metric: metrics };
    const dg = new DMatrix(tr.X, { nrow: n, ncol: m, label: ytr, group: tr.group, weight: groupW });
    const dp = new DMatrix(tr.X, { nrow: n, ncol: m, label: ytr }), dv = new DMatrix(va.X, { nrow: 600, ncol: m, label: yva, group: va.group });
    const b = train(params, grouped ? dg : dp, { numBoostRound: 40, evals: [[dg, "train"], [dv, "valid"]], earlyStoppingRounds: 3 });
    const out = { evals: b.evalsResult, best: b.bestIteration, rounds: b.numBoostedRounds() };
    b.free(); dg.free(); dp.free(); dv.free();
    ref.task({ op: "train", params, num_round: 40, dtrain: grouped ? "trg" : "trp", evals: ["trg", "va"], early_stopping_rounds: 3 });
    return out;
  });
  const results = ref.run();
  ref.cleanup();
  runs.forEach(({ p }, i) => {
    const nat = results[i], o = ours[i], what = String(p.objective);
    assert.is(o.best, nat.best_iteration, `${what}: bestIteration ours ${o.best} vs native ${nat.best_iteration}`);
    assert.is(o.rounds, nat.num_boosted_rounds, `${what}: rounds ours ${o.rounds} vs native ${nat.num_boosted_rounds}`);
    for (const [set, nset] of [["train", "trg"], ["valid", "va"]]) {
      for (const metric of metrics) {
        const a = o.evals[set][metric], b = nat.evals_result![nset][metric];
        assert.is(a.length, b.length, `${what} ${set}-${metric}: rounds`);
        // native's log writes ~1.6e-9 (pre: hits / 4294967295) with 9 digits: within 1e-12 and 1e-8 of it
        const r = a.findIndex((v, q) => !(Math.abs(v - b[q]) <= Math.min(1e-12, 1e-8 * Math.abs(b[q]))));
        assert.ok(r < 0, `${what} ${set}-${metric} round ${r}: ours ${a[r]}, native ${b[r]}`);
      }
    }
  });
});

t("rank:map with group weights on sketched features (an empty group among them): the cuts, trees and predictions are native's to the bit — its sketch weighs rows by its UnrollGroupWeights, whose first row of each group takes the previous group's weight", () => {
  // each row weighed by its own group's weight, the sketch's cuts moved: row 0 predicted 0.452 here, 0.830 natively
  const rnd = mulberry32(31), n = 4000, m = 4, X = new Float32Array(n * m), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) { const v = rnd() * 10; X[i * m + j] = v; s += Math.sin(v + j); }
    y[i] = Math.max(0, Math.min(3, Math.floor(s + rnd() * 2)));
  }
  const group: number[] = [];
  for (let left = n; left > 0;) { const s = Math.min(left, 1 + Math.floor(rnd() * 60)); group.push(s); left -= s; }
  group.splice(group.length - 3, 0, 0); // an empty group: native's unrolling stays on it for the rows after
  const weight = group.map(() => 0.1 + rnd() * 5);
  const p: XGBoostParams = { objective: "rank:map", max_depth: 5 };
  const d = new DMatrix(X, { nrow: n, ncol: m, label: y, group, weight });
  const b = train(p, d, { numBoostRound: 2 });
  const ours = b.predict(d);
  b.free(); d.free();
  const ref = new RefJob();
  ref.dataset("d", X, n, m, y);
  ref.groups("d", group, weight);
  ref.task({ op: "train", params: p, num_round: 2, dtrain: "d", predict: [{ data: "d", out: ref.file("p.f32") }] });
  ref.run();
  const native = readF32(ref.file("p.f32"));
  ref.cleanup();
  const r = ours.findIndex((v, q) => v !== native[q]);
  assert.ok(r < 0, `prediction of row ${r}: ours ${ours[r]}, native ${native[r]}`);
});

test.run();
