/**
 * Independent fits on a pool of worker threads — the one pool behind crossValidate's `workers` (the k folds ×
 * members fits, and the inner folds of weighted/stacking blends) and Ensemble.fitParallel (the members of the
 * final fit side by side).
 *
 * Memory: every fit of a run reads one matrix. When its X and y live in SharedArrayBuffers (toMatrix's `shared`)
 * the workers read those very bytes (structured cloning a SharedArrayBuffer shares it), and a fit's rows are
 * given as a range of one shared Int32Array of row indexes — so a worker copies only the rows of the fit it is
 * running (what the core's DMatrix needs anyway), never the whole table, and nothing is copied per fold twice.
 *
 * Determinism: a worker builds the member with memberFromSpec(kind, params) — what member.clone() gives — takes
 * the rows with splitRows, exactly as a fit in this thread does, and runs the same core; the fits are
 * independent, so each one's model, predictions and per-round metrics are bit-identical to the sequential run's.
 * Only the completion order differs: callers put results back in task order (crossValidate does).
 *
 * Two ways to wait:
 *  - runFits (async): the pool runs in this thread's event loop; each worker's exit and error events are seen,
 *    so a worker that dies (process.exit, out of memory, terminate) fails the run naming its task.
 *  - runFitsSync (blocking, for crossValidate, which returns its result): the same runFits runs in a supervisor
 *    worker thread, which relays every result over a MessagePort and wakes this thread with Atomics.notify; this
 *    thread sleeps in Atomics.wait and reads with receiveMessageOnPort. The supervisor sees the fit workers' exit
 *    events as runFits does; if the supervisor itself ends without its last message, its exit hook raises a flag.
 *    So a crash fails the run with an error naming the fold and the member, and never leaves it waiting.
 *
 * The worker script is ./fit-worker next to this module (a bundle must ship it next to its own entry: see
 * trainer/bundle.ts). Workers are ended when a run ends: a finished run holds no thread and no core memory.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MessageChannel, receiveMessageOnPort, Worker } from "worker_threads";
import type { Matrix } from "../data/matrix";
import type { Member, MemberKind, StoredParams } from "../members/member";
import type { RoundCallback } from "./ensemble";

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
  /** per-round metrics: posted as each round finishes ("live"), returned with the result ("collect"), or none */
  rounds?: "live" | "collect";
  /** return the fitted model (the member's file content) */
  keepModel?: boolean;
  /** core threads of this fit (FitOptions.nthread) */
  nthread?: number;
  /** how errors name the fit: `fold 2/5, member "catboost"` */
  label: string;
  /** the (1-based) outer fold, for the test hook below */
  fold?: number;
}

/** What a run shares with its workers (sent once per worker: shared memory when X / y / rows are SharedArrayBuffer-backed). */
export interface FitData {
  matrix: Matrix;
  rows?: Int32Array;
  evalSet?: Matrix;
}

/** A finished fit. */
export interface FitResult {
  /** predictions on the held-out rows (when the task has `test`) */
  pred?: Float64Array;
  /** with rounds "collect": metric → value after each round */
  curves?: Record<string, number[]>;
  /** with keepModel (or for Ensemble.fitParallel): the fitted member's file content (Member.toFile) */
  model?: string;
}

/** worker → pool */
export type FitMessage =
  | { type: "round"; task: number; round: number; metrics: Record<string, number> }
  | { type: "done"; task: number; result: FitResult }
  | { type: "error"; task: number; message: string };

/** supervisor → runFitsSync */
export type SupervisorMessage =
  | { type: "round"; task: number; round: number; metrics: Record<string, number> }
  | { type: "done"; task: number; result: FitResult }
  | { type: "end" }
  | { type: "error"; message: string };

/** workerData of ./fit-worker in each role */
export type WorkerInit =
  | { role: "fit"; data: FitData }
  | { role: "supervisor"; data: FitData; tasks: FitTask[]; workers: number; port: import("worker_threads").MessagePort; signal: Int32Array; liveRounds: boolean };

/**
 * Test hook: env ENSEMBLE_WORKBOOK_TEST_FIT_EXIT="<fold>:<member>" makes the worker that runs that fit call
 * process.exit(70) — how the tests kill a worker in the middle of a job.
 */
export const TEST_FIT_EXIT_ENV = "ENSEMBLE_WORKBOOK_TEST_FIT_EXIT";

