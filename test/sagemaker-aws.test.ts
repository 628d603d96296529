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
import * as sagemakerSdk from "@aws-sdk/client-sagemaker";
import * as runtimeSdk from "@aws-sdk/client-sagemaker-runtime";
import * as logsSdk from "@aws-sdk/client-cloudwatch-logs";
import { S3Client, CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DescribeTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { session, Session, Estimator, HyperparameterTuner, ContinuousParameter, IntegerParameter, startLocalSageMaker, batchInputCsv } from "ensemble-workbook/sagemaker";
import type { LocalSageMaker } from "@ensemble-workbook/sagemaker-local";
import { loadDiabetes } from "ensemble-workbook";
import { tmpDir } from "./sagemaker-helpers";

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

/** a recording proxy in front of the local SageMaker (loopback only) */
function startProxy(target: string): Promise<string> {
  proxy = http.createServer((req, res) => {
    const target_ = req.headers["x-amz-target"];
    sent.push(typeof target_ === "string" ? target_ : `${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`);
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
  assert.is(d.InputDataConfig![0].DataSource!.S3DataSource!.S3Uri, `s3://${BUCKET}/ensemble-workbook/data/train`);
  const artifact = est.modelData!;
  assert.is(artifact, `s3://${BUCKET}/ensemble-workbook/output/${est.latestTrainingJob}/output/model.tar.gz`);
  // the artifact really is in S3 (read back with the S3 client) and is a gzip'd tar holding manifest.json
  const key = artifact.slice(`s3://${BUCKET}/`.length);
  const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const tar = zlib.gunzipSync(Buffer.from(await obj.Body!.transformToByteArray()));
  assert.ok(tar.includes(Buffer.from("manifest.json")));
  const uploaded = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "ensemble-workbook/data/" }));
  assert.equal(uploaded.Contents!.map((o) => o.Key), ["ensemble-workbook/data/train/diabetes.csv"]);
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
  const t = (await tuner.fit({ train: `s3://${BUCKET}/ensemble-workbook/data/train` }))!;
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

test("aws mode: required settings are named", () => {
  assert.throws(() => session({ mode: "aws", imageUri: "x" }), /role ARN/);
  assert.throws(() => session({ mode: "aws", roleArn: "arn:aws:iam::123456789012:role/r" }), /image URI/);
  assert.throws(() => session({ mode: "cloud" as any }), /mode "cloud"/);
});

test.run();
