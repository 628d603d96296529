/* rank:pairwise, rank:ndcg, rank:map: XGBoost 1.7's LambdaRankObj (src/objective/rank_obj.cu, its CPU path).
 *
 * Per query group (rows ptr[k] .. ptr[k + 1]), the rows sorted by margin (descending, ties in row order), then by
 * label (descending, ties in margin order). For each run of equal labels and each of its rows, num_pairsample times,
 * one partner drawn uniformly among the rows of other labels (std_random.h: native's engine and distribution, one
 * stream per round seeded (iteration + 1) * 1111 and running on across the groups, as native's with one thread —
 * native's threads each restart the stream on their share of the groups, so its model depends on nthread; this
 * one does not). A pair (i above j in label) of weight w = group weight x ngroups / sum of group weights, times
 *   rank:ndcg  |delta NDCG| of swapping i and j in the margin order (gains 2^label - 1, label truncated to an integer),
 *   rank:map   |delta MAP| of that swap (a label > 0 is relevant),
 * and by 1 / num_pairsample (and fix_list_weight / group size when fix_list_weight != 0), adds, with
 * p = sigmoid(m_i - m_j):  g_i += (p - 1) w, g_j -= (p - 1) w, h_i and h_j += 2 w max(p (1 - p), 1e-16).
 * All in float, as native computes them. */
#include "objective.h"
#include "std_random.h"
#include "metric/metric.h" /* rank_label_int, rank_gain: the labels as native's integers */

typedef struct { float pred, label; uint32_t rindex; } ListEntry;
typedef struct { float label; uint32_t at; } LabelEntry; /* a label and its place in the margin order */
typedef struct { uint32_t pos, neg; float weight; } LambdaPair;
typedef struct { float ap_acc, ap_acc_miss, ap_acc_add, hits; } MapStats;

/* std::stable_sort by margin, descending: ties keep row order */
static int by_pred(const void *a, const void *b) {
  const ListEntry *x = a, *y = b;
  if (x->pred > y->pred) return -1;
  if (x->pred < y->pred) return 1;
  return (x->rindex > y->rindex) - (x->rindex < y->rindex);
}
/* std::stable_sort by label, descending (common::CmpFirst): ties keep margin order */
static int by_label(const void *a, const void *b) {
  const LabelEntry *x = a, *y = b;
  if (x->label > y->label) return -1;
  if (x->label < y->label) return 1;
  return (x->at > y->at) - (x->at < y->at);
}
static int by_value_desc(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x < y) - (x > y);
}

/* NDCG's gain of a label at a place: (2^label - 1) / log2(place + 2), the label as native's unsigned */
static float dcg_item(float label, uint32_t at) {
  uint32_t l = (uint32_t)rank_label_int(label);
  return l != 0 ? (float)rank_gain(l) / log2f((float)(at + 2)) : 0.0f;
}

static void ndcg_weights(const ListEntry *lst, int n, float *sorted_labels, LambdaPair *pairs, int npairs) {
  for (int i = 0; i < n; i++) sorted_labels[i] = lst[i].label;
  qsort(sorted_labels, n, sizeof(float), by_value_desc); /* equal floats: order does not matter */
  double sum = 0.0;
  for (int i = 0; i < n; i++) sum += dcg_item(sorted_labels[i], (uint32_t)i);
  float idcg = (float)sum;
  for (int q = 0; q < npairs; q++) {
    if (idcg == 0.0f) { pairs[q].weight = 0.0f; continue; }
    uint32_t pi = pairs[q].pos, ni = pairs[q].neg;
    float pg = (float)rank_gain((uint32_t)rank_label_int(lst[pi].label)), ng = (float)rank_gain((uint32_t)rank_label_int(lst[ni].label));
    float pos_loginv = 1.0f / log2f((float)pi + 2.0f), neg_loginv = 1.0f / log2f((float)ni + 2.0f);
    float original = pg * pos_loginv + ng * neg_loginv;
    float changed = ng * pos_loginv + pg * neg_loginv;
    float delta = (original - changed) * (1.0f / idcg);
    pairs[q].weight *= delta < 0.0f ? -delta : delta;
  }
}

/* |delta MAP| of swapping the rows at places a and b of the margin order (native's GetLambdaMAP) */
static float lambda_map(int a, int b, float la, float lb, const MapStats *s, int n) {
  if (a == b || s[n - 1].hits == 0) return 0.0f;
  if (a > b) { int t = a; a = b; b = t; float f = la; la = lb; lb = f; }
  float original = s[b].ap_acc;
  if (a != 0) original -= s[a - 1].ap_acc;
  float changed = 0, l1 = la > 0.0f ? 1.0f : 0.0f, l2 = lb > 0.0f ? 1.0f : 0.0f;
  if (l1 == l2) return 0.0f;
  if (l1 < l2) {
    changed += s[b - 1].ap_acc_add - s[a].ap_acc_add;
    changed += (s[a].hits + 1.0f) / (float)(a + 1);
  } else {
    changed += s[b - 1].ap_acc_miss - s[a].ap_acc_miss;
    changed += s[b].hits / (float)(b + 1);
  }
  float ans = (changed - original) / s[n - 1].hits;
  return ans < 0 ? -ans : ans;
}

