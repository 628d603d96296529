/**
 * DMatrix: a dense float32 matrix (row-major) with labels and weights, copied into the
 * core's memory once so training and prediction read it without further copies.
 * Missing values (NaN, or the `missing` value) are stored as NaN.
 *
 * Bin once. The first train() on a matrix bins it in the core (wasm/csrc/qmatrix.h:
 * cuts at the quantiles of every row, and each row's byte codes) and keeps that
 * quantised form with the matrix, keyed by what determines it: max_bin and the
 * categorical columns (the weights are the matrix's own). A later train() with the same
 * key reuses it; another key builds another form. A matrix keeps the forms of its last
 * MAX_FORMS keys: an ensemble's members bin differently (xgboost's max_bin 256, catboost's
 * border_count 254), and a cross-validation alternates between them fold after fold, so
 * one form per matrix would re-bin for every fit; a notebook looping over max_bin values
 * holds at most MAX_FORMS.
 *
 * Row views. `slice(rows)` (XGBoost's name; LightGBM's Dataset.subset) returns a view:
 * it shares the matrix's floats, labels, weights and quantised form and holds only its
 * row indexes (an Int32Array in the core's memory). Training on a view gathers its
 * rows' byte codes into the fit's own buffers — no float copy, no re-binning — so k
 * folds of one matrix bin it once. A fit on a view therefore uses the whole matrix's
 * quantiles, as LightGBM's subsets and XGBoost's QuantileDMatrix(..., ref=) do: the cuts
 * see the held-out rows' feature values, never their labels. predict() and evals read a
 * view's rows through its indexes; getData / getLabel / getWeight return copies of its
 * rows. A view of a view indexes the same matrix (the indexes are composed).
 *
 * Releasing the floats (LightGBM's free_raw_data). Once binned, a matrix's quantised
 * forms say everything a model trained on them needs: every split of such a model is at a
 * cut, and a row's codes say on which side of each cut its value lies. So
 * `releaseFloats(maxBins)` builds the forms for those max_bin values (with the matrix's
 * categorical columns as categorical, as cat_encoding "partition" bins them) and returns the
 * floats' memory — for a 1M × 28 matrix 112 MB, more than both forms together. Training on
 * the matrix and its views, predicting, evaluating and SHAP values then read the bins (rows
 * decoded from them, or the codes compared with each split's bin: wasm/csrc/qmatrix.h): bit-identical to the floats for models whose splits
 * are the form's cuts, and an Error naming the split for any other model (one loaded from a
 * file, or trained on other data). What needs the floats themselves — getData(), a new
 * max_bin, ordered target statistics of categorical columns — is an Error after release.
 *
 * Lifetime: the matrix's memory lives while the matrix or any view of it does (a count
 * of holders). free() of the matrix while views live ends the matrix object, not the
 * storage under them; free() of a view frees only its indexes.
 */
import { checkCategoricalCodes } from "./categorical";
import { alloc, bytesAt, check, copyF32, coreBuild, f32, free, getCore, i32, lastError, resolveThreads, setThreads } from "./wasm";
import { shownValue } from "./shown";
import { decimalNumber } from "./params";
import { groupWeights, queryPointers } from "./query-groups";

/** Float arrays made by coreFloats → their place in the core's memory. */
const coreArrays = new WeakMap<Float32Array, number>();
/** a core-memory array's memory goes back to the core when the array is garbage (never before: a DMatrix built
 * on it keeps it alive) */
const coreArrayRegistry = new FinalizationRegistry<number>((ptr) => free(ptr));

/**
 * n floats allocated in the core's memory, for a matrix that should live there once instead of twice: fill it
 * (row-major), then `new DMatrix(array, …)` takes it as its data without a copy (and turns the `missing` value into
 * NaN in place). Undefined where the core's memory is not shared (the single-threaded build, whose views of the
 * memory go stale when it grows). The array stays valid as long as it is referenced, DMatrix or not; its memory
 * returns to the core when it is garbage.
 */
export function coreFloats(n: number): Float32Array | undefined {
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`coreFloats: n must be an integer >= 0, got ${shownValue(n)}`);
  if (coreBuild() !== "threads") return undefined;
  const ptr = alloc(Math.max(4, n * 4));
  const array = f32(ptr, n); // a view of the shared memory: shared memory never moves when it grows
  coreArrays.set(array, ptr);
  coreArrayRegistry.register(array, ptr, array);
  return array;
}

export interface DMatrixOptions {
  nrow?: number;
  ncol?: number;
  label?: ArrayLike<number>;
  weight?: ArrayLike<number>;
  /** survival:aft's interval labels, native's names: each row's time lies in [label_lower_bound, label_upper_bound]
   * (equal: an exact time; upper +Infinity: right-censored; lower 0: left-censored). Given together. */
  label_lower_bound?: ArrayLike<number>;
  label_upper_bound?: ArrayLike<number>;
  /** the value that marks a missing entry (default NaN) */
  missing?: number;
  featureNames?: string[];
  /** categorical columns, by index or feature name: integer codes 0..65535 (or NaN for
   * missing). How training uses them is the parameter cat_encoding (params.ts): XGBoost's
   * categorical splits for depthwise / lossguide trees, ordered target statistics for
   * symmetric ones. Strings are not accepted here: map them to codes first (lib's
   * toDMatrix does). */
  catFeatures?: (number | string)[];
  /** XGBoost's feature_types, the alternative to catFeatures: one per column, "c" for
   * categorical, "q" / "float" / "int" / "i" for numeric (or one string for all columns). */
  featureTypes?: string[] | string;
  /** XGBoost's enable_categorical: accepted; false is an Error when columns are declared categorical */
  enableCategorical?: boolean;
  /** query groups (rank:* objectives, ndcg / map / pre metrics, auc / aucpr per query): the sizes of consecutive
   * groups of rows, summing to the rows (XGBoost's set_group); with groups, `weight` is one per group (query-groups.ts) */
  group?: ArrayLike<number>;
  /** query groups as a query id per row, non-decreasing (XGBoost's qid): the alternative to group */
  qid?: ArrayLike<number>;
}

