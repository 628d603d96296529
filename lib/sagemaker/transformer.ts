/**
 * Transformer: a batch transform job (CreateTransformJob) — the SageMaker way to score whole files with a model,
 * without an endpoint. Like the SageMaker Python SDK's: `estimator.transformer(…)` / `tuner.transformer(…)` (or
 * `new Transformer(session, modelName, …)` for an existing model), then `transform(data, { contentType,
 * splitType, … })`, `wait()` (status changes and the job's log from CloudWatch Logs, live), and `output()` to read
 * the `<input file>.out` objects back as one table.
 *
 * With `inputFilter: "$[1:]"`, `joinSource: "Input"`, `outputFilter: "$[0,-1]"` a CSV whose first column is an id
 * comes back as `id,prediction` rows (`batchInputCsv` writes such a file from a table).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  BatchStrategy,
  CreateTransformJobCommand,
  DeleteModelCommand,
  DescribeTransformJobCommand,
  DescribeTransformJobCommandOutput,
  DescribeTrainingJobCommand,
  TransformInstanceType,
} from "@aws-sdk/client-sagemaker";
import { loadCsv, loadTable, type Table } from "../data";
import { tableOf } from "../data/arquero";
import { float32Text } from "../data/columns";
import { filesUnder } from "../data/sources";
import { decimalNumber } from "../core"; // the data layer's index (its file layout is the tables work's)
import { jobLogLines, LOG_GROUPS } from "./logs";
import { checkName, Session, sleep, uniqueName } from "./session";
import { createModel } from "./predictor";
import { artifactOf } from "./estimator";

export interface TransformerOptions {
  instanceType?: `${TransformInstanceType}`; // ml.m5.large
  instanceCount?: number; // 1
  /** BatchStrategy: SingleRecord (one record per request) or MultiRecord (as many as fit in maxPayloadMb); default: the container's choice */
  strategy?: `${BatchStrategy}`;
  maxPayloadMb?: number; // 0–100; default: the container's choice (6)
  maxConcurrentTransforms?: number; // default: the container's choice (1)
  /** AssembleWith: "Line" (default) puts each output on its own line; "None" concatenates the answers */
  assembleWith?: "None" | "Line";
  /** the answers' content type (Accept), default text/csv */
  accept?: string;
  /** where the `.out` objects go; default <session output path>/<job name> */
  outputPath?: string;
  environment?: Record<string, string>;
  baseJobName?: string; // "ensemble-transform"
}

export interface TransformOptions {
  contentType?: string; // text/csv
  splitType?: "None" | "Line"; // Line
  /** DataProcessing.InputFilter, e.g. "$[1:]" (drop an id column before the model sees the record) */
  inputFilter?: string;
  /** DataProcessing.JoinSource: "Input" appends the prediction to the input record */
  joinSource?: "Input" | "None";
  /** DataProcessing.OutputFilter on the joined record, e.g. "$[0,-1]" (the id and the prediction) */
  outputFilter?: string;
  jobName?: string;
  wait?: boolean; // default true
  logs?: boolean; // default true
}

/** DescribeTransformJob's answer for a job that completed */
export type CompletedTransformJob = DescribeTransformJobCommandOutput & { TransformJobName: string; TransformOutput: { S3OutputPath: string } };

export class Transformer {
  latestTransformJob?: string;
  latestDescription?: DescribeTransformJobCommandOutput;
  /** the input URI of the latest job, and its output path */
  private latest?: { input: string; outputPath: string; localInput?: string };

  constructor(
    readonly session: Session,
    readonly modelName: string,
    readonly options: TransformerOptions = {},
  ) {}

