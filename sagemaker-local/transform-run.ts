/**
 * One batch transform job's run, as SageMaker runs it on one instance:
 *
 *   1. the input (every object under the S3 prefix, or the file:// file or folder) into the job's folder;
 *      nothing there (CreateTransformJob found objects: ./transform-jobs; they are gone since) → Failed,
 *      "ClientError: No S3 objects found under S3 URL …"
 *   2. the model's ModelDataUrl unpacked into opt_ml/model/
 *   3. the container's `serve` (./serve-process) with SAGEMAKER_BATCH=true and, for the parameters the request
 *      gives, SAGEMAKER_MAX_PAYLOAD_IN_MB, SAGEMAKER_BATCH_STRATEGY (SINGLE_RECORD | MULTI_RECORD) and
 *      SAGEMAKER_MAX_CONCURRENT_TRANSFORMS; a parameter the request left out is the container's answer to
 *      GET /execution-parameters when it has one, else AWS's default (1 transform, 6 MB, MultiRecord)
 *   4. each input object in path order: its records (./transform-data) in mini-batches, up to
 *      MaxConcurrentTransforms requests in flight, answers put back in record order, joined and filtered, and
 *      written as <S3OutputPath>/<object's path under the prefix>.out
 *   5. Completed; or Failed naming the object and line of the record the model refused (a refused mini-batch is
 *      sent again record by record to find it) or what else went wrong — an object that fails so gets no .out and
 *      the other objects are still transformed, as on AWS; or Stopped by StopTransformJob.
 *
 * A request that fails with a 5xx or no answer is retried (ModelClientConfig.InvocationsMaxRetries, default 3)
 * and times out after InvocationsTimeoutInSeconds (default 600). The container's output goes to
 * /aws/sagemaker/TransformJobs `<job>/algo-1-<epoch>`, the per-object messages to `…/data-log`, as on AWS.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { Context, now } from "./context";
import { ClientError, Container } from "./containers";
import { errorMessage } from "./errors";
import { JsonPath, parseJsonPath } from "./jsonpath";
import { containerStream, StreamWriter, TRANSFORM_JOBS_GROUP } from "./log-streams";
import type { ModelRecord, TransformJobRecord } from "./records";
import { startServeProcess } from "./serve-process";
import { joinUri, saveInBackground } from "./storage";
import { unpack } from "./tar";
import { filterInput, formatOf, miniBatches, outputRecord, RecordFormat, splitAnswer, splitRecords } from "./transform-data";

/** the job failed: its FailureReason; `ofObject`: one input object's data failed (a record refused, a filter or join
 * that does not apply), and the other objects are still transformed */
class JobFailure extends Error {
  constructor(message: string, readonly ofObject = false) {
    super(message);
  }
}

interface Params {
  maxConcurrent: number;
  maxPayloadMb: number;
  strategy: "SingleRecord" | "MultiRecord";
}

const DEFAULTS: Params = { maxConcurrent: 1, maxPayloadMb: 6, strategy: "MultiRecord" };

export class TransformRun {
  private readonly dir: string;
  private container?: Container;
  private url?: string;
  private stopped = false;
  private shutdown = false;
  private agent?: http.Agent;
  private log?: StreamWriter;
  private dataLog?: StreamWriter;
  /** the output objects written so far: a stopped job's are removed */
  private readonly written: string[] = [];

  constructor(
    private ctx: Context,
    private r: TransformJobRecord,
    private model: ModelRecord,
    private save: () => void,
    private startTimeoutMs: number,
  ) {
    this.dir = ctx.store.dir("transform-jobs", r.TransformJobName);
  }

  /** StopTransformJob (→ Stopped), or the server stopping (`shutdown`: → Failed, as a restarted server records it) */
  stop(shutdown = false): void {
    this.stopped = true;
    this.shutdown ||= shutdown;
    this.container?.stop(3000);
  }
  /** the host process is exiting: no time for SIGTERM */
  kill(): void {
    this.container?.kill();
  }

