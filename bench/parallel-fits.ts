/**
 * `npm run bench -- parallel` — folds and members in parallel (issue 12): the training job with
 * parallel_fits=2 against parallel_fits=1, in the same run, on
 *   - the seed's job: diabetes, 5 folds, xgboost + catboost, the trainer's defaults (10 CV fits + 2 refits);
 *   - a 1M-row job: the synthetic set of bench/synth.ts (1M × 28, as a CSV channel), 5 folds, xgboost + catboost,
 *     num_round 20 (--rounds) to keep it a few minutes on a shared machine.
 * Each job runs as the container does (the esbuild bundle out/trainer/main.js, one process per run, with the image's MALLOC_ARENA_MAX=2, under
 * /usr/bin/time for the peak RSS of the whole process — its worker threads included). Wall time is the
 * process's; the runs alternate 1, 2, 2, 1, … and the median of each is kept — beside it the median of the back-to-back
 * pairs' ratios and the fastest runs, steadier on a shared machine (--repeat, default 3 for diabetes,
 * 1 for 1M). Then, as the machine's own reference, as many times two parallel_fits 1 jobs at once (two processes):
 * how much slower each runs than alone tells what a second thread can give on this machine at all. The outputs are
 * compared: the fold= metric lines, cv.json (folds, summary, oof, curves, rounds, scores) and every model file must
 * be identical. The load average is printed beside each run: the machine is shared.
 *
 * Options: --rows=1000000 (0 skips the large job)  --rounds=20  --repeat=3 (diabetes)  --big-repeat=1 (the large job)
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { synth } from "./synth";
import { bundleTrainer } from "./training-job";

const ROOT = path.join(__dirname, "..");
const args = process.argv.slice(2).filter((a) => a !== "parallel");
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
/** an integer option ≥ min; else the bench stops at once, naming it (a bad count ran no job and crashed on the empty medians) */
function intOpt(name: string, fallback: number, min: number): number {
  const raw = opt(name);
  const v = raw === undefined ? fallback : Number(raw);
  if (Number.isInteger(v) && v >= min) return v;
  process.stderr.write(`[bench parallel] --${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}\n`);
  process.exit(2);
}
const bigRows = intOpt("rows", 1_000_000, 0);
const rounds = intOpt("rounds", 20, 1);
const repeat = intOpt("repeat", 3, 1);
const bigRepeat = intOpt("big-repeat", 1, 1);
const log = (msg: string) => process.stderr.write(`[bench parallel] ${msg}\n`);
const load = () => os.loadavg()[0].toFixed(1);

/** phases from the job's log lines' arrival: read the channel (until "training on"), cross-validation (until the last fold= line), the rest */
interface Phases { load: number; cv: number; rest: number }
interface Run { parallel: number; seconds: number; cpuSeconds: number; phases: Phases; maxRssMb: number; loadBefore: string; loadAfter: string; outputs: Outputs }
interface Outputs { foldLines: string[]; cv: Record<string, unknown>; model: Record<string, string> }

function optMl(hp: Record<string, string>, csvFile: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-parallel-"));
  fs.mkdirSync(path.join(root, "input", "config"), { recursive: true });
  fs.mkdirSync(path.join(root, "input", "data", "train"), { recursive: true });
  fs.mkdirSync(path.join(root, "model"), { recursive: true });
  fs.writeFileSync(path.join(root, "input", "config", "hyperparameters.json"), JSON.stringify(hp));
  fs.symlinkSync(csvFile, path.join(root, "input", "data", "train", "train.csv"));
  return root;
}

/** the job under /usr/bin/time, its stdout lines timestamped as they arrive */
function spawnTimed(root: string): Promise<{ status: number | null; stdout: string; stderr: string; lines: { line: string; at: number }[]; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "MAXRSS %M CPU %U %S", process.execPath, path.join(ROOT, "out", "trainer", "main.js"), "train"], {
      // MALLOC_ARENA_MAX as the image sets it (trainer/Dockerfile)
      env: { MALLOC_ARENA_MAX: "2", ...process.env, OPT_ML: root }, stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "", stderr = "", partial = "";
    const lines: { line: string; at: number }[] = [];
    child.stdout.on("data", (d) => {
      stdout += d;
      const parts = (partial + d).split("\n");
      partial = parts.pop()!;
      for (const line of parts) lines.push({ line, at: (performance.now() - t0) / 1000 });
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr, lines, seconds: (performance.now() - t0) / 1000 }));
  });
}

