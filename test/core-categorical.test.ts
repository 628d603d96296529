/**
 * Categorical features by target statistics and the CatBoost-style preset (issue 3,
 * issue 10): ordered target statistics prevent the target leakage that naive (all-rows)
 * target encoding suffers — for one target and per class for multiclass — the encoding
 * round-trips through the model JSON, symmetric trees have one split per level, and bad
 * input is a clear Error. (XGBoost's categorical splits: core-categorical-splits.test.ts.)
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Booster, DMatrix, catboostParams, train } from "node-xgboost-wasm";

/** A deterministic generator (LCG) so every run sees the same data. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** Column 0: a categorical feature with 1500 categories that carry NO signal;
 * column 1: a numeric feature that does (y = 5 x1 + uniform noise). */
function leakageData(n: number, seed: number) {
  const rnd = lcg(seed);
  const X = new Float32Array(n * 2), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    X[2 * i] = Math.floor(rnd() * 1500);
    X[2 * i + 1] = rnd();
    y[i] = 5 * X[2 * i + 1] + (rnd() - 0.5) * 4;
  }
  return { X, y };
}

function holdoutRmse(encoding: "ordered" | "naive", symmetric: boolean): number {
  const { X, y } = leakageData(4000, 11);
  const tr = 3000;
  const dtr = new DMatrix(X.subarray(0, tr * 2), { nrow: tr, ncol: 2, label: y.subarray(0, tr), catFeatures: [0] });
  const dte = new DMatrix(X.subarray(tr * 2), { nrow: 1000, ncol: 2, label: y.subarray(tr), catFeatures: [0] });
  const params = symmetric
    ? { ...catboostParams({ depth: 4, learning_rate: 0.1, random_strength: 0, bootstrap_type: "No" }).params, cat_encoding: encoding }
    : { max_depth: 4, eta: 0.1, cat_encoding: encoding };
  const bst = train(params, dtr, { numBoostRound: 100, evals: [[dte, "test"]] });
  const rmse = bst.evalsResult.test.rmse.at(-1)!;
  bst.free(); dtr.free(); dte.free();
  return rmse;
}

test("ordered target statistics beat naive target encoding on a no-signal high-cardinality feature", () => {
  // the noise is uniform on [-2, 2): its standard deviation, 4/sqrt(12) = 1.155, is the best RMSE possible
  for (const symmetric of [false, true]) {
    const ordered = holdoutRmse("ordered", symmetric);
    const naive = holdoutRmse("naive", symmetric);
    assert.ok(ordered < naive * 0.95, `${symmetric ? "symmetric" : "depthwise"}: ordered ${ordered} should be clearly below naive ${naive}`);
    assert.ok(ordered < 1.155 * 1.06, `ordered TS should be near the noise floor 1.155, got ${ordered}`);
  }
});

test("a model with ordered target statistics round-trips through saveModel/loadModel with identical predictions", () => {
  const { X, y } = leakageData(600, 5);
  X[7] = NaN; // a missing category
  const d = new DMatrix(X, { nrow: 600, ncol: 2, label: y, catFeatures: [0] });
  const bst = train({ max_depth: 3, cat_encoding: "ordered" }, d, { numBoostRound: 20 });
  const json = bst.saveModel();
  const attrs = JSON.parse(json).learner.attributes;
  const table = JSON.parse(attrs.categorical_target_statistics);
  assert.type(table.prior, "number");
  assert.ok(Object.keys(table.features["0"]).length > 100, "the encoding table is stored per category");
  const back = Booster.loadModel(json);
  // unseen categories (2000+) use the prior and predict the same in both
  const Xnew = new Float32Array([2001, 0.5, 3, 0.2, NaN, 0.9, 17, 0.1]);
  const dn = new DMatrix(Xnew, { nrow: 4, ncol: 2 });
  assert.equal(Array.from(back.predict(d)), Array.from(bst.predict(d)));
  assert.equal(Array.from(back.predict(dn)), Array.from(bst.predict(dn)));
  // the prior is the mean label
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  assert.ok(Math.abs(table.prior - mean) < 1e-9);
});

/** Multiclass: column 0 has 1500 categories with NO signal, column 1 decides the class
 * (3 bands of x1) with 15% of labels flipped at random. */
function multiclassLeakageData(n: number, seed: number) {
  const rnd = lcg(seed);
  const X = new Float32Array(n * 2), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    X[2 * i] = Math.floor(rnd() * 1500);
    X[2 * i + 1] = rnd();
    y[i] = rnd() < 0.15 ? Math.floor(rnd() * 3) : Math.min(2, Math.floor(X[2 * i + 1] * 3));
  }
  return { X, y };
}

