import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { catboost, Ensemble, loadDiabetes, loadEnsemble, memberFromSpec, randomForest, ridge, rmse, saveEnsemble, toMatrix, xgboost } from "ensemble-workbook";
import { hasSklearn, python } from "./lib-sklearn";

const m = toMatrix(loadDiabetes(), { label: "target" });

test("ridge matches scikit-learn StandardScaler + Ridge on diabetes", () => {
  if (!hasSklearn()) return;
  for (const alpha of [1, 10]) {
    const r = ridge({ alpha });
    r.fit(m);
    const ours = r.predict(m);
    const X: number[][] = [];
    for (let i = 0; i < m.nrow; i++) X.push(Array.from(m.X.subarray(i * m.ncol, (i + 1) * m.ncol)));
    const ref = python(
      `from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import Ridge
X = np.array(data["X"], dtype=np.float64); y = np.array(data["y"], dtype=np.float64)
s = StandardScaler().fit(X)
model = Ridge(alpha=data["alpha"]).fit(s.transform(X), y)
print(json.dumps({"coef": model.coef_.tolist(), "intercept": float(model.intercept_), "pred": model.predict(s.transform(X)).tolist()}))`,
      { X, y: Array.from(m.y!), alpha },
    );
    const coef = (r as any).coefficients();
    coef.coef.forEach((c: number, j: number) => assert.ok(Math.abs(c - ref.coef[j]) < 1e-6 * Math.max(1, Math.abs(ref.coef[j])), `coef ${j}: ${c} vs ${ref.coef[j]}`));
    assert.ok(Math.abs(coef.intercept - ref.intercept) < 1e-8);
    let maxDiff = 0;
    for (let i = 0; i < m.nrow; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - ref.pred[i]));
    assert.ok(maxDiff < 1e-6, `max prediction difference ${maxDiff}`);
  }
});

test("ridge alpha 0 with a constant column: the minimum-norm least squares, as scikit-learn's Ridge(alpha=0) (it was 'matrix is not positive definite')", () => {
  if (!hasSklearn()) return;
  const ncol = m.ncol + 1;
  const X = new Float32Array(m.nrow * ncol);
  const rows: number[][] = [];
  for (let i = 0; i < m.nrow; i++) {
    X.set(m.X.subarray(i * m.ncol, (i + 1) * m.ncol), i * ncol);
    X[i * ncol + m.ncol] = 7; // constant
    rows.push(Array.from(X.subarray(i * ncol, (i + 1) * ncol)));
  }
  const mc = { ...m, X, ncol, featureNames: [...m.featureNames, "const"], columns: undefined };
  const r = ridge({ alpha: 0 });
  r.fit(mc);
  const ref = python(
    `from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import Ridge
X = np.array(data["X"], dtype=np.float64); y = np.array(data["y"], dtype=np.float64)
s = StandardScaler().fit(X)
model = Ridge(alpha=0).fit(s.transform(X), y)
print(json.dumps({"coef": model.coef_.tolist(), "intercept": float(model.intercept_)}))`,
    { X: rows, y: Array.from(m.y!) },
  );
  const coef = (r as any).coefficients();
  coef.coef.forEach((c: number, j: number) => assert.ok(Math.abs(c - ref.coef[j]) < 1e-6 * Math.max(1, Math.abs(ref.coef[j])), `coef ${j}: ${c} vs ${ref.coef[j]}`));
  assert.is(coef.coef[m.ncol], 0, "the constant column's coefficient");
  assert.ok(Math.abs(coef.intercept - ref.intercept) < 1e-8);
});

/** The inputs the next four tests give ridge and the tree members, and what XGBoost and scikit-learn do with them —
 * one Python run for the four (its imports cost about a second). */