/**
 * The cores this process may use: os.availableParallelism() (the CPU affinity), lowered to a container's CPU
 * quota when cgroups set one (cgroup v2 cpu.max, v1 cpu.cfs_quota_us) — `docker run --cpus 2` on a 16-core host is 2.
 */
export function availableCores(): number {
  let cores = os.availableParallelism();
  const quota = (q: number, period: number) => {
    if (q > 0 && period > 0) cores = Math.max(1, Math.min(cores, Math.ceil(q / period)));
  };
  try {
    const [q, p] = fs.readFileSync("/sys/fs/cgroup/cpu.max", "utf8").trim().split(/\s+/);
    if (q !== "max") quota(Number(q), Number(p));
  } catch {
    try {
      quota(Number(fs.readFileSync("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "utf8")), Number(fs.readFileSync("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "utf8")));
    } catch {
      /* no cgroup limits readable: the affinity count stands */
    }
  }
  return cores;
}

/** A worker count as given (integer ≥ 1), or an Error naming the option. */
export function checkWorkers(workers: unknown, what = "workers"): number {
  if (typeof workers !== "number" || !Number.isInteger(workers) || workers < 1) {
    throw new Error(`${what} must be an integer ≥ 1 (how many fits run at once), got ${JSON.stringify(workers)}`);
  }
  return workers;
}

/** the worker script: fit-worker.js beside this module (fit-worker.ts when lib runs from source) */
export function fitWorkerFile(): string {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `fit-worker${ext}`);
  if (!fs.existsSync(file)) throw new Error(`the fit worker ${file} is missing (a bundle must ship it beside its entry)`);
  return file;
}

/** A worker running ./fit-worker; plain JavaScript needs no loader: do not pass on this process's (tsx's hooks cost ~0.4 s per worker). */
function startWorker(init: WorkerInit, transferList?: import("worker_threads").TransferListItem[]): Worker {
  const file = fitWorkerFile();
  return new Worker(file, { workerData: init, transferList, ...(file.endsWith(".js") ? { execArgv: [] } : {}) });
}

export interface RunHandlers {
  /** a live round of a task with rounds "live" */
  onRound?: (task: number, round: number, metrics: Record<string, number>) => void;
  /** a finished task (completion order) */
  onDone: (task: number, result: FitResult) => void;
}

/**
 * Runs the tasks on min(workers, tasks) worker threads, each taking the next task in task order when it is free.
 * Resolves when every task is done; on the first failure (a fit's error, or a worker that exits, errs or dies)
 * stops every worker and rejects with an Error naming that task. Workers are ended either way.
 */
export function runFits(data: FitData, tasks: FitTask[], workers: number, handlers: RunHandlers): Promise<void> {
  checkWorkers(workers);
  if (tasks.length === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const pool: Worker[] = [];
    let next = 0;
    let finished = 0;
    let failed = false;
    const stop = (e?: Error) => {
      if (failed) return;
      if (e) failed = true;
      for (const w of pool) void w.terminate();
      if (e) reject(e);
      else resolve();
    };
    const spawn = () => {
      const w = startWorker({ role: "fit", data });
      pool.push(w);
      let current = -1; // the task this worker is running
      const give = () => {
        if (failed || next >= tasks.length) return;
        current = next++;
        w.postMessage({ index: current, task: tasks[current] });
      };
      w.on("message", (msg: FitMessage) => {
        if (failed) return;
        if (msg.type === "round") handlers.onRound?.(msg.task, msg.round, msg.metrics);
        else if (msg.type === "error") stop(new Error(`${tasks[msg.task].label}: ${msg.message}`));
        else {
          current = -1;
          try {
            handlers.onDone(msg.task, msg.result);
          } catch (e) {
            stop(e instanceof Error ? e : new Error(String(e)));
            return;
          }
          if (++finished === tasks.length) stop();
          else give();
        }
      });
      const lost = (why: string) => {
        if (failed || finished === tasks.length) return;
        const where = current >= 0 ? tasks[current].label : "no fit running";
        stop(new Error(`${where}: the fit worker ${why} before finishing`));
      };
      w.on("error", (e) => lost(`failed (${e.message})`));
      w.on("exit", (code) => lost(`exited (code ${code})`));
      give();
    };
    for (let i = 0; i < Math.min(workers, tasks.length); i++) spawn();
  });
}

