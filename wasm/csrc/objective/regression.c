/* Regression objectives, margin m, label y, weight w:
 *   reg:squarederror      l = (m - y)^2 / 2            g = m - y            h = 1   (w × scale_pos_weight where y = 1)
 *   reg:absoluteerror     l = |m - y|                  g = sign(m - y)      h = 1
 *       (h carries no curvature, so leaves are re-set to the median residual afterwards)
 *   reg:pseudohubererror  l = d^2 (sqrt(1 + (z/d)^2) - 1), z = m - y, d = huber_slope
 *                         g = z / sqrt(1 + (z/d)^2)    h = 1 / ((1 + (z/d)^2) sqrt(1 + (z/d)^2))
 *   count:poisson         margin is log(rate):  g = exp(m) - y    h = exp(m + max_delta_step)
 *       (the inflated hessian is XGBoost's safeguard against huge first steps)
 *   reg:gamma             margin is log(mean), y > 0:  g = 1 - y exp(-m)    h = y exp(-m)
 *   reg:tweedie           margin is log(mean), y >= 0, rho = tweedie_variance_power in [1, 2]:
 *                         g = -y exp((1 - rho) m) + exp((2 - rho) m)
 *                         h = -y (1 - rho) exp((1 - rho) m) + (2 - rho) exp((2 - rho) m)
 *   reg:squaredlogerror   l = (log1p(m) - log1p(y))^2 / 2, y > -1, m floored at -1 + 1e-6:
 *                         g = (log1p(m) - log1p(y)) / (m + 1)    h = max((log1p(y) - log1p(m) + 1) / (m + 1)^2, 1e-6)
 *                         (w × scale_pos_weight where y = 1, as XGBoost's RegLossObj)
 * All in float, as XGBoost 1.7's objectives compute them: pseudo-Huber's and Poisson's were taken in double and rounded
 * once, an ulp off native's on many rows, and with weights spanning 1e-6..1e6 those ulps grew other trees than native's. */
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
    /* in float as XGBoost's PseudoHuberRegression, with its h = d^2 / ((d^2 + z^2) sqrt(1 + z^2 / d^2)) */
    float d2 = (float)p->huber_slope * (float)p->huber_slope;
    for (int i = 0; i < n; i++) {
      float w = weight ? weight[i] : 1.0f, z = margin[i] - label[i];
      float ss = sqrtf(1.0f + z * z / d2);
      out[i].g = z / ss * w; out[i].h = d2 / ((d2 + z * z) * ss) * w;
    }
    break;
  }
  case OBJ_COUNT_POISSON: {
    /* in float as XGBoost's PoissonRegression */
    float mds = (float)p->max_delta_step;
    for (int i = 0; i < n; i++) {
      float w = weight ? weight[i] : 1.0f, m = margin[i];
      out[i].g = (expf(m) - label[i]) * w; out[i].h = expf(m + mds) * w;
    }
    break;
  }
  case OBJ_GAMMA:
    for (int i = 0; i < n; i++) {
      float w = weight ? weight[i] : 1.0f, y = label[i], e = expf(margin[i]);
      out[i].g = (1.0f - y / e) * w; out[i].h = y / e * w;
    }
    break;
  case OBJ_TWEEDIE: {
    const float rho = (float)p->tweedie_variance_power;
    for (int i = 0; i < n; i++) {
      float w = weight ? weight[i] : 1.0f, y = label[i], m = margin[i];
      float a = expf((1.0f - rho) * m), b = expf((2.0f - rho) * m);
      out[i].g = (-y * a + b) * w;
      out[i].h = (-y * (1.0f - rho) * a + (2.0f - rho) * b) * w;
    }
    break;
  }
  case OBJ_SQUARED_LOG_ERROR: {
    float spw = (float)p->scale_pos_weight;
    for (int i = 0; i < n; i++) {
      float w = weight ? weight[i] : 1.0f, y = label[i];
      if (y == 1.0f) w *= spw;
      float m = fmaxf(margin[i], (float)(-1 + 1e-6));
      float h = (float)((-log1pf(m) + log1pf(y) + 1) / pow(m + 1.0f, 2));
      out[i].g = (log1pf(m) - log1pf(y)) / (m + 1.0f) * w;
      out[i].h = fmaxf(h, 1e-6f) * w;
    }
    break;
  }
  }
}
