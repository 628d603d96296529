/**
 * The state folder (one JSON file per resource, ./records `StoredRecords`) and data URIs: file:// (absolute,
 * no .., inside ./file-roots) and s3:// (an S3 endpoint through @aws-sdk/client-s3, loaded on first use, or
 * without one a folder in the state dir).
 *
 * Crash safety: every file this server writes for others to read — a record, model.tar.gz, output.tar.gz — is
 * written atomically: a temporary file in the same folder (named .<name>.<pid>.<n>.tmp, which no reader
 * takes for data), fsync, rename over the target, fsync of the folder. A kill -9 at any moment leaves either
 * the old file or the new one, never half of one; ./recovery removes the temporary files a crash left.
 */
import * as fs from "fs";
import * as path from "path";
import type { S3Client } from "@aws-sdk/client-s3";
import { validation } from "./errors";
import type { StoredRecords } from "./records";
import { crashPoint } from "./crash-points";
import { FileRoots } from "./file-roots";

let tmpSeq = 0;
/** the temporary files of writeFileAtomic: hidden, and ending in .tmp */
export const TMP_FILE = /^\..+\.\d+\.\d+\.tmp$/;

/**
 * write temp, fsync, rename, fsync the folder: `file` is the old content or the new, whatever happens
 * (`crash` names the crash point between the write and the rename, for the kill -9 campaign)
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, crash?: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${tmpSeq++}.tmp`);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.rmSync(tmp, { force: true }); // a write that failed (ENOSPC) would hold its space until the next recovery
    throw e;
  } finally {
    fs.closeSync(fd);
  }
  if (crash) crashPoint(crash);
  fs.renameSync(tmp, file);
  fsyncDir(dir);
}

/** makes a rename in `dir` durable (a no-op where folders cannot be opened, e.g. Windows) */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    /* not supported here */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export type RecordKind = keyof StoredRecords;

/** the field of each kind's record that holds its name — the file's name (`<name>.json`) as save() writes it */
const NAME_FIELDS: Record<RecordKind, string> = {
  "training-jobs": "TrainingJobName",
  "tuning-jobs": "HyperParameterTuningJobName",
  models: "ModelName",
  "endpoint-configs": "EndpointConfigName",
  endpoints: "EndpointName",
  "transform-jobs": "TransformJobName",
};
/** every kind of record: a folder of <name>.json under the state folder */
export const RECORD_KINDS = Object.keys(NAME_FIELDS) as RecordKind[];

/**
 * A record's save where no caller waits for it — a job's or an endpoint's end, in a promise's handler: a failure (the
 * disk full) is logged, not thrown; a throw there was an unhandled rejection that ended the server. The record in
 * memory is right all the same; on disk it stays as it was (a restarted server fails what was still in progress).
 */
export function saveInBackground(what: string, log: (msg: string) => void, save: () => void): void {
  try {
    save();
  } catch (e) {
    log(`${what} could not be saved (${e instanceof Error ? e.message : String(e)})`);
  }
}

export class Store {
  /** what loadAll could not read (files moved aside as <name>.json.corrupt), for the server's log */
  readonly problems: string[] = [];
  constructor(public root: string) {
    fs.mkdirSync(root, { recursive: true });
  }
  dir(kind: RecordKind, name?: string): string {
    return name === undefined ? path.join(this.root, kind) : path.join(this.root, kind, name);
  }
  file(kind: RecordKind, name: string): string {
    return path.join(this.root, kind, `${name}.json`);
  }
  save<K extends RecordKind>(kind: K, name: string, rec: StoredRecords[K]): void {
    writeFileAtomic(this.file(kind, name), JSON.stringify(rec, null, 1), "record-rename");
  }
  /** a record of this name (in any case) on disk — written by this server, or by another one sharing the folder */
  has(kind: RecordKind, name: string): boolean {
    const file = `${name.toLowerCase()}.json`;
    try {
      return fs.readdirSync(this.dir(kind)).some((f) => f.toLowerCase() === file);
    } catch {
      return false; // no folder yet: no record
    }
  }
  remove(kind: RecordKind, name: string): void {
    fs.rmSync(this.file(kind, name), { force: true });
  }
  /** every stored record of a kind: the files this server (or an earlier one) wrote with save() */
  loadAll<K extends RecordKind>(kind: K): StoredRecords[K][] {
    const d = this.dir(kind);
    if (!fs.existsSync(d)) return [];
    const out: StoredRecords[K][] = [];
    for (const f of fs.readdirSync(d)) {
      if (!f.endsWith(".json")) continue;
      const file = path.join(d, f);
      try {
        const rec: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
        // valid JSON that is not this kind's record (null, {}, another kind's, another name's: a copy, an edit) crashed
        // the server's start or every List… of its kind; the name is what save() always writes
        const field = NAME_FIELDS[kind];
        if (typeof rec !== "object" || rec === null || (rec as Record<string, unknown>)[field] !== f.slice(0, -".json".length))
          throw new Error(`not a record of ${kind}: it has no ${field} ${JSON.stringify(f.slice(0, -".json".length))}`);
        out.push(rec as StoredRecords[K]); // as save() wrote it
      } catch (e) {
        // save() never leaves half a file, so this one was damaged by something else: keep it, aside
        // never over an earlier one of the same name (a record damaged again after its name was reused)
        let aside = `${file}.corrupt`;
        for (let n = 1; fs.existsSync(aside); n++) aside = `${file}.corrupt.${n}`;
        fs.renameSync(file, aside);
        this.problems.push(`${file} could not be read (${e instanceof Error ? e.message : String(e)}); moved to ${aside}`);
      }
    }
    return out;
  }
}

