/**
 * The one CSV reader: a streaming, validating tokenizer that writes numbers straight into Float32Array
 * columns and text into category codes — no whole-file string, no per-row objects.
 *
 * Why hand-written (measured on a 1M × 28 numeric CSV, 275 MB, on the 2-core machine): uDSV 0.7.3 typed
 * columns 26–34 MB/s (string rows alone 133 MB/s, + Number() into Float32Array 44 MB/s), Papa Parse 5.7.1
 * dynamicTyping 38 MB/s, arquero fromCSV ~14 MB/s; the bar is 100 MB/s. This reader parses bytes, and reads
 * plain decimals while it looks for the field's end (one pass): ~300 MB/s of CPU time on the same file
 * (~150 MB/s with a separate scan and parse pass); pandas' C parser ~125, numpy 1.24's loadtxt ~245.
 *
 * Grammar (RFC 4180 as pandas reads it): comma separator, or the one `sep` gives (a tab for .tsv files, as
 * pandas' sep="\t"); a field may be in double quotes, with "" for a quote and separators/newlines inside; LF or CRLF line ends; a UTF-8 BOM is skipped; blank lines are skipped
 * (as pandas does). A quote inside an unquoted field is kept as text (5'10" stays 5'10"). Errors name the
 * file, line and column: a row with more or fewer fields than the header (ragged), an unclosed quote, text
 * after a closing quote, a bare carriage return, a first record of one field holding LIBSVM pairs, tabs, semicolons or pipes (a file
 * separated by one of them), a NUL byte (a binary file), bytes that are not UTF-8 (a Latin-1 file:
 * pandas' UnicodeDecodeError).
 *
 * Numbers: [+-]digits[.digits][(e|E)[+-]digits], blanks around allowed, and inf/infinity in any case, signed or not
 * (as pandas reads them: R writes Inf and -Inf; "Inf" made the column text). The scan reads the
 * common form [+-]digits[.digits] itself; the rest goes through parseNumber. With at most
 * 15 significant digits and a decimal exponent within ±22 the value is mantissa × 10^e or mantissa / 10^-e
 * — both operands exact in float64, so the one IEEE rounding gives the correctly rounded double, as
 * parseFloat does (Clinger's fast path); anything longer goes to Number(). The float32 cell is that double
 * rounded once more, exactly Math.fround(parseFloat(text)).
 *
 * Types: a column is numeric until a non-missing cell is not a number; then it is text (categorical).
 * If numbers were already stored, their text is gone, so the reader ends with RestartAsText (naming every such
 * column, found by reading on to the end) and the caller reads again with those columns declared text (the original spelling of every cell is kept: "007").
 */
import { CategoricalBuilder, CategoricalColumn, firstInvalidUtf8, NumericBuilder, numericNaValues } from "./columns";

