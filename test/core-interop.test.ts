/**
 * Interop with native XGBoost 1.7.4 (Debian python3-xgboost), both ways (issue 2 item 1,
 * issue 3 item 1):
 *   - a model trained here, saved with saveModel(), loads in native xgb.Booster and
 *     predicts within 1e-5 (relative, float32) of our predictions — on the training data
 *     and on data with NaNs (margins and transformed outputs);
 *   - a model trained by native XGBoost (JSON) loads with Booster.loadModel and predicts
 *     the same as native.
 * For reg:squarederror, binary:logistic and multi:softprob × depthwise, lossguide,
 * symmetric (oblivious) trees and random-forest mode (num_parallel_tree > 1); and
 * reg:absoluteerror, reg:pseudohubererror, count:poisson, multi:softmax, survival:cox depthwise (survival:aft, whose
 * bounds these sets lack, in core-parity's survival test, both ways).
 * Skips (with what to install) when /usr/bin/python3 cannot import xgboost.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Booster, DMatrix, catboostParams, train, type Metric, type Objective, type XGBoostParams } from "node-xgboost-wasm";
import { floatArrayText, floatText } from "node-xgboost-wasm/dist/model-json";
import { spawnSync } from "child_process";
import { hasXgboost, maxRelDiff, PYTHON, readF32, RefJob, writeF32, type RefResult } from "../tools/reference/xgb-ref";
import { binaryLabels, classLabels, regressionData, type Data } from "./helpers/core-data";

const RTOL = 1e-5;
/** relative to max(|a|, |b|, FLOOR): values below FLOOR are compared with absolute tolerance RTOL·FLOOR */
const FLOOR = 1e-2;
/** margins are sums of float32 leaf values of order 1: summation order alone moves them by
 * ~1e-7 absolute even when they cancel to near 0, so they are compared relative to max(|a|, |b|, 1) */
const MARGIN_FLOOR = 1;

const XGB = hasXgboost();
const t = XGB ? test : test.skip;

interface Case {
  name: string;
  objective: string;
  params: Record<string, unknown>;
  rounds: number;
}

const OBJECTIVES: Pick<Case, "objective" | "params">[] = [
  { objective: "reg:squarederror", params: {} },
  { objective: "binary:logistic", params: {} },
  { objective: "multi:softprob", params: { num_class: 3 } },
];
const POLICIES: { name: string; params: Record<string, unknown>; rounds: number }[] = [
  { name: "depthwise", params: { grow_policy: "depthwise", max_depth: 5 }, rounds: 12 },
  { name: "lossguide", params: { grow_policy: "lossguide", max_depth: 0, max_leaves: 17 }, rounds: 12 },
  { name: "symmetric", params: { grow_policy: "symmetric", max_depth: 4 }, rounds: 12 },
  {
    // CatBoost's names through the preset: symmetric, l2_leaf_reg 3, random_strength 1, Bayesian bootstrap
    name: "catboost-preset",
    params: (() => { const { params } = catboostParams({ depth: 5, learning_rate: 0.2, iterations: 12, random_seed: 4 }); delete params.seed; return { ...params }; })(),
    rounds: 12,
  },
  {
    name: "random-forest",
    params: { num_parallel_tree: 6, subsample: 0.7, colsample_bynode: 0.6, eta: 1, max_depth: 6 },
    rounds: 1,
  },
];
/** the other objectives of the core, depthwise only */
const MORE_OBJECTIVES: Pick<Case, "objective" | "params">[] = [
  { objective: "reg:absoluteerror", params: {} },
  { objective: "reg:pseudohubererror", params: { huber_slope: 1.5 } },
  { objective: "count:poisson", params: {} },
  { objective: "multi:softmax", params: { num_class: 3 } },
  // the label's sign is the censoring (negative: right-censored); predictions are hazard ratios exp(margin)
  { objective: "survival:cox", params: {} },
];
const CASES: Case[] = [
  ...OBJECTIVES.flatMap((o) =>
    POLICIES.map((p) => ({
      name: `${o.objective} ${p.name}`,
      objective: o.objective,
      params: { objective: o.objective, eta: 0.3, seed: 7, ...o.params, ...p.params },
      rounds: p.rounds,
    })),
  ),
  ...MORE_OBJECTIVES.map((o) => ({
    name: `${o.objective} depthwise`,
    objective: o.objective,
    params: { objective: o.objective, eta: 0.3, seed: 7, max_depth: 5, ...o.params },
    rounds: 12,
  })),
];
/** native XGBoost 1.7 has no symmetric trees: native → ours is checked for the others */
const nativeTrainable = (c: Case) => c.params.grow_policy !== "symmetric";

// training data with 5% NaNs (so default directions are learned), a NaN-heavy test set,
// and rows that are entirely missing
const NCOL = 8;
const base = regressionData(1500, NCOL, 11, 0.05);
const nanTest = regressionData(600, NCOL, 12, 0.3);
const allNan: Data = { X: new Float32Array(3 * NCOL).fill(NaN), y: new Float32Array(3), nrow: 3, ncol: NCOL };

function labelsFor(c: Case, y: Float32Array): Float32Array {
  if (c.objective === "binary:logistic") return binaryLabels(y);
  if (c.objective.startsWith("multi:")) return classLabels(y, 3);
  if (c.objective === "count:poisson") return y.map((v) => Math.floor(Math.exp(0.25 * v)));
  return y;
}

