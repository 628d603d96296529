/**
 * Bin once, train on row subsets (issue 11, "k folds without k copies"): DMatrix.slice
 * returns a row view that shares the matrix's floats, labels, weights and quantised form.
 *   - A fit on a view uses the whole matrix's cuts, as native XGBoost 1.7.4's
 *     QuantileDMatrix(X[rows], y[rows], ref=QuantileDMatrix(X, y)) does: on features with
 *     at most max_bin distinct values both libraries' cuts are exactly the distinct values
 *     of the whole matrix, so the trees (split features, thresholds — including thresholds
 *     at values only held-out rows have —, category sets) and predictions agree; numeric
 *     with NaNs and weights, and categorical partition splits with categories absent from the view.
 *   - When the view holds every distinct value (so a copy of its rows bins the same), the
 *     view's model is byte-identical to the copy's.
 *   - predict / evals / SHAP on a view = the same on a copied DMatrix of its rows,
 *     bitwise, for depthwise, lossguide and symmetric trees and multi:softprob; models
 *     trained on a view are the same for nthread 1 and 2.
 *   - The quantised form is rebuilt for another max_bin or feature types (the model is
 *     that of a fresh matrix); lifetimes (a freed parent, a freed view, a view of a view)
 *     and bad rows are clear Errors or keep working as documented.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import { coreBuild, coreFloats, DMatrix, startTraining, train, type XGBoostParams } from "node-xgboost-wasm";
import { hasXgboost, maxRelDiff, RefJob } from "../tools/reference/xgb-ref";
import { categoricalData, classLabels, mean, mulberry32, treesOf, treeStructure as structure, type Data } from "./helpers/core-data";

const RTOL = 1e-5;
const XGB = hasXgboost();
const native = XGB ? test : test.skip;

const bitwise = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

/**
 * Numeric data on a grid: every feature takes values k / 8 (k = 0..16) in the view's
 * rows; the held-out rows (every third row) also take the half steps between them, so
 * the whole matrix has cuts the view's own rows would not give. ~5% NaN.
 */
function gridData(nrow: number, ncol: number, seed: number): Data & { view: Int32Array; heldOut: Int32Array } {
  const rnd = mulberry32(seed);
  const X = new Float32Array(nrow * ncol), y = new Float32Array(nrow);
  const view: number[] = [], heldOut: number[] = [];
  for (let i = 0; i < nrow; i++) {
    const held = i % 3 === 0;
    (held ? heldOut : view).push(i);
    for (let j = 0; j < ncol; j++) {
      const k = Math.floor(rnd() * 17);
      X[i * ncol + j] = rnd() < 0.05 ? NaN : (k + (held && rnd() < 0.5 ? 0.5 : 0)) / 8;
    }
    const v = (j: number) => (Number.isNaN(X[i * ncol + j]) ? 1 : X[i * ncol + j]);
    y[i] = 3 * Math.sin(v(0) * 1.5) + v(1) * v(1) - 2 * v(2) + (v(3) > 0.9 ? 2 : -1) + (rnd() - 0.5);
  }
  return { X, y, nrow, ncol, view: Int32Array.from(view), heldOut: Int32Array.from(heldOut) };
}

function copyOf(v: DMatrix, opts: { featureTypes?: string[] } = {}): DMatrix {
  return new DMatrix(v.getData(), { nrow: v.nrow, ncol: v.ncol, label: v.getLabel(), weight: v.getWeight(), ...opts });
}

