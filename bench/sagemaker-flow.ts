/**
 * The seed flow through lib/sagemaker in local mode, timed: `npx tsx bench/sagemaker-flow.ts [--k-fold 5] [--num-round N]
 * [--strategy Bayesian] [--jobs 4] [--parallel 2]` → wall time of each step, trials/minute of the tuning job.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { session, Estimator, HyperparameterTuner, ContinuousParameter, IntegerParameter, CategoricalParameter } from "ensemble-workbook/sagemaker";
import { loadDiabetes } from "ensemble-workbook";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const strategy = arg("strategy", "Bayesian") as any;
  const jobs = Number(arg("jobs", "4"));
  const parallel = Number(arg("parallel", "2"));
  const hp: Record<string, string | number> = { models: "xgboost,catboost", k_fold: Number(arg("k-fold", "5")) };
  if (arg("num-round", "")) hp.num_round = Number(arg("num-round", ""));
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sm-bench-"));
  const sess = session({ mode: "local", stateDir, log: process.argv.includes("--verbose") ? console.log : null, pollMs: 200 });
  const t0 = Date.now();
  const s = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
  try {
    const est = new Estimator({ session: sess, hyperparameters: hp, baseJobName: "bench" });
    await est.fit({ train: path.join(__dirname, "..", "data", "diabetes.csv") });
    console.log(`training job (${JSON.stringify(hp)}): ${s(t0)}; validation:rmse=${est.metrics()["validation:rmse"]}`);
    const t1 = Date.now();
    const tuner = new HyperparameterTuner({
      estimator: est,
      objectiveMetricName: "validation:rmse",
      hyperparameterRanges:
        strategy === "Grid"
          ? { eta: new CategoricalParameter([0.2, 0.3]), max_depth: new CategoricalParameter([3, 4]) }
          : { eta: new ContinuousParameter(0.2, 0.3), max_depth: new IntegerParameter(3, 4) },
      strategy,
      maxJobs: jobs,
      maxParallelJobs: parallel,
      hyperband: strategy === "Hyperband" ? { minResource: 10, maxResource: Number(hp.num_round ?? 200) } : undefined,
    });
    const d = (await tuner.fit({ train: path.join(__dirname, "..", "data", "diabetes.csv") }))!;
    const minutes = (d.HyperParameterTuningEndTime!.getTime() - d.CreationTime!.getTime()) / 60000;
    console.log(
      `tuning job (${strategy}, ${jobs} jobs, ${parallel} parallel): ${s(t1)}; ${(jobs / minutes).toFixed(1)} trials/min; best ${d.BestTrainingJob?.FinalHyperParameterTuningJobObjectiveMetric?.Value} ${JSON.stringify(d.BestTrainingJob?.TunedHyperParameters)}`,
    );
    const t2 = Date.now();
    const predictor = await tuner.deploy({ serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } });
    console.log(`deploy (serverless 2048 MB / 5): ${s(t2)}`);
    const t3 = Date.now();
    const rows = loadDiabetes().slice(0, 10);
    const a = await predictor.predict(rows, { format: "csv" });
    const b = await predictor.predict(rows, { format: "json" });
    console.log(`predict CSV + JSON (10 rows each): ${s(t3)}; first ${a[0]} / ${b[0]}`);
    const t4 = Date.now();
    await predictor.delete();
    console.log(`delete: ${s(t4)}`);
    console.log(`whole local flow: ${s(t0)} wall`);
  } finally {
    await sess.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
