/**
 * CatBoost's parameter names and defaults, mapped onto this core's symmetric-tree
 * learner, so a CatBoost user can write what they know:
 *
 *   catboostParams({ depth: 6, learning_rate: 0.1, iterations: 200 })
 *     → { params: { grow_policy: "symmetric", max_depth: 6, eta: 0.1, lambda: 3, ... }, numBoostRound: 200 }
 *
 * | CatBoost            | default | core parameter                          |
 * |---------------------|---------|-----------------------------------------|
 * | depth               | 6       | max_depth (grow_policy "symmetric")     |
 * | learning_rate       | 0.03    | eta  (CatBoost's own default for 1000 iterations without auto-tuning) |
 * | iterations          | 1000    | numBoostRound                           |
 * | l2_leaf_reg         | 3       | lambda                                  |
 * | border_count        | 254     | max_bin                                 |
 * | random_strength     | 1       | random_strength                         |
 * | bagging_temperature | 1       | bagging_temperature (bootstrap_type "bayesian") |
 * | bootstrap_type      | bayesian| bootstrap_type                          |
 * | subsample           | 0.8 when bernoulli | subsample                    |
 * | random_seed         | 0       | seed                                    |
 * | loss_function       | RMSE    | objective (RMSE, MAE, Logloss, MultiClass, Poisson, Huber[:delta=d], Tweedie:variance_power=p, or an XGBoost objective name; catboostLoss) |
 * | cat_features        | —       | DMatrix option catFeatures (categorical columns; ordered target statistics) |
 * | thread_count        | -1      | nthread (-1, every core the process may use → 0, XGBoost's "every core") |
 * | rsm                 | 1       | colsample_bylevel (the features a level's split is chosen from) |
 * | eval_metric         | —       | eval_metric (RMSE, MAE, Logloss, AUC, MultiClass, Poisson, or an XGBoost metric name) |
 * Other keys pass through unchanged as core parameters.
 */
import { decimalNumber, keysBySetting, MAX_THREADS, VALID_PARAMS, type Metric, type Objective } from "./params";
import { shownValue } from "./shown";
import type { XGBoostParams } from "./xgboost-params";

/** CatBoost loss_function → XGBoost objective. */
export const CATBOOST_LOSSES = {
  RMSE: "reg:squarederror", MAE: "reg:absoluteerror", Logloss: "binary:logistic",
  MultiClass: "multi:softprob", Poisson: "count:poisson", Huber: "reg:pseudohubererror", Tweedie: "reg:tweedie",
} as const satisfies Record<string, Objective>;

/** The parameters of CatBoost's losses (`Name:param=value;param=value`) this core reads: each the core parameter it
 * sets. CatBoost's Huber is the Huber loss and the core's the pseudo-Huber (the same slope, smooth at the kink). */
const LOSS_PARAMS: Partial<Record<keyof typeof CATBOOST_LOSSES, Record<string, "tweedie_variance_power" | "huber_slope">>> = {
  Tweedie: { variance_power: "tweedie_variance_power" },
  Huber: { delta: "huber_slope" },
};

/**
 * A CatBoost loss_function — a loss name (`RMSE`), one with CatBoost's parameters (`Tweedie:variance_power=1.5`,
 * `Huber:delta=2`), or an XGBoost objective name, which passes as it is — as the core's objective and the parameters
 * its `param=value` pairs set. A parameter the loss does not take here is an Error naming it (it was "unknown
 * objective" for the whole string); Tweedie needs its variance_power, as CatBoost's does.
 */
