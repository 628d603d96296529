/**
 * npm start — the whole workbook flow, locally, in one command:
 *   data → cross-validated ensemble + one training job → one tuning job (Bayesian)
 *   → deploy the best job's model to one serverless endpoint → invoke (CSV, JSON, per member) → clean up.
 * Prints a short report (RMSE table, best hyperparameters, timings) and writes the plots as standalone
 * HTML files (plus report.txt and an all-in-one report.html) under the output folder it names.
 *
 * Usage: npm start [-- --out DIR] [--jobs N] [--parallel N] [--strategy Bayesian|Random|Grid|Hyperband]
 * Mode: local by default; SAGEMAKER_MODE=aws (+ AWS_REGION, SAGEMAKER_ROLE_ARN, SAGEMAKER_BUCKET,
 * SAGEMAKER_IMAGE_URI) runs the same flow on AWS.
 */
import * as fs from "fs";
import * as path from "path";
import * as lib from "ensemble-workbook";
import * as sagemaker from "ensemble-workbook/sagemaker";

function args(argv: string[]) {
  const o: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const [k, v] = a.includes("=") ? a.slice(2).split("=", 2) : [a.slice(2), argv[++i]];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    o[k] = v;
  }
  const known = ["out", "jobs", "parallel", "strategy"];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new Error(`unknown option --${k}; known: ${known.map((x) => "--" + x).join(", ")}`);
  return o;
}

