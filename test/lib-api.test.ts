// The public API: what `ensemble-workbook` and `ensemble-workbook/sagemaker` export is documented in their READMEs,
// and the internals stay internal (the blend fitters, the tslab display hook, the repository finder, …).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import * as lib from "ensemble-workbook";
import * as sagemaker from "ensemble-workbook/sagemaker";

const root = path.resolve(__dirname, "..");
const documented = (readme: string, names: string[]) => {
  const text = fs.readFileSync(path.join(root, readme), "utf8");
  return names.filter((n) => !new RegExp(`\\b${n}\\b`).test(text));
};

test("every name lib exports is documented in lib/README.md", () => {
  assert.equal(documented("lib/README.md", Object.keys(lib)), []);
});

test("every name lib/sagemaker exports is documented in lib/sagemaker/README.md", () => {
  assert.equal(documented("lib/sagemaker/README.md", Object.keys(sagemaker)), []);
});

test("internals are not exported", () => {
  const internals = ["innerOutOfFold", "convexWeights", "fitBlend", "applyBlend", "checkBlend", "repoRoot", "tslabDisplay", "plotlyBundle", "figureSnippet", "averageRanks", "seededRng", "resolveFeatures", "matrixToDMatrix", "checkFeatures"];
  assert.equal(internals.filter((n) => n in lib), []);
});

test("the workbook's steps are functions and classes of the public index", () => {
  for (const n of ["loadDiabetes", "toMatrix", "kFold", "xgboost", "catboost", "randomForest", "ridge", "crossValidate", "saveEnsemble", "loadEnsemble", "perFoldFigure", "show", "showTable"] as const) {
    assert.type(lib[n], "function", n);
  }
  assert.ok(new lib.Ensemble({ members: [lib.ridge()] }) instanceof lib.Ensemble);
  for (const n of ["session", "Estimator", "HyperparameterTuner", "Predictor", "deployModel"] as const) assert.type(sagemaker[n], "function", n);
});

test.run();
