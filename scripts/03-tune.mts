// Exported from notebooks/03-tune.ipynb by `npm run export` — do not edit here: edit the notebook, then re-export.
// Run: npx tsx scripts/03-tune.mts
// Plots are written as standalone HTML under out/plots/ (the notebook shows them inline).

// ----------------------------------------------------------------------------
// # 3 · Tune: one hyperparameter-tuning job
//
// A **hyperparameter-tuning job** (SageMaker *automatic model tuning*) runs many training jobs, each with hyperparameters proposed by a **strategy**, reads each job's objective metric from its log (the metric definitions of notebook 2), and reports the best job. In this notebook we:
// 1. tune `eta` and `max_depth` over the blog's ranges with the **Bayesian** strategy — 4 training jobs, 2 at a time;
// 2. look at the trials: a table, the objective per trial with the best so far, and a parallel-coordinates plot;
// 3. compare the strategies (**Bayesian, Random, Grid, Hyperband**) on the same budget;
// 4. **warm-start** a second tuning job from the first, and see it reach the first one's best in fewer trials.

// ----------------------------------------------------------------------------
// ## Setup: local or AWS
//
// Every notebook starts with the same cell. `mode` says where SageMaker calls go:
//
// - **`"local"`** (default) — a local SageMaker started on 127.0.0.1 by `lib/sagemaker`. It speaks SageMaker's own API, so the real AWS SDK clients are used, training jobs run the project's trainer as child processes, and endpoints are real HTTP servers. No AWS account, no Docker.
// - **`"aws"`** — the same code against your AWS account. You need:
//   1. credentials the AWS SDK can find (`aws configure`, `AWS_PROFILE`, or SSO) and a region (`AWS_REGION`);
//   2. an IAM role SageMaker can assume (`arn:aws:iam::<account>:role/<name>` with `AmazonSageMakerFullAccess` and read/write on the bucket);
//   3. an S3 bucket for data and model artifacts;
//   4. the trainer image in ECR. From the repository root:
//      ```sh
//      ACCOUNT=$(aws sts get-caller-identity --query Account --output text)
//      REGION=${AWS_REGION:-us-east-1}
//      REPO=$ACCOUNT.dkr.ecr.$REGION.amazonaws.com/ensemble-workbook-trainer
//      aws ecr create-repository --repository-name ensemble-workbook-trainer --region $REGION
//      aws ecr get-login-password --region $REGION | docker login --username AWS --password-stdin $ACCOUNT.dkr.ecr.$REGION.amazonaws.com
//      docker build -f trainer/Dockerfile -t ensemble-workbook-trainer .
//      docker tag ensemble-workbook-trainer:latest $REPO:latest
//      docker push $REPO:latest
//      ```
//   Then set `mode = "aws"` below (or run with `SAGEMAKER_MODE=aws`) and give the rest through the environment — `AWS_REGION`, `SAGEMAKER_ROLE_ARN`, `SAGEMAKER_BUCKET`, `SAGEMAKER_IMAGE_URI=$REPO:latest` — or as options of `session()`. Cost note: on AWS every training job, tuning trial and endpoint is billed; notebook 4 deletes what it creates.
//
// The notebooks import the project's library by its package name, `ensemble-workbook` (the `lib/` folder, built to JavaScript with type declarations by `npm ci`): Tab completes its names, Shift-Tab shows their documentation, and a misspelt parameter is a type error before the cell runs. The notebook, the exported script and the trainer all run the very same `lib` code.

// [cell 1]
// "local" (default: no AWS account needed) or "aws" (see above); SAGEMAKER_MODE=aws works for the exported scripts too.
const mode: "local" | "aws" = process.env.SAGEMAKER_MODE === "aws" ? "aws" : "local";
import * as lib from "ensemble-workbook"; // the project's library (lib/), typed: Tab completes, Shift-Tab shows the docs
console.log(`mode: ${mode}, data: ${lib.dataFile("diabetes.csv")}`);

// ----------------------------------------------------------------------------
// ## The estimator: static hyperparameters
//
// The tuner starts from an estimator, exactly like notebook 2's training job. Its hyperparameters that are *not* tuned stay fixed for every trial (`StaticHyperParameters`). The trainer applies `eta`, `max_depth` and `num_round` to both boosted members (`learning_rate`, `depth` and `iterations` for the CatBoost-style member). The blog's learning rates are 4–6× notebook 2's 0.05, so every trial runs both members for 100 rounds (`num_round`), fewer than the CatBoost-style member's default 250 — enough at these rates (see notebook 2's learning curves), and each trial runs faster.

// [cell 2]
import * as sagemaker from "ensemble-workbook/sagemaker";
const session = sagemaker.session({ mode: mode });
const train = lib.dataFile("diabetes.csv");
const estimator = new sagemaker.Estimator({
  session: session,
  hyperparameters: { models: "xgboost,catboost", k_fold: 5, seed: 0, blend: "mean", num_round: 100 },
  baseJobName: "ensemble",
});

