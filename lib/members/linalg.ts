/**
 * Small dense linear algebra in float64 for the closed-form ridge solves.
 * solveSymmetricPositiveDefinite: Cholesky A = L Lᵀ, then forward (L z = b)
 * and back (Lᵀ x = z) substitution. A is n × n row-major; ridge systems
 * (XᵀX + αI with α > 0) are positive definite, so this is stable.
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
 * Ridge regression with an unpenalised intercept on the given (already
 * scaled, if wanted) columns: centre X and y, solve (XcᵀXc + αI) β = Xcᵀ yc,
 * intercept = ȳ − x̄ᵀβ. `cols(j)` returns column j; `n` rows, `p` columns.
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
  const coef = p > 0 ? solveSymmetricPositiveDefinite(A, b, p) : new Float64Array(0);
  let intercept = yMean;
  for (let j = 0; j < p; j++) intercept -= coef[j] * means[j];
  return { coef, intercept };
}
