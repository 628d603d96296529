/**
 * Folds and members in parallel: crossValidate's `workers` and the trainer's `parallel_fits`. The reference is the
 * sequential run (workers 1, every fit in this thread, as before the pool existed): with 2 workers every per-fold
 * metric, out-of-fold prediction, learning curve, progress message, onFold call and kept model is bit-identical
 * and comes in the same order; the training job's metric lines, cv.json and model files likewise. Bad counts are
 * errors; a worker that dies mid-job fails the job with a failure file naming the fold and the member.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aq from "arquero";
import { availableCores, catboost, crossValidate, CvResult, defaultWorkers, Ensemble, loadDiabetes, prestartFitWorkers, ProgressEvent, toMatrix, xgboost } from "ensemble-workbook";
import { dealFits, roundThreads, TEST_FIT_EXIT_ENV, TEST_FIT_FAIL_ENV, threadDone, type FitData, type FitTask } from "../lib/ensemble/parallel";
import { DMatrix, train } from "node-xgboost-wasm";
import { POOL_DEATH_ENV, poolReady } from "node-xgboost-wasm/dist/wasm";
import { TEST_CORES_ENV } from "node-xgboost-wasm/dist/cores";
import { DIABETES, optMl, rmTree, runTrain } from "./trainer-helpers";

const diabetes = loadDiabetes();
const roots: string[] = [];
test.after(() => roots.forEach(rmTree));

/** every observable of a cross-validation, in the order it came */
function observe(ens: () => Ensemble, table: aq.ColumnTable | ReturnType<typeof loadDiabetes>, opts: { label: string; workers: number; k: number; blends?: string[]; threads?: number }) {
  const events: string[] = [];
  const cv: CvResult = crossValidate(ens(), table, {
    ...opts,
    keepModels: true,
    onProgress: (e: ProgressEvent) => events.push(`progress ${e.done}/${e.total} ${e.message}`),
    onFold: (fold, metrics) => events.push(`fold ${fold} ${JSON.stringify(metrics)}`),
  });
  const models = cv.models!.map((fm) => fm.map((m) => m.toFile().content));
  for (const fm of cv.models!) for (const m of fm) m.free();
  return { cv, events, models };
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.is(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.unreachable(`${what}[${i}]: ${a[i]} ≠ ${b[i]}`);
}

function assertSameRun(seq: ReturnType<typeof observe>, par: ReturnType<typeof observe>): void {
  assert.equal(par.events, seq.events, "progress and onFold calls: same order, same numbers");
  assert.equal(par.cv.table.objects(), seq.cv.table.objects(), "per-fold metrics");
  assert.equal(par.cv.summary.objects(), seq.cv.summary.objects());
  assert.equal(Object.keys(par.cv.oof), Object.keys(seq.cv.oof));
  for (const k of Object.keys(seq.cv.oof)) sameBits(par.cv.oof[k], seq.cv.oof[k], `oof ${k}`);
  assert.equal(par.cv.curves, seq.cv.curves, "learning curves, in order");
  assert.equal(par.cv.blendStates, seq.cv.blendStates);
  assert.equal(par.models, seq.models, "kept fold models (saved files)");
}

test("crossValidate xgboost+catboost on diabetes: workers 2 gives the sequential run's metrics, oof, curves, callbacks and models", () => {
  const ens = () => new Ensemble({ members: [xgboost({ num_round: 30 }), catboost({ iterations: 30 })] });
  const seq = observe(ens, diabetes, { label: "target", workers: 1, k: 5 });
  const par = observe(ens, diabetes, { label: "target", workers: 2, k: 5 });
  assert.is(seq.cv.table.numRows(), 5 * 3);
  assertSameRun(seq, par);
  // the sequential run is a real cross-validation: its fold-1 xgboost rmse is a fresh fit's on that fold
  assert.ok(seq.cv.table.objects().every((r: any) => r.rmse > 40 && r.rmse < 80));
});

test("workers 1: the folds' fits advance in lockstep (round r of every fold × member, then r + 1); fits that end are finished after their last pass, the folds scored once every fit is; the inner folds' fits after them; the same result as fits one after another", () => {
  const ens = () => new Ensemble({ members: [xgboost({ num_round: 6 }), catboost({ iterations: 9 })], blend: "weighted" });
  const calls: string[] = [];
  const run = (workers: number) =>
    crossValidate(ens(), diabetes, {
      label: "target", k: 3, workers, keepModels: true,
      onRound: (fold, member, round) => { if (workers === 1) calls.push(`${round} ${fold} ${member}`); },
      onFitDone: (fold, member) => { if (workers === 1) calls.push(`done ${fold} ${member}`); },
      onFold: (fold) => { if (workers === 1) calls.push(`fold ${fold}`); },
    });
  const lockstep = run(1), sequential = run(2);
  const expected: string[] = [];
  for (let round = 0; round < 9; round++) {
    for (let fold = 1; fold <= 3; fold++) for (const member of ["xgboost", "catboost"]) if (round < 6 || member === "catboost") expected.push(`${round} ${fold} ${member}`);
    // xgboost's fits end with round 5, catboost's with round 8: finished after that pass, in fold order
    if (round === 5) for (let fold = 1; fold <= 3; fold++) expected.push(`done ${fold} xgboost`);
    if (round === 8) for (let fold = 1; fold <= 3; fold++) expected.push(`done ${fold} catboost`);
  }
  expected.push("fold 1", "fold 2", "fold 3"); // once every fit is over
  assert.is(calls.join("\n"), expected.join("\n"), "onRound round-major (fold and member order within a round), then onFitDone as fits end, onFold once all have");
  for (const k of Object.keys(sequential.oof)) sameBits(lockstep.oof[k], sequential.oof[k], `oof ${k}`);
  assert.equal(lockstep.curves, sequential.curves);
  assert.equal(lockstep.blendStates, sequential.blendStates, "the weighted blend's inner folds");
  assert.equal(lockstep.models!.map((fm) => fm.map((m) => m.toFile().content)), sequential.models!.map((fm) => fm.map((m) => m.toFile().content)), "fold models");
  for (const cv of [lockstep, sequential]) for (const fm of cv.models!) for (const m of fm) m.free();
});

test("workers 2 with more fits than threads: each thread fits its share of the folds' fits in lockstep — every round of every fit is reported before the first fold is scored (the inner folds' fits claimed whole after the shares); the same result as workers 1", () => {
  const ens = () => new Ensemble({ members: [xgboost({ num_round: 8 }), catboost({ iterations: 8 })], blend: "weighted", innerK: 2 });
  const run = (workers: number) => {
    const calls: string[] = [];
    const cv = crossValidate(ens(), diabetes, {
      label: "target", k: 5, workers,
      onRound: (fold, member, round) => calls.push(`${round} ${fold} ${member}`),
      onFold: (fold) => calls.push(`fold ${fold}`),
    });
    return { cv, calls };
  };
  const one = run(1), two = run(2);
  const firstFold = two.calls.findIndex((c) => c.startsWith("fold "));
  assert.is(firstFold, 5 * 2 * 8, "the 10 fits' 8 rounds each, then the folds");
  assert.equal(two.calls.slice(firstFold), ["fold 1", "fold 2", "fold 3", "fold 4", "fold 5"]);
  // each fit's rounds in order; and the same calls as workers 1 (whose order is round-major over all 10 fits)
  for (let fold = 1; fold <= 5; fold++) for (const member of ["xgboost", "catboost"]) {
    const rounds = two.calls.filter((c) => c.endsWith(` ${fold} ${member}`)).map((c) => Number(c.split(" ")[0]));
    assert.equal(rounds, [0, 1, 2, 3, 4, 5, 6, 7], `fold ${fold} ${member}`);
  }
  assert.equal([...two.calls].sort(), [...one.calls].sort());
  for (const k of Object.keys(one.cv.oof)) sameBits(two.cv.oof[k], one.cv.oof[k], `oof ${k}`);
  assert.equal(two.cv.curves, one.cv.curves);
  assert.equal(two.cv.blendStates, one.cv.blendStates);
});

test("dealFits: whole folds round robin as far as they divide evenly, the rest member by member — every thread gets ⌊k / threads⌋ or ⌈k / threads⌉ fits of each member, the shares differ by at most one fit; fits claimed whole are in no share", () => {
  // crossValidate's order: per fold, its inner fits (claimed), then its members' fits (lockstep)
  const tasks: FitTask[] = [];
  for (let fold = 1; fold <= 5; fold++) {
    const at = tasks.length * 10; // the rows' offsets: each fold's fits on one range
    for (const name of ["xgboost", "catboost", "xgboost", "catboost"]) tasks.push({ kind: name as "xgboost", name, params: {}, train: [at + 1, 5], label: `fold ${fold} inner ${name}` });
    for (const name of ["xgboost", "catboost"]) tasks.push({ kind: name as "xgboost", name, params: {}, train: [at, 8], label: `fold ${fold}, member "${name}"`, fold, lockstep: true });
  }
  const named = (share: number[]) => share.map((t) => `${tasks[t].fold}${tasks[t].name[0]}`);
  // 2 threads: folds 1–4 whole (a fold's members share its row views), fold 5's fits one each; 5 fits each, and not
  // every xgboost fit on one thread (as dealing the alternating task order fit by fit would)
  assert.equal(dealFits(tasks, 2).map(named), [["1x", "1c", "3x", "3c", "5x"], ["2x", "2c", "4x", "4c", "5c"]]);
  assert.equal(dealFits(tasks, 3).map(named), [["1x", "1c", "4x", "5c"], ["2x", "2c", "5x"], ["3x", "3c", "4c"]]);
  for (const parties of [1, 2, 3, 4, 10, 12]) {
    const shares = dealFits(tasks, parties);
    assert.is(shares.length, parties);
    assert.equal(shares.flat().sort((a, b) => a - b), tasks.flatMap((t, i) => (t.lockstep ? [i] : [])), `${parties}: every lockstep fit once, no other`);
    for (const share of shares) assert.equal(share, [...share].sort((a, b) => a - b), "in task order");
    const counts = shares.map((share) => share.length);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${parties} threads: ${counts}`);
    for (const name of ["xgboost", "catboost"]) {
      const per = shares.map((share) => share.filter((t) => tasks[t].name === name).length);
      assert.ok(Math.max(...per) - Math.min(...per) <= 1, `${parties} threads, ${name}: ${per}`);
    }
  }
});

test("roundThreads: a run's fits take the cores of its threads that are done (⌊budget / threads still fitting⌋, at least the fit's nthread); none without a budget", () => {
  const matrix = toMatrix(aq.table({ y: [1, 2, 3], x: [1, 2, 3] }), { label: "y" });
  const task: FitTask = { kind: "xgboost", name: "xgboost", params: {}, label: "t", nthread: 1 };
  const data: FitData = { matrix, threads: 4, fitting: new Int32Array(new SharedArrayBuffer(4)).fill(3) };
  const threads = roundThreads(data, task)!;
  const seen = [threads()];
  for (let i = 0; i < 3; i++) {
    threadDone(data); // 3 → 2 → 1 → 0 threads still fitting
    seen.push(threads());
  }
  assert.equal(seen, [1, 2, 4, 4]);
  assert.is(roundThreads({ ...data, fitting: new Int32Array(new SharedArrayBuffer(4)).fill(1) }, { ...task, nthread: 3 })!(), 4);
  assert.is(roundThreads({ ...data, fitting: new Int32Array(new SharedArrayBuffer(4)).fill(2) }, { ...task, nthread: 3 })!(), 3, "never below the fit's own nthread");
  assert.is(roundThreads({ matrix }, task), undefined, "no budget (nthread given per fit): the fit's fixed nthread");
  assert.is(roundThreads({ matrix, threads: 2 }, task), undefined, "a run of one thread: nothing to take");
});

test("workers 2 on fits large enough for the core's threads, one thread's share much longer than the other's (its fits then take both cores, round by round): the same result as workers 1", async () => {
  // 30 000 rows (20 000 per fold fit: above the core's POOL_MIN_ROWS), k 3: folds 1 and 2 whole to one thread each,
  // fold 3's xgboost fit to the first, its catboost fit to the second — 60 catboost rounds against 6 xgboost rounds.
  // The core's pool up first (as in a large training job, which bins on it): the second thread's last rounds, once
  // the first is done, are shorter than a pool thread's start
  const n = 30_000;
  const cols: Record<string, Float64Array> = { y: new Float64Array(n) };
  for (let j = 0; j < 6; j++) cols[`x${j}`] = Float64Array.from({ length: n }, (_, i) => Math.sin(i * (0.37 + j * 0.11)) * (j + 1));
  for (let i = 0; i < n; i++) cols.y[i] = cols.x0[i] * 2 - cols.x1[i] + (cols.x2[i] > 0 ? 1.5 : 0) + ((i * 7919) % 13) / 13;
  const table = aq.table(cols);
  const d = new DMatrix(Float32Array.from(cols.x0), { nrow: n, ncol: 1, label: Float32Array.from(cols.y) });
  train({ nthread: 2 }, d, { numBoostRound: 1 }).free();
  d.free();
  await poolReady();
  const ens = () => new Ensemble({ members: [xgboost({ num_round: 6, max_depth: 4 }), catboost({ iterations: 60, depth: 4 })] });
  const seq = observe(ens, table, { label: "y", workers: 1, k: 3, threads: 2 });
  const par = observe(ens, table, { label: "y", workers: 2, k: 3, threads: 2 });
  assert.is(seq.cv.table.numRows(), 3 * 3);
  assertSameRun(seq, par);
});

test("classification (multi:softprob, text labels) with a weighted blend's inner folds: workers 3 = workers 1", () => {
  const y = diabetes.array("target") as number[];
  const sorted = [...y].sort((a, b) => a - b);
  const cut = [sorted[Math.floor(y.length / 3)], sorted[Math.floor((2 * y.length) / 3)]];
  const table = diabetes.derive({ level: aq.escape((d: { target: number }) => (d.target < cut[0] ? "low" : d.target < cut[1] ? "mid" : "high")) }).select(aq.not("target"));
  const ens = () =>
    new Ensemble({ members: [xgboost({ num_round: 15, objective: "multi:softprob" }), catboost({ iterations: 15 })], blend: "weighted", innerK: 2, objective: "multi:softprob" });
  const seq = observe(ens, table, { label: "level", workers: 1, k: 3, blends: ["mean"] });
  const par = observe(ens, table, { label: "level", workers: 3, k: 3, blends: ["mean"] });
  assert.equal(seq.cv.classes, ["high", "low", "mid"]);
  assert.is(seq.cv.oof.ensemble.length, 3 * table.numRows());
  assert.is(seq.events.filter((e) => e.includes(" inner ")).length, 3 * 2 * 2, "the inner fits are reported too");
  assertSameRun(seq, par);
});

test("default workers: the cores (affinity, cgroup quota), 1 for a table under 10 000 cells or of 2^24 cells and more", () => {
  const cores = availableCores();
  assert.ok(Number.isInteger(cores) && cores >= 1 && cores <= os.availableParallelism());
  const quota = fs.existsSync("/sys/fs/cgroup/cpu.max") ? fs.readFileSync("/sys/fs/cgroup/cpu.max", "utf8").trim().split(" ") : ["max"];
  if (quota[0] !== "max") assert.ok(cores <= Math.ceil(Number(quota[0]) / Number(quota[1])), "within the cgroup quota");
  assert.is(defaultWorkers(442, 10), 1);
  assert.is(defaultWorkers(100_000, 28), cores);
  assert.is(defaultWorkers(1_000_000, 28), 1); // 28M cells: one fit at a time, every core inside it (one working set)
  // OMP_NUM_THREADS, when set, is the process's default threads (as XGBoost's nthread): the local SageMaker gives a
  // tuning trial its share of the cores so; OMP_THREAD_LIMIT caps it
  withEnv({ [TEST_CORES_ENV]: "4", OMP_NUM_THREADS: "1" }, () => assert.is(defaultWorkers(100_000, 28), 1));
  withEnv({ [TEST_CORES_ENV]: "4", OMP_NUM_THREADS: "3" }, () => assert.is(defaultWorkers(100_000, 28), 3));
  withEnv({ [TEST_CORES_ENV]: "4", OMP_NUM_THREADS: "8", OMP_THREAD_LIMIT: "2" }, () => assert.is(defaultWorkers(100_000, 28), 2));
  withEnv({ [TEST_CORES_ENV]: "4" }, () => assert.is(defaultWorkers(100_000, 28), 4));
});

/** f() with these environment variables set (and OpenMP's others unset), then the environment as it was */
function withEnv<T>(vars: Record<string, string>, f: () => T): T {
  const keys = [...new Set([...Object.keys(vars), TEST_CORES_ENV, "OMP_NUM_THREADS", "OMP_THREAD_LIMIT"])];
  const before = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, vars);
  const restore = () => { for (const k of keys) before[k] === undefined ? delete process.env[k] : (process.env[k] = before[k]); };
  try {
    const r = f();
    if (r instanceof Promise) return r.finally(restore) as T;
    restore();
    return r;
  } catch (e) {
    restore();
    throw e;
  }
}

test("training job: parallel_fits unset is the process's default threads — the cores (3, forced), or OMP_NUM_THREADS (1, 2) — with the same cv.json", async () => {
  // 1 768 rows × 10 features (diabetes four times): above the 10 000 cells under which one fit runs at a time
  const [header, ...rows] = fs.readFileSync(DIABETES, "utf8").trim().split("\n");
  const csv = [header, ...rows, ...rows, ...rows, ...rows].join("\n") + "\n";
  const run = (vars: Record<string, string>, hp: Record<string, string> = {}) => withEnv(vars, async () => {
    const root = optMl({ models: "xgboost", k_fold: "3", num_round: "5", seed: "3", ...hp }, { train: { "d.csv": csv } });
    roots.push(root);
    const r = await runTrain(root);
    assert.is(r.code, 0, r.stderr);
    const { seconds, ...cv } = JSON.parse(fs.readFileSync(path.join(root, "output", "data", "cv.json"), "utf8"));
    assert.ok(seconds > 0);
    return { r, cv };
  });
  const cores = await run({ [TEST_CORES_ENV]: "3" });
  assert.match(cores.r.stdout, /; parallel_fits 3\b/);
  for (const omp of ["1", "2"]) {
    const got = await run({ [TEST_CORES_ENV]: "3", OMP_NUM_THREADS: omp });
    assert.match(got.r.stdout, new RegExp(`; parallel_fits ${omp}\\b`), `OMP_NUM_THREADS=${omp}`);
    assert.equal(got.cv, cores.cv, `OMP_NUM_THREADS=${omp}: the same cv.json (but its time)`);
  }
  // more core threads per fit than the cores: the first line says the core runs them on the cores (it logged "85 core
  // threads each" for parallel_fits 512 on 2 cores)
  const many = await run({ [TEST_CORES_ENV]: "3" }, { parallel_fits: "20" });
  assert.match(many.r.stdout, /; parallel_fits 20 \(6 core threads each, run on the 3 cores\)/);
  assert.equal(many.cv, cores.cv, "parallel_fits 20: the same cv.json");
});

test("workers and nthread: bad values are errors naming the option", () => {
  const ens = new Ensemble({ members: [xgboost({ num_round: 2 })] });
  // each named as given: NaN and Infinity as themselves (JSON would write null)
  // above nthread's 512 too: a thread each (a million fit workers asked of prestartFitWorkers aborted the process)
  for (const workers of [0, -1, 1.5, NaN, Infinity, 513, 1e6]) {
    assert.throws(() => crossValidate(ens, diabetes, { label: "target", workers }), new RegExp(`crossValidate's workers must be an integer from 1 to 512 .*, got ${workers}$`));
    assert.throws(() => ens.fit(diabetes, { label: "target", workers }), new RegExp(`fit's workers must be an integer from 1 to 512 .*, got ${workers}$`));
  }
  for (const count of [-1, 513, 1e6]) assert.throws(() => prestartFitWorkers(count), new RegExp(`prestartFitWorkers' count must be an integer from 0 to 512 .*, got ${count}$`));
  // checked before any fit, the same way by crossValidate and fit (513 failed at fold 1 naming the member's parameter;
  // fit took the text "2")
  for (const nthread of [-1, 0.5, NaN, -Infinity, 513, 1e6, "2"]) {
    const shown = typeof nthread === "string" ? `"${nthread}"` : String(nthread);
    assert.throws(() => crossValidate(ens, diabetes, { label: "target", nthread: nthread as number }), new RegExp(`crossValidate's nthread must be an integer from 0 \\(every core\\) to 512, got ${shown}$`));
    assert.throws(() => ens.fit(diabetes, { label: "target", nthread: nthread as number }), new RegExp(`fit's nthread must be an integer from 0 \\(every core\\) to 512, got ${shown}$`));
  }
  // a budget above nthread's limit failed only at a fit ("fold 2/3, member …: TrainOptions.threads() … got 513")
  for (const threads of [0, 513, 1e6, 1.5]) {
    assert.throws(() => crossValidate(ens, diabetes, { label: "target", workers: 2, threads }), new RegExp(`crossValidate's threads must be an integer from 1 to 512 .*, got ${threads}$`));
  }
});

test("a matrix in place of the table: the same result; table-only options and an unshared matrix for workers are errors", async () => {
  const ens = new Ensemble({ members: [xgboost({ num_round: 3 })] });
  const m = toMatrix(diabetes, { label: "target", shared: true });
  const fromTable = crossValidate(ens, diabetes, { label: "target", k: 3, workers: 1 });
  const fromMatrix = crossValidate(ens, m, { label: "target", k: 3, workers: 2 });
  assert.equal(fromMatrix.oof, fromTable.oof);
  assert.throws(() => crossValidate(ens, m, { label: "target", categorical: ["sex"] }), /^crossValidate: features and categorical choose a table's columns/);
  const unshared = toMatrix(diabetes, { label: "target" });
  assert.throws(() => crossValidate(ens, unshared, { label: "target", workers: 2 }), /^crossValidate: worker threads read the matrix: make it with toMatrix\(table, \{ shared: true \}\)/);
  const rejected = await ens.fitParallel(unshared, { label: "target" }).then(() => "", (e: Error) => e.message);
  assert.match(rejected, /^fitParallel: worker threads read the matrix/);
});

test("a fit's error fails crossValidate naming the fold and the member, sequential or not", () => {
  // a member built with good params (a bad one is refused as it is built, and as the Ensemble is made), set wrong
  // before the fit: its fits fail
  const bad = xgboost({ num_round: 2 });
  const ens = new Ensemble({ members: [xgboost({ num_round: 2 }), bad] });
  bad.params.max_bin = 1;
  for (const workers of [1, 2]) {
    // fold 1's in this thread, fold 2's in the worker (which may start first): fold 1's, as in the sequential run
    assert.throws(() => crossValidate(ens, diabetes, { label: "target", workers, k: 2 }), /^fold 1\/2, member "xgboost_2": .*max_bin must be between 2 and 256/);
  }
});

/** crossValidate's error with the failure test hook set (TEST_FIT_FAIL_ENV) */
function cvError(hook: string, workers: number): string {
  const ens = new Ensemble({ members: [xgboost({ num_round: 8 }), catboost({ iterations: 8 })] });
  process.env[TEST_FIT_FAIL_ENV] = hook;
  try {
    crossValidate(ens, diabetes, { label: "target", workers, k: 5 });
  } catch (e) {
    return (e as Error).message;
  } finally {
    delete process.env[TEST_FIT_FAIL_ENV];
  }
  throw new Error(`${hook}: crossValidate with ${workers} workers did not fail`);
}

test("fits that fail: the run names the failure the sequential run meets first, not the one met first in time (every thread runs on to that step, then stops)", () => {
  // 5 folds on 2 threads (dealFits): folds 1 and 3 and fold 5's xgboost in this thread, folds 2 and 4 and fold 5's
  // catboost in the worker. The sequential run takes round r of every fit in task order (fold 1's xgboost, fold 1's
  // catboost, fold 2's xgboost, …), then round r + 1. "<fold>:<member>:<round>:<ms>": that step waits, then fails
  const cases: [hook: string, named: RegExp][] = [
    // the same round: fold 1's (here, 400 ms late) before fold 2's (in the worker, at once)
    ["1:xgboost:3:400,2:xgboost:3:0", /^fold 1\/5, member "xgboost": test hook: round 3 fails$/],
    // the same round: fold 2's catboost (in the worker, late) before fold 3's xgboost (here, at once)
    ["2:catboost:2:400,3:xgboost:2:0", /^fold 2\/5, member "catboost": test hook: round 2 fails$/],
    // an earlier round of a later fold (in the worker, late) before a later round of fold 1 (here, at once)
    ["1:xgboost:5:0,4:catboost:2:400", /^fold 4\/5, member "catboost": test hook: round 2 fails$/],
  ];
  for (const [hook, named] of cases) {
    const sequential = cvError(hook, 1);
    assert.match(sequential, named, `${hook}: workers 1`);
    assert.is(cvError(hook, 2), sequential, `${hook}: workers 2 names the same fit`);
  }
});

const HP = { models: "xgboost,catboost", k_fold: "3", num_round: "12", seed: "3" };

test("training job: parallel_fits 2 = parallel_fits 1 (fold and final lines in order, [r] lines in order, cv.json, model files)", async () => {
  const csv = fs.readFileSync(DIABETES, "utf8");
  const run = async (parallel_fits: string) => {
    const root = optMl({ ...HP, parallel_fits }, { train: { "d.csv": csv } });
    roots.push(root);
    const r = await runTrain(root);
    assert.is(r.code, 0, r.stderr);
    const cv = JSON.parse(fs.readFileSync(path.join(root, "output", "data", "cv.json"), "utf8"));
    const model = Object.fromEntries(fs.readdirSync(path.join(root, "model")).map((f) => [f, fs.readFileSync(path.join(root, "model", f), "utf8")]));
    // the [r] lines go out live as the fits reach each round: the same lines in the same order for every
    // parallel_fits, but where they fall among the fold= lines depends on timing — each stream is compared
    const lines = r.stdout.split("\n");
    const metricLines = lines.filter((l) => /^(fold=|train-|validation-)/.test(l));
    const roundLines = lines.filter((l) => /^\[\d+\] /.test(l));
    return { r, cv, model, metricLines, roundLines };
  };
  const one = await run("1");
  const two = await run("2");
  assert.match(one.r.stdout, /parallel_fits 1/);
  assert.match(two.r.stdout, /parallel_fits 2/);
  // both read the bins only (the floats released once binned): the fit workers run on the training process's core
  for (const run of [one, two]) assert.match(run.r.stdout, /binned once \(max_bin 256, 254\); the features' floats are released/);
  assert.is(one.metricLines.filter((l) => l.startsWith("fold=")).length, 3);
  assert.equal(two.metricLines, one.metricLines);
  assert.is(one.roundLines.length, 12);
  assert.equal(two.roundLines, one.roundLines);
  for (const key of ["folds", "summary", "curves", "rounds", "oof", "train", "validation", "members"]) assert.equal(two.cv[key], one.cv[key], `cv.json ${key}`);
  assert.equal(Object.keys(two.model).sort(), Object.keys(one.model).sort());
  for (const f of Object.keys(one.model)) assert.ok(two.model[f] === one.model[f], `model/${f} differs`);
});

// crossValidate's refit: the final fit's tasks join the folds' run; the reference is Ensemble.fit on the same table
// (fit in this thread, after the cross-validation, as before): the same member models and blend, whatever the workers.
test("crossValidate refit: the ensemble fitted in the folds' run is the one Ensemble.fit gives (mean and weighted blends, workers 1 and 2), and the cross-validation is unchanged", () => {
  for (const blend of ["mean", "weighted"]) {
    const ens = () => new Ensemble({ members: [xgboost({ num_round: 12 }), catboost({ iterations: 15 })], blend, innerK: 3 });
    const reference = ens().fit(diabetes, { label: "target" });
    const files = (e: Ensemble) => e.members.map((m) => m.toFile().content);
    const plain = crossValidate(ens(), diabetes, { label: "target", k: 4, workers: 1 });
    for (const workers of [1, 2]) {
      const progress: string[] = [];
      const fitted = ens();
      const cv = crossValidate(fitted, diabetes, { label: "target", k: 4, workers, refit: true, onProgress: (e) => progress.push(`${e.done}/${e.total} ${e.message}`) });
      assert.equal(files(fitted), files(reference), `${blend}, workers ${workers}: member models`);
      assert.equal(fitted.blendState, reference.blendState, `${blend}, workers ${workers}: blend`);
      assert.equal(fitted.featureNames, reference.featureNames);
      assert.is(fitted.label, "target");
      sameBits(fitted.predict(diabetes).prediction, reference.predict(diabetes).prediction, `${blend}, workers ${workers}: predictions`);
      assert.equal(cv.table.objects(), plain.table.objects(), "the folds' metrics");
      for (const k of Object.keys(plain.oof)) sameBits(cv.oof[k], plain.oof[k], `oof ${k}`);
      const finalFits = blend === "weighted" ? 2 * 4 : 2; // inner folds × members + members
      assert.is(progress.length, 4 * 2 * (blend === "weighted" ? 4 : 1) + finalFits);
      assert.ok(progress.at(-1)!.startsWith(`${progress.length}/${progress.length} fit catboost on 442 rows`), progress.at(-1));
      fitted.free();
    }
    reference.free();
  }
});

// A worker started ahead (prestartFitWorkers, what a training job does while it reads its data) serves the next run:
// the run starts no thread of its own (the process's threads, counted in /proc during the run, stay those there were
// before it) and gives the same results as workers 1.
test("prestartFitWorkers: the next run takes the worker started ahead instead of starting one, with the same results", async () => {
  const threads = () => fs.readdirSync("/proc/self/task").length;
  const ens = () => new Ensemble({ members: [xgboost({ num_round: 20 }), catboost({ iterations: 20 })] });
  const seq = crossValidate(ens(), diabetes, { label: "target", k: 3, workers: 1 });
  crossValidate(ens(), diabetes, { label: "target", k: 3, workers: 2 }); // the core's pool and Node's own threads, as a run leaves them
  await new Promise((r) => setTimeout(r, 300));
  const idle = threads();
  prestartFitWorkers(1);
  await new Promise((r) => setTimeout(r, 500)); // started
  assert.is(threads(), idle + 1, "the prestarted worker's thread");
  let most = 0;
  const par = crossValidate(ens(), diabetes, { label: "target", k: 3, workers: 2, onRound: () => void (most = Math.max(most, threads())) });
  assert.is(most, idle + 1, "no thread started during the run: it took the prestarted worker");
  assert.equal(par.table.objects(), seq.table.objects());
  for (const k of Object.keys(seq.oof)) sameBits(par.oof[k], seq.oof[k], `oof ${k}`);
  // a run without one starts its own
  most = 0;
  crossValidate(ens(), diabetes, { label: "target", k: 3, workers: 2, onRound: () => void (most = Math.max(most, threads())) });
  assert.ok(most > idle, "a cold run starts a worker");
});

test("training job: parallel_fits 0, negative, above nthread's 512 or not an integer fails with a failure file naming it", async () => {
  for (const bad of ["0", "-2", "1.5", "two", "513", "1e9", "0x2"]) {
    const root = optMl({ ...HP, parallel_fits: bad }, { train: { "d.csv": "target,a\n1,2\n3,4\n5,6\n" } });
    roots.push(root);
    const r = await runTrain(root);
    assert.is(r.code, 1);
    const failure = fs.readFileSync(path.join(root, "output", "failure"), "utf8");
    assert.match(failure, new RegExp(`hyperparameter parallel_fits="${bad}": (must be ≥ 1|must be an integer|is not a number|must be ≤ 512 \\(the job's core threads, at most nthread's 512\\))`));
  }
});

// parallel_fits 2 starts the first fit worker before the settings are parsed (trainer/main.ts): a bad setting beside it
// is still the job's failure, and the waiting worker ends with the process
test("training job: parallel_fits 2 beside a bad hyperparameter fails with a failure file naming that one, and ends", async () => {
  for (const [key, value, why] of [["k_fold", "1", /k_fold/], ["max_dept", "3", /max_dept/], ["parallel_fits", "\"2\"", /eta="fast"/]] as const) {
    const hp = key === "parallel_fits" ? { ...HP, parallel_fits: value, eta: "fast" } : { ...HP, parallel_fits: "2", [key]: value };
    const root = optMl(hp, { train: { "d.csv": fs.readFileSync(DIABETES, "utf8") } });
    roots.push(root);
    const r = await runTrain(root, 60_000);
    assert.is(r.code, 1, `${key}=${value}: code ${r.code}; ${r.stderr.slice(-500)}`);
    assert.match(fs.readFileSync(path.join(root, "output", "failure"), "utf8"), why);
    assert.not.ok(fs.existsSync(path.join(root, "model", "manifest.json")), "no model");
  }
});

/** the diabetes job at parallel_fits 2 (or `parallelFits`) with the test hook set (TEST_FIT_EXIT_ENV, or `env`): its failure file */
async function jobWithDyingWorker(hook: string, env = TEST_FIT_EXIT_ENV, parallelFits = "2"): Promise<string> {
  const root = optMl({ ...HP, parallel_fits: parallelFits }, { train: { "d.csv": fs.readFileSync(DIABETES, "utf8") } });
  roots.push(root);
  process.env[env] = hook;
  let r;
  try {
    r = await runTrain(root, 60_000);
  } finally {
    delete process.env[env];
  }
  assert.is(r.code, 1, r.stderr);
  assert.not.ok(fs.existsSync(path.join(root, "model", "manifest.json")), "no model from a failed job");
  return fs.readFileSync(path.join(root, "output", "failure"), "utf8");
}

test("training job: a fit worker that dies mid-job fails the job with a failure file naming the fold and the member", async () => {
  // the worker fitting fold 2's catboost calls process.exit(70) as it starts its share (folds 2, and 3's catboost:
  // dealFits), while the job's thread fits its own (fold 1, 3's xgboost): it sees the end between its rounds
  const failure = await jobWithDyingWorker("2:catboost");
  assert.match(failure, /cross-validation failed: fold 2\/3, member "catboost": the fit worker exited \(code 70\) before finishing/);
});

test("training job: fits that fail name in the failure file the fit parallel_fits 1 names, whichever thread fails first", async () => {
  // 3 folds on 2 threads (dealFits): fold 1 and fold 3's xgboost in the job's thread, fold 2 and fold 3's catboost in
  // the worker; fold 2's catboost fails at round 2 after 300 ms, fold 3's xgboost at round 4 at once
  const hook = "2:catboost:2:300,3:xgboost:4:0";
  const sequential = await jobWithDyingWorker(hook, TEST_FIT_FAIL_ENV, "1");
  assert.match(sequential, /^cross-validation failed: fold 2\/3, member "catboost": test hook: round 2 fails/);
  assert.is(await jobWithDyingWorker(hook, TEST_FIT_FAIL_ENV), sequential);
});

// A trap in a fit worker's core call, inside the allocator and holding its lock (a heap corrupted by a bug): the
// job's thread, on the same core, must not wait for that lock forever (before: the job hung until the timeout), and
// the failure names the fit that trapped — not the job's own fit that then found the core unusable.
test("training job: a fit worker whose core traps inside the allocator fails the job with a failure file naming the fold, the member and the trap", async () => {
  const failure = await jobWithDyingWorker("2:catboost:trap");
  assert.match(failure, /^cross-validation failed: fold 2\/3, member "catboost": memory access out of bounds — a WebAssembly trap in the core's xgb_free \(a bug in node-xgboost-wasm\); the core is unusable in this process from now on/);
});

// A fit worker's stdout and stderr go through the thread that started it, which is blocked in the cross-validation:
// the writes wait for its event loop. The worker must still end once its fits are done (before the fix, the job's
// thread waited for the worker's end and the worker for the job's event loop: the job hung until the timeout).
test("training job: a fit worker that writes to stdout and stderr ends with its fits — the job finishes, its lines printed, the models those of parallel_fits 1", async () => {
  const csv = fs.readFileSync(DIABETES, "utf8");
  const models = async (parallel_fits: string, hook?: string) => {
    const root = optMl({ ...HP, parallel_fits }, { train: { "d.csv": csv } });
    roots.push(root);
    if (hook) process.env[TEST_FIT_EXIT_ENV] = hook;
    let r;
    try {
      r = await runTrain(root, 60_000);
    } finally {
      delete process.env[TEST_FIT_EXIT_ENV];
    }
    assert.is(r.code, 0, `parallel_fits ${parallel_fits}${hook ? `, hook ${hook}` : ""}: code ${r.code}; ${r.stderr.slice(-1000)}`);
    return { r, files: Object.fromEntries(fs.readdirSync(path.join(root, "model")).map((f) => [f, fs.readFileSync(path.join(root, "model", f), "utf8")])) };
  };
  const one = await models("1");
  const logged = await models("2", "2:catboost:log");
  assert.match(logged.r.stdout, /test hook: the fit worker of fold 2, member "catboost" writes to stdout/);
  assert.match(logged.r.stderr, /test hook: the fit worker of fold 2, member "catboost" writes to stderr/);
  assert.equal(Object.keys(logged.files).sort(), Object.keys(one.files).sort());
  for (const f of Object.keys(one.files)) assert.ok(logged.files[f] === one.files[f], `model/${f} differs`);
});

// V8 stops a worker that runs out of JavaScript heap without running its exit hook; the job's thread, blocked in
// the cross-validation, sees no Worker event either: the worker's thread vanishing from /proc is how it is seen
// (without that the job waits forever: the timeout, then code null).
test("training job: a fit worker stopped by V8 (out of JavaScript heap) fails the job with a failure file naming the fold and the member", async () => {
  const failure = await jobWithDyingWorker("2:catboost:heap"); // that worker fills its (capped) JavaScript heap
  assert.match(failure, /cross-validation failed: fold 2\/3, member "catboost": the fit worker was stopped without exiting \(V8 stops a worker so when it runs out of JavaScript heap\) before finishing/);
});

/**
 * A training job on 30 000 rows × 8 (big enough that the fits outlast their pools' start, ~0.2–0.5 s) with the
 * core's pool test hook set (node-xgboost-wasm's POOL_DEATH_ENV, inherited by every thread): its failure file, once
 * it has failed — not hung, not succeeded.
 */
async function jobWithPoolHook(hp: Record<string, string>, hook: string): Promise<string> {
  const rows = ["target,a,b,c,d,e,f,g,h"];
  for (let i = 0; i < 30_000; i++) {
    const x = Array.from({ length: 8 }, (_, j) => ((i * 7919 + j * 104729) % 1000) / 10);
    rows.push([(x[0] * 2 - x[1] + ((i * 31) % 7)).toFixed(3), ...x].join(","));
  }
  const root = optMl(hp, { train: { "d.csv": rows.join("\n") + "\n" } });
  roots.push(root);
  process.env[POOL_DEATH_ENV] = hook;
  let r;
  try {
    r = await runTrain(root, 120_000);
  } finally {
    delete process.env[POOL_DEATH_ENV];
  }
  assert.is.not(r.code, null, `the job was killed after 120 s (a hang): ${r.stderr}`);
  assert.is(r.code, 1, r.stderr);
  assert.not.ok(fs.existsSync(path.join(root, "model", "manifest.json")), "no model from a failed job");
  return fs.readFileSync(path.join(root, "output", "failure"), "utf8");
}

// The fits' own cores run thread pools too when the job has fewer fits than parallel_fits (2 folds × xgboost with
// parallel_fits 4: 2 core threads per fit). The core's test hook (node-xgboost-wasm's POOL_DEATH_ENV, inherited by
// every thread) makes each pool's worker thread 1 end after its 3rd task claim, holding it: the fits' train() throw,
// and the job fails with a failure file naming the fold and the member — it does not hang. The two fits share the
// core's one pool: the one running on it when its thread dies fails with the death; the other, which ran its rounds
// inline while the pool was taken, fails at its next round, nthread 2 being refused from then on. Which of the two
// is first depends on timing; both name the fold, the member and the thread that died.
test("training job: a thread of a fit's core pool that dies mid-job fails the job with a failure file naming the fold and the member", async () => {
  // final_model folds: no refit in the cross-validation's run, so its 2 fits are all of the run's (2 core threads each)
  const failure = await jobWithPoolHook({ models: "xgboost", k_fold: "2", num_round: "300", max_depth: "6", seed: "3", parallel_fits: "4", final_model: "folds" }, "exit:3");
  assert.match(failure, /^cross-validation failed: fold [12]\/2, member "xgboost": (train: a worker thread of the core's thread pool died during a job; the job's result is lost \(worker thread 1 of the core's pool exited with code 7;|nthread 2: worker thread 1 of the core's pool exited with code 7; nthread > 1 is refused in this process from now on)/, failure);
});

// A thread of the core's pool that traps inside the allocator during a fit's job (the hook's "trap"): the core
// breaks for every thread, and the failure names the fit whose job it was — the xgboost fold (2 core threads: the
// pool), not a catboost fold (1 core thread, beside it on the same core) that then found the core unusable.
test("training job: a thread of a fit's core pool that traps fails the job naming the fit whose job it ran, not the fits that found the core broken after it", async () => {
  const failure = await jobWithPoolHook(
    { models: "xgboost,catboost", k_fold: "2", num_round: "300", seed: "3", parallel_fits: "2", final_model: "folds", "xgboost.nthread": "2", "catboost.thread_count": "1" },
    "trap:3",
  );
  assert.match(failure, /^cross-validation failed: fold [12]\/2, member "xgboost": .*worker thread 1 of the core's pool trapped: RuntimeError: memory access out of bounds/, failure);
});

test.run();
