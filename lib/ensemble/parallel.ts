/**
 * Independent fits on a pool of worker threads — the one pool behind crossValidate's `workers` (the k folds ×
 * members fits, and the inner folds of weighted/stacking blends), Ensemble.fit's `workers` (the final fit's
 * members side by side) and Ensemble.fitParallel (the same, with live per-round metrics).
 *
 * Scheduling: a run's tasks are numbered in the order the sequential run makes them. Every thread of the run runs
 * ./fit-task's fitInLockstep: it advances its share of the tasks marked `lockstep` (crossValidate's folds' fits,
 * whose rounds are reported live), dealt to the threads before the run (dealFits), round by round in turn, each
 * parked between its rounds — so round r of every fit is reported before any thread's fits get far ahead, and a
 * thread holds one working set at a time; then it claims the next of the other tasks from a shared counter
 * (Atomics.add on the claim board) and fits it whole, until none is left — so the earliest start first, a thread
 * that is done early takes more, and no thread waits on a dispatcher. A thread with nothing left leaves its cores to
 * the fits still running: where the fits' core threads were shared out of a budget (FitData.threads), each round
 * of a fit asks for ⌊budget / threads still fitting⌋ (roundThreads) — the dealt shares cannot adapt to how fast each
 * thread turns out to run, and this evens out the end of the run without moving a fit between threads.
 *
 * Memory: every fit of a run reads one matrix. When its X and y live in SharedArrayBuffers (toMatrix's `shared`)
 * the workers read those very bytes (structured cloning a SharedArrayBuffer shares it), and a fit's rows are
 * given as a range of one shared Int32Array of row indexes. With the core's threads build (every Node), the
 * workers also run on this thread's core — the same WebAssembly module over the same shared memory (the core's
 * attachCore), each with its own stack — and fit on this thread's core DMatrix of the matrix through a handle
 * (DMatrix.fromShared): its floats, labels and quantised forms, built here before the run (shareCore: xgboost's
 * max_bin 256 and catboost's border_count 254 bin differently) and pinned until every worker has ended. So fits
 * side by side cost only their working sets: no worker copies or re-bins the data. With the single-threaded build
 * (XGB_WASM_THREADS=0, or no shared WebAssembly memory) there is no memory to share: each worker loads a core of
 * its own and copies the matrix into it once per run (its core DMatrix), binning it again.
 *
 * A run that uses this thread's core ends only once every worker has ended (a failed run lets the running fits
 * finish instead of terminating their threads mid-call, which could leave the core's allocator locked or its
 * heap half-updated): only then are the pins and the workers' stacks released.
 *
 * Determinism: a worker builds the member with memberFromSpec(kind, params) — what member.clone() gives — takes
 * the rows as row views (splitRowViews), exactly as a fit in this thread does, and runs the same core; the fits are
 * independent, so each one's model, predictions and per-round metrics are bit-identical to the sequential run's.
 * Only the completion order differs: callers put results back in task order (crossValidate does). A failed run
 * names the fit the sequential run names (runFitsSync).
 *
 * One way to run (runFitsSync): the caller's thread is one of the `workers` and fits tasks itself, beside
 * workers − 1 fit workers it starts. Each worker posts its rounds and results to a MessagePort of its own and wakes
 * the caller with Atomics.notify; the caller takes them with receiveMessageOnPort after each of its own rounds, and
 * sleeps in Atomics.wait once its own fits are done. The caller's event loop does not run meanwhile (crossValidate
 * and Ensemble.fit return their results), so it sees no Worker event: a worker's end is told in shared memory
 * instead (WorkerLife: its exit hook, and its thread's disappearance where V8 stops it without one). So a crash
 * fails the run with an error naming the fold and the member, and never leaves it waiting. No thread watches the
 * others: the run costs its workers' threads only (a worker isolate is ~12 MB resident).
 *
 * The worker script is ./fit-worker next to this module (a bundle must ship it next to its own entry: see
 * trainer/bundle.ts). Workers end with their run: a finished run holds no thread and no core memory.
 */
import * as fs from "fs";
import * as path from "path";
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "worker_threads";
import { availableCores, coreShareEnv, defaultThreads, MAX_THREADS, prestartCoreThreads, shownValue, testTrapInAllocator, coreBrokenElsewhere, type CoreAttachment, type ModelData, type SharedMatrix } from "../core";
import type { Matrix } from "../data/matrix";
import type { Member, MemberKind, StoredParams } from "../members/member";
import type { RoundCallback } from "./ensemble";
import type { FitError, StartedFit } from "./fit-task";
import { shareCore } from "./share-core";

