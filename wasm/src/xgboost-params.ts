/**
 * The parameters `train` accepts, typed, with XGBoost's meaning and this core's default for each —
 * what Tab completion and Shift-Tab inspection show in a notebook, and what makes a misspelt name a
 * compile-time error. params.ts checks the same names at run time (values may also arrive as numeric
 * strings, as SageMaker passes hyperparameters); a test keeps the two lists equal.
 */
import type { Metric, Objective } from "./params";

export interface XGBoostParams {
  /** Learning task and loss. Default `"reg:squarederror"`. */
  objective?: Objective;
  /** Number of classes, required (≥ 2) for `multi:*` objectives. */
  num_class?: number;
  /** Step size shrinkage applied to every new tree's leaf values (alias `learning_rate`). Default 0.3. */
  eta?: number;
  /** Alias of `eta`. */
  learning_rate?: number;
  /** Minimum loss reduction a split must bring (alias `min_split_loss`). Default 0. */
  gamma?: number;
  /** Alias of `gamma`. */
  min_split_loss?: number;
  /** Minimum sum of instance weight (hessian) in a child. Default 1. */
  min_child_weight?: number;
  /** L2 regularisation of leaf weights (alias `reg_lambda`). Default 1. */
  lambda?: number;
  /** Alias of `lambda`. */
  reg_lambda?: number;
  /** L1 regularisation of leaf weights (alias `reg_alpha`). Default 0. */
  alpha?: number;
  /** Alias of `alpha`. */
  reg_alpha?: number;
  /** Maximum absolute leaf value before shrinkage (0 = no limit). Default 0, 0.7 for `count:poisson`. */
  max_delta_step?: number;
  /** Maximum tree depth (0 = unlimited, lossguide only). Default 6; 1–16 for symmetric trees. */
  max_depth?: number;
  /** Maximum number of leaves (0 = no limit; the budget of `grow_policy: "lossguide"`). Default 0. */
  max_leaves?: number;
  /** How trees grow: level by level (`"depthwise"`, XGBoost's default), best leaf first (`"lossguide"`), or CatBoost-style oblivious trees with one split per level (`"symmetric"`). */
  grow_policy?: "depthwise" | "lossguide" | "symmetric";
  /** Fraction of rows sampled (without replacement) for each tree. Default 1. */
  subsample?: number;
  /** Fraction of features sampled for each tree. Default 1. */
  colsample_bytree?: number;
  /** Fraction of the tree's features sampled for each depth level. Default 1. */
  colsample_bylevel?: number;
  /** Fraction of the level's features sampled for each split. Default 1. */
  colsample_bynode?: number;
  /** Histogram bins per feature, 2–256 (bins are bytes; a feature with missing values gets at most 255). Default 256. */
  max_bin?: number;
  /** Seed of the core's random numbers (row and column sampling, random strength; alias `random_state`). Default 0. */
  seed?: number;
  /** Alias of `seed`. */
  random_state?: number;
  /** Trees grown per round; > 1 with `subsample` < 1 and `eta` 1 makes a random forest. Default 1. */
  num_parallel_tree?: number;
  /** The initial prediction of every row; unset = estimated from the labels as XGBoost 2.x does. */
  base_score?: number;
  /** δ of `reg:pseudohubererror`. Default 1. */
  huber_slope?: number;
  /** CatBoost's random strength: N(0, 1) noise added to split scores, scaled and shrinking over the rounds. Default 0. */
  random_strength?: number;
  /** Row sampling scheme: none, Bernoulli (`subsample`), or CatBoost's Bayesian weights. Default `"no"`. */
  bootstrap_type?: "no" | "bernoulli" | "bayesian";
  /** Bayesian bootstrap: weights are (−log U)^t; 0 gives every row weight 1. Default 1. */
  bagging_temperature?: number;
  /** Metric(s) reported for the evaluation sets; the last one drives early stopping. Default: the objective's.
   * `error@t`: error at threshold t (reported as native names it: `error@0.7`; `error@0.5` is `error`). */
  eval_metric?: Metric | Metric[];
  /**
   * How categorical columns (DMatrix `catFeatures` / `featureTypes` "c") are split: XGBoost's native one-hot and
   * partition splits on the category codes (`"partition"`, as `enable_categorical`), CatBoost's ordered target
   * statistics (`"ordered"`), or the leaking all-rows mean (`"naive"`, for comparison only). Default `"partition"` for
   * depthwise and lossguide trees, `"ordered"` for symmetric trees (symmetric + partition is an Error).
   */
  cat_encoding?: "partition" | "ordered" | "naive";
  /** Categorical features with fewer categories than this get one-hot splits (category vs rest), others partition splits. Default 4. */
  max_cat_to_onehot?: number;
  /** Most categories a partition split's scan moves to one side (XGBoost's guard against over-fitting). Default 64. */
  max_cat_threshold?: number;
  /** XGBoost's switch for categorical support; accepted (categorical columns are marked on the DMatrix). */
  enable_categorical?: boolean;
  /** Random orders averaged by ordered target statistics. Default 4. */
  cat_permutations?: number;
  /** Weight of the prior (the mean label) in target statistics. Default 1. */
  cat_prior_weight?: number;
  /** Threads for training and prediction, XGBoost's meaning: 0 (the default) = every core
   * the process may use; an integer >= 1 otherwise (alias `n_jobs`). The model is the same
   * for every value. */
  nthread?: number;
  /** Alias of `nthread`. */
  n_jobs?: number;
  /** Accepted for XGBoost compatibility; no effect. */
  verbosity?: number;
  /** Accepted for XGBoost compatibility; no effect (unknown parameters are always errors here). */
  validate_parameters?: boolean | number;
  /** As XGBoost: no metric is evaluated unless `eval_metric` names some (true / false, 1 / 0). */
  disable_default_eval_metric?: boolean | number;
  /** Only `"gbtree"`. */
  booster?: "gbtree";
  /** `"hist"` (`"auto"`, hist in XGBoost 2.x, is accepted; `"approx"` and `"exact"` are errors). */
  tree_method?: "hist" | "auto";
  /** Only `"cpu"`. */
  device?: "cpu";
  /** Only `"uniform"`. */
  sampling_method?: "uniform";
  /** Weight of the rows labelled 1 (their gradients), as XGBoost's: `binary:logistic` (e.g. negatives / positives for
   * imbalanced classes), `reg:logistic`, `binary:logitraw`, and `reg:squarederror` and `reg:squaredlogerror` (rows whose
   * label is exactly 1); metrics are not weighted by it. Default 1. */
  scale_pos_weight?: number;
  /** `reg:tweedie`'s variance power rho, in [1, 2] (1 is Poisson-like, 2 gamma-like); its default metric is
   * `tweedie-nloglik@rho`. Default 1.5. */
  tweedie_variance_power?: number;
  /** `survival:aft`'s distribution of the log-time noise: "normal", "logistic" or "extreme". Default "normal". */
  aft_loss_distribution?: "normal" | "logistic" | "extreme";
  /** `survival:aft`'s scale of that distribution (sigma, > 0). Default 1. */
  aft_loss_distribution_scale?: number;
  /** `rank:*`'s partners drawn for each row of a query group (XGBoost's LambdaRankParam). Default 1. */
  num_pairsample?: number;
  /** `rank:*`'s list weight: each group's pairs weigh fix_list_weight / its size (0: no such weight). Default 0. */
  fix_list_weight?: number;
  /**
   * Monotone constraints, XGBoost's: per feature 1 (predictions never decrease as it grows), -1 (never increase) or 0
   * (none) — `"(1,-1,0)"`, `[1, -1, 0]` (fewer values than features: the rest 0), or `{ age: 1 }` by feature name.
   * Depthwise and lossguide trees only.
   */
  monotone_constraints?: string | number[] | Record<string, number>;
  /**
   * Interaction constraints, XGBoost's: groups of features allowed to interact — `"[[0, 1], [2, 3]]"` or nested
   * arrays of 0-based indexes or feature names. Below a split, a branch splits only on the features of its path and
   * of the groups that hold all of them. Depthwise and lossguide trees only.
   */
  interaction_constraints?: string | (number | string)[][];
}

