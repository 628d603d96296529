/**
 * train(): the boosting loop — one core call per round, then each evaluation set's
 * margins are advanced by the new trees only (a cache per set, as XGBoost keeps), its
 * metrics computed, callbacks and early stopping consulted.
 *
 * train() is synchronous and returns a Booster (no Promise): the work is CPU-bound
 * in one WebAssembly instance, and callers (notebook cells, the trainer) are simpler.
 */
import { Booster } from "./booster";
import { DMatrix } from "./dmatrix";
import { applyTargetStatistics, encodedColumns, encodedFeatureNames, fitOrderedTargetStatistics } from "./categorical";
import { labelRange } from "./objectives";
import { aftDefaultMetric, isRankMetric, isRankObjective, maximizes, metricCall, metricsProblem, numGroups, resolveParams, type ResolvedParams } from "./params";
import type { XGBoostParams } from "./xgboost-params";
import { alloc, bytesAt, check, f32, free, getCore, i32, resolveThreads, setThreads } from "./wasm";
import { constraintsFor } from "./constraints";
import { shownValue, shownNames } from "./shown";

export interface IterationInfo {
  iteration: number;
  /** evals[name][metric] for this round */
  evals: Record<string, Record<string, number>>;
  booster: Booster;
}

export interface TrainCallback {
  /** Called after every round; return true to stop training. */
  afterIteration?(info: IterationInfo): boolean | void;
}

export interface TrainOptions {
  numBoostRound?: number;
  evals?: [DMatrix, string][];
  /** stop when the last metric on the last eval set has not improved for this many rounds */
  earlyStoppingRounds?: number;
  /** print the metrics every round (true) or every N rounds */
  verboseEval?: boolean | number;
  callbacks?: TrainCallback[];
  /**
   * Instead of params.nthread: the core threads of each next round, asked just before it — for a fit among others
   * that can take more cores as the others end (lib's runs of fits). The model is the same for every thread count
   * (csrc/threads.h), so it may change from round to round.
   */
  threads?: () => number;
}

/**
 * What a matrix holds for the objective: survival:aft's bounds (label_lower_bound / label_upper_bound, which no other
 * objective reads: given to another, they were dropped silently), else labels in the objective's range.
 */
function checkTargets(objective: string, numClass: number, d: DMatrix, what: string): void {
  if (objective === "survival:aft") {
    if (!d.hasBounds) throw new Error(`${what}: survival:aft needs label_lower_bound and label_upper_bound (DMatrix options: each row's time interval; upper Infinity = right-censored)`);
    return;
  }
  if (d.hasBounds) throw new Error(`${what}: the matrix has label_lower_bound / label_upper_bound, survival:aft's interval labels; objective is ${objective}, which reads the label`);
  const labels = d.labelsView(); // read in place: a view's labels are not copied to be checked
  if (!labels) throw new Error(`${what === "train" ? "train: dtrain" : what} has no label`);
  checkLabels(objective, numClass, labels, d.nrow, what);
}

function checkLabels(objective: string, numClass: number, labels: { values: Float32Array; rows?: Int32Array }, n: number, what: string): void {
  const { values, rows } = labels;
  const range = labelRange(objective);
  for (let i = 0; i < n; i++) {
    const y = rows ? values[rows[i]] : values[i];
    if (range && !range[0](y)) throw new Error(`${what}: label[${i}] = ${y}; ${objective} needs ${range[1]}`);
    if (objective.startsWith("multi:") && !(Number.isInteger(y) && y >= 0 && y < numClass)) {
      throw new Error(`${what}: label[${i}] = ${y}; ${objective} needs integer class labels in [0, ${numClass - 1}] (num_class = ${numClass})`);
    }
  }
}

/** Query groups (DMatrix group / qid) where they mean something: the rank:* objectives train on them, with one
 * weight per group; other objectives do not read them (native ignores them there: refused rather than silently
 * unused). A row view carries no groups: a rank:* fit on one would see one group of all its rows. */
