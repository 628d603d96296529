/**
 * One core DMatrix per matrix and thread, and fits on row subsets of it — "k folds without k copies".
 *
 * A cross-validation fits k folds × members (and inner folds for weighted / stacking blends), then the final
 * refit, then predicts the training rows. Copying each fit's rows (a row-major Float32Array in JavaScript, then
 * the core's own DMatrix copy, then the core's binning of it) held the data several times over and binned it
 * once per fit. Instead:
 *
 *  - `holdCoreMatrix(m)` builds the matrix's core DMatrix (features, labels, categorical columns) once; it stays
 *    while any holder has not released it. The core bins it on the first fit and keeps the bins (its quantised
 *    form), so later fits on it or on its rows neither copy nor re-bin the features.
 *  - `rowView(m, rows)` is a Matrix of some rows of m that copies nothing: its core form is `DMatrix.slice(rows)`
 *    of m's held DMatrix — a row view in the core, trained on with the whole matrix's bins (as LightGBM's
 *    `Dataset.subset` and XGBoost's `QuantileDMatrix(…, ref=)`: the quantiles see the held-out rows' feature
 *    values, never their labels). Its X is only materialised (copied) when a member reads it (ridge does).
 *  - `coreMatrixFor(m)` is what a tree member fits and predicts on: the held DMatrix, a slice of it for a view,
 *    or else a fresh DMatrix (the caller frees what it owns).
 *
 *  - `releaseFloats(m, maxBins)` then lets the floats go once the held DMatrix is binned for every fit to come
 *    (the core's DMatrix.releaseFloats, LightGBM's free_raw_data): fits, predictions and SHAP values read the
 *    bins, with the same numbers; m.X becomes an array that throws on any read, so nothing reads freed memory.
 *
 * The cache is keyed by the matrix's X array, so a copy of the Matrix object (`{ ...m, y: undefined }`, as
 * predict makes) finds the same DMatrix. A fit worker attached to the main thread's core (the threads build:
 * ../ensemble/parallel) holds a handle on the main thread's DMatrix instead (`holdSharedCoreMatrix`: the same
 * floats and bins, no copy); with the single-threaded core it holds its own DMatrix of the shared X, once per run.
 */
import { DMatrix, type SharedMatrix } from "../core";
import { categoricalIndices, releasedX, takeRows, toMatrix, type ColumnChoice, type Matrix } from "./matrix";
import type { Table } from "./table";

interface Held {
  d: DMatrix;
  /** the labels the DMatrix was built with: a copy of the Matrix object with other labels needs a DMatrix of its own */
  y?: Float32Array;
  holders: number;
}

const held = new WeakMap<Float32Array, Held>();

/** what a row view is a view of */
interface ViewSource {
  parent: Matrix;
  rows: Int32Array;
}

const views = new WeakMap<Matrix, ViewSource>();

/** Matrix → a new core DMatrix with its categorical columns (and `extraCategorical`) marked; the caller frees it. */
export function matrixToDMatrix(m: Matrix, extraCategorical: (number | string)[] = []): DMatrix {
  const catFeatures = [...categoricalIndices(m), ...extraCategorical];
  return new DMatrix(m.X, { nrow: m.nrow, ncol: m.ncol, label: m.y, missing: NaN, featureNames: m.featureNames, ...(catFeatures.length ? { catFeatures } : {}) });
}

/**
 * Keeps m's core DMatrix (built now if no one holds it) until the returned release is called; holds nest. A view's
 * hold holds its parent's. Release frees the DMatrix when the last holder lets go.
 */
export function holdCoreMatrix(m: Matrix): () => void {
  const source = views.get(m);
  if (source) return holdCoreMatrix(source.parent);
  const key = m.X;
  let h = held.get(key);
  if (!h) {
    h = { d: matrixToDMatrix(m), y: m.y, holders: 0 };
    held.set(key, h);
  }
  h.holders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--h!.holders === 0) {
      held.delete(key);
      h!.d.free();
    }
  };
}

/**
 * In a fit worker attached to the main thread's core: m's core DMatrix is the main thread's (`shared`, pinned there
 * for the run), through a handle that never frees it (DMatrix.fromShared), held for the rest of this thread's life.
 */
export function holdSharedCoreMatrix(m: Matrix, shared: SharedMatrix): void {
  if (held.has(m.X)) throw new Error("holdSharedCoreMatrix: this thread already holds a core DMatrix of the matrix");
  if (shared.nrow !== m.nrow || shared.ncol !== m.ncol) throw new Error(`holdSharedCoreMatrix: the shared DMatrix is ${shared.nrow} × ${shared.ncol}, the matrix ${m.nrow} × ${m.ncol}`);
  held.set(m.X, { d: DMatrix.fromShared(shared), y: m.y, holders: 1 });
}

/**
 * out[i] = values[rows[i]]. A loop, not TypedArray.from(rows, map): that first lists every row in a JS array — on a
 * fold of 800k rows a 6 MB array in V8's large-object space, garbage that a fit worker, allocating little else in
 * JavaScript, would not collect for the rest of its run (the 1M × 28 job's worker held ~40 MB of it).
 */
function gather<T extends Int32Array | Float32Array>(values: ArrayLike<number>, rows: Int32Array, out: T): T {
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
  return out;
}