/**
 * runFits for a caller that must return synchronously (crossValidate): blocks this thread until the run ends,
 * calling `handlers` here, in completion order, as results arrive. Throws what runFits would reject with.
 */
export function runFitsSync(data: FitData, tasks: FitTask[], workers: number, handlers: RunHandlers): void {
  checkWorkers(workers);
  if (tasks.length === 0) return;
  const { port1, port2 } = new MessageChannel();
  // [0]: bumped after every message the supervisor posts; [1]: 1 once the supervisor has exited
  const signal = new Int32Array(new SharedArrayBuffer(8));
  const supervisor = startWorker({ role: "supervisor", data, tasks, workers, port: port2, signal, liveRounds: !!handlers.onRound }, [port2]);
  supervisor.unref();
  let error: Error | undefined;
  let ended = false;
  try {
    while (!ended) {
      const seen = Atomics.load(signal, 0);
      let got = false;
      for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) {
        got = true;
        const msg = m.message as SupervisorMessage;
        if (msg.type === "round") handlers.onRound?.(msg.task, msg.round, msg.metrics);
        else if (msg.type === "done") handlers.onDone(msg.task, msg.result);
        else {
          if (msg.type === "error") error = new Error(msg.message);
          ended = true;
          break;
        }
      }
      if (ended || got) continue;
      if (Atomics.load(signal, 1) === 1) {
        // exited without its last message: drain once more (its last posts precede the flag), else it died
        const m = receiveMessageOnPort(port1);
        if (m) {
          const msg = m.message as SupervisorMessage;
          if (msg.type === "done") handlers.onDone(msg.task, msg.result);
          else if (msg.type === "round") handlers.onRound?.(msg.task, msg.round, msg.metrics);
          else if (msg.type === "error") (error = new Error(msg.message)), (ended = true);
          else ended = true;
          continue;
        }
        throw new Error("the fit pool's supervisor thread stopped before the run finished");
      }
      Atomics.wait(signal, 0, seen, 1000); // the timeout only re-checks the exit flag
    }
  } finally {
    port1.close();
    void supervisor.terminate();
  }
  if (error) throw error;
}

/**
 * Fits every member on all rows of m (Ensemble.fitParallel), `workers` at a time (default: all at once), each
 * model loaded back into its member. `onRound(member, round, metrics)` is called as each round of each member
 * finishes (on opts.evalSet, else on the training rows), `onMemberDone(member)` once a member is fitted and loaded.
 */
export async function fitMembersInWorkers(
  members: Member[],
  m: Matrix,
  opts: { evalSet?: Matrix; onRound?: RoundCallback; onMemberDone?: (member: string) => void; workers?: number; nthread?: number } = {},
): Promise<void> {
  const tasks: FitTask[] = members.map((member) => ({
    kind: member.kind,
    name: member.name,
    params: member.params,
    evalOn: opts.evalSet ? "evalSet" : undefined,
    rounds: opts.onRound ? "live" : undefined,
    keepModel: true,
    ...(opts.nthread !== undefined ? { nthread: opts.nthread } : {}),
    label: `member "${member.name}"`,
  }));
  await runFits({ matrix: m, evalSet: opts.evalSet }, tasks, opts.workers ?? members.length, {
    onRound: opts.onRound ? (t, round, metrics) => opts.onRound!(members[t].name, round, metrics) : undefined,
    onDone: (t, result) => {
      members[t].loadFile(result.model!);
      opts.onMemberDone?.(members[t].name);
    },
  });
}

/** the "supervisor" role of ./fit-worker: runFits here, every message relayed to runFitsSync's thread */
export function supervise(init: Extract<WorkerInit, { role: "supervisor" }>): void {
  const post = (m: SupervisorMessage) => {
    init.port.postMessage(m, m.type === "done" && m.result.pred ? [m.result.pred.buffer as ArrayBuffer] : []);
    Atomics.add(init.signal, 0, 1);
    Atomics.notify(init.signal, 0);
  };
  runFits(init.data, init.tasks, init.workers, {
    onRound: init.liveRounds ? (task, round, metrics) => post({ type: "round", task, round, metrics }) : undefined,
    onDone: (task, result) => post({ type: "done", task, result }),
  }).then(
    () => post({ type: "end" }),
    (e: Error) => post({ type: "error", message: e.message }),
  );
}