function checkQueryGroups(p: ResolvedParams, dtrain: DMatrix): void {
  const rank = isRankObjective(p.objective);
  if (dtrain.queryPtr && !rank) {
    // ndcg / map by query: on an eval set, for the objectives they apply to (params.ts refuses them for survival:*)
    const hint = p.objective.startsWith("survival:") ? "" : " (to score ndcg / map by query, give an eval set of these rows with their groups)";
    throw new Error(`train: dtrain has query groups (group / qid), which only the rank:* objectives read; objective is ${p.objective}${hint}`);
  }
  // its rows carry the weights native's sketch gives grouped rows (query-groups.ts), not weights of their own
  if (dtrain.viewOfGrouped && dtrain.hasWeight) {
    throw new Error("train: dtrain is a row view of a matrix with query groups and weights: those weights are per query group, not per row; build a DMatrix of the rows with their own weights");
  }
  if (!rank) return;
  if (dtrain.viewOfGrouped) throw new Error(`train: dtrain is a row view of a matrix with query groups, and views carry no groups; build a DMatrix of the rows with their group / qid for ${p.objective}`);
  if (!dtrain.queryPtr && dtrain.hasWeight) {
    throw new Error(`train: ${p.objective} weighs query groups, one weight per group; dtrain has row weights and no groups: give group or qid (without them the rows are one query)`);
  }
  if (dtrain.queryWeight && !dtrain.queryWeight.some((w) => w > 0)) throw new Error(`train: every query group of dtrain has weight 0 (${p.objective} divides by their sum)`);
}

/** Whether a metric reads an eval set's query groups: ndcg, map, pre, and auc / aucpr, which native scores per query
 * on a set with groups whatever the objective (metric_rank_auc) */
function readsGroups(m: string, d: DMatrix): boolean {
  return isRankMetric(m) || ((m === "auc" || m === "aucpr") && d.queryPtr !== undefined);
}

/** An eval set for ndcg / map / pre: its own query groups (none: one query of all rows, as native), not a view's;
 * ndcg's labels as relevance degrees its gains 2^label - 1 can take. auc / aucpr by query: a score a row, and aucpr's
 * labels in [0, 1] */
function checkRankMetricSet(p: ResolvedParams, d: DMatrix, name: string): void {
  // the per-row metrics weigh rows; a grouped set's weights are per group (native reads them by row index, past
  // their end)
  const perRow = p.eval_metric.find((m) => !readsGroups(m, d));
  if (perRow && d.hasWeight && (d.queryPtr || d.viewOfGrouped)) {
    throw new Error(`train: eval set "${name}" has query groups and weights, one per group, but ${perRow} weighs rows; evaluate it on a DMatrix of the rows with row weights (or without groups)`);
  }
  const byQuery = d.queryPtr ? p.eval_metric.filter((m) => m === "auc" || m === "aucpr") : [];
  // native's RankingAUC reads the first nrow of the row-major class probabilities as one score a row: meaningless
  if (byQuery.length && numGroups(p) > 1) {
    throw new Error(`train: eval set "${name}" has query groups, on which ${byQuery[0]} is scored per query (as native), but ${p.objective} gives ${numGroups(p)} scores a row; evaluate it on a DMatrix of the rows without groups (one class against the rest)`);
  }
  if (byQuery.includes("aucpr")) {
    const { values, rows } = d.labelsView()!;
    for (let i = 0; i < d.nrow; i++) {
      const y = rows ? values[rows[i]] : values[i];
      // native: "PR-AUC supports only binary relevance for learning to rank"
      if (!(y >= 0 && y <= 1)) throw new Error(`train: eval set "${name}": label[${i}] = ${y}; aucpr on query groups needs labels in [0, 1] (binary relevance, as native)`);
    }
  }
  const metrics = p.eval_metric.filter(isRankMetric);
  if (!metrics.length) return;
  if (d.viewOfGrouped) throw new Error(`train: eval set "${name}" is a row view of a matrix with query groups, and views carry no groups; ${metrics[0]} needs them: build a DMatrix of the rows with their group / qid`);
  if (!metrics.some((m) => m.startsWith("ndcg"))) return;
  const { values, rows } = d.labelsView()!;
  for (let i = 0; i < d.nrow; i++) {
    const y = rows ? values[rows[i]] : values[i];
    if (!(y >= 0 && y < 31)) throw new Error(`train: eval set "${name}": label[${i}] = ${y}; ndcg needs relevance labels in [0, 31) (its gain is 2^label - 1 of the label truncated to an integer)`);
  }
}