const EVAL_SETS: [string, Data][] = [["train", base], ["nan", nanTest], ["allnan", allNan]];

interface Outcome {
  ours: Record<string, { pred: Float32Array; margin: Float32Array }>;
  oursModel: string;
  nativeOnOurs: RefResult;
  nativeModel?: string;
  nativeTrained?: RefResult;
  oursOnNative?: Record<string, { pred: Float32Array; margin: Float32Array }>;
}

let outcomes: Map<string, Outcome> | undefined;

/** Train everything once, and run all native work in one python process. */
function run(): Map<string, Outcome> {
  if (outcomes) return outcomes;
  outcomes = new Map();
  const ref = new RefJob();
  const pending: { c: Case; o: Outcome; loadIdx: number; trainIdx?: number; modelFile?: string }[] = [];
  const dsNames = new Set<string>();
  for (const c of CASES) {
    const y = labelsFor(c, base.y);
    const dsTrain = `train-${c.objective}`;
    if (!dsNames.has(dsTrain)) {
      dsNames.add(dsTrain);
      ref.dataset(dsTrain, base.X, base.nrow, base.ncol, y);
    }
    for (const [name, d] of EVAL_SETS.slice(1)) {
      if (!dsNames.has(name)) { dsNames.add(name); ref.dataset(name, d.X, d.nrow, d.ncol); }
    }
    const evalNames = [dsTrain, "nan", "allnan"];
    const dtrain = new DMatrix(base.X, { nrow: base.nrow, ncol: base.ncol, label: y });
    const bst = train(c.params, dtrain, { numBoostRound: c.rounds });
    const ours: Outcome["ours"] = {};
    for (const [name, d] of EVAL_SETS) {
      const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol });
      ours[name] = { pred: bst.predict(dm), margin: bst.predict(dm, { outputMargin: true }) };
      dm.free();
    }
    const oursModel = bst.saveModel();
    bst.free();
    dtrain.free();
    const preds = evalNames.flatMap((data) => [{ data }, { data, output_margin: true }]);
    const loadIdx = ref.task({ op: "load", model: ref.model(oursModel), predict: preds });
    const o: Outcome = { ours, oursModel, nativeOnOurs: undefined as unknown as RefResult };
    const p: (typeof pending)[number] = { c, o, loadIdx };
    if (nativeTrainable(c)) {
      p.modelFile = ref.file(`native-${c.name.replace(/[^a-z0-9]+/gi, "_")}.json`);
      p.trainIdx = ref.task({ op: "train", params: c.params, num_round: c.rounds, dtrain: dsTrain, save_model: p.modelFile, predict: preds });
    }
    pending.push(p);
    outcomes.set(c.name, o);
  }
  const results = ref.run();
  const fs = require("fs") as typeof import("fs");
  for (const p of pending) {
    p.o.nativeOnOurs = results[p.loadIdx];
    if (p.trainIdx !== undefined) {
      p.o.nativeTrained = results[p.trainIdx];
      p.o.nativeModel = fs.readFileSync(p.modelFile!, "utf8");
      const bst = Booster.loadModel(p.o.nativeModel!);
      p.o.oursOnNative = {};
      for (const [name, d] of EVAL_SETS) {
        const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol });
        p.o.oursOnNative[name] = { pred: bst.predict(dm), margin: bst.predict(dm, { outputMargin: true }) };
        dm.free();
      }
      bst.free();
    }
  }
  ref.cleanup();
  return outcomes;
}

/** the largest differences seen, printed at the end as evidence */
const worst = { pred: { rel: 0, what: "" }, margin: { rel: 0, what: "" }, count: 0 };

function compare(what: string, ours: Float32Array, native: number[] | undefined, floor = FLOOR): void {
  assert.ok(native, `${what}: native returned no predictions`);
  assert.is(ours.length, native!.length, `${what}: ${ours.length} predictions here vs ${native!.length} native`);
  const d = maxRelDiff(ours, native!, floor);
  const w = floor === MARGIN_FLOOR ? worst.margin : worst.pred;
  worst.count += ours.length;
  if (d.rel > w.rel) { w.rel = d.rel; w.what = what; }
  assert.ok(
    d.rel <= RTOL,
    `${what}: max relative difference ${d.rel.toExponential(3)} > ${RTOL} at index ${d.index} (ours ${d.a}, native ${d.b})`,
  );
}

/** native predictions are returned in the order [set0 pred, set0 margin, set1 pred, ...] */
function comparePredictions(caseName: string, dir: string, ours: Outcome["ours"], native: RefResult): void {
  assert.not.ok(native.error, `${caseName} ${dir}: native error ${native.error}`);
  EVAL_SETS.forEach(([name], i) => {
    compare(`${caseName} ${dir} [${name}] prediction`, ours[name].pred, native.predict![2 * i].values);
    compare(`${caseName} ${dir} [${name}] margin`, ours[name].margin, native.predict![2 * i + 1].values, MARGIN_FLOOR);
  });
}