const DMATRIX_OPTIONS = ["nrow", "ncol", "label", "weight", "missing", "featureNames", "catFeatures", "featureTypes", "enableCategorical", "group", "qid", "label_lower_bound", "label_upper_bound"];
/** XGBoost's Python keywords of options this DMatrix takes under another name */
const PYTHON_KEYWORDS: Record<string, string> = {
  feature_names: "featureNames", feature_types: "featureTypes", enable_categorical: "enableCategorical", cat_features: "catFeatures",
};
/** XGBoost's DMatrix data this core has no use for: each would be a model trained or predicted without it */
const NOT_SUPPORTED: Record<string, string> = {
  base_margin: "a per-row starting margin (XGBoost's base_margin) is not supported: training cannot start from one; to predict with one, add it to predict's outputMargin values",
};
NOT_SUPPORTED.baseMargin = NOT_SUPPORTED.base_margin;

/**
 * An option this DMatrix does not read is an Error naming it: a misspelt or Python-spelt key (weights, feature_names,
 * feature_types) made a matrix without weights, names or categorical columns, and base_margin a matrix without its
 * offsets — every one silently.
 */
function checkOptionKeys(opts: object): void {
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) throw new Error(`DMatrix: options must be an object, got ${shownValue(opts)}`);
  for (const key of Object.keys(opts)) {
    if (DMATRIX_OPTIONS.includes(key) || (opts as Record<string, unknown>)[key] === undefined) continue;
    if (NOT_SUPPORTED[key]) throw new Error(`DMatrix: option ${key}: ${NOT_SUPPORTED[key]}`);
    const hint = PYTHON_KEYWORDS[key] ? ` (XGBoost's Python keyword; here it is ${PYTHON_KEYWORDS[key]})` : "";
    throw new Error(`DMatrix: unknown option "${key}"${hint}; valid: ${DMATRIX_OPTIONS.join(", ")}`);
  }
}

/**
 * The `missing` option as XGBoost's DMatrix reads it: a number (NaN by default, and for null as for Python's None), or
 * decimal text as its number (native takes missing="-999" as -999). Text was compared with the numbers as it was, so
 * it matched none: every -999 stayed a value, silently.
 */
function missingValue(v: unknown): number {
  if (v === undefined || v === null) return NaN;
  if (typeof v === "number") return v;
  const n = typeof v === "string" ? decimalNumber(v) : undefined;
  if (n === undefined) throw new Error(`DMatrix: missing must be a number (the value that marks a missing entry), got ${shownValue(v)}`);
  return n;
}

/** XGBoost's feature type names (data.cc LoadFeatureType): all numeric but "c". */
const FEATURE_TYPES = ["q", "c", "int", "float", "i"];

/** Quantised forms a matrix keeps (one per max_bin and categorical columns), the oldest dropped first. */
const MAX_FORMS = 4;

const formKey = (maxBin: number, types?: Uint8Array) => `${maxBin}:${types ? types.join("") : ""}`;

/**
 * A whole matrix as another thread attached to this core (wasm.ts attachCore) sees it: pointers into the
 * shared memory — its floats, labels, weights and quantised forms, pinned by the owner for as long as it hands this
 * out — and what the DMatrix object says of itself. Plain data: it crosses threads by structured cloning.
 */
export interface SharedMatrix {
  nrow: number;
  ncol: number;
  featureNames?: string[];
  catFeatures: number[];
  X: number;
  label: number;
  weight: number;
  /** survival:aft's bounds (0: none) */
  lower: number;
  upper: number;
  /** [key (max_bin and feature types), QMatrix pointer] */
  forms: [string, number][];
  /** set when the floats were released (X is 0): the max_bin values they were binned for (releaseFloats) */
  releasedWith?: number[];
  /** the query groups (DMatrix.queryPtr, queryWeight), when it has them */
  queryPtr?: Int32Array;
  queryWeight?: Float32Array;
}

/** fn made safe to call again: an unpin or release runs once, whatever its callers do */
function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/** What a matrix and its views share: the floats, labels and weights in the core's
 * memory and the quantised form, freed when the last holder lets go. */
class Storage {
  xPtr = 0;
  /** a coreFloats array the storage reads as its data (not freed here: the array's own finalizer does) */
  borrowed?: Float32Array;
  labelPtr = 0;
  weightPtr = 0;
  /** survival:aft's label_lower_bound / label_upper_bound (0: none; both or neither) */
  lowerPtr = 0;
  upperPtr = 0;
  /** the core's QMatrix per key (max_bin and feature types), oldest first, with the fits running on it; borrowed:
   * another thread's (fromShared), never freed or evicted here */
  private forms = new Map<string, { qm: number; pins: number; borrowed?: true }>();
  /** the floats, labels and weights are another thread's (fromShared): never freed here */
  external = false;
  private holders = 1;
  /** the max_bin values whose forms were kept when the floats were released (releaseFloats), else undefined */
  releasedWith?: number[];

