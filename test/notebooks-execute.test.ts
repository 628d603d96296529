// The notebooks, run the two ways users run them, to the end:
//  - through a real Jupyter client (nbconvert --execute, tslab kernel), then one executed notebook → HTML →
//    headless Chromium: the per-fold RMSE plot has rendered one bar per fold per series;
//  - the exported scripts (scripts/NN-*.mts, made by `npm run export`), which are what batch jobs run: each
//    runs to the end with tsx from the repository root, writing its plots as files. (Each must also typecheck as
//    an ES module, scripts/tsconfig.json, nodenext: that is `tsc --noEmit -p scripts` in `npm run typecheck`,
//    which the README's test command, `npm test`, runs before any test file.)
//
// The two are independent runs of the same cells (kernel vs tsx), each in order (notebook 4 deploys notebook 3's
// best job, 7 scores with it) on a local SageMaker of its own (SAGEMAKER_LOCAL_STATE_DIR, a temporary folder per
// form). Neither keeps both cores busy (the kernel compiles each cell on one core; jobs wait on each other), so
// they run side by side: the notebooks one after another in one lane, the scripts in another, each test
// awaiting its own run. What both forms write in the repository itself (07-batch: out/batch/) is never written
// by both at once: such runs take turns.
//
// NOTEBOOKS_EXECUTE selects what runs here (slow: ~10–30 s per notebook):
//   unset / "all"    every notebook and every script — the npm test default, so CI runs them all
//   "02"             only notebooks/02-train.ipynb (enough for the Chromium check; quicker locally), no scripts
//   "none"           skip this file (e.g. a machine without Jupyter/Chromium)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { dumpDom } from "./helpers/chromium";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { executeNotebookAsync, listNotebooks, notebookToHtml, JUPYTER, type ExecResult } from "../tools/execute-notebooks";
import { scriptPathFor } from "../tools/export-notebooks";
import { listScripts, runScriptAsync, type ScriptResult } from "../tools/run-scripts";

const root = path.resolve(__dirname, "..");
const which = process.env.NOTEBOOKS_EXECUTE ?? "all";
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "notebooks-jupyter-"));
const stateDirs = { notebooks: fs.mkdtempSync(path.join(os.tmpdir(), "notebooks-state-")), scripts: fs.mkdtempSync(path.join(os.tmpdir(), "scripts-state-")) };
const executed = new Map<string, string>();
const timings: string[] = [];

const notebooks =
  which === "none" ? [] : listNotebooks(root).filter((f) => which === "all" || which.split(",").some((p) => path.basename(f).startsWith(p)));
const scripts = which === "all" ? listScripts(root) : [];

/** Does this notebook's code (its exported script: the same cells) write into the repository's out/ folder? */
const writesRepoOut = (script: string) => fs.existsSync(script) && /["']out["']/.test(fs.readFileSync(script, "utf8"));

/** Runs fn after the previous exclusive run has ended (either way). */
let exclusiveTurn: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const p = exclusiveTurn.then(fn);
  exclusiveTurn = p.catch(() => undefined);
  return p;
}

/** Runs items one after another (the next whether or not the previous one failed): each item's result. */
function lane<T>(items: string[], run: (item: string) => Promise<T>): Map<string, Promise<T>> {
  const results = new Map<string, Promise<T>>();
  let previous: Promise<unknown> = Promise.resolve();
  for (const item of items) {
    const p = previous.then(() => run(item));
    p.catch(() => undefined); // each test awaits its own
    results.set(item, p);
    previous = p.catch(() => undefined);
  }
  return results;
}

let notebookRuns = new Map<string, Promise<ExecResult>>();
let scriptRuns = new Map<string, Promise<ScriptResult>>();
test.before(() => {
  notebookRuns = lane(notebooks, (nb) => {
    const run = () => executeNotebookAsync(nb, { outDir, root, env: { SAGEMAKER_LOCAL_STATE_DIR: stateDirs.notebooks } });
    return writesRepoOut(scriptPathFor(nb, root)) ? exclusive(run) : run();
  });
  scriptRuns = lane(scripts, (script) => {
    const run = () => runScriptAsync(script, root, { SAGEMAKER_LOCAL_STATE_DIR: stateDirs.scripts });
    return writesRepoOut(script) ? exclusive(run) : run();
  });
});

