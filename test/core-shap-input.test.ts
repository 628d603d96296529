/**
 * SHAP contributions of the core (issue 16), beyond the native parity grid
 * (core-shap.test.ts):
 *   - the definition itself: on small models, TreeSHAP values and interaction values equal
 *     Shapley values / Shapley interaction indices computed here by brute force over every
 *     subset of features (v(S) = the cover-weighted expectation of the trees) — also on a
 *     split node of zero cover, which native XGBoost cannot explain;
 *   - categorical columns encoded by target statistics: the contributions are those of the
 *     encoded column (what the trees see), as native gives on the encoded matrix;
 *   - iterationRange [0, k] as native's iteration_range;
 *   - bad input: option clashes as native (or a clear Error where native errors), models
 *     without feature names or covers, empty input, sizes that cannot be returned.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import { Booster, DMatrix, train } from "node-xgboost-wasm";
import { hasXgboost, readF32, RefJob } from "../tools/reference/xgb-ref";
import { classLabels, mulberry32, regressionData } from "./helpers/core-data";

const XGB = hasXgboost();
const nt = XGB ? test : test.skip;

/** fn must throw a plain Error (not a wasm trap) whose message matches every pattern. */
function throwsNamed(label: string, fn: () => unknown, ...patterns: RegExp[]): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  assert.ok(err !== undefined, `${label}: did not throw`);
  assert.ok(!(err instanceof WebAssembly.RuntimeError), `${label}: a WebAssembly trap escaped: ${(err as Error).message}`);
  assert.ok(err instanceof Error, `${label}: threw a non-Error ${String(err)}`);
  for (const p of patterns) assert.ok(p.test((err as Error).message), `${label}: message ${JSON.stringify((err as Error).message)} does not match ${p}`);
}

// ---- a brute-force reference: Shapley values of v(S) = E[tree output | x_S], by subsets ----

interface JTree { left_children: number[]; right_children: number[]; split_indices: number[]; split_conditions: number[]; default_left: number[]; sum_hessian: number[] }
interface JModel { trees: JTree[]; treeInfo: number[]; groups: number; M: number; baseMargin: number }

function parse(json: string, baseMargin: number): JModel {
  const m = JSON.parse(json).learner;
  const gm = m.gradient_booster.model;
  const k = Number(m.learner_model_param.num_class) || 1;
  return { trees: gm.trees, treeInfo: gm.tree_info, groups: k, M: Number(m.learner_model_param.num_feature), baseMargin };
}

