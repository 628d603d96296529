/**
 * Ridge regression, closed form, on standardised features.
 *
 * Each feature j is standardised z_j = (x_j − μ_j) / σ_j with the training
 * mean μ_j and population standard deviation σ_j (σ_j = 1 for a constant
 * column). With centred label y − ȳ the penalised least-squares problem
 *     min_β ‖(y − ȳ) − Zβ‖² + α‖β‖²
 * has the closed-form solution β = (ZᵀZ + αI)⁻¹ Zᵀ(y − ȳ), solved by Cholesky
 * (linalg.ts); the intercept ȳ is not penalised. This is exactly
 * scikit-learn's StandardScaler + Ridge(alpha). Prediction:
 *     ŷ = ȳ + Σ_j β_j (x_j − μ_j) / σ_j.
 * Missing values (NaN) are replaced by the training mean μ_j (so they
 * contribute 0). Ridge always minimises squared error, so it estimates the conditional mean — the prediction
 * of reg:squarederror, count:poisson (the rate), reg:gamma and reg:tweedie (the mean), reg:logistic and
 * binary:logistic (P(1): the linear score clipped to [0, 1]); labels as the objective takes them (labelRange). reg:absoluteerror (the median),
 * reg:pseudohubererror (a robust location) and reg:squaredlogerror (expm1 of the mean of log1p y) predict other
 * things, and a ridge member refuses them to fit (it fitted squared error without a word); a model
 * fitted before (loaded) still predicts. multi:* is not supported.
 *
 * Categorical features (codes, data/matrix.ts) are one-hot encoded on the training rows: an indicator
 * column per level, the levels ordered by frequency; with more than max_categories levels the most
 * frequent max_categories − 1 keep their column and the rest share one "(other)" column, so a 10k-level
 * feature costs at most max_categories columns. A missing or unseen category is the all-zero row. The
 * indicators are standardised like any column.
 *
 * File format (ridge JSON, `<name>.json` in a saved ensemble):
 *   { "format": "ensemble-workbook/ridge/1", "alpha": 1, "max_categories": 32,
 *     "featureNames": [...], "mean": [...], "scale": [...],
 *     "coef": [... standardised β, one per input column ...], "intercept": ȳ, "objective": "...",
 *     "categorical"?: [{ "feature", "levels": [codes], "merged": [codes] }] }
 * Input columns are the features in order, each categorical one replaced by its indicators (levels, then
 * "(other)" when merged is not empty); files without "categorical" (numeric models) read as before.
 */
import { withColumns, type ColumnSchema, type Matrix } from "../data/matrix";
import { ridgeSolve } from "./linalg";
import { checkFeatures, checkFitOptions, ContributionOptions, FitOptions, Member, MemberContributions, StoredParams } from "./member";
import type { RidgeParams } from "./params";
import { canonicalObjective, decimalNumber, isMulticlass, labelRange, objectiveTask, shownValue } from "../core";

export const RIDGE_FORMAT = "ensemble-workbook/ridge/1";

/** The objectives whose prediction is the conditional mean, which ridge's least squares estimates. */
const MEAN_OBJECTIVES = ["reg:squarederror", "count:poisson", "reg:gamma", "reg:tweedie", "reg:logistic", "binary:logistic"];
/** A probability, in [0, 1]: the linear score is clipped there (binary:logistic, reg:logistic). */
const predictsProbability = (objective: string) => objectiveTask(objective) === "binary" || canonicalObjective(objective) === "reg:logistic";

/** What the objectives ridge refuses predict instead of the mean (its Error says so). */
const NOT_THE_MEAN: Record<string, string> = {
  "reg:absoluteerror": "the median",
  "reg:pseudohubererror": "a robust location, not the mean",
  "reg:squaredlogerror": "expm1 of the mean of log1p(y), not the mean",
};

/** Default cap on the one-hot columns of one categorical feature (scikit-learn's OneHotEncoder max_categories). */
export const RIDGE_MAX_CATEGORIES = 32;

