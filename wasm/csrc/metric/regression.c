/* rmse = sqrt(sum w (p - y)^2 / sum w),  mae = sum w |p - y| / sum w,
 * poisson-nloglik = sum w (p - y log p + lgamma(y + 1)) / sum w  (p the predicted rate),
 * mphe = sum w s^2 (sqrt(1 + ((p - y) / s)^2) - 1) / sum w  (s = huber_slope: reg:pseudohubererror's own metric,
 * its default as in XGBoost),
 * rmsle = sqrt(sum w (log1p(p) - log1p(y))^2 / sum w),  mape = sum w |(y - p) / y| / sum w  (each row's term in
 * float, as XGBoost's EvalRowRMSLE / EvalRowMAPE: a label of 0 makes mape infinite there too).
 * gamma-nloglik = sum w (y / p + log p) / sum w  (p floored at 1e-6; XGBoost's dispersion 1, its constant term 0),
 * gamma-deviance = 2 sum w (log(p / y) + y / p - 1) / sum w  (p and y each + 1e-6; total weight 0 read as 1e-6),
 * tweedie-nloglik@rho = sum w (-y p^(1 - rho) / (1 - rho) + p^(2 - rho) / (2 - rho)) / sum w,
 * each row's term in float, as XGBoost 1.7's EvalGammaNLogLik, EvalGammaDeviance and EvalTweedieNLogLik.
 * With every weight 0 the sum itself, as XGBoost's GetFinal (it was NaN here). */
#include "metric.h"

double metric_regression(int metric, const float *pred, const float *label, const float *weight, int n, double huber_slope, double rho) {
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
    } else if (metric == M_GAMMA_NLOGLIK) {
      float py = fmaxf(pred[i], 1e-6f), theta = (float)(-1. / py), b = -logf(-theta);
      e = -((label[i] * theta - b) / 1.0f);
    } else if (metric == M_GAMMA_DEVIANCE) {
      float py = pred[i] + 1e-6f, yy = label[i] + 1e-6f;
      e = logf(py / yy) + yy / py - 1.0f;
    } else if (metric == M_TWEEDIE_NLOGLIK) {
      float r = (float)rho, py = pred[i];
      float a = label[i] * expf((1 - r) * logf(py)) / (1 - r), b = expf((2 - r) * logf(py)) / (2 - r);
      e = -a + b;
    } else { if (p < 1e-16) p = 1e-16; e = p - y * log(p) + lgamma(y + 1.0); }
    s += w * e; sw += w;
  }
  if (metric == M_GAMMA_DEVIANCE) return 2 * s / (sw > 0 ? sw : 1e-6f);
  double mean = sw > 0 ? s / sw : s;
  return metric == M_RMSE || metric == M_RMSLE ? sqrt(mean) : mean;
}