/** The expected output of the subtree at n when the features in S (bit mask) are known. */
function expect(t: JTree, n: number, x: Float32Array, S: number): number {
  if (t.left_children[n] === -1) return t.split_conditions[n];
  const f = t.split_indices[n], l = t.left_children[n], r = t.right_children[n];
  if (S & (1 << f)) {
    const v = x[f];
    const left = Number.isNaN(v) ? t.default_left[n] === 1 : v < t.split_conditions[n];
    return expect(t, left ? l : r, x, S);
  }
  const c = t.sum_hessian[n];
  const fl = c > 0 ? t.sum_hessian[l] / c : 0.5, fr = c > 0 ? t.sum_hessian[r] / c : 0.5;
  return fl * expect(t, l, x, S) + fr * expect(t, r, x, S);
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
const popcount = (v: number) => { let c = 0; for (; v; v &= v - 1) c++; return c; };

/** phi[g][0..M] and Phi[g][i][j] of one row by enumeration over all 2^M subsets. */
function bruteForce(m: JModel, x: Float32Array): { phi: number[][]; Phi: number[][][] } {
  const M = m.M, all = 1 << M;
  const phi: number[][] = [], Phi: number[][][] = [];
  for (let g = 0; g < m.groups; g++) {
    const v = new Float64Array(all);
    for (let S = 0; S < all; S++) m.trees.forEach((t, i) => { if (m.treeInfo[i] === g) v[S] += expect(t, 0, x, S); });
    const p = new Array(M + 1).fill(0);
    const P = Array.from({ length: M + 1 }, () => new Array(M + 1).fill(0));
    for (let i = 0; i < M; i++) {
      for (let S = 0; S < all; S++) {
        if (S & (1 << i)) continue;
        const s = popcount(S);
        p[i] += (factorial(s) * factorial(M - s - 1)) / factorial(M) * (v[S | (1 << i)] - v[S]);
        for (let j = 0; j < M; j++) {
          if (j === i || S & (1 << j)) continue;
          const w = (factorial(s) * factorial(M - s - 2)) / (2 * factorial(M - 1));
          P[i][j] += w * (v[S | (1 << i) | (1 << j)] - v[S | (1 << i)] - v[S | (1 << j)] + v[S]);
        }
      }
    }
    p[M] = v[0] + m.baseMargin;
    for (let i = 0; i < M; i++) P[i][i] = p[i] - P[i].reduce((a, b, j) => a + (j === i ? 0 : b), 0);
    P[M][M] = p[M];
    phi.push(p); Phi.push(P);
  }
  return { phi, Phi };
}

/** Compares every contribution (bias included) and interaction value of the rows with the
 * brute force; the objectives used here (squared error, softprob) have margin = base_score. */
function compareBruteForce(label: string, bst: Booster, json: string, X: Float32Array, nrow: number, M: number, tol: number): number {
  const m = parse(json, Math.fround(Number(JSON.parse(json).learner.learner_model_param.base_score)));
  const dm = new DMatrix(X, { nrow, ncol: M });
  const c = bst.predict(dm, { predContribs: true }), ia = bst.predict(dm, { predInteractions: true });
  dm.free();
  const K = m.groups, W = M + 1;
  let worst = 0;
  for (let r = 0; r < nrow; r++) {
    const ref = bruteForce(m, X.subarray(r * M, (r + 1) * M));
    for (let g = 0; g < K; g++) {
      for (let j = 0; j <= M; j++) {
        const d = Math.abs(c[(r * K + g) * W + j] - ref.phi[g][j]);
        worst = Math.max(worst, d);
        assert.ok(d <= tol, `${label} row ${r} group ${g} feature ${j}: ${c[(r * K + g) * W + j]} vs brute force ${ref.phi[g][j]}`);
        for (let k = 0; k <= M; k++) {
          const e = Math.abs(ia[((r * K + g) * W + j) * W + k] - ref.Phi[g][j][k]);
          worst = Math.max(worst, e);
          assert.ok(e <= tol, `${label} row ${r} group ${g} interaction [${j}][${k}]: ${ia[((r * K + g) * W + j) * W + k]} vs brute force ${ref.Phi[g][j][k]}`);
        }
      }
    }
  }
  return worst;
}

test("TreeSHAP and interaction values equal brute-force Shapley values over all subsets (depthwise, lossguide, symmetric, multiclass, repeated features), by the recursion and by the pattern tables", () => {
  const M = 5;
  const d = regressionData(300, M, 41, 0.1);
  const rows = regressionData(12, M, 42, 0.25);
  const cases: [string, Record<string, unknown>, Float32Array][] = [
    ["depthwise depth 6 (features repeat on a path)", { max_depth: 6 }, d.y],
    ["lossguide", { grow_policy: "lossguide", max_depth: 0, max_leaves: 11 }, d.y],
    ["symmetric", { grow_policy: "symmetric", max_depth: 4 }, d.y],
    ["multiclass", { objective: "multi:softprob", num_class: 3, max_depth: 3 }, d.y.map((v) => (v > 1 ? 2 : v > -1 ? 1 : 0))],
  ];
  for (const [label, params, y] of cases) {
    const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: M, label: y });
    const bst = train({ eta: 0.5, ...params }, dm, { numBoostRound: 3 });
    dm.free();
    compareBruteForce(label, bst, bst.saveModel(), rows.X, rows.nrow, M, 1e-5);
    // a large batch takes the pattern tables instead of the recursion: the same values
    const tiled = new Float32Array(rows.X.length * 50);
    for (let k = 0; k < 50; k++) tiled.set(rows.X, k * rows.X.length);
    const few = new DMatrix(rows.X, { nrow: rows.nrow, ncol: M }), many = new DMatrix(tiled, { nrow: rows.nrow * 50, ncol: M });
    const a = bst.predict(few, { predContribs: true }), b = bst.predict(many, { predContribs: true });
    for (let k = 0; k < b.length; k++) assert.ok(Math.abs(b[k] - a[k % a.length]) <= 1e-6, `${label}: batch of ${rows.nrow * 50} rows, value ${k}: ${b[k]} vs ${a[k % a.length]} alone`);
    few.free(); many.free(); bst.free();
  }
});