/** One fit: a member (kind + params, as memberFromSpec builds it) on some rows of the run's matrix. */
export interface FitTask {
  kind: MemberKind;
  name: string;
  params: StoredParams;
  /** training rows: [offset, length] in the run's `rows`; absent = every row of the matrix */
  train?: [number, number];
  /** held-out rows, [offset, length] in `rows`: predicted (and the eval set when `evalOn` is "test") */
  test?: [number, number];
  /** what the per-round metrics are computed on: the held-out rows, the run's evalSet, or nothing */
  evalOn?: "test" | "evalSet";
  /** per-round metrics: posted as each round finishes ("live"), returned with the result and posted too ("collect"), or none */
  rounds?: "live" | "collect";
  /** return the fitted model (FitResult.model: the member's model data, or its file content) */
  keepModel?: boolean;
  /** core threads of this fit (FitOptions.nthread) */
  nthread?: number;
  /** how errors name the fit: `fold 2/5, member "catboost"` */
  label: string;
  /** the (1-based) outer fold, for the test hook below */
  fold?: number;
  /** fitted in lockstep with the other such fits of its thread, dealt to a thread before the run (dealFits) — the
   * folds' fits of crossValidate, whose rounds are reported live; absent: claimed and fitted whole */
  lockstep?: boolean;
}

/** What a run shares with its workers (sent once per worker: shared memory when X / y / rows are SharedArrayBuffer-backed). */
export interface FitData {
  matrix: Matrix;
  rows?: Int32Array;
  evalSet?: Matrix;
  /** the threads build: this thread's core DMatrix of `matrix`, and per worker slot what it attaches to the core with (shareCore) */
  core?: { matrix: SharedMatrix; attachments: CoreAttachment[] };
  /** core threads for the run's fits in all, when their nthread was shared out of a budget (not given per fit):
   * as the run's threads end, the fits still running take their cores (roundThreads) */
  threads?: number;
  /** set by runFitsSync on a run of several threads with `threads`: [0] = the run's threads still fitting */
  fitting?: Int32Array;
}

/**
 * A fit's core threads for each next round (FitOptions.threads), in a run with a thread budget: ⌊budget / the run's
 * threads still fitting⌋, at least the task's nthread — undefined (the task's fixed nthread) otherwise.
 * The lockstep fits are dealt to the threads before the run, and the threads do not run equally fast (the members'
 * rounds cost differently, and so may the machine's cores: on a 2-vCPU VM one ran 12 % slower under load), so one
 * thread may still have rounds to run when the others are done — the 1M × 28 job's worker ended 4–6.5 s after the
 * job's thread in 2 runs of 4. Its fits then take the idle cores: the core's models are the same for every thread
 * count, so only the time changes.
 */
export function roundThreads(data: FitData, task: FitTask): (() => number) | undefined {
  const { threads: budget, fitting } = data;
  if (budget === undefined || !fitting) return undefined;
  const own = task.nthread ?? 1;
  return () => Math.max(own, Math.floor(budget / Math.max(1, Atomics.load(fitting, 0))));
}


/** A finished fit. */
export interface FitResult {
  /** predictions on the held-out rows (when the task has `test`) */
  pred?: Float64Array;
  /** with rounds "collect": metric → value after each round */
  curves?: Record<string, number[]>;
  /** with keepModel (or for Ensemble.fitParallel): the fitted member as another thread takes it — its model data
   * (Member.toModelData: tree members) or its file content (Member.toFile); loadFitted restores it */
  model?: string | ModelData;
  /** a fit made in the caller's own thread (runFitsSync's `start`) may hand over the fitted member itself; never crosses threads */
  member?: Member;
}

/** worker → pool */
export type FitMessage =
  | { type: "round"; task: number; round: number; metrics: Record<string, number> }
  | { type: "done"; task: number; result: FitResult }
  /** a fit failed: the message starts with its label; `consequence`: after a trap in another thread broke the core
   * (that thread's error, naming the trap and its fit, is the one to report); `order`: where the failed step falls in
   * the sequential run (./fit-task's fitOrder), absent when the core broke — the worker's last message either way */
  | { type: "error"; message: string; consequence?: boolean; order?: bigint }
  /** no task left to claim: the worker's last message before it ends */
  | { type: "finished" };

/**
 * The tasks' claim board, shared by every thread of a run: [0] the next task to claim (Atomics.add; STOPPED once
 * the run has failed or ended), [1 + i] the task worker i is working on (-1 between tasks) — how a worker that dies
 * is named.
 */
export type ClaimBoard = Int32Array;

/** board[0] once the run has failed or ended: nothing more to claim, and the threads' lockstep fits stop (above every task index, however many claims follow) */
const STOPPED = 2 ** 30;

function claimBoard(threads: number): ClaimBoard {
  const board = new Int32Array(new SharedArrayBuffer(4 * (threads + 1)));
  board.fill(-1, 1);
  return board;
}

/**
 * The run's earliest failure so far, shared by every thread: [0] the sequential order (./fit-task's fitOrder) of the
 * earliest step at which a fit failed, NO_FAILURE while none has. Lowered (never raised) by the thread whose fit
 * fails; every thread stops at its first step past it.
 */
