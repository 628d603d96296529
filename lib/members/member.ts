/**
 * The Member interface shared by tree and linear members.
 * A member is a named, parameterised model that fits on a Matrix, predicts a
 * Float64Array (nrow values; nrow × num_class for multi:softprob), and
 * serialises to exactly one file (XGBoost JSON for tree members, ridge JSON
 * for ridge) inside a saved-ensemble directory.
 */
import type { ModelData } from "../core";
import type { Matrix } from "../data/matrix";
import { checkOptionKeys } from "../options";

export type MemberKind = "xgboost" | "catboost" | "random_forest" | "ridge";
export const MEMBER_KINDS: MemberKind[] = ["xgboost", "catboost", "random_forest", "ridge"];

/** Other names of the member kinds (memberFromSpec, and the trainer's `models` / `<kind>.<param>` hyperparameters). */
export const MEMBER_KIND_ALIASES = { rf: "random_forest", randomForest: "random_forest", randomforest: "random_forest", xgb: "xgboost", linear: "ridge" } as const satisfies Record<string, MemberKind>;
export type MemberKindAlias = keyof typeof MEMBER_KIND_ALIASES;

/** The member kind a name or alias stands for, or undefined if it names none. */
export function canonicalMemberKind(name: string): MemberKind | undefined {
  if (Object.hasOwn(MEMBER_KIND_ALIASES, name)) return MEMBER_KIND_ALIASES[name as MemberKindAlias];
  return (MEMBER_KINDS as string[]).includes(name) ? (name as MemberKind) : undefined;
}

export interface FitOptions {
  /** Evaluated after each boosting round (tree members); its metrics go to onRound. */
  evalSet?: Matrix;
  onRound?(round: number, metrics: Record<string, number>): void;
  /**
   * Core threads for this fit (XGBoost's `nthread`) unless the member's params set `nthread` / `n_jobs` (catboost:
   * `thread_count`); not part of the model (a run-time budget: crossValidate gives 1 to each of its parallel fits).
   * Ridge ignores it.
   */
  nthread?: number;
  /**
   * Instead of a fixed `nthread` (with the same exception): the core threads of each next boosting round, asked
   * before it — a run of fits side by side gives its fits the cores of its threads that are done
   * (ensemble/parallel.ts roundThreads). Not part of the model either: the core's models do not depend on it.
   */
  threads?: () => number;
}

const FIT_OPTIONS = Object.keys({ evalSet: 1, onRound: 1, nthread: 1, threads: 1 } satisfies Record<keyof FitOptions, 1>);

/** A member's fit options: one it does not read is an Error — member.fit(m, { weight }) (XGBoost's and scikit-learn's
 * fit take sample_weight) fitted unweighted without a word. */
export function checkFitOptions(opts: unknown, member: string): void {
  checkOptionKeys(opts, FIT_OPTIONS, `member "${member}": fit`);
}

/**
 * A member's hyperparameters as stored: its own names (typed at the factories, see params.ts), plus `objective`
 * and `num_class` once the ensemble sets them. Values from a training job may still be strings here; the
 * member's recipe and the core check them.
 */
export type StoredParams = Record<string, unknown> & { objective?: string; num_class?: number; loss_function?: string };

/** What a member's contributions explain (`Member.contributions`). */
export interface ContributionOptions {
  /** SHAP interaction values instead of SHAP values (XGBoost's pred_interactions) */
  interactions?: boolean;
  /** Saabas' path attribution instead of SHAP values (XGBoost's approx_contribs; tree members) */
  approx?: boolean;
}

/**
 * How a member's prediction follows from its margin (the sum of its contributions):
 * identity (regression), exp (count:poisson, reg:gamma, reg:tweedie, survival:cox), sigmoid (binary:logistic and reg:logistic trees), softmax (multi:softprob),
 * clip01 (ridge under binary:*, its linear score clipped to [0, 1]).
 */
export type Link = "identity" | "exp" | "sigmoid" | "softmax" | "clip01";

/**
 * A member's exact contributions on its margin scale, per row and output group, one per input feature (the
 * matrix's columns) and the bias last: nrow × groups × (ncol + 1), or with interactions
 * nrow × groups × (ncol + 1) × (ncol + 1) (each row i of a block sums to feature i's contribution).
 * Each row's contributions sum to the member's margin, and `link` turns the margin into its prediction.
 */
export interface MemberContributions {
  groups: number;
  link: Link;
  values: Float64Array;
}

/**
 * A member's fit advanced one boosting round per step() (Member.startFit): crossValidate advances its folds' fits
 * round by round in turn — XGBoost's xgb.cv does the same — so the per-round metrics of every fold are known as the
 * rounds finish, parking each fit between its rounds (its core working memory freed; the same model as fit()).
 */
export interface MemberFit {
  /** The next round; false once the fit is over. */
  step(): boolean;
  /** Frees the fit's working memory until its next step. */
  park(): void;
  /** Ends the fit: the member is fitted, as after fit(). */
  finish(): void;
  /** Ends the fit after an error, releasing what it holds. */
  abort(): void;
}

export interface Member {
  kind: MemberKind;
  name: string;
  /** Hyperparameters as given (member's own names), plus `objective` once set by the ensemble. */
  params: StoredParams;
  fit(m: Matrix, opts?: FitOptions): void;
  /** The same fit, a boosting round per step (members with rounds: the tree members); absent: fit() at once. */
  startFit?(m: Matrix, opts?: FitOptions): MemberFit;
  predict(m: Matrix): Float64Array;
  toFile(): { file: string; content: string };
  /** Restore a fitted state from the content written by toFile(). */
  loadFile(content: string): void;
  /** The fitted model as plain data another thread of this process can take (structured cloning): what toFile()
   * writes, without writing or parsing its text — a fit worker hands its fitted tree member over so (catboost's
   * 250 trees on diabetes: ~1.3 MB of JSON, ~0.1 s to write and read back). Absent (ridge): toFile() is handed over. */
  toModelData?(): ModelData;
  /** Restore a fitted state from toModelData()'s data, as loadFile restores it from toFile()'s content. */
  loadModelData?(data: ModelData): void;
  /** A fresh, unfitted member with the same kind, name and params (used per fold). */
  clone(): Member;
  /** Feature names the fitted model was trained on. */
  featureNames(): string[] | undefined;
  /** Per-feature importance (gain for trees, |standardised coefficient| for ridge). */
  importance(): Record<string, number>;
  /** Exact contributions on the member's margin scale (TreeSHAP for trees, coefficient × (x − mean) for ridge). */
  contributions(m: Matrix, opts?: ContributionOptions): MemberContributions;
  /** Release core memory (tree members); the member cannot predict afterwards. */
  free(): void;
  /**
   * The max_bin of the core bins this member's fits and predictions read when they read nothing else of a matrix
   * without categorical columns — so the matrix's floats may go once it is binned (data/core-matrix.ts
   * releaseFloats). Absent, or undefined, when the member reads the floats.
   */
  binsOnly?(): number | undefined;
  /** Throws when this member cannot fit the objective (ridge: no multi:*): the Ensemble asks as it is made, before any data is read. */
  checkObjective?(objective: string): void;
}

export function checkFeatures(member: Member, m: Matrix): void {
  const names = member.featureNames();
  if (!names) throw new Error(`member "${member.name}" is not fitted`);
  if (m.ncol !== names.length || names.some((n, i) => m.featureNames[i] !== n)) {
    throw new Error(
      `member "${member.name}" was trained on features [${names.join(", ")}] but got [${m.featureNames.join(", ")}]`,
    );
  }
}
