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
 * At prediction time every training row is "before" the new row: the table stores,
 * per category, (sum of all its labels + a * prior) / (count + a); unseen categories
 * (and missing values) get the prior. The table travels inside the XGBoost JSON model,
 * under learner.attributes.categorical_target_statistics (a JSON string):
 *     { "prior": number, "prior_weight": number,
 *       "features": { "<column index>": { "<category code>": encoded value, ... }, ... } }
 * Native XGBoost loads such a model but predicts on raw codes — use this package.
 *
 * cat_encoding: "naive" (all rows, leaking) exists only to measure what ordered
 * statistics prevent.
 */
import { Rng } from "./rng";

export interface CategoricalEncoding {
  prior: number;
  priorWeight: number;
  /** column → (category code → encoded value) */
  features: Map<number, Map<number, number>>;
}

export interface CategoricalOptions {
  permutations: number;
  priorWeight: number;
  naive: boolean;
  seed: number;
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

/** The ordered encoding of the training matrix (a new array) and the prediction table. */
export function fitOrderedTargetStatistics(
  X: Float32Array, ncol: number, label: Float32Array, columns: number[], opts: CategoricalOptions,
): { encoded: Float32Array; encoding: CategoricalEncoding } {
  const nrow = label.length;
  let sum = 0;
  for (let i = 0; i < nrow; i++) sum += label[i];
  const prior = nrow ? sum / nrow : 0, a = opts.priorWeight;
  const encoded = X.slice();
  const rng = Rng.fromSeed(opts.seed ^ 0x5eed);
  const features = new Map<number, Map<number, number>>();
  for (const c of columns) {
    // prediction-time table from all rows
    const total = new Map<number, { s: number; n: number }>();
    for (let i = 0; i < nrow; i++) {
      const v = X[i * ncol + c];
      if (Number.isNaN(v)) continue;
      const t = total.get(v) ?? { s: 0, n: 0 };
      t.s += label[i]; t.n += 1;
      total.set(v, t);
    }
    const table = new Map<number, number>();
    for (const [code, t] of total) table.set(code, (t.s + a * prior) / (t.n + a));
    features.set(c, table);

    if (opts.naive) {
      for (let i = 0; i < nrow; i++) {
        const v = X[i * ncol + c];
        encoded[i * ncol + c] = Number.isNaN(v) ? prior : table.get(v)!;
      }
      continue;
    }
    const acc = new Float64Array(nrow);
    for (let p = 0; p < opts.permutations; p++) {
      const order = rng.permutation(nrow);
      const running = new Map<number, { s: number; n: number }>();
      for (const i of order) {
        const v = X[i * ncol + c];
        if (Number.isNaN(v)) { acc[i] += prior; continue; }
        const r = running.get(v);
        acc[i] += r ? (r.s + a * prior) / (r.n + a) : prior;
        if (r) { r.s += label[i]; r.n += 1; } else running.set(v, { s: label[i], n: 1 });
      }
    }
    for (let i = 0; i < nrow; i++) encoded[i * ncol + c] = acc[i] / opts.permutations;
  }
  return { encoded, encoding: { prior, priorWeight: a, features } };
}

/** Encodes a matrix for prediction with the stored table. */
export function applyTargetStatistics(X: Float32Array, ncol: number, enc: CategoricalEncoding): Float32Array {
  const out = X.slice();
  const nrow = X.length / ncol;
  for (const [c, table] of enc.features) {
    for (let i = 0; i < nrow; i++) {
      const v = X[i * ncol + c];
      out[i * ncol + c] = Number.isNaN(v) ? enc.prior : table.get(v) ?? enc.prior;
    }
  }
  return out;
}

export function encodingToAttribute(enc: CategoricalEncoding): string {
  const features: Record<string, Record<string, number>> = {};
  for (const [c, table] of enc.features) features[String(c)] = Object.fromEntries([...table].sort((x, y) => x[0] - y[0]).map(([k, v]) => [String(k), v]));
  return JSON.stringify({ prior: enc.prior, prior_weight: enc.priorWeight, features });
}

export function encodingFromAttribute(text: string, numFeature: number): CategoricalEncoding {
  let doc: { prior?: unknown; prior_weight?: unknown; features?: Record<string, Record<string, unknown>> };
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error("invalid XGBoost JSON model: attribute categorical_target_statistics is not JSON");
  }
  if (typeof doc.prior !== "number" || typeof doc.features !== "object" || doc.features === null) {
    throw new Error("invalid XGBoost JSON model: attribute categorical_target_statistics lacks prior or features");
  }
  const features = new Map<number, Map<number, number>>();
  for (const [c, table] of Object.entries(doc.features)) {
    const col = Number(c);
    if (!(Number.isInteger(col) && col >= 0 && col < numFeature)) throw new Error(`invalid XGBoost JSON model: categorical column ${c} is outside [0, ${numFeature})`);
    features.set(col, new Map(Object.entries(table).map(([k, v]) => [Number(k), Number(v)])));
  }
  return { prior: doc.prior, priorWeight: Number(doc.prior_weight ?? 1), features };
}
