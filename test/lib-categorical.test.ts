/**
 * Tables with text through lib's modelling: ridge one-hot (against scikit-learn's OneHotEncoder with
 * max_categories), tree members with categorical columns, text class labels in and out, saved ensembles
 * reading the original text values, unseen categories as missing with drift counts, and the bad inputs of
 * issue 10 as Errors naming row, column and value.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aq from "arquero";
import { catboost, crossValidate, Ensemble, loadEnsemble, loadTable, ordinalCodes, readManifest, ridge, saveEnsemble, toMatrix, vegaDataset, xgboost } from "ensemble-workbook";
import { Rng } from "node-xgboost-wasm";
import { hasSklearn, python } from "./lib-sklearn";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lib-categorical-"));

/** n rows: x numeric (some missing), c with `levels` levels of distinct frequencies, y depending on both (not monotonic in the code). */
function synthetic(n: number, levels: number, seed = 1) {
  const rng = Rng.fromSeed(seed);
  const weights = Array.from({ length: levels }, (_, k) => levels - k + 0.5 * k * k / levels);
  const total = weights.reduce((s, w) => s + w, 0);
  const effect = Array.from({ length: levels }, (_, k) => ((k * 7919) % 13) / 3 - 2);
  const x: (number | null)[] = [], c: string[] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    let u = rng.next() * total, k = 0;
    while (u > weights[k] && k < levels - 1) u -= weights[k++];
    const xi = rng.next() * 4 - 2;
    x.push(i % 17 === 0 ? null : xi);
    c.push(`L${k}`);
    y.push(xi + effect[k] + 0.3 * (rng.next() - 0.5));
  }
  return { x, c, y };
}

test("ridge one-hot with max_categories equals scikit-learn's OneHotEncoder(max_categories) + StandardScaler + Ridge", () => {
  if (!hasSklearn()) return;
  const { x, c, y } = synthetic(600, 25);
  const table = aq.table({ x, c, y });
  const m = ridge({ alpha: 2, max_categories: 8 });
  const e = new Ensemble({ members: [m] }).fit(table, { label: "y" });
  const ours = e.predict(table).prediction;
  const ref = python(
    `
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
X = np.array([[np.nan if v is None else v, c] for v, c in zip(data["x"], data["c"])], dtype=object)
ct = ColumnTransformer([
  ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), [0]),
  ("cat", make_pipeline(OneHotEncoder(max_categories=8, handle_unknown="infrequent_if_exist", sparse_output=False), StandardScaler()), [1]),
])
model = make_pipeline(ct, Ridge(alpha=2.0)).fit(X, np.array(data["y"]))
print(json.dumps({"p": model.predict(X).tolist(), "ncol": int(ct.transform(X).shape[1])}))
`,
    { x, c, y },
  );
  const coef = (e.members[0] as unknown as { coefficients(): { names: string[] } }).coefficients();
  assert.is(coef.names.length, ref.ncol, "1 numeric + 7 levels + (other)");
  assert.ok(coef.names.includes("c=(other)"));
  let maxDiff = 0;
  for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - ref.p[i]));
  assert.ok(maxDiff < 1e-4, `max |ours − sklearn| = ${maxDiff}`);
});

test("ridge max_categories: levels of equal count keep their column as scikit-learn's OneHotEncoder picks them (the later categories), not the first seen", () => {
  if (!hasSklearn()) return;
  // counts c 10, a 10, b 10, d 5 (first seen: c, a, b, d): max_categories 3 keeps two of the three tied levels; the
  // integer-coded column (declared categorical) ties 7 and 12 — by value, as scikit-learn sorts numbers
  const c = [..."c".repeat(10), ..."a".repeat(10), ..."b".repeat(10), ..."d".repeat(5)];
  const k = c.map((v) => ({ c: 12, a: 7, b: 3, d: 5 })[v]!);
  const x = c.map((_, i) => Math.sin(i));
  const y = c.map((v, i) => ({ a: 1, b: 5, c: 9, d: 2 })[v]! + Math.cos(3 * i));
  const ref = python(
    `import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.linear_model import Ridge
df = pd.DataFrame(data)
out = {}
for col in ("c", "k"):
  ct = make_column_transformer((OneHotEncoder(max_categories=3, sparse_output=False), [col]), ("passthrough", ["x"]))
  out[col] = make_pipeline(ct, StandardScaler(), Ridge(alpha=1)).fit(df[[col, "x"]], df["y"]).predict(df[[col, "x"]]).tolist()
print(json.dumps(out))`,
    { c, k, x: x.map(Math.fround), y: y.map(Math.fround) },
  );
  for (const col of ["c", "k"]) {
    const table = aq.table({ [col]: col === "c" ? c : k, x, y });
    const ours = new Ensemble({ members: [ridge({ max_categories: 3 })] }).fit(table, { label: "y", categorical: [col] }).predict(table).prediction;
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - ref[col][i]));
    assert.ok(maxDiff < 1e-9, `column ${col}: max |ours − sklearn| = ${maxDiff}`);
  }
});