/** A one-tree model: root splits feature 0 at 0.5 (cover 10); its right child (cover `rightCover`)
 * splits feature 1 at 0 into leaves `a` and `b` (covers 0 when rightCover is 0). */
function handModel(rightCover: number, a: number, b: number): string {
  const tree = {
    base_weights: [0, 0, 0, 0, 0], categories: [], categories_nodes: [], categories_segments: [], categories_sizes: [],
    default_left: [0, 0, 1, 0, 0], id: 0, left_children: [1, -1, 3, -1, -1], right_children: [2, -1, 4, -1, -1],
    loss_changes: [1, 0, 0, 0, 0], parents: [2147483647, 0, 0, 2, 2], split_conditions: [0.5, -2, 0, a, b],
    split_indices: [0, 0, 1, 0, 0], split_type: [0, 0, 0, 0, 0],
    sum_hessian: [10 + rightCover, 10, rightCover, rightCover / 4, (3 * rightCover) / 4],
    tree_param: { num_deleted: "0", num_feature: "2", num_nodes: "5", size_leaf_vector: "0" },
  };
  return JSON.stringify({
    learner: {
      attributes: {}, feature_names: [], feature_types: [],
      gradient_booster: { model: { gbtree_model_param: { num_parallel_tree: "1", num_trees: "1" }, tree_info: [0], trees: [tree] }, name: "gbtree" },
      learner_model_param: { base_score: "5E-1", num_class: "0", num_feature: "2", num_target: "1" },
      name: "generic", objective: { name: "reg:squarederror", reg_loss_param: { scale_pos_weight: "1" } },
    },
    version: [1, 7, 4],
  });
}

test("a split node of zero cover below a covered root: cover fractions 1/2 there (brute force agrees); an empty subtree of equal leaves explains as one leaf", () => {
  const X = Float32Array.from([0.9, -1, 0.9, 1, 0.1, 1, 0.9, NaN, NaN, NaN]);
  const json = handModel(0, 1, 3);
  const bst = Booster.loadModel(json);
  const worst = compareBruteForce("zero-cover split", bst, json, X, 5, 2, 1e-6);
  assert.ok(worst <= 1e-6);
  // the old symmetric trees: an empty subtree whose leaves are all 0 ≡ that node a leaf of 0
  const emptySubtree = Booster.loadModel(handModel(0, 0, 0));
  const collapsed = JSON.parse(handModel(0, 0, 0));
  const t = collapsed.learner.gradient_booster.model.trees[0];
  Object.assign(t, {
    base_weights: [0, 0, 0], default_left: [0, 0, 0], left_children: [1, -1, -1], right_children: [2, -1, -1],
    loss_changes: [1, 0, 0], parents: [2147483647, 0, 0], split_conditions: [0.5, -2, 0], split_indices: [0, 0, 0],
    split_type: [0, 0, 0], sum_hessian: [10, 10, 0], tree_param: { ...t.tree_param, num_nodes: "3" },
  });
  const leafModel = Booster.loadModel(JSON.stringify(collapsed));
  const dm = new DMatrix(X, { nrow: 5, ncol: 2 });
  for (const opts of [{ predContribs: true }, { predInteractions: true }, { predContribs: true, approxContribs: true }]) {
    assert.equal(Array.from(emptySubtree.predict(dm, opts)), Array.from(leafModel.predict(dm, opts)), JSON.stringify(opts));
  }
  dm.free(); bst.free(); emptySubtree.free(); leafModel.free();
});

