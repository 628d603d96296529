/**
 * Diabetes, 5-fold, seed 0: per-fold RMSE of xgboost, catboost, ridge and the
 * ensemble under the mean / weighted / stacking / median blends, all from the
 * same member fits (weighted and stacking are fitted by nested CV).
 * Run: npx tsx bench/diabetes-ensembles.ts [k] [seed]
 */
import { packageVersion } from "../lib/core";
import { catboost, crossValidate, Ensemble, formatMetric, loadDiabetes, ridge, xgboost } from "ensemble-workbook";

const k = Number(process.argv[2] ?? 5);
const seed = Number(process.argv[3] ?? 0);
const table = loadDiabetes();
const ensemble = new Ensemble({ members: [xgboost(), catboost(), ridge()], blend: "mean", seed });
const t0 = Date.now();
console.log(`node-xgboost-wasm ${packageVersion("node-xgboost-wasm")}, ${new Date().toISOString()}`);
const cv = crossValidate(ensemble, table, { label: "target", k, seed, blends: ["weighted", "stacking", "median"] });
const seconds = (Date.now() - t0) / 1000;

const names = [...new Set(cv.table.array("member") as string[])];
const perFold = new Map<string, number[]>();
for (const r of cv.table.objects() as { fold: number; member: string; rmse: number }[]) {
  (perFold.get(r.member) ?? perFold.set(r.member, []).get(r.member)!).push(r.rmse);
}
const label = (n: string) => (n === "ensemble" ? "ensemble:mean" : n);
const pad = (s: string, w: number) => s.padEnd(w);
console.log(`diabetes, ${k}-fold, seed ${seed} — RMSE per fold (${seconds.toFixed(1)} s)`);
console.log(pad("member", 20) + Array.from({ length: k }, (_, i) => pad(`fold ${i + 1}`, 9)).join("") + "mean");
const means: Record<string, number> = {};
for (const n of names) {
  const v = perFold.get(n)!;
  means[label(n)] = v.reduce((s, x) => s + x, 0) / v.length;
  console.log(pad(label(n), 20) + v.map((x) => pad(formatMetric(x, 4), 9)).join("") + formatMetric(means[label(n)], 4));
}
const meanBlend = means["ensemble:mean"];
console.log();
for (const b of ["xgboost", "catboost"]) console.log(`mean blend beats ${b}: ${meanBlend < means[b] ? "yes" : "no"} (${formatMetric(meanBlend, 4)} vs ${formatMetric(means[b], 4)})`);
const bestSingle = ["xgboost", "catboost", "ridge"].reduce((a, b) => (means[a] <= means[b] ? a : b));
for (const b of ["ensemble:weighted", "ensemble:stacking"]) {
  console.log(`${b} ≤ 54.8: ${means[b] <= 54.8 ? "yes" : "no"} (${formatMetric(means[b], 4)}); vs best single member ${bestSingle} ${formatMetric(means[bestSingle], 4)}: ${means[b] < means[bestSingle] ? "better" : "not better"}`);
}
const w = cv.blendStates["ensemble:weighted"].map((s) => s.weights!.map((x) => x.toFixed(2)).join("/"));
console.log(`weighted blend weights per fold (xgboost/catboost/ridge): ${w.join("  ")}`);
