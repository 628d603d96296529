/**
 * Booster: a trained (or loaded) model living in the core's memory — predicting,
 * saving as XGBoost JSON, loading XGBoost JSON, and feature importance.
 */
import { applyTargetStatistics, encodedColumns, encodingFromAttribute, encodingToAttribute, type CategoricalEncoding } from "./categorical";
import { DMatrix } from "./dmatrix";
import { checkModelData, fromJson, toJson, type ModelData, type TreeArrays } from "./model-json";
import { isRankObjective, numGroups, OBJECTIVES, paramsToArray, REG_LOSS_OBJECTIVES, resolveParams, type Objective, type ResolvedParams } from "./params";
import { addr, alloc, check, f32, f64, free, getCore, i32, resolveThreads, setThreads, u32, bytesAt } from "./wasm";
import { shownNames, shownValue } from "./shown";


export interface PredictOptions {
  /** raw margins instead of probabilities / rates */
  outputMargin?: boolean;
  /** boosting rounds [begin, end) to use; [0, 0] (default) means all */
  iterationRange?: [number, number];
  /**
   * SHAP values (TreeSHAP, XGBoost's `pred_contribs`): per row and output group, one
   * contribution per feature and the bias last; they sum to the row's margin. Layout
   * row-major nrow × (numFeature + 1), or nrow × numGroups × (numFeature + 1) for
   * multiclass models.
   */
  predContribs?: boolean;
  /**
   * SHAP interaction values (XGBoost's `pred_interactions`): nrow × (numFeature + 1) ×
   * (numFeature + 1), or nrow × numGroups × … for multiclass; entry [i][j] (i ≠ j) is half of
   * the interaction of features i and j, [i][i] feature i's main effect, [M][M] the bias;
   * row i sums to feature i's SHAP value.
   */
  predInteractions?: boolean;
  /** with predContribs / predInteractions: Saabas' path attribution instead of SHAP values (XGBoost's `approx_contribs`) */
  approxContribs?: boolean;
}

/** About what a row of SHAP contributions costs in rows of predictions (a 100-tree depth-6 model: 75–140×). */
const SHAP_ROW_COST = 64;

const PREDICT_OPTIONS = ["outputMargin", "iterationRange", "predContribs", "predInteractions", "approxContribs"];
/** The largest output predict allocates at once (in the core's memory, then copied out). */
const MAX_OUTPUT_BYTES = 2 ** 31;

/** The bytes of predict's output of `what` (float32, `perRow` a row), or an Error naming its size when it is larger than MAX_OUTPUT_BYTES. */
function outputBytes(what: string, nrow: number, perRow: number): number {
  const bytes = nrow * perRow * 4;
  if (bytes > MAX_OUTPUT_BYTES) {
    throw new Error(`predict: the ${what} of ${nrow} rows are ${perRow} numbers per row (${(bytes / 2 ** 30).toFixed(1)} GiB in all), more than the ${MAX_OUTPUT_BYTES / 2 ** 30} GiB predict returns at once; pass fewer rows per call`);
  }
  return bytes;
}

function checkPredictOptions(opts: PredictOptions): void {
  if (opts === null || typeof opts !== "object") throw new Error(`predict: options must be an object, got ${opts === null ? "null" : typeof opts}`);
  for (const [key, value] of Object.entries(opts)) {
    if (!PREDICT_OPTIONS.includes(key)) throw new Error(`predict: unknown option "${key}"; valid: ${PREDICT_OPTIONS.join(", ")}`);
    if (key !== "iterationRange" && value !== undefined && typeof value !== "boolean") {
      throw new Error(`predict: option ${key} must be true or false, got ${shownValue(value)}`);
    }
  }
  const kinds = (["outputMargin", "predContribs", "predInteractions"] as const).filter((k) => opts[k]);
  if (kinds.length > 1) throw new Error(`predict: ${kinds.join(" and ")} together; one type of prediction at a time (as XGBoost)`);
  if (opts.approxContribs && !opts.predContribs && !opts.predInteractions) {
    throw new Error("predict: approxContribs applies to predContribs or predInteractions; set one of them too");
  }
}

