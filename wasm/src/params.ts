/**
 * Parameters: XGBoost's names, aliases and defaults (2.x, tree_method "hist"), checked
 * here so that bad values become Errors that name the parameter, never traps in the
 * core. The core receives them as one Float64Array in the order of the C ParamId.
 */
import { shownValue } from "./shown";
import { parseInteractions, parseMonotone, type InteractionSpec, type MonotoneSpec } from "./constraints";

export type Params = Record<string, unknown>;

/** The most threads nthread may ask for (each is a worker thread with its own stack). */
export const MAX_THREADS = 512;

export const OBJECTIVES = [
  "reg:squarederror", "reg:absoluteerror", "reg:pseudohubererror", "binary:logistic",
  "multi:softprob", "multi:softmax", "count:poisson",
  "reg:gamma", "reg:tweedie", "reg:squaredlogerror", "reg:logistic", "binary:logitraw", "binary:hinge",
  "survival:cox", "survival:aft",
  "rank:pairwise", "rank:ndcg", "rank:map",
] as const;

/**
 * An objective under its current name: reg:linear is XGBoost's old name of reg:squarederror, deprecated since 0.90 and
 * still taken by XGBoost and by SageMaker's XGBoost container (the model is saved as reg:squarederror, as XGBoost saves
 * it). The one place the alias is known: the core's params, objectiveTask and lib's Ensemble read names through it.
 */
export function canonicalObjective(name: string): string {
  return name === "reg:linear" ? "reg:squarederror" : name;
}
export type Objective = (typeof OBJECTIVES)[number];

/** XGBoost 1.7's objectives this core does not implement (native trains them; here they were "unknown"): none since
 * survival:* and rank:* are — the list names any such objective as XGBoost's rather than "unknown". */
const NATIVE_ONLY_OBJECTIVES: string[] = [];
/** XGBoost's tree-booster and learner parameters (1.7's, and 2.0's multi_strategy) this core does not implement
 * (the updater machinery): named as XGBoost's, not "unknown" (as its objectives and metrics are). */
const NATIVE_ONLY_PARAMS = [
  "updater", "process_type", "refresh_leaf", "predictor",
  "max_cached_hist_node", "single_precision_histogram", "sketch_eps", "num_feature", "deterministic_histogram",
  "gpu_id", "seed_per_iteration", "multi_strategy",
];
/** Objectives XGBoost added after 1.7 (the version this core's models and comparisons follow). */
const LATER_OBJECTIVES: Record<string, string> = { "reg:quantileerror": "2.0" };

/** The Error's text for an objective name this core does not train: XGBoost's own objectives are named as such (not
 * "unknown"), with the version that added the newer ones. */
export function unsupportedObjective(name: unknown): string {
  const valid = `this core trains ${OBJECTIVES.join(", ")}`;
  const n = String(name);
  if (n in LATER_OBJECTIVES) return `objective "${n}" is XGBoost ${LATER_OBJECTIVES[n]}'s (not in 1.7) and is not implemented here; ${valid}`;
  if (NATIVE_ONLY_OBJECTIVES.includes(n)) return `objective "${n}" (XGBoost's) is not implemented here; ${valid}`;
  return `unknown objective "${n}"; valid: ${OBJECTIVES.join(", ")}`;
}

/** XGBoost 1.7's metrics this core does not compute, by name before any "@" or "-" suffix (ndcg@5-) — none since the
 * survival and rank metrics are —, and those added after 1.7. */
const NATIVE_ONLY_METRICS: string[] = [];
const LATER_METRICS: Record<string, string> = { quantile: "2.0" };

function unsupportedMetric(m: string): string {
  const valid = `valid: ${METRICS.filter((x) => x !== "tweedie-nloglik").join(", ")}, error@t, tweedie-nloglik@rho, ndcg@k, map@k, pre@k (and ndcg-, map-, ndcg@k-, map@k-)`;
  if (m.startsWith("error@")) return `eval_metric "${m}": error@t takes a threshold t written as a decimal number (error@0.7); ${valid}`;
  // as native ("tweedie-nloglik must be in format tweedie-nloglik@rho", "tweedie variance power must be in interval [1, 2)")
  if (m === "tweedie-nloglik" || m.startsWith("tweedie-nloglik@")) {
    return `eval_metric "${m}": tweedie-nloglik@rho takes the variance power rho, a decimal number in [1, 2) (tweedie-nloglik@1.5); ${valid}`;
  }
  const base = m.replace(/@.*$/, "").replace(/-$/, "");
  if (base === "ndcg" || base === "map") return `eval_metric "${m}": ${base}@k takes a cut-off k written as a whole number (${base}@3), and "-" at the end scores a query without relevant rows 0 (${base}-, ${base}@3-); ${valid}`;
  if (base === "pre") return `eval_metric "${m}": pre@k takes a cut-off k written as a whole number (pre@3); ${valid}`;
  if (base in LATER_METRICS) return `eval_metric "${m}" is XGBoost ${LATER_METRICS[base]}'s (not in 1.7) and is not implemented here; ${valid}`;
  if (NATIVE_ONLY_METRICS.includes(base)) return `eval_metric "${m}" (XGBoost's) is not implemented here; ${valid}`;
  return `unknown eval_metric "${m}"; ${valid}`;
}