const LF = 10, CR = 13, QUOTE = 34, SPACE = 32, TAB = 9;
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * ±Infinity for text pandas reads as one — [+-]inf or [+-]infinity in any case (its parser compares without case) —
 * else undefined. (A lookup in an object literal also found its prototype's names: "constructor" read as a number.)
 */
function infinityOf(t: string): number | undefined {
  if (t.length < 3 || t.length > 9 || !/^[+-]?inf(inity)?$/i.test(t)) return undefined;
  return t[0] === "-" ? -Infinity : Infinity;
}

/**
 * An error at a line of the file: the message is `<what>: line L (row R)<detail>`. The line and row are kept apart so
 * that a chunk of a file read in parallel (csvParallel.ts), which counts from its own first line, can be named by
 * the file's line and row once the chunks before it are counted.
 */
export class CsvLineError extends Error {
  constructor(readonly what: string, readonly line: number, readonly row: number | undefined, readonly detail: string) {
    super(`${what}: line ${line}${row !== undefined ? ` (row ${row})` : ""}${detail}`);
  }
}

/**
 * Thrown at the end of a read in which columns that already held numbers turned out to be text: read again with them
 * as text. The read goes on to its end after the first such column, so that every column turning text is found in
 * one pass and the file is read once more — a file of 20 columns each turning text near its end was read 21 times
 * (300,000 rows: 24 s, pandas 1.9 s).
 */
export class RestartAsText extends Error {
  /** `end`: where the read ended (ParsedCsv's end), for a chunk's place among the others (csvParallel.ts) */
  constructor(readonly columns: string[], readonly end = 0) {
    super(`column${columns.length > 1 ? "s" : ""} ${columns.map((c) => `"${c}"`).join(", ")} ${columns.length > 1 ? "are" : "is"} text; read again`);
  }
}

/** The separators the reader takes (pandas' sep as one character), by name for messages. */
export const SEPARATORS: Record<string, string> = { ",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe" };

/**
 * The separator of a CSV read with `sep: "auto"` — pandas' sep=None, and how SageMaker's XGBoost reads every CSV
 * channel and request: both ask Python's csv.Sniffer about the first line. On one line Sniffer takes the first of
 * comma, tab, semicolon, space, colon present (its preference order; outside quoted fields, which its quote rule
 * reads), else the character most often on it. Here: the first of comma, tab, semicolon present outside quoted fields
 * in the first line of `head` (bytes or text; a BOM skipped) — Sniffer's choice — else a pipe where there is one, else
 * a comma (one column). Where this differs it reads more: Sniffer splits "a b|c|d" at the space, and "1.5|2.25" at
 * whichever digit is most frequent (SageMaker's XGBoost then falls back to commas), where this takes the pipes.
 */
export function sniffSeparator(head: Uint8Array | string): string {
  const code = typeof head === "string" ? (i: number) => head.charCodeAt(i) : (i: number) => head[i];
  const bom = typeof head === "string" ? (code(0) === 0xfeff ? 1 : 0) : code(0) === 0xef && code(1) === 0xbb && code(2) === 0xbf ? 3 : 0;
  let tab = false, semicolon = false, pipe = false, quoted = false;
  for (let i = bom; i < head.length; i++) {
    const c = code(i);
    if (c === 0x22) quoted = !quoted; // a quoted field's "" turns it off and on again
    else if (quoted) continue;
    else if (c === 0x2c) return ","; // the first preference: no need to read on (a request body's line may be long)
    else if (c === 0x0a || c === 0x0d) break;
    else if (c === 0x09) tab = true;
    else if (c === 0x3b) semicolon = true;
    else if (c === 0x7c) pipe = true;
  }
  return tab ? "\t" : semicolon ? ";" : pipe ? "|" : ",";
}

export interface CsvParseOptions {
  /** Names for errors: the file (or "buffer"). */
  what: string;
  /** The field separator, a key of SEPARATORS (default ","). */
  sep?: string;
  /** The caller chose `sep` (not the default, the name or the content type): a first record of one field is taken as
   * it is, not checked for another separator ("Smith, John" heads a one-column file read with tabs). */
  sepGiven?: boolean;
  /** true: first record is the header; false: columns c0..cN; "auto": a header when a first-record field is neither a number nor missing. */
  header: boolean | "auto";
  naValues: Set<string>;
  /** Columns read as text from the start (declared categorical, or found to be text by an earlier pass). */
  textColumns: Set<string>;
  /** Total bytes expected (for the row estimate and progress). */
  totalBytes: number;
  /** Called once the first chunk is read, with the estimated number of rows (the memory check). */
  onEstimate?(rows: number, names: string[]): void;
  /** Called after each chunk with bytes and rows read so far. */
  onChunk?(bytes: number, rows: number): void;
  /** Stop once the header is read (csvParallel.ts reads it before the chunks; no rows are read). */
  headerOnly?: boolean;
  /**
   * The input is a chunk of a file that starts at a line start (csvParallel.ts): `names` and `header` as the
   * file's first record gave them (names undefined for the first chunk, which holds that record); the chunk
   * ends at the first record starting at or past `stopAt` bytes (a record that straddles stopAt is read whole).
   */
  chunk?: { names?: string[]; header: boolean; stopAt: number; atFileStart: boolean; out?: ChunkOutput };
}

/**
 * Where a chunk writes its rows (csvParallel.ts): its rows' place in the file's one shared slab, where column j
 * holds cells j × stride to (j + 1) × stride, the chunk's from `row`, room for `capacity` rows. The chunks' columns
 * are then joined by moving them down inside the slab (load.ts concatColumns) instead of copying every cell into
 * fresh memory. A chunk with more rows than that writes into a slab of its own, and its columns are copied.
 */
export interface ChunkOutput {
  slab: SharedArrayBuffer;
  stride: number;
  row: number;
  capacity: number;
}

export interface ParsedCsv {
  names: string[];
  columns: (Float32Array | CategoricalColumn)[];
  rows: number;
  /** names as in the file (the header), or undefined without one */
  header: boolean;
  /** bytes of the input read: where the first record at or past chunk.stopAt starts, else the input's length */
  end: number;
  /** line ends read (the next record's line is 1 + lines) */
  lines: number;
}

/** parseNumber's result (a typed slot: returning a double from a call that is not inlined would box it). */
const parsed = new Float64Array(1);

/** Whether bytes [s, e) are a number; if so, it is in parsed[0]. */
function parseNumber(b: Uint8Array, s: number, e: number): boolean {
  while (s < e && (b[s] === SPACE || b[s] === TAB)) s++;
  while (e > s && (b[e - 1] === SPACE || b[e - 1] === TAB)) e--;
  if (s === e) return false;
  let i = s;
  let neg = false;
  let c = b[i];
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  let mant = 0, nd = 0, frac = 0;
  while (i < e) {
    c = b[i] - 48;
    if (c < 0 || c > 9) break;
    mant = mant * 10 + c;
    nd++;
    i++;
  }
  if (i < e && b[i] === 46) {
    i++;
    while (i < e) {
      c = b[i] - 48;
      if (c < 0 || c > 9) break;
      mant = mant * 10 + c;
      nd++;
      frac++;
      i++;
    }
  }
  if (nd === 0) return false;
  let exp = 0;
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) eneg = b[i++] === 45;
    let ed = 0;
    while (i < e) {
      c = b[i] - 48;
      if (c < 0 || c > 9) break;
      if (exp < 100000) exp = exp * 10 + c;
      ed++;
      i++;
    }
    if (ed === 0) return false;
    if (eneg) exp = -exp;
  }
  if (i !== e) return false;
  const e10 = exp - frac;
  let v: number;
  if (nd <= 15 && e10 >= -22 && e10 <= 22) v = e10 >= 0 ? mant * POW10[e10] : mant / POW10[-e10];
  else v = Math.abs(Number(latin1(b, neg ? s + 1 : s, e)));
  parsed[0] = neg ? -v : v;
  return true;
}

