// Exported from notebooks/02-train.ipynb by `npm run export` — do not edit here: edit the notebook, then re-export.
// Run: npx tsx scripts/02-train.mts
// Plots are written as standalone HTML under out/plots/ (the notebook shows them inline).

// ----------------------------------------------------------------------------
// # 2 · Train the ensemble in one training job
//
// The blog's ensemble has two members, **XGBoost** and **CatBoost**, each trained on the same k folds, and predicts the **mean** of the two. In this notebook we:
// 1. cross-validate that ensemble right here in the kernel — a per-fold RMSE table, the **per-fold RMSE plot** (each member and the ensemble) and the learning curves;
// 2. run *the same thing* as one **SageMaker training job**: the trainer reads `hyperparameters.json` and the training channel, cross-validates with the same lib code, prints per-fold metric lines, and saves the ensemble as `model.tar.gz`.

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
// ## The members
//
// Both members are gradient-boosted trees from the project's WebAssembly core:
// - `lib.xgboost(params)` takes XGBoost's parameter names (`eta`, `max_depth`, `subsample`, `num_round`, …), depth-wise trees;
// - `lib.catboost(params)` takes CatBoost's names (`learning_rate`, `depth`, `l2_leaf_reg`, `iterations`, …) and grows CatBoost-style **symmetric** (oblivious) trees: one split per level, shared by the whole level.
//
// `blend: "mean"` averages their predictions — the blog's ensemble.

// [cell 2]
const table = lib.loadDiabetes();
const members = [
  lib.xgboost({ eta: 0.05, max_depth: 3, subsample: 0.8, colsample_bytree: 0.8, num_round: 100 }),
  lib.catboost({ learning_rate: 0.03, depth: 6, l2_leaf_reg: 3, iterations: 250 }),
];
const ensemble = new lib.Ensemble({ members, blend: "mean" });
members.map((m) => `${m.name}: ${JSON.stringify(m.params)}`).forEach((s) => console.log(s));

// ----------------------------------------------------------------------------
// ## 5-fold cross-validation
//
// `lib.crossValidate` splits the rows into the same 5 folds as notebook 1 (`seed: 0`), trains every member on 4 folds, scores it on the fifth, and blends the members' held-out predictions into the ensemble's. The result holds a long table (fold × member × metric), a summary, the out-of-fold predictions and the per-round learning curves.

// [cell 3]
const cv = lib.crossValidate(ensemble, table, {
  label: "target",
  k: 5,
  seed: 0,
  onProgress: lib.progressReporter("cross-validation"),
});
lib.showTable(cv.table.select("fold", "member", "rmse", "mae", "r2"));

// ----------------------------------------------------------------------------
// Mean and spread over the folds. The ensemble is usually not better than the best member on *every* fold, but it is rarely the worst, and its spread is small — that is what averaging buys.

// [cell 4]
lib.showTable(cv.summary.select("member", "rmse_mean", "rmse_std", "mae_mean", "r2_mean"));

// ----------------------------------------------------------------------------
// ## RMSE per fold
//
// One bar per fold for each member and for the ensemble; the dashed line is each series' mean. The fold-to-fold differences (which patients happen to be in the test part) are larger than the differences between models — a reminder to compare models on the same folds.

// [cell 5]
lib.show(lib.perFoldFigure(cv.table, { metric: "rmse" }));

// ----------------------------------------------------------------------------
// ## Learning curves
//
// The held-out RMSE after each boosting round, per member and fold. A curve still falling at the end means more rounds would help; one that turns up means over-fitting (early stopping would cut it there).

// [cell 6]
lib.show(lib.learningCurveFigure(cv.curves));

// ----------------------------------------------------------------------------
// ## The same, as a SageMaker training job
//
// A **training job** runs a container image with `train`: SageMaker writes the hyperparameters to `/opt/ml/input/config/hyperparameters.json`, copies the training channel to `/opt/ml/input/data/train/`, collects whatever the container writes to `/opt/ml/model/` as `model.tar.gz`, and turns log lines into metrics with the regular expressions you give it.
//
// This project's trainer (`trainer/`) is that container: it calls the same `lib.crossValidate` and prints one line per fold, e.g. `fold=1 xgboost-rmse:<v>; catboost-rmse:<v>; ensemble-rmse:<v>;`, and `validation-rmse:<v>;` at the end. In `local` mode the trainer runs as a child process of a local SageMaker; in `aws` mode it is your ECR image on a SageMaker instance. The code below is the same for both.

