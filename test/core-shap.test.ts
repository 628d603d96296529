/**
 * SHAP contributions of the core (issue 16) against native XGBoost 1.7.4, both ways:
 *   - our models, saved with saveModel() and loaded in native xgb.Booster: native's
 *     predict(pred_contribs / pred_interactions / approx_contribs) against ours;
 *   - models trained by native XGBoost, loaded here with Booster.loadModel: the same.
 * For reg:squarederror, binary:logistic and multi:softprob × depthwise, lossguide,
 * symmetric (ours only: native has none) and random forests, plus multi:softmax, on data
 * with NaNs, a NaN-heavy set and all-missing rows. The bar: max |ours − native| ≤ 1e-4 ×
 * the prediction's scale (the largest |margin| of the case). Additivity: contributions plus
 * bias equal the margin within 1e-5 relative; each row of the interaction matrix sums to
 * that feature's contribution. Skips (with what to install) without python3-xgboost.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Booster, DMatrix, catboostParams, train } from "node-xgboost-wasm";
import { hasXgboost, readF32, RefJob } from "../tools/reference/xgb-ref";
import { binaryLabels, classLabels, regressionData, type Data } from "./helpers/core-data";

const XGB = hasXgboost();
const t = XGB ? test : test.skip;

/** contributions may differ from native by this fraction of the case's largest |margin| */
const PARITY = 1e-4;
/** contributions + bias vs the margin, relative to max(|margin|, 1) (margins are float32 sums) */
const ADDITIVITY = 1e-5;

interface Case { name: string; objective: string; params: Record<string, unknown>; rounds: number; native: boolean }

const OBJECTIVES: { objective: string; params: Record<string, unknown> }[] = [
  { objective: "reg:squarederror", params: {} },
  { objective: "binary:logistic", params: {} },
  { objective: "multi:softprob", params: { num_class: 3 } },
];
const POLICIES: { name: string; params: Record<string, unknown>; rounds: number; native: boolean }[] = [
  { name: "depthwise", params: { grow_policy: "depthwise", max_depth: 5 }, rounds: 8, native: true },
  { name: "lossguide", params: { grow_policy: "lossguide", max_depth: 0, max_leaves: 13 }, rounds: 8, native: true },
  { name: "symmetric", params: { grow_policy: "symmetric", max_depth: 5 }, rounds: 8, native: false },
  {
    name: "catboost-preset",
    params: (() => { const { params } = catboostParams({ depth: 4, learning_rate: 0.3, random_seed: 2 }); delete params.seed; return { ...params }; })(),
    rounds: 8, native: false,
  },
  { name: "random-forest", params: { num_parallel_tree: 4, subsample: 0.7, colsample_bynode: 0.6, eta: 1, max_depth: 5 }, rounds: 2, native: true },
];
const CASES: Case[] = [
  ...OBJECTIVES.flatMap((o) => POLICIES.map((p) => ({
    name: `${o.objective} ${p.name}`, objective: o.objective, rounds: p.rounds, native: p.native,
    params: { objective: o.objective, eta: 0.3, seed: 5, ...o.params, ...p.params },
  }))),
  { name: "multi:softmax depthwise", objective: "multi:softmax", rounds: 6, native: true, params: { objective: "multi:softmax", num_class: 3, eta: 0.3, max_depth: 4, seed: 5 } },
];

const NCOL = 6;
const base = regressionData(400, NCOL, 21, 0.08);
const nanTest = regressionData(120, NCOL, 22, 0.35);
const allNan: Data = { X: new Float32Array(2 * NCOL).fill(NaN), y: new Float32Array(2), nrow: 2, ncol: NCOL };
const EVAL: [string, Data][] = [["train", base], ["nan", nanTest], ["allnan", allNan]];

function labelsFor(objective: string, y: Float32Array): Float32Array {
  if (objective === "binary:logistic") return binaryLabels(y);
  if (objective.startsWith("multi:")) return classLabels(y, 3);
  return y;
}

type Kind = "contribs" | "interactions" | "approx";
const KINDS: Kind[] = ["contribs", "interactions", "approx"];
const OPTS: Record<Kind, Record<string, boolean>> = {
  contribs: { predContribs: true }, interactions: { predInteractions: true }, approx: { predContribs: true, approxContribs: true },
};
const NATIVE_FLAGS: Record<Kind, Record<string, boolean>> = {
  contribs: { pred_contribs: true }, interactions: { pred_interactions: true }, approx: { pred_contribs: true, approx_contribs: true },
};

interface Side { ours: Record<string, Record<Kind, Float32Array> & { margin: Float32Array }>; native: Record<string, Record<Kind, Float32Array>> }
interface Outcome { groups: number; oursModel?: Side; nativeModel?: Side }

let outcomes: Map<string, Outcome> | undefined;