test("symmetric trees: every cover >= 0 and every empty leaf weighs 0, even with lambda 0 (empty sides are summed, not subtracted)", () => {
  let empties = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const d = regressionData(170, 12, 60 + seed, 0.2);
    const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: d.y });
    // Bayesian bootstrap at temperature 3: row weights spanning ~30 orders of magnitude, whose
    // sums round — a parent's sum minus one side left residues like -1e-13 for the other
    const bst = train({ grow_policy: "symmetric", max_depth: 8, lambda: 0, min_child_weight: 0, eta: 0.5, bootstrap_type: "bayesian", bagging_temperature: 3, seed }, dm, { numBoostRound: 4 });
    const trees = JSON.parse(bst.saveModel()).learner.gradient_booster.model.trees as JTree[];
    trees.forEach((t, ti) => t.sum_hessian.forEach((c, n) => {
      assert.ok(c >= 0, `seed ${seed} tree ${ti} node ${n}: cover ${c}`);
      if (c === 0 && t.left_children[n] === -1) { empties++; assert.is(t.split_conditions[n], 0, `seed ${seed} tree ${ti}: empty leaf ${n} weighs ${t.split_conditions[n]}`); }
    }));
    const c = bst.predict(dm, { predContribs: true });
    assert.ok(c.every(Number.isFinite));
    dm.free(); bst.free();
  }
  assert.ok(empties > 0, "no empty leaves: the case is not exercised");
});

test("covers: a rounding residue below 0 counts as 0 (older symmetric models); a real negative cover is an Error", () => {
  const X = Float32Array.from([0.9, -1, 0.9, 1, 0.1, 1]);
  const dm = new DMatrix(X, { nrow: 3, ncol: 2 });
  const withResidue = JSON.parse(handModel(0, 0, 0));
  withResidue.learner.gradient_booster.model.trees[0].sum_hessian = [10, 10, -1.13687e-13, 0, -5e-15];
  const zero = Booster.loadModel(handModel(0, 0, 0)), residue = Booster.loadModel(JSON.stringify(withResidue));
  assert.equal(Array.from(residue.predict(dm, { predContribs: true })), Array.from(zero.predict(dm, { predContribs: true })));
  withResidue.learner.gradient_booster.model.trees[0].sum_hessian = [10, 10, -2, 0, 0];
  const negative = Booster.loadModel(JSON.stringify(withResidue));
  throwsNamed("negative cover", () => negative.predict(dm, { predContribs: true }), /tree 0 node 2 has cover \(sum_hessian\) -2/);
  dm.free(); zero.free(); residue.free(); negative.free();
});

// ---- categorical columns (target statistics) ----

