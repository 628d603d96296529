/**
 * The worker-thread side of ./parallel, in two roles (one script, so a bundle ships one file beside its entry):
 *  - "fit": a pool worker. It receives the run's data and task list once (workerData: shared memory when the
 *    matrix is SharedArrayBuffer-backed) and its share of the lockstep tasks, then runs fitInLockstep (serveFits):
 *    the tasks it claims one after another from the shared claim board, then its share round by round — on the
 *    main thread's core and its DMatrix of the matrix (attached: the threads build), else on a core of its own —
 *    posting live rounds, then each result (predictions, curves, the model's file); "finished" when no task is
 *    left, and the thread ends.
 *  - "supervisor": runs runFits for runFitsSync and relays every message to the blocked thread, waking it with
 *    Atomics.notify; its exit hook raises the flag runFitsSync checks, so its death is seen too.
 * Each role loads only what it needs (the supervisor never loads the core).
 */
import { workerData } from "worker_threads";
import type { WorkerInit } from "./parallel";

const init = workerData as WorkerInit;
if (init.role === "supervisor") {
  const signal = init.signal;
  process.on("exit", () => {
    Atomics.store(signal, 1, 1);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  });
  (require("./parallel") as typeof import("./parallel")).supervise(init);
} else {
  (require("./fit-task") as typeof import("./fit-task")).serveFits(init);
}