export type FailureWord = BigInt64Array;

const NO_FAILURE = 2n ** 62n;

function failureWord(): FailureWord {
  return new BigInt64Array(new SharedArrayBuffer(8)).fill(NO_FAILURE);
}

/** a fit failed at `step`: the run's earliest failure lowered to it, if it comes first */
export function noteFailure(word: FailureWord, step: bigint): void {
  for (let seen = Atomics.load(word, 0); step < seen; ) {
    const was = Atomics.compareExchange(word, 0, seen, step);
    if (was === seen) return;
    seen = was;
  }
}

/** true once a fit of the run has failed at a step before `step` */
export function failedBefore(word: FailureWord, step: bigint): boolean {
  return Atomics.load(word, 0) < step;
}

/** the next task to fit whole, claimed from the board (the lockstep tasks are dealt, not claimed: skipped); undefined once none is left */
export function claimTask(board: ClaimBoard, tasks: readonly FitTask[]): number | undefined {
  for (let t = Atomics.add(board, 0, 1); t < tasks.length; t = Atomics.add(board, 0, 1)) if (!tasks[t].lockstep) return t;
  return undefined;
}

/** true once the run has failed (or ended): a thread's fits stop */
export function boardStopped(board: ClaimBoard): boolean {
  return Atomics.load(board, 0) >= STOPPED;
}

/**
 * The lockstep tasks (crossValidate's folds' fits) dealt to `parties` threads before the run: each party's share,
 * in task order. Dealt, not claimed: a fit in lockstep stays in its thread from its first round to its last (the
 * thread holds its parked margins), and a claim as the round-0 pass goes would share the fits out by how fast each
 * thread got through first rounds (which include the fits' starts) rather than by what the fits cost.
 *  - Whole folds first, round robin, as many as divide evenly (5 folds on 2 threads: folds 1 and 3 to the first,
 *    2 and 4 to the second): a fold's members fit the same rows, so in one thread they share its row views' core
 *    slices (4 bytes a row each: a fold split between threads has them twice).
 *  - The remaining folds (fewer than the threads) member by member, round robin, the turn carrying on from one
 *    member to the next (fold 5: its xgboost fit to the first thread, its catboost fit to the second).
 * So every thread gets ⌊k / parties⌋ or ⌈k / parties⌉ of each member's k fits, and the shares differ by at most one
 * fit, in number and per member: the tail (a thread left with rounds to run once the other is done) is at most one
 * fit's extra cost per round. Members cost differently per round (catboost's symmetric trees, xgboost's depthwise
 * trees): dealing the task order, which alternates the members, fit by fit on 2 threads would give one thread every
 * xgboost fit and the other every catboost fit.
 */
export function dealFits(tasks: readonly FitTask[], parties: number): number[][] {
  const shares = Array.from({ length: parties }, () => [] as number[]);
  const group = (keyOf: (task: FitTask) => number | string, fits: number[]) => {
    const groups = new Map<number | string, number[]>();
    for (const t of fits) {
      const key = keyOf(tasks[t]);
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(t);
    }
    return [...groups.values()];
  };
  const folds = group((task) => task.train?.[0] ?? -1, tasks.flatMap((task, t) => (task.lockstep ? [t] : []))); // by their rows
  const whole = folds.length - (folds.length % parties);
  folds.slice(0, whole).forEach((fold, i) => shares[i % parties].push(...fold));
  let turn = 0;
  for (const fits of group((task) => task.name, folds.slice(whole).flat())) for (const t of fits) shares[turn++ % parties].push(t);
  for (const share of shares) share.sort((a, b) => a - b);
  return shares;
}

/** What a fit worker runs: the run, its slot in the run's board, its share of the lockstep tasks, the port it posts to. */
export interface WorkerRun {
  data: FitData;
  tasks: FitTask[];
  board: ClaimBoard;
  slot: number;
  share: number[];
  port: MessagePort;
  /** the run's wake word: bumped after every message a worker of the run posts (Atomics.notify) */
  wake: Int32Array;
  /** the run's earliest failure */
  failure: FailureWord;
}

/** workerData of ./fit-worker: its life record, and its run — or none yet: a worker started ahead (prestartFitWorkers) receives its run as its first message */
export interface WorkerInit {
  life: WorkerLife;
  run?: WorkerRun;
}

/**
 * What a fit worker tells the thread that started it beside its messages, in shared memory that thread reads while
 * it is blocked (its event loop is not running, so it sees no Worker event): [0] 1 once the worker's thread is
 * ending (its exit hook: process.exit, an uncaught error or its normal end), [1] its exit code, [2] its Linux thread
 * id. V8 stops a worker out of JavaScript heap without running its exit hook; its thread is gone, though:
 * /proc/self/task/<id> is how that end is seen. (Where there is no /proc — macOS, Windows — that one end goes
 * unseen: a fit worker's JavaScript holds only messages, the fits' memory is the core's, whose running out is an
 * Error of the fit.)
 */
