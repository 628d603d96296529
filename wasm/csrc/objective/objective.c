/* Dispatch over objectives, the intercept, and the output transforms. */
#include "objective.h"

int objective_gradients(const Params *p, const float *margin, const float *label, const float *label_upper, const float *weight,
                        const int32_t *label_order, int n, int n_groups, const QueryGroups *groups, int iteration,
                        GradPair *out) {
  switch (p->objective) {
  case OBJ_RANK_PAIRWISE: case OBJ_RANK_NDCG: case OBJ_RANK_MAP:
    return rank_gradients(p, margin, label, n, groups, iteration, out);
  case OBJ_BINARY_LOGISTIC: case OBJ_REG_LOGISTIC: case OBJ_BINARY_LOGITRAW:
    binary_gradients(margin, label, weight, n, (float)p->scale_pos_weight, out); break;
  case OBJ_BINARY_HINGE: hinge_gradients(margin, label, weight, n, out); break;
  case OBJ_MULTI_SOFTPROB: case OBJ_MULTI_SOFTMAX: multiclass_gradients(margin, label, weight, n, n_groups, out); break;
  case OBJ_SURVIVAL_COX: return cox_gradients(margin, label, weight, label_order, n, out);
  case OBJ_SURVIVAL_AFT: aft_gradients(p, margin, label, label_upper, weight, n, out); break;
  default: regression_gradients(p, margin, label, weight, n, out);
  }
  return 0;
}

/* A value, its weight and its place in the input: sorted by value, ties in input order (std::stable_sort's). */
typedef struct { float v, w; int32_t i; } Ranked;
static int cmp_ranked(const void *a, const void *b) {
  const Ranked *x = a, *y = b;
  if (x->v != y->v) return (x->v > y->v) - (x->v < y->v);
  return (x->i > y->i) - (x->i < y->i);
}

/* The median as XGBoost 1.7 takes it for reg:absoluteerror (common::Quantile and
 * common::WeightedQuantile with alpha = 0.5):
 *  - unweighted: sorted values v, x = alpha (n + 1), k = floor(x) - 1, d = (x - 1) - k,
 *    value = v[k] + d (v[k+1] - v[k])  — the mean of the two middle values for even n;
 *  - weighted: the cumulative weights S_i (float, as native adds them, in sorted order),
 *    the threshold t = S_{n-1} x alpha (a float), and the first value whose S_i >= t
 *    (std::lower_bound). A cumulative weight equal to t — half the total, common with
 *    whole-number weights — picks that value, not the next: a first S_i > t took the next
 *    one here (8 labels of weight 1: -1.8 where native's intercept is -2.0). */
static double xgb_median(const float *v, const float *weight, int n) {
  if (n == 0) return 0.0;
  Ranked *r = xgb_alloc(sizeof(Ranked) * (size_t)n);
  if (!r) return NAN; /* the error is recorded */
  for (int i = 0; i < n; i++) r[i] = (Ranked){ v[i], weight ? weight[i] : 1.0f, i };
  qsort(r, n, sizeof(Ranked), cmp_ranked);
  double out;
  const double alpha = 0.5;
  if (!weight) {
    if (alpha <= 1.0 / (n + 1)) out = r[0].v;
    else if (alpha >= (double)n / (n + 1)) out = r[n - 1].v;
    else {
      double x = alpha * (n + 1);
      int k = (int)floor(x) - 1;
      double d = (x - 1) - k;
      out = r[k].v + d * (r[k + 1].v - r[k].v);
    }
  } else {
    /* the cumulative weights overwrite the weights */
    float acc = 0.0f;
    for (int i = 0; i < n; i++) { acc += r[i].w; r[i].w = acc; }
    float t = (float)(acc * alpha);
    int idx = n - 1;
    for (int i = 0; i < n; i++) if (r[i].w >= t) { idx = i; break; }
    out = r[idx].v;
  }
  free(r);
  return out;
}

/* Intercepts: the constant prediction that minimises each loss on the training labels —
 * the weighted mean (squared error, pseudo-Huber, logistic as a probability, Poisson, gamma
 * and Tweedie as a mean; scale_pos_weight weighs the rows labelled 1 of XGBoost's RegLossObj
 * losses), the weighted median (absolute error), expm1 of the weighted mean of log1p(y)
 * (squared log error), or the log-odds of the mean (binary:logitraw, whose base_score is a
 * margin). Multiclass, hinge, the survival objectives and rank:* keep 0.5, XGBoost 1.7's default (their objectives
 * estimate none). */