function oursOn(bst: Booster): Side["ours"] {
  const out: Side["ours"] = {};
  for (const [name, d] of EVAL) {
    const dm = new DMatrix(d.X, { nrow: d.nrow, ncol: d.ncol });
    out[name] = {
      margin: bst.predict(dm, { outputMargin: true }),
      contribs: bst.predict(dm, OPTS.contribs), interactions: bst.predict(dm, OPTS.interactions), approx: bst.predict(dm, OPTS.approx),
    };
    dm.free();
  }
  return out;
}

/** Everything trained once; all native work in one python process. */
function run(): Map<string, Outcome> {
  if (outcomes) return outcomes;
  outcomes = new Map();
  const ref = new RefJob();
  for (const [name, d] of EVAL) ref.dataset(name, d.X, d.nrow, d.ncol);
  const predictSpecs = (tag: string) => EVAL.flatMap(([name]) => KINDS.map((k) => ({ data: name, ...NATIVE_FLAGS[k], out: ref.file(`${tag}-${name}-${k}.f32`) })));
  const readBack = (tag: string) => Object.fromEntries(EVAL.map(([name]) => [name, Object.fromEntries(KINDS.map((k) => [k, readF32(ref.file(`${tag}-${name}-${k}.f32`))]))])) as Side["native"];
  const pending: { c: Case; o: Outcome; oursJson: string; nativeFile?: string }[] = [];
  const trainSets = new Set<string>();
  for (const [i, c] of CASES.entries()) {
    const y = labelsFor(c.objective, base.y);
    const dtrain = new DMatrix(base.X, { nrow: base.nrow, ncol: NCOL, label: y });
    const bst = train(c.params, dtrain, { numBoostRound: c.rounds });
    const o: Outcome = { groups: bst.numGroups, oursModel: { ours: oursOn(bst), native: {} } };
    const oursJson = bst.saveModel();
    bst.free(); dtrain.free();
    ref.task({ op: "load", model: ref.model(oursJson), predict: predictSpecs(`ours${i}`) });
    let nativeFile: string | undefined;
    if (c.native) {
      const ds = `train-${c.objective}`;
      if (!trainSets.has(ds)) { ref.dataset(ds, base.X, base.nrow, NCOL, y); trainSets.add(ds); }
      nativeFile = ref.file(`native-${i}.json`);
      const { seed, ...params } = c.params;
      ref.task({ op: "train", params: { ...params, seed, tree_method: "hist" }, num_round: c.rounds, dtrain: ds, save_model: nativeFile, predict: predictSpecs(`native${i}`) });
    }
    pending.push({ c, o, oursJson, nativeFile });
    outcomes.set(c.name, o);
  }
  ref.run();
  for (const [i, p] of pending.entries()) {
    p.o.oursModel!.native = readBack(`ours${i}`);
    if (p.nativeFile) {
      const bst = Booster.loadModel(require("fs").readFileSync(p.nativeFile, "utf8"));
      p.o.nativeModel = { ours: oursOn(bst), native: readBack(`native${i}`) };
      bst.free();
    }
  }
  ref.cleanup();
  return outcomes;
}

function maxAbs(a: Float32Array, b: Float32Array, what: string): number {
  assert.is(a.length, b.length, `${what}: ${a.length} values here, ${b.length} from native`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    assert.ok(Number.isFinite(a[i]) && Number.isFinite(b[i]), `${what}[${i}]: ${a[i]} vs native ${b[i]}`);
    m = Math.max(m, Math.abs(a[i] - b[i]));
  }
  return m;
}

function scaleOf(side: Side["ours"]): number {
  let s = 0;
  for (const e of Object.values(side)) for (const v of e.margin) s = Math.max(s, Math.abs(v));
  return s;
}

const figures: string[] = [];

for (const direction of ["oursModel", "nativeModel"] as const) {
  const label = direction === "oursModel" ? "ours → native" : "native → ours";
  t(`${label}: pred_contribs, pred_interactions and approx_contribs within ${PARITY} × the margin scale of native XGBoost`, () => {
    let compared = 0;
    for (const c of CASES) {
      const side = run().get(c.name)![direction];
      if (!side) continue;
      const scale = scaleOf(side.ours);
      const worst: Record<Kind, number> = { contribs: 0, interactions: 0, approx: 0 };
      for (const [name] of EVAL) {
        for (const k of KINDS) {
          const diff = maxAbs(side.ours[name][k], side.native[name][k], `${c.name} ${label} ${name} ${k}`);
          worst[k] = Math.max(worst[k], diff);
          assert.ok(diff <= PARITY * scale, `${c.name} ${label} [${name}] ${k}: max |ours − native| = ${diff} > ${PARITY} × scale ${scale}`);
          compared++;
        }
      }
      figures.push(`${label} ${c.name}: scale ${scale.toFixed(2)}, max abs diff contribs ${worst.contribs.toExponential(1)}, interactions ${worst.interactions.toExponential(1)}, approx ${worst.approx.toExponential(1)}`);
    }
    assert.ok(compared > 0);
  });
}

