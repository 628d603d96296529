/**
 * Where table bytes come from and what format they are in: a file, a folder or list of files (SageMaker
 * shards a channel as part-*.csv / *.parquet: read file by file, in path order), a Buffer, or a URL.
 * The format is the explicit `format`, else the SageMaker ContentType, else the file extension, else
 * the bytes ("PAR1" Parquet, "ARROW1" Arrow, "[" JSON, "{" JSON Lines, anything else CSV).
 * Also: the machine's memory limit (cgroup limit or RAM) for the early "too large" check.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { CategoricalColumn } from "./columns";
import { looksLikeLibsvm } from "./libsvm";

export type TableFormat = "csv" | "parquet" | "arrow" | "json" | "jsonl" | "libsvm";
export const TABLE_FORMATS: TableFormat[] = ["csv", "parquet", "arrow", "json", "jsonl", "libsvm"];

/** A loaded column: numbers (NaN = missing), categories, or dates (Parquet/Arrow timestamps). */
export type ColumnValues = Float32Array | CategoricalColumn | (Date | null)[];

export interface LoadedColumns {
  names: string[];
  columns: ColumnValues[];
  rows: number;
}

/** SageMaker channel ContentType → format (parameters: label_size=1 and charset=utf-8, below; the short names "csv"
 * and "parquet" are those SageMaker's XGBoost takes too). */
const CONTENT_TYPES: Record<string, TableFormat> = {
  "text/csv": "csv",
  "text/tab-separated-values": "csv", // read with sep "\t" (separatorOf)
  csv: "csv",
  parquet: "parquet",
  "application/csv": "csv",
  "application/x-csv": "csv",
  "text/plain": "csv",
  "application/x-parquet": "parquet",
  "application/parquet": "parquet",
  "application/vnd.apache.parquet": "parquet",
  "application/vnd.apache.arrow.file": "arrow",
  "application/vnd.apache.arrow.stream": "arrow",
  "application/x-arrow": "arrow",
  "application/json": "json",
  "application/jsonlines": "jsonl",
  "application/x-jsonlines": "jsonl",
  "application/jsonl": "jsonl",
  "application/x-ndjson": "jsonl",
  // SageMaker's XGBoost's names for LIBSVM (its default content type)
  "text/libsvm": "libsvm",
  "text/x-libsvm": "libsvm",
  libsvm: "libsvm",
};

const EXTENSIONS: Record<string, TableFormat> = {
  ".csv": "csv",
  ".tsv": "csv", // read with sep "\t" (separatorOf)
  ".tab": "csv",
  ".txt": "csv",
  ".parquet": "parquet",
  ".pq": "parquet",
  ".arrow": "arrow",
  ".feather": "arrow",
  ".ipc": "arrow",
  ".arrows": "arrow",
  ".json": "json",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".libsvm": "libsvm",
  ".svm": "libsvm",
};

/** Whether a content type names a table format, read or refused (RecordIO) — not a generic type such as
 * application/octet-stream. */
export function namesTableFormat(contentType: string): boolean {
  const t = mediaType(contentType);
  return t in CONTENT_TYPES || REFUSED_TYPES.test(t);
}

const mediaType = (contentType: string) => contentType.split(";")[0].trim().toLowerCase();
const REFUSED_TYPES = /^application\/x-recordio(-protobuf)?$|^recordio-protobuf$/;

/** `fromServer`: the type a URL's server answered — its charset is checked, its other parameters (RFC 4180's
 * header=present) are the server's, not options the user could change, and are not read. */
