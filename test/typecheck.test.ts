// The whole tree is type-checked by the README's test command (`npm test` runs `npm run typecheck` first: every
// folder, the exported scripts and the notebooks as tslab compiles them). These tests check that the notebook
// check really catches what it is for: a misspelt hyperparameter in a cell, named by notebook, cell and line.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { XGBOOST_PARAM_NAMES, VALID_PARAMS } from "node-xgboost-wasm";
import { typecheckNotebooks } from "../tools/typecheck-notebooks";

const notebooks = path.join(__dirname, "..", "notebooks");

function scratch(name: string, cells: string[]): string {
  const file = path.join(notebooks, name);
  const nb = { cells: cells.map((c) => ({ cell_type: "code", metadata: {}, outputs: [], source: [c] })), metadata: {}, nbformat: 4, nbformat_minor: 5 };
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

test("a misspelt hyperparameter in a scratch notebook is a type error naming the cell and the name", () => {
  const file = scratch("98-scratch-typo.ipynb", [
    'import * as lib from "ensemble-workbook";\nconst table = lib.loadDiabetes();',
    "const ok = lib.xgboost({ eta: 0.1, max_depth: 3, num_round: 10 });",
    "const typo = lib.xgboost({ etaa: 0.1 });",
    'const cat = lib.catboost({ depth: 4, l2_leaf_regg: 3 });',
  ]);
  try {
    const errors = typecheckNotebooks([file]);
    assert.is(errors.length, 2, errors.map((e) => e.message).join("\n"));
    assert.equal([errors[0].cell, errors[0].line], [3, 1]);
    assert.match(errors[0].message, /'etaa' does not exist/);
    assert.equal([errors[1].cell, errors[1].line], [4, 1]);
    assert.match(errors[1].message, /'l2_leaf_regg' does not exist/);
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test("a wrong field of a SageMaker answer is a type error too; the same cells spelt right pass", () => {
  const bad = scratch("98-scratch-field.ipynb", [
    'import * as sagemaker from "ensemble-workbook/sagemaker";\nconst s = sagemaker.session({ mode: "local" });',
    'const e = new sagemaker.Estimator({ session: s, hyperparameters: { models: "xgboost" } });\nconst job = await e.fit({ train: "x.csv" }, { wait: true });\nconsole.log(job.ModelArtifact.S3ModelArtifacts);',
  ]);
  const good = scratch("98-scratch-good.ipynb", [
    'import * as sagemaker from "ensemble-workbook/sagemaker";\nconst s = sagemaker.session({ mode: "local" });',
    'const e = new sagemaker.Estimator({ session: s, hyperparameters: { models: "xgboost" } });\nconst job = await e.fit({ train: "x.csv" });\nconsole.log(job.ModelArtifacts.S3ModelArtifacts);',
  ]);
  try {
    const errors = typecheckNotebooks([bad, good]);
    assert.is(errors.length, 1, errors.map((e) => e.message).join("\n"));
    assert.is(errors[0].notebook, bad);
    assert.match(errors[0].message, /'ModelArtifact' does not exist/);
  } finally {
    fs.rmSync(bad, { force: true });
    fs.rmSync(good, { force: true });
  }
});

test("the typed XGBoostParams names every parameter the core accepts, and no other", () => {
  assert.equal(XGBOOST_PARAM_NAMES, [...VALID_PARAMS].sort());
});

test.run();
