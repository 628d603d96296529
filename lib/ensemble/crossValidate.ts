/**
 * crossValidate: every member on the same folds, data read once.
 *
 * For each outer fold f (1-based in the outputs) every member is cloned,
 * fitted on the other folds with the held-out fold as its eval set (which
 * only feeds the per-round learning curves — no early stopping, so nothing
 * about the held-out rows steers training), and predicts the held-out fold.
 * The ensemble's prediction on the fold is the blend of those predictions.
 * Blends with parameters (weighted, stacking) are fitted without touching the
 * held-out fold: an inner k-fold (ensemble.innerK) over the training part
 * gives out-of-fold predictions on which the weights / stacker are fitted
 * (nested cross-validation), so the reported ensemble metric is honest.
 *
 * Categorical columns get their codes from the whole table; in each held-out fold a category its
 * training part never holds is made missing (splitRowViews), as an unseen category is at prediction time.
 *
 * `blends` evaluates extra blends on the same member fits: they appear as
 * members "ensemble:<blend>" in the table and in `oof`.
 *
 * A vote blend predicts classes, not probabilities: its rows score accuracy, and logloss and auc are NaN — as
 * scikit-learn's cross_validate gives a hard VotingClassifier's neg_log_loss and roc_auc. Scored on its 0/1
 * outputs, a wrong vote cost logloss 36 (the clipping's ε) and the auc ranked two values.
 *
 * `keepModels: true` keeps the fitted fold members instead of freeing them:
 * `models[f][j]` is member j (ensemble.members order, same name) fitted on the
 * training part of fold f (0-based) — e.g. to average the fold models without
 * training them again. The caller owns them (free() each, or the ensemble
 * built from them). They are freed if crossValidate throws.
 *
 * `workers`: the fits (k × members, plus innerK × k × members for weighted / stacking, plus the final fit's with
 * `refit`) are independent. They are planned as one task list in the sequential order (planFits), run on
 * ./parallel's pool — this thread and workers − 1 worker threads, the matrix and the row indexes shared, each thread
 * running fit-task's fitInLockstep: its share of the folds' fits (dealt before the run; all of them with workers 1)
 * round by round in turn, as xgb.cv does, then the inner folds' fits and the final fit's claimed one after another
 * and run whole — and their results are consumed
 * strictly in task order (a finished fit waits for the earlier ones), so the table, curves, oof, blend states, kept
 * models and every onProgress / onFold call are those of `workers: 1`, bit for bit.
 */
import { checkOptionKeys, checkSeed } from "../options";
import { arquero } from "../data/arquero";
import type { Table } from "../data/table";
import { isLabelledMatrix, trainingMatrix, type ColumnSchema, type LabelledMatrix, type Matrix } from "../data/matrix";
import { holdCoreMatrix } from "../data/core-matrix";
import type { Fold } from "../data/folds";
import type { Member } from "../members/member";
import { FOLD_MEAN_METRICS, metricsFor, PROBABILITY_METRICS } from "../metrics/byObjective";
import { applyBlend, Blend, BlendState, checkBlend, fitBlend, needsFitting, predictsClasses } from "./blends";
import { Ensemble, ProgressCallback } from "./ensemble";
import { checkNthread, checkThreadBudget, defaultThreads, checkWorkers, defaultWorkers, loadFitted, runFitsSync, threadsFromBudget, threadsPerFit, type FitData, type FitResult, type FitTask } from "./parallel";
import { taskStarter } from "./fit-task";
import { outputGroups, shownValue } from "../core";

export interface Curve {
  fold: number; // 1-based
  member: string;
  metric: string;
  /** metric on the held-out fold after each round (index = round) */
  values: number[];
}

