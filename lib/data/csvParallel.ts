/**
 * A CSV file parsed in chunks on worker threads (csv-worker.ts), each with the one CSV reader (csvParse.ts); the
 * loader (load.ts) joins the chunks' columns as it joins the files of a folder (concatColumns): numbers
 * concatenated, category codes remapped to first appearance over the whole file, a column text when any chunk
 * finds text (and read again as text when another chunk stored numbers in it, as the reader does on one thread).
 *
 * Where chunks are cut (speculative, no pre-scan): the file is split into equal byte ranges, and chunk k starts at
 * the first line start at or after its cut. That line start is a record start unless a quoted field with a line
 * end inside straddles the cut. Chunk k − 1 reads every record that starts before chunk k's start — a record
 * straddling it is read whole, past it — and reports where it ended: the first record start at or past chunk k's
 * start. The two agree exactly when the cut was not inside quotes; when they do not, chunk k was read from the
 * middle of a record, and the file is read again on one thread (the caller does). A file without quoted line ends
 * (numbers, most text) never pays that; one with them pays it only when one straddles a cut. This costs no pass
 * before the parse, where counting quotes from the file's start would read the whole file once more on one
 * thread (and a quote inside an unquoted field, kept as text, would make a count wrong).
 *
 * Lines and rows: each chunk counts from its own first line; its errors (CsvLineError) are given the file's line
 * and row by adding the line ends and rows of the chunks before it. The first error in file order is the one
 * reported: chunks are checked in order, and a chunk's result counts only when every chunk before it read cleanly
 * and ended where it began.
 *
 * Memory: each thread reads its chunks 4 MB at a time (no whole-file buffer) and builds a chunk's columns in one slab
 * (csvParse's reserveSlab); the slabs are transferred (not copied), joined column by column into the file's columns,
 * and released at once after the join (load.ts). The header is read first, here, from the file's first record
 * (csvParse's headerOnly). Parquet and the other formats stay on one thread.
 */
import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import { CategoricalColumn } from "./columns";
import { CsvLineError, parseCsv, RestartAsText } from "./csvParse";
import type { LoadedColumns } from "./sources";
import { fileChunks } from "./sources";

/** What a worker parses (its workerData). */
export interface ChunkJob {
  /** the chunk's number, 0 first */
  index: number;
  file: string;
  what: string;
  start: number;
  stopAt: number;
  /** the header's names, for chunks after the first (the first reads its header itself) */
  names?: string[];
  header: boolean;
  naValues: string[];
  textColumns: string[];
}

/** A chunk's result. */
export type ChunkMessage =
  | { type: "done"; names: string[]; columns: (Float32Array | { codes: Int32Array; categories: string[] })[]; rows: number; lines: number; end: number }
  | { type: "restart"; column: string }
  | { type: "error"; message: string; line?: number; row?: number; detail?: string };

/** A worker's messages (csv-worker.ts): a chunk's estimated rows, progress (in the shared array), each chunk's result. */
export type WorkerMessage = { type: "estimate"; chunk: number; rows: number } | { type: "progress" } | { type: "result"; chunk: number; result: ChunkMessage };

export interface ParallelCsvOptions {
  what: string;
  header: boolean | "auto";
  naValues: Set<string>;
  textColumns: Set<string>;
  /** The file's estimated rows (from the first chunk's first thousand rows), for the memory check. */
  onEstimate(rows: number, names: string[]): void;
  /** Bytes and rows read so far, over every chunk. */
  onChunk(bytes: number, rows: number): void;
}

export type ParallelCsvResult =
  /** the chunks' columns in file order, to join */
  | { parts: LoadedColumns[] }
  /** a column found to hold text after numbers: read again with it as text */
  | { restartAsText: string }
  /** a cut fell inside a quoted field: read the file on one thread */
  | { cutInQuotes: true };

/** The worker script: csv-worker.js beside this module (csv-worker.ts when lib runs from source). */
export function csvWorkerFile(): string {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `csv-worker${ext}`);
  if (!fs.existsSync(file)) throw new Error(`the CSV worker ${file} is missing (a bundle must ship it beside its entry)`);
  return file;
}

/** The first line start at or after `offset` (the file's size when there is none). */
function lineStartAt(fd: number, offset: number, size: number): number {
  if (offset <= 0) return 0;
  const buf = Buffer.alloc(64 << 10);
  let pos = offset - 1; // a line starts at offset when the byte before it is a line end
  while (pos < size) {
    const n = fs.readSync(fd, buf, 0, buf.length, pos);
    if (n <= 0) break;
    const lf = buf.subarray(0, n).indexOf(10);
    if (lf >= 0) return pos + lf + 1;
    pos += n;
  }
  return size;
}

