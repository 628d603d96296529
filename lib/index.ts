/**
 * ensemble-workbook — the public API: tables, k folds, members, ensembles and blends, metrics, plots, progress.
 * SageMaker from notebooks is its own entry point: `ensemble-workbook/sagemaker`.
 *
 *   import * as lib from "ensemble-workbook";
 *   const cv = lib.crossValidate(new lib.Ensemble({ members: [lib.xgboost(), lib.catboost()] }), lib.loadDiabetes(), { label: "target" });
 */
export * from "./data";
export * from "./metrics";
export * from "./members";
export * from "./ensemble";
export * from "./plots";
export { progress, progressReporter } from "./progress";
export type { Progress, ProgressOptions } from "./progress";
export { coreBuild, coreBrokenBy, testTrapInAllocator, isClassification, isMulticlass, objectiveTask, labelRange, MAX_THREADS, decimalNumber } from "./core";
export type { XGBoostParams, CatBoostParams, CatBoostLoss, Objective, Metric, Task } from "./core";
export * from "./trainer-hyperparameters";
