/**
 * random_forest member, the XGBoost random-forest recipe: one boosting round
 * that grows `num_parallel_tree` trees in parallel, each on a row subsample
 * (bagging without replacement) with a per-split column subsample, and
 * eta = 1 so the round's trees are averaged rather than shrunk:
 *   num_parallel_tree 100, subsample 0.8, colsample_bynode 0.8, eta 1,
 *   num_round 1, max_depth 6, lambda 1 (kept from XGBoost's defaults).
 */
import type { XGBoostParams } from "../core";
import { Member, StoredParams } from "./member";
import type { RandomForestParams } from "./params";
import { CoreRecipe, takeRounds, TreeMember } from "./tree";

export const RANDOM_FOREST_DEFAULTS = { num_parallel_tree: 100, subsample: 0.8, colsample_bynode: 0.8, eta: 1, max_depth: 6, seed: 0 };

export function randomForestRecipe(params: StoredParams): CoreRecipe {
  const { rounds, rest } = takeRounds(params, 1);
  const aliased = { ...rest };
  if (aliased.n_trees !== undefined) {
    aliased.num_parallel_tree = aliased.n_trees;
    delete aliased.n_trees;
  }
  // XGBoost's names: the core checks every key and value when it trains
  return { params: { ...RANDOM_FOREST_DEFAULTS, ...aliased } as XGBoostParams, numBoostRound: rounds };
}

/** A random forest the XGBoost way (many parallel trees in one round). */
export function randomForest(params: RandomForestParams = {}): Member {
  return new TreeMember("random_forest", { ...params }, randomForestRecipe);
}
