/**
 * aws mode against local endpoints: S3 = s3rver (started here), SageMaker API + runtime + CloudWatch Logs = the local
 * SageMaker with an S3 endpoint configured; lib/sagemaker in mode "aws" uploads with @aws-sdk/client-s3 and uses s3://
 * URIs end to end. The endpoints come from the SDK's standard variables (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3), as a
 * user would point lib at compatible servers, and every request lib sends passes a recording proxy: each must be an
 * operation of AWS's API (the SDK's command list), and nothing may be a local extension.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import * as http from "http";
import * as crypto from "crypto";
import * as sagemakerSdk from "@aws-sdk/client-sagemaker";
import * as runtimeSdk from "@aws-sdk/client-sagemaker-runtime";
import * as logsSdk from "@aws-sdk/client-cloudwatch-logs";
import { S3Client, CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DescribeEndpointConfigCommand, DescribeHyperParameterTuningJobCommand, DescribeModelCommand, DescribeTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { session, Session, Estimator, HyperparameterTuner, ContinuousParameter, IntegerParameter, startLocalSageMaker, batchInputCsv, Predictor, deployModel } from "ensemble-workbook/sagemaker";
import type { LocalSageMaker } from "@ensemble-workbook/sagemaker-local";
import { loadDiabetes } from "ensemble-workbook";
import { rejects, tmpDir } from "./sagemaker-helpers";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const S3rver = require("s3rver");

const DATA = path.join(__dirname, "..", "data", "diabetes.csv");
const BUCKET = "workbook-bucket";
const creds = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
let s3rver: any;
let s3url: string;
let local: LocalSageMaker;
let sess: Session;
let s3: S3Client;
let proxy: http.Server;
/** what lib sent: "SageMaker.<Op>", "Logs_20140328.<Op>", or "<METHOD> <path>" for REST calls */
const sent: string[] = [];
/** the next N calls of an operation ("Logs_20140328.GetLogEvents") the proxy answers with a ThrottlingException */
const throttle: Record<string, number> = {};
/** the next N calls of an operation the proxy answers with an AccessDeniedException (a role without that permission) */
const deny: Record<string, number> = {};

/** a recording proxy in front of the local SageMaker (loopback only) */
function startProxy(target: string): Promise<string> {
  proxy = http.createServer((req, res) => {
    const target_ = req.headers["x-amz-target"];
    sent.push(typeof target_ === "string" ? target_ : `${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`);
    if (typeof target_ === "string" && (throttle[target_] > 0 || deny[target_] > 0)) {
      const denied = deny[target_] > 0;
      if (denied) deny[target_]--;
      else throttle[target_]--;
      req.resume();
      const error = denied ? { __type: "AccessDeniedException", message: "User is not authorized to perform: logs:DescribeLogStreams" } : { __type: "ThrottlingException", message: "Rate exceeded" };
      res.writeHead(400, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(error));
      return;
    }
    const fwd = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    fwd.on("error", (e) => res.writeHead(502).end(String(e)));
    req.pipe(fwd);
  });
  return new Promise((resolve) => proxy.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(proxy.address() as { port: number }).port}`)));
}

test.before(async () => {
  s3rver = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: tmpDir("s3rver") });
  const addr = await s3rver.run();
  s3url = `http://127.0.0.1:${addr.port}`;
  s3 = new S3Client({ endpoint: s3url, region: "us-east-1", forcePathStyle: true, credentials: creds, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  local = await startLocalSageMaker({ stateDir: tmpDir("aws-state"), s3: { endpoint: s3url, credentials: creds }, quiet: true });
  // the SDK's standard endpoint variables: every service to the recording proxy, S3 to s3rver
  process.env.AWS_ENDPOINT_URL = await startProxy(local.url);
  process.env.AWS_ENDPOINT_URL_S3 = s3url;
  sess = session({
    mode: "aws",
    region: "us-east-1",
    roleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
    bucket: BUCKET,
    imageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ensemble-workbook:latest",
    credentials: creds,
    pollMs: 200,
    log: null,
  });
});
test.after(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_ENDPOINT_URL_S3;
  await new Promise((r) => proxy.close(r));
  await sess.close();
  await local.close();
  s3.destroy();
  await s3rver.close();
});

