/** deploy (Model → EndpointConfig → Endpoint) and Predictor (InvokeEndpoint; CSV or JSON; delete). */
import type { DeserializeMiddleware } from "@smithy/types";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  ProductionVariant,
  waitUntilEndpointInService,
  waitUntilEndpointDeleted,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, InvokeEndpointCommandInput, InvokeEndpointCommandOutput } from "@aws-sdk/client-sagemaker-runtime";
import type { Table } from "../data/table";
import { Session, uniqueName } from "./session";

export interface DeployOptions {
  /** serverless (default { memorySizeInMB: 2048, maxConcurrency: 5 } unless instanceType is given) */
  serverless?: { memorySizeInMB: number; maxConcurrency: number; provisionedConcurrency?: number };
  instanceType?: string;
  initialInstanceCount?: number;
  endpointName?: string;
  imageUri?: string;
  roleArn?: string;
  environment?: Record<string, string>;
  wait?: boolean; // default true
}

/** CreateModel: the trainer image with a model artifact (for an endpoint or a batch transform); resolves to its name */
export async function createModel(
  session: Session,
  opts: { modelData: string; modelName?: string; imageUri?: string; roleArn?: string; environment?: Record<string, string> },
): Promise<string> {
  const { sm } = await session.clients();
  const modelName = opts.modelName ?? uniqueName("ensemble-model");
  await sm.send(
    new CreateModelCommand({
      ModelName: modelName,
      ExecutionRoleArn: opts.roleArn ?? session.roleArn,
      PrimaryContainer: { Image: opts.imageUri ?? session.imageUri, ModelDataUrl: opts.modelData, Environment: opts.environment },
    }),
  );
  return modelName;
}

export async function deployModel(session: Session, opts: DeployOptions & { modelData: string }): Promise<Predictor> {
  const { sm } = await session.clients();
  const name = opts.endpointName ?? uniqueName("ensemble-endpoint");
  const modelName = await createModel(session, { ...opts, modelName: `${name}-model`.slice(0, 63) });
  const configName = `${name}-config`.slice(0, 63);
  const variant: ProductionVariant = { VariantName: "AllTraffic", ModelName: modelName };
  if (opts.instanceType && !opts.serverless) Object.assign(variant, { InstanceType: opts.instanceType, InitialInstanceCount: opts.initialInstanceCount ?? 1 });
  else {
    const s = opts.serverless ?? { memorySizeInMB: 2048, maxConcurrency: 5 };
    variant.ServerlessConfig = { MemorySizeInMB: s.memorySizeInMB, MaxConcurrency: s.maxConcurrency, ProvisionedConcurrency: s.provisionedConcurrency };
  }
  await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: configName, ProductionVariants: [variant] }));
  await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: configName }));
  session.log(`endpoint ${name}: creating (${variant.ServerlessConfig ? `serverless ${variant.ServerlessConfig.MemorySizeInMB} MB, concurrency ${variant.ServerlessConfig.MaxConcurrency}` : variant.InstanceType})`);
  const predictor = new Predictor(session, name, { modelName, configName });
  if (opts.wait !== false) await predictor.waitInService();
  return predictor;
}

/** Rows to score: arrays of feature values, objects by feature name, or a table (its label column is left out). */
export type Rows = (number | null)[][] | Record<string, number | null>[] | Table;

export interface PredictOptions {
  format?: "csv" | "json"; // request body, default csv
  accept?: "csv" | "json"; // answer, default json
  /** columns to send from a table (default: all but `label`) */
  features?: string[];
  label?: string; // default "target"
  customAttributes?: string;
}

function isTable(x: Rows): x is Table {
  return !Array.isArray(x) && typeof x.columnNames === "function" && typeof x.numRows === "function";
}

export class Predictor {
  /** cold starts this predictor waited for (ms; local SageMaker only) */
  readonly coldStarts: number[] = [];
  constructor(
    readonly session: Session,
    readonly endpointName: string,
    readonly resources: { modelName?: string; configName?: string } = {},
  ) {}

  /** waiter delays (s) from the session's polling interval: 1–2 s locally, 15–60 s on AWS */
  private delays(): { minDelay: number; maxDelay: number } {
    const min = Math.max(1, Math.round(this.session.pollMs / 1000));
    return { minDelay: min, maxDelay: Math.max(min + 1, min * 4) };
  }

