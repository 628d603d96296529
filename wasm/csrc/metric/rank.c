/* ndcg@k and map@k as XGBoost 1.7's EvalNDCG and EvalMAP (src/metric/rank_metric.cc): per query group, the rows
 * sorted by prediction (descending, ties in row order), labels truncated to integers (native's static_cast<int>),
 *   ndcg@k = DCG@k / IDCG@k,  DCG@k = sum over the first k places i of (2^rel - 1) / log2(i + 2),
 *            IDCG@k the same in label order; a group whose IDCG is 0 scores 1 (0 with "-": ndcg-, ndcg@k-)
 *   map@k  = sum over relevant rows (rel != 0) among the first k of hits-so-far / (i + 1), divided by all the
 *            group's relevant rows; a group with none scores 1 (0 with "-")
 *   pre@k  = the relevant rows (rel != 0) among the first k, divided by k — k itself, even past the group's size, and
 *            without k the whole list's native unsigned maximum 4294967295 (EvalPrecision: "pre" alone is that tiny
 *            share); "-" changes nothing
 * and averaged over the groups, unweighted (1.7's rank metrics do not read weights). */
#include "metric.h"

typedef struct { float pred; uint32_t rel; uint32_t at; } Rec;

static int by_pred(const void *a, const void *b) {
  const Rec *x = a, *y = b;
  if (x->pred > y->pred) return -1;
  if (x->pred < y->pred) return 1;
  return (x->at > y->at) - (x->at < y->at);
}
/* common::CmpSecond on the prediction order: by label, descending, ties in prediction order (std::stable_sort) */
static int by_rel(const void *a, const void *b) {
  const Rec *x = a, *y = b;
  if (x->rel != y->rel) return x->rel > y->rel ? -1 : 1;
  return (x->at > y->at) - (x->at < y->at);
}

static double dcg(const Rec *r, int n, uint32_t topn) {
  double s = 0.0;
  for (int i = 0; i < n && (uint32_t)i < topn; i++)
    if (r[i].rel != 0) s += rank_gain(r[i].rel) / log2(i + 2.0);
  return s;
}

double metric_rank(int metric, const float *pred, const float *label, int n, const int32_t *ptr, int n_groups,
                   uint32_t topn, int minus) {
  int32_t whole[2] = { 0, n };
  if (!ptr) { ptr = whole; n_groups = 1; }
  if (ptr[n_groups] != n) { xgb_fail("query groups cover %d rows but the data has %d", ptr[n_groups], n); return NAN; }
  int largest = 0;
  for (int k = 0; k < n_groups; k++) if (ptr[k + 1] - ptr[k] > largest) largest = ptr[k + 1] - ptr[k];
  Rec *r = xgb_alloc(sizeof(Rec) * (size_t)(largest + 1));
  if (!r) return NAN;
  double sum = 0.0;
  for (int k = 0; k < n_groups; k++) {
    int b = ptr[k], m = ptr[k + 1] - b;
    for (int j = 0; j < m; j++) r[j] = (Rec){ pred[b + j], (uint32_t)rank_label_int(label[b + j]), 0 };
    for (int j = 0; j < m; j++) r[j].at = (uint32_t)j;
    qsort(r, m, sizeof(Rec), by_pred);
    double v;
    if (metric == M_NDCG) {
      double d = dcg(r, m, topn);
      for (int j = 0; j < m; j++) r[j].at = (uint32_t)j; /* stable from the prediction order */
      qsort(r, m, sizeof(Rec), by_rel);
      double ideal = dcg(r, m, topn);
      v = ideal == 0.0 ? (minus ? 0.0 : 1.0) : d / ideal;
    } else if (metric == M_PRE) {
      unsigned hits = 0;
      for (int i = 0; i < m && (uint32_t)i < topn; i++) hits += r[i].rel != 0;
      v = (double)hits / topn;
    } else {
      unsigned hits = 0;
      double ap = 0.0;
      for (int i = 0; i < m; i++) {
        if (r[i].rel == 0) continue;
        hits++;
        if ((uint32_t)i < topn) ap += (double)hits / (i + 1);
      }
      v = hits ? ap / hits : (minus ? 0.0 : 1.0);
    }
    sum += v;
  }
  free(r);
  return sum / n_groups;
}
