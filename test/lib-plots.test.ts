import { test } from "uvu";
import * as assert from "uvu/assert";
import * as aq from "arquero";
import { CHROMIUM, dumpDom } from "./helpers/chromium";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  bestSoFarFigure, crossValidate, Ensemble, featureImportanceFigure, learningCurveFigure, loadDiabetes, parallelCoordinatesFigure, perFoldFigure,
  predictedVsActualFigure, progress, ridge, show, showTable, injectPlotly, tableText, trialsFigure, writeHtml, xgboost, catboost,
} from "ensemble-workbook";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lib-plots-"));
const K = 5;
const cv = crossValidate(new Ensemble({ members: [xgboost({ num_round: 20 }), catboost({ iterations: 20 }), ridge()] }), loadDiabetes(), {
  label: "target",
  k: K,
  seed: 0,
});
const SERIES = ["xgboost", "catboost", "ridge", "ensemble"];

test("perFoldFigure: one bar series per member + ensemble, one bar per fold, mean marked", () => {
  const fig = perFoldFigure(cv.table);
  const bars = fig.data.filter((t) => t.type === "bar");
  assert.is(bars.length, SERIES.length);
  bars.forEach((b, i) => {
    assert.ok(b.name!.startsWith(`${SERIES[i]} (mean `));
    assert.is(b.y!.length, K);
  });
  assert.is(fig.data.filter((t) => t.type === "scatter").length, SERIES.length);
  assert.equal(fig.layout.title, { text: "RMSE per fold" });
  assert.is(fig.layout.barmode, "group");
  assert.throws(() => perFoldFigure(cv.table, { metric: "mape" }), /no column "mape"/);
});

test("other figures are plain data with object titles", () => {
  const lc = learningCurveFigure(cv.curves);
  assert.is(lc.data.length, 2 * K); // two tree members × folds
  assert.is(lc.data[0].x!.length, 20);
  const pva = predictedVsActualFigure(cv.y, cv.oof.ensemble);
  assert.is(pva.data[0].x!.length, 442);
  const imp = featureImportanceFigure({ bmi: 3, s5: 2, age: 0.5 });
  assert.equal(imp.data[0].y, ["age", "s5", "bmi"]);
  const top = featureImportanceFigure({ bmi: 3, s5: 2, age: 0.5 }, { top: 2 });
  assert.equal([top.data[0].y, (top.layout.title as { text: string }).text], [["s5", "bmi"], "Feature importance (the 2 most important of 3 features)"]);
  assert.is((imp.layout.title as { text: string }).text, "Feature importance");
  const tr = trialsFigure([{ objective: 3 }, { objective: 2 }, { objective: 2.5 }, { objective: 1 }]);
  assert.equal(tr.data[1].y, [3, 2, 2, 1]);
  const pc = parallelCoordinatesFigure([{ objective: 3, eta: 0.1, blend: "mean" }, { objective: 2, eta: 0.3, blend: "stacking" }], ["eta", "blend"]);
  assert.equal((pc.data[0].dimensions as { ticktext?: string[] }[])[1].ticktext, ["mean", "stacking"]);
  for (const f of [lc, pva, imp, tr, pc]) assert.type((f.layout.title as { text?: string }).text, "string");
});

test("a failed trial (no objective) is left out of the parallel coordinates, not drawn at 0; predicted vs actual on 100k rows and with NaN", () => {
  const trials = [{ FinalObjectiveValue: 57.1, eta: 0.1 }, { FinalObjectiveValue: null, eta: 0.2 }, { FinalObjectiveValue: 60.2, eta: 0.3 }, { FinalObjectiveValue: null, eta: 0.4 }];
  const pc = parallelCoordinatesFigure(trials, ["eta"], { objective: "FinalObjectiveValue" });
  const dims = pc.data[0].dimensions as { label: string; values: number[] }[];
  assert.equal(dims.map((d) => d.values), [[0.1, 0.3], [57.1, 60.2]]); // Number(null) drew the failed ones at 0, the best
  assert.match((pc.layout.title as { text: string }).text, /\(2 trials without an objective left out\)$/);
  assert.throws(() => parallelCoordinatesFigure([{ FinalObjectiveValue: null, eta: 0.1 }], ["eta"], { objective: "FinalObjectiveValue" }), /no trial has an objective/);
  // Math.min(...values) overflowed the stack past ~63k rows; NaN removed the y = x line
  const n = 100_000;
  const y = Float64Array.from({ length: n }, (_, i) => (i % 997) - 3);
  const p = y.map((v, i) => (i === 5 ? NaN : v + 1));
  const big = predictedVsActualFigure(y, p);
  assert.is(big.data[0].type, "scattergl");
  assert.is((big.data[0].x as number[]).length, n - 1);
  assert.match(String(big.data[0].name), /\(1 non-finite left out\)/);
  assert.equal(big.data[1].x, [-3, 994]);
});


