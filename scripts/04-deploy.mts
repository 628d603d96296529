// Exported from notebooks/04-deploy.ipynb by `npm run export` — do not edit here: edit the notebook, then re-export.
// Run: npx tsx scripts/04-deploy.mts
// Plots are written as standalone HTML under out/plots/ (the notebook shows them inline).

// ----------------------------------------------------------------------------
// # 4 · Deploy and invoke: one serverless endpoint
//
// The best training job of notebook 3 left a `model.tar.gz`: the saved ensemble. In this notebook we:
// 1. find that job, and deploy its model to one **serverless endpoint** (Model → EndpointConfig → Endpoint);
// 2. invoke it with **CSV** and with **JSON**;
// 3. ask for the **per-member** predictions next to the blended one;
// 4. plot **predicted vs actual**;
// 5. **update** the endpoint to serve another model, with no downtime;
// 6. **clean up**: delete the endpoint, its config and the model.

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

// [cell 2]
import * as sagemaker from "ensemble-workbook/sagemaker";
const session = sagemaker.session({ mode: mode });
const table = lib.loadDiabetes();

// ----------------------------------------------------------------------------
// ## The best training job
//
// Every SageMaker call goes through the AWS SDK's `SageMakerClient` — in local mode too, pointed at the local SageMaker. Here we use it directly: the latest completed tuning job of notebook 3 (named `ensemble-tuning-…`) and its best training job. If there is none yet (notebook 3 not run, or a fresh state folder), we run a small tuning job first — the same as notebook 3's.

// [cell 3]
import {
  ListHyperParameterTuningJobsCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeTrainingJobCommand,
} from "@aws-sdk/client-sagemaker";
const { sm } = await session.clients();
const listed = await sm.send(
  new ListHyperParameterTuningJobsCommand({
    NameContains: "ensemble-tuning",
    StatusEquals: "Completed",
    SortBy: "CreationTime",
    SortOrder: "Descending",
    MaxResults: 1,
  }),
);
let tuningJobName: string | undefined = listed.HyperParameterTuningJobSummaries?.[0]?.HyperParameterTuningJobName;
if (!tuningJobName) {
  console.log("no completed tuning job yet: running notebook 3's (4 jobs, 2 in parallel)");
  const tuner = new sagemaker.HyperparameterTuner({
    estimator: new sagemaker.Estimator({ session: session, hyperparameters: { models: "xgboost,catboost", k_fold: 5, seed: 0, num_round: 100 } }),
    objectiveMetricName: "validation:rmse",
    hyperparameterRanges: { eta: new sagemaker.ContinuousParameter(0.2, 0.3), max_depth: new sagemaker.IntegerParameter(3, 4) },
    strategy: "Bayesian",
    maxJobs: 4,
    maxParallelJobs: 2,
    randomSeed: 0,
    baseTuningJobName: "ensemble-tuning",
  });
  await tuner.fit({ train: lib.dataFile("diabetes.csv") });
  tuningJobName = tuner.latestTuningJob;
}
const tuning = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: tuningJobName }));
// the SDK's answers mark every field optional: say what we rely on, and stop with a clear message if it is not there
const best = tuning.BestTrainingJob;
if (!best?.TrainingJobName) throw new Error(`tuning job ${tuningJobName} has no best training job`);
const bestJob = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: best.TrainingJobName }));
const modelData = bestJob.ModelArtifacts?.S3ModelArtifacts;
if (!modelData) throw new Error(`training job ${best.TrainingJobName} has no model artifact`);
const objective = best.FinalHyperParameterTuningJobObjectiveMetric?.Value;
console.log(`tuning job ${tuningJobName} → best ${best.TrainingJobName}`);
console.log(`hyperparameters ${JSON.stringify(best.TunedHyperParameters)}, validation:rmse ${objective}`);
console.log(`model: ${modelData}`);

// ----------------------------------------------------------------------------
// ## Deploy to a serverless endpoint
//
// A serverless endpoint has no instances to choose; two numbers describe it:
// - **`MemorySizeInMB`** — 1024 to 6144 in steps of 1024. Memory also sets the CPU share. The ensemble (two sets of trees in JSON) and Node fit comfortably in 2048.
// - **`MaxConcurrency`** — 1 to 200: how many invocations may run at once; beyond that SageMaker throttles (`ThrottlingException`). Each concurrent request gets its own copy of the container.
//
// It scales to zero when idle: the first request after a pause pays a **cold start** (the container starts and loads the model). The local SageMaker does the same with a `trainer serve` process.
//
// `deployModel` makes the three resources: a **Model** (the image + `ModelDataUrl` = the artifact), an **EndpointConfig** (`ServerlessConfig`), and the **Endpoint**; it waits until the endpoint is `InService`.

// [cell 4]
const predictor = await sagemaker.deployModel(session, {
  modelData: modelData,
  serverless: { memorySizeInMB: 2048, maxConcurrency: 5 },
});
console.log(`endpoint: ${predictor.endpointName}`);

// ----------------------------------------------------------------------------
// ## Invoke with CSV
//
// `InvokeEndpoint` with `Content-Type: text/csv`: one row of feature values per line, in the training order (age, sex, bmi, bp, s1 … s6), no label. First the raw call, then `predict` on table rows (it drops the `target` column).

// [cell 5]
const raw = await predictor.invoke("59,2,32.1,101,157,93.2,38,4,4.8598,87\n48,1,21.6,87,183,103.2,70,3,3.8918,69\n", "text/csv", "text/csv");
console.log(`text/csv answer:\n${raw.body}`);

// [cell 6]
const first = table.slice(0, 5);
const csvPredictions = await predictor.predict(first, { format: "csv" });
lib.showTable(first.select("age", "bmi", "bp", "s5", "target").assign({ predicted: Array.from(csvPredictions) }));