native("a fit on a view = native XGBoost on QuantileDMatrix(X[rows], ref=QuantileDMatrix(X)): numeric with NaNs and weights, and categorical partition splits with categories absent from the view", () => {
  const ref = new RefJob();
  const ours: { name: string; json: string; pred: Float32Array; copyJson: string }[] = [];
  // numeric: 33 distinct values per feature (≤ max_bin 64) in the whole matrix, 17 in the view
  {
    const d = gridData(3000, 5, 7);
    const w = Float32Array.from({ length: d.nrow }, (_, i) => 0.5 + (i % 4)); // weights: gathered with the rows
    const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y, weight: w });
    const view = dm.slice(d.view);
    const label = view.getLabel()!;
    const params: XGBoostParams = { max_depth: 4, eta: 0.3, max_bin: 64, base_score: mean(label) };
    const bst = train(params, view, { numBoostRound: 5 });
    const copy = copyOf(view), bc = train(params, copy, { numBoostRound: 5 });
    ours.push({ name: "numeric", json: bst.saveModel(), pred: bst.predict(view), copyJson: bc.saveModel() });
    ref.dataset("num", d.X, d.nrow, d.ncol, d.y, w);
    ref.datasetSpec("num-view", { x: ref.file("num.X.f32"), y: ref.file("num.y.f32"), w: ref.file("num.w.f32"), nrow: d.nrow, ncol: d.ncol, rows: Array.from(d.view), quantile_ref: "num", max_bin: 64 });
    ref.datasetSpec("num-view-plain", { x: ref.file("num.X.f32"), y: ref.file("num.y.f32"), nrow: d.nrow, ncol: d.ncol, rows: Array.from(d.view) });
    ref.task({ op: "train", params, num_round: 5, dtrain: "num-view", save_model: ref.file("num.json"), predict: [{ data: "num-view-plain" }] });
    [bst, bc].forEach((b) => b.free()); [view, copy, dm].forEach((m) => m.free());
  }
  // categorical: a 30-level column whose codes 3, 7, 8, 20 and the largest, 29, only held-out rows have
  {
    const d = categoricalData(4000, [30, 3], 1, 41, 0.05);
    const absent = new Set([3, 7, 8, 20, 29]);
    const rows = Int32Array.from({ length: d.nrow }, (_, i) => i).filter((i) => !absent.has(d.X[i * d.ncol]));
    const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y, featureTypes: d.featureTypes });
    const view = dm.slice(rows);
    const label = view.getLabel()!;
    const params: XGBoostParams = { max_depth: 3, eta: 0.3, max_bin: 128, base_score: mean(label) };
    const bst = train(params, view, { numBoostRound: 5 });
    const copy = copyOf(view, { featureTypes: d.featureTypes }), bc = train(params, copy, { numBoostRound: 5 });
    ours.push({ name: "categorical", json: bst.saveModel(), pred: bst.predict(view), copyJson: bc.saveModel() });
    ref.dataset("cat", d.X, d.nrow, d.ncol, d.y, undefined, undefined, d.featureTypes);
    const spec = { x: ref.file("cat.X.f32"), y: ref.file("cat.y.f32"), nrow: d.nrow, ncol: d.ncol, rows: Array.from(rows), feature_types: d.featureTypes };
    ref.datasetSpec("cat-view", { ...spec, quantile_ref: "cat", max_bin: 128 });
    ref.datasetSpec("cat-view-plain", spec);
    ref.task({ op: "train", params, num_round: 5, dtrain: "cat-view", save_model: ref.file("cat.json"), predict: [{ data: "cat-view-plain" }] });
    [bst, bc].forEach((b) => b.free()); [view, copy, dm].forEach((m) => m.free());
  }
  const results = ref.run();
  let thresholdsOnlyHeldOut = 0, categoricalNodes = 0, absentInSets = 0;
  ours.forEach((o, i) => {
    const file = ref.file(o.name === "numeric" ? "num.json" : "cat.json");
    const mine = treesOf(o.json), theirs = treesOf(fs.readFileSync(file, "utf8"));
    assert.is(mine.length, theirs.length, `${o.name}: number of trees`);
    mine.forEach((tree, k) => {
      assert.is(structure(tree), structure(theirs[k]), `${o.name}: tree ${k} differs from native's`);
      const c = maxRelDiff(tree.split_conditions, theirs[k].split_conditions);
      assert.ok(c.rel <= RTOL, `${o.name}: tree ${k} split_conditions differ: ${JSON.stringify(c)}`);
      categoricalNodes += tree.categories_nodes.length;
      // a category with no rows in the view is a category of weight 0 (as in native): it may sit in a set
      if (o.name === "categorical") absentInSets += (tree.categories as number[]).filter((code) => [3, 7, 8, 20, 29].includes(code)).length;
      if (o.name === "numeric") {
        tree.split_conditions.forEach((v: number, n: number) => {
          if (tree.left_children[n] >= 0 && Math.round(v * 16) % 2 === 1) thresholdsOnlyHeldOut++;
        });
      }
    });
    const diff = maxRelDiff(o.pred, results[i].predict![0].values!);
    assert.ok(diff.rel <= RTOL, `${o.name}: predictions differ from native's: ${JSON.stringify(diff)}`);
    // the whole matrix's cuts matter: the copy of the view's rows (its own cuts) grows other trees
    assert.ok(o.copyJson !== o.json, `${o.name}: a copy of the view's rows gave the same model — the test would not see the parent's cuts`);
  });
  assert.ok(thresholdsOnlyHeldOut > 0, "no split threshold at a value only the held-out rows have");
  assert.ok(categoricalNodes > 0, "no categorical split");
  console.log(`    ${thresholdsOnlyHeldOut} numeric thresholds at held-out-only values, ${categoricalNodes} categorical splits (${absentInSets} set entries are categories absent from the view): same trees as native QuantileDMatrix(ref=)`);
  ref.cleanup();
});

