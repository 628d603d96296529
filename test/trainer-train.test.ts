/**
 * trainer `train` as SageMaker runs it: a real child process on a temporary
 * /opt/ml tree. Log lines are read with SageMaker-style metric regexes, the
 * artifacts are checked against independent computations (own RMSE, the saved
 * model's predictions through lib's loadEnsemble).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { coxNLogLik, loadEnsemble, loadCsv } from "ensemble-workbook";
import { buildEnsemble } from "../trainer/train";
import { parseHyperparameters } from "../trainer/hyperparameters";
import { parquetWriteBuffer } from "hyparquet-writer";
import { diabetesRows, DIABETES, optMl, refRmse, rmTree, runTrain } from "./trainer-helpers";

const roots: string[] = [];
test.after(() => { if (!process.env.KEEP) roots.forEach(rmTree); });

const close = (a: number, b: number, rel = 2e-4) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

/** What a SageMaker metric definition `<name>:([0-9.]+)` reports: every match; the objective is the last one. */
function metricValues(stdout: string, regex: RegExp): number[] {
  const out: number[] = [];
  for (const line of stdout.split("\n")) {
    const g = new RegExp(regex.source, "g");
    let m: RegExpExecArray | null;
    while ((m = g.exec(line))) out.push(Number(m[1]));
  }
  return out;
}

function leftovers(root: string): string[] {
  return fs.readdirSync(root).filter((f) => f.includes("tmp")).concat(
    fs.existsSync(path.join(root, "model")) ? fs.readdirSync(path.join(root, "model")).filter((f) => f.includes("tmp")) : [],
  );
}

test("train: diabetes, header, JSON-encoded values, SageMaker keys ignored → fold/round/final lines, model/, cv.json", async () => {
  const root = optMl(
    { num_round: "20", k_fold: "3", eta: '"0.1"', max_depth: "3", seed: '"0"', sagemaker_program: "x", sagemaker_region: '"us-east-1"', _tuning_objective_metric: "validation-rmse" },
    { train: { "diabetes.csv": fs.readFileSync(DIABETES, "utf8") } },
  );
  roots.push(root);
  const r = await runTrain(root);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(fs.existsSync(path.join(root, "output", "failure")));
  const lines = r.stdout.trim().split("\n");

  // per-fold lines, exactly the contract's shape
  const foldLines = lines.filter((l) => l.startsWith("fold="));
  assert.is(foldLines.length, 3);
  const folds = foldLines.map((l) => {
    const m = /^fold=(\d+) xgboost-rmse:([0-9.]+); catboost-rmse:([0-9.]+); ensemble-rmse:([0-9.]+);$/.exec(l);
    assert.ok(m, `fold line shape: ${l}`);
    return { fold: Number(m![1]), xgboost: Number(m![2]), catboost: Number(m![3]), ensemble: Number(m![4]) };
  });
  assert.equal(folds.map((f) => f.fold), [1, 2, 3]);

  // per-round lines of the final fit: [0] … [19]
  const rounds = lines.map((l) => /^\[(\d+)\] validation-rmse:([0-9.]+);$/.exec(l)).filter(Boolean) as RegExpExecArray[];
  assert.equal(rounds.map((m) => Number(m[1])), Array.from({ length: 20 }, (_, i) => i));
  assert.ok(Number(rounds[19][2]) < Number(rounds[0][2]), "validation error falls over the rounds");

  // final lines; the objective regex SageMaker would use takes the last match
  assert.match(lines[lines.length - 2], /^train-rmse:[0-9.]+;$/);
  assert.match(lines[lines.length - 1], /^validation-rmse:[0-9.]+;$/);
  const validation = metricValues(r.stdout, /validation-rmse:([0-9.]+)/);
  assert.is(validation.length, 21);
  const finalValidation = validation[validation.length - 1];
  const finalTrain = metricValues(r.stdout, /^train-rmse:([0-9.]+)/).pop()!;
  // no exponent notation anywhere a metric is printed
  for (const l of lines) for (const m of l.matchAll(/-rmse:([^;]*);/g)) assert.match(m[1], /^[0-9]+(\.[0-9]+)?$/, l);

  // model/: a loadable saved ensemble, nothing else
  const modelFiles = fs.readdirSync(path.join(root, "model")).sort();
  assert.equal(modelFiles, ["catboost.json", "manifest.json", "xgboost.json"]);
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "model", "manifest.json"), "utf8"));
  assert.is(manifest.format, "ensemble-workbook/1");
  assert.equal(manifest.members.map((m: any) => m.name), ["xgboost", "catboost"]);
  assert.is(manifest.label, "target");
  assert.is(manifest.blend, "mean");
  assert.equal(leftovers(root), []);

  // train-rmse = RMSE of the saved model on the training rows (own RMSE)
  const { header, rows } = diabetesRows();
  const yi = header.indexOf("target");
  const X = rows.map((r) => r.filter((_, j) => j !== yi));
  const y = rows.map((r) => r[yi]);
  const ens = loadEnsemble(path.join(root, "model"));
  const p = ens.predict(X).prediction;
  ens.free();
  assert.ok(close(finalTrain, refRmse(y, p)), `train-rmse ${finalTrain} vs ${refRmse(y, p)}`);

  // cv.json: per-fold per-member metrics agree with the log; validation = out-of-fold RMSE
  const cv = JSON.parse(fs.readFileSync(path.join(root, "output", "data", "cv.json"), "utf8"));
  assert.is(cv.k, 3);
  assert.is(cv.metric, "rmse");
  assert.is(cv.folds.length, 9);
  for (const f of folds) {
    for (const member of ["xgboost", "catboost", "ensemble"]) {
      const row = cv.folds.find((x: any) => x.fold === f.fold && x.member === member);
      assert.ok(close((f as any)[member], row.rmse), `fold ${f.fold} ${member}`);
    }
  }
  assert.equal(cv.y, y);
  assert.ok(close(finalValidation, refRmse(cv.y, cv.oof.ensemble)));
  assert.ok(close(finalValidation, cv.validation.rmse));
  assert.is(cv.validation.source, "out-of-fold");
  // the ensemble's out-of-fold predictions are the mean of the members' (blend mean)
  for (let i = 0; i < 5; i++) assert.ok(close(cv.oof.ensemble[i], (cv.oof.xgboost[i] + cv.oof.catboost[i]) / 2, 1e-9));
});