async function runJob(hp: Record<string, string>, csvFile: string, parallel: number): Promise<Run> {
  const root = optMl({ ...hp, parallel_fits: String(parallel) }, csvFile);
  try {
    return await measureJob(root, parallel);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function measureJob(root: string, parallel: number): Promise<Run> {
  const loadBefore = load();
  const r = await spawnTimed(root);
  const seconds = r.seconds;
  if (r.status !== 0) throw new Error(`training job (parallel_fits ${parallel}) failed: ${r.stderr.slice(-2000)}`);
  const start = r.lines.find((l) => l.line.startsWith("training on "))?.at ?? NaN;
  const cvEnd = [...r.lines].reverse().find((l) => l.line.startsWith("fold="))?.at ?? NaN;
  const phases = { load: start, cv: cvEnd - start, rest: seconds - cvEnd };
  const usage = /MAXRSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (!usage) throw new Error(`/usr/bin/time printed no usage line: ${r.stderr.slice(-500)}`);
  const maxRssMb = Number(usage[1]) / 1024;
  const cpuSeconds = Number(usage[2]) + Number(usage[3]);
  const cvAll = JSON.parse(fs.readFileSync(path.join(root, "output", "data", "cv.json"), "utf8"));
  const cv = Object.fromEntries(["folds", "summary", "oof", "curves", "rounds", "train", "validation", "members"].map((k) => [k, cvAll[k]]));
  const model = Object.fromEntries(fs.readdirSync(path.join(root, "model")).map((f) => [f, fs.readFileSync(path.join(root, "model", f), "utf8")]));
  // the [r] lines are printed live, as the fits reach each round: in the same order and with the same values for
  // every parallel_fits, but where they fall among the fold= lines depends on timing — so each stream is compared
  const lines = r.stdout.split("\n");
  const foldLines = [...lines.filter((l) => /^(fold=|train-|validation-)/.test(l)), ...lines.filter((l) => /^\[\d+\] /.test(l))];
  const run = { parallel, seconds, cpuSeconds, phases, maxRssMb, loadBefore, loadAfter: load(), outputs: { foldLines, cv, model } };
  log(`  parallel_fits ${parallel}: ${seconds.toFixed(2)} s, CPU ${cpuSeconds.toFixed(1)} s (read ${phases.load.toFixed(1)} s, cross-validation ${phases.cv.toFixed(1)} s, final fit + scores + save ${phases.rest.toFixed(1)} s), peak RSS ${maxRssMb.toFixed(0)} MB, load ${loadBefore} → ${run.loadAfter}`);
  return run;
}

/** what differs between two runs' outputs ("" when identical) */
function difference(a: Outputs, b: Outputs): string {
  if (JSON.stringify(a.foldLines) !== JSON.stringify(b.foldLines)) return "metric lines";
  for (const k of Object.keys(a.cv)) if (JSON.stringify(a.cv[k]) !== JSON.stringify(b.cv[k])) return `cv.json ${k}`;
  const files = Object.keys(a.model).sort();
  if (JSON.stringify(files) !== JSON.stringify(Object.keys(b.model).sort())) return "model file names";
  for (const f of files) if (a.model[f] !== b.model[f]) return `model/${f}`;
  return "";
}

const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor((v.length - 1) / 2)];

async function bench(name: string, hp: Record<string, string>, csvFile: string, times: number) {
  log(`${name}: ${times} run(s) each of parallel_fits 1 and 2, alternating`);
  const runs: Run[] = [];
  for (let i = 0; i < times; i++) for (const p of i % 2 === 0 ? [1, 2] : [2, 1]) runs.push(await runJob(hp, csvFile, p));
  // The machine's own reference, in the same run: two parallel_fits 1 jobs at once, each in its own process with
  // nothing shared. On a machine with two free cores each takes as long as one alone (1.0×); the factor above 1 is
  // what running two things at once costs here whatever the program (another tenant on the second vCPU, a lower
  // all-core clock, shared caches) — parallel_fits 2 pays it too, so its ratio cannot beat about factor ÷ 2 for the
  // fits' part of a job
  log(`${name}: ${times} time(s) two parallel_fits 1 jobs at once, side by side (the machine's reference)`);
  const sideBySide: Run[] = [];
  for (let i = 0; i < times; i++) sideBySide.push(...(await Promise.all([runJob(hp, csvFile, 1), runJob(hp, csvFile, 1)])));
  const one = runs.filter((r) => r.parallel === 1), two = runs.filter((r) => r.parallel === 2);
  const diffs = [...runs, ...sideBySide].map((r) => difference(one[0].outputs, r.outputs)).filter(Boolean);
  return {
    name,
    seconds1: median(one.map((r) => r.seconds)), seconds2: median(two.map((r) => r.seconds)),
    cpu1: median(one.map((r) => r.cpuSeconds)), cpu2: median(two.map((r) => r.cpuSeconds)),
    cv1: median(one.map((r) => r.phases.cv)), cv2: median(two.map((r) => r.phases.cv)),
    phases1: one[0].phases, phases2: two[0].phases,
    rss1: Math.max(...one.map((r) => r.maxRssMb)), rss2: Math.max(...two.map((r) => r.maxRssMb)),
    // the machine's speed drifts over minutes (a shared VM: one build's diabetes runs spread 0.92–1.44 s): the runs of a
    // pair (1, 2 or 2, 1, back to back) see about the same machine, so the median of the pairs' ratios is the steadier
    // figure; the fastest run of each, the least disturbed
    pairRatio: median(Array.from({ length: times }, (_, i) => {
      const [a, b] = runs.slice(2 * i, 2 * i + 2);
      return a.parallel === 2 ? a.seconds / b.seconds : b.seconds / a.seconds;
    })),
    fastest1: Math.min(...one.map((r) => r.seconds)), fastest2: Math.min(...two.map((r) => r.seconds)),
    loads: runs.map((r) => `${r.loadBefore}→${r.loadAfter}`).join(", "),
    identical: diffs.length === 0 ? "yes" : `NO (${diffs[0]})`,
    runs: times,
    sideBySide: median(sideBySide.map((r) => r.seconds)),
    /** what parallel_fits 2 could take at best here: the job's start (process, read, binning) runs on one thread
     * whatever parallel_fits is, and the rest — the fits, and the final fit's save, counted in as if it split too —
     * at best halves, each half slowed by what running two things at once costs on this machine (the side-by-side
     * factor). Amdahl's law with the machine's own second core */
    start1: median(one.map((r) => r.phases.load)),
    bestSeconds2: median(one.map((r) => r.phases.load)) + (median(one.map((r) => r.seconds - r.phases.load)) * Math.max(1, median(sideBySide.map((r) => r.seconds)) / median(one.map((r) => r.seconds)))) / 2,
  };
}

async function main() {
  bundleTrainer(log);
  const results = [await bench("diabetes, 5-fold xgboost+catboost (trainer defaults)", {}, path.join(ROOT, "data", "diabetes.csv"), repeat)];
  if (bigRows > 0) {
    const csv = path.join(ROOT, "bench", "data", `synth-${bigRows}.csv`);
    if (!fs.existsSync(csv)) {
      log(`writing ${csv} …`);
      fs.mkdirSync(path.dirname(csv), { recursive: true });
      const s = synth(bigRows);
      const tmp = `${csv}.${process.pid}.tmp`; // renamed when complete: an interrupted run leaves no short file behind
      const fd = fs.openSync(tmp, "w");
      fs.writeSync(fd, ["target", ...Array.from({ length: s.ncol }, (_, j) => `x${j}`)].join(",") + "\n");
      const chunk: string[] = [];
      for (let i = 0; i < s.nrow; i++) {
        const row = [s.y[i].toPrecision(7)];
        for (let j = 0; j < s.ncol; j++) row.push(s.X[i * s.ncol + j].toPrecision(7));
        chunk.push(row.join(","));
        if (chunk.length === 10000 || i === s.nrow - 1) fs.writeSync(fd, chunk.splice(0).join("\n") + "\n");
      }
      fs.closeSync(fd);
      fs.renameSync(tmp, csv);
    }
    results.push(await bench(`${bigRows.toLocaleString("en")} × 28 synthetic, 5-fold xgboost+catboost, num_round ${rounds}`, { num_round: String(rounds) }, csv, bigRepeat));
  }
  const lines = [
    `Training job, parallel_fits 2 vs 1 (same run; ${os.cpus().length} CPUs ${os.cpus()[0]?.model ?? ""}, Node ${process.version}; median wall time of the runs, peak RSS of the process).`,
    "",
    "| job | runs each | parallel_fits 1 s | parallel_fits 2 s | 2 ÷ 1 time | CPU s 1 → 2 (cores used) | cross-validation 1 s | 2 s | 2 ÷ 1 | read / CV / rest s (1 → 2) | peak RSS 1 MB | peak RSS 2 MB | 2 ÷ 1 RSS | identical output | two parallel_fits 1 jobs at once: each s (÷ one alone) | load average (1 min) before→after each run |",
    "|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---|---|---|",
    ...results.map((r) => {
      const ph = (p: Phases) => `${p.load.toFixed(1)} / ${p.cv.toFixed(1)} / ${p.rest.toFixed(1)}`;
      return `| ${r.name} | ${r.runs} | ${r.seconds1.toFixed(2)} | ${r.seconds2.toFixed(2)} | ${(r.seconds2 / r.seconds1).toFixed(2)}× | ${r.cpu1.toFixed(1)} (${(r.cpu1 / r.seconds1).toFixed(2)}) → ${r.cpu2.toFixed(1)} (${(r.cpu2 / r.seconds2).toFixed(2)}) | ${r.cv1.toFixed(2)} | ${r.cv2.toFixed(2)} | ${(r.cv2 / r.cv1).toFixed(2)}× | ${ph(r.phases1)} → ${ph(r.phases2)} | ${r.rss1.toFixed(0)} | ${r.rss2.toFixed(0)} | ${(r.rss2 / r.rss1).toFixed(2)}× | ${r.identical} | ${r.sideBySide.toFixed(2)} (${(r.sideBySide / r.seconds1).toFixed(2)}×) | ${r.loads} |`;
    }),
    "",
    ...results.map((r) => `${r.name}: time ${(r.seconds2 / r.seconds1).toFixed(2)}× (bar ≤ 0.6×: ${r.seconds2 / r.seconds1 <= 0.6 ? "met" : "NOT met"}; median of the pairs' ratios ${r.pairRatio.toFixed(2)}×, fastest runs ${r.fastest1.toFixed(2)} → ${r.fastest2.toFixed(2)} s = ${(r.fastest2 / r.fastest1).toFixed(2)}×), peak RSS ${(r.rss2 / r.rss1).toFixed(2)}× (bar ≤ 1.3×: ${r.rss2 / r.rss1 <= 1.3 ? "met" : "NOT met"}), identical output: ${r.identical}. The machine's reference: two parallel_fits 1 jobs at once took ${r.sideBySide.toFixed(2)} s each (median), ${(r.sideBySide / r.seconds1).toFixed(2)}× one alone (1.00× = a free second core). So at best, with the job's start on one thread (${r.start1.toFixed(2)} s) and the rest split in two at that cost, parallel_fits 2 would take ${r.bestSeconds2.toFixed(2)} s here: ${(r.bestSeconds2 / r.seconds1).toFixed(2)}× (the bar ${r.bestSeconds2 / r.seconds1 <= 0.6 ? "within reach" : "out of reach on this machine"}).`),
  ];
  const text = lines.join("\n");
  console.log(text);
  fs.mkdirSync(path.join(ROOT, "bench", "data"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, "bench", "data", "results-parallel.md"), text + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
