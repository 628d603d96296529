/**
 * Tree members: one class drives the core's `train` for all three tree kinds;
 * each kind only differs in how its hyperparameters map to core params
 * (xgboost.ts, catboost.ts, randomForest.ts). A fitted tree member is a core
 * Booster and saves as XGBoost JSON (`<name>.json`).
 * Categorical columns of the matrix (codes, see data/matrix.ts) go to the core marked as `catFeatures`;
 * the core encodes them (ordered target statistics today; partition splits for depthwise trees once the
 * core has them). Missing and unseen categories arrive as NaN.
 */
import { evalMatrixFor, withColumns, type ColumnSchema, type Matrix } from "../data/matrix";
import { coreMatrixFor } from "../data/core-matrix";
import { Booster, DMatrix, isMulticlass, paramSetting, resolveParams, sameSetting, shownValue, startTraining, type ModelData, type Training, type XGBoostParams } from "../core";
import { checkFeatures, checkFitOptions, ContributionOptions, FitOptions, Link, Member, MemberContributions, MemberFit, MemberKind, StoredParams } from "./member";

/** Core params + number of rounds, derived from a member's own params. */
export interface CoreRecipe {
  params: XGBoostParams;
  numBoostRound: number;
  /** Features the member treats as categorical beyond the matrix's own (catboost's cat_features): names or indexes. */
  catFeatures?: (number | string)[];
}

export type ParamMapper = (params: StoredParams) => CoreRecipe;

/** Accepted spellings of "number of boosting rounds" in member params. */
export const ROUND_ALIASES = ["num_round", "num_boost_round", "numBoostRound", "n_estimators"];

/**
 * A member's params over its defaults, by setting: a default is left out when the params give its setting under any
 * name (`random_state` gives xgboost's `seed`; `n_estimators` catboost's `iterations`) — `{ seed: 0, random_state: 3 }`
 * would be one setting given twice with two values, an Error, and the user gave it once.
 */
export function overDefaults(defaults: StoredParams, params: StoredParams, settingOf: (key: string) => string): StoredParams {
  const given = new Set(Object.keys(params).filter((k) => params[k] !== undefined).map(settingOf));
  return { ...Object.fromEntries(Object.entries(defaults).filter(([k]) => !given.has(settingOf(k)))), ...params };
}

/** The setting a key of an XGBoost-named member (xgboost, random_forest) gives: rounds, then the core's aliases. */
export function xgboostSetting(key: string): string {
  return ROUND_ALIASES.includes(key) ? "num_round" : paramSetting(key);
}

export function takeRounds(params: StoredParams, fallback: number): { rounds: number; rest: StoredParams } {
  const rest = { ...params };
  let rounds = fallback;
  let given: string | undefined;
  for (const k of ROUND_ALIASES) {
    const v = rest[k];
    if (v !== undefined) {
      // two spellings with different values: an Error naming both, not "the last in ROUND_ALIASES wins"
      if (given !== undefined && !sameSetting(params[given], v)) throw new Error(`${given} and ${k} both give the number of rounds, with different values (${shownValue(params[given])} and ${shownValue(v)}): give one`);
      given ??= k;
      // a number, or its text (hyperparameters arrive as strings); anything else (an object from a damaged
      // manifest) is refused here rather than coerced, which could throw from the object's own toString
      if (typeof v !== "number" && typeof v !== "string") throw new Error(`${k} must be an integer ≥ 1, got ${shownValue(v)}`);
      rounds = Number(v);
      delete rest[k];
    }
  }
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`number of rounds must be an integer ≥ 1 (got ${rounds})`);
  return { rounds, rest };
}

/** Settings only some objectives read, each with one that does (params.ts refuses them under the others) */
const OBJECTIVE_SETTINGS: Record<string, string> = { huber_slope: "reg:pseudohubererror", tweedie_variance_power: "reg:tweedie", scale_pos_weight: "binary:logistic" };