export interface CvOptions {
  label: string;
  features?: string[];
  /** Feature columns to treat as categorical although they hold numbers (integer-coded categories). */
  categorical?: string[];
  k?: number;
  seed?: number;
  onProgress?: ProgressCallback;
  /**
   * Called as each round of each fold's member fit finishes, with its metrics on the held-out fold (the values that
   * end up in `curves`) — live, in the order the fits run: with `workers: 1` the folds' fits advance round by round
   * in turn (round r of every fit, then round r + 1: xgb.cv's lockstep); with more workers each thread so advances
   * its share of the fits, side by side with the others. Every round of every fit comes before the first onFold.
   */
  onRound?: (fold: number, member: string, round: number, metrics: Record<string, number>) => void;
  /** Called when a fold's member fit has run its last round (live, before its fold's onFold): a fit that stops
   * before others (fewer rounds, early stopping) reports no further round. */
  onFitDone?: (fold: number, member: string) => void;
  /** Called when a fold is scored: metrics[member | "ensemble" | "ensemble:<blend>"][metric]. */
  onFold?: (fold: number, metrics: Record<string, Record<string, number>>) => void;
  /** Extra blends to score on the same member fits (rows "ensemble:<blend>"). */
  blends?: (Blend | string)[];
  /** Keep the fitted fold members in `models` (the caller frees them); default false (each is freed after predicting). */
  keepModels?: boolean;
  /**
   * How many fits run at once: this thread and workers − 1 worker threads (default `defaultWorkers`: the cores this
   * process may use, or OMP_NUM_THREADS when set (`defaultThreads()`), or 1 for a table under 10 000 cells, whose fits
   * end before a thread starts);
   * 1 fits one after another in this thread. The results, callbacks and numbers are the same either way.
   */
  workers?: number;
  /** Core threads per fit (XGBoost's `nthread`; 0 = every core). Default: the cores shared out between the workers
   * (`threadsPerFit`: ⌊cores / workers⌋, at least 1), or with one worker the core's default, every core. */
  nthread?: number;
  /**
   * Also fit `ensemble` itself on every row, in the same run as the folds' fits (no fit depends on another: there is
   * no early stopping): its members — and for a weighted / stacking blend the inner folds over every row that fit
   * the blend — are more tasks of the run, taken by whichever thread is free once its share of the folds' fits is
   * done, so on several threads the final fit runs beside the folds' last fits instead of after them. When
   * crossValidate returns the ensemble is fitted as `ensemble.fitMatrix` (with this `nthread`) would fit it, the
   * same model. Default false.
   */
  refit?: boolean;
  /** Instead of `nthread`: core threads for all the fits at once (a budget, e.g. the trainer's parallel_fits) — each
   * fit gets ⌊threads / fits at once⌋, at least 1, where fits at once = min(workers, fits); and once some of the
   * workers are done, the fits still running take their share (⌊threads / workers still fitting⌋; the same models).
   * Without nthread or threads the budget is the cores. An integer ≥ 1. */
  threads?: number;
}

/** CvOptions' keys, checked against the interface: an option given that crossValidate does not read is an Error */
const CV_OPTIONS = Object.keys({
  label: 1, features: 1, categorical: 1, k: 1, seed: 1, onProgress: 1, onRound: 1, onFitDone: 1, onFold: 1, blends: 1, keepModels: 1, workers: 1, nthread: 1, refit: 1, threads: 1,
} satisfies Record<keyof CvOptions, 1>);

export interface CvResult {
  /** One row per fold × (member | "ensemble" | "ensemble:<blend>"), columns fold, member, then the metrics. */
  table: Table;
  /** Mean and standard deviation over folds per member: columns member, <metric>_mean, <metric>_std. */
  summary: Table;
  /** Out-of-fold predictions per member and "ensemble" (row order of the input table). */
  oof: Record<string, Float64Array>;
  folds: Fold[];
  curves: Curve[];
  /** Fitted blend parameters per fold, per blend name ("ensemble" and "ensemble:<blend>"). */
  blendStates: Record<string, BlendState[]>;
  y: Float64Array;
  metrics: string[];
  objective: string;
  featureNames: string[];
  /** Each feature's type and categories (code → text) as the whole table gives them. */
  columns: ColumnSchema[];
  /** The class labels when the label column held text (class index → label; `y` holds the indexes). */
  classes?: string[];
  label: string;
  /** With keepModels: models[fold][member] (fold 0-based, members in ensemble order), fitted on that fold's training part. */
  models?: Member[][];
}