test("a view holding every distinct value trains the byte-identical model of a copy of its rows (numeric and categorical)", () => {
  const d = categoricalData(3000, [12], 2, 5, 0.05);
  const rows = Int32Array.from({ length: 2000 }, (_, i) => (i * 7 + 3) % d.nrow);
  for (const featureTypes of [d.featureTypes, undefined]) {
    const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y, featureTypes });
    const view = dm.slice(rows), copy = copyOf(view, { featureTypes });
    const params: XGBoostParams = { max_depth: 4, eta: 0.3, subsample: 0.8, colsample_bynode: 0.8, seed: 3 };
    const a = train(params, view, { numBoostRound: 6 }), b = train(params, copy, { numBoostRound: 6 });
    assert.is(a.saveModel(), b.saveModel(), `${featureTypes ? "categorical" : "numeric"}: view and copy models differ`);
    [a, b].forEach((x) => x.free()); [view, copy, dm].forEach((x) => x.free());
  }
});

test("predict, evals and SHAP on a view = on a copy of its rows (bitwise): depthwise, lossguide, symmetric, multi:softprob; nthread 1 = 2", () => {
  const d = gridData(24000, 6, 11);
  const y3 = classLabels(d.y, 3);
  const cases: { name: string; params: XGBoostParams; label: Float32Array }[] = [
    { name: "depthwise", params: { max_depth: 5 }, label: d.y },
    { name: "lossguide", params: { grow_policy: "lossguide", max_depth: 0, max_leaves: 12 }, label: d.y },
    { name: "symmetric", params: { grow_policy: "symmetric", max_depth: 4 }, label: d.y },
    { name: "multi:softprob", params: { objective: "multi:softprob", num_class: 3, max_depth: 3 }, label: y3 },
  ];
  const rnd = mulberry32(2);
  const trainRows = d.view.filter(() => rnd() < 0.8), testRows = Int32Array.from(d.heldOut).reverse();
  for (const c of cases) {
    const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: c.label });
    const tr = dm.slice(trainRows), te = dm.slice(testRows), teCopy = copyOf(te);
    const models: string[] = [];
    for (const nthread of [1, 2]) {
      const params = { ...c.params, eta: 0.3, subsample: 0.9, seed: 1, nthread, eval_metric: c.label === y3 ? ["mlogloss", "merror"] : ["rmse", "mae"] } as XGBoostParams;
      const viaView = train(params, tr, { numBoostRound: 8, evals: [[tr, "train"], [te, "test"]] });
      const viaCopy = train(params, tr, { numBoostRound: 8, evals: [[tr, "train"], [teCopy, "test"]] });
      assert.equal(viaView.evalsResult, viaCopy.evalsResult, `${c.name}: evals on a view differ from evals on a copy`);
      models.push(viaView.saveModel());
      for (const opts of [{}, { outputMargin: true }, { iterationRange: [2, 6] as [number, number] }]) {
        assert.ok(bitwise(viaView.predict(te, opts), viaView.predict(teCopy, opts)), `${c.name} nthread ${nthread}: predict(${JSON.stringify(opts)}) on a view differs from a copy`);
      }
      if (nthread === 1) {
        const small = te.slice(Int32Array.from({ length: 300 }, (_, i) => i * 5)), smallCopy = copyOf(small);
        for (const opts of [{ predContribs: true }, { predInteractions: true }, { predContribs: true, approxContribs: true }]) {
          assert.ok(bitwise(viaView.predict(small, opts), viaView.predict(smallCopy, opts)), `${c.name}: ${JSON.stringify(opts)} on a view differs from a copy`);
        }
        small.free(); smallCopy.free();
      }
      viaView.free(); viaCopy.free();
    }
    assert.is(models[0], models[1], `${c.name}: the view-trained model differs between nthread 1 and 2`);
    [tr, te, teCopy, dm].forEach((m) => m.free());
  }
  // nodes of more than 65,536 rows: the parallel partition (grower.c) on a view's gathered rows
  const big = gridData(150_000, 4, 12);
  const dm = new DMatrix(big.X, { nrow: big.nrow, ncol: big.ncol, label: big.y });
  const tr = dm.slice(big.view), te = dm.slice(big.heldOut), teCopy = copyOf(te);
  const fits = [1, 2].map((nthread) => train({ max_depth: 4, nthread }, tr, { numBoostRound: 3 }));
  assert.is(fits[0].saveModel(), fits[1].saveModel(), "100k-row view: the model differs between nthread 1 and 2");
  assert.ok(bitwise(fits[1].predict(te), fits[1].predict(teCopy)), "100k-row view: predict on a view differs from a copy");
  fits.forEach((b) => b.free()); [tr, te, teCopy, dm].forEach((m) => m.free());
});

