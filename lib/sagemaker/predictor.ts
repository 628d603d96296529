/** deploy (Model → EndpointConfig → Endpoint) and Predictor (InvokeEndpoint; CSV or JSON; update; delete). */
import type { DeserializeMiddleware } from "@smithy/types";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ProductionVariant,
  UpdateEndpointCommand,
  waitUntilEndpointDeleted,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, InvokeEndpointCommandInput, InvokeEndpointCommandOutput } from "@aws-sdk/client-sagemaker-runtime";
import type { Table } from "../data/table";
import type { ClassPrediction } from "../ensemble/ensemble";
import { arquero } from "../data/arquero";
import { decimalNumber } from "../core";
import { Session, sleep, uniqueName } from "./session";

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

/** whether `name` is one lib makes for endpoint `endpoint`: deploy's `<endpoint>-<kind>` or update's `<endpoint>-<kind>-<stamp>` */
function isDerivedName(name: string, endpoint: string, kind: "model" | "config"): boolean {
  if (name === derivedName(endpoint, kind)) return true;
  const stamp = new RegExp(`-${kind}-([0-9a-z]+)$`).exec(name)?.[1];
  return stamp !== undefined && name === derivedName(endpoint, `${kind}-${stamp}`);
}

/** `<name>-<suffix>` within SageMaker's 63 characters, never ending in "-" (the name is cut before the suffix: a
 * 62-character endpoint name made "…x-" for its model, which the name pattern refuses) */
export function derivedName(name: string, suffix: string): string {
  return `${name.slice(0, 63 - suffix.length - 1).replace(/-+$/, "")}-${suffix}`;
}

/** the endpoint config's one production variant: serverless (the default) or instances */
function productionVariant(opts: DeployOptions, modelName: string, what: string): ProductionVariant {
  // options that cannot both hold are an Error, not one of them dropped
  if (opts.instanceType && opts.serverless) throw new Error(`${what}: instanceType (an instance endpoint) and serverless (a serverless one) exclude each other`);
  if (opts.initialInstanceCount !== undefined && !opts.instanceType) throw new Error(`${what}: initialInstanceCount needs instanceType (a serverless endpoint has no instances)`);
  const variant: ProductionVariant = { VariantName: "AllTraffic", ModelName: modelName };
  if (opts.instanceType) Object.assign(variant, { InstanceType: opts.instanceType, InitialInstanceCount: opts.initialInstanceCount ?? 1 });
  else {
    const s = opts.serverless ?? { memorySizeInMB: 2048, maxConcurrency: 5 };
    variant.ServerlessConfig = { MemorySizeInMB: s.memorySizeInMB, MaxConcurrency: s.maxConcurrency, ProvisionedConcurrency: s.provisionedConcurrency };
  }
  return variant;
}

function describeVariant(v: ProductionVariant): string {
  return v.ServerlessConfig ? `serverless ${v.ServerlessConfig.MemorySizeInMB} MB, concurrency ${v.ServerlessConfig.MaxConcurrency}` : `${v.InstanceType}`;
}