test("train: defaults — k_fold 5, models xgboost,catboost (few rounds)", async () => {
  const root = optMl({ num_round: "3" }, { train: { "d.csv": fs.readFileSync(DIABETES, "utf8") } });
  roots.push(root);
  const r = await runTrain(root);
  assert.is(r.code, 0, r.stderr);
  const folds = r.stdout.split("\n").filter((l) => /^fold=\d+ xgboost-rmse:[0-9.]+; catboost-rmse:[0-9.]+; ensemble-rmse:[0-9.]+;$/.test(l));
  assert.is(folds.length, 5);
  const lines = r.stdout.split("\n");
  const rounds = lines.filter((l) => /^\[\d+\] validation-rmse:/.test(l));
  assert.is(rounds.length, 3);
  // live: the rounds are printed as the last fold's fits reach them, before that fold's line — not after the
  // cross-validation; and they are the mean over the folds' and members' held-out curves in cv.json
  assert.ok(lines.indexOf(rounds[2]) < lines.findIndex((l) => l.startsWith("fold=5 ")), "the [r] lines come before the last fold's line");
  const cv = JSON.parse(fs.readFileSync(path.join(root, "output", "data", "cv.json"), "utf8"));
  const curves = cv.curves.filter((c: { metric: string }) => c.metric === "rmse");
  assert.is(curves.length, 10);
  rounds.forEach((l, i) => {
    const mean = curves.reduce((a: number, c: { values: number[] }) => a + c.values[i], 0) / curves.length;
    assert.ok(close(Number(/:([0-9.]+);$/.exec(l)![1]), mean, 1e-4), l);
    assert.is(cv.rounds.values[i], mean);
  });
});

test("train: no header (label = first column), two files concatenated in order, validation channel, final_model=folds, weighted blend, member params", async () => {
  const { header, rows } = diabetesRows();
  const yi = header.indexOf("target");
  const asNoHeader = (rs: number[][]) => rs.map((r) => [r[yi], ...r.filter((_, j) => j !== yi)].join(",")).join("\n") + "\n";
  const train = rows.slice(0, 340);
  const valid = rows.slice(340);
  const root = optMl(
    {
      models: '"xgboost,ridge,random_forest"', k_fold: "3", num_round: "15", blend: "weighted", final_model: "folds",
      "xgboost.max_depth": "2", "random_forest.num_parallel_tree": "8", "ridge.alpha": "0.5",
    },
    {
      train: { "part-b.csv": asNoHeader(train.slice(170)), "part-a.csv": asNoHeader(train.slice(0, 170)) },
      validation: { "v.csv": asNoHeader(valid) },
    },
  );
  roots.push(root);
  const r = await runTrain(root);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.is(lines.filter((l) => /^fold=\d+ xgboost-rmse:[0-9.]+; ridge-rmse:[0-9.]+; random_forest-rmse:[0-9.]+; ensemble-rmse:[0-9.]+;$/.test(l)).length, 3);
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "model", "manifest.json"), "utf8"));
  assert.is(manifest.members.length, 9);
  assert.ok(manifest.members.some((m: any) => m.name === "ridge_fold2"));
  assert.is(manifest.blend, "weighted");
  assert.ok(Math.abs(manifest.weights.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-9);
  assert.is(manifest.label, "c0");
  assert.equal(manifest.featureNames, Array.from({ length: 10 }, (_, i) => `c${i + 1}`));
  const xgb = manifest.members.find((m: any) => m.name === "xgboost_fold1");
  assert.is(Number(xgb.params.max_depth), 2);
  assert.is(Number(manifest.members.find((m: any) => m.name === "random_forest_fold1").params.num_parallel_tree), 8);

  // validation-rmse is measured on the validation channel by the saved model
  const ens = loadEnsemble(path.join(root, "model"));
  const pv = ens.predict(valid.map((r) => r.filter((_, j) => j !== yi))).prediction;
  // rows of the concatenation are in sorted file order: part-a then part-b
  const pt = ens.predict(train.map((r) => r.filter((_, j) => j !== yi))).prediction;
  ens.free();
  const v = Number(/^validation-rmse:([0-9.]+);$/.exec(lines[lines.length - 1])![1]);
  assert.ok(close(v, refRmse(valid.map((r) => r[yi]), pv)), `${v}`);
  const cv = JSON.parse(fs.readFileSync(path.join(root, "output", "data", "cv.json"), "utf8"));
  assert.equal(cv.y, train.map((r) => r[yi]));
  assert.is(cv.validation.source, "validation channel");
  const t = Number(/^train-rmse:([0-9.]+);$/.exec(lines[lines.length - 2])![1]);
  assert.ok(close(t, refRmse(train.map((r) => r[yi]), pt)));
});

test("train: a kind listed twice, the copy with parameters of its own (xgboost_2.max_depth) — the copy is the model that job alone with those parameters trains", async () => {
  const csv = fs.readFileSync(DIABETES, "utf8");
  const job = async (hp: Record<string, string>) => {
    const root = optMl({ k_fold: "3", num_round: "10", ...hp }, { train: { "d.csv": csv } });
    roots.push(root);
    const r = await runTrain(root);
    assert.is(r.code, 0, r.stdout + r.stderr);
    return { log: r.stdout, lines: r.stdout.trim().split("\n").filter((l) => l.startsWith("fold=")), model: (f: string) => fs.readFileSync(path.join(root, "model", f), "utf8"), manifest: JSON.parse(fs.readFileSync(path.join(root, "model", "manifest.json"), "utf8")) };
  };
  const two = await job({ models: "xgboost,xgboost", "xgboost_2.max_depth": "2" });
  const alone = await job({ models: "xgboost", "xgboost.max_depth": "2" });
  assert.equal(two.manifest.members.map((m: any) => [m.name, m.params.max_depth]), [["xgboost", undefined], ["xgboost_2", 2]]);
  const copyRmse = two.lines.map((l) => /xgboost_2-rmse:([0-9.]+);/.exec(l)![1]);
  assert.equal(copyRmse, alone.lines.map((l) => /xgboost-rmse:([0-9.]+);/.exec(l)![1]));
  assert.not.equal(copyRmse, two.lines.map((l) => /^fold=\d+ xgboost-rmse:([0-9.]+);/.exec(l)![1]), "the first xgboost (max_depth 6) differs");
  assert.ok(two.model("xgboost_2.json") === alone.model("xgboost.json"), "the copy's model file is that job's model");
  assert.not.match(two.log, /has the same parameters/);
  // copies without parameters of their own: the same model twice — trained, and the log says so
  const same = await job({ models: "xgboost,xgboost", max_depth: "3" });
  assert.match(same.log, /^models: "xgboost_2" has the same parameters as "xgboost" — the same model twice; give it its own with xgboost_2\.<param> \(e\.g\. xgboost_2\.max_depth\)$/m);
});

