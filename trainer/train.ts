/**
 * `train` — the SageMaker training contract.
 *
 * hyperparameters.json → members (lib's memberFromSpec) → lib's crossValidate
 * on the train channel (one metric line per fold) → the final model
 * (final_model=refit: every member refitted on all rows; folds: the fold
 * models averaged) → lib's saveEnsemble into a temp folder, published into
 * model/ at the end → output/data/cv.json → the final metric lines.
 * Any error: one line in output/failure, exit code 1 (main.ts).
 *
 * Log lines (SageMaker metric regexes read them; numbers are plain decimals):
 *   fold=<i> <member>-<metric>:<v>; … ensemble-<metric>:<v>;
 *   [<round>] validation-<metric>:<v>;       (with a validation channel: live, as the final fit's rounds finish)
 *   train-<metric>:<v>;
 *   validation-<metric>:<v>;
 * <metric> is rmse for regression objectives (logloss for binary and multi objectives).
 */
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import * as vm from "vm";
import {
  availableCores, CategoricalColumn, defaultThreads, prestartFitWorkers, coreBuild, crossValidate, CvResult, cvScore, FOLD_MEAN_METRICS, defaultWorkers, encodeLabels, Ensemble, formatMetric, holdCoreMatrix, LabelledMatrix, Member, memberFromSpec,
  LARGE_TABLE_CELLS, metricsFor, predictsClasses, primaryMetric, releaseFloats, saveEnsemble, Table, threadsFromBudget, toMatrix,
} from "ensemble-workbook";
import { Channel, channelColumns, channelContentType, checkFeatureCells, checkJobInputs, isNumberText, checkLabelValues, checkSameColumns, dropMissingLabels, readChannel, widenValidation, resolveCategorical, resolveLabel } from "./channels";
import { memberSpecs, parseHyperparameters, sameModelCopies, Settings } from "./hyperparameters";
import { jsonWithArrays, OptMlPaths, publishDir, readJsonIfExists, writeFileAtomic } from "./optml";
import { holdStop, modelTmpDir } from "./stop";

export type Log = (line: string) => void;

/** Blends that stay the same blend when the fold models are averaged (linear in the member predictions). */
const FOLDS_BLENDS = ["mean", "weighted", "stacking", "soft_vote"];

export interface TrainResult {
  settings: Settings;
  cv: CvResult;
  metric: string;
  train: number;
  validation: number;
  validationSource: "validation channel" | "out-of-fold" | "mean over folds";
}

export function buildEnsemble(s: Settings): Ensemble {
  const members: Member[] = memberSpecs(s).map(({ kind, name, params }) => {
    try {
      return memberFromSpec(kind, params);
    } catch (e) {
      // the member's own prefix ("catboost: …") gives way to the member's name ("model catboost_2: …")
      throw new Error(`model ${name}: ${(e as Error).message.replace(new RegExp(`^${kind}: `), "")}`);
    }
  });
  try {
    return new Ensemble({ members, blend: s.blend, objective: s.objective, seed: s.seed });
  } catch (e) {
    throw new Error(`hyperparameters: ${(e as Error).message}`);
  }
}

/** Core eval-metric names that are the logged metric (multiclass logloss is "mlogloss" in XGBoost). */
function isLoggedMetric(name: string, metric: string): boolean {
  return name === metric || name === "m" + metric;
}

/** The per-round value of the logged metric a member reported; undefined when it reports other metrics only. */
function roundValue(metrics: Record<string, number>, metric: string): number | undefined {
  const key = Object.keys(metrics).find((k) => isLoggedMetric(k, metric));
  return key === undefined ? undefined : metrics[key];
}

/** Mean over series of value at round r (a shorter series holds its last value). */
function meanByRound(series: number[][]): number[] {
  const live = series.filter((s) => s.length > 0);
  if (live.length === 0) return [];
  const rounds = Math.max(...live.map((s) => s.length));
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) out.push(live.reduce((acc, s) => acc + s[Math.min(r, s.length - 1)], 0) / live.length);
  return out;
}

/**
 * The fold models as one ensemble: k × members, with the fold blends averaged (weights/k, stacker coef/k).
 * The members are the ones the cross-validation fitted (crossValidate keepModels), not trained again.
 */
