/**
 * Explaining a diabetes-size ensemble (issue 16): lib.contributions / lib.explain on N rows (default 10,000:
 * diabetes rows resampled with a little seeded noise) for the notebook-5 ensemble — xgboost, catboost and
 * ridge with their defaults, stacking — against native XGBoost 1.7.4 explaining the same saved tree members
 * (pred_contribs / pred_interactions at nthread=1, fastest of the repeats, the predict call alone) in the
 * same run. Ours includes everything lib does: encoding the rows, every member (ridge too), carrying the
 * contributions through the blend, and for `explain` building the arquero table.
 * Both run at --threads (default 1): ours through OMP_NUM_THREADS (the members' default nthread), native's nthread.
 * Run: npx tsx bench/explain.ts [--rows=10000] [--interaction-rows=1000] [--repeat=3] [--threads=1]
 */
import { performance } from "perf_hooks";
import { availableCores, catboost, contributions, Ensemble, explain, loadDiabetes, ridge, xgboost, type Table } from "ensemble-workbook";
import { arquero } from "../lib/data/arquero";
import { Rng } from "node-xgboost-wasm";
import { hasXgboost, RefJob, xgboostVersion } from "../tools/reference/xgb-ref";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const N = arg("rows", 10_000), NI = arg("interaction-rows", 1_000), REPEAT = arg("repeat", 3), THREADS = arg("threads", 1);
if (!(Number.isInteger(THREADS) && THREADS >= 1 && THREADS <= 512)) throw new Error(`--threads=${THREADS}: a thread count from 1 to 512`);
process.env.OMP_NUM_THREADS = String(THREADS); // the members' boosters leave nthread unset: OpenMP's default

const diabetes = loadDiabetes();
const ensemble = new Ensemble({ members: [xgboost(), catboost(), ridge()], blend: "stacking" }).fit(diabetes, { label: "target" });

/** n rows: diabetes rows drawn at random, each numeric value moved by up to ±2 % */
function resample(n: number): Table {
  const rows = diabetes.objects() as Record<string, number>[];
  const rng = Rng.fromSeed(7);
  const out = Array.from({ length: n }, () => {
    const r = rows[Math.floor(rng.next() * rows.length)];
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v * (1 + 0.04 * (rng.next() - 0.5))]));
  });
  return arquero().from(out);
}

function fastest(f: () => void): number {
  let best = Infinity;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

const rows = resample(N), rowsI = rows.slice(0, NI);
const ours = {
  contributions: fastest(() => contributions(ensemble, rows, { progress: false })),
  explain: fastest(() => explain(ensemble, rows, { progress: false })),
  approx: fastest(() => contributions(ensemble, rows, { approx: true, progress: false })),
  interactions: fastest(() => contributions(ensemble, rowsI, { interactions: true, progress: false })),
};

let native: { contributions: number; approx: number; interactions: number } | undefined;
if (hasXgboost()) {
  const ref = new RefJob();
  try {
    const m = ensemble.matrixFor(rows), mi = ensemble.matrixFor(rowsI);
    const d = ref.dataset("rows", m.X, m.nrow, m.ncol, undefined, undefined, m.featureNames);
    const di = ref.dataset("rowsI", mi.X, mi.nrow, mi.ncol, undefined, undefined, mi.featureNames);
    const trees = ensemble.members.filter((mb) => mb.kind !== "ridge");
    for (const mb of trees) {
      ref.task({
        op: "load", model: ref.model(mb.toFile().content), nthread: THREADS, predict: [
          { data: d, pred_contribs: true, repeat: REPEAT, out: ref.file(`${mb.name}-c.f32`) },
          { data: d, pred_contribs: true, approx_contribs: true, repeat: REPEAT, out: ref.file(`${mb.name}-a.f32`) },
          { data: di, pred_interactions: true, repeat: REPEAT, out: ref.file(`${mb.name}-i.f32`) },
        ],
      });
    }
    const results = ref.run();
    const sum = (k: number) => results.reduce((s, r) => s + r.predict![k].seconds, 0);
    native = { contributions: sum(0), approx: sum(1), interactions: sum(2) };
  } finally {
    ref.cleanup();
  }
}

const fmt = (s: number) => `${s.toFixed(3)} s`;
console.log(`explain, diabetes ensemble (xgboost 100 rounds depth 3, catboost 250 iterations depth 6, ridge; stacking), fastest of ${REPEAT}; native XGBoost ${native ? xgboostVersion() : "(not installed)"} explains the two tree members; both at nthread ${THREADS} (ours on at most the ${availableCores()} cores here)`);
console.log("| what | rows | ours (lib, whole ensemble) | native (tree members, predict call) | ÷ native |");
console.log("|---|---:|---:|---:|---:|");
const line = (what: string, n: number, o: number, nat?: number) => console.log(`| ${what} | ${n.toLocaleString("en")} | ${fmt(o)} | ${nat === undefined ? "—" : fmt(nat)} | ${nat === undefined ? "—" : (o / nat).toFixed(2) + "×"} |`);
line("contributions (arrays)", N, ours.contributions, native?.contributions);
line("explain (arquero table)", N, ours.explain, native?.contributions);
line("approx (Saabas)", N, ours.approx, native?.approx);
line("interactions", NI, ours.interactions, native?.interactions);
ensemble.free();