export async function deployModel(session: Session, opts: DeployOptions & { modelData: string }): Promise<Predictor> {
  productionVariant(opts, "", "deploy"); // its checks, before anything is made
  const { sm } = await session.clients();
  const name = opts.endpointName ?? uniqueName("ensemble-endpoint");
  if (opts.endpointName !== undefined) {
    // a deploy cell re-run under its endpoint name: the endpoint is named, as the Python SDK's deploy does ("Cannot
    // create already existing endpoint"), not the model this call would have made first ("Cannot create already
    // existing model …-model")
    const existing = await sm.send(new DescribeEndpointCommand({ EndpointName: name })).catch((e: Error) => (e.name === "ValidationException" && /Could not find endpoint/.test(e.message) ? undefined : Promise.reject(e)));
    if (existing) {
      throw new Error(`deploy: endpoint ${name} exists (${existing.EndpointStatus}): delete it first — new Predictor(session, "${name}").delete() deletes it with its config and model — or deploy under another endpointName; to serve this model on it, new Predictor(session, "${name}").update({ modelData })`);
    }
  }
  const modelName = await createModel(session, { ...opts, modelName: derivedName(name, "model") });
  const configName = derivedName(name, "config");
  const variant = productionVariant(opts, modelName, "deploy");
  // a refused config or endpoint leaves nothing behind: the model (and config) this call made are deleted again
  // (a refused deploy kept its model, and the next deploy with that endpoint name could not create it)
  const undo: (() => Promise<unknown>)[] = [() => sm.send(new DeleteModelCommand({ ModelName: modelName }))];
  try {
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: configName, ProductionVariants: [variant] }));
    undo.unshift(() => sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: configName })));
    await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: configName }));
    session.endpointsMade.add(name);
  } catch (e) {
    for (const step of undo) await step().catch(() => undefined);
    throw e;
  }
  session.log(`endpoint ${name}: creating (${describeVariant(variant)})`);
  const predictor = new Predictor(session, name, { modelName, configName });
  if (opts.wait !== false) await predictor.waitInService();
  return predictor;
}

/** A feature value: a number, the text of a categorical column, a boolean (a column of true / false), or null for a missing value. */
export type FeatureValue = number | string | boolean | null;

/** Rows to score: arrays of feature values, objects by feature name, or a table (its label column is left out). */
export type Rows = FeatureValue[][] | Record<string, FeatureValue>[] | Table;

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

/** Predictor.update's options: the model artifact to serve, and the endpoint's configuration as deploy takes it */
export type UpdateOptions = Omit<DeployOptions, "endpointName"> & { modelData: string };

export class Predictor {
  /** cold starts this predictor waited for (ms; local SageMaker only) */
  readonly coldStarts: number[] = [];
  constructor(
    readonly session: Session,
    readonly endpointName: string,
    /** the model and endpoint config this predictor made (deploy, update): delete() and the next update delete them */
    readonly resources: { modelName?: string; configName?: string } = {},
  ) {}

