import { test } from "uvu";
import * as assert from "uvu/assert";
import { accuracy, auc, formatMetric, logloss, mae, positiveClass, r2, rmse } from "ensemble-workbook";
import { hasSklearn, python } from "./lib-sklearn";

const close = (a: number, b: number, tol = 1e-9, what = "") =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what} ${a} ≠ ${b}`);

// pseudo-random arrays (deterministic) for the sklearn comparisons
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

test("regression metrics: hand values", () => {
  const y = [3, -0.5, 2, 7];
  const p = [2.5, 0.0, 2, 8];
  close(rmse(y, p), Math.sqrt((0.25 + 0.25 + 0 + 1) / 4));
  close(mae(y, p), 0.5);
  close(r2(y, p), 0.9486081370449679); // scikit-learn documentation example
  close(r2([1, 1], [1, 1]), 1);
  close(r2([1, 1], [1, 2]), 0);
});

test("classification metrics: hand values", () => {
  // AUC: positives score 0.35, 0.8; negatives 0.1, 0.4 → pairs won 3 of 4
  close(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  // ties count one half: one tied pair out of one
  close(auc([0, 1], [0.5, 0.5]), 0.5);
  close(logloss([1, 0], [0.8, 0.3]), -(Math.log(0.8) + Math.log(0.7)) / 2);
  close(logloss([0, 2], [0.7, 0.2, 0.1, 0.1, 0.1, 0.8]), -(Math.log(0.7) + Math.log(0.8)) / 2);
  close(accuracy([1, 0, 1, 1], [0.9, 0.2, 0.4, 0.6]), 0.75);
  close(accuracy([1, 0, 1, 1], [0.9, 0.2, 0.4, 0.5]), 0.5); // 0.5 is class 0, as XGBoost decides (the test below)
  close(accuracy([0, 2, 1], [0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.3, 0.4, 0.3]), 1);
  close(accuracy([0, 2, 1], [0, 2, 2]), 2 / 3);
});

test("metrics agree with scikit-learn", () => {
  if (!hasSklearn()) return;
  const r = lcg(7);
  const n = 200;
  const y = Array.from({ length: n }, () => 100 * r());
  const p = y.map((v) => v + 20 * (r() - 0.5));
  const yb = Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0));
  // scores with ties (rounded) to exercise average ranks
  const pb = yb.map((v) => Math.round((0.3 * v + 0.7 * r()) * 20) / 20);
  const prob = pb.map((v) => Math.min(0.97, Math.max(0.03, v)));
  const ym = Array.from({ length: n }, () => Math.floor(3 * r()));
  const pm: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = [r() + 0.1, r() + 0.1, r() + 0.1];
    a[ym[i]] += 0.5;
    const s = a[0] + a[1] + a[2];
    pm.push(...a.map((v) => v / s));
  }
  const ref = python(
    `from sklearn import metrics as M
y, p, yb, pb, prob, ym = [np.array(data[k]) for k in ("y","p","yb","pb","prob","ym")]
pm = np.array(data["pm"]).reshape(-1, 3)
print(json.dumps({
 "rmse": float(np.sqrt(M.mean_squared_error(y, p))), "mae": float(M.mean_absolute_error(y, p)), "r2": float(M.r2_score(y, p)),
 "auc": float(M.roc_auc_score(yb, pb)), "logloss": float(M.log_loss(yb, prob)), "accuracy": float(M.accuracy_score(yb, prob > 0.5)),
 "logloss_multi": float(M.log_loss(ym, pm, labels=[0,1,2])), "accuracy_multi": float(M.accuracy_score(ym, pm.argmax(axis=1)))}))`,
    { y, p, yb, pb, prob, ym, pm },
  );
  close(rmse(y, p), ref.rmse, 1e-12, "rmse");
  close(mae(y, p), ref.mae, 1e-12, "mae");
  close(r2(y, p), ref.r2, 1e-12, "r2");
  close(auc(yb, pb), ref.auc, 1e-12, "auc");
  close(logloss(yb, prob), ref.logloss, 1e-12, "logloss");
  close(accuracy(yb, prob), ref.accuracy, 1e-12, "accuracy");
  close(logloss(ym, pm), ref.logloss_multi, 1e-12, "multiclass logloss");
  close(accuracy(ym, pm), ref.accuracy_multi, 1e-12, "multiclass accuracy");
});

test("scikit-learn's edge cases: hard 0/1 probabilities (log_loss clips at float64's epsilon), class labels in accuracy", () => {
  if (!hasSklearn()) return;
  const ref = python(
    `from sklearn import metrics as M
