/* Dispatch over objectives, the intercept, and the output transforms. */
#include "objective.h"

void objective_gradients(const Params *p, const float *margin, const float *label, const float *weight,
                         int n, int n_groups, GradPair *out) {
  switch (p->objective) {
  case OBJ_BINARY_LOGISTIC: binary_gradients(margin, label, weight, n, out); break;
  case OBJ_MULTI_SOFTPROB: case OBJ_MULTI_SOFTMAX: multiclass_gradients(margin, label, weight, n, n_groups, out); break;
  default: regression_gradients(p, margin, label, weight, n, out);
  }
}

static int cmp_pair(const void *a, const void *b) {
  const float *x = a, *y = b;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

/* The median as XGBoost 1.7 takes it for reg:absoluteerror (common::Quantile and
 * common::WeightedQuantile with alpha = 0.5):
 *  - unweighted: sorted values v, x = alpha (n + 1), k = floor(x) - 1, d = (x - 1) - k,
 *    value = v[k] + d (v[k+1] - v[k])  — the mean of the two middle values for even n;
 *  - weighted: the first value whose cumulative weight exceeds alpha x total. */
static double xgb_median(const float *v, const float *weight, int n) {
  if (n == 0) return 0.0;
  float *pairs = xgb_alloc(sizeof(float) * 2 * (size_t)n);
  if (!pairs) return NAN; /* the error is recorded */
  double total = 0;
  for (int i = 0; i < n; i++) { pairs[2 * i] = v[i]; pairs[2 * i + 1] = weight ? weight[i] : 1.0f; total += pairs[2 * i + 1]; }
  qsort(pairs, n, sizeof(float) * 2, cmp_pair);
  double out;
  const double alpha = 0.5;
  if (!weight) {
    if (alpha <= 1.0 / (n + 1)) out = pairs[0];
    else if (alpha >= (double)n / (n + 1)) out = pairs[2 * (n - 1)];
    else {
      double x = alpha * (n + 1);
      int k = (int)floor(x) - 1;
      double d = (x - 1) - k;
      out = pairs[2 * k] + d * (pairs[2 * (k + 1)] - pairs[2 * k]);
    }
  } else {
    double acc = 0, g = alpha * total;
    int idx = n - 1;
    for (int i = 0; i < n; i++) { acc += pairs[2 * i + 1]; if (acc > g) { idx = i; break; } }
    out = pairs[2 * idx];
  }
  free(pairs);
  return out;
}

/* Intercepts: the constant prediction that minimises each loss on the training labels —
 * the weighted mean (squared error, pseudo-Huber, logistic as a probability, Poisson
 * as a rate) or the weighted median (absolute error). Multiclass keeps 0.5, as XGBoost. */
double objective_estimate_base_score(const Params *p, const float *label, const float *weight, int n) {
  if (p->objective == OBJ_MULTI_SOFTPROB || p->objective == OBJ_MULTI_SOFTMAX || n == 0) return 0.5;
  if (p->objective == OBJ_ABSOLUTE_ERROR) return xgb_median(label, weight, n);
  double s = 0, sw = 0;
  for (int i = 0; i < n; i++) { double w = weight ? weight[i] : 1.0; s += w * label[i]; sw += w; }
  double mean = sw > 0 ? s / sw : 0.5;
  if (p->objective == OBJ_BINARY_LOGISTIC) {
    if (mean < 1e-6) mean = 1e-6;
    if (mean > 1 - 1e-6) mean = 1 - 1e-6;
  }
  if (p->objective == OBJ_COUNT_POISSON && mean < 1e-6) mean = 1e-6;
  return mean;
}

double objective_prob_to_margin(int objective, double base_score) {
  if (objective == OBJ_BINARY_LOGISTIC) return -log(1.0 / base_score - 1.0);
  if (objective == OBJ_COUNT_POISSON) return log(base_score);
  return base_score;
}

void objective_transform(int objective, const float *margin, int n, int n_groups, float *out) {
  switch (objective) {
  case OBJ_BINARY_LOGISTIC:
    for (int i = 0; i < n; i++) out[i] = (float)(1.0 / (1.0 + exp(-(double)margin[i])));
    break;
  case OBJ_COUNT_POISSON:
    for (int i = 0; i < n; i++) out[i] = (float)exp((double)margin[i]);
    break;
  case OBJ_MULTI_SOFTPROB:
    for (int i = 0; i < n; i++) {
      const float *m = margin + (size_t)i * n_groups;
      float *o = out + (size_t)i * n_groups;
      double mx = m[0], sum = 0;
      for (int c = 1; c < n_groups; c++) if (m[c] > mx) mx = m[c];
      for (int c = 0; c < n_groups; c++) { o[c] = (float)exp(m[c] - mx); sum += o[c]; }
      for (int c = 0; c < n_groups; c++) o[c] = (float)(o[c] / sum);
    }
    break;
  case OBJ_MULTI_SOFTMAX:
    for (int i = 0; i < n; i++) {
      const float *m = margin + (size_t)i * n_groups;
      int best = 0;
      for (int c = 1; c < n_groups; c++) if (m[c] > m[best]) best = c;
      out[i] = (float)best;
    }
    break;
  default:
    if (out != margin) memcpy(out, margin, sizeof(float) * n);
  }
}

int objective_refresh_leaves(const Params *p, int objective) { return objective == OBJ_ABSOLUTE_ERROR; }

double objective_leaf_median(const float *residual, const float *weight, int n) { return xgb_median(residual, weight, n); }
