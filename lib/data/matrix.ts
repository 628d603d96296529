/**
 * Tables → dense feature matrices (row-major Float32Array), the form every member trains on (./core-matrix
 * turns them into the core's DMatrix).
 *
 * Fitting (toMatrix): each feature column is numeric (its numbers; missing — null, NaN, empty — becomes
 * NaN, which the trees treat as missing) or categorical: a column whose non-missing cells are not all
 * numbers, a loaded text column, or one declared in `categorical`. A categorical column's cells become
 * integer codes 0, 1, … in order of first appearance in these rows (its `categories`, code → text; a
 * number's category is its text, "3"), missing → NaN; the column is marked categorical for the core
 * (`catFeatures`). A label column of text becomes class indexes with the classes sorted (as
 * scikit-learn's LabelEncoder): for binary:* and multi:* objectives only.
 *
 * Applying (encodeRows, at prediction time): the fitted columns (`ColumnSchema[]`) read new rows — a
 * table, rows as arrays or rows as objects by name — with the same codes; a category not seen in
 * training becomes missing (NaN: the xgboost member sends it down the missing branch, the catboost
 * member gives it the prior), and missing and unseen cells are counted per column (`Drift`).
 */
import { CategoricalColumn, categoryCode, float32Text, textOf } from "./columns";
import type { Table } from "./table";
import { coreFloats, decimalNumber, objectiveTask, shownValue } from "../core";

export type ColumnType = "numeric" | "categorical";

/** A feature column as fitted: its type and, when categorical, its categories (code → text, in training order). */
export interface ColumnSchema {
  name: string;
  type: ColumnType;
  categories?: string[];
}

/** A dense feature matrix with optional label, as members consume it. */
export interface Matrix {
  X: Float32Array; // row-major, nrow × ncol
  y?: Float32Array;
  nrow: number;
  ncol: number;
  featureNames: string[];
  /** Each feature's type and categories (absent: every feature numeric). */
  columns?: ColumnSchema[];
  /** The class labels when the label column held text (class index → label). */
  classes?: string[];
}

/** A Matrix whose label vector is there (`toMatrix` with a `label`). */
export type LabelledMatrix = Matrix & { y: Float32Array };

export interface ColumnChoice {
  label?: string;
  features?: string[];
  /** Feature columns to treat as categorical although they hold numbers (integer-coded categories). */
  categorical?: string[];
  /** The objective the label is for: text labels need binary:* or multi:* (default: any). */
  objective?: string;
  /** X and y in SharedArrayBuffers, so worker threads read them without a copy (crossValidate's `workers`). */
  shared?: boolean;
  /**
   * X in the core's own memory (core's `coreFloats`, where the core's memory is shared — then also readable by
   * worker threads): the core's DMatrix of the matrix (holdCoreMatrix) reads it without a copy, so a large table
   * is held once, not twice. A training job sets it.
   */
  inCore?: boolean;
}

/** A Float32Array of n zeros: in the core's memory when `inCore` and the core's memory is shared, else in a SharedArrayBuffer when `shared`. */
function floats(n: number, shared = false, inCore = false): Float32Array {
  const core = inCore ? coreFloats(n) : undefined;
  if (core) return core.fill(0);
  return shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
}

/** Missing and unseen cells per categorical/numeric column of a prediction input. */
export type Drift = Record<string, { missing: number; unseen: number }>;

/** The most categories one column may have (the core keeps category codes in 16 bits). */
export const MAX_CATEGORIES = 65535;

function show(v: unknown): string {
  return `${v instanceof Date ? JSON.stringify(v.toISOString()) : JSON.stringify(v) ?? String(v)} (${v instanceof Date ? "date" : typeof v})`;
}

const isMissing = (v: unknown) => v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v));

/** A table column's raw storage and the row order to read it in (a filtered or ordered table reads through its indices). */
interface Source {
  at(i: number): unknown;
  n: number;
  raw: unknown;
  rows?: Uint32Array | number[];
}

