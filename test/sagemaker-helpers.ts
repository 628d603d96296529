/** shared by test/sagemaker-*.test.ts: a local SageMaker on a temp state dir with the fake trainer, and raw SDK clients */
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { execFileSync } from "child_process";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { startServer, ServerOptions, LocalSageMaker } from "@ensemble-workbook/sagemaker-local";

export const FAKE_TRAINER = [process.execPath, path.join(__dirname, "fixtures", "sagemaker-fake-trainer.cjs")];
export const ROLE = "arn:aws:iam::123456789012:role/SageMakerRole";
export const creds = { accessKeyId: "test", secretAccessKey: "test" };

const made: string[] = [];
process.on("exit", () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
/** a temp folder, removed when the test process exits */
export function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `sm-${prefix}-`));
  made.push(d);
  return d;
}

export async function localServer(opts: ServerOptions = {}): Promise<{ srv: LocalSageMaker; sm: SageMakerClient; rt: SageMakerRuntimeClient; dir: string }> {
  const dir = opts.stateDir ?? tmpDir("state");
  const srv = await startServer({ trainerCommand: FAKE_TRAINER, quiet: true, ...opts, stateDir: dir });
  const sm = new SageMakerClient({ endpoint: srv.url, region: "us-east-1", credentials: creds });
  const rt = new SageMakerRuntimeClient({ endpoint: srv.url, region: "us-east-1", credentials: creds, maxAttempts: 1 });
  return { srv, sm, rt, dir };
}

export const METRICS = [
  { Name: "validation:rmse", Regex: "validation-rmse:([0-9.]+)" },
  { Name: "train:rmse", Regex: "^train-rmse:([0-9.]+)" },
];

export function trainingRequest(name: string, dataUri: string, outDir: string, hp: Record<string, string> = {}): any {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ensemble:latest", TrainingInputMode: "File", MetricDefinitions: METRICS },
    HyperParameters: { eta: "0.2", max_depth: "3", ...hp },
    InputDataConfig: [{ ChannelName: "train", ContentType: "text/csv", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: dataUri } } }],
    OutputDataConfig: { S3OutputPath: outDir.startsWith("s3://") ? outDir : `file://${outDir}` },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
  };
}

/** a tuning job's TrainingJobDefinition: trainingRequest's specification, its hyperparameters static, without a job name */
export function trainingDefinition(dataUri: string, outDir: string, hp: Record<string, string> = {}): any {
  const { TrainingJobName: _name, HyperParameters, ...spec } = trainingRequest("x", dataUri, outDir, hp);
  return { ...spec, StaticHyperParameters: HyperParameters };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 60000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Awaits p and checks it rejects with the SDK exception class `name` (and message match). */
export async function rejects(p: Promise<unknown>, name: string, match?: RegExp): Promise<any> {
  try {
    await p;
  } catch (e: any) {
    assert.is(e.name, name, `${e.name}: ${e.message}`);
    if (match) assert.match(e.message, match);
    return e;
  }
  assert.unreachable(`expected ${name}`);
}

/** a shape of the SageMaker service model (botocore's service-2.json) */
export type ModelShape = { type: string; max?: number; min?: number; pattern?: string; enum?: string[]; documentation?: string; members?: Record<string, { shape: string; documentation?: string }>; member?: { shape: string }; key?: { shape: string }; value?: { shape: string } };

/**
 * The SageMaker service model's shapes, as botocore ships it — the independent reference for the API's limits and
 * documented defaults: Debian's python3-botocore (the project's Python reference); newer botocores gzip it.
 */
export function serviceModelShapes(service: "sagemaker" | "sagemaker-runtime" = "sagemaker"): Record<string, ModelShape> {
  const dir = execFileSync("/usr/bin/python3", ["-c", "import botocore, os; print(os.path.dirname(botocore.__file__))"], { encoding: "utf8" }).trim();
  const versions = fs.readdirSync(path.join(dir, "data", service)).sort();
  const model = path.join(dir, "data", service, versions[versions.length - 1], "service-2.json");
  const text = fs.existsSync(model) ? fs.readFileSync(model, "utf8") : zlib.gunzipSync(fs.readFileSync(`${model}.gz`)).toString("utf8");
  return JSON.parse(text).shapes;
}
