/**
 * loadTable: the one table loader — CSV (with or without a header), Parquet, Arrow IPC, JSON (an array of
 * records), JSON Lines and LIBSVM (label, f0 … fN: libsvm.ts), from a path, a folder or list of files (read file by file into one table), a
 * Buffer, or a URL — into an arquero table of typed columns (columns.ts): numbers as Float32Array,
 * text as category codes, Parquet/Arrow timestamps as Date values.
 *
 * Column types (as pandas reads a table): a column is categorical when any non-missing cell is not a
 * number, or when declared (`categorical: ["col"]`, for integer-coded columns); it is never made numeric
 * silently. Missing cells are pandas' default tokens (NA_VALUES) in CSV and JSON text; `na_values`
 * replaces the set. Dates in text stay text: derive numbers from them (year, month) with an arquero verb.
 *
 * Before reading rows the loader estimates the table's size (Parquet: the footer's row count; CSV: the
 * first thousand rows' bytes per row) and fails with the estimate when training on it would not fit in
 * memory (sources.ts). Loads of 64 MB or more show a progress line (rows, MB/s). A gzip or zstd file is read as what
 * it holds (compressed.ts): a CSV as a stream, chunk by chunk, the other formats decompressed whole.
 * The Parquet and Arrow readers (hyparquet, flechette) are loaded on first use, like arquero: importing lib
 * to serve predictions never loads them.
 */
import * as fs from "fs";
import * as path from "path";
import { tableOf } from "./arquero";
import { CategoricalBuilder, CategoricalColumn } from "./columns";
import { announcedSize, checkZstd, type Compression, decompressedChunks, decompressWhole } from "./compressed";
import { csvReader, parseCsv, RestartAsText, SEPARATORS, sniffSeparator } from "./csvParse";
import { parseCsvChunks, type SharedSlab } from "./csvParallel";
import { defaultThreads } from "../ensemble/parallel";
import { jsonText, readJson, readJsonLines } from "./json";
import { readLibsvm, widenLibsvmParts } from "./libsvm";
import {
  checkFormat, checkMemory, ColumnValues, fileChunks, formatFromContentType, formatFromName, isCsvType, listFiles, LoadedColumns, separatorOf,
  compressedAs, memoryLimit, namesTableFormat, readHead, SNIFF_BYTES, sniffFormat, TableFormat,
} from "./sources";
import type { Table } from "./table";
import { loadProgress, LoadProgress } from "../progress";
import { MAX_THREADS, shownValue } from "../core";
import { checkOptionKeys } from "../options";

