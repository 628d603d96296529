/**
 * A matrix that releases its floats after binning (DMatrix.releaseFloats, LightGBM's free_raw_data; issue 11's job
 * memory): training, prediction, evaluation and SHAP then read rows decoded from the bins (wasm/csrc/qmatrix.h).
 *   - Models trained on views of a released matrix are byte-identical to those trained on the same views of a
 *     matrix that keeps its floats, with the same evals; their predictions, margins, tree ranges and SHAP values /
 *     interactions on held-out views are bitwise the same; native XGBoost 1.7.4, loading the saved model and
 *     predicting the held-out rows' floats, agrees (the independent reference) — depthwise with NaNs and weights,
 *     lossguide, symmetric at border_count 254, multi:softprob, categorical partition splits.
 *   - A coreFloats matrix's memory is returned at once and can be reused without changing any prediction.
 *   - What needs the floats is a clear Error: getData, a max_bin the release did not bin for, ordered target
 *     statistics, a model whose thresholds are not the matrix's cuts (named by tree, node and feature), a release on
 *     a view, bad max_bin lists.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { coreBuild, coreFloats, DMatrix, train, type XGBoostParams } from "node-xgboost-wasm";
import { hasXgboost, maxRelDiff, RefJob } from "../tools/reference/xgb-ref";
import { categoricalData, classLabels, mulberry32, regressionData } from "./helpers/core-data";

const bitwise = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
const XGB = hasXgboost();

function folds(n: number, seed: number): { train: Int32Array; test: Int32Array } {
  const rnd = mulberry32(seed);
  const trainRows: number[] = [], testRows: number[] = [];
  for (let i = 0; i < n; i++) (rnd() < 0.7 ? trainRows : testRows).push(i);
  return { train: Int32Array.from(trainRows), test: Int32Array.from(testRows).reverse() };
}

test("a released matrix trains, evaluates, predicts and explains bit for bit as one that keeps its floats; native XGBoost predicts the saved models the same", () => {
  const reg = regressionData(6000, 7, 21, 0.08);
  const w = Float32Array.from({ length: reg.nrow }, (_, i) => 0.25 + (i % 5));
  const cat = categoricalData(5000, [40, 6], 3, 22, 0.05);
  const cases: { name: string; X: Float32Array; y: Float32Array; ncol: number; nrow: number; w?: Float32Array; featureTypes?: string[]; params: XGBoostParams }[] = [
    { name: "depthwise, NaNs and weights", ...reg, w, params: { max_depth: 6, subsample: 0.8, colsample_bynode: 0.7, eval_metric: ["rmse", "mae"] } },
    { name: "lossguide", ...reg, params: { grow_policy: "lossguide", max_depth: 0, max_leaves: 24, max_bin: 64 } },
    { name: "symmetric, border_count 254", ...reg, params: { grow_policy: "symmetric", max_depth: 5, max_bin: 254 } },
    { name: "multi:softprob", ...reg, y: classLabels(reg.y, 3), params: { objective: "multi:softprob", num_class: 3, max_depth: 4, eval_metric: ["mlogloss", "merror"] } },
    { name: "categorical partition splits", ...cat, params: { max_depth: 5, max_cat_to_onehot: 4 } },
  ];
  const ref = XGB ? new RefJob() : undefined;
  const natives: { name: string; pred: Float32Array; margin: Float32Array }[] = [];
  for (const c of cases) {
    const opts = { nrow: c.nrow, ncol: c.ncol, label: c.y, ...(c.w ? { weight: c.w } : {}), ...(c.featureTypes ? { featureTypes: c.featureTypes } : {}) };
    const kept = new DMatrix(c.X, opts), released = new DMatrix(c.X, opts);
    const maxBin = c.params.max_bin ?? 256;
    released.releaseFloats([maxBin]);
    assert.ok(released.floatsReleased && !kept.floatsReleased);
    const { train: trainRows, test: testRows } = folds(c.nrow, 5);
    const fit = (m: DMatrix) => {
      const tr = m.slice(trainRows), te = m.slice(testRows);
      const bst = train({ ...c.params, eta: 0.3, seed: 4, nthread: 2 }, tr, { numBoostRound: 8, evals: [[tr, "train"], [te, "test"]] });
      return { bst, tr, te };
    };
    const a = fit(kept), b = fit(released);
    assert.is(b.bst.saveModel(), a.bst.saveModel(), `${c.name}: the model trained on the released matrix differs`);
    assert.equal(b.bst.evalsResult, a.bst.evalsResult, `${c.name}: evals differ`);
    for (const o of [{}, { outputMargin: true }, { iterationRange: [2, 7] as [number, number] }]) {
      assert.ok(bitwise(a.bst.predict(b.te, o), a.bst.predict(a.te, o)), `${c.name}: predict(${JSON.stringify(o)}) from the bins differs from the floats`);
    }
    assert.ok(bitwise(a.bst.predict(released), a.bst.predict(kept)), `${c.name}: predict on the whole released matrix differs`);
    const few = Int32Array.from({ length: 120 }, (_, i) => testRows[i * 7]);
    for (const o of [{ predContribs: true }, { predInteractions: true }, { predContribs: true, approxContribs: true }]) {
      assert.ok(bitwise(a.bst.predict(released.slice(few), o), a.bst.predict(kept.slice(few), o)), `${c.name}: ${JSON.stringify(o)} from the bins differs`);
    }
    if (ref) {
      const X = kept.slice(testRows).getData();
      const name = ref.dataset(`d${natives.length}`, X, testRows.length, c.ncol, undefined, undefined, undefined, c.featureTypes);
      ref.task({ op: "load", model: ref.model(a.bst.saveModel()), predict: [{ data: name }, { data: name, output_margin: true }] });
      natives.push({ name: c.name, pred: a.bst.predict(b.te), margin: a.bst.predict(b.te, { outputMargin: true }) });
    }
    [a, b].forEach((f) => { f.bst.free(); f.tr.free(); f.te.free(); });
    kept.free(); released.free();
  }
  if (ref) {
    const results = ref.run();
    natives.forEach((n, i) => {
      const p = maxRelDiff(n.pred, results[i].predict![0].values!), m = maxRelDiff(n.margin, results[i].predict![1].values!);
      assert.ok(p.rel <= 1e-5 && m.rel <= 1e-5, `${n.name}: native XGBoost on the floats disagrees with ours from the bins: ${JSON.stringify({ p, m })}`);
    });
    ref.cleanup();
  }
});

test("releasing a coreFloats matrix returns its memory at once: reusing it changes no prediction", () => {
  if (coreBuild() !== "threads") return;
  const d = regressionData(20000, 6, 8, 0.05);
  const X = coreFloats(d.X.length)!;
  X.set(d.X);
  const dm = new DMatrix(X, { nrow: d.nrow, ncol: d.ncol, label: d.y });
  const bst = train({ max_depth: 5, eta: 0.3 }, dm, { numBoostRound: 10 });
  const before = bst.predict(dm);
  dm.releaseFloats([256]);
  // the freed block is reused: fill new core arrays (the allocator hands out the freed block first) with garbage
  const junk = [coreFloats(d.X.length)!, coreFloats(d.X.length)!];
  junk.forEach((j) => j.fill(1e30));
  assert.ok(bitwise(bst.predict(dm), before), "predictions changed after the released memory was reused");
  const again = train({ max_depth: 5, eta: 0.3 }, dm, { numBoostRound: 10 });
  assert.is(again.saveModel(), bst.saveModel(), "training after the release gave another model");
  [bst, again].forEach((b) => b.free());
  dm.free();
});

test("what needs the floats is an Error after the release: getData, another max_bin, ordered statistics, another matrix's model, a view, bad max_bin lists", () => {
  const d = regressionData(3000, 5, 9, 0.05);
  const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y });
  for (const bad of [[], [1], [256.5], [257], "256", undefined] as unknown[]) {
    assert.throws(() => dm.releaseFloats(bad as number[]), /maxBins must be a non-empty array of integers from 2 to 256/, `releaseFloats(${JSON.stringify(bad)})`);
  }
  // a thread count the core would start that many pool threads for: refused before any is started
  for (const nthread of [-1, 1.5, 513, 100_000]) {
    assert.throws(() => dm.releaseFloats([256], { nthread }), /parameter nthread must be an integer from 0 \(every core, as XGBoost\) to 512, got /, `nthread ${nthread}`);
  }
  const view = dm.slice([0, 1, 2]);
  assert.throws(() => view.releaseFloats([256]), /release them on the matrix/);
  dm.releaseFloats([256, 254]);
  assert.ok(view.floatsReleased, "a view shares its matrix's release");
  assert.throws(() => dm.getData(), /floats were released after binning \(releaseFloats, max_bin 256, 254\)/);
  assert.throws(() => view.getData(), /floats were released/);
  assert.throws(() => train({ max_bin: 64 }, dm, { numBoostRound: 2 }), /released after binning with max_bin 256, 254.*max_bin 64 needs them/);
  assert.throws(() => dm.releaseFloats([64]), /already released after binning with max_bin 256, 254; max_bin 64 can no longer be binned/);
  dm.releaseFloats([254]); // a form it has: nothing to do
  // a model of other data: its thresholds are not this matrix's cuts
  const other = regressionData(2000, 5, 10);
  const om = new DMatrix(other.X, { nrow: other.nrow, ncol: other.ncol, label: other.y });
  const bst = train({ max_depth: 3 }, om, { numBoostRound: 3 });
  assert.throws(() => bst.predict(dm), /does not split at its cuts \(tree 0 node 0 splits feature \d at .* which is not a cut of the matrix's bins/);
  assert.throws(() => bst.predict(view, { predContribs: true }), /does not split at its cuts/);
  // training on it works, and so does predicting its own model
  const own = train({ max_depth: 3, max_bin: 254 }, dm, { numBoostRound: 3 });
  assert.is(own.predict(view).length, 3);
  // ordered target statistics read the floats
  const c = categoricalData(2000, [10], 2, 3);
  const cm = new DMatrix(c.X, { nrow: c.nrow, ncol: c.ncol, label: c.y, featureTypes: c.featureTypes });
  cm.releaseFloats([254]);
  assert.throws(() => train({ grow_policy: "symmetric", max_bin: 254 }, cm, { numBoostRound: 2 }), /getData: this matrix's floats were released/);
  // partition splits bin from the codes: fine
  assert.is(train({ max_bin: 254 }, cm, { numBoostRound: 2 }).numBoostedRounds(), 2);
  [bst, own].forEach((b) => b.free());
  [view, dm, om, cm].forEach((m) => m.free());
});

test.run();
