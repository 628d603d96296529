/**
 * Gaussian-process regression for the Bayesian strategy.
 *
 * Model. y(x) = m + f(x) + ε with f ~ GP(0, σ² k(x, x')) and ε ~ N(0, σ² g). The targets are
 * standardised first (zero mean, unit variance) so m = 0 and the grids below are scale-free.
 *
 * Kernel. Matérn 5/2 with automatic relevance determination (one lengthscale ℓ_p per
 * hyperparameter):
 *     r² = Σ_p Σ_{dims d of p} ((x_d − x'_d) / ℓ_p)²
 *     k(r) = (1 + √5 r + 5 r² / 3) · exp(−√5 r)
 * Numeric hyperparameters contribute one coordinate u ∈ [0,1]; a categorical one contributes a
 * one-hot block (so two different categories are at distance √2 / ℓ_p).
 *
 * Fitting. For fixed ℓ and g the amplitude σ² has a closed-form maximum-likelihood value
 *     σ̂² = yᵀ (R + g I)⁻¹ y / n,   R_ij = k(x_i, x_j),
 * and the profiled log marginal likelihood is
 *     log L = −n/2 · log σ̂² − ½ log |R + g I| − n/2 (1 + log 2π),
 * computed from the Cholesky factor R + g I = L Lᵀ (log |·| = 2 Σ log L_ii). A jitter of
 * 1e-8 · (1, 10, 100, …) is added to the diagonal until the factorisation succeeds. We
 * maximise log L first over a grid of a shared lengthscale × noise ratio g, then refine every
 * ℓ_p separately by coordinate search (factors ×¼, ×½, ×2, ×4, two passes), with a weak
 * log-normal prior on ℓ (centred at 0.5, σ = 1.5 in log space) so that tiny data sets do not
 * pick degenerate lengthscales.
 *
 * Prediction at x*: with k* = [k(x*, x_i)]_i and α = (R + gI)⁻¹ y,
 *     μ(x*) = k*ᵀ α,     s²(x*) = σ̂² (1 − ‖L⁻¹ k*‖²)  (clamped at a small positive value).
 *
 * Expected improvement (minimisation) over the incumbent best f* with margin ξ:
 *     z = (f* − μ − ξ) / s,   EI = (f* − μ − ξ) Φ(z) + s φ(z).
 */
import type { Param, Point } from "./space";

export interface Features {
  /** one column per numeric param, one-hot block per categorical */
  dims: number;
  /** group[d] = index of the parameter the feature column d belongs to */
  group: number[];
}

export function featureLayout(space: Param[]): Features {
  const group: number[] = [];
  space.forEach((p, i) => {
    const w = p.kind === "categorical" ? p.values.length : 1;
    for (let j = 0; j < w; j++) group.push(i);
  });
  return { dims: group.length, group };
}

export function featurize(space: Param[], x: Point): Float64Array {
  const f: number[] = [];
  space.forEach((p, i) => {
    if (p.kind === "categorical") for (let j = 0; j < p.values.length; j++) f.push(Math.round(x[i]) === j ? 1 : 0);
    else f.push(x[i]);
  });
  return Float64Array.from(f);
}

const SQRT5 = Math.sqrt(5);
export function matern52(r2: number): number {
  const r = Math.sqrt(r2);
  return (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

function sqdist(a: Float64Array, b: Float64Array, invl2: Float64Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) {
    const t = a[d] - b[d];
    s += t * t * invl2[d];
  }
  return s;
}

/** In-place lower Cholesky of a symmetric n×n matrix (row-major); returns false if not PD. */
export function cholesky(A: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j];
    for (let k = 0; k < j; k++) s -= A[j * n + k] * A[j * n + k];
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    A[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j];
      for (let k = 0; k < j; k++) t -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = t / ljj;
    }
    for (let k = j + 1; k < n; k++) A[j * n + k] = 0;
  }
  return true;
}

/** solve L z = b (forward substitution) */
function forward(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * z[k];
    z[i] = s / L[i * n + i];
  }
  return z;
}
/** solve Lᵀ z = b (back substitution) */
function backward(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const z = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * z[k];
    z[i] = s / L[i * n + i];
  }
  return z;
}

export interface GpModel {
  predict(f: Float64Array): { mean: number; sd: number };
  lengthscales: number[];
  noise: number;
  /** profiled log marginal likelihood (without the lengthscale prior) */
  logLik: number;
  /** σ̂², the maximum-likelihood amplitude */
  sigma2: number;
}

interface Factor {
  L: Float64Array;
  alpha: Float64Array;
  sigma2: number;
  logLik: number;
}

