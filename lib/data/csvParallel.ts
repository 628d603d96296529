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
 * Memory: each thread reads its chunks 4 MB at a time (no whole-file buffer) and writes a chunk's columns into its
 * place in the file's one shared slab (sharedSlab below: room for each chunk's estimated rows), so the join moves each
 * column's parts down inside that slab (load.ts concatColumns) — no second copy of the table, no fresh memory
 * written twice. A chunk with more rows than its room writes into a slab of its own (csvParse's reserveSlab), which
 * is transferred (not copied); its parts are copied into the shared slab where they fit before the next chunk's
 * place (load.ts fitsInPlace), else the column is joined by a copy into a new slab; its slab is released at once
 * after the join. The header is read first, here, from the file's first record (csvParse's headerOnly). Parquet and the other
 * formats stay on one thread.
 */
import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import { CategoricalColumn } from "./columns";
import { CsvLineError, parseCsv, RestartAsText, type ChunkOutput } from "./csvParse";
import type { LoadedColumns } from "./sources";
import { fileChunks } from "./sources";

/** What a worker parses (its workerData). */
export interface ChunkJob {
  /** the chunk's number, 0 first */
  index: number;
  file: string;
  what: string;
  sep: string;
  sepGiven: boolean;
  start: number;
  stopAt: number;
  /** the header's names, for chunks after the first (the first reads its header itself) */
  names?: string[];
  header: boolean;
  naValues: string[];
  textColumns: string[];
  /** its rows' place in the file's shared slab (sharedSlab), when there is one */
  out?: ChunkOutput;
}

/** A chunk's result. */
export type ChunkMessage =
  /** columns[j] is null where the chunk wrote column j into its place in the shared slab (placed[j]) */
  | { type: "done"; names: string[]; columns: (Float32Array | { codes: Int32Array; categories: string[] } | null)[]; rows: number; lines: number; end: number; placed: boolean[] }
  | { type: "restart"; columns: string[]; end: number }
  | { type: "error"; message: string; line?: number; row?: number; detail?: string };

/** A worker's messages (csv-worker.ts): a chunk's estimated rows, progress (in the shared array), each chunk's result. */
export type WorkerMessage = { type: "estimate"; chunk: number; rows: number } | { type: "progress" } | { type: "result"; chunk: number; result: ChunkMessage };

export interface ParallelCsvOptions {
  what: string;
  sep: string;
  sepGiven: boolean;
  header: boolean | "auto";
  naValues: Set<string>;
  textColumns: Set<string>;
  /** The file's estimated rows (from the first chunk's first thousand rows), for the memory check. */
  onEstimate(rows: number, names: string[]): void;
  /** Bytes and rows read so far, over every chunk. */
  onChunk(bytes: number, rows: number): void;
}

export type ParallelCsvResult =
  /** the chunks' columns in file order, to join — in place where they lie in the shared slab (load.ts concatColumns) */
  | { parts: LoadedColumns[]; slab?: SharedSlab }
  /** columns found to hold text after numbers: read again with them as text */
  | { restartAsText: string[] }
  /** a cut fell inside a quoted field: read the file on one thread */
  | { cutInQuotes: true };

/** The worker script: csv-worker.js beside this module (csv-worker.ts when lib runs from source). */
export function csvWorkerFile(): string {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `csv-worker${ext}`);
  if (!fs.existsSync(file)) throw new Error(`the CSV worker ${file} is missing (a bundle must ship it beside its entry)`);
  return file;
}

/** The file's shared slab (ChunkOutput): column j's cells are j × stride to (j + 1) × stride. */
export interface SharedSlab {
  buffer: SharedArrayBuffer;
  stride: number;
}

/** Rows a chunk gets room for beyond its estimate: lines' lengths vary through a file. */
const SLAB_SLACK = 1.1;
/** Samples of a chunk, spread over it, whose line ends give the estimate of the chunk's bytes per row, and their size. */
const SAMPLES = 4;
const SAMPLE_BYTES = 1 << 18;
/**
 * The largest shared slab: a larger file's chunks use slabs of their own, joined by a copy. V8 posts a view of a
 * SharedArrayBuffer of 4 GiB or more wrongly between threads (an offset past 2^32 arrives wrapped, or the message
 * is dropped): nothing posts views of this slab, but the table's columns are views of it, and lib may hand them on.
 */
