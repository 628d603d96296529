/**
 * The worker thread of csvParallel.ts: parses one chunk of a CSV file (parseChunk: the one CSV reader on the bytes
 * [start, stopAt), read 4 MB at a time, and past stopAt only as far as the record straddling it ends) and posts its
 * result — the columns' buffers transferred, not copied. Progress goes to the shared array, with a "progress"
 * message to wake the parent; the chunk's first thousand rows give an "estimate" message (the memory check).
 */
import { parentPort, workerData } from "worker_threads";
import { ChunkJob, parseChunk, WorkerMessage } from "./csvParallel";

const { job, progress } = workerData as { job: ChunkJob; progress: Float64Array };
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
const { message, transfer } = parseChunk(job, progress, (rows) => post({ type: "estimate", rows }), () => post({ type: "progress" }));
post(message, transfer);