test("multiclass: per-class ordered target statistics (CatBoost's way) beat naive ones on a no-signal high-cardinality feature", () => {
  const { X, y } = multiclassLeakageData(4000, 13);
  const tr = 3000;
  const loss: Record<string, number> = {};
  for (const symmetric of [false, true]) {
    for (const encoding of ["ordered", "naive"] as const) {
      const dtr = new DMatrix(X.subarray(0, tr * 2), { nrow: tr, ncol: 2, label: y.subarray(0, tr), catFeatures: [0], featureNames: ["shop", "x"] });
      const dte = new DMatrix(X.subarray(tr * 2), { nrow: 1000, ncol: 2, label: y.subarray(tr), catFeatures: [0] });
      const base = { objective: "multi:softprob", num_class: 3, cat_encoding: encoding } as const;
      const params = symmetric
        ? { ...catboostParams({ depth: 4, learning_rate: 0.1, random_strength: 0, bootstrap_type: "No" }).params, ...base }
        : { max_depth: 4, eta: 0.1, ...base };
      const bst = train(params, dtr, { numBoostRound: 80, evals: [[dte, "test"]] });
      loss[`${symmetric ? "symmetric" : "depthwise"} ${encoding}`] = bst.evalsResult.test.mlogloss.at(-1)!;
      // one statistic per class: the column itself (class 0) and two appended columns
      assert.is(bst.numFeature, 4);
      assert.is(bst.numInputFeatures, 2);
      assert.equal(bst.featureNames, ["shop", "x", "shop:class1", "shop:class2"]);
      bst.free(); dtr.free(); dte.free();
    }
  }
  console.log(`    holdout mlogloss: ${Object.entries(loss).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ")}`);
  for (const policy of ["depthwise", "symmetric"]) {
    const ordered = loss[`${policy} ordered`], naive = loss[`${policy} naive`];
    assert.ok(ordered < naive * 0.9, `${policy}: ordered mlogloss ${ordered} should be clearly below naive ${naive}`);
  }
});

test("multiclass target statistics round-trip through saveModel/loadModel (per-class tables, unseen and missing categories)", () => {
  const { X, y } = multiclassLeakageData(900, 4);
  for (let i = 0; i < 900; i++) if (i % 3 === 0) X[2 * i] = X[2 * i] % 12; // some categories with many rows
  X[10] = NaN;
  const d = new DMatrix(X, { nrow: 900, ncol: 2, label: y, catFeatures: [0] });
  const bst = train({ objective: "multi:softprob", num_class: 3, max_depth: 3, cat_encoding: "ordered" }, d, { numBoostRound: 10 });
  const json = bst.saveModel();
  const doc = JSON.parse(json);
  const table = JSON.parse(doc.learner.attributes.categorical_target_statistics);
  assert.is(table.classes, 3);
  assert.is(table.prior.length, 3);
  assert.ok(Math.abs(table.prior.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-9, "class priors sum to 1");
  const some = Object.values(table.features["0"])[0] as number[];
  assert.is(some.length, 3);
  assert.is(doc.learner.learner_model_param.num_feature, "4");
  const back = Booster.loadModel(json);
  const dn = new DMatrix(new Float32Array([5000, 0.5, NaN, 0.1, 3, 0.9]), { nrow: 3, ncol: 2 });
  assert.equal(Array.from(back.predict(d)), Array.from(bst.predict(d)));
  assert.equal(Array.from(back.predict(dn)), Array.from(bst.predict(dn)));
  assert.is(back.saveModel(), json);
  assert.throws(() => back.predict(new DMatrix(new Float32Array(8), { nrow: 2, ncol: 4 })), /the data has 4 features but the model was trained with 2/);
  bst.free(); back.free(); d.free(); dn.free();
});

test("symmetric trees have one (feature, threshold) per level", () => {
  const rnd = lcg(3);
  const n = 1500, X = new Float32Array(n * 6), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 6; j++) X[i * 6 + j] = rnd() < 0.05 ? NaN : rnd();
    y[i] = 3 * (X[i * 6] || 0) + Math.sin(6 * (X[i * 6 + 1] || 0)) + rnd();
  }
  const cb = catboostParams({ depth: 5, learning_rate: 0.2, iterations: 15 });
  const bst = train(cb.params, new DMatrix(X, { nrow: n, ncol: 6, label: y }), { numBoostRound: cb.numBoostRound });
  const trees = JSON.parse(bst.saveModel()).learner.gradient_booster.model.trees;
  assert.is(trees.length, 15);
  const key = (t: any, id: number) => `${t.split_indices[id]}|${t.split_conditions[id]}|${t.default_left[id]}`;
  let emptyStops = 0;
  for (const t of trees) {
    let level = [0];
    let depth = 0;
    while (level.some((id) => t.left_children[id] !== -1)) {
      const splits = level.filter((id) => t.left_children[id] !== -1);
      const keys = new Set(splits.map((id) => key(t, id)));
      assert.is(keys.size, 1, `tree ${t.id} level ${depth} has ${keys.size} different splits`);
      // a node no training row reaches stops early, as a leaf of weight 0 (a complete
      // subtree below it would hold only more such leaves, and split nodes of zero cover)
      for (const id of level.filter((id) => t.left_children[id] === -1)) {
        assert.is(t.sum_hessian[id], 0, `tree ${t.id}: leaf ${id} above the last level has rows`);
        assert.is(t.split_conditions[id], 0, `tree ${t.id}: empty leaf ${id} has a weight`);
        emptyStops++;
      }
      level = splits.flatMap((id: number) => [t.left_children[id], t.right_children[id]]);
      depth++;
    }
    for (const id of level) assert.is(t.left_children[id], -1);
    assert.ok(depth <= 5, `tree ${t.id} is deeper (${depth}) than depth 5`);
  }
  assert.ok(emptyStops > 0, "this data was expected to leave some nodes empty");
});

