/**
 * sagemaker-local/tuning — SageMaker automatic-model-tuning strategies, pure (no I/O).
 *
 *   validateRanges(type, ranges)          SageMaker-like validation (throws Error)
 *   createStrategy(type, ranges, opts)    → { next(history, pending), shouldStop?(running, history) }
 *   medianStoppingRule(history, values)   TrainingJobEarlyStoppingType "AUTO"
 *
 * The math lives in the module comments: space.ts (scaling), gp.ts (Gaussian process, EI),
 * bayesian.ts, random.ts, grid.ts, hyperband.ts, median.ts. See README.md for the contract.
 */
import type { ParameterRanges, Strategy, StrategyOptions, StrategyType } from "./types";
import { buildSpace } from "./space";
import { randomStrategy } from "./random";
import { gridStrategy } from "./grid";
import { bayesianStrategy } from "./bayesian";
import { hyperbandStrategy } from "./hyperband";

export * from "./types";
export { validateRanges, buildSpace, toUnit, fromUnit, encode, decode, resolveScaling, spaceSize } from "./space";
export type { Param, Point } from "./space";
export { medianStoppingRule } from "./median";
export { bestTrial, completionReached, trialsNotImproving } from "./completion";
export { hyperbandSchedule, inferMaxResource, MAX_RESOURCE_LIMIT, staticResourceKey } from "./hyperband";
export { gridPoints } from "./grid";
export { combinationsLeft } from "./common";
export { Rng } from "node-xgboost-wasm";
export { fitGp, gpWithParams, matern52, cholesky, expectedImprovement, normCdf, normPdf } from "./gp";
export type { GpModel } from "./gp";

export function createStrategy(type: StrategyType, ranges: ParameterRanges, opts: StrategyOptions): Strategy {
  const space = buildSpace(type, ranges);
  if (!opts || (opts.objectiveType !== "Minimize" && opts.objectiveType !== "Maximize"))
    throw new Error(`Invalid HyperParameterTuningJobObjective Type: ${opts?.objectiveType}; must be Minimize or Maximize.`);
  if (type !== "Grid" && !(Number.isFinite(opts.maxJobs) && opts.maxJobs >= 1))
    throw new Error(`Invalid MaxNumberOfTrainingJobs: ${opts.maxJobs}; must be an integer >= 1.`);
  switch (type) {
    case "Random":
      return randomStrategy(space, opts);
    case "Grid":
      return gridStrategy(space, opts);
    case "Bayesian":
      return bayesianStrategy(space, opts);
    case "Hyperband":
      return hyperbandStrategy(space, opts);
  }
}
