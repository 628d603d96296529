/**
 * xgboost member: XGBoost parameter names passed straight to the core
 * (depthwise histogram trees). Workbook defaults, chosen for small tabular
 * data (XGBoost's own eta 0.3 / depth 6 overfits a few hundred rows):
 *   eta 0.05, max_depth 3, subsample 0.8, colsample_bytree 0.8,
 *   min_child_weight 1, num_round 100, seed 0 (on diabetes the held-out error
 *   stops improving after about 100 rounds at this learning rate).
 * Rounds may be given as num_round, num_boost_round, numBoostRound or n_estimators.
 */
import type { XGBoostParams } from "../core";
import { Member, StoredParams } from "./member";
import type { XGBoostMemberParams } from "./params";
import { CoreRecipe, overDefaults, takeRounds, TreeMember, xgboostSetting } from "./tree";

export const XGBOOST_DEFAULTS = { eta: 0.05, max_depth: 3, subsample: 0.8, colsample_bytree: 0.8, min_child_weight: 1, seed: 0 };
export const XGBOOST_DEFAULT_ROUNDS = 100;

export function xgboostRecipe(params: StoredParams): CoreRecipe {
  const { rounds, rest } = takeRounds(params, XGBOOST_DEFAULT_ROUNDS);
  // the member's own names are XGBoost's, aliases too (learning_rate, random_state): the core checks every key and
  // value when it trains, and names two keys of one setting with different values
  return { params: overDefaults(XGBOOST_DEFAULTS, rest, xgboostSetting) as XGBoostParams, numBoostRound: rounds };
}

/** An XGBoost-style member: depthwise histogram trees, XGBoost's parameter names. */
export function xgboost(params: XGBoostMemberParams = {}): Member {
  return new TreeMember("xgboost", { ...params }, xgboostRecipe);
}