  constructor(readonly nrow: number, readonly ncol: number) {}

  hold(): this { this.holders++; return this; }

  release(): void {
    if (--this.holders > 0) return;
    for (const { qm, borrowed } of this.forms.values()) if (!borrowed) getCore().qm_free(qm);
    this.forms.clear();
    if (!this.external) {
      if (!this.borrowed) free(this.xPtr);
      free(this.labelPtr); free(this.weightPtr); free(this.lowerPtr); free(this.upperPtr);
    }
    this.xPtr = this.labelPtr = this.weightPtr = this.lowerPtr = this.upperPtr = 0;
    this.borrowed = undefined;
  }

  /**
   * The quantised form for max_bin and the feature types (1 = categorical; none: all numeric), pinned until
   * unpin(): a fit's state points into it and into the storage, so neither may be freed under it — not by
   * another fit's key evicting it, nor by the matrix's free() in a training callback.
   */
  pin(maxBin: number, types?: Uint8Array): { qm: number; unpin(): void } {
    const key = formKey(maxBin, types);
    const form = this.forms.get(key) ?? this.build(key, maxBin, types);
    form.pins++;
    this.hold();
    return {
      qm: form.qm,
      unpin: once(() => {
        form.pins--;
        this.release();
      }),
    };
  }

  /** The forms whose cuts every split of trees [treeBegin, treeEnd) of the booster lies on (bst_check_decode):
   * the first one, for reading a released matrix's rows from its bins; else an Error saying why none does. The
   * forms binned with the model's own max_bin are tried first: a booster's trees split at its own cuts, and a form
   * that fails costs the core an error message (a per-round evaluation of a catboost fit on a matrix holding
   * xgboost's form too spent ~40 ms of diabetes' 5-fold job formatting them). */
  decodingForm(bst: number, treeBegin: number, treeEnd: number, maxBin?: number): number {
    const c = getCore();
    const reasons: string[] = [];
    const own = maxBin === undefined ? undefined : `${maxBin}:`;
    for (const first of [true, false]) {
      for (const [key, { qm }] of this.forms) {
        if ((own !== undefined && key.startsWith(own)) !== first) continue; // the model's own forms in the first pass
        if (c.bst_check_decode(bst, qm, treeBegin, treeEnd) === 0) return qm;
        reasons.push(lastError());
      }
    }
    throw new Error(`this matrix's floats were released after binning (releaseFloats, max_bin ${this.releasedWith!.join(", ")}), ` +
      `and the model does not split at its cuts (${reasons.join("; ") || "no quantised form"}): predict it on a matrix that keeps its floats`);
  }

  /** Frees the floats once the forms of these max_bin values exist (see the module comment). */
  releaseFloats(maxBins: number[], types?: Uint8Array): void {
    if (this.external) throw new Error("DMatrix.releaseFloats: this is a handle on another thread's matrix (fromShared); its owner releases the floats");
    if (this.shares > 0) throw new Error("DMatrix.releaseFloats: the matrix is shared with another thread (sharedDescriptor) that may read its floats; release them before sharing it");
    for (const maxBin of maxBins) {
      const key = formKey(maxBin, types);
      if (this.forms.has(key)) continue;
      if (this.releasedWith) throw new Error(`DMatrix.releaseFloats: the floats were already released after binning with max_bin ${this.releasedWith.join(", ")}; max_bin ${maxBin} can no longer be binned`);
      this.build(key, maxBin, types);
    }
    // every form is kept from now on (none can be rebuilt): drop those not asked for, unless a fit is using one
    const keep = new Set(maxBins.map((m) => formKey(m, types)));
    for (const [key, form] of this.forms) {
      if (!keep.has(key) && form.pins === 0) { getCore().qm_free(form.qm); this.forms.delete(key); }
    }
    if (this.borrowed) coreArrayRegistry.unregister(this.borrowed); // its memory goes now, not when it is garbage
    free(this.xPtr);
    this.xPtr = 0;
    this.borrowed = undefined;
    this.releasedWith = [...new Set([...(this.releasedWith ?? []), ...maxBins])];
  }

  /** Forms pinned (built now if missing) for another thread's fromShared handle; [key, qm] each. */
  share(forms: { maxBin: number; types?: Uint8Array }[]): { forms: [string, number][]; unpin(): void } {
    const pins = forms.map((f) => ({ key: formKey(f.maxBin, f.types), ...this.pin(f.maxBin, f.types) }));
    this.shares++;
    return {
      forms: pins.map((p) => [p.key, p.qm]),
      unpin: once(() => {
        this.shares--;
        pins.forEach((p) => p.unpin());
      }),
    };
  }
  /** descriptors handed out and not yet released (another thread may be reading the floats) */
  private shares = 0;

  /** Another thread's forms, as fromShared receives them: pinned for good here, so never evicted nor freed. */
  adopt(forms: [string, number][]): void {
    for (const [key, qm] of forms) this.forms.set(key, { qm, pins: 1, borrowed: true });
  }

