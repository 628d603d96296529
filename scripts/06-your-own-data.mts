// Exported from notebooks/06-your-own-data.ipynb by `npm run export` — do not edit here: edit the notebook, then re-export.
// Run: npx tsx scripts/06-your-own-data.mts
// Plots are written as standalone HTML under out/plots/ (the notebook shows them inline).

// ----------------------------------------------------------------------------
// # 6 · Your own data: text columns, missing values, text labels
//
// Real tables are not all numbers. A CSV exported from pandas or a spreadsheet has columns of text (a genre, a distributor, an airport code), missing cells written as `NA` or left empty, dates as text, and class labels such as `"yes"`/`"no"` or species names. In this notebook we:
// 1. load a real, messy public table — **movies** from the npm package `vega-datasets` (3,201 films) — and look at the column types the loader chose;
// 2. derive the release year from the `Release Date` text with an arquero verb (dates stay text until you derive numbers from them, as in pandas);
// 3. cross-validate the XGBoost + CatBoost ensemble on it, with the text columns as **categorical** features, and compare against dropping them and against ordinal codes;
// 4. classify **penguins** with text labels in and text labels out.
// 5. run the same tables through a SageMaker training job and an endpoint (local by default) that reads text values and answers with text labels.

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
import * as aq from "arquero";
console.log(`mode: ${mode}, data: ${lib.vegaDataset("movies.json")}`);

// ----------------------------------------------------------------------------
// ## Load a table and see the column types
//
// `lib.loadTable(path)` is the one loader for CSV (with or without a header), Parquet, Arrow, JSON and JSON Lines — a file, a folder of files (as SageMaker shards a channel), a URL or a Buffer. `lib.vegaDataset(name)` finds a file of the `vega-datasets` package by name.
//
// Each column gets a type, as pandas would give it:
// - **numeric** when every non-missing cell is a number (stored as float32, the precision the trees train on);
// - **categorical** when any non-missing cell is not a number — text is never turned into a number silently. Integer-coded categories can be declared with `categorical: ["col"]`;
// - missing cells are `null` here; in CSV the pandas tokens (empty, `NA`, `N/A`, `NaN`, `null`, `None`, …) — `na_values` replaces the list.

// [cell 2]
const movies = await lib.loadTable(lib.vegaDataset("movies.json"));
console.log(`${movies.numRows()} films, ${movies.numCols()} columns`);
lib.showTable(lib.columnTypes(movies));

// ----------------------------------------------------------------------------
// ## Feature engineering: the release year
//
// `Release Date` is text such as `"Jun 12 1998"`: as a categorical column it would have ~1,600 levels and say nothing about time. We derive the year with arquero's `derive` (`op.parse_date`, `op.year`) — and check it: the table ends in 2010, yet 22 films are dated 2015–2046 (`"Dec 31 2046"`), two-digit years that the source expanded into the wrong century, so a year after 2011 is taken 100 years earlier. Then we keep the films that have an IMDB rating (the label), and leave out the title, the raw date, and the columns that are themselves audience ratings or mostly empty (`IMDB Votes`, `Rotten Tomatoes Rating`, `US DVD Sales`).

// [cell 3]
const op = aq.op;
const films = movies
  .filter((d) => op.is_finite(d["IMDB Rating"]))
  .derive({ year: (d) => op.year(op.parse_date(d["Release Date"])) })
  // two-digit years expanded into the wrong century by the source ("Dec 31 2046"): the table ends in 2010
  .derive({ year: (d) => (d.year > 2011 ? d.year - 100 : d.year) })
  .select(aq.not("Title", "Release Date", "IMDB Votes", "Rotten Tomatoes Rating", "US DVD Sales"))
  .reify();
const categorical = lib.columnTypeRows(films).filter((c) => c.type === "categorical").map((c) => c.column);
console.log(`${films.numRows()} films with a rating; categorical: ${categorical.join(", ")}`);
lib.showTable(films, { limit: 5 });