for (const nb of notebooks) {
  const name = path.basename(nb);
  test(`${name} executes top to bottom through nbconvert with the tslab kernel`, async () => {
    const r = await notebookRuns.get(nb)!;
    timings.push(`${name} ${r.seconds.toFixed(1)} s`);
    assert.ok(r.ok, `${name} failed:\n${r.error}`);
    const out = JSON.parse(fs.readFileSync(r.output, "utf8"));
    const code = out.cells.filter((c: any) => c.cell_type === "code");
    // (tslab leaves execution_count null; nbclient raised on any error output already)
    assert.ok(code.length > 0 && code.some((c: any) => (c.outputs ?? []).length > 0), "outputs recorded");
    executed.set(name, r.output);
  });
}

/** Split a rendered DOM into plotly figures: [{ title, bars: number[] (points per bar trace), names }] */
function plotlyFigures(dom: string) {
  const parts = dom.split(/<div[^>]*class="[^"]*js-plotly-plot/).slice(1);
  return parts.map((p) => {
    const title = /class="gtitle"[^>]*>([^<]*)</.exec(p)?.[1] ?? "";
    const traces = p.split(/<g class="trace bars"/).slice(1);
    const bars = traces.map((t) => {
      const points = t.split(/<\/g><\/g>/)[0];
      // a drawn bar: <g class="point"><path d="M…Z" …> with a non-empty path
      return (points.match(/<g class="point"><path d="M[^"]+"/g) ?? []).length;
    });
    const names = [...p.matchAll(/class="legendtext"[^>]*>([^<]*)</g)].map((m) => m[1]);
    return { title, bars, names };
  });
}

if (which !== "none" && notebooks.some((f) => path.basename(f).startsWith("02-"))) {
  test("02-train executed → nbconvert HTML → headless Chromium: one bar per fold per series in the per-fold RMSE plot", () => {
    const nb = [...executed.entries()].find(([n]) => n.startsWith("02-"))?.[1];
    assert.ok(nb, "02-train did not execute");
    // the independent reference: the per-fold table the notebook printed (folds × series)
    const out = JSON.parse(fs.readFileSync(nb!, "utf8"));
    const html = notebookToHtml(nb!, outDir);
    const r = dumpDom(`file://${html}`, { virtualTimeMs: 10_000, maxBuffer: 512 * 1024 * 1024 });
    assert.is(r.status, 0, `chromium failed: ${r.stderr}`);
    const figures = plotlyFigures(r.stdout);
    const perFold = figures.find((f) => /RMSE per fold/i.test(f.title));
    assert.ok(perFold, `no rendered "RMSE per fold" plot; rendered titles: ${JSON.stringify(figures.map((f) => f.title))}`);
    // the per-fold table as printed by the notebook (showTable HTML): fold numbers and members
    const tableHtml: string = out.cells
      .flatMap((c: any) => c.outputs ?? [])
      .map((o: any) => (o.data?.["text/html"] ?? []).join?.("") ?? "")
      .find((h: string) => /<th[^>]*>fold<\/th>[\s\S]*<th[^>]*>member<\/th>[\s\S]*<th[^>]*>rmse<\/th>/.test(h));
    assert.ok(tableHtml, "the per-fold RMSE table is in the notebook's outputs");
    const rows = [...tableHtml.matchAll(/<tr><td[^>]*>(\d+)<\/td><td[^>]*>([^<]+)<\/td>/g)].map((m) => ({ fold: m[1], member: m[2] }));
    const folds = new Set(rows.map((r) => r.fold)).size;
    const series = [...new Set(rows.map((r) => r.member))];
    assert.ok(folds >= 2 && series.length >= 3, `table: ${folds} folds, series ${series}`);
    assert.equal(perFold!.bars, series.map(() => folds), `bars per trace (expected ${series.length} traces × ${folds} folds)`);
    for (const s of series) assert.ok(perFold!.names.some((n) => n.startsWith(s)), `legend names ${s}: ${perFold!.names}`);
  });
}

for (const script of scripts) {
  const name = path.relative(root, script);
  test(`${name} runs to the end with tsx`, async () => {
    const r = await scriptRuns.get(script)!;
    console.log(`    ${name}: ${r.seconds.toFixed(1)} s`);
    assert.ok(r.ok, `${name} failed:\n${r.output.slice(-4000)}`);
  });
}

test.after(() => {
  if (timings.length) console.log(`\nnotebook execution times: ${timings.join(", ")}`);
  fs.rmSync(outDir, { recursive: true, force: true });
  for (const dir of Object.values(stateDirs)) fs.rmSync(dir, { recursive: true, force: true });
});

if (which !== "none" && !fs.existsSync(JUPYTER) && JUPYTER.startsWith("/")) {
  test("jupyter is installed", () => assert.unreachable(`${JUPYTER} not found: apt-get install jupyter-nbconvert python3-nbclient jupyter-client (or NOTEBOOKS_EXECUTE=none)`));
}

test.run();