function foldsEnsemble(ens: Ensemble, cv: CvResult, label: string): Ensemble {
  if (!cv.models || cv.models.length !== cv.folds.length) throw new Error("the cross-validation kept no fold models");
  const k = cv.folds.length;
  const members: Member[] = [];
  const weights: number[] = [];
  const coef: number[] = [];
  let intercept = 0;
  cv.folds.forEach((_fold, f) => {
    const state = cv.blendStates.ensemble?.[f] ?? {};
    if (state.stacker) intercept += state.stacker.intercept / k;
    ens.members.forEach((member, j) => {
      const c = cv.models![f][j];
      c.name = `${member.name}_fold${f + 1}`;
      members.push(c);
      if (state.weights) weights.push(state.weights[j] / k);
      if (state.stacker) coef.push(state.stacker.coef[j] / k);
    });
  });
  const out = new Ensemble({
    members,
    blend: ens.blend,
    objective: ens.objective,
    seed: ens.seed,
    ...(ens.blend === "weighted" ? { weights } : {}),
    ...(ens.blend === "stacking" ? { stacker: { intercept, coef } } : {}),
  });
  out.featureNames = [...cv.featureNames];
  out.columns = cv.columns;
  if (cv.classes) out.classes = cv.classes;
  out.label = label;
  if (ens.numClass !== undefined) out.numClass = ens.numClass;
  return out;
}

/**
 * Per-round lines as rounds come in from fits running in lockstep or side by side: the cross-validation's
 * fold × member fits (their held-out folds), or the final fit's members on the validation channel (lib's
 * Ensemble.fitParallel). `[r]` is printed once every fit that reports the metric has reported round r or has
 * finished (then holding its last value), so the values are exactly meanByRound's over the fits in the order of
 * `fits` (fixed, so the sums are the same whatever order the rounds arrive in) — only no longer in one burst.
 * A fit that does not report the lines' metric at its first round (ridge; an xgboost with another eval_metric) is
 * left out.
 *
 * Rounds are live: the cross-validation's threads each advance their share of the fits in lockstep (lib's
 * crossValidate: every fit of a thread runs round r before any runs round r + 1), and a final fit's members run side
 * by side, so line r follows round r of the slowest thread.
 */
class LiveRounds {
  /** every fit's reports as they came, until the metric is chosen (a fit may be rounds ahead of one not yet started) */
  private readonly pending = new Map<string, Record<string, number>[]>();
  /** once the metric is chosen: each fit that reports it, in `fits` order, and its values round by round */
  private series?: Map<string, number[]>;
  private readonly finished = new Set<string>();
  private printed = 0;
  /**
   * The metric the lines show, chosen once every fit has reported its first round (or finished without one), so it
   * does not depend on which thread is first or which member is listed first: the job's (rmse, logloss) when any fit
   * evaluates it, else the first metric of the first fit that reports one — reg:absoluteerror's mae,
   * count:poisson's poisson-nloglik, reg:pseudohubererror's mphe. The lines were missing altogether for these, and a
   * tuning job's Hyperband or median rule had no intermediate values. A fit that reports nothing (ridge; an xgboost
   * with disable_default_eval_metric and no eval_metric) does not choose. Undefined until then, and when none reports.
   */
  metric?: string;
  constructor(private readonly fits: string[], private readonly preferred: string, private readonly log: Log) {}

