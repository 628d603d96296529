/**
 * Typed table columns, as every loader (CSV, Parquet, Arrow, JSON) builds them:
 *   - numeric: a Float32Array, NaN = missing (the float32 the core trains on, 4 bytes a cell);
 *   - categorical: integer codes (Int32Array, -1 = missing) plus the categories (code → text, in order of
 *     first appearance), wrapped in a CategoricalColumn that arquero reads through `at(row)` like any
 *     column, so verbs (derive, filter, groupby) see the text while toMatrix reads the codes directly.
 * Builders grow their arrays by 1.5× and trim to the row count at the end: no per-row JS objects.
 */
import { decimalNumber } from "../core";

/** A text column stored as codes + categories; arquero sees the text (null for missing). */
export class CategoricalColumn {
  /** code per row, -1 for missing */
  readonly codes: Int32Array;
  /** category text per code (order of first appearance in the data read) */
  readonly categories: string[];

  constructor(codes: Int32Array, categories: string[]) {
    this.codes = codes;
    this.categories = categories;
  }

  get length(): number {
    return this.codes.length;
  }

  at(row: number): string | null {
    const c = this.codes[row];
    return c === undefined || c < 0 ? null : this.categories[c];
  }

  *[Symbol.iterator](): Iterator<string | null> {
    for (let i = 0; i < this.codes.length; i++) yield this.at(i);
  }

  toArray(): (string | null)[] {
    return Array.from(this.codes, (c) => (c < 0 ? null : this.categories[c]));
  }
}

/** A growing Float32Array. */
export class NumericBuilder {
  data: Float32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float32Array(Math.max(16, capacity));
  }

  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }

  grow(min: number): void {
    const next = new Float32Array(Math.max(min, Math.ceil(this.data.length * 1.5)));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  /** The column, trimmed to its length (a copy only when there is slack, so the slack is released). */
  finish(): Float32Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}

/** Codes for text values, categories in order of first appearance. */
export class CategoricalBuilder {
  codes: Int32Array;
  length = 0;
  readonly categories: string[] = [];
  private index = new Map<string, number>();

  constructor(capacity = 1024) {
    this.codes = new Int32Array(Math.max(16, capacity));
  }

  /** Append a value: text, or null for missing. */
  push(v: string | null): void {
    if (this.length === this.codes.length) this.grow(this.length + 1);
    this.codes[this.length++] = v === null ? -1 : this.code(v);
  }

  code(v: string): number {
    let c = this.index.get(v);
    if (c === undefined) {
      c = this.categories.length;
      this.categories.push(v);
      this.index.set(v, c);
    }
    return c;
  }

  grow(min: number): void {
    const next = new Int32Array(Math.max(min, Math.ceil(this.codes.length * 1.5)));
    next.set(this.codes.subarray(0, this.length));
    this.codes = next;
  }

  finish(): CategoricalColumn {
    return new CategoricalColumn(this.length === this.codes.length ? this.codes : this.codes.slice(0, this.length), this.categories);
  }
}

/** Values of any JS array (JSON, Parquet chunks) → a typed column: numeric when every non-missing value is a number (or bigint), else categorical (the text of each value). */
export function columnFromValues(values: ArrayLike<unknown>, isMissing: (v: unknown) => boolean, forceText = false): Float32Array | CategoricalColumn | (Date | null)[] {
  const n = values.length;
  let text = forceText;
  let dates = 0;
  for (let i = 0; i < n && !text; i++) {
    const v = values[i];
    if (isMissing(v)) continue;
    if (v instanceof Date) dates++;
    else if (typeof v !== "number" && typeof v !== "bigint") text = true;
  }
  if (!text && dates > 0) {
    // a timestamp column (Parquet/Arrow): kept as Date values for arquero's date functions
    return Array.from(values as ArrayLike<Date | null>, (v) => (isMissing(v) ? null : v));
  }
  if (!text) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      out[i] = isMissing(v) ? NaN : Number(v);
    }
    return out;
  }
  const b = new CategoricalBuilder(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    b.push(isMissing(v) ? null : textOf(v));
  }
  return b.finish();
}

/** The text of a cell: numbers as JavaScript writes them ("3", "2.5"), dates as ISO strings. */
export function textOf(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object" && v !== null) return JSON.stringify(v);
  return String(v);
}

/**
 * The missing-value tokens that read as numbers ("-999"), as numbers: a number cell equal to one is missing, as pandas'
 * na_values make it (its na_fvalues: -999.0 too). loadTable kept -999 as a value while the endpoint read it as missing.
 * `read` is the caller's reading of number text (the CSV parser's, or the core's decimalNumber).
 */
export function numericNaValues(tokens: Iterable<string>, read: (text: string) => number | undefined): Set<number> {
  const out = new Set<number>();
  for (const t of tokens) {
    const n = read(t);
    if (n !== undefined && !Number.isNaN(n)) out.add(n);
  }
  return out;
}

/** A loader's missing cells beyond null: text that is a token, a number equal to a token that reads as one. */
export interface MissingTokens {
  /** whether the text is a missing-value token (as is, or trimmed, as the CSV reader compares) */
  text(t: string): boolean;
  /** the number, or NaN when it is a token's */
  number(v: number): number;
}

