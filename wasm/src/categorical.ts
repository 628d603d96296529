/**
 * Categorical features by ordered target statistics (CatBoost's scheme): cat_encoding
 * "ordered" (the default for symmetric trees; depthwise and lossguide trees default to
 * XGBoost's native categorical splits, cat_encoding "partition", in the core —
 * wasm/csrc/split_categorical.c).
 *
 * A categorical column holds integer category codes. Boosting needs a number per row,
 * and the obvious one — the mean label of the row's category — leaks the row's own
 * label into its feature: with many rare categories the trees learn the noise.
 * Ordered target statistics avoid that. Rows are put in a random order; a row's value
 * uses only the rows before it:
 *
 *     ts(i) = (sum of y_j over earlier rows j with the same category + a * prior)
 *             / (number of such rows + a)
 *
 * with prior = mean label and a = cat_prior_weight (default 1). The first rows of a
 * category get values near the prior, and no row ever sees its own label. Several
 * permutations (cat_permutations, default 4) are averaged to lower the variance that a
 * single order gives the early rows; each is leak-free, so their mean is too.
 *
 * Multiclass objectives (K classes) use CatBoost's per-class statistics: the label is
 * replaced by K indicators [y = k] and each gets its own statistic, with prior_k the
 * class frequency — a categorical column becomes K numeric columns: the column itself
 * holds class 0's statistic and K - 1 columns appended after all input columns (for
 * each categorical column in ascending order, classes 1..K-1) hold the others.
 *
 * At prediction time every training row is "before" the new row: the table stores,
 * per category, (sum of all its labels + a * prior) / (count + a); unseen categories
 * (and missing values) get the prior. The table travels inside the XGBoost JSON model,
 * under learner.attributes.categorical_target_statistics (a JSON string):
 *     { "prior": number, "prior_weight": number,
 *       "features": { "<column index>": { "<category code>": encoded value, ... }, ... } }
 * and for K classes "classes": K, "prior": [K numbers], and [K numbers] per code.
 * Native XGBoost loads such a model but predicts on raw codes — use this package.
 *
 * cat_encoding: "naive" (all rows, leaking) exists only to measure what ordered
 * statistics prevent.
 */
import { Rng } from "./rng";

export interface CategoricalEncoding {
  /** per target: the mean label (one target), or each class's frequency (K classes) */
  prior: number[];
  priorWeight: number;
  /** column → (category code → encoded value per target) */
  features: Map<number, Map<number, number[]>>;
  /** columns of the data before encoding; the encoded data has
   * inputColumns + (number of categorical columns) × (targets − 1) */
  inputColumns: number;
}

export interface CategoricalOptions {
  permutations: number;
  priorWeight: number;
  naive: boolean;
  seed: number;
  /** K for multiclass objectives (per-class statistics); undefined for one target */
  numClass?: number;
}

/** Where target k (>= 1) of the j-th categorical column goes in the encoded matrix. */
function extraColumn(enc: { inputColumns: number; prior: number[] }, j: number, k: number): number {
  return enc.inputColumns + j * (enc.prior.length - 1) + (k - 1);
}

/** Columns of the encoded matrix. */
export function encodedColumns(enc: CategoricalEncoding): number {
  return enc.inputColumns + enc.features.size * (enc.prior.length - 1);
}

/** The largest category code (the core's XGB_MAX_CAT): at most 65,536 categories per column. */
export const MAX_CATEGORY_CODE = 65535;

