import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aq from "arquero";
import { crossValidate, Ensemble, kFold, loadCsv, loadDiabetes, ridge, stratifiedKFold, toDMatrix, toMatrix, trainTestSplit } from "ensemble-workbook";
import { hasSklearn, python } from "./lib-sklearn";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lib-data-"));

test("loadDiabetes: 442 rows, 10 features + target, numeric", () => {
  const t = loadDiabetes();
  assert.is(t.numRows(), 442);
  assert.equal(t.columnNames(), ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "target"]);
  const m = toMatrix(t, { label: "target" });
  assert.is(m.ncol, 10);
  assert.is(m.nrow, 442);
  // row-major: first row's bmi (column 2) is 32.1, label 151
  assert.ok(Math.abs(m.X[2] - 32.1) < 1e-5);
  assert.is(m.y![0], 151);
});

test("toDMatrix: a core DMatrix with the table's shape", () => {
  const d = toDMatrix(loadDiabetes(), { label: "target", features: ["bmi", "bp", "s5"] });
  assert.is(d.nrow, 442);
  assert.is(d.ncol, 3);
  d.free();
});

test("loadCsv: quoted fields, header:false names c0..cN, missing cells → NaN", () => {
  const f = path.join(tmp, "a.csv");
  fs.writeFileSync(f, 'x,name,y\n1,"a, b",2\n,"c",4\n');
  const t = loadCsv(f);
  assert.equal(t.columnNames(), ["x", "name", "y"]);
  assert.is(t.array("name")[0], "a, b");
  const m = toMatrix(t, { label: "y", features: ["x"] });
  assert.ok(Number.isNaN(m.X[1]));
  const g = path.join(tmp, "b.csv");
  fs.writeFileSync(g, "1,2,3\n4,5,6\n");
  const h = loadCsv(g, { header: false });
  assert.equal(h.columnNames(), ["c0", "c1", "c2"]);
  assert.is(h.numRows(), 2);
  assert.throws(() => loadCsv(path.join(tmp, "nope.csv")), /file not found/);
});