test("train: binary:logistic → logloss lines; validation-logloss = own out-of-fold logloss", async () => {
  const { header, rows } = diabetesRows();
  const yi = header.indexOf("target");
  const text = [header.join(","), ...rows.map((r) => r.map((v, j) => (j === yi ? (v > 140 ? 1 : 0) : v)).join(","))].join("\n") + "\n";
  const root = optMl({ objective: "binary:logistic", models: "xgboost,ridge", num_round: "8", k_fold: "3", blend: "stacking" }, { train: { "b.csv": text } });
  roots.push(root);
  const r = await runTrain(root);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.is(lines.filter((l) => /^fold=\d+ xgboost-logloss:[0-9.]+; ridge-logloss:[0-9.]+; ensemble-logloss:[0-9.]+;$/.test(l)).length, 3);
  assert.is(lines.filter((l) => /^\[\d+\] validation-logloss:[0-9.]+;$/.test(l)).length, 8);
  const v = Number(/^validation-logloss:([0-9.]+);$/.exec(lines[lines.length - 1])![1]);
  const cv = JSON.parse(fs.readFileSync(path.join(root, "output", "data", "cv.json"), "utf8"));
  const eps = 1e-15;
  const ll = -cv.y.reduce((s: number, y: number, i: number) => {
    const p = Math.min(1 - eps, Math.max(eps, cv.oof.ensemble[i]));
    return s + (y * Math.log(p) + (1 - y) * Math.log(1 - p));
  }, 0) / cv.y.length;
  assert.ok(close(v, ll), `${v} vs ${ll}`);
});

test("train: survival:cox (times, negative = right-censored) → cox-nloglik lines (not rmse of hazard ratios against times); validation-cox-nloglik = the mean of the folds' values (not the pooled out-of-fold hazard ratios of 3 fold models)", async () => {
  let seed = 3;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ["time,x0,x1"];
  for (let i = 0; i < 150; i++) {
    const x0 = Math.floor(rnd() * 20) / 4, x1 = Math.floor(rnd() * 10);
    const t = Math.max(0.5, Math.round(Math.exp(2 - 0.4 * x0 + rnd()) * 2) / 2);
    lines.push(`${rnd() < 0.25 ? -t : t},${x0},${x1}`);
  }
  const root = optMl({ objective: "survival:cox", models: "xgboost", num_round: "6", k_fold: "3", label: "time" }, { train: { "s.csv": lines.join("\n") + "\n" } });
  roots.push(root);
  const r = await runTrain(root);
  assert.is(r.code, 0, r.stderr);
  const out = r.stdout.trim().split("\n");
  assert.is(out.filter((l) => /^fold=\d+ xgboost-cox-nloglik:[0-9.]+; ensemble-cox-nloglik:[0-9.]+;$/.test(l)).length, 3, r.stdout);
  const v = Number(/^validation-cox-nloglik:([0-9.]+);$/.exec(out[out.length - 1])![1]);
  const cv = JSON.parse(fs.readFileSync(path.join(root, "output", "data", "cv.json"), "utf8"));
  // the mean of the folds' ensemble lines (each fold model's hazard ratios are on a scale of their own: the pooled
  // out-of-fold figure is no score of any model)
  const folds = out.map((l) => /^fold=\d+ .*ensemble-cox-nloglik:([0-9.]+);$/.exec(l)).filter((x) => x).map((x) => Number(x![1]));
  const mean = folds.reduce((s, x) => s + x, 0) / folds.length;
  assert.ok(close(v, mean), `validation ${v} vs the folds' mean ${mean} (${folds.join(", ")})`);
  assert.ok(!close(v, coxNLogLik(cv.y, cv.oof.ensemble)), `not the pooled out-of-fold ${coxNLogLik(cv.y, cv.oof.ensemble)}`);
  assert.is(cv.validation.source, "mean over folds");
});