// ----------------------------------------------------------------------------
// ## The tuning job
//
// - **ranges** — the blog's: `eta` continuous in [0.2, 0.3], `max_depth` integer in {3, 4};
// - **objective** — `validation:rmse` (the ensemble's out-of-fold RMSE), minimised;
// - **strategy** — `Bayesian`: a Gaussian-process model of objective vs. hyperparameters, proposing the point with the highest *expected improvement*;
// - **budget** — `maxJobs: 4`, `maxParallelJobs: 2` (two trainer processes at once: one per core here; on AWS, two instances).
//
// With two trials at once the job is not exactly repeatable, even with a `randomSeed`: each proposal after the first two is fitted to the trials that have *finished*, and which of two running trials finishes first depends on the machine. Your best value may differ from the instructor's in the second decimal; the seed fixes the first proposals, not the race.

// [cell 3]
const ranges = {
  eta: new sagemaker.ContinuousParameter(0.2, 0.3),
  max_depth: new sagemaker.IntegerParameter(3, 4),
};
const tuner = new sagemaker.HyperparameterTuner({
  estimator: estimator,
  objectiveMetricName: "validation:rmse",
  objectiveType: "Minimize",
  hyperparameterRanges: ranges,
  strategy: "Bayesian",
  maxJobs: 4,
  maxParallelJobs: 2,
  randomSeed: 0,
  baseTuningJobName: "ensemble-tuning",
});
const tuningJob = await tuner.fit({ train: train });

// ----------------------------------------------------------------------------
// ## The trials
//
// One row per training job: its tuned hyperparameters, the objective parsed from its log, and how long it ran.

// [cell 4]
const trials = await tuner.trials();
lib.showTable(trials.select("TrainingJobName", "eta", "max_depth", "FinalObjectiveValue", "TrainingElapsedTimeSeconds", "TrainingJobStatus"));

// [cell 5]
lib.show(lib.trialsFigure(trials, { objective: "FinalObjectiveValue", title: "validation:rmse per trial (Bayesian)" }));

// ----------------------------------------------------------------------------
// The parallel-coordinates plot shows one line per trial across the hyperparameters and the objective — with more trials, the good region stands out.

// [cell 6]
lib.show(lib.parallelCoordinatesFigure(trials, ["eta", "max_depth"], { objective: "FinalObjectiveValue", title: "Trials: eta, max_depth → validation:rmse" }));

// ----------------------------------------------------------------------------
// ## The best training job
//
// `BestTrainingJob` is what notebook 4 deploys.

// [cell 7]
const best = tuningJob.BestTrainingJob;
console.log(`best job: ${best.TrainingJobName}`);
console.log(`hyperparameters: ${JSON.stringify(best.TunedHyperParameters)}`);
console.log(`validation:rmse: ${best.FinalHyperParameterTuningJobObjectiveMetric.Value}`);

// ----------------------------------------------------------------------------
// Compare with notebook 2: the members' defaults (XGBoost `eta` 0.05 for 100 rounds, CatBoost `learning_rate` 0.03 for 250 iterations) reached an out-of-fold RMSE of 56.782. With learning rates of 0.2–0.3 the members over-fit this small data set within a few dozen rounds, so every trial here is a little worse. That is a finding, not a failure: the blog's ranges suit its data; for this one, a logarithmic range reaching lower rates (`new ContinuousParameter(0.01, 0.3, "Logarithmic")`) or tuning `num_round` too is the next experiment.
//
// ## Strategies on the same budget
//
// The same ranges, 4 jobs, 2 in parallel, for each strategy:
// - **Random** — independent uniform draws;
// - **Grid** — every combination of categorical values (here `eta` ∈ {0.2, 0.3} × `max_depth` ∈ {3, 4} = exactly 4 jobs; SageMaker counts them itself, so no job limit is given);
// - **Hyperband** — starts jobs with a small budget of rounds and only lets the promising ones continue, judged on the per-round `[round] validation-rmse` lines (resources from 10 to 100 rounds; a job cut short shows as `Stopped`, and its objective is its last round's value — from fewer rounds, so a Stopped trial's number is not comparable with a finished one's, and Hyperband's best is chosen among the trials that ran to the end).
//
// With only 4 trials the differences are mostly luck — Bayesian starts from random points (with the same `randomSeed` its first proposals are Random's) and its model only takes over after them; give it 12–20 trials to see it pull ahead. The point here is that switching strategy is one option.

// [cell 8]
// each strategy's options, on top of the Bayesian tuner's
const strategies: Partial<sagemaker.TunerOptions>[] = [
  { strategy: "Random" },
  {
    strategy: "Grid", // every combination: SageMaker computes the number of jobs itself
    hyperparameterRanges: { eta: new sagemaker.CategoricalParameter([0.2, 0.3]), max_depth: new sagemaker.CategoricalParameter([3, 4]) },
    maxJobs: undefined,
  },
  { strategy: "Hyperband", hyperband: { minResource: 10, maxResource: 100 } },
];
const comparison: Record<string, unknown>[] = [
  {
    strategy: "Bayesian",
    best_rmse: best.FinalHyperParameterTuningJobObjectiveMetric.Value,
    completed: trials.filter((d) => d.TrainingJobStatus === "Completed").numRows(),
    stopped_early: trials.filter((d) => d.TrainingJobStatus === "Stopped").numRows(),
  },
];
for (const s of strategies) {
  const t = new sagemaker.HyperparameterTuner({ ...tuner.options, ...s, baseTuningJobName: `tuning-${String(s.strategy).toLowerCase()}` });
  const d = await t.fit({ train: train });
  const rows = await t.trials();
  comparison.push({
    strategy: s.strategy,
    best_rmse: d.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value,
    completed: rows.filter((r) => r.TrainingJobStatus === "Completed").numRows(),
    stopped_early: rows.filter((r) => r.TrainingJobStatus === "Stopped").numRows(),
  });
}
lib.showTable(comparison);