function source(table: Table, name: string): Source {
  const col = table.column(name) as unknown as { at(i: number): unknown };
  const rows = table.isFiltered() || table.isOrdered() ? (table.indices() as Uint32Array) : undefined;
  const n = table.numRows();
  return { at: rows ? (i) => col.at(rows[i]) : (i) => col.at(i), n, raw: col, rows };
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
  const cat = opts.categorical;
  if (cat !== undefined && (!Array.isArray(cat) || cat.some((c) => typeof c !== "string"))) {
    throw new Error(`categorical must be a list of column names (got ${shownValue(cat)})`);
  }
  const absent = (cat ?? []).filter((c) => !features.includes(c));
  if (absent.length) {
    const where = absent.map((c) => (columns.includes(c) ? `"${c}" (not a feature)` : `"${c}"`)).join(", ");
    throw new Error(`categorical column${absent.length > 1 ? "s" : ""} ${where} not found among the features: ${features.join(", ")}`);
  }
  return features;
}

/** Whether a column's cells are all numbers (or missing); the first other cell otherwise. */
function firstNonNumber(src: Source): number {
  const raw = src.raw;
  if (raw instanceof Float32Array || raw instanceof Float64Array || raw instanceof Int32Array) return -1;
  if (raw instanceof CategoricalColumn) {
    for (let i = 0; i < src.n; i++) if (src.at(i) !== null) return i;
    return -1;
  }
  for (let i = 0; i < src.n; i++) {
    const v = src.at(i);
    if (!isMissing(v) && typeof v !== "number") return i;
  }
  return -1;
}

function checkNotDates(src: Source, name: string, role: string): void {
  for (let i = 0; i < src.n; i++) {
    const v = src.at(i);
    if (isMissing(v)) continue;
    if (v instanceof Date) {
      throw new Error(`${role} column "${name}" holds dates (row ${i} holds ${v.toISOString()}); derive numbers from it (year, month, hour… with an arquero derive) or leave it out of the features`);
    }
    return;
  }
}

/** Numeric feature column j → X. */
function numericInto(X: Float32Array, ncol: number, j: number, src: Source, name: string): void {
  const raw = src.raw;
  // each value checked as it is written (a second pass over a column of the row-major X touches every row's cache lines)
  if ((raw instanceof Float32Array || raw instanceof Float64Array) && !src.rows) {
    for (let i = 0; i < src.n; i++) {
      const v = raw[i];
      X[i * ncol + j] = v;
      if (Math.abs(Math.fround(v)) === Infinity) throw notFinite("feature", name, i, v);
    }
    return;
  }
  for (let i = 0; i < src.n; i++) {
    const v = src.at(i);
    if (typeof v === "number") {
      X[i * ncol + j] = v;
      if (Math.abs(Math.fround(v)) === Infinity) throw notFinite("feature", name, i, v);
    } else if (isMissing(v)) X[i * ncol + j] = NaN;
    else throw new Error(`feature column "${name}" is not numeric: row ${i} holds ${show(v)}`);
  }
}

/**
 * An infinite number in a feature or label column, named with its column and row: XGBoost trains on neither (its
 * DMatrix refuses inf; the core's said "X[3][0] is Infinity", naming no column). Most come from a file: the tables
 * hold float32, XGBoost's precision, in which a value past ±3.4e38 that pandas reads as a float64 (1e39) is infinite.
 */
function notFinite(kind: "feature" | "label", name: string, row: number, v: unknown): Error {
  const why = typeof v === "number" && Number.isFinite(v)
    ? `holds ${v}, beyond float32's range (±3.4e38), the precision the trees train on`
    : `holds ${String(v)} (a value beyond float32's range, ±3.4e38, such as 1e39 in a file, is read as one)`;
  return new Error(`${kind} column "${name}", row ${row} ${why}: ${kind === "label" ? "labels" : "features"} must be finite numbers${kind === "feature" ? " or missing" : ""} — rescale the column (a log, other units) or leave the row out`);
}