test("the quantised form follows max_bin and the feature types: each model is that of a fresh matrix", () => {
  const d = categoricalData(2500, [9], 2, 17, 0.02);
  // numbers with many distinct values so max_bin changes the cuts
  const rnd = mulberry32(4);
  for (let i = 0; i < d.nrow; i++) d.X[i * d.ncol + 1] = rnd() * 10;
  const rows = Int32Array.from({ length: 1500 }, (_, i) => i + 500);
  const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y, featureTypes: d.featureTypes });
  const view = dm.slice(rows);
  const run = (m: DMatrix, params: XGBoostParams) => { const b = train(params, m, { numBoostRound: 4 }); const j = b.saveModel(); b.free(); return j; };
  const settings: XGBoostParams[] = [
    { max_bin: 16, max_depth: 3 }, { max_bin: 256, max_depth: 3 }, { max_bin: 16, max_depth: 3, cat_encoding: "ordered" },
    { max_bin: 16, max_depth: 3 },
  ];
  const seen = new Set<string>();
  for (const params of settings) {
    const fresh = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y, featureTypes: d.featureTypes });
    const freshView = fresh.slice(rows);
    assert.is(run(view, params), run(freshView, params), `view, ${JSON.stringify(params)}: differs from a fresh matrix's view`);
    assert.is(run(dm, params), run(fresh, params), `matrix, ${JSON.stringify(params)}: differs from a fresh matrix`);
    seen.add(run(view, params));
    freshView.free(); fresh.free();
  }
  assert.is(seen.size, 3, "max_bin 16 / 256 and ordered encoding should give 3 different models");
  view.free(); dm.free();
});