// ----------------------------------------------------------------------------
// ## Invoke with JSON
//
// `Content-Type: application/json` with `{"instances": [...]}` — rows as arrays or, as here, as objects naming every feature (`null` = missing). The answer is `{"predictions": [...]}`.

// [cell 7]
const jsonPredictions = await predictor.predict(first, { format: "json" });
console.log(`JSON predictions: ${Array.from(jsonPredictions, (v) => lib.formatMetric(v)).join(", ")}`);
console.log(`same as CSV: ${jsonPredictions.every((v, i) => v === csvPredictions[i])}`);

// ----------------------------------------------------------------------------
// ## Per-member vs blended predictions
//
// The custom attribute `members=true` asks the endpoint for every member's prediction too. Every member predicts; the blend (`mean` here) makes the one answer.

// [cell 8]
const features = first.select(first.columnNames().filter((c) => c !== "target"));
const body = JSON.stringify({ instances: features.objects() }); // rows by feature name
const answer = JSON.parse((await predictor.invoke(body, "application/json", "application/json", "members=true")).body);
const perMember: Record<string, unknown>[] = answer.predictions.map((p: number, i: number) => ({
  row: i + 1,
  ...Object.fromEntries(Object.entries(answer.members as Record<string, number[]>).map(([name, values]) => [name, values[i]])),
  blended: p,
  actual: first.get("target", i),
}));
lib.showTable(perMember);

// ----------------------------------------------------------------------------
// ## Predicted vs actual
//
// All 442 rows in one CSV request. These are the rows the deployed model was trained on, so this is an *in-sample* picture.

// [cell 9]
const all = await predictor.predict(table, { format: "csv" });
const { y } = lib.toMatrix(table, { label: "target" });
console.log(`in-sample RMSE of the endpoint: ${lib.formatMetric(lib.rmse(y, all))}`);
lib.show(lib.predictedVsActualFigure(y, all, { title: "Endpoint, in-sample: predicted vs actual" }));

// ----------------------------------------------------------------------------
// With notebook 3's high learning rates the trees fit the rows they were trained on much better than they will fit new ones: the points sit close to the diagonal, and the in-sample RMSE is well below the cross-validated `validation:rmse`. What to expect for *new* patients is the cross-validated picture: the same hyperparameters, the same folds, each row predicted by models that never saw it. Running that here reproduces the tuning job's objective exactly (the trainer applies `eta`, `max_depth` and the static `num_round` to both members: `learning_rate`, `depth` and `iterations` for CatBoost).

// [cell 10]
const hp = { ...bestJob.HyperParameters, ...best.TunedHyperParameters }; // static + tuned
const rounds = Number(hp.num_round ?? 100);
const bestEnsemble = new lib.Ensemble({
  members: [
    lib.xgboost({ eta: Number(hp.eta), max_depth: Number(hp.max_depth), num_round: rounds }),
    lib.catboost({ learning_rate: Number(hp.eta), depth: Number(hp.max_depth), iterations: rounds }),
  ],
  blend: "mean",
});
const bestCv = lib.crossValidate(bestEnsemble, table, { label: "target", k: 5, seed: 0 });
console.log(`out-of-fold RMSE here: ${lib.formatMetric(lib.rmse(bestCv.y, bestCv.oof.ensemble))}; tuning job's validation:rmse: ${objective}`);
lib.show(lib.predictedVsActualFigure(bestCv.y, bestCv.oof.ensemble, { title: "Cross-validated (out-of-fold): predicted vs actual" }));
bestEnsemble.free(); // here, not in the clean-up cell: that cell must run even when this optional one was skipped

// ----------------------------------------------------------------------------
// ## Serve another model on the same endpoint
//
// Notebook 3 found that every tuning trial was a little worse than notebook 2's members' defaults (out-of-fold RMSE 56.782). To serve that model instead, the endpoint is **updated**, not deleted and made again: `predictor.update` makes a Model and an EndpointConfig for the new artifact and calls `UpdateEndpoint`. SageMaker brings the new model up beside the old one (the endpoint is `Updating` and keeps answering), then sends the invocations to it and retires the old one — no request is refused on the way. The model and config it replaced are deleted once the new one serves. A model that cannot start is rolled back: the update throws with the endpoint's `FailureReason`, and the endpoint serves on as before.
//
// The training job here is notebook 2's (about 2 s locally, a few minutes on AWS).

// [cell 11]
const defaults = new sagemaker.Estimator({ session: session, hyperparameters: { models: "xgboost,catboost", k_fold: 5, seed: 0, blend: "mean" }, baseJobName: "ensemble" });
await defaults.fit({ train: lib.dataFile("diabetes.csv") }, { logs: false });
console.log(`the defaults' validation:rmse: ${defaults.metrics()["validation:rmse"]} (the tuned model's: ${objective})`);
await predictor.update({ modelData: defaults.modelData!, serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } });
const updated = await predictor.predict(first, { format: "csv" });
lib.showTable(first.select("target").assign({ tuned_model: Array.from(csvPredictions), defaults_model: Array.from(updated) }));

// ----------------------------------------------------------------------------
// ## Clean up
//
// On AWS an idle serverless endpoint costs nothing per hour, but the resources stay until deleted. `delete()` removes the endpoint, then its endpoint config and its model.

// [cell 12]
await predictor.delete();
await session.close(); // names any endpoint this session made and did not delete (a deploy cell run twice makes two)

// ----------------------------------------------------------------------------
// ## Next
//
// Notebook **5** goes beyond the blog: other blends (weighted, stacking), a classification ensemble and feature importance.
