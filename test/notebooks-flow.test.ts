// npm start (tools/main-flow.ts) as a child process: the whole flow runs locally, the report has the RMSE
// table and the best hyperparameters, and the plots are standalone HTML files in the folder it names.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const out = fs.mkdtempSync(path.join(os.tmpdir(), "workbook-flow-"));

test("npm start: data → train → tune → deploy → invoke → clean up, report and plots", () => {
  const r = spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(root, "tools", "main-flow.ts"), "--out", out], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, SAGEMAKER_MODE: "local" },
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.is(r.status, 0, `main-flow failed:\n${r.stdout}\n${r.stderr}`);
  const report = fs.readFileSync(path.join(out, "report.txt"), "utf8");
  assert.ok(r.stdout.includes(report.trim().split("\n")[2]), "the report is printed");
  // RMSE table: 5 folds × xgboost, catboost, ensemble
  const start = report.indexOf("RMSE per fold");
  const table = report.slice(start, report.indexOf("\n\n", start));
  assert.match(table, /fold\s+xgboost\s+catboost\s+ensemble/);
  const foldRows = table.split("\n").filter((l) => /^\s+[1-5]\s+\d/.test(l));
  assert.is(foldRows.length, 5);
  // the CV here and the training job agree
  const m = /out-of-fold ensemble RMSE ([0-9.]+) = training job \S+ validation:rmse ([0-9.]+)/.exec(report);
  assert.ok(m, "the out-of-fold line");
  assert.is(Number(m![1]), Number(m![2]));
  // best hyperparameters within the tuned ranges
  const b = /best hyperparameters: eta=([0-9.]+), max_depth=(\d+) → validation:rmse ([0-9.]+)/.exec(report);
  assert.ok(b, "best hyperparameters line");
  assert.ok(Number(b![1]) >= 0.2 && Number(b![1]) <= 0.3, `eta ${b![1]}`);
  assert.ok(["3", "4"].includes(b![2]));
  // the best objective is the minimum of the trials listed
  const objectives = [...report.matchAll(/ensemble-tuning-\S+\s+[0-9.]+\s+\d\s+([0-9.]+)\s+Completed/g)].map((x) => Number(x[1]));
  assert.ok(objectives.length >= 1);
  assert.is(Number(b![3]), Math.min(...objectives));
  // plots named in the report exist as standalone HTML with plotly inlined
  for (const f of ["rmse-per-fold", "learning-curves", "tuning-trials", "tuning-parallel-coordinates", "predicted-vs-actual", "report"]) {
    const file = path.join(out, `${f}.html`);
    assert.ok(fs.existsSync(file), `${file}`);
    const html = fs.readFileSync(file, "utf8");
    assert.match(html, /Plotly\.newPlot/);
    assert.ok(html.length > 1_000_000, "plotly.js inlined (works offline)");
    assert.ok(report.includes(`${f}.html`));
  }
  assert.ok(report.includes(out), "the report names the output folder");
  assert.match(r.stdout, /endpoint (\S+): deleted with its endpoint config \1-config and model \1-model/, "clean up ran");
});

test.after(() => fs.rmSync(out, { recursive: true, force: true }));
test.run();