test("views: getData / getLabel / getWeight are the rows' copies; a view of a view composes; lifetimes; bad rows are Errors", () => {
  const nrow = 50, ncol = 3;
  const X = Float32Array.from({ length: nrow * ncol }, (_, i) => i % 7 === 0 ? NaN : i);
  const y = Float32Array.from({ length: nrow }, (_, i) => i * 2), w = Float32Array.from({ length: nrow }, (_, i) => 1 + (i % 3));
  const dm = new DMatrix(X, { nrow, ncol, label: y, weight: w, featureNames: ["a", "b", "c"] });
  const rows = [4, 9, 9, 0, 49, 17];
  const v = dm.slice(rows);
  assert.ok(v.isView && !dm.isView);
  assert.is(v.nrow, rows.length); assert.is(v.ncol, ncol); assert.equal(v.featureNames, ["a", "b", "c"]);
  const expectX = new Float32Array(rows.flatMap((r) => Array.from(X.subarray(r * ncol, (r + 1) * ncol))));
  assert.ok(bitwise(v.getData(), expectX), "getData");
  assert.equal(Array.from(v.getLabel()!), rows.map((r) => y[r]));
  assert.equal(Array.from(v.getWeight()!), rows.map((r) => w[r]));
  // a view of a view indexes the matrix: rows [1, 4] of v = matrix rows [9, 49]
  const vv = v.slice([1, 4]);
  assert.equal(Array.from(vv.getLabel()!), [y[9], y[49]]);
  // bad rows
  for (const bad of [[-1], [nrow], [1.5], [NaN], ["2" as unknown as number]]) {
    assert.throws(() => dm.slice(bad), /DMatrix\.slice: rows\[0\] is .*integers in \[0, 50\)/, `slice(${JSON.stringify(bad)})`);
  }
  assert.throws(() => v.slice([6]), /integers in \[0, 6\)/);
  assert.throws(() => dm.slice(null as unknown as number[]), /rows must be an array/);
  // lifetimes: a freed view leaves its parent whole; the parent freed — its views keep working, the parent itself is an Error
  const shortLived = dm.slice([1, 2]);
  shortLived.free();
  assert.ok(bitwise(dm.getData(), X), "the parent's data after a view's free()");
  const params: XGBoostParams = { max_depth: 2, min_child_weight: 0 };
  const big = dm.slice(Array.from({ length: 40 }, (_, i) => i));
  const before = train(params, big, { numBoostRound: 3 }).saveModel();
  dm.free();
  assert.throws(() => dm.getData(), /used after free/);
  assert.throws(() => dm.slice([0]), /used after free/);
  assert.throws(() => train(params, dm), /used after free/);
  const after = train(params, big, { numBoostRound: 3 });
  assert.is(after.saveModel(), before, "a view trains the same after its parent's free()");
  assert.ok(bitwise(vv.getData(), new Float32Array([...X.subarray(27, 30), ...X.subarray(147, 150)])), "a view of a view after the parent's free()");
  // a freed view is an Error; its siblings are untouched
  v.free();
  assert.throws(() => v.getLabel(), /used after free/);
  assert.throws(() => after.predict(v), /used after free/);
  assert.is(after.predict(vv).length, 2);
  v.free(); // twice is harmless
  after.free(); big.free(); vv.free();
});