/**
 * `input`: a table (its columns typed by toMatrix with opts.label / features / categorical), or the labelled matrix
 * toMatrix made of it (then `label` only names the label in the result) — a training job makes the matrix once for
 * the cross-validation, the final fit and its scores, and lets the table go.
 */
export function crossValidate(ensemble: Ensemble, input: Table | LabelledMatrix, opts: CvOptions): CvResult {
  if (!(ensemble instanceof Ensemble)) throw new Error("crossValidate needs an Ensemble as first argument");
  if (!opts || typeof opts.label !== "string") throw new Error("crossValidate needs { label: <label column name> }");
  checkOptionKeys(opts, CV_OPTIONS, "crossValidate");
  // wrong types said something else, or nothing: blends "median" was 'unknown blend "m"', k "3" 'k must be an integer
  // ≥ 2 (got k=3)', keepModels "no" kept the fold models (for the caller to free), an array of rows 'input.numRows is
  // not a function'
  if (typeof (input as Table | undefined)?.numRows !== "function" && !(input && isLabelledMatrix(input)))
    throw new Error(`crossValidate: the data must be a table (loadTable, arquero) or toMatrix's labelled matrix, got ${shownValue(input).slice(0, 60)}`);
  if (opts.k !== undefined && !(typeof opts.k === "number" && Number.isInteger(opts.k) && opts.k >= 2)) throw new Error(`crossValidate: k must be an integer ≥ 2, got ${shownValue(opts.k)}`);
  if (opts.blends !== undefined && !Array.isArray(opts.blends)) throw new Error(`crossValidate: blends must be a list of blend names (e.g. ["median"]), got ${shownValue(opts.blends)}`);
  if (opts.keepModels !== undefined && typeof opts.keepModels !== "boolean") throw new Error(`crossValidate's keepModels must be true or false, got ${shownValue(opts.keepModels)}`);
  const k = opts.k ?? 5;
  const seed = checkSeed(opts.seed, "crossValidate");
  const workers =
    opts.workers !== undefined ? checkWorkers(opts.workers, "crossValidate's workers")
    : isLabelledMatrix(input) ? defaultWorkers(input.nrow, input.ncol)
    : defaultWorkers(input.numRows(), (opts.features ?? input.columnNames()).length - (opts.features ? 0 : 1));
  checkNthread(opts.nthread, "crossValidate's nthread");
  if (opts.refit !== undefined && typeof opts.refit !== "boolean") throw new Error(`crossValidate's refit must be true or false, got ${shownValue(opts.refit)}`);
  // before the run, which fits the ensemble's own members in place: refused at its end, a loaded weighted ensemble
  // was left with members refitted on these rows beside the weights it was given (its predictions changed)
  if (opts.refit) ensemble.refuseRefit();
  if (opts.threads !== undefined) {
    checkThreadBudget(opts.threads, "crossValidate's threads");
    if (opts.nthread !== undefined) throw new Error("crossValidate: give nthread (per fit) or threads (for all fits at once), not both");
  }
  const m = trainingMatrix(input, { label: opts.label, features: opts.features, categorical: opts.categorical, objective: ensemble.objective, shared: workers > 1 }, "crossValidate");
  const y = m.y;
  ensemble.prepareLabels(y, m.classes);
  const foldsMade = ensemble.foldsFor(y, k, seed);
  const objective = ensemble.objective;
  const metricFns = metricsFor(objective);
  const metricNames = Object.keys(metricFns);
  if (metricNames.includes("auc")) checkFoldsHoldBothClasses(y, foldsMade);

  const blendList: { key: string; blend: Blend }[] = [{ key: "ensemble", blend: ensemble.blend }];
  for (const b of opts.blends ?? []) {
    const blend = checkBlend(String(b), objective);
    if (!blendList.some((x) => x.blend === blend)) blendList.push({ key: `ensemble:${blend}`, blend });
  }
  const anyInner = blendList.some((b) => needsFitting(b.blend));
  if (anyInner) {
    // the inner folds split each fold's training rows: too few was "k=5 is larger than the number of rows (4)", naming
    // neither innerK nor the blend, beside a k the user had not given
    const fewest = Math.min(...foldsMade.map((f) => f.train.length));
    const blend = blendList.find((b) => needsFitting(b.blend))!.blend;
    if (ensemble.innerK > fewest)
      throw new Error(`crossValidate: the ${blend} blend is fitted on inner folds of each fold's training rows (the Ensemble's innerK, ${ensemble.innerK}), and a fold's training part has ${fewest} rows: give the Ensemble innerK ≤ ${fewest}, or crossValidate fewer folds`);
  }
  const members = ensemble.members;
  const finalInner = !!opts.refit && needsFitting(ensemble.blend);
  const total = k * members.length * (anyInner ? ensemble.innerK + 1 : 1) + (opts.refit ? members.length * (finalInner ? ensemble.innerK + 1 : 1) : 0);
  const nthread = opts.nthread ?? (opts.threads !== undefined ? threadsFromBudget(opts.threads, workers, total) : threadsPerFit(workers));
  let done = 0;
  const tick = (message: string, fold: number | undefined, member: string) => opts.onProgress?.({ done: ++done, total, message, fold, member });

  // Every fit, in the order the sequential run makes them: per fold, the inner folds' fits (weighted / stacking
  // blends) then the members' fits on the fold; their rows as ranges of one index array (shared with workers).
  const { tasks, plan, rows, folds } = planFits(ensemble, foldsMade, y, seed, anyInner, {
    nthread,
    keepModels: !!opts.keepModels && workers > 1,
    k,
    refit: opts.refit ? { inner: finalInner } : undefined,
  });

  const width = outputGroups(objective, ensemble.numClass);
  // allocated when the first fold is scored: the fits run in lockstep and the folds are scored at the end, so the
  // cross-validation's rounds run without them (8 bytes a row each)
  const oof: Record<string, Float64Array> = {};
  const blendStates: Record<string, BlendState[]> = Object.fromEntries(blendList.map((b) => [b.key, []]));
  const rowsOut: Record<string, unknown>[] = [];
  const curves: Curve[] = [];
  const kept: Member[][] | undefined = opts.keepModels ? folds.map(() => []) : undefined;
  const innerOof: Float64Array[][] = folds.map(() => members.map(() => new Float64Array(0)));
  const finalInnerOof: Float64Array[] = members.map(() => new Float64Array(0)); // refit: the blend's inner folds over every row
  const preds: Float64Array[][] = folds.map(() => []);

  /** an inner fold's held-out predictions (w per row) written at their rows of `oof[member]`, an array of `rows` rows
   * made at the first of them: the out-of-fold predictions the blend is fitted on */
  const scatterInner = (oof: Float64Array[], member: number, rows: number, innerTest: ArrayLike<number>, pred: Float64Array) => {
    const w = pred.length / innerTest.length;
    const out = oof[member].length ? oof[member] : (oof[member] = new Float64Array(w * rows));
    for (let r = 0; r < innerTest.length; r++) for (let c = 0; c < w; c++) out[innerTest[r] * w + c] = pred[r * w + c];
  };

  /** one fit's result, in task order: what the sequential loop did right after each fit */
  const consume = (t: number, result: FitResult, fitted?: Member) => {
    const p = plan[t];
    const foldNo = p.fold + 1;
    const member = members[p.member];
    const pred = result.pred!;
    if (p.final) {
      if (p.innerTest) {
        scatterInner(finalInnerOof, p.member, m.nrow, p.innerTest, pred); // the refit's blend: inner folds over every row
        tick(`final fit inner fold ${p.inner! + 1}/${ensemble.innerK} ${member.name}`, undefined, member.name);
      } else {
        if (!fitted) loadFitted(member, result.model); // fitted in a worker
        tick(`fit ${member.name} on ${m.nrow} rows`, undefined, member.name);
      }
      return;
    }
    if (p.innerTest) {
      scatterInner(innerOof[p.fold], p.member, folds[p.fold].train.length, p.innerTest, pred); // over the fold's training rows
      tick(`fold ${foldNo}/${k} inner ${p.inner! + 1}/${ensemble.innerK} ${member.name}`, foldNo, member.name);
      return;
    }
    for (const [metric, values] of Object.entries(result.curves ?? {})) curves.push({ fold: foldNo, member: member.name, metric, values });
    if (kept) {
      let c = fitted;
      if (!c) {
        c = member.clone();
        loadFitted(c, result.model);
      }
      kept[p.fold].push(c); // owned by the caller from here on (freed below if we throw)
    }
    preds[p.fold][p.member] = pred;
    tick(`fold ${foldNo}/${k} ${member.name}`, foldNo, member.name);
    if (p.member === members.length - 1) scoreFold(p.fold);
  };

  /** blends, metrics and out-of-fold predictions of a fold once its members are fitted */
  const scoreFold = (f: number) => {
    const foldNo = f + 1;
    const fold = folds[f];
    if (!(members[0].name in oof)) for (const name of [...members.map((mem) => mem.name), ...blendList.map((b) => b.key)]) oof[name] = new Float64Array(m.nrow * width);
    const yTest = labelsOf(y, fold.test);
    const scored: [string, Float64Array, boolean][] = members.map((mem, j) => [mem.name, preds[f][j], false]);
    for (const b of blendList) {
      const state = needsFitting(b.blend)
        ? fitBlend(b.blend, innerOof[f], labelsOf(y, fold.train), { numClass: ensemble.numClass, stackerAlpha: ensemble.stackerAlpha, members: members.map((mem) => mem.name) })
        : {};
      blendStates[b.key].push(state);
      scored.push([b.key, applyBlend(b.blend, preds[f], state, { objective, numClass: ensemble.numClass, members: members.map((mem) => mem.name) }), predictsClasses(b.blend)]);
    }
    const foldMetrics: Record<string, Record<string, number>> = {};
    for (const [name, p, classes] of scored) {
      const row: Record<string, unknown> = { fold: foldNo, member: name };
      foldMetrics[name] = {};
      for (const metric of metricNames) row[metric] = foldMetrics[name][metric] = classes && PROBABILITY_METRICS.has(metric) ? NaN : metricFns[metric](yTest, p);
      rowsOut.push(row);
      fold.test.forEach((rowIdx, r) => {
        for (let c2 = 0; c2 < width; c2++) oof[name][rowIdx * width + c2] = p[r * width + c2];
      });
    }
    preds[f] = [];
    innerOof[f] = [];
    opts.onFold?.(foldNo, foldMetrics);
  };

  /** task t's rounds → opts.onRound (the outer folds' fits: inner fits evaluate nothing) */
  const liveRound = (t: number) =>
    opts.onRound && !plan[t].innerTest && !plan[t].final ? (round: number, metrics: Record<string, number>) => opts.onRound!(plan[t].fold + 1, members[plan[t].member].name, round, metrics) : undefined;
  // a budget (threads, or the cores shared out when nthread is not given): the fits take the cores of threads that are done
  const budget = opts.threads ?? (opts.nthread === undefined ? defaultThreads() : undefined);
  const data: FitData = { matrix: m, rows, ...(budget !== undefined ? { threads: budget } : {}) };
  // this thread's one core DMatrix of the matrix: every fit here trains on row views of it (bins made once)
  const release = members.some((mem) => mem.kind !== "ridge") ? holdCoreMatrix(m) : () => {};
  // results arrive as fits finish, here and in the workers; they are consumed in task order, so every callback, row
  // and curve comes out in the sequential order with the same numbers — the folds' fits once all of them have run
  // their last round (with several threads, a thread may finish its share while another still runs rounds): every
  // round is reported before the first fold is scored
  const waiting = new Map<number, FitResult>();
  let next = 0;
  let running = tasks.filter((task) => task.lockstep).length;
  try {
    // every thread of the run — this one alone with workers 1 — fits its part in lockstep (fit-task's fitInLockstep):
    // its share of the folds' fits round by round in turn, then the inner folds' and the final fit's, whole
    runFitsSync(data, tasks, workers, {
      ...(opts.onRound ? { onRound: (t: number, round: number, metrics: Record<string, number>) => liveRound(t)?.(round, metrics) } : {}),
      onDone: (t, result) => {
        if (tasks[t].lockstep) running--;
        if (!plan[t].innerTest && !plan[t].final) opts.onFitDone?.(plan[t].fold + 1, members[plan[t].member].name);
        waiting.set(t, result);
        for (let r = waiting.get(next); r && (running === 0 || !tasks[next].lockstep); r = waiting.get(next)) {
          waiting.delete(next);
          consume(next++, r, r.member);
        }
      },
    }, taskStarter(data, tasks, {
      // the final fit here fits the ensemble's own member (in place, as fit() does); every other fit a clone
      member: (t) => (plan[t].final && !plan[t].innerTest ? members[plan[t].member] : members[plan[t].member].clone()),
      onRound: liveRound,
      // a fold's kept member and the final fit's member are handed over fitted (no file, no reload)
      keep: (t) => (plan[t].innerTest ? undefined : plan[t].final || kept ? "member" : undefined),
    }));
  } catch (e) {
    for (const r of waiting.values()) r.member?.free();
    for (const fm of kept ?? []) for (const c of fm) c.free();
    throw e;
  } finally {
    release();
  }
  if (opts.refit) {
    ensemble.fittedElsewhere(m, finalInner ? finalInnerOof : undefined);
    ensemble.label = opts.label;
  }

  const resultTable = arquero().from(rowsOut) as Table;
  const summary = summarise(rowsOut, metricNames);
  return {
    table: resultTable,
    summary,
    oof,
    folds,
    curves,
    blendStates,
    y: Float64Array.from(y),
    metrics: metricNames,
    objective,
    featureNames: m.featureNames,
    columns: m.columns!,
    ...(m.classes ? { classes: m.classes } : {}),
    label: opts.label,
    ...(kept ? { models: kept } : {}),
  };
}