test("ridge: a 10k-level column costs at most max_categories columns; missing and unseen categories are the all-zero row", () => {
  const n = 12000;
  const rng = Rng.fromSeed(3);
  const c = Array.from({ length: n }, (_, i) => `id${i < 2000 ? i % 5 : i}`);
  const x = Array.from({ length: n }, () => rng.next());
  const y = x.map((v, i) => v + (i < 2000 ? i % 5 : 0));
  const e = new Ensemble({ members: [ridge()] }).fit(aq.table({ x, c, y }), { label: "y" });
  const names = (e.members[0] as unknown as { coefficients(): { names: string[] } }).coefficients().names;
  assert.is(names.length, 1 + 32);
  const p = e.predict([{ x: 0.5, c: "never-seen" }, { x: 0.5, c: null }]);
  assert.is(p.prediction[0], p.prediction[1]);
  assert.equal(p.drift!.c, { missing: 1, unseen: 1 });
});

test("tree members: categorical columns reach the core; unseen categories predict as missing; save/load reads the original text", () => {
  const { x, c, y } = synthetic(800, 12, 5);
  const table = aq.table({ x, colour: c, y });
  const e = new Ensemble({ members: [xgboost({ num_round: 30 }), catboost({ iterations: 30 })] }).fit(table, { label: "y" });
  assert.equal(e.columns![1].type, "categorical");
  assert.is(e.columns![1].categories![0], c[0], "codes in order of first appearance");
  const dir = path.join(tmp, "cat-model");
  saveEnsemble(e, dir);
  const manifest = readManifest(dir);
  assert.equal(manifest.columns, e.columns);
  const tree = JSON.parse(fs.readFileSync(path.join(dir, "catboost.json"), "utf8"));
  assert.ok(tree.learner.attributes.categorical_target_statistics, "the core encoded the categorical column");
  const loaded = loadEnsemble(dir);
  const rows = [{ x: 0.3, colour: "L3" }, { x: 0.3, colour: "never-seen" }, { x: 0.3, colour: null }];
  const before = e.predict(rows), after = loaded.predict(rows.map((r) => [r.x, r.colour]));
  for (const name of ["xgboost", "catboost"]) {
    assert.equal(Array.from(after.members[name]), Array.from(before.members[name]), name);
    assert.is(before.members[name][1], before.members[name][2], `${name}: unseen = missing`);
  }
  assert.equal(after.drift!.colour, { missing: 1, unseen: 1 });
  assert.throws(() => loaded.predict([{ x: "abc", colour: "L1" }]), /row 0, column "x": "abc" \(string\) is not a number \(the column is numeric\)/);
  assert.equal(Array.from(loaded.predict([{ x: "0.3", colour: "L3" }]).prediction), [before.prediction[0]], "numbers as text for a numeric column");
  // decimal text only, as the endpoint reads it: "0x10" was read as 16
  assert.throws(() => loaded.predict([{ x: "0x10", colour: "L3" }]), /row 0, column "x": "0x10" \(string\) is not a number \(the column is numeric\)/);
  e.free();
  loaded.free();
});

test("predict on toMatrix of new rows reads its categories by their text, as a table: its own codes (first appearance there) were taken as the training codes", () => {
  const { x, c, y } = synthetic(400, 6, 3);
  const e = new Ensemble({ members: [xgboost({ num_round: 20 }), ridge()] }).fit(aq.table({ x, colour: c, y, n: x.map((v) => v ?? 0) }), { label: "y" });
  // new rows whose first categories come in another order (and one the training rows lack), and a numeric column that
  // arrives as text in one of them
  const rows = { x: [0.1, -0.5, 0.7, 1.2], colour: ["L5", "L0", "unseen", "L2"], n: [1, 2, 3, 4] };
  const m = toMatrix(aq.table(rows));
  assert.not.equal(m.columns![1].categories, e.columns![1].categories!.slice(0, 3), "the new rows' codes are not the training codes");
  const byTable = e.predict(aq.table(rows));
  const byMatrix = e.predict(m);
  for (const name of ["xgboost", "ridge"]) assert.equal(Array.from(byMatrix.members[name]), Array.from(byTable.members[name]), name);
  assert.equal(byMatrix.drift!.colour, { missing: 0, unseen: 1 });
  const text = toMatrix(aq.table({ ...rows, n: ["1", "2", "3", "4x"] }));
  assert.throws(() => e.predict(text), /row 3, column "n": "4x" \(string\) is not a number \(the column is numeric\)/);
  assert.equal(Array.from(e.predict(toMatrix(aq.table({ ...rows, n: ["1", "2", "3", "4"] }), { categorical: ["n"] })).prediction), Array.from(byTable.prediction), "numbers read as categories: their text");
  e.free();
});

