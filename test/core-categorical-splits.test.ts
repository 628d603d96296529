/**
 * XGBoost's native categorical splits (issue 10, the xgboost member's core), against
 * native XGBoost 1.7.4 with enable_categorical:
 *   - the same data and parameters grow the same trees: split features, one-hot versus
 *     partition, the category sets, the side missing values take — for partition and
 *     one-hot splits, max_cat_threshold, NaNs, lossguide and a 300-level column;
 *   - our categorical models load in native XGBoost and predict the same, and native
 *     categorical models load here and predict the same (max relative difference 1e-5),
 *     for regression, binary and multiclass, depthwise and lossguide, on training rows,
 *     rows with NaNs and with codes never seen in training;
 *   - accuracy: where a category's effect is not monotonic in its code, our RMSE is
 *     within 1% of native's, and both beat the codes used as numbers;
 *   - which learner uses which encoding, and bad input as clear Errors.
 * Skips the native comparisons (with what to install) when /usr/bin/python3 cannot
 * import xgboost.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import { Booster, DMatrix, catboostParams, train } from "node-xgboost-wasm";
import { hasXgboost, maxRelDiff, RefJob } from "../tools/reference/xgb-ref";
import { asUserPasses, binaryLabels, categoricalData, classLabels, mean, rmse, treesOf, treeStructure as structure, type Data, type Json } from "./helpers/core-data";

const RTOL = 1e-5;
const XGB = hasXgboost();
const t = XGB ? test : test.skip;


function dmatrix(d: Data & { featureTypes: string[] }, label = d.y): DMatrix {
  return new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label, featureTypes: d.featureTypes });
}

/** New rows: codes seen in training, codes never seen (above the largest), missing. */
function probeRows(d: Data & { featureTypes: string[] }, m: number): Float32Array {
  const X = new Float32Array(m * d.ncol);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < d.ncol; j++) {
      const src = d.X[((i * 7) % d.nrow) * d.ncol + j];
      X[i * d.ncol + j] = d.featureTypes[j] !== "c" ? src : i % 5 === 0 ? 1000 + i : i % 5 === 1 ? NaN : src;
    }
  }
  return X;
}

t("the same data and parameters grow the same trees as native XGBoost (one-hot, partition, max_cat_threshold, NaN, lossguide, 300 levels)", () => {
  const cases: { name: string; levels: number[]; nan: number; params: Record<string, unknown> }[] = [
    { name: "partition", levels: [40, 3], nan: 0, params: { max_depth: 3 } },
    { name: "partition with NaN", levels: [40, 3], nan: 0.1, params: { max_depth: 3 } },
    { name: "max_cat_threshold 3", levels: [40, 3], nan: 0.1, params: { max_depth: 3, max_cat_threshold: 3 } },
    { name: "one-hot (max_cat_to_onehot 64)", levels: [40, 3], nan: 0.1, params: { max_depth: 3, max_cat_to_onehot: 64 } },
    { name: "lossguide", levels: [40, 3], nan: 0.1, params: { grow_policy: "lossguide", max_depth: 0, max_leaves: 9 } },
    { name: "300 levels (two byte columns)", levels: [300, 6], nan: 0.05, params: { max_depth: 3, min_child_weight: 5 } },
  ];
  const ref = new RefJob();
  const ours: { name: string; json: string; pred: Float32Array }[] = [];
  cases.forEach((c, i) => {
    const d = categoricalData(4000, c.levels, 1, 100 + i, c.nan);
    const params = { ...c.params, eta: 0.3, base_score: mean(d.y) };
    const dm = dmatrix(d);
    const bst = train(params, dm, { numBoostRound: 4 });
    ours.push({ name: c.name, json: bst.saveModel(), pred: bst.predict(dm) });
    bst.free(); dm.free();
    ref.dataset(`d${i}`, d.X, d.nrow, d.ncol, d.y, undefined, undefined, d.featureTypes);
    ref.task({ op: "train", params, num_round: 4, dtrain: `d${i}`, save_model: ref.file(`native${i}.json`), predict: [{ data: `d${i}` }] });
  });
  const results = ref.run();
  let categoricalNodes = 0, oneHot = 0;
  ours.forEach((o, i) => {
    const mine = treesOf(o.json), native = treesOf(fs.readFileSync(ref.file(`native${i}.json`), "utf8"));
    assert.is(mine.length, native.length, `${o.name}: number of trees`);
    mine.forEach((tree, k) => {
      assert.is(structure(tree), structure(native[k]), `${o.name}: tree ${k} differs from native's`);
      categoricalNodes += tree.categories_nodes.length;
      oneHot += tree.categories_sizes.filter((s: number) => s === 1).length;
    });
    const diff = maxRelDiff(o.pred, results[i].predict![0].values!);
    assert.ok(diff.rel <= RTOL, `${o.name}: predictions differ from native-trained ones by ${diff.rel}`);
  });
  assert.ok(categoricalNodes > 50 && oneHot > 10, `the cases exercise categorical splits (${categoricalNodes} nodes, ${oneHot} single-category)`);
  ref.cleanup();
});