export function train(params: XGBoostParams, dtrain: DMatrix, opts: TrainOptions = {}): Booster {
  const t = startTraining(params, dtrain, opts);
  try {
    while (t.step());
  } catch (e) {
    t.abort();
    throw e;
  }
  return t.finish();
}

/**
 * A fit that advances one round per step() — what train() runs to the end. Several fits stepped in turn (the folds
 * of a cross-validation, as xgb.cv advances them) each park() between their rounds: the core frees the fit's
 * working memory (gathered bins, gradients, scratch) and rebuilds it exactly at the next step, so a parked fit holds
 * its margins (4 bytes a row) and the fits give the models train() gives (booster.c: TrainState).
 * Evaluation sets, callbacks, verbose lines and early stopping act after each step as in train().
 */
export interface Training {
  /** the booster being trained (its trees so far) */
  readonly booster: Booster;
  /** Runs the next round; false once the fit is over (numBoostRound reached, a callback or early stopping stopped it). */
  step(): boolean;
  /** Frees the fit's working memory until the next step. */
  park(): void;
  /** Ends the fit and returns its booster (the fit's state freed). */
  finish(): Booster;
  /** Ends the fit and frees its booster (after an error). */
  abort(): void;
}

const TRAIN_OPTIONS = ["numBoostRound", "evals", "earlyStoppingRounds", "verboseEval", "callbacks", "threads"];
/** xgb.train's keywords: those this train() takes under another name, and those it has no counterpart of */
const XGB_TRAIN_KEYWORDS: Record<string, string> = {
  num_boost_round: "here it is numBoostRound", early_stopping_rounds: "here it is earlyStoppingRounds", verbose_eval: "here it is verboseEval",
  evals_result: "the metrics are the booster's evalsResult", xgb_model: "continuing the training of an existing model is not supported",
  obj: "custom objectives are not supported", feval: "custom metrics are not supported", custom_metric: "custom metrics are not supported",
  maximize: "not supported: early stopping maximises auc, aucpr, ndcg* and map* and minimises the other metrics (as XGBoost 1.7's EarlyStopping; it refuses to watch pre* or interval-regression-accuracy, which native minimises)",
};

/**
 * An option train() does not read is an Error naming it: xgb.train's keywords were taken and ignored —
 * { num_boost_round: 50 } trained the default 10 rounds, early_stopping_rounds did not stop, xgb_model trained a new
 * model and obj a model of the built-in objective, every one silently.
 */
/** callback hooks train() never calls: xgboost's TrainingCallback methods, and their camel-case spellings but afterIteration */
const UNCALLED_HOOKS = ["after_iteration", "before_iteration", "before_training", "after_training", "beforeIteration", "beforeTraining", "afterTraining"];