export type ImportanceType = "weight" | "gain" | "cover" | "total_gain" | "total_cover";

const registry = new FinalizationRegistry<number>((ptr) => getCore().bst_free(ptr));

export class Booster {
  /** @internal */
  ptr: number;
  /** the training parameters (setParam changes nthread only) */
  readonly params: ResolvedParams;
  numFeature = 0;
  featureNames?: string[];
  /** best round (0-based) when early stopping ran */
  bestIteration?: number;
  bestScore?: number;
  /** evalsResult[evalName][metric][round] */
  evalsResult: Record<string, Record<string, number[]>> = {};
  attributes: Record<string, string> = {};
  /** target-statistics table of the categorical columns, when trained with some */
  catEncoding?: CategoricalEncoding;
  /** XGBoost's feature_types ("c" = categorical split feature), when the model has them */
  featureTypes?: string[];
  private token = {};

  /** @internal use train() or Booster.loadModel() */
  constructor(params: ResolvedParams) {
    this.params = params;
    this.ptr = getCore().bst_create();
    if (!this.ptr) throw new Error("Booster: out of memory");
    const values = paramsToArray(params);
    const p = alloc(values.length * 8);
    f64(p, values.length).set(values);
    getCore().bst_set_params(this.ptr, p);
    free(p);
    registry.register(this, this.ptr, this.token);
  }

  private live(): number {
    if (!this.ptr) throw new Error("Booster: used after free()");
    return this.ptr;
  }

  get numGroups(): number { return numGroups(this.params); }
  /** trees added per boosting round */
  get treesPerRound(): number { return this.numGroups * this.params.num_parallel_tree; }
  numTrees(): number { return getCore().bst_num_trees(this.live()); }
  /** Columns the data to predict has: numFeature, less the columns that per-class target
   * statistics add for multiclass objectives (categorical.ts). */
  get numInputFeatures(): number {
    return this.catEncoding ? this.catEncoding.inputColumns : this.numFeature;
  }
  numBoostedRounds(): number { return Math.floor(this.numTrees() / this.treesPerRound); }

