/* Regression objectives, margin m, label y, weight w:
 *   reg:squarederror      l = (m - y)^2 / 2            g = m - y            h = 1   (w × scale_pos_weight where y = 1)
 *   reg:absoluteerror     l = |m - y|                  g = sign(m - y)      h = 1
 *       (h carries no curvature, so leaves are re-set to the median residual afterwards)
 *   reg:pseudohubererror  l = d^2 (sqrt(1 + (z/d)^2) - 1), z = m - y, d = huber_slope
 *                         g = z / sqrt(1 + (z/d)^2)    h = 1 / ((1 + (z/d)^2) sqrt(1 + (z/d)^2))
 *   count:poisson         margin is log(rate):  g = exp(m) - y    h = exp(m + max_delta_step)
 *       (the inflated hessian is XGBoost's safeguard against huge first steps) */
#include "objective.h"

void regression_gradients(const Params *p, const float *margin, const float *label, const float *weight, int n, GradPair *out) {
  switch (p->objective) {
  case OBJ_SQUARED_ERROR: {
    /* XGBoost's RegLossObj scales the weight of a row labelled exactly 1 by scale_pos_weight here too */
    float spw = (float)p->scale_pos_weight;
    for (int i = 0; i < n; i++) {
      float w = weight ? weight[i] : 1.0f;
      if (label[i] == 1.0f) w *= spw;
      out[i].g = (margin[i] - label[i]) * w; out[i].h = w;
    }
    break;
  }
  case OBJ_ABSOLUTE_ERROR:
    for (int i = 0; i < n; i++) {
      float w = weight ? weight[i] : 1.0f, z = margin[i] - label[i];
      out[i].g = (z > 0 ? 1.0f : z < 0 ? -1.0f : 0.0f) * w; out[i].h = w;
    }
    break;
  case OBJ_PSEUDO_HUBER: {
    double d = p->huber_slope;
    for (int i = 0; i < n; i++) {
      float w = weight ? weight[i] : 1.0f;
      double z = margin[i] - label[i], s = 1.0 + (z / d) * (z / d), ss = sqrt(s);
      out[i].g = (float)(z / ss * w); out[i].h = (float)(1.0 / (s * ss) * w);
    }
    break;
  }
  case OBJ_COUNT_POISSON: {
    double mds = p->max_delta_step;
    for (int i = 0; i < n; i++) {
      float w = weight ? weight[i] : 1.0f;
      double m = margin[i];
      out[i].g = (float)((exp(m) - label[i]) * w); out[i].h = (float)(exp(m + mds) * w);
    }
    break;
  }
  }
}