function checkTrainOptions(opts: unknown): void {
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) throw new Error(`train: options must be an object, got ${shownValue(opts)}`);
  for (const [key, value] of Object.entries(opts)) {
    if (TRAIN_OPTIONS.includes(key) || value === undefined) continue;
    const known = XGB_TRAIN_KEYWORDS[key];
    throw new Error(`train: unknown option "${key}"${known ? ` (xgb.train's keyword: ${known})` : ""}; valid: ${TRAIN_OPTIONS.join(", ")}`);
  }
  // and the values of those it reads: a callback is an object of afterIteration only (xgboost's after_iteration, or a
  // misspelling, was a callback never called — an early stop that never stopped), threads a function, verboseEval a
  // switch or a period; each was a TypeError from inside the loop or taken silently
  const { callbacks, threads, verboseEval } = opts as TrainOptions;
  if (callbacks !== undefined) {
    if (!Array.isArray(callbacks)) throw new Error(`train: callbacks must be an array of { afterIteration(info) } objects, got ${shownValue(callbacks)}`);
    callbacks.forEach((c, i) => {
      if (c === null || typeof c !== "object") throw new Error(`train: callbacks[${i}] must be an object { afterIteration(info) }, got ${shownValue(c)}`);
      // a callback may keep state of its own (a class instance, { best, afterIteration }); what is refused is a hook
      // this loop never calls — xgboost's Python names, or the camel-case ones it does not have
      for (const k of Object.keys(c)) {
        if (!UNCALLED_HOOKS.includes(k)) continue;
        throw new Error(`train: callbacks[${i}] has "${k}"${k === "after_iteration" ? " (xgboost's Python name; here it is afterIteration)" : ""}, which is never called: a callback's one hook is afterIteration`);
      }
      if (typeof c.afterIteration !== "function") throw new Error(`train: callbacks[${i}].afterIteration must be a function (a callback's one hook), got ${shownValue(c.afterIteration)}`);
    });
  }
  if (threads !== undefined && typeof threads !== "function") throw new Error(`train: threads must be a function returning the next round's thread count, got ${shownValue(threads)}`);
  if (verboseEval !== undefined && typeof verboseEval !== "boolean" && !(Number.isInteger(verboseEval) && verboseEval >= 0)) {
    throw new Error(`train: verboseEval must be true, false or a period of rounds (an integer >= 0), got ${shownValue(verboseEval)}`);
  }
}

export function startTraining(params: XGBoostParams, dtrain: DMatrix, opts: TrainOptions = {}): Training {
  if (params === null || typeof params !== "object" || Array.isArray(params)) throw new Error(`train: params must be an object of XGBoost parameters, got ${params === null ? "null" : typeof params}`);
  checkTrainOptions(opts);
  const p = resolveParams(params);
  if (!(dtrain instanceof DMatrix)) throw new Error("train: dtrain must be a DMatrix");
  dtrain.assertLive();
  const rounds = opts.numBoostRound ?? 10;
  if (!(Number.isInteger(rounds) && rounds >= 0)) throw new Error(`train: numBoostRound must be an integer >= 0, got ${rounds}`);
  if (dtrain.nrow === 0) throw new Error("train: dtrain has no rows");
  checkTargets(p.objective, p.num_class, dtrain, "train");
  checkQueryGroups(p, dtrain);
  const evals = opts.evals ?? [];
  // [[DMatrix, name], …] with names told apart: a second set of one name appended its values to the first's
  // evalsResult list (two values a round, read as two rounds), a missing name was "undefined", a flat pair a TypeError
  if (!Array.isArray(evals)) throw new Error(`train: evals must be an array of [DMatrix, name] pairs, got ${shownValue(evals)}`);
  const evalNames = new Set<string>();
  evals.forEach((e, i) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[1] !== "string") {
      throw new Error(`train: evals[${i}] must be a [DMatrix, name] pair with a string name, got ${e instanceof DMatrix ? "a DMatrix" : Array.isArray(e) ? `[${e.map((x) => (x instanceof DMatrix ? "DMatrix" : shownValue(x))).join(", ")}]` : shownValue(e)}`);
    }
    if (evalNames.has(e[1])) throw new Error(`train: two eval sets are named "${e[1]}"; each needs its own name (evalsResult is keyed by it)`);
    evalNames.add(e[1]);
  });
  for (const [d, name] of evals) {
    if (!(d instanceof DMatrix)) throw new Error(`train: evals entry "${name}" is not a DMatrix`);
    if (d.ncol !== dtrain.ncol) throw new Error(`train: eval set "${name}" has ${d.ncol} features, dtrain has ${dtrain.ncol}`);

    // as predict's check and native's feature_names mismatch: named columns in another order (or other names) would be
    // evaluated by position — a silently wrong metric, which early stopping then follows. Unnamed sets are read by
    // position, as predict reads unnamed data.
    const names = dtrain.featureNames;
    if (names && d.featureNames && d.featureNames.some((n, j) => n !== names[j])) {
      throw new Error(`train: eval set "${name}" has feature names ${shownNames(d.featureNames)}; dtrain's are ${shownNames(names)} (same names, same order)`);
    }
    // as dtrain's, as native checks every set's labels: a multi:* label past num_class scored mlogloss 36.8 every
    // round, and a binary label of 2 a logloss of −0.66, silently
    if (d !== dtrain) checkTargets(p.objective, p.num_class, d, `train: eval set "${name}"`);
    checkRankMetricSet(p, d, name);
  }
  const es = opts.earlyStoppingRounds;
  if (es !== undefined && !(Number.isInteger(es) && es > 0)) throw new Error(`train: earlyStoppingRounds must be a positive integer, got ${es}`);
  if (es !== undefined && evals.length === 0) throw new Error("train: earlyStoppingRounds needs at least one eval set");
  const metricsProblemText = evals.length ? metricsProblem(p) : undefined;
  if (metricsProblemText) throw new Error(`train: ${metricsProblemText}`);
  if (es !== undefined && p.eval_metric.length === 0) throw new Error("train: earlyStoppingRounds needs a metric to watch: disable_default_eval_metric is set and eval_metric names none");
  // native's early stopping minimises every metric but auc / aucpr / map / ndcg (xgboost/callback.py), an accuracy too:
  // it would keep the round of the worst one. Neither that nor another rule than native's: an Error saying so
  if (es !== undefined && p.eval_metric[p.eval_metric.length - 1] === "interval-regression-accuracy") {
    throw new Error("train: earlyStoppingRounds watches the last eval_metric, interval-regression-accuracy, which native XGBoost's early stopping minimises (it keeps the round of the worst accuracy); name aft-nloglik last to stop on it");
  }
  const watched = p.eval_metric[p.eval_metric.length - 1];
  if (es !== undefined && watched !== undefined && isRankMetric(watched) && watched.startsWith("pre")) {
    throw new Error(`train: earlyStoppingRounds watches the last eval_metric, ${watched}, which native XGBoost 1.7's early stopping minimises (it keeps the round of the worst precision); name ndcg@k or map@k last to stop on it`);
  }

  // the constraints name the training data's features: checked here, before anything is built (Fit applies them)
  constraintsFor(p, dtrain.ncol, dtrain.featureNames);
  const constrained = p.monotone_constraints !== undefined || p.interaction_constraints !== undefined;
  if (dtrain.catFeatures.length === 0) return new Fit(p, dtrain, evals, rounds, opts);
  if (constrained && p.cat_encoding !== "partition" && p.enable_categorical !== false) {
    throw new Error(`train: monotone_constraints and interaction_constraints are not implemented with cat_encoding "${p.cat_encoding}" (trees on target statistics); use cat_encoding "partition", XGBoost's categorical splits`);
  }
  if (p.enable_categorical === false) {
    throw new Error(`train: enable_categorical is false but dtrain declares categorical columns ${dtrain.catFeatures.join(", ")}; drop them from catFeatures / featureTypes to use them as numbers`);
  }

  // the target statistics are taken of labels row by row, and the encoded copy has no query groups
  if (isRankObjective(p.objective) && p.cat_encoding !== "partition") {
    throw new Error(`train: ${p.objective} with cat_encoding "${p.cat_encoding}" (target statistics of the labels) is not implemented; use cat_encoding "partition", XGBoost's categorical splits`);
  }
  // Categorical columns, cat_encoding "partition": XGBoost's categorical splits, in the core.
  if (p.cat_encoding === "partition") return new Fit(p, dtrain, evals, rounds, opts, dtrain.featureTypes);
  if (p.objective.startsWith("survival:")) {
    throw new Error(`train: cat_encoding "${p.cat_encoding}" (target statistics) is not implemented for ${p.objective}, whose labels are ${p.objective === "survival:aft" ? "intervals" : "censored times"}; use cat_encoding "partition"`);
  }

  // "ordered" / "naive": train on the columns' target statistics (per class for multi:*,
  // which adds columns), evaluate other sets with the prediction-time table, and keep the
  // table in the model.
  const { encoded, encoding } = fitOrderedTargetStatistics(dtrain.getData(), dtrain.ncol, dtrain.getLabel()!, dtrain.catFeatures, {
    permutations: p.cat_permutations, priorWeight: p.cat_prior_weight, naive: p.cat_encoding === "naive", seed: p.seed,
    numClass: p.objective.startsWith("multi:") ? p.num_class : undefined,
  });
  const width = encodedColumns(encoding), names = encodedFeatureNames(encoding, dtrain.featureNames);
  const temporaries: DMatrix[] = [];
  const encode = (d: DMatrix, X: Float32Array) => {
    // an eval set's query groups go along (ndcg / map / pre / auc read them; dtrain has none outside rank:*)
    const ptr = d.queryPtr, group = ptr && Array.from({ length: ptr.length - 1 }, (_, k) => ptr[k + 1] - ptr[k]);
    const e = new DMatrix(X, { nrow: d.nrow, ncol: width, label: d.getLabel(), weight: d.getWeight(), featureNames: names, ...(group ? { group } : {}) });
    temporaries.push(e);
    return e;
  };
  try {
    const encTrain = encode(dtrain, encoded);
    const encEvals = evals.map(([d, name]): [DMatrix, string] => [d === dtrain ? encTrain : encode(d, applyTargetStatistics(d.getData(), d.ncol, encoding)), name]);
    const fit = new Fit(p, encTrain, encEvals, rounds, opts, undefined, temporaries);
    fit.booster.catEncoding = encoding;
    return fit;
  } catch (e) {
    temporaries.forEach((d) => d.free());
    throw e;
  }
}