/** The core's metrics; tweedie-nloglik is named with its variance power, tweedie-nloglik@1.5, as native names it */
export const METRICS = ["rmse", "mae", "logloss", "error", "auc", "mlogloss", "merror", "poisson-nloglik", "mphe", "rmsle", "mape",
  "gamma-nloglik", "gamma-deviance", "tweedie-nloglik", "aucpr", "cox-nloglik", "aft-nloglik", "interval-regression-accuracy", "ndcg", "map", "pre"] as const;
/** A metric's name: one of METRICS (tweedie-nloglik only with its @rho), or error at another threshold than 0.5
 * (XGBoost's error@t) */
export type Metric = Exclude<(typeof METRICS)[number], "tweedie-nloglik"> | `error@${number}` | `tweedie-nloglik@${number}`
  | `${"ndcg" | "map" | "pre"}-` | `${"ndcg" | "map" | "pre"}@${number}` | `${"ndcg" | "map" | "pre"}@${number}-`;

/** ndcg@k, map@k and pre@k as native reads them: k a whole number (its sscanf("%u")) and a "-" at the end (a query
 * with no relevant row scores 0, not 1; pre takes it and reads nothing from it, as native), named as given — [base,
 * k (undefined: the whole list), minus], or undefined */
const RANK_METRIC = /^(ndcg|map|pre)(?:@(\d{1,9}))?(-?)$/;
function rankMetric(m: string): [base: "ndcg" | "map" | "pre", k: number | undefined, minus: boolean] | undefined {
  const r = RANK_METRIC.exec(m);
  return r ? [r[1] as "ndcg" | "map" | "pre", r[2] === undefined ? undefined : Number(r[2]), r[3] === "-"] : undefined;
}
/** Whether a metric is ndcg, map or pre in any of its forms (they read query groups) */
export function isRankMetric(m: string): boolean {
  return rankMetric(m) !== undefined;
}

/**
 * error@t as native names it (EvalError: the threshold read as a float, shown with 6 significant digits, and "error"
 * itself at 0.5) — the key of its values in evalsResult; undefined when t is not a decimal number.
 */
function errorAtName(m: string): Metric | undefined {
  const t = decimalNumber(m.slice("error@".length));
  if (t === undefined) return undefined;
  const f = Math.fround(t);
  return f === 0.5 ? "error" : (`error@${streamFloat(f)}` as Metric);
}

/** tweedie-nloglik@rho as native names it (rho read as a float, shown with 6 significant digits); undefined when rho
 * is not a decimal number in [1, 2) (native's range for the metric) */
function tweedieMetricName(m: string): Metric | undefined {
  const rho = decimalNumber(m.slice("tweedie-nloglik@".length));
  if (rho === undefined) return undefined;
  const f = Math.fround(rho);
  return f >= 1 && f < 2 ? (`tweedie-nloglik@${streamFloat(f)}` as Metric) : undefined;
}

/**
 * Why the metrics cannot be evaluated, if they cannot: reg:tweedie's default metric with tweedie_variance_power 2,
 * tweedie-nloglik@2, is outside the metric's range [1, 2). Native trains such a model, and refuses the metric only
 * when it evaluates it ("tweedie variance power must be in interval [1, 2)"): train() asks here when it has eval sets.
 */
export function metricsProblem(p: ResolvedParams): string | undefined {
  const bad = p.eval_metric.find((m) => m.startsWith("tweedie-nloglik@") && tweedieMetricName(m) === undefined);
  return bad && `eval_metric "${bad}" (reg:tweedie's default with tweedie_variance_power ${p.tweedie_variance_power}): tweedie-nloglik@rho needs rho in [1, 2), as native; name another eval_metric`;
}

/** Whether m is a metric name resolveParams takes, and the name it is evaluated under */
function metricName(m: string): Metric | undefined {
  if (m.startsWith("error@")) return errorAtName(m);
  if (m.startsWith("tweedie-nloglik@")) return tweedieMetricName(m);
  if (rankMetric(m)) return m as Metric;
  return m !== "tweedie-nloglik" && (METRICS as readonly string[]).includes(m) ? (m as Metric) : undefined;
}

/** A float as C++'s ostream writes it by default (%g, 6 significant digits): 0.7, 1e-07, 1.5e+06 — native's name of
 * error@t (JavaScript writes 1e-7). A threshold of more digits is evaluated as its name reads (0.123456789 at
 * 0.123457, where native keeps the float 0.12345679): the name is what the core keeps. */
function streamFloat(f: number): string {
  const [mantissa, exp] = f.toExponential(5).split("e");
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa.replace(/\.?0+$/, "")}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return String(Number(f.toPrecision(6)));
}

/** The core's metric id, its parameter (error@t's threshold, tweedie-nloglik@rho's rho, ndcg@k's, map@k's and pre@k's k —
 * 4294967295, native's unsigned maximum, for the whole list) and the rank metrics' "-" (1) for a metric name of
 * resolveParams' list. */
