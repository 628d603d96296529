/**
 * From a member's margin to its prediction: carrying exact margin contributions through the link.
 *
 * A tree member's TreeSHAP values φ_i (and a ridge member's β_k (x_k − μ_k) / σ_k) add up to its margin m with
 * the bias b:  m = b + Σ_i φ_i.  Its prediction is g(m) for a link g: identity (regression), exp
 * (count:poisson), the logistic σ (binary:logistic), softmax (multi:softprob), or clipping to [0, 1] (ridge
 * under binary:*). Blends average *predictions*, so an ensemble of classifiers is explained on the probability
 * scale — margins are additive, probabilities are not, and a mean of probabilities has no margin of its own.
 *
 * The rule used (the gradient of g integrated along the straight path from the bias to the row's margin,
 * "integrated gradients" in margin space): with d = m − b,
 *     g(m) − g(b) = ∫₀¹ J_g(b + t d) d dt = A d,     A = ∫₀¹ J_g(b + t d) dt,
 * and since d = Σ_i φ_i, feature i gets A φ_i on the prediction scale and the bias becomes g(b):
 *     g(m) = g(b) + Σ_i A φ_i        (exactly: the contributions still add up, now to the prediction).
 * For one output (identity, exp, σ, clip) A is the secant slope (g(m) − g(b)) / (m − b): every contribution of
 * the row is scaled by the same factor, so signs and the ranking within a row are kept. For softmax A is a K × K
 * matrix (J = diag(p) − p pᵀ), integrated by composite Gauss–Legendre quadrature with a panel per half unit of
 * margin spread (the error is far below float32 rounding); a class's probability then also moves with the
 * other classes' margins, as it does.
 * What this is not: the Shapley values of the probability itself (those need interventional TreeSHAP over a
 * background sample, as shap's model_output="probability"). It is the exact margin explanation re-expressed
 * in the unit users read, additive by construction; `scale: "margin"` (explain.ts) gives the margins untouched.
 */
import type { Link } from "../members/member";

/** Gauss–Legendre nodes and weights on [0, 1] (5 points: exact for polynomials of degree 9). */
const GL_T: number[] = [];
const GL_W: number[] = [];
{
  const x = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
  const w = [0.5688888888888889, 0.47862867049936647, 0.47862867049936647, 0.23692688505618908, 0.23692688505618908];
  for (let k = 0; k < 5; k++) {
    GL_T.push((x[k] + 1) / 2);
    GL_W.push(w[k] / 2);
  }
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const clip01 = (z: number) => Math.min(1, Math.max(0, z));

/** The link applied to one output (every link but softmax). */
export function applyLink1(link: Link, z: number): number {
  switch (link) {
    case "identity": return z;
    case "exp": return Math.exp(z);
    case "sigmoid": return sigmoid(z);
    case "clip01": return clip01(z);
    case "softmax": throw new Error("softmax has K outputs");
  }
}

/** Secant slope (g(m) − g(b)) / (m − b) of a one-output link, its derivative where m = b. */
export function secantSlope(link: Link, b: number, m: number): number {
  const d = m - b;
  switch (link) {
    case "identity":
      return 1;
    case "exp":
      return Math.exp(b) * (d === 0 ? 1 : Math.expm1(d) / d);
    case "sigmoid": {
      if (Math.abs(d) < 1e-9) {
        const s = sigmoid(b + d / 2);
        return s * (1 - s);
      }
      return (sigmoid(m) - sigmoid(b)) / d;
    }
    case "clip01":
      if (d === 0) return b >= 0 && b <= 1 ? 1 : 0;
      return (clip01(m) - clip01(b)) / d;
    case "softmax":
      throw new Error("softmax has K outputs");
  }
}

function softmaxInto(z: ArrayLike<number>, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < out.length; k++) max = Math.max(max, z[k]);
  let s = 0;
  for (let k = 0; k < out.length; k++) s += out[k] = Math.exp(z[k] - max);
  for (let k = 0; k < out.length; k++) out[k] /= s;
}

/**
 * softmax: base ← softmax(b), A ← ∫₀¹ J(b + t (m − b)) dt (K × K, row-major) with J = diag(p) − p pᵀ.
 * `work` holds 2K scratch numbers.
 */
export function softmaxPath(b: ArrayLike<number>, m: ArrayLike<number>, base: Float64Array, A: Float64Array, work: Float64Array): void {
  const K = base.length;
  softmaxInto(b, base);
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < K; k++) {
    const d = m[k] - b[k];
    lo = Math.min(lo, d);
    hi = Math.max(hi, d);
  }
  const panels = Math.max(1, Math.ceil(2 * (hi - lo)));
  A.fill(0);
  const z = work.subarray(0, K), p = work.subarray(K, 2 * K);
  for (let q = 0; q < panels; q++) {
    for (let g = 0; g < GL_T.length; g++) {
      const t = (q + GL_T[g]) / panels, w = GL_W[g] / panels;
      for (let k = 0; k < K; k++) z[k] = b[k] + t * (m[k] - b[k]);
      softmaxInto(z, p);
      for (let r = 0; r < K; r++) {
        for (let c = 0; c < K; c++) A[r * K + c] += w * ((r === c ? p[r] : 0) - p[r] * p[c]);
      }
    }
  }
}
