/**
 * Test helper (not a test file): small deterministic data sets for the core tests, and
 * the diabetes data read without lib/ (the core tests depend on the core only).
 */
import * as fs from "fs";
import * as path from "path";
import { mulberry32 } from "../../bench/synth";
import type { XGBoostParams } from "node-xgboost-wasm";

export { mulberry32 };

export interface Data { X: Float32Array; y: Float32Array; nrow: number; ncol: number }

/** Regression data: y = smooth function of the first 5 features + noise; `nanRate` of the X values are NaN. */
export function regressionData(nrow: number, ncol: number, seed: number, nanRate = 0): Data {
  const rnd = mulberry32(seed);
  const X = new Float32Array(nrow * ncol);
  const y = new Float32Array(nrow);
  for (let i = 0; i < nrow; i++) {
    const o = i * ncol;
    for (let j = 0; j < ncol; j++) X[o + j] = rnd() * 4 - 2 + (j % 3 === 2 ? Math.round(rnd() * 3) : 0);
    const v = (j: number) => X[o + j];
    y[i] = 3 * Math.sin(v(0) * 1.5) + v(1) * v(1) - 2 * v(2) + (v(3) > 0.3 ? 2 : -1) + 0.5 * v(4) + (rnd() - 0.5);
    for (let j = 0; j < ncol; j++) if (rnd() < nanRate) X[o + j] = NaN;
  }
  return { X, y, nrow, ncol };
}

/** Binary labels (1 if above the median) and multiclass labels (k quantile classes) from a regression target. */
export function binaryLabels(y: Float32Array): Float32Array {
  const s = Float32Array.from(y).sort();
  const med = s[s.length >> 1];
  return y.map((v) => (v > med ? 1 : 0));
}

export function classLabels(y: Float32Array, k: number): Float32Array {
  const s = Float32Array.from(y).sort();
  const cuts = Array.from({ length: k - 1 }, (_, i) => s[Math.floor(((i + 1) * s.length) / k)]);
  return y.map((v) => cuts.filter((c) => v >= c).length);
}

export function repoRoot(): string {
  return path.join(__dirname, "..", "..");
}

/** data/diabetes.csv: 10 features, label `target`. */
export function diabetes(): Data & { featureNames: string[] } {
  const text = fs.readFileSync(path.join(repoRoot(), "data", "diabetes.csv"), "utf8").trim().split(/\r?\n/);
  const header = text[0].split(",");
  const li = header.indexOf("target");
  const featureNames = header.filter((_, i) => i !== li);
  const nrow = text.length - 1, ncol = featureNames.length;
  const X = new Float32Array(nrow * ncol), y = new Float32Array(nrow);
  for (let r = 0; r < nrow; r++) {
    const cells = text[r + 1].split(",").map(Number);
    let c = 0;
    cells.forEach((v, i) => (i === li ? (y[r] = v) : (X[r * ncol + c++] = v)));
  }
  return { X, y, nrow, ncol, featureNames };
}

/** Seeded k-fold test-row indices (shuffle, then k contiguous parts differing by at most one). */
export function foldIndices(n: number, k: number, seed: number): Int32Array[] {
  const rnd = mulberry32(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  const folds: Int32Array[] = [];
  let pos = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    folds.push(order.slice(pos, pos + size).sort());
    pos += size;
  }
  return folds;
}

export function takeRows(d: Data, rows: ArrayLike<number>): Data {
  const X = new Float32Array(rows.length * d.ncol), y = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    X.set(d.X.subarray(rows[i] * d.ncol, (rows[i] + 1) * d.ncol), i * d.ncol);
    y[i] = d.y[rows[i]];
  }
  return { X, y, nrow: rows.length, ncol: d.ncol };
}

export function complement(n: number, rows: ArrayLike<number>): Int32Array {
  const inTest = new Uint8Array(n);
  for (let i = 0; i < rows.length; i++) inTest[rows[i]] = 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!inTest[i]) out.push(i);
  return Int32Array.from(out);
}

export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

export function rmse(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - p[i]) ** 2;
  return Math.sqrt(s / y.length);
}

/**
 * Categorical data: column j < levels.length holds category codes 0..levels[j]-1 (skewed
 * frequencies: low codes are common, as with real levels) of which `nanRate` are missing;
 * each level has a random effect, so the response is not monotonic in the code. Then
 * `numeric` columns with 101 distinct values (0, 0.01, ..., 1), which every binning cuts
 * the same way. y = sum of the level effects (missing: +1) + 2 sin(3 x) per numeric
 * column + uniform noise of the given half-width.
 */
export function categoricalData(nrow: number, levels: number[], numeric: number, seed: number, nanRate = 0, noise = 0.5): Data & { featureTypes: string[] } {
  const rnd = mulberry32(seed);
  const ncol = levels.length + numeric;
  const effects = levels.map((k) => Float64Array.from({ length: k }, () => (rnd() + rnd() + rnd() - 1.5) * 2));
  const X = new Float32Array(nrow * ncol), y = new Float32Array(nrow);
  for (let i = 0; i < nrow; i++) {
    let v = 0;
    levels.forEach((k, j) => {
      const code = Math.min(k - 1, Math.floor(k * rnd() ** 1.5));
      const missing = rnd() < nanRate;
      X[i * ncol + j] = missing ? NaN : code;
      v += missing ? 1 : effects[j][code];
    });
    for (let j = levels.length; j < ncol; j++) {
      const x = Math.round(rnd() * 100) / 100;
      X[i * ncol + j] = x;
      v += 2 * Math.sin(3 * x);
    }
    y[i] = v + (rnd() * 2 - 1) * noise;
  }
  const featureTypes = [...levels.map(() => "c"), ...new Array<string>(numeric).fill("q")];
  return { X, y, nrow, ncol, featureTypes };
}

/** Parameters as plain JavaScript passes them, unchecked by the compiler: for the tests
 * of the core's run-time validation (a wrong type or an unknown value must be a thrown
 * Error naming the parameter, not a trap). */
export function asUserPasses(params: Record<string, unknown>): XGBoostParams {
  return params as XGBoostParams;
}

export type Json = Record<string, any>;
/** the trees of an XGBoost JSON model (NaN, which JSON lacks, read as 0) */
export const treesOf = (json: string): Json[] => JSON.parse(json.replace(/\bNaN\b/g, "0")).learner.gradient_booster.model.trees;
/** what defines a tree's routing: everything but the float values */
export const treeStructure = (tree: Json): string => JSON.stringify([
  tree.left_children, tree.split_indices, tree.split_type, tree.default_left,
  tree.categories_nodes, tree.categories_sizes, tree.categories,
]);