const MAX_SLAB_BYTES = 2 ** 31;
/** The most the chunks' 1,024 rows of room each may add to the file's estimated rows for a shared slab (sharedSlab). */
const MAX_SLAB_EXTRA = 0.25;

/**
 * The chunks' places in one shared slab, each sized from the bytes per line of the chunk's own lines: each
 * chunk gets room for SLAB_SLACK × its estimated rows (+ 1,024), and writes its rows there as it parses them (csvParse's
 * reserveSlab), on its own thread. Why: the join then moves each column's parts down inside the slab instead of
 * copying every cell into a new one. Fresh memory is dear where page faults are (a VM here took 330–400 ms to write
 * 112 MB into a new buffer the first time, 7 ms the second: bench/README.md), and a join into a new slab held the
 * chunks' columns and the joined ones at once. The slab is address space until written: what no chunk writes
 * (the slack) costs no memory — but the pages a chunk wrote past the joined rows do (its rows moved down from them),
 * so each chunk's room follows its own lines, sampled at four places spread over it: sized from the file's first
 * megabyte alone, a file whose lines lengthen (an increasing id, a sorted text column) gave its later chunks room
 * for rows they did not have, and their moved rows left written pages behind — up to ~1.7× the table resident.
 * Undefined when it cannot be had (the chunks then use slabs of their own).
 */