export type WorkerLife = Int32Array;

/** a message was posted: wake the thread waiting on the run's wake word */
export function wakeRun(wake: Int32Array): void {
  Atomics.add(wake, 0, 1);
  Atomics.notify(wake, 0);
}

/** in a worker, as it starts: its Linux thread id in its life record (nothing where /proc/thread-self is missing) */
export function recordThreadId(life: WorkerLife): void {
  try {
    const tid = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) Atomics.store(life, 2, tid);
  } catch {
    /* no /proc: the exit hook alone */
  }
}

/** in a worker, from its process "exit" hook: its thread is ending (the run's thread woken, if it has a run) */
export function recordEnding(life: WorkerLife, code: number, wake?: Int32Array): void {
  Atomics.store(life, 1, code);
  Atomics.store(life, 0, 1);
  if (wake) wakeRun(wake);
}

/** how a worker has ended ("exited (code 70)"), or undefined while it runs; `threadToo`: also look for its thread in /proc */
function workerEnded(life: WorkerLife, threadToo: boolean): string | undefined {
  if (Atomics.load(life, 0) === 1) return `exited (code ${Atomics.load(life, 1)})`;
  const tid = Atomics.load(life, 2);
  if (threadToo && tid > 0 && !fs.existsSync(`/proc/self/task/${tid}`)) return "was stopped without exiting (V8 stops a worker so when it runs out of JavaScript heap)";
  return undefined;
}

/**
 * Test hook: env ENSEMBLE_WORKBOOK_TEST_FIT_EXIT="<fold>:<member>" makes the worker that runs that fit call
 * process.exit(70) — how the tests kill a worker in the middle of a job, while the thread that runs the run fits its
 * own share (the hook is read in workers only: a fit dealt to that thread runs as usual); "<fold>:<member>:heap" makes it allocate
 * JavaScript objects until V8 stops it (the workers' old generation then capped at TEST_HEAP_MB), an end that runs
 * no exit hook; "<fold>:<member>:log" makes it write a line to its stdout and one to its stderr, which a worker's
 * thread hands to the thread that started it (see ./fit-worker); "<fold>:<member>:trap" makes the core trap inside
 * its allocator, holding the allocator's lock, as a heap corrupted by a bug would (node-xgboost-wasm's
 * testTrapInAllocator).
 */
export const TEST_FIT_EXIT_ENV = "ENSEMBLE_WORKBOOK_TEST_FIT_EXIT";
const TEST_HEAP_MB = 32;

/**
 * Test hook: env ENSEMBLE_WORKBOOK_TEST_FIT_FAIL="<fold>:<member>:<round>:<ms>[,…]" makes that fit's step of that round
 * (a folds' fit of crossValidate) wait `ms` milliseconds, then throw an Error — in whichever thread runs it, this
 * one or a fit worker: how the tests make fits fail in an order in time other than the sequential run's.
 */
export const TEST_FIT_FAIL_ENV = "ENSEMBLE_WORKBOOK_TEST_FIT_FAIL";

/**
 * The failure test hook as this thread's part of a run sees it, read once as the part starts: what to run before a
 * folds' fit's step of round `round` (wait, then throw), or undefined when the hook is unset — no cost per step then.
 */
export function testFitFailures(): ((task: FitTask, round: number) => void) | undefined {
  const hook = process.env[TEST_FIT_FAIL_ENV];
  if (!hook) return undefined;
  const fits = new Map(
    hook.split(",").filter(Boolean).map((entry): [string, number] => {
      const [fold, member, round, ms] = entry.split(":");
      return [`${fold}:${member}:${round}`, Number(ms)];
    }),
  );
  return (task, round) => {
    const ms = task.fold === undefined ? undefined : fits.get(`${task.fold}:${task.name}:${round}`);
    if (ms === undefined) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    throw new Error(`test hook: round ${round} fails`);
  };
}

/** in a worker, as it starts task `task`: what the test hook asks of it */
export function testFitExit(task: FitTask): void {
  const hook = process.env[TEST_FIT_EXIT_ENV];
  if (task.fold === undefined || !hook?.startsWith(`${task.fold}:${task.name}`)) return;
  if (hook === `${task.fold}:${task.name}`) process.exit(70);
  if (hook === `${task.fold}:${task.name}:log`) {
    console.log(`test hook: the fit worker of fold ${task.fold}, member "${task.name}" writes to stdout`);
    console.error(`test hook: the fit worker of fold ${task.fold}, member "${task.name}" writes to stderr`);
  }
  if (hook === `${task.fold}:${task.name}:trap`) testTrapInAllocator();
  if (hook === `${task.fold}:${task.name}:heap`) {
    const hog: number[][] = [];
    for (;;) hog.push(new Array(100_000).fill(hog.length));
  }
}

