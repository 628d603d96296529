/**
 * session(): where SageMaker calls go. "local" (default): an in-process local SageMaker on 127.0.0.1 (sagemaker-local/),
 * "aws": AWS (credentials from the SDK's default provider chain). Every call goes through the AWS SDK clients in both modes.
 */
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath, pathToFileURL } from "url";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { S3Client } from "@aws-sdk/client-s3";
import { repoRoot } from "../repo";
import { filesUnder } from "../data/sources";
import { startLocalSageMaker, type LocalSageMaker, type LocalServerOptions } from "./local";

export type Mode = "local" | "aws";

export interface SessionOptions {
  mode?: Mode; // env SAGEMAKER_MODE, default "local"
  /** env AWS_REGION / AWS_DEFAULT_REGION; aws mode then the AWS config file's profile (`aws configure`), as the AWS SDK
   * and boto3 find it (a session without one is an Error at its first call); local mode default us-east-1 */
  region?: string;
  roleArn?: string; // env SAGEMAKER_ROLE_ARN (required in aws mode)
  bucket?: string; // env SAGEMAKER_BUCKET (required in aws mode for uploads and outputs)
  imageUri?: string; // env SAGEMAKER_IMAGE_URI (the trainer image in ECR; any name locally)
  prefix?: string; // S3 key prefix, default "ensemble-workbook"
  /**
   * custom endpoints (aws mode against compatible servers). Without them the SDK's own configuration applies: the
   * standard variables AWS_ENDPOINT_URL_SAGEMAKER, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS,
   * AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL for all), or endpoint_url in the shared config file.
   */
  endpoints?: { sagemaker?: string; runtime?: string; logs?: string; s3?: string };
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** local mode: state folder (env SAGEMAKER_LOCAL_STATE_DIR, default <project>/.sagemaker-local, shared by notebooks, scripts and `npm start`) */
  stateDir?: string;
  local?: LocalServerOptions;
  /** where progress and log lines go (default console.log); null = silent */
  log?: ((line: string) => void) | null;
  /** polling interval for jobs (ms): default 500 locally, 15000 on AWS */
  pollMs?: number;
}

/** the SDK clients a session calls: SageMaker, SageMaker Runtime, CloudWatch Logs */
export interface Clients {
  sm: SageMakerClient;
  rt: SageMakerRuntimeClient;
  logs: CloudWatchLogsClient;
}

/** the local SageMaker of each state folder in this process, the options it was started with, the sessions using it */
const localServers = new Map<string, { server: Promise<LocalSageMaker>; options: LocalServerOptions; refs: number }>();

/** The options that differ: values compared by content — objects whatever their keys' order, functions by their
 * source (a notebook cell re-run makes a new `trainerCommand: () => …` of the same text, which is the same option) */
function differingOptions(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const canonical = (v: unknown): unknown =>
    typeof v === "function" ? `function ${v.toString()}`
    : Array.isArray(v) ? v.map(canonical)
    : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
    : v;
  const same = (x: unknown, y: unknown) => x === y || JSON.stringify(canonical(x)) === JSON.stringify(canonical(y));
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k]));
}

export class Session {
  readonly mode: Mode;
  /** the region calls go to; aws mode without the option or env: undefined until the first call resolved it from the
   * AWS config file's profile */
  region: string | undefined;
  readonly roleArn: string;
  readonly bucket?: string;
  readonly imageUri: string;
  readonly prefix: string;
  readonly pollMs: number;
  readonly stateDir: string;
  private opts: SessionOptions;
  private ready?: Promise<Clients>;
  private s3client?: S3Client;
  private closed = false;
  /** endpoints deployModel made through this session and no Predictor.delete has deleted: named when it closes */
  readonly endpointsMade = new Set<string>();

