/**
 * Regression metrics, computed in float64 whatever the input array type.
 *   rmse = sqrt(mean((y - p)^2))
 *   mae  = mean(|y - p|)
 *   r2   = 1 - SS_res / SS_tot, SS_res = Σ(y - p)^2, SS_tot = Σ(y - ȳ)^2
 *          (as scikit-learn: 1 if both are 0, 0 if only SS_tot is 0; NaN for one value).
 */
export type Values = ArrayLike<number>;

/** A third argument is an Error, not ignored: scikit-learn's metrics take sample_weight there, and a JavaScript caller
 * passing weights got the unweighted figure without a word (TypeScript refuses the call: the rest is never[]). */
export function noMoreArguments(extra: unknown[], what: string): void {
  if (extra.length > 0) throw new Error(`${what} takes (labels, predictions); it got ${2 + extra.length} arguments (sample weights are not supported)`);
}

export function checkPair(y: Values, p: Values, what: string): void {
  if (y.length === 0) throw new Error(`${what}: no values`);
  if (y.length !== p.length) throw new Error(`${what}: ${y.length} labels but ${p.length} predictions`);
  checkFinite(y, p, what);
}

/** Labels and predictions must be finite, as scikit-learn's metrics refuse NaN and infinity ("Input contains NaN"):
 * a NaN score made auc's ranks arbitrary (0.5) and rmse NaN without saying which row. */
export function checkFinite(y: Values, p: Values, what: string): void {
  for (const [v, role] of [[y, "label"], [p, "prediction"]] as const)
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new Error(`${what}: ${role} ${i} is ${v[i]} (labels and predictions must be finite numbers)`);
}

export function rmse(y: Values, p: Values, ...unsupported: never[]): number {
  noMoreArguments(unsupported, "rmse");
  checkPair(y, p, "rmse");
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - p[i]) ** 2;
  return Math.sqrt(s / y.length);
}

export function mae(y: Values, p: Values, ...unsupported: never[]): number {
  noMoreArguments(unsupported, "mae");
  checkPair(y, p, "mae");
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i] - p[i]);
  return s / y.length;
}

export function r2(y: Values, p: Values, ...unsupported: never[]): number {
  noMoreArguments(unsupported, "r2");
  checkPair(y, p, "r2");
  // one value has no variance to explain: NaN, scikit-learn's r2_score's answer (with an UndefinedMetricWarning) —
  // the rule above made it 0 or 1, so leave-one-out folds scored an r2_mean of 0 without a word; a fold's NaN makes
  // the mean NaN, as cross_val_score's, while rmse and mae are scored
  if (y.length < 2) return NaN;
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i];
  mean /= y.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < y.length; i++) {
    ssRes += (y[i] - p[i]) ** 2;
    ssTot += (y[i] - mean) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}