/**
 * The cores this process may use: the core's (its CPU affinity, lowered to a container's CPU quota). And the threads
 * it uses when none are given: defaultThreads(), the cores — or OMP_NUM_THREADS when set, as XGBoost reads it for
 * nthread. Every default budget here (crossValidate's workers and threads, the members' fits, the parallel CSV read)
 * is defaultThreads(), so OMP_NUM_THREADS=1 runs a process on one thread, as it does native XGBoost; the local
 * SageMaker's tuning jobs give each trial its share of the cores that way (sagemaker-local/tuning-run.ts).
 */
export { availableCores, coreShareEnv, defaultThreads };

/** Below this many cells (rows × features) a table's fits are too quick to pay for starting worker threads (~0.1 s of CPU each). */
export const SMALL_TABLE_CELLS = 10_000;

/**
 * From this many cells (rows × features; 64 MB of float32) a table's fits run one at a time with every core inside
 * the fit. Fits side by side share the core's one DMatrix of the data (./share-core; with the single-threaded build
 * each would even hold its own copy), but each holds its working set — its rows' bin codes twice (the partition's
 * double buffer), gradients, margins: about 100 bytes a row — so k fits at once hold k of them, and the final
 * refit's members side by side two of the whole table's. Measured on 1M × 28 (3 folds, xgboost + catboost, 50
 * rounds, 2 cores): 565 MB and 42 s with 2 fits at once, 415–436 MB and 49–57 s one at a time; issue 11's bar is a
 * peak of 4× the data's float32 size (448 MB), which one at a time keeps.
 */
export const LARGE_TABLE_CELLS = 2 ** 24;

/**
 * The default `workers` of crossValidate (and the trainer's `parallel_fits`): defaultThreads(); 1 for a table
 * under SMALL_TABLE_CELLS cells (diabetes' 442 × 10), whose fits end before a worker thread has started; 1 for a
 * table of LARGE_TABLE_CELLS cells or more, whose fits then use every core themselves (the default nthread).
 */
export function defaultWorkers(nrow: number, ncol: number): number {
  const cells = nrow * ncol;
  return cells < SMALL_TABLE_CELLS || cells >= LARGE_TABLE_CELLS ? 1 : defaultThreads();
}

/**
 * Core threads for each of `fitsAtOnce` simultaneous fits: the cores shared out, at least 1 — so fits × threads
 * stays within the machine (2 fits on 16 cores: 8 threads each; 5 fits on 2 cores: 1 each). A single fit gets
 * undefined: the core's own default, every core.
 */
export function threadsPerFit(fitsAtOnce: number): number | undefined {
  return fitsAtOnce > 1 ? Math.max(1, Math.floor(defaultThreads() / fitsAtOnce)) : undefined;
}

/** Core threads of each fit when `threads` are shared by `workers` threads running `fits` fits: ⌊threads / fits at once⌋, at least 1. */
export function threadsFromBudget(threads: number, workers: number, fits: number): number {
  for (const [name, v] of Object.entries({ threads, workers, fits })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`threadsFromBudget's ${name} must be an integer ≥ 1, got ${shownValue(v)}`);
  }
  return Math.max(1, Math.floor(threads / Math.min(workers, fits)));
}

/** A member fitted in a fit worker, restored from its FitResult.model (toModelData's data, else toFile's content). */
export function loadFitted(member: Member, model: FitResult["model"]): void {
  if (model === undefined) throw new Error(`member "${member.name}": the fit's result holds no model`);
  if (typeof model === "string") member.loadFile(model);
  else if (member.loadModelData) member.loadModelData(model);
  else throw new Error(`member "${member.name}" (${member.kind}) cannot load model data`);
}

/** A fit's error prefixed with its label (`fold 2/5, member "catboost": …`), the member named once: a member's own
 * errors already start with `member "<name>": `. */
export function labelled(label: string, message: string): string {
  const member = /member "[^"]*"$/.exec(label)?.[0];
  return `${label}: ${member && message.startsWith(`${member}: `) ? message.slice(member.length + 2) : message}`;
}


/** `value` as an option gives it — an integer from `min` to the core's MAX_THREADS: a worker and a core thread are each a
 * thread (a million fit workers aborted the process; a budget above nthread's limit failed only at a fit, naming neither
 * the budget nor the cause) — or an Error naming the option (`minNote` and `meaning` say what it counts). */
function threadCount(value: unknown, min: 0 | 1, what: string, meaning: string, minNote = ""): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_THREADS) {
    throw new Error(`${what} must be an integer from ${min}${minNote} to ${MAX_THREADS}${meaning}, got ${shownValue(value)}`);
  }
  return value;
}

/** A worker count as given, or an Error naming the option. */
export function checkWorkers(workers: unknown, what = "workers"): number {
  return threadCount(workers, 1, what, " (how many fits run at once)");
}

/** A fit's core threads as an option gives them (crossValidate's and fit's `nthread`), checked before any fit: else the
 * first fit failed, naming its member's parameter, not the option. */