export class TreeMember implements Member {
  kind: MemberKind;
  name: string;
  params: StoredParams;
  private booster?: Booster;
  private names?: string[];
  /** the columns of the matrix this member was fitted on here (not known after loading a model: the Ensemble keeps them) */
  private trainedColumns?: ColumnSchema[];
  private mapper: ParamMapper;
  private catFeatures: (number | string)[] = [];
  /** whether its params are checked before it trains (not a loaded member's) */
  private readonly checked: boolean;

  /**
   * `check` false: a member of a saved ensemble (loadEnsemble), whose params are checked when it trains, not when it
   * loads — its trees are in its model file, and a model saved with params that a newer version refuses (catboost's
   * `seed`, which it once took silently) must still load and predict.
   */
  constructor(kind: MemberKind, params: StoredParams, mapper: ParamMapper, check = true) {
    const { name, ...rest } = params;
    this.kind = kind;
    this.name = name === undefined ? kind : String(name);
    this.params = rest;
    this.mapper = mapper;
    this.checked = check;
    if (!check) return;
    // validate early: bad params fail at construction — every core parameter too (a bad nthread failed only at the
    // first fit, after a training job had read its data), but num_class, which the ensemble sets from the labels
    // later (prepareLabels): a multi:* member without it is checked as if it had two classes. A member that names no
    // objective gets the ensemble's later: its objective's own settings are checked then (checkObjective) — checked
    // here under reg:squarederror, xgboost({ huber_slope: 2 }) in a reg:pseudohubererror ensemble (and a trainer job's
    // xgboost.tweedie_variance_power under reg:tweedie) was refused as "objective is reg:squarederror"
    const core = mapper(this.params).params;
    if (core.objective === undefined) {
      const rest: Record<string, unknown> = { ...core };
      for (const [key, reader] of Object.entries(OBJECTIVE_SETTINGS)) {
        if (rest[key] === undefined) continue;
        resolveParams({ objective: reader, [key]: rest[key] }); // its value alone, under an objective that reads it
        delete rest[key];
      }
      resolveParams(rest);
    } else this.checkObjective(String(core.objective));
  }

  /** The member's params checked under the ensemble's objective (its own when it names one); a loaded member's are
   * not (see the constructor's `check`). */
  checkObjective(objective: string): void {
    if (!this.checked) return;
    const own = this.mapper(this.params).params;
    const core = { ...own, objective: own.objective ?? objective };
    resolveParams(isMulticlass(String(core.objective)) && core.num_class === undefined ? { ...core, num_class: 2 } : core);
  }

  /** The core params and rounds this member trains with. */
  recipe(): CoreRecipe {
    return this.mapper(this.params);
  }

  /** The core's max_bin for this member (its own categorical columns — catboost's cat_features — need the floats). */
  binsOnly(): number | undefined {
    const { params, catFeatures } = this.recipe();
    if (catFeatures?.length) return undefined;
    // the member's max_bin, or the core's default — read alone: the rest of the params (num_class, set by the
    // ensemble later) need not be complete yet; a bad max_bin is the fit's own Error
    const maxBin = params.max_bin === undefined ? resolveParams({}).max_bin : Number(params.max_bin);
    return Number.isInteger(maxBin) && maxBin >= 2 && maxBin <= 256 ? maxBin : undefined;
  }

  fit(m: Matrix, opts: FitOptions = {}): void {
    const fit = this.startFit(m, opts);
    try {
      while (fit.step());
    } catch (e) {
      fit.abort();
      throw e;
    }
    fit.finish();
  }

