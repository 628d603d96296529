/* rmse = sqrt(sum w (p - y)^2 / sum w),  mae = sum w |p - y| / sum w,
 * poisson-nloglik = sum w (p - y log p + lgamma(y + 1)) / sum w  (p the predicted rate),
 * mphe = sum w s^2 (sqrt(1 + ((p - y) / s)^2) - 1) / sum w  (s = huber_slope: reg:pseudohubererror's own metric,
 * its default as in XGBoost),
 * rmsle = sqrt(sum w (log1p(p) - log1p(y))^2 / sum w),  mape = sum w |(y - p) / y| / sum w  (each row's term in
 * float, as XGBoost's EvalRowRMSLE / EvalRowMAPE: a label of 0 makes mape infinite there too).
 * With every weight 0 the sum itself, as XGBoost's GetFinal (it was NaN here). */
#include "metric.h"

double metric_regression(int metric, const float *pred, const float *label, const float *weight, int n, double huber_slope) {
  double s = 0, sw = 0;
  for (int i = 0; i < n; i++) {
    double w = weight ? weight[i] : 1.0, p = pred[i], y = label[i], e;
    if (metric == M_RMSE) e = (p - y) * (p - y);
    else if (metric == M_MAE) e = fabs(p - y);
    else if (metric == M_RMSLE) { float d = log1pf(label[i]) - log1pf(pred[i]); e = d * d; }
    else if (metric == M_MAPE) e = fabsf((label[i] - pred[i]) / label[i]);
    else if (metric == M_MPHE) {
      double z = (p - y) / huber_slope;
      e = huber_slope * huber_slope * (sqrt(1.0 + z * z) - 1.0);
    } else { if (p < 1e-16) p = 1e-16; e = p - y * log(p) + lgamma(y + 1.0); }
    s += w * e; sw += w;
  }
  double mean = sw > 0 ? s / sw : s;
  return metric == M_RMSE || metric == M_RMSLE ? sqrt(mean) : mean;
}