  private build(key: string, maxBin: number, types?: Uint8Array): { qm: number; pins: number } {
    const c = getCore();
    if (this.releasedWith) {
      throw new Error(`train: this matrix's floats were released after binning with max_bin ${this.releasedWith.join(", ")}` +
        ` (releaseFloats); max_bin ${maxBin}${types ? " with these categorical columns" : ""} needs them: release them only once every fit's form is built`);
    }
    if (this.forms.size >= MAX_FORMS) {
      const unpinned = [...this.forms].find(([, f]) => f.pins === 0); // the oldest no fit is using
      if (unpinned) {
        c.qm_free(unpinned[1].qm);
        this.forms.delete(unpinned[0]);
      }
    }
    const typesPtr = types ? alloc(Math.max(1, types.length)) : 0;
    try {
      if (types) bytesAt(typesPtr, types.length).set(types);
      const qm = c.qm_build(this.xPtr, this.nrow, this.ncol, this.weightPtr, maxBin, typesPtr);
      if (!qm) check(-1, "train"); // the core's error, and the pool's lost thread when one died in the binning
      const form = { qm, pins: 0 };
      this.forms.set(key, form);
      return form;
    } finally {
      free(typesPtr);
    }
  }
}

/** What a DMatrix object owns: its hold on the storage, and a view's row indexes. */
interface Holding { store: Storage; rowsPtr: number }
const release = (h: Holding) => { free(h.rowsPtr); h.store.release(); };
const registry = new FinalizationRegistry<Holding>(release);

/** @internal where the core reads a matrix's rows: row i is X's row rows[i] (i when rows is 0); X 0: the decoded
 * rows of the quantised form qm (a matrix whose floats were released) */
export interface RowSource { X: number; qm: number; xRows: number; ncol: number; rows: number; n: number; label: number; weight: number; lower: number; upper: number }

/**
 * Feature names as XGBoost takes them: one string per column, no name twice ("feature_names must be unique"). A name
 * given twice made getScore add the two columns' importances under one key (the first column's lost), and names that
 * are not strings were saved as JSON numbers or objects, which native XGBoost cannot load, and came back as other
 * names from loadModel.
 */
function checkFeatureNames(names: unknown, ncol: number): void {
  if (!Array.isArray(names)) throw new Error(`DMatrix: featureNames must be an array of ${ncol} strings, got ${shownValue(names)}`);
  if (names.length !== ncol) throw new Error(`DMatrix: ${names.length} feature names for ${ncol} features`);
  const first = new Map<string, number>();
  names.forEach((n, j) => {
    if (typeof n !== "string") throw new Error(`DMatrix: featureNames[${j}] is ${shownValue(n)}; feature names must be strings`);
    const i = first.get(n);
    if (i !== undefined) throw new Error(`DMatrix: feature name ${JSON.stringify(n)} is given twice (columns ${i} and ${j}); feature names must be unique, as XGBoost's`);
    first.set(n, j);
  });
}

export class DMatrix {
  readonly nrow: number;
  readonly ncol: number;
  readonly featureNames?: string[];
  /** indices of the categorical columns */
  readonly catFeatures: number[];
  /** XGBoost's feature_types of the columns: "c" (categorical) or "q" */
  get featureTypes(): string[] {
    const t = new Array<string>(this.ncol).fill("q");
    for (const c of this.catFeatures) t[c] = "c";
    return t;
  }
  /** the shared storage (undefined after free()) */
  private store?: Storage;
  /** a view's row indexes into the storage's rows (Int32, in the core's memory); 0 for a whole matrix */
  private rowsPtr = 0;
  /** fits reading a view's row indexes (quantised()): free() leaves the indexes to the last one's unpin */
  private rowPins?: { n: number; freeWhenUnpinned: boolean };
  private token = {};
  /** True for a row view made by slice(). */
  get isView(): boolean { return this.rowsPtr !== 0; }
  /** @internal the query groups (group / qid): group k is rows queryPtr[k] .. queryPtr[k + 1]; undefined without */
  readonly queryPtr?: Int32Array;
  /** @internal one weight per query group, when the matrix has groups and weights */
  readonly queryWeight?: Float32Array;
  /** a row view of a matrix with query groups: a view carries no groups (its rows need not be whole groups) */
  readonly viewOfGrouped: boolean = false;

