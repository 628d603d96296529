/**
 * lib's explanations (lib/ensemble/explain.ts): contributions + bias = prediction for every row, for the
 * ensemble and its members (regression, binary, multiclass; categorical columns and missing values; every
 * additive blend), the ridge member's linear contributions against scikit-learn's fitted pipeline, a
 * one-member ensemble against native XGBoost 1.7.4's pred_contribs / pred_interactions on the same saved
 * model, the table explain returns, and bad input as Errors.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as aq from "arquero";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { catboost, contributions, Ensemble, explain, loadDiabetes, loadEnsemble, randomForest, ridge, saveEnsemble, type Contributions, type Table, xgboost } from "ensemble-workbook";
import { hasXgboost, RefJob } from "../tools/reference/xgb-ref";
import { hasSklearn, python } from "./lib-sklearn";

/** diabetes with a text column (BMI band, some missing) and missing blood pressures */
const diabetes = loadDiabetes();
const raw = diabetes.objects() as Record<string, number>[];
const table = aq.from(
  raw.map((r, i) => ({
    ...r,
    bp: i % 11 === 0 ? NaN : r.bp,
    band: i % 13 === 0 ? null : r.bmi > 30 ? "obese" : r.bmi > 25 ? "over" : "normal",
  })),
);
const binary = table.derive({ high: aq.escape((d: { target: number }) => (d.target > 140 ? 1 : 0)) }).select(aq.not("target"));
const multi = table
  .derive({ level: aq.escape((d: { target: number }) => (d.target > 200 ? "high" : d.target > 100 ? "mid" : "low")) })
  .select(aq.not("target"));

/** Worst |Σ contributions + bias − prediction| / max(|prediction|, |bias|) over the rows (and classes) of one block. */
function additivity(c: Contributions, values: Float64Array, prediction: Float64Array): number {
  const w = c.features.length + 1;
  assert.is(values.length, c.nrow * c.groups * w);
  assert.is(prediction.length, c.nrow * c.groups);
  let worst = 0;
  for (let r = 0; r < c.nrow * c.groups; r++) {
    let s = 0;
    for (let j = 0; j < w; j++) s += values[r * w + j];
    worst = Math.max(worst, Math.abs(s - prediction[r]) / Math.max(Math.abs(prediction[r]), Math.abs(values[r * w + w - 1])));
  }
  return worst;
}

function checkAdditive(label: string, e: Ensemble, data: Table): void {
  const c = contributions(e, data, { members: true });
  const pred = e.predict(data);
  const ens = additivity(c, c.ensemble!, pred.prediction);
  assert.ok(ens <= 1e-5, `${label}: ensemble off by ${ens} (relative)`);
  let members = 0;
  for (const m of e.members) {
    const rel = additivity(c, c.members[m.name], pred.members[m.name]);
    assert.ok(rel <= 1e-5, `${label}: member ${m.name} off by ${rel} (relative)`);
    members = Math.max(members, rel);
  }
  console.log(`  additivity ${label}: ensemble ${ens.toExponential(1)}, members ${members.toExponential(1)} (relative)`);
  // every feature contributes somewhere (the explanation is not all bias)
  const w = c.features.length + 1;
  let nonzero = 0;
  for (let t = 0; t < c.ensemble!.length; t++) if (t % w !== w - 1 && c.ensemble![t] !== 0) nonzero++;
  assert.ok(nonzero > c.nrow, `${label}: contributions are mostly zero`);
}

const small = () => [xgboost({ num_round: 30 }), catboost({ iterations: 30 }), randomForest({ n_trees: 10 }), ridge()];

test("regression (xgboost, catboost, random forest, ridge; text column, missing values): contributions + bias = prediction for every row, for mean, weighted and stacking", () => {
  for (const blend of ["mean", "weighted", "stacking"]) {
    const e = new Ensemble({ members: small(), blend, innerK: 2 }).fit(table, { label: "target" });
    checkAdditive(`regression ${blend}`, e, table);
    e.free();
  }
});