/** Every key of XGBoostParams, at run time (kept equal to params.ts's VALID_PARAMS by a test). */
export const XGBOOST_PARAM_NAMES: string[] = Object.keys({
  objective: 1, num_class: 1, eta: 1, learning_rate: 1, gamma: 1, min_split_loss: 1, min_child_weight: 1, lambda: 1,
  reg_lambda: 1, alpha: 1, reg_alpha: 1, max_delta_step: 1, max_depth: 1, max_leaves: 1, grow_policy: 1, subsample: 1,
  colsample_bytree: 1, colsample_bylevel: 1, colsample_bynode: 1, max_bin: 1, seed: 1, random_state: 1,
  num_parallel_tree: 1, base_score: 1, huber_slope: 1, random_strength: 1, bootstrap_type: 1, bagging_temperature: 1,
  eval_metric: 1, cat_encoding: 1, max_cat_to_onehot: 1, max_cat_threshold: 1, enable_categorical: 1, cat_permutations: 1, cat_prior_weight: 1, nthread: 1, n_jobs: 1, verbosity: 1,
  validate_parameters: 1, disable_default_eval_metric: 1, booster: 1, tree_method: 1, device: 1, sampling_method: 1,
  scale_pos_weight: 1, tweedie_variance_power: 1, aft_loss_distribution: 1, aft_loss_distribution_scale: 1, num_pairsample: 1, fix_list_weight: 1,
  monotone_constraints: 1, interaction_constraints: 1,
} satisfies Record<keyof XGBoostParams, 1>).sort();