/** One-hot layout of a categorical feature: a column per kept level, one for the merged rare levels. */
interface OneHot {
  feature: string;
  /** category codes with their own indicator column (most frequent first) */
  levels: number[];
  /** rarer codes sharing one "(other)" indicator column (empty: no such column) */
  merged: number[];
}

interface RidgeState {
  featureNames: string[];
  mean: number[];
  scale: number[];
  coef: number[];
  intercept: number;
  /** one-hot layouts of the categorical features (absent in files of numeric-only models) */
  categorical?: OneHot[];
}

/** The model's input columns: numeric features as they are, categorical ones expanded to indicators. */
interface Expanded {
  /** per expanded column: the feature index it reads */
  feature: number[];
  /** per expanded column: NaN for a numeric feature, else the indicator's codes */
  codes: (Set<number> | undefined)[];
  names: string[];
}

function expand(featureNames: string[], categorical: OneHot[], categories?: (string[] | undefined)[]): Expanded {
  const byName = new Map(categorical.map((c) => [c.feature, c]));
  const out: Expanded = { feature: [], codes: [], names: [] };
  featureNames.forEach((name, j) => {
    const oh = byName.get(name);
    if (!oh) {
      out.feature.push(j);
      out.codes.push(undefined);
      out.names.push(name);
      return;
    }
    for (const code of oh.levels) {
      out.feature.push(j);
      out.codes.push(new Set([code]));
      out.names.push(`${name}=${categories?.[j]?.[code] ?? code}`);
    }
    if (oh.merged.length) {
      out.feature.push(j);
      out.codes.push(new Set(oh.merged));
      out.names.push(`${name}=(other)`);
    }
  });
  return out;
}

/** Value of expanded column k in row i: the feature's value, or the indicator (0 for missing and unseen categories). */
function valueAt(m: Matrix, e: Expanded, k: number, i: number): number {
  const x = m.X[i * m.ncol + e.feature[k]];
  const codes = e.codes[k];
  if (!codes) {
    // as the tree members' DMatrix and scikit-learn ("Input X contains infinity") refuse it: an infinite value made the
    // fit fail as "matrix is not positive definite (use alpha > 0)" whatever alpha, and a prediction ±Infinity
    if (x === Infinity || x === -Infinity) throw new Error(`ridge: X[${i}][${e.feature[k]}] (feature "${m.featureNames[e.feature[k]]}") is ${x}; features must be finite or missing (NaN)`);
    return x;
  }
  return codes.has(x) ? 1 : 0;
}