  constructor(opts: SessionOptions = {}) {
    this.opts = opts;
    const env = process.env;
    const mode = (opts.mode ?? (env.SAGEMAKER_MODE as Mode | undefined) ?? "local") as Mode;
    if (mode !== "local" && mode !== "aws") throw new Error(`session: mode "${mode}" is not "local" or "aws"`);
    this.mode = mode;
    // aws mode leaves a region not given here to the SDK's chain (the config file's profile, which `aws configure`
    // writes), as boto3 does for the Python SDK: us-east-1 in its place sent a user whose profile says eu-west-1 to
    // another region than their bucket, role and image
    this.region = opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (mode === "local" ? "us-east-1" : undefined);
    this.prefix = opts.prefix ?? "ensemble-workbook";
    this.stateDir = path.resolve(opts.stateDir ?? env.SAGEMAKER_LOCAL_STATE_DIR ?? path.join(repoRoot(), ".sagemaker-local"));
    // an option of the other mode is an Error, not ignored (local mode answered on its own port whatever endpoints
    // said, and aws mode never read stateDir)
    const otherMode = (mode === "local" ? ["endpoints", "credentials"] : ["local", "stateDir"]).filter((k) => opts[k as keyof SessionOptions] !== undefined);
    if (otherMode.length) throw new Error(`session: ${otherMode.join(" and ")} ${otherMode.length > 1 ? "are options" : "is an option"} of ${mode === "local" ? "aws" : "local"} mode, and this session's mode is ${mode}`);
    if (mode === "aws") {
      const role = opts.roleArn ?? env.SAGEMAKER_ROLE_ARN;
      if (!role) throw new Error("session: aws mode needs a role ARN (option roleArn or env SAGEMAKER_ROLE_ARN)");
      this.roleArn = role;
      this.bucket = opts.bucket ?? env.SAGEMAKER_BUCKET;
      const image = opts.imageUri ?? env.SAGEMAKER_IMAGE_URI;
      if (!image) throw new Error("session: aws mode needs the trainer image URI (option imageUri or env SAGEMAKER_IMAGE_URI)");
      this.imageUri = image;
      this.pollMs = opts.pollMs ?? 15000;
    } else {
      this.roleArn = opts.roleArn ?? env.SAGEMAKER_ROLE_ARN ?? "arn:aws:iam::000000000000:role/SageMakerLocalRole";
      this.bucket = opts.bucket ?? env.SAGEMAKER_BUCKET;
      this.imageUri = opts.imageUri ?? env.SAGEMAKER_IMAGE_URI ?? "ensemble-workbook-trainer:local";
      this.pollMs = opts.pollMs ?? 500;
    }
  }

  log(line: string): void {
    if (this.opts.log === null) return;
    (this.opts.log ?? console.log)(line);
  }