/** Categorical feature column j → codes in X (first appearance), returns the categories. */
function categoricalInto(X: Float32Array, ncol: number, j: number, src: Source, name: string): string[] {
  const raw = src.raw;
  const categories: string[] = [];
  const tooMany = () =>
    new Error(`feature column "${name}" has more than ${MAX_CATEGORIES.toLocaleString("en-US")} categories (the core's limit per column); leave it out of the features or group its rare values`);
  if (raw instanceof CategoricalColumn) {
    // loader codes → codes in order of first appearance in these rows
    const map = new Int32Array(raw.categories.length).fill(-1);
    for (let i = 0; i < src.n; i++) {
      const c = raw.codes[src.rows ? src.rows[i] : i];
      if (c < 0) {
        X[i * ncol + j] = NaN;
        continue;
      }
      let code = map[c];
      if (code < 0) {
        if (categories.length === MAX_CATEGORIES) throw tooMany();
        code = map[c] = categories.length;
        categories.push(raw.categories[c]);
      }
      X[i * ncol + j] = code;
    }
    return categories;
  }
  const index = new Map<string, number>();
  const f32 = raw instanceof Float32Array; // a loaded numeric column declared categorical: its numbers as written
  for (let i = 0; i < src.n; i++) {
    const v = src.at(i);
    if (isMissing(v)) {
      X[i * ncol + j] = NaN;
      continue;
    }
    // float32 keeps integers exact only below 2^24: larger codes may be several written codes rounded to one
    // (stores 123456789 and 123456790 both 123456792) — merged categories, silently
    if (f32 && Math.abs(v as number) >= 16_777_216 && Number.isInteger(v))
      throw new Error(`feature column "${name}" is declared categorical but was read as numbers, and row ${i} holds ${v}: integer codes from 16,777,216 on are not exact as float32, so different codes may have been read as one; read it as text — loadTable's categorical option, or in a training job codes that are not numbers ("s123456789")`);
    const t = f32 ? float32Text(v as number) : textOf(v);
    let code = index.get(t);
    if (code === undefined) {
      if (categories.length === MAX_CATEGORIES) throw tooMany();
      code = categories.length;
      categories.push(t);
      index.set(t, code);
    }
    X[i * ncol + j] = code;
  }
  return categories;
}

/** text that is a finite decimal number ("0x10" is not: the endpoint refuses it too) */
const looksNumeric = (t: string) => Number.isFinite(decimalNumber(t) ?? NaN);

/** A label column with missing values: how many, the first, and how to leave those rows out (a training job leaves
 * them out itself and says so; here the rows are the caller's to choose) */
function missingLabels(src: { n: number; at(i: number): unknown }, name: string, first: number): Error {
  let count = 0;
  for (let i = 0; i < src.n; i++) if (isMissing(src.at(i))) count++;
  return new Error(
    `label column "${name}" has ${count} missing value${count > 1 ? "s" : ""} (the first at row ${first}); leave those rows out first, e.g. table.filter(aq.escape((d) => d[${JSON.stringify(name)}] != null && d[${JSON.stringify(name)}] !== "" && !Number.isNaN(d[${JSON.stringify(name)}])))`,
  );
}