test("per-fold figure renders in headless Chromium with one bar per fold per series", () => {
  if (!fs.existsSync(CHROMIUM)) {
    console.log("  (skipping the Chromium rendering test: /usr/bin/chromium not found)");
    return;
  }
  const file = writeHtml(perFoldFigure(cv.table), path.join(tmp, "per-fold.html"));
  const html = fs.readFileSync(file, "utf8");
  assert.not.match(html, /<script src=/); // standalone: bundle inlined
  const r = dumpDom(`file://${file}`, { virtualTimeMs: 5_000 });
  assert.is(r.status, 0, `chromium failed: ${r.stderr}`);
  const dom = r.stdout;
  const traces = dom.split('class="trace bars"').slice(1);
  assert.is(traces.length, SERIES.length, "one bar trace per series");
  for (const t of traces) {
    const upToNext = t.split('class="trace ')[0];
    const points = upToNext.match(/class="point"><path/g) ?? [];
    assert.is(points.length, K, "one bar per fold");
  }
  assert.match(dom, /RMSE per fold/);
});

test("names that are HTML (<!--<script>, </script>, quotes) neither break nor inject into the standalone page", () => {
  if (!fs.existsSync(CHROMIUM)) {
    console.log("  (skipping the Chromium rendering test: /usr/bin/chromium not found)");
    return;
  }
  // "<!--<script>" in a figure's JSON left the parser in the script's double-escaped state: the snippet's </script>
  // did not end it, and neither this figure nor the next one was drawn
  const names = ["<!--<script>", "</script><script>document.title='injected'</script>", `say "hi" & 'bye'`, "bmi"];
  const hostile = featureImportanceFigure(Object.fromEntries(names.map((n, i) => [n, i + 1])), { title: "<!--<script> importance" });
  const file = writeHtml([hostile, perFoldFigure(cv.table)], path.join(tmp, "hostile.html"));
  const r = dumpDom(`file://${file}`, { virtualTimeMs: 5_000 });
  assert.is(r.status, 0, `chromium failed: ${r.stderr}`);
  const plots = r.stdout.split('id="ewb-plot-').slice(1);
  assert.is(plots.length, 2);
  assert.is((plots[0].match(/class="point"><path/g) ?? []).length, names.length, "one bar per feature");
  assert.is(plots[1].split('class="trace bars"').length - 1, SERIES.length, "the next figure is drawn too");
  assert.not.match(r.stdout, /<title>injected<\/title>/);
});

