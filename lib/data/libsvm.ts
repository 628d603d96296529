/**
 * LIBSVM text (SageMaker's XGBoost's default content type, text/libsvm): a line is `label idx:value idx:value …`.
 * Read as XGBoost's DMatrix reads `file?format=libsvm` (XGBoost 1.7): an index is the feature's column as written
 * (0-based; a 1-based file has an empty column f0, as native's), the columns run to the largest index in any row,
 * an entry a row lacks is missing (NaN) — not 0 —, an explicit `idx:0` is the value 0, blank lines and `# …`
 * comments are skipped (as scikit-learn's load_svmlight_file skips them; native 1.7.4 skips comment lines only before
 * the first row, and reads one after it as a row labelled 0, with any idx:value in the comment), indices may come in
 * any order; a value that is a missing-value token (na_values, pandas'
 * defaults: "nan", "NA", … ) is missing, as in a CSV cell. The table is dense: `label` then f0 … fN (the names
 * XGBoost gives a DMatrix's features).
 *
 * Stricter than native's parser, which reads junk as numbers without a word (`1:abc` as 0, a negative index as a
 * crash): a token that is no number, a negative or fractional index, an index twice in a row, a value that is not
 * finite as a float32 is an Error naming the line. Instance weights (`label:weight`) and query ids (`qid:N`) are
 * refused: this project's fits take no weights and no ranking objectives, and a weight or a group dropped without a
 * word trains another model than the file says.
 */
import { decimalNumber } from "../core";
import { numericNaValues } from "./columns";
import { MAX_COLUMNS } from "./csvParse";
import { checkMemory, ColumnValues, LoadedColumns } from "./sources";

/** A LIBSVM text as sparse rows (CSR): per row its label (NaN where a body has none), and its entries. */
export interface LibsvmRows {
  rows: number;
  labels: Float64Array;
  /** row i's entries are indices/values[starts[i] .. starts[i + 1]) */
  starts: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  /** the largest index (-1 when no row has an entry) and the line it is on */
  maxIndex: number;
  maxIndexLine: number;
  /** each row's line number (1-based), for messages */
  lines: Int32Array;
}

export interface LibsvmOptions {
  /** "required": every line starts with a label (a training file); "optional": a first token without a colon is the
   * label (an inference body: SageMaker's XGBoost reads only the idx:value tokens, a leading label is ignored) */
  label: "required" | "optional";
  /** indices past this are an Error (default: the widest table the loader makes, MAX_COLUMNS) */
  maxIndex?: number;
  /** a blank line between rows is a row of no entries (every feature missing) — SageMaker's XGBoost serves a body so,
   * one prediction per line, which a batch transform's SplitType Line needs (a record a line); default: skipped, as
   * DMatrix reads a file. Comment lines are skipped either way. */
  blankRows?: boolean;
  /** why an index past maxIndex is refused (default: the loader's column limit) */
  tooLarge?: (index: number) => string;
  /** missing-value tokens (loadTable's na_values, a model's): a value that is one, or a number equal to one that reads
   * as a number (-999), is missing — as the CSV reader reads a cell */
  naValues?: ReadonlySet<string>;
}