function sharedSlab(file: string, size: number, starts: number[], ncol: number): { slab: SharedSlab; outs: ChunkOutput[] } | undefined {
  const fd = fs.openSync(file, "r");
  const rows: number[] = [];
  try {
    const buf = Buffer.alloc(Math.min(SAMPLE_BYTES, size));
    starts.forEach((start, k) => {
      const bytes = (k + 1 < starts.length ? starts[k + 1] : size) - start;
      let sampled = 0, lines = 0;
      // a chunk of at most SAMPLES × SAMPLE_BYTES is read whole; a larger one at SAMPLES evenly spread places
      for (let i = 0; i < SAMPLES && sampled < bytes; i++) {
        const at = bytes <= SAMPLES * SAMPLE_BYTES ? sampled : Math.floor((i * bytes) / SAMPLES);
        const sample = buf.subarray(0, fs.readSync(fd, buf, 0, Math.min(buf.length, bytes - at), start + at));
        sampled += sample.length;
        for (let j = sample.indexOf(10); j >= 0; j = sample.indexOf(10, j + 1)) lines++;
      }
      // a row takes at least a byte per column (its commas and line end): blank lines (skipped) must not shrink it
      rows.push(bytes / Math.max(sampled / Math.max(1, lines), ncol));
    });
  } finally {
    fs.closeSync(fd);
  }
  const capacities = rows.map((r) => Math.ceil(r * SLAB_SLACK) + 1024);
  // few rows a chunk (a wide table: 20 000 columns × 1 200 rows in 72 MB): the 1,024 rows of room a chunk and column
  // would be most of the slab, and every chunk's part of every column touches its pages — the slab was 261 MB and
  // all resident for a 96 MB table. Such a file's chunks use slabs of their own: the join's copy is of few rows.
  if (starts.length * 1024 > rows.reduce((a, b) => a + b, 0) * MAX_SLAB_EXTRA) return undefined;
  const stride = capacities.reduce((a, b) => a + b, 0);
  if (stride * Math.max(1, ncol) * 4 > MAX_SLAB_BYTES) return undefined;
  let buffer: SharedArrayBuffer;
  try {
    buffer = new SharedArrayBuffer(stride * Math.max(1, ncol) * 4);
  } catch {
    return undefined; // no room for the address space: the chunks' own slabs, joined by a copy
  }
  let row = 0;
  const outs = capacities.map((capacity) => {
    const out = { slab: buffer, stride, row, capacity };
    row += capacity;
    return out;
  });
  return { slab: { buffer, stride }, outs };
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
      sep: job.sep,
      sepGiven: job.sepGiven,
      header: job.header,
      naValues: new Set(job.naValues),
      textColumns: new Set(job.textColumns),
      totalBytes: length,
      chunk: { names: job.names, header: job.header, stopAt: length, atFileStart: job.start === 0, out: job.out },
      onEstimate,
      onChunk: (bytes, rows) => {
        progress[2 * job.index] = Math.min(bytes, length);
        progress[2 * job.index + 1] = rows;
        onProgress();
      },
    });
    // each buffer once (the columns are views of one slab, csvParse's reserveSlab, unless one outgrew it); the
    // file's shared slab is shared, not transferred
    // The numeric columns written into their place in the file's shared slab (a chunk past its room wrote elsewhere)
    // are not posted: the joining thread makes its view of each from the chunk's place (and a view of shared memory
    // is not to be trusted across threads: MAX_SLAB_BYTES). The others are transferred, each buffer once.
    const out = job.out;
    const placed = parsed.columns.map((c, j) => !!out && c instanceof Float32Array && c.buffer === out.slab && c.byteOffset === (j * out.stride + out.row) * 4);
    const transfer = new Set<ArrayBuffer>();
    const columns = parsed.columns.map((c, j) => {
      if (placed[j]) return null;
      if (c instanceof CategoricalColumn) {
        transfer.add(c.codes.buffer as ArrayBuffer);
        return { codes: c.codes, categories: c.categories };
      }
      transfer.add(c.buffer as ArrayBuffer);
      return c;
    });
    return { message: { type: "done", names: parsed.names, columns, rows: parsed.rows, lines: parsed.lines, end: job.start + parsed.end, placed }, transfer: [...transfer] };
  } catch (e) {
    if (e instanceof RestartAsText) return { message: { type: "restart", columns: e.columns, end: job.start + e.end }, transfer: [] };
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
  const head = parseCsv(fileChunks(file, 1 << 16), { what: opts.what, sep: opts.sep, sepGiven: opts.sepGiven, header: opts.header, naValues: opts.naValues, textColumns: opts.textColumns, totalBytes: size, headerOnly: true });
  // no chunk starts before the first record ends: the first chunk reads it (blank lines before a header that filled
  // the first chunk left it nothing to read: 'the file is empty')
  const starts = chunkStarts(file, size, chunks).filter((s, k) => k === 0 || s >= head.end);
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
  const shared = sharedSlab(file, size, starts, head.names.length);
  const jobs: ChunkJob[] = starts.map((start, k) => ({
    index: k, file, what: opts.what, sep: opts.sep, sepGiven: opts.sepGiven, start, stopAt: k + 1 < n ? starts[k + 1] : size,
    names: k > 0 ? head.names : undefined, header: head.header, naValues: [...opts.naValues], textColumns: [...opts.textColumns],
    out: shared?.outs[k],
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
        w.on("messageerror", (e) => fail(new Error(`${opts.what}: a CSV worker's result could not be received: ${e.message}`)));
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
  // in file order: a chunk's result counts when the chunk before it read cleanly and ended where this one starts;
  // the columns every chunk found turning text are read again as text at once (an error after them is met then)
  const parts: LoadedColumns[] = [];
  const restart = new Set<string>();
  let lineBase = 0, rowBase = 0;
  for (let k = 0; k < n; k++) {
    const r = results[k];
    if (k > 0) {
      const prev = results[k - 1] as Extract<ChunkMessage, { type: "done" | "restart" }>;
      if (prev.end !== starts[k]) return { cutInQuotes: true };
    }
    if (r.type === "restart") {
      for (const c of r.columns) restart.add(c);
      continue;
    }
    if (r.type === "error") {
      if (restart.size) break;
      if (r.line === undefined) throw new Error(r.message);
      throw new CsvLineError(opts.what, lineBase + r.line, r.row === undefined ? undefined : rowBase + r.row, r.detail!);
    }
    if (restart.size) continue;
    // a placed column as a view of this thread's object of the shared slab, at the chunk's place (load.ts joins those in place)
    const out = jobs[k].out;
    const column = (c: Float32Array | { codes: Int32Array; categories: string[] } | null, j: number) =>
      c === null ? new Float32Array(out!.slab, (j * out!.stride + out!.row) * 4, r.rows) : c instanceof Float32Array ? c : new CategoricalColumn(c.codes, c.categories);
    parts.push({ names: r.names, columns: r.columns.map(column), rows: r.rows });
    lineBase += r.lines;
    rowBase += r.rows;
  }
  if (restart.size) return { restartAsText: head.names.filter((c) => restart.has(c)) };
  return { parts, slab: shared?.slab };
}