test("binary:logistic, probability scale: additive for mean, soft_vote, weighted and stacking (ridge clipped to [0, 1])", () => {
  for (const blend of ["mean", "soft_vote", "weighted", "stacking"]) {
    const e = new Ensemble({ members: [xgboost({ objective: "binary:logistic", num_round: 30 }), catboost({ iterations: 30 }), ridge()], blend, innerK: 2 }).fit(binary, { label: "high" });
    checkAdditive(`binary ${blend}`, e, binary);
    e.free();
  }
});

test("multi:softprob with text labels and a text feature (catboost's per-class target statistics folded back): additive per class", () => {
  for (const blend of ["mean", "weighted"]) {
    const e = new Ensemble({ members: [xgboost({ objective: "multi:softprob", num_round: 20 }), catboost({ iterations: 20 }), randomForest({ n_trees: 5 })], blend, innerK: 2 }).fit(multi, { label: "level" });
    checkAdditive(`multiclass ${blend}`, e, multi);
    const c = contributions(e, multi);
    assert.equal(c.classes, ["high", "low", "mid"]);
    assert.is(c.groups, 3);
    // class probabilities' contributions: the biases sum to 1 and each feature's contributions over the classes to 0
    const w = c.features.length + 1;
    for (let r = 0; r < 5; r++) {
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let g = 0; g < 3; g++) s += c.ensemble![(r * 3 + g) * w + j];
        assert.ok(Math.abs(s - (j === w - 1 ? 1 : 0)) < 1e-6, `row ${r} column ${j}: ${s}`);
      }
    }
    e.free();
  }
});

test("reg:gamma, reg:tweedie and reg:logistic members: contributions carried through their links (exp, σ) add up to the prediction, not to the margin", () => {
  // the labels: diabetes' target (> 0) for the log-link objectives, scaled into [0, 1] for reg:logistic; the members
  // were read with the identity link and their contributions added up to the log of the prediction
  const scaled = table.derive({ target: (d: { target: number }) => d.target / 400 });
  for (const [objective, data] of [["reg:gamma", table], ["reg:tweedie", table], ["reg:logistic", scaled]] as const) {
    const e = new Ensemble({ members: [xgboost({ objective, num_round: 10 }), xgboost({ name: "deep", objective, num_round: 10, max_depth: 5 })], blend: "mean" }).fit(data, { label: "target" });
    const rows = data.slice(0, 30);
    const c = contributions(e, rows);
    const worst = additivity(c, c.ensemble!, e.predict(rows).prediction);
    assert.ok(worst <= 1e-5, `${objective}: contributions + bias differ from the prediction by ${worst}`);
    e.free();
  }
});

test("interactions and Saabas (approx): blocks add up to the contributions and the prediction", () => {
  const e = new Ensemble({ members: [xgboost({ num_round: 20 }), ridge()], blend: "mean" }).fit(table, { label: "target" });
  const rows = table.slice(0, 40);
  const c = contributions(e, rows);
  const ci = contributions(e, rows, { interactions: true, chunkRows: 7 });
  const w = c.features.length + 1;
  for (let r = 0; r < 40; r++) {
    for (let i = 0; i < w; i++) {
      let s = 0;
      for (let j = 0; j < w; j++) s += ci.ensemble![r * w * w + i * w + j];
      assert.ok(Math.abs(s - c.ensemble![r * w + i]) <= 1e-4 * Math.max(1, Math.abs(c.ensemble![r * w + i])), `row ${r} feature ${i}: ${s} vs ${c.ensemble![r * w + i]}`);
    }
  }
  const ca = contributions(e, rows, { approx: true });
  assert.ok(additivity(ca, ca.ensemble!, e.predict(rows).prediction) <= 1e-5);
  assert.not.equal(Array.from(ca.ensemble!), Array.from(c.ensemble!), "Saabas differs from SHAP");
  const t = explain(e, rows, { interactions: true });
  assert.is(t.numRows(), 40 * w);
  assert.equal(t.columnNames().slice(0, 2), ["feature", "age"]);
  e.free();
});