/**
 * A cross-validation's one figure of a member (default "ensemble") for a metric (default its first): the metric of its
 * out-of-fold predictions pooled over every row — or for FOLD_MEAN_METRICS (cox-nloglik: each fold model's hazard
 * ratios are on a scale of its own) the mean of the member's fold values, the summary's <metric>_mean.
 */
export function cvScore(cv: CvResult, metric = cv.metrics[0], member = "ensemble"): number {
  if (!cv.metrics.includes(metric)) throw new Error(`cvScore: the cross-validation scored ${cv.metrics.join(", ")}, not ${shownValue(metric)}`);
  if (!(member in cv.oof)) throw new Error(`cvScore: no member ${shownValue(member)} in the cross-validation (${Object.keys(cv.oof).join(", ")})`);
  const values = (cv.table.objects() as Record<string, unknown>[]).filter((r) => r.member === member).map((r) => Number(r[metric]));
  if (FOLD_MEAN_METRICS.has(metric)) return values.reduce((s, v) => s + v, 0) / values.length;
  // a vote blend's classes have no logloss / auc: NaN in its folds, NaN here
  if (PROBABILITY_METRICS.has(metric) && values.every(Number.isNaN)) return NaN;
  return metricsFor(cv.objective)[metric](cv.y, cv.oof[member]);
}

