/* mlogloss = -sum w log p_y / sum w (p clipped at 1e-16); merror = weighted share of
 * rows whose most probable class is not the label. */
#include "metric.h"

double metric_multiclass(int metric, const float *prob, const float *label, const float *weight, int n, int k) {
  double s = 0, sw = 0;
  for (int i = 0; i < n; i++) {
    const float *p = prob + (size_t)i * k;
    double w = weight ? weight[i] : 1.0, e;
    int y = (int)label[i];
    if (metric == M_MLOGLOSS) {
      double py = (y >= 0 && y < k) ? p[y] : 0.0;
      e = -log(py > 1e-16 ? py : 1e-16);
    } else {
      int best = 0;
      for (int c = 1; c < k; c++) if (p[c] > p[best]) best = c;
      e = best != y;
    }
    s += w * e; sw += w;
  }
  return sw > 0 ? s / sw : NAN;
}