/** The label column → y, and the classes when it holds text. */
function labelVector(table: Table, name: string, objective: string | undefined, shared = false): { y: Float32Array; classes?: string[] } {
  const src = source(table, name);
  const n = src.n;
  const y = floats(n, shared);
  checkNotDates(src, name, "label");
  for (let i = 0; i < n; i++) if (isMissing(src.at(i))) throw missingLabels(src, name, i);
  const textRow = firstNonNumber(src);
  if (textRow < 0) {
    const raw = src.raw;
    if ((raw instanceof Float32Array || raw instanceof Float64Array) && !src.rows) y.set(raw);
    else for (let i = 0; i < n; i++) y[i] = src.at(i) as number;
    for (let i = 0; i < n; i++) if (Math.abs(y[i]) === Infinity) throw notFinite("label", name, i, src.at(i)); // y is one column: one pass
    return { y };
  }
  // text labels: never mixed with numbers
  const texts: string[] = new Array(n);
  let numberRow = -1, wordRow = -1;
  for (let i = 0; i < n; i++) {
    const v = src.at(i);
    texts[i] = textOf(v);
    const numeric = typeof v === "number" || (typeof v === "string" && looksNumeric(v));
    if (numeric && numberRow < 0) numberRow = i;
    if (!numeric && wordRow < 0) wordRow = i;
  }
  if (numberRow >= 0 && wordRow >= 0) {
    throw new Error(`label column "${name}" mixes numbers and text: row ${numberRow} holds ${show(src.at(numberRow))} but row ${wordRow} holds ${show(src.at(wordRow))}; labels must be all numbers or all class names`);
  }
  if (objective !== undefined && objectiveTask(objective) !== "binary" && objectiveTask(objective) !== "multiclass") {
    throw new Error(`label column "${name}" holds text (row ${textRow} holds ${show(src.at(textRow))}) but the objective ${objective} needs numbers; for class labels use binary:logistic or multi:softprob`);
  }
  // sorted as scikit-learn's LabelEncoder sorts; class names that are all numbers (a declared categorical label) by value
  const unique = [...new Set(texts)];
  const classes = unique.every(looksNumeric) ? unique.sort((a, b) => Number(a) - Number(b)) : unique.sort();
  if (objective !== undefined && objectiveTask(objective) === "binary" && classes.length !== 2) {
    throw new Error(`label column "${name}" has ${classes.length} class${classes.length === 1 ? "" : "es"} (${classes.slice(0, 10).join(", ")}${classes.length > 10 ? ", …" : ""}) but ${objective} needs exactly 2`);
  }
  const index = new Map(classes.map((c, k) => [c, k]));
  for (let i = 0; i < n; i++) y[i] = index.get(texts[i])!;
  return { y, classes };
}

/** Table → row-major Float32Array (+ label), typing each column (see the module comment). Errors name the column. */
export function toMatrix(table: Table, opts: ColumnChoice & { label: string }): LabelledMatrix;
export function toMatrix(table: Table, opts?: ColumnChoice): Matrix;
export function toMatrix(table: Table, opts: ColumnChoice = {}): Matrix {
  const nrow = table.numRows();
  if (nrow === 0) throw new Error("the table is empty (0 rows)");
  const featureNames = resolveFeatures(table, opts);
  const declared = new Set(opts.categorical ?? []);
  const ncol = featureNames.length;
  const X = floats(nrow * ncol, opts.shared, opts.inCore);
  const columns: ColumnSchema[] = featureNames.map((name, j) => {
    const src = source(table, name);
    checkNotDates(src, name, "feature");
    if (declared.has(name) || firstNonNumber(src) >= 0) {
      return { name, type: "categorical", categories: categoricalInto(X, ncol, j, src, name) };
    }
    numericInto(X, ncol, j, src, name);
    return { name, type: "numeric" };
  });
  const m: Matrix = { X, nrow, ncol, featureNames, columns };
  if (opts.label !== undefined) {
    const { y, classes } = labelVector(table, opts.label, opts.objective, opts.shared);
    m.y = y;
    if (classes) m.classes = classes;
  }
  return m;
}

/** Whether x is a labelled matrix (toMatrix's, with a label), not a table. */
export function isLabelledMatrix(x: Table | LabelledMatrix): x is LabelledMatrix {
  return (x as LabelledMatrix).X instanceof Float32Array && (x as LabelledMatrix).y instanceof Float32Array;
}

/**
 * What crossValidate, Ensemble.fit and fitParallel train on: a table typed by toMatrix with these options, or the
 * labelled matrix toMatrix made of it, as given (a training job makes it once and lets the table go). With
 * `shared` worker threads read it: a given matrix must then be in shared memory. Errors start with `what`.
 */
export function trainingMatrix(input: Table | LabelledMatrix, opts: ColumnChoice & { label: string }, what: string): LabelledMatrix {
  if (!isLabelledMatrix(input)) return toMatrix(input, opts);
  if (opts.features || opts.categorical) throw new Error(`${what}: features and categorical choose a table's columns; a matrix has its columns already`);
  if (opts.shared && !floatsReleased(input) && !(input.X.buffer instanceof SharedArrayBuffer)) {
    throw new Error(`${what}: worker threads read the matrix: make it with toMatrix(table, { shared: true }) (or give the table)`);
  }
  return input;
}

