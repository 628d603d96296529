/**
 * Classification metrics.
 *
 * logloss: −mean log p(true class). Binary: p = P(y=1) per row, loss
 *   −[y log p + (1−y) log(1−p)]. Multiclass: p is row-major nrow × K
 *   probabilities (as multi:softprob returns), loss −log p[i, y_i].
 *   Probabilities are clipped to [ε, 1 − ε], ε = 2⁻⁵² (float64's machine
 *   epsilon, as scikit-learn's log_loss clips), so a hard 0/1 prediction gives
 *   a large finite loss. Binary labels are 0/1, multiclass labels 0..K−1.
 * auc (binary): the probability that a random positive scores above a random
 *   negative, computed from ranks (Mann–Whitney U): rank all scores 1..n
 *   (ties get their average rank), R₊ = sum of the positives' ranks, then
 *   AUC = (R₊ − n₊(n₊+1)/2) / (n₊ n₋). O(n log n), exact with ties.
 * accuracy: share of rows whose predicted class equals the label; the class is
 *   argmax for nrow × K probabilities, the value itself when every prediction is
 *   a whole number (class labels, as scikit-learn's accuracy_score takes them),
 *   else p > 0.5 for binary probabilities (labels 0/1). Before, class labels
 *   were thresholded at 0.5 whenever every label was 0 or 1 ([2,1,2,0] against
 *   [0,1,1,0] scored 0.75, not 0.5).
 * Every metric refuses NaN and infinite labels or predictions (checkFinite).
 */
import { checkFinite, checkPair, noMoreArguments, Values } from "./regression";

const EPS = Number.EPSILON;
const clip = (p: number) => Math.min(1 - EPS, Math.max(EPS, p));

export function logloss(y: Values, p: Values, ...unsupported: never[]): number {
  noMoreArguments(unsupported, "logloss");
  const n = y.length;
  if (n === 0) throw new Error("logloss: no values");
  checkWidth(y, p, "logloss");
  if (p.length === n) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] !== 0 && y[i] !== 1) throw new Error(`logloss: binary labels 0/1 expected (one probability per row), row ${i} holds ${y[i]}`);
      const q = clip(p[i]);
      s -= y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q);
    }
    return s / n;
  }
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

export function auc(y: Values, score: Values, ...unsupported: never[]): number {
  noMoreArguments(unsupported, "auc");
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

/** One prediction per row, or K ≥ 2 per row (n × K probabilities), all finite. */
function checkWidth(y: Values, p: Values, what: string): void {
  const n = y.length;
  if (p.length !== n && (p.length === 0 || p.length % n !== 0)) throw new Error(`${what}: ${n} labels but ${p.length} predictions (one per row, or K per row for K classes)`);
  checkFinite(y, p, what);
}

/**
 * A binary prediction's class: 1 when P(1) > 0.5, as XGBClassifier.predict and XGBoost's `error` metric decide it (and
 * scikit-learn's classifiers, decision > 0); a probability of exactly 0.5 is class 0 (it was 1 here, so accuracy was
 * 0.25 where XGBoost's error gives 0.75 for labels 0, 0, 0, 1 all predicted 0.5).
 */
export const positiveClass = (p: number): boolean => p > 0.5;

/** Predicted class per row (see module comment for the three cases). */
export function predictedClasses(y: Values, p: Values): Int32Array {
  const n = y.length;
  const out = new Int32Array(n);
  checkWidth(y, p, "accuracy");
  if (p.length !== n) {
    const k = p.length / n;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (p[i * k + j] > p[i * k + best]) best = j;
      out[i] = best;
    }
    return out;
  }
  let classes = true;
  for (let i = 0; i < n && classes; i++) if (!Number.isInteger(p[i])) classes = false;
  for (let i = 0; i < n; i++) {
    if (classes) out[i] = p[i];
    else if (y[i] !== 0 && y[i] !== 1)
      throw new Error(`accuracy: the predictions are probabilities (not whole numbers), so the labels must be 0/1, but row ${i} holds ${y[i]}; for K classes pass n × K probabilities or the predicted classes`);
    else out[i] = positiveClass(p[i]) ? 1 : 0;
  }
  return out;
}

export function accuracy(y: Values, p: Values, ...unsupported: never[]): number {
  noMoreArguments(unsupported, "accuracy");
  if (y.length === 0) throw new Error("accuracy: no values");
  const cls = predictedClasses(y, p);
  let hit = 0;
  for (let i = 0; i < y.length; i++) if (cls[i] === y[i]) hit++;
  return hit / y.length;
}