/**
 * The rows `rows` of m as a Matrix that copies no features: y is gathered (4 bytes a row), X is copied only if read.
 * Tree members fit and predict on it through `coreMatrixFor` (a slice of m's held DMatrix).
 */
export function rowView(m: Matrix, rows: Int32Array): Matrix {
  if (!(rows instanceof Int32Array)) throw new Error(`rowView: rows must be an Int32Array of row indexes, got ${rows === null ? "null" : typeof rows}`);
  for (let i = 0; i < rows.length; i++) {
    if (rows[i] < 0 || rows[i] >= m.nrow) throw new Error(`rowView: rows[${i}] is ${rows[i]}; the matrix has rows 0 to ${m.nrow - 1}`);
  }
  const parent = views.get(m);
  if (parent) return rowView(parent.parent, gather(parent.rows, rows, new Int32Array(rows.length)));
  let X: Float32Array | undefined;
  const view: Matrix = {
    get X() {
      return (X ??= takeRows(m, rows).X);
    },
    ...(m.y ? { y: gather(m.y, rows, new Float32Array(rows.length)) } : {}),
    nrow: rows.length,
    ncol: m.ncol,
    featureNames: m.featureNames,
    ...(m.columns ? { columns: m.columns } : {}),
    ...(m.classes ? { classes: m.classes } : {}),
  };
  views.set(view, { parent: m, rows });
  return view;
}

/**
 * The core DMatrix a tree member trains or predicts on for m: m's held DMatrix, a slice of its parent's for a row
 * view, or a new one (`owned`: the caller frees it; with `labels: false`, for predicting, without the labels).
 * `extraCategorical` (catboost's cat_features beyond the matrix's own categorical columns) needs a DMatrix of its
 * own: the held one marks only the matrix's categorical columns.
 */
export function coreMatrixFor(m: Matrix, extraCategorical: (number | string)[] = [], opts: { labels?: boolean } = {}): { d: DMatrix; owned: boolean } {
  if (extraCategorical.length === 0) {
    const source = views.get(m);
    if (source) {
      const h = held.get(source.parent.X);
      if (h) return { d: h.d.slice(source.rows), owned: true };
    } else {
      const h = held.get(m.X);
      if (h && h.d.nrow === m.nrow && (!m.y || m.y === h.y)) return { d: h.d, owned: false };
    }
  }
  // to predict, a matrix's labels are not needed (nor checked): leave them out of a DMatrix of its own
  return { d: matrixToDMatrix(opts.labels === false ? { ...m, y: undefined } : m, extraCategorical), owned: true };
}

/**
 * Frees m's floats (in JavaScript and in the core) once its held core DMatrix is binned for these max_bin values —
 * those of every fit and prediction still to come on m and its row views (`Member.binsOnly`). They then read the
 * bins, with the same numbers (wasm/src/dmatrix.ts). m must be held (holdCoreMatrix: the hold keeps the bins) and
 * have no categorical columns (a fold's held-out part reads their codes); m.X becomes an array that throws on any
 * read, so code that needs the floats fails with an Error naming why instead of reading freed memory.
 */
export function releaseFloats(m: Matrix, maxBins: number[], opts: { nthread?: number } = {}): void {
  if (views.has(m)) throw new Error("releaseFloats: m is a row view; release the floats of the matrix it views");
  const h = held.get(m.X);
  if (!h) throw new Error("releaseFloats: m has no held core DMatrix (holdCoreMatrix(m) first): nothing would keep its bins");
  const cats = categoricalIndices(m);
  if (cats.length) throw new Error(`releaseFloats: m has categorical columns (${cats.map((j) => m.featureNames[j]).join(", ")}), whose codes the folds read`);
  h.d.releaseFloats(maxBins, opts);
  const gone = releasedX(m.nrow, m.ncol, maxBins);
  held.delete(m.X);
  held.set(gone, h);
  m.X = gone;
}

/** Table → core DMatrix (caller frees it). */
export function toDMatrix(table: Table, opts: ColumnChoice = {}): DMatrix {
  return matrixToDMatrix(toMatrix(table, opts));
}

/**
 * A fold's training and held-out parts as row views of m (no copies). In the held-out part a category the training
 * part never holds must be missing, as it will be at prediction time (the codes come from the whole table): when
 * m has categorical columns and the held-out rows hold such a category, the held-out part is a copy with those
 * cells made missing; otherwise it is a view too.
 */
export function splitRowViews(m: Matrix, train: Int32Array, test: Int32Array): { train: Matrix; test: Matrix } {
  const tr = rowView(m, train);
  const cats = categoricalIndices(m);
  if (cats.length === 0) return { train: tr, test: rowView(m, test) };
  const unseen: { j: number; seen: Set<number> }[] = [];
  for (const j of cats) {
    const seen = new Set<number>();
    for (let i = 0; i < train.length; i++) seen.add(m.X[train[i] * m.ncol + j]);
    for (let i = 0; i < test.length; i++) {
      const v = m.X[test[i] * m.ncol + j];
      if (!Number.isNaN(v) && !seen.has(v)) {
        unseen.push({ j, seen });
        break;
      }
    }
  }
  if (unseen.length === 0) return { train: tr, test: rowView(m, test) };
  const te = takeRows(m, test);
  for (const { j, seen } of unseen) for (let i = 0; i < te.nrow; i++) if (!seen.has(te.X[i * m.ncol + j])) te.X[i * m.ncol + j] = NaN;
  return { train: tr, test: te };
}