const HEAD = 60;
const BAD_ALPHAS = [null, "", [1], "abc"];
const binaryOneTwo = Float32Array.from(m.y!, (v) => (v > 140 ? 2 : 1));
const weights = Array.from({ length: HEAD }, (_, i) => 1 + (i % 4));
let refs: { infinity: boolean[]; labels: boolean; alphas: boolean[]; weights: boolean[] } | undefined;
const reference = () =>
  (refs ??= python(
    `import xgboost as xgb
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import Ridge
def refuses(f, errors=(ValueError,)):
  try: f(); return False
  except errors: return True
Xi = np.array([[1.0, 2.0], [np.inf, 1.0], [3.0, 5.0], [0.5, 4.0]]); yi = np.array([1.0, 2.0, 3.0, 4.0])
X = np.array(data["X"]).reshape(len(data["y"]), -1); y = np.array(data["y"]); w = np.array(data["w"])
bx = lambda wt, label=y: xgb.train({"max_depth": 3, "eta": 0.3, "objective": "binary:logistic" if label is not y else "reg:squarederror"}, xgb.DMatrix(X, label=label, weight=wt), 5).predict(xgb.DMatrix(X))
rp = lambda wt: Ridge().fit(X, y, sample_weight=wt).predict(X)
print(json.dumps({
 "infinity": [refuses(lambda: make_pipeline(StandardScaler(), Ridge()).fit(Xi, yi)), refuses(lambda: make_pipeline(StandardScaler(), Ridge()).fit(Xi[[0, 2, 3]], yi[[0, 2, 3]]).predict(Xi))],
 "labels": refuses(lambda: bx(None, np.array(data["y12"])), xgb.core.XGBoostError),
 "alphas": [refuses(lambda: Ridge(alpha=a).fit(X, y)) for a in data["alphas"]],
 "weights": [bool(np.abs(bx(w) - bx(None)).max() > 1e-3), bool(np.abs(rp(w) - rp(None)).max() > 1e-3)]}))`,
    { X: Array.from(m.X.subarray(0, HEAD * m.ncol)), y: Array.from(m.y!.subarray(0, HEAD)), y12: Array.from(binaryOneTwo.subarray(0, HEAD)), w: weights, alphas: BAD_ALPHAS },
  ));

test("ridge refuses an infinite feature value in fit and predict, as scikit-learn does (the fit failed as 'not positive definite (use alpha > 0)', a prediction was ±Infinity)", () => {
  if (!hasSklearn()) return;
  const X = Float32Array.from(m.X);
  X[3 * m.ncol + 2] = Infinity;
  const mi = { ...m, X };
  assert.equal(reference().infinity, [true, true], "scikit-learn refuses infinity in fit and in predict");
  assert.throws(() => ridge({ alpha: 1 }).fit(mi), /^ridge: X\[3\]\[2\] \(feature "bmi"\) is Infinity; features must be finite or missing \(NaN\)$/);
  const r = ridge();
  r.fit(m);
  X[3 * m.ncol + 2] = -Infinity;
  assert.throws(() => r.predict(mi), /^ridge: X\[3\]\[2\] \(feature "bmi"\) is -Infinity;/);
});

test("ridge under binary:logistic refuses labels outside [0, 1], as XGBoost and the tree members do (labels 1/2 were fitted as numbers: 96 % of predictions clipped to P(1) = 1)", () => {
  if (!hasSklearn()) return;
  const y = binaryOneTwo;
  assert.ok(reference().labels, "XGBoost refuses labels outside [0, 1] under binary:logistic");
  const first = y.findIndex((v) => v > 1);
  assert.throws(() => ridge({ objective: "binary:logistic" }).fit({ ...m, y }), new RegExp(`^member "ridge": label\\[${first}\\] = 2; binary:logistic needs labels in \\[0, 1\\]$`));
  assert.throws(() => xgboost({ objective: "binary:logistic", num_round: 1 }).fit({ ...m, y }), /label\[\d+\] = 2; binary:logistic needs labels in \[0, 1\]/);
  ridge({ objective: "binary:logistic" }).fit({ ...m, y: Float32Array.from(y, (v) => v - 1) });
});