/** pandas' default missing-value tokens (read_csv's na_values default). */
export const NA_VALUES: readonly string[] = [
  "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

export interface LoadOptions {
  /** csv | parquet | arrow | json | jsonl | libsvm; default: from contentType, else the extension (.libsvm and .svm:
   * LIBSVM), else the bytes (a first line of `number index:value …`: LIBSVM, lib/data/libsvm.ts). */
  format?: TableFormat;
  /** A SageMaker channel ContentType: text/csv, application/x-parquet, application/vnd.apache.arrow.file, application/json, application/jsonlines, text/libsvm. */
  contentType?: string;
  /** CSV: the field separator — ",", "\t", ";" or "|" (pandas' sep), or "auto": each file's from its first line (pandas'
   * sep=None; sniffSeparator); default: the content type's (contentType, or a URL's answer:
   * text/tab-separated-values a tab, text/csv a comma), else a tab for .tsv and .tab files (a .gz's name without it),
   * else a comma. */
  sep?: string;
  /** CSV: true (default) the first row names the columns; false: columns c0, c1, …; "auto": a header when the first row is not all numbers. */
  header?: boolean | "auto";
  /** Missing-value tokens for CSV and JSON text, replacing pandas' defaults (NA_VALUES). */
  na_values?: string[];
  /** Columns to read as categorical even when every cell is a number (integer-coded categories). */
  categorical?: string[];
  /** Show a progress line (default: when the source is 64 MB or more). */
  progress?: boolean;
  /** Memory the load and training may use, in bytes (default: the cgroup limit, else the machine's RAM). */
  maxMemory?: number;
  /**
   * Worker threads that parse a CSV file in chunks (loadTable; an integer from 1 to MAX_THREADS (512), default: the cores this process may
   * use, or OMP_NUM_THREADS when set: defaultThreads). A file gets at most one thread per `minChunkBytes`, so small files are read on this thread;
   * Buffers, URLs, compressed files (read as a stream) and the other formats (Parquet too) are read on this thread. The training job passes its parallel_fits
   * when set (else 1: the parallel read's worker adds ~25–45 MB to a 1M-row job's peak; trainer/README).
   */
  threads?: number;
  /** The fewest bytes a CSV chunk may have (default CSV_MIN_CHUNK_BYTES, 32 MB): below it a worker's start-up costs more than it saves. */
  minChunkBytes?: number;
  /**
   * Called with the table's column names (its first file's) once they are known, before its rows are read: a CSV
   * file's header (c0, c1, … without one), a Parquet file's schema; Arrow and JSON are parsed whole first. A throw
   * ends the load with that error — so a caller refuses a table by its columns (a training job's label) in a moment
   * rather than after reading gigabytes. `format` is the first file's (a LIBSVM table's columns are label, f0 … fN,
   * named by no header; told once every part is read, as each part's columns run to its own largest index).
   */
  onColumns?: (names: string[], format: TableFormat) => void;
}

/**
 * The fewest bytes in a CSV chunk (a file is cut into at most size / this chunks): a worker thread takes 150–200 ms
 * to start on the busy 2-core machine (Node's isolate and the reader's module; measured, load average 4–6) and the
 * reader parses ~130–270 MB/s a thread, so a second thread pays only when the half it takes over parses for longer
 * than that: from ~64 MB of file. Measured there, forcing 2 threads on small files: diabetes (20 KB) 37 → 148 ms,
 * 16 MB 96 → 271 ms, 64 MB 240 → 462 ms (no core free for the worker). Files under 2 × 32 MB stay on one thread.
 */
export const CSV_MIN_CHUNK_BYTES = 32 << 20;

// eslint-disable-next-line @typescript-eslint/no-var-requires
const parquetReader = () => require("./parquet") as typeof import("./parquet");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const arrowReader = () => require("./arrow") as typeof import("./arrow");

/** The options checked: bad types are Errors naming the option. */
interface Resolved {
  format?: TableFormat;
  /** the caller's sep ("auto": settled per file, from its first line), or the contentType's (an explicit text/csv: a
   * comma, whatever a file's name says) */
  sep?: string;
  /** the caller passed sep */
  sepGiven: boolean;
  header: boolean | "auto";
  /** a separator or header given (not "auto", which any CSV's may be): the caller reads CSV (a file of unknown format
   * is not sniffed as LIBSVM) */
  csvOptions: boolean;
  naValues: Set<string>;
  textColumns: Set<string>;
  progress?: boolean;
  maxMemory: number;
  threads: number;
  minChunkBytes: number;
  onColumns?: (names: string[], format: TableFormat) => void;
}

/**
 * The options loadTable reads (LoadOptions): any other key is an Error naming it — a misspelt na_value or categoricals,
 * or pandas' encoding, usecols, was ignored and the table read as if it were not there.
 */
const LOAD_OPTIONS = ["format", "contentType", "sep", "header", "na_values", "categorical", "progress", "maxMemory", "threads", "minChunkBytes", "onColumns"] as const;
/** loadCsv's: it reads CSV on this thread. */
const LOAD_CSV_OPTIONS = LOAD_OPTIONS.filter((o) => !["format", "contentType", "threads", "minChunkBytes"].includes(o));

function resolveOptions(opts: LoadOptions, who: string): Resolved {
  if (opts === null || typeof opts !== "object") throw new Error(`${who}: options must be an object`);
  checkOptionKeys(opts, LOAD_OPTIONS, who);
  const na = opts.na_values;
  if (na !== undefined && (!Array.isArray(na) || na.some((v) => typeof v !== "string"))) {
    throw new Error(`${who}: na_values must be a list of strings, e.g. ["NA", "?"] (got ${shownValue(na)})`);
  }
  const cat = opts.categorical;
  if (cat !== undefined && (!Array.isArray(cat) || cat.some((v) => typeof v !== "string"))) {
    throw new Error(`${who}: categorical must be a list of column names (got ${shownValue(cat)})`);
  }
  const header = opts.header ?? true;
  if (header !== true && header !== false && header !== "auto") throw new Error(`${who}: header must be true, false or "auto" (got ${shownValue(header)})`);
  let format = opts.format !== undefined ? checkFormat(opts.format) : undefined;
  if (opts.contentType !== undefined) {
    const f = formatFromContentType(opts.contentType);
    if (format && f !== format) throw new Error(`${who}: format "${format}" contradicts contentType "${opts.contentType}"`);
    format = f;
  }
  if (opts.sep !== undefined && !(typeof opts.sep === "string" && (opts.sep in SEPARATORS || opts.sep === SEP_AUTO)))
    throw new Error(`${who}: sep must be one of ${Object.keys(SEPARATORS).map((c) => JSON.stringify(c)).join(", ")} (the CSV field separator) or "auto" (each file's, from its first line), got ${shownValue(opts.sep)}`);
  const typeSep = opts.contentType !== undefined ? separatorOf({ contentType: opts.contentType }) : undefined;
  if (opts.sep !== undefined && typeSep !== undefined && opts.sep !== typeSep) throw new Error(`${who}: sep ${JSON.stringify(opts.sep)} contradicts contentType "${opts.contentType}"`);
  const sep = opts.sep ?? typeSep ?? (opts.contentType !== undefined && format === "csv" ? "," : undefined);
  const maxMemory = opts.maxMemory ?? memoryLimit();
  if (!(maxMemory > 0)) throw new Error(`${who}: maxMemory must be a positive number of bytes (got ${opts.maxMemory})`);
  const threads = opts.threads ?? defaultThreads();
  // at most the core's MAX_THREADS, as nthread and the fit pool's counts: each is a thread (minChunkBytes 1 with threads
  // 10⁶ tried to start a worker per byte of a large file)
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new Error(`${who}: threads must be an integer from 1 to ${MAX_THREADS} (worker threads parsing a CSV file), got ${shownValue(opts.threads)}`);
  }
  const minChunkBytes = opts.minChunkBytes ?? CSV_MIN_CHUNK_BYTES;
  if (!Number.isInteger(minChunkBytes) || minChunkBytes < 1) throw new Error(`${who}: minChunkBytes must be an integer ≥ 1 (bytes), got ${shownValue(opts.minChunkBytes)}`);
  if (opts.onColumns !== undefined && typeof opts.onColumns !== "function") throw new Error(`${who}: onColumns must be a function (names) => void, got ${shownValue(opts.onColumns)}`);
  return { format, sep, sepGiven: opts.sep !== undefined, header, csvOptions: (opts.sep !== undefined && opts.sep !== SEP_AUTO) || (opts.header !== undefined && opts.header !== "auto"), naValues: new Set(na ?? NA_VALUES), textColumns: new Set(cat ?? []), progress: opts.progress, maxMemory, threads, minChunkBytes, onColumns: opts.onColumns };
}

/** `sep: "auto"`: the separator is each file's, from its first line (settleSeparator) */
const SEP_AUTO = "auto";

/** One input: a file, or bytes (a Buffer, a downloaded URL). */
interface Input {
  what: string;
  file?: string;
  bytes?: Uint8Array;
  /** the file or bytes are gzip or zstd: decompressed when this input is read (a CSV as a stream: readCompressedCsv;
   * the other formats whole: withContent), one input at a time */
  compression?: Compression;
  /** the decompressed size a compressed input announces (announcedSize): whether its load shows progress (makeTicker) */
  announced?: number;
  format: TableFormat;
  /** a CSV's field separator ("auto" until the input is read: settleSeparator), and whether the caller chose it */
  sep: string;
  sepGiven: boolean;
  size: number;
}