  onRound = (fit: string, round: number, metrics: Record<string, number>): void => {
    if (this.series) {
      const v = this.metric === undefined ? undefined : roundValue(metrics, this.metric);
      const s = this.series.get(fit);
      if (s && v !== undefined) s[round] = v;
    } else {
      let r = this.pending.get(fit);
      if (!r) this.pending.set(fit, (r = []));
      r[round] = metrics;
      this.choose();
    }
    this.flush();
  };
  onDone = (fit: string): void => {
    this.finished.add(fit);
    if (!this.series) this.choose();
    this.flush();
  };
  /** every round's value (what was printed, once every fit is done) */
  values(): number[] {
    return meanByRound([...(this.series?.values() ?? [])]);
  }
  /** the metric and each reporting fit's values so far, once every fit has reported its first round or finished */
  private choose(): void {
    const firsts: Record<string, number>[] = [];
    for (const f of this.fits) {
      const first = this.pending.get(f)?.[0];
      if (first) firsts.push(first);
      else if (!this.finished.has(f)) return;
    }
    const reporting = firsts.find((r) => Object.keys(r).length > 0);
    const metric = firsts.some((r) => Object.keys(r).some((k) => isLoggedMetric(k, this.preferred))) ? this.preferred : reporting && Object.keys(reporting)[0];
    this.metric = metric;
    this.series = new Map();
    for (const f of this.fits) {
      const reports = this.pending.get(f);
      if (metric === undefined || !reports?.[0] || roundValue(reports[0], metric) === undefined) continue;
      this.series.set(f, reports.map((r) => roundValue(r, metric)!));
    }
    this.pending.clear();
  }
  private flush(): void {
    const series = this.series;
    if (!series || this.metric === undefined) return;
    for (;;) {
      const r = this.printed;
      // every fit reporting the metric has reached round r, or finished (holding its last value)
      const ready = this.fits.every((f) => !series.has(f) || this.finished.has(f) || series.get(f)![r] !== undefined);
      const all = [...series.values()];
      if (!ready || !all.some((s) => s.length > r)) return;
      const v = all.reduce((acc, s) => acc + s[Math.min(r, s.length - 1)], 0) / all.length;
      this.log(`[${r}] validation-${this.metric}:${formatMetric(v)};`);
      this.printed++;
    }
  }
}

/**
 * A full garbage collection now. The train channel's table is as large as the data and garbage once its matrix is
 * made, but V8 frees large typed arrays only at its next full collection, which the cross-validation's allocations
 * (mostly in the core's memory, outside V8's heap) may not cause before the job's peak — measured on 1M × 28: the
 * dead table's 109 MB still held through the whole cross-validation. Node exposes `gc` only behind --expose-gc:
 * the flag is set at run time and the function taken from a fresh context. Called again during the
 * cross-validation, where the fits run in lockstep and allocate almost nothing in JavaScript, so no collection comes by itself: as the first fit runs (what the folds' assignment left), once every fit has
 * started (the folds' row views), and as
 * each fold is scored (the folds are scored back to back at the end, each leaving its predictions, labels and
 * blend: about 8 MB); and after the cross-validation, whose index arrays would otherwise sit under the refit's peak.
 * Each collection costs ~8 ms even on a small heap (diabetes' job: 10 of them, 6 % of its time), so a table under
 * GC_CELLS cells — whose garbage is a few times its 4 MB at most — gets none: garbageCollector gives a no-op.
 */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

/** rows × features from which the job collects its garbage itself (collectGarbage): 4 MB of float32 */
const GC_CELLS = 2 ** 20;

function garbageCollector(cells: number): () => void {
  return cells >= GC_CELLS ? collectGarbage : () => {};
}

/** A large table's refit (final_model=refit, no validation channel): after the cross-validation, each member on the
 * job's whole core budget (train(), above); a smaller table's is claimed in the cross-validation's run. */
function refitAfterCv(s: Settings, validationChannel: boolean, cells: number): boolean {
  return s.finalModel === "refit" && !validationChannel && cells >= LARGE_TABLE_CELLS;
}

/** the model is saved into <root>/.model-<pid>.tmp first (./stop's modelTmpDir), then published into model/ whole */
const MODEL_TMP_NAME = /^\.model-(\d+)\.tmp$/;

/** Model folders left by jobs that were killed while saving (SIGTERM, SIGKILL: no code of theirs ran after) — every
 * run's own is removed at its end, but a killed one's stayed for good. A folder whose process still runs is left. */
function removeStaleModelDirs(root: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(MODEL_TMP_NAME.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // that job still runs
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EPERM") continue; // another user's process
    }
    fs.rmSync(modelTmpDir(root, pid), { recursive: true, force: true });
  }
}