const OBJECTIVES: { name: string; params: Record<string, unknown>; label: (y: Float32Array) => Float32Array }[] = [
  { name: "reg:squarederror", params: { objective: "reg:squarederror" }, label: (y) => y },
  { name: "binary:logistic", params: { objective: "binary:logistic" }, label: binaryLabels },
  { name: "multi:softprob", params: { objective: "multi:softprob", num_class: 3 }, label: (y) => classLabels(y, 3) },
];
const POLICIES: { name: string; params: Record<string, unknown> }[] = [
  { name: "depthwise", params: { max_depth: 5 } },
  { name: "lossguide", params: { grow_policy: "lossguide", max_depth: 0, max_leaves: 24 } },
];

t("our categorical models load in native XGBoost and predict the same; native categorical models load here and predict the same", () => {
  // columns: 12 levels (partition), 3 levels (one-hot by default), 280 levels (two byte columns), 2 numeric
  const d = categoricalData(3000, [12, 3, 280], 2, 7, 0.08);
  const probe = probeRows(d, 400);
  const ref = new RefJob();
  ref.dataset("train", d.X, d.nrow, d.ncol, undefined, undefined, undefined, d.featureTypes);
  ref.dataset("probe", probe, 400, d.ncol, undefined, undefined, undefined, d.featureTypes);
  ref.dataset("probe-untyped", probe, 400, d.ncol); // native needs no feature_types to predict
  const cases: { name: string; params: Record<string, unknown>; label: Float32Array; json?: string; preds?: Float32Array[]; nativeModel?: string }[] = [];
  for (const o of OBJECTIVES) {
    for (const p of POLICIES) {
      const label = o.label(d.y);
      const params = { ...o.params, ...p.params, eta: 0.3 };
      const c = { name: `${o.name} ${p.name}`, params, label };
      const dm = dmatrix(d, label), dp = new DMatrix(probe, { nrow: 400, ncol: d.ncol });
      const bst = train(params, dm, { numBoostRound: 8 });
      const json = bst.saveModel();
      const preds = [bst.predict(dm), bst.predict(dm, { outputMargin: true }), bst.predict(dp), bst.predict(dp, { outputMargin: true })];
      cases.push({ ...c, json, preds });
      bst.free(); dm.free(); dp.free();
      // native loads ours
      ref.task({ op: "load", model: ref.model(json), predict: [
        { data: "train" }, { data: "train", output_margin: true }, { data: "probe" }, { data: "probe-untyped", output_margin: true },
      ] });
      // native trains its own on the same data
      const ds = `train-${cases.length}`;
      ref.dataset(ds, d.X, d.nrow, d.ncol, label, undefined, undefined, d.featureTypes);
      const nativeModel = ref.file(`native-${cases.length}.json`);
      cases[cases.length - 1].nativeModel = nativeModel;
      ref.task({ op: "train", params, num_round: 8, dtrain: ds, save_model: nativeModel, predict: [
        { data: "train" }, { data: "train", output_margin: true }, { data: "probe" }, { data: "probe", output_margin: true },
      ] });
    }
  }
  const results = ref.run();
  let worst = 0, compared = 0;
  cases.forEach((c, i) => {
    const loaded = results[2 * i], trained = results[2 * i + 1];
    const what = ["train prediction", "train margin", "probe prediction", "probe margin (native DMatrix without feature_types)"];
    c.preds!.forEach((ours, k) => {
      const diff = maxRelDiff(ours, loaded.predict![k].values!, k % 2 ? 1 : 1e-2);
      worst = Math.max(worst, diff.rel); compared += ours.length;
      assert.ok(diff.rel <= RTOL, `${c.name}: ours → native, ${what[k]}: relative difference ${diff.rel} at ${diff.index} (${diff.a} vs ${diff.b})`);
    });
    // native → ours
    const json = fs.readFileSync(c.nativeModel!, "utf8");
    assert.ok(/\bNaN\b/.test(json), `${c.name}: native marks categorical split conditions NaN (the reader must accept it)`);
    assert.ok(treesOf(json).some((tr) => tr.categories_nodes.length > 0), `${c.name}: native model has categorical splits`);
    const bst = Booster.loadModel(json);
    assert.ok(bst.featureTypes?.includes("c"), `${c.name}: feature_types read from the native model`);
    const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol }), dp = new DMatrix(probe, { nrow: 400, ncol: d.ncol });
    const ours = [bst.predict(dm), bst.predict(dm, { outputMargin: true }), bst.predict(dp), bst.predict(dp, { outputMargin: true })];
    ours.forEach((p, k) => {
      const diff = maxRelDiff(p, trained.predict![k].values!, k % 2 ? 1 : 1e-2);
      worst = Math.max(worst, diff.rel); compared += p.length;
      assert.ok(diff.rel <= RTOL, `${c.name}: native → ours, ${what[k].replace(/ \(.*/, "")}: relative difference ${diff.rel} at ${diff.index} (${diff.a} vs ${diff.b})`);
    });
    // and our JSON of the native model is native's model again
    const again = Booster.loadModel(bst.saveModel());
    assert.equal(Array.from(again.predict(dp)), Array.from(ours[2]), `${c.name}: native model → saveModel → loadModel changes predictions`);
    bst.free(); again.free(); dm.free(); dp.free();
  });
  console.log(`    ${compared} categorical predictions compared both ways; largest relative difference ${worst.toExponential(2)}`);
  ref.cleanup();
});