/** An input whose format is not known yet: a compressed file of no telling name, its format from its first
 * decompressed bytes (formatsOf, which decompresses them as a stream). */
type Found = Omit<Input, "format"> & { format?: TableFormat };

/** A compression the loader reads: gzip, and zstd (Node ≥ 22.15: checked when a zstd input is found). */
const readCompression = (head: Uint8Array): Compression | undefined => {
  const kind = compressedAs(head);
  return kind === "gzip" || kind === "zstd" ? kind : undefined;
};

function fileInput(file: string, r: Resolved): Found {
  const size = fs.statSync(file).size;
  if (size === 0) throw new Error(`${file} is empty`);
  const head = readHead(file);
  const compression = readCompression(head);
  if (compression) return compressedInput(file, { file }, compression, r);
  notCompressed(file, head);
  const named = byName(file, r);
  return { what: file, file, format: named.format ?? sniffFormat(readHead(file, SNIFF_BYTES), { libsvm: !r.csvOptions }), sep: named.sep, sepGiven: r.sepGiven, size };
}

/**
 * What a name says of its table — its format and CSV separator, by its extension — after the caller's format and sep.
 * A .gz (.zst) is named by the name inside it (t.tsv.gz: a CSV of tabs), whether its bytes are compressed or not: a
 * URL's .gz that a server's Content-Encoding: gzip had fetch undo is plain bytes, and a local file is read the same way
 * (by what it holds) rather than as a file of an unknown extension.
 */
function byName(name: string, r: Resolved): { format?: TableFormat; sep: string } {
  const inner = name.replace(/\.(gz|zst|zstd)$/i, "");
  return { format: r.format ?? formatFromName(inner), sep: r.sep ?? separatorOf({ name: inner }) ?? "," };
}

/** `name`: the path whose extension tells the format and the separator (a URL's path, without its query) */
function bytesInput(bytes: Uint8Array, what: string, r: Resolved, name = what): Found {
  if (bytes.length === 0) throw new Error(`${what} is empty`);
  const head = bytes.subarray(0, 16);
  const compression = readCompression(head);
  if (compression) return compressedInput(what, { bytes }, compression, r, name);
  notCompressed(what, head);
  const named = byName(name, r);
  return { what, bytes, format: named.format ?? sniffFormat(bytes.subarray(0, SNIFF_BYTES), { libsvm: !r.csvOptions }), sep: named.sep, sepGiven: r.sepGiven, size: bytes.length };
}

/**
 * A gzip or zstd file (t.csv.gz, a Spark part-00000.gz, t.csv.zst) is read as what it holds, as pandas' read_csv infers
 * the compression: its format and separator from its name without .gz (.zst), else from its first decompressed bytes
 * (formatsOf). It is decompressed when it is read, one file of a folder at a time: a CSV as a stream
 * (readCompressedCsv), the formats parsed from one buffer whole (withContent).
 */
function compressedInput(what: string, src: { file?: string; bytes?: Uint8Array }, compression: Compression, r: Resolved, name = what): Found {
  if (compression === "zstd") checkZstd(what);
  const named = byName(name, r);
  const size = src.bytes?.length ?? fs.statSync(src.file!).size;
  const head = src.bytes ? src.bytes.subarray(0, 18) : readHead(src.file!, 18);
  const tail = src.bytes ? src.bytes.subarray(Math.max(0, size - 4)) : readHead(src.file!, 4, Math.max(0, size - 4));
  return { what, ...src, compression, announced: announcedSize(compression, head, tail), format: named.format, sep: named.sep, sepGiven: r.sepGiven, size };
}

/** The inputs' formats: a compressed input's of no telling name from its first decompressed bytes (a few kB of them). */
async function formatsOf(found: Found[], r: Resolved): Promise<Input[]> {
  const out: Input[] = [];
  for (const input of found) {
    if (input.format) {
      out.push(input as Input);
      continue;
    }
    const { chunks } = decompressedChunks(input, input.compression!, input.what);
    let head = new Uint8Array(0);
    for await (const c of chunks) {
      head = head.length ? Buffer.concat([head, c]) : c;
      if (head.length >= SNIFF_BYTES) break; // (closes the file)
    }
    if (head.length === 0) throw new Error(`${input.what} is empty (${input.compression} of no bytes)`);
    notCompressed(input.what, head.subarray(0, 16), input.compression); // a gzip of a gzip
    out.push({ ...input, format: sniffFormat(head.subarray(0, SNIFF_BYTES), { libsvm: !r.csvOptions }) });
  }
  return out;
}

/** loadCsv's inputs, of format "csv" (its option): none is left to formatsOf. */
function known(found: Found[]): Input[] {
  return found.map((f) => ({ ...f, format: f.format ?? "csv" }));
}

/**
 * A CSV input of `sep: "auto"` with its separator: its first line's (sniffSeparator), then taken as the caller's — a
 * first record of one field is not checked for another separator, having none. Other inputs as they are.
 */
function settleSeparator(input: Input): Input {
  if (input.sep !== SEP_AUTO || input.format !== "csv") return input;
  const head = input.bytes ? input.bytes.subarray(0, 1 << 16) : readHead(input.file!, 1 << 16);
  return { ...input, sep: sniffSeparator(head), sepGiven: true };
}

/**
 * The input as bytes to read, its separator settled: a compressed input decompressed whole (at most half of
 * maxMemory), any other as it is — for the formats parsed from one buffer, and loadCsv's CSV (it reads on this thread,
 * and Node decompresses incrementally only as a stream: loadTable reads a compressed CSV as one, readCompressedCsv). A
 * CSV read again with a column as text re-reads these bytes (readCsvInput); a folder's parts read again because a
 * column is numbers in one part and text in another are decompressed again, one at a time — holding every part's
 * bytes for that rare second read would cost the memory reading them one at a time saves.
 */
