// Notebooks through a real Jupyter client (nbconvert --execute, tslab kernel), then one
// executed notebook → HTML → headless Chromium: the per-fold RMSE plot has rendered one
// bar per fold per series.
//
// NOTEBOOKS_EXECUTE selects what runs here (slow: ~10–30 s per notebook):
//   unset / "all"    every notebook — the npm test default, so CI executes them all
//   "02"             only notebooks/02-train.ipynb (enough for the Chromium check; quicker locally)
//   "none"           skip this file (e.g. a machine without Jupyter/Chromium)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { executeNotebook, listNotebooks, notebookToHtml, JUPYTER } from "../tools/execute-notebooks";

const root = path.resolve(__dirname, "..");
const which = process.env.NOTEBOOKS_EXECUTE ?? "all";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "notebooks-jupyter-"));
const executed = new Map<string, string>();
const timings: string[] = [];

const selected =
  which === "none" ? [] : listNotebooks(root).filter((f) => which === "all" || which.split(",").some((p) => path.basename(f).startsWith(p)));

for (const nb of selected) {
  const name = path.basename(nb);
  test(`${name} executes top to bottom through nbconvert with the tslab kernel`, () => {
    const r = executeNotebook(nb, { outDir, root });
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

if (which !== "none" && selected.some((f) => path.basename(f).startsWith("02-"))) {
  test("02-train executed → nbconvert HTML → headless Chromium: one bar per fold per series in the per-fold RMSE plot", () => {
    const nb = [...executed.entries()].find(([n]) => n.startsWith("02-"))?.[1];
    assert.ok(nb, "02-train did not execute");
    // the independent reference: the per-fold table the notebook printed (folds × series)
    const out = JSON.parse(fs.readFileSync(nb!, "utf8"));
    const html = notebookToHtml(nb!, outDir);
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
    const r = spawnSync(
      CHROMIUM,
      ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", `--user-data-dir=${profile}`, "--virtual-time-budget=10000", "--dump-dom", `file://${html}`],
      { encoding: "utf8", maxBuffer: 512 * 1024 * 1024, timeout: 120_000 },
    );
    fs.rmSync(profile, { recursive: true, force: true });
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

test.after(() => {
  if (timings.length) console.log(`\nnotebook execution times: ${timings.join(", ")}`);
  fs.rmSync(outDir, { recursive: true, force: true });
});

if (which !== "none" && !fs.existsSync(JUPYTER) && JUPYTER.startsWith("/")) {
  test("jupyter is installed", () => assert.unreachable(`${JUPYTER} not found: apt-get install jupyter-nbconvert python3-nbclient jupyter-client (or NOTEBOOKS_EXECUTE=none)`));
}

test.run();