static int reg_loss_obj(int o) {
  return o == OBJ_SQUARED_ERROR || o == OBJ_BINARY_LOGISTIC || o == OBJ_REG_LOGISTIC || o == OBJ_BINARY_LOGITRAW || o == OBJ_SQUARED_LOG_ERROR;
}
double objective_estimate_base_score(const Params *p, const float *label, const float *weight, int n) {
  if (p->objective == OBJ_MULTI_SOFTPROB || p->objective == OBJ_MULTI_SOFTMAX || p->objective == OBJ_BINARY_HINGE
      || p->objective == OBJ_SURVIVAL_COX || p->objective == OBJ_SURVIVAL_AFT || objective_is_rank(p->objective)
      || n == 0) return 0.5;
  if (p->objective == OBJ_ABSOLUTE_ERROR) {
    /* as native's MeanAbsoluteError::InitEstimation: the median times the total weight, kept as a float (its
     * "weighted average across workers"), divided by the total weight again — a last-digit rounding of its own
     * (-0.1 over 1501 rows is -0.10000001 there) */
    double w = 0;
    for (int i = 0; i < n; i++) w += weight ? weight[i] : 1.0;
    float scaled = (float)(xgb_median(label, weight, n) * w);
    return w > 0 ? (double)scaled / w : xgb_median(label, weight, n);
  }
  /* rows labelled 1 weigh scale_pos_weight times more in these two losses (their gradients): so in their minimiser */
  double spw = reg_loss_obj(p->objective) ? p->scale_pos_weight : 1.0;
  int log1p_space = p->objective == OBJ_SQUARED_LOG_ERROR;
  double s = 0, sw = 0;
  for (int i = 0; i < n; i++) {
    double w = weight ? weight[i] : 1.0;
    if (label[i] == 1.0f) w *= spw;
    s += w * (log1p_space ? log1p((double)label[i]) : label[i]); sw += w;
  }
  if (log1p_space) return sw > 0 ? expm1(s / sw) : 0.5;
  double mean = sw > 0 ? s / sw : 0.5;
  int o = p->objective;
  if (o == OBJ_BINARY_LOGISTIC || o == OBJ_REG_LOGISTIC || o == OBJ_BINARY_LOGITRAW) {
    if (mean < 1e-6) mean = 1e-6;
    if (mean > 1 - 1e-6) mean = 1 - 1e-6;
    if (o == OBJ_BINARY_LOGITRAW) return -log(1.0 / mean - 1.0);
  }
  if ((o == OBJ_COUNT_POISSON || o == OBJ_GAMMA || o == OBJ_TWEEDIE) && mean < 1e-6) mean = 1e-6;
  return mean;
}

double objective_prob_to_margin(int objective, double base_score) {
  /* binary:logitraw, reg:squaredlogerror and binary:hinge take base_score as a margin, as XGBoost */
  if (objective == OBJ_BINARY_LOGISTIC || objective == OBJ_REG_LOGISTIC) return -log(1.0 / base_score - 1.0);
  if (objective == OBJ_COUNT_POISSON || objective == OBJ_GAMMA || objective == OBJ_TWEEDIE
      || objective == OBJ_SURVIVAL_COX || objective == OBJ_SURVIVAL_AFT) return log(base_score);
  return base_score;
}

void objective_transform(int objective, const float *margin, int n, int n_groups, float *out) {
  switch (objective) {
  case OBJ_BINARY_LOGISTIC: case OBJ_REG_LOGISTIC:
    for (int i = 0; i < n; i++) out[i] = sigmoid_float(margin[i]);
    break;
  case OBJ_BINARY_HINGE:
    for (int i = 0; i < n; i++) out[i] = margin[i] > 0.0f ? 1.0f : 0.0f;
    break;
  case OBJ_COUNT_POISSON: case OBJ_GAMMA: case OBJ_TWEEDIE: case OBJ_SURVIVAL_COX: case OBJ_SURVIVAL_AFT:
    for (int i = 0; i < n; i++) out[i] = expf(margin[i]); /* a float expf, as native's PredTransform */
    break;
  case OBJ_MULTI_SOFTPROB:
    for (int i = 0; i < n; i++) {
      const float *m = margin + (size_t)i * n_groups;
      float *o = out + (size_t)i * n_groups;
      /* in float as XGBoost's common::Softmax: float exponentials summed in double, divided by the float sum */
      float mx = m[0];
      double sum = 0;
      for (int c = 1; c < n_groups; c++) mx = fmaxf(m[c], mx);
      for (int c = 0; c < n_groups; c++) { o[c] = expf(m[c] - mx); sum += o[c]; }
      for (int c = 0; c < n_groups; c++) o[c] /= (float)sum;
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
