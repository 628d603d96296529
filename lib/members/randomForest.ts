/**
 * random_forest member, the XGBoost random-forest recipe: one boosting round
 * that grows `num_parallel_tree` trees in parallel, each on a row subsample
 * (bagging without replacement) with a per-split column subsample, and
 * eta = 1 so the round's trees are averaged rather than shrunk:
 *   num_parallel_tree 100, subsample 0.8, colsample_bynode 0.8, eta 1,
 *   num_round 1, max_depth 6, lambda 1 (kept from XGBoost's defaults).
 */
import { sameSetting, shownValue, type XGBoostParams } from "../core";
import { Member, StoredParams } from "./member";
import type { RandomForestParams } from "./params";
import { CoreRecipe, overDefaults, takeRounds, TreeMember, xgboostSetting } from "./tree";

export const RANDOM_FOREST_DEFAULTS = { num_parallel_tree: 100, subsample: 0.8, colsample_bynode: 0.8, eta: 1, max_depth: 6, seed: 0 };

export function randomForestRecipe(params: StoredParams): CoreRecipe {
  const { rounds, rest } = takeRounds(params, 1);
  const aliased = { ...rest };
  if (aliased.n_trees !== undefined) {
    if (aliased.num_parallel_tree !== undefined && !sameSetting(aliased.num_parallel_tree, aliased.n_trees)) {
      throw new Error(`num_parallel_tree and n_trees both give the number of trees, with different values (${shownValue(aliased.num_parallel_tree)} and ${shownValue(aliased.n_trees)}): give one`);
    }
    aliased.num_parallel_tree = aliased.n_trees;
    delete aliased.n_trees;
  }
  // XGBoost's names, aliases too: the core checks every key and value when it trains
  return { params: overDefaults(RANDOM_FOREST_DEFAULTS, aliased, xgboostSetting) as XGBoostParams, numBoostRound: rounds };
}

/** The setting a key of a random_forest member gives (n_trees: num_parallel_tree). */
export function randomForestSetting(key: string): string {
  return key === "n_trees" ? "num_parallel_tree" : xgboostSetting(key);
}

/** A random forest the XGBoost way (many parallel trees in one round). */
export function randomForest(params: RandomForestParams = {}): Member {
  return new TreeMember("random_forest", { ...params }, randomForestRecipe);
}