t("additivity: contributions + bias = margin (1e-5 relative); interaction rows sum to the contributions, and Saabas to the margin", () => {
  let worstRel = 0, worstRows = 0;
  for (const c of CASES) {
    const o = run().get(c.name)!;
    const K = o.groups, W = NCOL + 1;
    for (const side of [o.oursModel, o.nativeModel]) {
      if (!side) continue;
      for (const [name, d] of EVAL) {
        const e = side.ours[name];
        for (let r = 0; r < d.nrow; r++) {
          for (let g = 0; g < K; g++) {
            const m = e.margin[r * K + g];
            const row = (r * K + g) * W;
            let sum = 0, approx = 0;
            for (let j = 0; j < W; j++) { sum += e.contribs[row + j]; approx += e.approx[row + j]; }
            const rel = Math.abs(sum - m) / Math.max(Math.abs(m), 1);
            worstRel = Math.max(worstRel, rel, Math.abs(approx - m) / Math.max(Math.abs(m), 1));
            assert.ok(rel <= ADDITIVITY, `${c.name} [${name}] row ${r} group ${g}: contributions sum to ${sum}, margin ${m}`);
            assert.ok(Math.abs(approx - m) <= ADDITIVITY * Math.max(Math.abs(m), 1), `${c.name} [${name}] row ${r}: Saabas sums to ${approx}, margin ${m}`);
            for (let i = 0; i < W; i++) {
              let s = 0;
              for (let j = 0; j < W; j++) s += e.interactions[(row + i) * W + j];
              const diff = Math.abs(s - e.contribs[row + i]);
              worstRows = Math.max(worstRows, diff / Math.max(Math.abs(m), 1));
              assert.ok(diff <= ADDITIVITY * Math.max(Math.abs(m), 1), `${c.name} [${name}] row ${r}: interaction row ${i} sums to ${s}, contribution ${e.contribs[row + i]}`);
            }
          }
        }
      }
    }
  }
  figures.push(`additivity: worst |sum − margin| / max(|margin|, 1) = ${worstRel.toExponential(1)}; interaction rows vs contributions ${worstRows.toExponential(1)}`);
});

t("all-missing rows follow the default directions: every feature's contribution is finite, and the rows sum to their margin", () => {
  const o = run().get("reg:squarederror depthwise")!;
  const e = o.oursModel!.ours.allnan;
  assert.ok(e.contribs.every(Number.isFinite));
  // the two all-NaN rows are the same input: the same explanation
  for (let j = 0; j <= NCOL; j++) assert.is(e.contribs[j], e.contribs[NCOL + 1 + j]);
});

t("a row's values are the same whatever the call: all rows at once, one at a time, or a prefix of rounds — and still native's when the model's trees changed since the last call", () => {
  // depth 6 and many rows: a call of 400 rows repays pattern tables (float) that one row alone did not (the double
  // recursion), so the endpoint's steps and lib's chunks gave different bits for the same row
  const dtrain = new DMatrix(base.X, { nrow: base.nrow, ncol: NCOL, label: base.y });
  let midTraining: Float32Array | undefined;
  const bst = train({ max_depth: 6, eta: 0.3, seed: 5 }, dtrain, {
    numBoostRound: 12,
    // contributions between rounds: the next round's tree must not find the first rounds' tables as the whole model
    callbacks: [{ afterIteration: ({ iteration, booster }) => { if (iteration === 2) midTraining = booster.predict(dtrain, { predContribs: true }); } }],
  });
  const all = bst.predict(dtrain, { predContribs: true });
  const W = NCOL + 1;
  for (let r = 0; r < base.nrow; r++) {
    const one = new DMatrix(base.X.subarray(r * NCOL, (r + 1) * NCOL), { nrow: 1, ncol: NCOL });
    const v = bst.predict(one, { predContribs: true });
    one.free();
    for (let j = 0; j < W; j++) if (!Object.is(v[j], all[r * W + j])) assert.unreachable(`row ${r}, column ${j}: ${v[j]} alone, ${all[r * W + j]} among ${base.nrow} rows`);
  }
  const prefix = bst.predict(dtrain, { predContribs: true, iterationRange: [0, 3] });
  assert.equal(Array.from(prefix), Array.from(midTraining!), "rounds [0, 3) explained after the whole model as during training");
  // the reference: native XGBoost on the same model file, all rows and the 3-round prefix
  const ref = new RefJob();
  ref.dataset("train", base.X, base.nrow, NCOL);
  const full = ref.file("full.f32"), three = ref.file("three.f32");
  ref.task({ op: "load", model: ref.model(bst.saveModel()), predict: [{ data: "train", pred_contribs: true, out: full }, { data: "train", pred_contribs: true, iteration_range: [0, 3], out: three }] });
  ref.run();
  const scale = Math.max(...Array.from(bst.predict(dtrain, { outputMargin: true }), Math.abs));
  assert.ok(maxAbs(all, readF32(full), "whole model") <= PARITY * scale);
  assert.ok(maxAbs(prefix, readF32(three), "3-round prefix") <= PARITY * scale);
  ref.cleanup();
  bst.free(); dtrain.free();
});

test.after(() => { if (figures.length) console.log("\n  " + figures.join("\n  ")); });

test.run();