test("an evalSet given as toMatrix of other rows (fitMatrix, fit, a member's fit) is read by its categories' and classes' text, and a member fitted here predicts such a matrix so: their own codes were taken as the training ones", async () => {
  const penguins = (await loadTable(vegaDataset("penguins.json"))).filter((d: Record<string, number>) => aq.op.is_finite(d["Beak Length (mm)"]));
  const rows = penguins.objects() as Record<string, unknown>[];
  // every 4th row held out, in reverse: its Islands come in another order than the training rows'
  const train = aq.from(rows.filter((_, i) => i % 4 !== 3)), valid = aq.from(rows.filter((_, i) => i % 4 === 3).reverse());
  const features = ["Island", "Beak Length (mm)", "Flipper Length (mm)"];
  const mt = toMatrix(train, { label: "Species", features }), mv = toMatrix(valid, { label: "Species", features });
  assert.not.equal(mv.columns![0].categories, mt.columns![0].categories, "the held-out rows' own codes");
  const ens = () => new Ensemble({ members: [xgboost({ objective: "multi:softprob", num_round: 10 })] });
  /** the per-round mlogloss on the eval set */
  const curve = (fit: (onRound: (member: string, round: number, metrics: Record<string, number>) => void) => unknown) => {
    const v: number[] = [];
    fit((_m, _r, metrics) => v.push(metrics.mlogloss));
    return v;
  };
  const byTable = curve((onRound) => ens().fit(train, { label: "Species", features, evalSet: valid, onRound }).free());
  assert.equal(curve((onRound) => ens().fitMatrix(mt, { evalSet: mv, onRound }).free()), byTable, "fitMatrix");
  assert.equal(curve((onRound) => ens().fit(train, { label: "Species", features, evalSet: mv, onRound }).free()), byTable, "fit with a matrix evalSet");
  const member = xgboost({ objective: "multi:softprob", num_round: 10, num_class: 3 });
  assert.equal(curve((onRound) => member.fit(mt, { evalSet: mv, onRound: (r, m) => onRound("", r, m) })), byTable, "a member's fit");
  const e = ens().fit(train, { label: "Species", features });
  assert.equal(Array.from(member.predict(mv)), Array.from(e.predict(valid).members.xgboost), "a member's predict");
  e.free(); member.free();
  // a quarter that lacks classes: its own class indexes ([Gentoo] → 0) are not the training ones (Gentoo is 2)
  const head = aq.from(rows.slice(0, 250)), tail = aq.from(rows.slice(250));
  assert.equal(toMatrix(tail, { label: "Species" }).classes, ["Gentoo"]);
  assert.equal(
    curve((onRound) => ens().fitMatrix(toMatrix(head, { label: "Species", features }), { evalSet: toMatrix(tail, { label: "Species", features }), onRound }).free()),
    curve((onRound) => ens().fit(head, { label: "Species", features, evalSet: tail, onRound }).free()),
    "classes by their text",
  );
  // what cannot be read so is an Error naming it
  const other = aq.from(rows.slice(250).map((r) => ({ ...r, Species: "Emperor" })));
  assert.throws(() => ens().fitMatrix(mt, { evalSet: toMatrix(other, { label: "Species", features }) }), /evalSet: label row 0 is "Emperor", not one of the classes seen in training \(Adelie, Chinstrap, Gentoo\)/);
  assert.throws(() => ens().fitMatrix(mt, { evalSet: toMatrix(valid, { label: "Species", features: features.slice(1) }) }), /evalSet: the training matrix's features are \[Island, Beak Length \(mm\), Flipper Length \(mm\)\] but the eval set's are \[Beak Length/);
  assert.throws(() => ens().fit(train, { label: "Species", features, evalSet: toMatrix(valid, { features }) as never }), /fit: the evalSet matrix has no labels: make it with toMatrix\(table, \{ label: "Species" \}\)/);
  const numeric = new Ensemble({ members: [xgboost({ num_round: 2 })] });
  assert.throws(() => numeric.fitMatrix(toMatrix(train, { label: "Body Mass (g)", features }), { evalSet: mv }), /evalSet: its labels are text \(classes Adelie, Chinstrap, Gentoo\) but the training matrix's are numbers/);
  // a ridge member fitted here reads such a matrix by text too
  const lin = ridge();
  lin.fit(toMatrix(train, { label: "Body Mass (g)", features }));
  const linEns = new Ensemble({ members: [ridge()] }).fit(train, { label: "Body Mass (g)", features });
  assert.equal(Array.from(lin.predict(toMatrix(valid, { features }))), Array.from(linEns.predict(valid).members.ridge), "ridge's predict");
});

test("crossValidate: a category only in a held-out fold is missing there, as at prediction time", () => {
  const { x, c, y } = synthetic(200, 6, 9);
  c[0] = "only-here";
  const table = aq.table({ x, c, y });
  const cv = crossValidate(new Ensemble({ members: [catboost({ iterations: 20 })] }), table, { label: "y", k: 4, keepModels: true });
  const f = cv.folds.findIndex((fold) => Array.from(fold.test).includes(0));
  const member = cv.models![f][0];
  const m = toMatrix(table, { label: "y" });
  const row = { X: Float32Array.from([m.X[0], NaN]), nrow: 1, ncol: 2, featureNames: m.featureNames, columns: m.columns };
  assert.is(cv.oof.catboost[0], member.predict(row)[0]);
  for (const fm of cv.models!) for (const mm of fm) mm.free();
  // fitted blends (inner folds) work unchanged on categorical tables
  const blended = crossValidate(new Ensemble({ members: [xgboost({ num_round: 20 }), catboost({ iterations: 20 }), ridge()], blend: "stacking", innerK: 3 }), table, {
    label: "y",
    k: 3,
    blends: ["weighted", "mean"],
  });
  const rows = blended.summary.objects() as { member: string; rmse_mean: number }[];
  const rmse = (name: string) => rows.find((r) => r.member === name)!.rmse_mean;
  const worst = Math.max(rmse("xgboost"), rmse("catboost"), rmse("ridge"));
  for (const name of ["ensemble", "ensemble:weighted", "ensemble:mean"]) assert.ok(rmse(name) <= worst * 1.02, `${name}: ${rmse(name)} vs worst member ${worst}`);
});

test("text class labels in and out: binary with categorical features, multiclass penguins; saved classes", async () => {
  const { x, c } = synthetic(400, 5, 11);
  const label = x.map((v, i) => ((v ?? 0) + (c[i] === "L1" ? 2 : 0) > 0.5 ? "yes" : "no"));
  const table = aq.table({ x, c, label });
  const e = new Ensemble({ members: [xgboost({ objective: "binary:logistic", num_round: 20 }), ridge()] }).fit(table, { label: "label" });
  assert.equal(e.classes, ["no", "yes"]);
  const pc = e.predictClasses(table);
  const acc = pc.filter((p, i) => p.label === label[i]).length / label.length;
  assert.ok(acc > 0.8, `accuracy ${acc}`);
  assert.ok(Math.abs(pc[0].probabilities!.yes + pc[0].probabilities!.no - 1) < 1e-9);
  const dir = path.join(tmp, "binary");
  saveEnsemble(e, dir);
  assert.equal(readManifest(dir).classes, ["no", "yes"]);
  assert.equal(loadEnsemble(dir).predictClasses(table.slice(0, 5)), pc.slice(0, 5));

  const penguins = (await loadTable(vegaDataset("penguins.json"))).filter((d: Record<string, number>) => aq.op.is_finite(d["Beak Length (mm)"]));
  const features = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];
  const cv = crossValidate(new Ensemble({ members: [xgboost({ objective: "multi:softprob" })] }), penguins, { label: "Species", features, k: 3 });
  assert.equal(cv.classes, ["Adelie", "Chinstrap", "Gentoo"]);
  const p = new Ensemble({ members: [xgboost({ objective: "multi:softprob" }), catboost({ loss_function: "MultiClass" })] }).fit(penguins, { label: "Species", features });
  const out = p.predictClasses(penguins);
  const truth = penguins.array("Species") as string[];
  assert.ok(out.filter((o, i) => o.label === truth[i]).length / truth.length > 0.95);
  assert.equal(Object.keys(out[0].probabilities!), ["Adelie", "Chinstrap", "Gentoo"]);
  // a multiclass catboost member with a text feature (per-class target statistics: encoded columns "Island:class1", …)
  // saves and loads with its input features, predicting the same
  const withIsland = new Ensemble({ members: [catboost({ loss_function: "MultiClass", iterations: 20 })] }).fit(penguins, { label: "Species", features: ["Island", ...features] });
  const multiDir = path.join(tmp, "multiclass-categorical");
  saveEnsemble(withIsland, multiDir);
  const reloaded = loadEnsemble(multiDir);
  assert.equal(reloaded.featureNames, ["Island", ...features]);
  assert.equal(Array.from(reloaded.predict(penguins).prediction), Array.from(withIsland.predict(penguins).prediction));
});

test("a numeric-only ensemble saves the manifest as before (no columns, no classes); numeric class names sort by value", () => {
  const t = aq.table({ a: [1, 2, 3, 4, 5, 6], b: [0.5, 0.1, 0.3, 0.2, 0.9, 0.4], y: [1.5, 2, 3.5, 4, 5, 6.5] });
  const dir = path.join(tmp, "numeric");
  saveEnsemble(new Ensemble({ members: [ridge()] }).fit(t, { label: "y" }), dir);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  assert.not.ok("columns" in manifest);
  assert.not.ok("classes" in manifest);
  const m = toMatrix(aq.table({ a: [1, 2, 3, 4], y: ["10", "2", "1", "2"] }), { label: "y" });
  assert.equal(m.classes, ["1", "2", "10"]);
  assert.equal(Array.from(m.y!), [2, 1, 0, 1]);
});

test("ordinalCodes equals scikit-learn's OrdinalEncoder: text columns in text order, a numeric column named in columns in its numbers' order", async () => {
  if (!hasSklearn()) return;
  const table = await loadTable(vegaDataset("cars.json"), { progress: false });
  const columns = ["Origin", "Horsepower", "Cylinders"];
  const ours = ordinalCodes(table, columns);
  const ref = python(
    `
from sklearn.preprocessing import OrdinalEncoder
out = {}
for c, v in data.items():
    x = np.array([np.nan if e is None else e for e in v], dtype=object if isinstance(next(e for e in v if e is not None), str) else float).reshape(-1, 1)
    out[c] = [None if np.isnan(e) else e for e in OrdinalEncoder(encoded_missing_value=np.nan).fit_transform(x)[:, 0].tolist()]
print(json.dumps(out))
`,
    Object.fromEntries(columns.map((c) => [c, Array.from(table.array(c) as ArrayLike<unknown>, (v) => (typeof v === "number" && Number.isNaN(v) ? null : v))])),
  );
  for (const c of columns) assert.equal(Array.from(ours.array(c) as Float32Array, (v) => (Number.isNaN(v) ? null : v)), ref[c], c);
});

test("bad inputs name row, column and value", () => {
  const e = new Ensemble({ members: [xgboost()] });
  assert.throws(() => e.fit(aq.table({ a: [1, 2, 3], y: ["low", "high", "low"] }), { label: "y" }), /label column "y" holds text \(row 0 holds "low" \(string\)\) but the objective reg:squarederror needs numbers/);
  const mixed = new Ensemble({ members: [xgboost({ objective: "binary:logistic" })] });
  assert.throws(() => mixed.fit(aq.table({ a: [1, 2, 3], y: [1, "yes", 0] }), { label: "y" }), /label column "y" mixes numbers and text: row 0 holds 1 \(number\) but row 1 holds "yes" \(string\)/);
  assert.throws(() => mixed.fit(aq.table({ a: [1, 2, 3], y: ["a", "b", "c"] }), { label: "y" }), /label column "y" has 3 classes \(a, b, c\) but binary:logistic needs exactly 2/);
  const many = Array.from({ length: 65536 }, (_, i) => `k${i}`);
  assert.throws(() => toMatrix(aq.table({ id: many, y: many.map((_, i) => i) }), { label: "y" }), /feature column "id" has more than 65,535 categories/);
  assert.throws(
    () => new Ensemble({ members: [catboost({ cat_features: ["zip"] })] }).fit(aq.table({ a: [1, 2], y: [1, 2] }), { label: "y" }),
    /member "catboost": cat_features "zip" is not among the features \(a\)/,
  );
  assert.throws(() => e.fit(aq.table({ when: [new Date(0), new Date(1)], y: [1, 2] }), { label: "y" }), /feature column "when" holds dates \(row 0 holds 1970-01-01T00:00:00.000Z\); derive numbers from it/);
});

test("catboost cat_features marks an integer-coded column categorical for that member", () => {
  const { x, c, y } = synthetic(300, 8, 13);
  const code = c.map((s) => Number(s.slice(1)));
  const table = aq.table({ x, code, y });
  const a = new Ensemble({ members: [catboost({ iterations: 10, cat_features: ["code"] })] }).fit(table, { label: "y" });
  const dir = path.join(tmp, "catfeat");
  saveEnsemble(a, dir);
  const model = JSON.parse(fs.readFileSync(path.join(dir, "catboost.json"), "utf8"));
  assert.equal(Object.keys(JSON.parse(model.learner.attributes.categorical_target_statistics).features), ["1"]);
});

test("a boolean cell finds its category as the training file spelt it (True/False as pandas writes them, true/false as JSON loads them), in lib and at the endpoint; an integer-coded category as 3.0", async () => {
  const { x, y } = synthetic(400, 2, 21);
  const flags = x.map((_, i) => i % 3 === 0);
  const shift = flags.map((f, i) => y[i] + (f ? 3 : -3));
  const codes = x.map((_, i) => i % 4);
  // pandas' to_csv of a bool column: True / False
  const pandasCsv = "x,flag,code,y\n" + x.map((v, i) => `${v ?? ""},${flags[i] ? "True" : "False"},${codes[i]},${shift[i]}`).join("\n") + "\n";
  const fromCsv = await loadTable(Buffer.from(pandasCsv), { format: "csv", categorical: ["code"] });
  const fromJson = await loadTable(Buffer.from(JSON.stringify(x.map((v, i) => ({ x: v, flag: flags[i], code: codes[i], y: shift[i] })))), { format: "json", categorical: ["code"] });
  const { invoke } = await import("../trainer/invocation");
  for (const [what, table, spelt] of [["pandas CSV", fromCsv, ["True", "False"]], ["JSON", fromJson, ["true", "false"]]] as const) {
    const e = new Ensemble({ members: [xgboost({ num_round: 20 })] }).fit(table, { label: "y" });
    try {
      assert.equal([...e.columns![1].categories!].sort(), [...spelt].sort(), `${what}: the categories as the file spells them`);
      const asText = e.predict([{ x: 0.5, flag: spelt[0], code: "2" }, { x: 0.5, flag: spelt[1], code: "1" }]);
      const asBool = e.predict([{ x: 0.5, flag: true, code: 2 }, { x: 0.5, flag: false, code: "1.0" }]);
      assert.equal(Array.from(asBool.prediction), Array.from(asText.prediction), `${what}: lib`);
      assert.equal(asBool.drift!.flag, { missing: 0, unseen: 0 });
      assert.equal(asBool.drift!.code, { missing: 0, unseen: 0 });
      assert.ok(Math.abs(asText.prediction[0] - asText.prediction[1]) > 1, `${what}: the flag matters (${Array.from(asText.prediction)})`);
      // the endpoint reads a JSON body with lib's rule
      const r = invoke(e, { "content-type": "application/json", accept: "application/json" }, JSON.stringify({ instances: [[0.5, true, 2], [0.5, false, 1.0]] }));
      assert.equal(JSON.parse(r.body as string).predictions, Array.from(asText.prediction), `${what}: the endpoint`);
      assert.is(r.customAttributes, "missing=0,unseen=0");
    } finally {
      e.free();
    }
  }
});

test("a numeric column declared categorical, trained from pandas' CSV (4.0: integers with missing values), reads the same table from pandas' JSON and a request's numbers (4) as those categories, not as unseen", async () => {
  if (!hasSklearn()) return;
  const written = python(
    `
import pandas as pd
rng = np.random.default_rng(0)
zone = rng.integers(1, 6, 300).astype(float)
zone[::17] = np.nan
x = rng.normal(size=300)
y = x + np.nan_to_num(np.array([0, -2, 3, 0, -1, 2])[np.nan_to_num(zone).astype(int)])
df = pd.DataFrame({"zone": zone, "x": x, "y": y})
print(json.dumps({"csv": df.to_csv(index=False), "json": df.to_json(orient="records")}))
`,
    {},
  );
  const fromCsv = await loadTable(Buffer.from(written.csv), { format: "csv", categorical: ["zone"] });
  const fromJson = await loadTable(Buffer.from(written.json), { format: "json" });
  const e = new Ensemble({ members: [xgboost({ num_round: 20 }), ridge()] }).fit(fromCsv, { label: "y" });
  try {
    assert.ok(e.columns![0].categories!.includes("4.0"), `pandas wrote 4.0: ${e.columns![0].categories}`);
    const own = e.predict(fromCsv), other = e.predict(fromJson);
    assert.equal(other.drift!.zone, own.drift!.zone, "the JSON's numbers are the CSV's categories");
    assert.equal(Array.from(other.prediction), Array.from(own.prediction));
    const rows = e.predict([{ zone: 4, x: 0 }, { zone: "4", x: 0 }, { zone: "4.0", x: 0 }, { zone: 3, x: 0 }]);
    assert.equal(rows.drift!.zone, { missing: 0, unseen: 0 });
    assert.is(rows.prediction[0], rows.prediction[2]);
    assert.is(rows.prediction[1], rows.prediction[2]);
    assert.is.not(rows.prediction[0], rows.prediction[3]);
    // a number two categories spell ("1.0" and "01") is neither: which one is not known; its own text ("1") first
    const twice = new Ensemble({ members: [xgboost({ num_round: 2 })] }).fit(aq.table({ c: ["1.0", "01", "2", "1.0", "01", "2"], y: [1, 2, 3, 1, 2, 3] }), { label: "y" });
    assert.equal(twice.predict([{ c: 1 }, { c: "1.00" }, { c: "2.0" }]).drift!.c, { missing: 0, unseen: 2 });
    twice.free();
  } finally {
    e.free();
  }
});

test("the Predictor sends a boolean cell as a boolean, which the endpoint finds as lib's predict does (sent as 1 / 0 it was an unseen category of a column of true / false); an infinite cell is an Error", async () => {
  const flag = Array.from({ length: 200 }, (_, i) => i % 3 === 0);
  const table = aq.table({ x: flag.map((_, i) => (i % 7) / 7), flag, y: flag.map((f, i) => (f ? 10 : 0) + (i % 7) / 7) });
  const e = new Ensemble({ members: [xgboost({ num_round: 20, eta: 0.3 })] }).fit(table, { label: "y" });
  const { invoke } = await import("../trainer/invocation");
  const { Predictor, session } = await import("ensemble-workbook/sagemaker");
  // the body predict(rows) sends (the request itself needs a deployed endpoint: sagemaker-flow)
  const predictor = new Predictor(session({ mode: "local" }), "body-only") as unknown as { body(r: unknown, o: object): { body: string; contentType: string } };
  try {
    const rows = table.slice(0, 6);
    const want = Array.from(e.predict(rows).prediction);
    for (const format of ["csv", "json"]) {
      for (const input of [rows, rows.select("flag", "x").objects()]) {
        const { body, contentType } = predictor.body(input, { format, ...(Array.isArray(input) ? {} : { label: "y" }) });
        const r = invoke(e, { "content-type": contentType, accept: "application/json" }, body);
        assert.equal(JSON.parse(r.body as string).predictions, want, `${format}: ${body.slice(0, 40)}`);
        assert.is(r.customAttributes, "missing=0,unseen=0");
      }
    }
    // ±Infinity is refused as lib's predict refuses it: JSON wrote it as null, a missing value, predicted silently
    assert.throws(() => e.predict([{ x: Infinity, flag: true }]), /feature column "x", row 0 holds Infinity/);
    for (const format of ["csv", "json"]) {
      assert.throws(() => predictor.body([{ x: Infinity, flag: true }], { format }), /predict: row 0, column "x": Infinity is not finite/);
      assert.throws(() => predictor.body([[0.5, true], [-Infinity, false]], { format }), /predict: row 1, value 1: -Infinity is not finite/);
    }
  } finally {
    e.free();
  }
});

// The Predictor's CSV header row names the columns, and the endpoint reads them by it, trimming its fields: a column
// named with spaces around it (a JSON key " age") matched no feature there (a 400 for every call), and a one-feature
// model's header "a;b" was sniffed as ";"-separated. The endpoint matches a feature's name as it is before trimming;
// the Predictor quotes a name holding a separator. In either column order.
test("the Predictor's CSV body of columns named with spaces around them or with a separator in them is answered as lib's predict", async () => {
  const { invoke } = await import("../trainer/invocation");
  const { Predictor, session } = await import("ensemble-workbook/sagemaker");
  const predictor = new Predictor(session({ mode: "local" }), "body-only") as unknown as { body(r: unknown, o: object): { body: string; contentType: string } };
  const x = Array.from({ length: 120 }, (_, i) => (i % 11) / 11);
  for (const names of [[" age", "bmi"], ["a;b"], ["a|b", "c\td"]]) {
    const cols: Record<string, number[]> = Object.fromEntries(names.map((n, j) => [n, x.map((v, i) => v * (j + 1) + ((i * (j + 3)) % 5) / 10)]));
    const table = aq.table({ ...cols, y: x.map((v, i) => v * 3 + (i % 5)) });
    const e = new Ensemble({ members: [xgboost({ num_round: 10, eta: 0.3 })] }).fit(table, { label: "y" });
    try {
      const rows = table.slice(0, 5);
      // the columns in the training order and reversed: a body without its header row was read in the model's order
      for (const given of [rows, rows.select([...names].reverse())]) {
        const { body, contentType } = predictor.body(given, { format: "csv", label: "y" });
        const r = invoke(e, { "content-type": contentType, accept: "application/json" }, body);
        assert.is(r.status, 200, `${JSON.stringify(names)}: ${String(r.body)}`);
        assert.equal(JSON.parse(r.body as string).predictions, Array.from(e.predict(rows).prediction), `${JSON.stringify(given.columnNames())}: ${body.slice(0, 30)}`);
      }
    } finally {
      e.free();
    }
  }
});

test("one table in several formats predicts the same: booleans of a CSV (True/False) and of Parquet, JSON or Arrow (true/false); a numeric column declared categorical predicts its own training table (0.1 was an unseen category); codes past float32's integers are an Error", async () => {
  const n = 300;
  const flag = Array.from({ length: n }, (_, i) => i % 3 === 0);
  const level = Array.from({ length: n }, (_, i) => [0.1, 0.2, 0.3][i % 3 === 0 ? 0 : i % 2 ? 1 : 2]);
  const y = flag.map((f, i) => (f ? 10 : 0) + level[i] * 20);
  const csv = "flag,level,y\n" + flag.map((f, i) => `${f ? "True" : "False"},${level[i]},${y[i]}`).join("\n") + "\n";
  const trained = await loadTable(Buffer.from(csv), { format: "csv" });
  const e = new Ensemble({ members: [xgboost({ num_round: 30, eta: 0.3 })] }).fit(trained, { label: "y", categorical: ["level"] });
  try {
    const own = e.predict(trained);
    assert.equal(own.drift!.level, { missing: 0, unseen: 0 }, "the training table's own numbers");
    assert.equal(own.drift!.flag, { missing: 0, unseen: 0 });
    const { parquetWriteBuffer } = await import("hyparquet-writer");
    const parquet = parquetWriteBuffer({ columnData: [{ name: "flag", data: flag, type: "BOOLEAN" }, { name: "level", data: level, type: "DOUBLE" }, { name: "y", data: y, type: "DOUBLE" }] });
    const asJson = await loadTable(Buffer.from(JSON.stringify(flag.map((f, i) => ({ flag: f, level: level[i], y: y[i] })))), { format: "json" });
    for (const [what, t] of [["parquet", await loadTable(Buffer.from(parquet), { format: "parquet" })], ["json", asJson]] as const) {
      const p = e.predict(t);
      assert.equal(p.drift!.flag, { missing: 0, unseen: 0 }, `${what}: true/false found as True/False`);
      assert.equal(Array.from(p.prediction), Array.from(own.prediction), what);
    }
    const rows = e.predict([{ flag: "TRUE", level: 0.1 }, { flag: true, level: "0.1" }]);
    assert.is(rows.prediction[0], rows.prediction[1]);
    assert.equal(rows.drift!.flag, { missing: 0, unseen: 0 });
  } finally {
    e.free();
  }
  // read as float32 numbers, then declared: 123456789 and 123456790 are both 123456792 (it kept 2 categories of 3)
  const stores = await loadTable(Buffer.from("store,y\n123456789,1\n123456790,2\n5,3\n"), { format: "csv" });
  assert.throws(() => new Ensemble({ members: [xgboost({ num_round: 2 })] }).fit(stores, { label: "y", categorical: ["store"] }), /feature column "store" is declared categorical but was read as numbers, and row 0 holds 123456792: integer codes from 16,777,216 on are not exact as float32/);
  const asText = await loadTable(Buffer.from("store,y\n123456789,1\n123456790,2\n5,3\n"), { format: "csv", categorical: ["store"] });
  const ok = new Ensemble({ members: [xgboost({ num_round: 2 })] }).fit(asText, { label: "y" });
  assert.equal(ok.columns![0].categories, ["123456789", "123456790", "5"], "read as text: every code its own category");
  ok.free();
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.run();