  constructor(X: Float32Array | Float64Array | ArrayLike<number> | number[][], opts: DMatrixOptions = {}) {
    checkOptionKeys(opts);
    for (const k of ["nrow", "ncol"] as const) {
      const v = opts[k];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new Error(`DMatrix: ${k} must be an integer >= 0, got ${shownValue(v)}`);
    }
    if (!(X instanceof Float32Array || X instanceof Float64Array || Array.isArray(X) || ArrayBuffer.isView(X))) {
      throw new Error("DMatrix: X must be a Float32Array (row-major, with nrow/ncol) or an array of rows (number[][])");
    }
    let nrow: number, ncol: number;
    const nested = Array.isArray(X) && (X.length === 0 || Array.isArray(X[0]));
    if (nested) {
      const rows = X as number[][];
      nrow = rows.length;
      ncol = opts.ncol ?? (nrow ? rows[0].length : 0);
      rows.forEach((r, i) => {
        if (!Array.isArray(r) || r.length !== ncol) throw new Error(`DMatrix: row ${i} has ${Array.isArray(r) ? r.length : "no"} values, expected ${ncol}`);
      });
    } else {
      const flat = X as ArrayLike<number>;
      if (opts.nrow === undefined && opts.ncol === undefined) throw new Error("DMatrix: a flat array needs nrow or ncol");
      ncol = opts.ncol ?? flat.length / opts.nrow!;
      nrow = opts.nrow ?? flat.length / ncol;
      if (!Number.isInteger(nrow) || !Number.isInteger(ncol) || nrow * ncol !== flat.length) {
        throw new Error(`DMatrix: X has ${flat.length} values, which is not nrow × ncol (${opts.nrow ?? "?"} × ${opts.ncol ?? "?"})`);
      }
    }
    if (opts.nrow !== undefined && opts.nrow !== nrow) throw new Error(`DMatrix: nrow is ${opts.nrow} but X has ${nrow} rows`);
    if (ncol < 1) throw new Error("DMatrix: X has no features (ncol = 0)");
    if (opts.featureNames != null) checkFeatureNames(opts.featureNames, ncol);
    this.nrow = nrow;
    this.ncol = ncol;
    this.featureNames = opts.featureNames ? [...opts.featureNames] : undefined;
    this.catFeatures = DMatrix.resolveCategorical(opts, ncol, this.featureNames);
    this.queryPtr = queryPointers(opts, nrow);
    let weight = opts.weight;
    if (this.queryPtr && weight !== undefined) {
      const w = groupWeights(weight, this.queryPtr);
      this.queryWeight = w.perGroup;
      weight = w.perRow; // binned as native bins grouped rows: each with its group's weight
    }

    // compared as a float32, as native compares float(value) with float(missing): the cells are float32 here, and a
    // missing of 0.1 or -999.9 as a double matched none of them (every such cell stayed a value, silently)
    const missing = Math.fround(missingValue(opts.missing));
    const n = nrow * ncol;
    const store = new Storage(nrow, ncol);
    this.store = store;
    // a coreFloats array is the data itself (no copy); anything else is copied into the core's memory
    const adopted = X instanceof Float32Array && X.length === n ? coreArrays.get(X) : undefined;
    if (adopted !== undefined) {
      store.xPtr = adopted;
      store.borrowed = X as Float32Array;
    } else store.xPtr = alloc(Math.max(4, n * 4));
    const dst = adopted !== undefined ? (X as Float32Array) : f32(store.xPtr, n);
    // Typed arrays hold numbers by construction; plain arrays are checked cell by cell,
    // so "x" or {} is an error rather than a silent NaN, and null is missing (never 0).
    const cell = (v: unknown, i: number): number => {
      if (typeof v === "number") return v;
      if (v === null || v === undefined) return NaN;
      this.free();
      throw new Error(`DMatrix: X[${Math.floor(i / ncol)}][${i % ncol}] is ${JSON.stringify(v)}; features must be numbers (null or NaN for missing)`);
    };
    if (nested) {
      const rows = X as unknown[][];
      for (let i = 0; i < nrow; i++) {
        const row = rows[i];
        for (let j = 0; j < ncol; j++) dst[i * ncol + j] = cell(row[j], i * ncol + j);
      }
    } else if (Array.isArray(X)) {
      const flat = X as unknown[];
      for (let i = 0; i < n; i++) dst[i] = cell(flat[i], i);
    } else if (adopted === undefined) {
      dst.set(X as ArrayLike<number>);
    }
    for (let i = 0; i < n; i++) {
      const v = dst[i];
      if (v === missing || Number.isNaN(v)) dst[i] = NaN;
      else if (!Number.isFinite(v)) {
        const row = Math.floor(i / ncol), col = i % ncol;
        this.free();
        throw new Error(`DMatrix: X[${row}][${col}] is ${v}; features must be finite or missing (NaN)`);
      }
    }
    if (this.catFeatures.length) {
      try { checkCategoricalCodes(dst, ncol, this.catFeatures, this.featureNames); } catch (e) { this.free(); throw e; }
    }
    if (opts.label !== undefined) this.setLabel(opts.label);
    if (weight !== undefined) this.setWeight(weight);
    if (opts.label_lower_bound !== undefined || opts.label_upper_bound !== undefined) this.setBounds(opts.label_lower_bound, opts.label_upper_bound);
    registry.register(this, { store, rowsPtr: 0 }, this.token);
  }

  /** The categorical columns from catFeatures and / or featureTypes (which must agree). */
  private static resolveCategorical(opts: DMatrixOptions, ncol: number, names?: string[]): number[] {
    if (opts.catFeatures !== undefined && !Array.isArray(opts.catFeatures)) {
      throw new Error(`DMatrix: catFeatures must be an array of column indexes or names, got ${shownValue(opts.catFeatures)}`);
    }
    const fromCat = DMatrix.resolveCatFeatures(opts.catFeatures ?? [], ncol, names);
    let cat = fromCat;
    if (opts.featureTypes !== undefined) {
      const ft = typeof opts.featureTypes === "string" ? new Array<string>(ncol).fill(opts.featureTypes) : opts.featureTypes;
      if (!Array.isArray(ft) || ft.length !== ncol) {
        throw new Error(`DMatrix: featureTypes must be one type per column (${ncol}), got ${Array.isArray(ft) ? `${ft.length} types` : JSON.stringify(ft)}`);
      }
      ft.forEach((t, i) => {
        if (!FEATURE_TYPES.includes(t)) throw new Error(`DMatrix: featureTypes[${i}] is ${JSON.stringify(t)}; valid types: ${FEATURE_TYPES.join(", ")} ("c" = categorical)`);
      });
      const fromTypes = ft.flatMap((t, i) => (t === "c" ? [i] : []));
      if (opts.catFeatures !== undefined && fromTypes.join() !== fromCat.join()) {
        throw new Error(`DMatrix: catFeatures (columns ${fromCat.join(", ") || "none"}) and featureTypes (categorical columns ${fromTypes.join(", ") || "none"}) disagree; give one of them`);
      }
      cat = fromTypes;
    }
    if (opts.enableCategorical !== undefined && typeof opts.enableCategorical !== "boolean") {
      throw new Error(`DMatrix: enableCategorical must be true or false, got ${shownValue(opts.enableCategorical)}`);
    }
    if (opts.enableCategorical === false && cat.length) {
      throw new Error(`DMatrix: enableCategorical is false but columns ${cat.join(", ")} are declared categorical`);
    }
    return cat;
  }