test("ridge refuses to fit reg:absoluteerror and reg:pseudohubererror, whose predictions are no mean (it fitted squared error without a word: scikit-learn's median regression is another line); a loaded ridge still predicts", () => {
  // diabetes' target is skewed: the median line (QuantileRegressor 0.5) is not the least-squares one
  if (hasSklearn()) {
    const gap = python(`from sklearn.linear_model import LinearRegression, QuantileRegressor
from sklearn.datasets import load_diabetes
X, y = load_diabetes(return_X_y=True)
X = X[:, [2]]
d = QuantileRegressor(quantile=0.5, alpha=0, solver='highs').fit(X, y).predict(X) - LinearRegression().fit(X, y).predict(X)
print(json.dumps(float(np.abs(d).mean())))`, {});
    assert.ok(gap > 1, `median and mean lines ${gap} apart`);
  }
  for (const objective of ["reg:absoluteerror", "reg:pseudohubererror", "reg:squaredlogerror"] as const) {
    assert.throws(() => ridge({ objective }).fit(m), new RegExp(`^ridge member "ridge" minimises squared error, which fits the mean, and ${objective} predicts .*: it cannot fit ${objective}`));
    assert.throws(() => new Ensemble({ members: [xgboost({ num_round: 2 }), ridge()], objective }), new RegExp(`it cannot fit ${objective}`));
  }
  // the objective's labels, as the tree members take them (negative gamma labels fitted a mean below 0), and
  // reg:logistic's score clipped to [0, 1] as binary:logistic's (it predicted 9.85 as a probability)
  const shifted = { ...m, y: Float32Array.from(m.y!, (v) => v - 150) };
  assert.throws(() => ridge({ objective: "reg:gamma" }).fit(shifted), /label\[\d+\] = -?[\d.]+; reg:gamma needs labels > 0/);
  assert.throws(() => xgboost({ objective: "reg:gamma" }).fit(shifted), /reg:gamma needs labels > 0/);
  const unit = { ...m, y: Float32Array.from(m.y!, (v) => (v > 140 ? 1 : 0)) };
  const logistic = ridge({ objective: "reg:logistic" });
  logistic.fit(unit);
  assert.ok(logistic.predict(unit).every((p) => p >= 0 && p <= 1), "reg:logistic predicts probabilities");
  assert.is(logistic.contributions(unit).link, "clip01");
  for (const objective of ["reg:squarederror", "reg:linear", "count:poisson", "reg:gamma", "reg:tweedie"]) ridge({ objective } as { objective: "reg:squarederror" }).fit(m); // reg:linear: the old name
  // a model fitted before still loads and predicts
  const r = ridge();
  r.fit(m);
  const old = JSON.stringify({ ...JSON.parse(r.toFile().content), objective: "reg:absoluteerror" });
  const loaded = ridge({ objective: "reg:absoluteerror" });
  loaded.loadFile(old);
  const e = new Ensemble({ members: [loaded], objective: "reg:absoluteerror" });
  assert.equal(Array.from(loaded.predict(m)), Array.from(r.predict(m)));
  assert.throws(() => loaded.fit(m), /it cannot fit reg:absoluteerror/);
  e.free();
});

test("ridge refuses an alpha scikit-learn's Ridge refuses (null and \"\" were alpha 0, least squares; [1] was 1), and reads hyperparameter text", () => {
  if (!hasSklearn()) return;
  BAD_ALPHAS.forEach((alpha, i) => {
    assert.ok(reference().alphas[i], `scikit-learn refuses alpha ${JSON.stringify(alpha)}`);
    assert.throws(() => ridge({ alpha: alpha as unknown as number }), new RegExp(`^ridge: alpha must be a number ≥ 0 \\(got ${JSON.stringify(alpha).replace(/[[\]]/g, "\\$&")}\\)$`), JSON.stringify(alpha));
  });
  assert.throws(() => ridge({ max_categories: null as unknown as number }), /^ridge: max_categories must be an integer ≥ 2 \(got null\)$/);
  assert.is(ridge({ alpha: "0.5" as unknown as number }).params.alpha, 0.5);
});

test("a member's fit refuses options it does not read — sample weights change XGBoost's and scikit-learn's models, and were ignored", () => {
  if (!hasSklearn()) return;
  assert.equal(reference().weights, [true, true], "weights change XGBoost's and Ridge's predictions");
  const head = { ...m, X: m.X.subarray(0, HEAD * m.ncol), y: m.y!.subarray(0, HEAD), nrow: HEAD };
  for (const member of [xgboost({ num_round: 5 }), ridge(), randomForest({ n_trees: 2 })])
    for (const key of ["weight", "sample_weight"])
      assert.throws(() => member.fit(head, { [key]: weights } as object), new RegExp(`^member "${member.name}": fit: unknown option "${key}"; valid: evalSet, onRound, nthread, threads$`), `${member.name} ${key}`);
});