/** the X arrays standing for released floats (releasedX) */
const releasedXs = new WeakSet<object>();

/**
 * An X that throws on every read, standing for the floats of an nrow × ncol matrix that were released once binned
 * (core-matrix.ts releaseFloats): its identity still keys the matrix's held core DMatrix, and whatever would read
 * the floats fails with an Error saying why instead of reading freed memory.
 */
export function releasedX(nrow: number, ncol: number, maxBins: number[]): Float32Array {
  const why = `the matrix's floats were released once binned (releaseFloats, max_bin ${maxBins.join(", ")}): only the core's bins of it remain`;
  const X = new Proxy(new Float32Array(0), {
    get(_target, key) {
      throw new Error(`reading X${typeof key === "string" ? `.${key}` : ""} of a ${nrow} × ${ncol} matrix: ${why}`);
    },
    set() {
      throw new Error(`writing X of a ${nrow} × ${ncol} matrix: ${why}`);
    },
  });
  releasedXs.add(X);
  return X;
}

/** Whether m's floats were released (its X is a releasedX). */
export function floatsReleased(m: Matrix): boolean {
  return releasedXs.has(m.X);
}

/** Indices of the categorical features of a matrix. */
export function categoricalIndices(m: Matrix): number[] {
  return (m.columns ?? []).flatMap((c, j) => (c.type === "categorical" ? [j] : []));
}

/** Rows of a prediction input, however they come. */
export type RowsInput = Table | unknown[][] | Record<string, unknown>[];

function isTable(x: unknown): x is Table {
  return typeof x === "object" && x !== null && typeof (x as Table).columnNames === "function" && typeof (x as Table).numRows === "function";
}

/**
 * Encode prediction rows with the fitted columns: a table or objects by column name, or arrays in feature
 * order. Numbers-as-text ("3.5") are read for numeric columns; other text there is an Error naming the row,
 * column and value. Unseen categories and missing cells become NaN and are counted in `drift`.
 */
export function encodeRows(input: RowsInput, columns: ColumnSchema[], missingTokens: ReadonlySet<string> = new Set()): { matrix: Matrix; drift: Drift } {
  const ncol = columns.length;
  const names = columns.map((c) => c.name);
  let nrow: number;
  let cell: (i: number, j: number) => unknown;
  let rowName = (i: number) => `row ${i}`;
  if (isTable(input)) {
    const absent = names.filter((n) => !input.columnNames().includes(n));
    if (absent.length) throw new Error(`feature column${absent.length > 1 ? "s" : ""} not found: ${absent.map((a) => `"${a}"`).join(", ")}; the input has: ${input.columnNames().join(", ")}`);
    const sources = names.map((n) => source(input, n));
    nrow = input.numRows();
    cell = (i, j) => sources[j].at(i);
  } else if (Array.isArray(input)) {
    nrow = input.length;
    input.forEach((r, i) => {
      if (Array.isArray(r)) {
        if (r.length !== ncol) throw new Error(`row ${i} has ${r.length} values, expected ${ncol} (${names.join(", ")})`);
      } else if (r === null || typeof r !== "object") {
        throw new Error(`row ${i} is ${JSON.stringify(r)}; rows are arrays of values or objects by column name`);
      } else {
        // every feature named, as a table must have every feature column: an absent key — a misspelt one ("BMI" for
        // "bmi") — would be read as a missing value, a silently different prediction. Other keys (the label) are not read.
        for (const n of names) {
          if (n in r) continue;
          const absent = names.filter((a) => !(a in r)).map((a) => `"${a}"`);
          throw new Error(`row ${i} has no ${absent.join(", ")} (its keys: ${Object.keys(r).join(", ")}); give null for a missing value`);
        }
      }
    });
    cell = (i, j) => {
      const r = input[i] as unknown[] | Record<string, unknown>;
      return Array.isArray(r) ? r[j] : r[names[j]];
    };
    rowName = (i) => `row ${i}`;
  } else throw new Error("rows to predict must be a table, an array of rows (arrays or objects by column name) or a Matrix");
  return encodeCells(nrow, cell, columns, missingTokens, rowName);
}