  async start(): Promise<void> {
    const r = this.r;
    r.TransformStartTime = now();
    this.save();
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
    const stream = containerStream(r.TransformJobName, Date.now());
    this.log = this.ctx.logs.open(TRANSFORM_JOBS_GROUP, stream);
    this.dataLog = this.ctx.logs.open(TRANSFORM_JOBS_GROUP, `${stream}/data-log`);
    try {
      const files = await this.downloadInput();
      await this.unpackModel();
      const params = await this.startContainer();
      this.dataLog.line(`${stamp()}:[sagemaker logs]: MaxConcurrentTransforms=${params.maxConcurrent}, MaxPayloadInMB=${params.maxPayloadMb}, BatchStrategy=${params.strategy === "MultiRecord" ? "MULTI_RECORD" : "SINGLE_RECORD"}`);
      // an object whose data fails gets no .out, and the others are still transformed and written, as AWS does ("the
      // batch transform job processes the listed S3 objects and uploads only the output for successfully processed
      // objects. If any object fails … batch transform marks the job as failed"): the first object's failure ended
      // the job, and the objects after it were never transformed. A model server that fails (AlgorithmError) still
      // ends it at once: every other object would wait out the same retries
      const failed: JobFailure[] = [];
      for (const f of files) {
        if (this.stopped) break;
        try {
          await this.transformObject(f, params);
        } catch (e) {
          if (!(e instanceof JobFailure && e.ofObject) || this.stopped) throw e;
          failed.push(e);
        }
      }
      if (failed.length && !this.stopped)
        throw new JobFailure(failed.length > 1 ? `${failed[0].message} (and ${failed.length - 1} more of the ${files.length} input objects failed: see the data-log stream)` : failed[0].message);
      if (this.stopped) await this.discardOutput();
      this.finish(this.stopped ? "Stopped" : "Completed");
    } catch (e) {
      if (this.stopped) {
        await this.discardOutput();
        this.finish("Stopped");
      } else this.finish("Failed", e instanceof JobFailure ? e.message : `InternalServerError: ${errorMessage(e)}`);
    }
  }

  /**
   * StopTransformJob's API reference: "When you stop a batch transform job before it is completed, Amazon SageMaker
   * doesn't store the job's output in Amazon S3" — the objects transformed before the stop were left in the output
   * path, as if they were a finished job's. The server stopping (Failed) keeps them, as a failed job keeps the
   * output of the objects it transformed. Before the status is Stopped: a client that sees it finds no output.
   */
  private async discardOutput(): Promise<void> {
    if (this.shutdown) return;
    for (const uri of this.written.splice(0))
      await this.ctx.data.deleteObject(uri).catch((e) => this.dataLog?.line(`${stamp()}:[sagemaker logs]: the stopped job's output ${uri} could not be removed: ${errorMessage(e)}`));
  }

  private finish(status: "Completed" | "Failed" | "Stopped", reason?: string): void {
    if (this.shutdown) return this.end("Failed", "InternalServerError: the local SageMaker server stopped while the job was running.");
    this.end(status, reason);
  }

  private end(status: "Completed" | "Failed" | "Stopped", reason?: string): void {
    const r = this.r;
    this.container?.stop(3000);
    this.agent?.destroy();
    try {
      this.log?.flush();
    } catch {
      /* the disk full: the stream's last line is lost, not the job's end */
    }
    r.TransformJobStatus = status;
    if (reason) r.FailureReason = reason.slice(0, 1024);
    r.TransformEndTime = now();
    // a throw here (ENOSPC) left the job InProgress for good, its run never ended
    saveInBackground(`transform job ${r.TransformJobName}: its final status ${status}`, this.ctx.log, () => this.save());
    this.ctx.log(`transform job ${r.TransformJobName}: ${status}${reason ? ` (${reason})` : ""}`);
  }

