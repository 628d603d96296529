/**
 * The training job's hyperparameters: what the trainer (trainer/hyperparameters.ts) reads from
 * `/opt/ml/input/config/hyperparameters.json`, typed for lib/sagemaker's `Estimator`.
 *
 * SageMaker passes every hyperparameter as a string: the Estimator sends a string as it is and anything else
 * JSON-encoded (`0.2` → `"0.2"`, `["xgboost", "ridge"]` → `"[\"xgboost\",\"ridge\"]"`), and the trainer parses
 * each key by its type, so a numeric value may be given as a number or as the string SageMaker would pass.
 * Besides the keys below, a member kind's own parameters go as `<kind>.<param>` (`"xgboost.subsample": 0.9`,
 * `"catboost.l2_leaf_reg": 5`), in that member's vocabulary; they override the shared `num_round` / `eta` /
 * `max_depth` for that member. Any other key fails: at compile time for an Estimator's object literal, and in the
 * trainer at run time (the job fails naming the key).
 *
 * `TRAINER_HYPERPARAMETER_KEYS` is the list the trainer validates against; a compile-time check below keeps it
 * and the interface naming the same keys.
 */
import type { Objective } from "./core";
import type { Blend } from "./ensemble/blends";
import type { MemberKind, MemberKindAlias } from "./members/member";

/** A member kind or one of its aliases (`xgb`, `rf`, `linear`, …). */
export type MemberKindName = MemberKind | MemberKindAlias;

/** A number, or its decimal string as SageMaker passes it (`"0.2"`). */
export type NumericHyperparameter = number | string;

/** A member kind's own parameter, `<kind>.<param>`: `"xgboost.subsample"`, `"catboost.l2_leaf_reg"`, `"ridge.alpha"`, …;
 * or one copy's, `<kind>_<n>.<param>`, where models lists the kind n times or more: `"xgboost_2.max_depth"`. */
export type MemberHyperparameterKey = `${MemberKindName}.${string}` | `${MemberKindName}_${number}.${string}`;