test("ridge: alpha → 0 approaches least squares; larger alpha shrinks coefficients", () => {
  const norm = (alpha: number) => {
    const r = ridge({ alpha }) as any;
    r.fit(m);
    return Math.hypot(...r.coefficients().coef);
  };
  assert.ok(norm(0.01) > norm(10));
  assert.ok(norm(10) > norm(1000));
  assert.throws(() => ridge({ alpha: -1 }), /alpha must be a number ≥ 0/);
});

test("ridge save → load gives identical predictions", () => {
  const r = ridge({ alpha: 2 });
  r.fit(m);
  const { file, content } = r.toFile();
  assert.is(file, "ridge.json");
  const j = JSON.parse(content);
  assert.is(j.format, "ensemble-workbook/ridge/1");
  const r2 = ridge({ alpha: 2 });
  r2.loadFile(content);
  assert.equal(Array.from(r2.predict(m)), Array.from(r.predict(m)));
});

test("ridge load refuses damaged values (null, text, non-finite, a zero scale) naming the field, instead of predicting NaN", () => {
  const r = ridge({ alpha: 2 });
  r.fit(m);
  const good = JSON.parse(r.toFile().content);
  const damaged: [string, (j: Record<string, unknown[]>) => void, RegExp][] = [
    ["a null coefficient", (j) => (j.coef[3] = null), /"coef"\[3\] must be a finite number, got null/],
    ["a text mean", (j) => (j.mean[0] = "0.5"), /"mean"\[0\] must be a finite number, got "0.5"/],
    ["a zero scale", (j) => (j.scale[1] = 0), /"scale"\[1\] must be a finite number > 0, got 0/],
    ["a huge exponent (Infinity after parsing)", (j) => (j.coef[0] = "1e999" as unknown), /"coef"\[0\]/],
  ];
  for (const [what, damage, message] of damaged) {
    const j = structuredClone(good);
    damage(j);
    assert.throws(() => ridge({ alpha: 2 }).loadFile(JSON.stringify(j)), message, what);
  }
  assert.throws(() => ridge({ alpha: 2 }).loadFile(JSON.stringify({ ...good, intercept: null })), /"intercept" must be a finite number, got null/);
  // JSON's 1e999 parses to Infinity: refused too, and named as what it was read as
  assert.throws(() => ridge({ alpha: 2 }).loadFile(JSON.stringify(good).replace(/"intercept":[^,}]+/, '"intercept":1e999')), /"intercept" must be a finite number, got Infinity/);
});

test("tree members fit, beat the mean predictor, save → load identically", () => {
  let meanY = 0;
  for (const v of m.y!) meanY += v;
  meanY /= m.nrow;
  const baseline = rmse(m.y!, new Float64Array(m.nrow).fill(meanY));
  for (const member of [xgboost({ num_round: 30 }), catboost({ iterations: 30 }), randomForest({ num_parallel_tree: 10 })]) {
    member.fit(m);
    const p = member.predict(m);
    assert.ok(rmse(m.y!, p) < baseline, `${member.kind} ${rmse(m.y!, p)} vs ${baseline}`);
    const { file, content } = member.toFile();
    assert.is(file, `${member.name}.json`);
    const again = memberFromSpec(member.kind, { ...member.params, name: member.name });
    again.loadFile(content);
    assert.equal(Array.from(again.predict(m)), Array.from(p));
    assert.equal(again.featureNames(), m.featureNames);
    assert.ok(Object.keys(member.importance()).length > 0);
    member.free();
    again.free();
  }
});

