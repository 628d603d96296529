/**
 * catboost member: CatBoost parameter names (depth, learning_rate,
 * iterations, l2_leaf_reg, border_count, random_strength, bagging_temperature,
 * bootstrap_type, random_seed, loss_function) → the core's symmetric
 * (oblivious) tree learner, through the core's `catboostParams`:
 *   depth→max_depth, learning_rate→eta, iterations→rounds, l2_leaf_reg→lambda (3),
 *   border_count→max_bin (254), grow_policy "symmetric".
 * The member keeps CatBoost's own depth 6 and learning_rate 0.03 but stops at
 * 250 iterations instead of 1000: on a few hundred rows the held-out error stops
 * improving well before 1000. Everything else keeps
 * CatBoost's defaults. Pass any CatBoost name to override.
 * The ensemble's objective is given as `objective` (XGBoost name) and wins
 * over loss_function only when loss_function is not set.
 * cat_features (CatBoost's name: feature names or 0-based indexes) marks integer-coded columns as
 * categorical for this member, in addition to the table's categorical columns (text, or declared with
 * toMatrix's `categorical`); a name that is not a feature is an Error when the member trains.
 */
import { CATBOOST_LOSSES, catboostParams, catboostSetting, type CatBoostParams } from "../core";
import { Member, StoredParams } from "./member";
import type { CatBoostMemberParams } from "./params";
import { CoreRecipe, overDefaults, TreeMember } from "./tree";

export const CATBOOST_DEFAULTS = { depth: 6, iterations: 250, learning_rate: 0.03 };

export { CATBOOST_LOSSES };

export function catboostRecipe(params: StoredParams): CoreRecipe {
  // CatBoost's names and aliases (catboostSetting): the core's catboostParams checks every one, and names two keys
  // of one setting with different values (iterations and n_estimators, random_seed and random_state)
  const { objective, ...named } = params;
  for (const k of Object.keys(named)) {
    // a round count as text ("250", as a training job passes it): a number, as takeRounds reads it
    if (catboostSetting(k) === "iterations" && typeof named[k] === "string" && named[k] !== "") named[k] = Number(named[k]);
  }
  const recipe = catboostParams(overDefaults(CATBOOST_DEFAULTS, named, catboostSetting) as CatBoostParams);
  const out: CoreRecipe = { params: { ...recipe.params }, numBoostRound: recipe.numBoostRound, ...(recipe.catFeatures ? { catFeatures: recipe.catFeatures } : {}) };
  // the ensemble's objective (XGBoost's name) where loss_function gives none
  if (objective && out.params.objective === undefined) out.params.objective = objective as CoreRecipe["params"]["objective"];
  return out;
}

/** A CatBoost-style member: symmetric (oblivious) trees, CatBoost's parameter names. */
export function catboost(params: CatBoostMemberParams = {}): Member {
  return new TreeMember("catboost", { ...params }, catboostRecipe);
}