nt("categorical columns encoded by target statistics: contributions are the encoded column's, as native gives on the encoded matrix", () => {
  const rnd = mulberry32(77);
  const n = 500, M = 3, X = new Float32Array(n * M), y = new Float32Array(n);
  const effect = [3, -1, 0.5, 2, -2, 0];
  for (let i = 0; i < n; i++) {
    const cat = Math.floor(rnd() * 6);
    X[i * M] = rnd() < 0.05 ? NaN : cat;
    X[i * M + 1] = rnd() * 2 - 1;
    X[i * M + 2] = rnd() < 0.1 ? NaN : rnd();
    y[i] = effect[cat] + 2 * X[i * M + 1] + rnd();
  }
  const test = Float32Array.from([0, 0.5, 0.5, 3, -0.5, NaN, NaN, 0, 0.1, 9, 0.2, 0.2]); // NaN and unseen (9) categories
  const ref = new RefJob();
  const cases: [string, Record<string, unknown>][] = [["depthwise", { max_depth: 4, cat_encoding: "ordered" }], ["symmetric", { grow_policy: "symmetric", max_depth: 4 }]];
  const ours: Float32Array[] = [];
  for (const [i, [, params]] of cases.entries()) {
    const dm = new DMatrix(X, { nrow: n, ncol: M, label: y, catFeatures: [0] });
    const bst = train({ eta: 0.3, ...params }, dm, { numBoostRound: 10 });
    const dt = new DMatrix(test, { nrow: 4, ncol: M });
    const c = bst.predict(dt, { predContribs: true });
    const margin = bst.predict(dt, { outputMargin: true });
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let j = 0; j <= M; j++) s += c[r * (M + 1) + j];
      assert.ok(Math.abs(s - margin[r]) <= 1e-5 * Math.max(1, Math.abs(margin[r])), `row ${r}: ${s} vs margin ${margin[r]}`);
    }
    ours.push(c);
    // the encoded matrix, from the table the model carries (learner.attributes)
    const json = bst.saveModel();
    const table = JSON.parse(JSON.parse(json).learner.attributes.categorical_target_statistics);
    const enc = test.slice();
    for (let r = 0; r < 4; r++) {
      const v = test[r * M];
      enc[r * M] = Number.isNaN(v) ? table.prior : table.features["0"][String(v)] ?? table.prior;
    }
    ref.dataset(`enc${i}`, enc, 4, M);
    ref.task({ op: "load", model: ref.model(json), predict: [{ data: `enc${i}`, pred_contribs: true, out: ref.file(`c${i}.f32`) }] });
    dm.free(); dt.free(); bst.free();
  }
  ref.run();
  for (const [i, [label]] of cases.entries()) {
    const native = readF32(ref.file(`c${i}.f32`));
    for (let k = 0; k < native.length; k++) assert.ok(Math.abs(native[k] - ours[i][k]) <= 1e-5, `${label} [${k}]: ${ours[i][k]} vs native on the encoded matrix ${native[k]}`);
    // the categorical column carries a real share of the explanation
    assert.ok(Math.abs(ours[i][0]) > 0.1, `${label}: category 0's contribution ${ours[i][0]}`);
  }
  ref.cleanup();
});

nt("XGBoost-style categorical splits (one-hot and partition): contributions and interactions match native's on the same model", () => {
  const n = 800, M = 3;
  const X = new Float32Array(n * M), y = new Float32Array(n);
  let s = 11;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const effect = Array.from({ length: 12 }, () => rnd() * 4 - 2);
  for (let i = 0; i < n; i++) {
    const many = Math.floor(rnd() * 12), few = Math.floor(rnd() * 3);
    X[i * M] = rnd() < 0.05 ? NaN : many; // 12 levels: partition splits
    X[i * M + 1] = few; // 3 levels (< max_cat_to_onehot 4): one-hot splits
    X[i * M + 2] = rnd() * 2 - 1;
    y[i] = effect[many] + (few === 1 ? 1.5 : 0) + X[i * M + 2] + 0.3 * rnd();
  }
  const dm = new DMatrix(X, { nrow: n, ncol: M, label: y, catFeatures: [0, 1] });
  const bst = train({ max_depth: 4, eta: 0.3 }, dm, { numBoostRound: 10 });
  const json = bst.saveModel();
  assert.match(json, /"categories_nodes"/);
  const test = X.slice(0, 40 * M);
  test[0] = 30; // a code never seen in training
  const dt = new DMatrix(test, { nrow: 40, ncol: M });
  const contribs = bst.predict(dt, { predContribs: true });
  const inter = bst.predict(dt, { predInteractions: true });
  const ref = new RefJob();
  ref.dataset("t", test, 40, M, undefined, undefined, undefined, ["c", "c", "q"]);
  ref.task({ op: "load", model: ref.model(json), predict: [
    { data: "t", pred_contribs: true, out: ref.file("c.f32") },
    { data: "t", pred_interactions: true, out: ref.file("i.f32") },
  ] });
  ref.run();
  const [nc, ni] = [readF32(ref.file("c.f32")), readF32(ref.file("i.f32"))];
  assert.is(nc.length, contribs.length);
  assert.is(ni.length, inter.length);
  let worst = 0;
  for (let k = 0; k < nc.length; k++) worst = Math.max(worst, Math.abs(nc[k] - contribs[k]));
  for (let k = 0; k < ni.length; k++) worst = Math.max(worst, Math.abs(ni[k] - inter[k]));
  assert.ok(worst <= 1e-5, `max abs diff ${worst}`);
  console.log(`  categorical splits: contributions and interactions vs native, max abs diff ${worst.toExponential(1)}`);
  ref.cleanup();
  dm.free(); dt.free(); bst.free();
});