export interface S3Options {
  endpoint: string;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** A file:// URI → absolute path, or ValidationException. */
export function filePath(uri: string, what: string): string {
  let p: string;
  try {
    const u = new URL(uri);
    if (u.protocol !== "file:" || (u.host && u.host !== "localhost")) throw new Error();
    p = decodeURIComponent(u.pathname);
  } catch {
    throw validation(`${what}: invalid file URI ${uri}`);
  }
  const raw = uri.replace(/^file:\/\/(localhost)?/, "");
  if (!raw.startsWith("/") || raw.split("/").some((s) => s === ".." || decodeURIComponent(s) === ".."))
    throw validation(`${what}: a file:// URI must be an absolute path without '..' segments: ${uri}`);
  return p;
}

export function parseS3(uri: string, what: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!m) throw validation(`${what}: invalid S3 URI ${uri}`);
  const key = m[2] ?? "";
  if (key.split("/").includes("..")) throw validation(`${what}: S3 key must not contain '..' segments: ${uri}`);
  return { bucket: m[1], key };
}

export function checkUri(uri: unknown, what: string): void {
  if (typeof uri !== "string") throw validation(`${what}: missing URI`);
  // a NUL byte is in no S3 key and no file name: refused here, not when the job uploads its model after training
  if (uri.includes("\0")) throw validation(`${what}: the URI holds a NUL byte: ${JSON.stringify(uri)}`);
  if (uri.startsWith("file:")) filePath(uri, what);
  else if (uri.startsWith("s3://")) parseS3(uri, what);
  else throw validation(`${what}: URI must start with s3:// (or file:// locally): ${uri}`);
}

type S3Sdk = typeof import("@aws-sdk/client-s3");
/** @aws-sdk/client-s3, loaded when an S3 endpoint is first used (file:// and local-folder users never load it) */
const s3sdk = (): S3Sdk => require("@aws-sdk/client-s3") as S3Sdk;

/** an object under a prefix: its path after the prefix, and where it is (a file, or an s3:// URI) */
export interface StoredObject {
  rel: string;
  file?: string;
  key?: string;
}

export class DataAccess {
  private client?: S3Client;
  constructor(private store: Store, private s3: S3Options | undefined, readonly roots: FileRoots) {}

  /** a file:// URI's path, inside the allowed folders (ValidationException otherwise) */
  private local(uri: string, what: string): string {
    const p = filePath(uri, what);
    this.roots.check(p, uri, what);
    return p;
  }
  /** recovery: the temporary files an interrupted writeObject left in the folder `uri` (file:// or the local S3 folder) */
  removeTemporaries(uri: string): void {
    let dir: string;
    try {
      dir = uri.startsWith("file:") ? filePath(uri, "output") : this.s3 ? "" : this.localS3(parseS3(uri, "output").bucket, parseS3(uri, "output").key);
    } catch {
      return;
    }
    if (!dir || !fs.existsSync(dir)) return;
    for (const f of fs.readdirSync(dir)) if (TMP_FILE.test(f)) fs.rmSync(path.join(dir, f), { force: true });
  }
  /** for validation when a request is accepted: a file:// URI must name a path inside the allowed folders */
  checkAllowed(uri: string, what: string): void {
    if (uri.startsWith("file:")) this.local(uri, what);
  }

