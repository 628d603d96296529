/**
 * crossValidate(…, { keepModels: true }) returns the fitted fold members, and the trainer's
 * final_model=folds uses them instead of training the fold models a second time.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { catboost, crossValidate, Ensemble, holdCoreMatrix, loadDiabetes, loadEnsemble, releaseFloats, ridge, rowView, takeRows, toMatrix, xgboost, TreeMember } from "ensemble-workbook";
import { buildEnsemble, train } from "../trainer/train";
import { optMlPaths } from "../trainer/optml";

const roots: string[] = [];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.is(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Counts tree member fits while f runs (TreeMember.startFit: fit() goes through it, and crossValidate's lockstep calls it). */
async function countTreeFits<T>(f: () => T | Promise<T>): Promise<{ result: T; fits: number }> {
  const orig = TreeMember.prototype.startFit;
  let fits = 0;
  TreeMember.prototype.startFit = function (this: TreeMember, ...args: Parameters<typeof orig>) {
    fits++;
    return orig.apply(this, args);
  };
  try {
    return { result: await f(), fits };
  } finally {
    TreeMember.prototype.startFit = orig;
  }
}

test("keepModels: models[fold][member] are the fitted fold members (their held-out predictions are the out-of-fold ones)", () => {
  const table = loadDiabetes();
  const ens = new Ensemble({ members: [xgboost({ num_round: 12, max_depth: 2 }), ridge({ alpha: 0.5 })] });
  const cv = crossValidate(ens, table, { label: "target", k: 3, seed: 4, keepModels: true });
  const m = toMatrix(table, { label: "target" });
  // the folds are row views of one binned matrix: a fresh fit on the same rows of it is the reference
  const release = holdCoreMatrix(m);
  assert.ok(cv.models);
  assert.is(cv.models!.length, 3);
  cv.folds.forEach((fold, f) => {
    const fm = cv.models![f];
    assert.equal(fm.map((c) => c.name), ["xgboost", "ridge"]);
    assert.equal(fm.map((c) => c.kind), ["xgboost", "ridge"]);
    assert.ok(fm.every((c, j) => c !== ens.members[j]), "fold models are clones, not the ensemble's members");
    const te = takeRows(m, fold.test);
    const tr = rowView(m, fold.train);
    fm.forEach((c, j) => {
      const p = c.predict(te);
      const oof = Float64Array.from(fold.test, (i) => cv.oof[c.name][i]);
      assert.is(maxAbsDiff(p, oof), 0, `fold ${f + 1} ${c.name}: kept model ≠ the model that made the out-of-fold predictions`);
      // and it is the model a fresh fit on the fold's training rows gives (the eval set steers nothing)
      const fresh = ens.members[j].clone();
      fresh.fit(tr);
      assert.ok(maxAbsDiff(fresh.predict(te), p) < 1e-6, `fold ${f + 1} ${c.name}: differs from a fresh fit`);
      fresh.free();
    });
  });
  release();
  for (const fm of cv.models!) for (const c of fm) c.free();
  // the ensemble's own members stay unfitted
  assert.throws(() => ens.members[0].toFile(), /not fitted/);
});