export function metricCall(m: string): [number, number, number] {
  const rank = rankMetric(m);
  if (rank) return [METRICS.indexOf(rank[0]), rank[1] ?? 4294967295, rank[2] ? 1 : 0];
  const [base, at] = m.split("@");
  return at !== undefined ? [METRICS.indexOf(base as (typeof METRICS)[number]), Number(at), 0] : [METRICS.indexOf(m as (typeof METRICS)[number]), 0.5, 0];
}
/** Metrics early stopping maximises: auc, aucpr, and ndcg and map in every form, as XGBoost 1.7's EarlyStopping
 * (python-package callback.py: names starting with auc, aucpr, map or ndcg, but mape). It minimises the others, pre
 * among them although a larger precision is better (train() refuses to stop on pre, as on an accuracy). */
export function maximizes(metric: string): boolean {
  return metric === "auc" || metric === "aucpr" || (isRankMetric(metric) && !metric.startsWith("pre"));
}
/**
 * Native 1.7.4 configures survival:aft's default metric (aft-nloglik when eval_metric is not given) without the
 * objective's parameters: it scores the normal distribution of scale 1 whatever aft_loss_distribution and its scale
 * are (an eval_metric named reads them). Evaluated so here too, so that logs and early stopping are native's; the
 * core's metric parameter -1 asks for it.
 */
export function aftDefaultMetric(p: ResolvedParams, metric: string): boolean {
  return p.objective === "survival:aft" && metric === "aft-nloglik" && p.eval_metric_defaulted === true;
}

export const GROW_POLICIES = ["depthwise", "lossguide", "symmetric"];
export const BOOTSTRAP = ["no", "bernoulli", "bayesian"];
/** survival:aft's distributions of the log-time noise (XGBoost's aft_loss_distribution; the C AftDistribution) */
export const AFT_DISTRIBUTIONS = ["normal", "logistic", "extreme"];
/**
 * How categorical columns (DMatrix catFeatures / featureTypes "c") are learned:
 * - "partition": XGBoost's native categorical splits (enable_categorical, XGBoost >= 1.6):
 *   one-hot splits for features with fewer than max_cat_to_onehot categories, partition
 *   splits otherwise (wasm/csrc/split_categorical.c). Default for depthwise and lossguide.
 *   Saved with XGBoost's categorical JSON fields; native XGBoost predicts the same.
 * - "ordered": CatBoost's ordered target statistics (categorical.ts; per class for multi:*).
 *   Default for symmetric trees, the only encoding they support.
 * - "naive": all-rows target statistics (leaks the label; for measuring what "ordered" prevents).
 */
export const CAT_ENCODINGS = ["partition", "ordered", "naive"] as const;

const ALIASES: Record<string, string> = {
  learning_rate: "eta", min_split_loss: "gamma", reg_lambda: "lambda", reg_alpha: "alpha",
  random_state: "seed", n_jobs: "nthread",
};

/** The setting a parameter names: its core name through XGBoost's aliases (learning_rate → eta, random_state → seed). */
export function paramSetting(key: string): string {
  return ALIASES[key] ?? key;
}

/** A switch as XGBoost reads one: true / false, 1 / 0, or their text; undefined for anything else. */
function switchValue(v: unknown): boolean | undefined {
  if (v === true || v === 1 || v === "1" || v === "true") return true;
  if (v === false || v === 0 || v === "0" || v === "false") return false;
  return undefined;
}

/** Accepted for compatibility with XGBoost code; they do not change the model (disable_default_eval_metric changes
 * only which metrics are evaluated: none unless eval_metric names some, as XGBoost). */
const ACCEPTED_ONLY: Record<string, (v: unknown) => string | undefined> = {
  // XGBoost's values (it refuses others): verbosity 0–3; a switch true/false or 0/1
  verbosity: (v) => {
    const n = typeof v === "number" ? v : typeof v === "string" ? decimalNumber(v) : undefined;
    return n !== undefined && [0, 1, 2, 3].includes(n) ? undefined : `parameter verbosity must be 0, 1, 2 or 3, got ${shownValue(v)}`;
  },
  validate_parameters: () => undefined,
  disable_default_eval_metric: (v) => (switchValue(v) === undefined ? `parameter disable_default_eval_metric must be true or false (or 1 / 0), got ${shownValue(v)}` : undefined),
  booster: (v) => (v === "gbtree" ? undefined : `booster "${v}" is not supported (only "gbtree")`),
  // "auto" is hist in XGBoost 2.x; "approx" re-sketches hessian-weighted cuts every round, which this core does not
  // (it was accepted and ran hist: another algorithm under the name asked for)
  tree_method: (v) => (["hist", "auto"].includes(String(v)) ? undefined : `tree_method "${v}" is not supported (this core is "hist"${String(v) === "approx" ? ": approx re-sketches the cuts every round from the hessians, which it does not" : ""})`),
  // XGBoost's switch for categorical data: here the DMatrix declares the columns
  // (catFeatures / featureTypes); train() refuses `false` with declared columns.
  enable_categorical: (v) => (typeof v === "boolean" ? undefined : `parameter enable_categorical must be true or false, got ${shownValue(v)}`),
  device: (v) => (String(v) === "cpu" ? undefined : `device "${v}" is not supported (only "cpu")`),
  sampling_method: (v) => (v === "uniform" ? undefined : `sampling_method "${v}" is not supported (only "uniform")`),
};