/**
 * Where a task's result goes: its fold (0-based), member index, and for an inner fit its inner fold and held-out
 * positions in the fold's training part; `final`: the refit's (fold -1), its inner fits' positions in every row.
 */
interface Planned {
  final?: boolean;
  fold: number;
  member: number;
  inner?: number;
  innerTest?: Int32Array;
}

/**
 * The fits of a cross-validation in sequential order, and the row indexes they read, in one Int32Array
 * (shared memory: the workers read it without a copy), written in place (no per-fold copies to gather); the folds
 * returned are ranges of it, so the run holds its folds' indexes once. An inner fold's rows are the fold's training rows it
 * picks (fold.train[i]), so an inner fit on the whole matrix sees exactly the rows — and, held out, the
 * missing unseen categories — that it would see split out of the fold's training part.
 */
function planFits(
  ensemble: Ensemble,
  folds: Fold[],
  y: Float32Array,
  seed: number,
  anyInner: boolean,
  o: { nthread?: number; keepModels: boolean; k: number; refit?: { inner: boolean } },
): { tasks: FitTask[]; plan: Planned[]; rows: Int32Array; folds: Fold[] } {
  const members = ensemble.members;
  // the inner folds of a fold split its training rows: innerK × its training rows, then its training and held-out
  // rows; the refit's inner folds (as Ensemble.fit makes them) split every row
  const finalFolds = o.refit?.inner ? ensemble.foldsFor(y, ensemble.innerK, ensemble.seed) : [];
  let total = finalFolds.length * y.length;
  for (const fold of folds) total += (anyInner ? ensemble.innerK : 0) * fold.train.length + fold.train.length + fold.test.length;
  const rows = new Int32Array(new SharedArrayBuffer(total * 4));
  let offset = 0;
  /** the next n indexes of rows, rows[at + i] = index(i) */
  const range = (n: number, index: (i: number) => number): [number, number] => {
    for (let i = 0; i < n; i++) rows[offset + i] = index(i);
    offset += n;
    return [offset - n, n];
  };
  const spec = (j: number) => ({ kind: members[j].kind, name: members[j].name, params: members[j].params, ...(o.nthread !== undefined ? { nthread: o.nthread } : {}) });
  const tasks: FitTask[] = [];
  const plan: Planned[] = [];
  const viewed: Fold[] = [];
  folds.forEach((fold, f) => {
    const foldNo = f + 1;
    const train = fold.train;
    if (anyInner) {
      // within the seeds' 32 bits: seed 4294967295 (a valid seed) asked kFold for seed 4294968295, an Error naming a seed never given
      const innerFolds = ensemble.foldsFor(labelsOf(y, train), ensemble.innerK, (seed + 1000 + f) % 2 ** 32);
      innerFolds.forEach((inner, i) => {
        const trainRange = range(inner.train.length, (r) => train[inner.train[r]]);
        const testRange = range(inner.test.length, (r) => train[inner.test[r]]);
        const innerTest = Int32Array.from(inner.test);
        members.forEach((mem, j) => {
          tasks.push({ ...spec(j), train: trainRange, test: testRange, label: `fold ${foldNo}/${o.k} inner fold ${i + 1}/${ensemble.innerK}, member "${mem.name}"` });
          plan.push({ fold: f, member: j, inner: i, innerTest });
        });
      });
    }
    const trainRange = range(train.length, (i) => train[i]);
    const testRange = range(fold.test.length, (i) => fold.test[i]);
    // the fold's rows from here on are these ranges of rows (not a second copy of them)
    viewed.push({ train: rows.subarray(trainRange[0], trainRange[0] + trainRange[1]), test: rows.subarray(testRange[0], testRange[0] + testRange[1]) });
    members.forEach((mem, j) => {
      tasks.push({
        ...spec(j), train: trainRange, test: testRange, evalOn: "test", rounds: "collect", keepModel: o.keepModels,
        label: `fold ${foldNo}/${o.k}, member "${mem.name}"`, fold: foldNo, lockstep: true,
      });
      plan.push({ fold: f, member: j });
    });
  });
  if (o.refit) {
    // the final fit last: claimed by the threads as they finish their shares of the folds' fits
    finalFolds.forEach((inner, i) => {
      const trainRange = range(inner.train.length, (r) => inner.train[r]);
      const testRange = range(inner.test.length, (r) => inner.test[r]);
      const innerTest = Int32Array.from(inner.test);
      members.forEach((mem, j) => {
        tasks.push({ ...spec(j), train: trainRange, test: testRange, label: `final fit inner fold ${i + 1}/${ensemble.innerK}, member "${mem.name}"` });
        plan.push({ final: true, fold: -1, member: j, inner: i, innerTest });
      });
    });
    members.forEach((mem, j) => {
      tasks.push({ ...spec(j), keepModel: true, label: `final fit, member "${mem.name}"` });
      plan.push({ final: true, fold: -1, member: j });
    });
  }
  return { tasks, plan, rows, folds: viewed };
}