// ---- failure path: output/failure names the problem, exit code ≠ 0, model/ untouched ----
const diabetes = () => fs.readFileSync(DIABETES, "utf8");
/** a small Parquet file (x, target) */
const parquetFile = () => new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "x", data: [1, 2, 3, 4], type: "DOUBLE" }, { name: "target", data: [3, 5, 7, 9], type: "DOUBLE" }] }));
/** diabetes with line 8 cut to 9 fields */
const ragged = () => diabetes().split("\n").map((l, i) => (i === 7 ? l.split(",").slice(0, 9).join(",") : l)).join("\n");
const FAILURES: { name: string; hp?: Record<string, unknown>; channels: Record<string, Record<string, string | Uint8Array>>; config?: Record<string, string>; expect: RegExp[] }[] = [
  { name: "hyperparameters.json not JSON", channels: { train: { "d.csv": diabetes() } }, config: { "hyperparameters.json": "{eta: 0.1" }, expect: [/^hyperparameters\.json is not valid JSON/] },
  {
    name: "non-CSV channel content type",
    hp: { k_fold: "3" },
    channels: { train: { "d.csv": diabetes() } },
    config: { "inputdataconfig.json": JSON.stringify({ train: { ContentType: "application/x-recordio-protobuf", TrainingInputMode: "File" } }) },
    expect: [/^train channel: content type "application\/x-recordio-protobuf" is not supported: tables are read as CSV, Parquet, Arrow, JSON or LIBSVM \(text\/csv, .*application\/x-parquet/],
  },
  // labels the objective cannot take, found as the channels are read (they failed a fold's fit naming a fold-relative
  // row of an eval set "validation", or the final fit after the whole cross-validation)
  {
    name: "count:poisson, a negative label",
    hp: { k_fold: "2", objective: "count:poisson", models: "xgboost" },
    channels: { train: { "d.csv": diabetes().split("\n").map((l, i) => (i === 300 ? l.replace(/,[^,]*$/, ",-5") : l)).join("\n") } },
    expect: [/^train channel: label column "target", row 300 of its data rows holds -5; count:poisson needs labels ≥ 0/],
  },
  {
    name: "reg:gamma, a label 0",
    hp: { k_fold: "2", objective: "reg:gamma", models: "xgboost" },
    channels: { train: { "d.csv": diabetes().split("\n").map((l, i) => (i === 200 ? l.replace(/,[^,]*$/, ",0") : l)).join("\n") } },
    expect: [/^train channel: label column "target", row 200 of its data rows holds 0; reg:gamma needs labels > 0 \(native: GammaRegression: label must be positive\)/],
  },
  {
    name: "binary label 2 in the validation channel",
    hp: { k_fold: "2", objective: "binary:logistic", models: "xgboost", num_round: "2" },
    channels: { train: { "b.csv": "x,target\n" + Array.from({ length: 40 }, (_, i) => `${i},${i % 2}`).join("\n") + "\n" }, validation: { "v.csv": "x,target\n1,0\n2,1\n3,2\n" } },
    expect: [/^validation channel: label column "target", row 3 of its data rows holds 2; binary:logistic needs labels 0 or 1/],
  },
  {
    name: "multiclass label 1.5",
    hp: { k_fold: "2", objective: "multi:softprob", models: "xgboost", num_round: "2" },
    channels: { train: { "m.csv": "x,target\n" + Array.from({ length: 30 }, (_, i) => `${i},${i === 7 ? 1.5 : i % 3}`).join("\n") + "\n" } },
    expect: [/^train channel: label column "target", row 8 of its data rows holds 1\.5; multi:softprob needs labels whole numbers from 0/],
  },
  // another format read as one column: said, not "label column target not found; … one of: 59 1:42 2:1 …"
  { name: "LIBSVM named .csv", hp: { k_fold: "2" }, channels: { train: { "part-0.csv": "151 1:59 2:2 3:32.1\n75 1:48 2:1 3:21.6\n141 1:72 2:2 3:30.5\n" } }, expect: [/^train channel file part-0\.csv: line 1: the first record "151 1:59 2:2 3:32\.1" looks like LIBSVM \(label index:value …\), read here as CSV: read it as LIBSVM/] },
  // a LIBSVM validation channel with an index past the train channel's: a feature the model will not have
  { name: "LIBSVM validation index past train's", hp: { k_fold: "2" }, channels: { train: { "part-0": Array.from({ length: 20 }, (_, i) => `${i} 0:${i} 2:${i % 3}`).join("\n") + "\n" }, validation: { "part-0": "1 0:1 3:2\n" } }, expect: [/^validation channel: LIBSVM feature index 3 \(f3\) is past the train channel's largest index, 2: the model has no such feature/] },
  // LIBSVM's instance weights: no fit here takes them, so not dropped without a word
  { name: "LIBSVM weights", hp: { k_fold: "2" }, channels: { train: { "part-0": "151 1:59 2:2\n75:0.5 1:48 2:1\n141 1:72 2:2\n" } }, expect: [/^train channel file part-0: line 2: the label "75:0\.5" carries an instance weight \(label:weight\), which is not supported/] },
  // a Parquet file named .csv, read as CSV: the failure quoted its first bytes, NULs and control bytes included
  { name: "a Parquet file named .csv", hp: { k_fold: "2" }, channels: { train: { "part-0.csv": parquetFile() } }, expect: [/^train channel file part-0\.csv: line 1, column 1 \(PAR1\\x[0-9a-f]{2}.*\): NUL byte — not a text CSV file$/] },
  // (a semicolon-separated channel is read with semicolons, as SageMaker's XGBoost sniffs it: trainer-tables.test.ts)
  {
    name: "an infinite feature",
    hp: { k_fold: "2" },
    channels: { train: { "d.csv": diabetes().split("\n").map((l, i) => (i === 5 ? l.replace(/^[^,]*/, "1e39") : l)).join("\n") } },
    expect: [/^train channel: column "age", row 5 of its data rows holds Infinity \(inf, or a number beyond float32's ±3\.4e38\): features must be finite/],
  },
  {
    name: "an infinite feature after a row with a missing label",
    hp: { k_fold: "2", models: "xgboost" },
    channels: { train: { "x.csv": "x,target\n1,\n" + Array.from({ length: 8 }, (_, i) => `${i},${i % 3}`).join("\n") + "\ninf,9\n" } },
    expect: [/^train channel: column "x", row 10 of its data rows holds Infinity/], // it checked the filtered table's first 9 rows of the unfiltered column
  },
  {
    name: "text in a numeric validation column",
    hp: { k_fold: "2" },
    channels: { train: { "d.csv": diabetes() }, validation: { "v.csv": diabetes().split("\n").map((l, i) => (i === 3 ? l.replace(/^([^,]*),([^,]*)/, "$1,abc") : l)).join("\n") } },
    expect: [/^validation channel: column "sex" holds text \("abc", row 3 of its data rows\) where the train channel's column is numeric/],
  },
  // what SageMaker's XGBoost refuses too, before anything is read: a channel it does not read (a "valid" channel was
  // dropped, and validation-rmse became the cross-validation's), label_size other than 1, Pipe mode, several hosts
  { name: "extraneous channel", hp: { k_fold: "3" }, channels: { train: { "d.csv": diabetes() }, valid: { "v.csv": diabetes() } }, expect: [/^channel "valid" is not read by this trainer: its channels are train and validation/] },
  {
    name: "extraneous channel in inputdataconfig.json",
    hp: { k_fold: "3" },
    channels: { train: { "d.csv": diabetes() } },
    config: { "inputdataconfig.json": JSON.stringify({ train: { ContentType: "text/csv" }, test: { ContentType: "text/csv" } }) },
    expect: [/^channel "test" is not read by this trainer/],
  },
  {
    // a vote's classes have no logloss (the job's metric): it was scored on its 0/1 outputs
    name: "blend=vote",
    hp: { objective: "binary:logistic", k_fold: "3", blend: "vote" },
    channels: { train: { "d.csv": "1,0.5\n0,0.1\n1,0.9\n0,0.2\n1,0.7\n0,0.3\n" } },
    expect: [/^hyperparameter blend=vote predicts classes, not probabilities, and the job's metric \(logloss\) is defined on probabilities only .*: use blend=soft_vote/],
  },
  {
    name: "label_size=2",
    hp: { k_fold: "3" },
    channels: { train: { "d.csv": diabetes() } },
    config: { "inputdataconfig.json": JSON.stringify({ train: { ContentType: "text/csv; label_size=2" } }) },
    expect: [/^train channel: content type "text\/csv; label_size=2": label_size must be 1 \(one label column\), got 2/],
  },
  {
    // the type's charset and other parameters are read or refused: a Latin-1 file declared so was read as UTF-8
    name: "charset other than UTF-8",
    hp: { k_fold: "3" },
    channels: { train: { "d.csv": diabetes() } },
    config: { "inputdataconfig.json": JSON.stringify({ train: { ContentType: "text/csv; charset=ISO-8859-1" } }) },
    expect: [/^train channel: content type "text\/csv; charset=ISO-8859-1": charset ISO-8859-1 is not read — tables are read as UTF-8/],
  },
  {
    name: "a ContentType parameter not read",
    hp: { k_fold: "3" },
    channels: { train: { "d.csv": diabetes() } },
    config: { "inputdataconfig.json": JSON.stringify({ train: { ContentType: "text/csv; header=absent" } }) },
    expect: [/^train channel: content type "text\/csv; header=absent": parameter "header=absent" is not read .*the header hyperparameter/],
  },
  {
    name: "Pipe mode",
    hp: { k_fold: "3" },
    channels: { train: { "d.csv": diabetes() } },
    config: { "inputdataconfig.json": JSON.stringify({ train: { ContentType: "text/csv", TrainingInputMode: "Pipe" } }) },
    expect: [/^train channel: TrainingInputMode Pipe is not supported/],
  },
  {
    name: "two hosts",
    hp: { k_fold: "3" },
    channels: { train: { "d.csv": diabetes() } },
    config: { "resourceconfig.json": JSON.stringify({ current_host: "algo-2", hosts: ["algo-1", "algo-2"] }) },
    expect: [/^the job runs on 2 instances \(algo-1, algo-2\), and this trainer trains on one/],
  },
  { name: "eta=abc", hp: { eta: "abc", k_fold: "3" }, channels: { train: { "d.csv": diabetes() } }, expect: [/^hyperparameter eta="abc": is not a number/] },
  { name: "k_fold=1", hp: { k_fold: "1" }, channels: { train: { "d.csv": diabetes() } }, expect: [/^hyperparameter k_fold="1": must be ≥ 2/] },
  { name: "unknown model", hp: { models: "xgboost,lightgbm", k_fold: "3" }, channels: { train: { "d.csv": diabetes() } }, expect: [/^hyperparameter models=.*unknown model "lightgbm"/, /xgboost, catboost, random_forest, ridge/] },
  { name: "unknown hyperparameter", hp: { etaa: "0.1" }, channels: { train: { "d.csv": diabetes() } }, expect: [/^unknown hyperparameter "etaa"/] },
  // read by the boosted members only: with none in models it was dropped (the forest trained at its own depth)
  { name: "max_depth with no boosted member", hp: { models: "random_forest", max_depth: "4", k_fold: "3" }, channels: { train: { "d.csv": diabetes() } }, expect: [/^hyperparameter max_depth="4": sets the boosted members \(xgboost, catboost\), and models \(random_forest\) has none of them/] },
  { name: "missing train channel", hp: { k_fold: "3" }, channels: { validation: { "d.csv": diabetes() } }, expect: [/^missing train channel/] },
  { name: "empty CSV", hp: { k_fold: "3" }, channels: { train: { "empty.csv": "" } }, expect: [/^train channel file empty\.csv is empty/] },
  { name: "header-only CSV", hp: { k_fold: "3" }, channels: { train: { "h.csv": "a,b,target\n" } }, expect: [/no data rows/] },
  {
    name: "ragged CSV",
    hp: { k_fold: "3", num_round: "2" },
    channels: { train: { "r.csv": ragged() } },
    expect: [/^train channel file r\.csv: line 8 \(row 7\) has 9 fields, expected 11 as in the header: column 10 \(s6\) is missing/, /ragged/],
  },
  // issue 10's bad inputs: each names the column (and row and value where there is one)
  { name: "survival:aft (interval labels)", hp: { k_fold: "3", objective: "survival:aft" }, channels: { train: { "d.csv": diabetes() } }, expect: [/survival:aft's labels are intervals \(XGBoost's label_lower_bound and label_upper_bound\), which an ensemble's one label column does not hold/] },
  { name: "text label, regression objective", hp: { k_fold: "3", label: "y" }, channels: { train: { "t.csv": "x,y\n1,yes\n2,no\n3,yes\n4,no\n" } }, expect: [/label column "y" holds text \(row 0 holds "yes"/, /objective reg:squarederror needs numbers/] },
  { name: "mixed label", hp: { k_fold: "3", label: "y", objective: "binary:logistic" }, channels: { train: { "t.csv": "x,y\n1,1\n2,no\n3,0\n4,yes\n" } }, expect: [/label column "y" mixes numbers and text: row 0 holds "1".* but row 1 holds "no"/] },
  { name: "categorical column absent", hp: { k_fold: "3", categorical_features: "sex,smoker" }, channels: { train: { "d.csv": diabetes() } }, expect: [/^hyperparameter categorical_features: column "smoker" not found; columns are: age, sex, bmi/] },
  { name: "categorical index past the columns", hp: { k_fold: "3", categorical_features: "[1, 11]" }, channels: { train: { "d.csv": diabetes() } }, expect: [/^hyperparameter categorical_features: index 11 is past the last column \(11 columns: 0 to 10\)/] },
  { name: "categorical column by name and index", hp: { k_fold: "3", categorical_features: '["sex", 1]' }, channels: { train: { "d.csv": diabetes() } }, expect: [/^hyperparameter categorical_features: column "sex" is given twice \(as "sex" and as 1\)/] },
  { name: "hyperparameters.json null", channels: { train: { "d.csv": diabetes() } }, config: { "hyperparameters.json": "null" }, expect: [/^hyperparameters\.json must hold a JSON object/] },
  { name: "categorical label", hp: { k_fold: "3", categorical_features: '["target"]' }, channels: { train: { "d.csv": diabetes() } }, expect: [/"target" is the label column, not a feature/] },
  { name: "na_values not a list", hp: { k_fold: "3", na_values: "NA,?" }, channels: { train: { "d.csv": diabetes() } }, expect: [/^hyperparameter na_values="NA,\?": must be a list of strings, e\.g\. \["NA", "\?"\]/] },
  { name: "na_values with a number", hp: { k_fold: "3", na_values: '["?", 0]' }, channels: { train: { "d.csv": diabetes() } }, expect: [/^hyperparameter na_values=.*: must be a list of strings; 0 is not a string/] },
  { name: "header=maybe", hp: { k_fold: "3", header: "maybe" }, channels: { train: { "d.csv": diabetes() } }, expect: [/^hyperparameter header="maybe": must be true, false or "auto"/] },
  {
    name: "more than 65,535 categories",
    hp: { k_fold: "3", num_round: "2" },
    channels: { train: { "c.csv": "code,target\n" + Array.from({ length: 65_537 }, (_, i) => `k${i},${i % 7}`).join("\n") + "\n" } },
    expect: [/feature column "code" has more than 65,535 categories/],
  },
  { name: "ridge under a multiclass objective", hp: { models: "xgboost,ridge", objective: "multi:softprob", k_fold: "3", parallel_fits: "4" }, channels: { train: { "d.csv": diabetes() } }, expect: [/^model ridge: |ridge member "ridge" does not support multi:softprob/] },
  { name: "no target column", hp: { k_fold: "3" }, channels: { train: { "x.csv": "a,b\n1,2\n3,4\n5,6\n" } }, expect: [/label column "target".*not found/, /a, b/] },
  // the label, categorical features and validation columns are checked on the header, before the rows are read:
  // each of these files has a ragged line further on, which the check comes before (a wrong label on a large file
  // failed only once the whole file was read)
  { name: "wrong label, ragged file", hp: { k_fold: "3", label: "nope" }, channels: { train: { "r.csv": ragged() } }, expect: [/^hyperparameter label="nope": no such column; columns are: age, sex, bmi/] },
  { name: "categorical column absent, ragged file", hp: { k_fold: "3", categorical_features: "smoker" }, channels: { train: { "r.csv": ragged() } }, expect: [/^hyperparameter categorical_features: column "smoker" not found/] },
  {
    name: "validation columns differ, ragged validation file",
    hp: { k_fold: "3" },
    channels: { train: { "d.csv": diabetes() }, validation: { "v.csv": ragged().replace("bmi", "BMI") } },
    expect: [/^validation channel columns \[age, sex, BMI, .*\] differ from the train channel's \[age, sex, bmi, /],
  },
  // found before the cross-validation's fits, not after them (a fold's auc failed as 'auc: needs both classes'; the
  // validation channel's label at the final fit, naming the column's first cell, a number)
  {
    name: "k_fold beyond the rarer class, auc",
    hp: { k_fold: "5", objective: "binary:logistic", num_round: "2" },
    channels: { train: { "b.csv": "x,target\n" + Array.from({ length: 40 }, (_, i) => `${i},${i % 13 === 0 ? 1 : 0}`).join("\n") + "\n" } },
    expect: [/fold \d of 5 holds no rows of class 1 among its \d+ held-out rows, so its auc cannot be scored: class 1 has 4 rows, fewer than the 5 folds — use at most 4 folds/],
  },
  {
    name: "validation label not a number",
    hp: { k_fold: "3", num_round: "2" },
    channels: { train: { "d.csv": diabetes() }, validation: { "v.csv": diabetes().split("\n").map((l, i) => (i === 4 ? l.replace(/,[^,]*$/, ",zzz") : l)).join("\n") } },
    expect: [/^validation channel: label column "target", row 3: "zzz" \(string\) is not a number/],
  },
  { name: "inconsistent headers", hp: { k_fold: "3" }, channels: { train: { "1.csv": diabetes(), "2.csv": diabetes().split("\n").slice(1).join("\n") } }, expect: [/^train channel file 2\.csv has columns \[c0, c1, .*\] but train channel file 1\.csv has \[age, sex, /] },
];

/** Run the failure cases a few at a time (each is a process start, mostly idle waiting on tsx). */
async function runFailure(f: (typeof FAILURES)[number]): Promise<void> {
  const root = optMl(f.hp, f.channels, f.config);
  roots.push(root);
  const r = await runTrain(root);
  const ctx = `${f.name}: ${r.stderr}`;
  assert.is.not(r.code, 0, ctx);
  const failure = fs.readFileSync(path.join(root, "output", "failure"), "utf8");
  assert.not.match(failure, /\n/, ctx);
  assert.not.match(failure, /[\u0000-\u001f\u007f-\u009f]/, `${ctx}: control characters in ${JSON.stringify(failure)}`);
  assert.ok(failure.length > 0 && failure.length <= 1024, ctx);
  for (const e of f.expect) assert.match(failure, e, `${f.name}: ${failure}`);
  assert.equal(fs.readdirSync(path.join(root, "model")), [], ctx);
  assert.equal(leftovers(root), [], ctx);
  assert.not.match(r.stdout, /validation-\w+:/, ctx);
  assert.not.match(r.stdout, /^fold=\d/m, `${ctx}: no fold was fitted`);
  assert.match(r.stderr, /training failed: /, ctx);
}

test(`train failures (${FAILURES.map((f) => f.name).join("; ")}) → output/failure names the problem, exit ≠ 0, model/ empty`, async () => {
  const queue = [...FAILURES];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) await runFailure(f);
    }),
  );
});

test("train: the model cannot be written → a failure naming model/, no cv.json; a model folder a killed job left behind (its process gone) is removed, a running job's is left", async () => {
  const root = optMl({ k_fold: "3", models: "xgboost", num_round: "3" }, { train: { "d.csv": diabetes() } });
  roots.push(root);
  // pids of processes that are gone, and this test's own (running)
  const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
  fs.mkdirSync(path.join(root, `.model-${gone}.tmp`));
  fs.writeFileSync(path.join(root, `.model-${gone}.tmp`, "xgboost.json"), "{}");
  fs.mkdirSync(path.join(root, `.model-${process.pid}.tmp`));
  // model/ is a file: the publish fails after the training
  fs.rmSync(path.join(root, "model"), { recursive: true });
  fs.writeFileSync(path.join(root, "model"), "not a folder");
  const r = await runTrain(root);
  assert.is.not(r.code, 0, r.stderr);
  const failure = fs.readFileSync(path.join(root, "output", "failure"), "utf8");
  assert.match(failure, new RegExp(`^cannot write the model to ${path.join(root, "model").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
  assert.not.ok(fs.existsSync(path.join(root, "output", "data", "cv.json")), "no cv.json of a model that was not written");
  assert.is(fs.readFileSync(path.join(root, "model"), "utf8"), "not a folder");
  assert.not.ok(fs.existsSync(path.join(root, `.model-${gone}.tmp`)), "the killed job's folder is removed");
  assert.ok(fs.existsSync(path.join(root, `.model-${process.pid}.tmp`)), "a running process's folder is left");
  fs.rmSync(path.join(root, `.model-${process.pid}.tmp`), { recursive: true });
});

test("train failure: a long cause is cut to 1024 characters", async () => {
  const cols = Array.from({ length: 300 }, (_, i) => `feature_with_a_long_name_${i}`);
  const root = optMl({ k_fold: "3" }, { train: { "w.csv": cols.join(",") + "\n" + cols.map(() => "1").join(",") + "\n" } });
  roots.push(root);
  const r = await runTrain(root);
  assert.is.not(r.code, 0);
  const failure = fs.readFileSync(path.join(root, "output", "failure"), "utf8");
  assert.is(failure.length, 1024);
  assert.match(failure, /^label column "target"/);
});

test("train: cross-validation in lockstep — the [r] lines come during the cross-validation (every fold × member fit at round r), before the first fold= line, with parallel_fits 1 and with 2 (6 fits on 2 threads, each in lockstep over its share), the same lines", async () => {
  const hp = { models: "xgboost,catboost", k_fold: "3", num_round: "300", eta: "0.05", seed: "1" };
  const run = async (parallelFits: string) => {
    const root = optMl({ ...hp, parallel_fits: parallelFits }, { train: { "d.csv": fs.readFileSync(DIABETES, "utf8") } });
    roots.push(root);
    const r = await runTrain(root);
    assert.is(r.code, 0, r.stderr);
    return { r, rounds: r.lines.filter((l) => /^\[\d+\] validation-rmse:/.test(l.line)), folds: r.lines.filter((l) => /^fold=/.test(l.line)) };
  };
  const lockstep = await run("1"), sideBySide = await run("2");
  for (const [name, job] of Object.entries({ "parallel_fits 1": lockstep, "parallel_fits 2": sideBySide })) {
    assert.equal(job.rounds.map((l) => Number(/^\[(\d+)\]/.exec(l.line)![1])), Array.from({ length: 300 }, (_, i) => i), name);
    const firstFold = job.r.lines.indexOf(job.folds[0]);
    assert.ok(job.r.lines.indexOf(job.rounds[299]) < firstFold, `${name}: every [r] line before the first fold= line`);
    assert.ok(job.rounds[0].at < job.rounds[299].at, `${name}: [0] … [299] arrive as the rounds run, not at once`);
  }
  // the same fits shared out between two threads (this one and a worker, 3 fits each): the same lines
  assert.equal(lockstep.rounds.map((l) => l.line), sideBySide.rounds.map((l) => l.line));
  assert.equal(lockstep.folds.map((l) => l.line), sideBySide.folds.map((l) => l.line));
});

test("train: an objective whose members evaluate no rmse (reg:absoluteerror) prints its own metric per round, the members' mae on the validation channel; eval_metric as a comma list; booleans in any case", async () => {
  const text = fs.readFileSync(DIABETES, "utf8").trim().split("\n");
  const hp = { models: "xgboost", objective: "reg:absoluteerror", k_fold: "2", num_round: "6", "xgboost.disable_default_eval_metric": "False" };
  const root = optMl(hp, { train: { "t.csv": [text[0], ...text.slice(1, 343)].join("\n") + "\n" }, validation: { "v.csv": [text[0], ...text.slice(343)].join("\n") + "\n" } });
  roots.push(root);
  const r = await runTrain(root);
  assert.is(r.code, 0, r.stderr);
  const lines = r.lines.map((l) => l.line).filter((l) => /^\[\d+\] /.test(l));
  assert.is(lines.length, 6, r.stdout); // there were none: the lines' metric was rmse, which no member evaluated
  const ens = buildEnsemble(parseHyperparameters(hp));
  const mae: number[] = [];
  ens.fit(loadCsv(path.join(root, "input", "data", "train", "t.csv")), {
    label: "target",
    evalSet: loadCsv(path.join(root, "input", "data", "validation", "v.csv")),
    onRound: (_m, round, metrics) => (mae[round] = metrics.mae),
  });
  ens.free();
  lines.forEach((l, i) => {
    const m = /^\[(\d+)\] validation-mae:([0-9.]+);$/.exec(l);
    assert.ok(m && Number(m[1]) === i && close(Number(m[2]), mae[i], 1e-4), `${l} vs mae ${mae[i]}`);
  });
  assert.is(JSON.parse(fs.readFileSync(path.join(root, "output", "data", "cv.json"), "utf8")).rounds.metric, "mae");
  // SageMaker's XGBoost takes eval_metric as a comma list: both are evaluated, the first is the lines'
  const listed = optMl({ ...hp, "xgboost.eval_metric": "rmse,mae", "xgboost.disable_default_eval_metric": "TRUE" }, { train: { "t.csv": text.join("\n") + "\n" } });
  roots.push(listed);
  const r2 = await runTrain(listed);
  assert.is(r2.code, 0, r2.stderr);
  assert.is(r2.lines.filter((l) => /^\[\d+\] validation-rmse:/.test(l.line)).length, 6, r2.stdout);
});

test("train: a text column with a category for most rows (an id, a date kept as text) is named in the first line as one that cannot generalise", async () => {
  const rows = Array.from({ length: 40 }, (_, i) => `r${i},${i % 3 === 0 ? "a" : "b"},${i % 7},${(i * 37) % 11}`);
  const root = optMl({ models: "xgboost", k_fold: "2", num_round: "2" }, { train: { "t.csv": ["id,kind,x,target", ...rows].join("\n") + "\n" } });
  roots.push(root);
  const r = await runTrain(root);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /categorical: id \(40 categories in 40 rows: an identifier, or a date as text\? drop it or derive numbers from it\), kind\)/);
});

test("train: a column of numbers made text by a stray token is named with the token and the na_values that would fix it", async () => {
  const rows = Array.from({ length: 40 }, (_, i) => `${i === 7 ? "?" : 20 + i},${i % 7},${(i * 37) % 11}`);
  const root = optMl({ models: "xgboost", k_fold: "2", num_round: "2" }, { train: { "t.csv": ["age,x,target", ...rows].join("\n") + "\n" } });
  roots.push(root);
  const r = await runTrain(root);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /categorical: age \(text because of "\?": its other values are numbers — list it in na_values to read them as numbers\)/);
});

test("train: the [r] lines' metric does not depend on the members' order — an xgboost listed first with eval_metric mae, or evaluating nothing, leaves catboost's rmse lines", async () => {
  const text = fs.readFileSync(DIABETES, "utf8");
  for (const extra of [{ "xgboost.eval_metric": "mae" }, { "xgboost.disable_default_eval_metric": "true" }]) {
    const root = optMl({ models: "xgboost,catboost", k_fold: "2", num_round: "3", ...extra }, { train: { "d.csv": text } });
    roots.push(root);
    const r = await runTrain(root);
    assert.is(r.code, 0, r.stderr);
    const lines = r.lines.map((l) => l.line).filter((l) => /^\[\d+\] /.test(l));
    assert.is(lines.length, 3, `${JSON.stringify(extra)}: ${r.stdout}`);
    assert.ok(lines.every((l) => /^\[\d+\] validation-rmse:/.test(l)), `${JSON.stringify(extra)}: ${lines.join(" | ")}`);
  }
});

test("train: validation channel + refit — the [r] lines come live as the members' rounds finish (3 members on one thread in lockstep at parallel_fits 1, side by side at 3), equal to the sequential fit's mean curve", async () => {
  const text = fs.readFileSync(DIABETES, "utf8").trim().split("\n");
  const hp = { models: "xgboost,catboost,ridge", k_fold: "2", num_round: "400", eta: "0.05", seed: "1" };
  const job = async (parallelFits: string) => {
    const root = optMl({ ...hp, parallel_fits: parallelFits }, {
      train: { "t.csv": [text[0], ...text.slice(1, 343)].join("\n") + "\n" },
      validation: { "v.csv": [text[0], ...text.slice(343)].join("\n") + "\n" },
    });
    roots.push(root);
    const r = await runTrain(root);
    assert.is(r.code, 0, r.stderr);
    return { root, r };
  };
  const [one, three] = [await job("1"), await job("3")];
  const roundLines = (r: typeof one.r) => r.lines.filter((l) => /^\[\d+\] validation-rmse:/.test(l.line)).map((l) => l.line);
  assert.equal(roundLines(one.r), roundLines(three.r), "the same [r] lines at parallel_fits 1 and 3");
  for (const f of fs.readdirSync(path.join(one.root, "model"))) {
    assert.is(fs.readFileSync(path.join(three.root, "model", f), "utf8"), fs.readFileSync(path.join(one.root, "model", f), "utf8"), `model/${f} at parallel_fits 3 vs 1`);
  }
  const { root, r } = one;
  const rounds = r.lines.filter((l) => /^\[\d+\] validation-rmse:/.test(l.line));
  assert.equal(rounds.map((l) => Number(/^\[(\d+)\]/.exec(l.line)![1])), Array.from({ length: 400 }, (_, i) => i));
  // live: the lines arrived over the final fit, not in one burst at its end. The final fit starts as the last fold=
  // line is out and ends with [399]: [0] comes in its first half (a burst at its end would put it at the very end),
  // whatever the machine's speed
  const cvEnd = r.lines.filter((l) => /^fold=/.test(l.line)).at(-1)!.at;
  const fitSpan = rounds[rounds.length - 1].at - cvEnd;
  assert.ok(rounds[0].at - cvEnd < fitSpan / 2, `[0] came ${rounds[0].at - cvEnd} ms into a final fit whose [399] came at ${fitSpan} ms: not live`);
  // the values: the mean of the boosted members' validation curves (ridge reports none), as a sequential fit gives them
  const ens = buildEnsemble(parseHyperparameters(hp));
  const curves: Record<string, number[]> = {};
  ens.fit(loadCsv(path.join(root, "input", "data", "train", "t.csv")), {
    label: "target",
    evalSet: loadCsv(path.join(root, "input", "data", "validation", "v.csv")),
    onRound: (member, round, metrics) => {
      if (metrics.rmse !== undefined) (curves[member] ??= [])[round] = metrics.rmse;
    },
  });
  ens.free();
  assert.equal(Object.keys(curves).sort(), ["catboost", "xgboost"]);
  rounds.forEach((l, i) => {
    const v = Number(/:([0-9.]+);$/.exec(l.line)![1]);
    const ref = (curves.xgboost[i] + curves.catboost[i]) / 2;
    assert.ok(close(v, ref, 1e-4), `[${i}] ${v} vs ${ref}`);
  });
  const cv = JSON.parse(fs.readFileSync(path.join(root, "output", "data", "cv.json"), "utf8"));
  assert.is(cv.rounds.values.length, 400);
  assert.match(cv.rounds.source, /final fit on the validation channel/);
});

test.run();