print(json.dumps({"hard": float(M.log_loss([0, 1, 1], [0.0, 1.0, 0.0])), "hard_multi": float(M.log_loss([0, 2], [[1, 0, 0], [0, 1, 0]], labels=[0, 1, 2])),
 "classes": float(M.accuracy_score([0, 1, 1, 0], [2, 1, 2, 0])), "classes_multi": float(M.accuracy_score([0, 2, 1, 3], [0, 2, 2, 3]))}))`,
    {},
  );
  close(logloss([0, 1, 1], [0, 1, 0]), ref.hard, 1e-12, "hard binary logloss"); // 12.015 (it was 11.513 with 1e-15)
  close(logloss([0, 2], [1, 0, 0, 0, 1, 0]), ref.hard_multi, 1e-12, "hard multiclass logloss");
  close(accuracy([0, 1, 1, 0], [2, 1, 2, 0]), ref.classes, 1e-12, "class labels under 0/1 labels"); // 0.5 (it was 0.75)
  close(accuracy([0, 2, 1, 3], [0, 2, 2, 3]), ref.classes_multi, 1e-12, "multiclass labels");
});

test("metrics refuse what scikit-learn refuses: NaN or infinite values, labels that are not the classes, no predictions", () => {
  assert.throws(() => auc([1, 0, 1, 0], [NaN, 0.1, 0.9, 0.5]), /auc: prediction 0 is NaN \(labels and predictions must be finite numbers\)/); // was 0.5
  assert.throws(() => rmse([1, NaN], [1, 2]), /rmse: label 1 is NaN/);
  assert.throws(() => mae([1, 2], [1, Infinity]), /mae: prediction 1 is Infinity/);
  assert.throws(() => logloss([0, 1], [NaN, 0.5]), /logloss: prediction 0 is NaN/);
  assert.throws(() => accuracy([0, 0, 1], []), /accuracy: 3 labels but 0 predictions/); // was 0.667
  assert.throws(() => logloss([0, 1, 1], []), /logloss: 3 labels but 0 predictions/);
  assert.throws(() => logloss([1, 2, 2, 1], [0.2, 0.8, 0.7, 0.4]), /logloss: binary labels 0\/1 expected \(one probability per row\), row 1 holds 2$/); // was 0.218
  assert.throws(() => logloss([2, 0], [2, 0]), /binary labels 0\/1 expected/); // was −17.3
  assert.throws(() => accuracy([1, 2, 2, 1], [0.2, 0.8, 0.7, 0.4]), /accuracy: the predictions are probabilities \(not whole numbers\), so the labels must be 0\/1, but row 1 holds 2/);
});

test("r2 of one value is NaN, as scikit-learn's r2_score gives it (it was 0, or 1 for an exact prediction)", () => {
  if (!hasSklearn()) return;
  const cases = [[[5], [3]], [[5], [5]], [[5, 7], [3, 7]], [[2, 2], [2, 3]]];
  const ref: (number | null)[] = python(
    `import warnings; warnings.simplefilter("ignore")
