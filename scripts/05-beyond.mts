// Exported from notebooks/05-beyond.ipynb by `npm run export` — do not edit here: edit the notebook, then re-export.
// Run: npx tsx scripts/05-beyond.mts
// Plots are written as standalone HTML under out/plots/ (the notebook shows them inline).

// ----------------------------------------------------------------------------
// # 5 · Beyond the blog: stacking, weighted blends, classification, feature importance, explanations
//
// The blog averages XGBoost and CatBoost. Averaging is a good default — but it is one choice among several, and the ensemble code here supports others with one option. In this notebook we:
// 1. add a **ridge** (linear) member and compare the **mean** blend with a **weighted** blend and **stacking** — on the same folds, in one per-fold plot;
// 2. look at what the weighted and stacked blends learned;
// 3. build a **classification** ensemble (binary objective) on a task derived from the same data;
// 4. compare **feature importance** across members;
// 5. **explain** the stacked ensemble's predictions: which features drive them, one patient's prediction broken down, and how one feature acts.
//
// Everything runs in this kernel; no SageMaker needed (the trainer accepts the same options as hyperparameters: `models=xgboost,catboost,ridge`, `blend=stacking`).

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
// ## Three members, four blends, one cross-validation
//
// - **mean** — the blog's average of the members' predictions.
// - **weighted** — non-negative weights summing to 1, fitted to minimise the error of the blend on *out-of-fold* predictions (so a member is not rewarded for memorising the training rows).
// - **stacking** — a ridge regression on the members' out-of-fold predictions (intercept + one coefficient per member).
// - **median** — robust to one member going astray.
//
// `crossValidate(..., { blends })` scores every listed blend on the *same* member fits, so the comparison costs no extra training. weighted and stacking fit their blend by an inner cross-validation inside each training part — the test fold is never seen.

// [cell 2]
const table = lib.loadDiabetes();
const ensemble = new lib.Ensemble({
  members: [lib.xgboost(), lib.catboost(), lib.ridge({ alpha: 1 })],
  blend: "stacking",
});
const cv = lib.crossValidate(ensemble, table, {
  label: "target",
  k: 5,
  seed: 0,
  blends: ["mean", "weighted", "median"],
  onProgress: lib.progressReporter("cv"),
});
lib.showTable(cv.summary.select("member", "rmse_mean", "rmse_std", "r2_mean"));

// ----------------------------------------------------------------------------
// The `ensemble` row is the ensemble's own blend (here `stacking`); `ensemble:<blend>` rows are the other blends on the same member fits. On this small, mostly linear data set the ridge member is strong on its own; the learned blends notice that and lean on it, while the plain mean is dragged towards the weaker tree members. Per fold:

// [cell 3]
lib.show(lib.perFoldFigure(cv.table, { metric: "rmse", title: "RMSE per fold: members and blends" }));

// ----------------------------------------------------------------------------
// ## What the blends learned
//
// Fit on all rows, the weighted blend's weights and the stacker's coefficients say how much each member contributes.

// [cell 4]
const weighted = new lib.Ensemble({ members: [lib.xgboost(), lib.catboost(), lib.ridge()], blend: "weighted" });
weighted.fit(table, { label: "target" });
const stacked = new lib.Ensemble({ members: [lib.xgboost(), lib.catboost(), lib.ridge()], blend: "stacking" });
stacked.fit(table, { label: "target" });
lib.showTable(
  weighted.members.map((m, i) => ({
    member: m.name,
    weight: weighted.weights?.[i], // set once a "weighted" ensemble is fitted
    stacking_coef: stacked.stacker?.coef[i], // set once a "stacking" ensemble is fitted
  })),
);
console.log(`stacking intercept: ${lib.formatMetric(stacked.stacker?.intercept ?? NaN)}`);

// ----------------------------------------------------------------------------
// ## A classification ensemble
//
// The same members handle classification with the core's `binary:logistic` objective (CatBoost name: `Logloss`). The project ships no separate classification data, so we derive a task: *is the disease progression above the median?* Folds are **stratified** (each fold keeps the class balance), and the metrics switch to log loss, AUC and accuracy. `soft_vote` averages the members' probabilities.

// [cell 5]
import * as aq from "arquero";

const median = aq.agg(table, aq.op.median("target"));
const binary = table
  .params({ median })
  .derive({ high: (d: { target: number }, $: { median: number }) => (d.target > $.median ? 1 : 0) }) // arquero compiles this function from its text
  .select(aq.not("target"));
console.log(`threshold ${median}: ${aq.agg(binary, aq.op.sum("high"))} of ${binary.numRows()} patients above`);

