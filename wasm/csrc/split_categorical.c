/* Split finding on a categorical feature, as XGBoost >= 1.6 does it for tree_method
 * "hist" with enable_categorical (src/tree/hist/evaluate_splits.h).
 *
 * A categorical split sends a SET S of categories right and every other category left
 * (tree.h): a row goes right when its code is in S. With K categories there are 2^(K-1)
 * sets; two families of them are searched, chosen by the feature's category count K
 * (its largest code + 1, XGBoost's count):
 *
 * One-hot (K < max_cat_to_onehot, default 4): S = {c} for each single category c —
 * "c versus the rest", what a one-hot encoded column allows. Missing values (gradient
 * sums G_m, H_m = node total minus the feature's categories) are tried on both sides:
 *     right = (G_c, H_c)              left = rest + missing   (default left)
 *     right = (G_c + G_m, H_c + H_m)  left = rest             (default right)
 *
 * Partition (K >= max_cat_to_onehot): for squared loss the best binary partition of
 * categories is contiguous once the categories are ordered by their mean response
 * (Fisher 1958); for a second-order boosting objective the analogue of the mean is the
 * optimal leaf weight of the category alone,
 *     w_c = -T(G_c) / (H_c + lambda)       (0 when H_c < min_child_weight; split.h)
 * so the categories are sorted by w_c (ascending; ties by code) and only the K - 1
 * prefixes of that order are scored, in O(K log K) instead of O(2^K). Two scans, as
 * XGBoost's EnumeratePart:
 *     forward:  S = the first k categories,        missing goes left  (k = 1 .. n-1)
 *     backward: left = the last k categories, S = the others plus missing goes right
 * where n = min(max_cat_threshold, number of categories): max_cat_threshold (default 64)
 * caps how many categories a scan moves to the side it fills, so the forward scan
 * makes sets of at most n-1 categories and the backward one leaves at most n-1 on the
 * left. Each candidate is scored as any split (split.h):
 *     loss_chg = score(G_L, H_L) + score(G_R, H_R) - score(G, H),
 * valid when both sides have H >= min_child_weight.
 *
 * The categories are the codes 0 .. K-1, as XGBoost's bins are: the sums of a code
 * come from its bin (binning_categorical.c), and a code with no rows in this node —
 * or none in training at all — has G_c = H_c = 0, weight 0, and takes part in the
 * scans like any other, exactly as in XGBoost. The chosen split records its kind and
 * the chosen code (one-hot) or prefix length (partition); split_categorical_set()
 * rebuilds the set from the same histogram when the split is applied (the sort is
 * deterministic), so no per-candidate memory is kept while nodes wait to be split. */
#include "split.h"

/* The feature's sums per category code 0 .. K-1, gathered from its byte columns
 * (chunks); codes without a bin get zeros. */
static void gather(const Cuts *cuts, const HistBin *hist, int f, HistBin *out, double *sum_g, double *sum_h) {
  const CatFeature *cf = &cuts->cat[f];
  double sg = 0, sh = 0;
  memset(out, 0, sizeof(HistBin) * cf->n_categories);
  for (int j = 0; j < cf->n_chunks; j++) {
    int col = cf->columns[j], nb = cuts->n_bins[col];
    const HistBin *hc = hist + cuts->offset[col];
    const int32_t *codes = cf->codes + j * CAT_CHUNK;
    for (int b = 0; b < nb; b++) {
      out[codes[b]] = hc[b];
      sg += hc[b].g; sh += hc[b].h;
    }
  }
  *sum_g = sg; *sum_h = sh;
}

/* The order of the partition scan: categories by their own leaf weight, ascending, ties
 * by code (XGBoost's stable sort of codes 0..K-1 by CalcWeightCat). Each category is one
 * 64-bit key, (order-preserving bits of the float weight) << 32 | code, so the order is
 * an integer sort: insertion sort for a few categories, else an LSD radix sort on the
 * weight bits (stable, and the keys start in code order, so ties stay by code). It runs
 * for every node and categorical feature; qsort with a comparator was 30% of training. */
static inline uint64_t weight_key(float w, int code) {
  w += 0.0f;                                  /* -0 and +0 are the same weight */
  uint32_t u; memcpy(&u, &w, 4);
  u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  return (uint64_t)u << 32 | (uint32_t)code;
}

static void rank(const Params *p, const HistBin *cats, int n, uint64_t *keys, uint64_t *tmp) {
  for (int c = 0; c < n; c++) keys[c] = weight_key((float)leaf_weight(p, cats[c].g, cats[c].h), c);
  if (n <= 64) {
    for (int i = 1; i < n; i++) {
      uint64_t k = keys[i];
      int j = i;
      while (j > 0 && keys[j - 1] > k) { keys[j] = keys[j - 1]; j--; }
      keys[j] = k;
    }
    return;
  }
  for (int shift = 32; shift < 64; shift += 8) {
    int count[256] = {0};
    for (int i = 0; i < n; i++) count[(keys[i] >> shift) & 255]++;
    for (int b = 0, sum = 0; b < 256; b++) { int c = count[b]; count[b] = sum; sum += c; }
    for (int i = 0; i < n; i++) tmp[count[(keys[i] >> shift) & 255]++] = keys[i];
    uint64_t *t = keys; keys = tmp; tmp = t;
  }
  /* four passes: the sorted keys are back in the caller's array */
}
#define KEY_CODE(k) ((int)((k) & 0xffffffffu))