/**
 * The quantised form train(params, d) bins d into (its max_bin and, for categorical splits, the feature
 * types), or undefined when it bins something else (ordered target statistics train on an encoded copy). A caller
 * that hands d to other threads (DMatrix.sharedDescriptor) builds these first.
 */
export function trainingForm(params: XGBoostParams, d: DMatrix): { maxBin: number; types?: Uint8Array } | undefined {
  const p = resolveParams(params);
  if (d.catFeatures.length === 0) return { maxBin: p.max_bin };
  if (p.enable_categorical === false || p.cat_encoding !== "partition") return undefined;
  return { maxBin: p.max_bin, types: Uint8Array.from(d.featureTypes, (t) => (t === "c" ? 1 : 0)) };
}

/** Query group pointers (n + 1 of them) or per-group weights copied into the core's memory: [pointer, groups] */
function inCore(a: Int32Array | Float32Array): [number, number] {
  const ptr = alloc(Math.max(4, a.length * 4));
  (a instanceof Int32Array ? i32(ptr, a.length) : f32(ptr, a.length)).set(a);
  return [ptr, a instanceof Int32Array ? a.length - 1 : a.length];
}

/** The booster's constraints in the core (csrc/api.h bst_set_monotone, bst_set_interactions) */
function setConstraints(bst: number, { monotone, interactions }: { monotone?: number[]; interactions?: number[][] }): void {
  const c = getCore();
  if (monotone?.length) {
    const at = alloc(monotone.length);
    try {
      bytesAt(at, monotone.length).set(monotone.map((v) => v & 255)); // int8_t: -1 is 255
      check(c.bst_set_monotone(bst, at, monotone.length), "train");
    } finally {
      free(at);
    }
  }
  if (interactions) {
    const flat = interactions.flat(), ng = interactions.length;
    const at = alloc(4 * Math.max(1, flat.length) + 4 * (ng + 1));
    try {
      i32(at, flat.length).set(flat);
      const begin = at + 4 * Math.max(1, flat.length);
      let k = 0;
      i32(begin, ng + 1).set([0, ...interactions.map((g) => (k += g.length))]);
      check(c.bst_set_interactions(bst, 1, at, begin, ng), "train");
    } finally {
      free(at);
    }
  }
}