/** ", categorical: a, b" — the feature columns read as categories (text, or declared), for the first log line */
function textColumnsNote(table: Table, label: string, declared: string[]): string {
  const text = table.columnNames().filter((c) => c !== label && (declared.includes(c) || table.column(c) instanceof CategoricalColumn));
  // a text column with a category for most rows (an id, a date kept as text) cannot generalise, and it cost the
  // xgboost member most of its fit on a 400-row table (R² 0.92 → 0.29; native XGBoost the same): said, not refused
  const n = table.numRows();
  // and a column of numbers made text by a stray token ("?" for unknown) is named with the token: its numbers are
  // categories now, one per value, and na_values would make it numeric again (native XGBoost read "?" as 0)
  const named = text.map((c) => {
    const col = table.column(c);
    if (!(col instanceof CategoricalColumn) || declared.includes(c)) return c;
    // the categories of the rows kept (the table may be filtered: its column still holds every row read)
    const cats = [...new Set(Array.from(table.array(c) as ArrayLike<unknown>).filter((v): v is string => typeof v === "string"))];
    const words = cats.filter((t) => !isNumberText(t));
    if (cats.length >= 10 && words.length > 0 && words.length <= 3 && words.length < cats.length / 10) {
      return `${c} (text because of ${words.map((w) => JSON.stringify(w)).join(", ")}: its other values are numbers — list ${words.length > 1 ? "them" : "it"} in na_values to read them as numbers)`;
    }
    return n >= 20 && cats.length > n / 2 ? `${c} (${cats.length} categories in ${n} rows: an identifier, or a date as text? drop it or derive numbers from it)` : c;
  });
  return named.length ? `, categorical: ${named.join(", ")}` : "";
}