// ----------------------------------------------------------------------------
// ## The ensemble with categorical features, 5-fold CV
//
// `crossValidate` types the columns the same way: each categorical column becomes integer codes (in order of first appearance) and is marked categorical for the core. The **catboost** member encodes them with CatBoost's *ordered target statistics* (each row only sees the labels of rows before it in a random order, so the encoding does not leak its own label); the **xgboost** member splits them the way XGBoost does with `enable_categorical`: a column with few categories gets one-hot splits (one category against the rest), others *partition* splits (the categories sorted by their gradient statistics, then cut in two), so a category's effect need not be monotonic in its code. A category a fold's training part never saw is treated as missing in its held-out part, as it is at prediction time.

// [cell 4]
const members = () => [lib.xgboost(), lib.catboost()];
const label = "IMDB Rating";
const cv = lib.crossValidate(new lib.Ensemble({ members: members() }), films, { label: label, k: 5, seed: 0, onProgress: lib.progressReporter("cv categorical") });
lib.showTable(cv.summary.select("member", "rmse_mean", "rmse_std", "r2_mean"));
lib.show(lib.perFoldFigure(cv.table, { title: "Movies: IMDB rating RMSE per fold (categorical features)" }));

// ----------------------------------------------------------------------------
// ## Compare: categories vs dropped vs ordinal codes
//
// Two things people do with text columns when their tool cannot handle them: **drop** them, or replace each by **ordinal codes** (the sorted categories numbered 0, 1, … — scikit-learn's `OrdinalEncoder`, `lib.ordinalCodes`). Ordinal codes invent an order: `"Drama" < "Horror"` means nothing, so the trees need many splits to separate the genres. Same folds, same members:

// [cell 5]
const dropped = films.select(aq.not(...categorical));
const ordinal = lib.ordinalCodes(films, categorical);
const cvDropped = lib.crossValidate(new lib.Ensemble({ members: members() }), dropped, { label: label, k: 5, seed: 0 });
const cvOrdinal = lib.crossValidate(new lib.Ensemble({ members: members() }), ordinal, { label: label, k: 5, seed: 0 });
const variants = { categorical: cv.summary, dropped: cvDropped.summary, "ordinal codes": cvOrdinal.summary };
const byVariant = Object.entries(variants).map(([variant, summary]) =>
  summary.derive({ variant: aq.escape(() => variant) }).select("variant", "member", "rmse_mean", "rmse_std"),
);
const rmseTable = byVariant[0].concat(...byVariant.slice(1));
lib.showTable(rmseTable);
lib.show(lib.comparisonFigure(variants, { title: "Movies: RMSE by how the text columns are used" }));

// ----------------------------------------------------------------------------
// Read the table as it is. The text columns help both members (compare with *dropped*). The **catboost** member's ordered target statistics use them best. The **xgboost** member's partition splits can *over-fit* a column with many rare levels: `Distributor` has about 175 levels for some 2,400 training films, and each partition split picks the subset of categories that fits the training rows best, so a rare distributor is judged on a handful of films. That is XGBoost's behaviour too, not this core's; its remedies are parameters: `min_child_weight` (each side of a split needs more weight), `max_cat_threshold` (fewer categories moved by one split) or one-hot splits (`max_cat_to_onehot` above the number of levels). Same folds, the xgboost member alone:

// [cell 6]
const xgbVariants: Record<string, lib.XGBoostMemberParams> = {
  "defaults (partition splits)": {},
  "min_child_weight 5": { min_child_weight: 5 },
  "max_cat_threshold 8": { max_cat_threshold: 8 },
  "one-hot splits": { max_cat_to_onehot: 1000 },
};
lib.showTable(
  Object.entries(xgbVariants).map(([variant, params]) => {
    const r = lib.crossValidate(new lib.Ensemble({ members: [lib.xgboost(params)] }), films, { label: label, k: 5, seed: 0 });
    return { variant: variant, rmse_mean: r.summary.get("rmse_mean", 0) };
  }),
);

// ----------------------------------------------------------------------------
// ## Text labels in, text labels out: penguins
//
// `penguins.json` has the species as text (`Adelie`, `Chinstrap`, `Gentoo`), and `Island` and `Sex` as text too (`Sex` also holds `"."` and missing values — real data).
//
// First a **binary** question with text features: the penguin's sex from its species, island and measurements. The label column holds `"MALE"`/`"FEMALE"`; with `binary:logistic` the two classes (sorted) become 0 and 1, the ensemble keeps the class list, and `predictClasses` answers with the original label and each class's probability. New rows can be given as objects with the original text values.