static void map_weights(const ListEntry *lst, int n, MapStats *s, LambdaPair *pairs, int npairs) {
  float hit = 0, acc1 = 0, acc2 = 0, acc3 = 0;
  for (int i = 1; i <= n; i++) {
    if (lst[i - 1].label > 0.0f) {
      hit++;
      acc1 += hit / (float)i; acc2 += (hit - 1) / (float)i; acc3 += (hit + 1) / (float)i;
    }
    s[i - 1] = (MapStats){ acc1, acc2, acc3, hit };
  }
  for (int q = 0; q < npairs; q++)
    pairs[q].weight *= lambda_map((int)pairs[q].pos, (int)pairs[q].neg, lst[pairs[q].pos].label, lst[pairs[q].neg].label, s, n);
}

int rank_gradients(const Params *p, const float *margin, const float *label, int n, const QueryGroups *groups,
                   int iteration, GradPair *out) {
  /* no groups: the whole data is one query, as native */
  int32_t whole[2] = { 0, n };
  const int32_t *ptr = groups && groups->n > 0 ? groups->ptr : whole;
  int ng = groups && groups->n > 0 ? groups->n : 1;
  const float *gw = groups ? groups->weight : NULL;
  if (ptr[ng] != n) return xgb_fail("query groups cover %d rows but the data has %d", ptr[ng], n);
  int largest = 0;
  for (int k = 0; k < ng; k++) if (ptr[k + 1] - ptr[k] > largest) largest = ptr[k + 1] - ptr[k];
  int nps = p->num_pairsample;
  /* the largest group's pairs, kept at once: in a 32-bit size_t (wasm) a large num_pairsample would wrap the size */
  if ((double)largest * nps * sizeof(LambdaPair) >= (double)SIZE_MAX / 2)
    return xgb_fail("num_pairsample %d: the %d-row group's pairs (%.3g) do not fit in memory", nps, largest, (double)largest * nps);
  ListEntry *lst = xgb_alloc(sizeof(ListEntry) * (size_t)(largest + 1));
  LabelEntry *rec = xgb_alloc(sizeof(LabelEntry) * (size_t)(largest + 1));
  LambdaPair *pairs = xgb_alloc(sizeof(LambdaPair) * ((size_t)largest * nps + 1));
  /* NDCG's sorted labels or MAP's running sums */
  void *scratch = xgb_alloc(sizeof(MapStats) * (size_t)(largest + 1));
  if (!lst || !rec || !pairs || !scratch) { free(lst); free(rec); free(pairs); free(scratch); return -1; }

  /* ComputeWeightNormalizationFactor: ngroups / the float sum of the group weights */
  float sum_w = 0;
  for (int k = 0; k < ng; k++) sum_w += gw ? gw[k] : 1.0f;
  float norm = (float)ng / sum_w;
  MinstdRand rnd;
  minstd_seed(&rnd, (uint64_t)((iteration + 1) * 1111));
  for (int k = 0; k < ng; k++) {
    int b = ptr[k], m = ptr[k + 1] - b;
    for (int j = 0; j < m; j++) {
      lst[j] = (ListEntry){ margin[b + j], label[b + j], (uint32_t)(b + j) };
      out[b + j].g = out[b + j].h = 0.0f;
    }
    qsort(lst, m, sizeof(ListEntry), by_pred);
    for (int i = 0; i < m; i++) rec[i] = (LabelEntry){ lst[i].label, (uint32_t)i };
    qsort(rec, m, sizeof(LabelEntry), by_label);
    float w = (gw ? gw[k] : 1.0f) * norm;
    int npairs = 0;
    for (int i = 0; i < m;) {
      int j = i + 1;
      while (j < m && rec[j].label == rec[i].label) ++j;
      /* the run [i, j) of one label: each row's partners from outside it */
      uint32_t nleft = (uint32_t)i, nright = (uint32_t)(m - j);
      if (nleft + nright != 0) {
        for (int s = 0; s < nps; s++)
          for (int pid = i; pid < j; pid++) {
            uint32_t ridx = std_uniform_uint(&rnd, nleft + nright - 1);
            if (ridx < nleft) pairs[npairs++] = (LambdaPair){ rec[ridx].at, rec[pid].at, w };
            else pairs[npairs++] = (LambdaPair){ rec[pid].at, rec[ridx + j - i].at, w };
          }
      }
      i = j;
    }
    if (p->objective == OBJ_RANK_NDCG) ndcg_weights(lst, m, scratch, pairs, npairs);
    else if (p->objective == OBJ_RANK_MAP) map_weights(lst, m, scratch, pairs, npairs);
    float scale = 1.0f / (float)nps;
    if ((float)p->fix_list_weight != 0.0f) scale *= (float)p->fix_list_weight / (float)(unsigned)m;
    for (int q = 0; q < npairs; q++) {
      const ListEntry *pos = &lst[pairs[q].pos], *neg = &lst[pairs[q].neg];
      float pw = pairs[q].weight * scale;
      float pr = sigmoid_float(pos->pred - neg->pred), g = pr - 1.0f, h = pr * (1.0f - pr);
      if (h < 1e-16f) h = 1e-16f;
      out[pos->rindex].g += g * pw; out[pos->rindex].h += 2.0f * pw * h;
      out[neg->rindex].g += -g * pw; out[neg->rindex].h += 2.0f * pw * h;
    }
  }
  free(lst); free(rec); free(pairs); free(scratch);
  return 0;
}