export function catboostLoss(loss: string): { objective: Objective; params: { tweedie_variance_power?: number; huber_slope?: number } } {
  const colon = loss.indexOf(":");
  // XGBoost's names hold a colon too (reg:tweedie): only a CatBoost loss's name before it starts a parameter list
  const name = (colon > 0 && loss.slice(0, colon) in CATBOOST_LOSSES ? loss.slice(0, colon) : loss) as keyof typeof CATBOOST_LOSSES;
  if (!(name in CATBOOST_LOSSES)) return { objective: loss as Objective, params: {} };
  const params: { tweedie_variance_power?: number; huber_slope?: number } = {};
  const takes = LOSS_PARAMS[name] ?? {};
  if (name !== loss) {
    for (const pair of loss.slice(colon + 1).split(";")) {
      const eq = pair.indexOf("=");
      const key = pair.slice(0, eq < 0 ? pair.length : eq).trim();
      const core = takes[key];
      if (eq < 0 || !core)
        throw new Error(
          `catboost: loss_function "${loss}": ${eq < 0 ? `"${pair}" is no param=value pair` : `${name} takes ${Object.keys(takes).map((k) => `"${k}"`).join(", ") || "no parameter"} here, not "${key}"`}`,
        );
      const v = decimalNumber(pair.slice(eq + 1).trim());
      if (v === undefined || !Number.isFinite(v)) throw new Error(`catboost: loss_function "${loss}": ${key} must be a number, got ${JSON.stringify(pair.slice(eq + 1).trim())}`);
      if (params[core] !== undefined) throw new Error(`catboost: loss_function "${loss}": ${key} is given twice`);
      params[core] = v;
    }
  }
  if (name === "Tweedie" && params.tweedie_variance_power === undefined) throw new Error(`catboost: loss_function Tweedie needs its variance_power, as CatBoost's does: "Tweedie:variance_power=1.5"`);
  return { objective: CATBOOST_LOSSES[name], params };
}

/** CatBoost eval_metric names → the core's (XGBoost's) metric of the same value; XGBoost's names pass as they are.
 * (CatBoost's Accuracy is 1 − XGBoost's error: not mapped, as the two differ.) */
type CatBoostMetric = "RMSE" | "MAE" | "Logloss" | "AUC" | "MultiClass" | "Poisson";
const CATBOOST_METRICS: Record<CatBoostMetric, Metric> = { RMSE: "rmse", MAE: "mae", Logloss: "logloss", AUC: "auc", MultiClass: "mlogloss", Poisson: "poisson-nloglik" };

/** CatBoost's loss function names that this core implements. */
export type CatBoostLoss = keyof typeof CATBOOST_LOSSES;

/** Core parameters with a CatBoost name of their own (below); every other core parameter passes through. */
type RenamedByCatBoost =
  | "max_depth" | "eta" | "learning_rate" | "lambda" | "reg_lambda" | "max_bin" | "seed" | "random_state" | "objective"
  | "grow_policy" | "random_strength" | "bagging_temperature" | "bootstrap_type" | "subsample";

/** CatBoost's parameter names (table above), plus any core parameter that CatBoost has no name for. */
export interface CatBoostParams extends Omit<XGBoostParams, RenamedByCatBoost | "eval_metric"> {
  /** Depth of the symmetric (oblivious) trees, 1–16. Default 6. */
  depth?: number;
  /** Shrinkage of each tree. Default 0.03. */
  learning_rate?: number;
  /** Boosting rounds. Default 1000. */
  iterations?: number;
  /** L2 regularisation of leaf values. Default 3. */
  l2_leaf_reg?: number;
  /** Histogram bins per feature (capped at 256). Default 254. */
  border_count?: number;
  /** Noise added to split scores, shrinking over the rounds. Default 1. */
  random_strength?: number;
  /** Bayesian bootstrap temperature (0 = no bagging). Default 1. */
  bagging_temperature?: number;
  /** Row sampling. Default `"Bayesian"`. */
  bootstrap_type?: "Bayesian" | "Bernoulli" | "No";
  /** Row fraction for `bootstrap_type: "Bernoulli"`. Default 0.8 then. */
  subsample?: number;
  /** Seed. Default 0. */
  random_seed?: number;
  /** CatBoost loss name (or an XGBoost objective name). Default `"RMSE"`. */
  loss_function?: CatBoostLoss | Objective | `${"Tweedie" | "Huber"}:${string}`;
  /** Metrics of the evaluation sets: CatBoost's names (RMSE, MAE, Logloss, AUC, MultiClass, Poisson) or XGBoost's. */
  eval_metric?: CatBoostMetric | Metric | (CatBoostMetric | Metric)[];
  /** Categorical columns (indexes or names), encoded by ordered target statistics. */
  cat_features?: (number | string)[];
  /** CPU threads of the fit: -1 (CatBoost's default) every core the process may use, else 1 to 512.
   * The model is the same for every value (the core's nthread). */
  thread_count?: number;
  /** Fraction of the features each level's split is chosen from (CatBoost's random subspace method; the core's
   * colsample_bylevel). Default 1. */
  rsm?: number;
}

