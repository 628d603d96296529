/**
 * The explanation figures (lib/plots/explanation.ts) on a diabetes ensemble with a text column and missing
 * values: what each figure holds, checked against the explain table it was built from, and each one drawn by
 * plotly.js in headless Chromium with one dot per row and feature / one bar per step.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CHROMIUM, dumpDom } from "./helpers/chromium";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aq from "arquero";
import { dependenceFigure, Ensemble, explain, explanationSummaryFigure, featureImportanceFigure, loadDiabetes, ridge, waterfallFigure, writeHtml, xgboost } from "ensemble-workbook";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lib-explain-plots-"));
const raw = loadDiabetes().slice(0, 120).objects() as Record<string, number>[];
const table = aq.from(raw.map((r, i) => ({ ...r, bp: i % 9 === 0 ? NaN : r.bp, band: i % 10 === 0 ? null : r.bmi > 30 ? "obese" : r.bmi > 25 ? "over" : "normal" })));
const ensemble = new Ensemble({ members: [xgboost({ num_round: 20 }), ridge()] }).fit(table, { label: "target" });
const ex = explain(ensemble, table);
const features = ensemble.featureNames!;
const N = table.numRows();

test("summary: one dot per row and feature (missing values in their own grey trace), features by mean |contribution|, the largest on top", () => {
  const fig = explanationSummaryFigure(ex, table);
  const dots = fig.data.reduce((s, t) => s + (t.x as number[]).length, 0);
  assert.is(dots, N * features.length);
  const missing = Object.fromEntries(fig.data.filter((t) => String(t.name).endsWith("(missing)")).map((t) => [t.name, (t.x as number[]).length]));
  assert.equal(missing, { "bp (missing)": Math.ceil(N / 9), "band (missing)": Math.ceil(N / 10) });
  const meanAbs = (f: string) => (ex.array(f) as Float64Array).reduce((s, v) => s + Math.abs(v), 0);
  const expected = [...features].sort((a, b) => meanAbs(b) - meanAbs(a));
  const ticks = (fig.layout.yaxis as { ticktext: string[] }).ticktext;
  assert.equal(ticks, expected);
  // the top feature sits highest
  const first = fig.data[0];
  assert.is(first.name, expected[0]);
  assert.ok((first.y as number[]).every((y) => Math.abs(y - (features.length - 1)) < 0.5));
  assert.is(explanationSummaryFigure(ex, table, { top: 3, maxRows: 50 }).data.filter((t) => !String(t.name).endsWith("(missing)")).map((t) => (t.x as number[]).length).join(), "50,50,50");
});

test("waterfall: bias + steps = the ensemble's prediction for the row; the rest summed into one step", () => {
  const row = 7;
  const fig = waterfallFigure(ex, row, { data: table, top: 4 });
  const t = fig.data[0];
  const x = t.x as number[];
  assert.is(x.length, 1 + 4 + 1 + 1);
  assert.equal((t.measure as string[])[0], "absolute");
  assert.equal((t.measure as string[])[x.length - 1], "total");
  const pred = ensemble.predict(table).prediction[row];
  const total = x.slice(0, -1).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(total - pred) < 1e-4 * Math.abs(pred), `${total} vs ${pred}`);
  assert.ok(Math.abs(x[x.length - 1] - pred) < 1e-4 * Math.abs(pred));
  assert.match((t.y as string[])[5], /^7 other features$/);
  assert.ok((t.y as string[]).slice(1, 5).every((l) => / = /.test(l)), "steps labelled with the row's values");
  assert.throws(() => waterfallFigure(ex, N), /row 120 is not one of the 120 explained rows/);
});

test("dependence: value against contribution, missing rows left out and counted; text features on a category axis", () => {
  const fig = dependenceFigure(ex, table, "bp", { color: "bmi" });
  const t = fig.data[0];
  assert.is((t.x as number[]).length, N - Math.ceil(N / 9));
  assert.match((fig.layout.xaxis as { title: { text: string } }).title.text, /bp \(14 missing not shown\)/);
  const bp = ex.array("bp") as Float64Array;
  const rows = raw.map((_, i) => i).filter((i) => i % 9 !== 0);
  assert.equal(t.y, rows.map((i) => bp[i]));
  // coloured by a text feature: a trace per category with a legend, its missing values grey in their own trace (a
  // missing value was drawn mid-scale, and the categories sorted along a "low → high" colourbar)
  const byBand = dependenceFigure(ex, table, "bmi", { color: "band" });
  const bands = raw.map((r, i) => (i % 10 === 0 ? null : r.bmi > 30 ? "obese" : r.bmi > 25 ? "over" : "normal"));
  const count = (v: string | null) => bands.filter((b) => b === v).length;
  assert.equal(Object.fromEntries(byBand.data.map((t) => [t.name, (t.x as number[]).length])), { "band = normal": count("normal"), "band = obese": count("obese"), "band = over": count("over"), "band missing": count(null) });
  assert.is((byBand.data.at(-1)!.marker as { color: string }).color, "#bbbbbb");
  assert.ok(byBand.data.every((t) => !(t.marker as { showscale?: boolean }).showscale), "no colour scale for categories");
  const band = dependenceFigure(ex, table, "band").data[0];
  assert.equal([...new Set(band.x as string[])].sort(), ["normal", "obese", "over"]);
  assert.throws(() => dependenceFigure(ex, table, "bmii"), /no feature "bmii"/);
  assert.throws(() => dependenceFigure(ex, table.slice(0, 10), "bmi"), /the data has 10 rows but the explanation 120/);
});

test("multiclass and member tables: a class must be chosen, members default to the ensemble; interaction tables are refused", () => {
  const multi = table.derive({ level: aq.escape((d: { target: number }) => (d.target > 200 ? "high" : d.target > 100 ? "mid" : "low")) }).select(aq.not("target"));
  const e = new Ensemble({ members: [xgboost({ objective: "multi:softprob", num_round: 5 })] }).fit(multi, { label: "level" });
  const t = explain(e, multi, { members: true });
  assert.throws(() => explanationSummaryFigure(t, multi), /several classes; choose one with \{ class: "high" \| "low" \| "mid" \}/);
  const fig = explanationSummaryFigure(t, multi, { class: "mid" });
  assert.is(fig.data.reduce((s, tr) => s + (tr.x as number[]).length, 0), N * features.length);
  assert.throws(() => waterfallFigure(t, 0, { class: "mid", member: "catboost" }), /no member "catboost"; the table has ensemble, xgboost/);
  assert.throws(() => waterfallFigure(explain(ensemble, table.slice(0, 2), { interactions: true }), 0), /interaction table/);
  e.free();
});

test("features named class and member (a regression model's: explain adds no such columns) are features of the figures, not the selection columns", () => {
  const renamed = table.rename({ sex: "class", bp: "member" });
  const e = new Ensemble({ members: [ridge()] }).fit(renamed, { label: "target" });
  const t = explain(e, renamed);
  const summary = explanationSummaryFigure(t, renamed);
  assert.is(summary.data.reduce((s, tr) => s + (tr.x as number[]).length, 0), N * features.length);
  assert.ok((summary.layout.yaxis as { ticktext: string[] }).ticktext.includes("class"));
  const fall = waterfallFigure(t, 5, { top: 20 });
  const x = fall.data[0].x as number[];
  assert.ok(Math.abs(x[x.length - 1] - e.predict(renamed.slice(5, 6)).prediction[0]) < 1e-9 * Math.abs(x[x.length - 1]));
  assert.equal((dependenceFigure(t, renamed, "member").data[0].y as number[]).slice(0, 3), Array.from(t.array("member") as Float64Array).filter((_, i) => i % 9 !== 0).slice(0, 3));
  e.free();
});

test("bad options are Errors naming them: top and maxRows are counts ≥ 1 (top -1 left out the most important feature, 0 drew nothing), a misspelt option is not ignored", () => {
  const scores = { bmi: 3, s5: 2, age: 0.5 };
  assert.equal(featureImportanceFigure(scores, { top: 2 }).data[0].y, ["s5", "bmi"]);
  assert.throws(() => featureImportanceFigure(scores, { top: -1 }), /^featureImportanceFigure: top must be an integer ≥ 1, got -1$/);
  assert.throws(() => featureImportanceFigure(scores, { top: 1.5 }), /top must be an integer ≥ 1, got 1\.5/);
  assert.throws(() => featureImportanceFigure(scores, { topN: 2 } as never), /^featureImportanceFigure: unknown option "topN"; valid: title, top$/);
  assert.throws(() => explanationSummaryFigure(ex, table, { top: 0 }), /^explanationSummaryFigure: top must be an integer ≥ 1, got 0$/);
  assert.throws(() => explanationSummaryFigure(ex, table, { maxRows: 0 }), /maxRows must be an integer ≥ 1, got 0/);
  assert.throws(() => explanationSummaryFigure(ex, table, { seed: 1.5 }), /seed must be an integer/);
  assert.throws(() => explanationSummaryFigure(ex, table, { classs: "mid" } as never), /unknown option "classs"; valid: member, class, top, maxRows, seed, title/);
  assert.throws(() => waterfallFigure(ex, 0, { top: -1 }), /^waterfallFigure: top must be an integer ≥ 1, got -1$/);
  assert.throws(() => dependenceFigure(ex, table, "bmi", { colour: "s5" } as never), /^dependenceFigure: unknown option "colour"; valid: member, class, color, title$/);
  assert.is(waterfallFigure(ex, 0, { top: 3 }).data[0].y!.length, 6); // bias, 3 steps, the rest, the prediction
});

test("the three figures render in headless Chromium: a dot per row and feature, a bar per step, a dot per row", () => {
  if (!fs.existsSync(CHROMIUM)) {
    console.log("  (skipping the Chromium rendering test: /usr/bin/chromium not found)");
    return;
  }
  const file = writeHtml([explanationSummaryFigure(ex, table), waterfallFigure(ex, 3, { data: table, top: 5 }), dependenceFigure(ex, table, "bmi", { color: "s5" })], path.join(tmp, "explain.html"));
  const r = dumpDom(`file://${file}`, { virtualTimeMs: 5_000 });
  assert.is(r.status, 0, `chromium failed: ${r.stderr}`);
  const plots = r.stdout.split('id="ewb-plot-').slice(1);
  assert.is(plots.length, 3);
  const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
  assert.is(count(plots[0], /<path class="point"/g), N * features.length, "summary: one dot per row and feature");
  assert.is(count(plots[1], /<g class="point"><path/g), 1 + 5 + 1 + 1, "waterfall: bias, 5 steps, the rest, the prediction");
  assert.is(count(plots[2], /<path class="point"/g), N, "dependence: one dot per row");
  assert.match(plots[0], /What drives the predictions/);
  assert.match(plots[1], /Row 3: from the bias to the prediction/);
});

test("summary of more features than it shows: the title counts the ones left out", () => {
  const title = (f: { layout: { title?: unknown } }) => (f.layout.title as { text: string }).text;
  assert.is(title(explanationSummaryFigure(ex, table, { top: 3 })), `What drives the predictions (the 3 of ${features.length} features with the largest mean |contribution|)`);
  assert.is(title(explanationSummaryFigure(ex, table)), "What drives the predictions");
});

test("waterfall of features named like numbers: the bias and prediction bars are drawn in Chromium", () => {
  if (!fs.existsSync(CHROMIUM)) {
    console.log("  (skipping the Chromium rendering test: /usr/bin/chromium not found)");
    return;
  }
  // plotly typed the step axis linear when most labels read as numbers: "bias" and "prediction" had no bar
  const fig = waterfallFigure([{ "2019": 1.5, "2020": -0.5, "2021": 0.25, "1990": 2, bias: 10 }], 0);
  const file = writeHtml(fig, path.join(tmp, "numeric-waterfall.html"));
  const r = dumpDom(`file://${file}`, { virtualTimeMs: 5_000 });
  assert.is(r.status, 0, `chromium failed: ${r.stderr}`);
  const ticks = [...r.stdout.matchAll(/class="ytick"[^>]*>\s*<text[^>]*>([^<]*)</g)].map((m) => m[1]);
  assert.equal(ticks.sort(), ["1990", "2019", "2020", "2021", "bias", "prediction"], "a label per step");
  const bars = [...r.stdout.matchAll(/<g class="point"><path d="([^"]*)"/g)].map((m) => m[1]);
  assert.is(bars.length, 6);
  for (const d of bars) assert.is.not(d, "M0,0Z", "every step drawn");
});

test("dependence on a text feature whose categories mostly read as numbers: every row drawn in Chromium, on a category axis", () => {
  if (!fs.existsSync(CHROMIUM)) {
    console.log("  (skipping the Chromium rendering test: /usr/bin/chromium not found)");
    return;
  }
  // plotly typed the axis linear: "1", "2", "10"… at their numeric places and the "B7" row not drawn
  const codes = ["1", "2", "10", "20", "30", "B7"];
  const fig = dependenceFigure(codes.map((_, i) => ({ code: i - 2.5, bias: 1 })), codes.map((code) => ({ code })), "code");
  const r = dumpDom(`file://${writeHtml(fig, path.join(tmp, "codes.html"))}`, { virtualTimeMs: 5_000 });
  assert.is(r.status, 0, `chromium failed: ${r.stderr}`);
  assert.is((r.stdout.match(/<path class="point"/g) ?? []).length, codes.length, "one dot per row");
  const ticks = [...r.stdout.matchAll(/class="xtick"[^>]*>\s*<text[^>]*>([^<]*)</g)].map((m) => m[1]);
  assert.equal(ticks, codes);
});

test.after(() => {
  ensemble.free();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test.run();
