/**
 * The one place lib imports the boosting core, `node-xgboost-wasm` (wasm/).
 */
export { Booster, CATBOOST_LOSSES, catboostLoss, canonicalObjective, coreFloats, DMatrix, catboostParams, catboostSetting, paramSetting, resolveParams, startTraining, train, objectiveTask, BLEND_REFUSED, labelRange, isClassification, isMulticlass, outputGroups, trainingForm, coreAttachment, attachCore, coreBuild, prestartCoreThreads, shownValue, availableCores, coreShareEnv, defaultThreads, decimalNumber, sameSetting, MAX_THREADS, testTrapInAllocator, coreBrokenElsewhere, coreBrokenBy } from "node-xgboost-wasm";
export type { ModelData, Training, XGBoostParams, CatBoostParams, CatBoostLoss, Objective, Metric, Task, SharedMatrix, CoreAttachment } from "node-xgboost-wasm";

/** Version of an installed package (by its package.json), or "unknown". */
export function packageVersion(name: string): string {
  try {
    return require(`${name}/package.json`).version ?? "unknown";
  } catch {
    return "unknown";
  }
}
