/**
 * The worker-thread side of ./parallel: one member fitted in its own thread (its own instance of the core), its
 * per-round metrics posted as each round finishes, then the fitted model as the member's one file (toFile), which
 * the main thread loads into its member (loadFile) — the saved-ensemble format, so nothing else crosses.
 */
import { parentPort, workerData } from "worker_threads";
import { memberFromSpec } from "../members/fromSpec";
import type { FitJob, FitMessage } from "./parallel";

function post(m: FitMessage): void {
  parentPort!.postMessage(m);
}

const job = workerData as FitJob; // what ./parallel sent: structured-cloned plain data
try {
  const member = memberFromSpec(job.kind, { ...job.params, name: job.name });
  try {
    member.fit(job.train, { evalSet: job.evalSet, onRound: job.rounds ? (round, metrics) => post({ type: "round", round, metrics }) : undefined });
    post({ type: "done", content: member.toFile().content });
  } finally {
    member.free();
  }
} catch (e) {
  post({ type: "error", message: e instanceof Error ? e.message : String(e) });
}
