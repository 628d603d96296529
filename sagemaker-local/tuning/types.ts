/** Shared types — the shapes follow the SageMaker API (values are strings). */
export type StrategyType = "Bayesian" | "Random" | "Grid" | "Hyperband";
export type ScalingType = "Auto" | "Linear" | "Logarithmic" | "ReverseLogarithmic";
export type ObjectiveType = "Minimize" | "Maximize";

export interface NumericRange {
  Name: string;
  MinValue: string;
  MaxValue: string;
  ScalingType?: ScalingType;
}
export interface CategoricalRange {
  Name: string;
  Values: string[];
}
export interface ParameterRanges {
  ContinuousParameterRanges?: NumericRange[];
  IntegerParameterRanges?: NumericRange[];
  CategoricalParameterRanges?: CategoricalRange[];
}

export interface Trial {
  /** the tuned hyperparameters as proposed (extra static ones are ignored) */
  hyperparameters: Record<string, string>;
  /** final objective value; undefined if the trial failed */
  objective?: number;
  /** per-round objective values: intermediate[i] is the value after round i + 1 */
  intermediate?: number[];
  status: "Completed" | "Failed" | "Stopped";
}

export interface HyperbandOptions {
  /** MinResource (rounds), default 1 */
  minResource?: number;
  /** MaxResource (rounds) */
  maxResource: number;
  /** the hyperparameter that sets the number of rounds (e.g. "num_round") */
  resourceParam?: string;
  /** reduction factor, default 3 */
  eta?: number;
  /** "stopping" (default, SageMaker-like early stopping) or "promotion" (successive halving by re-running with more rounds) */
  mode?: "stopping" | "promotion";
}

export interface StrategyOptions {
  objectiveType: ObjectiveType;
  /** MaxNumberOfTrainingJobs; for Grid, <= 0 or non-finite means "all combinations" */
  maxJobs: number;
  seed?: number;
  hyperband?: HyperbandOptions;
  /**
   * Finished trials of earlier tuning jobs (a warm start's parents), with their hyperparameters as they ran (static
   * ones included; only the tuned names are read). Those inside this job's ranges inform the model (Bayesian) and
   * are not proposed again (Bayesian, Random); they do not count against maxJobs, nor as this job's history.
   */
  prior?: Trial[];
}

export type Pending = number | Record<string, string>[];

export interface Strategy {
  /** next hyperparameters to try, or null when no more will ever be proposed */
  next(history: Trial[], pending: Pending): Record<string, string> | null;
  /** Hyperband: true = stop this running trial now */
  shouldStop?(running: { hyperparameters: Record<string, string>; intermediate: number[] }, history: Trial[]): boolean;
}