function withContent(input: Input, r: Resolved, loader = "loadTable"): Input {
  if (!input.compression) return settleSeparator(input);
  const compressed = input.bytes ?? readCompressed(input.file!, input.compression);
  const why =
    input.format === "csv"
      ? `${loader} decompresses a CSV whole (loadTable reads it as a stream)`
      : `${FORMAT_NAMES[input.format]} is read from one buffer, decompressed whole (loadTable reads a compressed CSV as a stream)`;
  const bytes = decompressWhole(compressed, input.compression, input.what, Math.max(1, Math.floor(r.maxMemory / 2)), why);
  if (bytes.length === 0) throw new Error(`${input.what} is empty (${input.compression} of no bytes)`);
  notCompressed(input.what, bytes.subarray(0, 16), input.compression);
  return settleSeparator({ ...input, file: undefined, bytes, compression: undefined, size: bytes.length });
}

const FORMAT_NAMES: Record<TableFormat, string> = { csv: "CSV", json: "JSON", jsonl: "JSON Lines", libsvm: "LIBSVM", arrow: "Arrow", parquet: "Parquet" };

/** A compressed file's bytes read whole: Node reads at most 2 GiB into one buffer */
function readCompressed(file: string, kind: Compression): Uint8Array {
  const size = fs.statSync(file).size;
  if (size > 2 ** 31 - 1) throw new Error(`${file} is ${(size / 2 ** 30).toFixed(1)} GB of ${kind}, too large to read into one buffer: decompress it to a file first, and load that (loadTable reads a compressed CSV as a stream)`);
  return fs.readFileSync(file);
}

/** A compressed file other than gzip and zstd is an Error naming its compression (Parquet compresses inside the
 * format: its pages are read); so is a compressed file inside one (`outer`: the compression it was found inside) */
function notCompressed(what: string, head: Uint8Array, outer?: Compression): void {
  const kind = compressedAs(head);
  if (!kind) return;
  const is = !outer ? `is ${kind}-compressed` : kind === outer ? `is ${kind}-compressed twice` : `is ${outer}-compressed, and what it holds ${kind}-compressed`;
  throw new Error(`${what} ${is}: the table reader reads uncompressed, gzip- and zstd-compressed CSV, Parquet, Arrow and JSON files — decompress it first`);
}

function pathInputs(source: string, r: Resolved): Found[] {
  if (!fs.existsSync(source)) throw new Error(`loadTable: file not found: ${source}`);
  if (fs.statSync(source).isDirectory()) {
    const files = listFiles(source);
    if (files.length === 0) throw new Error(`loadTable: the folder ${source} holds no files`);
    return files.map((f) => fileInput(f, r));
  }
  return [fileInput(source, r)];
}

const isUrl = (s: string) => /^(https?|file):\/\//i.test(s);

async function inputsOf(source: string | URL | Uint8Array | string[], r: Resolved): Promise<Input[]> {
  return formatsOf(await foundOf(source, r), r);
}