/** The boosting loop, a round per step(); featureTypes ("c" = categorical, one per column) switches on the
 * core's categorical splits for those columns; `temporaries` (encoded matrices) are freed with the fit. */
class Fit implements Training {
  readonly booster: Booster;
  private readonly k: number;
  private readonly margins: number[] = [];
  private readonly targets: { label: number; weight: number; lower: number; upper: number; done(): void }[] = [];
  /** each eval set's query groups in the core's memory ([pointer, groups]; [0, 0]: none) */
  private readonly queries: [ptr: number, n: number, weight: number][] = [];
  private readonly verbose: number;
  private unpin?: () => void;
  private best = Infinity;
  private bestRound = -1;
  private readonly watchMetric: string;
  private readonly sign: number;
  private it = 0;
  /** the thread count the fit's working memory was built for (its last round after a park), or 0 while parked */
  private builtFor = 0;
  private over = false;
  private ended = false;

  constructor(
    private readonly p: ResolvedParams, private readonly dtrain: DMatrix, private readonly evals: [DMatrix, string][],
    private readonly rounds: number, private readonly opts: TrainOptions, featureTypes?: string[], private readonly temporaries: DMatrix[] = [],
  ) {
    const c = getCore();
    const bst = (this.booster = new Booster(p));
    bst.numFeature = dtrain.ncol;
    bst.featureNames = dtrain.featureNames;
    this.k = numGroups(p);
    this.verbose = opts.verboseEval === true ? 1 : typeof opts.verboseEval === "number" ? opts.verboseEval : 0;
    this.watchMetric = p.eval_metric[p.eval_metric.length - 1];
    this.sign = maximizes(this.watchMetric) ? -1 : 1;
    try {
      if (featureTypes) {
        bst.featureTypes = featureTypes;
        const types = alloc(featureTypes.length);
        bytesAt(types, featureTypes.length).set(featureTypes.map((t) => (t === "c" ? 1 : 0)));
        try {
          check(c.bst_set_feature_types(bst.ptr, types, featureTypes.length), "train");
        } finally {
          free(types);
        }
      }
      setConstraints(bst.ptr, constraintsFor(p, dtrain.ncol, dtrain.featureNames));
      setThreads(this.threads(), dtrain.nrow);
      // The matrix's quantised form (built on the first fit, dmatrix.ts); a view's fit
      // gathers its rows' codes from it.
      const typeCodes = featureTypes ? Uint8Array.from(featureTypes, (t) => (t === "c" ? 1 : 0)) : undefined;
      const form = dtrain.quantised(p.max_bin, typeCodes);
      this.unpin = form.unpin;
      const src = dtrain.source();
      const aft = p.objective === "survival:aft";
      check(c.bst_train_begin_q(bst.ptr, form.qm, src.X, aft ? src.lower : src.label, src.weight, src.rows, src.n, p.base_score ?? NaN), "train");
      if (aft) check(c.bst_train_set_upper(bst.ptr, src.upper), "train");
      if (isRankObjective(p.objective) && dtrain.queryPtr) {
        const [ptr, n] = inCore(dtrain.queryPtr), w = dtrain.queryWeight ? inCore(dtrain.queryWeight)[0] : 0;
        try {
          check(c.bst_train_query_groups(bst.ptr, ptr, w, n), "train");
        } finally {
          free(ptr); free(w);
        }
      }
      for (const [d] of evals) {
        // the set's groups for the metrics that read them (a grouped set's weights are its groups' then)
        const grouped = d.queryPtr && p.eval_metric.some((m) => readsGroups(m, d));
        this.queries.push(grouped ? [...inCore(d.queryPtr!), grouped && d.queryWeight ? inCore(d.queryWeight)[0] : 0] : [0, 0, 0]);
        this.targets.push(d.targets());
        if (d === dtrain) { this.margins.push(0); continue; }
        const m = alloc(Math.max(4, d.nrow * this.k * 4));
        this.margins.push(m);
        c.bst_margin_init(bst.ptr, m, d.nrow);
      }
      for (const [, name] of evals) bst.evalsResult[name] = Object.fromEntries(p.eval_metric.map((m) => [m, [] as number[]]));
      if (rounds === 0) this.over = true;
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  step(): boolean {
    if (this.over || this.ended) return false;
    const { p, dtrain, evals, opts, booster: bst, margins, targets } = this;
    const c = getCore();
    const it = this.it;
    const before = c.bst_num_trees(bst.ptr);
    // set before every round: another booster may have run in between (callbacks, other fits)
    const threads = setThreads(this.threads(), dtrain.nrow);
    // working memory built for one thread runs the one-thread kernels whatever the count (booster.c acquire): when
    // the count has risen since, it is rebuilt for the threads (as after a park; the same model)
    if (this.builtFor === 1 && threads > 1) this.park();
    if (this.builtFor === 0) this.builtFor = threads;
    check(c.bst_boost_round(bst.ptr, it, this.rounds), "train");
    const after = c.bst_num_trees(bst.ptr);
    const scores: Record<string, Record<string, number>> = {};
    evals.forEach(([d, name], j) => {
      let m = margins[j];
      if (d === dtrain) m = c.bst_train_margin(bst.ptr);
      else {
        const src = d.source({ bst: bst.ptr, treeBegin: before, treeEnd: after, maxBin: p.max_bin }); // a row view is read through its indexes
        check(c.bst_margin_add(bst.ptr, src.X, src.qm, src.xRows, src.ncol, src.rows, src.n, before, after, m), "train");
      }
      scores[name] = {};
      for (const metric of p.eval_metric) {
        const [id, param, minus] = metricCall(metric);
        const threshold = aftDefaultMetric(p, metric) ? -1 : param;
        // survival:aft's metrics read the bounds (the lower ones where the others read the label); ndcg / map the
        // eval set's query groups
        const t = targets[j], aft = p.objective === "survival:aft";
        const v = c.bst_eval(bst.ptr, id, threshold, m, aft ? t.lower : t.label, aft ? t.upper : 0, t.weight, d.nrow,
          this.queries[j][0], this.queries[j][1], this.queries[j][2], minus);
        scores[name][metric] = v;
        bst.evalsResult[name][metric].push(v);
      }
    });
    if (this.verbose && evals.length && (it % this.verbose === 0 || it === this.rounds - 1)) {
      const parts = evals.flatMap(([, name]) => p.eval_metric.map((metric) => `${name}-${metric}:${scores[name][metric].toFixed(5)}`));
      console.log(`[${it}]\t${parts.join("\t")}`);
    }
    let stop = false;
    for (const cb of opts.callbacks ?? []) if (cb.afterIteration?.({ iteration: it, evals: scores, booster: bst })) stop = true;
    const es = opts.earlyStoppingRounds;
    if (es !== undefined) {
      const v = scores[evals[evals.length - 1][1]][this.watchMetric] * this.sign;
      // the first round is the best so far whatever its value, as XGBoost's EarlyStopping records it — a NaN metric
      // (auc on a one-class set) never compares better, and the fit stopped a round early with no best iteration
      if (this.bestRound < 0 || v < this.best) { this.best = v; this.bestRound = it; }
      else if (it - this.bestRound >= es) stop = true;
    }
    this.it++;
    if (stop || this.it >= this.rounds) this.over = true;
    return !this.over;
  }

  /** the core threads asked for the next round: opts.threads(), else params.nthread */
  private threads(): number {
    return this.opts.threads ? resolveThreads(this.opts.threads(), "TrainOptions.threads()") : resolveThreads(this.p.nthread);
  }

  park(): void {
    if (this.ended) return;
    getCore().bst_train_park(this.booster.ptr);
    this.builtFor = 0;
  }

  finish(): Booster {
    if (this.ended) throw new Error("train: the fit has already ended");
    const bst = this.booster;
    if (this.opts.earlyStoppingRounds !== undefined && this.bestRound >= 0) {
      bst.bestIteration = this.bestRound;
      bst.bestScore = this.best * this.sign;
    }
    this.end();
    return bst;
  }

  abort(): void {
    if (this.ended) return;
    this.end();
    this.booster.free();
  }

  private end(): void {
    this.ended = true;
    if (this.booster.ptr) getCore().bst_train_end(this.booster.ptr);
    this.unpin?.(); // the fit's state pointed into the quantised form and the matrix: both may go now
    this.margins.forEach((m) => free(m));
    this.targets.forEach((t) => t.done());
    this.queries.forEach(([ptr, , w]) => { free(ptr); free(w); });
    this.temporaries.forEach((d) => d.free());
  }
}