  private static resolveCatFeatures(cat: (number | string)[], ncol: number, names?: string[]): number[] {
    const out = cat.map((c) => {
      if (typeof c === "string") {
        const i = names?.indexOf(c) ?? -1;
        if (i < 0) throw new Error(`DMatrix: cat_features names "${c}", which is not a feature name${names ? ` (features: ${names.join(", ")})` : " (no featureNames given)"}`);
        return i;
      }
      if (!(Number.isInteger(c) && c >= 0 && c < ncol)) throw new Error(`DMatrix: cat_features index ${c} is out of range [0, ${ncol})`);
      return c;
    });
    return [...new Set(out)].sort((a, b) => a - b);
  }

  private setLabel(label: ArrayLike<number>): void {
    if (label.length !== this.nrow) { this.free(); throw new Error(`DMatrix: label has ${label.length} values but X has ${this.nrow} rows`); }
    for (let i = 0; i < label.length; i++) {
      if (!Number.isFinite(label[i])) { this.free(); throw new Error(`DMatrix: label[${i}] is ${shownValue(label[i])}; labels must be finite numbers`); }
    }
    this.store!.labelPtr = copyF32(label);
  }

  private setWeight(weight: ArrayLike<number>): void {
    if (weight.length !== this.nrow) { this.free(); throw new Error(`DMatrix: weight has ${weight.length} values but X has ${this.nrow} rows`); }
    for (let i = 0; i < weight.length; i++) {
      if (!(Number.isFinite(weight[i]) && weight[i] >= 0)) { this.free(); throw new Error(`DMatrix: weight[${i}] is ${shownValue(weight[i])}; weights must be finite and >= 0`); }
    }
    this.store!.weightPtr = copyF32(weight);
  }

  /**
   * survival:aft's bounds, checked as their meaning needs (native takes any floats: a lower bound past the upper one
   * trains as the swapped interval but scores -log(1e-12) in aft-nloglik, and a negative lower bound reads as
   * left-censored, silently):
   * each lower bound a number >= 0 (0: left-censored), each upper bound > 0 or +Infinity (right-censored), lower <= upper.
   */
  private setBounds(lower: ArrayLike<number> | undefined, upper: ArrayLike<number> | undefined): void {
    const fail = (text: string) => { this.free(); throw new Error(`DMatrix: ${text}`); };
    if (!lower || !upper) fail(`label_lower_bound and label_upper_bound are given together (survival:aft's interval labels; an upper bound of Infinity is right-censored), got only ${lower ? "label_lower_bound" : "label_upper_bound"}`);
    for (const [name, b] of [["label_lower_bound", lower!], ["label_upper_bound", upper!]] as const) {
      if (typeof b !== "object" || b === null || b.length !== this.nrow) fail(`${name} has ${b?.length} values but X has ${this.nrow} rows`);
    }
    for (let i = 0; i < this.nrow; i++) {
      const lo = lower![i], hi = upper![i];
      if (!(Number.isFinite(lo) && lo >= 0)) fail(`label_lower_bound[${i}] is ${shownValue(lo)}; lower bounds must be finite numbers >= 0 (0: left-censored)`);
      if (!(hi > 0)) fail(`label_upper_bound[${i}] is ${shownValue(hi)}; upper bounds must be > 0 (Infinity: right-censored)`);
      if (Math.fround(lo) > Math.fround(hi)) fail(`row ${i}: label_lower_bound ${lo} > label_upper_bound ${hi}; a time's interval needs lower <= upper`);
    }
    this.store!.lowerPtr = copyF32(lower!);
    this.store!.upperPtr = copyF32(upper!);
  }

  get hasLabel(): boolean { return this.live().labelPtr !== 0; }

  /** Whether the matrix has survival:aft's label_lower_bound and label_upper_bound */
  get hasBounds(): boolean { return this.live().lowerPtr !== 0; }

  private live(): Storage {
    if (!this.store) throw new Error("DMatrix: used after free()");
    return this.store;
  }