for (const c of CASES) {
  t(`ours → native: ${c.name} (saveModel loads in xgb.Booster, same predictions incl. NaNs)`, () => {
    const o = run().get(c.name)!;
    comparePredictions(c.name, "ours→native", o.ours, o.nativeOnOurs);
    // and it really is a non-trivial model
    const margin = o.ours.train.margin;
    assert.ok(new Set(margin).size > 5, `${c.name}: the model has only ${new Set(margin).size} distinct margins`);
  });
  if (nativeTrainable(c)) {
    t(`native → ours: ${c.name} (native JSON loads with Booster.loadModel, same predictions)`, () => {
      const o = run().get(c.name)!;
      assert.not.ok(o.nativeTrained!.error, o.nativeTrained!.error);
      comparePredictions(c.name, "native→ours", o.oursOnNative!, o.nativeTrained!);
    });
  }
}

t("round trip: saveModel → loadModel → identical predictions and identical JSON", () => {
  for (const c of CASES) {
    const o = run().get(c.name)!;
    const bst = Booster.loadModel(o.oursModel);
    for (const [name, d] of EVAL_SETS) {
      const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol });
      const p = bst.predict(dm);
      dm.free();
      const diff = maxRelDiff(p, o.ours[name].pred, FLOOR);
      assert.ok(diff.rel === 0, `${c.name} [${name}]: predictions differ after loadModel: max rel ${diff.rel.toExponential(3)} at ${diff.index} (${diff.a} vs ${diff.b})`);
    }
    assert.is(bst.saveModel(), o.oursModel, `${c.name}: saveModel(loadModel(json)) differs from json`);
    bst.free();
  }
});

interface JsonTree {
  left_children: number[]; right_children: number[]; split_indices: number[]; split_conditions: number[];
  default_left: (number | boolean)[]; sum_hessian: number[];
}

/** Walk a tree level by level: at each depth, every node is a leaf, or all share one (feature, threshold)
 * — but for nodes no training row reached, which stop early as leaves of cover 0 and weight 0. */
function checkOblivious(tree: JsonTree, label: string, maxDepth: number): number {
  let level = [0];
  let depth = 0;
  while (level.length) {
    const internal = level.filter((n) => tree.left_children[n] !== -1);
    if (internal.length === 0) break;
    const filled = level.filter((n) => tree.left_children[n] === -1 && !(tree.sum_hessian[n] === 0 && tree.split_conditions[n] === 0));
    assert.is(filled.length, 0, `${label} depth ${depth}: ${filled.length} of ${level.length} nodes are leaves with rows while others split (not oblivious)`);
    const f = tree.split_indices[internal[0]], thr = tree.split_conditions[internal[0]];
    for (const n of internal) {
      assert.is(tree.split_indices[n], f, `${label} depth ${depth}: node ${n} splits on feature ${tree.split_indices[n]}, node ${internal[0]} on ${f}`);
      assert.is(tree.split_conditions[n], thr, `${label} depth ${depth}: node ${n} threshold ${tree.split_conditions[n]} ≠ ${thr}`);
    }
    level = internal.flatMap((n) => [tree.left_children[n], tree.right_children[n]]);
    depth++;
  }
  assert.ok(depth <= maxDepth, `${label}: depth ${depth} > max_depth ${maxDepth}`);
  return depth;
}

t("symmetric trees are oblivious: each saved tree has one (feature, threshold) per level", () => {
  let walked = 0, deep = 0;
  for (const c of CASES.filter((x) => x.params.grow_policy === "symmetric")) {
    const model = JSON.parse(run().get(c.name)!.oursModel);
    const trees: JsonTree[] = model.learner.gradient_booster.model.trees;
    assert.ok(trees.length >= c.rounds, `${c.name}: ${trees.length} trees`);
    trees.forEach((tr, i) => {
      const d = checkOblivious(tr, `${c.name} tree ${i}`, Number(c.params.max_depth));
      walked++;
      if (d === Number(c.params.max_depth)) deep++;
    });
  }
  assert.ok(walked > 0);
  assert.ok(deep > walked / 2, `only ${deep} of ${walked} symmetric trees reach max_depth`);
});

t("depthwise trees are not oblivious (the walker can tell)", () => {
  const model = JSON.parse(run().get("reg:squarederror depthwise")!.oursModel);
  const trees: JsonTree[] = model.learner.gradient_booster.model.trees;
  let nonOblivious = 0;
  for (const tr of trees) {
    try { checkOblivious(tr, "depthwise", 99); } catch { nonOblivious++; }
  }
  assert.ok(nonOblivious > 0, "every depthwise tree passed the oblivious check");
});

t("random forest: num_parallel_tree trees per round, all kept in the saved model", () => {
  for (const c of CASES.filter((x) => Number(x.params.num_parallel_tree) > 1)) {
    const model = JSON.parse(run().get(c.name)!.oursModel);
    const gm = model.learner.gradient_booster.model;
    const k = c.objective === "multi:softprob" ? 3 : 1;
    assert.is(Number(gm.gbtree_model_param.num_parallel_tree), Number(c.params.num_parallel_tree), `${c.name}: num_parallel_tree`);
    assert.is(gm.trees.length, Number(c.params.num_parallel_tree) * k * c.rounds, `${c.name}: tree count`);
  }
});