export interface ResolvedParams {
  objective: Objective;
  num_class: number;
  eta: number; gamma: number; min_child_weight: number; lambda: number; alpha: number; max_delta_step: number;
  max_depth: number; max_leaves: number; grow_policy: string;
  subsample: number; colsample_bytree: number; colsample_bylevel: number; colsample_bynode: number;
  max_bin: number; seed: number; num_parallel_tree: number; base_score: number | undefined;
  huber_slope: number; random_strength: number; bootstrap_type: string; bagging_temperature: number;
  /** the weight of rows labelled exactly 1, as XGBoost's RegLossObj objectives take it (REG_LOSS_OBJECTIVES) */
  scale_pos_weight: number;
  /** reg:tweedie's variance power rho, in [1, 2] (XGBoost's tweedie_variance_power) */
  tweedie_variance_power: number;
  /** survival:aft's noise distribution (AFT_DISTRIBUTIONS) and its scale sigma (XGBoost's AFTParam) */
  aft_loss_distribution: string; aft_loss_distribution_scale: number;
  /** rank:*'s partners drawn per row (>= 1) and list weight (0: none), XGBoost's LambdaRankParam */
  num_pairsample: number; fix_list_weight: number;
  eval_metric: Metric[];
  /** eval_metric was not given: the objective's default was taken (native 1.7.4 evaluates survival:aft's default
   * aft-nloglik with the normal distribution of scale 1, whatever aft_loss_distribution says: see aftMetricDefaults) */
  eval_metric_defaulted?: boolean;
  /** threads for training and prediction (XGBoost's meaning): 0 = every core this process
   * may use (cores.ts availableCores), and a job never runs on more threads than that; the model does not depend on
   * it (csrc/threads.h) */
  nthread: number;
  /** categorical features: the encoding (CAT_ENCODINGS; default by grow_policy), XGBoost's
   * split settings, and the target-statistics settings (categorical.ts) */
  cat_encoding: CatEncoding; max_cat_to_onehot: number; max_cat_threshold: number;
  cat_permutations: number; cat_prior_weight: number;
  /** as given (XGBoost's name); undefined when not given */
  enable_categorical?: boolean;
  /** XGBoost's constraints, read in form (constraints.ts); resolved against the training data's features by train() */
  monotone_constraints?: MonotoneSpec;
  interaction_constraints?: InteractionSpec;
}
export type CatEncoding = (typeof CAT_ENCODINGS)[number];

const DEFAULTS: Omit<ResolvedParams, "max_delta_step" | "eval_metric" | "cat_encoding"> & { cat_encoding: CatEncoding | undefined } = {
  objective: "reg:squarederror", num_class: 0,
  eta: 0.3, gamma: 0, min_child_weight: 1, lambda: 1, alpha: 0,
  max_depth: 6, max_leaves: 0, grow_policy: "depthwise",
  subsample: 1, colsample_bytree: 1, colsample_bylevel: 1, colsample_bynode: 1,
  max_bin: 256, seed: 0, num_parallel_tree: 1, base_score: undefined, nthread: 0,
  huber_slope: 1, random_strength: 0, bootstrap_type: "no", bagging_temperature: 1, scale_pos_weight: 1, tweedie_variance_power: 1.5,
  aft_loss_distribution: "normal", aft_loss_distribution_scale: 1,
  num_pairsample: 1, fix_list_weight: 0,
  cat_encoding: undefined, max_cat_to_onehot: 4, max_cat_threshold: 64, cat_permutations: 4, cat_prior_weight: 1,
};

const NUMERIC = new Set([
  "num_class", "eta", "gamma", "min_child_weight", "lambda", "alpha", "max_delta_step", "max_depth", "max_leaves",
  "subsample", "colsample_bytree", "colsample_bylevel", "colsample_bynode", "max_bin", "seed", "num_parallel_tree",
  "base_score", "huber_slope", "random_strength", "bagging_temperature", "cat_permutations", "cat_prior_weight",
  "max_cat_to_onehot", "max_cat_threshold", "nthread", "scale_pos_weight", "tweedie_variance_power", "aft_loss_distribution_scale",
  "num_pairsample", "fix_list_weight",
]);
const INTEGER = new Set(["num_class", "max_depth", "max_leaves", "max_bin", "seed", "num_parallel_tree", "cat_permutations",
  "max_cat_to_onehot", "max_cat_threshold", "nthread", "num_pairsample"]);

export const VALID_PARAMS = [
  ...Object.keys(DEFAULTS), "max_delta_step", "eval_metric", "monotone_constraints", "interaction_constraints", ...Object.keys(ALIASES), ...Object.keys(ACCEPTED_ONLY),
].sort();

/** The objective's metric when eval_metric names none, as XGBoost 1.7's DefaultEvalMetric (reg:tweedie's names its
 * variance power) */
