/**
 * A worker thread of csvParallel.ts: claims chunks of a CSV file from the shared counter until none is left, parses
 * each (parseChunk: the one CSV reader on the bytes [start, stopAt), read 4 MB at a time, and past stopAt only as far
 * as the record straddling it ends) and posts its result — the columns' buffers transferred, not copied. Progress
 * goes to the shared array, with a "progress" message to wake the parent; a chunk's first thousand rows give an
 * "estimate" message (the memory check).
 */
import { parentPort, workerData } from "worker_threads";
import { parseChunk, WorkerInit, WorkerMessage } from "./csvParallel";

const { jobs, claim, progress } = workerData as WorkerInit;
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
for (let k = Atomics.add(claim, 0, 1); k < jobs.length; k = Atomics.add(claim, 0, 1)) {
  const { message, transfer } = parseChunk(jobs[k], progress, (rows) => post({ type: "estimate", chunk: k, rows }), () => post({ type: "progress" }));
  post({ type: "result", chunk: k, result: message }, transfer);
}