t("native → ours, XGBoost 2.x schema: the same native model rewritten as 2.x writes it loads and predicts the same", () => {
  // XGBoost 2.x writes version [2, x, y], base_score as "[5E-1]" (a vector since 2.1) and
  // categorical fields on every tree; the trees themselves are unchanged.
  for (const name of ["reg:squarederror depthwise", "binary:logistic lossguide", "multi:softprob depthwise"]) {
    const o = run().get(name)!;
    const m = JSON.parse(o.nativeModel!);
    m.version = [2, 1, 3];
    const bs = m.learner.learner_model_param.base_score;
    m.learner.learner_model_param.base_score = `[${Number(bs).toExponential().toUpperCase()}]`;
    m.learner.learner_model_param.boost_from_average = "1";
    for (const tr of m.learner.gradient_booster.model.trees) {
      tr.categories = []; tr.categories_nodes = []; tr.categories_segments = []; tr.categories_sizes = [];
      tr.split_type = tr.split_type ?? new Array(tr.left_children.length).fill(0);
    }
    m.learner.gradient_booster.model.iteration_indptr = Array.from({ length: m.learner.gradient_booster.model.tree_info.length + 1 }, (_, i) => i);
    const bst = Booster.loadModel(JSON.stringify(m));
    EVAL_SETS.forEach(([set, d], i) => {
      const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol });
      compare(`${name} 2.x schema [${set}]`, bst.predict(dm), o.nativeTrained!.predict![2 * i].values);
      dm.free();
    });
    bst.free();
  }
});

t("native → ours: a multi-target model (XGBoost's multi-output regression, a 2-D label) is refused naming num_target; vector-leaf trees (2.x) naming size_leaf_vector", () => {
  const ref = new RefJob();
  const ntr = 300;
  // three targets, row-major as native's 2-D label: y, -y, 2y
  const y3 = Float32Array.from({ length: ntr * 3 }, (_, i) => base.y[Math.floor(i / 3)] * [1, -1, 2][i % 3]);
  const file = ref.file("multi-target.json");
  const py = `import numpy as np, xgboost as xgb
X = np.fromfile(${JSON.stringify(ref.file("mt.X.f32"))}, dtype="<f4").reshape(${ntr}, ${NCOL})
y = np.fromfile(${JSON.stringify(ref.file("mt.y.f32"))}, dtype="<f4").reshape(${ntr}, 3)
b = xgb.train({"tree_method": "hist", "max_depth": 3}, xgb.DMatrix(X, label=y), 2)
b.save_model(${JSON.stringify(file)})
print(b.predict(xgb.DMatrix(X[:2])).shape)`;
  writeF32(ref.file("mt.X.f32"), base.X.subarray(0, ntr * NCOL));
  writeF32(ref.file("mt.y.f32"), y3);
  const r = spawnSync(PYTHON, ["-c", py], { encoding: "utf8", timeout: 120_000 });
  assert.is(r.stdout.trim(), "(2, 3)", `native multi-output regression: ${r.stderr}`);
  const json = require("fs").readFileSync(file, "utf8") as string;
  ref.cleanup();
  assert.throws(() => Booster.loadModel(json), (e: Error) => /num_target is 3: a multi-target model \(XGBoost's multi-output regression\) is not supported/.test(e.message));
  // XGBoost 2.x's vector-leaf trees: the same model as 2.x writes one (one tree a round, size_leaf_vector 3)
  const m = JSON.parse(json);
  m.learner.learner_model_param.num_target = "1";
  m.learner.gradient_booster.model.trees.forEach((t: { tree_param: Record<string, string> }) => { t.tree_param.size_leaf_vector = "3"; });
  assert.throws(() => Booster.loadModel(JSON.stringify(m)), (e: Error) => /tree 0 has vector leaves \(size_leaf_vector 3, XGBoost's multi_strategy "multi_output_tree"\)/.test(e.message));
});

t("native → ours: an objective named reg:linear (XGBoost's old name of reg:squarederror) loads as native loads it, the same predictions", () => {
  const text = run().get("reg:squarederror depthwise")!.nativeModel!;
  assert.is(text.match(/"name":"reg:squarederror"/g)?.length, 1);
  const linear = text.replace('"name":"reg:squarederror"', '"name":"reg:linear"');
  const ref = new RefJob();
  ref.dataset("lin", nanTest.X, nanTest.nrow, NCOL);
  ref.task({ op: "load", model: ref.model(linear), predict: [{ data: "lin" }] });
  const [r] = ref.run();
  ref.cleanup();
  const bst = Booster.loadModel(linear);
  const dm = new DMatrix(nanTest.X, { nrow: nanTest.nrow, ncol: NCOL });
  compare("reg:linear model", bst.predict(dm), r.predict![0].values);
  assert.match(bst.saveModel(), /"name":"reg:squarederror"/);
  dm.free();
  bst.free();
});

t("scale_pos_weight: saved in the objective's reg_loss_param as native reads it, and kept through loadModel → saveModel (it was always written as 1)", () => {
  const d = regressionData(300, 4, 11);
  const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: binaryLabels(d.y) });
  const bst = train({ objective: "binary:logistic", scale_pos_weight: 3, max_depth: 2 }, dm, { numBoostRound: 2 });
  const text = bst.saveModel();
  const again = Booster.loadModel(text).saveModel();
  assert.is(again, text);
  const ref = new RefJob();
  const py = `import json, xgboost as xgb
b = xgb.Booster(model_file=${JSON.stringify(ref.model(text))})
print(json.loads(b.save_config())["learner"]["objective"]["reg_loss_param"]["scale_pos_weight"])`;
  const r = spawnSync(PYTHON, ["-c", py], { encoding: "utf8", timeout: 60_000 });
  ref.cleanup();
  assert.is(r.stdout.trim(), "3", r.stderr);
  bst.free(); dm.free();
});

t("rank:ndcg / rank:map both ways: our model (num_pairsample 2, fix_list_weight 3) loads natively with its lambda_rank_param, predicts the same and scores the same map and ndcg@3 on the grouped data; native's rank:map model loads here, predicts the same and saves its objective section unchanged", () => {
  const d = regressionData(600, NCOL, 13), y = d.y.map((v) => Math.min(3, Math.max(0, Math.round(v + 1.5))));
  const group = [100, 50, 200, 250];
  const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol, label: y, group });
  const bst = train({ objective: "rank:ndcg", num_pairsample: 2, fix_list_weight: 3, max_depth: 4, eval_metric: ["map", "ndcg@3"] }, dm, { numBoostRound: 3, evals: [[dm, "r"]] });
  const ref = new RefJob();
  ref.dataset("r", d.X, d.nrow, d.ncol, y);
  ref.groups("r", group);
  ref.dataset("nan", nanTest.X, nanTest.nrow, NCOL);
  const ours = ref.model(bst.saveModel());
  ref.task({ op: "load", model: ours, predict: [{ data: "r" }, { data: "nan", output_margin: true }], config: true, eval: [{ data: "r", metrics: ["map", "ndcg@3"] }] });
  const nativeFile = ref.file("native-map.json");
  ref.task({ op: "train", params: { objective: "rank:map", max_depth: 3 }, num_round: 3, dtrain: "r", save_model: nativeFile, predict: [{ data: "nan" }] });
  const [load, nat] = ref.run();
  assert.equal(load.config.learner.objective, { name: "rank:ndcg", lambda_rank_param: { num_pairsample: "2", fix_list_weight: "3" } });
  // native scores our model on the grouped data as we do (its metrics, per query)
  for (const m of ["map", "ndcg@3"]) assert.ok(Math.abs(bst.evalsResult.r[m][2] - load.evals!.r[m]) < 1e-12, `${m}: ours ${bst.evalsResult.r[m][2]}, native ${load.evals!.r[m]}`);
  const dnan = new DMatrix(nanTest.X, { nrow: nanTest.nrow, ncol: NCOL });
  compare("our rank:ndcg model in native (training data)", bst.predict(dm), load.predict![0].values);
  compare("our rank:ndcg model in native (NaN data, margins)", bst.predict(dnan, { outputMargin: true }), load.predict![1].values);
  const fs = require("fs") as typeof import("fs");
  const nativeText = fs.readFileSync(nativeFile, "utf8");
  const loaded = Booster.loadModel(nativeText);
  compare("native's rank:map model here", loaded.predict(dnan), nat.predict![0].values);
  assert.equal(JSON.parse(loaded.saveModel()).learner.objective, JSON.parse(nativeText).learner.objective);
  ref.cleanup();
  loaded.free(); bst.free(); dm.free(); dnan.free();
});