// ---- options ----

const data = regressionData(300, 5, 51, 0.1);
const W = data.ncol + 1;
function model(params: Record<string, unknown> = {}, names?: string[]): Booster {
  const label = params.objective === "multi:softprob" ? classLabels(data.y, 3) : data.y;
  const dm = new DMatrix(data.X, { nrow: data.nrow, ncol: data.ncol, label, ...(names ? { featureNames: names } : {}) });
  const b = train({ max_depth: 4, eta: 0.3, ...params }, dm, { numBoostRound: 6 });
  dm.free();
  return b;
}

nt("iterationRange [0, k] explains the first k rounds, as native's iteration_range; [a > 0, k] is an Error, as native's", () => {
  const bst = model({ objective: "multi:softprob", num_class: 3 }, undefined);
  const dm = new DMatrix(data.X, { nrow: data.nrow, ncol: data.ncol });
  const c = bst.predict(dm, { predContribs: true, iterationRange: [0, 3] });
  const ia = bst.predict(dm, { predInteractions: true, iterationRange: [0, 3] });
  const margin = bst.predict(dm, { outputMargin: true, iterationRange: [0, 3] });
  for (let r = 0; r < data.nrow; r++) {
    for (let g = 0; g < 3; g++) {
      let s = 0;
      for (let j = 0; j < W; j++) s += c[(r * 3 + g) * W + j];
      assert.ok(Math.abs(s - margin[r * 3 + g]) <= 1e-5 * Math.max(1, Math.abs(margin[r * 3 + g])));
    }
  }
  const ref = new RefJob();
  ref.dataset("x", data.X, data.nrow, data.ncol);
  ref.task({ op: "load", model: ref.model(bst.saveModel()), predict: [
    { data: "x", pred_contribs: true, iteration_range: [0, 3], out: ref.file("c.f32") },
    { data: "x", pred_interactions: true, iteration_range: [0, 3], out: ref.file("i.f32") },
  ] });
  ref.task({ op: "load", model: ref.model(bst.saveModel()), predict: [{ data: "x", pred_contribs: true, iteration_range: [1, 3] }] });
  const [ok, bad] = ref.run({ strict: false });
  assert.ok(!ok.error, ok.error);
  for (const [mine, file] of [[c, "c.f32"], [ia, "i.f32"]] as const) {
    const native = readF32(ref.file(file));
    assert.is(native.length, mine.length);
    for (let k = 0; k < native.length; k++) assert.ok(Math.abs(native[k] - mine[k]) <= 1e-5, `${file}[${k}]: ${mine[k]} vs ${native[k]}`);
  }
  assert.match(bad.error ?? "", /iteration/i, "native refuses a range not starting at 0");
  throwsNamed("iterationRange [1, 3]", () => bst.predict(dm, { predContribs: true, iterationRange: [1, 3] }), /iterationRange/, /\[0, end\)/);
  throwsNamed("iterationRange [1, 3] interactions", () => bst.predict(dm, { predInteractions: true, iterationRange: [1, 3] }), /iterationRange/);
  ref.cleanup(); dm.free(); bst.free();
});

test("option clashes are Errors, as native ('one type of prediction at a time'); approxContribs alone and unknown options too", () => {
  const bst = model();
  const dm = new DMatrix(data.X, { nrow: data.nrow, ncol: data.ncol });
  throwsNamed("contribs + interactions", () => bst.predict(dm, { predContribs: true, predInteractions: true }), /predContribs and predInteractions/, /one type of prediction/);
  throwsNamed("contribs + margin", () => bst.predict(dm, { predContribs: true, outputMargin: true }), /outputMargin and predContribs/);
  throwsNamed("interactions + margin", () => bst.predict(dm, { predInteractions: true, outputMargin: true }), /outputMargin and predInteractions/);
  throwsNamed("approx alone", () => bst.predict(dm, { approxContribs: true }), /approxContribs/, /predContribs or predInteractions/);
  throwsNamed("unknown option", () => bst.predict(dm, { predLeaf: true } as never), /unknown option "predLeaf"/, /predContribs/);
  throwsNamed("not a boolean", () => bst.predict(dm, { predContribs: "yes" } as never), /predContribs must be true or false/);
  // false flags are no flags
  assert.equal(Array.from(bst.predict(dm, { predContribs: true, outputMargin: false, predInteractions: false })), Array.from(bst.predict(dm, { predContribs: true })));
  // the core stays usable
  assert.is(bst.predict(dm, { predContribs: true }).length, data.nrow * W);
  dm.free(); bst.free();
});