// ----------------------------------------------------------------------------
// ## Warm start: a second tuning job that starts where the first left off
//
// A tuning job may name up to 5 finished tuning jobs as **parents** (`WarmStartConfig`). Their trials are not run again: they go straight into the new job's Bayesian model, as if the new job had run them itself, so it skips the random warm-up and proposes from a fitted model at once. Two kinds:
// - **`IdenticalDataAndAlgorithm`** — same data and training image; the ranges and the budget may change, and a hyperparameter may move between static and tuned (the set stays the same). For "tune a bit more".
// - **`TransferLearning`** — other data, image or ranges; for a related problem (the parents' results are still evidence, not the truth).
//
// SageMaker's rules are checked before anything runs (a `ValidationException` names the problem): at most 5 parents, all finished (Completed, Stopped or Failed), the same objective metric. `DescribeHyperParameterTuningJob` then answers `OverallBestTrainingJob`: the best of the new job's own best and its parents'.
//
// First a cold job over a wider space than above — learning rates over two orders of magnitude (`Logarithmic`), depths 2–6 — with the XGBoost member alone so that each trial is short: 8 trials.

// [cell 9]
const wideEstimator = new sagemaker.Estimator({
  session: session,
  hyperparameters: { models: "xgboost", k_fold: 5, seed: 0, num_round: 100 },
  baseJobName: "ensemble",
});
const coldTuner = new sagemaker.HyperparameterTuner({
  estimator: wideEstimator,
  objectiveMetricName: "validation:rmse",
  hyperparameterRanges: { eta: new sagemaker.ContinuousParameter(0.005, 0.3, "Logarithmic"), max_depth: new sagemaker.IntegerParameter(2, 6) },
  strategy: "Bayesian",
  maxJobs: 8,
  maxParallelJobs: 2,
  randomSeed: 1,
  baseTuningJobName: "ensemble-cold",
});
const cold = await coldTuner.fit({ train: train });

// ----------------------------------------------------------------------------
// Then the second job: `identicalDatasetAndAlgorithmTuner()` is the same tuner with `warmStartConfig: { type: "IdenticalDataAndAlgorithm", parents: [<the cold job>] }` (as the SageMaker Python SDK's method of the same name; `transferLearningTuner()` for the other kind). Half the budget: 4 trials.

// [cell 10]
const warmTuner = coldTuner.identicalDatasetAndAlgorithmTuner({ overrides: { maxJobs: 4, randomSeed: 2, baseTuningJobName: "ensemble-warm" } });
const warm = await warmTuner.fit({ train: train });

// ----------------------------------------------------------------------------
// How many trials each job needed to reach the cold job's best RMSE, and the best each found. The figure shows each job's trials and its best so far, trial by trial.

// [cell 11]
const coldTrials = await coldTuner.trials();
const warmTrials = await warmTuner.trials();
const coldBest = cold.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value;
const warmBest = warm.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value;
lib.showTable([
  { job: "cold", trials: coldTrials.numRows(), best_rmse: coldBest, trials_to_reach_cold_best: sagemaker.trialsToReach(coldTrials, coldBest) ?? "not reached" },
  { job: "warm start", trials: warmTrials.numRows(), best_rmse: warmBest, trials_to_reach_cold_best: sagemaker.trialsToReach(warmTrials, coldBest) ?? "not reached" },
]);
const overall = warm.OverallBestTrainingJob?.FinalHyperParameterTuningJobObjectiveMetric?.Value;
console.log(`OverallBestTrainingJob: ${warm.OverallBestTrainingJob?.TrainingJobName} (validation:rmse ${overall})`);
lib.show(lib.bestSoFarFigure({ cold: coldTrials, "warm start": warmTrials }, { title: "validation:rmse per trial: cold job vs warm-started job" }));

// ----------------------------------------------------------------------------
// The warm-started job's first proposals already sit in the region the cold job found good (low depth, learning rates of a few hundredths), so it matches the cold job's best within its first few trials instead of after most of its budget. On this one data set that is one run, not a law; `test/tuning-warm-start.test.ts` measures it over seeds on synthetic objectives (trials to reach the cold job's best: 3.0 vs 9.3 on a smooth bowl, 4.9 vs 7.5 on Branin).

// [cell 12]
await session.close();

// ----------------------------------------------------------------------------
// ## Next
//
// Notebook **4** deploys the best job's model to a serverless endpoint and invokes it.