static int use_one_hot(const Params *p, const CatFeature *cf) {
  return cf->n_categories < p->max_cat_to_onehot;
}

/* loss_chg rounded as the numeric candidates' (split.c split_loss_chg), as native's categorical enumeration rounds it:
 * in double, a categorical and a numeric candidate of one gain were ordered by rounding noise, not by feature order */
/* (nb: monotone constraints, or NULL; native applies a feature's constraint to its categorical splits too, the set
 * going right taking the place of the upper side) */
static inline void consider(const Params *p, const NodeBounds *nb, SplitInfo *best, float parent, int f, int kind, int bin, int dleft,
                            double GL, double HL, double G, double H) {
  double GR = G - GL, HR = H - HL;
  if (HL < p->min_child_weight || HR < p->min_child_weight) return;
  double chg = nb ? split_loss_chg_bounded(p, nb, f, GL, HL, GR, HR, parent) : split_loss_chg(p, GL, HL, GR, HR, parent);
  if (chg > best->loss_chg) {
    best->loss_chg = chg; best->feature = f; best->bin = bin; best->default_left = dleft; best->kind = kind;
    best->GL = GL; best->HL = HL; best->GR = GR; best->HR = HR;
  }
}

void split_categorical(const Params *p, const Cuts *cuts, const HistBin *hist, double G, double H,
                       float parent, const NodeBounds *nb, int f, SplitInfo *best) {
  const CatFeature *cf = &cuts->cat[f];
  int n = cf->n_categories;
  if (n < 1) return;
  HistBin *cats = xgb_alloc(sizeof(HistBin) * n);
  uint64_t *order = xgb_alloc(sizeof(uint64_t) * 2 * (size_t)n);
  /* out of memory: this feature is not split on (the message stays in xgb_last_error) */
  if (!cats || !order) { free(cats); free(order); return; }
  double sum_g, sum_h;
  gather(cuts, hist, f, cats, &sum_g, &sum_h);
  if (use_one_hot(p, cf)) {
    double Gm = G - sum_g, Hm = H - sum_h;   /* missing values */
    for (int c = 0; c < n; c++) {
      /* right = category c; left = the rest with missing, then right = c with missing */
      consider(p, nb, best, parent, f, SPLIT_ONE_HOT, c, 1, G - cats[c].g, H - cats[c].h, G, H);
      consider(p, nb, best, parent, f, SPLIT_ONE_HOT, c, 0, G - cats[c].g - Gm, H - cats[c].h - Hm, G, H);
    }
  } else {
    rank(p, cats, n, order, order + n);
    int scan = p->max_cat_threshold < n ? p->max_cat_threshold : n;
    /* forward: the first k categories go right, everything else (missing too) left */
    double GR = 0, HR = 0;
    for (int k = 1; k < scan; k++) {
      const HistBin *c = &cats[KEY_CODE(order[k - 1])];
      GR += c->g; HR += c->h;
      consider(p, nb, best, parent, f, SPLIT_PARTITION, k, 1, G - GR, H - HR, G, H);
    }
    /* backward: the last categories go left; the first k, and missing, go right */
    double GL = 0, HL = 0;
    for (int k = n - 1; k > n - scan; k--) {
      const HistBin *c = &cats[KEY_CODE(order[k])];
      GL += c->g; HL += c->h;
      consider(p, nb, best, parent, f, SPLIT_PARTITION, k, 0, GL, HL, G, H);
    }
  }
  free(cats); free(order);
}

int cat_set_words(const Cuts *cuts, int f) {
  int n = cuts->cat[f].n_categories;
  return n > 0 ? (n + 31) / 32 : 1;
}

int split_categorical_set(const Params *p, const Cuts *cuts, const HistBin *hist, const SplitInfo *s, uint32_t *words) {
  const CatFeature *cf = &cuts->cat[s->feature];
  memset(words, 0, sizeof(uint32_t) * cat_set_words(cuts, s->feature));
  if (s->kind == SPLIT_ONE_HOT) {
    words[s->bin >> 5] |= 1u << (s->bin & 31);
    return 0;
  }
  int n = cf->n_categories;
  HistBin *cats = xgb_alloc(sizeof(HistBin) * n);
  uint64_t *order = xgb_alloc(sizeof(uint64_t) * 2 * (size_t)n);
  if (!cats || !order) { free(cats); free(order); return -1; }
  double sum_g, sum_h;
  gather(cuts, hist, s->feature, cats, &sum_g, &sum_h);
  rank(p, cats, n, order, order + n);
  for (int k = 0; k < s->bin; k++) {
    int code = KEY_CODE(order[k]);
    words[code >> 5] |= 1u << (code & 31);
  }
  free(cats); free(order);
  return 0;
}
