/**
 * One fit of ./parallel's task list: the member fitted on its rows, the held-out rows predicted, the per-round
 * metrics collected. crossValidate's sequential path and the pool's workers both run fitOn, so a fit gives the
 * same numbers wherever it runs.
 */
import { parentPort } from "worker_threads";
import { releasedX, type Matrix } from "../data/matrix";
import { attachCore } from "../core";
import { holdCoreMatrix, holdSharedCoreMatrix, rowView, splitRowViews } from "../data/core-matrix";
import type { Member } from "../members/member";
import { memberFromSpec } from "../members/fromSpec";
import { TEST_FIT_EXIT_ENV, type FitData, type FitMessage, type FitResult, type FitTask, type WorkerInit } from "./parallel";

/** a [offset, length] range of the run's row indexes */
export function rowsOf(data: FitData, range: [number, number]): Int32Array {
  if (!data.rows) throw new Error("the fit task names rows but the run has no row indexes");
  return data.rows.subarray(range[0], range[0] + range[1]);
}

/**
 * The task's training and held-out matrices: row views of the run's matrix, read by tree members through this
 * thread's one core DMatrix of it (./core-matrix; held-out categories the training part never holds become missing).
 */
export function taskRows(data: FitData, task: FitTask): { train: Matrix; test?: Matrix } {
  if (task.train && task.test) return splitRowViews(data.matrix, rowsOf(data, task.train), rowsOf(data, task.test));
  if (task.test) throw new Error("a fit task with held-out rows needs its training rows");
  return { train: task.train ? rowView(data.matrix, rowsOf(data, task.train)) : data.matrix };
}

/** Fits `member` (unfitted) as the task says; its predictions on `test` and the collected curves. */
export function fitOn(...args: Parameters<typeof startFitOn>): FitResult {
  const fit = startFitOn(...args);
  try {
    while (fit.step());
  } catch (e) {
    fit.abort();
    throw e;
  }
  return fit.finish();
}

/** A fit of startFitOn: step() runs the next round (false once the fit is over), park() frees its working memory until
 * the next step, finish() predicts the held-out rows (the fit's core memory freed first), abort() ends it after an error. */
export interface StartedFit {
  step(): boolean;
  park(): void;
  finish(): FitResult;
  abort(): void;
}

/** fitOn a boosting round per step() (crossValidate's folds in lockstep); a member without rounds fits at once. */
export function startFitOn(
  member: Member,
  task: FitTask,
  train: Matrix,
  test: Matrix | undefined,
  evalSet: Matrix | undefined,
  onLiveRound?: (round: number, metrics: Record<string, number>) => void,
): StartedFit {
  const curves: Record<string, number[]> = {};
  const onRound =
    task.rounds === "live"
      ? onLiveRound
      : task.rounds === "collect"
        ? (round: number, metrics: Record<string, number>) => {
            for (const [name, v] of Object.entries(metrics)) (curves[name] ??= [])[round] = v;
            onLiveRound?.(round, metrics); // collected for the result, and passed on live too
          }
        : undefined;
  const fitOpts = { evalSet: task.evalOn === "test" ? test : task.evalOn === "evalSet" ? evalSet : undefined, onRound, nthread: task.nthread };
  const fit = member.startFit ? member.startFit(train, fitOpts) : undefined;
  if (!fit) member.fit(train, fitOpts);
  return {
    step: () => fit?.step() ?? false,
    park: () => fit?.park(),
    finish: () => {
      fit?.finish();
      const result: FitResult = {};
      if (test) result.pred = member.predict(test);
      if (task.rounds === "collect") result.curves = curves;
      return result;
    },
    abort: () => fit?.abort(),
  };
}

/** One task in this thread, as a worker runs it: memberFromSpec (what member.clone() gives), its rows, the fit; the model's file when asked. */
export function runTask(data: FitData, task: FitTask, onLiveRound?: (round: number, metrics: Record<string, number>) => void): FitResult {
  const member = memberFromSpec(task.kind, { ...task.params, name: task.name });
  try {
    const { train, test } = taskRows(data, task);
    const result = fitOn(member, task, train, test, data.evalSet, onLiveRound);
    if (task.keepModel) result.model = member.toFile().content;
    return result;
  } finally {
    member.free();
  }
}

/** the "fit" role of ./fit-worker: claims the next task from the shared board until none is left, posting each result */
export function serveFits(init: Extract<WorkerInit, { role: "fit" }>): void {
  const port = parentPort!;
  const { data, tasks, board, slot } = init;
  // the threads build: this thread runs on the main thread's core and fits on its DMatrix (no copy, no re-binning);
  // the single-threaded build: this worker's own core DMatrix of the run's matrix, built once, read by every fit it
  // claims (the worker ends with the run)
  if (data.core) {
    attachCore(data.core.attachments[slot]);
    // floats released by the main thread: the fits read the bins; any read of X is an Error here too
    const released = data.core.matrix.releasedWith;
    if (released) data.matrix.X = releasedX(data.matrix.nrow, data.matrix.ncol, released);
    holdSharedCoreMatrix(data.matrix, data.core.matrix);
  } else if (tasks.some((t) => t.kind !== "ridge")) holdCoreMatrix(data.matrix);
  const post = (m: FitMessage) => port.postMessage(m, m.type === "done" && m.result.pred ? [m.result.pred.buffer as ArrayBuffer] : []);
  for (let index = Atomics.add(board, 0, 1); index < tasks.length; index = Atomics.add(board, 0, 1)) {
    const task = tasks[index];
    Atomics.store(board, 1 + slot, index);
    try {
      if (task.fold !== undefined && process.env[TEST_FIT_EXIT_ENV] === `${task.fold}:${task.name}`) process.exit(70);
      const result = runTask(data, task, (round, metrics) => post({ type: "round", task: index, round, metrics }));
      post({ type: "done", task: index, result });
    } catch (e) {
      post({ type: "error", task: index, message: e instanceof Error ? e.message : String(e) });
      return;
    } finally {
      Atomics.store(board, 1 + slot, -1);
    }
  }
  post({ type: "finished" });
}
