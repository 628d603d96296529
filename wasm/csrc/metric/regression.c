/* rmse = sqrt(sum w (p - y)^2 / sum w),  mae = sum w |p - y| / sum w,
 * poisson-nloglik = sum w (p - y log p + lgamma(y + 1)) / sum w  (p the predicted rate). */
#include "metric.h"

double metric_regression(int metric, const float *pred, const float *label, const float *weight, int n) {
  double s = 0, sw = 0;
  for (int i = 0; i < n; i++) {
    double w = weight ? weight[i] : 1.0, p = pred[i], y = label[i], e;
    if (metric == M_RMSE) e = (p - y) * (p - y);
    else if (metric == M_MAE) e = fabs(p - y);
    else { if (p < 1e-16) p = 1e-16; e = p - y * log(p) + lgamma(y + 1.0); }
    s += w * e; sw += w;
  }
  if (sw <= 0) return NAN;
  return metric == M_RMSE ? sqrt(s / sw) : s / sw;
}