export function defaultMetric(objective: Objective, tweedieVariancePower = 1.5): Metric {
  switch (objective) {
    case "reg:absoluteerror": return "mae";
    case "binary:logistic": case "binary:logitraw": return "logloss";
    case "multi:softprob": case "multi:softmax": return "mlogloss";
    case "count:poisson": return "poisson-nloglik";
    case "reg:pseudohubererror": return "mphe";
    case "reg:gamma": return "gamma-nloglik";
    case "reg:tweedie": return `tweedie-nloglik@${streamFloat(Math.fround(tweedieVariancePower))}` as Metric;
    case "reg:squaredlogerror": return "rmsle";
    case "binary:hinge": return "error";
    case "survival:cox": return "cox-nloglik";
    case "survival:aft": return "aft-nloglik";
    case "rank:pairwise": case "rank:ndcg": case "rank:map": return "map"; // LambdaRankObj's, all three
    default: return "rmse";
  }
}

/** XGBoost's RegLossObj objectives: they read scale_pos_weight and save it (reg_loss_param) */
export const REG_LOSS_OBJECTIVES: readonly string[] = ["reg:squarederror", "binary:logistic", "reg:logistic", "binary:logitraw", "reg:squaredlogerror"];

/** A number written in decimal, as JSON and XGBoost's parameter strings write them (surrounding spaces ignored): not
 * "0x2", "0b10", "Infinity" or "" (JavaScript's Number() reads all four). Undefined for any other text. */
export function decimalNumber(text: string): number | undefined {
  const t = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : undefined;
}

/**
 * Whether two values given for one setting (a key and its alias: nthread and n_jobs; num_round and n_estimators)
 * mean the same: decimal text as its number ("0.1" is 0.1), anything else as shown. Callers refuse a setting given
 * twice with different values, naming both keys, rather than let the last key win.
 */
export function sameSetting(a: unknown, b: unknown): boolean {
  const meaning = (v: unknown) => shownValue(typeof v === "string" ? decimalNumber(v) ?? v : v);
  return meaning(a) === meaning(b);
}

/**
 * The key each setting is given by (settingOf names a key's setting; undefined values are not given): a setting
 * given by two keys must have one value (sameSetting), else an Error with `conflict`'s message naming both — a
 * silent "the last key wins" would depend on the object's key order. The first key of each setting is kept.
 */
export function keysBySetting(params: Record<string, unknown>, settingOf: (key: string) => string, conflict: (first: string, second: string, setting: string) => string): Record<string, string> {
  const by: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const setting = settingOf(key);
    const first = by[setting];
    if (first === undefined) by[setting] = key;
    else if (!sameSetting(params[first], value)) throw new Error(conflict(first, key, setting));
  }
  return by;
}

/** `key`'s value (given as `given`, the key or its alias) as a number: a finite one, an integer for an integer key */
function toNumber(key: string, given: string, v: unknown): number {
  const n = typeof v === "number" ? v : typeof v === "string" ? decimalNumber(v) ?? NaN : NaN;
  if (!Number.isFinite(n)) {
    const text = typeof v === "string" && decimalNumber(v) === undefined ? " (text is read as a decimal number, as XGBoost reads it: no hex, no units)" : "";
    throw new Error(`parameter ${given} must be a finite number, got ${shownValue(v)}${text}`);
  }
  if (INTEGER.has(key) && !Number.isInteger(n)) throw new Error(`parameter ${given} must be an integer, got ${shownValue(v)}`);
  // XGBoost reads these as 32-bit integers (max_depth 1e10: "expect int") and the seed as a 64-bit one; here a seed
  // past 2^53 is not even an exact number (2^64, 1e20 and 1e25 gave one model)
  const most = key === "seed" ? Number.MAX_SAFE_INTEGER : 2147483647;
  if (INTEGER.has(key) && Math.abs(n) > most) throw new Error(`parameter ${given} must be an integer of at most ${most}, got ${shownValue(v)}`);
  return n;
}

