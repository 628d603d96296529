/**
 * TrainerHyperparameters (lib) shared by the Estimator and the trainer's parser: an Estimator's misspelt
 * hyperparameter is a compile-time error (checked by compiling scratch files with the TypeScript compiler, as
 * a notebook cell or script would be), and every key the type names is one the trainer parses — given as a
 * number or as SageMaker's string — while any other key is the trainer's runtime error.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as path from "path";
import * as ts from "typescript";
import { TRAINER_HYPERPARAMETER_KEYS, type TrainerHyperparameters } from "ensemble-workbook";
import { parseHyperparameters } from "../trainer/hyperparameters";

const HEADER = `import { session, Estimator } from "ensemble-workbook/sagemaker";\nconst s = session({ mode: "local" });\n`;
const SCRATCH: Record<string, string> = {
  good: `new Estimator({ session: s, hyperparameters: { models: ["xgboost", "rf"], k_fold: 5, num_round: "100", eta: 0.1, max_depth: 4, blend: "stacking", objective: "reg:absoluteerror", label: 0, seed: 7, final_model: "folds", "xgboost.subsample": 0.9, "xgb.min_child_weight": "2", "catboost.l2_leaf_reg": 5 } }).setHyperparameters({ num_round: 50 });`,
  misspeltKey: `new Estimator({ session: s, hyperparameters: { models: "xgboost,catboost", etaa: 0.1 } });`,
  misspeltKeyLater: `new Estimator({ session: s }).setHyperparameters({ num_rounds: 100 });`,
  unknownMember: `new Estimator({ session: s, hyperparameters: { "lightgbm.max_depth": 4 } });`,
  copyParam: `new Estimator({ session: s, hyperparameters: { models: ["xgboost", "ridge", "xgboost"], "xgboost_2.max_depth": 2, "xgb_2.subsample": "0.8" } });`,
  unknownCopy: `new Estimator({ session: s, hyperparameters: { "lightgbm_2.max_depth": 4 } });`,
  unknownBlend: `new Estimator({ session: s, hyperparameters: { blend: "average" } });`,
};

/** diagnostics of each scratch file, compiled together with the project's settings (strict, node types) */
function compile(files: Record<string, string>): Record<string, string[]> {
  const dir = path.join(__dirname, "..", "scratch-types");
  const names = Object.fromEntries(Object.keys(files).map((k) => [path.join(dir, `${k}.ts`), k]));
  const host = ts.createCompilerHost({});
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (f) => (names[f] ? HEADER + files[names[f]] : read(f));
  host.fileExists = (f) => !!names[f] || exists(f);
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, types: ["node"] };
  const program = ts.createProgram(Object.keys(names), options, host);
  const out: Record<string, string[]> = Object.fromEntries(Object.keys(files).map((k) => [k, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const k = d.file ? names[d.file.fileName] : undefined;
    assert.ok(k, `a diagnostic outside the scratch files: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    out[k].push(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  }
  return out;
}

test("Estimator hyperparameters: misspelt keys, unknown member kinds and blends fail to compile; the documented keys compile", () => {
  const d = compile(SCRATCH);
  assert.equal(d.good, []);
  assert.match(d.misspeltKey.join("\n"), /'etaa' does not exist in type 'TrainerHyperparameters'\. Did you mean to write 'eta'\?/);
  assert.match(d.misspeltKeyLater.join("\n"), /'num_rounds' does not exist in type 'TrainerHyperparameters'/);
  assert.match(d.unknownMember.join("\n"), /'"lightgbm\.max_depth"' does not exist in type 'TrainerHyperparameters'/);
  assert.equal(d.copyParam, []);
  assert.match(d.unknownCopy.join("\n"), /'"lightgbm_2\.max_depth"' does not exist in type 'TrainerHyperparameters'/);
  assert.match(d.unknownBlend.join("\n"), /"average"' is not assignable to type 'Blend/);
});

test("every key of TrainerHyperparameters is parsed by the trainer, as a number or as SageMaker's string; others fail", () => {
  const sample: Required<Omit<TrainerHyperparameters, `${string}.${string}`>> = {
    models: ["xgb", "ridge"],
    k_fold: 3,
    num_round: 20,
    eta: 0.1,
    max_depth: 4,
    blend: "stacking",
    objective: "reg:absoluteerror",
    label: "target",
    seed: 7,
    final_model: "folds",
    categorical_features: ["sex", 3],
    na_values: ["NA", "?"],
    header: true,
    parallel_fits: 2,
  };
  assert.equal(Object.keys(sample).sort(), [...TRAINER_HYPERPARAMETER_KEYS].sort());
  // as the Estimator sends them: strings as they are, anything else JSON-encoded
  const sent = Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  const s = parseHyperparameters({ ...sent, "xgboost.subsample": "0.9" });
  assert.equal(s.models, ["xgboost", "ridge"]);
  assert.equal([s.kFold, s.numRound, s.eta, s.maxDepth, s.seed], [3, 20, 0.1, 4, 7]);
  assert.equal([s.blend, s.objective, s.label, s.finalModel, s.parallelFits], ["stacking", "reg:absoluteerror", "target", "folds", 2]);
  assert.equal(s.memberParams, { xgboost: { subsample: "0.9" } });
  assert.equal([s.categoricalFeatures, s.naValues, s.header], [["sex", 3], ["NA", "?"], true]);
  assert.throws(() => parseHyperparameters({ etaa: "0.1" }), (e: Error) => e.message.startsWith(`unknown hyperparameter "etaa"; known: ${TRAINER_HYPERPARAMETER_KEYS.join(", ")}`));
});

test.run();