function latin1(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString("latin1");
}

function utf8(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString("utf8");
}

/**
 * A record's fields as byte ranges; quoted: 0 no, 1 yes, 2 yes with "" escapes, 3 unquoted and already a
 * plain decimal ([-+]digits[.digits], ≤ 15 digits) whose value the scan computed into `value`.
 */
class Fields {
  start = new Int32Array(64);
  end = new Int32Array(64);
  quoted = new Uint8Array(64);
  value = new Float64Array(64);
  n = 0;
  /** Fields a record may have (the header's count, or MAX_COLUMNS before it): the arrays grow no further. */
  limit = MAX_COLUMNS;
  constructor(private readonly tooMany: () => never) {}
  add(s: number, e: number, q: number): void {
    if (this.n === this.start.length) this.grow();
    this.start[this.n] = s;
    this.end[this.n] = e;
    this.quoted[this.n++] = q;
  }
  addNumber(s: number, e: number, v: number): void {
    if (this.n === this.start.length) this.grow();
    this.start[this.n] = s;
    this.end[this.n] = e;
    this.value[this.n] = v;
    this.quoted[this.n++] = PLAIN;
  }
  private grow(): void {
    // checked when the arrays are full, so a record's fields cost at most 2 × max(64, limit) slots
    if (this.n >= this.limit) this.tooMany();
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.start = grow(this.start);
    this.end = grow(this.end);
    this.quoted = grow(this.quoted);
    this.value = grow(this.value);
  }
}

const PLAIN = 3;

/**
 * The most columns a CSV may have. Each column costs a fixed amount whatever the rows (its name, a builder, a
 * typed array, arquero's column: measured ~0.6 KB in this reader, ~1.4 KB through loadCsv's table), while a
 * header field can be a single byte: without a limit a 4 MB line of commas would ask for gigabytes, and at the
 * limit a 100 KB header costs ~150 MB. 100 000 is far past the widest tables a dense
 * float32 matrix trains on (the core stores rows × columns cells); a wider first line is an Error, which
 * also catches a file that is not comma-separated or has no line ends.
 */
export const MAX_COLUMNS = 100_000;

/**
 * The longest record (a line, or lines joined by a quoted field), in bytes. The reader holds an unfinished
 * record whole, and its text again as strings (a header's names): a file with no line ends would be held
 * several times over. 64 MiB is far past any row of MAX_COLUMNS numbers; Python's csv module stops at
 * 128 KiB a field by default (field_size_limit), for the same reason.
 */
export const MAX_RECORD_BYTES = 64 << 20;

