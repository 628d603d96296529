/**
 * survival:cox's metric, as XGBoost's cox-nloglik (EvalCox): the negative partial log-likelihood per event,
 *   -Σ over events i (y_i > 0) of (log p_i - log S_i) / (number of events),
 * p the predicted hazard ratios exp(margin), S_i the sum of p over the rows still at risk at time |y_i| (rows in
 * order of |y|, ties in input order, a time's rows leaving the risk set together: Breslow's ties). Labels are times,
 * negative for a right-censored row. Unweighted, as native's. NaN when no row is an event (0 / 0, as native).
 */
import { checkPair, noMoreArguments, type Values } from "./regression";

export function coxNLogLik(y: Values, p: Values, ...unsupported: never[]): number {
  noMoreArguments(unsupported, "coxNLogLik");
  checkPair(y, p, "coxNLogLik");
  const n = y.length;
  for (let i = 0; i < n; i++) if (!(p[i] > 0)) throw new Error(`coxNLogLik: prediction ${i} is ${p[i]}; hazard ratios (exp(margin)) are > 0`);
  // Array.prototype.sort is stable: ties keep their input order, as native's stable sort
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(y[a]) - Math.abs(y[b]));
  let atRisk = 0;
  for (let i = 0; i < n; i++) atRisk += p[i];
  let out = 0, leaving = 0, events = 0;
  for (let i = 0; i < n; i++) {
    const r = order[i];
    if (y[r] > 0) { out -= Math.log(p[r]) - Math.log(atRisk); events++; }
    leaving += p[r];
    if (i === n - 1 || Math.abs(y[r]) < Math.abs(y[order[i + 1]])) { atRisk -= leaving; leaving = 0; }
  }
  return out / events;
}