test("ridge: contributions equal scikit-learn's coef_ × the standardised (one-hot) columns, summed per original column", () => {
  if (!hasSklearn()) return;
  const full = table.derive({ band: aq.escape((d: { band: string | null }) => d.band ?? "normal") }); // sklearn's one-hot has no "missing = all zero"
  const e = new Ensemble({ members: [ridge({ alpha: 2 })] }).fit(full, { label: "target" });
  const c = contributions(e, full);
  const objs = full.objects() as Record<string, unknown>[];
  const numeric = c.features.filter((f) => f !== "band");
  const ref = python(
    `
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
num = np.array(data["num"], dtype=float)
X = np.concatenate([num, np.array([[b] for b in data["band"]], dtype=object)], axis=1)
k = num.shape[1]
ct = ColumnTransformer([("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), list(range(k))),
                        ("cat", make_pipeline(OneHotEncoder(sparse_output=False), StandardScaler()), [k])])
model = make_pipeline(ct, Ridge(alpha=2.0)).fit(X, np.array(data["y"]))
contrib = ct.transform(X) * model[-1].coef_
out = np.concatenate([contrib[:, :k], contrib[:, k:].sum(axis=1, keepdims=True)], axis=1)
print(json.dumps({"contrib": out.tolist(), "intercept": float(model[-1].intercept_)}))
`,
    { num: objs.map((o) => numeric.map((f) => (Number.isNaN(o[f]) ? null : o[f]))), band: objs.map((o) => o.band), y: objs.map((o) => o.target) },
  );
  const w = c.features.length + 1;
  const order = [...numeric, "band"].map((f) => c.features.indexOf(f));
  let worst = 0;
  objs.forEach((_, r) => {
    order.forEach((j, k) => (worst = Math.max(worst, Math.abs(c.ensemble![r * w + j] - ref.contrib[r][k]))));
    worst = Math.max(worst, Math.abs(c.ensemble![r * w + w - 1] - ref.intercept));
  });
  assert.ok(worst < 1e-6 * 150, `contributions differ from scikit-learn's by ${worst}`);
  console.log(`  ridge vs scikit-learn: max |difference| ${worst.toExponential(1)} (target scale ~150)`);
});