/**
 * A matrix made with other columns than the fitted ones (toMatrix of new rows: its categories' codes are in the order
 * of first appearance in those rows, a column numeric there may be categorical in training or the other way) read
 * with the fitted columns, cell by cell as encodeRows reads a table: a code by its category's text. Its codes taken
 * as the fitted codes were other categories — a silently wrong prediction.
 */
export function recodeMatrix(m: Matrix & { columns: ColumnSchema[] }, columns: ColumnSchema[], missingTokens: ReadonlySet<string> = new Set()): { matrix: Matrix; drift: Drift } {
  const given = m.columns;
  const cell = (i: number, j: number): unknown => {
    const x = m.X[i * m.ncol + j];
    const cats = given[j].type === "categorical" ? given[j].categories ?? [] : undefined;
    return cats === undefined ? x : Number.isNaN(x) ? null : cats[x];
  };
  return encodeCells(m.nrow, cell, columns, missingTokens, (i) => `row ${i}`);
}

/**
 * m read as a model trained on `columns` reads it: as it is when its columns are those (or either is not known),
 * else recoded by its categories' text (recodeMatrix: unseen → missing). Its label, if any, is kept.
 */
export function withColumns(m: Matrix, columns: ColumnSchema[] | undefined, missingTokens?: ReadonlySet<string>): Matrix {
  if (!columns || !m.columns || m.columns === columns || sameColumns(m.columns, columns)) return m;
  const { matrix } = recodeMatrix(m as Matrix & { columns: ColumnSchema[] }, columns, missingTokens);
  return m.y ? { ...matrix, y: m.y } : matrix;
}

/**
 * An evaluation matrix read as the training matrix m: toMatrix of other rows has its own category codes (their order
 * of first appearance there) and its own classes (the sorted labels it holds: a class it lacks shifts the others'
 * indexes) — taken as m's, the per-round metrics scored other categories and classes, silently (penguins' Island:
 * mlogloss 0.796 where the same rows as a table scored 0.427). Recoded by text, as predict reads such a matrix.
 */
export function evalMatrixFor(e: Matrix, m: Matrix, missingTokens?: ReadonlySet<string>): Matrix {
  if (e === m || (e.columns === m.columns && e.classes === m.classes)) return e;
  if (e.ncol !== m.ncol || e.featureNames.some((n, j) => n !== m.featureNames[j]))
    throw new Error(`evalSet: the training matrix's features are [${m.featureNames.join(", ")}] but the eval set's are [${e.featureNames.join(", ")}]`);
  const { classes: _own, ...out } = withColumns(e, m.columns, missingTokens);
  const asTrained = m.classes ? { ...out, classes: m.classes } : out; // its classes once its labels are m's indexes
  // a matrix without classes holds its labels as they are (as one without columns holds codes)
  if (!e.y || !e.classes || e.classes === m.classes || (m.classes && e.classes.length === m.classes.length && e.classes.every((c, k) => c === m.classes![k]))) return asTrained;
  if (!m.classes) throw new Error(`evalSet: its labels are text (classes ${e.classes.join(", ")}) but the training matrix's are numbers`);
  const index = new Map(m.classes.map((c, k) => [c, k]));
  const codes = e.classes.map((c) => index.get(c) ?? -1);
  const y = new Float32Array(e.y.length);
  for (let i = 0; i < y.length; i++) {
    const k = codes[e.y[i]];
    if (k < 0) throw new Error(`evalSet: label row ${i} is ${JSON.stringify(e.classes[e.y[i]])}, not one of the classes seen in training (${m.classes.join(", ")})`);
    y[i] = k;
  }
  return { ...asTrained, y };
}

/** Whether a matrix's columns are the fitted ones (types and categories in the same order): its codes are theirs. */
export function sameColumns(a: readonly ColumnSchema[], b: readonly ColumnSchema[]): boolean {
  return a.length === b.length && a.every((c, j) => c.name === b[j].name && c.type === b[j].type && (c.categories ?? []).length === (b[j].categories ?? []).length && (c.categories ?? []).every((t, k) => t === b[j].categories![k]));
}