/** Checks the codes of the categorical columns: integers 0..65535 or missing (NaN). */
export function checkCategoricalCodes(X: Float32Array, ncol: number, columns: number[], names?: string[]): void {
  const nrow = X.length / ncol;
  for (const c of columns) {
    for (let i = 0; i < nrow; i++) {
      const v = X[i * ncol + c];
      if (Number.isNaN(v)) continue;
      if (!(Number.isInteger(v) && v >= 0 && v <= MAX_CATEGORY_CODE)) {
        const col = names ? `${c} ("${names[c]}")` : String(c);
        const why = Number.isInteger(v) && v > MAX_CATEGORY_CODE
          ? `category codes above ${MAX_CATEGORY_CODE} (more than 65,536 categories in one column) are not supported`
          : `category codes must be integers 0..${MAX_CATEGORY_CODE} (encode strings as codes first)`;
        throw new Error(`DMatrix: categorical feature ${col} has value ${v} at row ${i}; ${why}`);
      }
    }
  }
}

/** The ordered encoding of the training matrix (a new array, encodedColumns wide) and the prediction table. */
export function fitOrderedTargetStatistics(
  X: Float32Array, ncol: number, label: Float32Array, columns: number[], opts: CategoricalOptions,
): { encoded: Float32Array; encoding: CategoricalEncoding } {
  const nrow = label.length, K = opts.numClass ?? 1, a = opts.priorWeight;
  // the targets: the label itself, or one indicator per class
  const target = (i: number, k: number) => (K === 1 ? label[i] : label[i] === k ? 1 : 0);
  const prior = new Array<number>(K).fill(0);
  for (let i = 0; i < nrow; i++) for (let k = 0; k < K; k++) prior[k] += target(i, k);
  for (let k = 0; k < K; k++) prior[k] = nrow ? prior[k] / nrow : 0;
  const enc: CategoricalEncoding = { prior, priorWeight: a, features: new Map(), inputColumns: ncol };
  const width = ncol + columns.length * (K - 1);
  const encoded = new Float32Array(nrow * width);
  for (let i = 0; i < nrow; i++) encoded.set(X.subarray(i * ncol, (i + 1) * ncol), i * width);
  const rng = Rng.fromSeed(opts.seed ^ 0x5eed);
  const put = (i: number, j: number, c: number, k: number, v: number) => {
    encoded[i * width + (k === 0 ? c : extraColumn(enc, j, k))] = v;
  };
  columns.forEach((c, j) => {
    // prediction-time table from all rows
    const total = new Map<number, { s: Float64Array; n: number }>();
    for (let i = 0; i < nrow; i++) {
      const v = X[i * ncol + c];
      if (Number.isNaN(v)) continue;
      let t = total.get(v);
      if (!t) total.set(v, (t = { s: new Float64Array(K), n: 0 }));
      for (let k = 0; k < K; k++) t.s[k] += target(i, k);
      t.n += 1;
    }
    const table = new Map<number, number[]>();
    for (const [code, t] of total) table.set(code, Array.from(t.s, (s, k) => (s + a * prior[k]) / (t.n + a)));
    enc.features.set(c, table);

    if (opts.naive) {
      for (let i = 0; i < nrow; i++) {
        const v = X[i * ncol + c];
        const values = Number.isNaN(v) ? prior : table.get(v)!;
        for (let k = 0; k < K; k++) put(i, j, c, k, values[k]);
      }
      return;
    }
    const acc = new Float64Array(nrow * K);
    for (let p = 0; p < opts.permutations; p++) {
      const order = rng.permutation(nrow);
      const running = new Map<number, { s: Float64Array; n: number }>();
      for (const i of order) {
        const v = X[i * ncol + c];
        const r = Number.isNaN(v) ? undefined : running.get(v);
        for (let k = 0; k < K; k++) acc[i * K + k] += r ? (r.s[k] + a * prior[k]) / (r.n + a) : prior[k];
        if (Number.isNaN(v)) continue;
        if (r) { for (let k = 0; k < K; k++) r.s[k] += target(i, k); r.n += 1; }
        else { const s = new Float64Array(K); for (let k = 0; k < K; k++) s[k] = target(i, k); running.set(v, { s, n: 1 }); }
      }
    }
    for (let i = 0; i < nrow; i++) for (let k = 0; k < K; k++) put(i, j, c, k, acc[i * K + k] / opts.permutations);
  });
  return { encoded, encoding: enc };
}