/** CatBoost's own names (the table above). */
export const CATBOOST_PARAM_NAMES = [
  "depth", "learning_rate", "iterations", "l2_leaf_reg", "border_count", "random_strength", "bagging_temperature",
  "bootstrap_type", "subsample", "random_seed", "loss_function", "cat_features", "thread_count", "rsm", "eval_metric",
] as const;

/** Aliases CatBoost itself accepts for its names (its parameter reference), and this library's round counts. */
const CATBOOST_ALIASES: Record<string, string> = {
  eta: "learning_rate", max_depth: "depth", random_state: "random_seed", reg_lambda: "l2_leaf_reg", max_bin: "border_count",
  colsample_bylevel: "rsm",
  num_boost_round: "iterations", n_estimators: "iterations", num_trees: "iterations", num_round: "iterations", numBoostRound: "iterations",
};

/** Core names with a CatBoost name that CatBoost does not accept: given here, they would silently replace CatBoost's. */
const CORE_ONLY_NAMES: Record<string, string> = {
  lambda: "use l2_leaf_reg (or reg_lambda)", seed: "use random_seed (or random_state)", objective: "use loss_function",
  grow_policy: "catboost's trees are symmetric (oblivious); use the xgboost member for depthwise or lossguide trees",
  max_leaves: "a symmetric tree of depth d has 2^d leaves; set depth (CatBoost's max_leaves is for its Lossguide trees only)",
};

/** The CatBoost setting a key gives: its CatBoost name (through CatBoost's aliases), else the key (a core parameter). */
export function catboostSetting(key: string): string {
  return CATBOOST_ALIASES[key] ?? key;
}