async function foundOf(source: string | URL | Uint8Array | string[], r: Resolved): Promise<Found[]> {
  if (source instanceof Uint8Array) return [bytesInput(source, "buffer", r)];
  if (Array.isArray(source)) {
    if (source.length === 0) throw new Error("loadTable: the list of files is empty");
    return source.flatMap((s) => pathInputs(String(s), r));
  }
  const s = source instanceof URL ? source.href : source;
  if (typeof s !== "string") throw new Error("loadTable: the source must be a path, a list of paths, a URL or a Buffer");
  if (isUrl(s)) {
    const url = new URL(s);
    if (url.protocol === "file:") return pathInputs(decodeURIComponent(url.pathname), r);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`loadTable: ${s} answered ${res.status} ${res.statusText}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const type = res.headers.get("content-type");
    const format = r.format ?? formatOfResponse(s, url, type);
    // a server's text/tab-separated-values is tabs and its text/csv commas (as the contentType option); else the name's
    const sep = r.sep ?? separatorOf({ contentType: type }) ?? (type && isCsvType(type) ? "," : undefined);
    return [bytesInput(bytes, s, { ...r, format, sep }, decodeURIComponent(url.pathname))];
  }
  return pathInputs(s, r);
}

/**
 * The format of a URL's table, from the response's content type where it names one, else from the path's extension
 * (without the query), else (undefined) from the bytes. A server's text/plain or octet-stream says nothing of the
 * format — GitHub's raw files are all text/plain, JSON and Parquet included — so those fall back to the name; a
 * table type with a parameter the readers refuse (a charset other than UTF-8) is an Error, as for a channel; and a web
 * page is an Error, not a CSV of HTML lines (a github.com/…/blob/… address instead of the raw file's).
 */
function formatOfResponse(source: string, url: URL, contentType: string | null): TableFormat | undefined {
  const byName = formatFromName(url.pathname);
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "text/html" || type === "application/xhtml+xml") {
    throw new Error(`loadTable: ${source} answered a web page (content type ${contentType}), not a table — for a file on GitHub use its raw address (raw.githubusercontent.com/…), or pass format if the server labels a table wrongly`);
  }
  // a type that names no table format (application/octet-stream …) leaves the choice to the name or the bytes, and
  // so does text/plain, which says nothing of the format nor of the table's encoding (Java servers label every file
  // ISO-8859-1; the readers refuse bytes that are not UTF-8 themselves); a table type and its charset are the
  // server's statement about these bytes: read as it says, or refused
  if (!contentType || type === "text/plain" || !namesTableFormat(contentType)) return byName;
  try {
    return formatFromContentType(contentType, { fromServer: true });
  } catch (e) {
    throw new Error(`loadTable: ${source}: ${(e as Error).message}`);
  }
}

/**
 * A CSV file in chunks on `r.threads` worker threads (csvParallel.ts), joined; undefined when the file is too small
 * for more than one chunk, or when a cut fell inside a quoted field (then it is read on this thread).
 */
async function readCsvParallel(input: Input, r: Resolved, textColumns: Set<string>, tick: InputTick): Promise<LoadedColumns | undefined> {
  // up to 4 chunks a thread (claimed as threads come free: a worker that starts late leaves its share to the others),
  // none under minChunkBytes
  const chunks = Math.min(4 * r.threads, Math.floor(input.size / r.minChunkBytes));
  if (!input.file || r.threads < 2 || chunks < 2) return undefined;
  for (;;) {
    const res = await parseCsvChunks(input.file, input.size, chunks, r.threads, {
      what: input.what,
      sep: input.sep,
      sepGiven: input.sepGiven,
      header: r.header,
      naValues: r.naValues,
      textColumns,
      onEstimate: (rows, names) => checkMemory(input.what, rows, names.length, r.maxMemory, true),
      onChunk: tick,
    });
    if ("cutInQuotes" in res) {
      tick.again("a cut between chunks fell inside a quoted field with a line end: reading again on one thread");
      return undefined;
    }
    // (joined even when there is one chunk: its columns are untrimmed views)
    const all = "parts" in res ? concatColumns(res.parts, res.parts.map(() => input), true, res.slab) : res;
    if ("restartAsText" in all) {
      for (const c of all.restartAsText) textColumns.add(c);
      tick.again(textAgain(all.restartAsText));
      continue;
    }
    return all;
  }
}

/** CSV input → columns, reading again (with that column as text) when a numeric column turns out to be text. */
function readCsvInput(input: Input, r: Resolved, textColumns: Set<string>, tick: InputTick): LoadedColumns {
  const chunks = () => (input.file ? fileChunks(input.file) : [input.bytes!]);
  for (;;) {
    try {
      const parsed = parseCsv(chunks(), {
        what: input.what,
        sep: input.sep,
        sepGiven: input.sepGiven,
        header: r.header,
        naValues: r.naValues,
        textColumns,
        totalBytes: input.size,
        onEstimate: (rows, names) => checkMemory(input.what, rows, names.length, r.maxMemory, true),
        onChunk: tick,
      });
      return { names: parsed.names, columns: parsed.columns, rows: parsed.rows };
    } catch (e) {
      if (!(e instanceof RestartAsText)) throw e;
      for (const c of e.columns) textColumns.add(c);
      tick.again(textAgain(e.columns));
    }
  }
}

/** The decompressed bytes read before the rest of a compressed CSV: its separator ("auto") and its size are estimated
 * from them. */
const COMPRESSED_SAMPLE_BYTES = 4 << 20;

/**
 * A gzip or zstd CSV read as a stream, decompressed chunk by chunk into the CSV reader (csvReader) — memory bounded by
 * the chunks rather than the table, as a plain file is read 4 MB at a time. Its decompressed size is estimated from
 * the first chunks' ratio (the rows' estimate, the memory check), its progress counted in compressed bytes (the
 * file's size); its columns are told (`tell`) as soon as its first thousand rows are read. A column found to hold text
 * after numbers reads the file again (decompressed again).
 */
async function readCompressedCsv(input: Input, r: Resolved, textColumns: Set<string>, tick: InputTick, tell?: (names: string[]) => void): Promise<LoadedColumns> {
  for (;;) {
    const { chunks, compressedRead } = decompressedChunks(input, input.compression!, input.what);
    const it = chunks[Symbol.asyncIterator]();
    try {
      const sample: Uint8Array[] = [];
      let sampleBytes = 0;
      let whole = false;
      while (sampleBytes < COMPRESSED_SAMPLE_BYTES) {
        const n = await it.next();
        if (n.done) {
          whole = true;
          break;
        }
        sample.push(n.value);
        sampleBytes += n.value.length;
      }
      if (sampleBytes === 0) throw new Error(`${input.what} is empty (${input.compression} of no bytes)`);
      const head = sample.length === 1 ? sample[0] : Buffer.concat(sample);
      notCompressed(input.what, head.subarray(0, 16), input.compression); // a gzip of a gzip
      const auto = input.sep === SEP_AUTO;
      const estimate = whole ? sampleBytes : Math.ceil((sampleBytes * input.size) / Math.max(1, compressedRead()));
      const progress = (rows: number) => tick(Math.min(compressedRead(), input.size - 1), rows);
      const reader = csvReader({
        what: input.what,
        sep: auto ? sniffSeparator(head.subarray(0, 1 << 16)) : input.sep,
        sepGiven: auto || input.sepGiven,
        header: r.header,
        naValues: r.naValues,
        textColumns,
        totalBytes: estimate,
        onEstimate: (rows, names) => {
          tell?.(names);
          checkMemory(input.what, rows, names.length, r.maxMemory, true);
        },
        onChunk: (_, rows) => progress(rows),
      });
      // the reader is told which chunk is the last: each is pushed once the next has come
      let held: Uint8Array | undefined = head;
      if (!whole) {
        for (let n = await it.next(); !n.done; n = await it.next()) {
          reader.push(held, false);
          held = n.value;
        }
      }
      reader.push(held, true);
      held = undefined;
      const parsed = reader.finish();
      tick(input.size, parsed.rows);
      return { names: parsed.names, columns: parsed.columns, rows: parsed.rows };
    } catch (e) {
      if (!(e instanceof RestartAsText)) throw e;
      for (const c of e.columns) textColumns.add(c);
      tick.again(textAgain(e.columns));
    } finally {
      await it.return?.(); // closes the file when the read ends early
    }
  }
}

async function readInput(given: Input, r: Resolved, textColumns: Set<string>, tick: InputTick, tell?: (names: string[]) => void): Promise<LoadedColumns> {
  if (given.compression && given.format === "csv") return readCompressedCsv(given, r, textColumns, tick, tell);
  const input = withContent(given, r); // its decompressed bytes, if any, live as long as this read
  const textOpts = { naValues: r.naValues, textColumns };
  switch (input.format) {
    case "csv":
      return (await readCsvParallel(input, r, textColumns, tick)) ?? readCsvInput(input, r, textColumns, tick);
    case "parquet": {
      const src = input.file ?? input.bytes!;
      const { parquetInfo, readParquet } = parquetReader();
      const info = parquetInfo(src, input.what);
      const unknown = [...r.textColumns].filter((c) => !info.names.includes(c));
      if (unknown.length) throw new Error(`${input.what}: categorical column${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `"${c}"`).join(", ")} not found; columns are: ${info.names.join(", ")}`);
      checkMemory(input.what, info.rows, info.names.length, r.maxMemory, false);
      return readParquet(src, input.what, { textColumns, naValues: r.naValues, onRows: (rows, total) => tick((input.size * rows) / Math.max(1, total), rows) });
    }
    case "libsvm": {
      if (r.textColumns.size) throw new Error(`${input.what}: categorical columns (${[...r.textColumns].join(", ")}) are not read from LIBSVM, whose values are numbers`);
      const out = readLibsvm(input.bytes ?? fs.readFileSync(input.file!), input.what, r.maxMemory, r.naValues);
      tick(input.size, out.rows);
      return out;
    }
    case "arrow":
    case "json":
    case "jsonl": {
      const bytes = input.bytes ?? fs.readFileSync(input.file!);
      // whole-buffer formats: the decoded table holds at least a float32 per cell; JSON text is ~10 bytes a cell
      checkMemory(input.what, Math.ceil(bytes.length / 40), 1, r.maxMemory, true);
      let out: LoadedColumns;
      if (input.format === "arrow") out = arrowReader().readArrow(bytes, input.what, textOpts);
      else {
        // JSON is parsed from one string, and V8's strings end at ~512 MB
        if (bytes.length > 500e6) throw new Error(`${input.what}: ${Math.round(bytes.length / 1e6)} MB of JSON is too large to parse as one document; write large tables as JSON Lines split into files, CSV, Parquet or Arrow`);
        const text = jsonText(bytes, input.what);
        out = input.format === "json" ? readJson(text, input.what, textOpts) : readJsonLines(text, input.what, textOpts);
      }
      if (input.format === "arrow") {
        const unknown = [...r.textColumns].filter((c) => !out.names.includes(c));
        if (unknown.length) throw new Error(`${input.what}: categorical column${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `"${c}"`).join(", ")} not found; columns are: ${out.names.join(", ")}`);
      }
      tick(input.size, out.rows);
      return out;
    }
  }
}

/**
 * The caller's onColumns, told the first input's column names once: before the read where they cost little to
 * know (a CSV file's first record, a Parquet file's footer), else as soon as that input is read.
 */
function columnsTeller(input: Input, r: Resolved): (names?: string[]) => void {
  let told = !r.onColumns;
  const tell = (names?: string[]) => {
    if (told || !names) return;
    told = true;
    r.onColumns!([...names], input.format); // a copy: a LIBSVM part's names grow when the parts are widened
  };
  if (input.compression) return tell; // told as it is read (readCompressedCsv): its header is inside the compression
  if (!told && input.format === "csv") {
    input = settleSeparator(input);
    const chunks = input.file ? fileChunks(input.file, 1 << 16) : [input.bytes!];
    tell(parseCsv(chunks, { what: input.what, sep: input.sep, sepGiven: input.sepGiven, header: r.header, naValues: r.naValues, textColumns: r.textColumns, totalBytes: input.size, headerOnly: true }).names);
  } else if (!told && input.format === "parquet") tell(parquetReader().parquetInfo(input.file ?? input.bytes!, input.what).names);
  return tell;
}

/**
 * Whether column j's parts can be joined in its stride of the shared slab, in file order: each part (moved down from
 * its place there, or copied in from a chunk's own slab) must end before the place of the next part still in the
 * slab, and the column before the stride's end. At least one part must lie in the slab (else there is nothing to save).
 */
function fitsInPlace(cols: Float32Array[], shared: SharedSlab, j: number): boolean {
  const inSlab = cols.map((c) => c.buffer === shared.buffer);
  if (!inSlab.includes(true)) return false;
  let to = j * shared.stride;
  for (let k = 0; k < cols.length; k++) {
    to += cols[k].length;
    const next = inSlab.indexOf(true, k + 1);
    if (to > (next >= 0 ? cols[next].byteOffset / 4 : (j + 1) * shared.stride)) return false;
  }
  return true;
}

/** Concatenate the files' columns (same names in the same order); categories are merged in order of first appearance. */
function concatColumns(parts: LoadedColumns[], inputs: Input[], free = false, shared?: SharedSlab): LoadedColumns | { restartAsText: string[] } {
  const names = parts[0].names;
  parts.forEach((p, i) => {
    if (p.names.length !== names.length || p.names.some((n, j) => n !== names[j])) {
      throw new Error(`${inputs[i].what} has columns [${p.names.join(", ")}] but ${inputs[0].what} has [${names.join(", ")}]`);
    }
  });
  const rows = parts.reduce((s, p) => s + p.rows, 0);
  // an all-missing numeric part can join text parts; a part with numbers cannot: CSV reads every such column again as
  // text, all in one read (another format's is an Error below)
  const allMissing = (c: ColumnValues) => c instanceof Float32Array && c.every((v) => Number.isNaN(v));
  if (inputs.every((inp) => inp.format === "csv")) {
    const again = names.filter((_, j) => {
      const cols = parts.map((p) => p.columns[j]);
      return cols.some((c) => c instanceof CategoricalColumn) && cols.some((c) => c instanceof Float32Array && !allMissing(c));
    });
    if (again.length) return { restartAsText: again };
  }
  const columns: ColumnValues[] = [];
  const held: unknown[] = [];
  // With `free` (a CSV file's chunks): the joined numeric columns in one slab, as csvParse's chunks are — one
  // allocation above the allocator's mapping threshold, whose pages go back to the system when the table is dropped.
  // A column each (4 MB for 1M rows) falls below that threshold once the chunks' slabs have been freed (glibc raises
  // it to the largest freed mapping) and stays resident in this thread's heap as freed memory after the table is
  // garbage (the 1M × 28 CSV on 2 threads: a training job's heap kept 124 MB against 57 MB read on one thread).
  const numeric = names.map((_, j) => parts.every((p) => p.columns[j] instanceof Float32Array));
  // A CSV file's numeric column j is joined in its stride of the file's shared slab (csvParallel.ts makes the only
  // views of it, each at its chunk's place: in file order inside the stride): the parts there are moved down, and a
  // part a chunk wrote into a slab of its own (more rows than its room, or its estimate was) is copied in — when,
  // taken in file order, no part lands past the place of a later part still to be moved, nor past the stride
  const inPlace = names.map((_, j) => !!shared && numeric[j] && fitsInPlace(parts.map((p) => p.columns[j] as Float32Array), shared, j));
  const copied = names.filter((_, j) => numeric[j] && !inPlace[j]).length;
  const slab = free && copied ? new ArrayBuffer(copied * rows * 4) : undefined;
  let slabColumns = 0;
  for (let j = 0; j < names.length; j++) {
    const cols = parts.map((p) => p.columns[j]);
    const kinds = cols.map((c) => (c instanceof Float32Array ? "numeric" : c instanceof CategoricalColumn ? "text" : "date"));
    const hasText = kinds.includes("text");
    if (hasText && cols.some((c, i) => kinds[i] === "numeric" && !allMissing(c))) {
      const a = kinds.indexOf("numeric"), b = kinds.indexOf("text");
      throw new Error(`column "${names[j]}" is numeric in ${inputs[a].what} but text in ${inputs[b].what}`);
    }
    if (hasText) {
      const merged = new CategoricalBuilder(rows);
      for (const c of cols) {
        if (c instanceof CategoricalColumn) {
          const map = Int32Array.from(c.categories, (t) => merged.code(t));
          for (let i = 0; i < c.codes.length; i++) merged.codes[merged.length++] = c.codes[i] < 0 ? -1 : map[c.codes[i]];
        } else for (let i = 0; i < c.length; i++) merged.codes[merged.length++] = -1;
      }
      columns.push(merged.finish());
    } else if (inPlace[j]) {
      const whole = new Float32Array(shared!.buffer);
      let to = j * shared!.stride;
      for (const c of cols as Float32Array[]) {
        if (c.buffer !== shared!.buffer) whole.set(c, to);
        else if (c.byteOffset / 4 !== to) whole.copyWithin(to, c.byteOffset / 4, c.byteOffset / 4 + c.length);
        to += c.length;
      }
      columns.push(new Float32Array(shared!.buffer, j * shared!.stride * 4, rows));
    } else if (kinds.every((k) => k === "numeric")) {
      const out = slab ? new Float32Array(slab, rows * 4 * slabColumns++, rows) : new Float32Array(rows);
      let o = 0;
      for (const c of cols as Float32Array[]) {
        out.set(c, o);
        o += c.length;
      }
      columns.push(out);
    } else if (kinds.every((k) => k === "date")) {
      columns.push(([] as (Date | null)[]).concat(...(cols as (Date | null)[][])));
    } else {
      const a = kinds.indexOf("date"), b = kinds.findIndex((k) => k !== "date");
      throw new Error(`column "${names[j]}" holds dates in ${inputs[a].what} but not in ${inputs[b].what}`);
    }
    // the parts' column is garbage now, not at the end
    for (const p of parts) {
      const c = p.columns[j];
      if (free) held.push(c instanceof CategoricalColumn ? c.codes : c);
      (p.columns as (ColumnValues | undefined)[])[j] = undefined;
    }
  }
  // With `free` (a CSV file's chunks, whose buffers are the loader's own: a slab of columns each), the memory goes now,
  // not at the next collection: detached, ArrayBuffer.transfer to 0 bytes releases the backing store at once
  for (const a of held) detach(a);
  return { names, columns, rows };
}

/** Release a typed array's buffer now (detached); a no-op for other values, shared memory, or without ArrayBuffer.transfer. */
function detach(a: unknown): void {
  if (!ArrayBuffer.isView(a)) return;
  const buf = a.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (!(buf instanceof SharedArrayBuffer) && !(buf as { detached?: boolean }).detached) buf.transfer?.(0);
}

/** The arquero table, its columns in the file's order (./arquero's tableOf: an object's integer-like keys come first). */
function toTable(loaded: LoadedColumns): Table {
  return tableOf(loaded.names.map((name, j) => [name, loaded.columns[j]] as const)) as Table;
}

function label(inputs: Pick<Input, "what" | "file">[]): string {
  const first = inputs[0].file ? path.basename(inputs[0].what) : inputs[0].what;
  return `load ${first}${inputs.length > 1 ? ` (+${inputs.length - 1} files)` : ""}`;
}

/**
 * The load's progress over its inputs, file by file: tick(i)(bytes, rows) reports input i's bytes and rows read so far
 * (exported for its test). Shown (by default) for 64 MB or more — of a compressed input, what it announces it holds
 * (a 20 MB .csv.gz of 200 MB of CSV reads as long as the 200 MB file), while its count is of the compressed bytes.
 */
export function makeTicker(inputs: Pick<Input, "what" | "file" | "size" | "announced">[], progress: boolean | undefined): { tick: (i: number) => InputTick; again(note: string): void; finish(rows: number): void } {
  const total = inputs.reduce((s, i) => s + i.size, 0);
  const show = progress ?? inputs.reduce((s, i) => s + Math.max(i.size, i.announced ?? 0), 0) >= 64e6;
  const p: LoadProgress | undefined = show ? loadProgress(label(inputs), total) : undefined;
  let before = 0, rowsBefore = 0;
  let finished = -1; // the last input counted into before: a parallel read reports its whole file more than once
  const rowsOf: number[] = []; // each finished input's rows
  /** the count back to input i's start, with a line saying why (what is read again would otherwise freeze the line) */
  const back = (i: number, note: string) => {
    finished = i - 1;
    before = inputs.slice(0, i).reduce((s, x) => s + x.size, 0);
    rowsBefore = rowsOf.slice(0, i).reduce((s, r) => s + r, 0);
    p?.again(note, before);
  };
  return {
    tick: (i) =>
      Object.assign(
        (bytes: number, rows: number) => {
          if (i <= finished) return;
          p?.update(before + bytes, rowsBefore + rows);
          if (bytes >= inputs[i].size) {
            before += inputs[i].size;
            rowsBefore += rows;
            rowsOf[i] = rows;
            finished = i;
          }
        },
        { again: (note: string) => back(i, inputs.length > 1 ? `${path.basename(inputs[i].what)}: ${note}` : note) },
      ),
    again: (note) => back(0, note),
    finish: (rows) => p?.done(rows),
  };
}

/** An input's progress: bytes and rows read so far, and `again(note)` when its bytes are read once more. */
export type InputTick = ((bytes: number, rows: number) => void) & { again(note: string): void };

/** The progress line's note when a column is read again as text. */
const textAgain = (columns: string[]) =>
  columns.length === 1
    ? `column "${columns[0]}" holds text after numbers: reading again with it as text`
    : `columns ${columns.map((c) => `"${c}"`).join(", ")} hold text after numbers: reading again with them as text`;

/**
 * Read a table: a path (CSV, Parquet, Arrow, JSON, JSON Lines), a folder or list of files (one table, file
 * by file), a URL, or a Buffer. Returns an arquero table of typed columns; see `columnTypes` for the types chosen.
 */
export async function loadTable(source: string | URL | Uint8Array | string[], opts: LoadOptions = {}): Promise<Table> {
  const r = resolveOptions(opts, "loadTable");
  const inputs = await inputsOf(source, r);
  const tellColumns = columnsTeller(inputs[0], r);
  const textColumns = new Set(r.textColumns);
  const ticker = makeTicker(inputs, r.progress);
  for (;;) {
    const parts: LoadedColumns[] = [];
    // LIBSVM parts' columns run to each part's largest index: the table's are known once every part is read (told
    // the first part's, a validation channel's check saw f0 … f1 of a table of f0 … f7)
    const libsvm = inputs.every((input) => input.format === "libsvm");
    for (let i = 0; i < inputs.length; i++) {
      parts.push(await readInput(inputs[i], r, textColumns, ticker.tick(i), i === 0 && !libsvm ? tellColumns : undefined));
      if (i === 0 && !libsvm) tellColumns(parts[0].names);
    }
    if (libsvm) {
      widenLibsvmParts(parts);
      tellColumns(parts[0].names);
    }
    const table = joinParts(parts, inputs, textColumns, ticker);
    if (table) return table;
  }
}

/**
 * The inputs' parts as one table; undefined when a column is numbers in one part and text in another (its columns
 * added to `textColumns`: every part is read again). A table of no rows is an Error, for loadTable and loadCsv alike.
 */
function joinParts(parts: LoadedColumns[], inputs: Input[], textColumns: Set<string>, ticker: ReturnType<typeof makeTicker>): Table | undefined {
  if (parts.length > 1 && inputs.every((i) => i.format === "libsvm")) widenLibsvmParts(parts);
  const all = parts.length === 1 ? parts[0] : concatColumns(parts, inputs);
  if ("restartAsText" in all) {
    for (const c of all.restartAsText) textColumns.add(c);
    ticker.again(`${textAgain(all.restartAsText)} in every file`);
    return undefined;
  }
  ticker.finish(all.rows);
  if (all.rows === 0) throw new Error(`${inputs[0].what}${inputs.length > 1 ? " and the other files" : ""}: no data rows`);
  // arquero keeps columns as an object's keys, where "__proto__" is the prototype: the table had no rows (numRows
  // undefined) and its columns read as undefined, silently
  if (all.names.includes("__proto__")) throw new Error(`${inputs[0].what}: a column is named "__proto__", which an arquero table cannot hold; rename it`);
  return toTable(all);
}

/** Read a CSV file synchronously (loadTable's CSV reader): `header: false` names the columns c0, c1, …, cN. A gzip or zstd
 * file is decompressed whole (at most half of maxMemory): Node decompresses incrementally only as a stream, which loadTable reads. */
export function loadCsv(file: string, opts: Omit<LoadOptions, "format" | "contentType" | "threads" | "minChunkBytes"> = {}): Table {
  for (const o of ["threads", "minChunkBytes"]) if (opts && o in opts) throw new Error(`loadCsv: option ${o} is loadTable's (loadCsv reads on this thread); use loadTable(file, { ${o} })`);
  checkOptionKeys(opts, LOAD_CSV_OPTIONS, "loadCsv");
  const r = resolveOptions({ ...opts, format: "csv" }, "loadCsv");
  if (typeof file !== "string" || !fs.existsSync(file)) throw new Error(`loadCsv: file not found: ${file}`);
  const inputs = known(fs.statSync(file).isDirectory() ? pathInputs(file, r) : [fileInput(file, r)]);
  // a plain CSV's names are told before the read, a compressed one's once its first part is read (loadCsv never told a
  // .csv.gz's), and a header-only file is "no data rows" as for loadTable (it was an empty table)
  const tellColumns = columnsTeller(inputs[0], r);
  const textColumns = new Set(r.textColumns);
  const ticker = makeTicker(inputs, r.progress);
  for (;;) {
    const parts = inputs.map((input, i) => {
      const part = readCsvInput(withContent(input, r, "loadCsv"), r, textColumns, ticker.tick(i));
      if (i === 0) tellColumns(part.names);
      return part;
    });
    const table = joinParts(parts, inputs, textColumns, ticker);
    if (table) return table;
  }
}
