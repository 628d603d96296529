/**
 * The "weighted" blend's weights: non-negative and summing to one, so the blend stays on the scale of its members,
 * minimising ‖Σ w_j P_j − y‖² over the members' predictions P_j.
 *
 * With Σw = 1, Σ w_j P_j − y = Σ w_j R_j for the members' residuals R_j = P_j − y, so the problem is min wᵀGw over
 * the simplex (w ≥ 0, Σw = 1) with G = RᵀR, solved exactly by a primal active set: start at the best single member;
 * on a support S the unit-sum optimum is z = G_S⁻¹1 / 1ᵀG_S⁻¹1; a member off S enters when its gradient (Gw)_j is
 * below the support's common value wᵀGw (moving weight to it lowers the loss), and a step that would take a weight
 * below 0 stops where the first one reaches 0, which leaves S. With m = number of members (a handful) this is a few
 * tiny solves.
 *
 * Posed on residuals, labels far from zero cost nothing. The earlier form — Lawson–Hanson non-negative least squares
 * on P and y with the unit sum as a penalty row √M·1 ↦ √M, M = 10⁶·max ‖P_j‖² — drowned errors of ~50 in labels of
 * ~10⁵ (0.54/0.46 for the optimum's 0.99/0.01), and was only within ~10⁻⁵ of the optimum anyway.
 */
import { solveSymmetricPositiveDefinite } from "../members/linalg";

/** G = RᵀR for the residuals R_j = P_j − y (m × m, row-major). */
function residualGram(P: ArrayLike<number>[], y: ArrayLike<number>): Float64Array {
  const m = P.length, n = y.length;
  const R = P.map((p) => Float64Array.from({ length: n }, (_, r) => p[r] - y[r]));
  const G = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += R[i][r] * R[j][r];
      G[i * m + j] = G[j * m + i] = s;
    }
  }
  return G;
}

/** Non-negative weights summing to 1 that minimise ‖Σ w_j P_j − y‖² (exact: the module comment). */
export function convexWeights(P: ArrayLike<number>[], y: ArrayLike<number>): number[] {
  const m = P.length;
  if (m === 1) return [1];
  const G = residualGram(P, y);
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