async function main() {
  const opts = args(process.argv.slice(2));
  const root = path.resolve(__dirname, "..");
  const outDir = path.resolve(opts.out ?? path.join(root, "out", "workbook"));
  const jobs = Number(opts.jobs ?? 4);
  const parallel = Number(opts.parallel ?? 2);
  const strategy = (opts.strategy ?? "Bayesian") as "Bayesian" | "Random" | "Grid" | "Hyperband";
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs ${opts.jobs}: a positive integer`);
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--parallel ${opts.parallel}: a positive integer`);
  fs.mkdirSync(outDir, { recursive: true });
  const mode = process.env.SAGEMAKER_MODE === "aws" ? "aws" : "local";
  const t0 = Date.now();
  const steps: { step: string; seconds: number }[] = [];
  let tStep = Date.now();
  const step = (name: string) => {
    const now = Date.now();
    steps.push({ step: name, seconds: (now - tStep) / 1000 });
    tStep = now;
    console.log(`✓ ${name} (${((now - t0) / 1000).toFixed(1)} s so far)\n`);
  };
  const plots: { file: string; figure: lib.Figure }[] = [];
  const plot = (name: string, figure: lib.Figure) => {
    const file = lib.writeHtml(figure, path.join(outDir, `${name}.html`));
    plots.push({ file, figure });
  };
  const trainCsv = path.join(root, "data", "diabetes.csv");

  console.log(`ensemble-workbook flow — mode ${mode}, output ${outDir}\n`);

  // 1. data
  console.log("1/6 data");
  const table = lib.loadDiabetes();
  console.log(`diabetes: ${table.numRows()} rows, features ${table.columnNames().filter((c: string) => c !== "target").join(", ")}; label target`);
  step("data");

  // 2. train: the ensemble cross-validated here, then the same as one training job
  console.log("2/6 train: xgboost + catboost, 5-fold CV (mean blend)");
  const ensemble = new lib.Ensemble({ members: [lib.xgboost(), lib.catboost()], blend: "mean" });
  const cv = lib.crossValidate(ensemble, table, { label: "target", k: 5, seed: 0, onProgress: lib.progressReporter("cv") });
  ensemble.free();
  plot("rmse-per-fold", lib.perFoldFigure(cv.table, { metric: "rmse" }));
  plot("learning-curves", lib.learningCurveFigure(cv.curves));
  // the state folder is local mode's (in aws mode it is an Error, as every option of the other mode)
  const session = sagemaker.session({ mode, ...(mode === "local" ? { stateDir: path.join(root, ".sagemaker-local") } : {}), log: (l) => console.log(`  ${l}`) });
  let predictor: sagemaker.Predictor | undefined;
  try {
    const estimator = new sagemaker.Estimator({
      session,
      hyperparameters: { models: "xgboost,catboost", k_fold: 5, seed: 0, blend: "mean" },
      baseJobName: "ensemble",
    });
    await estimator.fit({ train: trainCsv }, { logs: false });
    const jobRmse = estimator.metrics()["validation:rmse"];
    const kernelRmse = lib.rmse(cv.y, cv.oof.ensemble);
    console.log(`  out-of-fold ensemble RMSE: here ${lib.formatMetric(kernelRmse)}, training job ${jobRmse}`);
    step("train");

    // 3. tune
    console.log(`3/6 tune: ${strategy}, eta ∈ [0.2, 0.3], max_depth ∈ {3, 4} (num_round 100), ${jobs} jobs, ${parallel} in parallel`);
    // the blog's learning rates are 4–6× the default 0.05: 100 rounds suffice (and trials run faster)
    estimator.setHyperparameters({ num_round: 100 });
    const grid = strategy === "Grid";
    const tuner = new sagemaker.HyperparameterTuner({
      estimator,
      objectiveMetricName: "validation:rmse",
      objectiveType: "Minimize",
      hyperparameterRanges: grid
        ? { eta: new sagemaker.CategoricalParameter([0.2, 0.3]), max_depth: new sagemaker.CategoricalParameter([3, 4]) }
        : { eta: new sagemaker.ContinuousParameter(0.2, 0.3), max_depth: new sagemaker.IntegerParameter(3, 4) },
      strategy,
      maxJobs: grid ? undefined : jobs,
      maxParallelJobs: parallel,
      randomSeed: 0,
      baseTuningJobName: "ensemble-tuning",
      hyperband: strategy === "Hyperband" ? { minResource: 10, maxResource: 100 } : undefined,
    });
    const tuning = await tuner.fit({ train: trainCsv });
    const trials = await tuner.trials();
    const best = tuning!.BestTrainingJob!;
    plot("tuning-trials", lib.trialsFigure(trials, { objective: "FinalObjectiveValue" }));
    plot("tuning-parallel-coordinates", lib.parallelCoordinatesFigure(trials, ["eta", "max_depth"], { objective: "FinalObjectiveValue" }));
    step("tune");

    // 4. deploy
    console.log("4/6 deploy the best job's model: serverless, 2048 MB, max concurrency 5");
    predictor = await tuner.deploy({ serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } });
    step("deploy");

    // 5. invoke
    console.log("5/6 invoke");
    const first = table.slice(0, 5);
    const csv = await predictor.predict(first, { format: "csv" });
    const json = await predictor.predict(first, { format: "json" });
    const instances = first.select(first.columnNames().filter((c) => c !== "target")).objects();
    const withMembers = JSON.parse((await predictor.invoke(JSON.stringify({ instances }), "application/json", "application/json", "members=true")).body);
    const all = await predictor.predict(table, { format: "csv" });
    const { y } = lib.toMatrix(table, { label: "target" });
    plot("predicted-vs-actual", lib.predictedVsActualFigure(y, all));
    const invokeRows = Array.from(csv, (p, i) => ({
      row: i + 1,
      actual: first.get("target", i),
      ...Object.fromEntries(Object.entries((withMembers.members ?? {}) as Record<string, number[]>).map(([m, v]) => [m, v[i]])),
      csv: p,
      json: json[i],
    }));
    step("invoke");

    // 6. clean up
    console.log("6/6 clean up");
    await predictor.delete();
    predictor = undefined;
    step("clean up");

    // report
    const series = Array.from(cv.summary.array("member") as ArrayLike<string>);
    const rmseTable = cv.table.groupby("fold").pivot("member", "rmse").select("fold", ...series);
    const lines = [
      "",
      "=".repeat(72),
      `ensemble-workbook — report (mode ${mode})`,
      "=".repeat(72),
      "",
      "RMSE per fold (5-fold CV, seed 0; diabetes, 442 rows):",
      lib.tableText(rmseTable),
      "",
      lib.tableText(cv.summary.select("member", "rmse_mean", "rmse_std", "r2_mean")),
      `out-of-fold ensemble RMSE ${lib.formatMetric(lib.rmse(cv.y, cv.oof.ensemble))} = training job ${estimator.latestTrainingJob} validation:rmse ${jobRmse}`,
      "",
      `tuning job ${tuner.latestTuningJob} (${strategy}, ${trials.numRows()} trials; static num_round 100):`,
      lib.tableText(trials.select("TrainingJobName", "eta", "max_depth", "FinalObjectiveValue", "TrainingJobStatus").orderby("FinalObjectiveValue")),
      "",
      `best hyperparameters: ${Object.entries(best.TunedHyperParameters ?? {}).map(([k, v]) => `${k}=${v}`).join(", ")}` +
        ` → validation:rmse ${best.FinalHyperParameterTuningJobObjectiveMetric?.Value} (job ${best.TrainingJobName})`,
      "",
      `endpoint answers for the first 5 rows (serverless; CSV and JSON requests; members=true):`,
      lib.tableText(invokeRows),
      `in-sample RMSE of the deployed model on all ${table.numRows()} rows: ${lib.formatMetric(lib.rmse(y, all))}`,
      "",
      "time per step:",
      lib.tableText(steps),
      `total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      "",
      `plots (standalone HTML, open in a browser) in ${outDir}:`,
      ...plots.map((p) => `  ${path.basename(p.file)}`),
      `  report.html (all plots), report.txt (this report)`,
    ];
    const report = lines.join("\n");
    console.log(report);
    fs.writeFileSync(path.join(outDir, "report.txt"), report.replace(/^\n/, "") + "\n");
    lib.writeHtml(plots.map((p) => p.figure), path.join(outDir, "report.html"));
  } finally {
    if (predictor) await predictor.delete().catch((e: Error) => console.error(`clean up failed: ${e.message}`));
    await session.close();
  }
}

main().catch((e) => {
  console.error(`npm start failed: ${e?.message ?? e}`);
  process.exitCode = 1;
});