test("a one-member xgboost ensemble matches native XGBoost 1.7.4's pred_contribs and pred_interactions on the same saved model (text column, missing values)", () => {
  if (!hasXgboost()) return;
  const ref = new RefJob();
  try {
    const cases: { label: string; e: Ensemble; data: Table }[] = [
      { label: "regression", e: new Ensemble({ members: [xgboost({ num_round: 25, max_depth: 4 })] }).fit(table, { label: "target" }), data: table },
      { label: "binary", e: new Ensemble({ members: [xgboost({ objective: "binary:logistic", num_round: 25 })] }).fit(binary, { label: "high" }), data: binary },
      { label: "multiclass", e: new Ensemble({ members: [xgboost({ objective: "multi:softprob", num_round: 10 })] }).fit(multi, { label: "level" }), data: multi },
    ];
    for (const { label, e, data } of cases) {
      const m = e.matrixFor(data);
      const types = (e.columns ?? []).map((col) => (col.type === "categorical" ? "c" : "q"));
      const d = ref.dataset(label, m.X, m.nrow, m.ncol, undefined, undefined, m.featureNames, types);
      const model = ref.model(e.members[0].toFile().content);
      ref.task({ op: "load", model, predict: [{ data: d, pred_contribs: true }, { data: d, pred_interactions: true }, { data: d, output_margin: true }] });
    }
    const results = ref.run();
    cases.forEach(({ label, e, data }, k) => {
      const [contribs, interactions, margin] = results[k].predict!.map((p) => p.values!);
      const scale = Math.max(...margin.map(Math.abs));
      const margins = contributions(e, data, { scale: "margin" });
      const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
        assert.is(a.length, b.length);
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst;
      };
      const dc = diff(margins.ensemble!, contribs);
      assert.ok(dc <= 1e-4 * scale, `${label}: contributions differ from native by ${dc} (scale ${scale})`);
      const di = diff(contributions(e, data, { scale: "margin", interactions: true }).ensemble!, interactions);
      assert.ok(di <= 1e-4 * scale, `${label}: interactions differ from native by ${di}`);
      if (label === "regression") assert.equal(Array.from(contributions(e, data).ensemble!), Array.from(margins.ensemble!), "regression: prediction scale = margin scale");
      if (label === "binary") {
        // probability scale: native's contributions × (σ(m) − σ(b)) / (m − b), the bias σ(b)
        const sig = (z: number) => 1 / (1 + Math.exp(-z));
        const w = margins.features.length + 1;
        const prob = contributions(e, data).ensemble!;
        let worst = 0;
        for (let r = 0; r < margins.nrow; r++) {
          const row = contribs.slice(r * w, (r + 1) * w);
          const b = row[w - 1], mm = row.reduce((s, v) => s + v, 0);
          const slope = (sig(mm) - sig(b)) / (mm - b);
          for (let j = 0; j < w; j++) worst = Math.max(worst, Math.abs(prob[r * w + j] - (j === w - 1 ? sig(b) : slope * row[j])));
        }
        assert.ok(worst <= 1e-5, `binary probability scale differs from native's transformed by ${worst}`);
      }
      console.log(`  native parity ${label}: contributions ${dc.toExponential(1)}, interactions ${di.toExponential(1)} (max |margin| ${scale.toFixed(2)})`);
      e.free();
    });
  } finally {
    ref.cleanup();
  }
});

test("importance of a multiclass catboost member names its input features, as its contributions do: native get_score's gain with the per-class target-statistic columns counted as their feature", () => {
  if (!hasXgboost()) return;
  const e = new Ensemble({ members: [catboost({ iterations: 15 })], objective: "multi:softprob" }).fit(multi, { label: "level" });
  const member = e.members[0];
  const ref = new RefJob();
  try {
    ref.task({ op: "load", model: ref.model(member.toFile().content), scores: true });
    const scores = ref.run()[0].scores!;
    // native scores the core's columns: "band" and "band:class1", "band:class2" (the model's names); fold by name
    const splits: Record<string, number> = {}, gain: Record<string, number> = {};
    for (const [column, n] of Object.entries(scores.weight)) {
      const f = column.split(":")[0];
      splits[f] = (splits[f] ?? 0) + n;
      gain[f] = (gain[f] ?? 0) + scores.total_gain[column];
    }
    assert.ok(Object.keys(scores.weight).some((c) => c.startsWith("band:")), "the model splits on the encoded columns");
    const ours = member.importance();
    assert.equal(Object.keys(ours).sort(), Object.keys(splits).sort());
    const features = contributions(e, multi.slice(0, 2)).features;
    for (const f of Object.keys(ours)) {
      assert.ok(features.includes(f), `${f} is an input feature`);
      assert.ok(Math.abs(ours[f] - gain[f] / splits[f]) <= 1e-4 * (gain[f] / splits[f]), `${f}: ours ${ours[f]}, native ${gain[f] / splits[f]}`);
    }
  } finally {
    ref.cleanup();
    e.free();
  }
});