t("accuracy: non-monotonic category effects (2 columns of 30 and of 300 levels) — within 1% of native enable_categorical, both better than codes as numbers", () => {
  const ref = new RefJob();
  const rows: { levels: number; ours: number; ordinal: number; split: { tr: Data; te: Data } }[] = [];
  const params = { max_depth: 6, eta: 0.1 };
  const rounds = 100;
  for (const levels of [30, 300]) {
    // two categorical columns with random level effects, two numeric ones, noise sd 0.29
    const d = categoricalData(12000, [levels, levels], 2, levels, 0.02, 0.5);
    const ntr = 9000;
    const tr = { ...d, X: d.X.subarray(0, ntr * d.ncol), y: d.y.subarray(0, ntr), nrow: ntr };
    const te = { ...d, X: d.X.subarray(ntr * d.ncol), y: d.y.subarray(ntr), nrow: d.nrow - ntr };
    const base = mean(tr.y);
    const fit = (typed: boolean) => {
      const dtr = new DMatrix(tr.X, { nrow: tr.nrow, ncol: d.ncol, label: tr.y, ...(typed ? { featureTypes: d.featureTypes } : {}) });
      const dte = new DMatrix(te.X, { nrow: te.nrow, ncol: d.ncol });
      const bst = train({ ...params, base_score: base }, dtr, { numBoostRound: rounds });
      const r = rmse(te.y, bst.predict(dte));
      bst.free(); dtr.free(); dte.free();
      return r;
    };
    rows.push({ levels, ours: fit(true), ordinal: fit(false), split: { tr, te } });
    ref.dataset(`tr${levels}`, tr.X, tr.nrow, d.ncol, tr.y, undefined, undefined, d.featureTypes);
    ref.dataset(`te${levels}`, te.X, te.nrow, d.ncol, te.y, undefined, undefined, d.featureTypes);
    ref.dataset(`tr${levels}-ordinal`, tr.X, tr.nrow, d.ncol, tr.y);
    ref.dataset(`te${levels}-ordinal`, te.X, te.nrow, d.ncol, te.y);
    ref.task({ op: "train", params: { ...params, base_score: base }, num_round: rounds, dtrain: `tr${levels}`, predict: [{ data: `te${levels}` }] });
    ref.task({ op: "train", params: { ...params, base_score: base }, num_round: rounds, dtrain: `tr${levels}-ordinal`, predict: [{ data: `te${levels}-ordinal` }] });
  }
  const results = ref.run();
  rows.forEach((r, i) => {
    const native = results[2 * i].predict![0].rmse!, nativeOrdinal = results[2 * i + 1].predict![0].rmse!;
    console.log(`    ${r.levels} levels, holdout RMSE: ours categorical ${r.ours.toFixed(4)}, native enable_categorical ${native.toFixed(4)} (ours/native ${(r.ours / native).toFixed(4)}); codes as numbers: ours ${r.ordinal.toFixed(4)}, native ${nativeOrdinal.toFixed(4)}`);
    assert.ok(Math.abs(r.ours - native) <= 0.01 * native, `${r.levels} levels: ours ${r.ours} is not within 1% of native ${native}`);
    for (const [who, cat] of [["ours", r.ours], ["native", native]] as const) {
      for (const ord of [r.ordinal, nativeOrdinal]) assert.ok(cat < ord, `${r.levels} levels: ${who} categorical ${cat} does not beat ordinal codes ${ord}`);
    }
  });
  ref.cleanup();
});

