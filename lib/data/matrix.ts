/**
 * Tables → dense numeric matrices (row-major Float32Array), the form every
 * member trains on, and → core DMatrix. Missing values (null, undefined, NaN,
 * empty CSV cells) become NaN, which the tree learners treat as "missing".
 * Anything else that is not a number is an error naming the column.
 */
import type { Table } from "./csv";
import { DMatrix } from "../core";

/** A dense feature matrix with optional label, as members consume it. */
export interface Matrix {
  X: Float32Array; // row-major, nrow × ncol
  y?: Float32Array;
  nrow: number;
  ncol: number;
  featureNames: string[];
}

export interface ColumnChoice {
  label?: string;
  features?: string[];
}

function numericColumn(table: Table, name: string, role: "feature" | "label"): Float32Array {
  const values = table.array(name) as ArrayLike<unknown>;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number") out[i] = v;
    else if (v === null || v === undefined || v === "") {
      if (role === "label") throw new Error(`label column "${name}" has a missing value at row ${i}`);
      out[i] = NaN;
    } else {
      throw notNumeric(values, i, name, role);
    }
  }
  return out;
}

/** A string that reads as a number ("32.1", " 7 "): what arquero leaves as text when some other cell of the column is not a number. */
function numericText(v: unknown): boolean {
  return typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v));
}

function show(v: unknown): string {
  return `${v instanceof Date ? JSON.stringify(v.toISOString()) : JSON.stringify(v) ?? String(v)} (${v instanceof Date ? "date" : typeof v})`;
}

/**
 * The error for a column whose cell `first` is not a number. When the column was read as text
 * (arquero types a whole CSV column as strings as soon as one cell is not a number), the first
 * cells are usually numbers-as-text ("32.1"): name the first cell that really is not a number.
 */
function notNumeric(values: ArrayLike<unknown>, first: number, name: string, role: "feature" | "label"): Error {
  let bad = -1;
  for (let i = first; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number" || v === null || v === undefined || v === "" || numericText(v)) continue;
    bad = i;
    break;
  }
  const fix = role === "feature" ? "encode it as numbers or drop it from features" : "the label must be numeric";
  if (bad < 0) {
    // every cell reads as a number, but some are stored as text
    return new Error(
      `${role} column "${name}" is not numeric: it holds numbers stored as text (row ${first} holds ${show(values[first])}); convert the column to numbers`,
    );
  }
  const asText = bad !== first ? ` (the column was read as text: row ${first} holds ${show(values[first])})` : "";
  return new Error(`${role} column "${name}" is not numeric: row ${bad} holds ${show(values[bad])}${asText}; ${fix}`);
}

/** The feature names to use: given ones (checked), or all columns except the label. */
export function resolveFeatures(table: Table, opts: ColumnChoice): string[] {
  const columns = table.columnNames();
  if (opts.label !== undefined && !columns.includes(opts.label)) {
    throw new Error(`label column "${opts.label}" not found; columns are: ${columns.join(", ")}`);
  }
  const features = opts.features ?? columns.filter((c) => c !== opts.label);
  const missing = features.filter((f) => !columns.includes(f));
  if (missing.length) {
    throw new Error(`feature column${missing.length > 1 ? "s" : ""} not found: ${missing.map((m) => `"${m}"`).join(", ")}; columns are: ${columns.join(", ")}`);
  }
  if (opts.label !== undefined && features.includes(opts.label)) {
    throw new Error(`label column "${opts.label}" is also listed as a feature`);
  }
  if (features.length === 0) throw new Error("no feature columns to use");
  return features;
}

/** A Matrix whose label vector is there (`toMatrix` with a `label`). */
export type LabelledMatrix = Matrix & { y: Float32Array };

/** Table → row-major Float32Array (+ label). Errors name the offending column. */
export function toMatrix(table: Table, opts: ColumnChoice & { label: string }): LabelledMatrix;
export function toMatrix(table: Table, opts?: ColumnChoice): Matrix;
export function toMatrix(table: Table, opts: ColumnChoice = {}): Matrix {
  const nrow = table.numRows();
  if (nrow === 0) throw new Error("the table is empty (0 rows)");
  const featureNames = resolveFeatures(table, opts);
  const ncol = featureNames.length;
  const X = new Float32Array(nrow * ncol);
  featureNames.forEach((name, j) => {
    const col = numericColumn(table, name, "feature");
    for (let i = 0; i < nrow; i++) X[i * ncol + j] = col[i];
  });
  const y = opts.label !== undefined ? numericColumn(table, opts.label, "label") : undefined;
  return { X, y, nrow, ncol, featureNames };
}

/** number[][] (rows) → Matrix with the given feature names. */
export function matrixFromRows(rows: number[][], featureNames: string[]): Matrix {
  if (rows.length === 0) throw new Error("no rows to predict");
  const ncol = featureNames.length;
  const X = new Float32Array(rows.length * ncol);
  rows.forEach((r, i) => {
    if (r.length !== ncol) throw new Error(`row ${i} has ${r.length} values, expected ${ncol} (${featureNames.join(", ")})`);
    for (let j = 0; j < ncol; j++) X[i * ncol + j] = r[j] === null || r[j] === undefined ? NaN : Number(r[j]);
  });
  return { X, nrow: rows.length, ncol, featureNames };
}

/** The rows `idx` of a matrix (label included). */
export function takeRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const n = idx.length;
  const X = new Float32Array(n * m.ncol);
  const y = m.y ? new Float32Array(n) : undefined;
  for (let r = 0; r < n; r++) {
    const i = idx[r];
    X.set(m.X.subarray(i * m.ncol, (i + 1) * m.ncol), r * m.ncol);
    if (y) y[r] = m.y![i];
  }
  return { X, y, nrow: n, ncol: m.ncol, featureNames: m.featureNames };
}

/** Matrix → core DMatrix (caller frees it). */
export function matrixToDMatrix(m: Matrix): DMatrix {
  return new DMatrix(m.X, { nrow: m.nrow, ncol: m.ncol, label: m.y, missing: NaN, featureNames: m.featureNames });
}

/** Table → core DMatrix (caller frees it). */
export function toDMatrix(table: Table, opts: ColumnChoice = {}): DMatrix {
  return matrixToDMatrix(toMatrix(table, opts));
}