  /** The rows of a float column array of the storage (length nrow × width), copied. */
  private gather(ptr: number, width: number): Float32Array {
    const all = f32(ptr, this.live().nrow * width);
    if (!this.rowsPtr) return all.slice();
    const rows = i32(this.rowsPtr, this.nrow), out = new Float32Array(this.nrow * width);
    if (width === 1) for (let i = 0; i < this.nrow; i++) out[i] = all[rows[i]]; // labels, weights: no view per row
    else for (let i = 0; i < this.nrow; i++) out.set(all.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
    return out;
  }

  /** A copy of the labels (Float32Array), or undefined. */
  getLabel(): Float32Array | undefined {
    const s = this.live();
    return s.labelPtr ? this.gather(s.labelPtr, 1) : undefined;
  }

  /** A copy of the weights: one per query group for a matrix with groups (as given, as XGBoost's get_weight), else
   * one per row; undefined without weights. */
  getWeight(): Float32Array | undefined {
    const s = this.live();
    if (this.queryWeight) return this.queryWeight.slice();
    return s.weightPtr ? this.gather(s.weightPtr, 1) : undefined;
  }

  /** Whether the matrix (or the matrix this view views) has weights. */
  get hasWeight(): boolean { return this.live().weightPtr !== 0; }

  /** A copy of the feature matrix, row-major, missing as NaN. An Error once the floats are released. */
  getData(): Float32Array {
    const s = this.live();
    if (s.releasedWith) throw new Error(`DMatrix.getData: this matrix's floats were released after binning (releaseFloats, max_bin ${s.releasedWith.join(", ")}); only its bins are kept`);
    return this.gather(s.xPtr, this.ncol);
  }

  /** Whether releaseFloats() was called on this matrix (or the matrix this view views). */
  get floatsReleased(): boolean { return this.live().releasedWith !== undefined; }

  /**
   * Bins the matrix for each of these max_bin values (its categorical columns as categorical, as XGBoost's
   * categorical splits bin them), then frees its floats: training, prediction, evaluation and SHAP values go on from
   * the bins, with the same numbers for models trained on them (see the module comment). For a matrix whose every fit
   * is known — a training job's folds, refit and scores — this is the floats' memory saved (LightGBM's free_raw_data).
   * A whole matrix only; its views (and the views made later) share the release. `nthread` (XGBoost's meaning; unset =
   * every core) bins in parallel.
   */
  releaseFloats(maxBins: number[], opts: { nthread?: number } = {}): void {
    const s = this.live();
    if (this.rowsPtr) throw new Error("DMatrix.releaseFloats: a row view shares its matrix's floats; release them on the matrix");
    if (!Array.isArray(maxBins) || maxBins.length === 0 || !maxBins.every((m) => Number.isInteger(m) && m >= 2 && m <= 256)) {
      throw new Error(`DMatrix.releaseFloats: maxBins must be a non-empty array of integers from 2 to 256 (the max_bin of every fit to come), got ${shownValue(maxBins)}`);
    }
    const types = this.catFeatures.length ? Uint8Array.from(this.featureTypes, (t) => (t === "c" ? 1 : 0)) : undefined;
    setThreads(resolveThreads(opts.nthread), this.nrow); // binning runs on the core's threads, as in train()
    s.releaseFloats(maxBins, types);
  }

  /**
   * A row view of the given rows (in that order, repeats allowed): it shares this
   * matrix's data, labels, weights and quantised form and holds only the row indexes
   * (see the module comment). Rows are integers in [0, nrow); a view of a view indexes
   * the same matrix.
   */
  slice(rows: ArrayLike<number>): DMatrix {
    const store = this.live();
    if (rows === null || typeof rows !== "object" || typeof rows.length !== "number") {
      throw new Error(`DMatrix.slice: rows must be an array of row indexes, got ${rows === null ? "null" : typeof rows}`);
    }
    const n = rows.length;
    // the indexes go straight into the core's memory (a view of a large matrix: no JavaScript copy of them)
    const rowsPtr = alloc(Math.max(4, n * 4));
    const idx = i32(rowsPtr, n), parent = this.rowsPtr ? i32(this.rowsPtr, this.nrow) : undefined;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      if (!(Number.isInteger(r) && r >= 0 && r < this.nrow)) {
        free(rowsPtr);
        throw new Error(`DMatrix.slice: rows[${i}] is ${JSON.stringify(r)}; row indexes must be integers in [0, ${this.nrow})`);
      }
      idx[i] = parent ? parent[r] : r;
    }
    const view: DMatrix = Object.create(DMatrix.prototype);
    Object.assign(view, {
      nrow: n, ncol: this.ncol, featureNames: this.featureNames, catFeatures: this.catFeatures,
      store: store.hold(), rowsPtr, token: {}, viewOfGrouped: this.queryPtr !== undefined || this.viewOfGrouped,
    });
    registry.register(view, { store, rowsPtr }, view.token);
    return view;
  }

  /** @internal where the core reads this matrix's rows; once the floats are released, `model` (a booster and the
   * range of its trees to evaluate) chooses the quantised form to decode the rows from (an Error when none fits) */
  source(model?: { bst: number; treeBegin: number; treeEnd: number; maxBin?: number }): RowSource {
    const s = this.live();
    const qm = s.releasedWith && model ? s.decodingForm(model.bst, model.treeBegin, model.treeEnd, model.maxBin) : 0;
    return { X: s.xPtr, qm, xRows: s.nrow, ncol: this.ncol, rows: this.rowsPtr, n: this.nrow, label: s.labelPtr, weight: s.weightPtr, lower: s.lowerPtr, upper: s.upperPtr };
  }