export function formatFromContentType(contentType: string, opts: { fromServer?: boolean } = {}): TableFormat {
  const [type, ...params] = contentType.split(";");
  const t = type.trim().toLowerCase();
  if (REFUSED_TYPES.test(t)) {
    throw new Error(`content type "${contentType}" is not supported: tables are read as CSV, Parquet, Arrow, JSON or LIBSVM (${Object.keys(CONTENT_TYPES).join(", ")})`);
  }
  const f = CONTENT_TYPES[t];
  if (!f) throw new Error(`unsupported content type "${contentType}"; tables are read from ${Object.keys(CONTENT_TYPES).join(", ")}`);
  // Its parameters, each read or refused (never ignored):
  //  - label_size, SageMaker's CSV parameter: one label column (its XGBoost refuses any other label_size too; the
  //    label's column is the `label` hyperparameter's, the first column of a headerless file);
  //  - charset: UTF-8 (or its subset US-ASCII), the one encoding the readers decode — `text/csv; charset=ISO-8859-1`
  //    was read as UTF-8 without a word (a Latin-1 byte is now an Error of the CSV reader, but the type said so first);
  //  - any other (RFC 4180's header=present, say) is not read here: the `header` option says what it would.
  for (const p of params) {
    if (p.trim() === "") continue;
    const m = /^\s*([^=\s]+)\s*=\s*"?([^"]*?)"?\s*$/.exec(p);
    if (!m) throw new Error(`content type "${contentType}": parameter "${p.trim()}" has no value (name=value)`);
    const key = m[1].toLowerCase();
    if (opts.fromServer && key !== "charset") continue;
    if (key === "label_size") {
      if (m[2] !== "1") throw new Error(`content type "${contentType}": label_size must be 1 (one label column), got ${m[2]}`);
    } else if (key === "charset") {
      if (!/^(utf-?8|us-ascii|ascii)$/i.test(m[2])) throw new Error(`content type "${contentType}": charset ${m[2]} is not read — tables are read as UTF-8; convert the files (e.g. iconv -f ${m[2]} -t UTF-8) and declare charset=utf-8 or none`);
    } else {
      throw new Error(`content type "${contentType}": parameter "${p.trim()}" is not read (the parameters read: label_size=1, charset=utf-8)${key === "header" ? "; say whether the CSV has a header with the header option (the header hyperparameter of a training job)" : ""}`);
    }
  }
  return f;
}

/** The separator a CSV's name or content type implies: a tab for .tsv / .tab files and text/tab-separated-values (as
 * pandas users pass sep="\t" for them), else undefined (a comma, unless the caller's sep says otherwise). */
export function separatorOf(nameOrType: { name?: string; contentType?: string | null }): string | undefined {
  if (nameOrType.contentType && mediaType(nameOrType.contentType) === "text/tab-separated-values") return "\t";
  if (nameOrType.name && [".tsv", ".tab"].includes(path.extname(nameOrType.name).toLowerCase())) return "\t";
  return undefined;
}

/** Whether a content type says comma-separated CSV (text/csv and its aliases; not text/plain, which says nothing of
 * the format, nor text/tab-separated-values) */
export function isCsvType(contentType: string): boolean {
  const t = mediaType(contentType);
  return CONTENT_TYPES[t] === "csv" && t !== "text/plain" && t !== "text/tab-separated-values";
}

export function checkFormat(format: string): TableFormat {
  if (!TABLE_FORMATS.includes(format as TableFormat)) throw new Error(`unknown format "${format}"; formats are: ${TABLE_FORMATS.join(", ")}`);
  return format as TableFormat;
}

export function formatFromName(name: string): TableFormat | undefined {
  return EXTENSIONS[path.extname(name).toLowerCase()];
}

/** The bytes sniffFormat reads: enough for a LIBSVM file's first line (looksLikeLibsvm tests what is whole of it). */
export const SNIFF_BYTES = 4096;

/** The format the first bytes suggest (for files without a known extension, e.g. part-00000): a first line of
 * `number index:value …` is LIBSVM (SageMaker's XGBoost reads a channel without a ContentType as LIBSVM) unless
 * `libsvm: false` (the caller gave CSV options). */
export function sniffFormat(head: Uint8Array, opts: { libsvm?: boolean } = {}): TableFormat {
  const s = String.fromCharCode(...head.subarray(0, 8));
  if (s.startsWith("PAR1")) return "parquet";
  if (s.startsWith("ARROW1") || (head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff)) return "arrow";
  const first = s.replace(/^\uFEFF?\s*/, "")[0];
  if (first === "[") return "json";
  if (first === "{") return "jsonl";
  // a head of SNIFF_BYTES may end inside the first line; CSV options given (sep, header) say the file is CSV: a TSV of
  // `1<TAB>10:30` (a time) was read as LIBSVM index 10
  if (opts.libsvm !== false && looksLikeLibsvm(new TextDecoder().decode(head.subarray(0, SNIFF_BYTES)), head.length >= SNIFF_BYTES)) return "libsvm";
  return "csv";
}

/** The compression a file's first bytes show (its magic number), if any: a compressed CSV read as text was a
 * header of binary "column names" and a NUL error. */