test("releaseFloats: cross-validation, refit, predictions and SHAP of a matrix whose floats went once binned are those of the floats; X throws; bad uses are Errors", () => {
  const table = loadDiabetes();
  const ens = () => new Ensemble({ members: [xgboost({ num_round: 15, max_depth: 3 }), catboost({ iterations: 15 })], blend: "weighted" });
  const kept = toMatrix(table, { label: "target" }), gone = toMatrix(table, { label: "target" });
  const holds = [holdCoreMatrix(kept), holdCoreMatrix(gone)];
  const bins = ens().members.map((mem) => mem.binsOnly!());
  assert.equal(bins, [256, 254], "xgboost's max_bin, catboost's border_count");
  releaseFloats(gone, bins as number[]);
  assert.throws(() => gone.X[0], /reading X\.0 of a 442 × 10 matrix: the matrix's floats were released once binned \(releaseFloats, max_bin 256, 254\)/);
  assert.throws(() => takeRows(gone, Int32Array.from([1])), /floats were released once binned/);
  const a = crossValidate(ens(), kept, { label: "target", k: 4, seed: 2 }), b = crossValidate(ens(), gone, { label: "target", k: 4, seed: 2 });
  assert.equal(b.oof, a.oof, "out-of-fold predictions");
  assert.equal(b.curves, a.curves, "per-round curves");
  const fa = ens().fitMatrix(kept), fb = ens().fitMatrix(gone);
  assert.equal(fb.predict(gone).prediction, fa.predict(kept).prediction, "the refit's predictions");
  assert.equal(fb.members.map((mem) => mem.toFile().content), fa.members.map((mem) => mem.toFile().content), "the refit's model files");
  const ca = fa.members[0].contributions(rowView(kept, Int32Array.from([5, 9, 400]))), cb = fb.members[0].contributions(rowView(gone, Int32Array.from([5, 9, 400])));
  assert.equal(cb, ca, "SHAP values");
  // a ridge member reads the floats: an Error, not freed memory
  const r = ridge();
  assert.is(r.binsOnly, undefined);
  assert.throws(() => r.fit(rowView(gone, Int32Array.from([1, 2, 3, 4]))), /floats were released once binned/);
  assert.throws(() => releaseFloats(rowView(kept, Int32Array.from([1])), [256]), /^releaseFloats: m is a row view/);
  assert.throws(() => releaseFloats(toMatrix(table, { label: "target" }), [256]), /^releaseFloats: m has no held core DMatrix/);
  const withCategories = toMatrix(table, { label: "target", categorical: ["sex"] });
  const hold = holdCoreMatrix(withCategories);
  assert.throws(() => releaseFloats(withCategories, [256]), /^releaseFloats: m has categorical columns \(sex\)/);
  hold();
  [fa, fb].forEach((e) => e.free());
  holds.forEach((h) => h());
});

test("rowView: bad rows are Errors naming them", () => {
  const m = toMatrix(loadDiabetes(), { label: "target" });
  assert.throws(() => rowView(m, Int32Array.from([0, 442])), /^rowView: rows\[1\] is 442; the matrix has rows 0 to 441$/);
  assert.throws(() => rowView(m, Int32Array.from([-1])), /^rowView: rows\[0\] is -1/);
  assert.throws(() => rowView(m, [0, 1] as unknown as Int32Array), /^rowView: rows must be an Int32Array/);
  assert.is(rowView(m, Int32Array.from([3, 1])).nrow, 2);
});

test("keepModels off (default): no models in the result", () => {
  const cv = crossValidate(new Ensemble({ members: [ridge()] }), loadDiabetes(), { label: "target", k: 3 });
  assert.is(cv.models, undefined);
});

test("trainer final_model=folds: the fold models are fitted once (by the CV) and the saved ensemble averages them", async () => {
  const csv = fs.readFileSync(path.join(__dirname, "..", "data", "diabetes.csv"), "utf8");
  // parallel_fits 1: every fit in this thread, where countTreeFits sees it (fits in worker threads are other instances)
  const hp = { models: "xgboost,ridge", k_fold: "3", num_round: "10", final_model: "folds", seed: "2", parallel_fits: "1" };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "lib-cv-keep-models-"));
  roots.push(root);
  fs.mkdirSync(path.join(root, "input", "config"), { recursive: true });
  fs.mkdirSync(path.join(root, "input", "data", "train"), { recursive: true });
  fs.mkdirSync(path.join(root, "model"), { recursive: true });
  fs.writeFileSync(path.join(root, "input", "config", "hyperparameters.json"), JSON.stringify(hp));
  fs.writeFileSync(path.join(root, "input", "data", "train", "d.csv"), csv);
  const lines: string[] = [];
  const { result, fits } = await countTreeFits(() => train(optMlPaths(root), (l) => lines.push(l)));
  assert.is(fits, 3, "one xgboost fit per fold (the cross-validation's); none again for the final model");

  const manifest = JSON.parse(fs.readFileSync(path.join(root, "model", "manifest.json"), "utf8"));
  assert.equal(manifest.members.map((x: any) => x.name), ["xgboost_fold1", "ridge_fold1", "xgboost_fold2", "ridge_fold2", "xgboost_fold3", "ridge_fold3"]);

  // reference: fit every member on every fold's training rows (row views of one binned matrix, as the job's
  // folds are) independently, average the 6 predictions
  const table = loadDiabetes();
  const m = toMatrix(table, { label: "target" });
  const release = holdCoreMatrix(m);
  const ref = new Float64Array(m.nrow);
  const spec = buildEnsemble(result.settings);
  result.cv.folds.forEach((fold) => {
    for (const member of spec.members) {
      const c = member.clone();
      c.fit(rowView(m, fold.train));
      c.predict(m).forEach((v, i) => (ref[i] += v / (result.cv.folds.length * spec.members.length)));
      c.free();
    }
  });
  release();
  const loaded = loadEnsemble(path.join(root, "model"));
  const p = loaded.predict(table).prediction;
  loaded.free();
  assert.ok(maxAbsDiff(p, ref) < 1e-4, `saved fold ensemble vs reference: ${maxAbsDiff(p, ref)}`);
  // the logged train metric is the saved model's
  const y = m.y!;
  const rmse = Math.sqrt(p.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / p.length);
  const logged = Number(/^train-rmse:([0-9.]+);$/.exec(lines[lines.length - 2])![1]);
  assert.ok(Math.abs(logged - rmse) / rmse < 1e-4, `${logged} vs ${rmse}`);
});

test.after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

test.run();
