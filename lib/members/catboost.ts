/**
 * catboost member: CatBoost parameter names (depth, learning_rate,
 * iterations, l2_leaf_reg, border_count, random_strength, bagging_temperature,
 * bootstrap_type, random_seed, loss_function) → the core's symmetric
 * (oblivious) tree learner. The mapping is the core's `catboostParams` when
 * it exists, otherwise the same table locally:
 *   depth→max_depth, learning_rate→eta, iterations→rounds, l2_leaf_reg→lambda (3),
 *   border_count→max_bin (254), grow_policy "symmetric".
 * CatBoost's own default is learning_rate 0.03 with 1000 iterations and
 * depth 6. For the few-hundred-row data this workbook targets, the member
 * defaults are depth 4, iterations 500, learning_rate 0.05: the same total
 * shrinkage budget order (iterations × learning_rate = 25 vs 30) at half the
 * cost, and shallower trees that overfit less. Everything else keeps
 * CatBoost's defaults. Pass any CatBoost name to override.
 * The ensemble's objective is given as `objective` (XGBoost name) and wins
 * over loss_function only when loss_function is not set.
 */
import { core } from "../core";
import { Member } from "./member";
import { CoreRecipe, ROUND_ALIASES, TreeMember } from "./tree";

export const CATBOOST_DEFAULTS = { depth: 4, iterations: 500, learning_rate: 0.05 };

/** CatBoost loss_function → XGBoost objective. */
export const CATBOOST_LOSSES: Record<string, string> = {
  RMSE: "reg:squarederror",
  MAE: "reg:absoluteerror",
  Logloss: "binary:logistic",
  MultiClass: "multi:softprob",
  Poisson: "count:poisson",
};

/** Local mapping, used when the core has no catboostParams. */
function mapCatboostLocally(cb: Record<string, any>): CoreRecipe {
  const {
    depth = 6, learning_rate = 0.03, iterations = 1000, l2_leaf_reg = 3, border_count = 254,
    random_strength = 1, random_seed = 0, loss_function, bagging_temperature, bootstrap_type, ...rest
  } = cb;
  const params: Record<string, unknown> = {
    grow_policy: "symmetric", max_depth: depth, eta: learning_rate, lambda: l2_leaf_reg,
    max_bin: Math.min(border_count, 256), random_strength, seed: random_seed, ...rest,
  };
  if (loss_function) params.objective = CATBOOST_LOSSES[loss_function] ?? loss_function;
  return { params, numBoostRound: iterations };
}

export function catboostRecipe(params: Record<string, any>): CoreRecipe {
  const cb: Record<string, any> = { ...CATBOOST_DEFAULTS };
  for (const [k, v] of Object.entries(params)) {
    if (ROUND_ALIASES.includes(k)) cb.iterations = Number(v);
    else if (k === "eta") cb.learning_rate = v;
    else if (k === "max_depth") cb.depth = v;
    else cb[k] = v;
  }
  const objective = cb.objective;
  delete cb.objective;
  let mod: any;
  try {
    mod = core();
  } catch {
    mod = undefined;
  }
  const recipe: CoreRecipe = mod?.catboostParams ? mod.catboostParams(cb) : mapCatboostLocally(cb);
  const out = { params: { ...recipe.params }, numBoostRound: recipe.numBoostRound };
  delete (out.params as any).catFeatures;
  if (objective && out.params.objective === undefined) out.params.objective = objective;
  return out;
}

export function catboost(params: Record<string, any> = {}): Member {
  return new TreeMember("catboost", params, catboostRecipe);
}