// [cell 7]
import * as sagemaker from "ensemble-workbook/sagemaker";
// local: starts the local SageMaker on 127.0.0.1 (state kept in the project's .sagemaker-local/); aws: your account (see the setup notes)
const session = sagemaker.session({ mode: mode });

const estimator = new sagemaker.Estimator({
  session: session,
  // SageMaker passes hyperparameters as strings; the trainer reads these (trainer/README.md)
  hyperparameters: { models: "xgboost,catboost", k_fold: 5, seed: 0, blend: "mean" },
  instanceType: "ml.m5.large", // on AWS; locally the trainer runs as a child process
  baseJobName: "ensemble",
});
// the training channel: a local file becomes file://… locally and is uploaded to s3://<bucket>/… in aws mode
const job = await estimator.fit({ train: lib.dataFile("diabetes.csv") }, { logs: false });

// ----------------------------------------------------------------------------
// ### The job's log and its metric lines
//
// SageMaker knows nothing about RMSE: it applies the **metric definitions** (regular expressions) to the container's log. The trainer prints one `fold=` line per fold, one `[round]` line per boosting round (used by Hyperband and early stopping in notebook 3; left out below), then `train-rmse` and `validation-rmse` (the out-of-fold RMSE of the ensemble — the tuning objective).

// [cell 8]
// the job's log where SageMaker keeps it: CloudWatch Logs, group /aws/sagemaker/TrainingJobs, stream <job>/algo-1-<epoch>
// (locally the local SageMaker answers the same Logs API); the [round] lines are left out here
const log = await sagemaker.trainingJobLogs(session, job.TrainingJobName);
console.log(log.filter((e) => !/^\[\d+\]/.test(e.message)).map((e) => e.message).join("\n"));

// ----------------------------------------------------------------------------
// The metric definitions this estimator sent, and the final value of each metric. On AWS a metric is a time series (CloudWatch); the final value is the last match — for `fold:ensemble-rmse` that is the last fold's.

// [cell 9]
lib.showTable(sagemaker.DEFAULT_METRIC_DEFINITIONS);
lib.showTable(Object.entries(estimator.metrics()).map(([metric, value]) => ({ metric, value })));

// ----------------------------------------------------------------------------
// ### The same numbers as in this kernel
//
// The trainer ran the same `lib.crossValidate` with the same folds and the same member defaults, so its `validation:rmse` is the RMSE of the ensemble's out-of-fold predictions (`cv.oof.ensemble`) — every row's held-out prediction pooled into one RMSE. That is why it is not the ensemble's `rmse_mean` in the summary above, the mean of the five per-fold RMSEs: the root of a pooled mean is not the mean of the folds' roots. One implementation of each step, wherever it runs.

// [cell 10]
const kernelRmse = lib.rmse(cv.y, cv.oof.ensemble);
console.log(`this kernel:  out-of-fold ensemble RMSE ${lib.formatMetric(kernelRmse)}`);
console.log(`training job: validation:rmse          ${estimator.metrics()["validation:rmse"]}`);

// ----------------------------------------------------------------------------
// ### The model artifact
//
// Whatever the trainer wrote to `/opt/ml/model/` — the saved-ensemble directory: `manifest.json` plus one XGBoost-JSON file per member — is packed as `model.tar.gz` under the job's output path. Notebook 4 deploys such an artifact.

// [cell 11]
console.log(job.ModelArtifacts.S3ModelArtifacts);
console.log(`training time: ${job.TrainingTimeInSeconds} s, billable: ${job.BillableTimeInSeconds ?? "n/a"} s`);

// [cell 12]
await session.close(); // stops the local SageMaker (nothing to do on AWS)

// ----------------------------------------------------------------------------
// ## Next
//
// Notebook **3** tunes `eta` and `max_depth` with a hyperparameter-tuning job: many training jobs like this one, proposed by a Bayesian strategy.