/** the first line of a LIBSVM file: a number (maybe label:weight), then idx:value or qid:N tokens (sniffFormat's test) */
const FIRST_LINE = /^[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?::\S+)?(?:[ \t]+(?:qid:\S+|\d+:\S+))+[ \t]*(?:#.*)?$/;

/** Whether the text's first line (a file's head) reads as LIBSVM: a number then idx:value pairs. `cut`: the head is a
 * file's first bytes and may end inside that line (then what is whole of it is tested). */
export function looksLikeLibsvm(head: string, cut = false): boolean {
  // blank and comment lines first are skipped, as the parser skips them
  const start = head.replace(/^\uFEFF/, "").replace(/^(?:[ \t]*(?:#[^\n]*)?\r?\n)+/, "");
  const end = start.search(/\r?\n/);
  // a head cut inside the first line: test what is whole of it (up to its last blank) — whatever the blank and
  // comment lines before it took of the head (a `#` line first left less than 4096 characters: a LIBSVM part was CSV)
  const line = end >= 0 ? start.slice(0, end) : cut ? start.slice(0, Math.max(0, start.search(/[ \t]\S*$/))) : start;
  return FIRST_LINE.test(line);
}

const short = (t: string) => (t.length > 40 ? `${JSON.stringify(t.slice(0, 40))}…` : JSON.stringify(t));

/** A value: a decimal, or NaN in any spelling (missing, as scikit-learn reads it), or a missing-value token; finite
 * as a float32 (as the core stores it), else an Error. */
function value(t: string, fail: (why: string) => never, na: ReadonlySet<string> | undefined, naNumbers: ReadonlySet<number>): number {
  if (na?.has(t)) return NaN;
  const n = decimalNumber(t);
  if (n === undefined) {
    if (/^[+-]?nan$/i.test(t)) return NaN;
    fail(`value ${short(t)} is not a number`);
  }
  const f = Math.fround(n);
  if (f === Infinity || f === -Infinity) fail(`value ${short(t)} is beyond the float32 range (±3.4e38)`);
  return naNumbers.has(n) ? NaN : n;
}

/** Parse LIBSVM text; errors are `${what}: line N: …`. */
export function parseLibsvm(text: string, what: string, opts: LibsvmOptions): LibsvmRows {
  const maxAllowed = opts.maxIndex ?? MAX_COLUMNS - 2;
  const naNumbers = opts.naValues ? numericNaValues(opts.naValues, decimalNumber) : new Set<number>();
  let cap = 1024;
  let indices = new Int32Array(cap), values = new Float32Array(cap);
  const labels: number[] = [], starts: number[] = [0], lines: number[] = [];
  let n = 0, maxIndex = -1, maxIndexLine = 0;
  // the last row each index was seen in (a repeated index within a row is an Error)
  const seenIn = new Int32Array(Math.min(maxAllowed, MAX_COLUMNS) + 1).fill(-1);
  let line = 0;
  const fail = (why: string): never => {
    throw new Error(`${what}: line ${line}: ${why} (LIBSVM lines are \`label index:value …\`)`);
  };
  // scanned by character codes, token by token (split and a regex per line read ~8 MB/s)
  const blank = (c: number) => c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // with blankRows, blank lines before the first row and after the last are none (the container strips the body)
  const bodyStart = opts.blankRows ? text.search(/\S/) : 0;
  const bodyEnd = opts.blankRows ? text.trimEnd().length : 0;
  while (pos <= text.length) {
    line++;
    let end = text.indexOf("\n", pos);
    if (end < 0) end = text.length;
    // a comment runs from # to the line's end (searched within the line: indexOf past it read the file once a line)
    for (let k = pos; k < end; k++) {
      if (text.charCodeAt(k) === 35) {
        end = k;
        break;
      }
    }
    let i = pos;
    const lineEnd = text.indexOf("\n", end);
    const comment = end < (lineEnd < 0 ? text.length : lineEnd);
    pos = lineEnd + 1 || text.length + 1;
    while (i < end && blank(text.charCodeAt(i))) i++;
    if (i >= end && !(opts.blankRows && !comment && i > bodyStart && i < bodyEnd)) continue;
    const row = labels.length;
    let label = NaN;
    let first = true;
    while (i < end) {
      const t0 = i;
      let colon = -1;
      while (i < end && !blank(text.charCodeAt(i))) {
        if (colon < 0 && text.charCodeAt(i) === 58) colon = i;
        i++;
      }
      const t1 = i;
      while (i < end && blank(text.charCodeAt(i))) i++;
      if (first && (opts.label === "required" || colon < 0)) {
        first = false;
        const t = text.slice(t0, t1);
        if (colon >= 0) fail(`the label ${short(t)} carries an instance weight (label:weight), which is not supported: the fits take no weights — remove "${t.slice(colon - t0)}"`);
        const v = decimalNumber(t);
        if (v === undefined || !Number.isFinite(v)) fail(`the label ${short(t)} is not a number`);
        label = v!;
        continue;
      }
      first = false;
      if (colon < 0) fail(`${short(text.slice(t0, t1))} is not an index:value pair`);
      // the index: digits (a sign is named below), read as they come
      let idx = 0;
      let digits = colon > t0;
      for (let k = t0; k < colon; k++) {
        const c = text.charCodeAt(k) - 48;
        if (c < 0 || c > 9) {
          digits = false;
          break;
        }
        idx = idx * 10 + c;
      }
      if (!digits) {
        const t = text.slice(t0, t1), ix = text.slice(t0, colon);
        if (ix === "qid") fail(`${short(t)}: query ids (qid) are not supported — no ranking objective is; remove the qid: tokens`);
        if (/^-\d+$/.test(ix)) fail(`index ${ix} in ${short(t)} is negative (indices count features from 0 or 1)`);
        fail(`index ${short(ix)} in ${short(t)} is not a whole number`);
      }
      if (idx > maxAllowed) fail(opts.tooLarge?.(idx) ?? `feature index ${idx} is past the largest this reader takes, ${maxAllowed} (a table of ${(idx + 2).toLocaleString("en-US")} columns): the table is dense, a column for every index up to the largest`);
      if (seenIn[idx] === row) fail(`index ${idx} appears twice in the row`);
      seenIn[idx] = row;
      const v = value(text.slice(colon + 1, t1), fail, opts.naValues, naNumbers);
      if (n === cap) {
        cap *= 2;
        const ni = new Int32Array(cap), nv = new Float32Array(cap);
        ni.set(indices);
        nv.set(values);
        indices = ni;
        values = nv;
      }
      indices[n] = idx;
      values[n++] = v;
      if (idx > maxIndex) {
        maxIndex = idx;
        maxIndexLine = line;
      }
    }
    labels.push(label);
    starts.push(n);
    lines.push(line);
  }
  return {
    rows: labels.length, labels: Float64Array.from(labels), starts: Int32Array.from(starts), indices: indices.subarray(0, n), values: values.subarray(0, n),
    maxIndex, maxIndexLine, lines: Int32Array.from(lines),
  };
}

/** LIBSVM feature column names: f0 … f(count - 1), as XGBoost names a DMatrix's features */
export const libsvmFeatureNames = (count: number): string[] => Array.from({ length: count }, (_, j) => `f${j}`);

/** A LIBSVM file's bytes → columns `label`, f0 … fN, dense, absent entries missing; refused before the dense table is
 * made when it would not fit in `maxMemory` (naming the rows, the largest index and the cells). */
export function readLibsvm(bytes: Uint8Array, what: string, maxMemory: number, naValues: ReadonlySet<string>): LoadedColumns {
  // one string, as JSON: V8's strings end at ~512 MB
  if (bytes.length > 500e6) throw new Error(`${what}: ${Math.round(bytes.length / 1e6)} MB of LIBSVM is too large to read as one text; split it into files of under 500 MB (a folder is read file by file)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${what}: LIBSVM text is not valid UTF-8`);
  }
  const p = parseLibsvm(text, what, { label: "required", naValues });
  const ncol = p.maxIndex + 1;
  try {
    checkMemory(what, p.rows, ncol + 1, maxMemory, false);
  } catch (e) {
    throw new Error(`${what}: its largest feature index, ${p.maxIndex} (line ${p.maxIndexLine}), makes a dense table of ${p.rows.toLocaleString("en-US")} rows × ${ncol + 1} columns (${(p.rows * (ncol + 1)).toLocaleString("en-US")} cells) — ${(e as Error).message.slice(what.length + 2)}`);
  }
  const columns: ColumnValues[] = [Float32Array.from(p.labels)];
  for (let j = 0; j < ncol; j++) columns.push(new Float32Array(p.rows).fill(NaN));
  for (let r = 0; r < p.rows; r++) {
    for (let k = p.starts[r]; k < p.starts[r + 1]; k++) (columns[p.indices[k] + 1] as Float32Array)[r] = p.values[k];
  }
  return { names: ["label", ...libsvmFeatureNames(ncol)], columns, rows: p.rows };
}

/** A folder's LIBSVM parts as one width: each file's columns run to its own largest index, so the narrower ones get
 * the missing columns (every entry absent) that the widest has. */
export function widenLibsvmParts(parts: LoadedColumns[]): void {
  const width = Math.max(...parts.map((p) => p.names.length));
  for (const p of parts) {
    while (p.names.length < width) {
      p.names.push(`f${p.names.length - 1}`);
      p.columns.push(new Float32Array(p.rows).fill(NaN));
    }
  }
}