  /** @internal the quantised form of the whole matrix (a view: of the matrix it views), built once per key, and
   * with it the matrix's storage, pinned for a fit until unpin() */
  quantised(maxBin: number, types?: Uint8Array): { qm: number; unpin(): void } {
    const form = this.live().pin(maxBin, types);
    if (!this.rowsPtr) return form;
    // A view's fit reads the view's row indexes whenever it builds its working memory — at its start, and again
    // after each park() (booster.c: acquire): the indexes stay until unpin(), also when the view is freed meanwhile.
    const rowsPtr = this.rowsPtr, pins = (this.rowPins ??= { n: 0, freeWhenUnpinned: false });
    pins.n++;
    return {
      qm: form.qm,
      unpin: once(() => {
        form.unpin();
        if (--pins.n === 0 && pins.freeWhenUnpinned) free(rowsPtr);
      }),
    };
  }

  /** @internal labels and weights in this matrix's row order, for the core's metrics:
   * the storage's own arrays, or (a view) copies freed by done() */
  targets(): { label: number; weight: number; lower: number; upper: number; done(): void } {
    const s = this.live();
    if (!this.rowsPtr) return { label: s.labelPtr, weight: s.weightPtr, lower: s.lowerPtr, upper: s.upperPtr, done: () => {} };
    // gathered straight into the core's memory (no JavaScript copy)
    const gatherInCore = (ptr: number): number => {
      if (!ptr) return 0;
      const out = alloc(Math.max(4, this.nrow * 4));
      const dst = f32(out, this.nrow), src = f32(ptr, s.nrow), rows = i32(this.rowsPtr, this.nrow);
      for (let i = 0; i < this.nrow; i++) dst[i] = src[rows[i]];
      return out;
    };
    const label = gatherInCore(s.labelPtr), weight = gatherInCore(s.weightPtr), lower = gatherInCore(s.lowerPtr), upper = gatherInCore(s.upperPtr);
    return { label, weight, lower, upper, done: () => { free(label); free(weight); free(lower); free(upper); } };
  }

  /** @internal the labels as the core holds them, without a copy: label i of this matrix is values[rows[i]]
   * (values[i] for a whole matrix); undefined without labels */
  labelsView(): { values: Float32Array; rows?: Int32Array } | undefined {
    const s = this.live();
    if (!s.labelPtr) return undefined;
    return { values: f32(s.labelPtr, s.nrow), ...(this.rowsPtr ? { rows: i32(this.rowsPtr, this.nrow) } : {}) };
  }

  /** @internal */
  assertLive(): void {
    this.live();
  }

  /**
   * This matrix for another thread attached to this core (threads build only): its forms for `forms` built
   * now (a fit's first train() would build them lazily, in whichever thread), then they and the storage pinned until
   * release() — the other thread's handle (fromShared) reads them without a copy and never frees them. Call release()
   * only once that thread can no longer use them. A whole matrix only (the other thread takes row views itself).
   */
  sharedDescriptor(forms: { maxBin: number; types?: Uint8Array }[]): { descriptor: SharedMatrix; release(): void } {
    const s = this.live();
    if (this.rowsPtr) throw new Error("DMatrix.sharedDescriptor: a row view cannot be shared; share the matrix it views");
    if (coreBuild() !== "threads") throw new Error("DMatrix.sharedDescriptor: the single-threaded core has no memory to share");
    const pinned = s.share(forms);
    return {
      descriptor: {
        nrow: this.nrow, ncol: this.ncol, featureNames: this.featureNames, catFeatures: this.catFeatures, X: s.xPtr, label: s.labelPtr, weight: s.weightPtr,
        lower: s.lowerPtr, upper: s.upperPtr, forms: pinned.forms,
        ...(s.releasedWith ? { releasedWith: s.releasedWith } : {}),
        ...(this.queryPtr ? { queryPtr: this.queryPtr } : {}), ...(this.queryWeight ? { queryWeight: this.queryWeight } : {}),
      },
      release: pinned.unpin,
    };
  }

  /**
   * A handle, in a thread attached to this core (wasm.ts attachCore), on another thread's matrix
   * (sharedDescriptor): it trains, predicts and slices as that matrix, with its forms, without a copy. It never
   * frees or evicts what it does not own: its free() ends the handle only, and a form it builds for another key is
   * its own (freed with it).
   */
  static fromShared(d: SharedMatrix): DMatrix {
    const store = new Storage(d.nrow, d.ncol);
    store.external = true;
    store.xPtr = d.X; store.labelPtr = d.label; store.weightPtr = d.weight; store.lowerPtr = d.lower; store.upperPtr = d.upper;
    store.adopt(d.forms);
    if (d.releasedWith) store.releasedWith = [...d.releasedWith]; // rows are decoded from the forms
    const m: DMatrix = Object.create(DMatrix.prototype);
    Object.assign(m, { nrow: d.nrow, ncol: d.ncol, featureNames: d.featureNames, catFeatures: d.catFeatures, store, rowsPtr: 0, token: {},
      queryPtr: d.queryPtr, queryWeight: d.queryWeight, viewOfGrouped: false });
    registry.register(m, { store, rowsPtr: 0 }, m.token);
    return m;
  }

  /** Returns the matrix's memory to the core: a view's indexes; the data once neither the
   * matrix nor any view of it holds it. Further use of this object is an Error. */
  free(): void {
    if (!this.store) return;
    registry.unregister(this.token);
    const rowsInUse = this.rowPins !== undefined && this.rowPins.n > 0;
    if (rowsInUse) this.rowPins!.freeWhenUnpinned = true;
    release({ store: this.store, rowsPtr: rowsInUse ? 0 : this.rowsPtr });
    this.store = undefined;
    this.rowsPtr = 0;
  }
}