test("catboostParams maps CatBoost names and defaults", () => {
  const d = catboostParams();
  assert.equal(d.params.max_depth, 6);
  assert.equal(d.params.lambda, 3);
  assert.equal(d.params.max_bin, 254);
  assert.equal(d.params.random_strength, 1);
  assert.equal(d.params.bagging_temperature, 1);
  assert.equal(d.params.bootstrap_type, "bayesian");
  assert.equal(d.params.grow_policy, "symmetric");
  assert.equal(d.numBoostRound, 1000);
  const c = catboostParams({ depth: 3, learning_rate: 0.1, l2_leaf_reg: 5, border_count: 32, iterations: 50, loss_function: "Logloss" });
  assert.equal([c.params.max_depth, c.params.eta, c.params.lambda, c.params.max_bin, c.numBoostRound, c.params.objective], [3, 0.1, 5, 32, 50, "binary:logistic"]);
});

test("bad categorical and CatBoost input: clear errors", () => {
  const X = new Float32Array([1, 0.5, 2, 0.1, 1.5, 0.2]);
  assert.throws(() => new DMatrix(X, { nrow: 3, ncol: 2, catFeatures: [2] }), /cat_features index 2 is out of range \[0, 2\)/);
  assert.throws(() => new DMatrix(X, { nrow: 3, ncol: 2, featureNames: ["a", "b"], catFeatures: ["colour"] }), /cat_features names "colour"/);
  assert.throws(() => new DMatrix(X, { nrow: 3, ncol: 2, catFeatures: [0] }), /categorical feature 0 has value 1.5 at row 2/);
  assert.throws(() => catboostParams({ bagging_temperature: -1 }), /bagging_temperature must be >= 0/);
  assert.throws(() => catboostParams({ depth: 17 }), /depth must be an integer between 1 and 16/);
  const d = new DMatrix(new Float32Array([1, 2, 3, 4]), { nrow: 4, ncol: 1, label: [1, 2, 3, 4] });
  assert.throws(() => train({ grow_policy: "symmetric", max_depth: 17 }, d), /max_depth must be between 1 and 16 for symmetric trees/);
  assert.throws(() => train({ bagging_temperature: -0.5 }, d), /bagging_temperature must be >= 0/);
});

test("target statistics: an eval set's query groups are kept in its encoded copy — map and ndcg@5 on a grouped set are the mean of its queries' (they were the whole set's, one query)", () => {
  const { X, y } = leakageData(600, 7);
  const label = y.map((v) => (v > 2.5 ? 1 : 0));
  const d = new DMatrix(X, { nrow: 600, ncol: 2, label, catFeatures: [0] });
  const grouped = new DMatrix(X, { nrow: 600, ncol: 2, label, group: [200, 200, 200], catFeatures: [0] });
  // each query alone: an eval set without groups is one query of all its rows, as native
  const parts = [0, 1, 2].map((k) => new DMatrix(X.subarray(400 * k, 400 * (k + 1)), { nrow: 200, ncol: 2, label: label.subarray(200 * k, 200 * (k + 1)), catFeatures: [0] }));
  const metrics = ["map", "ndcg@5"] as const;
  const bst = train({ objective: "binary:logistic", max_depth: 3, cat_encoding: "ordered", eval_metric: [...metrics] }, d,
    { numBoostRound: 3, evals: [[grouped, "g"], ...parts.map((p, k): [DMatrix, string] => [p, `q${k}`])] });
  for (const m of metrics) {
    bst.evalsResult.g[m].forEach((v, r) => {
      const mean = [0, 1, 2].reduce((s, k) => s + bst.evalsResult[`q${k}`][m][r], 0) / 3;
      assert.ok(Math.abs(v - mean) <= 1e-12, `${m} round ${r}: grouped ${v}, mean of the queries ${mean}`);
    });
  }
  bst.free(); d.free(); grouped.free(); parts.forEach((p) => p.free());
});

test.run();
