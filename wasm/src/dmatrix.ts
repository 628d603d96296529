/**
 * DMatrix: a dense float32 matrix (row-major) with labels and weights, copied into the
 * core's memory once so training and prediction read it without further copies.
 * Missing values (NaN, or the `missing` value) are stored as NaN.
 */
import { checkCategoricalCodes } from "./categorical";
import { alloc, copyF32, f32, free } from "./wasm";

export interface DMatrixOptions {
  nrow?: number;
  ncol?: number;
  label?: ArrayLike<number>;
  weight?: ArrayLike<number>;
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
}

/** XGBoost's feature type names (data.cc LoadFeatureType): all numeric but "c". */
const FEATURE_TYPES = ["q", "c", "int", "float", "i"];

const registry = new FinalizationRegistry<number[]>((ptrs) => ptrs.forEach(free));

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
  /** @internal pointers into the core's memory */
  xPtr = 0;
  labelPtr = 0;
  weightPtr = 0;
  private token = {};

  constructor(X: Float32Array | Float64Array | ArrayLike<number> | number[][], opts: DMatrixOptions = {}) {
    for (const k of ["nrow", "ncol"] as const) {
      const v = opts[k];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new Error(`DMatrix: ${k} must be an integer >= 0, got ${JSON.stringify(v)}`);
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
    if (opts.featureNames && opts.featureNames.length !== ncol) {
      throw new Error(`DMatrix: ${opts.featureNames.length} feature names for ${ncol} features`);
    }
    this.nrow = nrow;
    this.ncol = ncol;
    this.featureNames = opts.featureNames ? [...opts.featureNames] : undefined;
    this.catFeatures = DMatrix.resolveCategorical(opts, ncol, this.featureNames);

    const missing = opts.missing ?? NaN;
    const n = nrow * ncol;
    this.xPtr = alloc(Math.max(4, n * 4));
    const dst = f32(this.xPtr, n);
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
    } else {
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
    if (opts.weight !== undefined) this.setWeight(opts.weight);
    registry.register(this, [this.xPtr], this.token);
  }

  /** The categorical columns from catFeatures and / or featureTypes (which must agree). */
  private static resolveCategorical(opts: DMatrixOptions, ncol: number, names?: string[]): number[] {
    if (opts.catFeatures !== undefined && !Array.isArray(opts.catFeatures)) {
      throw new Error(`DMatrix: catFeatures must be an array of column indexes or names, got ${JSON.stringify(opts.catFeatures)}`);
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
      throw new Error(`DMatrix: enableCategorical must be true or false, got ${JSON.stringify(opts.enableCategorical)}`);
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
      if (!Number.isFinite(label[i])) { this.free(); throw new Error(`DMatrix: label[${i}] is ${label[i]}; labels must be finite numbers`); }
    }
    this.labelPtr = copyF32(label);
  }

  private setWeight(weight: ArrayLike<number>): void {
    if (weight.length !== this.nrow) { this.free(); throw new Error(`DMatrix: weight has ${weight.length} values but X has ${this.nrow} rows`); }
    for (let i = 0; i < weight.length; i++) {
      if (!(Number.isFinite(weight[i]) && weight[i] >= 0)) { this.free(); throw new Error(`DMatrix: weight[${i}] is ${weight[i]}; weights must be finite and >= 0`); }
    }
    this.weightPtr = copyF32(weight);
  }

  get hasLabel(): boolean { return this.labelPtr !== 0; }

  /** A copy of the labels (Float32Array), or undefined. */
  getLabel(): Float32Array | undefined {
    this.assertLive();
    return this.labelPtr ? f32(this.labelPtr, this.nrow).slice() : undefined;
  }

  getWeight(): Float32Array | undefined {
    this.assertLive();
    return this.weightPtr ? f32(this.weightPtr, this.nrow).slice() : undefined;
  }

  /** A copy of the feature matrix, row-major, missing as NaN. */
  getData(): Float32Array {
    this.assertLive();
    return f32(this.xPtr, this.nrow * this.ncol).slice();
  }

  /** A new DMatrix with the given rows (in that order), their labels and weights. */
  slice(rows: ArrayLike<number>): DMatrix {
    this.assertLive();
    const ncol = this.ncol, out = new Float32Array(rows.length * ncol);
    const X = f32(this.xPtr, this.nrow * ncol);
    const label = this.labelPtr ? new Float32Array(rows.length) : undefined;
    const weight = this.weightPtr ? new Float32Array(rows.length) : undefined;
    const L = this.labelPtr ? f32(this.labelPtr, this.nrow) : undefined;
    const W = this.weightPtr ? f32(this.weightPtr, this.nrow) : undefined;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (!(Number.isInteger(r) && r >= 0 && r < this.nrow)) throw new Error(`DMatrix.slice: row ${r} is out of range [0, ${this.nrow})`);
      out.set(X.subarray(r * ncol, (r + 1) * ncol), i * ncol);
      if (label) label[i] = L![r];
      if (weight) weight[i] = W![r];
    }
    return new DMatrix(out, { nrow: rows.length, ncol, label, weight, featureNames: this.featureNames, catFeatures: this.catFeatures });
  }

  /** @internal */
  assertLive(): void {
    if (!this.xPtr) throw new Error("DMatrix: used after free()");
  }

  /** Returns the matrix's memory to the core. */
  free(): void {
    registry.unregister(this.token);
    free(this.xPtr); free(this.labelPtr); free(this.weightPtr);
    this.xPtr = this.labelPtr = this.weightPtr = 0;
  }
}
