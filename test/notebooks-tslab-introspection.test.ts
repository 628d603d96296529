// In a real tslab kernel, driven through jupyter_client as JupyterLab drives it: Tab completion and Shift-Tab
// inspection see lib's names, parameters and documentation (lib is a typed package imported by name).
// Skips, naming what to install, without Jupyter's Python client; NOTEBOOKS_EXECUTE=none skips it too.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { jupyterEnv, registerKernel } from "../tools/register-kernel";

const root = path.resolve(__dirname, "..");
const PY = "/usr/bin/python3";
const hasClient = spawnSync(PY, ["-c", "import jupyter_client"]).status === 0;
const run = hasClient && process.env.NOTEBOOKS_EXECUTE !== "none" ? test : test.skip;
if (!hasClient) console.log("  skipped: tslab introspection needs Jupyter's client (apt-get install python3-jupyter-client)");

type Reply = { status?: string; matches?: string[]; found?: boolean; text?: string };

function ask(requests: object[]): Reply[] {
  registerKernel(root);
  const r = spawnSync(PY, [path.join(__dirname, "helpers", "tslab_introspect.py"), path.join(root, "notebooks")], {
    input: JSON.stringify(requests),
    env: jupyterEnv(root),
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.is(r.status, 0, `tslab_introspect.py failed:\n${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

run("tslab: Tab completes lib's names and a member's parameters; Shift-Tab shows signatures and docs", () => {
  const [setup, names, params, sagemakerNames, xgboostDoc, estimatorDoc] = ask([
    { setup: 'import * as lib from "ensemble-workbook";\nimport * as sagemaker from "ensemble-workbook/sagemaker";' },
    { complete: "lib.cross" },
    { complete: "lib.catboost({ l2_" },
    { complete: "sagemaker.Hyper" },
    { inspect: "lib.xgboost" },
    { inspect: "sagemaker.Estimator" },
  ]);
  assert.is(setup.status, "ok");
  assert.ok(names.matches!.includes("crossValidate"), `completion of lib.cross: ${names.matches}`);
  assert.ok(params.matches!.includes("l2_leaf_reg"), `completion inside catboost({ … }): ${params.matches}`);
  assert.ok(sagemakerNames.matches!.includes("HyperparameterTuner"), `completion of sagemaker.Hyper: ${sagemakerNames.matches}`);
  assert.ok(xgboostDoc.found);
  assert.match(xgboostDoc.text!, /function xgboost\(params\?: XGBoostMemberParams\): Member/);
  assert.match(xgboostDoc.text!, /XGBoost-style member/);
  assert.ok(estimatorDoc.found);
  assert.match(estimatorDoc.text!, /class Estimator/);
});

test.run();
