// Exported from notebooks/07-batch.ipynb by `npm run export` — do not edit here: edit the notebook, then re-export.
// Run: npx tsx scripts/07-batch.mts
// Plots are written as standalone HTML under out/plots/ (the notebook shows them inline).

// ----------------------------------------------------------------------------
// # 7 · Batch transform: score whole files with the best model
//
// An endpoint answers one request at a time and runs until it is deleted. To score whole files — a nightly batch, a backfill — SageMaker has **batch transform**: a job that starts the same container with `serve`, sends it every record of the input files, writes one `<file>.out` per input file, and stops. In this notebook (and its exported script, `scripts/07-batch.mts`, a batch job in itself) we:
// 1. take the best training job of the latest tuning job (notebook 3; or train one if there is none);
// 2. turn the CSV files of `data/` into transform input: an **id** column first, then the features;
// 3. run one **transform job** that drops the id before the model sees a row and puts it back next to the prediction;
// 4. read the output back as a table — `id,prediction` — and write it next to the input.

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
import * as fs from "fs";
import * as path from "path";
import * as sagemaker from "ensemble-workbook/sagemaker";
const session = sagemaker.session({ mode: mode });

// ----------------------------------------------------------------------------
// ## The model
//
// The latest completed tuning job whose name contains `ensemble-tuning` (notebook 3's) and its best training job; without one, a training job with notebook 2's settings. The transformer creates a **Model** from that job's `model.tar.gz` — the same kind of resource an endpoint serves.

// [cell 3]
const tuned = await sagemaker.latestTuningJob(session, "ensemble-tuning");
let bestJob: string;
if (tuned) {
  bestJob = tuned.BestTrainingJob.TrainingJobName;
  console.log(`best training job of ${tuned.HyperParameterTuningJobName}: ${bestJob} (validation:rmse ${tuned.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value})`);
} else {
  console.log("no completed tuning job yet (notebook 3): one training job with notebook 2's settings");
  const estimator = new sagemaker.Estimator({ session: session, hyperparameters: { models: "xgboost,catboost", k_fold: 5, seed: 0 } });
  bestJob = (await estimator.fit({ train: lib.dataFile("diabetes.csv") }, { logs: false })).TrainingJobName;
}

// ----------------------------------------------------------------------------
// ## The input: every CSV of `data/`, with an id column
//
// A transform job reads every object under an S3 prefix — here a local folder (uploaded to the session's bucket in aws mode). The model server takes headerless CSV rows of the features in the trained order, so each file becomes: its row number as the **id**, then the features, without the label. `batchInputCsv` writes that from a table.

// [cell 4]
const dataDir = path.dirname(lib.dataFile("diabetes.csv"));
const batchDir = path.join(dataDir, "..", "out", "batch");
const inputDir = path.join(batchDir, "input");
fs.rmSync(inputDir, { recursive: true, force: true });
const files = fs.readdirSync(dataDir).filter((f) => f.endsWith(".csv"));
for (const f of files) sagemaker.batchInputCsv(lib.loadCsv(path.join(dataDir, f)), path.join(inputDir, f), { exclude: ["target"] });
console.log(`${files.length} input file(s) in ${inputDir}: ${files.join(", ")}`);
console.log(fs.readFileSync(path.join(inputDir, files[0]), "utf8").split("\n").slice(0, 2).join("\n"));

// ----------------------------------------------------------------------------
// ## The transform job
//
// - **`SplitType: Line`** — one record per line; **`BatchStrategy: MultiRecord`** — as many records per request as fit in **`MaxPayloadInMB`** (6 MB: all 442 rows in one request), at most **`MaxConcurrentTransforms`** requests in flight (their product may not exceed 100 MB). `SingleRecord` would send one request per row.
// - **`DataProcessing`** — JSONPath on each record, a CSV row being a JSON array: `InputFilter: "$[1:]"` drops the id before the model sees the row, `JoinSource: "Input"` appends the model's answer to the input row, `OutputFilter: "$[0,-1]"` keeps the first field (the id) and the last (the prediction).
// - The output: `<S3OutputPath>/<input file>.out`, one line per record in the input's order (`AssembleWith: Line`).
//
// `wait()` prints the job's status and its log from CloudWatch Logs (`/aws/sagemaker/TransformJobs`), as it is written: the container's lines, and SageMaker's `[sagemaker logs]` lines for each file.

// [cell 5]
const transformer = await sagemaker.transformerForTrainingJob(session, bestJob, { strategy: "MultiRecord", maxPayloadMb: 6, maxConcurrentTransforms: 2 });
const job = await transformer.transform(inputDir, {
  contentType: "text/csv",
  splitType: "Line",
  inputFilter: "$[1:]",
  joinSource: "Input",
  outputFilter: "$[0,-1]",
});
console.log(`output: ${job.TransformOutput.S3OutputPath}`);

// ----------------------------------------------------------------------------
// ## The predictions, next to their ids
//
// `output()` reads every `.out` object back (from disk locally, from S3 on AWS) as one table; `fileColumn` names the input file of each row, as the ids restart in every file. The ids come back in order, one prediction each; `diabetes.csv`'s rows are the training data, so their RMSE is in-sample — lower than the cross-validated RMSE of notebooks 2 and 3. Put another CSV of the same columns (no `target` needed) in `data/` and it is scored too.

// [cell 6]
const predictions = await transformer.output({ columns: ["id", "prediction"], fileColumn: "file" });
lib.showTable(predictions.slice(0, 5));
const fileOfRow = predictions.array("file") as ArrayLike<string>;
const allPredicted = predictions.array("prediction") as ArrayLike<number>;
const predicted = Float64Array.from(Array.from(allPredicted).filter((_, i) => fileOfRow[i] === "diabetes.csv"));
const target = Float64Array.from(lib.loadDiabetes().array("target") as ArrayLike<number>);
console.log(`${predictions.numRows()} predictions from ${files.length} file(s); diabetes.csv's in-sample RMSE ${lib.formatMetric(lib.rmse(target, predicted))}`);
const written = path.join(batchDir, "diabetes-predictions.csv");
fs.writeFileSync(written, predictions.toCSV());
console.log(`written: ${written}`);

// [cell 7]
await transformer.deleteModel(); // the Model the transformer created (the training job's artifact stays)
await session.close();

// ----------------------------------------------------------------------------
// ## Notes
//
// - On AWS the same code uploads `out/batch/input/` to a prefix of its own, `s3://<bucket>/ensemble-workbook/data/transform-<time>-<id>/`, writes the `.out` objects under `s3://<bucket>/ensemble-workbook/output/<job>/`, and bills the instance for the job's duration only.
// - A record the model refuses (a non-number, a wrong column count) fails the job with a `FailureReason` naming the file and the line — fix the data and run it again.
// - `scripts/07-batch.mts` is this notebook exported: `npx tsx scripts/07-batch.mts` (add `SAGEMAKER_MODE=aws` for AWS).
