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
 * sum to one, so the blend stays on the scale of its members. With Σw = 1,
 * Σ w_j P_j − y = Σ w_j R_j for the members' residuals R_j = P_j − y, so the
 * problem is min wᵀGw over the simplex (w ≥ 0, Σw = 1) with G = RᵀR, solved
 * exactly by a primal active set: start at the best single member; on a support
 * S the unit-sum optimum is z = G_S⁻¹1 / 1ᵀG_S⁻¹1; a member off S enters when
 * its gradient (Gw)_j is below the support's common value wᵀGw (moving weight
 * to it lowers the loss), and a step that would take a weight below 0 stops
 * where the first one reaches 0, which leaves S. Posed on residuals, labels far
 * from zero cost nothing: the earlier penalty form (a row √M·1 ↦ √M appended to
 * P, M = 10⁶·max ‖P_j‖²) drowned errors of ~50 in labels of ~10⁵ (0.54/0.46 for
 * the optimum's 0.99/0.01), and was only within ~10⁻⁵ of the optimum anyway.
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

/** Non-negative weights summing to 1 that minimise ‖Σ w_j P_j − y‖² (exact: the module comment). */
export function convexWeights(P: ArrayLike<number>[], y: ArrayLike<number>): number[] {
  const m = P.length;
  if (m === 1) return [1];
  const R = P.map((p) => Float64Array.from(p, (v, r) => v - y[r]));
  const { A: G } = normalEquations(R, new Float64Array(y.length));
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, G[i * m + i]);
  if (!(scale > 0)) return new Array(m).fill(1 / m); // every member exact: any unit-sum weights are optimal
  const tol = 1e-12 * scale;
  // the unit-sum optimum on a support: G_S z = μ1, Σz = 1 (a tiny ridge keeps equal members solvable)
  const onSupport = (S: number[]): Float64Array => {
    const k = S.length;
    const Gs = new Float64Array(k * k);
    S.forEach((i, r) => S.forEach((j, c) => (Gs[r * k + c] = G[i * m + j] + (r === c ? 1e-12 * scale : 0))));
    const u = solveSymmetricPositiveDefinite(Gs, new Float64Array(k).fill(1), k);
    const sum = u.reduce((t, v) => t + v, 0);
    const z = new Float64Array(m);
    S.forEach((i, r) => (z[i] = u[r] / sum));
    return z;
  };
  const gradient = (w: Float64Array) => Array.from({ length: m }, (_, i) => {
    let g = 0;
    for (let j = 0; j < m; j++) g += G[i * m + j] * w[j];
    return g;
  });
  let first = 0;
  for (let i = 1; i < m; i++) if (G[i * m + i] < G[first * m + first]) first = i;
  const inS = new Array<boolean>(m).fill(false);
  inS[first] = true;
  const w = new Float64Array(m);
  w[first] = 1;
  for (let iter = 0; iter < 30 * m + 30; iter++) {
    const g = gradient(w);
    const level = g.reduce((t, v, i) => t + v * w[i], 0); // wᵀGw: every member of S has this gradient at the optimum
    let enter = -1;
    for (let i = 0; i < m; i++) if (!inS[i] && g[i] < level - tol && (enter < 0 || g[i] < g[enter])) enter = i;
    if (enter < 0) break;
    inS[enter] = true;
    for (let inner = 0; inner < 30 * m + 30; inner++) {
      const S = inS.flatMap((v, i) => (v ? [i] : []));
      const z = onSupport(S);
      let alpha = 1;
      for (const i of S) if (z[i] <= 0) alpha = Math.min(alpha, w[i] / (w[i] - z[i]));
      for (let i = 0; i < m; i++) w[i] += alpha * (z[i] - w[i]);
      if (alpha === 1) break;
      for (const i of S) if (w[i] <= 1e-15) {
        inS[i] = false;
        w[i] = 0;
      }
    }
  }
  const sum = w.reduce((t, v) => t + v, 0);
  return Array.from(w, (v) => Math.max(0, v) / sum);
}
