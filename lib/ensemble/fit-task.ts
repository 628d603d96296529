/**
 * The fits of ./parallel's task list in one thread: a task's member fitted on its rows a boosting round per step
 * (startFitOn), the held-out rows predicted, the per-round metrics collected; and fitInLockstep, which runs one
 * thread's part of a run. crossValidate's own thread (all its fits with one worker, a share of them in the pool)
 * and every fit worker (serveFits) run fitInLockstep with taskStarter, so a fit gives the same numbers, and its
 * rounds come in the same order, wherever it runs.
 */
import { releasedX, type Matrix } from "../data/matrix";
import { attachCore, coreBrokenBy, coreBrokenElsewhere } from "../core";
import { holdCoreMatrix, holdSharedCoreMatrix, rowView, splitRowViews } from "../data/core-matrix";
import type { Member } from "../members/member";
import { memberFromSpec } from "../members/fromSpec";
import { boardStopped, claimTask, failedBefore, labelled, noteFailure, roundThreads, testFitExit, testFitFailures, threadDone, wakeRun, type FitData, type FitMessage, type FitResult, type FitTask, type WorkerRun } from "./parallel";

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

/** A fit of startFitOn: step() runs the next round (false once the fit is over), park() frees its working memory until
 * the next step, finish() predicts the held-out rows (the fit's core memory freed first), abort() ends it after an error. */
export interface StartedFit {
  step(): boolean;
  park(): void;
  finish(): FitResult;
  abort(): void;
}

/** Fits `member` (unfitted) as the task says, a boosting round per step(); a member without rounds fits at once. finish() gives its
 * predictions on `test` and the collected curves. */