export function catboostParams(given: CatBoostParams = {}): { params: XGBoostParams; numBoostRound: number; catFeatures?: (number | string)[] } {
  // each setting under its CatBoost name: a setting given by two names (iterations and n_estimators, random_seed and
  // random_state) has one value, or an Error naming both — not "the last key wins"
  const raw = given as Record<string, unknown>;
  const xgboostOnly = Object.keys(raw).find((k) => k in CORE_ONLY_NAMES && raw[k] !== undefined);
  if (xgboostOnly) throw new Error(`catboost: parameter ${xgboostOnly} is not CatBoost's: ${CORE_ONLY_NAMES[xgboostOnly]}`);
  const givenBy = keysBySetting(raw, catboostSetting, (first, second, setting) =>
    `catboost: ${first} and ${second} both give catboost's ${setting}, with different values (${shownValue(raw[first])} and ${shownValue(raw[second])}): give one`,
  );
  const cb = Object.fromEntries(Object.entries(givenBy).map(([setting, key]) => [setting, raw[key]]));
  const {
    depth = 6, learning_rate = 0.03, iterations = 1000, l2_leaf_reg = 3, border_count = 254, random_strength = 1,
    bagging_temperature = 1, bootstrap_type = "Bayesian", subsample, random_seed = 0, loss_function, cat_features, thread_count, rsm, eval_metric, ...rest
  } = cb as CatBoostParams;
  const unknown = Object.keys(rest).filter((k) => !VALID_PARAMS.includes(k));
  if (unknown.length) {
    throw new Error(`catboost: unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; CatBoost's names: ${CATBOOST_PARAM_NAMES.join(", ")} (aliases ${Object.keys(CATBOOST_ALIASES).join(", ")}), and core parameters CatBoost has no name for: ${VALID_PARAMS.filter((k) => !(k in CORE_ONLY_NAMES) && !(k in CATBOOST_ALIASES) && !(CATBOOST_PARAM_NAMES as readonly string[]).includes(k)).join(", ")}`);
  }
  if (!(Number.isInteger(depth) && depth >= 1 && depth <= 16)) throw new Error(`catboost: depth must be an integer between 1 and 16, got ${depth}`);
  if (!(Number.isInteger(iterations) && iterations >= 1)) throw new Error(`catboost: iterations must be a positive integer, got ${iterations}`);
  if (!(bagging_temperature >= 0)) throw new Error(`catboost: bagging_temperature must be >= 0, got ${bagging_temperature}`);
  // named as given (the core would name its colsample_bylevel)
  if (rsm !== undefined && !(typeof rsm === "number" && rsm > 0 && rsm <= 1)) throw new Error(`catboost: ${givenBy.rsm} must be a number in (0, 1], got ${shownValue(rsm)}`);
  if (thread_count !== undefined && !(thread_count === -1 || (Number.isInteger(thread_count) && thread_count >= 1 && thread_count <= MAX_THREADS))) {
    throw new Error(`catboost: thread_count must be -1 (every core) or an integer from 1 to ${MAX_THREADS}, got ${shownValue(thread_count)}`);
  }
  // XGBoost's names for the same setting (core parameters, passed through): one of the two ways, not both
  const xgbThreads = Object.keys(rest).filter((k) => k === "nthread" || k === "n_jobs");
  if (thread_count !== undefined && xgbThreads.length) throw new Error(`catboost: give thread_count or ${xgbThreads.join(" / ")}, not both`);
  const boot = String(bootstrap_type).toLowerCase();
  if (!["bayesian", "bernoulli", "no"].includes(boot)) throw new Error(`catboost: bootstrap_type must be Bayesian, Bernoulli or No, got ${bootstrap_type}`);
  // CatBoost refuses these too: subsample is the Bernoulli bootstrap's (the Bayesian one weights every row; "No" samples none)
  if (subsample !== undefined && boot !== "bernoulli") throw new Error(`catboost: subsample needs bootstrap_type "Bernoulli" (it is ${bootstrap_type}${givenBy.bootstrap_type ? "" : ", the default"}: the Bayesian bootstrap weights every row instead; its strength is bagging_temperature)`);
  if (givenBy.bagging_temperature !== undefined && boot !== "bayesian") throw new Error(`catboost: bagging_temperature is the Bayesian bootstrap's; bootstrap_type is ${bootstrap_type}`);
  const loss = loss_function === undefined ? undefined : catboostLoss(String(loss_function));
  const objective: Objective | undefined = loss?.objective;
  // a loss's own parameter (Tweedie:variance_power=1.3) and the core's name for it (tweedie_variance_power) say one thing
  for (const [key, v] of Object.entries(loss?.params ?? {}))
    if (key in rest && (rest as Record<string, unknown>)[key] !== v) throw new Error(`catboost: loss_function "${loss_function}" sets ${key} ${v}, and ${key} is given as ${shownValue((rest as Record<string, unknown>)[key])}: give it once`);
  const params: XGBoostParams = {
    grow_policy: "symmetric", max_depth: depth, eta: learning_rate, lambda: l2_leaf_reg, max_bin: Math.min(border_count, 256),
    random_strength, bootstrap_type: boot as XGBoostParams["bootstrap_type"], seed: random_seed, min_child_weight: 0,
    ...(boot === "bayesian" ? { bagging_temperature } : {}), // the Bayesian bootstrap's alone (the core refuses it elsewhere)
    ...(boot === "bernoulli" ? { subsample: subsample ?? 0.8 } : {}),
    ...(objective ? { objective } : {}),
    ...loss?.params,
    ...(thread_count !== undefined ? { nthread: thread_count === -1 ? 0 : thread_count } : {}),
    // CatBoost's random subspace method picks the features of each split selection — a symmetric tree's level
    ...(rsm !== undefined ? { colsample_bylevel: rsm } : {}),
    ...rest,
    // CatBoost's metric names (eval_metric "MAE", as loss_function "MAE") as the core's
    ...(eval_metric !== undefined ? { eval_metric: catboostMetrics(eval_metric) } : {}),
  };
  return { params, numBoostRound: iterations, ...(cat_features ? { catFeatures: cat_features } : {}) };
}

function catboostMetrics(v: unknown): XGBoostParams["eval_metric"] {
  const one = (m: unknown) => (typeof m === "string" && m in CATBOOST_METRICS ? CATBOOST_METRICS[m as CatBoostMetric] : m);
  return (Array.isArray(v) ? v.map(one) : one(v)) as XGBoostParams["eval_metric"];
}
