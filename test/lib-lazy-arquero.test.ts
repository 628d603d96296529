/**
 * arquero (and the Parquet/Arrow readers hyparquet and flechette) are loaded lazily: importing lib (and the
 * trainer's serve module), loading a saved ensemble and predicting rows never load them; the table functions still work (they load it
 * on first use). Checked in a fresh node process (this one has arquero loaded by other tests).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Ensemble, loadDiabetes, ridge, saveEnsemble, xgboost } from "ensemble-workbook";

const ROOT = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lib-lazy-arquero-"));

const CHILD = `
const path = require("path");
const root = process.argv[process.argv.length - 2];
const model = process.argv[process.argv.length - 1];
const loaded = () => Object.keys(require.cache).some((k) => /[\\\\/]node_modules[\\\\/](arquero|hyparquet|hyparquet-compressors|@uwdata[\\\\/]flechette)[\\\\/]/.test(k));
const out = {};
const lib = require(path.join(root, "lib"));
require(path.join(root, "trainer", "serve"));
out.afterImport = loaded();
const ens = lib.loadEnsemble(model);
const p = ens.predict([[59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87], [48, 1, 21.6, 87, 183, 103.2, 70, 3, 3.8918, 69]]).prediction;
out.prediction = Array.from(p);
out.afterPredict = loaded();
const t = lib.loadDiabetes();
out.rows = t.numRows();
out.afterLoadCsv = loaded();
out.split = lib.trainTestSplit(t, { testSize: 0.25, seed: 1 }).test.numRows();
out.text = lib.tableText([{ a: 1, b: "x" }]).split("\\n")[0];
console.log(JSON.stringify(out));
`;

test("lib index + trainer serve + loadEnsemble + predict do not load arquero; table functions load it on use", () => {
  const table = loadDiabetes();
  const ens = new Ensemble({ members: [xgboost({ num_round: 5 }), ridge()] }).fit(table, { label: "target" });
  const model = path.join(tmp, "model");
  saveEnsemble(ens, model);
  const expected = Array.from(ens.predict(table.slice(0, 2)).prediction);
  ens.free();
  const script = path.join(tmp, "child.js");
  fs.writeFileSync(script, CHILD);
  const r = spawnSync(process.execPath, ["--require", "tsx/cjs", script, ROOT, model], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.is(out.afterImport, false, "arquero loaded by importing lib / trainer/serve");
  assert.is(out.afterPredict, false, "arquero loaded by loadEnsemble + predict");
  out.prediction.forEach((v: number, i: number) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `${v} vs ${expected[i]}`));
  assert.is(out.rows, 442);
  assert.is(out.afterLoadCsv, true);
  assert.is(out.split, 111);
  assert.is(out.text, "a  b");
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.run();