test("a number beyond float32's range (1e39 in a CSV) is named with its column and row when it would train or predict — pandas reads it as a float64, which is infinite as float32, and native XGBoost refuses it", () => {
  const rows = Array.from({ length: 12 }, (_, i) => `${i === 3 ? "1e39" : i},${i % 5},${i === 7 ? "-1e40" : i * 2}`);
  const f = path.join(tmp, "big.csv");
  fs.writeFileSync(f, ["a,b,y", ...rows].join("\n") + "\n");
  const t = loadCsv(f);
  if (hasSklearn()) {
    // the reference: the rows pandas' float64 values make infinite as float32, and native XGBoost's answer to them
    const ref = python(
      `import pandas as pd, xgboost as xgb
df = pd.read_csv(data["f"])
x32 = df.astype("float32")
try:
    xgb.DMatrix(x32[["a", "b"]], label=x32["y"]); refused = False
except Exception:
    refused = True
print(json.dumps({"a": [int(i) for i in np.where(np.isinf(x32["a"]))[0]], "y": [int(i) for i in np.where(np.isinf(x32["y"]))[0]], "refused": refused, "big": float(df["a"][3])}))`,
      { f },
    );
    assert.equal(ref, { a: [3], y: [7], refused: true, big: 1e39 });
  }
  assert.throws(() => toMatrix(t, { label: "y" }), (e: Error) => /^feature column "a", row 3 holds Infinity \(a value beyond float32's range/.test(e.message));
  assert.throws(() => toMatrix(t.select("b", "y"), { label: "y" }), (e: Error) => /^label column "y", row 7 holds -Infinity/.test(e.message));
  const model = new Ensemble({ members: [ridge()] }).fit(t.filter((d: { a: number; y: number }) => aq.op.is_finite(d.a) && aq.op.is_finite(d.y)), { label: "y" });
  assert.throws(() => model.predict([{ a: 1e39, b: 1 }]), (e: Error) => /^feature column "a", row 0 holds 1e\+39, beyond float32's range/.test(e.message));
});

test("kFold: partition of 0..n-1, sizes differ by ≤ 1, seeded", () => {
  for (const [n, k] of [[442, 5], [10, 3], [7, 7], [2, 2]]) {
    const folds = kFold(n, k, { seed: 3 });
    assert.is(folds.length, k);
    const seen = new Int32Array(n);
    for (const f of folds) {
      for (const i of f.test) seen[i]++;
      assert.is(f.train.length + f.test.length, n);
      const testSet = new Set(f.test);
      for (const i of f.train) assert.not.ok(testSet.has(i), "train and test overlap");
    }
    assert.ok(seen.every((c) => c === 1), "every row in exactly one test fold");
    const sizes = folds.map((f) => f.test.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  }
  assert.equal(kFold(50, 5, { seed: 1 }).map((f) => Array.from(f.test)), kFold(50, 5, { seed: 1 }).map((f) => Array.from(f.test)));
  assert.not.equal(kFold(50, 5, { seed: 1 })[0].test, kFold(50, 5, { seed: 2 })[0].test);
  assert.equal(Array.from(kFold(6, 3, { shuffle: false })[0].test), [0, 1]);
});

test("kFold without shuffling: scikit-learn's KFold folds; a seed with shuffle false is an Error, as KFold refuses random_state without shuffle (it was ignored)", () => {
  const ours = [[7, 3], [10, 4], [5, 5]].map(([n, k]) => kFold(n, k, { shuffle: false }).map((f) => Array.from(f.test)));
  if (hasSklearn()) {
    const ref = python(`from sklearn.model_selection import KFold
out = [[t.tolist() for _, t in KFold(k).split(np.zeros(n))] for n, k in ((7, 3), (10, 4), (5, 5))]
try:
    KFold(3, shuffle=False, random_state=3); refused = False
except ValueError:
    refused = True
print(json.dumps({'folds': out, 'refused': refused}))`, {});
    assert.equal(ours, ref.folds);
    assert.ok(ref.refused);
  }
  assert.throws(() => kFold(6, 3, { shuffle: false, seed: 3 }), /kFold: seed 3 has no effect with shuffle false/);
});

test("options lib does not read, and seeds that are not whole numbers, are Errors naming them (they were ignored: crossValidate ran unweighted, seed 1.5 gave seed 1's folds)", () => {
  const t = loadDiabetes();
  const e = () => new Ensemble({ members: [ridge()] });
  for (const [run, pattern] of [
    [() => kFold(50, 5, { seed: 1.5 }), /kFold: seed must be an integer from 0 to 4294967295, got 1\.5/],
    [() => kFold(50, 5, { seed: NaN }), /kFold: seed must be an integer from 0 to 4294967295, got NaN/],
    [() => kFold(50, 5, { seed: "abc" } as never), /kFold: seed must be an integer from 0 to 4294967295, got "abc"/],
    [() => kFold(2.5, 2), /kFold: n must be a whole number of rows, got 2\.5/],
    [() => kFold(50, 5, { shufle: false } as never), /kFold: unknown option "shufle"; valid: shuffle, seed/],
    [() => stratifiedKFold([0, 1, 0, 1], 2, { shuffle: false } as never), /stratifiedKFold: unknown option "shuffle"; valid: seed/],
    [() => trainTestSplit(t, { stratify: "target" } as never), /trainTestSplit: unknown option "stratify"; valid: testSize, seed/],
    [() => crossValidate(e(), t, { label: "target", weight: "age" } as never), /crossValidate: unknown option "weight"; valid: label, features/],
    [() => crossValidate(e(), t, { label: "target", seed: -1 }), /crossValidate: seed must be an integer/],
    [() => e().fit(t, { label: "target", weights: "age" } as never), /fit: unknown option "weights"; valid: label/],
    [() => new Ensemble({ members: [ridge()], innerK: 1 }), /Ensemble: innerK \(the inner folds that fit a weighted or stacking blend\) must be an integer ≥ 2, got 1/],
    [() => new Ensemble({ members: [ridge()], stackerAlpha: -5 }), /Ensemble: stackerAlpha \(the stacker's ridge penalty\) must be a finite number ≥ 0, got -5/],
    [() => new Ensemble({ members: [ridge()], blends: ["mean"] } as never), /Ensemble: unknown option "blends"/],
  ] as const) assert.throws(run, pattern);
});

test("stratifiedKFold keeps class proportions", () => {
  const y = Array.from({ length: 100 }, (_, i) => (i < 30 ? 1 : 0));
  const folds = stratifiedKFold(y, 5, { seed: 0 });
  for (const f of folds) assert.is(Array.from(f.test).filter((i) => y[i] === 1).length, 6);
  const seen = new Set<number>();
  for (const f of folds) for (const i of f.test) seen.add(i);
  assert.is(seen.size, 100);
});

test("folds as scikit-learn's: KFold's test folds unshuffled, StratifiedKFold's class counts per fold; a target StratifiedKFold refuses is an Error (it was dealt as one class per value)", () => {
  if (!hasSklearn()) return;
  const classes = [0, 0, 1, 2, 1, 0, 3, 0, 1, 0, 2, 0, 0, 1, 4, 0, 1]; // 17 rows, classes of 9, 5, 2, 1, 1 rows
  const refused = { continuous: [0, 1, 0.5, 1, 0, 1], nan: [0, 1, NaN, 1, 0, 1] };
  const ref = python(
    `import warnings; warnings.simplefilter("ignore")
from sklearn.model_selection import KFold, StratifiedKFold
y = np.array(data["classes"])
def refuses(y):
  try: list(StratifiedKFold(2).split(np.zeros(len(y)), y)); return False
  except ValueError: return True
print(json.dumps({
 "kfold": [[te.tolist() for _, te in KFold(k).split(np.zeros(n))] for n, k in [(17, 4), (10, 3), (5, 5)]],
 "counts": [sorted(map(sorted, np.array([np.bincount(y[te], minlength=5) for _, te in StratifiedKFold(k).split(np.zeros(len(y)), y)]).T.tolist())) for k in (2, 3, 4)],
 "refused": {name: refuses(np.array([np.nan if v is None else v for v in ys])) for name, ys in data["refused"].items()}}))`,
    { classes, refused },
  );
  [[17, 4], [10, 3], [5, 5]].forEach(([n, k], c) => assert.equal(kFold(n, k, { shuffle: false }).map((f) => Array.from(f.test)), ref.kfold[c], `KFold(${k}) of ${n}`));
  [2, 3, 4].forEach((k, c) => {
    // per class, its rows in each fold (sorted: which fold gets a class's extra row is the dealing order's)
    const folds = stratifiedKFold(classes, k, { seed: 5 });
    const counts = [0, 1, 2, 3, 4].map((cls) => folds.map((f) => Array.from(f.test).filter((i) => classes[i] === cls).length).sort((a, b) => a - b));
    assert.equal(counts.sort(), ref.counts[c], `StratifiedKFold(${k})`);
  });
  for (const [name, labels] of Object.entries(refused)) {
    assert.ok(ref.refused[name], `scikit-learn refuses ${name} labels`);
    assert.throws(() => stratifiedKFold(labels, 2), /^stratifiedKFold: label 2 is (0\.5|NaN), but labels must be classes \(whole numbers/, name);
  }
  assert.throws(() => stratifiedKFold(5 as unknown as number[], 2), /^stratifiedKFold: labels must be a list of class labels \(whole numbers\), got 5$/); // was two empty folds
  // binary:logistic's soft labels (XGBoost fits probabilities as labels) are no classes: a weighted blend's inner folds are kFold's
  const soft = aq.from(Array.from({ length: 40 }, (_, i) => ({ a: Math.sin(i), y: Math.round(10 * (0.5 + 0.4 * Math.sin(i))) / 10 })));
  const e = new Ensemble({ members: [ridge(), ridge({ alpha: 30 })], blend: "weighted", objective: "binary:logistic" }).fit(soft, { label: "y" });
  assert.is(e.weights!.length, 2);
});

test("trainTestSplit: disjoint, sizes, seeded", () => {
  const t = loadDiabetes();
  const { train, test: te } = trainTestSplit(t, { testSize: 0.25, seed: 4 });
  assert.is(train.numRows() + te.numRows(), 442);
  // the sizes scikit-learn's train_test_split gives (ceil for the test part: 89 of 442 at 0.2, not 88)
  const cases: [number, number][] = [[442, 0.25], [442, 0.2], [10, 0.33], [7, 0.5], [3, 0.01], [400, 0.99]];
  const ref: number[] | undefined = hasSklearn()
    ? python(`from sklearn.model_selection import train_test_split\nprint(json.dumps([len(train_test_split(np.arange(n), test_size=s, random_state=0)[1]) for n, s in data]))`, cases)
    : undefined;
  cases.forEach(([n, size], i) => {
    const got = trainTestSplit(t.slice(0, n), { testSize: size, seed: 1 }).test.numRows();
    if (ref) assert.is(got, ref[i], `${n} rows at testSize ${size}: ${got} held out, scikit-learn ${ref[i]}`);
  });
  const again = trainTestSplit(t, { testSize: 0.25, seed: 4 });
  assert.equal(again.test.array("target"), te.array("target"));
});

test("bad input: clear errors naming the column or value", () => {
  const t = loadDiabetes();
  assert.throws(() => toMatrix(t, { label: "outcome" }), /label column "outcome" not found/);
  assert.throws(() => toMatrix(t, { label: "target", features: ["bmi", "weight"] }), /feature column not found: "weight"/);
  assert.throws(
    () => toMatrix(aq.table({ a: [1, 2], target: ["high", "low"] }), { label: "target", objective: "reg:squarederror" }),
    /label column "target" holds text \(row 0 holds "high" \(string\)\) but the objective reg:squarederror needs numbers/,
  );
  assert.throws(() => kFold(10, 1), /k must be an integer ≥ 2 \(got k=1\)/);
  assert.throws(() => kFold(10, 11), /k=11 is larger than the number of rows \(10\)/);
  const empty = aq.table({ a: [] as number[], target: [] as number[] });
  assert.throws(() => toMatrix(empty, { label: "target" }), /empty/);
  const e = new Ensemble({ members: [ridge()] });
  assert.throws(() => crossValidate(e, empty, { label: "target" }), /empty/);
  assert.throws(() => crossValidate(e, t, { label: "target", k: 1 }), /k must be an integer ≥ 2/);
  assert.throws(() => crossValidate(e, t.slice(0, 4), { label: "target", k: 5 }), /k=5 is larger than the number of rows \(4\)/);
  assert.throws(() => crossValidate(e, t, { label: "nope" }), /label column "nope" not found/);
  assert.throws(() => e.fit(aq.table({ a: [1, 2, 3], target: ["x", "y", "x"] }), { label: "target" }), /label column "target" holds text .* reg:squarederror/);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("a label with missing values: the error counts them and gives a filter that works (a job leaves such rows out itself)", () => {
  const rows = loadDiabetes().objects() as Record<string, number | null>[];
  rows[5].target = null;
  rows[9].target = NaN;
  const t = aq.from(rows);
  const ens = new Ensemble({ members: [ridge()] });
  assert.throws(() => crossValidate(ens, t, { label: "target", k: 3 }), /label column "target" has 2 missing values \(the first at row 5\); leave those rows out first, e\.g\. table\.filter\(aq\.escape\(\(d\) => d\["target"\] != null && d\["target"\] !== "" && !Number\.isNaN\(d\["target"\]\)\)\)/);
  // the filter the message gives, as written
  const kept = t.filter(aq.escape((d: Record<string, unknown>) => d["target"] != null && d["target"] !== "" && !Number.isNaN(d["target"])));
  assert.is(kept.numRows(), 440);
  assert.is(crossValidate(ens, kept, { label: "target", k: 3 }).oof.ensemble.length, 440);
  // text labels: an empty cell is missing too, and the filter leaves it out
  const text = aq.from([{ y: "a", x: 1 }, { y: "", x: 2 }, { y: "b", x: 3 }, { y: "a", x: 4 }, { y: "b", x: 5 }, { y: "a", x: 6 }]);
  const err = (() => { try { toMatrix(text, { label: "y", objective: "binary:logistic" }); } catch (e) { return (e as Error).message; } return ""; })();
  assert.match(err, /label column "y" has 1 missing value \(the first at row 1\)/);
  assert.is(text.filter(aq.escape((d: Record<string, unknown>) => d["y"] != null && d["y"] !== "" && !Number.isNaN(d["y"]))).numRows(), 5);
});

test.run();
