/* logloss = sum w (xlogy(-y, p) + xlogy(-(1 - y), 1 - p)) / sum w, xlogy(a, b) = a log(max(b, 1e-16f)) (0 when a = 0),
 *   as XGBoost 1.7's EvalRowLogLoss: only the floor is applied, so a prediction outside [0, 1] (the metric on a
 *   regression's output: reg:squarederror on 0/1 labels) scores below 0 where its side's term has a negative log —
 *   p = 1.2 with y = 1 adds -log 1.2. Clipping p to [1e-16, 1 - 1e-16] here scored such rows 0 instead (a logloss of
 *   0.2139 where native reports 0.2122); for p in [0, 1] the two are the same;
 * error = sum w e / sum w with e = 1 - y where p > t (0.5, or error@t's t), else y (XGBoost's EvalError: for 0/1 labels the share of
 *   rows on the wrong side; a soft label y in [0, 1] counts as y positive and 1 - y negative);
 * auc = probability that a random positive outranks a random negative, from ranks:
 * rows sorted by p, ties share their average rank (weighted Mann–Whitney U), each row weighing w y as a positive
 * and w (1 - y) as a negative, as XGBoost's BinaryROCAUC sums its true and false positives. Labels were rounded at
 * 0.5 here: soft labels scored error 0.074 and auc 0.981 where native gives 0.245 and 0.817;
 * aucpr = area under the precision-recall curve as XGBoost 1.7's BinaryPRAUC draws it: rows by decreasing p, one
 * point per group of tied predictions, and between two points the interpolation of Davis and Goadrich (precision
 * along the line of true against false positives, integrated over recall) — not the trapezoid of sklearn's; NaN
 * without positive or negative weight;
 * multiclass auc / aucpr: one class against the rest, averaged (metric_auc_ovr below). */
#include "metric.h"

static const float *sort_key;
static int cmp_by_pred(const void *a, const void *b) {
  float x = sort_key[*(const int32_t *)a], y = sort_key[*(const int32_t *)b];
  return (x > y) - (x < y);
}

/* positives (nullable): the positive weight, the class's weight in the multiclass average */
static double auc(const float *p, const float *label, const float *weight, int n, double *positives) {
  int32_t *idx = xgb_alloc(sizeof(int32_t) * (size_t)(n ? n : 1));
  if (!idx) return NAN; /* out of memory: the error is recorded, the metric is NaN (as for a one-class set) */
  for (int i = 0; i < n; i++) idx[i] = i;
  sort_key = p;
  qsort(idx, n, sizeof(int32_t), cmp_by_pred);
  double pos = 0, neg = 0, area = 0;
  /* walk groups of tied predictions from the lowest; each positive in a group beats the
   * negatives below it and ties half of the negatives inside it */
  for (int i = 0; i < n;) {
    int j = i;
    double gp = 0, gn = 0;
    while (j < n && p[idx[j]] == p[idx[i]]) {
      double w = weight ? weight[idx[j]] : 1.0, y = label[idx[j]];
      gp += w * y;
      gn += w * (1.0 - y);
      j++;
    }
    area += gp * (neg + 0.5 * gn);
    pos += gp; neg += gn;
    i = j;
  }
  free(idx);
  if (positives) *positives = pos;
  if (!(pos > 0 && neg > 0)) return NAN; /* one class, or labels outside [0, 1] (a regression's): as native, no AUC */
  return area / (pos * neg);
}

/* the area between two points of the PR curve (XGBoost's detail::CalcDeltaPRAUC) */
static double delta_prauc(double fp_prev, double fp, double tp_prev, double tp, double total_pos) {
  double pr_prev = tp_prev / total_pos, pr = tp / total_pos, a = 1.0, b = 0.0;
  if (tp != tp_prev) {
    double h = (fp - fp_prev) / (tp - tp_prev);
    a = h + 1;
    b = (fp_prev - h * tp_prev) / total_pos;
  }
  if (b != 0.0) return (pr - pr_prev - b / a * (log(a * pr + b) - log(a * pr_prev + b))) / a;
  return (pr - pr_prev) / a;
}

static int cmp_by_pred_desc(const void *a, const void *b) { return cmp_by_pred(b, a); }

/* weight NULL: every row weighs dft (a query group's weight, native's OptionalWeights{w}) */
static double aucpr(const float *p, const float *label, const float *weight, float dft, int n) {
  double total_pos = 0, total_neg = 0;
  for (int i = 0; i < n; i++) {
    float w = weight ? weight[i] : dft;
    total_pos += w * label[i];
    total_neg += w * (1.0f - label[i]);
  }
  if (!(total_pos > 0 && total_neg > 0)) return NAN;
  int32_t *idx = xgb_alloc(sizeof(int32_t) * (size_t)n);
  if (!idx) return NAN; /* the error is recorded */
  for (int i = 0; i < n; i++) idx[i] = i;
  sort_key = p;
  qsort(idx, n, sizeof(int32_t), cmp_by_pred_desc);
  double fp = 0, tp = 0, fp_prev = 0, tp_prev = 0, area = 0;
  for (int i = 0; i < n; i++) {
    if (i > 0 && p[idx[i]] != p[idx[i - 1]]) {
      area += delta_prauc(fp_prev, fp, tp_prev, tp, total_pos);
      fp_prev = fp; tp_prev = tp;
    }
    float w = weight ? weight[idx[i]] : dft, y = label[idx[i]];
    fp += (1.0f - y) * w;
    tp += y * w;
  }
  area += delta_prauc(fp_prev, fp, tp_prev, tp, total_pos);
  free(idx);
  return fp > 0 && tp > 0 ? area : 0.0;
}