/** Where each chunk starts: `chunks` equal byte ranges, each moved to its first line start (chunks past the last line end dropped). */
export function chunkStarts(file: string, size: number, chunks: number): number[] {
  const fd = fs.openSync(file, "r");
  try {
    const starts = [0];
    for (let k = 1; k < chunks; k++) {
      const s = lineStartAt(fd, Math.round((k * size) / chunks), size);
      if (s < size && s > starts[starts.length - 1]) starts.push(s);
    }
    return starts;
  } finally {
    fs.closeSync(fd);
  }
}

/** The file's bytes from `start`: 4 MB reads up to stopAt, then 64 KB reads (the record straddling stopAt) to the end. */
function* rangeChunks(file: string, start: number, stopAt: number): Generator<Uint8Array> {
  const fd = fs.openSync(file, "r");
  try {
    let pos = start;
    for (;;) {
      const size = pos < stopAt ? Math.min(4 << 20, stopAt - pos) : 64 << 10;
      const b = new Uint8Array(size);
      const n = fs.readSync(fd, b, 0, size, pos);
      if (n <= 0) return;
      pos += n;
      yield n === size ? b : b.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Parse one chunk (on this thread or a worker's): its result as a message, with the buffers to transfer. Progress
 * goes to `progress[2k]` (bytes) and `progress[2k + 1]` (rows) — shared memory, so the thread that shows progress
 * sees it while it parses a chunk itself.
 */
export function parseChunk(job: ChunkJob, progress: Float64Array, onEstimate: (rows: number) => void, onProgress: () => void): { message: ChunkMessage; transfer: ArrayBuffer[] } {
  const length = job.stopAt - job.start;
  try {
    const parsed = parseCsv(rangeChunks(job.file, job.start, job.stopAt), {
      what: job.what,
      header: job.header,
      naValues: new Set(job.naValues),
      textColumns: new Set(job.textColumns),
      totalBytes: length,
      chunk: { names: job.names, header: job.header, stopAt: length, atFileStart: job.start === 0 },
      onEstimate,
      onChunk: (bytes, rows) => {
        progress[2 * job.index] = Math.min(bytes, length);
        progress[2 * job.index + 1] = rows;
        onProgress();
      },
    });
    // each buffer once (the columns are views of one slab, csvParse's reserveSlab, unless one outgrew it)
    const transfer = new Set<ArrayBuffer>();
    const columns = parsed.columns.map((c) => {
      if (c instanceof CategoricalColumn) {
        transfer.add(c.codes.buffer as ArrayBuffer);
        return { codes: c.codes, categories: c.categories };
      }
      transfer.add(c.buffer as ArrayBuffer);
      return c;
    });
    return { message: { type: "done", names: parsed.names, columns, rows: parsed.rows, lines: parsed.lines, end: job.start + parsed.end }, transfer: [...transfer] };
  } catch (e) {
    if (e instanceof RestartAsText) return { message: { type: "restart", column: e.column }, transfer: [] };
    if (e instanceof CsvLineError) return { message: { type: "error", message: e.message, line: e.line, row: e.row, detail: e.detail }, transfer: [] };
    return { message: { type: "error", message: e instanceof Error ? e.message : String(e) }, transfer: [] };
  }
}

/** Test hook: env ENSEMBLE_WORKBOOK_TEST_CSV_WORKERS_ONLY=1 leaves every chunk to the workers (this thread claims none). */
export const TEST_CSV_WORKERS_ONLY_ENV = "ENSEMBLE_WORKBOOK_TEST_CSV_WORKERS_ONLY";

/** What a worker gets: the chunks' jobs, the claim counter and the progress array (shared). */
export interface WorkerInit {
  jobs: ChunkJob[];
  claim: Int32Array;
  progress: Float64Array;
}

/**
 * Parse `file` (of `size` bytes) in `chunks` chunks on `threads` threads: this one and `threads − 1` workers. Each
 * thread claims the next chunk from a shared counter until none is left, so a worker that starts late (tens to
 * hundreds of milliseconds on a busy machine) leaves more chunks to this thread instead of keeping it waiting.
 */
export async function parseCsvChunks(file: string, size: number, chunks: number, threads: number, opts: ParallelCsvOptions): Promise<ParallelCsvResult> {
  // the header (or, without one, the column count) from the file's first record, read here
  const head = parseCsv(fileChunks(file, 1 << 16), { what: opts.what, header: opts.header, naValues: opts.naValues, textColumns: opts.textColumns, totalBytes: size, headerOnly: true });
  const starts = chunkStarts(file, size, chunks);
  const n = starts.length;
  const progress = new Float64Array(new SharedArrayBuffer(16 * n));
  const claim = new Int32Array(new SharedArrayBuffer(4));
  const tick = () => {
    let bytes = 0, rows = 0;
    for (let k = 0; k < n; k++) {
      bytes += progress[2 * k];
      rows += progress[2 * k + 1];
    }
    opts.onChunk(bytes, rows);
  };
  let estimated = false;
  // the first chunk's estimate, scaled to the file, is the memory check: when it fails, no chunk is claimed after
  const estimate = (k: number, rows: number) => {
    if (estimated) return;
    estimated = true;
    try {
      opts.onEstimate(Math.ceil((rows * size) / (jobs[k].stopAt - jobs[k].start)), head.names);
    } catch (e) {
      fail(e);
    }
  };
  const jobs: ChunkJob[] = starts.map((start, k) => ({
    index: k, file, what: opts.what, start, stopAt: k + 1 < n ? starts[k + 1] : size,
    names: k > 0 ? head.names : undefined, header: head.header, naValues: [...opts.naValues], textColumns: [...opts.textColumns],
  }));
  const workerCount = Math.min(threads, n) - 1;
  const workerFile = workerCount > 0 ? csvWorkerFile() : "";
  const workers: Worker[] = [];
  const results: ChunkMessage[] = new Array(n);
  let failed = false;
  let failure: unknown;
  const fail = (e: unknown) => {
    if (failed) return;
    failed = true;
    failure = e;
    Atomics.store(claim, 0, n); // nothing more to claim
    for (const w of workers) void w.terminate();
  };
  const init: WorkerInit = { jobs, claim, progress };
  const exited = Promise.all(
    Array.from({ length: workerCount }, () => {
      // plain JavaScript needs no loader: do not pass on this process's (tsx's hooks cost ~0.4 s per worker)
      const w = new Worker(workerFile, { workerData: init, ...(workerFile.endsWith(".js") ? { execArgv: [] } : {}) });
      workers.push(w);
      w.on("message", (m: WorkerMessage) => {
        if (failed) return;
        try {
          if (m.type === "estimate") estimate(m.chunk, m.rows);
          else if (m.type === "progress") tick();
          else results[m.chunk] = m.result;
        } catch (e) {
          fail(e); // the memory check, or the progress line
        }
      });
      return new Promise<void>((resolve) => {
        w.on("error", (e) => fail(new Error(`${opts.what}: a CSV worker failed: ${e.message}`)));
        w.on("exit", (code) => {
          if (code !== 0) fail(new Error(`${opts.what}: a CSV worker exited (code ${code}) before it finished`));
          resolve();
        });
      });
    }),
  );
  // this thread claims chunks too, while the workers start and read theirs
  try {
    if (workerCount > 0 && process.env[TEST_CSV_WORKERS_ONLY_ENV] === "1") await exited;
    for (let k = Atomics.add(claim, 0, 1); k < n; k = Atomics.add(claim, 0, 1)) {
      results[k] = parseChunk(jobs[k], progress, (rows) => estimate(k, rows), tick).message;
    }
  } catch (e) {
    fail(e); // the memory check, or the progress line
  }
  await exited;
  if (failed) throw failure;
  for (let k = 0; k < n; k++) if (!results[k]) throw new Error(`${opts.what}: chunk ${k + 1} of ${n} was not read (a CSV worker ended without it)`);
  // in file order: a chunk's result counts when the chunk before it read cleanly and ended where this one starts
  const parts: LoadedColumns[] = [];
  let lineBase = 0, rowBase = 0;
  for (let k = 0; k < n; k++) {
    const r = results[k];
    if (k > 0) {
      const prev = results[k - 1] as Extract<ChunkMessage, { type: "done" }>;
      if (prev.end !== starts[k]) return { cutInQuotes: true };
    }
    if (r.type === "restart") return { restartAsText: r.column };
    if (r.type === "error") {
      if (r.line === undefined) throw new Error(r.message);
      throw new CsvLineError(opts.what, lineBase + r.line, r.row === undefined ? undefined : rowBase + r.row, r.detail!);
    }
    parts.push({ names: r.names, columns: r.columns.map((c) => (c instanceof Float32Array ? c : new CategoricalColumn(c.codes, c.categories))), rows: r.rows });
    lineBase += r.lines;
    rowBase += r.rows;
  }
  return { parts };
}
