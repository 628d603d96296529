/**
 * Small dense linear algebra in float64 for the closed-form ridge solves.
 * solveSymmetricPositiveDefinite: Cholesky A = L Lᵀ, then forward (L z = b)
 * and back (Lᵀ x = z) substitution. A is n × n row-major; ridge systems
 * (XᵀX + αI with α > 0) are positive definite, so this is stable. With α = 0 a singular XᵀX takes the
 * minimum-norm solution instead (symmetricEigen, solveMinimumNorm).
 */
export function solveSymmetricPositiveDefinite(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error("matrix is not positive definite (use alpha > 0 for ridge)");
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * z[k];
    z[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/**
 * Eigen-decomposition of a symmetric n × n matrix (row-major) by cyclic Jacobi rotations: A = V diag(λ) Vᵀ,
 * V's columns the eigenvectors (row-major n × n). Sweeps until the off-diagonal mass is ~1e-30 of the total;
 * n is a ridge member's column count, where Jacobi's n³ per sweep is small and its accuracy the best there is.
 */
export function symmetricEigen(A: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i] * a[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => a[i * n + i]), vectors: v };
}

/**
 * The minimum-norm solution of A x = b for a symmetric positive semi-definite A (the pseudo-inverse's): directions of
 * eigenvalues below 1e-12 of the largest are left out. What scikit-learn's Ridge(alpha=0) gives when XᵀX is singular
 * (a constant column, two equal columns): its Cholesky fails and it solves by the SVD, keeping s > 1e-15.
 */
export function solveMinimumNorm(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(A, n);
  const top = Math.max(0, ...values);
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (!(values[k] > 1e-12 * top)) continue;
    let proj = 0;
    for (let i = 0; i < n; i++) proj += vectors[i * n + k] * b[i];
    const w = proj / values[k];
    for (let i = 0; i < n; i++) x[i] += w * vectors[i * n + k];
  }
  return x;
}

/**
 * Ridge regression with an unpenalised intercept on the given (already
 * scaled, if wanted) columns: centre X and y, solve (XcᵀXc + αI) β = Xcᵀ yc,
 * intercept = ȳ − x̄ᵀβ. `cols(j)` returns column j; `n` rows, `p` columns.
 * With α = 0 and XcᵀXc singular (a constant column, collinear columns) the least-squares solution of least norm,
 * as scikit-learn's Ridge(alpha=0) (it was "matrix is not positive definite").
 */
export function ridgeSolve(
  cols: Float64Array[],
  y: ArrayLike<number>,
  alpha: number,
): { coef: Float64Array; intercept: number } {
  const p = cols.length;
  const n = y.length;
  let yMean = 0;
  for (let i = 0; i < n; i++) yMean += y[i];
  yMean /= n;
  const means = cols.map((c) => c.reduce((s, v) => s + v, 0) / n);
  const A = new Float64Array(p * p);
  const b = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const cj = cols[j];
    const mj = means[j];
    for (let k = 0; k <= j; k++) {
      const ck = cols[k];
      const mk = means[k];
      let s = 0;
      for (let i = 0; i < n; i++) s += (cj[i] - mj) * (ck[i] - mk);
      A[j * p + k] = s;
      A[k * p + j] = s;
    }
    A[j * p + j] += alpha;
    let s = 0;
    for (let i = 0; i < n; i++) s += (cj[i] - mj) * (y[i] - yMean);
    b[j] = s;
  }
  let coef: Float64Array;
  if (p === 0) coef = new Float64Array(0);
  else if (alpha > 0) coef = solveSymmetricPositiveDefinite(A, b, p);
  else {
    try {
      coef = solveSymmetricPositiveDefinite(A, b, p);
    } catch {
      coef = solveMinimumNorm(A, b, p);
    }
  }
  let intercept = yMean;
  for (let j = 0; j < p; j++) intercept -= coef[j] * means[j];
  return { coef, intercept };
}
