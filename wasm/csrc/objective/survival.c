/* Survival objectives, margin m = log of the predicted (relative) time or hazard:
 *   survival:cox  label y: |y| the time, y > 0 an event, y < 0 right-censored. Rows taken in order of |y| (ties in input
 *                 order: native's stable LabelAbsSort). Breslow's partial likelihood: with E_i = exp(m_i) and S_i the
 *                 sum of E over the rows still at risk at time |y_i| (the denominator moves on only when |y| grows),
 *                 r_i = sum over events j up to i of 1 / S_j,  s_i = the same of 1 / S_j^2:
 *                   g_i = E_i r_i - [y_i > 0],   h_i = E_i r_i - E_i^2 s_i   (times w_i)
 *                 in double, the sums in double, rounded to float once (native's CoxRegression::GetGradient; the
 *                 first sum of E over all rows of float expf's, as there).
 *   survival:aft  bounds [lo, hi]: lo == hi an exact time, hi = +inf right-censored, lo = 0 left-censored, else an
 *                 interval. log T = m + sigma Z, Z normal / logistic / extreme (aft_loss_distribution), sigma =
 *                 aft_loss_distribution_scale (a float, as native's AFTParam). g, h are d/dm of -log P(lo <= T <= hi)
 *                 (-log of the density for an exact time), in double (native's AFTLoss, survival_util.h), limits where
 *                 the denominator underflows, clipped to [-15, 15] and [1e-16, 15], rounded to float, times the float
 *                 weight in float.
 * Both predict exp(m) (a float expf, as native's PredTransform) and start from base_score 0.5 (a margin log 0.5):
 * native estimates no intercept for them. */
#include "objective.h"

/* The rows in order of |label|, ties in input order (native's std::stable_sort of LabelAbsSort): a bottom-up merge
 * sort of the row indexes on their keys, stable by construction. NULL on failure (recorded). qsort of (key, index)
 * pairs took ~125 ms for 100k rows in the WebAssembly build (its comparator an indirect call), most of a round. */
int32_t *abs_label_order(const float *label, int n) {
  size_t bytes = sizeof(int32_t) * (size_t)(n > 0 ? n : 1);
  int32_t *a = xgb_alloc(bytes), *b = xgb_alloc(bytes);
  float *key = xgb_alloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
  if (!a || !b || !key) { free(a); free(b); free(key); return NULL; }
  for (int i = 0; i < n; i++) { a[i] = i; key[i] = fabsf(label[i]); }
  for (int width = 1; width < n; width *= 2) {
    for (int lo = 0; lo < n; lo += 2 * width) {
      int mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n, i = lo, j = mid, k = lo;
      /* the left run's row first on equal keys: stable */
      while (i < mid && j < hi) b[k++] = key[a[j]] < key[a[i]] ? a[j++] : a[i++];
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
    }
    int32_t *t = a; a = b; b = t;
  }
  free(b); free(key);
  return a;
}

int cox_gradients(const float *margin, const float *label, const float *weight, const int32_t *given_order, int n, GradPair *out) {
  int32_t *own = given_order ? NULL : abs_label_order(label, n);
  const int32_t *order = given_order ? given_order : own;
  if (!order) return -1;
  /* the rows at risk: all of them at first. A float expf here (native's std::exp of the float prediction) and a double
   * exp below (of the prediction made a double): the risk set's sum and what leaves it differ in their last bits, as
   * native's do, which shows once the sum has shrunk to the last rows' (an exp in double here put leaves an ulp off) */
  double exp_p_sum = 0;
  for (int i = 0; i < n; i++) exp_p_sum += expf(margin[order[i]]);
  double r_k = 0, s_k = 0, last_exp_p = 0, last_abs_y = 0, accumulated = 0;
  for (int i = 0; i < n; i++) {
    int ind = order[i];
    double exp_p = exp((double)margin[ind]), w = weight ? weight[ind] : 1.0, y = label[ind], abs_y = fabs(y);
    /* Breslow's ties: the rows of one time leave the risk set together, when time moves on */
    accumulated += last_exp_p;
    if (last_abs_y < abs_y) { exp_p_sum -= accumulated; accumulated = 0; }
    if (y > 0) { r_k += 1.0 / exp_p_sum; s_k += 1.0 / (exp_p_sum * exp_p_sum); }
    double g = exp_p * r_k - (y > 0 ? 1.0 : 0.0), h = exp_p * r_k - exp_p * exp_p * s_k;
    out[ind].g = (float)(g * w); out[ind].h = (float)(h * w);
    last_abs_y = abs_y; last_exp_p = exp_p;
  }
  free(own);
  return 0;
}