  /** The fit one boosting round per step() (crossValidate advances its folds' fits round by round: see MemberFit). */
  startFit(m: Matrix, opts: FitOptions = {}): MemberFit {
    checkFitOptions(opts, this.name);
    if (!m.y) throw new Error(`member "${this.name}": fit needs a label`);
    const { params: own, numBoostRound, catFeatures = [] } = this.recipe();
    const ownThreads = own.nthread !== undefined || own.n_jobs !== undefined; // the member's own params win
    const params = opts.nthread !== undefined && !ownThreads ? { ...own, nthread: opts.nthread } : own;
    const threads = ownThreads ? undefined : opts.threads;
    const absent = catFeatures.filter((c) => (typeof c === "string" ? !m.featureNames.includes(c) : !(Number.isInteger(c) && c >= 0 && c < m.ncol)));
    if (absent.length) {
      throw new Error(`member "${this.name}": cat_features ${absent.map((c) => JSON.stringify(c)).join(", ")} ${absent.length > 1 ? "are" : "is"} not among the features (${m.featureNames.join(", ")})`);
    }
    this.catFeatures = catFeatures;
    const named = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        throw new Error(`member "${this.name}": ${(e as Error).message}`);
      }
    };
    // the matrix's held core DMatrix, or a row view of it (crossValidate's folds), else a DMatrix of its own —
    // shared with the other fits on the same matrix that run at once (usedCoreMatrix)
    const names = [...m.featureNames];
    const dtrain = named(() => usedCoreMatrix(m, catFeatures));
    let deval: UsedCoreMatrix | undefined;
    const close = () => {
      dtrain.done();
      deval?.done();
    };
    let training: Training;
    try {
      // toMatrix(valid)'s own category codes and classes, read by their text against the training matrix's
      deval = opts.evalSet ? usedCoreMatrix(evalMatrixFor(opts.evalSet, m), catFeatures) : undefined;
      const evals: [DMatrix, string][] = deval ? [[deval.d, "validation"]] : opts.onRound ? [[dtrain.d, "train"]] : [];
      const onRound = opts.onRound;
      const callbacks = onRound
        ? [{ afterIteration: (info: { iteration: number; evals: Record<string, Record<string, number>> }) => {
            const setName = deval ? "validation" : "train";
            onRound(info.iteration, { ...(info.evals[setName] ?? {}) });
          } }]
        : [];
      this.free();
      training = named(() => startTraining(params, dtrain.d, { numBoostRound, evals, callbacks, ...(threads ? { threads } : {}) }));
    } catch (e) {
      close();
      throw e;
    }
    let ended = false;
    return {
      step: () => named(() => training.step()),
      park: () => training.park(),
      finish: () => {
        ended = true;
        try {
          this.booster = training.finish();
          this.names = names;
          this.trainedColumns = m.columns;
        } finally {
          close();
        }
      },
      abort: () => {
        if (ended) return;
        ended = true;
        training.abort();
        close();
      },
    };
  }

  predict(m: Matrix): Float64Array {
    checkFeatures(this, m);
    m = withColumns(m, this.trainedColumns); // toMatrix(new rows)' own codes, read by text (as Ensemble.predict)
    // a matrix some fit is training or evaluating on here: its core DMatrix (a fold's held-out slice, predicted
    // by each member as it finishes); else one for predicting, without the labels
    const used = this.catFeatures.length === 0 ? inUse.get(m) : undefined;
    const { d, owned } = used ? { d: used.d, owned: false } : coreMatrixFor(m, this.catFeatures, { labels: false });
    try {
      return Float64Array.from(this.booster!.predict(d));
    } finally {
      if (owned) d.free();
    }
  }

  /**
   * TreeSHAP values (or Saabas', or interaction values) from the core, on the margin scale. A multiclass model
   * with ordered target statistics reads each categorical column as K encoded columns (wasm/src/categorical.ts);
   * their contributions are summed back into the column they encode, so there is one per input feature.
   */
  contributions(m: Matrix, opts: ContributionOptions = {}): MemberContributions {
    checkFeatures(this, m);
    m = withColumns(m, this.trainedColumns);
    const bst = this.booster;
    if (!bst) throw new Error(`member "${this.name}" is not fitted (or was freed)`);
    const { d, owned } = coreMatrixFor(m, this.catFeatures, { labels: false });
    let raw: Float32Array;
    try {
      raw = bst.predict(d, opts.interactions ? { predInteractions: true, approxContribs: opts.approx === true } : { predContribs: true, approxContribs: opts.approx === true });
    } finally {
      if (owned) d.free();
    }
    const groups = bst.numGroups;
    const link = linkOf(bst.params.objective);
    const width = bst.numFeature + 1;
    if (width === m.ncol + 1) return { groups, link, values: Float64Array.from(raw) };
    const source = encodedSources(bst, m.ncol);
    const outWidth = m.ncol + 1;
    const blocks = raw.length / (opts.interactions ? width * width : width);
    const values = new Float64Array(blocks * (opts.interactions ? outWidth * outWidth : outWidth));
    for (let b = 0; b < blocks; b++) {
      if (!opts.interactions) {
        for (let k = 0; k < width; k++) values[b * outWidth + source[k]] += raw[b * width + k];
        continue;
      }
      const inBase = b * width * width, outBase = b * outWidth * outWidth;
      for (let i = 0; i < width; i++) {
        for (let j = 0; j < width; j++) values[outBase + source[i] * outWidth + source[j]] += raw[inBase + i * width + j];
      }
    }
    return { groups, link, values };
  }

  toFile(): { file: string; content: string } {
    if (!this.booster) throw new Error(`member "${this.name}" is not fitted (or was freed)`);
    return { file: `${this.name}.json`, content: this.booster.saveModel() };
  }

  loadFile(content: string): void {
    this.adopt(this.loading(() => Booster.loadModel(content)));
  }

  toModelData(): ModelData {
    if (!this.booster) throw new Error(`member "${this.name}" is not fitted (or was freed)`);
    return this.booster.toModelData();
  }

  loadModelData(data: ModelData): void {
    this.adopt(this.loading(() => Booster.fromModelData(data)));
  }

  /** a booster loaded by `load`, its errors naming this member */
  private loading(load: () => Booster): Booster {
    try {
      return load();
    } catch (e) {
      throw new Error(`${this.kind} member "${this.name}": cannot load model: ${(e as Error).message}`);
    }
  }

  /** the loaded booster becomes this member's model */
  private adopt(bst: Booster): void {
    this.free();
    this.booster = bst;
    this.trainedColumns = undefined; // another model's
    // a multiclass model with ordered target statistics names its appended encoded columns ("sex:class1", …)
    // after the input columns; the member's features are the input columns, as after fit
    const inputs = bst.catEncoding?.inputColumns;
    this.names = bst.featureNames ? bst.featureNames.slice(0, inputs ?? bst.featureNames.length) : undefined;
  }

  clone(): Member {
    return new TreeMember(this.kind, { ...this.params, name: this.name }, this.mapper);
  }

  featureNames(): string[] | undefined {
    return this.names;
  }

  /**
   * Average gain per split of each input feature (XGBoost's "gain" importance), named as the member names its
   * features (featureNames(): also when the model file has none and the manifest gave them — the keys were the
   * core's f0, f1, …, which name no feature of the ensemble). A multiclass model with ordered target statistics
   * splits on K − 1 encoded columns per categorical feature besides the feature's own ("band:class1", …:
   * wasm/src/categorical.ts); as in contributions, they count as that feature — its splits' total gain over
   * their number — so the importance names the member's features, not the core's columns.
   */
  importance(): Record<string, number> {
    const bst = this.booster;
    if (!bst) throw new Error(`member "${this.name}" is not fitted (or was freed)`);
    const inputs = bst.catEncoding?.inputColumns ?? bst.numFeature;
    const source = inputs === bst.numFeature ? undefined : encodedSources(bst, inputs);
    const weight = bst.getScore({ importanceType: "weight" }), total = bst.getScore({ importanceType: "total_gain" });
    const column = (k: number) => bst.featureNames?.[k] ?? `f${k}`; // getScore's keys
    const splits = new Float64Array(inputs), gain = new Float64Array(inputs);
    for (let k = 0; k < bst.numFeature; k++) {
      if (weight[column(k)] === undefined) continue; // never split on: left out, as XGBoost leaves it out
      const f = source ? source[k] : k;
      splits[f] += weight[column(k)];
      gain[f] += total[column(k)];
    }
    const out: Record<string, number> = {};
    for (let f = 0; f < inputs; f++) if (splits[f] > 0) out[this.names?.[f] ?? column(f)] = gain[f] / splits[f];
    return out;
  }

  /** Set names after loading a model saved without feature names. */
  setFeatureNames(names: string[]): void {
    this.names = [...names];
  }

  free(): void {
    this.booster?.free();
    this.booster = undefined;
  }
}