t("native → ours: a base_score outside the objective's domain is refused as the model loads (binary:logistic as native refuses it; count:poisson, whose margins native makes -inf / NaN) — ours predicted NaN and ±Infinity", () => {
  const ref = new RefJob();
  const cases: { name: string; model: string; score: string }[] = [];
  for (const [name, scores] of [["binary:logistic depthwise", ["0", "1", "1.5", "-0.5"]], ["count:poisson depthwise", ["0", "-1"]]] as const) {
    // the text edited in place: JSON.stringify would write native's float 0.0 as 0, which native's parser refuses
    const text = run().get(name)!.nativeModel!;
    assert.is(text.match(/"base_score":"[^"]*"/g)?.length, 1, `${name}: one base_score in native's JSON`);
    for (const score of scores) cases.push({ name, model: text.replace(/"base_score":"[^"]*"/, `"base_score":"${score}"`), score });
  }
  ref.dataset("bs", nanTest.X, nanTest.nrow, NCOL);
  // margins written as float32 files: -inf and NaN are not JSON
  const idx = cases.map((c, i) => ref.task({ op: "load", model: ref.model(c.model), predict: [{ data: "bs", output_margin: true, out: ref.file(`bs${i}.f32`) }] }));
  const results = ref.run({ strict: false });
  const margins = cases.map((_, i) => (results[idx[i]].error ? undefined : readF32(ref.file(`bs${i}.f32`))));
  ref.cleanup();
  cases.forEach((c, i) => {
    const nat = results[idx[i]];
    if (c.name.startsWith("binary")) assert.match(nat.error ?? "", /base_score/, `${c.name} base_score ${c.score}: native loaded it`);
    else assert.ok(margins[i]!.every((v) => !Number.isFinite(v)), `${c.name} base_score ${c.score}: native's margins are finite`);
    assert.throws(() => Booster.loadModel(c.model), (e: Error) => new RegExp(`base_score is ${c.score}; ${c.name.split(" ")[0]} needs it`).test(e.message), `${c.name} base_score ${c.score}`);
  });
  // inside the domain it loads, as in native
  Booster.loadModel(run().get("binary:logistic depthwise")!.nativeModel!.replace(/"base_score":"[^"]*"/, '"base_score":"0.25"')).free();
});

t("categorical features (ordered target statistics): saveModel → loadModel predicts identically, unseen categories included", () => {
  const n = 1200, ncol = 4;
  const X = new Float32Array(n * ncol), y = new Float32Array(n);
  let s = 17;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  for (let i = 0; i < n; i++) {
    const cat = Math.floor(rnd() * 30);
    X[i * ncol] = cat; X[i * ncol + 1] = rnd(); X[i * ncol + 2] = rnd() < 0.1 ? NaN : Math.floor(rnd() * 5); X[i * ncol + 3] = rnd();
    y[i] = (cat % 3) * 2 + 3 * X[i * ncol + 1] + (rnd() - 0.5);
  }
  const d = new DMatrix(X, { nrow: n, ncol, label: y, featureNames: ["city", "a", "kind", "b"], catFeatures: ["city", 2] });
  for (const policy of ["symmetric", "depthwise"] as const) {
    const bst = train({ grow_policy: policy, max_depth: 4, eta: 0.2, seed: 3, cat_encoding: "ordered" }, d, { numBoostRound: 15 });
    const json = bst.saveModel();
    const loaded = Booster.loadModel(json);
    // new rows: known categories, unseen categories (30..39) and missing categories
    const m = 200, Xt = new Float32Array(m * ncol);
    for (let i = 0; i < m; i++) {
      Xt[i * ncol] = i % 4 === 0 ? 30 + (i % 10) : i % 4 === 1 ? NaN : i % 30;
      Xt[i * ncol + 1] = rnd(); Xt[i * ncol + 2] = i % 7; Xt[i * ncol + 3] = rnd();
    }
    const dt = new DMatrix(Xt, { nrow: m, ncol });
    for (const dd of [d, dt]) {
      const a = bst.predict(dd), b = loaded.predict(dd);
      const diff = maxRelDiff(a, b, FLOOR);
      assert.ok(diff.rel === 0, `${policy}: categorical model predicts differently after loadModel: ${diff.rel} at ${diff.index} (${diff.a} vs ${diff.b})`);
      assert.ok(a.every(Number.isFinite), `${policy}: non-finite predictions`);
    }
    assert.is(loaded.saveModel(), json, `${policy}: categorical model JSON changed on a round trip`);
    assert.ok(/categorical|target_statistic/i.test(Object.keys(JSON.parse(json).learner.attributes).join(" ")), `${policy}: no encoding tables in learner.attributes`);
    dt.free(); bst.free(); loaded.free();
  }
  d.free();
});

t("metrics and importances agree with native on the same model: evalsResult vs native eval (weighted), getScore vs get_score", () => {
  const valid = regressionData(500, NCOL, 21, 0.1);
  const w = Float32Array.from({ length: valid.nrow }, (_, i) => 0.5 + ((i * 7919) % 13) / 8);
  const poisson = (y: Float32Array) => y.map((v) => Math.floor(Math.exp(0.25 * v)));
  const setups: { objective: Objective; extra: XGBoostParams; metrics: Metric[]; labels: (y: Float32Array) => Float32Array }[] = [
    { objective: "reg:squarederror", extra: {}, metrics: ["rmse", "mae"], labels: (y) => y },
    // rmsle and mape (they were refused: 'not implemented here'), on labels > 0 (mape divides by them, rmsle takes log1p)
    { objective: "reg:squarederror", extra: {}, metrics: ["rmsle", "mape"], labels: (y) => y.map((v) => Math.abs(v) + 0.5) },
    { objective: "binary:logistic", extra: {}, metrics: ["logloss", "error", "auc"], labels: binaryLabels },
    // auc of K classes: each against the rest, averaged by the classes' weights (it was refused: 'does not apply')
    { objective: "multi:softprob", extra: { num_class: 3 }, metrics: ["mlogloss", "merror", "auc"], labels: (y) => classLabels(y, 3) },
    { objective: "multi:softmax", extra: { num_class: 4 }, metrics: ["auc"], labels: (y) => classLabels(y, 4) },
    { objective: "count:poisson", extra: {}, metrics: ["poisson-nloglik"], labels: poisson },
  ];
  const ref = new RefJob();
  const ours: { evals: Record<string, number>; scores: Record<string, Record<string, number>> }[] = [];
  setups.forEach((su, i) => {
    const ytr = su.labels(base.y), yva = su.labels(valid.y);
    const dtr = new DMatrix(base.X, { nrow: base.nrow, ncol: NCOL, label: ytr });
    const dva = new DMatrix(valid.X, { nrow: valid.nrow, ncol: NCOL, label: yva, weight: w });
    const bst = train({ objective: su.objective, max_depth: 4, eta: 0.3, eval_metric: su.metrics, ...su.extra }, dtr, {
      numBoostRound: 10, evals: [[dtr, "train"], [dva, "valid"]],
    });
    const evals: Record<string, number> = {};
    for (const m of su.metrics) evals[m] = bst.evalsResult.valid[m][9];
    const scores: Record<string, Record<string, number>> = {};
    for (const tp of ["weight", "gain", "cover", "total_gain", "total_cover"] as const) scores[tp] = bst.getScore({ importanceType: tp });
    ours.push({ evals, scores });
    ref.dataset(`valid${i}`, valid.X, valid.nrow, NCOL, yva, w);
    ref.task({ op: "load", model: ref.model(bst.saveModel()), scores: true, eval: [{ data: `valid${i}`, metrics: su.metrics }] });
    bst.free(); dtr.free(); dva.free();
  });
  const results = ref.run();
  ref.cleanup();
  setups.forEach((su, i) => {
    const nat = results[i];
    for (const m of su.metrics) {
      const a = ours[i].evals[m], b = nat.evals![`valid${i}`][m];
      assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${su.objective} weighted ${m}: ours ${a}, native ${b}`);
    }
    for (const tp of Object.keys(ours[i].scores)) {
      const a = ours[i].scores[tp], b = nat.scores![tp];
      assert.equal(Object.keys(a).sort(), Object.keys(b).sort(), `${su.objective} ${tp}: features differ`);
      for (const f of Object.keys(b)) {
        assert.ok(Math.abs(a[f] - b[f]) <= 1e-4 * Math.max(1, Math.abs(b[f])), `${su.objective} getScore ${tp}[${f}]: ours ${a[f]}, native ${b[f]}`);
      }
    }
  });
});

t("feature names and iteration ranges: a named model loads natively (names kept), iterationRange predicts like native's iteration_range", () => {
  const names = Array.from({ length: NCOL }, (_, i) => `feat_${i}`);
  const dtr = new DMatrix(base.X, { nrow: base.nrow, ncol: NCOL, label: base.y, featureNames: names });
  const bst = train({ max_depth: 4, eta: 0.3 }, dtr, { numBoostRound: 10 });
  const dn = new DMatrix(nanTest.X, { nrow: nanTest.nrow, ncol: NCOL, featureNames: names });
  const full = bst.predict(dn), part = bst.predict(dn, { iterationRange: [2, 7] }), margin = bst.predict(dn, { iterationRange: [0, 3], outputMargin: true });
  const json = bst.saveModel();
  assert.equal(JSON.parse(json).learner.feature_names, names, "feature_names not saved");
  const scores = bst.getScore({ importanceType: "weight" });
  assert.ok(Object.keys(scores).every((k) => names.includes(k)), `getScore keys are not the feature names: ${Object.keys(scores)}`);
  bst.free(); dtr.free(); dn.free();
  const ref = new RefJob();
  ref.dataset("named", nanTest.X, nanTest.nrow, NCOL, undefined, undefined, names);
  ref.task({ op: "load", model: ref.model(json), scores: true, predict: [{ data: "named" }, { data: "named", iteration_range: [2, 7] }, { data: "named", iteration_range: [0, 3], output_margin: true }] });
  const [r] = ref.run();
  ref.cleanup();
  compare("named model, all rounds", full, r.predict![0].values);
  compare("iterationRange [2, 7]", part, r.predict![1].values);
  compare("iterationRange [0, 3] margin", margin, r.predict![2].values, MARGIN_FLOOR);
  assert.equal(Object.keys(r.scores!.weight).sort(), Object.keys(scores).sort(), "native get_score keys differ");
});

t("early stopping attributes: native reads our best_iteration / best_ntree_limit as its own (multiclass, forests) and predicts the best rounds with ntree_limit", () => {
  // best_ntree_limit is native's deprecated count of trees per output group: (best_iteration + 1) × num_parallel_tree
  // (its callback: "num_class is handled internally"), turned back into rounds as ntree_limit / num_parallel_tree
  const ntr = 1000, nva = base.nrow - ntr;
  const y = classLabels(base.y, 3);
  const cases: { name: string; params: XGBoostParams }[] = [
    { name: "multi:softprob", params: { objective: "multi:softprob", num_class: 3, eta: 1, max_depth: 6, seed: 3 } },
    { name: "multi:softprob forest", params: { objective: "multi:softprob", num_class: 3, num_parallel_tree: 2, subsample: 0.8, eta: 1, max_depth: 6, seed: 3 } },
    { name: "binary:logistic forest", params: { objective: "binary:logistic", num_parallel_tree: 3, subsample: 0.8, eta: 1, max_depth: 6, seed: 3 } },
  ];
  const ref = new RefJob();
  const ours: { best: number; rounds: number; pred: Float32Array; loadIdx: number; predIdx: number; trainIdx: number; nativeFile: string }[] = [];
  cases.forEach((c, i) => {
    const lab = c.params.objective === "binary:logistic" ? binaryLabels(base.y) : y;
    const dtr = new DMatrix(base.X.subarray(0, ntr * NCOL), { nrow: ntr, ncol: NCOL, label: lab.subarray(0, ntr) });
    const dva = new DMatrix(base.X.subarray(ntr * NCOL), { nrow: nva, ncol: NCOL, label: lab.subarray(ntr) });
    const bst = train(c.params, dtr, { numBoostRound: 100, evals: [[dva, "valid"]], earlyStoppingRounds: 20 });
    const best = bst.bestIteration!;
    const pred = bst.predict(dva, { iterationRange: [0, best + 1] });
    ref.dataset(`es_train${i}`, base.X.subarray(0, ntr * NCOL), ntr, NCOL, lab.subarray(0, ntr));
    ref.dataset(`es_valid${i}`, base.X.subarray(ntr * NCOL), nva, NCOL, lab.subarray(ntr));
    const model = ref.model(bst.saveModel());
    const loadIdx = ref.task({ op: "load", model });
    const predIdx = ref.task({ op: "load", model, predict: [{ data: `es_valid${i}`, ntree_limit: "best" }] });
    const nativeFile = ref.file(`es-native${i}.json`);
    const trainIdx = ref.task({ op: "train", params: c.params, num_round: 100, dtrain: `es_train${i}`, evals: [`es_valid${i}`], early_stopping_rounds: 20, save_model: nativeFile });
    ours.push({ best, rounds: bst.numBoostedRounds(), pred, loadIdx, predIdx, trainIdx, nativeFile });
    bst.free(); dtr.free(); dva.free();
  });
  const results = ref.run({ strict: false });
  // a native early-stopped model through loadModel → saveModel keeps its attributes as native reads them
  const again = ours.map((o) => ref.task({ op: "load", model: ref.model(Booster.loadModel(require("fs").readFileSync(o.nativeFile, "utf8")).saveModel()) }));
  const resaved = ref.run();
  ref.cleanup();
  cases.forEach((c, i) => {
    const o = ours[i], loaded = results[o.loadIdx], nat = results[o.trainIdx];
    assert.not.ok(nat.error, `${c.name}: native training failed: ${nat.error}`);
    assert.is(Number(loaded.attributes!.best_iteration), o.best, `${c.name}: native reads best_iteration ${loaded.attributes!.best_iteration}, ours is ${o.best}`);
    // the same unit as native's own early-stopped model of these settings: trees per output group per round
    const perRound = (a: Record<string, string>) => Number(a.best_ntree_limit) / (Number(a.best_iteration) + 1);
    assert.is(perRound(loaded.attributes!), perRound(nat.attributes!),
      `${c.name}: our best_ntree_limit ${loaded.attributes!.best_ntree_limit} for best_iteration ${o.best}; native's own model has ${nat.attributes!.best_ntree_limit} for ${nat.attributes!.best_iteration}`);
    const predicted = results[o.predIdx];
    assert.not.ok(predicted.error, `${c.name}: native predict(ntree_limit=best_ntree_limit) on our model failed: ${predicted.error?.split("\n")[0]}`);
    compare(`${c.name}: native ntree_limit=best_ntree_limit vs ours iterationRange [0, ${o.best + 1}] (of ${o.rounds} rounds)`, o.pred, predicted.predict![0].values);
    assert.equal(resaved[i].attributes, nat.attributes, `${c.name}: a native model's attributes changed through loadModel → saveModel`);
  });
});

t("(summary) largest differences from native over all comparisons above", () => {
  console.log(`    ${worst.count} predictions compared; largest relative difference: predictions ${worst.pred.rel.toExponential(2)} (${worst.pred.what}), margins ${worst.margin.rel.toExponential(2)} (${worst.margin.what})`);
  assert.ok(worst.count > 0);
});

// The model writer's float text (what native XGBoost reads back to the same float32): the shortest text of the value's
// 9-significant-digit decimal, String(Number(toPrecision(9))), with ".0" where that has no point or exponent. Written
// without the round trip through a Number where that is the same text; checked against the definition on random
// float32 bit patterns (every exponent, subnormals, NaN, ±Infinity) and the edges of the fixed notation.
test("model JSON float text: the shortest text of the 9-digit decimal, on 400 000 random float32 bit patterns, 400 000 values of a model's range, the ties of powers of two and the notation's edges", () => {
  const reference = (v: number) => {
    const s = String(Number(Math.fround(v).toPrecision(9)));
    return /[.eE]/.test(s) || !Number.isFinite(v) ? s : s + ".0";
  };
  const f = new Float32Array(1), bits = new Uint32Array(f.buffer);
  const values = [0, -0, 1, -1, 0.1, 0.5, 100, 1e-6, -1e-6, 9.99999e-7, 1e8, 123456789, 999999999, 1e9, 12345678.9, 1.5e-45, 3.4e38, NaN, Infinity, -Infinity];
  let x = 12345;
  for (let i = 0; i < 400_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bits[0] = x;
    values.push(f[0]);
  }
  // the values a model holds, 1e-6 to 1e10 on a log scale, either sign; and every power of two in that range with its
  // float32 neighbours — their 9-digit decimals end in ties (2^-13 = 0.0001220703125), which toPrecision rounds up
  for (let i = 0; i < 400_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    values.push((x & 1 ? -1 : 1) * 10 ** (-6 + (16 * x) / 2 ** 32));
  }
  for (let e = -20; e <= 33; e++) for (const d of [-1, 0, 1]) {
    f[0] = 2 ** e;
    bits[0] += d;
    values.push(f[0], -f[0]);
  }
  for (const v of values) if (floatText(v) !== reference(v)) assert.unreachable(`${v}: ${floatText(v)} ≠ ${reference(v)}`);
  // a model file's arrays are written as bytes, not through floatText: the same characters, value for value
  const written = floatArrayText(Float32Array.from(values)).slice(1, -1).split(",");
  assert.is(written.length, values.length);
  values.forEach((v, i) => { if (written[i] !== reference(v)) assert.unreachable(`${v} in an array: ${written[i]} ≠ ${reference(v)}`); });
  assert.is(floatText(2 ** -13), "0.000122070313");
  assert.is(floatText(1), "1.0");
  assert.is(floatText(0.1), "0.100000001");
  assert.is(floatText(1e-7), "1.00000001e-7");
});

test.run();