export function checkNthread(nthread: unknown, what: string): number | undefined {
  return nthread === undefined ? undefined : threadCount(nthread, 0, what, "", " (every core)");
}

/** A budget of core threads for all the fits at once (crossValidate's threads, the trainer's parallel_fits), as `nthread`. */
export function checkThreadBudget(threads: unknown, what: string): number {
  return threadCount(threads, 1, what, " (core threads for all the fits at once, as nthread for one)");
}

/** the worker script: fit-worker.js beside this module (fit-worker.ts when lib runs from source) */
export function fitWorkerFile(): string {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `fit-worker${ext}`);
  if (!fs.existsSync(file)) throw new Error(`the fit worker ${file} is missing (a bundle must ship it beside its entry)`);
  return file;
}

/**
 * The young generation of a fit worker's JavaScript heap, in MB. Their JavaScript allocates
 * little — messages, per-round metrics, a fold's predictions; the fits' memory is the core's — but each isolate's
 * young generation grows to V8's default for a thread's heap all the same. Capped here, each worker costs ~13 MB
 * less resident memory (1M × 28 training job, parallel_fits 2: the JavaScript heaps' pages 97–99 MB → 70–72 MB with
 * 8 MB, 67–70 MB with 2–4 MB), for a few more scavenges of short-lived objects.
 */
const WORKER_YOUNG_GENERATION_MB = 8;

/** A worker running ./fit-worker; plain JavaScript needs no loader: do not pass on this process's (tsx's hooks cost ~0.4 s per worker). */
function startWorker(init: WorkerInit, transferList?: import("worker_threads").TransferListItem[]): Worker {
  const file = fitWorkerFile();
  const w = new Worker(file, {
    workerData: init,
    transferList,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, ...(process.env[TEST_FIT_EXIT_ENV]?.endsWith(":heap") ? { maxOldGenerationSizeMb: TEST_HEAP_MB } : {}) },
    ...(file.endsWith(".js") ? { execArgv: [] } : {}),
  });
  w.on("error", () => {}); // seen through its life record (its exit hook): never an uncaught 'error' event here
  w.unref(); // never keeps the process alive
  return w;
}

/** fit workers started ahead of a run, waiting for one (their life records beside them) */
const prestarted: { worker: Worker; life: WorkerLife }[] = [];

/**
 * Starts fit workers now, so that the next run of this thread finds them ready: a worker takes ~0.1–0.2 s to start
 * (Node's bootstrap, the core's bindings), which a run started cold spends with its workers not yet fitting — a
 * training job calls this before it reads its data (parallel_fits − 1 workers), so they start while it reads. Up to
 * `count` wait at a time; each serves one run (the first that needs a worker), then ends like any other. A worker
 * waiting costs its thread and ~12 MB; one that ends while waiting is dropped. Unref'd: they never keep the process
 * alive.
 */
export function prestartFitWorkers(count: number): void {
  threadCount(count, 0, "prestartFitWorkers' count", " (fit workers to start)");
  while (prestarted.length < count) {
    const life = new Int32Array(new SharedArrayBuffer(12));
    const worker = startWorker({ life });
    const entry = { worker, life };
    prestarted.push(entry);
    worker.once("exit", () => {
      const i = prestarted.indexOf(entry);
      if (i >= 0) prestarted.splice(i, 1);
    });
  }
}

/** a worker for `run`: a prestarted one that has not ended, given the run as its first message, else a new one */
function workerFor(run: WorkerRun): WorkerLife {
  for (let next = prestarted.shift(); next; next = prestarted.shift()) {
    if (workerEnded(next.life, true)) continue;
    next.worker.postMessage(run, [run.port]);
    return next.life;
  }
  const life = new Int32Array(new SharedArrayBuffer(12));
  startWorker({ life, run }, [run.port]);
  return life;
}

export interface RunHandlers {
  /** a round of a task with rounds "live" or "collect", as it finishes */
  onRound?: (task: number, round: number, metrics: Record<string, number>) => void;
  /** a finished task (completion order) */
  onDone: (task: number, result: FitResult) => void;
}

/**
 * Runs the tasks on `workers` threads — this one and workers − 1 fit workers — and returns once every task is done
 * (callers that return their results synchronously — crossValidate, Ensemble.fit — and Ensemble.fitParallel).
 * Every thread runs fitInLockstep: the tasks it claims (in task order, from the shared board) and its share of the
 * lockstep tasks (dealFits over this thread and the workers). This thread does so with `start` (so `workers` 2
 * starts one thread, and this thread's core and memory are used, not left idle), and after each of its rounds takes
 * the workers' rounds and results from their ports (receiveMessageOnPort); once its own part is done it sleeps in
 * Atomics.wait until the next message or the end of a worker (its WorkerLife). Its workers are prestarted ones
 * (prestartFitWorkers) as far as there are, else started now. With `workers` 1 every task
 * runs here, no thread is started. `handlers.onDone` is called here, in completion order, for every task (this
 * thread's too). A fit's error, here or in a worker, is thrown naming the fit once every worker has ended — the
 * error the sequential run would throw: each thread stops at its first step past the earliest failure so far
 * (./fit-task's fitOrder), so whichever fit fails first in time, the one named is the first in the sequential order.
 * A crash — a worker that ends before finishing (process.exit, an uncaught error, or V8 stopping it out of JavaScript
 * heap), or a trap that broke the core — stops every thread's fits at their next step and is thrown, naming the fit.
 */
