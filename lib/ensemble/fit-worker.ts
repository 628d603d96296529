/**
 * A fit worker of ./parallel's runFitsSync. It receives its run — the run's data and task list (shared memory when
 * the matrix is SharedArrayBuffer-backed), its share of the lockstep tasks, the port it posts to — in workerData,
 * or as its first message when it was started ahead of the run (prestartFitWorkers: the core's bindings are loaded
 * while it waits). Then it runs fitInLockstep (./fit-task's serveFits): its share round by round, then the tasks it
 * claims one after another from the run's board — on the main thread's core and its DMatrix of the matrix
 * (attached: the threads build), else on a core of its own — posting live rounds, then each result (predictions,
 * curves, the fitted model); "finished" when no task is left, and the thread ends (process.exit: see serve). Its exit hook and its thread id
 * (its WorkerLife) tell the blocked thread that runs the run when it ends.
 */
import { parentPort, workerData } from "worker_threads";
import { recordEnding, recordThreadId, type WorkerInit, type WorkerRun } from "./parallel";

const { life, run } = workerData as WorkerInit;
let wake: Int32Array | undefined;
process.on("exit", (code) => recordEnding(life, code, wake));
recordThreadId(life);
const { serveFits } = require("./fit-task") as typeof import("./fit-task");
const serve = (r: WorkerRun) => {
  wake = r.wake;
  serveFits(r);
  // Its last message is posted ("finished", or the fit's error): the thread ends now, not once its event loop is
  // empty. The thread that started it waits for that end, blocked (its event loop does not run), and a worker that
  // has written to stdout or stderr keeps its event loop alive until the starting thread's event loop has taken the
  // writes: waiting for the loop to empty would never end. The writes are already posted: the starting thread
  // prints them once its own loop runs again.
  process.exit(0);
};
if (run) serve(run);
else parentPort!.once("message", serve);
