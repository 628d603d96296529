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

/** The number of trees, by its names: n_estimators as XGBoost's XGBRFRegressor and scikit-learn's forests mean it
 * (trees, not rounds: a forest of n_estimators 20 was 20 rounds of 100 trees, 2000 boosted trees, 7× slower). */
const TREE_COUNT_NAMES = ["num_parallel_tree", "n_trees", "n_estimators"];

export function randomForestRecipe(params: StoredParams): CoreRecipe {
  const trees: StoredParams = {};
  const others: StoredParams = {};
  for (const [k, v] of Object.entries(params)) (TREE_COUNT_NAMES.includes(k) ? trees : others)[k] = v;
  const { rounds, rest } = takeRounds(others, 1);
  const aliased = { ...rest };
  let given: string | undefined;
  for (const k of TREE_COUNT_NAMES) {
    if (trees[k] === undefined) continue;
    if (given !== undefined && !sameSetting(trees[given], trees[k]))
      throw new Error(`${given} and ${k} both give the number of trees, with different values (${shownValue(trees[given])} and ${shownValue(trees[k])}): give one`);
    given ??= k;
  }
  if (given !== undefined) aliased.num_parallel_tree = trees[given];
  // XGBoost's names, aliases too: the core checks every key and value when it trains
  return { params: overDefaults(RANDOM_FOREST_DEFAULTS, aliased, xgboostSetting) as XGBoostParams, numBoostRound: rounds };
}

/** The setting a key of a random_forest member gives (n_trees and n_estimators: num_parallel_tree). */
export function randomForestSetting(key: string): string {
  return TREE_COUNT_NAMES.includes(key) ? "num_parallel_tree" : xgboostSetting(key);
}

/** A random forest the XGBoost way (many parallel trees in one round). */
export function randomForest(params: RandomForestParams = {}): Member {
  return new TreeMember("random_forest", { ...params }, randomForestRecipe);
}
