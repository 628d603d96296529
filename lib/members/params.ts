/**
 * The hyperparameters each member kind takes, typed: Tab completion in a notebook lists them with their
 * meaning and default, and a misspelt name is a compile-time error (the core still checks every value at run
 * time, since the trainer receives them as strings).
 */
import type { CatBoostParams, Objective, XGBoostParams } from "../core";

/** Every member may be given a name (default: its kind); duplicates get `_2`, `_3`. */
export interface MemberName {
  /** The member's name in tables, logs and the saved ensemble. Default: its kind. */
  name?: string;
}

/** "Number of boosting rounds", in the spellings XGBoost users write. */
export interface RoundParams {
  /** Boosting rounds (XGBoost's `num_round`; also `num_boost_round`, `numBoostRound`, `n_estimators`). */
  num_round?: number;
  /** Alias of `num_round`. */
  num_boost_round?: number;
  /** Alias of `num_round`. */
  numBoostRound?: number;
  /** Alias of `num_round` (scikit-learn's name). */
  n_estimators?: number;
}

/**
 * `lib.xgboost(...)`: XGBoost's names, depthwise trees; workbook defaults eta 0.05, max_depth 3, subsample 0.8,
 * colsample_bytree 0.8, 100 rounds. The keys whose member default differs from the core's are declared again here
 * with it, so Shift-Tab shows the default the member uses (it showed the core's: eta 0.3, max_depth 6).
 */
export interface XGBoostMemberParams extends XGBoostParams, RoundParams, MemberName {
  /** Step size shrinkage applied to every new tree's leaf values (alias `learning_rate`). Member default 0.05 (the core's: 0.3). */
  eta?: number;
  /** Maximum tree depth (0 = unlimited, lossguide only). Member default 3 (the core's: 6). */
  max_depth?: number;
  /** Fraction of rows sampled (without replacement) for each tree. Member default 0.8 (the core's: 1). */
  subsample?: number;
  /** Fraction of features sampled for each tree. Member default 0.8 (the core's: 1). */
  colsample_bytree?: number;
}

/**
 * `lib.catboost(...)`: CatBoost's names, symmetric trees; member defaults depth 6, learning_rate 0.03, 250 iterations.
 * `eta`, `max_depth` and `objective` are accepted too, so one set of training-job hyperparameters drives both kinds.
 */
export interface CatBoostMemberParams extends CatBoostParams, Omit<RoundParams, "num_round">, MemberName {
  /** Alias of `iterations` (the training job's shared name). */
  num_round?: number;
  /** Alias of `learning_rate` (the training job's shared name). */
  eta?: number;
  /** Alias of `depth` (the training job's shared name). */
  max_depth?: number;
  /** XGBoost objective name; `loss_function` wins when both are given. */
  objective?: Objective;
}

/** `lib.randomForest(...)`: XGBoost's random-forest recipe (defaults num_parallel_tree 100, subsample 0.8, colsample_bynode 0.8, eta 1, max_depth 6, one round). */
export interface RandomForestParams extends XGBoostParams, Omit<RoundParams, "n_estimators">, MemberName {
  /** Alias of `num_parallel_tree`. */
  n_trees?: number;
  /** The number of trees: alias of `num_parallel_tree`, as XGBoost's XGBRFRegressor and scikit-learn's forests mean it (not rounds). */
  n_estimators?: number;
}

/** `lib.ridge(...)`: closed-form ridge regression on standardised features (scikit-learn's StandardScaler + Ridge). */
export interface RidgeParams extends MemberName {
  /** L2 penalty. Default 1. */
  alpha?: number;
  /**
   * Most one-hot columns per categorical feature (scikit-learn's OneHotEncoder max_categories): the most
   * frequent levels in the training part get a column each, the rarer ones share one. Default 32.
   */
  max_categories?: number;
  /** Set by the ensemble; ridge minimises squared error for reg:* and clips to [0, 1] for binary:*. */
  objective?: Objective;
}

/** Any member's parameters, as stored on the member (`member.params`). */
export type MemberParams = XGBoostMemberParams | CatBoostMemberParams | RandomForestParams | RidgeParams;