export function runFitsSync(data: FitData, tasks: FitTask[], workers: number, handlers: RunHandlers, start: (task: number) => StartedFit): void {
  checkWorkers(workers);
  if (tasks.length === 0) return;
  const threads = Math.min(workers, tasks.length) - 1;
  const board = claimBoard(threads);
  const shares = dealFits(tasks, threads + 1);
  // ./fit-task loads the core: required here, in the thread that owns it
  const { fitInLockstep } = require("./fit-task") as typeof import("./fit-task");
  const failure = failureWord();
  const mine = {
    tasks,
    claim: () => claimTask(board, tasks),
    share: shares[0],
    start,
    failedBefore: (step: bigint) => failedBefore(failure, step),
    failedAt: (step: bigint) => noteFailure(failure, step),
  };
  if (threads === 0) {
    fitInLockstep({ ...mine, done: handlers.onDone });
    return;
  }
  // the threads still fitting (roundThreads): every thread of the run until its part is done
  if (data.threads !== undefined) data.fitting = new Int32Array(new SharedArrayBuffer(4)).fill(threads + 1);
  const shared = shareCore(data, tasks, threads);
  const wake = new Int32Array(new SharedArrayBuffer(4));
  const ports: MessagePort[] = [];
  const lives: WorkerLife[] = [];
  const finished: boolean[] = [];
  let results = 0;
  let failed = false;
  /** a worker's error that is no consequence of a trap elsewhere: what the run reports when its own error is one */
  let cause: string | undefined;
  /** fits that failed with the core intact, here or in a worker: the run reports the first in the sequential order
   * once every thread has stopped (each at its first step past the earliest failure: ./fit-task's fitOrder) */
  const failures: { order: bigint; message: string }[] = [];
  /** takes what the workers have posted; true if anything came. After the run has stopped only their ends (and a cause) matter. */
  const drain = (): boolean => {
    let got = false;
    ports.forEach((port, slot) => {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        got = true;
        const msg = m.message as FitMessage;
        if (msg.type === "finished") finished[slot] = true;
        else if (msg.type === "error" && !msg.consequence) cause ??= msg.message;
        if (failed || msg.type === "finished") continue;
        if (msg.type === "round") handlers.onRound?.(msg.task, msg.round, msg.metrics);
        else if (msg.type === "done") {
          results++;
          handlers.onDone(msg.task, msg.result);
        } else if (msg.order !== undefined && !msg.consequence) {
          failures.push({ order: msg.order, message: msg.message });
          finished[slot] = true; // its last message: the worker ends
        } else throw Object.assign(new Error(msg.message), { consequence: msg.consequence });
      }
    });
    return got;
  };
  /** the error the run fails with: a consequence of a trap in another thread gives way to that trap's own error */
  let thrown: unknown;
  let checkedThreads = 0;
  /** throws, naming its fit, if a worker has ended before finishing (its exit hook; its thread gone: checked every 100 ms) */
  const checkWorkersAlive = () => {
    const now = performance.now();
    const threadsToo = now - checkedThreads >= 100;
    if (threadsToo) checkedThreads = now;
    for (let slot = 0; slot < ports.length; slot++) {
      if (finished[slot] || !workerEnded(lives[slot], threadsToo)) continue;
      drain(); // what it posted before it ended
      if (finished[slot]) continue;
      const t = Atomics.load(board, 1 + slot);
      throw new Error(`${t >= 0 ? tasks[t].label : "a fit worker between fits"}: the fit worker ${workerEnded(lives[slot], true)} before finishing`);
    }
  };
  try {
    for (let slot = 0; slot < threads; slot++) {
      const { port1, port2 } = new MessageChannel();
      lives.push(workerFor({ data: shared.data, tasks, board, slot, share: shares[slot + 1] ?? [], port: port2, wake, failure }));
      ports.push(port1);
      finished.push(false);
    }
    // once a fit has failed, this thread's fits stop at their first step past it; once a worker has crashed or a core
    // trapped, at once (the error is thrown by drain or the check)
    try {
      fitInLockstep({
        ...mine,
        done: (t, result) => {
          results++;
          handlers.onDone(t, result);
        },
        between: () => {
          drain();
          checkWorkersAlive();
        },
        stopped: () => boardStopped(board),
      });
    } catch (e) {
      const order = (e as FitError).order;
      if (order === undefined) throw e;
      failures.push({ order, message: (e as Error).message }); // the workers stop on their own, past the failure
    }
    threadDone(data);
    while (results < tasks.length) {
      const seen = Atomics.load(wake, 0);
      if (drain()) continue;
      checkWorkersAlive(); // its drain may take a worker's last results and its "finished": count again before judging
      if (results < tasks.length && finished.every(Boolean)) {
        if (failures.length) break;
        throw new Error("the fit pool ended before every fit was done");
      }
      Atomics.wait(wake, 0, seen, 100); // the timeout re-checks the workers' threads (an end without exit hook)
    }
    if (failures.length) throw new Error(failures.reduce((a, b) => (b.order < a.order ? b : a)).message);
  } catch (e) {
    thrown = e;
    throw e;
  } finally {
    Atomics.store(board, 0, STOPPED); // on a throw: the workers claim nothing more and their fits stop
    failed = true; // from here only the workers' ends matter
    // on this thread's core, the workers must have ended before what they run on is released (module comment)
    for (;;) {
      const seen = Atomics.load(wake, 0);
      drain();
      if (lives.every((life) => workerEnded(life, true))) break;
      Atomics.wait(wake, 0, seen, 100);
    }
    for (const port of ports) port.close();
    shared.release();
    const consequence = thrown !== undefined && ((thrown as { consequence?: boolean }).consequence ?? coreBrokenElsewhere());
    if (consequence && cause !== undefined) throw new Error(cause); // the trap's own error, naming its fit, replaces its consequence
  }
}

