import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aq from "arquero";
import { accuracy, catboost, coxNLogLik, crossValidate, cvScore, Ensemble, kFold, loadDiabetes, loadEnsemble, randomForest, readManifest, ridge, rmse, saveEnsemble, toMatrix, uniqueMemberNames, xgboost } from "ensemble-workbook";
// internals, tested white-box from lib's sources
import { applyBlend, fitBlend } from "../lib/ensemble/blends";
import { DMatrix, train } from "node-xgboost-wasm";
import { convexWeights } from "../lib/ensemble/convex-weights";
import { hasSklearn, python } from "./lib-sklearn";

const table = loadDiabetes();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lib-ensemble-"));

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** Brute force for the weighted blend: the best non-negative unit-sum weights over all supports, each support's
 * equality-constrained least squares solved from its KKT system [2G 1; 1ᵀ 0] by elimination with partial pivoting,
 * G computed from the residuals P_j − y in exact order. */
function bruteSimplex(P: number[][], y: number[]): { w: number[]; loss: number } {
  const m = P.length;
  const loss = (w: number[]) => y.reduce((s, v, i) => s + (P.reduce((t, col, j) => t + w[j] * col[i], 0) - v) ** 2, 0);
  let best = { w: [] as number[], loss: Infinity };
  for (let mask = 1; mask < 1 << m; mask++) {
    const idx = [...Array(m).keys()].filter((j) => mask & (1 << j));
    const k = idx.length;
    const M = Array.from({ length: k + 1 }, () => new Array(k + 2).fill(0));
    idx.forEach((i, r) => {
      idx.forEach((j, c) => (M[r][c] = 2 * y.reduce((s, v, t) => s + (P[i][t] - v) * (P[j][t] - v), 0)));
      M[r][k] = 1;
      M[k][r] = 1;
    });
    M[k][k + 1] = 1;
    for (let c = 0; c <= k; c++) {
      let p = c;
      for (let r = c + 1; r <= k; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
      [M[c], M[p]] = [M[p], M[c]];
      for (let r = 0; r <= k; r++) if (r !== c) {
        const f = M[r][c] / M[c][c];
        for (let cc = c; cc <= k + 1; cc++) M[r][cc] -= f * M[c][cc];
      }
    }
    const sol = idx.map((_, r) => M[r][k + 1] / M[r][r]);
    if (sol.some((v) => v < -1e-12)) continue;
    const w = new Array(m).fill(0);
    idx.forEach((j, r) => (w[j] = Math.max(0, sol[r])));
    const l = loss(w);
    if (l < best.loss) best = { w, loss: l };
  }
  return best;
}

test("convex weights equal the exact constrained optimum, and labels far from zero do not move them (the penalty was on P and y: y + 1e5 gave 0.54/0.46 for 0.99/0.01)", () => {
  const r = lcg(17);
  for (let trial = 0; trial < 12; trial++) {
    const n = 150, m = 2 + (trial % 3);
    const base = Array.from({ length: n }, () => 100 * r());
    const noise = Array.from({ length: m }, (_, j) => 5 + 20 * j * r());
    const err = Array.from({ length: m }, (_, j) => base.map(() => noise[j] * (r() - 0.5)));
    for (const offset of [0, 1e3, 1e5, 1e7]) {
      const y = base.map((v) => v + offset);
      // in odd trials the last member is biased: its optimal weight is 0 or near it (a face of the simplex)
      const P = err.map((e, j) => y.map((v, i) => v + e[i] + (trial % 2 && j === m - 1 ? 30 : 0)));
      const w = convexWeights(P, y);
      const ref = bruteSimplex(P, y);
      assert.ok(Math.abs(w.reduce((s, v) => s + v, 0) - 1) < 1e-12 && w.every((v) => v >= 0));
      w.forEach((v, j) => assert.ok(Math.abs(v - ref.w[j]) < 1e-5, `trial ${trial}, offset ${offset}, w${j}: ${v} vs the optimum's ${ref.w[j]}`));
    }
  }
});

test("a ridge member under a multiclass objective is an Error as the ensemble is made, naming the member (it was one only at its first fit)", () => {
  assert.throws(() => new Ensemble({ members: [xgboost(), ridge({ name: "lin" })], objective: "multi:softprob" }), /ridge member "lin" does not support multi:softprob/);
  // multi:softmax: the ensemble's own reason comes first, whatever its members (it cannot blend class indexes)
  assert.throws(() => new Ensemble({ members: [xgboost(), ridge({ name: "lin" })], objective: "multi:softmax" }), /multi:softmax predicts a class index per row, which an ensemble cannot blend/);
  assert.is(new Ensemble({ members: [ridge()], objective: "binary:logistic" }).objective, "binary:logistic");
});

test("an Ensemble refused leaves its members as they were: not renamed (xgboost_2), no objective set", () => {
  const members = [xgboost(), xgboost()];
  assert.throws(() => new Ensemble({ members, innerK: 1 }), /innerK/);
  assert.equal(members.map((m) => m.name), ["xgboost", "xgboost"]);
  assert.equal(members.map((m) => m.params.objective), [undefined, undefined]);
  assert.equal(new Ensemble({ members }).members.map((m) => m.name), ["xgboost", "xgboost_2"]);
});

test("a given blend (weights, stacker: a loaded model's) is checked as the ensemble is made, and fitting does not silently replace it", () => {
  const two = () => [xgboost({ num_round: 5 }), ridge()];
  for (const [opts, pattern] of [
    [{ blend: "mean", weights: [0.5, 0.5] }, /weights are the weighted blend's, and this ensemble's blend is mean/],
    [{ blend: "weighted", weights: [0.2, 0.3, 0.5] }, /weights: one per member \(2\), got 3/],
    [{ blend: "weighted", weights: [1.5, -0.5] }, /weights must be finite numbers ≥ 0, got \[1\.5, -0\.5\]/],
    [{ blend: "weighted", weights: [0.2, 0.2] }, /weights must sum to 1 \(the weighted blend's weights are convex\)/],
    [{ blend: "weighted", stacker: { intercept: 0, coef: [1, 1] } }, /stacker is the stacking blend's, and this ensemble's blend is weighted/],
    [{ blend: "stacking", stacker: { intercept: 0, coef: [1] } }, /stacker: \{ intercept, coef \} with one coefficient per member \(2\)/],
    [{ blend: "stacking", stacker: { intercept: NaN, coef: [1, 1] } }, /stacker: intercept and coefficients must be finite numbers/],
  ] as const) assert.throws(() => new Ensemble({ members: two(), ...opts } as never), pattern);
  const given = new Ensemble({ members: two(), blend: "weighted", weights: [0.2, 0.8] });
  assert.throws(() => given.fit(table, { label: "target" }), /this ensemble was made with a fitted weighted blend \(weights, as loadEnsemble makes one\), which fitting would replace/);
  assert.equal(given.weights, [0.2, 0.8]);
});

test("crossValidate's refit of an ensemble with a given blend (a loaded weighted one) is refused before any fit — it was refused after the run, which had refitted the members in place: the loaded ensemble predicted otherwise", () => {
  const e = new Ensemble({ members: [xgboost({ num_round: 5 }), ridge()], blend: "weighted" }).fit(table, { label: "target" });
  const dir = path.join(tmp, "given-refit");
  saveEnsemble(e, dir);
  e.free();
  const loaded = loadEnsemble(dir);
  const before = Array.from(loaded.predict(table.slice(0, 3)).prediction);
  let fits = 0;
  assert.throws(() => crossValidate(loaded, table.slice(0, 200), { label: "target", k: 3, refit: true, onProgress: () => fits++ }), /made with a fitted weighted blend \(weights, as loadEnsemble makes one\), which fitting would replace/);
  assert.is(fits, 0);
  assert.equal(Array.from(loaded.predict(table.slice(0, 3)).prediction), before);
  loaded.free();
});

test("multi:softmax is an Error as the ensemble is made: a class index per row cannot be blended or scored (the audit: mean of classes, logloss −0.18, predictClasses failing)", () => {
  for (const make of [
    () => new Ensemble({ members: [xgboost({ objective: "multi:softmax", num_class: 3 })] }),
    () => new Ensemble({ members: [xgboost(), catboost()], objective: "multi:softmax" }),
  ]) assert.throws(make, /multi:softmax predicts a class index per row, which an ensemble cannot blend or score as probabilities; use multi:softprob/);
});

test("binary:logitraw and binary:hinge are Errors as the ensemble is made, naming why (a log-odds, a 0 / 1 class: no probability to blend or score); reg:gamma and reg:tweedie cross-validate end to end, their predictions the members' means", () => {
  for (const [objective, why] of [
    ["binary:logitraw", /binary:logitraw predicts the log-odds \(a margin, not a probability\), which an ensemble cannot blend with probabilities or score with logloss \/ auc; use binary:logistic/],
    ["binary:hinge", /binary:hinge predicts the class itself \(0 or 1, no probability\), which an ensemble cannot average or score with logloss \/ auc; use binary:logistic/],
  ] as const) {
    assert.throws(() => new Ensemble({ members: [xgboost({ objective })] }), why);
    assert.throws(() => new Ensemble({ members: [xgboost(), ridge()], objective }), why);
  }
  for (const objective of ["reg:gamma", "reg:tweedie"] as const) {
    const e = new Ensemble({ members: [xgboost({ objective, num_round: 15 }), xgboost({ name: "deep", objective, num_round: 15, max_depth: 5 })], blend: "weighted" });
    const cv = crossValidate(e, table, { label: "target", k: 3, seed: 1 });
    assert.equal(cv.metrics, ["rmse", "mae", "r2"], `${objective}: lib's regression metrics`);
    // the out-of-fold predictions are means in the label's unit (exp of the margin), so they score like one: a model
    // read with the identity link predicted log-means (about 5 for this target, rmse ≈ 160)
    const oof = cv.oof.ensemble;
    assert.ok(oof.every((v) => v > 0 && Number.isFinite(v)), `${objective}: out-of-fold predictions are positive means`);
    const r2 = (cv.summary.objects() as Record<string, number>[]).find((row) => (row as unknown as { member: string }).member === "ensemble")!.r2_mean;
    assert.ok(r2 > 0.3, `${objective}: ensemble r2 ${r2}`);
  }
});

test("a member's objective settings (huber_slope, tweedie_variance_power) are checked under the ensemble's objective when the member names none — they were refused under reg:squarederror (a trainer job's xgboost.tweedie_variance_power failed)", () => {
  for (const [params, objective] of [[{ huber_slope: 2 }, "reg:pseudohubererror"], [{ tweedie_variance_power: 1.3 }, "reg:tweedie"]] as const) {
    const e = new Ensemble({ members: [xgboost({ ...params, num_round: 3 })], objective });
    e.fit(table.slice(0, 120), { label: "target" });
    assert.ok(e.predict(table.slice(0, 5)).prediction.every(Number.isFinite), `${objective}: predictions`);
    e.free();
    assert.throws(() => new Ensemble({ members: [xgboost(params)], objective: "reg:squarederror" }), new RegExp(`parameter ${Object.keys(params)[0]} is the .*; objective is reg:squarederror`));
  }
  assert.throws(() => new Ensemble({ members: [xgboost({ tweedie_variance_power: 3 })], objective: "reg:tweedie" }), /parameter tweedie_variance_power must be in \[1, 2\]/);
  assert.throws(() => xgboost({ tweedie_variance_power: "x" as never }), /parameter tweedie_variance_power must be a finite number/);
});

test("convex weights: non-negative, sum to one, recover a known mixture", () => {
  const r = lcg(5);
  const n = 200;
  const y = Array.from({ length: n }, () => 100 * r());
  const a = y.map((v) => v + 10 * (r() - 0.5));
  const b = y.map((v) => v + 30 * (r() - 0.5));
  const bad = y.map(() => 100 * r());
  const w = convexWeights([a, b, bad], y);
  assert.ok(Math.abs(w.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  assert.ok(w.every((v) => v >= 0));
  assert.ok(w[0] > w[1] && w[1] > w[2], `weights ${w}`);
  // inverse-variance optimum for independent errors: 1/100 : 1/900 → 0.9 : 0.1
  assert.ok(Math.abs(w[0] - 0.9) < 0.05, `w0 = ${w[0]}`);
});

const closeArr = (a: ArrayLike<number>, b: number[]) => {
  assert.is(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-12, `[${i}] ${a[i]} vs ${b[i]}`);
};

test("blends: mean, median, weighted, stacking, vote, soft_vote", () => {
  const P = [Float64Array.from([1, 0.2, 0.9]), Float64Array.from([3, 0.4, 0.1]), Float64Array.from([8, 0.9, 0.2])];
  const reg = { objective: "reg:squarederror" };
  closeArr(applyBlend("mean", P, {}, reg), [4, 0.5, 0.4]);
  assert.equal(Array.from(applyBlend("median", P, {}, reg)), [3, 0.4, 0.2]);
  closeArr(applyBlend("weighted", P, { weights: [0.5, 0.5, 0] }, reg), [2, 0.3, 0.5]);
  closeArr(applyBlend("stacking", P, { stacker: { intercept: 1, coef: [1, 0, 0] } }, reg), [2, 1.2, 1.9]);
  const bin = { objective: "binary:logistic" };
  assert.equal(Array.from(applyBlend("vote", P.map((p) => p.map((v) => Math.min(v, 1))), {}, bin)), [1, 0, 0]);
  closeArr(applyBlend("soft_vote", [Float64Array.from([0.2]), Float64Array.from([0.6])], {}, bin), [0.4]);
  // multiclass vote: two of three members pick class 2 for the one row → one-hot
  const mc = [Float64Array.from([0.1, 0.2, 0.7]), Float64Array.from([0.6, 0.3, 0.1]), Float64Array.from([0.2, 0.2, 0.6])];
  assert.equal(Array.from(applyBlend("vote", mc, {}, { objective: "multi:softprob", numClass: 3 })), [0, 0, 1]);
  assert.throws(() => new Ensemble({ members: [ridge()], blend: "vote" }), /needs a classification objective/);
  assert.throws(() => new Ensemble({ members: [ridge()], blend: "best" }), /unknown blend "best"/);
  assert.throws(() => applyBlend("weighted", P, {}, reg), /fit the ensemble first/);
  assert.throws(() => new Ensemble({ members: [xgboost({ objective: "binary:logistic" }), catboost({ loss_function: "RMSE" })] }), /members disagree on the objective/);
  assert.is(new Ensemble({ members: [catboost({ loss_function: "Logloss" }), ridge()] }).objective, "binary:logistic");
  assert.throws(() => new Ensemble({ members: [] }), /at least one member/);
});

test("multiclass median: each class's median, each row rescaled to sum to 1 (rows [.6 .3 .1], [.1 .6 .3], [.3 .1 .6] gave [.3 .3 .3], 0.9 of probability), as the predicted classes' probabilities and the ensemble's logloss read it", () => {
  const mc = [Float64Array.from([0.6, 0.3, 0.1, 0.7, 0.2, 0.1]), Float64Array.from([0.1, 0.6, 0.3, 0.5, 0.4, 0.1]), Float64Array.from([0.3, 0.1, 0.6, 0.2, 0.2, 0.6])];
  closeArr(applyBlend("median", mc, {}, { objective: "multi:softprob", numClass: 3 }), [1 / 3, 1 / 3, 1 / 3, 0.5 / 0.8, 0.2 / 0.8, 0.1 / 0.8]);
  const t = table.derive({ cls: aq.escape((d: any) => (d.target < 100 ? 0 : d.target < 200 ? 1 : 2)) }).select(aq.not("target"));
  const e = new Ensemble({ members: [xgboost({ num_round: 5 }), randomForest({ n_estimators: 5 }), xgboost({ num_round: 5, max_depth: 1 })], objective: "multi:softprob", blend: "median" }).fit(t, { label: "cls" });
  for (const row of e.predictClasses(t.slice(0, 40))) {
    const sum = Object.values(row.probabilities!).reduce((s, p) => s + p, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12, `probabilities sum to ${sum}`);
  }
  e.free();
});

test("a weighted or stacking blend fitted on out-of-fold predictions holding NaN or infinity is an Error naming the member and row, as scikit-learn's stacking refuses them — weighted took equal weights without a word, stacking said 'matrix is not positive definite'", () => {
  const y = [0, 1, 2, 3, 4, 5];
  const good = Float64Array.from([0.2, 1.1, 1.8, 3.2, 3.9, 5.1]);
  if (hasSklearn()) {
    const ref = python(`from sklearn.linear_model import Ridge
out = []
for bad in (float('nan'), float('inf')):
    X = np.column_stack([data['good'], [0, 1, 2, 3, 4, bad]])
    try:
        Ridge().fit(X, data['y']); out.append('fitted')
    except ValueError as e:
        out.append(str(e))
print(json.dumps(out))`, { y, good: Array.from(good) });
    for (const r of ref) assert.match(r, /Input X contains (NaN|infinity)/);
  }
  for (const bad of [NaN, Infinity]) {
    const P = [good, Float64Array.from([0, 1, 2, 3, 4, bad])];
    for (const blend of ["weighted", "stacking"] as const)
      assert.throws(() => fitBlend(blend, P, y, { members: ["xgboost", "wild"] }), new RegExp(`the ${blend} blend is fitted on the members' out-of-fold predictions, and member "wild" predicted ${bad} for row 5: a blend cannot weigh`));
  }
  // multiclass: the row and the class
  const mc = [Float64Array.from([0.5, 0.5, 0.5, 0.5]), Float64Array.from([0.5, 0.5, 0.5, NaN])];
  assert.throws(() => fitBlend("weighted", mc, [0, 1], { numClass: 2 }), /member 1 predicted NaN for row 1 \(class 1\)/);
  assert.equal(fitBlend("weighted", [good, good], y).weights!.length, 2);
});

test("a median or vote blend of member predictions holding NaN or infinity is an Error naming the member and row, as the fitted blends refuse them — the median of 1, NaN, 5 was NaN or a number by the values' order, and a NaN member voted for class 0", () => {
  const names = { members: ["xgboost", "wild", "ridge"] };
  for (const bad of [NaN, Infinity, -Infinity]) {
    const P = [Float64Array.from([1, 0.2, 0.9]), Float64Array.from([3, bad, 0.1]), Float64Array.from([8, 0.9, 0.2])];
    assert.throws(() => applyBlend("median", P, {}, { objective: "reg:squarederror", ...names }), new RegExp(`the median blend takes each value's median of the members' predictions, and member "wild" predicted ${bad} for row 1: a blend cannot weigh`));
    const bin = [Float64Array.from([0.9, 0.2]), Float64Array.from([0.4, bad]), Float64Array.from([0.8, 0.9])];
    assert.throws(() => applyBlend("vote", bin, {}, { objective: "binary:logistic", ...names }), new RegExp(`the vote blend counts each member's class, and member "wild" predicted ${bad} for row 1: a blend cannot weigh`));
    // multiclass: the row and the class
    const mc = [Float64Array.from([0.1, 0.9, 0.5, 0.5]), Float64Array.from([0.5, 0.5, 0.5, bad]), Float64Array.from([0.1, 0.9, 0.5, 0.5])];
    for (const blend of ["median", "vote"] as const)
      assert.throws(() => applyBlend(blend, mc, {}, { objective: "multi:softprob", numClass: 2, ...names }), new RegExp(`member "wild" predicted ${bad} for row 1 \\(class 1\\)`));
  }
  // the mean carries a NaN into its answer, where it shows
  assert.ok(Number.isNaN(applyBlend("mean", [Float64Array.from([1]), Float64Array.from([NaN])], {}, { objective: "reg:squarederror" })[0]));
});

test("members with different num_class are an Error as the ensemble is made (3 and 4 probabilities per row were blended as rows of 3: row 2's mean took row 1's fourth class)", () => {
  const softprob = (num_class: number) => xgboost({ num_round: 3, objective: "multi:softprob", num_class });
  assert.throws(() => new Ensemble({ members: [softprob(3), softprob(4)] }), /members disagree on num_class: xgboost 3, xgboost_2 4/);
  assert.is(new Ensemble({ members: [softprob(3), catboost({ iterations: 3, loss_function: "MultiClass", num_class: 3 } as any)] }).numClass, 3);
  const P = [Float64Array.from([0.2, 0.3, 0.5, 0.1, 0.1, 0.8]), Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.4, 0.3, 0.2, 0.1])];
  for (const blend of ["mean", "median", "soft_vote", "vote"] as const) assert.throws(() => applyBlend(blend, P, {}, { objective: "multi:softprob", numClass: 3 }), /member 1 gave 8 predictions and member 0 6/);
});

test("one member object given twice is an Error (it was renamed xgboost_2 twice: predict blended 2 members where crossValidate scored 3); its clone is a member of its own", () => {
  const x = xgboost({ num_round: 3 });
  assert.throws(() => new Ensemble({ members: [x, ridge(), x] }), /members\[2\] is the member given as members\[0\] — each place needs a member of its own/);
  const e = new Ensemble({ members: [x, x.clone(), ridge()] }).fit(table, { label: "target" });
  assert.equal(Object.keys(e.predict(table.slice(0, 2)).members), ["xgboost", "xgboost_2", "ridge"]);
  e.free();
});

test("a repeated member name gets a suffix no member has (xgboost, xgboost, xgboost_2 named two members xgboost_2: predict held one, saveEnsemble wrote both to one file)", () => {
  assert.equal(uniqueMemberNames(["xgboost", "xgboost", "xgboost"]), ["xgboost", "xgboost_2", "xgboost_3"]);
  assert.equal(uniqueMemberNames(["xgboost", "xgboost", "xgboost_2"]), ["xgboost", "xgboost_3", "xgboost_2"]);
  assert.equal(uniqueMemberNames(["a_2", "a", "a", "a"]), ["a_2", "a", "a_3", "a_4"]);
  const e = new Ensemble({ members: [xgboost({ num_round: 3 }), xgboost({ num_round: 3, max_depth: 1 }), xgboost({ name: "xgboost_2", num_round: 3, max_depth: 2 })] }).fit(table, { label: "target" });
  assert.equal(Object.keys(e.predict(table.slice(0, 2)).members), ["xgboost", "xgboost_3", "xgboost_2"]);
  e.free();
});

test("member names that crossValidate's blend rows or the saved files would share are Errors as the ensemble is made ('ensemble:median' averaged its folds with the median blend's; 'manifest' overwrote manifest.json; 'a/b' failed the save with ENOENT)", () => {
  const named = (name: string) => () => new Ensemble({ members: [xgboost({ num_round: 2 }), ridge({ name })] });
  assert.throws(named("ensemble:median"), /member name "ensemble:median": names starting with "ensemble:" are crossValidate's extra blends'/);
  assert.throws(named("manifest"), /member name "manifest": a member is saved as <name>\.json beside manifest\.json/);
  for (const name of ["a/b", "a\\b", ""]) assert.throws(named(name), /must be a file name/);
  const e = new Ensemble({ members: [xgboost({ num_round: 2 }), ridge({ name: "ensemble_ridge" })] }).fit(table, { label: "target" });
  const dir = path.join(tmp, "names");
  saveEnsemble(e, dir);
  const loaded = loadEnsemble(dir);
  assert.equal(Array.from(loaded.predict(table.slice(0, 3)).prediction), Array.from(e.predict(table.slice(0, 3)).prediction));
  e.free();
  loaded.free();
});

test("a multiclass label with one class is an Error saying so before any fit, as scikit-learn's classifiers refuse it (it was the first fit's 'parameter num_class must be set (>= 2)')", () => {
  const x = Array.from({ length: 20 }, (_, i) => i);
  if (hasSklearn()) {
    const ref = python(`from sklearn.linear_model import LogisticRegression
try:
    LogisticRegression().fit(np.array(data['x']).reshape(-1, 1), [0] * len(data['x'])); print(json.dumps('fitted'))
except ValueError as e:
    print(json.dumps(str(e)))`, { x });
    assert.match(ref, /at least 2 classes/);
  }
  const make = () => new Ensemble({ members: [xgboost({ num_round: 2 })], objective: "multi:softprob" });
  let fits = 0;
  assert.throws(() => make().fit(aq.table({ x, y: x.map(() => 0) }), { label: "y", onProgress: () => fits++ }), /the label has one class \(0\) and multi:softprob needs at least 2/);
  assert.throws(() => crossValidate(make(), aq.table({ x, y: x.map(() => "a") }), { label: "y", k: 2, onProgress: () => fits++ }), /the label has one class \(a\) and multi:softprob needs at least 2/);
  assert.is(fits, 0);
});

test("predict blends the members in their order, whatever their names: the stacker's coefficients and the weights go to the members they were fitted for (members 'b' and '1' were blended as '1', 'b')", () => {
  for (const blend of ["stacking", "weighted"] as const) {
    const e = new Ensemble({ members: [xgboost({ num_round: 10, name: "b" }), ridge({ name: "1" }), randomForest({ n_estimators: 5, name: "2019" })], blend, innerK: 3 }).fit(table, { label: "target" });
    const p = e.predict(table.slice(0, 5));
    const order = ["b", "1", "2019"];
    const coef = blend === "stacking" ? e.stacker!.coef : e.weights!;
    const intercept = blend === "stacking" ? e.stacker!.intercept : 0;
    const byHand = [0, 1, 2, 3, 4].map((i) => intercept + order.reduce((s, name, j) => s + coef[j] * p.members[name][i], 0));
    closeArr(p.prediction, byHand);
    e.free();
  }
});

test("crossValidate: table, oof and curves are consistent", () => {
  const e = new Ensemble({ members: [xgboost({ num_round: 20 }), ridge()], blend: "mean" });
  const events: number[] = [];
  const foldLogs: [number, Record<string, Record<string, number>>][] = [];
  const cv = crossValidate(e, table, {
    label: "target", k: 4, seed: 1, blends: ["median"],
    onProgress: (ev) => events.push(ev.done),
    onFold: (fold, metrics) => foldLogs.push([fold, metrics]),
  });
  assert.equal(foldLogs.map(([f]) => f), [1, 2, 3, 4]);
  assert.equal(Object.keys(foldLogs[0][1]), ["xgboost", "ridge", "ensemble", "ensemble:median"]);
  assert.is(cv.table.numRows(), 4 * 4);
  assert.equal(cv.table.columnNames(), ["fold", "member", "rmse", "mae", "r2"]);
  assert.equal([...new Set(cv.table.array("member"))], ["xgboost", "ridge", "ensemble", "ensemble:median"]);
  assert.equal(events, [1, 2, 3, 4, 5, 6, 7, 8]);
  // ensemble oof is the mean of the member oofs
  for (let i = 0; i < 442; i += 37) assert.ok(Math.abs(cv.oof.ensemble[i] - (cv.oof.xgboost[i] + cv.oof.ridge[i]) / 2) < 1e-9);
  // per-fold rmse in the table equals rmse of the oof rows of that fold
  const rows = cv.table.objects() as any[];
  cv.folds.forEach((f, i) => {
    const y = Array.from(f.test, (r) => cv.y[r]);
    const p = Array.from(f.test, (r) => cv.oof.ridge[r]);
    const row = rows.find((r) => r.fold === i + 1 && r.member === "ridge");
    assert.ok(Math.abs(row.rmse - rmse(y, p)) < 1e-9);
  });
  // one curve per fold for the tree member, 20 rounds each, ending at the fold's rmse
  const curves = cv.curves.filter((c) => c.member === "xgboost");
  assert.is(curves.length, 4);
  assert.is(curves[0].values.length, 20);
  const last = curves[0].values[19];
  const row = rows.find((r) => r.fold === 1 && r.member === "xgboost");
  assert.ok(Math.abs(last - row.rmse) < 1e-3 * row.rmse, `${last} vs ${row.rmse}`);
  assert.is(cv.summary.numRows(), 4);
});

test("crossValidate's per-fold r2 is scikit-learn's cross_val_score on the same folds — NaN on a held-out fold of one row (every fold's r2 was 0, and r2_mean), as k = n, the mean then NaN", () => {
  if (!hasSklearn()) return;
  const rows = Array.from({ length: 12 }, (_, i) => ({ a: Math.sin(i), b: Math.cos(2 * i), y: 3 * Math.sin(i) + (i % 3) }));
  const small = aq.from(rows);
  const e = () => new Ensemble({ members: [ridge()] });
  // k = 7: five folds of two rows, two of one (NaN); rmse is scored on every fold
  const cv = crossValidate(e(), small, { label: "y", k: 7, workers: 1 });
  const fold = new Array(12);
  cv.folds.forEach((f, k) => f.test.forEach((i) => (fold[i] = k)));
  const ref: (number | null)[] = python(
    `import warnings; warnings.simplefilter("ignore")
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_val_score, PredefinedSplit
X = np.array(data["X"], dtype=np.float32).astype(np.float64); y = np.array(data["y"], dtype=np.float32).astype(np.float64)
s = cross_val_score(make_pipeline(StandardScaler(), Ridge()), X, y, cv=PredefinedSplit(np.array(data["fold"])), scoring="r2")
print(json.dumps([None if np.isnan(v) else v for v in s.tolist()]))`,
    { X: rows.map((r) => [r.a, r.b]), y: rows.map((r) => r.y), fold },
  );
  const ours = (cv.table.objects() as any[]).filter((r) => r.member === "ridge");
  assert.ok(ref.includes(null) && ref.some((v) => v !== null), "scikit-learn: some folds nan, some not");
  ref.forEach((v, k) => assert.ok(v === null ? Number.isNaN(ours[k].r2) : Math.abs(ours[k].r2 - v) < 1e-9, `fold ${k + 1}: ${ours[k].r2} vs scikit-learn's ${v}`));
  assert.ok(ours.every((r) => Number.isFinite(r.rmse)), "rmse on every fold");
  const summary = (cv.summary.objects() as { member: string; r2_mean: number }[]).find((r) => r.member === "ridge")!;
  assert.ok(Number.isNaN(summary.r2_mean), "r2_mean NaN, as the mean of cross_val_score's");
});

test("crossValidate of a weighted blend takes every valid seed (4294967295 failed: its inner folds asked kFold for seed 4294968295)", () => {
  const small = aq.from(Array.from({ length: 30 }, (_, i) => ({ a: Math.sin(i), b: Math.cos(2 * i), y: 3 * Math.sin(i) + (i % 3) })));
  const cv = crossValidate(new Ensemble({ members: [ridge(), ridge({ alpha: 30 })], blend: "weighted" }), small, { label: "y", k: 3, seed: 4294967295, workers: 1 });
  assert.equal(cv.folds.map((f) => Array.from(f.test)), kFold(30, 3, { seed: 4294967295 }).map((f) => Array.from(f.test)));
  assert.is(cv.blendStates.ensemble.length, 3);
});

test("innerK larger than the rows a weighted / stacking blend's inner folds split is an Error naming innerK (it was 'k=10 is larger than the number of rows (8)' beside crossValidate's k 5)", () => {
  const small = table.slice(0, 10);
  const ens = (innerK: number) => new Ensemble({ members: [ridge(), xgboost({ num_round: 2 })], blend: "weighted", innerK });
  assert.throws(() => crossValidate(ens(10), small, { label: "target", k: 5 }), /the weighted blend is fitted on inner folds of each fold's training rows \(the Ensemble's innerK, 10\), and a fold's training part has 8 rows: give the Ensemble innerK ≤ 8/);
  assert.throws(() => crossValidate(new Ensemble({ members: [ridge()], innerK: 9 }), small, { label: "target", k: 5, blends: ["stacking"] }), /the stacking blend .*innerK, 9\), and a fold's training part has 8 rows/);
  assert.throws(() => ens(11).fit(small, { label: "target" }), /the weighted blend is fitted on inner folds of the training rows \(innerK 11\), and there are 10: give the Ensemble innerK ≤ 10/);
  const cv = crossValidate(ens(8), small, { label: "target", k: 5 });
  assert.is(cv.blendStates.ensemble.length, 5);
});

test("wrong types in crossValidate's options and data and in an Ensemble's members are Errors naming them (they said something else, or kept the fold models)", () => {
  const small = aq.from(Array.from({ length: 20 }, (_, i) => ({ a: Math.sin(i), y: i % 3 })));
  const e = () => new Ensemble({ members: [ridge()] });
  const cv = (opts: object, data: unknown = small) => () => crossValidate(e(), data as typeof small, { label: "y", workers: 1, ...opts });
  assert.throws(cv({ blends: "median" }), /^crossValidate: blends must be a list of blend names \(e\.g\. \["median"\]\), got "median"$/); // was 'unknown blend "m"'
  assert.throws(cv({ k: "3" }), /^crossValidate: k must be an integer ≥ 2, got "3"$/);
  assert.throws(cv({ keepModels: "no" }), /^crossValidate's keepModels must be true or false, got "no"$/); // kept them
  assert.throws(cv({}, [[1, 2]]), /^crossValidate: the data must be a table \(loadTable, arquero\) or toMatrix's labelled matrix, got \[\[1,2\]\]$/);
  assert.throws(cv({}, null), /^crossValidate: the data must be a table/);
  assert.throws(() => new Ensemble({ members: ["ridge" as unknown as ReturnType<typeof ridge>] }), /^Ensemble: members\[0\] is not a member \("ridge"\); make members with xgboost\(\), catboost\(\), randomForest\(\), ridge\(\) or memberFromSpec\(kind, params\)$/);
  assert.throws(() => new Ensemble({ members: [ridge(), {} as ReturnType<typeof ridge>] }), /^Ensemble: members\[1\] is not a member \(\{\}\)/);
  assert.is(crossValidate(e(), small, { label: "y", k: 2, blends: ["median"], keepModels: false, workers: 1 }).table.numRows(), 2 * 3);
});

test("fit with evalSet reports per-round metrics of tree members", () => {
  const rounds: [string, number, number][] = [];
  const e = new Ensemble({ members: [xgboost({ num_round: 12 }), ridge()] });
  e.fit(table.slice(0, 350), { label: "target", evalSet: table.slice(350), onRound: (member, round, metrics) => rounds.push([member, round, metrics.rmse]) });
  assert.is(rounds.length, 12);
  const imp = e.importance();
  assert.equal(Object.keys(imp), ["xgboost", "ridge"]);
  assert.ok(imp.ridge.bmi > 0 && imp.xgboost.bmi > 0);
  assert.equal(rounds.map((r) => r[1]), [...Array(12).keys()]);
  const p = e.predict(table.slice(350)).members.xgboost;
  const y = table.slice(350).array("target") as number[];
  assert.ok(Math.abs(rounds[11][2] - rmse(y, p)) < 1e-3 * rounds[11][2]);
  e.free();
});

test("save → load: identical predictions for every blend, manifest as in the contract", () => {
  for (const blend of ["mean", "weighted", "stacking", "median"]) {
    const e = new Ensemble({ members: [xgboost({ num_round: 15 }), catboost({ iterations: 15 }), randomForest({ num_parallel_tree: 5 }), ridge()], blend });
    e.fit(table, { label: "target" });
    const dir = path.join(tmp, `saved-${blend}`);
    saveEnsemble(e, dir);
    const manifest = readManifest(dir);
    assert.is(manifest.format, "ensemble-workbook/1");
    assert.equal(manifest.members.map((m) => m.file), ["xgboost.json", "catboost.json", "random_forest.json", "ridge.json"]);
    assert.equal(manifest.featureNames, ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]);
    assert.is(manifest.label, "target");
    assert.is(manifest.objective, "reg:squarederror");
    assert.ok(manifest.versions["ensemble-workbook"] && manifest.versions["node-xgboost-wasm"]);
    if (blend === "weighted") assert.is(manifest.weights!.length, 4);
    if (blend === "stacking") assert.is(manifest.stacker!.coef.length, 4);
    const loaded = loadEnsemble(dir);
    const a = e.predict(table);
    const b = loaded.predict(table);
    assert.equal(Array.from(b.prediction), Array.from(a.prediction));
    for (const name of Object.keys(a.members)) assert.equal(Array.from(b.members[name]), Array.from(a.members[name]));
    // number[][] input gives the same answer
    const rows = (table.select(manifest.featureNames).objects({ limit: 3 }) as any[]).map((r) => manifest.featureNames.map((f) => r[f]));
    assert.equal(Array.from(loaded.predict(rows).prediction), Array.from(a.prediction.subarray(0, 3)));
    e.free();
    loaded.free();
  }
});

// A saved ensemble's members are checked when they train, not when they load: params an earlier version took (and
// saved) but this one refuses — catboost's XGBoost-named seed, subsample without the Bernoulli bootstrap, xgboost's
// random_strength, all accepted silently before — leave a stored model loadable, with its predictions; training the
// member again names the param
test("a model saved with params refused since loads and predicts the same; training a member again with them is the Error", () => {
  const e = new Ensemble({ members: [xgboost({ num_round: 5 }), catboost({ iterations: 5 })] }).fit(table, { label: "target" });
  const dir = path.join(tmp, "older-params");
  saveEnsemble(e, dir);
  const mf = path.join(dir, "manifest.json");
  const j = JSON.parse(fs.readFileSync(mf, "utf8"));
  j.members[0].params = { ...j.members[0].params, random_strength: 1 };
  j.members[1].params = { ...j.members[1].params, seed: 3, subsample: 0.5 };
  fs.writeFileSync(mf, JSON.stringify(j));
  const loaded = loadEnsemble(dir);
  assert.equal(Array.from(loaded.predict(table).prediction), Array.from(e.predict(table).prediction));
  assert.throws(() => loaded.members[1].clone().fit(toMatrix(table, { label: "target" })), /catboost: parameter seed is not CatBoost's/);
  assert.throws(() => loaded.members[0].clone().fit(toMatrix(table, { label: "target" })), /random_strength .* applies to grow_policy "symmetric" only/);
  e.free();
  loaded.free();
});

test("loading errors: missing member file, unknown blend, feature mismatch", () => {
  const e = new Ensemble({ members: [xgboost({ num_round: 5 }), ridge()] }).fit(table, { label: "target" });
  const fresh = (name: string) => {
    const dir = path.join(tmp, name);
    saveEnsemble(e, dir);
    return dir;
  };
  const missing = fresh("missing");
  fs.rmSync(path.join(missing, "ridge.json"));
  assert.throws(() => loadEnsemble(missing), /member file missing: .*ridge\.json \(member "ridge"/);

  const unknown = fresh("unknown-blend");
  const mf = path.join(unknown, "manifest.json");
  fs.writeFileSync(mf, JSON.stringify({ ...JSON.parse(fs.readFileSync(mf, "utf8")), blend: "geometric" }));
  assert.throws(() => loadEnsemble(unknown), /unknown blend "geometric"/);

  const mismatch = fresh("mismatch");
  const mf2 = path.join(mismatch, "manifest.json");
  const j = JSON.parse(fs.readFileSync(mf2, "utf8"));
  fs.writeFileSync(mf2, JSON.stringify({ ...j, featureNames: j.featureNames.slice(0, 9) }));
  assert.throws(() => loadEnsemble(mismatch), /feature mismatch: member "xgboost"/);

  assert.throws(() => loadEnsemble(path.join(tmp, "nowhere")), /no manifest\.json/);
  // data without a trained feature column
  const loaded = loadEnsemble(fresh("ok"));
  assert.throws(() => loaded.predict(table.select(aq.not("bmi"))), /feature column not found: "bmi"/);
  assert.throws(() => loaded.predict([[1, 2, 3]]), /row 0 has 3 values, expected 10/);
  // rows as objects: a misspelt feature is an Error (read as missing it changed the prediction); other keys are not read
  const record = table.objects()[0] as Record<string, unknown>;
  const { bmi, ...rest } = record;
  assert.throws(() => loaded.predict([{ ...rest, BMI: bmi }]), /row 0 has no "bmi" \(its keys: .*BMI.*\); give null for a missing value/);
  assert.equal(Array.from(loaded.predict([{ ...record, extra: "ignored" }]).prediction), [loaded.predict(table.slice(0, 1)).prediction[0]]);
  assert.ok(Number.isFinite(loaded.predict([{ ...rest, bmi: null }]).prediction[0]), "null: a missing value");
  e.free();
  loaded.free();
});

test("binary classification: stratified folds, logloss/auc/accuracy, vote and soft_vote", () => {
  const median = [...(table.array("target") as number[])].sort((a, b) => a - b)[221];
  const bin = table.derive({ high: aq.escape((d: any) => (d.target > median ? 1 : 0)) }).select(aq.not("target"));
  const e = new Ensemble({ members: [xgboost({ num_round: 20 }), ridge(), randomForest({ num_parallel_tree: 10 })], objective: "binary:logistic", blend: "soft_vote" });
  const cv = crossValidate(e, bin, { label: "high", k: 3, blends: ["vote", "weighted", "stacking"] });
  assert.equal(cv.table.columnNames(), ["fold", "member", "logloss", "auc", "accuracy"]);
  const rows = cv.table.objects() as any[];
  // the vote's classes have no auc (the test below)
  for (const r of rows) assert.ok((r.member === "ensemble:vote" ? Number.isNaN(r.auc) : r.auc > 0.6) && r.accuracy > 0.6, JSON.stringify(r));
  assert.ok([...cv.oof["ensemble:vote"]].every((v) => v === 0 || v === 1));
  e.fit(bin, { label: "high" });
  const p = e.predict(bin).prediction;
  assert.ok(p.every((v) => v >= 0 && v <= 1));
  e.free();
});

test("a vote blend's classes are scored by accuracy, and its logloss and auc are NaN as scikit-learn's cross_validate scores a hard VotingClassifier's — they were scored on its 0/1 outputs (a wrong vote cost logloss 36)", () => {
  const r = lcg(11);
  const x1 = Array.from({ length: 60 }, () => r());
  const x2 = Array.from({ length: 60 }, () => r());
  const y = x1.map((v, i) => (v + 0.5 * x2[i] + 0.3 * r() > 0.9 ? 1 : 0));
  const cls = x1.map((v) => (v < 0.33 ? 0 : v < 0.66 ? 1 : 2));
  // which of scikit-learn's scores a hard vote has (nan: "Scoring failed", no predict_proba / decision_function)
  let undefinedScores = ["logloss", "auc"];
  if (hasSklearn()) {
    const ref = python(`import warnings
warnings.simplefilter('ignore')
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from sklearn.model_selection import cross_validate
X = np.column_stack([data['x1'], data['x2']])
v = VotingClassifier([('lr', LogisticRegression()), ('tree', DecisionTreeClassifier(max_depth=2))], voting='hard')
s = cross_validate(v, X, data['y'], cv=3, scoring={'logloss': 'neg_log_loss', 'auc': 'roc_auc', 'accuracy': 'accuracy'})
print(json.dumps([m for m in ('logloss', 'auc', 'accuracy') if np.isnan(s['test_' + m]).all()]))`, { x1, x2, y });
    undefinedScores = ref;
  }
  assert.equal(undefinedScores, ["logloss", "auc"]);
  for (const [objective, labels] of [["binary:logistic", y], ["multi:softprob", cls]] as const) {
    const e = new Ensemble({ members: [xgboost({ num_round: 5 }), randomForest({ num_parallel_tree: 3 }), xgboost({ num_round: 2, max_depth: 1 })], objective, blend: "vote" });
    const cv = crossValidate(e, aq.table({ x1, x2, y: labels }), { label: "y", k: 3, blends: ["soft_vote"], workers: 1 });
    const rows = cv.table.objects() as any[];
    for (const row of rows) {
      for (const metric of cv.metrics) {
        const nan = Number.isNaN(row[metric]);
        assert.is(nan, row.member === "ensemble" && undefinedScores.includes(metric), `${objective} ${row.member} ${metric} ${row[metric]}`);
      }
    }
    // accuracy: the vote's classes against the held-out labels
    cv.folds.forEach((fold, f) => {
      const k = objective === "multi:softprob" ? 3 : 1;
      const p = Float64Array.from(Array.from(fold.test).flatMap((i) => Array.from(cv.oof.ensemble.subarray(i * k, i * k + k))));
      const acc = rows.find((row) => row.fold === f + 1 && row.member === "ensemble").accuracy;
      assert.is(acc, accuracy(Array.from(fold.test, (i) => labels[i]), p));
    });
    const summary = (cv.summary.objects() as any[]).find((row) => row.member === "ensemble");
    assert.ok(Number.isNaN(summary.logloss_mean) && Number.isFinite(summary.accuracy_mean), JSON.stringify(summary));
    e.free();
  }
});

/** scikit-learn's hard VotingClassifier on given member classes, for each case: estimators that answer each row's
 * class as the member's text label, encoded by the VotingClassifier's own LabelEncoder (its class order); its predict
 * is the vote */
const SKLEARN_VOTE = `from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import VotingClassifier
class Given(ClassifierMixin, BaseEstimator):
    def __init__(self, labels=None):
        self.labels = labels
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self
    def predict(self, X):
        return self.le.transform(np.asarray(self.labels, dtype=object)[X[:, 0].astype(int)])
out = []
for case in data:
    X = np.arange(len(case['y'])).reshape(-1, 1)
    v = VotingClassifier([('m%d' % j, Given(labels)) for j, labels in enumerate(case['members'])], voting='hard')
    v.fit(X, np.asarray(case['y'], dtype=object))
    for est in v.estimators_:
        est.le = v.le_
    out.append([str(c) for c in v.predict(X)])
print(json.dumps(out))`;

test("vote ties go to the lowest class, as scikit-learn's hard VotingClassifier takes argmax(bincount(votes)) — they went to the class with the larger mean probability (2 and 4 members, text labels, binary and multiclass)", () => {
  if (!hasSklearn()) return;
  const r = lcg(23);
  const n = 90;
  const x1 = Array.from({ length: n }, () => r());
  const x2 = Array.from({ length: n }, () => r());
  const noisy = x1.map((v, i) => v + x2[i] + 0.8 * r());
  // text labels whose first appearance is not their order: the classes are sorted, as LabelEncoder sorts them
  const labelsBy: Record<string, string[]> = { "binary:logistic": ["yes", "no"], "multi:softprob": ["pear", "apple", "fig"] };
  const cases: { name: string; y: string[]; members: string[][]; got: (string | number)[] }[] = [];
  for (const objective of ["binary:logistic", "multi:softprob"]) {
    const names = labelsBy[objective];
    const y = noisy.map((v) => names[Math.min(names.length - 1, Math.floor((v / 2.8) * names.length))]);
    const t = aq.table({ x1, x2, y });
    const pool = [xgboost({ num_round: 3, max_depth: 1 }), xgboost({ num_round: 6, max_depth: 3, eta: 0.5 }), randomForest({ num_parallel_tree: 3, max_depth: 2, subsample: 0.6, colsample_bynode: 0.5 }), xgboost({ num_round: 2, max_depth: 2, colsample_bytree: 0.5, seed: 3 })];
    for (const m of [2, 4]) {
      const e = new Ensemble({ members: pool.slice(0, m).map((p) => p.clone()), objective, blend: "vote" }).fit(t, { label: "y" });
      const classes = e.classNames();
      const k = classes.length;
      // each member's class, as its predict answers (p > 0.5; argmax, the first of equals)
      const members = Object.values(e.predict(t).members).map((p) =>
        Array.from({ length: n }, (_, i) => {
          if (objective === "binary:logistic") return classes[p[i] > 0.5 ? 1 : 0];
          let best = 0;
          for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
          return classes[best];
        }),
      );
      const ties = y.filter((_, i) => {
        const counts = classes.map((c) => members.filter((l) => l[i] === c).length);
        return counts.filter((c) => c === Math.max(...counts)).length > 1;
      }).length;
      assert.ok(ties > 0, `${objective}, ${m} members: no tied rows to test`);
      cases.push({ name: `${objective}, ${m} members (${ties} tied rows)`, y, members, got: e.predictClasses(t).map((c) => c.label) });
      e.free();
    }
  }
  const ref: string[][] = python(SKLEARN_VOTE, cases.map(({ y, members }) => ({ y, members })));
  cases.forEach(({ name, got }, c) => {
    const differ = got.map((g, i) => (g === ref[c][i] ? -1 : i)).filter((i) => i >= 0);
    assert.equal(differ, [], `${name}: rows ${differ.slice(0, 5).map((i) => `${i} ${got[i]} ≠ ${ref[c][i]}`).join(", ")}`);
  });
});

test("a vote ensemble's predictClasses gives each row's label and no probabilities, saved and loaded alike, as scikit-learn's hard VotingClassifier has predict and no predict_proba — it reported probabilities 0 and 1 (false certainty)", () => {
  let refHasProba = false;
  if (hasSklearn()) {
    refHasProba = python(`from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
X = np.column_stack([data['x'], data['x']])
v = VotingClassifier([('lr', LogisticRegression()), ('tree', DecisionTreeClassifier(max_depth=2))], voting='hard').fit(X, data['y'])
print(json.dumps(hasattr(v, 'predict_proba')))`, { x: [1, 2, 3, 4, 5, 6], y: ["no", "no", "yes", "no", "yes", "yes"] });
  }
  assert.is(refHasProba, false);
  const r = lcg(5);
  const x1 = Array.from({ length: 40 }, () => r());
  const x2 = Array.from({ length: 40 }, () => r());
  for (const [objective, y] of [["binary:logistic", x1.map((v) => (v > 0.5 ? "yes" : "no"))], ["multi:softprob", x1.map((v) => (v < 0.3 ? "a" : v < 0.6 ? "b" : "c"))]] as const) {
    const t = aq.table({ x1, x2, y });
    const e = new Ensemble({ members: [xgboost({ num_round: 3 }), randomForest({ num_parallel_tree: 2 }), xgboost({ num_round: 2, max_depth: 1 })], objective, blend: "vote" }).fit(t, { label: "y" });
    const dir = path.join(tmp, `vote-${objective.replace(":", "-")}`);
    saveEnsemble(e, dir);
    const loaded = loadEnsemble(dir);
    const k = objective === "multi:softprob" ? 3 : 1;
    for (const model of [e, loaded]) {
      const classes = model.predictClasses(t);
      const p = model.predict(t).prediction;
      // the vote's class, and nothing that reads as its probability
      classes.forEach((c, i) => {
        assert.equal(Object.keys(c), ["label"], JSON.stringify(c));
        const index = k === 1 ? p[i] : Array.from(p.subarray(i * k, i * k + k)).indexOf(1);
        assert.is(c.label, model.classNames()[index]);
      });
    }
    assert.equal(loaded.predictClasses(t), e.predictClasses(t));
    e.free();
    loaded.free();
  }
});

test("binary:logistic with soft labels: fitted, but crossValidate refuses before any fit, naming the row, as scikit-learn's classification metrics refuse a continuous target (the Error said 'class 1 has 0 rows')", () => {
  const x = Array.from({ length: 40 }, (_, i) => i);
  const y = x.map((v) => v / 40);
  if (hasSklearn()) {
    const ref = python(`from sklearn.metrics import roc_auc_score, log_loss, accuracy_score
out = []
for f in (roc_auc_score, log_loss, accuracy_score):
    try:
        f(data['y'], [0.5] * len(data['y'])); out.append('scored')
    except ValueError as e:
        out.append(str(e))
print(json.dumps(out))`, { y });
    for (const r of ref) assert.ok(r !== "scored", `scikit-learn scored soft labels: ${ref}`);
  }
  const t = aq.table({ x, y });
  const make = () => new Ensemble({ members: [xgboost({ num_round: 2 })], objective: "binary:logistic" });
  let fits = 0;
  assert.throws(() => crossValidate(make(), t, { label: "y", k: 4, onProgress: () => fits++ }), /crossValidate: label row 1 holds 0\.025, and the held-out folds are scored by class .* soft labels can be fitted \(Ensemble\.fit\), not cross-validated/);
  assert.is(fits, 0);
  assert.throws(() => crossValidate(make(), aq.table({ x, y: x.map((v) => 1 + (v % 2)) }), { label: "y", k: 4 }), /crossValidate: label row 1 holds 2, and the held-out folds are scored by class \(logloss, auc and accuracy take labels 0 and 1, as scikit-learn's do\)$/);
  const e = make().fit(t, { label: "y" });
  assert.is(e.predict(t).prediction.length, 40);
  e.free();
});

test("multiclass: soft_vote over softprob members", () => {
  const t = table.derive({ cls: aq.escape((d: any) => (d.target < 100 ? 0 : d.target < 200 ? 1 : 2)) }).select(aq.not("target"));
  const e = new Ensemble({ members: [xgboost({ num_round: 10 }), catboost({ iterations: 10 })], objective: "multi:softprob", blend: "soft_vote" });
  const cv = crossValidate(e, t, { label: "cls", k: 3, blends: ["vote", "weighted"] });
  assert.equal(cv.table.columnNames(), ["fold", "member", "logloss", "accuracy"]);
  assert.is(cv.oof.ensemble.length, 442 * 3);
  assert.ok((cv.table.objects() as any[]).every((r) => r.accuracy > 0.45));
  assert.throws(() => new Ensemble({ members: [xgboost()], objective: "multi:softprob", blend: "stacking" }), /not supported/);
  e.free();
});

test("multiclass labels 1, 2, 3 (no class 0) are an Error, as XGBClassifier refuses them — they made num_class 4 and a class 0 that took probability; 0, 1, 2, text labels and a given num_class fit", () => {
  const x = Array.from({ length: 30 }, (_, i) => (i * 7) % 30);
  const y = x.map((v) => 1 + Math.floor(v / 10));
  if (hasSklearn()) {
    const ref = python(`import xgboost
X = np.array(data['x'], dtype=float).reshape(-1, 1)
out = {}
for name, y in (('from1', data['y']), ('from0', [v - 1 for v in data['y']])):
    try:
        xgboost.XGBClassifier(n_estimators=2).fit(X, y); out[name] = 'fitted'
    except ValueError as e:
        out[name] = str(e)
print(json.dumps(out))`, { x, y });
    assert.match(ref.from1, /Invalid classes/);
    assert.is(ref.from0, "fitted");
  }
  const fit = (labels: unknown[], params = {}) => {
    const e = new Ensemble({ members: [xgboost({ num_round: 2, ...params })], objective: "multi:softprob" });
    try {
      e.fit(aq.table({ x, y: labels }), { label: "y" });
      return e.classNames();
    } finally {
      e.free();
    }
  };
  assert.throws(() => fit(y), /multi:softprob numbers the classes 0\.\.K−1, and the labels are 1, 2, 3: class 0 has no rows/);
  assert.throws(() => crossValidate(new Ensemble({ members: [xgboost({ num_round: 2 })], objective: "multi:softprob" }), aq.table({ x, y }), { label: "y", k: 3 }), /class 0 has no rows/);
  assert.throws(() => fit(y.map((v) => (v === 2 ? 3 : v))), /the labels are 1, 3: 2 classes 0, 2 have no rows/);
  assert.equal(fit(y.map((v) => v - 1)), ["0", "1", "2"]);
  assert.equal(fit(y.map(String)), ["1", "2", "3"]);
  assert.equal(fit(y, { objective: "multi:softprob", num_class: 4 }), ["0", "1", "2", "3"]);
});

test("a refit on labels of fewer classes takes their classes, as scikit-learn's fit does (classes_) — the first fit's num_class 3 was kept, and text labels a, b were refused as 'num_class is 3'; a num_class given stays", () => {
  const x = Array.from({ length: 30 }, (_, i) => i);
  const y3 = x.map((v) => v % 3);
  const y2 = x.map((v) => v % 2);
  let width = 2;
  if (hasSklearn()) {
    width = python(`from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
X = np.array(data['x'], dtype=float).reshape(-1, 1)
v = VotingClassifier([('lr', LogisticRegression())], voting='soft').fit(X, data['y3']).fit(X, data['y2'])
print(json.dumps(v.predict_proba(X).shape[1]))`, { x, y3, y2 });
  }
  const refit = (first: unknown[], second: unknown[], params = {}, reload = false) => {
    let e = new Ensemble({ members: [xgboost({ num_round: 2, ...params })], objective: "multi:softprob" });
    try {
      e.fit(aq.table({ x, y: first }), { label: "y" });
      if (reload) {
        // saved and loaded in between: the manifest says which num_class the labels gave (a loaded refit kept 3)
        const dir = path.join(tmp, `refit-${Math.random().toString(36).slice(2)}`);
        saveEnsemble(e, dir);
        e.free();
        e = loadEnsemble(dir);
      }
      e.fit(aq.table({ x, y: second }), { label: "y" });
      return { classes: e.classNames(), width: e.predict(aq.table({ x })).prediction.length / x.length };
    } finally {
      e.free();
    }
  };
  assert.equal(refit(y3, y2), { classes: ["0", "1"], width });
  const text = (y: number[]) => y.map((v) => "abc"[v]);
  assert.equal(refit(text(y3), text(y2)), { classes: ["a", "b"], width });
  assert.equal(refit(y3, y2, {}, true), { classes: ["0", "1"], width }, "saved and loaded before the refit");
  assert.equal(refit(text(y3), text(y2), {}, true), { classes: ["a", "b"], width }, "text labels, saved and loaded");
  // the caller's num_class is XGBoost's: classes the labels lack are declared
  assert.equal(refit(y3, y2, { objective: "multi:softprob", num_class: 3 }).classes, ["0", "1", "2"]);
  assert.equal(refit(y3, y2, { objective: "multi:softprob", num_class: 3 }, true).classes, ["0", "1", "2"], "a given num_class, saved and loaded");
  // crossValidate counts the classes of its labels too
  const e = new Ensemble({ members: [xgboost({ num_round: 2 })], objective: "multi:softprob" });
  crossValidate(e, aq.table({ x, y: y3 }), { label: "y", k: 3, workers: 1 });
  assert.is(crossValidate(e, aq.table({ x, y: y2 }), { label: "y", k: 3, workers: 1 }).oof.ensemble.length, x.length * width);
});


test("survival:cox: xgboost members cross-validate and blend (mean) with the objective's own metric, cox-nloglik — lib's figure the core's, which is native's — not an rmse of hazard ratios against times; survival:aft, the squared-error blends and a linear member are refused naming why", () => {
  // a deterministic set: hazard rising with x0, 25 % right-censored (negative times), times on a 0.5 grid (ties)
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const n = 240, x0: number[] = [], x1: number[] = [], time: number[] = [];
  for (let i = 0; i < n; i++) {
    x0.push(Math.floor(rnd() * 20) / 4); x1.push(Math.floor(rnd() * 10));
    const tm = Math.max(0.5, Math.round(Math.exp(2 - 0.4 * x0[i] + rnd()) * 2) / 2);
    time.push(rnd() < 0.25 ? -tm : tm);
  }
  const tbl = aq.table({ x0, x1, time });
  const members = () => [xgboost({ objective: "survival:cox", num_round: 10 }), xgboost({ name: "deep", objective: "survival:cox", num_round: 10, max_depth: 5 })];
  const cv = crossValidate(new Ensemble({ members: members() }), tbl, { label: "time", k: 3, seed: 1 });
  assert.equal(cv.metrics, ["cox-nloglik"], "survival:cox's metric (it was rmse, mae, r2)");
  assert.ok(cv.oof.ensemble.every((v) => v > 0 && Number.isFinite(v)), "out-of-fold predictions are hazard ratios exp(margin)");
  const rows = cv.table.objects() as { fold: number; member: string; "cox-nloglik": number }[];
  for (const r of rows) assert.ok(Number.isFinite(r["cox-nloglik"]), `fold ${r.fold} ${r.member}: cox-nloglik ${r["cox-nloglik"]}`);
  // lib's cox-nloglik is the core's (native's, core-parity) on the same predictions: a held-out part scored by both
  const X = Float32Array.from({ length: n * 2 }, (_, j) => (j % 2 ? x1 : x0)[j >> 1]), y = Float32Array.from(time);
  const dtr = new DMatrix(X.subarray(0, 320), { nrow: 160, ncol: 2, label: y.subarray(0, 160) });
  const dte = new DMatrix(X.subarray(320), { nrow: 80, ncol: 2, label: y.subarray(160) });
  const b = train({ objective: "survival:cox", max_depth: 3 }, dtr, { numBoostRound: 5, evals: [[dte, "test"]] });
  const core = b.evalsResult.test["cox-nloglik"].at(-1)!, ours = coxNLogLik(y.subarray(160), b.predict(dte));
  // the core takes log of each float prediction in float, as native (rank_metric.cc); lib in double
  assert.ok(Math.abs(core - ours) <= 1e-6 * Math.abs(core), `cox-nloglik: lib ${ours}, core ${core}`);
  b.free(); dtr.free(); dte.free();
  assert.throws(() => new Ensemble({ members: [xgboost({ objective: "survival:aft" })] }), /survival:aft's labels are intervals \(XGBoost's label_lower_bound and label_upper_bound\), which an ensemble's one label column does not hold/);
  for (const blend of ["weighted", "stacking"] as const)
    assert.throws(() => new Ensemble({ members: members(), blend }), new RegExp(`blend "${blend}" fits its coefficients by squared error against the labels, which does not score survival:cox's hazard ratios`));
  assert.throws(() => new Ensemble({ members: [xgboost(), ridge({ name: "lin" })], objective: "survival:cox" }), /ridge member "lin" minimises squared error, which fits the mean, and survival:cox predicts/);
  assert.throws(() => crossValidate(new Ensemble({ members: members() }), aq.table({ x0, time: time.map((v) => (v > 0 ? "event" : "censored")) }), { label: "time", k: 2 }), /label column "time" holds text .* but the objective survival:cox needs numbers/);
});

test("survival:cox: the cross-validation's cox-nloglik (cvScore, the trainer's validation line) is the mean of the folds' values, which rescaling a fold model's hazard ratios (an equivalent Cox model) leaves as they are — not the pooled out-of-fold hazard ratios of k models, each on a scale of its own", () => {
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const n = 300, x0: number[] = [], x1: number[] = [], time: number[] = [];
  for (let i = 0; i < n; i++) {
    x0.push(Math.floor(rnd() * 20) / 4); x1.push(Math.floor(rnd() * 10));
    const tm = Math.max(0.5, Math.round(Math.exp(2 - 0.4 * x0[i] + rnd()) * 2) / 2);
    time.push(rnd() < 0.25 ? -tm : tm);
  }
  const cv = crossValidate(new Ensemble({ members: [xgboost({ objective: "survival:cox", num_round: 10 })] }), aq.table({ x0, x1, time }), { label: "time", k: 5, seed: 1 });
  /** each fold's cox-nloglik of these out-of-fold predictions, fold by fold (its own rows only) */
  const perFold = (oof: Float64Array) => cv.folds.map((f) => coxNLogLik(Array.from(f.test, (r) => cv.y[r]), Array.from(f.test, (r) => oof[r])));
  const folds = perFold(cv.oof.ensemble);
  const rows = (cv.table.objects() as { member: string; "cox-nloglik": number }[]).filter((r) => r.member === "ensemble");
  folds.forEach((v, f) => assert.ok(Math.abs(rows[f]["cox-nloglik"] - v) <= 1e-12 * v, `fold ${f + 1}: ${rows[f]["cox-nloglik"]} vs ${v}`));
  const mean = folds.reduce((s, v) => s + v, 0) / folds.length;
  assert.ok(Math.abs(cvScore(cv) - mean) <= 1e-12 * mean, `cvScore ${cvScore(cv)}, the folds' mean ${mean}`);
  // fold 1's model's hazard ratios × 10: the same fold values, the same figure; the pooled one moves
  const scaled = Float64Array.from(cv.oof.ensemble);
  for (const r of cv.folds[0].test) scaled[r] *= 10;
  const again = perFold(scaled);
  folds.forEach((v, f) => assert.ok(Math.abs(again[f] - v) <= 1e-9 * v, `fold ${f + 1} rescaled: ${again[f]} vs ${v}`));
  const pooled = coxNLogLik(cv.y, cv.oof.ensemble);
  assert.ok(Math.abs(coxNLogLik(cv.y, scaled) - pooled) > 0.05, "the pooled figure depends on a fold model's scale (why it is not the score)");
  assert.ok(Math.abs(cvScore(cv) - pooled) > 0.1, `the pooled ${pooled} is not the folds' mean ${mean}`);
  // regression keeps the pooled out-of-fold figure (rmse of every held-out prediction)
  const reg = crossValidate(new Ensemble({ members: [xgboost({ num_round: 5 })] }), aq.table({ x0, x1, y: x0.map((v, i) => v + x1[i]) }), { label: "y", k: 3, seed: 1 });
  assert.is(cvScore(reg), rmse(reg.y, reg.oof.ensemble));
  assert.throws(() => cvScore(cv, "rmse"), /cvScore: the cross-validation scored cox-nloglik, not "rmse"/);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.run();
