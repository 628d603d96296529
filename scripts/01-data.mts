// Exported from notebooks/01-data.ipynb by `npm run export` — do not edit here: edit the notebook, then re-export.
// Run: npx tsx scripts/01-data.mts
// Plots are written as standalone HTML under out/plots/ (the notebook shows them inline).

// ----------------------------------------------------------------------------
// # 1 · Data: the diabetes table, features, target and folds
//
// This workbook follows the AWS blog post *"Train, tune and deploy an ensemble of XGBoost and CatBoost models with Amazon SageMaker"* — in TypeScript, in a Jupyter notebook with the tslab kernel, and (by default) entirely on your machine.
//
// In this first notebook we:
// 1. load the **diabetes** data set into an [arquero](https://idl.uw.edu/arquero/) table,
// 2. look at the 10 features and the target (a table and two plots),
// 3. turn the table into the core's `DMatrix`,
// 4. split it into the **k folds** every later notebook uses.
//
// Run the cells from top to bottom (Shift-Enter). Nothing here talks to SageMaker yet.

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
// ## The data set
//
// The diabetes data (Efron, Hastie, Johnstone & Tibshirani, *Least Angle Regression*, 2004): **442 patients**, ten baseline measurements, and a **target** — a quantitative measure of disease progression one year after baseline (25 … 346). It ships with the project as `data/diabetes.csv`, in original units (scikit-learn's copy is standardised; this one is not).
//
// | column | meaning |
// |---|---|
// | `age` | age in years |
// | `sex` | 1 or 2 |
// | `bmi` | body-mass index |
// | `bp` | average blood pressure |
// | `s1` | total serum cholesterol (tc) |
// | `s2` | low-density lipoproteins (ldl) |
// | `s3` | high-density lipoproteins (hdl) |
// | `s4` | total cholesterol / HDL (tch) |
// | `s5` | log of serum triglycerides (ltg) |
// | `s6` | blood sugar level (glu) |
// | `target` | disease progression after one year — what we predict |
//
// `lib.loadDiabetes()` reads it into an arquero table (`lib.loadCsv(path)` reads any CSV the same way).

// [cell 2]
const table = lib.loadDiabetes();
console.log(`${table.numRows()} rows × ${table.numCols()} columns: ${table.columnNames().join(", ")}`);
lib.showTable(table, { limit: 5 });

// ----------------------------------------------------------------------------
// ## Describe every column
//
// arquero verbs do the summary: `fold` turns the wide table into (key, value) pairs, `groupby` + `rollup` aggregate per column. The features live on very different scales (sex is 1/2, s1 is in the hundreds) — irrelevant for trees, which only compare values against thresholds, but it matters for the linear (ridge) member in notebook 5, which standardises its inputs.

// [cell 3]
import * as aq from "arquero";

const description = table
  .fold(aq.all())
  .groupby("key")
  .rollup({
    min: aq.op.min("value"),
    mean: aq.op.mean("value"),
    std: aq.op.stdev("value"),
    max: aq.op.max("value"),
    missing: aq.op.invalid("value"),
  })
  .rename({ key: "column" });
lib.showTable(description);

// ----------------------------------------------------------------------------
// ## The target, and one feature against it
//
// Figures are plain plotly `{ data, layout }` objects; `lib.show(figure)` renders them inline here, and writes a standalone HTML file under `out/plots/` when the same code runs as a script.

// [cell 4]
lib.show({
  data: [{ type: "histogram", x: Array.from(table.array("target")), nbinsx: 30, marker: { color: "#4c78a8" } }],
  layout: { title: { text: "Target: disease progression after one year" }, xaxis: { title: { text: "target" } }, yaxis: { title: { text: "patients" } } },
});

// [cell 5]
lib.show({
  data: [{ type: "scatter", mode: "markers", x: Array.from(table.array("bmi")), y: Array.from(table.array("target")), marker: { size: 5, opacity: 0.6 } }],
  layout: { title: { text: "Body-mass index vs target" }, xaxis: { title: { text: "bmi" } }, yaxis: { title: { text: "target" } } },
});

// ----------------------------------------------------------------------------
// ## From table to `DMatrix`
//
// The tree learners (XGBoost- and CatBoost-style) run in the project's WebAssembly core, `node-xgboost-wasm`. Its input is a `DMatrix`: a row-major `Float32Array` of features plus the label. `lib.toMatrix` does the conversion (empty cells become `NaN`, i.e. *missing*); `lib.toDMatrix` hands it to the core. You rarely need either directly — the ensemble code in the next notebooks calls them — but this is all that happens to the data.

// [cell 6]
const m = lib.toMatrix(table, { label: "target" });
console.log(`X: Float32Array(${m.X.length}) = ${m.nrow} rows × ${m.ncol} features, row-major`);
console.log(`features: ${m.featureNames.join(", ")}`);
console.log(`first row (float32): [${Array.from(m.X.slice(0, m.ncol), (v) => Number(v.toPrecision(7))).join(", ")}] → target ${m.y[0]}`);

const dm = lib.toDMatrix(table, { label: "target" });
console.log(`DMatrix: ${dm.nrow} × ${dm.ncol}`);
dm.free(); // the core's memory is freed explicitly

// ----------------------------------------------------------------------------
// ## k-fold cross-validation
//
// With only 442 rows a single train/test split is noisy: which 88 patients land in the test part moves the RMSE by several points. **k-fold cross-validation** splits the rows into k parts; each part is the test set once, while the model trains on the other k − 1. Every member of the ensemble will see **the same folds** (same `seed`), so their scores are comparable fold by fold.

// [cell 7]
const k = 5;
const folds = lib.kFold(table.numRows(), k, { shuffle: true, seed: 0 });
const y = table.array("target") as Float64Array;
const mean = (idx: Int32Array) => idx.reduce((s, i) => s + y[i], 0) / idx.length;
lib.showTable(
  folds.map((f: { train: Int32Array; test: Int32Array }, i: number) => ({
    fold: i + 1,
    train_rows: f.train.length,
    test_rows: f.test.length,
    test_target_mean: mean(f.test),
  })),
);

// ----------------------------------------------------------------------------
// Each row is in exactly one test part:

// [cell 8]
const seen = new Set<number>();
for (const f of folds) for (const i of f.test) seen.add(i);
console.log(`${seen.size} distinct test rows across ${k} folds (table has ${table.numRows()})`);

// ----------------------------------------------------------------------------
// ## Next
//
// Notebook **2** trains the ensemble (XGBoost + CatBoost) with exactly these folds — first in this kernel, then as a SageMaker training job.