export function resolveParams(params: Params | object = {}): ResolvedParams {
  const out: Record<string, unknown> = { ...DEFAULTS };
  let metrics: Metric[] | undefined;
  let noDefaultMetric = false;
  const raw = params as Record<string, unknown>;
  /** the name each setting was given by (the key or an alias: nthread or n_jobs, eta or learning_rate): errors name
   * what the caller wrote */
  const given = keysBySetting(raw, paramSetting, (first, second, setting) =>
    `parameters ${first} and ${second} name the same setting (${setting}) with different values, ${shownValue(raw[first])} and ${shownValue(raw[second])}: give one`,
  );
  for (const [key, rawKey] of Object.entries(given)) {
    const value = raw[rawKey];
    if (key in ACCEPTED_ONLY) {
      const problem = ACCEPTED_ONLY[key](value);
      if (problem) throw new Error(problem);
      if (key === "enable_categorical") out.enable_categorical = value;
      if (key === "disable_default_eval_metric") noDefaultMetric = switchValue(value)!;
      continue;
    }
    if (key === "eval_metric") {
      // error@t under the name native gives it (error@0.50 is "error", error@0.70 "error@0.7")
      // (checked as given: a name made of a threshold of more digits than it shows, error@0.5000001's "error@0.5", is no
      // name to read again — it was refused as not a number)
      const given = (Array.isArray(value) ? value : [value]).map(String);
      for (const m of given) if (metricName(m) === undefined) throw new Error(unsupportedMetric(m));
      const list = given.map((m) => metricName(m)!);
      // as XGBoost: a metric given twice is evaluated once (each round's value was recorded twice), and an empty
      // list is no list — the objective's default (it evaluated nothing, and early stopping had no metric to watch)
      metrics = list.length ? ([...new Set(list)] as Metric[]) : undefined;
      continue;
    }
    if (key === "objective") {
      const objective = canonicalObjective(String(value));
      if (!(OBJECTIVES as readonly string[]).includes(objective)) {
        throw new Error(unsupportedObjective(value));
      }
      out.objective = objective;
      continue;
    }
    if (key === "monotone_constraints") {
      out.monotone_constraints = parseMonotone(value, rawKey);
      continue;
    }
    if (key === "interaction_constraints") {
      out.interaction_constraints = parseInteractions(value, rawKey);
      continue;
    }
    if (key === "grow_policy" || key === "bootstrap_type" || key === "cat_encoding" || key === "aft_loss_distribution") {
      const valid: readonly string[] = key === "grow_policy" ? GROW_POLICIES : key === "bootstrap_type" ? BOOTSTRAP : key === "cat_encoding" ? CAT_ENCODINGS : AFT_DISTRIBUTIONS;
      if (!valid.includes(String(value))) throw new Error(`parameter ${key} must be one of ${valid.join(", ")}, got ${shownValue(value)}`);
      out[key] = String(value);
      continue;
    }
    if (!NUMERIC.has(key)) {
      const whose = NATIVE_ONLY_PARAMS.includes(rawKey) ? `parameter "${rawKey}" (XGBoost's) is not implemented here` : `unknown parameter "${rawKey}"`;
      throw new Error(`${whose}; valid parameters: ${VALID_PARAMS.join(", ")}`);
    }
    out[key] = toNumber(key, rawKey, value);
  }
  const p = out as unknown as ResolvedParams;
  if (p.max_delta_step === undefined) p.max_delta_step = p.objective === "count:poisson" ? 0.7 : 0;
  // disable_default_eval_metric: no metric unless eval_metric names some (it computed the default regardless)
  p.eval_metric = metrics ?? (noDefaultMetric ? [] : [defaultMetric(p.objective, p.tweedie_variance_power)]);
  if (!metrics && !noDefaultMetric) p.eval_metric_defaulted = true;

  const range = (name: keyof ResolvedParams, ok: boolean, what: string) => {
    if (!ok) throw new Error(`parameter ${given[name] ?? name} ${what}, got ${shownValue(p[name])}`);
  };
  range("eta", p.eta > 0, "must be > 0");
  range("gamma", p.gamma >= 0, "must be >= 0");
  range("min_child_weight", p.min_child_weight >= 0, "must be >= 0");
  range("lambda", p.lambda >= 0, "must be >= 0");
  range("alpha", p.alpha >= 0, "must be >= 0");
  range("max_delta_step", p.max_delta_step >= 0, "must be >= 0");
  range("max_depth", p.max_depth >= 0, "must be >= 0");
  range("max_leaves", p.max_leaves >= 0, "must be >= 0");
  range("subsample", p.subsample > 0 && p.subsample <= 1, "must be in (0, 1]");
  for (const c of ["colsample_bytree", "colsample_bylevel", "colsample_bynode"] as const) range(c, p[c] > 0 && p[c] <= 1, "must be in (0, 1]");
  range("max_bin", p.max_bin >= 2 && p.max_bin <= 256, "must be between 2 and 256 (bins are stored as bytes)");
  range("seed", p.seed >= 0, "must be >= 0");
  range("nthread", p.nthread >= 0 && p.nthread <= MAX_THREADS, `must be between 0 (every core, as XGBoost) and ${MAX_THREADS}`);
  range("num_parallel_tree", p.num_parallel_tree >= 1, "must be >= 1");
  range("huber_slope", p.huber_slope > 0, "must be > 0");
  range("scale_pos_weight", p.scale_pos_weight >= 0, "must be >= 0");
  // native's range (set_range(1, 2)); its default metric tweedie-nloglik@2 is then refused, as native refuses it
  range("tweedie_variance_power", p.tweedie_variance_power >= 1 && p.tweedie_variance_power <= 2, "must be in [1, 2] (the Tweedie variance power)");
  // native takes any float (and a scale <= 0 makes every loss NaN or the clipped limit: no model)
  range("aft_loss_distribution_scale", p.aft_loss_distribution_scale > 0 && Number.isFinite(Math.fround(p.aft_loss_distribution_scale)), "must be > 0 (the scale of survival:aft's distribution, a float32)");
  range("random_strength", p.random_strength >= 0, "must be >= 0");
  range("num_pairsample", p.num_pairsample >= 1, "must be >= 1 (partners drawn per row)");
  range("fix_list_weight", p.fix_list_weight >= 0, "must be >= 0 (0: no list weight)");
  range("bagging_temperature", p.bagging_temperature >= 0, "must be >= 0");
  range("cat_permutations", p.cat_permutations >= 1, "must be >= 1");
  range("cat_prior_weight", p.cat_prior_weight > 0, "must be > 0");
  range("max_cat_to_onehot", p.max_cat_to_onehot >= 1, "must be >= 1");
  range("max_cat_threshold", p.max_cat_threshold >= 1, "must be >= 1");
  if (p.cat_encoding === undefined) p.cat_encoding = p.grow_policy === "symmetric" ? "ordered" : "partition";
  if (p.grow_policy === "symmetric" && p.cat_encoding === "partition") {
    throw new Error('parameter cat_encoding "partition" (XGBoost\'s categorical splits) is not implemented for grow_policy "symmetric"; use cat_encoding "ordered" (the default for symmetric trees)');
  }
  if (p.grow_policy === "symmetric") range("max_depth", p.max_depth >= 1 && p.max_depth <= 16, "must be between 1 and 16 for symmetric trees");
  // settings one grow policy reads and the others would ignore: an Error, not a model that silently lacks them
  if (p.random_strength > 0 && p.grow_policy !== "symmetric") {
    throw new Error(`parameter ${given.random_strength ?? "random_strength"} (CatBoost's noise on split scores) applies to grow_policy "symmetric" only; grow_policy is "${p.grow_policy}"`);
  }
  // the same for the sampling and encoding settings: bagging_temperature is the Bayesian bootstrap's, the target
  // statistics' settings are the ordered / naive encodings' (each was accepted and did nothing elsewhere)
  if (given.bagging_temperature !== undefined && p.bootstrap_type !== "bayesian") {
    throw new Error(`parameter ${given.bagging_temperature} is the Bayesian bootstrap's (bootstrap_type "bayesian"); bootstrap_type is "${p.bootstrap_type}"`);
  }
  for (const k of ["cat_permutations", "cat_prior_weight"] as const) {
    if (given[k] !== undefined && p.cat_encoding === "partition") {
      throw new Error(`parameter ${given[k]} sets the categorical target statistics (cat_encoding "ordered" or "naive"); cat_encoding is "partition" (XGBoost's categorical splits)`);
    }
  }
  // and the objective's: huber_slope is the δ of reg:pseudohubererror and of its metric mphe (which native computes with
  // it under any objective); with neither it was accepted and did nothing (native: 'Parameters: { "huber_slope" } are
  // not used')
  if (given.huber_slope !== undefined && p.objective !== "reg:pseudohubererror" && !p.eval_metric.includes("mphe")) {
    throw new Error(`parameter ${given.huber_slope} is the δ of reg:pseudohubererror and of the mphe metric; objective is ${p.objective} and eval_metric does not name mphe`);
  }
  // XGBoost's RegLossObj reads scale_pos_weight (reg:squarederror, binary:logistic, reg:logistic, binary:logitraw,
  // reg:squaredlogerror); its other objectives do not (native: 'Parameters: { "scale_pos_weight" } are not used')
  if (given.scale_pos_weight !== undefined && p.scale_pos_weight !== 1 && !REG_LOSS_OBJECTIVES.includes(p.objective)) {
    throw new Error(`parameter ${given.scale_pos_weight} weighs the rows labelled 1 of ${REG_LOSS_OBJECTIVES.join(", ")} only; objective is ${p.objective}`);
  }
  // reg:tweedie's alone (native: not used by the others)
  if (given.tweedie_variance_power !== undefined && p.objective !== "reg:tweedie") {
    throw new Error(`parameter ${given.tweedie_variance_power} is the variance power of reg:tweedie; objective is ${p.objective}`);
  }
  // survival:aft's and its metric's (native: 'Parameters: { "aft_loss_distribution" } are not used' elsewhere)
  for (const k of ["aft_loss_distribution", "aft_loss_distribution_scale"] as const) {
    if (given[k] !== undefined && p.objective !== "survival:aft") throw new Error(`parameter ${given[k]} is survival:aft's (its noise distribution); objective is ${p.objective}`);
  }
  // the survival metrics read what their objective's data holds: cox-nloglik signed times (negative = censored) and
  // the hazards exp(margin), aft-nloglik and interval-regression-accuracy label_lower_bound / label_upper_bound — and
  // every other metric is meaningless on those (an RMSE of hazard ratios against times)
  const survivalMetric: Record<string, string> = { "cox-nloglik": "survival:cox", "aft-nloglik": "survival:aft", "interval-regression-accuracy": "survival:aft" };
  for (const m of p.eval_metric) {
    const needs = survivalMetric[m];
    if (needs && p.objective !== needs) throw new Error(`eval_metric "${m}" is ${needs}'s (it scores its labels and predictions); objective is ${p.objective}`);
    if (!needs && p.objective.startsWith("survival:")) {
      const own = Object.keys(survivalMetric).filter((x) => survivalMetric[x] === p.objective).join(" or ");
      throw new Error(`eval_metric "${m}" does not apply to ${p.objective} (its predictions are ${p.objective === "survival:cox" ? "hazard ratios" : "times"} and its labels ${p.objective === "survival:cox" ? "signed times" : "bounds"}); use ${own}`);
    }
  }

  // LambdaRankObj's (native: not used by the others)
  for (const k of ["num_pairsample", "fix_list_weight"] as const) {
    if (given[k] !== undefined && !isRankObjective(p.objective)) throw new Error(`parameter ${given[k]} is the rank:* objectives'; objective is ${p.objective}`);
  }

  // native's constraints apply to its depthwise and lossguide trees; a symmetric level's one split serves every node
  for (const k of ["monotone_constraints", "interaction_constraints"] as const) {
    if (p[k] !== undefined && p.grow_policy === "symmetric") throw new Error(`parameter ${k} is not implemented for grow_policy "symmetric" (XGBoost applies it to depthwise and lossguide trees)`);
  }
  if (p.max_leaves > 0 && p.grow_policy === "symmetric") {
    throw new Error('parameter max_leaves does not apply to grow_policy "symmetric": a symmetric tree of depth d has 2^d leaves; set max_depth');
  }
  if (p.grow_policy === "depthwise" && p.max_depth === 0 && p.max_leaves === 0) {
    throw new Error("parameter max_depth is 0 (unlimited): set max_leaves, or use grow_policy \"lossguide\"");
  }
  const multi = p.objective.startsWith("multi:");
  if (multi && !(p.num_class >= 2)) throw new Error(`parameter num_class must be set (>= 2) for ${p.objective}`);
  if (!multi && p.num_class > 1) throw new Error(`parameter num_class is only for multi:* objectives (objective is ${p.objective})`);
  if (p.base_score !== undefined) {
    // the model keeps it as a float32: 1e39 is infinite there (every prediction NaN), 1e-50 is 0 (a margin of −∞ for
    // logistic and Poisson, nothing learned) — native refuses both
    const f = Math.fround(p.base_score);
    range("base_score", Number.isFinite(f), "must be within the float32 range (±3.4e38)");
    if (p.objective === "binary:logistic" || p.objective === "reg:logistic") range("base_score", f > 0 && f < 1, `must be in (0, 1) for ${p.objective} (as a float32)`);
    if (LOG_LINK.includes(p.objective)) range("base_score", f > 0, `must be > 0 for ${p.objective} (as a float32: at least 1.4e-45)`);
  }
  if (multi) {
    // auc: one class against the rest, averaged by the classes' weights (native's MultiClassOVR)
    for (const m of p.eval_metric) if (!["mlogloss", "merror", "auc", "aucpr"].includes(m)) throw new Error(`eval_metric "${m}" does not apply to ${p.objective}; use mlogloss, merror, auc or aucpr`);
  } else {
    // K probabilities a row: a one-output model has none to score (native refuses them too)
    for (const m of p.eval_metric) if (m === "mlogloss" || m === "merror") throw new Error(`eval_metric "${m}" is for multi:softprob and multi:softmax, not ${p.objective}`);
  }
  return p;
}