test("coreFloats: a matrix filled in the core's memory is the DMatrix's data (no copy) — same model as a copy; valid after the DMatrix is freed and the memory has grown", () => {
  const rng = mulberry32(77);
  const nrow = 3000, ncol = 5;
  const X = Float32Array.from({ length: nrow * ncol }, () => (rng() < 0.05 ? -999 : rng()));
  const y = Float32Array.from({ length: nrow }, (_, i) => X[i * ncol] * 3 + rng());
  const inCore = coreFloats(nrow * ncol);
  if (coreBuild() !== "threads") {
    assert.is(inCore, undefined, "the single-threaded build's memory is not shared: no core arrays");
    return;
  }
  inCore!.set(X);
  const params: XGBoostParams = { max_depth: 3, eta: 0.3, base_score: 0.5 };
  const copied = new DMatrix(X, { nrow, ncol, label: y, missing: -999 });
  const adopted = new DMatrix(inCore!, { nrow, ncol, label: y, missing: -999 });
  // the missing value became NaN in place, in the caller's array (the data is the array)
  assert.ok(Number.isNaN(inCore![X.indexOf(-999)]));
  const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  assert.ok(bytes(adopted.getData()).equals(bytes(copied.getData())), "the adopted data = the copied data (NaN for missing)");
  const a = train(params, adopted, { numBoostRound: 5 }), b = train(params, copied, { numBoostRound: 5 });
  assert.is(a.saveModel(), b.saveModel());
  const before = inCore!.slice();
  adopted.free();
  // grow the core's memory well past its size: shared memory never moves, the array still reads its values
  const big = new DMatrix(new Float32Array(8_000_000), { nrow: 1_000_000, ncol: 8 });
  big.free();
  assert.ok(bytes(inCore!.slice()).equals(bytes(before)), "the core array reads the same values after the DMatrix is freed and the memory grew");
  // a DMatrix made from it again predicts as the copy
  const again = new DMatrix(inCore!, { nrow, ncol });
  assert.equal(a.predict(again), b.predict(copied));
  for (const x of [again, copied]) x.free();
  a.free();
  b.free();
  assert.throws(() => coreFloats(-1), /coreFloats: n must be an integer >= 0/);
});

test("a matrix freed by a training callback stays alive under the fit (its quantised form is pinned): the same model", () => {
  const rng = mulberry32(5);
  const nrow = 4000, ncol = 4;
  const X = Float32Array.from({ length: nrow * ncol }, () => rng());
  const y = Float32Array.from({ length: nrow }, (_, i) => X[i * ncol] + rng());
  const params: XGBoostParams = { max_depth: 3, eta: 0.3, base_score: 0.5 };
  const reference = train(params, new DMatrix(X, { nrow, ncol, label: y }), { numBoostRound: 6 }).saveModel();
  for (const viewed of [false, true]) {
    const whole = new DMatrix(X, { nrow, ncol, label: y });
    const d = viewed ? whole.slice(Array.from({ length: nrow }, (_, i) => i)) : whole;
    if (viewed) whole.free();
    const bst = train(params, d, { numBoostRound: 6, callbacks: [{ afterIteration: ({ iteration }) => { if (iteration === 1) d.free(); } }] });
    assert.is(bst.saveModel(), reference, viewed ? "a view freed mid-fit" : "a matrix freed mid-fit");
    assert.throws(() => d.getLabel(), /used after free/);
    bst.free();
  }
});

test("a view freed while its fit is parked keeps its row indexes for the next round (the fit re-reads them): the same model", () => {
  const rng = mulberry32(7);
  const nrow = 3000, ncol = 4;
  const X = Float32Array.from({ length: nrow * ncol }, () => rng());
  const y = Float32Array.from({ length: nrow }, (_, i) => X[i * ncol + 1] * 2 + rng());
  const params: XGBoostParams = { max_depth: 4, eta: 0.3, base_score: 0.5, nthread: 1 };
  const rows = Array.from({ length: 2000 }, (_, i) => (i * 7) % nrow);
  const whole = new DMatrix(X, { nrow, ncol, label: y });
  const reference = train(params, whole.slice(rows), { numBoostRound: 5 }).saveModel();
  const view = whole.slice(rows);
  const fit = startTraining(params, view, { numBoostRound: 5 });
  fit.step();
  fit.park();
  view.free();
  // reuse whatever memory was freed: freed indexes read now would be these values
  const junkFloats = coreFloats(4096);
  if (junkFloats) junkFloats.fill(3e9);
  const junkView = new DMatrix(X.subarray(0, 40), { nrow: 10, ncol, label: y.subarray(0, 10) }).slice([9, 9, 9, 9]);
  while (fit.step()) fit.park();
  assert.is(fit.finish().saveModel(), reference, "the parked fit of a freed view");
  junkView.free();
  whole.free();
});

test.run();