export async function train(paths: OptMlPaths, log: Log = (l) => console.log(l)): Promise<TrainResult> {
  const t0 = Date.now();
  fs.rmSync(paths.failure, { force: true }); // a stale failure from an earlier run in the same folder
  removeStaleModelDirs(paths.root);
  // no file: no hyperparameters; a file holding null is not an object, and parseHyperparameters says so
  const hp = fs.existsSync(paths.hyperparameters) ? readJsonIfExists(paths.hyperparameters) : {};
  const s = parseHyperparameters(hp as Record<string, unknown>);
  if (s.finalModel === "folds" && !FOLDS_BLENDS.includes(s.blend)) {
    throw new Error(`hyperparameter final_model=folds works with blend ${FOLDS_BLENDS.join(", ")} (the fold models are averaged), not blend=${s.blend}`);
  }
  const inputDataConfig = readJsonIfExists(paths.inputDataConfig);
  checkJobInputs(inputDataConfig, path.dirname(paths.channel("train")), readJsonIfExists(paths.resourceConfig));
  const ens = buildEnsemble(s); // bad model params fail before any data is read
  // the job's metric is logloss for binary:* and multi:* (primaryMetric), and a vote's 0/1 classes have none: it was
  // scored on them (validation-logloss 4.81 where the members' folds scored 0.57–0.64), where scikit-learn's hard VotingClassifier has no
  // predict_proba and its cross_validate scores neg_log_loss nan
  if (predictsClasses(ens.blend)) {
    throw new Error(`hyperparameter blend=${ens.blend} predicts classes, not probabilities, and the job's metric (logloss) is defined on probabilities only (scikit-learn's hard VotingClassifier has no predict_proba either): use blend=soft_vote, the mean of the members' probabilities`);
  }
  if (s.naValues) ens.naValues = s.naValues; // saved with the model: the endpoint reads the same cells as missing
  // parallel_fits given: the cross-validation's fit workers start now, while the data is read (~0.1–0.2 s each)
  if (s.parallelFits !== undefined && s.parallelFits > 1) prestartFitWorkers(Math.min(s.parallelFits, s.kFold * ens.members.length) - 1);

  const metric = primaryMetric(ens.objective);
  const metricFn = metricsFor(ens.objective)[metric];
  const { m, label, valCh, files, categoricalNote, parallelFits } = await readTrainingData(paths, inputDataConfig, s, ens, log);
  const { nrow, ncol } = m;
  const collectGarbage = garbageCollector(nrow * ncol);
  collectGarbage(); // the channel's table: as large as the data, garbage now
  // The job's core budget: parallel_fits core threads in all when set — the cross-validation runs min(parallel_fits,
  // fits) fits at once with ⌊parallel_fits / fits at once⌋ core threads each (one, unless there are fewer fits than
  // parallel_fits). Unset, the budget is lib's defaultThreads(): the cores, or OMP_NUM_THREADS when set — which is
  // how the local SageMaker gives each of a tuning job's trials ⌊cores / trials⌋, so that they never ask for more
  // threads than the machine has. A large table (lib's LARGE_TABLE_CELLS) then fits one at a time with the whole
  // budget inside the fit (one fit's working memory at a time); other tables fit `defaultWorkers` at once.
  // The final refit (final_model=refit, no validation channel): below LARGE_TABLE_CELLS, in the cross-validation's
  // run (crossValidate's refit) — the members' fits on every row are claimed by the threads as they finish their
  // shares of the folds' fits, so with parallel_fits 2 they run beside the folds' last fits instead of after them.
  // A large table's refit runs after the cross-validation, its members one after another with the whole budget
  // each: each is a fit on every row, the job's largest working set (~100 bytes a row), and two side by side would
  // hold two of them at once (1M × 28: 635 MB against 437 MB for parallel_fits 1). With a validation channel the
  // members run side by side after the cross-validation, as its live [r] lines need every member's round.
  const large = s.parallelFits === undefined && nrow * ncol >= LARGE_TABLE_CELLS;
  const budget = large ? defaultThreads() : parallelFits;
  // a cross-validation fit's core threads (crossValidate's share of the budget)
  const cvThreads = threadsFromBudget(budget, parallelFits, s.kFold * ens.members.length);
  // The binning's threads: the cross-validation's, unless a large table's refit after it (below, trainOn) runs on the
  // whole budget. The binning runs before the fits: on more threads than the fits use it would start the core's pool
  // only to leave it idle through the cross-validation, its thread holding an isolate (~12 MB) — the 1M × 28 job at
  // parallel_fits 2 peaked 10 MB higher. A large table's refit starts that pool anyway, after the cross-validation,
  // where the job peaks; binning on it too costs the 12 MB during the cross-validation only, and the quantiles of the
  // features are taken side by side (binning.c): the 1M × 28 job's two forms in 0.54–0.60 s on 2 threads against
  // 0.76–0.78 s (and 1.04–1.26 s on 1).
  const binThreads = refitAfterCv(s, !!valCh, nrow * ncol) ? budget : cvThreads;
  const cores = availableCores();
  log(
    `training on ${nrow} rows x ${ncol} features (${files} file${files > 1 ? "s" : ""}, label "${label}"${categoricalNote})` +
      `${valCh ? `, validation ${valCh.table.numRows()} rows` : ""}; models ${ens.members.map((mem) => mem.name).join(",")}; blend ${ens.blend}; objective ${ens.objective}; k_fold ${s.kFold}; final_model ${s.finalModel}; parallel_fits ${parallelFits}${cvThreads > 1 ? ` (${cvThreads} core threads each${cvThreads > cores ? `, run on the ${cores} cores` : ""})` : ""}`,
  );
  for (const warning of sameModelCopies(ens.members)) log(warning);
  // the core's one DMatrix of the training rows, for the cross-validation's fits (row views of it), the final
  // refit and its scores: the features are copied into the core and binned once for the whole job
  const releaseCore = ens.members.some((mem) => mem.kind !== "ridge") ? holdCoreMatrix(m) : () => {};
  try {
    // When every fit of the job reads only bins — tree members, in this thread or in fit workers on this thread's
    // core (the threads build), no categorical column — the floats go once binned: the bins are a quarter of their
    // size per max_bin, and the job's peak memory is the floats' less (LightGBM's free_raw_data).
    const bins = ens.members.map((mem) => mem.binsOnly?.());
    if ((parallelFits === 1 || coreBuild() === "threads") && !m.columns?.some((c) => c.type === "categorical") && bins.every((b) => b !== undefined)) {
      const maxBins = [...new Set(bins as number[])];
      releaseFloats(m, maxBins, { nthread: binThreads });
      collectGarbage();
      log(`binned once (max_bin ${maxBins.join(", ")}); the features' floats are released: the job reads the bins`);
    }
    return await trainOn(m, label, valCh, { paths, s, ens, metric, metricFn, parallelFits, budget, log, t0, collectGarbage });
  } finally {
    releaseCore();
  }
}

