/**
 * Batch transform in the local SageMaker with the real trainer: one small model, then transform jobs through
 * lib's Transformer and the raw SDK — SingleRecord and MultiRecord (several mini-batches, several in flight)
 * give the same output in record order, equal to the endpoint's answers and to lib's own prediction; the id
 * column kept with InputFilter / JoinSource / OutputFilter; AWS's validation errors (a missing input among them);
 * failed jobs naming the bad record's file and line; the TransformJobCompletedOrStopped waiter; StopTransformJob.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as aq from "arquero";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { execFileSync } from "child_process";
import {
  CreateTransformJobCommand,
  CreateTransformJobCommandInput,
  DescribeTransformJobCommand,
  ListTransformJobsCommand,
  StopTransformJobCommand,
  waitUntilTransformJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { DescribeLogStreamsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { session, Session, Estimator, Transformer, batchInputCsv, createModel } from "ensemble-workbook/sagemaker";
import { loadCsv, loadDiabetes, loadEnsemble } from "ensemble-workbook";
import { tmpDir, rejects, until } from "./sagemaker-helpers";

const DATA = path.join(__dirname, "..", "data", "diabetes.csv");
let sess: Session;
let est: Estimator;
let modelName: string;
let reference: Float64Array; // lib's own prediction of every diabetes row
let inputs: string; // a folder: diabetes with ids, and a bigger file
const BIG = 30_000;

test.before(async () => {
  sess = session({ stateDir: tmpDir("transform-state"), pollMs: 100, log: null });
  est = new Estimator({ session: sess, hyperparameters: { models: "xgboost", k_fold: 2, num_round: 10 } });
  const job = await est.fit({ train: DATA }, { logs: false });
  modelName = await createModel(sess, { modelData: job.ModelArtifacts.S3ModelArtifacts });
  const dir = tmpDir("model");
  execFileSync("tar", ["xzf", job.ModelArtifacts.S3ModelArtifacts.replace(/^file:\/\//, ""), "-C", dir]);
  const ens = loadEnsemble(dir);
  reference = Float64Array.from(ens.predict(loadDiabetes()).prediction);
  ens.free();
  inputs = tmpDir("inputs");
  batchInputCsv(loadDiabetes(), path.join(inputs, "a-diabetes.csv"), { exclude: ["target"] });
  // b-big.csv: the diabetes rows repeated, ids 1..BIG
  const rows = fs.readFileSync(path.join(inputs, "a-diabetes.csv"), "utf8").trim().split("\n").map((l) => l.slice(l.indexOf(",") + 1));
  let big = "";
  for (let i = 0; i < BIG; i++) big += `${i + 1},${rows[i % rows.length]}\n`;
  fs.writeFileSync(path.join(inputs, "b-big.csv"), big);
});
test.after(async () => {
  await sess.close();
});

const KEEP_ID = { inputFilter: "$[1:]", joinSource: "Input" as const, outputFilter: "$[0,-1]" };

test("MultiRecord in 1 MB mini-batches, 3 in flight, and SingleRecord: the same id,prediction rows in order, equal to lib's prediction", async () => {
  const multi = new Transformer(sess, modelName, { strategy: "MultiRecord", maxPayloadMb: 1, maxConcurrentTransforms: 3 });
  const d = (await multi.transform(inputs, KEEP_ID))!;
  assert.is(d.TransformJobStatus, "Completed");
  assert.equal([d.BatchStrategy, d.MaxPayloadInMB, d.MaxConcurrentTransforms], ["MultiRecord", 1, 3]);
  assert.equal((await multi.outputUris()).map((u) => path.basename(u)), ["a-diabetes.csv.out", "b-big.csv.out"]);
  const out = await multi.output({ columns: ["id", "prediction"] });
  assert.is(out.numRows(), 442 + BIG);
  const ids = out.array("id") as ArrayLike<number>;
  const pred = out.array("prediction") as ArrayLike<number>;
  for (let i = 0; i < 442; i++) {
    assert.is(ids[i], i + 1);
    assert.is(pred[i], reference[i], `row ${i}`); // float64, as the endpoint answers (read as float32, only within 1e-6)
  }
  for (let i = 0; i < BIG; i++) {
    assert.is(ids[442 + i], i + 1);
    assert.is(pred[442 + i], pred[i % 442]);
  }
  // the data log says how the big file went: several requests
  const log = fs.readFileSync(path.join((await sess.localServer())!.stateDir, "transform-jobs", d.TransformJobName, "log.txt"), "utf8");
  assert.match(log, /serving on/);

  const single = new Transformer(sess, modelName, { strategy: "SingleRecord", maxConcurrentTransforms: 4 });
  await single.transform(path.join(inputs, "a-diabetes.csv"), KEEP_ID);
  const one = await single.output({ columns: ["id", "prediction"] });
  assert.equal(Array.from(one.array("prediction") as ArrayLike<number>), Array.from(pred).slice(0, 442));
});

test("batchInputCsv writes RFC 4180 CSV (text with commas and quotes quoted) and float32 numbers in their shortest text; Python's csv module reads the cells back", () => {
  const dir = tmpDir("csv-out");
  fs.writeFileSync(path.join(dir, "in.csv"), 'colour,bmi\n"blue, dark",32.1\n"say ""hi""",0.1\nplain,\n');
  const t = loadCsv(path.join(dir, "in.csv")); // as loadTable reads a table: bmi float32
  assert.instance(t.column("bmi"), Float32Array);
  const file = batchInputCsv(t, path.join(dir, "rows.csv"));
  const text = fs.readFileSync(file, "utf8");
  assert.is(text, '1,"blue, dark",32.1\n2,"say ""hi""",0.1\n3,plain,\n'); // was 1,blue, dark,32.099998474121094
  const read = execFileSync("/usr/bin/python3", ["-c", "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))", file], { encoding: "utf8" });
  assert.equal(JSON.parse(read), [["1", "blue, dark", "32.1"], ["2", 'say "hi"', "0.1"], ["3", "plain", ""]]);
});

test("local mode with a bucket: s3:// outputs are read where the local SageMaker wrote them (the session's S3 client went to AWS); a dot file is an object too", async () => {
  const withBucket = session({ stateDir: sess.stateDir, bucket: "local-bucket", pollMs: 100, log: null });
  const dir = tmpDir("dot-inputs");
  batchInputCsv(loadDiabetes().slice(0, 4), path.join(dir, "rows.csv"), { exclude: ["target"] });
  batchInputCsv(loadDiabetes().slice(4, 6), path.join(dir, ".extra.csv"), { exclude: ["target"] });
  const tr = new Transformer(withBucket, modelName);
  const done = await tr.transform(dir, { ...KEEP_ID, logs: false });
  assert.match(done.TransformOutput.S3OutputPath, /^s3:\/\/local-bucket\//);
  assert.equal((await tr.outputUris()).map((u) => path.basename(u)), [".extra.csv.out", "rows.csv.out"]);
  const out = await tr.output({ columns: ["id", "prediction"], fileColumn: "file" });
  assert.equal(Array.from(out.array("id") as ArrayLike<number>), [1, 2, 1, 2, 3, 4]);
  assert.equal(Array.from(out.array("file") as ArrayLike<string>), [".extra.csv", ".extra.csv", "rows.csv", "rows.csv", "rows.csv", "rows.csv"]);
  assert.equal(Array.from(out.array("prediction") as ArrayLike<number>), [...reference.slice(4, 6), ...reference.slice(0, 4)]);
  await withBucket.close();
});

test("local paths with '#', '%' and spaces are file:// URIs of those paths: the job reads that folder (a '#' cut it to another one), writes each file's answer under its own name, follows a link to a file, and output() reads them back", async () => {
  const root = tmpDir("uri-paths");
  const dir = path.join(root, "batch #2 100%");
  fs.mkdirSync(dir);
  // a file with '#' and a space (its answer was written as "rows"), and a symbolic link to a file (it was skipped)
  batchInputCsv(loadDiabetes().slice(0, 3), path.join(dir, "rows #1.csv"), { exclude: ["target"] });
  batchInputCsv(loadDiabetes().slice(3, 5), path.join(root, "extra.csv"), { exclude: ["target"] });
  fs.symlinkSync(path.join(root, "extra.csv"), path.join(dir, "link.csv"));
  // what "file://<root>/batch #2 100%" named: the folder "batch " (the rest was a fragment)
  fs.mkdirSync(path.join(root, "batch "));
  batchInputCsv(loadDiabetes().slice(0, 5), path.join(root, "batch ", "decoy.csv"), { exclude: ["target"] });
  // a state folder of such a name too: the outputs' file:// URIs (defaultOutputPath) name it
  const hashed = session({ stateDir: path.join(root, "state #1 50%"), pollMs: 100, log: null });
  const uri = await hashed.dataUri("train", dir);
  assert.is(uri, pathToFileURL(dir).href);
  assert.is(hashed.defaultOutputPath(), pathToFileURL(path.join(hashed.stateDir, "output")).href);
  const tr = new Transformer(hashed, await createModel(hashed, { modelData: est.modelData! }));
  await tr.transform(dir, { ...KEEP_ID, logs: false });
  const out = await tr.output({ columns: ["id", "prediction"], fileColumn: "file" });
  await tr.deleteModel();
  await hashed.close();
  assert.equal(Array.from(out.array("id") as ArrayLike<number>), [1, 2, 1, 2, 3]);
  assert.equal(Array.from(out.array("file") as ArrayLike<string>), ["link.csv", "link.csv", "rows #1.csv", "rows #1.csv", "rows #1.csv"]);
  assert.equal(Array.from(out.array("prediction") as ArrayLike<number>), [...Array.from(reference.slice(3, 5)), ...Array.from(reference.slice(0, 3))]);
});

test("the endpoint answers the same numbers for the same rows; without filters the output is the bare predictions", async () => {
  const bare = tmpDir("bare");
  fs.writeFileSync(path.join(bare, "rows.csv"), loadDiabetes().select(loadDiabetes().columnNames().filter((c) => c !== "target")).toCSV({ header: false }));
  const t = new Transformer(sess, modelName);
  const d = (await t.transform(bare))!;
  assert.equal([d.BatchStrategy, d.MaxPayloadInMB, d.MaxConcurrentTransforms], ["MultiRecord", 6, 1], "the container's /execution-parameters");
  const batch = (await t.output()).array("c0") as ArrayLike<number>;
  const predictor = await est.deploy({ serverless: { memorySizeInMB: 2048, maxConcurrency: 2 } });
  const direct = await predictor.predict(loadDiabetes());
  // the endpoint's model server and the transform job logged to their CloudWatch Logs groups, as on AWS
  const { logs } = await sess.clients();
  const streams = async (group: string) => (await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams!.map((x) => x.logStreamName!);
  const endpointStreams = await streams(`/aws/sagemaker/Endpoints/${predictor.endpointName}`);
  assert.ok(endpointStreams.length >= 1 && endpointStreams.every((n) => /^AllTraffic\/algo-1-\d+$/.test(n)), endpointStreams.join(", "));
  const transformStreams = await streams("/aws/sagemaker/TransformJobs");
  assert.ok(transformStreams.includes(`${d.TransformJobName}/${transformStreams.find((n) => n.startsWith(`${d.TransformJobName}/`))!.split("/")[1]}/data-log`));
  await predictor.delete();
  assert.is(batch.length, direct.length);
  for (let i = 0; i < direct.length; i++) assert.is(batch[i], direct[i]);
});

test("JSON Lines records joined with a CSV answer: SageMakerOutput holds the prediction as a number (it was the text \"0.73\"), the id kept by OutputFilter", async () => {
  const dir = tmpDir("json-join");
  const rows = loadDiabetes().select(aq.not("target")).slice(0, 8).objects() as Record<string, number>[];
  fs.writeFileSync(path.join(dir, "rows.jsonl"), rows.map((r, i) => JSON.stringify({ id: i + 1, instances: [Object.values(r)] }) + "\n").join(""));
  const t = new Transformer(sess, modelName, { strategy: "SingleRecord", accept: "text/csv" });
  await t.transform(dir, { contentType: "application/json", splitType: "Line", inputFilter: "$.instances", joinSource: "Input", outputFilter: "$['id','SageMakerOutput']" });
  const [uri] = await t.outputUris();
  const lines = fs.readFileSync(uri.replace(/^file:\/\//, ""), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines, rows.map((_, i) => ({ id: i + 1, SageMakerOutput: [reference[i]] })));
});

function request(name: string, over: Partial<CreateTransformJobCommandInput> = {}, uri = `file://${inputs}/a-diabetes.csv`): CreateTransformJobCommandInput {
  return {
    TransformJobName: name,
    ModelName: modelName,
    TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: uri } }, ContentType: "text/csv", SplitType: "Line" },
    TransformOutput: { S3OutputPath: `file://${tmpDir("out")}`, AssembleWith: "Line" },
    TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
    ...over,
  };
}

test("bad requests are ValidationExceptions with AWS's wording", async () => {
  const { sm } = await sess.clients();
  const create = (r: CreateTransformJobCommandInput) => sm.send(new CreateTransformJobCommand(r));
  await rejects(create(request("t-payload", { MaxPayloadInMB: 200 })), "ValidationException", /^1 validation error detected: Value '200' at 'maxPayloadInMB' failed to satisfy constraint: Member must have value less than or equal to 100$/);
  await rejects(create(request("t-product", { MaxPayloadInMB: 30, MaxConcurrentTransforms: 4 })), "ValidationException", /MaxConcurrentTransforms \(4\) \* MaxPayloadInMB \(30\) must not exceed 100 MB/);
  const split = request("t-split");
  (split.TransformInput as { SplitType: string }).SplitType = "Paragraph";
  await rejects(create(split), "ValidationException", /Value 'Paragraph' at 'transformInput.splitType' failed to satisfy constraint: Member must satisfy enum value set: \[None, Line, RecordIO, TFRecord\]/);
  await rejects(create(request("t-path", { DataProcessing: { InputFilter: "$[1:" } })), "ValidationException", /DataProcessing.InputFilter: '\$\[1:' is not a valid JSONPath expression/);
  await rejects(create(request("t-path2", { DataProcessing: { OutputFilter: "$..id" } })), "ValidationException", /recursive descent/);
  // what AWS refuses of the JSONPath its parser would take: an underscore (aws/aws-sdk#184), two ranges in a bracket
  // (aws/sagemaker-python-sdk#1112) — both ran here
  await rejects(
    create(request("t-underscore", { DataProcessing: { OutputFilter: "$['account_id','SageMakerOutput']" } })),
    "ValidationException",
    /^Invalid OutputFilter: "\$\['account_id','SageMakerOutput'\]"\. Unexpected "_" in JsonPath\. Supported operators for "text\/csv" are \['\$', '\[', '\]', '\*', '\.', ' ', ',', ':', '-', '''\]/,
  );
  await rejects(create(request("t-ranges", { DataProcessing: { OutputFilter: "$[0:2,246:]" } })), "ValidationException", /only single range filters of format \(eg: \[1:5\]\) are supported/);
  await rejects(create(request("t-model", { ModelName: "no-such-model" })), "ValidationException", /Could not find model "arn:aws:sagemaker:us-east-1:000000000000:model\/no-such-model"/);
  await rejects(create(request("t-count", { TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 2 } })), "ValidationException", /InstanceCount must be 1/);
  // an unknown job: the error code botocore's TransformJobCompletedOrStopped waiter fails on, as AWS answers it (it was
  // ResourceNotFound, which that waiter calls an unexpected error)
  const waiter = JSON.parse(execFileSync("/usr/bin/python3", ["-c", "import botocore.session as s, json; a = [x for x in s.get_session().get_waiter_model('sagemaker').get_waiter('TransformJobCompletedOrStopped').acceptors if x.matcher == 'error']; print(json.dumps({'matcher': a[0].matcher, 'state': a[0].state, 'expected': a[0].expected}))"], { encoding: "utf8" }));
  assert.equal([waiter.matcher, waiter.state], ["error", "failure"]);
  await rejects(sm.send(new DescribeTransformJobCommand({ TransformJobName: "t-no-such-job" })), waiter.expected, /^Could not find requested job with name t-no-such-job$/);
  await rejects(sm.send(new StopTransformJobCommand({ TransformJobName: "t-no-such-job" })), waiter.expected, /^Could not find job to update with name t-no-such-job$/);
});

test("MaxConcurrentTransforms given without MaxPayloadInMB, whose product with the container's MaxPayloadInMB is over 100 MB, fails the job naming both (the concurrency asked for was lowered without a word)", async () => {
  const { sm } = await sess.clients();
  // 101 × any payload (at least 1 MB) is over AWS's 100 MB; the request leaves the payload to the container
  await sm.send(new CreateTransformJobCommand(request("over-mct", { MaxConcurrentTransforms: 101, DataProcessing: { InputFilter: "$[1:]" } })));
  await waitUntilTransformJobCompletedOrStopped({ client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TransformJobName: "over-mct" }).catch(() => undefined);
  const d = await sm.send(new DescribeTransformJobCommand({ TransformJobName: "over-mct" }));
  assert.is(d.TransformJobStatus, "Failed");
  assert.match(d.FailureReason!, /^ClientError: MaxConcurrentTransforms \(101\) \* MaxPayloadInMB \(\d+, the container's GET \/execution-parameters: the request leaves it out\) must not exceed 100 MB\./);
  assert.is(d.MaxConcurrentTransforms, 101);
});

test("a missing input is refused when the job is created; a bad record fails the job with a FailureReason naming it; the waiter reports FAILURE", async () => {
  const { sm } = await sess.clients();
  // (a folder the local SageMaker may read — its file roots include the OS temp folder — that does not exist)
  // AWS lists the input at CreateTransformJob: "An error occurred (ValidationException) when calling the
  // CreateTransformJob operation: No S3 objects found under S3 URL …" (aws/amazon-sagemaker-examples#2414); here the
  // job was created, then Failed with those words
  const missing = `file://${path.join(os.tmpdir(), "nonexistent-transform-input")}/`;
  await rejects(sm.send(new CreateTransformJobCommand(request("t-missing", {}, missing))), "ValidationException", new RegExp(`^No S3 objects found under S3 URL "${missing}" given in input data source\\.`));
  await rejects(sm.send(new DescribeTransformJobCommand({ TransformJobName: "t-missing" })), "ValidationException", /^Could not find requested job with name t-missing$/);

  const bad = tmpDir("bad");
  const lines = fs.readFileSync(path.join(inputs, "a-diabetes.csv"), "utf8").split("\n");
  lines[206] = lines[206].replace(/,[^,]+$/, ",abc"); // line 207
  fs.writeFileSync(path.join(bad, "scores.csv"), lines.join("\n"));
  await sm.send(new CreateTransformJobCommand(request("t-badrec", { BatchStrategy: "MultiRecord", DataProcessing: { InputFilter: "$[1:]" } }, `file://${bad}/scores.csv`)));
  const w = await waitUntilTransformJobCompletedOrStopped({ client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TransformJobName: "t-badrec" }).catch((e) => JSON.parse(e.message));
  assert.is(w.state, "FAILURE");
  const b = await sm.send(new DescribeTransformJobCommand({ TransformJobName: "t-badrec" }));
  assert.is(b.TransformJobStatus, "Failed");
  assert.match(b.FailureReason!, new RegExp(`^ClientError: file://${bad}/scores.csv: line 207: the model server answered 400: CSV body: row 1 \\(line 1\\), column 10 \\(s6\\): "abc" is not a number`));

  // an object with a bad record, among good ones: AWS "processes the listed S3 objects and uploads only the output
  // for successfully processed objects" (TransformOutput.S3OutputPath) and marks the job failed — the objects after
  // the bad one were never transformed
  const mixed = tmpDir("mixed");
  fs.writeFileSync(path.join(mixed, "a-bad.csv"), lines.join("\n"));
  batchInputCsv(loadDiabetes().slice(0, 3), path.join(mixed, "b-good.csv"), { exclude: ["target"] });
  batchInputCsv(loadDiabetes().slice(3, 5), path.join(mixed, "c-good.csv"), { exclude: ["target"] });
  const outDir = tmpDir("mixed-out");
  await sm.send(new CreateTransformJobCommand({ ...request("objects-one-bad", { DataProcessing: { InputFilter: "$[1:]" } }, `file://${mixed}`), TransformOutput: { S3OutputPath: `file://${outDir}`, AssembleWith: "Line" } }));
  await waitUntilTransformJobCompletedOrStopped({ client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TransformJobName: "objects-one-bad" }).catch(() => undefined);
  const m = await sm.send(new DescribeTransformJobCommand({ TransformJobName: "objects-one-bad" }));
  assert.is(m.TransformJobStatus, "Failed");
  assert.match(m.FailureReason!, new RegExp(`^ClientError: file://${mixed}/a-bad.csv: line 207: `));
  assert.equal(fs.readdirSync(outDir).sort(), ["b-good.csv.out", "c-good.csv.out"]);
  assert.equal(fs.readFileSync(path.join(outDir, "c-good.csv.out"), "utf8").trim().split("\n").map(Number), Array.from(reference.slice(3, 5)));
});

test("the waiter on success; StopTransformJob → Stopped, with none of the job's output stored (StopTransformJob's API reference: the objects already transformed were left); ListTransformJobs", async () => {
  const { sm } = await sess.clients();
  await sm.send(new CreateTransformJobCommand(request("t-ok", { DataProcessing: { InputFilter: "$[1:]", JoinSource: "Input", OutputFilter: "$[0,-1]" } })));
  const w = await waitUntilTransformJobCompletedOrStopped({ client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TransformJobName: "t-ok" });
  assert.is(w.state, "SUCCESS");
  // the folder: a-diabetes.csv is transformed (its .out written) before the stop, b-big.csv record by record meanwhile
  const stopOut = tmpDir("out");
  fs.writeFileSync(path.join(stopOut, "someone-elses.csv.out"), "kept\n"); // not the job's: it stays
  await sm.send(new CreateTransformJobCommand({ ...request("t-stop", { BatchStrategy: "SingleRecord", MaxConcurrentTransforms: 1, DataProcessing: { InputFilter: "$[1:]" } }, `file://${inputs}`), TransformOutput: { S3OutputPath: `file://${stopOut}`, AssembleWith: "Line" } }));
  await until(async () => fs.existsSync(path.join(stopOut, "a-diabetes.csv.out")), "the first object's output", 60000);
  await sm.send(new StopTransformJobCommand({ TransformJobName: "t-stop" }));
  const s = await waitUntilTransformJobCompletedOrStopped({ client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { TransformJobName: "t-stop" });
  assert.is(s.state, "SUCCESS");
  assert.is((await sm.send(new DescribeTransformJobCommand({ TransformJobName: "t-stop" }))).TransformJobStatus, "Stopped");
  assert.equal(fs.readdirSync(stopOut), ["someone-elses.csv.out"], "a stopped job stores none of its output");
  const list = await sm.send(new ListTransformJobsCommand({ NameContains: "t-", SortBy: "Name", SortOrder: "Ascending" }));
  assert.equal(list.TransformJobSummaries!.map((x) => [x.TransformJobName, x.TransformJobStatus]), [
    ["t-badrec", "Failed"],
    ["t-ok", "Completed"],
    ["t-stop", "Stopped"],
  ]);
  await rejects(sm.send(new StopTransformJobCommand({ TransformJobName: "t-ok" })), "ValidationException", /status Completed/);
});

test.run();
