/**
 * node-xgboost-wasm — XGBoost-compatible histogram gradient boosting (and CatBoost-style
 * symmetric trees) in C compiled to WebAssembly.
 *
 *   import { DMatrix, train, Booster } from "node-xgboost-wasm";
 *   const d = new DMatrix(X, { nrow, ncol, label });
 *   const bst = train({ objective: "reg:squarederror", max_depth: 4 }, d, { numBoostRound: 100 });
 *   bst.predict(d); bst.saveModel(); Booster.loadModel(json);
 *
 * Stages of boosting, one C file each (wasm/csrc): binning.c (binning_categorical.c;
 * qmatrix.c keeps a matrix's bins for every fit on its rows, DMatrix.slice's views) →
 * histogram.c → split.c (split_categorical.c) → grower.c / grower_symmetric.c →
 * predictor.c, with objective/ and metric/ apart and booster.c driving the rounds.
 * tree.h holds the one rule by which a row goes left or right at a node.
 */
export { DMatrix, coreFloats, type DMatrixOptions, type SharedMatrix } from "./dmatrix";
export { Booster, type PredictOptions, type ImportanceType } from "./booster";
export { type ModelData } from "./model-json";
export { train, startTraining, trainingForm, type Training, type TrainOptions, type TrainCallback, type IterationInfo } from "./train";
export { catboostParams, catboostSetting, catboostLoss, CATBOOST_PARAM_NAMES, CATBOOST_LOSSES, type CatBoostParams, type CatBoostLoss } from "./catboost";
export { XGBOOST_PARAM_NAMES, type XGBoostParams } from "./xgboost-params";
export { resolveParams, paramSetting, canonicalObjective, decimalNumber, sameSetting, MAX_THREADS, OBJECTIVES, METRICS, VALID_PARAMS, type Params, type Objective, type Metric } from "./params";
export { type CategoricalEncoding } from "./categorical";
export { Rng } from "./rng";
export { shownValue } from "./shown";
export { availableCores, coreShareEnv, defaultThreads } from "./cores";
export { coreBuild, coreAttachment, attachCore, prestartCoreThreads, testTrapInAllocator, coreBrokenElsewhere, coreBrokenBy, type CoreAttachment } from "./wasm";
export { objectiveTask, isClassification, isMulticlass, outputGroups, BLEND_REFUSED, labelRange, type Task } from "./objectives";