test("aws mode: upload → training job on s3:// → model.tar.gz in S3 → tune → deploy → predict → delete", async () => {
  const est = new Estimator({ session: sess, hyperparameters: { models: "xgboost", k_fold: 3, num_round: 10 }, baseJobName: "aws-mode" });
  const lines: string[] = [];
  const logged = new Session({ ...sessOptions(), log: (l) => lines.push(l) });
  const d = (await new Estimator({ ...est.options, session: logged }).fit({ train: DATA }))!;
  await logged.close();
  // the trainer's lines came through CloudWatch Logs (GetLogEvents), live while the job ran
  assert.ok(lines.some((l) => /\| fold=1 /.test(l)) && lines.some((l) => /\| validation-rmse:/.test(l)), lines.join("\n"));
  est.latestTrainingJob = d.TrainingJobName;
  est.latestDescription = d;
  assert.is(d.TrainingJobStatus, "Completed", d.FailureReason);
  const trainUri = d.InputDataConfig![0].DataSource!.S3DataSource!.S3Uri!;
  assert.match(trainUri, new RegExp(`^s3://${BUCKET}/ensemble-workbook/data/train-[0-9]{12}-[0-9a-z]+/diabetes\\.csv$`));
  const artifact = est.modelData!;
  assert.is(artifact, `s3://${BUCKET}/ensemble-workbook/output/${est.latestTrainingJob}/output/model.tar.gz`);
  // the artifact really is in S3 (read back with the S3 client) and is a gzip'd tar holding manifest.json
  const key = artifact.slice(`s3://${BUCKET}/`.length);
  const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const tar = zlib.gunzipSync(Buffer.from(await obj.Body!.transformToByteArray()));
  assert.ok(tar.includes(Buffer.from("manifest.json")));
  const uploaded = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "ensemble-workbook/data/" }));
  assert.equal(uploaded.Contents!.map((o) => `s3://${BUCKET}/${o.Key}`), [trainUri]);
  // nothing went through the local state's S3 fallback folder
  assert.is(fs.existsSync(path.join(local.stateDir, "s3")), false);

  const tuner = new HyperparameterTuner({
    estimator: est,
    objectiveMetricName: "validation:rmse",
    hyperparameterRanges: { eta: new ContinuousParameter(0.2, 0.3), max_depth: new IntegerParameter(3, 4) },
    strategy: "Random",
    maxJobs: 2,
    maxParallelJobs: 2,
  });
  const t = (await tuner.fit({ train: trainUri }))!;
  assert.is(t.HyperParameterTuningJobStatus, "Completed");
  const best = await tuner.bestTrainingJob();
  const { sm } = await sess.clients();
  const bj = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: best }));
  assert.match(bj.ModelArtifacts!.S3ModelArtifacts!, new RegExp(`^s3://${BUCKET}/`));

  const predictor = await tuner.deploy({ serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } });
  const rows = loadDiabetes().slice(0, 5);
  const a = (await predictor.predict(rows)) as Float64Array;
  const b = (await predictor.predict(rows, { format: "json" })) as Float64Array;
  assert.is(a.length, 5);
  for (let i = 0; i < 5; i++) {
    assert.ok(Number.isFinite(a[i]) && a[i] > 0);
    assert.ok(Math.abs(a[i] - b[i]) < 1e-9);
  }
  await predictor.delete();

  // batch transform on s3:// in and out: the same rows scored as by the endpoint, ids kept
  const file = batchInputCsv(loadDiabetes().slice(0, 50), path.join(tmpDir("batch"), "rows.csv"), { exclude: ["target"] });
  const tr = await tuner.transformer({ strategy: "MultiRecord", maxPayloadMb: 1 });
  const done = (await tr.transform(file, { inputFilter: "$[1:]", joinSource: "Input", outputFilter: "$[0,-1]" }))!;
  assert.match(done.TransformOutput.S3OutputPath, new RegExp(`^s3://${BUCKET}/`));
  const out = await tr.output({ columns: ["id", "prediction"] });
  assert.equal(Array.from(out.array("id") as ArrayLike<number>), Array.from({ length: 50 }, (_, i) => i + 1));
  const endpoint = await tuner.deploy({ serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } });
  const direct = await endpoint.predict(loadDiabetes().slice(0, 50));
  await endpoint.delete();
  const batch = out.array("prediction") as ArrayLike<number>;
  for (let i = 0; i < 50; i++) assert.is(batch[i], direct[i]); // the same numbers, not merely close
  await tr.deleteModel();

  // every request lib sent is an operation of AWS's API
  const ops = (sdk: object) => new Set(Object.keys(sdk).filter((k) => k.endsWith("Command") && k !== "Command").map((k) => k.slice(0, -"Command".length)));
  const smOps = ops(sagemakerSdk);
  const logsOps = ops(logsSdk);
  assert.ok(ops(runtimeSdk).has("InvokeEndpoint"));
  const unknown = sent.filter((t) => {
    const m = /^(SageMaker|Logs_20140328)\.(\w+)$/.exec(t);
    if (m) return !(m[1] === "SageMaker" ? smOps : logsOps).has(m[2]);
    return !/^POST \/endpoints\/[^/]+\/invocations$/.test(t); // InvokeEndpoint's REST path
  });
  assert.equal(unknown, []);
  const used = new Set(sent.map((t) => t.replace(/\/endpoints\/[^/]+\//, "/endpoints/{name}/")));
  for (const op of ["SageMaker.CreateTrainingJob", "SageMaker.CreateTransformJob", "Logs_20140328.GetLogEvents", "Logs_20140328.DescribeLogStreams", "POST /endpoints/{name}/invocations"])
    assert.ok(used.has(op), `${op} in ${[...used].join(", ")}`);
  assert.not.ok(sent.some((t) => t.includes("/_local")));
});

function sessOptions() {
  return {
    mode: "aws" as const,
    region: "us-east-1",
    roleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
    bucket: BUCKET,
    imageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ensemble-workbook:latest",
    credentials: creds,
    pollMs: 200,
  };
}

test("aws mode: each upload is a prefix of its own, the latest job is the one deployed, the tuner keeps the environment, a throttled poll is retried", async () => {
  const dir = tmpDir("uploads");
  const all = fs.readFileSync(DATA, "utf8").trim().split("\n");
  fs.writeFileSync(path.join(dir, "a.csv"), all.slice(0, 301).join("\n") + "\n");
  fs.writeFileSync(path.join(dir, "b.csv"), [all[0], ...all.slice(301)].join("\n") + "\n");
  const est = new Estimator({ session: sess, hyperparameters: { models: "xgboost", k_fold: 2, num_round: 5 }, environment: { MY_FLAG: "on" } });
  // 4 throttled GetLogEvents in a row: the SDK's default 3 attempts ended fit() while its job ran on
  throttle["Logs_20140328.GetLogEvents"] = 4;
  const a = await est.fit({ train: path.join(dir, "a.csv") });
  assert.is(throttle["Logs_20140328.GetLogEvents"], 0, "the throttled calls were made");
  await est.fit({ train: path.join(dir, "b.csv") }, { wait: false });
  const b = est.latestTrainingJob!;
  const { sm } = await sess.clients();
  const describe = (name: string) => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
  // each job reads its own upload alone (one prefix for every upload trained b.csv's job on a.csv and b.csv)
  const channelOf = async (name: string) => (await describe(name)).InputDataConfig![0].DataSource!.S3DataSource!.S3Uri!;
  for (const [job, file] of [[a.TrainingJobName, "a.csv"], [b, "b.csv"]]) {
    const uri = await channelOf(job);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: uri.slice(`s3://${BUCKET}/`.length) }));
    assert.equal(listed.Contents!.map((o) => path.posix.basename(o.Key!)), [file], job);
  }
  // deploy() after fit({ wait: false }) waits for that job and deploys its model, not the previous one's
  const predictor = await est.deploy({ endpointName: `e${"x".repeat(60)}-y` }); // 62 characters: "<name>-model" is cut before the suffix
  const model = await sm.send(new DescribeModelCommand({ ModelName: predictor.resources.modelName! }));
  assert.is(model.PrimaryContainer!.ModelDataUrl, (await describe(b)).ModelArtifacts!.S3ModelArtifacts);
  assert.is(predictor.resources.modelName, `e${"x".repeat(56)}-model`);
  // a deploy under the name of an endpoint that exists names the endpoint (it said "Cannot create already existing model …-model")
  await rejects(est.deploy({ endpointName: predictor.endpointName }), "Error", new RegExp(`^deploy: endpoint ${predictor.endpointName} exists \\(InService\\): delete it first`));
  // rows as objects: each row's values by name, in the first row's key order (Object.values swapped {bmi, age})
  const cols = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"];
  const rows = loadDiabetes().slice(0, 3).objects() as Record<string, number>[];
  const arrays = rows.map((r) => cols.map((c) => r[c]));
  const objects = rows.map((r, i) => Object.fromEntries((i % 2 ? [...cols].reverse() : cols).map((c) => [c, r[c]])));
  assert.equal(Array.from(await predictor.predict(objects)), Array.from(await predictor.predict(arrays)));
  await rejects(predictor.predict([{ age: 1, bmj: 2 }], { features: ["age", "bmi"] }), "Error", /row 0 has "bmj", not among the columns age, bmi \(features\)/);
  await rejects(predictor.predict(arrays, { features: ["age"] }), "Error", /features and label are for a table's rows or objects/);
  await rejects(predictor.predict(loadDiabetes().slice(0, 2), { features: ["bmj"] }), "Error", /features "bmj" not in the table/);
  // a predictor for an existing endpoint deletes its config and model too (it said so, and left them)
  const { modelName, configName } = predictor.resources;
  await new Predictor(sess, predictor.endpointName).delete();
  await rejects(sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName! })), "ValidationException", /Could not find endpoint configuration/);
  await rejects(sm.send(new DescribeModelCommand({ ModelName: modelName! })), "ValidationException", /Could not find model/);
  // the tuner sends the estimator's environment (it sent none)
  const tuner = new HyperparameterTuner({ estimator: est, objectiveMetricName: "validation:rmse", hyperparameterRanges: { eta: new ContinuousParameter(0.2, 0.3) }, strategy: "Random", maxJobs: 1 });
  await tuner.fit({ train: await channelOf(b) }, { wait: false });
  const tj = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: tuner.latestTuningJob! }));
  assert.equal(tj.TrainingJobDefinition!.Environment, { MY_FLAG: "on" });
  await tuner.wait();
});