/** Parse CSV bytes arriving in chunks (a file read 4 MB at a time, or one Buffer). */
export function parseCsv(chunks: Iterable<Uint8Array>, opts: CsvParseOptions): ParsedCsv {
  const reader = csvReader(opts);
  const iterator = chunks[Symbol.iterator]();
  let next = iterator.next();
  while (!next.done) {
    const raw = next.value;
    next = iterator.next();
    if (reader.push(raw, next.done === true)) {
      iterator.return?.();
      break;
    }
  }
  return reader.finish();
}

/**
 * The CSV reader fed its chunks one at a time (parseCsv's, and a decompressing stream's, which arrive asynchronously:
 * load.ts): push(chunk, final) — final on the last chunk — is true once the reader has stopped (headerOnly, or a
 * chunk's stopAt), when no more chunks are wanted; finish() then gives the columns.
 */
export interface CsvReader {
  push(chunk: Uint8Array, final: boolean): boolean;
  finish(): ParsedCsv;
}

export function csvReader(opts: CsvParseOptions): CsvReader {
  const { what, naValues } = opts;
  const sepChar = opts.sep ?? ",";
  if (!(sepChar in SEPARATORS)) throw new Error(`${what}: sep must be one of ${Object.keys(SEPARATORS).map((c) => JSON.stringify(c)).join(", ")}, got ${JSON.stringify(sepChar)}`);
  const SEP = sepChar.charCodeAt(0);
  let recordLine = 1; // line where the record being scanned starts (for the too-many-fields error)
  const fields = new Fields(() =>
    names
      ? failAt(recordLine, rows + 1, ` has more than ${ncol} fields, expected ${ncol}${hasHeader ? " as in the header" : " as on line 1"}: column ${ncol + 1} is extra — ragged CSV`)
      : tooWide(`more than ${MAX_COLUMNS}`),
  );
  let names: string[] | undefined;
  let hasHeader = false;
  let ncol = 0;
  // per column: numeric builder or categorical builder (exactly one set)
  let num: (NumericBuilder | undefined)[] = [];
  let cat: (CategoricalBuilder | undefined)[] = [];
  let sawNumber: boolean[] = [];
  // columns that held numbers and then text (RestartAsText at the end: their numbers' text is gone)
  const turnedText = new Set<number>();
  let rows = 0;
  let line = 1; // line of the next record
  let bytesDone = 0;
  const chunk = opts.chunk;
  let first = chunk ? chunk.atFileStart : true; // a BOM is skipped at the file's start only
  let estimated = false;
  // a chunk after the first: the header was read before it (its line is not in this chunk)
  const headerLines = chunk?.names ? 0 : 1;
  const stopAt = chunk ? chunk.stopAt : Infinity;
  let stopped = false;

  const fail = (msg: string): never => {
    throw new Error(`${what}: ${msg}`);
  };
  const failAt = (l: number, row: number | undefined, detail: string): never => {
    throw new CsvLineError(what, l, row, detail);
  };
  const tooWide = (n: string): never =>
    failAt(recordLine, undefined, `: the first record has ${n} fields; the reader's limit is ${MAX_COLUMNS} columns — is the file ${SEPARATORS[sepChar]}-separated, with line ends?`);
  const colName = (j: number) => (names && j < names.length ? ` (${names[j]})` : "");

  const text = (b: Uint8Array, j: number): string => {
    const s = fields.start[j], e = fields.end[j];
    const t = utf8(b, s, e);
    if (t.includes("\uFFFD")) notUtf8(b, s, e, t, j);
    return fields.quoted[j] === 2 ? t.replace(/""/g, '"') : t;
  };
  /**
   * A field whose text holds U+FFFD: an Error when its bytes are not UTF-8 — decoding puts U+FFFD for each bad byte,
   * so a Latin-1 file's "café" and "cafè" were one category "caf\uFFFD" (and its header's names garbled), where
   * pandas stops with a UnicodeDecodeError. A U+FFFD written as UTF-8 (EF BF BD) is text like any other.
   */
  const notUtf8 = (b: Uint8Array, s: number, e: number, t: string, j: number) => {
    const at = firstInvalidUtf8(b, s, e);
    if (at === undefined) return;
    const byte = b[at].toString(16).toUpperCase().padStart(2, "0");
    failAt(recordLine, names ? rows + 1 : undefined, `, column ${j + 1}${colName(j)}: byte 0x${byte} is not UTF-8 (${JSON.stringify(t.slice(0, 40))}) — is the file Latin-1 or Windows-1252? Convert it to UTF-8 first (iconv -f cp1252 -t utf-8)`);
  };
  const isMissing = (t: string) => naValues.has(t) || naValues.has(t.trim());
  // tokens that read as numbers (na_values ["-999"]): a number cell of that value is missing, as pandas reads it
  const naNumbers = numericNaValues(naValues, (t) => {
    const bytes = new TextEncoder().encode(t.trim());
    return bytes.length && parseNumber(bytes, 0, bytes.length) ? parsed[0] : undefined;
  });
  const numericNa = naNumbers.size > 0;

  const setup = (b: Uint8Array) => {
    const nf = fields.n;
    if (nf > MAX_COLUMNS) tooWide(String(nf));
    const firstTexts = Array.from({ length: nf }, (_, j) => text(b, j));
    if (nf === 1 && fields.quoted[0] === 0) otherSeparator(firstTexts[0], !opts.sepGiven);
    if (opts.header === "auto") {
      hasHeader = firstTexts.some((t, j) => {
        if (isMissing(t)) return false;
        return !parseNumber(b, fields.start[j], fields.end[j]) && infinityOf(t.trim()) === undefined;
      });
    } else hasHeader = opts.header;
    ncol = nf;
    if (hasHeader) {
      names = firstTexts.map((t, j) => t.trim() || `Unnamed: ${j}`);
      const seen = new Set<string>();
      for (const n of names) {
        if (seen.has(n)) failAt(line, undefined, `: column "${n}" appears twice in the header`);
        seen.add(n);
      }
    } else names = Array.from({ length: nf }, (_, j) => `c${j}`);
    setupColumns(names);
  };

  /**
   * A first record of one unquoted field holding another separator: a file separated by it (a .tsv file under
   * another name, a European CSV written with ";") — read with the wrong separator it was one text column holding
   * whole lines, silently (pandas' read_csv does the same without sep): an Error naming the sep to pass — unless the
   * caller passed sep, which settles it. And one
   * holding LIBSVM pairs: a training job's "label column not found; … one of: 59 1:42 2:1 …" said it before.
   */
  const otherSeparator = (t: string, checkSeparators: boolean) => {
    // LIBSVM (`label index:value …`, SageMaker XGBoost's default content type): one field of space-separated pairs
    if (/^\S+( +\d+:\S*)+\s*$/.test(t))
      failAt(recordLine, undefined, `: the first record ${JSON.stringify(t.slice(0, 60))} looks like LIBSVM (label index:value …), read here as CSV: read it as LIBSVM (contentType text/libsvm, format "libsvm", or a .libsvm name)`);
    for (const [c, name] of Object.entries(SEPARATORS)) {
      if (c === sepChar || !checkSeparators) continue;
      const count = t.split(c).length - 1;
      if (count === 0) continue;
      failAt(recordLine, undefined, `: the first record is one field holding ${count} ${name}${count > 1 ? "s" : ""} (${JSON.stringify(t.slice(0, 60))}): the file looks ${name}-separated, and it was read as ${SEPARATORS[sepChar]}-separated — pass sep: ${JSON.stringify(c)} (loadTable's option, as pandas' sep)${c === "\t" ? "; a .tsv or .tab file, or a training channel of ContentType text/tab-separated-values, is read with tabs without it" : ""}`);
    }
  };

  const setupColumns = (given: string[]) => {
    names = given;
    ncol = given.length;
    const unknown = [...opts.textColumns].filter((c) => !given.includes(c));
    if (unknown.length) fail(`categorical column${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `"${c}"`).join(", ")} not found; columns are: ${given.join(", ")}`);
    // a data row takes at least one byte per column (its commas and line end), so the file holds at most
    // totalBytes / ncol rows: start no column larger than that (the estimate after 1000 rows reserves the rest)
    const cap = Math.min(1024, Math.floor(opts.totalBytes / Math.max(1, ncol)) + 1);
    fields.limit = ncol;
    num = given.map((n) => (opts.textColumns.has(n) ? undefined : new NumericBuilder(cap)));
    cat = given.map((n) => (opts.textColumns.has(n) ? new CategoricalBuilder(cap) : undefined));
    sawNumber = given.map(() => false);
  };

  const reserve = (capacity: number) => {
    if (chunk) return reserveSlab(capacity);
    for (let j = 0; j < ncol; j++) {
      const nb = num[j];
      if (nb && nb.data.length < capacity) nb.grow(capacity);
      const cb = cat[j];
      if (cb && cb.codes.length < capacity) cb.grow(capacity);
    }
  };

  /**
   * A chunk's columns in one buffer (a slab): ncol × capacity cells. A chunk is read on a worker thread and its
   * columns freed on another once joined; as one large allocation the slab is mapped and unmapped by itself (the
   * allocator hands back its pages), where a column each — below the allocator's mapping threshold — would stay in
   * the worker thread's heap as freed but resident memory (measured on the 1M × 28 CSV: +120 MB of RSS after the load).
   */
  const reserveSlab = (capacity: number) => {
    // The numeric columns in the chunk's place in the file's shared slab when it has room for the estimate
    // (ChunkOutput), else in a slab of the chunk's own; category codes always in the chunk's own (they are posted to
    // the joining thread, and merged there: csvParallel.ts).
    const out = chunk?.out && capacity <= chunk.out.capacity ? chunk.out : undefined;
    const cells = out ? out.capacity : capacity;
    const own = out ? cat.filter((cb) => cb).length : ncol;
    const slab = own ? new ArrayBuffer(own * cells * 4) : undefined;
    let next = 0;
    for (let j = 0; j < ncol; j++) {
      const nb = num[j];
      if (nb && nb.data.length < cells) {
        const d = out ? new Float32Array(out.slab, (j * out.stride + out.row) * 4, cells) : new Float32Array(slab!, j * cells * 4, cells);
        d.set(nb.data.subarray(0, nb.length));
        nb.data = d;
      }
      const cb = cat[j];
      if (cb && cb.codes.length < cells) {
        const c = new Int32Array(slab!, (out ? next++ : j) * cells * 4, cells);
        c.set(cb.codes.subarray(0, cb.length));
        cb.codes = c;
      }
    }
  };

  const commit = (b: Uint8Array, recordLine: number) => {
    const nf = fields.n;
    if (nf === 1 && fields.start[0] === fields.end[0] && fields.quoted[0] === 0) return; // blank line
    if (!names) {
      setup(b);
      if (hasHeader) return;
    }
    if (nf !== ncol) {
      const col = nf < ncol ? `column ${nf + 1}${colName(nf)} is missing` : `column ${ncol + 1} is extra`;
      failAt(recordLine, rows + 1, ` has ${nf} field${nf === 1 ? "" : "s"}, expected ${ncol}${hasHeader ? " as in the header" : " as on line 1"}: ${col} — ragged CSV`);
    }
    const r = rows;
    for (let j = 0; j < ncol; j++) {
      const nb = num[j];
      if (nb !== undefined) {
        if (r >= nb.data.length) nb.grow(r + 1);
        const q = fields.quoted[j];
        if (q === PLAIN) {
          nb.data[r] = numericNa && naNumbers.has(fields.value[j]) ? NaN : fields.value[j];
          nb.length = r + 1;
          sawNumber[j] = true;
          continue;
        }
        if (q !== 2 && parseNumber(b, fields.start[j], fields.end[j])) {
          nb.data[r] = numericNa && naNumbers.has(parsed[0]) ? NaN : parsed[0];
          nb.length = r + 1;
          sawNumber[j] = true;
          continue;
        }
        const t = text(b, j);
        // a missing-value token first, as pandas filters them before it converts ("inf" in na_values is missing)
        if (isMissing(t)) {
          nb.data[r] = NaN;
          nb.length = r + 1;
          continue;
        }
        const inf = infinityOf(t.trim());
        if (inf !== undefined) {
          nb.data[r] = inf;
          nb.length = r + 1;
          sawNumber[j] = true;
          continue;
        }
        if (sawNumber[j]) {
          turnedText.add(j);
          nb.data[r] = NaN;
          nb.length = r + 1;
          continue;
        }
        // only missing cells so far: becomes a text column without reading again
        const cb = new CategoricalBuilder(nb.data.length);
        for (let i = 0; i < r; i++) cb.push(null);
        num[j] = undefined;
        cat[j] = cb;
        cb.push(t);
        continue;
      }
      const cb = cat[j]!;
      if (r >= cb.codes.length) cb.grow(r + 1);
      const t = text(b, j);
      cb.codes[r] = isMissing(t) ? -1 : cb.code(t);
      cb.length = r + 1;
    }
    rows++;
  };

  /** Scan records in b from pos; returns where the unfinished record starts (b.length when all done). */
  const scan = (b: Uint8Array, final: boolean): number => {
    const len = b.length;
    let pos = 0;
    if (first && len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) pos = 3;
    first = false;
    // A NUL byte (a binary file) is named at its line — once the records before that line are read, so that an
    // earlier record's error (a ragged row) is the one named, as it is when the NUL falls in a later block or a later
    // chunk of a parallel read: the first error in file order wins, however the file is cut. (A chunk looks for NUL
    // bytes in its own bytes only: what it reads past stopAt belongs to the next chunk.)
    const nul = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, Math.max(0, stopAt - bOffset))).indexOf(0);
    const nulLineStart = nul >= 0 ? b.lastIndexOf(LF, nul) + 1 : len;
    const failNul = (): never => {
      // name the NUL's line and column (counting separators; quotes are not tracked here)
      let l = line, col = 1;
      for (let i = pos; i < nul; i++) {
        if (b[i] === LF) {
          l++;
          col = 1;
        } else if (b[i] === SEP) col++;
      }
      // before the header is read, name the column from the first line
      const head = names ?? (opts.header !== false && line === 1 ? utf8(b, pos, Math.max(pos, b.indexOf(LF, pos))).split(sepChar).map((t) => t.trim()) : undefined);
      const label = head && col - 1 < head.length ? ` (${head[col - 1]})` : "";
      return failAt(l, undefined, `, column ${col}${label}: NUL byte — not a text CSV file`);
    };
    records: while (pos < len) {
      if (bOffset + pos >= stopAt) {
        stopped = true;
        return pos;
      }
      if (pos >= nulLineStart) failNul();
      const recStart = pos;
      const recLine = line;
      recordLine = line;
      let newlines = 0;
      fields.n = 0;
      for (;;) {
        if (pos < len && b[pos] === QUOTE) {
          const start = pos + 1;
          let p = start;
          let esc = false;
          let q: number;
          for (;;) {
            q = b.indexOf(QUOTE, p);
            if (q < 0 || (q + 1 >= len && !final)) {
              if (!final) return recStart;
              failAt(recLine, undefined, `, column ${fields.n + 1}${colName(fields.n)}: quoted field is not closed`);
            }
            if (b[q + 1] === QUOTE) {
              esc = true;
              p = q + 2;
            } else break;
          }
          for (let i = start; i < q; i++) if (b[i] === LF) newlines++;
          fields.add(start, q, esc ? 2 : 1);
          pos = q + 1;
          if (pos >= len) {
            if (!final) return recStart;
            break;
          }
          const c = b[pos];
          if (c === SEP) {
            pos++;
            if (pos >= len) {
              if (!final) return recStart;
              fields.add(pos, pos, 0);
              break;
            }
            continue;
          }
          if (c === LF) {
            pos++;
            newlines++;
            break;
          }
          if (c === CR && b[pos + 1] === LF) {
            pos += 2;
            newlines++;
            break;
          }
          if (c === CR && pos + 1 >= len && !final) return recStart;
          failAt(recLine + newlines, undefined, `, column ${fields.n}${colName(fields.n - 1)}: text after a closing quote`);
        }
        // an unquoted field: read a plain decimal on the way (one pass over the bytes); anything else
        // (exponents, blanks, text) is left to parseNumber or the text path in commit
        const start = pos;
        let c = pos < len ? b[pos] : 0;
        const neg = c === 45;
        if (neg || c === 43) pos++;
        let mant = 0;
        const intStart = pos;
        while (pos < len) {
          const d = b[pos] - 48;
          if (d < 0 || d > 9) break;
          mant = mant * 10 + d;
          pos++;
        }
        let nd = pos - intStart, frac = 0;
        if (pos < len && b[pos] === 46) {
          const fracStart = ++pos;
          while (pos < len) {
            const d = b[pos] - 48;
            if (d < 0 || d > 9) break;
            mant = mant * 10 + d;
            pos++;
          }
          frac = pos - fracStart;
          nd += frac;
        }
        c = pos < len ? b[pos] : 0;
        const plain = nd > 0 && nd <= 15 && (pos >= len || c === SEP || c === LF || c === CR);
        if (!plain) {
          while (pos < len) {
            c = b[pos];
            if (c === SEP || c === LF || c === CR) break;
            pos++;
          }
        }
        if (pos >= len) {
          if (!final) return recStart;
          if (plain) fields.addNumber(start, len, neg ? -(mant / POW10[frac]) : mant / POW10[frac]);
          else fields.add(start, len, 0);
          break;
        }
        if (plain) fields.addNumber(start, pos, neg ? -(mant / POW10[frac]) : mant / POW10[frac]);
        else fields.add(start, pos, 0);
        if (c === SEP) {
          pos++;
          if (pos >= len) {
            if (!final) return recStart;
            fields.add(pos, pos, 0);
            break;
          }
          continue;
        }
        if (c === LF) {
          pos++;
          newlines++;
          break;
        }
        // CR
        if (b[pos + 1] === LF) {
          pos += 2;
          newlines++;
          break;
        }
        if (pos + 1 >= len && !final) return recStart;
        failAt(recLine + newlines, undefined, `, column ${fields.n}${colName(fields.n - 1)}: bare carriage return (line ends must be LF or CRLF)`);
      }
      if (pos > nul && nul >= recStart) {
        // a record that began before the NUL's line holds it (a quoted field's line ends): named from its start
        pos = recStart;
        line = recLine;
        failNul();
      }
      commit(b, recLine);
      line = recLine + newlines;
      if (opts.headerOnly && names) {
        stopped = true;
        return pos;
      }
      if (!estimated && names && rows >= 1000) {
        estimated = true;
        const perRow = (bOffset + pos) / (rows + (hasHeader ? headerLines : 0));
        const est = Math.ceil((opts.totalBytes / perRow) * 1.02) + 16;
        opts.onEstimate?.(est, names);
        reserve(est);
      }
      continue records;
    }
    if (bOffset + len >= stopAt) stopped = true;
    return len;
  };

  let bOffset = 0; // file offset of b[0]
  let end = 0; // where reading stopped
  if (chunk?.names) {
    hasHeader = chunk.header;
    setupColumns(chunk.names);
  }
  // Bytes read but not scanned yet: the unfinished record (the tail of the last scan) and the chunks after it.
  // A record longer than a chunk is scanned again from its start once the bytes waiting have doubled, not on
  // every chunk: a line of n bytes (a file with no line ends) costs O(n) scanning and copying, not O(n²/chunk).
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let scanAt = 0;
  const push = (raw: Uint8Array, final: boolean): boolean => {
    if (stopped) return true;
    // one element kind for the hot loops: a plain Uint8Array view (a Buffer has another map, so b[i] would be polymorphic)
    pending.push(new Uint8Array(raw.buffer, raw.byteOffset, raw.length));
    pendingBytes += raw.length;
    bytesDone += raw.length;
    if (final || pendingBytes >= scanAt) {
      let b = pending[0];
      if (pending.length > 1) {
        b = new Uint8Array(pendingBytes);
        let o = 0;
        for (const p of pending) {
          b.set(p, o);
          o += p.length;
        }
      }
      bOffset = bytesDone - b.length;
      const stop = scan(b, final);
      if (stopped) {
        end = bOffset + stop;
        opts.onChunk?.(Math.min(bytesDone, stopAt), rows);
        return true;
      }
      // the unfinished record: copied when short (so the chunk it came from is released), kept when it is most of b
      const tail = stop >= b.length ? undefined : stop > b.length / 2 ? b.slice(stop) : b.subarray(stop);
      pending = tail ? [tail] : [];
      pendingBytes = tail ? tail.length : 0;
      if (pendingBytes > MAX_RECORD_BYTES) {
        failAt(line, undefined, `: a record runs over ${MAX_RECORD_BYTES >> 20} MB without ending (the reader's limit) — are there line ends, and is every quote closed?`);
      }
      scanAt = Math.min(2 * pendingBytes, MAX_RECORD_BYTES + 1);
    }
    opts.onChunk?.(bytesDone, rows);
    return false;
  };
  return { push, finish };
  function finish(): ParsedCsv {
    if (!stopped) end = bytesDone;
    if (!names) fail("the file is empty (no header, no rows)");
    if (turnedText.size) throw new RestartAsText([...turnedText].sort((a, b) => a - b).map((j) => names![j]), end);
    if (!estimated && !opts.headerOnly) {
      opts.onEstimate?.(rows, names!);
      // a chunk of under a thousand rows (the estimate never ran): its rows into its place too, so the file's join
      // stays in place (csvParallel.ts)
      if (chunk?.out) reserve(rows);
    }
    // a chunk's columns are views of the builders' arrays, not trimmed copies: the loader copies them into the file's
    // columns and releases them at once, so a trimmed copy would only add a chunk's columns to the peak memory
    const view = (j: number) => (num[j] ? num[j]!.data.subarray(0, num[j]!.length) : new CategoricalColumn(cat[j]!.codes.subarray(0, cat[j]!.length), cat[j]!.categories));
    const columns = opts.headerOnly ? [] : names!.map((_, j) => (chunk ? view(j) : num[j] ? num[j]!.finish() : cat[j]!.finish()));
    return { names: names!, columns, rows, header: hasHeader, end, lines: line - 1 };
  }
}