test("feature names that read as numbers are bar labels in Chromium, not positions on a linear axis", () => {
  if (!fs.existsSync(CHROMIUM)) {
    console.log("  (skipping the Chromium rendering test: /usr/bin/chromium not found)");
    return;
  }
  // plotly typed a y axis of "2019", "7", … as linear: bars a pixel thick at y = 2019, no name shown
  const scores = { "2019": 5, "2020": 1, "1990": 3, "7": 0.5 };
  const file = writeHtml(featureImportanceFigure(scores), path.join(tmp, "numeric-names.html"));
  const r = dumpDom(`file://${file}`, { virtualTimeMs: 5_000 });
  assert.is(r.status, 0, `chromium failed: ${r.stderr}`);
  const ticks = [...r.stdout.matchAll(/class="ytick"[^>]*>\s*<text[^>]*>([^<]*)</g)].map((m) => m[1]);
  assert.equal(ticks, ["7", "2020", "1990", "2019"], "one label per feature, the most important last (on top)");
  const heights = [...r.stdout.matchAll(/<g class="point"><path d="M[\d.]+,([\d.]+)V([\d.]+)/g)].map((m) => Math.abs(Number(m[1]) - Number(m[2])));
  assert.is(heights.length, 4);
  for (const h of heights) assert.ok(h > 20, `a bar ${h}px thick`);
});

test("parallel coordinates: a Logarithmic hyperparameter on a log axis in Chromium — a decade is the same height anywhere", () => {
  // eta in [0.005, 0.3] (notebook 3's cold job, a Logarithmic range) was drawn linear: 0.005–0.05 squeezed under a sixth of the axis
  const trials = [0.005, 0.05, 0.3, 0.01, 0.1].map((eta, i) => ({ FinalObjectiveValue: 55 + i, eta, max_depth: 2 + i, blend: "mean" }));
  assert.throws(() => parallelCoordinatesFigure(trials, ["eta"], { log: ["max_depth"] }), /opts\.log names "max_depth", not among the hyperparameters shown/);
  assert.throws(() => parallelCoordinatesFigure(trials, ["blend"], { log: ["blend"] }), /"blend" is on a log axis \(opts\.log\) but is categorical/);
  assert.throws(() => parallelCoordinatesFigure([{ objective: 1, eta: 0 }], ["eta"], { log: ["eta"] }), /"eta" is on a log axis \(opts\.log\) but has the value 0/);
  assert.throws(() => parallelCoordinatesFigure(trials, ["eta"], { log: "eta" as never }), /opts\.log must be a list of hyperparameter names, e\.g\. \["eta"\] \(got "eta"\)/);
  if (!fs.existsSync(CHROMIUM)) {
    console.log("  (skipping the Chromium rendering test: /usr/bin/chromium not found)");
    return;
  }
  const file = writeHtml(parallelCoordinatesFigure(trials, ["eta", "max_depth"], { log: ["eta"] }), path.join(tmp, "parcoords-log.html"));
  const r = dumpDom(`file://${file}`, { virtualTimeMs: 5_000 });
  assert.is(r.status, 0, `chromium failed: ${r.stderr}`);
  const axis = r.stdout.slice(0, r.stdout.indexOf('data-unformatted="eta (log)"')); // eta's ticks come before its title
  const y = new Map([...axis.matchAll(/<g class="tick" transform="translate\(0,([\d.]+)\)"[^>]*>.*?<text[^>]*>([^<]*)<\/text>/g)].map((m) => [m[2], Number(m[1])]));
  assert.equal([...y.keys()], ["0.005", "0.01", "0.02", "0.05", "0.1", "0.2"]);
  const decade = (a: string, b: string) => y.get(a)! - y.get(b)!;
  assert.ok(decade("0.005", "0.05") > 100, `a decade is ${decade("0.005", "0.05")} px`);
  for (const [a, b] of [["0.01", "0.1"], ["0.02", "0.2"]]) assert.ok(Math.abs(decade(a, b) - decade("0.005", "0.05")) < 1, `${a}→${b}: ${decade(a, b)} px`);
});

test("trials stopped early by Hyperband: open circles, and the best-so-far line ends at the job's BestTrainingJob", () => {
  // notebook 3's Hyperband job, as tuner.trials() had it: two trials stopped early scored better on their fewer rounds
  // than the completed ones; the line ended at 59.54 while the job's BestTrainingJob (the best *completed* trial,
  // sagemaker-local/tuning-summaries.ts as SageMaker) was 59.7
  const status = ["Completed", "Stopped", "Stopped", "Completed", "Failed"];
  const objective = [60.582, 59.615, 59.54, 59.7, null];
  const trials = status.map((s, i) => ({ TrainingJobName: `hb-00${i + 1}`, TrainingJobStatus: s, FinalObjectiveValue: objective[i] }));
  const fig = trialsFigure(trials, { objective: "FinalObjectiveValue" });
  assert.equal(fig.data[1].y, [60.582, 60.582, 60.582, 59.7, 59.7]);
  assert.equal(fig.data[0].y, [60.582, null, null, 59.7, null]);
  assert.equal([fig.data[2].name, fig.data[2].x, fig.data[2].y], ["stopped early (fewer rounds)", [2, 3], [59.615, 59.54]]);
  // while no trial has run to its end, the best stopped one is the job's best
  assert.equal(trialsFigure(trials.slice(1, 3), { objective: "FinalObjectiveValue" }).data[1].y, [59.615, 59.54]);
  const jobs = bestSoFarFigure({ hyperband: trials }).data;
  assert.equal(jobs.find((t) => t.name === "hyperband: best so far")!.y, [60.582, 60.582, 60.582, 59.7, 59.7]);
  // open circles there too (they were drawn as ordinary trials)
  const open = jobs.find((t) => t.name === "hyperband: stopped early")!;
  assert.equal([open.x, open.y, (open.marker as { symbol?: string }).symbol], [[2, 3], [59.615, 59.54], "circle-open"]);
  assert.equal(jobs.find((t) => t.name === "hyperband: trial")!.y, [60.582, null, null, 59.7, null]);
  const negated = trials.map((t) => ({ ...t, FinalObjectiveValue: t.FinalObjectiveValue === null ? null : -t.FinalObjectiveValue }));
  assert.equal(bestSoFarFigure({ maximized: negated }, { maximize: true }).data.find((t) => t.name === "maximized: best so far")!.y, [-60.582, -60.582, -60.582, -59.7, -59.7]);
  // without a status column (rows of your own) every value counts, as before
  assert.equal(trialsFigure([{ objective: 3 }, { objective: 2 }]).data.length, 2);
});

test("show outside tslab writes standalone HTML and returns its path", () => {
  const logs: string[] = [];
  const orig = console.log;
  console.log = (s: string) => logs.push(s);
  let file: string | undefined;
  try {
    file = show(trialsFigure([{ objective: 1 }]), { name: `test-show-${process.pid}` });
  } finally {
    console.log = orig;
  }
  assert.ok(file && fs.existsSync(file));
  assert.ok(file!.includes(path.join("out", "plots")));
  assert.match(logs.join("\n"), file!);
  fs.rmSync(file!);
});

/** What lib displays while `fn` runs in a simulated tslab kernel (the HTML strings given to tslab's display.html). */
function inFakeTslab(fn: () => void): string[] {
  // Simulate a running kernel as the detection sees it (lib/plots/tslab.ts): tslab's
  // dist/jupyter.js loaded with lastWriteDisplayData set, and its dist/public.js display.
  const dir = path.join(tmp, "node_modules", "tslab", "dist");
  fs.mkdirSync(dir, { recursive: true });
  const jupyterId = path.join(dir, "jupyter.js");
  const publicId = path.join(dir, "public.js");
  fs.writeFileSync(jupyterId, "exports.lastWriteDisplayData = () => {};\n");
  fs.writeFileSync(publicId, "exports.display = { html: (s) => globalThis.__fakeTslabShown.push(s), text: () => {} };\n");
  const shown: string[] = [];
  (globalThis as any).__fakeTslabShown = shown;
  require(jupyterId);
  delete (globalThis as any).__ensembleWorkbookPlotlyInjected;
  try {
    fn();
  } finally {
    delete require.cache[jupyterId];
    delete require.cache[publicId];
    delete (globalThis as any).__ensembleWorkbookPlotlyInjected;
    delete (globalThis as any).__fakeTslabShown;
  }
  return shown;
}

test("show inside tslab: bundle injected once, then one <div> + Plotly.newPlot per figure", () => {
  const shown = inFakeTslab(() => {
    assert.is(show(perFoldFigure(cv.table)), undefined);
    show(trialsFigure([{ objective: 1 }]));
    showTable(cv.summary);
  });
  assert.is(shown.length, 4);
  assert.ok(shown[0].startsWith("<script>") && shown[0].length > 1_000_000, "first: the plotly bundle");
  for (const s of shown.slice(1, 3)) {
    assert.match(s, /<div id="ewb-plot-/);
    assert.match(s, /Plotly\.newPlot/);
    assert.ok(s.length < 100_000, "figures do not repeat the bundle");
  }
  assert.match(shown[3], /<table>/);
});

test("showTable in tslab: column names are text, not HTML (a browser reads the headers back as given)", () => {
  if (!fs.existsSync(CHROMIUM)) {
    console.log("  (skipping the Chromium rendering test: /usr/bin/chromium not found)");
    return;
  }
  // arquero's toHTML escapes cells, not column names: "age<30" lost its text, an <img onerror> column ran
  const names = ["age<30", "<img src=x onerror=\"document.title='injected'\">", "a & b", "&lt;"];
  const [html] = inFakeTslab(() => showTable([Object.fromEntries(names.map((n, i) => [n, i]))]));
  const file = path.join(tmp, "table.html");
  fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>table</title></head><body>${html}</body></html>`);
  const r = dumpDom(`file://${file}`, { virtualTimeMs: 1_000 });
  assert.is(r.status, 0, `chromium failed: ${r.stderr}`);
  const headers = [...r.stdout.matchAll(/<th(?:\s[^>]*)?>([\s\S]*?)<\/th>/g)].map((m) => m[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
  assert.equal(headers, names);
  assert.not.match(r.stdout, /<img/);
});

test("showTable in tslab keeps the columns' order when a name looks like an integer (an escaped select moved 2019 first)", () => {
  const t = aq.table({ film: ["a"], "2019": [1], "<b>": [2] }, ["film", "2019", "<b>"]);
  assert.equal(t.columnNames(), ["film", "2019", "<b>"]);
  const [html] = inFakeTslab(() => showTable(t));
  assert.equal([...html.matchAll(/<th(?:\s[^>]*)?>([\s\S]*?)<\/th>/g)].map((m) => m[1]), ["film", "2019", "&lt;b&gt;"]);
});

test("showTable in tslab counts the rows it leaves out, as the text form does", () => {
  const rows = Array.from({ length: 60 }, (_, i) => ({ i }));
  const [fifty, five, all] = inFakeTslab(() => {
    showTable(rows);
    showTable(rows, { limit: 5 });
    showTable(rows, { limit: 60 });
  });
  assert.is((fifty.match(/<tr>/g) ?? []).length - 1, 50);
  assert.match(fifty, /… 10 more rows/);
  assert.match(tableText(rows), /… 10 more rows/);
  assert.match(five, /… 55 more rows/);
  assert.not.match(all, /more rows/);
});

test("a figure whose page lost plotly.js says what brings it back, and that does: re-running a plot cell does not inject it again", () => {
  const fig = trialsFigure([{ objective: 1 }]);
  const [bundle, first, again, forced] = inFakeTslab(() => {
    show(fig); // the first plot: bundle + figure
    show(fig); // the same cell run again (its output, the bundle, replaced): the figure only
    injectPlotly({ force: true });
  });
  assert.ok(bundle.startsWith("<script>") && forced.startsWith("<script>") && forced.length === bundle.length);
  assert.match(first, /Plotly\.newPlot/);
  assert.not.match(again, /^<script>/, "a re-run shows the figure alone");
  if (!fs.existsSync(CHROMIUM)) {
    console.log("  (skipping the Chromium rendering test: /usr/bin/chromium not found)");
    return;
  }
  // the saved notebook / reloaded page without the bundle's output: what the figure's place says
  const file = path.join(tmp, "no-plotly.html");
  fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>${again}</body></html>`);
  const r = dumpDom(`file://${file}`, { virtualTimeMs: 1_000 });
  assert.is(r.status, 0, `chromium failed: ${r.stderr}`);
  const said = /class="ewb-plot"[^>]*>([^<]*)</.exec(r.stdout)?.[1] ?? "";
  assert.match(said, /plotly\.js is not loaded in this page/);
  assert.match(said, /lib\.injectPlotly\(\{ force: true \}\)/, "names the call that injects it (checked above)");
  assert.not.match(said, /re-run the cell that first showed a plot/, "advice that does not inject it (checked above)");
});

test("tableText aligns columns; progress prints concise lines without a TTY", () => {
  const text = tableText(cv.summary);
  const lines = text.split("\n");
  assert.match(lines[0], /^member\s+rmse_mean/);
  assert.is(lines.length, 2 + SERIES.length);
  const out: string[] = [];
  const p = progress("cv", 30, { tty: false, write: (s) => out.push(s) });
  for (let i = 0; i < 30; i++) p.tick(`step ${i + 1}`);
  p.done();
  assert.ok(out.length <= 12, `${out.length} lines`);
  assert.match(out[0], /^cv: 3\/30 \(10%\) step 3\n$/);
  assert.match(out[out.length - 1], /^cv: done/);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.run();