  predict(d: DMatrix, opts: PredictOptions = {}): Float32Array {
    this.live();
    if (!(d instanceof DMatrix)) throw new Error("predict: expects a DMatrix (wrap rows with new DMatrix(rows))");
    d.assertLive();
    checkPredictOptions(opts);
    if (d.ncol !== this.numInputFeatures) {
      throw new Error(`predict: the data has ${d.ncol} features but the model was trained with ${this.numInputFeatures}`);
    }
    // as XGBoost ("feature_names mismatch"): named columns that are not the model's, in its order, would be read by
    // position — another column order predicts silently wrong values. Unnamed data is read by position. (With
    // target statistics the model's names are those of its encoded columns: the input columns' first, then the
    // per-class columns categorical.ts appends — the data is checked against the first; it was not checked at all.)
    const names = this.catEncoding ? this.featureNames?.slice(0, this.catEncoding.inputColumns) : this.featureNames;
    if (names && d.featureNames && d.featureNames.some((n, j) => n !== names[j])) {
      throw new Error(`predict: feature names mismatch: the model's are ${shownNames(names)}; the data's are ${shownNames(d.featureNames)} (same names, same order)`);
    }
    const rounds = this.numBoostedRounds();
    let [begin, end] = opts.iterationRange ?? [0, 0];
    if (begin === 0 && end === 0) end = rounds;
    if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && begin <= end && end <= rounds)) {
      throw new Error(`predict: iterationRange [${begin}, ${end}] is outside the model's ${rounds} rounds`);
    }
    if ((opts.predContribs || opts.predInteractions) && begin !== 0) {
      throw new Error(`predict: ${opts.predContribs ? "predContribs" : "predInteractions"} explains rounds [0, end) only (as XGBoost), got iterationRange [${begin}, ${end}]`);
    }
    if (this.catEncoding) {
      const encoded = new DMatrix(applyTargetStatistics(d.getData(), d.ncol, this.catEncoding), { nrow: d.nrow, ncol: encodedColumns(this.catEncoding) });
      try {
        return this.predictRaw(encoded, begin, end, opts);
      } finally {
        encoded.free();
      }
    }
    return this.predictRaw(d, begin, end, opts);
  }

  private predictRaw(d: DMatrix, begin: number, end: number, opts: PredictOptions): Float32Array {
    if (opts.predContribs || opts.predInteractions) return this.contributionsRaw(d, end, opts);
    const b = this.live();
    const k = this.numGroups;
    const out = alloc(Math.max(4, outputBytes("predictions", d.nrow, k)));
    try {
      setThreads(resolveThreads(this.params.nthread), d.nrow);
      const src = d.source({ bst: b, treeBegin: begin * this.treesPerRound, treeEnd: end * this.treesPerRound, maxBin: this.params.max_bin }); // a row view is read through its indexes
      check(getCore().bst_predict(b, src.X, src.qm, src.xRows, src.ncol, src.rows, src.n, begin * this.treesPerRound, end * this.treesPerRound, opts.outputMargin ? 1 : 0, out), "predict");
      const width = this.params.objective === "multi:softmax" && !opts.outputMargin ? 1 : k;
      return f32(out, d.nrow * width).slice();
    } finally {
      free(out);
    }
  }

  /** SHAP values / interaction values / Saabas contributions of rounds [0, end): wasm/csrc/shap.c. */
  private contributionsRaw(d: DMatrix, end: number, opts: PredictOptions): Float32Array {
    const b = this.live();
    const k = this.numGroups, width = this.numFeature + 1;
    const perRow = k * (opts.predInteractions ? width * width : width);
    const out = alloc(Math.max(4, outputBytes(opts.predInteractions ? "interaction values" : "contributions", d.nrow, perRow)));
    try {
      const c = getCore();
      const fn = opts.predInteractions ? c.bst_predict_interactions : c.bst_predict_contribs;
      // rows in parallel (shap.c: blocks of rows, each thread its own working memory; the same values for every
      // nthread). A row of contributions costs about as much as SHAP_ROW_COST rows of predictions, one of
      // interaction values (features + 1) times that: the pool starts only for as much work as POOL_MIN_ROWS
      // predictions, and for more than one task's rows (a one-task call runs on this thread whatever the pool) —
      // not for the endpoint's one-row explanations, which used to start every core's isolate.
      const oneTask = d.nrow <= c.bst_shap_task_rows(opts.predInteractions ? 1 : 0);
      const work = oneTask ? 0 : d.nrow * SHAP_ROW_COST * (opts.predInteractions ? width : 1);
      setThreads(resolveThreads(this.params.nthread), opts.approxContribs ? d.nrow : work);
      const src = d.source({ bst: b, treeBegin: 0, treeEnd: end * this.treesPerRound, maxBin: this.params.max_bin });
      check(fn(b, src.X, src.qm, src.xRows, src.ncol, src.rows, src.n, end * this.treesPerRound, opts.approxContribs ? 1 : 0, out), "predict");
      return f32(out, d.nrow * perRow).slice();
    } finally {
      free(out);
    }
  }

  /** The model's arrays read out of the core — what saveModel writes as JSON; Booster.fromModelData takes them back. */
  toModelData(): ModelData {
    const b = this.live(), c = getCore();
    const trees: TreeArrays[] = [], treeGroup: number[] = [];
    for (let t = 0; t < c.bst_num_trees(b); t++) {
      const n = c.bst_tree_num_nodes(b, t);
      const at = (w: number) => addr(c.bst_tree_array(b, t, w));
      const nWords = c.bst_tree_num_cat_words(b, t);
      trees.push({
        left: i32(at(0), n).slice(), right: i32(at(1), n).slice(), parent: i32(at(2), n).slice(),
        feature: i32(at(3), n).slice(), cond: f32(at(4), n).slice(), baseWeight: f32(at(5), n).slice(),
        lossChg: f32(at(6), n).slice(), sumHess: f32(at(7), n).slice(), defaultLeft: bytesAt(at(8), n).slice(),
        splitType: bytesAt(at(9), n).slice(), catBegin: i32(at(10), n).slice(), catSize: i32(at(11), n).slice(),
        catWords: nWords ? u32(c.bst_tree_cat_words(b, t), nWords).slice() : new Uint32Array(0),
      });
      treeGroup.push(c.bst_tree_group(b, t));
    }
    const attributes = { ...this.attributes };
    if (this.catEncoding) attributes.categorical_target_statistics = encodingToAttribute(this.catEncoding);
    if (this.bestIteration !== undefined) {
      attributes.best_iteration = String(this.bestIteration);
      // native's unit: trees per output group ((best_iteration + 1) × num_parallel_tree; its predict(ntree_limit) reads
      // it back as ntree_limit / num_parallel_tree rounds) — not every tree of a round: with num_class 3 that was 3×
      // the rounds, past the model's end (an error) or past the best round (silently too many rounds)
      attributes.best_ntree_limit = String((this.bestIteration + 1) * this.params.num_parallel_tree);
      if (this.bestScore !== undefined) attributes.best_score = String(this.bestScore);
    }
    return {
      objective: this.params.objective, numClass: this.params.num_class, numFeature: this.numFeature,
      baseScore: c.bst_base_score(b), numParallelTree: this.params.num_parallel_tree, trees, treeGroup,
      featureNames: this.featureNames, featureTypes: this.featureTypes, attributes,
      huberSlope: this.params.huber_slope, maxDeltaStep: this.params.max_delta_step, scalePosWeight: this.params.scale_pos_weight,
      ...(this.params.objective === "reg:tweedie" ? { tweedieVariancePower: this.params.tweedie_variance_power } : {}),
      ...(this.params.objective === "survival:aft" ? { aftLossDistribution: this.params.aft_loss_distribution, aftLossDistributionScale: this.params.aft_loss_distribution_scale } : {}),
      ...(isRankObjective(this.params.objective) ? { numPairsample: this.params.num_pairsample, fixListWeight: this.params.fix_list_weight } : {}),
    };
  }

  /**
   * XGBoost's `set_param`: `setParam("nthread", 4)` or `setParam({ nthread: 4 })`. A trained or loaded model's
   * predictions and SHAP values then run on that many threads (0: every core, as XGBoost; capped at the cores as
   * train's). Only `nthread` (or its alias `n_jobs`) can change here: the other parameters shaped the trees already,
   * and a value this Booster would not use is an Error rather than silently kept.
   */
  setParam(name: string | Record<string, unknown>, value?: unknown): void {
    this.live();
    if (typeof name !== "string" && arguments.length > 1) throw new Error("setParam: give a name and a value, or one object of them, not an object and a value");
    const plain = (o: unknown): o is Record<string, unknown> => o !== null && typeof o === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(o));
    const given = typeof name === "string" ? { [name]: value } : name;
    if (!plain(given)) throw new Error(`setParam expects a name and a value, or a plain object of them; got ${(given as unknown) instanceof Map ? "a Map" : shownValue(given)}`);
    const keys = Object.keys(given);
    const other = keys.filter((k) => k !== "nthread" && k !== "n_jobs");
    if (other.length) {
      throw new Error(`setParam: ${other.join(", ")} cannot change on a trained model (only nthread / n_jobs, the threads of predict, can); train again with ${other.length > 1 ? "them" : "it"}`);
    }
    const missing = keys.find((k) => given[k] === undefined);
    if (missing) throw new Error(`setParam: ${missing} has no value`);
    if (keys.length === 0) return;
    const nthread = resolveParams(given).nthread + 0; // checked as train checks it, aliases and all (+ 0: -0 is 0)
    (this as { params: ResolvedParams }).params = { ...this.params, nthread };
  }

  /** The model as XGBoost JSON (loads in native XGBoost 1.7+). */
  saveModel(): string {
    // XGBoost's save_model(fname) writes a file: here a file name was ignored, and nothing written
    if (arguments.length > 0 && arguments[0] !== undefined) {
      throw new Error(`saveModel() returns the model's JSON text and writes no file; got ${shownValue(arguments[0])} — write the text yourself: fs.writeFileSync(path, booster.saveModel())`);
    }
    return toJson(this.toModelData());
  }

  /** A Booster from XGBoost JSON (1.7 or 2.x schema). */
  static loadModel(json: string): Booster {
    if (typeof json !== "string") throw new Error("Booster.loadModel expects the model JSON as a string");
    // XGBoost's load_model(fname) reads a file: a file name here is not JSON, said as such
    if (/^[^{\s][^\n{]*\.(json|ubj|model|bin)\s*$/i.test(json)) {
      throw new Error(`Booster.loadModel takes the model's JSON text, not a file name (${shownValue(json)}): Booster.loadModel(fs.readFileSync(path, "utf8"))`);
    }
    return Booster.fromModelData(fromJson(json));
  }

  /** A Booster from a model's arrays as toModelData() reads them — loadModel without the JSON text, for a model
   * handed over from another thread of this process (a fit worker's fitted member: no float formatting, no parsing).
   * The arrays are checked as loadModel checks the JSON (checkModelData): anything else is an Error naming it. */
  static fromModelData(m: ModelData): Booster {
    checkModelData(m);
    const params = resolveParams({
      objective: m.objective,
      ...(m.numClass ? { num_class: m.numClass } : {}),
      num_parallel_tree: m.numParallelTree,
      ...(m.huberSlope !== undefined && m.objective === "reg:pseudohubererror" ? { huber_slope: m.huberSlope } : {}),
      ...(m.maxDeltaStep !== undefined ? { max_delta_step: m.maxDeltaStep } : {}),
      ...(m.scalePosWeight !== undefined && REG_LOSS_OBJECTIVES.includes(m.objective) ? { scale_pos_weight: m.scalePosWeight } : {}),
      ...(m.tweedieVariancePower !== undefined && m.objective === "reg:tweedie" ? { tweedie_variance_power: m.tweedieVariancePower } : {}),
      ...(m.aftLossDistribution !== undefined && m.objective === "survival:aft" ? { aft_loss_distribution: m.aftLossDistribution } : {}),
      ...(m.aftLossDistributionScale !== undefined && m.objective === "survival:aft" ? { aft_loss_distribution_scale: m.aftLossDistributionScale } : {}),
      ...(isRankObjective(m.objective) ? { num_pairsample: m.numPairsample ?? 1, fix_list_weight: m.fixListWeight ?? 0 } : {}),
    });
    if (m.trees.length % (numGroups(params) * params.num_parallel_tree) !== 0) {
      throw new Error(`invalid XGBoost JSON model: ${m.trees.length} trees is not a whole number of rounds of ${numGroups(params) * params.num_parallel_tree}`);
    }
    const bst = new Booster(params);
    bst.adopt(m);
    return bst;
  }

  /** @internal copy model arrays into this (empty) booster */
  adopt(m: ModelData): void {
    const b = this.live(), c = getCore();
    this.numFeature = m.numFeature;
    this.featureNames = m.featureNames;
    this.featureTypes = m.featureTypes;
    this.attributes = { ...m.attributes };
    if (m.attributes.best_iteration !== undefined) this.bestIteration = Number(m.attributes.best_iteration);
    if (m.attributes.best_score !== undefined) this.bestScore = Number(m.attributes.best_score);
    if (m.attributes.categorical_target_statistics !== undefined) {
      this.catEncoding = encodingFromAttribute(m.attributes.categorical_target_statistics, m.numFeature);
      delete this.attributes.categorical_target_statistics;
    }
    c.bst_set_model(b, m.numFeature, numGroups(this.params), m.baseScore);
    m.trees.forEach((t, i) => {
      const n = t.left.length;
      const idx = check(c.bst_add_tree(b, n, m.treeGroup[i]), "loadModel");
      const at = (w: number) => addr(c.bst_tree_array(b, idx, w));
      i32(at(0), n).set(t.left); i32(at(1), n).set(t.right); i32(at(2), n).set(t.parent); i32(at(3), n).set(t.feature);
      f32(at(4), n).set(t.cond); f32(at(5), n).set(t.baseWeight); f32(at(6), n).set(t.lossChg); f32(at(7), n).set(t.sumHess);
      bytesAt(at(8), n).set(t.defaultLeft);
      bytesAt(at(9), n).set(t.splitType); i32(at(10), n).set(t.catBegin); i32(at(11), n).set(t.catSize);
      if (t.catWords.length) {
        const w = c.bst_tree_reserve_cat_words(b, idx, t.catWords.length);
        if (!w) check(-1, "loadModel");
        u32(w, t.catWords.length).set(t.catWords);
      }
    });
  }

  /** Feature importance as XGBoost computes it: per feature used in a split, the number
   * of splits (weight), the mean / total loss reduction (gain / total_gain), or the mean /
   * total hessian sum of the split nodes (cover / total_cover). */
  getScore(opts: { importanceType?: ImportanceType } = {}): Record<string, number> {
    // an option not read was a silent "weight": get_score's importance_type, or the type given as a plain string
    if (opts === null || typeof opts !== "object") throw new Error(`getScore: options must be an object ({ importanceType: "gain" }), got ${shownValue(opts)}`);
    for (const key of Object.keys(opts)) {
      if (key !== "importanceType") throw new Error(`getScore: unknown option "${key}"${key === "importance_type" ? " (XGBoost's Python keyword; here it is importanceType)" : ""}; valid: importanceType`);
    }
    const type = opts.importanceType ?? "weight";
    if (!["weight", "gain", "cover", "total_gain", "total_cover"].includes(type)) {
      throw new Error(`getScore: unknown importanceType "${type}"; valid: weight, gain, cover, total_gain, total_cover`);
    }
    const m = this.toModelData();
    const count = new Map<number, number>(), gain = new Map<number, number>(), cover = new Map<number, number>();
    for (const t of m.trees) {
      for (let i = 0; i < t.left.length; i++) {
        if (t.left[i] < 0) continue;
        const f = t.feature[i];
        count.set(f, (count.get(f) ?? 0) + 1);
        gain.set(f, (gain.get(f) ?? 0) + t.lossChg[i]);
        cover.set(f, (cover.get(f) ?? 0) + t.sumHess[i]);
      }
    }
    const out: Record<string, number> = {};
    for (const [f, n] of [...count.entries()].sort((a, b) => a[0] - b[0])) {
      const name = this.featureNames?.[f] ?? `f${f}`;
      out[name] = type === "weight" ? n : type === "gain" ? gain.get(f)! / n : type === "cover" ? cover.get(f)! / n
        : type === "total_gain" ? gain.get(f)! : cover.get(f)!;
    }
    return out;
  }

  /** Returns the model's memory to the core. */
  free(): void {
    if (!this.ptr) return;
    registry.unregister(this.token);
    getCore().bst_free(this.ptr);
    this.ptr = 0;
  }
}

export { OBJECTIVES, type Objective };