/**
 * The core's parameter vector, in the order of the C ParamId (csrc/params.h). The core
 * publishes the same names (csrc/enums.c) and wasm.ts compares the two lists at load.
 */
export const PARAM_ORDER = [
  "objective", "num_class", "eta", "gamma", "min_child_weight", "lambda", "alpha",
  "max_delta_step", "max_depth", "max_leaves", "grow_policy", "subsample",
  "colsample_bytree", "colsample_bylevel", "colsample_bynode", "max_bin", "seed",
  "num_parallel_tree", "base_score", "huber_slope", "random_strength",
  "bootstrap_type", "bagging_temperature", "max_cat_to_onehot", "max_cat_threshold", "scale_pos_weight",
  "tweedie_variance_power", "aft_loss_distribution", "aft_loss_distribution_scale", "num_pairsample", "fix_list_weight",
] as const satisfies readonly (keyof ResolvedParams)[];

/** The flat array the core reads: PARAM_ORDER's values, names of enums as their codes. */
export function paramsToArray(p: ResolvedParams): Float64Array {
  return Float64Array.from(PARAM_ORDER, (name) => {
    switch (name) {
      case "objective": return OBJECTIVES.indexOf(p.objective);
      case "grow_policy": return GROW_POLICIES.indexOf(p.grow_policy);
      case "bootstrap_type": return BOOTSTRAP.indexOf(p.bootstrap_type);
      case "aft_loss_distribution": return AFT_DISTRIBUTIONS.indexOf(p.aft_loss_distribution);
      case "base_score": return p.base_score ?? NaN;
      default: return p[name];
    }
  });
}

/** rank:pairwise, rank:ndcg, rank:map: trained on query groups (DMatrix group / qid) */
export function isRankObjective(objective: string): boolean {
  return objective === "rank:pairwise" || objective === "rank:ndcg" || objective === "rank:map";
}

/** Objectives whose margin is the log of the prediction (base_score a mean > 0) */
export const LOG_LINK: readonly string[] = ["count:poisson", "reg:gamma", "reg:tweedie", "survival:cox", "survival:aft"];

export function numGroups(p: { objective: string; num_class: number }): number {
  return p.objective.startsWith("multi:") ? p.num_class : 1;
}