test("catboost reads CatBoost's loss parameters — Tweedie:variance_power=p, Huber:delta=d — as the core's (the whole string was 'unknown objective'); a parameter the loss does not take is an Error naming it", () => {
  const fitted = (params: Record<string, unknown>) => {
    const member = catboost({ iterations: 5, ...params } as any);
    member.fit(m);
    try {
      return Array.from(member.predict(m));
    } finally {
      member.free();
    }
  };
  const tweedie = fitted({ loss_function: "Tweedie:variance_power=1.3" });
  assert.equal(tweedie, fitted({ loss_function: "reg:tweedie", tweedie_variance_power: 1.3 }));
  assert.not.equal(tweedie, fitted({ loss_function: "reg:tweedie", tweedie_variance_power: 1.5 }), "the power is read");
  assert.equal(fitted({ loss_function: "Huber:delta=20" }), fitted({ loss_function: "reg:pseudohubererror", huber_slope: 20 }));
  assert.is(new Ensemble({ members: [catboost({ loss_function: "Tweedie:variance_power=1.3" }), xgboost({ objective: "reg:tweedie" })] }).objective, "reg:tweedie");
  for (const [loss, re] of [
    ["Tweedie", /loss_function Tweedie needs its variance_power, as CatBoost's does/],
    ["Tweedie:power=1.5", /"Tweedie:power=1\.5": Tweedie takes "variance_power" here, not "power"/],
    ["RMSE:delta=1", /RMSE takes no parameter here, not "delta"/],
    ["Huber:delta", /"delta" is no param=value pair/],
    ["Tweedie:variance_power=x", /variance_power must be a number, got "x"/],
  ] as const)
    assert.throws(() => catboost({ loss_function: loss } as any), re);
  assert.throws(() => catboost({ loss_function: "Tweedie:variance_power=1.3", tweedie_variance_power: 1.5 } as any), /sets tweedie_variance_power 1\.3, and tweedie_variance_power is given as 1\.5: give it once/);
});

test("catboost maps CatBoost names to the symmetric learner; random forest uses the XGBoost RF recipe", () => {
  const cb = catboost({ depth: 5, l2_leaf_reg: 7, iterations: 12 }) as any;
  const rc = cb.recipe();
  assert.is(rc.params.grow_policy, "symmetric");
  assert.is(rc.params.max_depth, 5);
  assert.is(rc.params.lambda, 7);
  assert.is(rc.numBoostRound, 12);
  // CatBoost's metric names, as its loss names: eval_metric "MAE" was refused with XGBoost's lowercase list
  assert.equal((catboost({ eval_metric: ["MAE", "RMSE"] }) as any).recipe().params.eval_metric, ["mae", "rmse"]);
  assert.equal((catboost({ loss_function: "Logloss", eval_metric: "AUC" }) as any).recipe().params.eval_metric, "auc");
  assert.equal((catboost({ eval_metric: "rmse" }) as any).recipe().params.eval_metric, "rmse");
  const rf = (randomForest() as any).recipe();
  assert.is(rf.params.num_parallel_tree, 100);
  assert.is(rf.params.eta, 1);
  assert.is(rf.params.subsample, 0.8);
  assert.is(rf.params.colsample_bynode, 0.8);
  assert.is(rf.numBoostRound, 1);
  // n_estimators is the number of trees, as XGBRFRegressor and scikit-learn's forests mean it (it was 20 rounds of 100 trees)
  const rf20 = (randomForest({ n_estimators: 20 }) as any).recipe();
  assert.equal([rf20.params.num_parallel_tree, rf20.numBoostRound, rf20.params.n_estimators], [20, 1, undefined]);
  assert.equal((randomForest({ n_estimators: 20, num_round: 2 }) as any).recipe().numBoostRound, 2);
});

test("memberFromSpec: string hyperparameters, aliases, unknown kinds", () => {
  const x = memberFromSpec("xgboost", { eta: "0.1", max_depth: "4", num_round: "20" }) as any;
  assert.equal(x.recipe().params.eta, 0.1);
  assert.is(x.recipe().numBoostRound, 20);
  assert.is(memberFromSpec("rf", {}).kind, "random_forest");
  assert.is(memberFromSpec("ridge", { alpha: "3" }).params.alpha, 3);
  assert.equal(memberFromSpec("xgboost", { eval_metric: '["rmse","mae"]', grow_policy: '"lossguide"' }).params, { eval_metric: ["rmse", "mae"], grow_policy: "lossguide" });
  assert.throws(() => memberFromSpec("lightgbm", {}), /unknown member kind "lightgbm"/);
  // numbers in text are decimal: "0x2" stays text, which the core names (XGBoost refuses it too)
  assert.throws(() => memberFromSpec("xgboost", { nthread: "0x2" }), /parameter nthread must be a finite number, got "0x2"/);
  assert.is((memberFromSpec("xgboost", { nthread: " 2 " }) as any).recipe().params.nthread, 2);
});

test("xgboost members take XGBoost's monotone and interaction constraints, by index or by the matrix's column names, as a training job sends them (text) — they were refused as \"not implemented\"", () => {
  // a training job's values: memberFromSpec reads the JSON text; the core reads the tuple text
  const member = memberFromSpec("xgboost", { num_round: "40", monotone_constraints: '{"bmi": 1, "s3": -1}', interaction_constraints: '[["bmi", "bp"], ["s3", "age", "sex"]]' });
  member.fit(m);
  const bmi = m.featureNames.indexOf("bmi"), s3 = m.featureNames.indexOf("s3");
  for (const [f, dir] of [[bmi, 1], [s3, -1]]) {
    // rows of the data with the feature swept over its range: each prediction moves only the constraint's way
    const steps = 12, rows = 30, X = new Float32Array(rows * steps * m.ncol);
    const column = Array.from({ length: m.nrow }, (_, i) => m.X[i * m.ncol + f]);
    const lo = Math.min(...column), hi = Math.max(...column);
    for (let r = 0; r < rows; r++) for (let k = 0; k < steps; k++) {
      X.set(m.X.subarray(r * m.ncol, (r + 1) * m.ncol), (r * steps + k) * m.ncol);
      X[(r * steps + k) * m.ncol + f] = lo + ((hi - lo) * k) / (steps - 1);
    }
    const p = member.predict({ X, nrow: rows * steps, ncol: m.ncol, featureNames: m.featureNames });
    let moved = 0;
    for (let r = 0; r < rows; r++) for (let k = 1; k < steps; k++) {
      const step = (p[r * steps + k] - p[r * steps + k - 1]) * dir;
      assert.ok(step >= 0, `${m.featureNames[f]}: row ${r} moves against its constraint`);
      moved += step > 0 ? 1 : 0;
    }
    assert.ok(moved > 0, `${m.featureNames[f]} never moves a prediction`);
  }
  member.free();
  // names the matrix has not, and values the core refuses, are Errors naming them (the value as the member is built)
  const unknown = xgboost({ num_round: 2, monotone_constraints: { bmi: 1, weight: 1 } });
  assert.throws(() => unknown.fit(m), /monotone_constraints: feature "weight" is not one of the training data's feature names/);
  unknown.free();
  assert.throws(() => memberFromSpec("xgboost", { monotone_constraints: "(1,2)" }), /parameter monotone_constraints\[1\] is "2": each must be -1/);
});

test("an ensemble whose member has constraints in their own shapes (groups as lists, a dict by name) is saved and loaded — the manifest's check refused them, so its endpoint could not load it", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "constraints-"));
  try {
    const member = xgboost({ num_round: 10, monotone_constraints: { bmi: 1 }, interaction_constraints: [["bmi", "bp"], [0, 1]] });
    const e = new Ensemble({ members: [member, ridge()] }).fit(loadDiabetes(), { label: "target" });
    saveEnsemble(e, dir);
    const loaded = loadEnsemble(dir);
    assert.equal(loaded.members[0].params.interaction_constraints, [["bmi", "bp"], [0, 1]]);
    assert.equal(Array.from(loaded.predict(loadDiabetes()).prediction), Array.from(e.predict(loadDiabetes()).prediction));
    e.free();
    loaded.free();
    // other objects stay refused, named
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    manifest.members[0].params.monotone_constraints = { bmi: { toString: 1 } };
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    assert.throws(() => loadEnsemble(dir), /parameter "monotone_constraints" must be a number, text, true\/false or a list of them/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("tree members check every core parameter as they are built (not at the first fit); num_class is the ensemble's to set", () => {
  for (const [make, pattern] of [
    [() => xgboost({ nthread: -1 }), /parameter nthread must be between 0 .* got -1/],
    [() => xgboost({ n_jobs: 1.5 }), /parameter n_jobs must be an integer, got 1\.5/],
    [() => xgboost({ nthread: 1, n_jobs: 2 }), /parameters nthread and n_jobs name the same setting/],
    [() => xgboost({ max_bin: 1 }), /max_bin/],
    [() => randomForest({ colsample_bynode: 0 }), /colsample_bynode/],
    [() => xgboost({ num_round: 10, n_estimators: 20 }), /num_round and n_estimators both give the number of rounds, with different values \(10 and 20\): give one/],
    [() => catboost({ iterations: 10, num_round: 20 }), /iterations and num_round both give catboost's iterations, with different values \(10 and 20\): give one/],
    [() => catboost({ depth: 4, max_depth: 6 }), /depth and max_depth both give catboost's depth/],
  ] as const) {
    assert.throws(make, pattern);
  }
  // a multi:* member without num_class (set from the labels when the ensemble fits) is built; the same rounds twice are one
  assert.is(xgboost({ objective: "multi:softprob" }).kind, "xgboost");
  // (text as a training job's hyperparameters give it, beside a number)
  assert.is((xgboost({ num_round: 10, n_estimators: "10" as unknown as number }) as any).recipe().numBoostRound, 10);
  assert.is((catboost({ learning_rate: 0.1, eta: "0.1" as unknown as number, iterations: 7, n_estimators: 7 }) as any).recipe().numBoostRound, 7);
});

// XGBoost's and CatBoost's aliases are the settings they name: scikit-learn-style random_state seeds the member (a
// default seed beside it made one setting with two values, an Error), and a setting given twice with two values is an
// Error naming both (xgboost kept learning_rate, catboost kept seed, silently)
test("aliases: random_state seeds xgboost, random_forest and catboost as seed / random_seed do; two names of one setting with two values are an Error", () => {
  const predictions = (make: () => { fit(m: unknown): void; predict(m: unknown): Float32Array }) => {
    const member = make();
    member.fit(m);
    return Array.from(member.predict(m));
  };
  // row sampling makes the seed matter: the same predictions from either name, others from another seed
  const xgbBy = (p: object) => predictions(() => xgboost({ num_round: 8, subsample: 0.5, ...p }) as any);
  assert.equal(xgbBy({ random_state: 3 }), xgbBy({ seed: 3 }));
  assert.not.equal(xgbBy({ random_state: 3 }), xgbBy({ seed: 4 }));
  const rfBy = (p: object) => predictions(() => randomForest({ n_trees: 5, ...p }) as any);
  assert.equal(rfBy({ random_state: 3 }), rfBy({ seed: 3 }));
  const cbBy = (p: object) => predictions(() => catboost({ iterations: 8, bootstrap_type: "Bernoulli", subsample: 0.5, ...p }) as any);
  assert.equal(cbBy({ random_state: 3 } as object), cbBy({ random_seed: 3 }));
  assert.equal(predictions(() => xgboost({ num_round: 8, learning_rate: 0.2 }) as any), predictions(() => xgboost({ num_round: 8, eta: 0.2 }) as any));
  // CatBoost's rsm is the core's colsample_bylevel: the same model, and not the model without it
  const cbRsm = (p: object) => predictions(() => catboost({ iterations: 8, ...p }) as any);
  assert.equal(cbRsm({ rsm: 0.5 }), cbRsm({ colsample_bylevel: 0.5 }));
  assert.not.equal(cbRsm({ rsm: 0.5 }), cbRsm({}));
  for (const [make, pattern] of [
    [() => xgboost({ eta: 0.5, learning_rate: 0.01 }), /parameters eta and learning_rate name the same setting \(eta\) with different values, 0\.5 and 0\.01: give one/],
    [() => xgboost({ seed: 1, random_state: 2 }), /parameters seed and random_state name the same setting \(seed\)/],
    [() => randomForest({ n_trees: 3, num_parallel_tree: 4 }), /num_parallel_tree and n_trees both give the number of trees/],
    [() => randomForest({ n_estimators: 3, n_trees: 4 }), /n_trees and n_estimators both give the number of trees, with different values \(4 and 3\)/],
    [() => catboost({ random_seed: 4, random_state: 3 } as object), /random_seed and random_state both give catboost's random_seed, with different values \(4 and 3\)/],
    [() => catboost({ l2_leaf_reg: 5, reg_lambda: 1 } as object), /l2_leaf_reg and reg_lambda both give catboost's l2_leaf_reg/],
    [() => catboost({ seed: 3 } as object), /catboost: parameter seed is not CatBoost's: use random_seed/],
    [() => catboost({ rsm: 0.5, colsample_bylevel: 0.7 }), /rsm and colsample_bylevel both give catboost's rsm/],
    [() => catboost({ rsm: 0 }), /catboost: rsm must be a number in \(0, 1\], got 0/],
    [() => catboost({ subsample: 0.5 }), /catboost: subsample needs bootstrap_type "Bernoulli"/],
    [() => catboost({ bootstrap_type: "No", bagging_temperature: 2 }), /bagging_temperature is the Bayesian bootstrap's; bootstrap_type is No/],
  ] as const) {
    assert.throws(make, pattern);
  }
});

test.run();