  /**
   * An output prefix the job can write under, checked when the job is created: on disk (a file:// path, or the local
   * S3 folder, where an object is a file) no part of it may be an existing file — S3 would keep the key and the prefix
   * side by side, but here the job trained to its end and then failed with ENOTDIR. With an S3 endpoint: anything.
   */
  checkOutputPrefix(uri: string, what: string): void {
    let dir: string;
    if (uri.startsWith("file:")) dir = this.local(uri, what);
    else {
      if (this.s3) return;
      const { bucket, key } = parseS3(uri, what);
      dir = this.localS3(bucket, key);
    }
    for (let p = dir; ; p = path.dirname(p)) {
      if (fs.existsSync(p) && !fs.statSync(p).isDirectory()) {
        throw validation(`${what}: ${uri} is under ${p === dir ? "" : "the prefix of "}an existing object (${p}): outputs are written as files in a folder here, so a key cannot also be a prefix — choose another path`);
      }
      if (p === path.dirname(p) || p === this.store.root) break;
    }
  }

  private s3client(): S3Client | undefined {
    if (!this.s3) return undefined;
    if (!this.client) {
      const { S3Client } = s3sdk();
      this.client = new S3Client({
        endpoint: this.s3.endpoint,
        region: this.s3.region ?? "us-east-1",
        forcePathStyle: this.s3.forcePathStyle ?? true,
        credentials: this.s3.credentials ?? { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
    }
    return this.client;
  }
  private localS3(bucket: string, key: string): string {
    return path.join(this.store.root, "s3", bucket, ...key.split("/").filter(Boolean));
  }

  /**
   * The objects under a file:// path or an s3:// prefix, each with its path after the prefix — S3 prefix semantics,
   * as SageMaker's S3Prefix: every object whose key begins with the prefix (s3://b/data/ro takes data/rows.csv and
   * data/ro/x.csv), the part after the prefix keeping its folders — from the start of the name the prefix ends in
   * when it ends inside one: data/rows.csv is rows.csv, as AWS names it (aws/sagemaker-python-sdk#3612: "in remote
   * jobs, [the files] matched [are named] using their full basename"; it was ws.csv, as the Python SDK's local mode
   * names it), data/ro/x.csv is x.csv; a whole name when the prefix names one object.
   * A folder's files are listed as S3 lists a prefix's objects: dot files included (.hidden.csv is an object like any
   * other; the trainer's table reader skips it, as it would in SageMaker); only writeFileAtomic's temporaries are
   * left out. A batch transform writes each one's output to `<S3OutputPath>/<rel>.out`.
   */
  async objects(uri: string, what: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    // a symbolic link is followed where its target is inside the allowed folders (an Error naming it otherwise, and
    // for a link to nothing), as `aws s3 cp --recursive` follows them: links were skipped without a word — a channel
    // holding a.csv and a link b.csv trained on a.csv alone. A folder is not walked again inside itself (a link to an
    // ancestor), but two links to one folder are two prefixes, as they would be in S3
    const walk = (dir: string, rel: string, ancestors: ReadonlySet<string> = new Set()) => {
      const real = fs.realpathSync(dir);
      if (ancestors.has(real)) return;
      const inside = new Set(ancestors).add(real);
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (TMP_FILE.test(e.name)) continue;
        const p = path.join(dir, e.name);
        let folder = e.isDirectory(), file = e.isFile();
        if (e.isSymbolicLink()) {
          const target = fs.statSync(p, { throwIfNoEntry: false });
          if (!target) throw validation(`${what}: ${p} is a symbolic link to ${fs.readlinkSync(p)}, which does not exist`);
          this.roots.check(p, `${p} (a symbolic link to ${fs.readlinkSync(p)})`, what);
          folder = target.isDirectory();
          file = target.isFile();
        }
        if (folder) walk(p, `${rel}${e.name}/`, inside);
        else if (file) out.push({ rel: `${rel}${e.name}`, file: p });
      }
    };
    if (uri.startsWith("file:")) {
      const src = this.local(uri, what);
      if (!fs.existsSync(src)) throw new Error(`${what}: ${uri} does not exist`);
      if (fs.statSync(src).isFile()) out.push({ rel: path.basename(src), file: src });
      else walk(src, "");
      return out;
    }
    const { bucket, key } = parseS3(uri, what);
    const c = this.s3client();
    if (!c) {
      const parentKey = key.slice(0, key.lastIndexOf("/") + 1);
      const namePrefix = key.slice(parentKey.length);
      const parent = this.localS3(bucket, parentKey);
      const entries = fs.existsSync(parent) && fs.statSync(parent).isDirectory() ? fs.readdirSync(parent, { withFileTypes: true }) : [];
      const matched = entries.filter((e) => e.name.startsWith(namePrefix) && !TMP_FILE.test(e.name) && (e.isFile() || e.isDirectory()));
      if (!matched.length) throw new Error(`${what}: ${uri} does not exist (no S3 endpoint configured: no object under that prefix in the local S3 folder ${parent})`);
      for (const e of matched) {
        // a name the prefix ends inside is named whole (data/ro: rows.csv, rox/x.csv); the folder the prefix names is walked
        const src = path.join(parent, e.name);
        if (e.isFile()) out.push({ rel: e.name, file: src });
        else walk(src, e.name === namePrefix ? "" : `${e.name}/`);
      }
      return out;
    }
    const { ListObjectsV2Command } = s3sdk();
    let token: string | undefined;
    do {
      const r = await c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
      for (const o of r.Contents ?? []) {
        if (!o.Key || o.Key.endsWith("/")) continue;
        let rel = o.Key.slice(key.length).replace(/^\/+/, "");
        // a prefix that ends inside a name (data/ro for data/rows.csv): the whole name, as AWS names it
        if (rel && key !== "" && !key.endsWith("/") && o.Key[key.length] !== "/") rel = o.Key.slice(key.lastIndexOf("/") + 1);
        if (!rel) rel = path.posix.basename(o.Key);
        if (rel.split("/").includes("..")) continue;
        out.push({ rel, key: `s3://${bucket}/${o.Key}` });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** Copies the objects at `uri` (a file, a folder, an S3 prefix: `objects`) into `dest` (a folder), each at its path
   * after the prefix. Returns the number of files: at least one — an empty folder is an Error, as SageMaker fails a
   * channel with no objects under its S3 prefix (the job trained on no data and completed) */
  async download(uri: string, dest: string, what: string): Promise<number> {
    fs.mkdirSync(dest, { recursive: true });
    const objects = await this.objects(uri, what);
    if (!objects.length) throw new Error(`${what}: no objects under ${uri}`);
    for (const o of objects) {
      const target = path.join(dest, ...o.rel.split("/"));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (o.file) fs.copyFileSync(o.file, target);
      else fs.writeFileSync(target, await this.readObject(o.key!, what));
    }
    return objects.length;
  }

  async readObject(uri: string, what: string): Promise<Buffer> {
    if (uri.startsWith("file:")) {
      const p = this.local(uri, what);
      if (!fs.existsSync(p)) throw validation(`${what}: could not find ${uri}`);
      return fs.readFileSync(p);
    }
    const { bucket, key } = parseS3(uri, what);
    const c = this.s3client();
    if (!c) {
      const p = this.localS3(bucket, key);
      if (!fs.existsSync(p)) throw validation(`${what}: could not find ${uri}`);
      return fs.readFileSync(p);
    }
    const { GetObjectCommand } = s3sdk();
    const obj = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return bodyBytes(obj.Body, `${what}: ${uri}`);
  }

  /** an object written whole or not at all: atomically to a file (or the local S3 folder); a PutObject is atomic */
  async writeObject(uri: string, data: Buffer): Promise<void> {
    if (uri.startsWith("file:")) return writeFileAtomic(this.local(uri, "S3OutputPath"), data, "artifact-rename");
    const { bucket, key } = parseS3(uri, "S3OutputPath");
    const c = this.s3client();
    if (!c) return writeFileAtomic(this.localS3(bucket, key), data, "artifact-rename");
    const { PutObjectCommand } = s3sdk();
    await c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }));
  }

  /** an object writeObject wrote removed (a file, or the local S3 folder's, or a DeleteObject); none there is no error */
  async deleteObject(uri: string): Promise<void> {
    if (uri.startsWith("file:")) return fs.rmSync(this.local(uri, "S3OutputPath"), { force: true });
    const { bucket, key } = parseS3(uri, "S3OutputPath");
    const c = this.s3client();
    if (!c) return fs.rmSync(this.localS3(bucket, key), { force: true });
    const { DeleteObjectCommand } = s3sdk();
    await c.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
}

/** a GetObject body's bytes (S3 answers every GetObject with one; an empty object has an empty one) */
async function bodyBytes(body: { transformToByteArray(): Promise<Uint8Array> } | undefined, what: string): Promise<Buffer> {
  if (!body) throw new Error(`${what}: the S3 answer has no body`);
  return Buffer.from(await body.transformToByteArray());
}

/** A URI under `base`: parts are paths ("a/b.csv.out"); under a file:// base each segment is percent-encoded, as
 * filePath decodes it — an input file "rows#1.csv" had its answer written to "rows" ("#" began a fragment). S3 keys
 * are taken as they are. */
export function joinUri(base: string, ...parts: string[]): string {
  const encoded = base.startsWith("file:") ? parts.map((p) => p.split("/").map(encodeURIComponent).join("/")) : parts;
  return [base.replace(/\/+$/, ""), ...encoded].join("/");
}