test("aws mode: a batch transform's output reads numbers as float64, over an s3:// prefix of several objects", async () => {
  // a log the role may not read is said once, and fit() waits on for its job (the AccessDeniedException ended it while the job ran on)
  const logLines: string[] = [];
  const denied = new Session({ ...sessOptions(), log: (l) => logLines.push(l) });
  const est = new Estimator({ session: sess, hyperparameters: { models: "xgboost", k_fold: 2, num_round: 5 } });
  deny["Logs_20140328.DescribeLogStreams"] = 1;
  const job = await new Estimator({ ...est.options, session: denied }).fit({ train: DATA });
  await denied.close();
  assert.is(deny["Logs_20140328.DescribeLogStreams"], 0, "the denied call was made");
  assert.is(job.TrainingJobStatus, "Completed");
  assert.is(logLines.filter((l) => l.startsWith(`${job.TrainingJobName}: its log cannot be read (AccessDeniedException: User is not authorized`)).length, 1, logLines.join("\n"));
  est.latestTrainingJob = job.TrainingJobName;
  est.latestDescription = job;
  const dir = tmpDir("batch-prefix");
  const ids = [16777217, 16777219, 123456789];
  const table = loadDiabetes().slice(0, 3).assign({ id: ids });
  batchInputCsv(table.slice(0, 2), path.join(dir, "part-1.csv"), { idColumn: "id", exclude: ["target"] });
  batchInputCsv(table.slice(2), path.join(dir, "part-2.csv"), { idColumn: "id", exclude: ["target"] });
  const tr = await est.transformer();
  // an s3:// prefix: output() lists its objects (it guessed one "<prefix>.out" and found NoSuchKey)
  const prefix = await sess.upload(dir, `batch-${Date.now()}`);
  await tr.transform(prefix, { inputFilter: "$[1:]", joinSource: "Input", outputFilter: "$[0,-1]", logs: false });
  const out = await tr.output({ columns: ["id", "prediction"] });
  assert.equal(Array.from(out.array("id") as ArrayLike<number>), ids); // float32 made them 16777216, 16777220, 123456792
  const endpoint = await est.deploy();
  const direct = await endpoint.predict(loadDiabetes().slice(0, 3));
  await endpoint.delete();
  assert.equal(Array.from(out.array("prediction") as ArrayLike<number>), Array.from(direct));
  await tr.deleteModel();
  // a deploy run twice (a notebook cell re-run) leaves the first endpoint up: the session names it when it closes
  const lines: string[] = [];
  const logged = new Session({ ...sessOptions(), log: (l) => lines.push(l) });
  const first = await deployModel(logged, { modelData: est.modelData! });
  await (await deployModel(logged, { modelData: est.modelData! })).delete();
  await logged.close();
  assert.ok(lines.some((l) => l === `session: endpoint ${first.endpointName} made by this session is not deleted (\`new Predictor(session, name).delete()\` deletes one with its config and model)`), lines.join("\n"));
  await new Predictor(sess, first.endpointName).delete();
});