function factor(X: Float64Array[], y: Float64Array, invl2: Float64Array, g: number): Factor | null {
  const n = X.length;
  const base = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    base[i * n + i] = 1 + g;
    for (let j = 0; j < i; j++) {
      const k = matern52(sqdist(X[i], X[j], invl2));
      base[i * n + j] = k;
      base[j * n + i] = k;
    }
  }
  for (let jitter = 1e-8; jitter < 1; jitter *= 10) {
    const A = base.slice();
    for (let i = 0; i < n; i++) A[i * n + i] += jitter;
    if (!cholesky(A, n)) continue;
    const z = forward(A, n, y);
    let quad = 0;
    let logdet = 0;
    for (let i = 0; i < n; i++) {
      quad += z[i] * z[i];
      logdet += 2 * Math.log(A[i * n + i]);
    }
    const sigma2 = Math.max(quad / n, 1e-12);
    const logLik = -0.5 * n * Math.log(sigma2) - 0.5 * logdet - 0.5 * n * (1 + Math.log(2 * Math.PI));
    return { L: A, alpha: backward(A, n, z), sigma2, logLik };
  }
  return null;
}

/**
 * Fit the GP to standardised targets y (length n) at feature rows X.
 * nParams = number of hyperparameters; group maps feature columns to them.
 */
export function fitGp(X: Float64Array[], y: Float64Array, group: number[], nParams: number): GpModel {
  const n = X.length;
  const dims = group.length;
  const invl2For = (ls: number[]) => {
    const v = new Float64Array(dims);
    for (let d = 0; d < dims; d++) v[d] = 1 / (ls[group[d]] * ls[group[d]]);
    return v;
  };
  // weak log-normal prior on each lengthscale (log-density up to a constant)
  const prior = (ls: number[]) => ls.reduce((s, l) => s - 0.5 * (Math.log(l / 0.5) / 1.5) ** 2, 0);
  let best: { ls: number[]; g: number; f: Factor; score: number } | null = null;
  const consider = (ls: number[], g: number) => {
    const f = factor(X, y, invl2For(ls), g);
    if (!f) return false;
    const score = f.logLik + prior(ls);
    if (!best || score > best.score) {
      best = { ls: [...ls], g, f, score };
      return true;
    }
    return false;
  };
  const lsGrid = [0.05, 0.08, 0.12, 0.18, 0.25, 0.35, 0.5, 0.7, 1, 1.5, 2.5];
  const gGrid = [1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.2];
  for (const l of lsGrid) for (const g of gGrid) consider(new Array(nParams).fill(l), g);
  if (nParams > 1 && n >= 3) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < nParams; p++) {
        for (const m of [0.25, 0.5, 2, 4]) {
          const b = best!;
          const ls = [...b.ls];
          ls[p] = Math.min(20, Math.max(0.01, ls[p] * m));
          consider(ls, b.g);
        }
      }
      // noise once more at the refined lengthscales
      const b = best!;
      for (const g of gGrid) if (g !== b.g) consider(b.ls, g);
    }
  }
  if (!best) {
    // degenerate: fall back to a heavy-noise model (always PD)
    consider(new Array(nParams).fill(0.5), 1);
  }
  const B = best! as { ls: number[]; g: number; f: Factor; score: number };
  return modelOf(X, B.f, invl2For(B.ls), B.ls, B.g);
}

/** GP with fixed lengthscales (one per parameter group) and noise ratio g — no fitting */
export function gpWithParams(X: Float64Array[], y: Float64Array, group: number[], lengthscales: number[], g: number): GpModel {
  const invl2 = new Float64Array(group.length);
  for (let d = 0; d < group.length; d++) invl2[d] = 1 / lengthscales[group[d]] ** 2;
  const f = factor(X, y, invl2, g);
  if (!f) throw new Error("gpWithParams: kernel matrix is not positive definite");
  return modelOf(X, f, invl2, lengthscales, g);
}

function modelOf(X: Float64Array[], F: Factor, invl2: Float64Array, ls: number[], g: number): GpModel {
  const n = X.length;
  const { L, alpha, sigma2 } = F;
  return {
    lengthscales: ls,
    noise: g,
    logLik: F.logLik,
    sigma2,
    predict(fx: Float64Array) {
      const k = new Float64Array(n);
      let mean = 0;
      for (let i = 0; i < n; i++) {
        k[i] = matern52(sqdist(fx, X[i], invl2));
        mean += k[i] * alpha[i];
      }
      const v = forward(L, n, k);
      let vv = 0;
      for (let i = 0; i < n; i++) vv += v[i] * v[i];
      const varf = Math.max(sigma2 * (1 - vv), 1e-12 * sigma2);
      return { mean, sd: Math.sqrt(varf) };
    },
  };
}

/** standard normal pdf / cdf (Abramowitz–Stegun 7.1.26-style erf, |error| < 1.5e-7) */
export function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}
export function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** expected improvement for minimisation (see module comment) */
export function expectedImprovement(mean: number, sd: number, best: number, xi = 0.01): number {
  const d = best - mean - xi;
  if (sd <= 1e-12) return Math.max(d, 0);
  const z = d / sd;
  return d * normCdf(z) + sd * normPdf(z);
}