export function compressedAs(head: Uint8Array): string | undefined {
  const at = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (at(0x1f, 0x8b)) return "gzip";
  // a zstd frame, or a skippable frame (magic 0x184D2A5?) — pzstd's files begin with one, before the data frames
  if (at(0x28, 0xb5, 0x2f, 0xfd) || ((head[0] & 0xf0) === 0x50 && at(head[0], 0x2a, 0x4d, 0x18))) return "zstd";
  if (at(0x42, 0x5a, 0x68)) return "bzip2";
  if (at(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return "xz";
  if (at(0x50, 0x4b, 0x03, 0x04)) return "zip";
  return undefined;
}

/** A file's first `n` bytes (from `position`: bytes further on) */
export function readHead(file: string, n = 16, position = 0): Uint8Array {
  const fd = fs.openSync(file, "r");
  try {
    const b = new Uint8Array(n);
    const got = fs.readSync(fd, b, 0, n, position);
    return b.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The files of a folder, recursively, sorted by path; dot files and Hadoop/Spark markers (_SUCCESS, _metadata) are
 * skipped. A symbolic link is followed to what it points at — a folder is walked as a folder (once: a link back up
 * is not walked again), a file read; a link to nothing is an Error naming it (a link to a folder was read as a file:
 * "EISDIR: illegal operation on a directory", naming neither).
 */
export function listFiles(dir: string): string[] {
  try {
    return filesUnder(dir, { hidden: false }).map((rel) => path.join(dir, rel));
  } catch (e) {
    throw new Error(`loadTable: ${(e as Error).message}`);
  }
}

/**
 * The files under a folder, by path relative to it ("a/b.csv"), sorted (S3's key order); symbolic links followed as
 * `find -L` follows them — a link to a file is that file, to a folder that folder's files, and a folder is not walked
 * again inside itself (a link to an ancestor) — and a link to nothing an Error naming it. `hidden: false` leaves out
 * names starting with "." or "_" (SageMaker's and Spark's markers: the table loader's listing); `true` keeps every
 * file, as S3 takes a folder's objects (`aws s3 cp --recursive`, the Python SDK's upload_data: lib's uploads).
 */
export function filesUnder(dir: string, opts: { hidden: boolean }): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string, ancestors: ReadonlySet<string>) => {
    const real = fs.realpathSync(d);
    if (ancestors.has(real)) return;
    const inside = new Set(ancestors).add(real);
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (!opts.hidden && (e.name.startsWith(".") || e.name.startsWith("_"))) continue;
      const p = path.join(d, e.name);
      const target = e.isSymbolicLink() ? fs.statSync(p, { throwIfNoEntry: false }) : e;
      if (!target) throw new Error(`${p} is a symbolic link to ${fs.readlinkSync(p)}, which does not exist`);
      if (target.isDirectory()) walk(p, `${rel}${e.name}/`, inside);
      else if (target.isFile()) out.push(`${rel}${e.name}`);
    }
  };
  walk(dir, "", new Set());
  return out.sort();
}

/** A file in chunks of `size` bytes (each chunk a fresh buffer: the CSV reader may keep the tail of one). */
export function* fileChunks(file: string, size = 4 << 20): Generator<Uint8Array> {
  const fd = fs.openSync(file, "r");
  try {
    for (;;) {
      const b = new Uint8Array(size);
      const n = fs.readSync(fd, b, 0, size, null);
      if (n <= 0) return;
      yield n === size ? b : b.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes this process may use: the cgroup memory limit when one is set, else the machine's RAM. */
export function memoryLimit(): number {
  let limit = os.totalmem();
  for (const f of ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]) {
    try {
      const v = fs.readFileSync(f, "utf8").trim();
      const n = Number(v);
      if (v !== "max" && Number.isFinite(n) && n > 0) limit = Math.min(limit, n);
    } catch {
      /* no such cgroup file */
    }
  }
  return limit;
}

/**
 * The training path (the loaded columns, the row-major matrix, the core's copy and its histogram bins)
 * holds about this many times the float32 size of the table.
 */
export const TRAINING_MEMORY_FACTOR = 4;

function gb(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e7) return `${Math.round(n / 1e6)} MB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(n / 1e3))} kB`;
}

/** Throws (naming the file and the estimate) when a table of rows × ncol cells cannot be trained on within `limit` bytes. */
export function checkMemory(what: string, rows: number, ncol: number, limit: number, estimated: boolean): void {
  const bytes = rows * ncol * 4;
  const need = bytes * TRAINING_MEMORY_FACTOR;
  if (need > limit) {
    throw new Error(
      `${what}: too large for this machine's memory: ${estimated ? "about " : ""}${rows.toLocaleString("en-US")} rows × ${ncol} columns = ${gb(bytes)} as float32; ` +
        `loading and training need about ${TRAINING_MEMORY_FACTOR}× that (${gb(need)}) but the memory limit is ${gb(limit)}. ` +
        `Use a machine with more memory, or fewer rows or columns`,
    );
  }
}