/**
 * The train channel read into the training matrix (and the validation channel's table): label and categorical
 * columns resolved, unlabelled rows left out. The train channel's table is not returned — only its matrix — so
 * its columns are garbage once the matrix is made (the job holds the data once in JavaScript, not twice).
 */
async function readTrainingData(paths: OptMlPaths, inputDataConfig: unknown, s: Settings, ens: Ensemble, log: Log) {
  // the read has the job's core budget too: parallel_fits threads parse a large CSV file. Unset, one thread: the
  // parallel read's worker adds ~25–45 MB to the job's peak (1M × 28, 3 folds, 50 rounds: 456–474 MB against 429–430),
  // past issue 11's memory bar for the default job (448 MB); with the chunks joined into one slab (lib's load.ts),
  // 411–435 MB against 404 MB — within the bar, but too close to it for a default
  const channelOpts = (name: string) => ({ contentType: channelContentType(inputDataConfig, name), header: s.header, naValues: s.naValues, threads: s.parallelFits ?? 1 });
  // the label, the categorical features and the validation channel's columns are checked on the columns, before
  // the rows are read: a wrong label fails a large file's job in a moment, not after its read
  let trainColumns: string[] = [];
  const trainCh = (await readChannel(paths.channel("train"), "train", true, {
    ...channelOpts("train"),
    onColumns: (c) => {
      resolveCategorical(c, resolveLabel(c, s.label), s.categoricalFeatures);
      trainColumns = c.names;
    },
  }))!;
  const valCh = await readChannel(paths.channel("validation"), "validation", false, { ...channelOpts("validation"), onColumns: (c) => checkSameColumns(trainColumns, c.names, c.libsvm) });
  if (valCh) widenValidation(valCh, channelColumns(trainCh).names);
  const label = resolveLabel(channelColumns(trainCh), s.label);
  const categorical = resolveCategorical(channelColumns(trainCh), label, s.categoricalFeatures);
  for (const ch of valCh ? [trainCh, valCh] : [trainCh]) {
    checkLabelValues(ch, label, ens.objective);
    checkFeatureCells(ch, label, ch === valCh ? trainCh : undefined, categorical);
    const dropped = dropMissingLabels(ch, label);
    if (dropped) log(`${ch.name} channel: ${dropped} row${dropped > 1 ? "s" : ""} with a missing label "${label}" left out`);
  }
  const nrow = trainCh.table.numRows();
  const ncol = trainCh.table.numCols() - 1;
  if (s.kFold > nrow) throw new Error(`hyperparameter k_fold=${s.kFold} is larger than the ${nrow} training rows`);
  const parallelFits = s.parallelFits ?? defaultWorkers(nrow, ncol);
  let m: LabelledMatrix;
  try {
    // shared memory when worker threads read it: parallel fits, or the members side by side of a final fit with a validation channel
    // and the features in the core's memory, where the job's one DMatrix reads them without a copy
    m = toMatrix(trainCh.table, { label, categorical, objective: ens.objective, shared: parallelFits > 1 || !!valCh, inCore: true });
  } catch (e) {
    throw new Error(`cross-validation failed: ${(e as Error).message}`);
  }
  // the validation channel's labels as the final fit reads them (numbers, or the training labels' classes): a bad
  // one fails the job now, not after the cross-validation
  if (valCh) {
    try {
      encodeLabels(valCh.table, label, m.classes);
    } catch (e) {
      throw new Error(`validation channel: ${(e as Error).message}`);
    }
  }
  return { m, label, valCh, files: trainCh.files.length, categoricalNote: textColumnsNote(trainCh.table, label, categorical), parallelFits };
}