test("aws mode: a file larger than a part is uploaded in parts (one PutObject read it whole: over 2 GiB it failed) and arrives whole", async () => {
  const file = path.join(tmpDir("big"), "big.csv");
  const bytes = crypto.randomBytes(11 * 1024 * 1024 + 123);
  fs.writeFileSync(file, bytes);
  const partBytes = Session.uploadPartBytes;
  Session.uploadPartBytes = 5 * 1024 * 1024; // S3's smallest part
  const client = sess.s3();
  const send = client.send.bind(client);
  const calls: string[] = [];
  client.send = ((cmd: { constructor: { name: string } }, ...rest: unknown[]) => (calls.push(cmd.constructor.name), (send as any)(cmd, ...rest))) as typeof client.send;
  try {
    const uri = await sess.dataUri("train", file);
    assert.equal(calls, ["CreateMultipartUploadCommand", "UploadPartCommand", "UploadPartCommand", "UploadPartCommand", "CompleteMultipartUploadCommand"]);
    assert.ok((await sess.readObject(uri)).equals(bytes), "the object is the file");
  } finally {
    Session.uploadPartBytes = partBytes;
    delete (client as { send?: unknown }).send;
  }
});

test("aws mode: options that cannot hold are errors, not dropped", async () => {
  const est = new Estimator({ session: sess, hyperparameters: { models: "xgboost", eta: NaN } });
  await rejects(est.fit({ train: DATA }), "Error", /hyperparameter eta is NaN: a hyperparameter must be a finite number/);
  // a job name SageMaker refuses is an Error before the data goes up (CreateTrainingJob refused it after the upload)
  const uploads = async () => (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "ensemble-workbook/data/" }))).KeyCount ?? 0;
  const before = await uploads();
  const plain = new Estimator({ session: sess, hyperparameters: { models: "xgboost" } });
  await rejects(plain.fit({ train: DATA }, { jobName: "my_job" }), "Error", /^fit: jobName "my_job": SageMaker takes 1 to 63 letters, digits and hyphens, with a letter or digit at each end$/);
  const tuning = new HyperparameterTuner({ estimator: plain, objectiveMetricName: "validation:rmse", hyperparameterRanges: { eta: new ContinuousParameter(0.1, 0.3) }, strategy: "Random", maxJobs: 1 });
  await rejects(tuning.fit({ train: DATA }, { jobName: "t".repeat(33) }), "Error", /^HyperparameterTuner\.fit: jobName "t{33}": SageMaker takes 1 to 32 letters/);
  assert.is(await uploads(), before, "nothing uploaded");
  assert.throws(() => new HyperparameterTuner({ estimator: new Estimator({ session: sess }), objectiveMetricName: "validation:rmse", hyperparameterRanges: { eta: new ContinuousParameter(0.1, 0.3) }, strategy: "Random", hyperband: { minResource: 1, maxResource: 3 }, maxJobs: 1 }), /option hyperband is the Hyperband strategy's, and strategy is Random/);
  // a job that ended Stopped says why (its secondary status and last message; it said "no reason given"), and a
  // waiter on an endpoint that does not exist gives the service's own error (it gave a JSON dump of the waiter's state)
  const slow = new Estimator({ session: sess, hyperparameters: { models: "xgboost", k_fold: 5, num_round: 100000 }, maxRunSeconds: 1 });
  await rejects(slow.fit({ train: DATA }, { logs: false }), "Error", /^training job \S+ Stopped: MaxRuntimeExceeded: Job stopped because it exceeded MaxRuntimeInSeconds \(1\)/);
  await rejects(new Predictor(sess, "no-such-endpoint").waitInService(), "ValidationException", /Could not find endpoint/);
  // deploy() after fit({ wait: false }) of a job that failed says why, as fit() does (it said "has no model artifacts (Failed)")
  const failing = new Estimator({ session: sess, hyperparameters: { models: "xgboost", k_fold: 1 } });
  await failing.fit({ train: DATA }, { wait: false });
  await rejects(failing.deploy(), "Error", /^Estimator\.deploy: training job \S+ Failed: AlgorithmError: .*k_fold/);
  const data = "s3://b/model.tar.gz";
  await rejects(deployModel(sess, { modelData: data, instanceType: "ml.m5.large", serverless: { memorySizeInMB: 2048, maxConcurrency: 1 } }), "Error", /instanceType .* and serverless .* exclude each other/);
  await rejects(deployModel(sess, { modelData: data, initialInstanceCount: 2 }), "Error", /initialInstanceCount needs instanceType/);
  assert.throws(() => session({ ...sessOptions(), stateDir: "/tmp/x" }), /session: stateDir is an option of local mode, and this session's mode is aws/);
  assert.throws(() => session({ mode: "local", endpoints: { sagemaker: "http://127.0.0.1:1" } }), /session: endpoints is an option of aws mode/);
});

