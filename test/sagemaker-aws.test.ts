/**
 * aws mode against local endpoints: S3 = s3rver (started here), SageMaker API + runtime = the local SageMaker with an S3
 * endpoint configured; lib/sagemaker in mode "aws" uploads with @aws-sdk/client-s3 and uses s3:// URIs end to end.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { S3Client, CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DescribeTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { session, Session, Estimator, HyperparameterTuner, ContinuousParameter, IntegerParameter, startLocalSageMaker } from "ensemble-workbook/sagemaker";
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

test.before(async () => {
  s3rver = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: tmpDir("s3rver") });
  const addr = await s3rver.run();
  s3url = `http://127.0.0.1:${addr.port}`;
  s3 = new S3Client({ endpoint: s3url, region: "us-east-1", forcePathStyle: true, credentials: creds, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  local = await startLocalSageMaker({ stateDir: tmpDir("aws-state"), s3: { endpoint: s3url, credentials: creds }, quiet: true });
  sess = session({
    mode: "aws",
    region: "us-east-1",
    roleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
    bucket: BUCKET,
    imageUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ensemble-workbook:latest",
    endpoints: { sagemaker: local.url, runtime: local.url, s3: s3url },
    credentials: creds,
    pollMs: 200,
    log: null,
  });
});
test.after(async () => {
  await sess.close();
  await local.close();
  s3.destroy();
  await s3rver.close();
});

test("aws mode: upload → training job on s3:// → model.tar.gz in S3 → tune → deploy → predict → delete", async () => {
  const est = new Estimator({ session: sess, hyperparameters: { models: "xgboost", k_fold: 3, num_round: 10 }, baseJobName: "aws-mode" });
  const d = (await est.fit({ train: DATA }))!;
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
});

test("aws mode: required settings are named", () => {
  assert.throws(() => session({ mode: "aws", imageUri: "x" }), /role ARN/);
  assert.throws(() => session({ mode: "aws", roleArn: "arn:aws:iam::123456789012:role/r" }), /image URI/);
  assert.throws(() => session({ mode: "cloud" as any }), /mode "cloud"/);
});

test.run();