/** Encodes a matrix (inputColumns wide) for prediction with the stored table. */
export function applyTargetStatistics(X: Float32Array, ncol: number, enc: CategoricalEncoding): Float32Array {
  const nrow = X.length / ncol, K = enc.prior.length, width = encodedColumns(enc);
  const out = new Float32Array(nrow * width);
  for (let i = 0; i < nrow; i++) out.set(X.subarray(i * ncol, (i + 1) * ncol), i * width);
  let j = 0;
  for (const [c, table] of [...enc.features].sort((x, y) => x[0] - y[0])) {
    for (let i = 0; i < nrow; i++) {
      const v = X[i * ncol + c];
      const values = (Number.isNaN(v) ? undefined : table.get(v)) ?? enc.prior;
      out[i * width + c] = values[0];
      for (let k = 1; k < K; k++) out[i * width + extraColumn(enc, j, k)] = values[k];
    }
    j++;
  }
  return out;
}

/** Names of the encoded columns: the input names, then "<name>:class<k>" for the appended ones. */
export function encodedFeatureNames(enc: CategoricalEncoding, names?: string[]): string[] | undefined {
  if (!names) return undefined;
  const out = [...names];
  for (const c of [...enc.features.keys()].sort((x, y) => x - y)) for (let k = 1; k < enc.prior.length; k++) out.push(`${names[c]}:class${k}`);
  return out;
}

export function encodingToAttribute(enc: CategoricalEncoding): string {
  const multi = enc.prior.length > 1;
  const features: Record<string, Record<string, number | number[]>> = {};
  for (const [c, table] of [...enc.features].sort((x, y) => x[0] - y[0])) {
    features[String(c)] = Object.fromEntries([...table].sort((x, y) => x[0] - y[0]).map(([k, v]) => [String(k), multi ? v : v[0]]));
  }
  return JSON.stringify(multi
    ? { classes: enc.prior.length, prior: enc.prior, prior_weight: enc.priorWeight, features }
    : { prior: enc.prior[0], prior_weight: enc.priorWeight, features });
}

/** The table from the model attribute; numFeature is the model's (encoded) feature count. */
export function encodingFromAttribute(text: string, numFeature: number): CategoricalEncoding {
  const bad = (why: string) => new Error(`invalid XGBoost JSON model: attribute categorical_target_statistics ${why}`);
  let doc: { classes?: unknown; prior?: unknown; prior_weight?: unknown; features?: Record<string, Record<string, unknown>> };
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad("is not JSON");
  }
  const K = doc.classes === undefined ? 1 : Number(doc.classes);
  if (!(Number.isInteger(K) && K >= 1)) throw bad(`has classes ${JSON.stringify(doc.classes)}`);
  const prior = K === 1 ? [doc.prior] : doc.prior;
  if (!Array.isArray(prior) || prior.length !== K || !prior.every((v) => typeof v === "number") || typeof doc.features !== "object" || doc.features === null) {
    throw bad("lacks prior or features");
  }
  const nCat = Object.keys(doc.features).length, inputColumns = numFeature - nCat * (K - 1);
  const features = new Map<number, Map<number, number[]>>();
  for (const [c, table] of Object.entries(doc.features)) {
    const col = Number(c);
    if (!(Number.isInteger(col) && col >= 0 && col < inputColumns)) throw bad(`names column ${c}, outside [0, ${inputColumns})`);
    features.set(col, new Map(Object.entries(table).map(([code, v]) => {
      const values = K === 1 ? [Number(v)] : Array.isArray(v) && v.length === K ? v.map(Number) : [];
      if (values.length !== K || !values.every(Number.isFinite)) throw bad(`has a bad value for category ${code} of column ${c}`);
      return [Number(code), values];
    })));
  }
  return { prior: prior as number[], priorWeight: Number(doc.prior_weight ?? 1), features, inputColumns };
}