  async waitInService(): Promise<void> {
    const { sm } = await this.session.clients();
    const t0 = Date.now();
    const r = await waitUntilEndpointInService(
      { client: sm, maxWaitTime: 1800, ...this.delays() },
      { EndpointName: this.endpointName },
    ).catch(async (e) => {
      const d = await sm.send(new DescribeEndpointCommand({ EndpointName: this.endpointName })).catch(() => undefined);
      throw new Error(`endpoint ${this.endpointName} did not reach InService: ${d?.FailureReason ?? e.message}`);
    });
    void r;
    this.session.log(`endpoint ${this.endpointName}: InService (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }

  /** the raw call: body + content types → { body, contentType, customAttributes } */
  async invoke(body: string | Uint8Array, contentType: string, accept: string, customAttributes?: string): Promise<{ body: string; contentType?: string; customAttributes?: string }> {
    const { rt } = await this.session.clients();
    const cmd = new InvokeEndpointCommand({ EndpointName: this.endpointName, Body: typeof body === "string" ? Buffer.from(body) : body, ContentType: contentType, Accept: accept, CustomAttributes: customAttributes });
    // the local SageMaker marks an invocation that waited for a serverless cold start (AWS does not say)
    const coldStart: DeserializeMiddleware<InvokeEndpointCommandInput, InvokeEndpointCommandOutput> = (next) => async (args) => {
      const out = await next(args);
      const response = out.response as { headers?: Record<string, string> } | undefined;
      const ms = response?.headers?.["x-local-sagemaker-cold-start-ms"];
      if (ms !== undefined) {
        this.coldStarts.push(Number(ms));
        this.session.log(`endpoint ${this.endpointName}: cold start ${ms} ms`);
      }
      return out;
    };
    cmd.middlewareStack.add(coldStart, { step: "deserialize", name: "localColdStart" });
    const r = await rt.send(cmd);
    return { body: Buffer.from(r.Body as Uint8Array).toString("utf8"), contentType: r.ContentType, customAttributes: r.CustomAttributes };
  }

  /**
   * The endpoint's predictions for rows (arrays, objects by feature name, or a table), one number per row — or, for
   * multiclass probabilities, K per row, row-major (n × K), as lib's `Ensemble.predict` gives them.
   */
  async predict(rows: Rows, opts: PredictOptions = {}): Promise<Float64Array> {
    const format = opts.format ?? "csv";
    const accept = opts.accept ?? "json";
    let matrix: (number | null)[][];
    let objects: Record<string, number | null>[] | undefined;
    if (isTable(rows)) {
      const label = opts.label ?? "target";
      const cols = opts.features ?? rows.columnNames().filter((c: string) => c !== label);
      const data = cols.map((c: string) => rows.array(c) as ArrayLike<number>);
      const n = rows.numRows();
      matrix = Array.from({ length: n }, (_, i) => data.map((col) => (col[i] === undefined || Number.isNaN(col[i] as number) ? null : Number(col[i]))));
      objects = format === "json" ? matrix.map((r) => Object.fromEntries(cols.map((c: string, j: number) => [c, r[j]]))) : undefined;
    } else if (Array.isArray(rows) && rows.length && !Array.isArray(rows[0])) {
      objects = rows as Record<string, number | null>[];
      matrix = objects.map((o) => Object.values(o));
    } else matrix = rows as number[][];
    const body =
      format === "csv"
        ? matrix.map((r) => r.map((v) => (v === null || v === undefined || Number.isNaN(v) ? "" : String(v))).join(",")).join("\n") + "\n"
        : JSON.stringify({ instances: objects ?? matrix });
    const ct = format === "csv" ? "text/csv" : "application/json";
    const acc = accept === "csv" ? "text/csv" : "application/json";
    const r = await this.invoke(body, ct, acc, opts.customAttributes);
    if (accept === "csv") {
      const lines = r.body.trim().split(/\r?\n/).filter((l) => l !== "");
      return Float64Array.from(lines.flatMap((l) => l.split(",").map(Number)));
    }
    const parsed = JSON.parse(r.body);
    const preds = parsed.predictions ?? parsed;
    if (!Array.isArray(preds)) throw new Error(`endpoint ${this.endpointName}: unexpected answer ${r.body.slice(0, 200)}`);
    return Float64Array.from((preds as (number | number[])[]).flat());
  }

  /** deletes the endpoint, its endpoint config and its model */
  async delete(opts: { wait?: boolean } = {}): Promise<void> {
    const { sm } = await this.session.clients();
    await sm.send(new DeleteEndpointCommand({ EndpointName: this.endpointName }));
    if (opts.wait !== false) {
      await waitUntilEndpointDeleted({ client: sm, maxWaitTime: 900, ...this.delays() }, { EndpointName: this.endpointName });
    }
    if (this.resources.configName) await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: this.resources.configName }));
    if (this.resources.modelName) await sm.send(new DeleteModelCommand({ ModelName: this.resources.modelName }));
    this.session.log(`endpoint ${this.endpointName}: deleted with its endpoint config and model`);
  }
}