/** The missing-value tokens as Parquet and Arrow cells are read with them, as CSV and JSON cells are: a table means
 * the same in every format (a Parquet string "NA" was a category, the same cell in CSV missing — and the endpoint,
 * which reads tokens as missing, could never send that category). */
export function missingTokens(naValues: ReadonlySet<string>, read: (text: string) => number | undefined): MissingTokens {
  const numbers = numericNaValues(naValues, read);
  return {
    text: (t) => naValues.has(t) || naValues.has(t.trim()),
    number: numbers.size ? (v) => (numbers.has(v) ? NaN : v) : (v) => v,
  };
}

/**
 * A cell's category code in a column whose categories are `index` (text → code), or undefined for a category the
 * column does not have. Beside the cell's text (textOf):
 *   - a number of a numeric column declared categorical, as the fit wrote it (float32Text: the loaded 0.1f is
 *     "0.1", not "0.10000000149011612" — predicting the training table itself made every such row unseen), and a
 *     number or a number's text read as a decimal number: "3.0" and 3 are category "3", 4 and "4" category "4.0"
 *     (a CSV file's text of a numeric column declared categorical), when one category reads as that number;
 *   - a boolean, or text that spells one, as the column spells it — "true"/"false" as JSON, Parquet and Arrow
 *     booleans load, "True"/"False" as pandas writes them into a CSV file, "TRUE"/"FALSE": a model trained on one
 *     format's booleans read another's as unseen categories (missing).
 */
export function categoryCode(index: ReadonlyMap<string, number>, v: unknown): number | undefined {
  const t = textOf(v);
  const k = index.get(t);
  if (k !== undefined) return k;
  if (typeof v === "number") {
    const f = index.get(float32Text(Math.fround(v)));
    if (f !== undefined) return f;
  }
  const flag = typeof v === "boolean" ? v : typeof v === "string" && /^(true|false)$/i.test(t.trim()) ? t.trim().toLowerCase() === "true" : undefined;
  if (flag !== undefined) {
    for (const spelt of flag ? ["true", "True", "TRUE"] : ["false", "False", "FALSE"]) {
      const b = index.get(spelt);
      if (b !== undefined) return b;
    }
    return undefined;
  }
  const n = typeof v === "number" ? v : typeof v === "string" ? decimalNumber(t) : undefined;
  if (n === undefined || !Number.isFinite(n)) return undefined;
  const k2 = index.get(String(n));
  if (k2 !== undefined) return k2;
  const numbers = numericIndex(index);
  return numbers.get(n) ?? (typeof v === "number" ? numbers.get(Number(float32Text(Math.fround(v)))) : undefined);
}

const numericIndexes = new WeakMap<ReadonlyMap<string, number>, Map<number, number>>();

/**
 * A column's categories that are decimal numbers, by their number (a number two categories spell, "1" and "1.0", is
 * left out: which one a cell means is not known). A numeric column declared categorical keeps a CSV file's text —
 * "4.0", as pandas writes a column of integers with missing values — where JSON, Parquet, Arrow and a request's
 * numbers read as 4: every such cell was an unseen category (the same table from pandas' to_json, all of them).
 */
function numericIndex(index: ReadonlyMap<string, number>): Map<number, number> {
  let out = numericIndexes.get(index);
  if (out) return out;
  out = new Map();
  const twice = new Set<number>();
  for (const [text, code] of index) {
    const n = decimalNumber(text);
    if (n === undefined || !Number.isFinite(n)) continue;
    if (out.has(n)) twice.add(n);
    else out.set(n, code);
  }
  for (const n of twice) out.delete(n);
  numericIndexes.set(index, out);
  return out;
}

/** The shortest decimal text that reads back as the same float32 (0.1f → "0.1", not "0.10000000149011612"; 3e20f →
 * "300000000000000000000", not the float32's exact "300000006012263200000": past 2^24 an integer's digits are not all
 * the float32's). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v) || (Number.isInteger(v) && Math.abs(v) <= 2 ** 24)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const t = v.toPrecision(p);
    if (Math.fround(Number(t)) === v) return String(Number(t));
  }
  return String(v);
}

/** UTF-8 that throws on bytes that are not UTF-8 (Buffer's decoding, and a plain TextDecoder's, put U+FFFD for each). */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The offset of the first byte of bytes[start, end) that is not UTF-8, or undefined when they all are — for the
 * readers' "not UTF-8" errors (a Latin-1 file's "café" and "cafè" were one category "caf\uFFFD"; pandas stops with a
 * UnicodeDecodeError). A U+FFFD written as UTF-8 (EF BF BD) is text like any other.
 */
export function firstInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number | undefined {
  const view = bytes.subarray(start, end);
  try {
    strictUtf8.decode(view);
    return undefined;
  } catch {
    /* found below */
  }
  // the text before the first bad byte is valid UTF-8 (genuine U+FFFDs included), so its bytes are the range's first
  const text = Buffer.from(view.buffer, view.byteOffset, view.length).toString("utf8");
  for (let i = text.indexOf("\uFFFD"); i >= 0; i = text.indexOf("\uFFFD", i + 1)) {
    const at = start + Buffer.byteLength(text.slice(0, i));
    if (!(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return at;
  }
  return end - 1;
}