from sklearn.metrics import r2_score
print(json.dumps([None if np.isnan(v) else v for v in (float(r2_score(y, p)) for y, p in data)]))`,
    cases,
  );
  cases.forEach(([y, p], i) => {
    if (ref[i] === null) assert.ok(Number.isNaN(r2(y, p)), `r2(${y}, ${p}) = ${r2(y, p)}: scikit-learn's nan`);
    else close(r2(y, p), ref[i]!, 1e-12, `r2(${y}, ${p})`);
  });
});

test("a binary probability of exactly 0.5 is class 0, as XGBoost decides it: accuracy is 1 − native's error metric, the ensemble's class XGBClassifier.predict's", () => {
  const y = [0, 0, 0, 1, 1, 0];
  const p = [0.5, 0.5, 0.2, 0.5, 0.9, 0.7];
  if (!hasSklearn()) return;
  // native XGBoost's error metric and XGBClassifier.predict on these very probabilities (a model of no trees whose
  // base_margin gives each row its probability)
  const ref = python(
    `import xgboost as xgb
y = np.array(data["y"], dtype=np.float32); p = np.array(data["p"], dtype=np.float64)
X = np.zeros((len(y), 1), dtype=np.float32)
margin = np.log(p / (1 - p))
d = xgb.DMatrix(X, label=y, base_margin=margin)
bst = xgb.train({"objective": "binary:logistic", "eval_metric": "error", "base_score": 0.5}, d, num_boost_round=0)
err = float(bst.eval(d).split(":")[1])
clf = xgb.XGBClassifier(n_estimators=1, max_depth=1, learning_rate=1e-9, base_score=0.5)
clf.fit(X, y.astype(int), base_margin=margin)
print(json.dumps({"error": err, "classes": [int(c) for c in clf.predict(X, base_margin=margin)], "p": [float(v) for v in bst.predict(d)]}))`,
    { y, p },
  );
  ref.p.forEach((v: number, i: number) => close(v, p[i], 1e-6, `native's probability of row ${i}`));
  close(accuracy(y, p), 1 - ref.error, 1e-6, "accuracy against 1 − error");
  assert.equal(Array.from(p, (v) => (positiveClass(v) ? 1 : 0)), ref.classes, "positiveClass against XGBClassifier.predict");
});

test("metrics reject mismatched or degenerate input", () => {
  assert.throws(() => rmse([1, 2], [1]), /2 labels but 1 predictions/);
  assert.throws(() => rmse([], []), /no values/);
  assert.throws(() => auc([1, 1], [0.2, 0.3]), /both classes/);
  assert.throws(() => auc([0, 2], [0.2, 0.3]), /binary labels/);
});

test("a third argument (scikit-learn's sample_weight) is an Error, not an unweighted figure", () => {
  const weights = [1, 0, 5];
  // as a JavaScript caller, or a cell that casts, passes them: TypeScript refuses the call
  const untyped = { rmse, mae, r2, logloss, auc, accuracy } as unknown as Record<string, (...a: unknown[]) => number>;
  for (const name of Object.keys(untyped)) {
    assert.throws(() => untyped[name]([0, 1, 1], [0.2, 0.9, 0.4], weights), new RegExp(`^${name} takes \\(labels, predictions\\); it got 3 arguments \\(sample weights are not supported\\)$`), name);
    assert.type(untyped[name]([0, 1, 1], [0.2, 0.9, 0.4]), "number", name);
  }
});

test("formatMetric: plain decimals, no exponent", () => {
  assert.is(formatMetric(54.83121), "54.831");
  assert.is(formatMetric(0.000012345), "0.000012345");
  assert.is(formatMetric(1e-7), "0.0000001");
  assert.is(formatMetric(123456.7), "123457");
  assert.is(formatMetric(2), "2");
  assert.is(formatMetric(-0.5), "-0.5");
  assert.is(formatMetric(0), "0");
  assert.is(formatMetric(NaN), "NaN");
  for (const v of [1e-12, 3.3e21, 7.77e-5, 12.5]) assert.not.match(formatMetric(v), /e/i);
});

test.run();