/* The distributions of Z (native's probability_distribution.h) */
static const double PI = 3.14159265358979323846;
static double dist_pdf(int d, double z) {
  double w;
  switch (d) {
  case AFT_NORMAL: return exp(-z * z / 2.0) / sqrt(2.0 * PI);
  case AFT_LOGISTIC: w = exp(z); return isinf(w) || isinf(w * w) ? 0.0 : w / ((1 + w) * (1 + w));
  default: w = exp(z); return isinf(w) ? 0.0 : w * exp(-w);
  }
}
static double dist_cdf(int d, double z) {
  double w;
  switch (d) {
  case AFT_NORMAL: return 0.5 * (1 + erf(z / sqrt(2.0)));
  case AFT_LOGISTIC: w = exp(z); return isinf(w) ? 1.0 : w / (1 + w);
  default: w = exp(z); return 1 - exp(-w);
  }
}
static double dist_grad_pdf(int d, double z) {
  double w;
  switch (d) {
  case AFT_NORMAL: return -z * dist_pdf(d, z);
  case AFT_LOGISTIC: w = exp(z); return isinf(w) ? 0.0 : dist_pdf(d, z) * (1 - w) / (1 + w);
  default: w = exp(z); return isinf(w) ? 0.0 : (1 - w) * dist_pdf(d, z);
  }
}
static double dist_hess_pdf(int d, double z) {
  double w;
  switch (d) {
  case AFT_NORMAL: return (z * z - 1.0) * dist_pdf(d, z);
  case AFT_LOGISTIC: w = exp(z); return isinf(w) || isinf(w * w) ? 0.0 : dist_pdf(d, z) * (w * w - 4 * w + 1) / ((1 + w) * (1 + w));
  default: w = exp(z); return isinf(w) || isinf(w * w) ? 0.0 : (w * w - 3 * w + 1) * dist_pdf(d, z);
  }
}

enum { UNCENSORED, RIGHT, LEFT, INTERVAL };
#define AFT_MIN_GRAD (-15.0)
#define AFT_MAX_GRAD 15.0
#define AFT_MIN_HESS 1e-16
#define AFT_MAX_HESS 15.0
#define AFT_EPS 1e-12

/* The gradient's and hessian's limits as the margin runs to ±inf (sign: z > 0, the margin below the bound), where
 * their fractions are 0 / 0 (native's GetLimitGradAtInfPred / GetLimitHessAtInfPred) */