interface TrainContext {
  paths: OptMlPaths;
  s: Settings;
  ens: Ensemble;
  metric: string;
  metricFn: (y: ArrayLike<number>, p: ArrayLike<number>) => number;
  parallelFits: number;
  /** the job's core budget */
  budget: number;
  /** collectGarbage, or a no-op for a small table */
  collectGarbage: () => void;
  log: Log;
  t0: number;
}

/** cross-validation, final model, scores and artifacts on the training matrix */
async function trainOn(m: LabelledMatrix, label: string, valCh: Channel | undefined, c: TrainContext): Promise<TrainResult> {
  const { paths, s, ens, metric, metricFn, parallelFits, budget, log, t0, collectGarbage } = c;
  const nrow = m.nrow;
  // 1. k-fold cross-validation, every member on the same folds. Without a validation channel for the final fit,
  // the per-round lines come from the folds' held-out rounds, printed as the fits reach them
  const roundsFromCv = !(s.finalModel === "refit" && valCh);
  // the members that report rounds: a member without startFit (ridge) fits at once and reports none — left out of
  // the [r] lines from the start, so they never wait for its fit to end
  const boosted = ens.members.filter((mem) => mem.startFit);
  const refitInRun = s.finalModel === "refit" && !valCh && !refitAfterCv(s, false, nrow * m.ncol); // (train(), above)
  const fitKey = (fold: number, member: string) => `${fold}:${member}`;
  const cvLive = roundsFromCv
    ? new LiveRounds(Array.from({ length: s.kFold }, (_, f) => boosted.map((mem) => fitKey(f + 1, mem.name))).flat(), metric, log)
    : undefined;
  let cv: CvResult;
  // the first report of round 0 (the folds are assigned and the first fit runs) and of round 1 (lockstep: every fit
  // of that thread has started): what was left behind (the folds' assignment, the folds' row views) is
  // garbage that the rounds' few allocations would not collect before the other fits start (collectGarbage)
  let collectedAt = -1;
  try {
    cv = crossValidate(ens, m, {
      onRound: (fold: number, member: string, round: number, metrics: Record<string, number>) => {
        if (round <= 1 && round > collectedAt) {
          collectedAt = round;
          collectGarbage();
        }
        cvLive?.onRound(fitKey(fold, member), round, metrics);
      },
      ...(cvLive ? { onFitDone: (fold: number, member: string) => cvLive.onDone(fitKey(fold, member)) } : {}),
      label,
      k: s.kFold,
      seed: s.seed,
      keepModels: s.finalModel === "folds", // the final model averages the fold models: keep them
      refit: refitInRun,
      workers: parallelFits,
      threads: budget,
      onFold: (fold, metrics) => {
        const parts = Object.entries(metrics)
          .filter(([name]) => !name.startsWith("ensemble:"))
          .map(([name, ms]) => `${name}-${metric}:${formatMetric(ms[metric])};`);
        log(`fold=${fold} ${parts.join(" ")}`);
        collectGarbage(); // the fold's predictions, labels and blend (lockstep scores the folds back to back)
      },
    });
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith("final fit") ? message : `cross-validation failed: ${message}`); // a refit's fit names itself
  }

  collectGarbage(); // the cross-validation's row indexes, per-fold copies and predictions, before the refit's peak

  // 2. per-round lines and the final model. Rounds come from held-out data only: the validation
  // channel during the final refit when there is one, else the cross-validation's held-out folds
  // (printed during the cross-validation, above).
  let final: Ensemble;
  let rounds: number[];
  let roundsSource: string;
  let roundsMetric: string | undefined;
  if (s.finalModel === "refit" && valCh) {
    // the members train side by side, min(parallel_fits, members) at once — a thread that fits several runs them in
    // lockstep, round by round, as a line needs every member's round — and the [r] lines go out as their rounds finish
    const live = new LiveRounds(boosted.map((mem) => mem.name), metric, log);
    const workers = Math.min(parallelFits, ens.members.length);
    try {
      await ens.fitParallel(m, {
        label, evalSet: valCh.table, onRound: live.onRound, onMemberDone: live.onDone, workers, nthread: Math.max(1, Math.floor(budget / workers)),
      });
    } catch (e) {
      throw new Error(`final fit failed: ${(e as Error).message}`);
    }
    final = ens;
    rounds = live.values();
    roundsMetric = live.metric;
    roundsSource = "final fit on the validation channel (mean over boosted members)";
  } else {
    rounds = cvLive!.values();
    roundsMetric = cvLive!.metric;
    roundsSource = "held-out folds of the cross-validation (mean over folds and boosted members)";
    try {
      if (s.finalModel === "folds") final = foldsEnsemble(ens, cv, label);
      else if (refitInRun) final = ens; // fitted by the cross-validation's run
      else {
        final = ens.fitMatrix(m, { workers: 1, nthread: budget }); // one member at a time, the whole budget each (above)
        final.label = label;
      }
    } catch (e) {
      throw new Error(`${s.finalModel === "refit" ? "final fit" : "averaging the fold models"} failed: ${(e as Error).message}`);
    }
  }

  // 3. scores of the final model
  const yTrain = cv.y; // the label column in row order (text labels as class indexes)
  const trainScore = metricFn(yTrain, final.predict(m).prediction);
  let validation: number;
  let validationSource: TrainResult["validationSource"];
  if (valCh) {
    try {
      const yVal = encodeLabels(valCh.table, label, cv.classes);
      validation = metricFn(yVal, final.predict(valCh.table).prediction);
    } catch (e) {
      throw new Error(`validation channel: ${(e as Error).message}`);
    }
    validationSource = "validation channel";
  } else {
    // cox-nloglik: the mean of the folds' values — the pooled out-of-fold hazard ratios of k fold models are on k
    // scales (lib's FOLD_MEAN_METRICS); every other metric of the out-of-fold predictions pooled
    validation = cvScore(cv, metric);
    validationSource = FOLD_MEAN_METRICS.has(metric) ? "mean over folds" : "out-of-fold";
  }

  // 4. artifacts: output/data/cv.json, then model/ (saved aside, published whole as the last step,
  // so a job that fails anywhere leaves no model)
  const cvJson = {
    format: "ensemble-workbook/cv/1",
    objective: cv.objective,
    metric,
    metrics: cv.metrics,
    k: s.kFold,
    seed: s.seed,
    blend: ens.blend,
    final_model: s.finalModel,
    label,
    featureNames: cv.featureNames,
    columns: cv.columns.map((c) => ({ name: c.name, type: c.type, ...(c.categories ? { categories: c.categories.length } : {}) })),
    ...(cv.classes ? { classes: cv.classes } : {}),
    rows: nrow,
    members: ens.members.map((m) => ({ name: m.name, kind: m.kind, params: m.params })),
    folds: cv.table.objects(),
    summary: cv.summary.objects(),
    curves: cv.curves,
    rounds: { source: roundsSource, metric: roundsMetric ?? null, values: rounds },
    train: { [metric]: trainScore },
    validation: { [metric]: validation, source: validationSource },
    seconds: (Date.now() - t0) / 1000,
  };
  const cvFile = path.join(paths.outputData, "cv.json");
  writeFileAtomic(cvFile, jsonWithArrays(cvJson, { y: cv.y, oof: cv.oof }));
  const tmpModel = modelTmpDir(paths.root, process.pid);
  fs.rmSync(tmpModel, { recursive: true, force: true });
  try {
    // a SIGTERM (StopTrainingJob) now waits for model/ to be whole (./stop)
    await holdStop(() => {
      saveEnsemble(final, tmpModel);
      publishDir(tmpModel, paths.model);
    });
  } catch (e) {
    // the job fails: no cv.json of a model that was not written (an earlier model, if any, is left as it was)
    fs.rmSync(cvFile, { force: true });
    throw new Error(`cannot write the model to ${paths.model}: ${(e as Error).message}`);
  } finally {
    fs.rmSync(tmpModel, { recursive: true, force: true });
  }

  log(`training done in ${((Date.now() - t0) / 1000).toFixed(1)} s; model written to ${paths.model}`);
  // the final metric lines are the last lines of the log
  log(`train-${metric}:${formatMetric(trainScore)};`);
  log(`validation-${metric}:${formatMetric(validation)};`);
  final.free();
  return { settings: s, cv, metric, train: trainScore, validation, validationSource };
}