/**
 * AUC is scored on each fold's held-out rows, so each must hold both classes: checked before any fit, not after the
 * cross-validation's fits ('auc: needs both classes'). Stratified folds give every fold a class's rows only when the
 * class has at least k of them (scikit-learn's StratifiedKFold warns of the same: "The least populated class in y
 * has only n members, which is less than n_splits").
 */
function checkFoldsHoldBothClasses(y: Float32Array, folds: Fold[]): void {
  // soft labels (probabilities, which binary:logistic fits) are no classes to score: 0.025 was counted as neither class,
  // and the Error said "class 1 has 0 rows" of labels 0 to 0.975
  const soft = y.findIndex((v) => v !== 0 && v !== 1);
  if (soft >= 0)
    throw new Error(
      `crossValidate: label row ${soft} holds ${+y[soft].toPrecision(7)}, and the held-out folds are scored by class (logloss, auc and accuracy take labels 0 and 1, as scikit-learn's do)` +
        (y[soft] > 0 && y[soft] < 1 ? ": soft labels can be fitted (Ensemble.fit), not cross-validated" : ""),
    );
  const count = [0, 0];
  for (let i = 0; i < y.length; i++) if (y[i] === 0 || y[i] === 1) count[y[i]]++;
  folds.forEach((fold, f) => {
    let pos = 0;
    for (let r = 0; r < fold.test.length; r++) if (y[fold.test[r]] === 1) pos++;
    if (pos > 0 && pos < fold.test.length) return;
    const missing = pos === 0 ? 1 : 0;
    throw new Error(
      `crossValidate: fold ${f + 1} of ${folds.length} holds no rows of class ${missing} among its ${fold.test.length} held-out rows, so its auc cannot be scored: ` +
        // (stratified folds: a class with k rows or more has a row in every fold)
        `class ${missing} has ${count[missing]} row${count[missing] === 1 ? "" : "s"}, fewer than the ${folds.length} folds — ${count[missing] >= 2 ? `use at most ${count[missing]} folds` : "scoring auc on held-out folds needs at least 2 rows of each class"}`,
    );
  });
}

/** y at these rows */
function labelsOf(y: Float32Array, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]];
  return out;
}

/** Mean and (population) standard deviation over folds for each member, in first-seen order. */
function summarise(rows: Record<string, unknown>[], metrics: string[]): Table {
  const order: string[] = [];
  const byMember = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const name = String(r.member);
    if (!byMember.has(name)) {
      byMember.set(name, []);
      order.push(name);
    }
    byMember.get(name)!.push(r);
  }
  const out = order.map((name) => {
    const rs = byMember.get(name)!;
    const row: Record<string, unknown> = { member: name };
    for (const metric of metrics) {
      const v = rs.map((r) => Number(r[metric]));
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      row[`${metric}_mean`] = mean;
      row[`${metric}_std`] = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    }
    return row;
  });
  return arquero().from(out) as Table;
}