double metric_binary(int metric, const float *prob, const float *label, const float *weight, int n, double threshold) {
  const float t = (float)threshold; /* native's threshold is a float */
  if (metric == M_AUC) return auc(prob, label, weight, n, NULL);
  if (metric == M_AUCPR) return aucpr(prob, label, weight, 1.0f, n);
  double s = 0, sw = 0;
  for (int i = 0; i < n; i++) {
    double w = weight ? weight[i] : 1.0, p = prob[i], y = label[i], e;
    if (metric == M_LOGLOSS) {
      const double eps = 1e-16f;
      double pneg = (double)(1.0f - prob[i]); /* a float, as native's */
      e = (y != 0 ? -y * log(p > eps ? p : eps) : 0) + (1 - y != 0 ? -(1 - y) * log(pneg > eps ? pneg : eps) : 0);
    } else {
      e = prob[i] > t ? 1.0 - y : y;
    }
    s += w * e; sw += w;
  }
  /* every weight 0: the sum itself (0), as XGBoost's GetFinal — it was NaN here (native's multiclass metrics, whose
   * GetFinal divides regardless, are NaN there: multiclass.c keeps that) */
  return sw > 0 ? s / sw : s;
}

/* auc of a K-class model, as XGBoost's MultiClassOVR: each class against the rest (its probability column, the rows
 * labelled c as positives), averaged with the classes' positive weights; NaN when a class has no positive or no
 * negative row (native's zero "local area"). aucpr: the same, each class weighing 1 (native's BinaryPRAUC hands
 * MultiClassOVR a unit "true positive" weight). */
double metric_auc_ovr(const float *prob, const float *label, const float *weight, int n, int k, int pr) {
  float *p = xgb_alloc(sizeof(float) * (size_t)(n ? n : 1)), *y = xgb_alloc(sizeof(float) * (size_t)(n ? n : 1));
  double sum = 0, pos_sum = 0;
  if (!p || !y) { free(p); free(y); return NAN; }
  for (int c = 0; c < k && !isnan(sum); c++) {
    for (int i = 0; i < n; i++) { p[i] = prob[(size_t)i * k + c]; y[i] = label[i] == (float)c ? 1.0f : 0.0f; }
    double pos = 1, a = pr ? aucpr(p, y, weight, 1.0f, n) : auc(p, y, weight, n, &pos);
    sum += a * pos; /* NaN for a class without positives or negatives: the average is NaN */
    pos_sum += pos;
  }
  free(p); free(y);
  return pos_sum > 0 ? sum / pos_sum : NAN;
}

/* labels descending, ties in row order (native's ArgSort is a stable sort) */
static int cmp_by_label_desc(const void *a, const void *b) {
  int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
  float x = sort_key[i], y = sort_key[j];
  if (x != y) return x > y ? -1 : 1;
  return (i > j) - (i < j);
}

/* One query's auc as native's GroupRankingROC: every pair of its rows (i before j in label order) counts 1 when i's
 * prediction is above j's, 0.5 when equal, 0 below — pairs of equal labels included, in float as native —, each
 * weighing the group's weight squared (sum 0: the sum itself, 0) */
static double group_roc(const float *p, const float *label, int m, float w, int32_t *idx) {
  for (int i = 0; i < m; i++) idx[i] = i;
  sort_key = label;
  qsort(idx, m, sizeof(int32_t), cmp_by_label_desc);
  w = w * w;
  double area = 0, sum_w = 0;
  for (int i = 0; i < m; i++) {
    for (int j = i + 1; j < m; j++) {
      float d = p[idx[i]] - p[idx[j]], v = d > 0 ? 1.0f : d == 0 ? 0.5f : 0.0f;
      area += v * w;
      sum_w += w;
    }
  }
  return sum_w != 0 ? area / sum_w : area;
}

/* auc / aucpr on an eval set with query groups, as XGBoost 1.7's EvalAUC whenever the set has groups (whatever the
 * objective): per query, auc its pairs' order (group_roc; a query of fewer than 3 rows does not count) and aucpr the
 * query's PR-AUC with the group's weight on each row (a query without positive or negative weight does not count),
 * averaged over the queries that count, unweighted; NaN when none does. */
double metric_rank_auc(int pr, const float *pred, const float *label, int n, const int32_t *ptr, int n_groups,
                       const float *group_weight) {
  if (ptr[n_groups] != n) { xgb_fail("query groups cover %d rows but the data has %d", ptr[n_groups], n); return NAN; }
  int largest = 1;
  for (int k = 0; k < n_groups; k++) if (ptr[k + 1] - ptr[k] > largest) largest = ptr[k + 1] - ptr[k];
  int32_t *idx = xgb_alloc(sizeof(int32_t) * (size_t)largest);
  if (!idx) return NAN;
  double sum = 0;
  int valid = n_groups;
  for (int k = 0; k < n_groups; k++) {
    int b = ptr[k], m = ptr[k + 1] - b;
    float w = group_weight ? group_weight[k] : 1.0f;
    double a = pr ? aucpr(pred + b, label + b, NULL, w, m) : m < 3 ? NAN : group_roc(pred + b, label + b, m, w, idx);
    if (isnan(a)) { valid--; continue; }
    sum += a;
  }
  free(idx);
  return valid > 0 ? sum / valid : NAN;
}