static double limit_grad(int d, int type, int sign, double sigma) {
  switch (d) {
  case AFT_NORMAL:
    if (type == RIGHT) return sign ? AFT_MIN_GRAD : 0.0;
    if (type == LEFT) return sign ? 0.0 : AFT_MAX_GRAD;
    return sign ? AFT_MIN_GRAD : AFT_MAX_GRAD;
  case AFT_LOGISTIC:
    if (type == RIGHT) return sign ? -1.0 / sigma : 0.0;
    if (type == LEFT) return sign ? 0.0 : 1.0 / sigma;
    return sign ? -1.0 / sigma : 1.0 / sigma;
  default:
    if (type == RIGHT) return sign ? AFT_MIN_GRAD : 0.0;
    if (type == LEFT) return sign ? 0.0 : 1.0 / sigma;
    return sign ? AFT_MIN_GRAD : 1.0 / sigma;
  }
}
static double limit_hess(int d, int type, int sign, double sigma) {
  switch (d) {
  case AFT_NORMAL:
    if (type == RIGHT) return sign ? 1.0 / (sigma * sigma) : AFT_MIN_HESS;
    if (type == LEFT) return sign ? AFT_MIN_HESS : 1.0 / (sigma * sigma);
    return 1.0 / (sigma * sigma);
  case AFT_LOGISTIC: return AFT_MIN_HESS;
  default:
    if (type == LEFT) return AFT_MIN_HESS;
    return sign ? AFT_MAX_HESS : AFT_MIN_HESS;
  }
}
static double clip(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* One row's gradient and hessian, as native's AFTLoss<Distribution>::Gradient and ::Hessian */
static void aft_row(int d, double lo, double hi, double m, double sigma, double *grad, double *hess) {
  double gn, gd, hn, hd;
  int type, sign;
  if (lo == hi) {
    double z = (log(lo) - m) / sigma, pdf = dist_pdf(d, z), gpdf = dist_grad_pdf(d, z), hpdf = dist_hess_pdf(d, z);
    type = UNCENSORED; sign = z > 0;
    gn = gpdf; gd = sigma * pdf;
    hn = -(pdf * hpdf - gpdf * gpdf); hd = sigma * sigma * pdf * pdf;
  } else {
    double z_u = 0, z_l = 0, pdf_u, pdf_l, cdf_u, cdf_l, gpdf_u, gpdf_l;
    type = INTERVAL;
    if (isinf(hi)) { pdf_u = 0; cdf_u = 1; gpdf_u = 0; type = RIGHT; }
    else { z_u = (log(hi) - m) / sigma; pdf_u = dist_pdf(d, z_u); cdf_u = dist_cdf(d, z_u); gpdf_u = dist_grad_pdf(d, z_u); }
    if (lo <= 0.0) { pdf_l = 0; cdf_l = 0; gpdf_l = 0; type = LEFT; }
    else { z_l = (log(lo) - m) / sigma; pdf_l = dist_pdf(d, z_l); cdf_l = dist_cdf(d, z_l); gpdf_l = dist_grad_pdf(d, z_l); }
    sign = z_u > 0 || z_l > 0;
    double cdf_diff = cdf_u - cdf_l, pdf_diff = pdf_u - pdf_l, grad_diff = gpdf_u - gpdf_l, sq = sigma * cdf_diff;
    gn = pdf_diff; gd = sigma * cdf_diff;
    hn = -(cdf_diff * grad_diff - pdf_diff * pdf_diff); hd = sq * sq;
  }
  double g = gn / gd, h = hn / hd;
  if (gd < AFT_EPS && (isnan(g) || isinf(g))) g = limit_grad(d, type, sign, sigma);
  if (hd < AFT_EPS && (isnan(h) || isinf(h))) h = limit_hess(d, type, sign, sigma);
  *grad = clip(g, AFT_MIN_GRAD, AFT_MAX_GRAD);
  *hess = clip(h, AFT_MIN_HESS, AFT_MAX_HESS);
}

void aft_gradients(const Params *p, const float *margin, const float *lower, const float *upper, const float *weight, int n, GradPair *out) {
  double sigma = (float)p->aft_loss_distribution_scale;
  for (int i = 0; i < n; i++) {
    double g, h;
    aft_row(p->aft_loss_distribution, lower[i], upper[i], margin[i], sigma, &g, &h);
    float w = weight ? weight[i] : 1.0f;
    out[i].g = (float)g * w; out[i].h = (float)h * w;
  }
}

/* -log of the row's likelihood (native's AFTLoss::Loss: the density or probability floored at 1e-12) */
double aft_loss(int d, double lo, double hi, double m, double sigma) {
  if (lo == hi) {
    double z = (log(lo) - m) / sigma;
    return -log(fmax(dist_pdf(d, z) / (sigma * lo), AFT_EPS));
  }
  double cdf_u = isinf(hi) ? 1 : dist_cdf(d, (log(hi) - m) / sigma);
  double cdf_l = lo <= 0.0 ? 0 : dist_cdf(d, (log(lo) - m) / sigma);
  return -log(fmax(cdf_u - cdf_l, AFT_EPS));
}
