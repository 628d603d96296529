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
 * | loss_function       | RMSE    | objective (RMSE, MAE, Logloss, MultiClass, Poisson, or an XGBoost objective name) |
 * | cat_features        | —       | DMatrix option catFeatures (categorical columns; ordered target statistics) |
 * Other keys pass through unchanged as core parameters.
 */
import type { Params } from "./params";

/** CatBoost loss_function → XGBoost objective. */
export const CATBOOST_LOSSES: Record<string, string> = {
  RMSE: "reg:squarederror", MAE: "reg:absoluteerror", Logloss: "binary:logistic",
  MultiClass: "multi:softprob", Poisson: "count:poisson", Huber: "reg:pseudohubererror",
};

export interface CatBoostParams {
  depth?: number; learning_rate?: number; iterations?: number; l2_leaf_reg?: number; border_count?: number;
  random_strength?: number; bagging_temperature?: number; bootstrap_type?: "Bayesian" | "Bernoulli" | "No" | string;
  subsample?: number; random_seed?: number; loss_function?: string; cat_features?: (number | string)[];
  [other: string]: unknown;
}

export function catboostParams(cb: CatBoostParams = {}): { params: Params; numBoostRound: number; catFeatures?: (number | string)[] } {
  const {
    depth = 6, learning_rate = 0.03, iterations = 1000, l2_leaf_reg = 3, border_count = 254, random_strength = 1,
    bagging_temperature = 1, bootstrap_type = "Bayesian", subsample, random_seed = 0, loss_function, cat_features, ...rest
  } = cb;
  if (!(Number.isInteger(depth) && depth >= 1 && depth <= 16)) throw new Error(`catboost: depth must be an integer between 1 and 16, got ${depth}`);
  if (!(Number.isInteger(iterations) && iterations >= 1)) throw new Error(`catboost: iterations must be a positive integer, got ${iterations}`);
  if (!(bagging_temperature >= 0)) throw new Error(`catboost: bagging_temperature must be >= 0, got ${bagging_temperature}`);
  const boot = String(bootstrap_type).toLowerCase();
  if (!["bayesian", "bernoulli", "no"].includes(boot)) throw new Error(`catboost: bootstrap_type must be Bayesian, Bernoulli or No, got ${bootstrap_type}`);
  const objective = loss_function === undefined ? undefined : CATBOOST_LOSSES[loss_function] ?? loss_function;
  const params: Params = {
    grow_policy: "symmetric", max_depth: depth, eta: learning_rate, lambda: l2_leaf_reg, max_bin: Math.min(border_count, 256),
    random_strength, bootstrap_type: boot, bagging_temperature, seed: random_seed, min_child_weight: 0,
    ...(boot === "bernoulli" ? { subsample: subsample ?? 0.8 } : {}),
    ...(objective ? { objective } : {}),
    ...rest,
  };
  return { params, numBoostRound: iterations, ...(cat_features ? { catFeatures: cat_features } : {}) };
}