  /**
   * Serves another model artifact (or the same with another serverless or instance configuration) behind this
   * endpoint, as the Python SDK's update_endpoint does: a new model and endpoint config, then UpdateEndpoint — AWS's
   * blue/green update, the endpoint answering all along. With `wait` (default) it resolves once the new configuration
   * serves, then deletes the config and models it replaced that lib made for this endpoint (found with
   * DescribeEndpoint, so also for a predictor made for an existing endpoint; others are left, as the Python SDK leaves
   * them); an update that was rolled back (the new model server did not start) is an Error with
   * the endpoint's FailureReason, and the model and config made for it are deleted again — the endpoint serves on
   * as before. With `wait: false` it resolves once the update has begun, and leaves the old model and config.
   */
  async update(opts: UpdateOptions): Promise<void> {
    if (typeof opts?.modelData !== "string" || !opts.modelData) throw new Error("Predictor.update: modelData (the model.tar.gz to serve, e.g. estimator.modelData) is required");
    if ("endpointName" in opts) throw new Error("Predictor.update: endpointName is this predictor's endpoint; it cannot be given");
    productionVariant(opts, "", "Predictor.update");
    const { sm } = await this.session.clients();
    // what serves now (also for a predictor made for an existing endpoint, which made none of it): replaced below
    const replaced = await this.served();
    const stamp = Date.now().toString(36);
    const modelName = await createModel(this.session, { ...opts, modelName: derivedName(this.endpointName, `model-${stamp}`) });
    const configName = derivedName(this.endpointName, `config-${stamp}`);
    const variant = productionVariant(opts, modelName, "Predictor.update");
    const undo = async () => {
      await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: configName })).catch(() => undefined);
      await sm.send(new DeleteModelCommand({ ModelName: modelName })).catch(() => undefined);
    };
    try {
      await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: configName, ProductionVariants: [variant] }));
      await sm.send(new UpdateEndpointCommand({ EndpointName: this.endpointName, EndpointConfigName: configName }));
    } catch (e) {
      await undo();
      throw e;
    }
    this.session.log(`endpoint ${this.endpointName}: updating to ${configName} (${describeVariant(variant)}, ${opts.modelData})`);
    const before = { ...this.resources };
    if (opts.wait === false) {
      // the ones that will serve (delete() also deletes what the endpoint serves from when it is called); the old
      // ones are left: nothing waits to see the update through
      Object.assign(this.resources, { modelName, configName });
      return;
    }
    await this.waitInService();
    const d = await sm.send(new DescribeEndpointCommand({ EndpointName: this.endpointName }));
    if (d.EndpointConfigName !== configName) {
      await undo();
      throw new Error(`Predictor.update: endpoint ${this.endpointName} was rolled back to ${d.EndpointConfigName} and serves as before: ${d.FailureReason ?? "no reason given"}`);
    }
    Object.assign(this.resources, { modelName, configName });
    // the config and models it replaced that lib made for this endpoint (deploy's, an earlier update's: by this
    // predictor or, by their names, another — new Predictor(session, name) left <endpoint>-model/-config, and the
    // name could not be deployed again); others are left, as the Python SDK's update_endpoint leaves them (a
    // config another endpoint uses must not be deleted)
    const ours = (name: string | undefined, kind: "model" | "config"): name is string =>
      Boolean(name) && (name === before[`${kind}Name`] || isDerivedName(name!, this.endpointName, kind));
    const configs = new Set([replaced.configName, before.configName].filter((c) => ours(c, "config") && c !== configName));
    const models = new Set([...replaced.models, before.modelName].filter((m) => ours(m, "model") && m !== modelName));
    for (const c of configs) await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: c })).catch(() => undefined);
    for (const m of models) await sm.send(new DeleteModelCommand({ ModelName: m })).catch(() => undefined);
  }

  /** the endpoint config the endpoint serves from and its models (DescribeEndpoint, DescribeEndpointConfig) */
  private async served(): Promise<{ configName?: string; models: string[] }> {
    const { sm } = await this.session.clients();
    const configName = (await sm.send(new DescribeEndpointCommand({ EndpointName: this.endpointName }))).EndpointConfigName;
    if (!configName) return { models: [] };
    const c = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })).catch((e: Error) => (e.name === "ValidationException" ? undefined : Promise.reject(e)));
    return { configName, models: [...new Set((c?.ProductionVariants ?? []).map((v) => v.ModelName).filter((m): m is string => Boolean(m)))] };
  }


  /** waiter delays (s) from the session's polling interval: 1–2 s locally, 15–60 s on AWS */
  private delays(): { minDelay: number; maxDelay: number } {
    const min = Math.max(1, Math.round(this.session.pollMs / 1000));
    return { minDelay: min, maxDelay: Math.max(min + 1, min * 4) };
  }

  /**
   * Polls DescribeEndpoint (every session.pollMs) until the endpoint is InService, printing where it is when its
   * status changes and every 10th poll while it does not (an endpoint takes minutes on AWS: the wait said nothing
   * until it ended; the Python SDK prints a dash per poll). Failed (or Deleting, OutOfService, UpdateRollbackFailed)
   * is an Error with the FailureReason, and so is still waiting after 30 minutes; an endpoint that does not exist is
   * the service's ValidationException.
   */
  async waitInService(): Promise<void> {
    const { sm } = await this.session.clients();
    const t0 = Date.now();
    const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    let first: string | undefined, last: string | undefined;
    let failures = 0;
    // on AWS at most one DescribeEndpoint a second, whatever pollMs says
    const pause = this.session.mode === "aws" ? Math.max(1000, this.session.pollMs) : this.session.pollMs;
    for (let poll = 0; ; poll++) {
      const d = await sm.send(new DescribeEndpointCommand({ EndpointName: this.endpointName })).catch((e: Error & { $fault?: string }) => {
        // a client fault (no such endpoint, access denied, expired credentials) is the answer; throttling, a server
        // fault or the network is polled again (said once, then every 10th time)
        if ((e.$fault === "client" && !/Throttl/.test(e.name)) || Date.now() - t0 > 1800_000) throw e;
        if (failures++ % 10 === 0) this.session.log(`endpoint ${this.endpointName}: DescribeEndpoint failed (${e.name}: ${e.message}); polling again`);
        return undefined;
      });
      if (!d) {
        await sleep(pause);
        continue;
      }
      const status = d.EndpointStatus ?? "unknown";
      if (status === "InService") break;
      if (["Failed", "Deleting", "OutOfService", "UpdateRollbackFailed"].includes(status))
        throw new Error(`endpoint ${this.endpointName} did not reach InService: ${d.FailureReason ?? `status ${status}`}`);
      if (Date.now() - t0 > 1800_000) throw new Error(`endpoint ${this.endpointName} did not reach InService: still ${status} after ${elapsed()}`);
      first ??= status;
      if ((status !== last && status !== first) || (poll > 0 && poll % 10 === 0)) this.session.log(`endpoint ${this.endpointName}: ${status} (${elapsed()})`);
      last = status;
      await sleep(pause);
    }
    this.session.log(`endpoint ${this.endpointName}: InService (${elapsed()})`);
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

  /** The request body for rows, in the format asked for (CSV default). */
  private body(rows: Rows, opts: { format?: "csv" | "json"; features?: string[]; label?: string }): { body: string; contentType: string } {
    const format = opts.format ?? "csv";
    let matrix: FeatureValue[][];
    let objects: Record<string, FeatureValue>[] | undefined;
    let header: string[] | undefined; // a table's or objects' columns: the CSV body's header row
    // a cell as sent: text as it is (a categorical column's value), numbers, booleans as they are (the endpoint finds
    // their category as lib's predict does: sent as 1 / 0 they were unseen categories of a column of true / false,
    // silently predicted as missing), null for missing
    const value = (v: unknown): FeatureValue => (typeof v === "string" || typeof v === "boolean" ? v : v === null || v === undefined || Number.isNaN(v as number) ? null : Number(v));
    if (isTable(rows)) {
      const label = opts.label ?? "target";
      const names = rows.columnNames();
      const unknown = (opts.features ?? []).filter((c) => !names.includes(c));
      if (unknown.length) throw new Error(`predict: features ${unknown.map((c) => `"${c}"`).join(", ")} not in the table; its columns are ${names.join(", ")}`);
      const cols = opts.features ?? names.filter((c: string) => c !== label);
      const data = cols.map((c: string) => rows.array(c) as ArrayLike<unknown>);
      const n = rows.numRows();
      matrix = Array.from({ length: n }, (_, i) => data.map((col) => value(col[i])));
      objects = format === "json" ? matrix.map((r) => Object.fromEntries(cols.map((c: string, j: number) => [c, r[j]]))) : undefined;
      header = cols;
    } else if (Array.isArray(rows) && rows.length && !Array.isArray(rows[0])) {
      // objects by feature name: the columns are `features`, else the first row's keys, in that order for every
      // row (Object.values put each row's values in its own key order: {bmi, age} after {age, bmi} swapped them);
      // a key a row lacks is a missing value, a key not among the columns an Error
      if (opts.label !== undefined) throw new Error("predict: label is for a table's rows (objects and arrays hold features only)");
      const given = rows as Record<string, FeatureValue>[];
      const cols = opts.features ?? Object.keys(given[0]);
      const known = new Set(cols);
      given.forEach((o, i) => {
        const extra = Object.keys(o).filter((k) => !known.has(k));
        if (extra.length) throw new Error(`predict: row ${i} has ${extra.map((k) => `"${k}"`).join(", ")}, not among the columns ${cols.join(", ")}${opts.features ? " (features)" : " (the first row's keys)"}`);
      });
      matrix = given.map((o) => cols.map((c) => value(o[c])));
      objects = matrix.map((r) => Object.fromEntries(cols.map((c, j) => [c, r[j]])));
      header = cols;
    } else {
      if (opts.features !== undefined || opts.label !== undefined) throw new Error("predict: features and label are for a table's rows or objects; an array row holds the features in the model's order");
      matrix = rows as FeatureValue[][];
    }
    // as lib's own predict: nothing to send is the caller's mistake, said here, not a ModelError from the endpoint
    if (matrix.length === 0) throw new Error("predict: no rows to predict (an empty table or list)");
    // ±Infinity, as lib's predict and the endpoint's CSV reader refuse it: JSON has no such number (JSON.stringify wrote
    // null, so the row was predicted as if the cell were missing, silently)
    matrix.forEach((r, i) =>
      (Array.isArray(r) ? r : []).forEach((v, j) => {
        if (v === Infinity || v === -Infinity) throw new Error(`predict: row ${i}, ${header ? `column "${header[j]}"` : `value ${j + 1}`}: ${v} is not finite; features must be finite numbers or missing (null)`);
      }),
    );
    const csvCell = (v: FeatureValue): string => {
      if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return "";
      const t = String(v);
      // quoted too where it holds a tab, ";" or "|": the endpoint sniffs the separator on the first line outside quotes
      // (a one-feature model's header "a;b" read as two fields)
      return /[",;|\t\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
    };
    // a table's or objects' CSV rows go with a header row, which the endpoint reads the columns by (trainer/bodies.ts):
    // without it they were read in the model's feature order, so a table whose columns came in another order (a
    // select, a JSON file's key order) was predicted from the wrong columns, silently. Columns all named by numbers
    // (pandas' 0, 1, 2) would be a header the endpoint cannot tell from a row: sent as before, in the table's order. A
    // name with spaces around it (a JSON key " age") is matched by the endpoint as it is (trainer/bodies.ts).
    const headerRow = format === "csv" && header?.some((c) => decimalNumber(c) === undefined) ? header.map(csvCell).join(",") + "\n" : "";
    const body = format === "csv" ? headerRow + matrix.map((r) => r.map(csvCell).join(",")).join("\n") + "\n" : JSON.stringify({ instances: objects ?? matrix });
    return { body, contentType: format === "csv" ? "text/csv" : "application/json" };
  }

  /**
   * The endpoint's predictions for rows (arrays, objects by feature name, or a table), one number per row — or, for
   * multiclass probabilities, K per row, row-major (n × K), as lib's `Ensemble.predict` gives them.
   */
  async predict(rows: Rows, opts: PredictOptions = {}): Promise<Float64Array> {
    const accept = opts.accept ?? "json";
    if (accept === "csv" && /(^|[;,])\s*contributions\s*=\s*(true|1|yes)\s*($|[;,])/i.test(opts.customAttributes ?? "")) {
      throw new Error("predict: contributions=true with a CSV answer puts the contributions on each prediction's line; use predictor.explain(rows) for them");
    }
    const { body, contentType } = this.body(rows, opts);
    const r = await this.invoke(body, contentType, accept === "csv" ? "text/csv" : "application/json", opts.customAttributes);
    const labels = `endpoint ${this.endpointName} answers class labels (its model was trained on text labels): use predictor.predictClasses(rows)`;
    if (accept === "csv") {
      const cells = r.body.trim().split(/\r?\n/).filter((l) => l !== "").flatMap((l) => l.split(","));
      // a cell that is not a number is a class label ("high"): an Error as the JSON answer's, not a NaN in its place
      // (Number("high")); NaN and ±Infinity are how the trainer writes those predictions (String(p))
      const numbers = cells.map((c) => decimalNumber(c) ?? (/^\s*(NaN|[+-]?Infinity)\s*$/.test(c) ? Number(c) : undefined));
      const text = numbers.indexOf(undefined);
      if (text >= 0) throw new Error(`${labels} (its CSV answer holds ${JSON.stringify(cells[text].slice(0, 100))})`);
      return Float64Array.from(numbers as number[]);
    }
    const parsed = JSON.parse(r.body);
    const preds = parsed.predictions ?? parsed;
    if (!Array.isArray(preds)) throw new Error(`endpoint ${this.endpointName}: unexpected answer ${r.body.slice(0, 200)}`);
    if (preds.length && typeof preds[0] === "object" && !Array.isArray(preds[0])) throw new Error(labels);
    return Float64Array.from((preds as (number | number[])[]).flat());
  }

  /**
   * A classifier endpoint's answer per row: the class label (the training labels' text, or the class index for
   * numeric labels) and every class's probability — the custom attribute `probabilities=true` (trainer/README.md),
   * as lib's `Ensemble.predictClasses` gives them for the served model (a vote blend's endpoint has no probabilities:
   * its 400 is thrown).
   */
  async predictClasses(rows: Rows, opts: Pick<PredictOptions, "format" | "features" | "label"> = {}): Promise<Required<ClassPrediction>[]> {
    const { body, contentType } = this.body(rows, opts);
    const r = await this.invoke(body, contentType, "application/json", "probabilities=true");
    const preds: unknown = JSON.parse(r.body).predictions;
    const ok = Array.isArray(preds) && preds.every((p) => p && typeof p === "object" && "label" in p && "probabilities" in p);
    if (!ok) throw new Error(`endpoint ${this.endpointName}: unexpected answer to probabilities=true ${r.body.slice(0, 200)}`);
    return preds as Required<ClassPrediction>[];
  }

  /**
   * The endpoint's contributions for rows (custom attribute `contributions=true`, trainer/README.md) as a table laid
   * out as lib's `explain`: `class` first for multiclass, a column per feature, `bias` last — the numbers lib.explain
   * gives for those rows with the served model, so the explanation figures take it as it is.
   */
  async explain(rows: Rows, opts: Pick<PredictOptions, "format" | "features" | "label"> = {}): Promise<Table> {
    const { body, contentType } = this.body(rows, opts);
    const r = await this.invoke(body, contentType, "application/json", "contributions=true");
    const parsed = JSON.parse(r.body);
    const c = parsed.contributions as Record<string, number | Record<string, number>>[] | undefined;
    if (!Array.isArray(c) || c.length === 0) throw new Error(`endpoint ${this.endpointName}: no contributions in the answer ${r.body.slice(0, 200)}`);
    const multiclass = typeof Object.values(c[0])[0] === "object";
    const objects = multiclass ? c.flatMap((row) => Object.entries(row).map(([cls, v]) => ({ class: cls, ...(v as Record<string, number>) }))) : c;
    return arquero().from(objects);
  }

  /**
   * Deletes the endpoint, its endpoint config and its model(s), found first as the Python SDK's delete_endpoint /
   * delete_model find them (DescribeEndpoint names the config, DescribeEndpointConfig its models) — so a predictor
   * made for an existing endpoint (`new Predictor(session, name)`) deletes them too — and those this predictor made.
   */
  async delete(opts: { wait?: boolean } = {}): Promise<void> {
    const { sm } = await this.session.clients();
    // what the endpoint serves from, and what this predictor made (after an update with wait: false, one of them)
    const served = await this.served();
    const configs = [...new Set([served.configName, this.resources.configName].filter((c): c is string => Boolean(c)))];
    const models = [...new Set([...served.models, this.resources.modelName].filter((m): m is string => Boolean(m)))];
    await sm.send(new DeleteEndpointCommand({ EndpointName: this.endpointName }));
    this.session.endpointsMade.delete(this.endpointName);
    if (opts.wait !== false) {
      await waitUntilEndpointDeleted({ client: sm, maxWaitTime: 900, ...this.delays() }, { EndpointName: this.endpointName });
    }
    // one already gone (a rolled-back update's, deleted by update) is not an error
    const gone = (e: Error) => (e.name === "ValidationException" && /Could not find/.test(e.message) ? undefined : Promise.reject(e));
    for (const c of configs) await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: c })).catch(gone);
    for (const m of models) await sm.send(new DeleteModelCommand({ ModelName: m })).catch(gone);
    this.session.log(`endpoint ${this.endpointName}: deleted${configs.length ? ` with its endpoint config ${configs.join(", ")}` : ""}${models.length ? ` and model ${models.join(", ")}` : ""}`);
  }

}
