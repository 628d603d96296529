import { test } from "uvu";
import * as assert from "uvu/assert";
import * as lib from "ensemble-workbook";

// The names contracts.md promises from lib/index.ts (other parts import these).
const CONTRACT = [
  "loadCsv", "loadDiabetes", "toMatrix", "toDMatrix", "kFold", "stratifiedKFold", "trainTestSplit",
  "rmse", "mae", "r2", "logloss", "auc", "accuracy", "formatMetric",
  "xgboost", "catboost", "randomForest", "ridge", "memberFromSpec",
  "Ensemble", "crossValidate", "saveEnsemble", "loadEnsemble",
  "perFoldFigure", "learningCurveFigure", "predictedVsActualFigure", "featureImportanceFigure", "trialsFigure", "parallelCoordinatesFigure",
  "show", "writeHtml", "showTable", "progress",
];

test("lib/index exports every name in the contract", () => {
  const missing = CONTRACT.filter((n) => typeof (lib as any)[n] !== "function");
  assert.equal(missing, []);
});

test.run();
