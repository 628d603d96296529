/**
 * Classification metrics.
 *
 * logloss: −mean log p(true class). Binary: p = P(y=1) per row, loss
 *   −[y log p + (1−y) log(1−p)]. Multiclass: p is row-major nrow × K
 *   probabilities (as multi:softprob returns), loss −log p[i, y_i].
 *   Probabilities are clipped to [1e-15, 1 − 1e-15] so a hard 0/1 prediction
 *   gives a large finite loss.
 * auc (binary): the probability that a random positive scores above a random
 *   negative, computed from ranks (Mann–Whitney U): rank all scores 1..n
 *   (ties get their average rank), R₊ = sum of the positives' ranks, then
 *   AUC = (R₊ − n₊(n₊+1)/2) / (n₊ n₋). O(n log n), exact with ties.
 * accuracy: share of rows whose predicted class equals the label; the class is
 *   argmax for nrow × K probabilities, p ≥ 0.5 for binary probabilities, and
 *   the rounded value when p already holds class labels (multiclass).
 */
import { checkPair, Values } from "./regression";

const EPS = 1e-15;
const clip = (p: number) => Math.min(1 - EPS, Math.max(EPS, p));

export function logloss(y: Values, p: Values): number {
  const n = y.length;
  if (n === 0) throw new Error("logloss: no values");
  if (p.length === n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const q = clip(p[i]);
      s -= y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q);
    }
    return s / n;
  }
  if (p.length % n !== 0) throw new Error(`logloss: ${n} labels but ${p.length} predictions`);
  const k = p.length / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`logloss: label ${c} at row ${i} is not a class in 0..${k - 1}`);
    let rowSum = 0;
    for (let j = 0; j < k; j++) rowSum += clip(p[i * k + j]);
    s -= Math.log(clip(p[i * k + c]) / rowSum);
  }
  return s / n;
}

/** Average ranks (1-based), ties share the mean of their positions. */
export function averageRanks(v: Values): Float64Array {
  const n = v.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]] === v[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) ranks[order[t]] = r;
    i = j + 1;
  }
  return ranks;
}

export function auc(y: Values, score: Values): number {
  checkPair(y, score, "auc");
  const ranks = averageRanks(score);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new Error(`auc: binary labels 0/1 expected, row ${i} holds ${y[i]}`);
    if (y[i] === 1) {
      nPos++;
      rankSum += ranks[i];
    }
  }
  const nNeg = y.length - nPos;
  if (nPos === 0 || nNeg === 0) throw new Error("auc: needs both classes in the labels");
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Predicted class per row (see module comment for the three cases). */
export function predictedClasses(y: Values, p: Values): Int32Array {
  const n = y.length;
  const out = new Int32Array(n);
  if (p.length !== n) {
    if (p.length % n !== 0) throw new Error(`accuracy: ${n} labels but ${p.length} predictions`);
    const k = p.length / n;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (p[i * k + j] > p[i * k + best]) best = j;
      out[i] = best;
    }
    return out;
  }
  let multiclass = false;
  for (let i = 0; i < n; i++) if (y[i] > 1) multiclass = true;
  for (let i = 0; i < n; i++) out[i] = multiclass ? Math.round(p[i]) : p[i] >= 0.5 ? 1 : 0;
  return out;
}

export function accuracy(y: Values, p: Values): number {
  if (y.length === 0) throw new Error("accuracy: no values");
  const cls = predictedClasses(y, p);
  let hit = 0;
  for (let i = 0; i < y.length; i++) if (cls[i] === y[i]) hit++;
  return hit / y.length;
}
