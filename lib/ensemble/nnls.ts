/**
 * Non-negative least squares and convex blend weights.
 *
 * nnls(A, b): min ‖Pw − y‖² subject to w ≥ 0, given the normal equations
 * A = PᵀP (m × m) and b = Pᵀy. Lawson–Hanson active-set method: start with
 * every weight at 0 (all in the active set Z). Repeatedly move into the
 * passive set S the index with the largest positive gradient g = b − Aw
 * (the direction that most reduces the loss), solve the unconstrained least
 * squares on S; if some passive weights would go ≤ 0, step from w towards
 * that solution only as far as the first one hits 0 and move those back to Z.
 * Stops when no active index has a positive gradient (the KKT conditions).
 * With m = number of members (a handful) this is a few tiny solves.
 *
 * convexWeights(P, y): the "weighted" blend — non-negative weights that also
 * sum to one, so the blend stays on the scale of its members. The equality
 * is imposed by adding one heavily weighted row √M·(1,…,1) ↦ √M to P, i.e.
 * A + M·11ᵀ and b + M·1 with M = 10⁶·max diag(A), then normalising the
 * (already almost exactly unit-sum) result.
 */
import { solveSymmetricPositiveDefinite } from "../members/linalg";

export function nnls(A: Float64Array, b: Float64Array, m: number, maxIter = 30 * m + 30): Float64Array {
  const w = new Float64Array(m);
  const passive = new Array<boolean>(m).fill(false);
  const tol = 1e-12 * Math.max(1, ...Array.from(b, Math.abs));
  const solvePassive = (): Float64Array => {
    const idx = passive.flatMap((p, i) => (p ? [i] : []));
    const k = idx.length;
    const As = new Float64Array(k * k);
    const bs = new Float64Array(k);
    idx.forEach((i, r) => {
      bs[r] = b[i];
      idx.forEach((j, c) => (As[r * k + c] = A[i * m + j] + (r === c ? 1e-12 * (A[i * m + i] || 1) : 0)));
    });
    const zs = solveSymmetricPositiveDefinite(As, bs, k);
    const z = new Float64Array(m);
    idx.forEach((i, r) => (z[i] = zs[r]));
    return z;
  };
  for (let iter = 0; iter < maxIter; iter++) {
    // gradient of −½‖Pw−y‖²: g = b − A w
    let best = -1;
    let bestG = tol;
    for (let i = 0; i < m; i++) {
      if (passive[i]) continue;
      let g = b[i];
      for (let j = 0; j < m; j++) g -= A[i * m + j] * w[j];
      if (g > bestG) {
        bestG = g;
        best = i;
      }
    }
    if (best < 0) break;
    passive[best] = true;
    for (let inner = 0; inner < maxIter; inner++) {
      const z = solvePassive();
      let feasible = true;
      for (let i = 0; i < m; i++) if (passive[i] && z[i] <= 0) feasible = false;
      if (feasible) {
        w.set(z);
        break;
      }
      let alpha = 1;
      for (let i = 0; i < m; i++) {
        if (passive[i] && z[i] <= 0) alpha = Math.min(alpha, w[i] / (w[i] - z[i]));
      }
      for (let i = 0; i < m; i++) {
        w[i] += alpha * (z[i] - w[i]);
        if (passive[i] && w[i] <= 1e-15) {
          passive[i] = false;
          w[i] = 0;
        }
      }
    }
  }
  return w;
}

/** Normal equations PᵀP and Pᵀy for columns P[j] (length n each). */
export function normalEquations(P: ArrayLike<number>[], y: ArrayLike<number>): { A: Float64Array; b: Float64Array } {
  const m = P.length;
  const A = new Float64Array(m * m);
  const b = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let r = 0; r < y.length; r++) s += P[i][r] * P[j][r];
      A[i * m + j] = s;
      A[j * m + i] = s;
    }
    let s = 0;
    for (let r = 0; r < y.length; r++) s += P[i][r] * y[r];
    b[i] = s;
  }
  return { A, b };
}

/** Non-negative weights summing to 1 that minimise ‖Σ w_j P_j − y‖². */
export function convexWeights(P: ArrayLike<number>[], y: ArrayLike<number>): number[] {
  const m = P.length;
  if (m === 1) return [1];
  const { A, b } = normalEquations(P, y);
  let maxDiag = 0;
  for (let i = 0; i < m; i++) maxDiag = Math.max(maxDiag, A[i * m + i]);
  const M = 1e6 * (maxDiag || 1);
  for (let i = 0; i < m; i++) {
    b[i] += M;
    for (let j = 0; j < m; j++) A[i * m + j] += M;
  }
  const w = nnls(A, b, m);
  const sum = w.reduce((s, v) => s + v, 0);
  return sum > 0 ? Array.from(w, (v) => v / sum) : new Array(m).fill(1 / m);
}