// [cell 7]
const penguins = (await lib.loadTable(lib.vegaDataset("penguins.json"))).filter((d) => op.is_finite(d["Beak Length (mm)"])).reify();
const sexed = penguins.filter((d) => d.Sex === "MALE" || d.Sex === "FEMALE").reify();
const sexCv = lib.crossValidate(new lib.Ensemble({ members: [lib.xgboost({ objective: "binary:logistic" }), lib.catboost({ loss_function: "Logloss" })] }), sexed, { label: "Sex", k: 5, seed: 0 });
lib.showTable(sexCv.summary.select("member", "accuracy_mean", "auc_mean", "logloss_mean"));
const sexModel = new lib.Ensemble({ members: [lib.xgboost({ objective: "binary:logistic" }), lib.catboost({ loss_function: "Logloss" })] }).fit(sexed, { label: "Sex" });
const newPenguins = [
  { Species: "Gentoo", Island: "Biscoe", "Beak Length (mm)": 50.5, "Beak Depth (mm)": 15.9, "Flipper Length (mm)": 225, "Body Mass (g)": 5400 },
  { Species: "Adelie", Island: "Dream", "Beak Length (mm)": 36.0, "Beak Depth (mm)": 17.1, "Flipper Length (mm)": 187, "Body Mass (g)": 3300 },
  { Species: "Adelie", Island: "Atlantis", "Beak Length (mm)": 41.0, "Beak Depth (mm)": 19.0, "Flipper Length (mm)": 195, "Body Mass (g)": null },
];
const sexPredictions = sexModel.predictClasses(newPenguins);
lib.showTable(sexPredictions.map((p, i) => ({ penguin: i + 1, label: p.label, p_FEMALE: p.probabilities?.FEMALE, p_MALE: p.probabilities?.MALE })));
console.log("unseen or missing values per column:", JSON.stringify(sexModel.predict(newPenguins).drift));

// ----------------------------------------------------------------------------
// The third penguin lives on an island the model never saw and has no body mass: both become *missing* (the xgboost member follows the trees' default direction, the catboost member uses the prior), and `drift` counts them — the endpoint will report these counts.
//
// Now **multiclass**: the species from the island, the sex and the four measurements, with `multi:softprob`. The xgboost member splits the text columns with categorical splits; the catboost member encodes them with one ordered target statistic per class (CatBoost's way for multiclass labels).

// [cell 8]
const measurements = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];
const speciesMembers = () => [lib.xgboost({ objective: "multi:softprob" }), lib.catboost({ loss_function: "MultiClass" })];
const speciesFeatures = ["Island", "Sex", ...measurements];
const speciesCv = lib.crossValidate(new lib.Ensemble({ members: speciesMembers() }), penguins, { label: "Species", features: speciesFeatures, k: 5, seed: 0 });
console.log(`classes: ${(speciesCv.classes ?? []).join(", ")}`);
lib.showTable(speciesCv.summary.select("member", "accuracy_mean", "logloss_mean"));
const speciesModel = new lib.Ensemble({ members: speciesMembers() }).fit(penguins, { label: "Species", features: speciesFeatures });
// their sex is unknown: null (a row names every feature the model reads; an absent key is an Error, as at the endpoint)
const speciesPredictions = speciesModel.predictClasses(newPenguins.map((p) => ({ ...p, Sex: null })));
lib.showTable(speciesPredictions.map((p, i) => ({ penguin: i + 1, species: p.label, ...p.probabilities })));

// ----------------------------------------------------------------------------
// ## The same table as a training job, and an endpoint
//
// The trainer (`trainer/`, the SageMaker container) reads its channels with the same `lib.loadTable`, so a table with text columns and missing cells goes into a training job as it is: text columns become categorical features, pandas' missing tokens are missing, a text label becomes classes. Its hyperparameters `categorical_features` (names or 0-based indexes, for integer-coded columns), `na_values` and `header` are the loader's options (trainer/README.md).
//
// We write `films` — the table cross-validated above — as a CSV file (nulls as empty cells, as pandas writes them) and give it to one training job. Same members, same 5 folds, same seed: the job's `validation:rmse` is the out-of-fold RMSE of the cross-validation above.

