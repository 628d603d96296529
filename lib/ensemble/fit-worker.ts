/**
 * A fit worker of ./parallel's runFitsSync. It receives the run's data and task list once (workerData: shared
 * memory when the matrix is SharedArrayBuffer-backed) and its share of the lockstep tasks, then runs
 * fitInLockstep (./fit-task's serveFits): the tasks it claims one after another from the shared claim board, and
 * its share round by round — on the main thread's core and its DMatrix of the matrix (attached: the threads
 * build), else on a core of its own — posting live rounds, then each result (predictions, curves, the model's
 * file) to its port; "finished" when no task is left, and the thread ends. Its exit hook and its thread id tell
 * the blocked thread that started it when it ends (./parallel's WorkerSignal).
 */
import { workerData } from "worker_threads";
import { signalEnding, signalThreadId, type WorkerInit } from "./parallel";

const init = workerData as WorkerInit;
process.on("exit", (code) => signalEnding(init.signal, init.slot, code));
signalThreadId(init.signal, init.slot);
(require("./fit-task") as typeof import("./fit-task")).serveFits(init);