  /** every input object, as { uri, file } in path order */
  private async downloadInput(): Promise<{ uri: string; file: string; rel: string }[]> {
    const uri = this.r.TransformInput.DataSource.S3DataSource.S3Uri;
    const dest = path.join(this.dir, "input");
    try {
      await this.ctx.data.download(uri, dest, "TransformInput");
    } catch (e) {
      const bucket = /^s3:\/\/([^/]+)/.exec(uri)?.[1];
      throw new JobFailure(
        `ClientError: No S3 objects found under S3 URL "${uri}" given in input data source. Please ensure that the bucket exists in the selected region, that objects exist under that S3 prefix` +
          (bucket ? `, and that the role "${this.model.ExecutionRoleArn ?? ""}" has "s3:ListBucket" permissions on bucket "${bucket}".` : ` (${errorMessage(e)}).`),
      );
    }
    const out: { uri: string; file: string; rel: string }[] = [];
    const walk = (d: string, rel: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = path.join(d, e.name);
        const rp = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(p, rp);
        else if (e.isFile()) out.push({ file: p, rel: rp, uri: "" });
      }
    };
    walk(dest, "");
    for (const o of out) o.uri = inputUri(uri, o.rel, out.length);
    if (!out.length) throw new JobFailure(`ClientError: No S3 objects found under S3 URL "${uri}" given in input data source.`);
    return out;
  }

  private async unpackModel(): Promise<void> {
    const url = this.model.PrimaryContainer.ModelDataUrl;
    const dest = path.join(this.dir, "opt_ml", "model");
    fs.mkdirSync(dest, { recursive: true });
    if (!url) return;
    try {
      unpack(await this.ctx.data.readObject(url, "ModelDataUrl"), dest);
    } catch (e) {
      throw new JobFailure(`ClientError: Failed to extract model data archive from URL "${url}": ${errorMessage(e)}`);
    }
  }

  /**
   * serve in batch mode: SAGEMAKER_BATCH=true and the parameters the request gave; those it left out are the
   * container's answer to GET /execution-parameters, else AWS's defaults (the product within 100 MB: below)
   */
  private async startContainer(): Promise<Params> {
    const r = this.r;
    const given: Partial<Params> = {
      maxConcurrent: r.MaxConcurrentTransforms || undefined,
      // 0 is a choice, not "unset": no payload limit, the body sent with chunked encoding (AWS's MaxPayloadInMB 0)
      maxPayloadMb: r.MaxPayloadInMB ?? undefined,
      strategy: r.BatchStrategy as Params["strategy"] | undefined,
    };
    await this.launch(given);
    const complete = given.maxConcurrent !== undefined && given.maxPayloadMb !== undefined && given.strategy !== undefined;
    const container = complete ? {} : definedOnly(await this.executionParameters());
    const params: Params = { ...DEFAULTS, ...container, ...definedOnly(given) };
    if (params.maxConcurrent * params.maxPayloadMb > 100) {
      // AWS: "If you specify the MaxConcurrentTransforms parameter, the value of (MaxConcurrentTransforms *
      // MaxPayloadInMB) also cannot exceed 100 MB" — the request gave the concurrency and left the payload to the
      // container or the default (both given is CreateTransformJob's ValidationException): the concurrency asked for
      // was lowered without a word. Only a concurrency that is not the request's own is lowered to fit
      if (given.maxConcurrent !== undefined) {
        const from = container.maxPayloadMb !== undefined ? "the container's GET /execution-parameters" : "AWS's default";
        throw new JobFailure(`ClientError: MaxConcurrentTransforms (${params.maxConcurrent}) * MaxPayloadInMB (${params.maxPayloadMb}, ${from}: the request leaves it out) must not exceed 100 MB.`);
      }
      params.maxConcurrent = Math.max(1, Math.floor(100 / params.maxPayloadMb));
    }
    this.agent = new http.Agent({ keepAlive: true, maxSockets: params.maxConcurrent });
    r.MaxConcurrentTransforms = params.maxConcurrent;
    r.MaxPayloadInMB = params.maxPayloadMb;
    r.BatchStrategy = params.strategy;
    this.save();
    return params;
  }

  private async launch(p: Partial<Params>): Promise<void> {
    const batchEnv: Record<string, string> = { SAGEMAKER_BATCH: "true" };
    if (p.maxPayloadMb !== undefined) batchEnv.SAGEMAKER_MAX_PAYLOAD_IN_MB = String(p.maxPayloadMb);
    if (p.strategy !== undefined) batchEnv.SAGEMAKER_BATCH_STRATEGY = p.strategy === "MultiRecord" ? "MULTI_RECORD" : "SINGLE_RECORD";
    if (p.maxConcurrent !== undefined) batchEnv.SAGEMAKER_MAX_CONCURRENT_TRANSFORMS = String(p.maxConcurrent);
    let started: Awaited<ReturnType<typeof startServeProcess>>;
    try {
      started = await startServeProcess(this.ctx, {
        image: this.model.PrimaryContainer.Image ?? "",
        owner: this.r.TransformJobName,
        optml: path.join(this.dir, "opt_ml"),
        environment: { ...(this.model.PrimaryContainer.Environment ?? {}), ...(this.r.Environment ?? {}), ...batchEnv },
        logFile: path.join(this.dir, "log.txt"),
        stream: this.log!,
        startTimeoutMs: this.startTimeoutMs,
      });
    } catch (e) {
      throw new JobFailure(`${e instanceof ClientError ? "ClientError" : "AlgorithmError"}: ${errorMessage(e)}`);
    }
    const { container, url } = started;
    this.container = container;
    if (this.stopped) container.stop(3000);
    try {
      this.url = await url;
    } catch (e) {
      throw new JobFailure(`AlgorithmError: ${errorMessage(e)}`);
    }
  }

  /** GET /execution-parameters: the container's choice, or nothing when it does not answer one */
  private async executionParameters(): Promise<Partial<Params>> {
    const res = await this.request("GET", "/execution-parameters", undefined, 10_000).catch(() => undefined);
    if (!res || res.status !== 200) return {};
    try {
      const v: unknown = JSON.parse(res.body.toString("utf8"));
      if (typeof v !== "object" || v === null) return {};
      const o = v as Record<string, unknown>;
      const int = (x: unknown, max: number) => (typeof x === "number" && Number.isInteger(x) && x >= 1 && x <= max ? x : undefined);
      return {
        maxConcurrent: int(o.MaxConcurrentTransforms, 1000),
        maxPayloadMb: int(o.MaxPayloadInMB, 100),
        strategy: o.BatchStrategy === "MULTI_RECORD" ? "MultiRecord" : o.BatchStrategy === "SINGLE_RECORD" ? "SingleRecord" : undefined,
      };
    } catch {
      return {};
    }
  }

  /** one input object → its .out object */
  private async transformObject(f: { uri: string; file: string; rel: string }, p: Params): Promise<void> {
    const r = this.r;
    const t0 = Date.now();
    const raw = fs.readFileSync(f.file);
    const split = r.TransformInput.SplitType;
    const inFormat = formatOf(r.TransformInput.ContentType);
    const outFormat: RecordFormat = r.TransformOutput.Accept ? formatOf(r.TransformOutput.Accept) : inFormat;
    const dp = r.DataProcessing ?? {};
    const inputFilter = pathOf(dp.InputFilter);
    const outputFilter = pathOf(dp.OutputFilter);
    const join = dp.JoinSource === "Input";
    const perRecord = join || outputFilter !== undefined;
    // SplitType None: the object is the request's body byte for byte (images, protobuf, npy… — a UTF-8 round trip
    // replaced their invalid sequences with U+FFFD); its one record's text is never read (joins and filters need Line)
    // Line records that are only passed on (no InputFilter, join or OutputFilter) go byte for byte too: latin1 maps each
    // byte to one character and back (a Latin-1 CSV's é became U+FFFD); records that are parsed are UTF-8
    const enc: BufferEncoding = inputFilter || perRecord ? "utf8" : "latin1";
    const records = split === "None" ? (raw.length ? [{ text: "", line: 1 }] : []) : splitRecords(raw.toString(enc), split);
    const bodies = records.map((rec) => {
      try {
        return filterInput(rec.text, inFormat, inputFilter);
      } catch (e) {
        throw this.dataFailure(f.uri, rec.line, `InputFilter ${dp.InputFilter}: ${errorMessage(e)}`);
      }
    });
    const maxBytes = p.maxPayloadMb === 0 ? Infinity : p.maxPayloadMb * 1024 * 1024;
    const batches = split === "None" ? (records.length ? [[0, 1] as [number, number]] : []) : miniBatches(bodies.map((b) => Buffer.byteLength(b, enc)), p.strategy, maxBytes);
    const answers: Buffer[] = new Array(batches.length);
    let next = 0;
    let failed = false; // one request failed the job: the others send nothing more
    const worker = async () => {
      try {
        while (next < batches.length && !this.stopped && !failed) {
          const k = next++;
          const [a, b] = batches[k];
          const body = split === "None" ? raw : Buffer.from(bodies.slice(a, b).join("\n") + "\n", enc);
          if (body.length > maxBytes)
            throw this.dataFailure(f.uri, records[a].line, `the record is larger than MaxPayloadInMB (${p.maxPayloadMb} MB)`);
          answers[k] = await this.invokeBatch(body, f.uri, records.slice(a, b), bodies.slice(a, b), enc);
        }
      } catch (e) {
        failed = true;
        throw e;
      }
    };
    // every request in flight answered before the object is done with: Promise.all gave up at the first failure, and
    // the job went on to the next object while this one's requests still ran (twice MaxConcurrentTransforms at the
    // model server) — and a later failure that ends the job (AlgorithmError) was dropped; it wins over the object's own
    const settled = await Promise.allSettled(Array.from({ length: Math.min(p.maxConcurrent, batches.length) }, worker));
    const errors = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (errors.length) throw errors.find((e) => !(e instanceof JobFailure && e.ofObject)) ?? errors[0];
    if (this.stopped) return;
    // the answers' bytes as the model gave them; only answers split into records (joins, OutputFilter) are text
    const out: Buffer[] = [];
    const newline = Buffer.from("\n");
    batches.forEach(([a, b], k) => {
      if (!perRecord) {
        out.push(answers[k]);
        if (r.TransformOutput.AssembleWith === "Line" && answers[k][answers[k].length - 1] !== 0x0a) out.push(newline);
        return;
      }
      let outs: string[];
      try {
        outs = splitAnswer(answers[k].toString("utf8"), r.TransformOutput.Accept, b - a);
      } catch (e) {
        throw this.dataFailure(f.uri, records[a].line, errorMessage(e));
      }
      outs.forEach((o, j) => {
        try {
          out.push(Buffer.from(outputRecord(records[a + j].text, inFormat, o, outFormat, join, outputFilter)));
        } catch (e) {
          throw this.dataFailure(f.uri, records[a + j].line, `${outputFilter ? `OutputFilter ${dp.OutputFilter}` : "JoinSource Input"}: ${errorMessage(e)}`);
        }
        if (r.TransformOutput.AssembleWith === "Line") out.push(newline);
      });
    });
    const target = joinUri(r.TransformOutput.S3OutputPath, `${f.rel}.out`);
    await this.ctx.data.writeObject(target, Buffer.concat(out));
    this.written.push(target);
    this.dataLog!.line(`${stamp()}:[sagemaker logs]: ${f.uri}: ${records.length} record(s) in ${batches.length} request(s), ${Date.now() - t0} ms → ${target}`);
  }

  /** a mini-batch's answer; a refused one is sent again record by record to name the record the model refuses */
  private async invokeBatch(body: Buffer, uri: string, records: { line: number }[], bodies: string[], enc: BufferEncoding): Promise<Buffer> {
    const res = await this.invoke(body, uri, records[0].line);
    if (res.status === 200) return res.body;
    if (records.length > 1) {
      for (let j = 0; j < records.length; j++) {
        const one = await this.invoke(Buffer.from(bodies[j] + "\n", enc), uri, records[j].line);
        if (one.status !== 200) throw this.refused(uri, records[j].line, one);
      }
    }
    throw this.refused(uri, records[0].line, res);
  }

  private refused(uri: string, line: number, res: { status: number; body: Buffer }): JobFailure {
    return this.dataFailure(uri, line, `the model server answered ${res.status}: ${answerMessage(res.body)}`);
  }

  private dataFailure(uri: string, line: number, why: string): JobFailure {
    const msg = `ClientError: ${uri}: line ${line}: ${why}`;
    this.dataLog?.line(`${stamp()}:[sagemaker logs]: ${msg}`);
    return new JobFailure(msg, true);
  }

  /** POST /invocations; a 5xx or no answer is retried InvocationsMaxRetries times; 4xx answers come back */
  private async invoke(body: Buffer, uri: string, line: number): Promise<{ status: number; body: Buffer }> {
    const r = this.r;
    const retries = r.ModelClientConfig?.InvocationsMaxRetries ?? 3;
    const timeoutMs = (r.ModelClientConfig?.InvocationsTimeoutInSeconds ?? 600) * 1000;
    let last = "";
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (this.stopped) return { status: 499, body: Buffer.from("stopped") };
      try {
        const res = await this.request("POST", "/invocations", body, timeoutMs);
        if (res.status < 500) return res;
        last = `${res.status}: ${answerMessage(res.body)}`;
      } catch (e) {
        last = errorMessage(e);
      }
    }
    if (this.stopped) return { status: 499, body: Buffer.from("stopped") };
    this.dataLog?.line(`${stamp()}:[sagemaker logs]: ${uri}: line ${line}: AlgorithmError: ${last}`);
    throw new JobFailure(`AlgorithmError: ${uri}: line ${line}: the model server failed after ${retries + 1} attempt(s): ${last}`);
  }

  private request(method: string, route: string, body: Buffer | undefined, timeoutMs: number): Promise<{ status: number; body: Buffer }> {
    const url = new URL(route, this.url);
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers["content-type"] = this.r.TransformInput.ContentType ?? "application/octet-stream";
      // MaxPayloadInMB 0: "the payload might be arbitrarily large and is transmitted using HTTP chunked encoding"
      if (this.r.MaxPayloadInMB === 0) headers["transfer-encoding"] = "chunked";
      else headers["content-length"] = String(body.length);
      if (this.r.TransformOutput.Accept) headers.accept = this.r.TransformOutput.Accept;
    }
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s (InvocationsTimeoutInSeconds)`)));
      req.on("error", reject);
      req.end(body);
    });
  }
}

/** an object's URI: the input URI itself when it names the one object (its last segment is the file), else the prefix joined with its path */
function inputUri(prefix: string, rel: string, count: number): string {
  const base = prefix.replace(/\/+$/, "");
  const last = base.split("/").pop();
  // a file:// URI's last segment is percent-encoded ("rows%231.csv" for the object "rows#1.csv")
  if (count === 1 && (last === rel || (base.startsWith("file:") && last === encodeURIComponent(rel)))) return base;
  return joinUri(prefix, rel);
}

function pathOf(p: string | undefined): JsonPath | undefined {
  return p === undefined || p === "$" ? undefined : parseJsonPath(p);
}

function definedOnly<T extends object>(o: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** a model server's error answer, shortened: {"error": "…"} → the message */
function answerMessage(bytes: Buffer): string {
  const body = bytes.toString("utf8");
  try {
    const v: unknown = JSON.parse(body);
    if (v && typeof v === "object" && typeof (v as { error?: unknown }).error === "string") return (v as { error: string }).error;
  } catch {
    /* not JSON */
  }
  return body.trim().slice(0, 500);
}

function stamp(): string {
  return new Date().toISOString().replace("Z", "");
}