function encodeCells(nrow: number, cell: (i: number, j: number) => unknown, columns: ColumnSchema[], missingTokens: ReadonlySet<string>, rowName: (i: number) => string): { matrix: Matrix; drift: Drift } {
  const ncol = columns.length;
  const names = columns.map((c) => c.name);
  if (nrow === 0) throw new Error("no rows to predict");
  const X = new Float32Array(nrow * ncol);
  const drift: Drift = {};
  columns.forEach((col, j) => {
    const d = (drift[col.name] = { missing: 0, unseen: 0 });
    const missing = (v: unknown) => isMissing(v) || (typeof v === "string" && missingTokens.has(v));
    if (col.type === "categorical") {
      const index = new Map((col.categories ?? []).map((t, k) => [t, k]));
      for (let i = 0; i < nrow; i++) {
        const v = cell(i, j);
        let code = NaN;
        if (missing(v)) d.missing++;
        else {
          const k = categoryCode(index, v);
          if (k === undefined) d.unseen++;
          else code = k;
        }
        X[i * ncol + j] = code;
      }
      return;
    }
    for (let i = 0; i < nrow; i++) {
      const v = cell(i, j);
      let x: number;
      if (typeof v === "number") x = v;
      else if (missing(v)) x = NaN;
      else if (typeof v === "string" && looksNumeric(v)) x = Number(v);
      else throw new Error(`${rowName(i)}, column "${col.name}": ${show(v)} is not a number (the column is numeric)`);
      if (Number.isNaN(x)) d.missing++;
      X[i * ncol + j] = x;
      if (Math.abs(X[i * ncol + j]) === Infinity) throw notFinite("feature", col.name, i, v);
    }
  });
  return { matrix: { X, nrow, ncol, featureNames: names, columns }, drift };
}

/** Labels of new rows → class indexes with the fitted classes (for evaluation sets); an unknown class is an Error naming the row. */
export function encodeLabels(table: Table, label: string, classes: string[] | undefined): Float32Array {
  if (!table.columnNames().includes(label)) throw new Error(`label column "${label}" not found; columns are: ${table.columnNames().join(", ")}`);
  const src = source(table, label);
  const y = new Float32Array(src.n);
  const index = classes ? new Map(classes.map((c, k) => [c, k])) : undefined;
  for (let i = 0; i < src.n; i++) {
    const v = src.at(i);
    if (isMissing(v)) throw missingLabels(src, label, i);
    if (index) {
      const k = index.get(textOf(v));
      if (k === undefined) throw new Error(`label column "${label}", row ${i}: ${show(v)} is not one of the classes seen in training (${classes!.join(", ")})`);
      y[i] = k;
    } else if (typeof v === "number") y[i] = v;
    // a column read as text for one cell ("4.3302" beside "zzz"): its numbers are numbers, as in a feature column,
    // and the error names the cell that is not one (it named the column's first cell, a number)
    else if (typeof v === "string" && looksNumeric(v)) y[i] = Number(v);
    else throw new Error(`label column "${label}", row ${i}: ${show(v)} is not a number (the label is numeric for this objective)`);
  }
  return y;
}

/** number[][] (rows) → Matrix with the given feature names (all numeric). */
export function matrixFromRows(rows: number[][], featureNames: string[]): Matrix {
  return encodeRows(rows, featureNames.map((name) => ({ name, type: "numeric" as const }))).matrix;
}

/** The rows `idx` of a matrix (label, columns and classes included). */
export function takeRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const n = idx.length;
  const X = new Float32Array(n * m.ncol);
  const y = m.y ? new Float32Array(n) : undefined;
  for (let r = 0; r < n; r++) {
    const i = idx[r];
    X.set(m.X.subarray(i * m.ncol, (i + 1) * m.ncol), r * m.ncol);
    if (y) y[r] = m.y![i];
  }
  return { ...m, X, y, nrow: n };
}