export function startFitOn(
  member: Member,
  task: FitTask,
  train: Matrix,
  test: Matrix | undefined,
  evalSet: Matrix | undefined,
  onLiveRound?: (round: number, metrics: Record<string, number>) => void,
  threads?: () => number,
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
  const fitOpts = { evalSet: task.evalOn === "test" ? test : task.evalOn === "evalSet" ? evalSet : undefined, onRound, nthread: task.nthread, ...(threads ? { threads } : {}) };
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

/**
 * How this thread starts the run's tasks (fitInLockstep's `start`), here and in a fit worker alike: the member
 * `member(t)` makes (a clone, or memberFromSpec: the same member), the task's rows as row views of the run's matrix
 * — a fold's views made once for the fits that follow on it here (a started fit holds what it needs of them: its
 * core slices, the held-out view), so a fold's members share its views' core slices — and the fit started.
 * The StartedFit owns the member: finish() hands on the result with the fitted member itself (`keep` "member",
 * for the caller's own thread) or its model as another thread takes it ("handover": ./parallel's FitResult.model), or
 * frees it; abort() and a failed finish() free it.
 */
export function taskStarter(
  data: FitData,
  tasks: readonly FitTask[],
  o: {
    member: (t: number) => Member;
    onRound?: (t: number) => ((round: number, metrics: Record<string, number>) => void) | undefined;
    keep?: (t: number) => "member" | "handover" | undefined;
  },
): (t: number) => StartedFit {
  let split: { key: number; train: Matrix; test?: Matrix } | undefined;
  return (t) => {
    const task = tasks[t];
    const key = task.train?.[0] ?? -1;
    if (split?.key !== key) split = { key, ...taskRows(data, task) };
    const member = o.member(t);
    let fit: StartedFit;
    try {
      fit = startFitOn(member, task, split.train, split.test, data.evalSet, o.onRound?.(t), roundThreads(data, task));
    } catch (e) {
      member.free();
      throw e;
    }
    return {
      step: () => fit.step(),
      park: () => fit.park(),
      finish: () => {
        const keep = o.keep?.(t);
        try {
          const result = fit.finish();
          if (keep === "member") return { ...result, member };
          if (keep === "handover") result.model = member.toModelData?.() ?? member.toFile().content;
          member.free();
          return result;
        } catch (e) {
          member.free();
          throw e;
        }
      },
      abort: () => {
        fit.abort();
        member.free();
      },
    };
  };
}

/** One thread's part of a run of fits, for fitInLockstep. */
export interface ThreadFits {
  /** the run's tasks (a failed fit's error is prefixed with its label) */
  tasks: readonly FitTask[];
  /** the next task to fit whole (claimed from the run's board once the share is done: the inner folds' fits, a refit), undefined once none is left */
  claim(): number | undefined;
  /** the tasks this thread fits in lockstep, in task order (dealt to it before the run: ./parallel's dealFits) */
  share: readonly number[];
  /** task t started (taskStarter) */
  start(t: number): StartedFit;
  /** task t's result, as its fit is over (the result's member, if any, is the callee's from here) */
  done(t: number, result: FitResult): void;
  /** called after every step: what runs beside this thread's fits (runFitsSync takes the other threads' messages) */
  between?(): void;
  /** the task this thread works on from here (-1: none), so that the thread's death is named */
  working?(t: number): void;
  /** true once the run has stopped elsewhere (a crash, a trap, the run's end): the fits here are aborted and fitInLockstep returns */
  stopped?(): boolean;
  /** true once a fit of the run has failed at a step that comes before `step` in the sequential order (fitOrder):
   * the fits here are aborted and fitInLockstep returns, as the sequential run would never have reached `step` */
  failedBefore?(step: bigint): boolean;
  /** a fit here failed at `step` (fitOrder), the core intact: told before the error is thrown, so the other threads
   * stop at their first step past it */
  failedAt?(step: bigint): void;
}

/** An error of a fit, prefixed with its label; `order`: where its step falls in the sequential run (fitOrder) —
 * absent when the core broke (a trap: every thread's fits stop at once). */
export type FitError = Error & { order?: bigint };

/**
 * Where a step of a thread's part of a run falls in the sequential run — fitInLockstep in one thread, every lockstep
 * task its share: every share's fit started, in task order; then round by round, each running fit's round in task
 * order, then the fits that ended with that round finished in task order; then each claimed task, in task order,
 * from its start to its finish. Every thread runs its own steps in this order. When fits fail, the run reports the
 * failure first in this order, as the sequential run would: a thread stops only at a step past the earliest failure
 * so far (failedBefore), so every step before the reported one has run, on whatever thread, however fast. Which fit
 * is named then does not depend on timing (before, the fit that failed first in time was named — with a bad param in
 * every fold's fit, fold 2 as often as fold 1).
 */
export function fitOrder(tasks: number, t: number, step: { start: true } | { round: number; finish?: boolean } | { claimed: true }): bigint {
  const phase = "start" in step ? 0n : "claimed" in step ? CLAIMED_PHASE : 1n + 2n * BigInt(step.round) + (step.finish ? 1n : 0n);
  return phase * BigInt(tasks) + BigInt(t);
}

/** the phase of the claimed tasks: after every round of any fit (a round count stays far below 2^40) */
const CLAIMED_PHASE = 1n << 40n;

/**
 * The fits of one thread of a run — all of crossValidate's with one worker, a share of them in each thread of the
 * pool (runFitsSync's own thread and every fit worker run this same function):
 *  - first this thread's share of the folds' fits, round by round in turn — every fit runs round r before any runs
 *    round r + 1, as xgb.cv and LightGBM's cv do — so round r of each is reported as soon as it is done (a training
 *    job's live [r] lines). Between its rounds a fit is parked (the core frees its working memory: bins, gradients,
 *    scratch; it holds only its margins, 4 bytes a row): the thread holds one working set at a time. Fits that have
 *    run their last round are finished after the pass, one by one, so every round of the share is reported before
 *    any of its fits is scored. The models are those of fits run one after another.
 *  - then the claimed tasks (the inner folds' fits of weighted / stacking blends, which report no rounds; a refit),
 *    each run to its end, claimed one after another from the board shared with the other threads: a thread that
 *    is done with its share takes the next, so the threads end close together however long their shares took
 *    (a worker starts a few tenths of a second after the run; the members' fits cost differently).
 * An error in a fit is thrown prefixed with its label and its place in the sequential order (FitError.order), after
 * every unfinished fit here is aborted; told first to the run (failedAt), so that the other threads stop past it.
 */
export function fitInLockstep(run: ThreadFits): void {
  const fits = new Map<number, StartedFit>(); // started, not yet finished
  const failHook = testFitFailures();
  const order = (t: number, step: Parameters<typeof fitOrder>[2]) => fitOrder(run.tasks.length, t, step);
  /** f() on task t's fit, at `step` of the sequential order: its errors prefixed with its label and told to the run */
  const on = <T>(t: number, step: bigint, f: () => T): T => {
    run.working?.(t);
    try {
      return f();
    } catch (e) {
      const error: FitError = new Error(labelled(run.tasks[t].label, e instanceof Error ? e.message : String(e)));
      if (coreBrokenBy() === undefined) {
        error.order = step;
        run.failedAt?.(step);
      }
      throw error;
    }
  };
  const start = (t: number): StartedFit => {
    const fit = on(t, order(t, { start: true }), () => run.start(t));
    fits.set(t, fit);
    return fit;
  };
  const finish = (t: number, step: bigint) => {
    const fit = fits.get(t)!;
    fits.delete(t); // a failed finish() frees what the fit holds
    const result = on(t, step, () => fit.finish());
    run.working?.(-1);
    run.done(t, result);
  };
  /** true (every fit here aborted) if this thread is not to take `step`: the run has stopped, or failed before it */
  const halted = (step: bigint) => {
    if (!run.stopped?.() && !run.failedBefore?.(step)) return false;
    for (const fit of fits.values()) fit.abort();
    fits.clear();
    return true;
  };
  try {
    // the share, round by round: while more than one runs, each is parked after its round, before the next fit's: one
    // working set at a time. They are all started (and parked) first: what a fit holds to its end — its margins, its
    // model — is then allocated before any working set, which the fits take in turn each round, in the same room
    // (started one by one between rounds, each fit's margins fell between working sets: the 1M × 28 job's core memory
    // at parallel_fits 2, three runs each, 312–319 → 304–310 MB)
    let running = [...run.share];
    if (running.length > 1) {
      for (const t of running) {
        if (halted(order(t, { start: true }))) return;
        start(t).park();
      }
    }
    for (let round = 0; running.length; round++) {
      const over: number[] = [];
      const still: number[] = [];
      for (const t of running) {
        const step = order(t, { round });
        if (halted(step)) return;
        const fit = fits.get(t) ?? start(t);
        (on(t, step, () => {
          failHook?.(run.tasks[t], round);
          const more = fit.step();
          if (running.length > 1) fit.park();
          return more;
        }) ? still : over).push(t);
        run.between?.();
      }
      for (const t of over) {
        const step = order(t, { round, finish: true });
        if (halted(step)) return;
        finish(t, step);
      }
      running = still;
    }
    for (let t = run.claim(); t !== undefined; t = run.claim()) {
      const step = order(t, { claimed: true });
      if (halted(step)) return;
      const fit = start(t);
      while (on(t, step, () => fit.step())) {
        run.between?.();
        if (halted(step)) return;
      }
      finish(t, step);
      run.between?.();
    }
  } catch (e) {
    for (const fit of fits.values()) fit.abort();
    throw e;
  }
}

/**
 * What a fit worker (./fit-worker) runs: fitInLockstep over its part of the run — its share, then the tasks it
 * claims from the shared board — each member made as member.clone() makes it (memberFromSpec), every round and
 * result posted to its port (and the run's wake word bumped: the thread that runs the run may be blocked).
 */
export function serveFits(run: WorkerRun): void {
  const { data, tasks, board, slot, share, port, wake } = run;
  // the threads build: this thread runs on the main thread's core and fits on its DMatrix (no copy, no re-binning);
  // the single-threaded build: this worker's own core DMatrix of the run's matrix, built once, read by every fit it
  // runs (the worker ends with the run)
  if (data.core) {
    attachCore(data.core.attachments[slot]);
    // floats released by the main thread: the fits read the bins; any read of X is an Error here too
    const released = data.core.matrix.releasedWith;
    if (released) data.matrix.X = releasedX(data.matrix.nrow, data.matrix.ncol, released);
    holdSharedCoreMatrix(data.matrix, data.core.matrix);
  } else if (tasks.some((t) => t.kind !== "ridge")) holdCoreMatrix(data.matrix);
  const post = (m: FitMessage) => {
    port.postMessage(m, m.type === "done" && m.result.pred ? [m.result.pred.buffer as ArrayBuffer] : []);
    wakeRun(wake);
  };
  const start = taskStarter(data, tasks, {
    member: (t) => {
      const task = tasks[t];
      testFitExit(task);
      return memberFromSpec(task.kind, { ...task.params, name: task.name });
    },
    onRound: (t) => (round, metrics) => post({ type: "round", task: t, round, metrics }),
    keep: (t) => (tasks[t].keepModel ? "handover" : undefined),
  });
  try {
    fitInLockstep({
      tasks,
      claim: () => claimTask(board, tasks),
      share,
      start,
      done: (t, result) => post({ type: "done", task: t, result }),
      working: (t) => Atomics.store(board, 1 + slot, t),
      stopped: () => boardStopped(board),
      failedBefore: (step) => failedBefore(run.failure, step),
      failedAt: (step) => noteFailure(run.failure, step),
    });
    threadDone(data);
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e), consequence: coreBrokenElsewhere(), order: (e as FitError).order });
    return;
  } finally {
    Atomics.store(board, 1 + slot, -1);
  }
  post({ type: "finished" });
}