/**
 * A thread of a run has no fit left (runFitsSync's own thread, and every fit worker as it finishes): one thread
 * fewer still fitting (roundThreads). In the run's own thread — the one that starts the core's pool — the pool's
 * threads the remaining fits may take are started now, in the background, where the fits' rows are enough for the
 * core to use them (the core's own rule: wasm's POOL_MIN_ROWS); a fit worker uses the pool but never starts it.
 */
export function threadDone(data: FitData): void {
  if (!data.fitting || data.threads === undefined) return;
  const left = Atomics.sub(data.fitting, 0, 1) - 1;
  if (left > 0 && isMainThread) prestartCoreThreads(Math.floor(data.threads / left), data.matrix.nrow);
}

export interface MemberFitOptions {
  evalSet?: Matrix;
  onRound?: RoundCallback;
  onMemberDone?: (member: string) => void;
  /** fits at once (default: every member) */
  workers?: number;
  nthread?: number;
}

/** one task per member: all rows of the matrix, the fitted model back */
function memberTasks(members: Member[], opts: MemberFitOptions): FitTask[] {
  const nthread = opts.nthread ?? threadsPerFit(Math.min(opts.workers ?? members.length, members.length));
  return members.map((member) => ({
    kind: member.kind,
    name: member.name,
    params: member.params,
    evalOn: opts.evalSet ? "evalSet" : undefined,
    rounds: opts.onRound ? "live" : undefined,
    keepModel: true,
    ...(nthread !== undefined ? { nthread } : {}),
    label: `member "${member.name}"`,
  }));
}

/**
 * Fits every member on all rows of m (Ensemble.fit with `workers`, Ensemble.fitParallel), `workers` at a time
 * (runFitsSync: this thread fits members too, each in place, a round per step — so the workers' rounds are taken
 * between its rounds, live; the workers' models are loaded back into their members). `onRound(member, round,
 * metrics)` is called as each round of each member finishes (on opts.evalSet, else on the training rows),
 * `onMemberDone(member)` in member order, as the members are fitted.
 */
export function fitMembers(members: Member[], m: Matrix, opts: MemberFitOptions & { workers: number }): void {
  const tasks = memberTasks(members, opts);
  const waiting = new Set<number>();
  let next = 0;
  const { startFitOn } = require("./fit-task") as typeof import("./fit-task");
  // with nthread shared out of the machine's cores (not given), the members' fits take the cores of threads that are done
  const data: FitData = { matrix: m, evalSet: opts.evalSet, ...(opts.nthread === undefined ? { threads: defaultThreads() } : {}) };
  runFitsSync(
    data,
    tasks,
    opts.workers,
    {
      onRound: opts.onRound ? (t, round, metrics) => opts.onRound!(members[t].name, round, metrics) : undefined,
      onDone: (t, result) => {
        if (!result.member) loadFitted(members[t], result.model);
        waiting.add(t);
        while (waiting.delete(next)) opts.onMemberDone?.(members[next++].name);
      },
    },
    (t) => {
      const member = members[t];
      const fit = startFitOn(member, tasks[t], m, undefined, opts.evalSet, opts.onRound ? (round, metrics) => opts.onRound!(member.name, round, metrics) : undefined, roundThreads(data, tasks[t]));
      return { step: fit.step, park: fit.park, finish: () => ({ ...fit.finish(), member }), abort: fit.abort };
    },
  );
}