const classifier = new lib.Ensemble({
  members: [lib.xgboost({ objective: "binary:logistic" }), lib.catboost({ loss_function: "Logloss" })],
  blend: "soft_vote",
});
const cvClass = lib.crossValidate(classifier, binary, { label: "high", k: 5, seed: 0 });
lib.showTable(cvClass.summary);

// [cell 6]
lib.show(lib.perFoldFigure(cvClass.table, { metric: "auc", title: "AUC per fold (higher is better)" }));

// ----------------------------------------------------------------------------
// ## Feature importance
//
// Each member reports its own importance: the average gain of a feature's splits for the tree members (XGBoost's default `importance_type`, "gain"; a feature split rarely but well ranks high), |standardised coefficient| for ridge. On different scales, so the figure shows each member's *share*. Where the members agree (here on `bmi` and `s5`, log triglycerides) the signal is robust; where they differ, the ensemble hedges.

// [cell 7]
lib.show(
  lib.featureImportanceFigure(
    Object.fromEntries(weighted.members.map((m) => [m.name, m.importance()])),
    { title: "Feature importance (share per member)" },
  ),
);

// ----------------------------------------------------------------------------
// ## Why did it predict that? Contributions
//
// Importance says which features a member uses overall; it does not say why *this* patient got *this* prediction. `lib.explain` does: for every row, each feature's **contribution** and a **bias** (the average prediction over the training rows, each weighted by its cover — not the prediction for an average patient), which add up exactly to the ensemble's prediction.
//
// - The tree members are explained by **TreeSHAP** in the core (exact Shapley values of the trees, the same numbers as native XGBoost's `pred_contribs`), the ridge member by its exact linear terms coefficient × (x − mean).
// - The ensemble combines them as its blend combines predictions: here the stacker's coefficients, with its intercept in the bias.
// - For a classifier the numbers are on the probability scale, the scale the ensemble predicts on (lib/README.md, *explanations*, says how and why).
//
// One row per patient, a column per feature, `bias` last:

// [cell 8]
const contributions = lib.explain(stacked, table);
lib.showTable(contributions.slice(0, 5));

// ----------------------------------------------------------------------------
// ### Which features drive the ensemble
//
// One row of dots per feature, the most influential on top; each dot is a patient, placed by how much that feature moved their prediction and coloured by the feature's value (blue low, red high). High `s5` (log triglycerides) and high `bmi` push the predicted progression up and low values pull it down, for most patients, not a few. `s1` (total cholesterol) looks as strong the other way, but `s2` (LDL) moves with it and pushes back: the ridge member weighs these two correlated columns with opposite signs. Contributions explain the *model* — correlated features can share or trade an effect — not the biology.

// [cell 9]
lib.show(lib.explanationSummaryFigure(contributions, table, { title: "What drives the stacked ensemble's predictions" }));

// ----------------------------------------------------------------------------
// ### One patient's prediction, broken down
//
// From the bias (the average prediction), each feature's contribution is a step; the steps end at this patient's prediction.

// [cell 10]
const patient = 0;
const predicted = stacked.predict(table.slice(patient, patient + 1)).prediction[0];
console.log(`patient ${patient}: predicted progression ${lib.formatMetric(predicted)}`);
lib.show(lib.waterfallFigure(contributions, patient, { data: table, title: `Patient ${patient}: from the average prediction to theirs` }));

// ----------------------------------------------------------------------------
// ### How one feature acts
//
// Each patient's `bmi` against its contribution: the shape of the ensemble's response to BMI (the trees' steps smoothed by the linear member), coloured by `s5` — a vertical spread by colour would show the two interacting.

// [cell 11]
lib.show(lib.dependenceFigure(contributions, table, "bmi", { color: "s5" }));

// [cell 12]
weighted.free();
stacked.free();

// ----------------------------------------------------------------------------
// ## Summary
//
// | | |
// |---|---|
// | blends | `mean` (the blog), `weighted`, `stacking`, `median`; `vote` / `soft_vote` for classification |
// | members | `xgboost`, `catboost`, `random_forest`, `ridge` |
// | objectives | regression (squared, absolute, pseudo-Huber, Poisson), `binary:logistic`, `multi:softprob` |
// | explanations | `lib.explain` (contributions per row, adding up to the prediction), summary / waterfall / dependence figures; the endpoint answers them with `X-Amzn-SageMaker-Custom-Attributes: contributions=true` |
//
// Any of these can be tuned as a hyperparameter (notebook 3) and deployed (notebook 4) — the saved-ensemble format stores the blend with the members.