test("models without feature names explain by position, the same numbers as with names", () => {
  const named = model({}, ["age", "bmi", "bp", "s1", "s2"]);
  const json = JSON.parse(named.saveModel());
  json.learner.feature_names = [];
  json.learner.feature_types = [];
  const anonymous = Booster.loadModel(JSON.stringify(json));
  assert.is(anonymous.featureNames, undefined);
  const dm = new DMatrix(data.X, { nrow: data.nrow, ncol: data.ncol });
  assert.equal(Array.from(anonymous.predict(dm, { predContribs: true })), Array.from(named.predict(dm, { predContribs: true })));
  dm.free(); named.free(); anonymous.free();
});

test("a model without covers (no sum_hessian) predicts, but its contributions are an Error naming the covers", () => {
  const bst = model();
  const json = JSON.parse(bst.saveModel());
  for (const t of json.learner.gradient_booster.model.trees) delete t.sum_hessian;
  const stripped = Booster.loadModel(JSON.stringify(json));
  const dm = new DMatrix(data.X, { nrow: data.nrow, ncol: data.ncol });
  assert.equal(Array.from(stripped.predict(dm)), Array.from(bst.predict(dm)));
  throwsNamed("contribs without covers", () => stripped.predict(dm, { predContribs: true }), /sum_hessian/, /cover/);
  throwsNamed("interactions without covers", () => stripped.predict(dm, { predInteractions: true }), /sum_hessian/);
  throwsNamed("approx without covers", () => stripped.predict(dm, { predContribs: true, approxContribs: true }), /sum_hessian/);
  dm.free(); bst.free(); stripped.free();
});

/** A model of one tree that is a chain of `depth` splits (node 2i splits, its left child 2i+1 is a leaf, the chain goes
 * right), from a small trained model's JSON: a shape no fit here grows, but a valid XGBoost tree that native explains. */
function chainModel(depth: number): string {
  const base = JSON.parse(model().saveModel());
  const n = 2 * depth + 1;
  const fill = (v: number) => new Array(n).fill(v);
  const [L, R, P, F, C, H] = [fill(-1), fill(-1), fill(-1), fill(0), fill(0), fill(1)];
  for (let i = 0; i < depth; i++) {
    const s = 2 * i;
    [L[s], R[s], P[s + 1], P[s + 2]] = [s + 1, s + 2, s, s];
    F[s] = i % data.ncol;
    C[s] = -1 + (2 * i) / depth;
    C[s + 1] = 0.01 * (i % 7) - 0.02;
    H[s + 1] = depth - i;
    H[s] = 2 * (depth - i) + 1;
  }
  C[n - 1] = 0.5;
  P[0] = 2147483647;
  const trees = base.learner.gradient_booster.model.trees;
  trees.length = 1;
  Object.assign(trees[0], {
    left_children: L, right_children: R, parents: P, split_indices: F, split_conditions: C, sum_hessian: H, default_left: fill(0),
    base_weights: fill(0), loss_changes: fill(1), split_type: fill(0), categories: [], categories_nodes: [], categories_segments: [], categories_sizes: [],
    tree_param: { ...trees[0].tree_param, num_nodes: String(n) },
  });
  base.learner.gradient_booster.model.tree_info = [0];
  base.learner.gradient_booster.model.gbtree_model_param.num_trees = "1";
  return JSON.stringify(base);
}