export interface TrainerHyperparameters {
  /**
   * The ensemble's members: a comma list (`"xgboost,catboost,ridge"`) or a list of kinds. Kinds: `xgboost`,
   * `catboost`, `random_forest`, `ridge` (aliases `xgb`, `rf`, `linear`); a kind may appear more than once (members
   * `xgboost`, `xgboost_2`), each copy with parameters of its own (`"xgboost_2.max_depth"`; copies left the same are
   * the same model twice, which the job's log says). Default `"xgboost,catboost"`.
   */
  models?: string | readonly MemberKindName[];
  /**
   * Folds of the cross-validation: an integer ≥ 2 and ≤ the rows. Regression: shuffled k-fold;
   * classification: stratified. Every member sees the same folds. Default 5.
   */
  k_fold?: NumericHyperparameter;
  /**
   * Boosting rounds of the boosted members `xgboost` and `catboost` (CatBoost's `iterations`), an integer ≥ 1.
   * Default: each member's own (xgboost 100, catboost 250).
   */
  num_round?: NumericHyperparameter;
  /**
   * Learning rate of `xgboost` and `catboost` (CatBoost's `learning_rate`), > 0.
   * Default: each member's own (xgboost 0.05, catboost 0.03).
   */
  eta?: NumericHyperparameter;
  /**
   * Tree depth of `xgboost` and `catboost` (CatBoost's `depth`), an integer ≥ 1.
   * Default: each member's own (xgboost 3, catboost 6). `num_round`, `eta` and `max_depth` fail the job when `models`
   * has neither (nothing would read them; `random_forest.max_depth` is the forest's depth).
   */
  max_depth?: NumericHyperparameter;
  /**
   * How member predictions become one: `mean`, `weighted` (non-negative weights fitted on out-of-fold
   * predictions), `stacking` (ridge meta-learner), `median`, `soft_vote` (classification); `vote` fails the job (its classes have no logloss, the job's metric). Default `mean`.
   */
  blend?: Blend;
  /** The XGBoost objective of every member (`reg:absoluteerror`, `binary:logistic`, `multi:softprob`, …). Default `reg:squarederror`. */
  objective?: Objective;
  /**
   * The label column: a name, or without a header (columns `c0..cN`) also a 0-based index.
   * Default `target` with a header, else the first column.
   */
  label?: string | number;
  /** Seed of the folds and of every tree member (`seed`, CatBoost's `random_seed`), an integer ≥ 0. Default 0. */
  seed?: NumericHyperparameter;
  /**
   * `refit` (default): after cross-validation every member is refitted on all training rows. `folds`: the k fold
   * models are kept and averaged (blends `mean`, `weighted`, `stacking`, `soft_vote`).
   */
  final_model?: "refit" | "folds";
  /**
   * Feature columns to read as categorical although they hold numbers (integer-coded categories): column names,
   * or 0-based column indexes in the file (as `label`), as a list or a comma list (`"store,2"`). A column holding
   * text is categorical without being named here. Default: none.
   */
  categorical_features?: string | readonly (string | number)[];
  /**
   * The cells that mean "missing" in CSV and JSON channels, replacing pandas' default tokens (the empty cell, `NA`,
   * `N/A`, `NaN`, `nan`, `null`, `NULL`, `None`, `#N/A`, `-NaN`, `n/a`, `<NA>`, …): a list of strings (the Estimator
   * sends it JSON-encoded, `"[\"NA\",\"?\"]"`). The endpoint reads the same tokens as missing. Default: pandas'.
   */
  na_values?: string | readonly string[];
  /**
   * CSV channels: `true` the first row names the columns, `false` no header (columns `c0..cN`), `auto` (default) a
   * header when a first-row cell is neither a number nor missing. A CSV without a header whose first row holds text
   * needs `false`.
   */
  header?: boolean | "true" | "false" | "auto";
  /**
   * How many fits of the cross-validation run at once (its k folds × members; the final refit's members run one
   * after another with the whole budget each, or side by side with a validation channel), each in a worker thread;
   * it is also the job's budget of core threads: each fit gets ⌊parallel_fits / fits at once⌋ of
   * them (`nthread` 1, unless there are fewer fits than parallel_fits): an integer ≥ 1. 1 fits one after another. The job's
   * results are the same for every value. Default: the cores of the container (CPU affinity and cgroup quota), or 1
   * for a table under 10 000 cells (lib's `defaultWorkers`), or for a table of 2^24 cells or more 1 with every core
   * inside the fit (one fit's working memory at a time; fits side by side share the data but not their working sets).
   * The local SageMaker's tuning jobs set it to max(1, ⌊cores / MaxParallelTrainingJobs⌋) unless it is a static
   * hyperparameter.
   */
  parallel_fits?: NumericHyperparameter;
  /** A member kind's own parameter (`"xgboost.subsample": 0.9`); the kind must be in `models`. */
  [memberParam: MemberHyperparameterKey]: string | number | boolean;
}

/** The trainer's own hyperparameter names (not `<kind>.<param>`), in the order its documentation lists them. */
export const TRAINER_HYPERPARAMETER_KEYS = ["models", "k_fold", "num_round", "eta", "max_depth", "blend", "objective", "label", "seed", "final_model", "categorical_features", "na_values", "header", "parallel_fits"] as const;
export type TrainerHyperparameterKey = (typeof TRAINER_HYPERPARAMETER_KEYS)[number];

// The list and the interface name the same keys: a key added to one and not the other fails to compile here.
type NamedKeys = keyof { [K in keyof TrainerHyperparameters as K extends MemberHyperparameterKey ? never : K]: true };
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const keysAgree: SameKeys<NamedKeys, TrainerHyperparameterKey> = true;
void keysAgree;

/** SageMaker's own keys in hyperparameters.json (`sagemaker_*`, `_tuning_objective_metric`): the trainer ignores them. */
export function isSageMakerHyperparameter(key: string): boolean {
  return key.startsWith("sagemaker_") || key === "_tuning_objective_metric";
}