/**
 * The core DMatrix of each matrix that fits in this thread are training or evaluating on, with how many use it.
 * crossValidate advances a fold's members side by side (round by round, in turn): they all train on the fold's
 * training view and evaluate on its held-out view, and one slice of the held matrix serves them all — a slice
 * holds its row indexes in the core (4 bytes a row), so k folds × m members hold k slices, not k × m.
 */
const inUse = new WeakMap<Matrix, { d: DMatrix; owned: boolean; users: number }>();

interface UsedCoreMatrix {
  d: DMatrix;
  /** this fit no longer uses it: freed (when the fit's own) with its last user */
  done(): void;
}

/** coreMatrixFor(m, catFeatures), shared while in use; extra categorical columns (catboost's cat_features) mark
 * columns of a DMatrix of the fit's own, which is not shared. */
function usedCoreMatrix(m: Matrix, catFeatures: (number | string)[]): UsedCoreMatrix {
  if (catFeatures.length) {
    const { d, owned } = coreMatrixFor(m, catFeatures);
    return { d, done: () => owned && d.free() };
  }
  let entry = inUse.get(m);
  if (!entry) inUse.set(m, (entry = { ...coreMatrixFor(m), users: 0 }));
  const e = entry;
  e.users++;
  let done = false;
  return {
    d: e.d,
    done: () => {
      if (done) return;
      done = true;
      if (--e.users > 0) return;
      if (inUse.get(m) === e) inUse.delete(m);
      if (e.owned) e.d.free();
    },
  };
}