test("a tree 1,000 levels deep is explained as native explains it; deeper ones are an Error naming the depth, not a stack overflow inside the core (a chain of 5,000 levels: RangeError, the call's memory lost)", () => {
  const dm = new DMatrix(data.X, { nrow: data.nrow, ncol: data.ncol });
  const deep = Booster.loadModel(chainModel(1000));
  const c = deep.predict(dm, { predContribs: true });
  if (XGB) {
    const ref = new RefJob();
    ref.dataset("x", data.X, data.nrow, data.ncol);
    ref.task({ op: "load", model: ref.model(deep.saveModel()), predict: [{ data: "x", pred_contribs: true, out: ref.file("c.f32") }] });
    const [r] = ref.run();
    assert.ok(!r.error, r.error);
    const native = readF32(ref.file("c.f32"));
    assert.is(native.length, c.length);
    // a path of 1,000 splits: native sums its float32 fractions level by level (1.2e-5 apart seen here)
    for (let k = 0; k < native.length; k++) assert.ok(Math.abs(native[k] - c[k]) <= 1e-4, `[${k}]: ${c[k]} vs native ${native[k]}`);
    ref.cleanup();
  }
  const deeper = Booster.loadModel(chainModel(1001));
  assert.equal(Array.from(deeper.predict(dm)).length, data.nrow, "prediction needs no recursion");
  for (const [label, opts] of [["contribs", { predContribs: true }], ["interactions", { predInteractions: true }], ["approx", { predContribs: true, approxContribs: true }]] as const) {
    for (const nthread of [1, 2]) {
      deeper.setParam("nthread", nthread);
      throwsNamed(`${label}, nthread ${nthread}`, () => deeper.predict(dm, opts), /tree 0 has depth 1001: contributions are computed for trees up to depth 1000/);
    }
  }
  deep.free(); deeper.free(); dm.free();
});

test("edge cases: no rows, extreme values, a model of leaves only, a freed booster, interactions too large to return", () => {
  const bst = model();
  const empty = new DMatrix(new Float32Array(0), { nrow: 0, ncol: data.ncol });
  assert.is(bst.predict(empty, { predContribs: true }).length, 0);
  assert.is(bst.predict(empty, { predInteractions: true }).length, 0);
  const big = 3.4e38; // DMatrix refuses ±Infinity
  const inf = new DMatrix(Float32Array.from([big, -big, big, -big, 0, -big, big, NaN, 0, big]), { nrow: 2, ncol: data.ncol });
  const c = bst.predict(inf, { predContribs: true }), m = bst.predict(inf, { outputMargin: true });
  assert.ok(c.every(Number.isFinite), "finite contributions for extreme inputs");
  for (let r = 0; r < 2; r++) assert.ok(Math.abs(c.subarray(r * W, r * W + W).reduce((a, b) => a + b, 0) - m[r]) < 1e-5 * Math.max(1, Math.abs(m[r])));
  // gamma so large that no split pays: every tree is one leaf, all in the bias
  const stump = model({ gamma: 1e9 });
  const s = stump.predict(inf, { predContribs: true });
  assert.equal(Array.from(s.subarray(0, W - 1)), new Array(W - 1).fill(0));
  assert.ok(Math.abs(s[W - 1] - stump.predict(inf, { outputMargin: true })[0]) < 1e-6);
  // 3000 features: 100 rows of interactions would be 3.6 GB
  const wide = new Float32Array(20 * 3000);
  for (let i = 0; i < wide.length; i++) wide[i] = (i * 7919) % 13;
  const wm = new DMatrix(wide, { nrow: 20, ncol: 3000, label: Float32Array.from({ length: 20 }, (_, i) => i) });
  const wb = train({ max_depth: 2 }, wm, { numBoostRound: 1 });
  const many = new DMatrix(new Float32Array(100 * 3000), { nrow: 100, ncol: 3000 });
  throwsNamed("interactions too large", () => wb.predict(many, { predInteractions: true }), /interaction values of 100 rows/, /fewer rows/);
  assert.is(wb.predict(many, { predContribs: true }).length, 100 * 3001);
  bst.free();
  throwsNamed("freed booster", () => bst.predict(inf, { predContribs: true }), /after free/);
  empty.free(); inf.free(); stump.free(); wm.free(); wb.free(); many.free();
});

test.run();