/** scikit-learn's order of a column's categories (np.unique's: numbers by value, text by code point). */
function categoryOrder(a: string, b: string): number {
  const x = decimalNumber(a), y = decimalNumber(b);
  if (x !== undefined && y !== undefined) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The one-hot layout of categorical column j from the training rows: the most frequent levels, the rest merged. Among
 * levels of equal count the later ones in scikit-learn's category order keep their column, as OneHotEncoder's
 * max_categories does (a stable ascending argsort of the counts marks the first ones infrequent): counts c 10, a 10,
 * b 10, d 5 under max_categories 3 kept c and a (first seen), where scikit-learn keeps b and c — predictions 2.6 apart.
 */
function oneHotFor(m: Matrix, j: number, maxCategories: number): OneHot {
  const counts = new Map<number, number>();
  for (let i = 0; i < m.nrow; i++) {
    const v = m.X[i * m.ncol + j];
    if (!Number.isNaN(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const names = m.columns?.[j]?.categories;
  const later = (a: number, b: number) => (names ? categoryOrder(names[b], names[a]) : b - a);
  const order = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || later(a, b));
  if (order.length <= maxCategories) return { feature: m.featureNames[j], levels: order, merged: [] };
  return { feature: m.featureNames[j], levels: order.slice(0, maxCategories - 1), merged: order.slice(maxCategories - 1) };
}

/** A numeric parameter: a number, or decimal text as hyperparameters come; anything else NaN (refused by the caller's
 * range check). Number() read null, "", false and [] as 0 — ridge({ alpha: null }) fitted least squares — and true as 1. */
function paramNumber(v: unknown): number {
  if (typeof v === "number") return v;
  return typeof v === "string" ? decimalNumber(v) ?? NaN : NaN;
}

class RidgeMember implements Member {
  kind = "ridge" as const;
  name: string;
  params: StoredParams;
  private state?: RidgeState;
  /** the columns of the matrix this member was fitted on here (not known after loadFile: the Ensemble keeps them) */
  private trainedColumns?: ColumnSchema[];
  private expanded?: Expanded;

  constructor(params: RidgeParams = {}) {
    const { name, ...rest } = params;
    this.name = name ?? "ridge";
    const known = ["alpha", "max_categories", "objective", "num_class"];
    const unknown = Object.keys(rest).filter((k) => !known.includes(k));
    if (unknown.length) throw new Error(`ridge: unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; ridge takes alpha, max_categories (and name)`);
    this.params = { alpha: 1, max_categories: RIDGE_MAX_CATEGORIES, ...rest };
    const alpha = paramNumber(this.params.alpha);
    if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new Error(`ridge: alpha must be a number ≥ 0 (got ${shownValue(params.alpha)})`);
    this.params.alpha = alpha;
    const maxCat = paramNumber(this.params.max_categories);
    if (!(Number.isInteger(maxCat) && maxCat >= 2)) throw new Error(`ridge: max_categories must be an integer ≥ 2 (got ${shownValue(params.max_categories)})`);
    this.params.max_categories = maxCat;
  }

  private objective(): string {
    return this.params.objective ?? "reg:squarederror";
  }

  checkObjective(objective: string): void {
    if (isMulticlass(objective)) throw new Error(`ridge member "${this.name}" does not support ${objective} (one linear output); use binary:logistic, a regression objective, or tree members`);
    if (!this.state) this.checkFitObjective(objective); // a loaded model predicts as it was fitted
  }

  /** least squares fits the mean (module comment): another objective's target is a model it cannot fit */
  private checkFitObjective(objective: string): void {
    const name = canonicalObjective(objective);
    if (!MEAN_OBJECTIVES.includes(name))
      throw new Error(
        `ridge member "${this.name}" minimises squared error, which fits the mean, and ${name} predicts ${NOT_THE_MEAN[name] ?? "something other than the mean"}: ` +
          `it cannot fit ${name} (use tree members for it, or reg:squarederror)`,
      );
  }

  fit(m: Matrix, opts: FitOptions = {}): void {
    checkFitOptions(opts, this.name); // evalSet, onRound and the threads mean nothing to a closed form
    if (!m.y) throw new Error(`member "${this.name}": fit needs a label`);
    this.checkObjective(this.objective());
    this.checkFitObjective(this.objective()); // a refit too
    const n = m.nrow;
    // the objective's labels, as the tree members' core and XGBoost check them ("label must be in [0,1] for logistic
    // regression"): labels 1/2 were fitted as numbers and the score clipped to [0, 1], so most rows (96 % on diabetes
    // split at 140) read as P(1) = 1; reg:gamma's negative labels fitted a mean below 0
    const range = labelRange(this.objective());
    if (range)
      for (let i = 0; i < n; i++) if (!range[0](m.y[i])) throw new Error(`member "${this.name}": label[${i}] = ${m.y[i]}; ${this.objective()} needs ${range[1]}`);
    const maxCat = Number(this.params.max_categories);
    const categorical = (m.columns ?? []).flatMap((c, j) => (c.type === "categorical" ? [oneHotFor(m, j, maxCat)] : []));
    const e = expand(m.featureNames, categorical, (m.columns ?? []).map((c) => c.categories));
    const mean: number[] = [];
    const scale: number[] = [];
    const cols: Float64Array[] = [];
    for (let k = 0; k < e.feature.length; k++) {
      let s = 0;
      let cnt = 0;
      const col = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = valueAt(m, e, k, i);
        col[i] = v;
        if (!Number.isNaN(v)) {
          s += v;
          cnt++;
        }
      }
      const mu = cnt ? s / cnt : 0;
      let ss = 0;
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(col[i])) col[i] = mu;
        ss += (col[i] - mu) ** 2;
      }
      const sd = Math.sqrt(ss / n);
      const sigma = sd > 0 ? sd : 1;
      for (let i = 0; i < n; i++) col[i] = (col[i] - mu) / sigma;
      mean.push(mu);
      scale.push(sigma);
      cols.push(col);
    }
    const { coef, intercept } = ridgeSolve(cols, m.y, Number(this.params.alpha));
    this.state = { featureNames: [...m.featureNames], mean, scale, coef: Array.from(coef), intercept, ...(categorical.length ? { categorical } : {}) };
    this.expanded = e;
    this.trainedColumns = m.columns;
  }

  predict(m: Matrix): Float64Array {
    checkFeatures(this, m);
    m = withColumns(m, this.trainedColumns); // toMatrix(new rows)' own codes, read by text (as Ensemble.predict)
    const s = this.state!;
    const e = (this.expanded ??= expand(s.featureNames, s.categorical ?? []));
    const out = new Float64Array(m.nrow);
    const binary = predictsProbability(this.objective());
    for (let i = 0; i < m.nrow; i++) {
      let v = s.intercept;
      for (let k = 0; k < e.feature.length; k++) {
        const x = valueAt(m, e, k, i);
        if (!Number.isNaN(x)) v += (s.coef[k] * (x - s.mean[k])) / s.scale[k];
      }
      out[i] = binary ? Math.min(1, Math.max(0, v)) : v;
    }
    return out;
  }

  /**
   * Exact linear contributions on the standardised scale the model computes: β_k (x_k − μ_k) / σ_k per input
   * column (0 for a missing value, which the model reads as μ_k), the indicator columns of a categorical
   * feature summed into that feature; the bias is the intercept ȳ. They sum to the linear score; under binary:*
   * the prediction is that score clipped to [0, 1] (link clip01). A linear model has no interactions: its
   * interaction values hold the contributions on the diagonal; `approx` changes nothing (Saabas' attribution of
   * a linear model is the same).
   */
  contributions(m: Matrix, opts: ContributionOptions = {}): MemberContributions {
    checkFeatures(this, m);
    m = withColumns(m, this.trainedColumns);
    const s = this.state!;
    const e = (this.expanded ??= expand(s.featureNames, s.categorical ?? []));
    const p = m.ncol, w = p + 1;
    const phi = new Float64Array(m.nrow * w);
    for (let i = 0; i < m.nrow; i++) {
      for (let k = 0; k < e.feature.length; k++) {
        const x = valueAt(m, e, k, i);
        if (!Number.isNaN(x)) phi[i * w + e.feature[k]] += (s.coef[k] * (x - s.mean[k])) / s.scale[k];
      }
      phi[i * w + p] = s.intercept;
    }
    const link = predictsProbability(this.objective()) ? "clip01" : "identity";
    if (!opts.interactions) return { groups: 1, link, values: phi };
    const values = new Float64Array(m.nrow * w * w);
    for (let i = 0; i < m.nrow; i++) for (let j = 0; j < w; j++) values[i * w * w + j * w + j] = phi[i * w + j];
    return { groups: 1, link, values };
  }

  toFile(): { file: string; content: string } {
    if (!this.state) throw new Error(`member "${this.name}" is not fitted`);
    const content = JSON.stringify({ format: RIDGE_FORMAT, alpha: this.params.alpha, max_categories: this.params.max_categories, objective: this.objective(), ...this.state }, null, 1);
    return { file: `${this.name}.json`, content };
  }

  loadFile(content: string): void {
    let j: any; // untrusted JSON: every field is checked below before it is used
    try {
      j = JSON.parse(content);
    } catch (e) {
      throw new Error(`ridge member "${this.name}": file is not JSON: ${(e as Error).message}`);
    }
    if (typeof j !== "object" || j === null || Array.isArray(j)) throw new Error(`ridge member "${this.name}": file must hold a JSON object, got ${shownValue(j)?.slice(0, 40)}`);
    if (j.format !== RIDGE_FORMAT) throw new Error(`ridge member "${this.name}": expected format "${RIDGE_FORMAT}", got ${shownValue(j.format)}`);
    if (!Array.isArray(j.featureNames) || j.featureNames.some((n: unknown) => typeof n !== "string")) throw new Error(`ridge member "${this.name}": "featureNames" must be a list of strings`);
    const categorical: OneHot[] = j.categorical ?? [];
    const codes = (v: unknown) => Array.isArray(v) && v.every((c) => Number.isInteger(c) && c >= 0);
    if (!Array.isArray(categorical) || categorical.some((c) => !c || !j.featureNames.includes(c.feature) || !codes(c.levels) || !codes(c.merged))) {
      throw new Error(`ridge member "${this.name}": "categorical" must list { feature, levels, merged } of its features, levels and merged as category codes`);
    }
    const e = expand(j.featureNames, categorical);
    const p = e.feature.length;
    // The values too, not only the lengths: a null, a string or a non-finite number would load and then predict
    // NaN for every row. scale divides, so it must also be positive (fit() stores 1 for a constant column).
    for (const key of ["mean", "scale", "coef"]) {
      const v: unknown = j[key];
      if (!Array.isArray(v) || v.length !== p) throw new Error(`ridge member "${this.name}": "${key}" must have ${p} numbers`);
      const bad = v.findIndex((x) => typeof x !== "number" || !Number.isFinite(x) || (key === "scale" && x <= 0));
      if (bad >= 0) throw new Error(`ridge member "${this.name}": "${key}"[${bad}] must be a finite number${key === "scale" ? " > 0" : ""}, got ${shownValue(v[bad])}`);
    }
    if (typeof j.intercept !== "number" || !Number.isFinite(j.intercept)) throw new Error(`ridge member "${this.name}": "intercept" must be a finite number, got ${shownValue(j.intercept)}`);
    this.state = { featureNames: j.featureNames, mean: j.mean, scale: j.scale, coef: j.coef, intercept: j.intercept, ...(categorical.length ? { categorical } : {}) };
    this.trainedColumns = undefined; // another model's
    this.expanded = e;
  }

  clone(): Member {
    return new RidgeMember({ ...(this.params as RidgeParams), name: this.name });
  }

  featureNames(): string[] | undefined {
    return this.state?.featureNames;
  }

  /** |β| on the standardised scale (the change in prediction per standard deviation), summed over a categorical feature's indicator columns. */
  importance(): Record<string, number> {
    if (!this.state) throw new Error(`member "${this.name}" is not fitted`);
    const s = this.state;
    const e = (this.expanded ??= expand(s.featureNames, s.categorical ?? []));
    const out: Record<string, number> = Object.fromEntries(s.featureNames.map((n) => [n, 0]));
    e.feature.forEach((j, k) => (out[s.featureNames[j]] += Math.abs(s.coef[k])));
    return out;
  }

  /** Coefficients on the standardised scale (one per numeric feature and per indicator column) and the intercept. */
  coefficients(): { names: string[]; coef: number[]; intercept: number } {
    if (!this.state) throw new Error(`member "${this.name}" is not fitted`);
    const e = (this.expanded ??= expand(this.state.featureNames, this.state.categorical ?? []));
    return { names: e.names, coef: this.state.coef, intercept: this.state.intercept };
  }

  free(): void {}
}

export function ridge(params: RidgeParams = {}): Member {
  return new RidgeMember(params);
}
