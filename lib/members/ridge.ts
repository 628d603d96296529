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
 * contribute 0). Ridge always minimises squared error (whatever reg:*
 * objective the ensemble uses). For binary:* objectives the linear score is clipped to
 * [0, 1] and used as a probability; multi:* is not supported.
 *
 * File format (ridge JSON, `<name>.json` in a saved ensemble):
 *   { "format": "ensemble-workbook/ridge/1", "alpha": 1,
 *     "featureNames": [...], "mean": [...], "scale": [...],
 *     "coef": [... standardised β ...], "intercept": ȳ, "objective": "..." }
 */
import type { Matrix } from "../data/matrix";
import { ridgeSolve } from "./linalg";
import { checkFeatures, Member, StoredParams } from "./member";
import type { RidgeParams } from "./params";
import { isMulticlass, objectiveTask } from "../core";

export const RIDGE_FORMAT = "ensemble-workbook/ridge/1";

interface RidgeState {
  featureNames: string[];
  mean: number[];
  scale: number[];
  coef: number[];
  intercept: number;
}


class RidgeMember implements Member {
  kind = "ridge" as const;
  name: string;
  params: StoredParams;
  private state?: RidgeState;

  constructor(params: RidgeParams = {}) {
    const { name, ...rest } = params;
    this.name = name ?? "ridge";
    const unknown = Object.keys(rest).filter((k) => k !== "alpha" && k !== "objective" && k !== "num_class");
    if (unknown.length) throw new Error(`ridge: unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; ridge takes alpha (and name)`);
    this.params = { alpha: 1, ...rest };
    const alpha = Number(this.params.alpha);
    if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new Error(`ridge: alpha must be a number ≥ 0 (got ${params.alpha})`);
    this.params.alpha = alpha;
  }

  private objective(): string {
    return this.params.objective ?? "reg:squarederror";
  }

  fit(m: Matrix): void {
    if (!m.y) throw new Error(`member "${this.name}": fit needs a label`);
    if (isMulticlass(this.objective())) throw new Error(`ridge member "${this.name}" does not support ${this.objective()}`);
    const n = m.nrow;
    const mean: number[] = [];
    const scale: number[] = [];
    const cols: Float64Array[] = [];
    for (let j = 0; j < m.ncol; j++) {
      let s = 0;
      let cnt = 0;
      for (let i = 0; i < n; i++) {
        const v = m.X[i * m.ncol + j];
        if (!Number.isNaN(v)) {
          s += v;
          cnt++;
        }
      }
      const mu = cnt ? s / cnt : 0;
      const col = new Float64Array(n);
      let ss = 0;
      for (let i = 0; i < n; i++) {
        const v = m.X[i * m.ncol + j];
        col[i] = Number.isNaN(v) ? mu : v;
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
    this.state = { featureNames: [...m.featureNames], mean, scale, coef: Array.from(coef), intercept };
  }

  predict(m: Matrix): Float64Array {
    checkFeatures(this, m);
    const s = this.state!;
    const out = new Float64Array(m.nrow);
    const binary = objectiveTask(this.objective()) === "binary";
    for (let i = 0; i < m.nrow; i++) {
      let v = s.intercept;
      for (let j = 0; j < m.ncol; j++) {
        const x = m.X[i * m.ncol + j];
        if (!Number.isNaN(x)) v += (s.coef[j] * (x - s.mean[j])) / s.scale[j];
      }
      out[i] = binary ? Math.min(1, Math.max(0, v)) : v;
    }
    return out;
  }

  toFile(): { file: string; content: string } {
    if (!this.state) throw new Error(`member "${this.name}" is not fitted`);
    const content = JSON.stringify({ format: RIDGE_FORMAT, alpha: this.params.alpha, objective: this.objective(), ...this.state }, null, 1);
    return { file: `${this.name}.json`, content };
  }

  loadFile(content: string): void {
    let j: any; // untrusted JSON: every field is checked below before it is used
    try {
      j = JSON.parse(content);
    } catch (e) {
      throw new Error(`ridge member "${this.name}": file is not JSON: ${(e as Error).message}`);
    }
    if (j.format !== RIDGE_FORMAT) throw new Error(`ridge member "${this.name}": expected format "${RIDGE_FORMAT}", got ${JSON.stringify(j.format)}`);
    const p = j.featureNames?.length;
    for (const key of ["mean", "scale", "coef"]) {
      if (!Array.isArray(j[key]) || j[key].length !== p) throw new Error(`ridge member "${this.name}": "${key}" must have ${p} numbers`);
    }
    this.state = { featureNames: j.featureNames, mean: j.mean, scale: j.scale, coef: j.coef, intercept: Number(j.intercept) };
  }

  clone(): Member {
    return new RidgeMember({ ...(this.params as RidgeParams), name: this.name });
  }

  featureNames(): string[] | undefined {
    return this.state?.featureNames;
  }

  /** |β_j| on the standardised scale: the change in prediction per standard deviation of feature j. */
  importance(): Record<string, number> {
    if (!this.state) throw new Error(`member "${this.name}" is not fitted`);
    return Object.fromEntries(this.state.featureNames.map((n, j) => [n, Math.abs(this.state!.coef[j])]));
  }

  /** Coefficients on the standardised scale and the intercept. */
  coefficients(): { names: string[]; coef: number[]; intercept: number } {
    if (!this.state) throw new Error(`member "${this.name}" is not fitted`);
    return { names: this.state.featureNames, coef: this.state.coef, intercept: this.state.intercept };
  }

  free(): void {}
}

export function ridge(params: RidgeParams = {}): Member {
  return new RidgeMember(params);
}