  /** CreateTransformJob on a local file or folder (uploaded in aws mode) or an s3:// / file:// URI; waits (default) and throws if it did not complete */
  transform(data: string, opts?: TransformOptions & { wait?: true }): Promise<CompletedTransformJob>;
  /** CreateTransformJob without waiting (`wait: false`); `wait()` later */
  transform(data: string, opts: TransformOptions & { wait: false }): Promise<undefined>;
  transform(data: string, opts: TransformOptions): Promise<CompletedTransformJob | undefined>;
  async transform(data: string, opts: TransformOptions = {}): Promise<CompletedTransformJob | undefined> {
    const o = this.options;
    const { sm } = await this.session.clients();
    const name = opts.jobName !== undefined ? checkName("transform: jobName", opts.jobName) : uniqueName(o.baseJobName ?? "ensemble-transform");
    const input = await this.session.dataUri("transform", data);
    const outputPath = o.outputPath ?? `${this.session.defaultOutputPath()}/${name}`;
    const dp = opts.inputFilter || opts.outputFilter || opts.joinSource ? { InputFilter: opts.inputFilter, OutputFilter: opts.outputFilter, JoinSource: opts.joinSource } : undefined;
    await sm.send(
      new CreateTransformJobCommand({
        TransformJobName: name,
        ModelName: this.modelName,
        BatchStrategy: o.strategy,
        MaxPayloadInMB: o.maxPayloadMb,
        MaxConcurrentTransforms: o.maxConcurrentTransforms,
        Environment: o.environment,
        TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: input } }, ContentType: opts.contentType ?? "text/csv", SplitType: opts.splitType ?? "Line" },
        TransformOutput: { S3OutputPath: outputPath, Accept: o.accept ?? "text/csv", AssembleWith: o.assembleWith ?? "Line" },
        TransformResources: { InstanceType: o.instanceType ?? "ml.m5.large", InstanceCount: o.instanceCount ?? 1 },
        DataProcessing: dp,
      }),
    );
    this.latestTransformJob = name;
    this.latest = { input, outputPath, localInput: /^(s3|file):\/\//.test(data) ? undefined : path.resolve(data) };
    this.session.log(`transform job ${name} created (${this.session.mode}): ${input} → ${outputPath}`);
    if (opts.wait === false) return undefined;
    return this.wait({ logs: opts.logs });
  }

  /** polls until the job ends, printing status changes and its log lines; throws if it did not complete */
  async wait(opts: { logs?: boolean } = {}): Promise<CompletedTransformJob> {
    const name = this.requireJob();
    const { sm } = await this.session.clients();
    const newLines = opts.logs === false ? undefined : await jobLogLines(this.session, LOG_GROUPS.transformJobs, name);
    const t0 = Date.now();
    let last = "";
    for (;;) {
      const d = await sm.send(new DescribeTransformJobCommand({ TransformJobName: name }));
      for (const e of (await newLines?.()) ?? []) this.session.log(`  ${name} | ${e.message}`);
      if (d.TransformJobStatus !== last) {
        last = d.TransformJobStatus ?? "";
        this.session.log(`transform job ${name}: ${last} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
      if (d.TransformJobStatus === "Completed" || d.TransformJobStatus === "Failed" || d.TransformJobStatus === "Stopped") {
        this.latestDescription = d;
        if (d.TransformJobStatus !== "Completed") throw new Error(`transform job ${name} ${d.TransformJobStatus}: ${d.FailureReason ?? "no reason given"}`);
        return { ...d, TransformJobName: name, TransformOutput: { ...d.TransformOutput, S3OutputPath: d.TransformOutput?.S3OutputPath ?? this.latest!.outputPath } };
      }
      await sleep(this.session.pollMs);
    }
  }

  /**
   * The latest job's output, read back (file:// locally, s3:// with the session) as one table: the `.out` object of
   * every input object, in the order of their paths, as headerless CSV with the given column names (default c0, c1,
   * …). Numbers are read as float64, as the endpoint answers them (loadCsv's float32 turned the id 16777217 into
   * 16777216 and rounded every prediction); a column with any other text stays text. `fileColumn`: a last column of
   * that name holding each row's input object (its path under the input, "diabetes.csv") — ids restart in each file.
   */
  async output(opts: { columns?: string[]; fileColumn?: string } = {}): Promise<Table> {
    this.requireJob();
    const outputs = await this.outputUris();
    const prefix = this.latest!.outputPath.replace(/\/+$/, "") + "/";
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "transform-out-"));
    try {
      const file = path.join(tmp, "all.csv");
      const sources: string[] = [];
      let first = Buffer.alloc(0); // the first object with rows: its first line names the columns
      for (const uri of outputs) {
        let bytes = await this.session.readObject(uri);
        // each object's rows end with a line end (AssembleWith None, or a last line without one, ran into the next
        // object's first row: one row less, and the file column misaligned)
        if (bytes.length && bytes[bytes.length - 1] !== 0x0a) bytes = Buffer.concat([bytes, Buffer.from("\n")]);
        // an object of line ends only (a model that answered nothing, AssembleWith Line) holds no rows: loadCsv of it is
        // "no data rows", as loadTable's
        const rowsIn = bytes.some((b) => b !== 0x0a && b !== 0x0d);
        if (!first.length && rowsIn) first = bytes;
        fs.appendFileSync(file, bytes);
        if (opts.fileColumn === undefined) continue;
        fs.writeFileSync(path.join(tmp, "one.csv"), bytes);
        const n = rowsIn ? loadCsv(path.join(tmp, "one.csv"), { header: false }).numRows() : 0;
        const source = uri.slice(prefix.length).replace(/\.out$/, "");
        const name = prefix.startsWith("file:") ? decodeURIComponent(source) : source;
        for (let i = 0; i < n; i++) sources.push(name);
      }
      // the column names (c0, c1, …) from the first line alone, then one read with every column as text (the whole
      // output was parsed twice)
      const end = first.indexOf(0x0a);
      const names = first.length ? (await loadTable(first.subarray(0, end < 0 ? first.length : end + 1), { format: "csv", header: false })).columnNames() : [];
      const text = loadCsv(file, { header: false, categorical: names });
      if (opts.columns && names.length !== opts.columns.length) throw new Error(`transform output has ${names.length} columns, not the ${opts.columns.length} named (${opts.columns.join(", ")})`);
      const rows = text.numRows();
      const columns: [string, ArrayLike<unknown>][] = names.map((n, i) => [opts.columns?.[i] ?? n, float64OrText(Array.from({ length: rows }, (_, r) => text.get(n, r) as string | null))]);
      if (opts.fileColumn !== undefined) {
        if (columns.some(([name]) => name === opts.fileColumn)) throw new Error(`output: fileColumn "${opts.fileColumn}" is one of the columns already`);
        columns.push([opts.fileColumn, sources]);
      }
      return tableOf(columns) as Table;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  /**
   * The `.out` URI of each input object of the latest job: `<output path>/<the object's path under the input
   * prefix>.out`, as the job writes them — a local input's files (dot files too: S3 and the job take every object),
   * an s3:// or file:// input's objects as listed now.
   */
  async outputUris(): Promise<string[]> {
    const l = this.latest;
    if (!l) throw new Error("Transformer: transform() first");
    let files: string[] = [];
    if (l.localInput && fs.statSync(l.localInput).isDirectory()) files = filesUnder(l.localInput, { hidden: true });
    else if (l.localInput) files.push(path.basename(l.localInput));
    else files = (await this.session.objects(l.input)).map((o) => o.rel);
    // under a file:// output path each segment percent-encoded, as the job writes it ("rows#1.csv" is "rows%231.csv")
    const encode = l.outputPath.startsWith("file:") ? (f: string) => f.split("/").map(encodeURIComponent).join("/") : (f: string) => f;
    return files.map((f) => `${l.outputPath.replace(/\/+$/, "")}/${encode(f)}.out`);
  }

  /** deletes the model this transformer scores with (when it created it: estimator/tuner.transformer) */
  async deleteModel(): Promise<void> {
    const { sm } = await this.session.clients();
    await sm.send(new DeleteModelCommand({ ModelName: this.modelName }));
    this.session.log(`model ${this.modelName}: deleted`);
  }

  private requireJob(): string {
    if (!this.latestTransformJob) throw new Error("Transformer: transform() first");
    return this.latestTransformJob;
  }
}

/** a text column of the output as float64 when every cell is a number or missing, else as it is */
function float64OrText(cells: (string | null)[]): ArrayLike<unknown> {
  const out = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    // decimal numbers as the loaders read them (Number took "0x1A" as 26: a hex id became a number); a missing cell
    // (null: the missing-value tokens) is NaN
    const v = c === null ? NaN : decimalNumber(c);
    if (v === undefined) return cells;
    out[i] = v;
  }
  return out;
}

/** A Transformer for a finished training job's model (CreateModel from its artifact) — e.g. a tuning job's best. */
export async function transformerForTrainingJob(session: Session, trainingJobName: string, opts: TransformerOptions & { modelName?: string; imageUri?: string } = {}): Promise<Transformer> {
  const { sm } = await session.clients();
  const data = artifactOf(trainingJobName, await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: trainingJobName })));
  const modelName = await createModel(session, { modelData: data, modelName: opts.modelName, imageUri: opts.imageUri });
  session.log(`model ${modelName}: the model of training job ${trainingJobName}`);
  return new Transformer(session, modelName, opts);
}

/**
 * Writes a table as a batch transform input: headerless CSV, an id column first (the table's `idColumn`, or the
 * row number from 1), then the features in the table's order without `exclude` (e.g. the label). Returns the file.
 */
export function batchInputCsv(table: Table, file: string, opts: { idColumn?: string; exclude?: string[] } = {}): string {
  const exclude = new Set([...(opts.exclude ?? []), ...(opts.idColumn ? [opts.idColumn] : [])]);
  const features = table.columnNames().filter((c) => !exclude.has(c));
  // a cell as CSV (RFC 4180): text with a comma, quote or line end quoted (written bare, "blue, dark" made the row
  // one value too long); a float32 column's numbers in their shortest text (32.1, not 32.099998474121094)
  const writer = (name: string) => {
    const f32 = table.column(name) instanceof Float32Array; // table.array(name) is a copy, a plain Array
    return (v: unknown): string => {
      if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return "";
      const t = typeof v === "number" && f32 ? float32Text(v) : String(v);
      return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
    };
  };
  const cols = features.map((c) => table.array(c) as ArrayLike<unknown>);
  const cells = features.map(writer);
  const ids = opts.idColumn ? (table.array(opts.idColumn) as ArrayLike<unknown>) : undefined;
  const idCell = opts.idColumn ? writer(opts.idColumn) : undefined;
  const n = table.numRows();
  let out = "";
  for (let i = 0; i < n; i++) out += `${idCell ? idCell(ids![i]) : i + 1},${cols.map((c, j) => cells[j](c[i])).join(",")}\n`;
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, out);
  return file;
}