test("aws mode: required settings are named; without a region option or env, the region is the AWS config file's profile's (it was us-east-1)", async () => {
  assert.throws(() => session({ mode: "aws", imageUri: "x" }), /role ARN/);
  assert.throws(() => session({ mode: "aws", roleArn: "arn:aws:iam::123456789012:role/r" }), /image URI/);
  assert.throws(() => session({ mode: "cloud" as any }), /mode "cloud"/);
  const names = ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE"] as const;
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  try {
    for (const n of names) delete process.env[n];
    const dir = tmpDir("aws-config");
    fs.writeFileSync(path.join(dir, "config"), "[default]\nregion = eu-west-1\n");
    process.env.AWS_CONFIG_FILE = path.join(dir, "config"); // what `aws configure` writes
    const profiled = session({ ...sessOptions(), region: undefined, log: null });
    const { sm, logs } = await profiled.clients();
    assert.is(profiled.region, "eu-west-1");
    assert.equal([await sm.config.region(), await logs.config.region(), await profiled.s3().config.region()], ["eu-west-1", "eu-west-1", "eu-west-1"]);
    await profiled.close();
    process.env.AWS_CONFIG_FILE = path.join(dir, "none");
    const nowhere = session({ ...sessOptions(), region: undefined, log: null });
    await rejects(nowhere.clients(), "Error", /^session: aws mode needs a region \(option region, env AWS_REGION, or region in the AWS config file's profile/);
    await nowhere.close();
  } finally {
    for (const n of names) if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
});

test.run();
