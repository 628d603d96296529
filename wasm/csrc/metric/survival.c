/* cox-nloglik = -sum over events i of (log p_i - log S_i) / (number of events), p = exp(m) (float, as predicted), S_i
 *   the sum of p over the rows still at risk at |y_i| (rows in order of |y|, ties leaving together), in double;
 *   unweighted, as native's EvalCox (rank_metric.cc; log p in float there too). No event: 0 / 0, NaN, as native.
 * aft-nloglik = sum w (-log likelihood of [lower, upper] at margin m) / sum w  (survival:aft's loss, on the margins);
 * interval-regression-accuracy = the weighted share of rows with lower <= exp(m) <= upper.
 * Both: the sum itself when the weights sum to 0 (native's GetFinal). */
#include "metric.h"
#include "../objective/objective.h"

double metric_cox(const float *pred, const float *label, int n) {
  int32_t *order = abs_label_order(label, n);
  if (!order) return NAN;
  double exp_p_sum = 0, out = 0, accumulated = 0;
  for (int i = 0; i < n; i++) exp_p_sum += pred[i];
  int events = 0;
  for (int i = 0; i < n; i++) {
    int ind = order[i];
    float y = label[ind];
    if (y > 0) { out -= (double)logf(pred[ind]) - log(exp_p_sum); events++; }
    accumulated += pred[ind];
    if (i == n - 1 || fabsf(y) < fabsf(label[order[i + 1]])) { exp_p_sum -= accumulated; accumulated = 0; }
  }
  free(order);
  return out / events;
}

double metric_aft(int metric, const float *margin, const float *lower, const float *upper, const float *weight, int n,
                  int distribution, double sigma) {
  double s = 0, sw = 0;
  for (int i = 0; i < n; i++) {
    double w = weight ? weight[i] : 1.0, lo = lower[i], hi = upper[i], e;
    if (metric == M_AFT_NLOGLIK) e = aft_loss(distribution, lo, hi, margin[i], sigma);
    else { double p = exp((double)margin[i]); e = p >= lo && p <= hi ? 1.0 : 0.0; }
    s += e * w; sw += w;
  }
  return sw == 0 ? s : s / sw;
}