test("which encoding: depthwise/lossguide default to XGBoost's categorical splits, symmetric trees to ordered target statistics", () => {
  const d = categoricalData(800, [10], 1, 3);
  const dm = dmatrix(d);
  for (const grow_policy of ["depthwise", "lossguide"] as const) {
    const json = train({ grow_policy, max_depth: 4, max_leaves: grow_policy === "lossguide" ? 8 : 0 }, dm, { numBoostRound: 3 }).saveModel();
    const doc = JSON.parse(json);
    assert.ok(treesOf(json).some((tr) => tr.split_type.includes(1)), `${grow_policy}: categorical splits by default`);
    assert.equal(doc.learner.feature_types, ["c", "q"], `${grow_policy}: feature_types marks the categorical column`);
    assert.is(doc.learner.attributes.categorical_target_statistics, undefined);
  }
  const cb = catboostParams({ depth: 3, iterations: 3 });
  const sym = JSON.parse(train(cb.params, dm, { numBoostRound: 3 }).saveModel());
  assert.type(sym.learner.attributes.categorical_target_statistics, "string", "symmetric: ordered target statistics by default");
  const ordered = JSON.parse(train({ max_depth: 3, cat_encoding: "ordered" }, dm, { numBoostRound: 3 }).saveModel());
  assert.type(ordered.learner.attributes.categorical_target_statistics, "string", "depthwise with cat_encoding ordered");
  assert.ok(ordered.learner.gradient_booster.model.trees.every((tr: Json) => !tr.split_type.includes(1)));
  // catFeatures and featureTypes declare the same thing
  const byIndex = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y, catFeatures: [0], enableCategorical: true });
  const a = train({ max_depth: 3, enable_categorical: true }, byIndex, { numBoostRound: 3 }).saveModel();
  assert.is(a, train({ max_depth: 3 }, dm, { numBoostRound: 3 }).saveModel());
  byIndex.free(); dm.free();
});