  /** the SDK clients (local mode: starts the local SageMaker first, which answers all three) */
  clients(): Promise<Clients> {
    if (this.closed) return Promise.reject(new Error("session is closed"));
    // a session on a folder whose server runs shares it: options of its own are an Error, not ignored (a session
    // with local: { backend: "docker" } after an unclosed one ran its jobs as processes); not kept, so that once
    // those sessions are closed this one's next call starts its own
    const running = this.mode === "local" && !this.ready ? localServers.get(this.stateDir) : undefined;
    const differ = running ? differingOptions(running.options as Record<string, unknown>, this.localOptions() as Record<string, unknown>) : [];
    if (differ.length) {
      return Promise.reject(
        new Error(`session: the local SageMaker of ${this.stateDir} already runs in this process with other options (${differ.join(", ")}): close the sessions using it (session.close()) or restart the kernel, or give this session another stateDir`),
      );
    }
    this.ready ??= (async () => {
      if (this.mode === "local") {
        const options = this.localOptions();
        let entry = localServers.get(this.stateDir);
        if (!entry) {
          entry = { server: startLocalSageMaker(options), options, refs: 0 };
          localServers.set(this.stateDir, entry);
        }
        entry.refs++;
        let srv: LocalSageMaker;
        try {
          srv = await entry.server;
        } catch (e) {
          // a start that failed (a port in use, a bad option) is forgotten: it stayed in the map and this session's
          // promise, and every later session on the folder — with the option fixed — got the same error until the
          // kernel restarted; the next call starts the server again
          entry.refs--;
          if (localServers.get(this.stateDir) === entry) localServers.delete(this.stateDir);
          this.ready = undefined;
          throw e;
        }
        const credentials = { accessKeyId: "local", secretAccessKey: "local" };
        const local = { endpoint: srv.url, region: this.region, credentials };
        return { sm: new SageMakerClient(local), rt: new SageMakerRuntimeClient(local), logs: new CloudWatchLogsClient(local) };
      }
      const e = this.opts.endpoints ?? {};
      if (this.region === undefined) {
        const resolver = new SageMakerClient({});
        const found = await resolver.config.region().catch(() => undefined);
        resolver.destroy();
        if (!found) throw new Error("session: aws mode needs a region (option region, env AWS_REGION, or region in the AWS config file's profile: aws configure)");
        this.region = found;
      }
      const common = { region: this.region, ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}) };
      const at = (endpoint: string | undefined) => ({ ...common, ...(endpoint ? { endpoint } : {}) });
      // waiting for a job polls Describe… and GetLogEvents for as long as it runs: a throttled call of those clients is
      // retried up to 15 times (the SDK's default is 3, which ended a fit() on the third ThrottlingException while its
      // job ran on). The Python SDK gives its log-polling client 15 ("we don't want waiting for a training job to be
      // interrupted by a transient exception"); the runtime keeps the default: an endpoint at its MaxConcurrency
      // throttles invocations, and predict() should say so, not wait a minute and a half
      const polling = { maxAttempts: 15 };
      return { sm: new SageMakerClient({ ...at(e.sagemaker), ...polling }), rt: new SageMakerRuntimeClient(at(e.runtime)), logs: new CloudWatchLogsClient({ ...at(e.logs), ...polling }) };
    })();
    return this.ready;
  }

  /** the options local mode starts its local SageMaker with */
  private localOptions(): LocalServerOptions {
    return { stateDir: this.stateDir, region: this.region, ...(this.opts.local ?? {}) };
  }

  /** the S3 client (aws mode uploads; loaded on first use) */
  s3(): S3Client {
    if (!this.s3client) {
      const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
      const endpoint = this.opts.endpoints?.s3;
      // an S3-compatible server (s3rver, MinIO), named here or by the SDK's standard variables: path-style
      // addressing, and no newer default checksum trailers (not every such server speaks them)
      const compatible = endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
      this.s3client = new S3Client({
        // undefined before clients() resolved it: the S3 client finds it along the same chain
        ...(this.region ? { region: this.region } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...(compatible ? { forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" } : {}),
        ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
      });
    }
    return this.s3client;
  }

  /** where training jobs write model.tar.gz */
  defaultOutputPath(): string {
    if (this.mode === "aws") {
      if (!this.bucket) throw new Error("session: aws mode needs a bucket (option bucket or env SAGEMAKER_BUCKET) for outputs");
      return `s3://${this.bucket}/${this.prefix}/output`;
    }
    return this.bucket ? `s3://${this.bucket}/${this.prefix}/output` : fileUri(path.join(this.stateDir, "output"));
  }

  /**
   * A channel's URI: s3:// and file:// URIs pass through; a local file or folder becomes a file:// URI locally, or
   * in aws mode is uploaded under a prefix of its own, s3://<bucket>/<prefix>/data/<channel>-<time>-<id>/: a file's
   * URI is its object's key, a folder's the prefix with its "/" (as the Python SDK's upload_data). One key for every
   * upload let a job read the files of earlier uploads under it (a fit on b.csv trained on a.csv and b.csv), and the
   * prefix …/data/train took …/data/train_extra/ too.
   */
  async dataUri(channel: string, value: string): Promise<string> {
    if (value.startsWith("s3://")) return value;
    const isUri = value.startsWith("file://");
    if (isUri && this.mode === "aws") return value;
    let abs: string | undefined;
    try {
      abs = isUri ? fileURLToPath(value) : path.resolve(value);
    } catch {
      return value; // not a file URI this machine can name: the server's validation says why
    }
    if (!isUri && !fs.existsSync(abs)) throw new Error(`channel ${channel}: ${value} does not exist`);
    if (this.mode === "local") {
      // the local SageMaker reads file:// paths only inside folders it was allowed: a path this program's user
      // passed is one (a request from anyone else is not; see sagemaker-local's file roots)
      await this.clients();
      const srv = await localServers.get(this.stateDir)?.server;
      if (fs.existsSync(abs)) srv?.fileRoots.add(fs.statSync(abs).isDirectory() ? abs : path.dirname(abs));
      return isUri ? value : fileUri(abs);
    }
    if (!this.bucket) throw new Error("session: aws mode needs a bucket (option bucket or env SAGEMAKER_BUCKET) to upload data");
    const key = `${this.prefix}/data/${uniqueName(channel)}`;
    const uri = await this.upload(abs, key);
    return fs.statSync(abs).isFile() ? `${uri}${path.basename(abs)}` : uri;
  }

  /** uploads a file or a folder (recursively; every file, dot files too, as S3 and the Python SDK's upload_data
   * take them) to s3://bucket/<keyPrefix>/; resolves to that prefix, "/" included */
  async upload(localPath: string, keyPrefix: string): Promise<string> {
    const files: [string, string][] = [];
    const st = fs.statSync(localPath);
    if (st.isFile()) files.push([localPath, `${keyPrefix}/${path.basename(localPath)}`]);
    else for (const rel of filesUnder(localPath, { hidden: true })) files.push([path.join(localPath, rel), `${keyPrefix}/${rel}`]);
    for (const [file, key] of files) await this.putFile(file, key);
    this.log(`uploaded ${files.length} file(s) to s3://${this.bucket}/${keyPrefix}/`);
    return `s3://${this.bucket}/${keyPrefix}/`;
  }

  /**
   * Part size of an upload in parts (S3's minimum is 5 MiB). A file up to this size is one PutObject; a larger one a
   * multipart upload read part by part, as the Python SDK's upload_data (boto3's transfer) does: one PutObject read the
   * whole file into memory, and a file over 2 GiB — which local mode trains on as it is — failed before any call
   * (ERR_FS_FILE_TOO_LARGE), as would one over S3's 5 GB for a single PUT.
   */
  static uploadPartBytes = 64 * 1024 * 1024;

  private async putFile(file: string, key: string): Promise<void> {
    const s3 = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    const size = fs.statSync(file).size;
    // at most 10,000 parts
    const partBytes = Math.max(Session.uploadPartBytes, Math.ceil(size / 10_000));
    const Bucket = this.bucket;
    if (size <= partBytes) {
      await this.s3().send(new s3.PutObjectCommand({ Bucket, Key: key, Body: fs.readFileSync(file) }));
      return;
    }
    const { UploadId } = await this.s3().send(new s3.CreateMultipartUploadCommand({ Bucket, Key: key }));
    const fd = fs.openSync(file, "r");
    try {
      const buf = Buffer.allocUnsafe(partBytes);
      const parts: { PartNumber: number; ETag?: string }[] = [];
      for (let at = 0; at < size; at += partBytes) {
        const len = Math.min(partBytes, size - at);
        for (let got = 0; got < len; ) {
          const n = fs.readSync(fd, buf, got, len - got, at + got);
          if (n === 0) throw new Error(`upload: ${file} is shorter than its ${size} bytes (changed while uploading)`);
          got += n;
        }
        const PartNumber = parts.length + 1;
        const r = await this.s3().send(new s3.UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber, Body: buf.subarray(0, len) }));
        parts.push({ PartNumber, ETag: r.ETag });
      }
      await this.s3().send(new s3.CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      // the parts uploaded so far are stored (and billed) until the upload is aborted
      await this.s3().send(new s3.AbortMultipartUploadCommand({ Bucket, Key: key, UploadId })).catch(() => undefined);
      throw e;
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * An object's bytes: a file:// URI from disk; an s3:// one with the session's S3 client in aws mode, and in local
   * mode where the local SageMaker keeps it (its S3 endpoint, or its state folder's local S3 folder).
   */
  async readObject(uri: string): Promise<Buffer> {
    if (uri.startsWith("file://")) return fs.readFileSync(decodeURIComponent(new URL(uri).pathname));
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!m) throw new Error(`readObject: ${uri} is not an s3:// or file:// URI`);
    const local = await this.localServer();
    if (local) return local.readObject(uri);
    const { GetObjectCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    const obj = await this.s3().send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
    if (!obj.Body) throw new Error(`readObject: ${uri} has no body`);
    return Buffer.from(await obj.Body.transformToByteArray());
  }

  /**
   * The objects under an s3:// prefix (or a file:// path), as SageMaker's S3Prefix takes them: each one's URI and its
   * path after the prefix (a batch transform writes `<S3OutputPath>/<that path>.out`), sorted by that path.
   */
  async objects(uri: string): Promise<{ uri: string; rel: string }[]> {
    const local = await this.localServer();
    if (local) {
      return (await local.objects(uri)).map((o) => ({ uri: o.key ?? fileUri(o.file!), rel: o.rel })).sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
    }
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
    if (!m) throw new Error(`objects: ${uri} is not an s3:// URI (file:// URIs are local mode's)`);
    const { ListObjectsV2Command } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    const out: { uri: string; rel: string }[] = [];
    let token: string | undefined;
    do {
      const r = await this.s3().send(new ListObjectsV2Command({ Bucket: m[1], Prefix: m[2], ContinuationToken: token }));
      for (const o of r.Contents ?? []) {
        if (!o.Key || o.Key.endsWith("/")) continue;
        const rel = o.Key.slice(m[2].length).replace(/^\/+/, "") || path.posix.basename(o.Key);
        if (rel.split("/").includes("..")) continue; // as the local SageMaker lists them: no path out of the prefix
        out.push({ uri: `s3://${m[1]}/${o.Key}`, rel });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  }

  /** local mode: the in-process local SageMaker (its url, state dir, endpoints' scale-to-zero, …); undefined in aws mode */
  async localServer(): Promise<LocalSageMaker | undefined> {
    if (this.mode !== "local") return undefined;
    await this.clients();
    return localServers.get(this.stateDir)?.server;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // a deploy cell run twice made a second endpoint, and only the last one was deleted: say which are still there
    if (this.endpointsMade.size) {
      const names = [...this.endpointsMade];
      this.log(`session: endpoint${names.length > 1 ? "s" : ""} ${names.join(", ")} made by this session ${names.length > 1 ? "are" : "is"} not deleted (\`new Predictor(session, name).delete()\` deletes one with its config and model)`);
    }
    const ready = this.ready;
    if (!ready) return;
    const c = await ready.catch(() => undefined);
    c?.sm.destroy();
    c?.rt.destroy();
    c?.logs.destroy();
    this.s3client?.destroy();
    if (this.mode === "local") {
      const entry = localServers.get(this.stateDir);
      if (entry && --entry.refs <= 0) {
        localServers.delete(this.stateDir);
        await (await entry.server).close();
      }
    }
  }
}

/**
 * A local path as a file:// URI, its characters encoded (pathToFileURL): `file://${path}` made a folder "data#2" the
 * URI of "data" ("#" begins a fragment: the job trained on another folder's files) and "100%" an invalid URI
 */
export function fileUri(p: string): string {
  return pathToFileURL(p).href;
}

export function session(opts: SessionOptions = {}): Session {
  return new Session(opts);
}

/**
 * A name the user gave a job, model or endpoint, checked as SageMaker's API checks it (1 to maxLen letters, digits
 * and hyphens, a letter or digit at each end: 63, a tuning job's 32) — before any upload: such a name was refused
 * only by the Create call, after the data had gone up (a file of gigabytes in aws mode)
 */
export function checkName(what: string, name: string, maxLen = 63): string {
  if (name.length > maxLen || !/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/.test(name)) {
    throw new Error(`${what} ${JSON.stringify(name)}: SageMaker takes 1 to ${maxLen} letters, digits and hyphens, with a letter or digit at each end`);
  }
  return name;
}

/** a pause between polls of a job or an endpoint */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let counter = 0;
/** unique resource names within AWS's rules: <base>-<yyyymmdd-hhmmss>-<n><rand> (≤ maxLen) */
export function uniqueName(base: string, maxLen = 63): string {
  const t = new Date().toISOString().replace(/[-:T]/g, "").slice(2, 14);
  const suffix = `-${t}-${(counter++ % 1296).toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const b = base.replace(/[^a-zA-Z0-9-]/g, "-").replace(/^-+/, "") || "job";
  return (b.slice(0, maxLen - suffix.length) + suffix).replace(/--+/g, "-");
}