// [cell 9]
import * as sagemaker from "ensemble-workbook/sagemaker";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
// local: a local SageMaker on 127.0.0.1 runs the trainer as a child process; aws: your account (see the setup notes)
const session = sagemaker.session({ mode: mode });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "notebook-06-"));
const filmsCsv = path.join(dataDir, "films.csv");
fs.writeFileSync(filmsCsv, films.toCSV());
const moviesEstimator = new sagemaker.Estimator({
  session: session,
  hyperparameters: { label: label, models: "xgboost,catboost", k_fold: 5, seed: 0 },
  baseJobName: "movies",
});
const moviesJob = await moviesEstimator.fit({ train: filmsCsv }, { logs: false });
const moviesLog = await sagemaker.trainingJobLogs(session, moviesJob.TrainingJobName);
console.log(moviesLog.filter((e) => /^(training on|fold=|validation-rmse)/.test(e.message)).map((e) => e.message).join("\n"));
console.log(`this kernel:  out-of-fold ensemble RMSE ${lib.formatMetric(lib.rmse(cv.y, cv.oof.ensemble))}`);
console.log(`training job: validation:rmse          ${moviesEstimator.metrics()["validation:rmse"]}`);

// ----------------------------------------------------------------------------
// The saved model (`model.tar.gz`) keeps each column's type and its category dictionary, so the endpoint takes the original text values. We deploy it and ask about a new film, by name, in JSON. Its distributor is one the training data never held and its director is missing: the endpoint treats an unseen category as missing — as XGBoost's categorical splits do (the missing branch) and as CatBoost does (the prior) — and says so in the answer's custom attributes (`missing=…,unseen=…`, what SageMaker hands back as `CustomAttributes`) and per column in `drift`.

// [cell 10]
const moviesPredictor = await moviesEstimator.deploy();
const newFilm = {
  "US Gross": 41000000, "Worldwide Gross": 98000000, "Production Budget": 30000000, "MPAA Rating": "PG-13", "Running Time min": 118,
  Distributor: "A Studio Never Seen", Source: "Original Screenplay", "Major Genre": "Drama", "Creative Type": "Contemporary Fiction",
  Director: null, year: 2009,
};
const filmAnswer = await moviesPredictor.invoke(JSON.stringify({ instances: [newFilm] }), "application/json", "application/json");
console.log(`answer: ${filmAnswer.body}`);
console.log(`custom attributes: ${filmAnswer.customAttributes}`);

// ----------------------------------------------------------------------------
// **Text labels through an endpoint.** The penguins' species as a training job (`multi:softprob`; the label's text becomes classes, sorted), then an endpoint that answers with the species' names. `predictor.predictClasses(rows)` asks for `probabilities=true` and gets each row's label and every class's probability — the same shape as `predictClasses` in this kernel, whose model (the same members, its columns in another order) is shown beside it. The new penguins carry a `Species` key (for the sex model above): the endpoint ignores the label's column. Their `Sex` is unknown, sent as `null`.

// [cell 11]
const penguinsCsv = path.join(dataDir, "penguins.csv");
fs.writeFileSync(penguinsCsv, penguins.toCSV());
const speciesEstimator = new sagemaker.Estimator({
  session: session,
  hyperparameters: { label: "Species", objective: "multi:softprob", models: "xgboost,catboost", k_fold: 5, seed: 0 },
  baseJobName: "penguins",
});
await speciesEstimator.fit({ train: penguinsCsv }, { logs: false });
const speciesPredictor = await speciesEstimator.deploy();
// by name, every feature named: the new penguins' sex is not known (null = missing, as the kernel's model read it)
const endpointSpecies = await speciesPredictor.predictClasses(newPenguins.map((p) => ({ ...p, Sex: null })), { format: "json" });
lib.showTable(
  endpointSpecies.map((p, i) => ({
    penguin: i + 1,
    endpoint: p.label,
    kernel: speciesPredictions[i].label,
    ...Object.fromEntries(Object.entries(p.probabilities).map(([species, prob]) => [`endpoint p(${species})`, prob])),
  })),
);

// ----------------------------------------------------------------------------
// Clean up: on AWS an endpoint is billed while it exists.

// [cell 12]
await moviesPredictor.delete();
await speciesPredictor.delete();
await session.close();
fs.rmSync(dataDir, { recursive: true, force: true });