test("categorical bad input: clear errors naming what is wrong", () => {
  const X = new Float32Array([0, 1, 1, 2, 70000, 3, 2, 4]);
  assert.throws(() => new DMatrix(X, { nrow: 4, ncol: 2, catFeatures: [0], featureNames: ["airport", "x"] }),
    /categorical feature 0 \("airport"\) has value 70000 at row 2; category codes above 65535 \(more than 65,536 categories/);
  assert.throws(() => new DMatrix(new Float32Array([0, 1, -1, 2]), { nrow: 2, ncol: 2, featureTypes: ["c", "q"] }), /categorical feature 0 has value -1 at row 1/);
  assert.throws(() => new DMatrix(new Float32Array([0, 1, 2.5, 2]), { nrow: 2, ncol: 2, featureTypes: ["c", "q"] }), /categorical feature 0 has value 2.5 at row 1/);
  assert.ok(new DMatrix(new Float32Array([65535, 1, NaN, 2]), { nrow: 2, ncol: 2, featureTypes: ["c", "q"] }), "65535 and NaN are valid");
  const ok = new Float32Array([0, 1, 1, 2]);
  assert.throws(() => new DMatrix(ok, { nrow: 2, ncol: 2, featureTypes: ["c", "text"] }), /featureTypes\[1\] is "text"; valid types: q, c, int, float, i/);
  assert.throws(() => new DMatrix(ok, { nrow: 2, ncol: 2, featureTypes: ["c"] }), /featureTypes must be one type per column \(2\), got 1 types/);
  assert.throws(() => new DMatrix(ok, { nrow: 2, ncol: 2, featureTypes: ["c", "q"], catFeatures: [1] }), /catFeatures \(columns 1\) and featureTypes \(categorical columns 0\) disagree/);
  assert.throws(() => new DMatrix(ok, { nrow: 2, ncol: 2, featureTypes: ["c", "q"], enableCategorical: false }), /enableCategorical is false but columns 0 are declared categorical/);
  const d = new DMatrix(ok, { nrow: 2, ncol: 2, label: [1, 2], featureTypes: ["c", "q"] });
  assert.throws(() => train(asUserPasses({ cat_encoding: "onehot" }), d), /cat_encoding must be one of partition, ordered, naive, got "onehot"/);
  assert.throws(() => train({ grow_policy: "symmetric", max_depth: 3, cat_encoding: "partition" }, d), /cat_encoding "partition" .* is not implemented for grow_policy "symmetric"/);
  assert.throws(() => train({ max_cat_to_onehot: 0 }, d), /max_cat_to_onehot must be >= 1/);
  assert.throws(() => train({ max_cat_threshold: 2.5 }, d), /max_cat_threshold must be an integer/);
  assert.throws(() => train(asUserPasses({ enable_categorical: "yes" }), d), /enable_categorical must be true or false/);
  assert.throws(() => train({ enable_categorical: false }, d), /enable_categorical is false but dtrain declares categorical columns 0/);
  d.free();
});

test("malformed categorical fields in a model JSON: clear errors, never a trap", () => {
  const d = categoricalData(600, [20], 1, 5);
  const dm = dmatrix(d);
  const good = JSON.parse(train({ max_depth: 3 }, dm, { numBoostRound: 2 }).saveModel());
  dm.free();
  const tree0 = good.learner.gradient_booster.model.trees[0];
  assert.ok(tree0.categories_nodes.length > 0);
  const node = tree0.categories_nodes[0];
  const bad = (edit: (t: Json) => void) => {
    const doc = JSON.parse(JSON.stringify(good));
    edit(doc.learner.gradient_booster.model.trees[0]);
    return JSON.stringify(doc);
  };
  const cases: [(t: Json) => void, RegExp][] = [
    [(t) => { t.categories_segments[0] = 10_000; }, /categorical node \d+ has segment \[10000, .*\) outside categories/],
    [(t) => { t.categories_sizes[0] = 0; }, /has segment .* outside categories/],
    [(t) => { t.categories[0] = 70_000; }, /has category 70000; codes must be 0..65535/],
    [(t) => { t.categories[0] = -3; }, /has category -3/],
    [(t) => { t.categories_nodes[0] = t.left_children.indexOf(-1); }, /is in categories_nodes but is not a categorical split/],
    [(t) => { t.categories_nodes.reverse(); t.categories_nodes.push(node); }, /categories_nodes|categories_segments/],
    [(t) => { t.split_type[node] = 2; }, /split_type\[\d+\] is 2; expected 0 \(numeric\) or 1 \(categorical\)/],
    [(t) => { t.split_type = t.split_type.slice(1); }, /split_type has \d+ entries, expected \d+/],
    [(t) => { t.categories_nodes = t.categories_nodes.slice(1); t.categories_segments = t.categories_segments.slice(1); t.categories_sizes = t.categories_sizes.slice(1); },
      /node \d+ has split_type 1 but no entry in categories_nodes/],
  ];
  for (const [edit, re] of cases) assert.throws(() => Booster.loadModel(bad(edit)), re);
  // a bare NaN where a numeric split or leaf needs a number is still an error
  const nanLeaf = bad((t) => { t.split_conditions[t.left_children.indexOf(-1)] = "@NaN@"; }).replace('"@NaN@"', "NaN");
  assert.throws(() => Booster.loadModel(nanLeaf), /split_conditions\[\d+\] is NaN/);
  // feature_types
  const ft = JSON.parse(JSON.stringify(good));
  ft.learner.feature_types = ["c", "x"];
  assert.throws(() => Booster.loadModel(JSON.stringify(ft)), /feature_types\[1\] is "x"/);
});

test.run();