/** How a tree model's prediction follows from its margin. */
function linkOf(objective: string): Link {
  // log-link objectives: the margin is the log of the rate / mean (of the hazard ratio / time for survival:*)
  if (objective === "count:poisson" || objective === "reg:gamma" || objective === "reg:tweedie" || objective.startsWith("survival:")) return "exp";
  if (objective === "binary:logistic" || objective === "reg:logistic") return "sigmoid";
  if (objective.startsWith("multi:")) return "softmax";
  return "identity";
}

/**
 * Per column of the core's encoded matrix (and the bias last), the input column it stands for: the input
 * columns themselves, then the per-class target-statistic columns the core appends for multiclass models,
 * categorical column by categorical column in ascending order, classes 1..K−1 (wasm/src/categorical.ts).
 */
function encodedSources(bst: Booster, ncol: number): Int32Array {
  const enc = bst.catEncoding;
  const width = bst.numFeature + 1;
  const source = new Int32Array(width);
  for (let k = 0; k < ncol; k++) source[k] = k;
  if (!enc || enc.inputColumns !== ncol) throw new Error(`the model reads ${bst.numFeature} columns but the data has ${ncol}`);
  const extra = enc.prior.length - 1;
  [...enc.features.keys()].sort((a, b) => a - b).forEach((c, j) => {
    for (let k = 0; k < extra; k++) source[ncol + j * extra + k] = c;
  });
  source[width - 1] = ncol;
  return source;
}