test("importance of a member whose model file has no feature names (the manifest names them) is keyed by those names, as its contributions; the values native get_score's gain", () => {
  if (!hasXgboost()) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lib-explain-importance-"));
  const e = new Ensemble({ members: [xgboost({ num_round: 8 }), ridge()] }).fit(table, { label: "target" });
  saveEnsemble(e, dir);
  e.free();
  const file = path.join(dir, "xgboost.json");
  const saved = fs.readFileSync(file, "utf8"); // native reads it (JSON.stringify below writes 1.0 as 1, which native refuses)
  const j = JSON.parse(saved);
  delete j.learner.feature_names;
  delete j.learner.feature_types;
  fs.writeFileSync(file, JSON.stringify(j));
  const loaded = loadEnsemble(dir);
  const ref = new RefJob();
  try {
    ref.task({ op: "load", model: ref.model(saved), scores: true });
    const native = ref.run()[0].scores!.gain; // by name: the file as saved, with its names
    assert.equal(loaded.members[0].featureNames(), contributions(loaded, table.slice(0, 2)).features);
    const ours = loaded.importance().xgboost;
    assert.equal(Object.keys(ours), Object.keys(native));
    for (const [f, v] of Object.entries(native)) assert.ok(Math.abs(ours[f] - v) <= 1e-4 * v, `${f}: ours ${ours[f]}, native ${v}`);
  } finally {
    ref.cleanup();
    loaded.free();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("explain returns an arquero table: features + bias per row; class and member columns; order documented", () => {
  const e = new Ensemble({ members: [xgboost({ objective: "multi:softprob", num_round: 5 }), catboost({ iterations: 5 })] }).fit(multi, { label: "level" });
  const rows = multi.slice(0, 4);
  const t = explain(e, rows, { members: true });
  const features = e.featureNames!;
  assert.equal(t.columnNames(), ["member", "class", ...features, "bias"]);
  assert.is(t.numRows(), 3 * 4 * 3);
  assert.equal(t.array("member").slice(0, 13), [...new Array(12).fill("ensemble"), "xgboost"]);
  assert.equal(t.array("class").slice(0, 4), ["high", "low", "mid", "high"]);
  const probs = e.predict(rows).prediction;
  const o = t.objects()[5] as Record<string, number>; // ensemble, row 1, class "mid"
  const sum = [...features, "bias"].reduce((s, f) => s + o[f], 0);
  assert.ok(Math.abs(sum - probs[5]) < 1e-6);
  e.free();
  const r = new Ensemble({ members: [ridge()] }).fit(table, { label: "target" });
  assert.equal(explain(r, table.slice(0, 3)).columnNames(), [...r.featureNames!, "bias"]);
  r.free();
  // features named like integers keep their place (an object's keys list "2019" first: the columns came 2019, bmi, bias)
  const years = aq.table({ bmi: [20, 25, 30, 35, 22, 28], "2019": [1, 0, 1, 1, 0, 0], y: [1, 2, 3, 4, 1.5, 2.5] }, ["bmi", "2019", "y"]) as unknown as Table;
  const y = new Ensemble({ members: [ridge()] }).fit(years, { label: "y" });
  assert.equal(y.featureNames, ["bmi", "2019"]);
  assert.equal(explain(y, years).columnNames(), ["bmi", "2019", "bias"]);
  y.free();
});

test("bad input: median and vote blends, multi:softmax, margin scale without a margin, unknown options, a feature named bias", () => {
  const med = new Ensemble({ members: [xgboost({ num_round: 3 }), ridge()], blend: "median" }).fit(table, { label: "target" });
  assert.throws(() => explain(med, table), /median blend is not additive/);
  const vote = new Ensemble({ members: [xgboost({ objective: "binary:logistic", num_round: 3 }), ridge()], blend: "vote" }).fit(binary, { label: "high" });
  assert.throws(() => explain(vote, binary), /vote blend is not additive/);
  const soft = new Ensemble({ members: [xgboost({ objective: "binary:logistic", num_round: 3 }), ridge()], blend: "soft_vote" }).fit(binary, { label: "high" });
  assert.throws(() => explain(soft, binary, { scale: "margin" }), /not a sum of member margins.*members: true/);
  const marginMembers = contributions(soft, binary, { scale: "margin", members: true });
  assert.is(marginMembers.ensemble, undefined);
  assert.equal(Object.keys(marginMembers.members), ["xgboost", "ridge"]);
  assert.throws(() => explain(soft, binary, { scale: "logit" as never }), /scale must be "prediction" or "margin"/);
  assert.throws(() => explain(soft, binary, { interaction: true } as never), /unknown option "interaction"/);
  assert.throws(() => explain(soft, binary, { chunkRows: 0 }), /chunkRows must be an integer/);
  assert.throws(() => explain(soft, binary, { chunkRows: NaN }), /chunkRows must be an integer ≥ 1, got NaN$/);
  assert.throws(() => explain(soft, [[1, 2]]), /row 0 has 2 values, expected 11/);
  // no rows at all: what is expected, named (null was a TypeError reading its .X)
  for (const none of [null, undefined]) assert.throws(() => explain(soft, none as never), /^rows to predict must be a table, an array of rows/);
  // multi:softmax has no ensemble to explain (Ensemble refuses it: lib-ensemble.test.ts)
  assert.throws(() => new Ensemble({ members: [xgboost({ objective: "multi:softmax", num_class: 3, num_round: 3 })] }), /multi:softmax predicts a class index per row/);
  const named = aq.table({ bias: [1, 2, 3, 4, 5, 6], y: [1, 2, 3, 4, 5, 7] });
  const nb = new Ensemble({ members: [ridge()] }).fit(named, { label: "y" });
  assert.throws(() => explain(nb, named), /feature "bias" has the name of a column explain adds/);
  assert.is(contributions(nb, named).features[0], "bias"); // the arrays have no names to clash
  for (const e of [med, vote, soft]) e.free();
});

// 2 million rows × 20 features with interactions is 7 GB an array: the request failed in V8's allocation (or the
// process was killed for its memory) after minutes of work; now an Error naming the size comes first
test("explain of more values than half the memory allows is an Error naming the size, before any work", () => {
  const p = 2000, fitRows = 40;
  const names = Array.from({ length: p }, (_, j) => `x${j}`);
  const cols: Record<string, number[]> = Object.fromEntries(names.map((n, j) => [n, Array.from({ length: fitRows }, (_, i) => Math.sin(i * (j + 1)))]));
  const wide = new Ensemble({ members: [ridge()] }).fit(aq.table({ ...cols, y: Array.from({ length: fitRows }, (_, i) => i) }), { label: "y" });
  // 20,000 rows × 2001² interaction values × 8 bytes = 640 GB: over half of any machine's memory this runs on
  const n = 20_000;
  const big = { X: new Float32Array(n * p), nrow: n, ncol: p, featureNames: names };
  const t0 = Date.now();
  assert.throws(() => contributions(wide, big, { interactions: true }), /^explain: 20000 rows × 4004001 interaction values would take 596\.[0-9] GB, more than half the memory this process may use \([0-9.]+ GB\) — explain fewer rows at a time \(table\.slice\(a, b\)\), or without interactions$/);
  assert.throws(() => contributions(wide, big, { interactions: true, members: true }), /would take 1193\.[0-9] GB \(2 arrays: the ensemble's and each member's\)/);
  assert.ok(Date.now() - t0 < 5000, "refused before explaining any row");
  const fine = contributions(wide, { X: new Float32Array(3 * p), nrow: 3, ncol: p, featureNames: names });
  assert.is(fine.nrow, 3);
  wide.free();
});

test("progress: onProgress after every chunk, rows done of total", () => {
  const e = new Ensemble({ members: [ridge()] }).fit(table, { label: "target" });
  const seen: number[] = [];
  contributions(e, table, { chunkRows: 100, onProgress: (p) => (assert.is(p.total, 442), seen.push(p.done)) });
  assert.equal(seen, [100, 200, 300, 400, 442]);
});

test.run();
