/* Native test driver for the boosting core (wasm/csrc), built with gcc under
 * AddressSanitizer + UBSan by wasm/native/Makefile. It calls exactly the exported C API
 * (csrc/api.h) the TypeScript bindings call, on random data with NaNs and on edge cases,
 * and checks invariants that must hold for any correct booster:
 *   - every prediction is finite; probabilities are in [0, 1] and softprob rows sum to 1;
 *   - the training margins the core keeps equal bst_predict(output_margin) on the
 *     training data (the incremental update agrees with the predictor);
 *   - every tree is well formed (children in range, parents consistent, features < ncol);
 *   - predicting with tree ranges adds up: margin(0..a) + margin(a..n) − base = margin(0..n);
 *   - SHAP contributions (and Saabas') sum to the margin, interaction rows to the contributions;
 *   - same params + seed ⇒ bit-identical trees;
 *   - a fit on a binned matrix (qm_build + bst_train_begin_q) with all its rows is the fit
 *     bst_train_begin makes; a fit on a row subset keeps margins equal to bst_predict
 *     through the same row indexes (also after continued training on it); out-of-range
 *     row indexes are errors.
 *
 *   xgb_native test                         run every case (exit status 1 on a failure)
 *   xgb_native fuzz [N [SEED]]              N random parameter sets × random shapes/data
 *   xgb_native benchfile X.f32 y.f32 NROW NCOL NTRAIN ROUNDS POLICY
 *                                           bench/run.ts's row for the C core built natively (JSON line)
 *   xgb_native bench NROW NCOL ROUNDS [depthwise|lossguide|symmetric] [CAT_LEVELS]
 *                                           train on the synthetic bench formula (for callgrind);
 *                                           CAT_LEVELS > 0 makes column 0 categorical with that many codes
 *   xgb_native shapbench NROW NCOL ROUNDS POLICY EXPLAIN
 *                                           time SHAP contributions of EXPLAIN rows (shap.c)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <sys/resource.h>
#include "api.h"
#include "metric/metric.h" /* M_NDCG, M_MAP for the query groups check */
#include "common.h" /* the core's PRNG (rng_normal), checked against the normal distribution */

static int failures = 0, checks = 0;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

/* ---- a local PRNG (splitmix64), independent of the core's */
static uint64_t rs = 0x1234567;
static uint64_t rnext(void) {
  uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static double runif(void) { return (rnext() >> 11) * (1.0 / 9007199254740992.0); }
static double rnorm(void) { double u = runif() + 1e-300, v = runif(); return sqrt(-2 * log(u)) * cos(2 * M_PI * v); }

/* ---- parameters: XGBoost defaults in ParamId order */
typedef struct { double v[P_COUNT]; } P;
static P defaults(void) {
  P p;
  memset(&p, 0, sizeof p);
  p.v[P_OBJECTIVE] = OBJ_SQUARED_ERROR; p.v[P_NUM_CLASS] = 0; p.v[P_ETA] = 0.3; p.v[P_GAMMA] = 0;
  p.v[P_MIN_CHILD_WEIGHT] = 1; p.v[P_LAMBDA] = 1; p.v[P_ALPHA] = 0; p.v[P_MAX_DELTA_STEP] = 0;
  p.v[P_MAX_DEPTH] = 6; p.v[P_MAX_LEAVES] = 0; p.v[P_GROW_POLICY] = GROW_DEPTHWISE; p.v[P_SUBSAMPLE] = 1;
  p.v[P_COLSAMPLE_BYTREE] = 1; p.v[P_COLSAMPLE_BYLEVEL] = 1; p.v[P_COLSAMPLE_BYNODE] = 1; p.v[P_MAX_BIN] = 256;
  p.v[P_SEED] = 0; p.v[P_NUM_PARALLEL_TREE] = 1; p.v[P_BASE_SCORE] = NAN; p.v[P_HUBER_SLOPE] = 1;
  p.v[P_RANDOM_STRENGTH] = 0; p.v[P_BOOTSTRAP_TYPE] = BOOT_NO; p.v[P_BAGGING_TEMPERATURE] = 1;
  p.v[P_MAX_CAT_TO_ONEHOT] = 4; p.v[P_MAX_CAT_THRESHOLD] = 64; p.v[P_SCALE_POS_WEIGHT] = 1; p.v[P_TWEEDIE_VARIANCE_POWER] = 1.5;
  p.v[P_AFT_LOSS_DISTRIBUTION] = AFT_NORMAL; p.v[P_AFT_LOSS_DISTRIBUTION_SCALE] = 1;
  p.v[P_NUM_PAIRSAMPLE] = 1; p.v[P_FIX_LIST_WEIGHT] = 0;
  return p;
}

/* hi: survival:aft's upper bounds (y holds the lower ones), else NULL */
typedef struct { float *X, *y, *w; int nrow, ncol; uint8_t *types; float *hi; } Data;

/* a fit begun (rc 0) on d gets d's upper bounds, as the bindings give survival:aft's after bst_train_begin(_q) */
static int with_upper(Booster *b, const Data *d, int rc) { return rc == 0 && d->hi ? bst_train_set_upper(b, d->hi) : rc; }

static Data make_data(int nrow, int ncol, double nan_rate, int objective, int num_class) {
  Data d = { malloc(sizeof(float) * (size_t)nrow * ncol + 4), malloc(sizeof(float) * nrow + 4), NULL, nrow, ncol, NULL };
  for (int i = 0; i < nrow; i++) {
    float *x = d.X + (size_t)i * ncol;
    for (int j = 0; j < ncol; j++) x[j] = (float)(j % 4 == 3 ? floor(runif() * 5) : runif() * 4 - 2);
    double t = 2 * sin(x[0] * 1.3) + (ncol > 1 ? x[1] * x[1] : 0) - (ncol > 2 ? x[2] : 0) + 0.3 * rnorm();
    for (int j = 0; j < ncol; j++) if (runif() < nan_rate) x[j] = NAN;
    switch (objective) {
      case OBJ_BINARY_LOGISTIC: d.y[i] = t > 0.8f; break;
      case OBJ_MULTI_SOFTPROB: case OBJ_MULTI_SOFTMAX: {
        int c = (int)floor((t + 3) / 8 * num_class);
        d.y[i] = (float)(c < 0 ? 0 : c >= num_class ? num_class - 1 : c);
        break;
      }
      case OBJ_COUNT_POISSON: d.y[i] = (float)floor(exp(0.3 * t)); break;
      /* the labels each takes: > 0 (gamma), >= 0 with zeros (tweedie, squared log error), [0, 1] (logistic family,
       * hinge's classes) */
      case OBJ_GAMMA: d.y[i] = (float)exp(0.3 * t); break;
      case OBJ_TWEEDIE: case OBJ_SQUARED_LOG_ERROR: d.y[i] = t > 0 ? (float)(t * t) : 0.0f; break;
      case OBJ_REG_LOGISTIC: d.y[i] = (float)(1.0 / (1.0 + exp(-t))); break;
      case OBJ_BINARY_LOGITRAW: case OBJ_BINARY_HINGE: d.y[i] = t > 0.8f; break;
      /* times on a 0.1 grid (ties), 30 % right-censored (negative) */
      case OBJ_SURVIVAL_COX: d.y[i] = (float)((runif() < 0.3 ? -1 : 1) * fmax(0.1, round(exp(0.3 * t) * 10) / 10)); break;
      /* exact, right-censored (+inf), left-censored (0) and interval bounds */
      case OBJ_SURVIVAL_AFT: {
        if (!d.hi) d.hi = malloc(sizeof(float) * nrow + 4);
        double tm = exp(0.3 * t), u = runif();
        d.y[i] = u < 0.65 ? (float)tm : u < 0.8 ? 0.0f : (float)(tm * 0.7);
        d.hi[i] = u < 0.4 ? (float)tm : u < 0.65 ? INFINITY : (float)(tm * 1.4);
        break;
      }
      /* relevance degrees 0..3 (rank:ndcg's gains read them as integers) */
      case OBJ_RANK_PAIRWISE: case OBJ_RANK_NDCG: case OBJ_RANK_MAP: d.y[i] = (float)(t > 2 ? 3 : t > 1 ? 2 : t > 0 ? 1 : 0); break;
      default: d.y[i] = (float)t;
    }
  }
  return d;
}

static void free_data(Data *d) { free(d->X); free(d->y); free(d->w); free(d->types); free(d->hi); }

/* Makes the first n_cat columns categorical: codes 0..levels-1 (skewed towards low codes)
 * with NaNs; column 0's code moves the label by a random effect (regression) or, for
 * half the rows, decides it (classification), so its splits are worth taking. */
static void make_categorical(Data *d, int n_cat, int levels, double nan_rate, int objective, int num_class) {
  d->types = calloc(d->ncol, 1);
  double eff[4096];
  for (int c = 0; c < 4096; c++) eff[c] = 2 * rnorm();
  for (int j = 0; j < n_cat && j < d->ncol; j++) {
    d->types[j] = 1;
    for (int i = 0; i < d->nrow; i++) {
      int code = (int)(levels * pow(runif(), 1.5));
      if (code >= levels) code = levels - 1;
      int missing = runif() < nan_rate;
      d->X[(size_t)i * d->ncol + j] = missing ? NAN : (float)code;
      if (j != 0 || missing) continue;
      switch (objective) {
        case OBJ_BINARY_LOGISTIC: if (runif() < 0.5) d->y[i] = eff[code % 4096] > 0; break;
        case OBJ_MULTI_SOFTPROB: case OBJ_MULTI_SOFTMAX: if (runif() < 0.5) d->y[i] = (float)(code % num_class); break;
        case OBJ_COUNT_POISSON: break;
        default: d->y[i] += (float)eff[code % 4096];
      }
    }
  }
}

static int groups(const P *p) {
  int o = (int)p->v[P_OBJECTIVE];
  return (o == OBJ_MULTI_SOFTPROB || o == OBJ_MULTI_SOFTMAX) ? (int)p->v[P_NUM_CLASS] : 1;
}

static void check_trees(Booster *b, int ncol, const char *name) {
  int nt = bst_num_trees(b);
  for (int t = 0; t < nt; t++) {
    int n = bst_tree_num_nodes(b, t);
    const int32_t *left = bst_tree_array(b, t, 0), *right = bst_tree_array(b, t, 1), *parent = bst_tree_array(b, t, 2);
    const int32_t *feat = bst_tree_array(b, t, 3);
    const float *cond = bst_tree_array(b, t, 4);
    const uint8_t *type = bst_tree_array(b, t, 9);
    const int32_t *cat_begin = bst_tree_array(b, t, 10), *cat_size = bst_tree_array(b, t, 11);
    int n_words = bst_tree_num_cat_words(b, t);
    CHECK(n >= 1, "%s tree %d: %d nodes", name, t, n);
    for (int i = 0; i < n; i++) {
      if (type[i] == 1) {
        CHECK(left[i] != -1 && cat_size[i] >= 1 && cat_begin[i] >= 0 && cat_begin[i] + cat_size[i] <= n_words,
              "%s tree %d node %d: category set [%d, +%d) of %d words", name, t, i, cat_begin[i], cat_size[i], n_words);
        int any = 0;
        for (int w = 0; w < cat_size[i] && cat_begin[i] + w < n_words; w++) any |= bst_tree_cat_words(b, t)[cat_begin[i] + w] != 0;
        CHECK(any, "%s tree %d node %d: empty category set", name, t, i);
      } else {
        CHECK(type[i] == 0, "%s tree %d node %d: split type %d", name, t, i, type[i]);
      }
      CHECK(isfinite(cond[i]), "%s tree %d node %d: condition/leaf %g", name, t, i, cond[i]);
      if (left[i] == -1) { CHECK(right[i] == -1, "%s tree %d node %d: half leaf", name, t, i); continue; }
      CHECK(left[i] > i && left[i] < n && right[i] > i && right[i] < n && left[i] != right[i],
            "%s tree %d node %d: children %d %d of %d nodes", name, t, i, left[i], right[i], n);
      if (left[i] > 0 && left[i] < n) CHECK(parent[left[i]] == i, "%s tree %d: parent of %d is %d, not %d", name, t, left[i], parent[left[i]], i);
      if (right[i] > 0 && right[i] < n) CHECK(parent[right[i]] == i, "%s tree %d: parent of %d is %d, not %d", name, t, right[i], parent[right[i]], i);
      CHECK(feat[i] >= 0 && feat[i] < ncol, "%s tree %d node %d: feature %d of %d", name, t, i, feat[i], ncol);
    }
  }
}

/* train `rounds` rounds; returns the booster (NULL and a message on failure) */
static int park_between_rounds = 0; /* train(): park the fit before every round (bst_train_park) */
/* train(): constraints for the booster (bst_set_monotone / bst_set_interactions) when set */
static const int8_t *with_monotone; static int n_with_monotone;
static const int32_t *with_group_features, *with_group_begin; static int n_with_groups, with_interactions;
static Booster *train(const P *p, const Data *d, int rounds, const char *name, int expect_ok) {
  Booster *b = bst_create();
  bst_set_params(b, p->v);
  if (with_monotone) CHECK(bst_set_monotone(b, with_monotone, n_with_monotone) == 0, "%s: monotone: %s", name, xgb_last_error());
  if (with_interactions) CHECK(bst_set_interactions(b, 1, with_group_features, with_group_begin, n_with_groups) == 0, "%s: interactions: %s", name, xgb_last_error());
  if (d->types) CHECK(bst_set_feature_types(b, d->types, d->ncol) == 0, "%s: feature types: %s", name, xgb_last_error());
  int rc = with_upper(b, d, bst_train_begin(b, d->X, d->nrow, d->ncol, d->y, d->w, p->v[P_BASE_SCORE]));
  for (int it = 0; rc == 0 && it < rounds; it++) {
    if (park_between_rounds) bst_train_park(b);
    rc = bst_boost_round(b, it, rounds);
  }
  if (rc != 0) {
    if (expect_ok) CHECK(0, "%s: training failed: %s", name, xgb_last_error());
    bst_free(b);
    return NULL;
  }
  int k = groups(p);
  /* the kept training margins agree with the predictor */
  float *kept = bst_train_margin(b);
  float *pm = malloc(sizeof(float) * (size_t)d->nrow * k + 4);
  CHECK(bst_predict(b, d->X, NULL, d->nrow, d->ncol, NULL, d->nrow, 0, bst_num_trees(b), 1, pm) == 0, "%s: predict failed: %s", name, xgb_last_error());
  double worst = 0;
  for (size_t i = 0; i < (size_t)d->nrow * k; i++) {
    double diff = fabs((double)kept[i] - pm[i]) / fmax(1.0, fabs(pm[i]));
    if (diff > worst) worst = diff;
  }
  CHECK(worst <= 1e-4, "%s: kept training margins differ from predict(output_margin) by %g", name, worst);
  /* the training matrix's bins alone predict and explain the same, bit for bit (qmatrix.h: decoding) */
  QMatrix *qm = qm_build(d->X, d->nrow, d->ncol, d->w, (int)p->v[P_MAX_BIN], d->types);
  CHECK(qm != NULL, "%s: qm_build: %s", name, xgb_last_error());
  if (qm) {
    float *dm = malloc(sizeof(float) * (size_t)d->nrow * k + 4);
    CHECK(bst_check_decode(b, qm, 0, -1) == 0, "%s: a model trained on these bins splits off its cuts: %s", name, xgb_last_error());
    CHECK(bst_predict(b, NULL, qm, d->nrow, d->ncol, NULL, d->nrow, 0, bst_num_trees(b), 1, dm) == 0, "%s: predict from bins: %s", name, xgb_last_error());
    CHECK(memcmp(dm, pm, sizeof(float) * (size_t)d->nrow * k) == 0, "%s: predictions from the bins differ from those on the floats", name);
    int rows = d->nrow < 50 ? d->nrow : 50, W = d->ncol + 1;
    size_t nc = (size_t)rows * k * W;
    float *cx = malloc(sizeof(float) * nc + 4), *cq = malloc(sizeof(float) * nc + 4);
    CHECK(bst_predict_contribs(b, d->X, NULL, d->nrow, d->ncol, NULL, rows, -1, 0, cx) == 0, "%s: contributions: %s", name, xgb_last_error());
    CHECK(bst_predict_contribs(b, NULL, qm, d->nrow, d->ncol, NULL, rows, -1, 0, cq) == 0, "%s: contributions from bins: %s", name, xgb_last_error());
    CHECK(memcmp(cx, cq, sizeof(float) * nc) == 0, "%s: contributions from the bins differ from those on the floats", name);
    free(cx); free(cq); free(dm);
    qm_free(qm);
  }
  free(pm);
  bst_train_end(b);
  check_trees(b, d->ncol, name);
  return b;
}

static void check_predictions(Booster *b, const P *p, const Data *d, const char *name) {
  int k = groups(p), obj = (int)p->v[P_OBJECTIVE], nt = bst_num_trees(b);
  size_t n = (size_t)d->nrow * k;
  float *out = malloc(sizeof(float) * n + 4), *m0 = malloc(sizeof(float) * n + 4), *m1 = malloc(sizeof(float) * n + 4), *m2 = malloc(sizeof(float) * n + 4);
  CHECK(bst_predict(b, d->X, NULL, d->nrow, d->ncol, NULL, d->nrow, 0, nt, 0, out) == 0, "%s: predict: %s", name, xgb_last_error());
  size_t width = obj == OBJ_MULTI_SOFTMAX ? (size_t)d->nrow : n;
  for (size_t i = 0; i < width; i++) CHECK(isfinite(out[i]), "%s: prediction %zu is %g", name, i, out[i]);
  if (obj == OBJ_BINARY_LOGISTIC || obj == OBJ_MULTI_SOFTPROB)
    for (size_t i = 0; i < n; i++) CHECK(out[i] >= 0 && out[i] <= 1, "%s: probability %zu is %g", name, i, out[i]);
  if (obj == OBJ_MULTI_SOFTPROB)
    for (int r = 0; r < d->nrow; r++) {
      double s = 0;
      for (int c = 0; c < k; c++) s += out[(size_t)r * k + c];
      CHECK(fabs(s - 1) < 1e-4, "%s: softprob row %d sums to %g", name, r, s);
    }
  if (obj == OBJ_MULTI_SOFTMAX)
    for (int r = 0; r < d->nrow; r++) CHECK(out[r] >= 0 && out[r] < k && out[r] == floorf(out[r]), "%s: class id %g", name, out[r]);
  if (obj == OBJ_COUNT_POISSON || obj == OBJ_GAMMA || obj == OBJ_TWEEDIE || obj == OBJ_SURVIVAL_COX || obj == OBJ_SURVIVAL_AFT) for (size_t i = 0; i < n; i++) CHECK(out[i] > 0, "%s: mean %g", name, out[i]);
  if (obj == OBJ_REG_LOGISTIC) for (size_t i = 0; i < n; i++) CHECK(out[i] >= 0 && out[i] <= 1, "%s: probability %zu is %g", name, i, out[i]);
  if (obj == OBJ_BINARY_HINGE) for (size_t i = 0; i < n; i++) CHECK(out[i] == 0 || out[i] == 1, "%s: class %zu is %g", name, i, out[i]);
  /* tree ranges add up */
  int a = nt / 2;
  bst_predict(b, d->X, NULL, d->nrow, d->ncol, NULL, d->nrow, 0, nt, 1, m0);
  bst_predict(b, d->X, NULL, d->nrow, d->ncol, NULL, d->nrow, 0, a, 1, m1);
  bst_predict(b, d->X, NULL, d->nrow, d->ncol, NULL, d->nrow, a, nt, 1, m2);
  float base = (float)bst_base_margin(b);
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    double diff = fabs((double)m1[i] + m2[i] - base - m0[i]) / fmax(1.0, fabs(m0[i]));
    if (diff > worst) worst = diff;
  }
  CHECK(worst < 1e-4, "%s: tree ranges do not add up (%g)", name, worst);
  /* SHAP: contributions + bias = margin, for TreeSHAP and Saabas; each row of the
   * interaction matrix sums to that feature's contribution (the first rows); the rows
   * alone (by the recursion) and in the whole batch (by pattern tables) agree */
  int rows = d->nrow < 40 ? d->nrow : 40, W = d->ncol + 1;
  float *c = malloc(sizeof(float) * (size_t)rows * k * W + 4), *ia = malloc(sizeof(float) * (size_t)rows * k * W * W + 4);
  float *all = malloc(sizeof(float) * (size_t)d->nrow * k * W + 4);
  CHECK(bst_predict_contribs(b, d->X, NULL, d->nrow, d->ncol, NULL, d->nrow, nt, 0, all) == 0, "%s: contributions: %s", name, xgb_last_error());
  for (int approx = 0; approx <= 1; approx++) {
    CHECK(bst_predict_contribs(b, d->X, NULL, rows, d->ncol, NULL, rows, nt, approx, c) == 0, "%s: contributions: %s", name, xgb_last_error());
    if (!approx) {
      double worst_batch = 0;
      for (size_t i = 0; i < (size_t)rows * k * W; i++) worst_batch = fmax(worst_batch, fabs(c[i] - all[i]) / fmax(1.0, fabs(c[i])));
      CHECK(worst_batch < 1e-5, "%s: contributions of rows alone and in a batch differ (%g)", name, worst_batch);
    }
    CHECK(bst_predict_interactions(b, d->X, NULL, rows, d->ncol, NULL, rows, nt, approx, ia) == 0, "%s: interactions: %s", name, xgb_last_error());
    double worst_sum = 0, worst_row = 0;
    for (int r = 0; r < rows; r++)
      for (int g = 0; g < k; g++) {
        const float *cr = c + ((size_t)r * k + g) * W;
        double s = 0;
        for (int j = 0; j < W; j++) {
          s += cr[j];
          double t = 0;
          for (int i = 0; i < W; i++) t += ia[(((size_t)r * k + g) * W + j) * W + i];
          worst_row = fmax(worst_row, fabs(t - cr[j]) / fmax(1.0, fabs(m0[(size_t)r * k + g])));
        }
        worst_sum = fmax(worst_sum, fabs(s - m0[(size_t)r * k + g]) / fmax(1.0, fabs(m0[(size_t)r * k + g])));
      }
    CHECK(worst_sum < 1e-5, "%s: %s contributions do not sum to the margin (%g)", name, approx ? "Saabas" : "SHAP", worst_sum);
    CHECK(worst_row < 1e-5, "%s: interaction rows do not sum to the contributions (%g)", name, worst_row);
  }
  free(c); free(ia); free(all);
  free(out); free(m0); free(m1); free(m2);
}

static int same_model(Booster *a, Booster *b) {
  if (bst_num_trees(a) != bst_num_trees(b)) return 0;
  for (int t = 0; t < bst_num_trees(a); t++) {
    int n = bst_tree_num_nodes(a, t);
    if (n != bst_tree_num_nodes(b, t)) return 0;
    for (int w = 0; w <= 7; w++)
      if (memcmp(bst_tree_array(a, t, w), bst_tree_array(b, t, w), (size_t)n * 4)) return 0;
    if (memcmp(bst_tree_array(a, t, 8), bst_tree_array(b, t, 8), (size_t)n)) return 0;
    if (memcmp(bst_tree_array(a, t, 9), bst_tree_array(b, t, 9), (size_t)n)) return 0;
    for (int w = 10; w <= 11; w++)
      if (memcmp(bst_tree_array(a, t, w), bst_tree_array(b, t, w), (size_t)n * 4)) return 0;
    int nw = bst_tree_num_cat_words(a, t);
    if (nw != bst_tree_num_cat_words(b, t) || (nw && memcmp(bst_tree_cat_words(a, t), bst_tree_cat_words(b, t), (size_t)nw * 4))) return 0;
  }
  return 1;
}

/* Fits through a QMatrix (qmatrix.h): all rows (must equal `whole`, trained by
 * bst_train_begin), then a permuted subset of the rows, checked against bst_predict
 * through the same indexes. */
static void check_views(const P *p, const Data *d, int rounds, Booster *whole, const char *name) {
  QMatrix *qm = qm_build(d->X, d->nrow, d->ncol, d->w, (int)p->v[P_MAX_BIN], d->types);
  CHECK(qm != NULL, "%s: qm_build: %s", name, xgb_last_error());
  if (!qm) return;
  int k = groups(p), n = (d->nrow + 1) / 2;
  int32_t *rows = malloc(sizeof(int32_t) * (size_t)n);
  for (int i = 0; i < n; i++) rows[i] = (int32_t)((d->nrow - 1 - 2 * i + d->nrow) % d->nrow);
  for (int pass = 0; pass < 2; pass++) {
    Booster *b = bst_create();
    bst_set_params(b, p->v);
    if (d->types) bst_set_feature_types(b, d->types, d->ncol);
    int m = pass ? n : d->nrow;
    int rc = with_upper(b, d, bst_train_begin_q(b, qm, d->X, d->y, d->w, pass ? rows : NULL, m, p->v[P_BASE_SCORE]));
    for (int it = 0; rc == 0 && it < rounds; it++) rc = bst_boost_round(b, it, rounds);
    if (rc == 0) {
      /* the same fit parked between rounds (its working memory freed and rebuilt): the same model */
      Booster *parked = bst_create();
      bst_set_params(parked, p->v);
      if (d->types) bst_set_feature_types(parked, d->types, d->ncol);
      int rp = with_upper(parked, d, bst_train_begin_q(parked, qm, d->X, d->y, d->w, pass ? rows : NULL, m, p->v[P_BASE_SCORE]));
      for (int it = 0; rp == 0 && it < rounds; it++) {
        bst_train_park(parked);
        rp = bst_boost_round(parked, it, rounds);
      }
      CHECK(rp == 0, "%s: a parked fit failed: %s", name, xgb_last_error());
      if (rp == 0) CHECK(same_model(b, parked), "%s: parking the fit between rounds changed the model (%s)", name, pass ? "row subset" : "all rows");
      bst_free(parked);
    }
    if (rc == 0 && pass) {
      /* continued training on the subset: the new fit starts from the trees' margins, read through rows */
      bst_train_end(b);
      rc = with_upper(b, d, bst_train_begin_q(b, qm, d->X, d->y, d->w, rows, m, p->v[P_BASE_SCORE]));
      for (int it = 0; rc == 0 && it < 2; it++) rc = bst_boost_round(b, it, 2);
    }
    CHECK(rc == 0, "%s: training on a QMatrix failed: %s", name, xgb_last_error());
    if (rc == 0 && !pass) CHECK(same_model(b, whole), "%s: bst_train_begin_q on all rows differs from bst_train_begin", name);
    if (rc == 0 && pass) {
      float *pm = malloc(sizeof(float) * (size_t)m * k + 4), *kept = bst_train_margin(b);
      CHECK(bst_predict(b, d->X, NULL, d->nrow, d->ncol, rows, m, 0, bst_num_trees(b), 1, pm) == 0, "%s: predict through rows: %s", name, xgb_last_error());
      double worst = 0;
      for (size_t i = 0; i < (size_t)m * k; i++) worst = fmax(worst, fabs((double)kept[i] - pm[i]) / fmax(1.0, fabs(pm[i])));
      CHECK(worst <= 1e-4, "%s: a row subset's kept margins differ from predict through its rows by %g", name, worst);
      free(pm);
    }
    bst_free(b);
  }
  rows[n - 1] = d->nrow;
  Booster *b = bst_create();
  bst_set_params(b, p->v);
  if (d->types) bst_set_feature_types(b, d->types, d->ncol);
  CHECK(bst_train_begin_q(b, qm, d->X, d->y, d->w, rows, n, p->v[P_BASE_SCORE]) < 0, "%s: a row index past the matrix was accepted", name);
  /* codes are bytes: more than 256 bins is refused, not wrapped */
  CHECK(qm_build(d->X, d->nrow, d->ncol, d->w, 257, d->types) == NULL, "%s: qm_build accepted max_bin 257", name);
  float out[8];
  CHECK(bst_predict(whole, d->X, NULL, d->nrow, d->ncol, rows + n - 1, 1, 0, bst_num_trees(whole), 1, out) < 0, "%s: predict through a row index past the matrix succeeded", name);
  bst_free(b);
  free(rows);
  qm_free(qm);
}

static void run_case(const char *name, P p, Data *d, int rounds) {
  Booster *b = train(&p, d, rounds, name, 1);
  if (!b) return;
  check_predictions(b, &p, d, name);
  /* data the model has not seen, with many NaNs and fully missing rows */
  Data t = make_data(97, d->ncol, 0.4, OBJ_SQUARED_ERROR, 2);
  for (int j = 0; j < d->ncol; j++) t.X[j] = NAN;
  check_predictions(b, &p, &t, name);
  free_data(&t);
  Booster *b2 = train(&p, d, rounds, name, 1);
  if (b2) CHECK(same_model(b, b2), "%s: same params + seed gave a different model", name);
  bst_free(b2);
  check_views(&p, d, rounds, b, name);
  bst_free(b);
  fprintf(stderr, ".");
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The core's normal draws (rng_normal: the symmetric grower's split noise) against the standard normal's CDF
 * Φ(x) = erfc(-x / √2) / 2 from the C library: the Kolmogorov–Smirnov distance of 10^6 draws under its 0.1 %
 * critical value 1.95 / √n, mean and variance within 5 standard errors, and the shares beyond ±3, beyond the
 * ziggurat's base layer (±3.654) and beyond ±4.5, and in ten bands of the body, each within 5 standard errors of the
 * CDF's. The draws are a fixed seed's, so the check is deterministic; a sampler with a wrong scale, a lost sign, a
 * wrong tail, a wedge test that keeps too many points, or a layer chosen from the bits that also make the uniform
 * fails it (each tried). Reseeding starts the stream over: the same draws, bit for bit. */
static void check_normal_draws(void) {
  enum { N = 1000000 };
  double *z = malloc(sizeof(double) * N);
  CHECK(z != NULL, "normal draws: out of memory");
  if (!z) return;
  Rng r;
  rng_seed(&r, 42);
  double sum = 0, sq = 0;
  int beyond3 = 0;
  for (int i = 0; i < N; i++) {
    z[i] = rng_normal(&r);
    sum += z[i]; sq += z[i] * z[i];
    beyond3 += fabs(z[i]) > 3;
  }
  /* the draws beyond ±3.6541528853610088, the ziggurat's base layer (its tail method), and far in it beyond ±4.5; and
   * within each of ten bands of the body, where its layers and wedges meet: every share within 5 standard errors */
  const double edges[] = { 3.6541528853610088, 4.5 };
  for (int e = 0; e < 2; e++) {
    int n = 0;
    for (int i = 0; i < N; i++) n += fabs(z[i]) > edges[e];
    double want = erfc(edges[e] / sqrt(2.0)), se = sqrt(want * (1 - want) / N);
    CHECK(fabs((double)n / N - want) < 5 * se + 1.0 / N, "normal draws: %g beyond ±%g, want %g", (double)n / N, edges[e], want);
  }
  for (int band = 0; band < 10; band++) {
    double lo = band * 0.35, hi = lo + 0.35;
    int n = 0;
    for (int i = 0; i < N; i++) n += fabs(z[i]) >= lo && fabs(z[i]) < hi;
    double want = erfc(lo / sqrt(2.0)) - erfc(hi / sqrt(2.0)), se = sqrt(want * (1 - want) / N);
    CHECK(fabs((double)n / N - want) < 5 * se, "normal draws: %g within %g ≤ |z| < %g, want %g", (double)n / N, lo, hi, want);
  }
  double mean = sum / N, var = sq / N - mean * mean;
  CHECK(fabs(mean) < 5 / sqrt(N), "normal draws: mean %g", mean);
  CHECK(fabs(var - 1) < 5 * sqrt(2.0 / N), "normal draws: variance %g", var);
  double tail = erfc(3 / sqrt(2.0)) /* 2 (1 − Φ(3)) */, tail_se = sqrt(tail * (1 - tail) / N);
  CHECK(fabs((double)beyond3 / N - tail) < 5 * tail_se, "normal draws: %g beyond ±3, want %g", (double)beyond3 / N, tail);
  qsort(z, N, sizeof(double), cmp_double);
  double ks = 0;
  for (int i = 0; i < N; i++) {
    double cdf = 0.5 * erfc(-z[i] / sqrt(2.0));
    double d = fmax(fabs(cdf - (double)i / N), fabs((double)(i + 1) / N - cdf));
    if (d > ks) ks = d;
  }
  CHECK(ks < 1.95 / sqrt(N), "normal draws: Kolmogorov–Smirnov distance %g (0.1 %% critical value %g)", ks, 1.95 / sqrt(N));
  Rng a, b, fresh;
  rng_seed(&a, 7); rng_seed(&b, 7);
  int same = 1;
  for (int i = 0; i < 1001; i++) same &= rng_normal(&a) == rng_normal(&b);
  CHECK(same, "normal draws: the same seed gave different draws");
  /* reseeding after an odd count of draws starts the stream over */
  rng_seed(&a, 7);
  rng_seed(&fresh, 7);
  CHECK(rng_normal(&a) == rng_normal(&fresh) && rng_normal(&a) == rng_normal(&fresh), "normal draws: a reseeded stream is not a fresh one's");
  free(z);
}

/* rank:*'s query groups (bst_train_query_groups): groups that do not cover the fit's rows from row 0, or end before
 * they begin, or a negative group weight, are refused; an empty group and group weights train, with finite margins
 * and the same model twice; the metrics read the same groups. */
static void test_query_groups(void) {
  Data d = make_data(300, 5, 0.05, OBJ_RANK_NDCG, 0);
  const int32_t bad_end[] = { 0, 100, 299 }, bad_order[] = { 0, 120, 100, 300 }, ptr[] = { 0, 100, 100, 250, 300 };
  const float bad_w[] = { 1, -1, 1, 1 }, w[] = { 1, 0.5f, 2, 1 };
  Booster *kept = NULL;
  for (int run = 0; run < 2; run++) {
    P p = defaults();
    p.v[P_OBJECTIVE] = OBJ_RANK_NDCG; p.v[P_NUM_PAIRSAMPLE] = 2; p.v[P_FIX_LIST_WEIGHT] = 5;
    Booster *b = bst_create();
    bst_set_params(b, p.v);
    CHECK(bst_train_query_groups(b, ptr, w, 4) < 0, "query groups outside training were accepted");
    CHECK(bst_train_begin(b, d.X, d.nrow, d.ncol, d.y, NULL, NAN) == 0, "rank:ndcg begin: %s", xgb_last_error());
    CHECK(bst_train_query_groups(b, bad_end, NULL, 2) < 0, "groups short of the rows were accepted");
    CHECK(bst_train_query_groups(b, bad_order, NULL, 3) < 0, "a group ending before it begins was accepted");
    CHECK(bst_train_query_groups(b, ptr, bad_w, 4) < 0, "a negative group weight was accepted");
    CHECK(bst_train_query_groups(b, ptr, w, 4) == 0, "query groups: %s", xgb_last_error());
    for (int r = 0; r < 4; r++) {
      CHECK(bst_boost_round(b, r, 4) == 0, "rank:ndcg round %d: %s", r, xgb_last_error());
      if (r == 1) bst_train_park(b); /* the groups outlive a park */
    }
    const float *m = bst_train_margin(b);
    for (int i = 0; i < d.nrow; i++) CHECK(isfinite(m[i]), "rank:ndcg margin %d is %g", i, m[i]);
    double ndcg = bst_eval(b, M_NDCG, 3, m, d.y, NULL, NULL, d.nrow, ptr, 4, NULL, 0),
           map = bst_eval(b, M_MAP, 4294967295.0, m, d.y, NULL, NULL, d.nrow, ptr, 4, NULL, 1),
           pre = bst_eval(b, M_PRE, 3, m, d.y, NULL, NULL, d.nrow, ptr, 4, NULL, 0),
           auc = bst_eval(b, M_AUC, 0.5, m, d.y, NULL, NULL, d.nrow, ptr, 4, w, 0);
    CHECK(ndcg > 0 && ndcg <= 1 && map >= 0 && map <= 1, "ndcg@3 %g, map- %g", ndcg, map);
    CHECK(pre >= 0 && pre <= 1 && auc >= 0 && auc <= 1, "pre@3 %g, auc by query %g", pre, auc);
    bst_train_end(b);
    if (run == 0) kept = b;
    else { CHECK(same_model(kept, b), "rank:ndcg with groups: the same fit twice differs"); bst_free(kept); bst_free(b); }
  }
  free_data(&d);
}

static int test_all(void) {
  const int objs[] = { OBJ_SQUARED_ERROR, OBJ_ABSOLUTE_ERROR, OBJ_PSEUDO_HUBER, OBJ_BINARY_LOGISTIC, OBJ_MULTI_SOFTPROB, OBJ_MULTI_SOFTMAX, OBJ_COUNT_POISSON,
                        OBJ_GAMMA, OBJ_TWEEDIE, OBJ_SQUARED_LOG_ERROR, OBJ_REG_LOGISTIC, OBJ_BINARY_LOGITRAW, OBJ_BINARY_HINGE,
                        OBJ_SURVIVAL_COX, OBJ_SURVIVAL_AFT, OBJ_SURVIVAL_AFT, OBJ_SURVIVAL_AFT,
                        OBJ_RANK_PAIRWISE, OBJ_RANK_NDCG, OBJ_RANK_MAP };
  const char *obj_names[] = { "squarederror", "absoluteerror", "pseudohuber", "logistic", "softprob", "softmax", "poisson",
                              "gamma", "tweedie", "squaredlogerror", "reglogistic", "logitraw", "hinge",
                              "cox", "aft-normal", "aft-logistic", "aft-extreme",
                              "rankpairwise", "rankndcg", "rankmap" };
  const char *pol_names[] = { "depthwise", "lossguide", "symmetric" };
  char name[256];
  for (int o = 0; o < (int)(sizeof objs / sizeof *objs); o++) {
    for (int g = 0; g < 3; g++) {
      /* the objectives after count:poisson differ only in their per-row gradients and transforms: one grow policy
       * each (in turn), which keeps the driver's time */
      if (o > 6 && g != o % 3) continue;
      P p = defaults();
      p.v[P_OBJECTIVE] = objs[o];
      if (objs[o] == OBJ_MULTI_SOFTPROB || objs[o] == OBJ_MULTI_SOFTMAX) p.v[P_NUM_CLASS] = 4;
      if (objs[o] == OBJ_COUNT_POISSON) p.v[P_MAX_DELTA_STEP] = 0.7;
      if (objs[o] == OBJ_SURVIVAL_AFT) { p.v[P_AFT_LOSS_DISTRIBUTION] = o - 14; p.v[P_AFT_LOSS_DISTRIBUTION_SCALE] = 0.8; }
      p.v[P_GROW_POLICY] = g;
      if (g == GROW_LOSSGUIDE) { p.v[P_MAX_DEPTH] = 0; p.v[P_MAX_LEAVES] = 24; }
      p.v[P_SUBSAMPLE] = 0.8; p.v[P_COLSAMPLE_BYNODE] = 0.8; p.v[P_SEED] = 3;
      if (g == GROW_SYMMETRIC) { p.v[P_RANDOM_STRENGTH] = 1; p.v[P_BOOTSTRAP_TYPE] = BOOT_BAYESIAN; p.v[P_SUBSAMPLE] = 1; }
      Data d = make_data(700, 9, 0.08, objs[o], 4);
      snprintf(name, sizeof name, "%s/%s", obj_names[o], pol_names[g]);
      run_case(name, p, &d, 6);
      free_data(&d);
    }
  }
  test_query_groups();

  { /* survival:aft without its upper bounds: an error, not a read through NULL */
    P p = defaults();
    p.v[P_OBJECTIVE] = OBJ_SURVIVAL_AFT;
    Data d = make_data(50, 3, 0, OBJ_SQUARED_ERROR, 2);
    CHECK(train(&p, &d, 2, "aft without bounds", 0) == NULL, "survival:aft trained without label_upper_bound");
    free_data(&d);
  }

  /* edge cases (regression) */
  struct { const char *name; int nrow, ncol; double nan_rate; } shapes[] = {
    { "one row", 1, 5, 0 }, { "two rows", 2, 3, 0 }, { "one column", 300, 1, 0 }, { "all NaN", 50, 4, 1.0 },
    { "mostly NaN", 400, 6, 0.9 }, { "wide", 40, 300, 0.1 }, { "odd sizes", 257, 17, 0.05 },
  };
  for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
    for (int g = 0; g < 3; g++) {
      P p = defaults();
      p.v[P_GROW_POLICY] = g;
      if (g == GROW_LOSSGUIDE) { p.v[P_MAX_DEPTH] = 0; p.v[P_MAX_LEAVES] = 8; }
      Data d = make_data(shapes[s].nrow, shapes[s].ncol, shapes[s].nan_rate, OBJ_SQUARED_ERROR, 2);
      snprintf(name, sizeof name, "%s/%s", shapes[s].name, pol_names[g]);
      run_case(name, p, &d, 4);
      free_data(&d);
    }
  }
  {
    /* constant features and labels, duplicates, extreme magnitudes, weights with zeros */
    Data d = make_data(500, 6, 0.02, OBJ_SQUARED_ERROR, 2);
    for (int i = 0; i < d.nrow; i++) { d.X[i * 6 + 0] = 1.5f; d.X[i * 6 + 1] = (float)(i % 3); d.X[i * 6 + 2] = (i % 2 ? 3e38f : -3e38f); d.X[i * 6 + 3] = i % 7 ? 1e-38f : 0; }
    d.w = malloc(sizeof(float) * d.nrow);
    for (int i = 0; i < d.nrow; i++) d.w[i] = i % 5 == 0 ? 0 : (float)(runif() * 3);
    P p = defaults();
    run_case("constant/duplicate/extreme features, zero weights", p, &d, 5);
    p.v[P_MAX_BIN] = 2; run_case("max_bin 2", p, &d, 5);
    p = defaults(); p.v[P_MAX_DEPTH] = 16; p.v[P_GROW_POLICY] = GROW_SYMMETRIC; run_case("symmetric depth 16", p, &d, 2);
    p = defaults(); p.v[P_MAX_DEPTH] = 0; p.v[P_MAX_LEAVES] = 1000; p.v[P_GROW_POLICY] = GROW_LOSSGUIDE; p.v[P_MIN_CHILD_WEIGHT] = 0; run_case("lossguide unlimited", p, &d, 2);
    p = defaults(); p.v[P_MAX_DEPTH] = 0; p.v[P_MAX_LEAVES] = 50; p.v[P_MIN_CHILD_WEIGHT] = 0; run_case("depthwise max_depth 0 max_leaves 50", p, &d, 2);
    p = defaults(); p.v[P_MIN_CHILD_WEIGHT] = 1e9; run_case("min_child_weight huge (no splits)", p, &d, 3);
    p = defaults(); p.v[P_GAMMA] = 1e9; run_case("gamma huge (no splits)", p, &d, 3);
    p = defaults(); p.v[P_SUBSAMPLE] = 0.001; run_case("subsample 0.001 (0 or 1 rows)", p, &d, 3);
    p = defaults(); p.v[P_COLSAMPLE_BYTREE] = 0.01; p.v[P_COLSAMPLE_BYLEVEL] = 0.01; p.v[P_COLSAMPLE_BYNODE] = 0.01; run_case("colsample 0.01", p, &d, 3);
    p = defaults(); p.v[P_NUM_PARALLEL_TREE] = 7; p.v[P_SUBSAMPLE] = 0.5; p.v[P_COLSAMPLE_BYNODE] = 0.5; p.v[P_ETA] = 1; run_case("random forest", p, &d, 1);
    p = defaults(); p.v[P_ALPHA] = 5; p.v[P_LAMBDA] = 0; p.v[P_MAX_DELTA_STEP] = 0.1; run_case("alpha, lambda 0, max_delta_step", p, &d, 3);
    p = defaults(); p.v[P_BASE_SCORE] = 1e6; run_case("base_score far away", p, &d, 3);
    for (int i = 0; i < d.nrow; i++) d.y[i] = 4.25f;
    p = defaults(); run_case("constant label", p, &d, 3);
    for (int i = 0; i < d.nrow; i++) d.w[i] = 0;
    p = defaults(); p.v[P_BASE_SCORE] = 0; run_case("all weights zero", p, &d, 2);
    free_data(&d);
  }
  {
    /* multiclass with absent classes; binary with one class only */
    Data d = make_data(300, 4, 0.1, OBJ_SQUARED_ERROR, 2);
    for (int i = 0; i < d.nrow; i++) d.y[i] = (float)(i % 2 ? 4 : 0);
    P p = defaults(); p.v[P_OBJECTIVE] = OBJ_MULTI_SOFTPROB; p.v[P_NUM_CLASS] = 6;
    run_case("softprob with absent classes", p, &d, 3);
    for (int i = 0; i < d.nrow; i++) d.y[i] = 1;
    p = defaults(); p.v[P_OBJECTIVE] = OBJ_BINARY_LOGISTIC; p.v[P_BASE_SCORE] = 0.5;
    run_case("logistic with one class", p, &d, 3);
    free_data(&d);
  }
  {
    /* categorical features: one-hot and partition splits, NaN codes, a column wider than
     * one byte column (600 codes), every objective's shape, depthwise and lossguide */
    struct { const char *name; int n_cat, levels; double onehot, threshold; int obj, policy; } cats[] = {
      { "categorical partition", 2, 40, 4, 64, OBJ_SQUARED_ERROR, GROW_DEPTHWISE },
      { "categorical one-hot", 2, 3, 4, 64, OBJ_BINARY_LOGISTIC, GROW_DEPTHWISE },
      { "categorical 600 codes", 1, 600, 4, 64, OBJ_SQUARED_ERROR, GROW_LOSSGUIDE },
      { "categorical threshold 2", 3, 30, 4, 2, OBJ_MULTI_SOFTPROB, GROW_LOSSGUIDE },
      { "categorical all one-hot", 2, 30, 1000, 64, OBJ_ABSOLUTE_ERROR, GROW_DEPTHWISE },
      { "categorical max code 65535", 1, 65536, 4, 64, OBJ_SQUARED_ERROR, GROW_DEPTHWISE },
    };
    for (size_t c = 0; c < sizeof cats / sizeof *cats; c++) {
      P p = defaults();
      p.v[P_OBJECTIVE] = cats[c].obj;
      if (cats[c].obj == OBJ_MULTI_SOFTPROB) p.v[P_NUM_CLASS] = 4;
      p.v[P_GROW_POLICY] = cats[c].policy;
      if (cats[c].policy == GROW_LOSSGUIDE) { p.v[P_MAX_DEPTH] = 0; p.v[P_MAX_LEAVES] = 20; }
      p.v[P_MAX_CAT_TO_ONEHOT] = cats[c].onehot; p.v[P_MAX_CAT_THRESHOLD] = cats[c].threshold;
      p.v[P_SUBSAMPLE] = 0.9; p.v[P_SEED] = 5;
      Data d = make_data(900, 6, 0.05, cats[c].obj, 4);
      make_categorical(&d, cats[c].n_cat, cats[c].levels, 0.07, cats[c].obj, 4);
      if (cats[c].levels == 65536) d.X[0] = 65535; /* the largest code */
      run_case(cats[c].name, p, &d, 5);
      free_data(&d);
    }
    /* bad categorical input fails with a message */
    Data d = make_data(50, 3, 0, OBJ_SQUARED_ERROR, 2);
    make_categorical(&d, 1, 10, 0, OBJ_SQUARED_ERROR, 2);
    P p = defaults();
    d.X[3 * 7] = 2.5f;
    CHECK(!train(&p, &d, 1, "non-integer code", 0) && strstr(xgb_last_error(), "feature 0 has value 2.5 at row 7"), "non-integer code: %s", xgb_last_error());
    d.X[3 * 7] = 65536;
    CHECK(!train(&p, &d, 1, "code 65536", 0) && strstr(xgb_last_error(), "integers 0..65535"), "code 65536: %s", xgb_last_error());
    d.X[3 * 7] = -1;
    CHECK(!train(&p, &d, 1, "negative code", 0) && strstr(xgb_last_error(), "value -1"), "negative code: %s", xgb_last_error());
    d.X[3 * 7] = 1;
    p.v[P_GROW_POLICY] = GROW_SYMMETRIC;
    CHECK(!train(&p, &d, 1, "symmetric categorical", 0) && strstr(xgb_last_error(), "symmetric"), "symmetric + categorical: %s", xgb_last_error());
    Booster *b = bst_create();
    uint8_t two[2] = { 1, 0 }, bad[3] = { 0, 7, 0 };
    CHECK(bst_set_feature_types(b, bad, 3) < 0, "feature type 7 accepted");
    bst_set_params(b, defaults().v);
    CHECK(bst_set_feature_types(b, two, 2) == 0 && bst_train_begin(b, d.X, d.nrow, 3, d.y, NULL, NAN) < 0, "2 feature types for 3 features accepted");
    bst_free(b);
    free_data(&d);
  }
  {
    /* monotone and interaction constraints (split.h NodeBounds, grower.c allowed_features): depthwise and lossguide on
     * data with missing values, under the sanitizers; the predictions along feature 0 move only upwards, those along
     * feature 1 only downwards; trees split features 2 and 3 only on paths of the group {2, 3} (or at the root) */
    int8_t mono[2] = { 1, -1 };
    int32_t feats[4] = { 0, 1, 2, 3 }, begin[3] = { 0, 2, 4 };
    with_monotone = mono; n_with_monotone = 2;
    with_group_features = feats; with_group_begin = begin; n_with_groups = 2; with_interactions = 1;
    Data d = make_data(400, 5, 0.05, OBJ_SQUARED_ERROR, 2);
    for (int policy = 0; policy < 2; policy++) {
      P p = defaults();
      p.v[P_GROW_POLICY] = policy ? GROW_LOSSGUIDE : GROW_DEPTHWISE;
      if (policy) { p.v[P_MAX_DEPTH] = 0; p.v[P_MAX_LEAVES] = 20; p.v[P_ALPHA] = 0.3; }
      const char *name = policy ? "constraints lossguide" : "constraints depthwise";
      Booster *b = train(&p, &d, 8, name, 1);
      if (!b) continue;
      enum { G = 30 };
      float X[G * 5], out[G];
      for (int f = 0; f < 2; f++) {
        for (int row = 0; row < 20; row++) {
          for (int g = 0; g < G; g++) { memcpy(X + g * 5, d.X + row * 5, sizeof(float) * 5); X[g * 5 + f] = -2 + 4.0f * g / (G - 1); }
          CHECK(bst_predict(b, X, NULL, G, 5, NULL, G, 0, -1, 1, out) == 0, "%s: predict: %s", name, xgb_last_error());
          for (int g = 1; g < G; g++) CHECK((out[g] - out[g - 1]) * mono[f] >= 0, "%s: row %d: feature %d moves the prediction against its constraint", name, row, f);
        }
      }
      for (int t = 0; t < bst_num_trees(b); t++) {
        int32_t *par = bst_tree_array(b, t, 2), *fe = bst_tree_array(b, t, 3), *l = bst_tree_array(b, t, 0);
        for (int nid = 0; nid < bst_tree_num_nodes(b, t); nid++) {
          if (l[nid] < 0 || par[nid] == XGB_NO_PARENT) continue;
          /* below the root: a node's path and its own feature lie in one group (feature 4 only on a path of 4 alone) */
          int in01 = fe[nid] < 2, in23 = fe[nid] == 2 || fe[nid] == 3, only4 = fe[nid] == 4;
          for (int a = par[nid]; a != XGB_NO_PARENT; a = par[a]) {
            in01 &= fe[a] < 2; in23 &= fe[a] == 2 || fe[a] == 3; only4 &= fe[a] == 4;
          }
          CHECK(in01 || in23 || only4, "%s: tree %d node %d splits feature %d outside every group of its path", name, t, nid, fe[nid]);
        }
      }
      bst_free(b);
    }
    /* bad constraints fail with a message */
    int8_t two[2] = { 1, 2 }, six[6] = { 0 };
    Booster *b = bst_create();
    CHECK(bst_set_monotone(b, two, 2) < 0 && strstr(xgb_last_error(), "monotone_constraints[1] is 2"), "monotone 2: %s", xgb_last_error());
    bst_free(b);
    with_interactions = 0;
    with_monotone = six; n_with_monotone = 6;
    P p = defaults();
    CHECK(!train(&p, &d, 1, "6 constraints", 0) && strstr(xgb_last_error(), "6 values for 5 features"), "6 monotone values: %s", xgb_last_error());
    with_monotone = mono; n_with_monotone = 2;
    p.v[P_GROW_POLICY] = GROW_SYMMETRIC;
    CHECK(!train(&p, &d, 1, "symmetric constraints", 0) && strstr(xgb_last_error(), "symmetric"), "symmetric + monotone: %s", xgb_last_error());
    with_monotone = NULL;
    int32_t past[1] = { 5 }, one[2] = { 0, 1 };
    with_group_features = past; with_group_begin = one; n_with_groups = 1; with_interactions = 1;
    p = defaults();
    CHECK(!train(&p, &d, 1, "group past the features", 0) && strstr(xgb_last_error(), "feature index 5"), "interaction index 5: %s", xgb_last_error());
    with_interactions = 0;
    free_data(&d);
  }
  {
    /* API misuse must fail cleanly, not crash */
    Booster *b = bst_create();
    P p = defaults();
    bst_set_params(b, p.v);
    CHECK(bst_boost_round(b, 0, 1) < 0, "boost_round outside training returned success");
    CHECK(strlen(xgb_last_error()) > 0, "no error message for boost_round outside training");
    bst_train_end(b); bst_train_end(b);
    /* a hand-built model: one stump, then prediction */
    bst_set_model(b, 2, 1, 0.5);  /* squarederror: margin = base_score */
    int t = bst_add_tree(b, 3, 0);
    CHECK(t == 0, "bst_add_tree returned %d", t);
    int32_t *l = bst_tree_array(b, 0, 0), *r = bst_tree_array(b, 0, 1), *par = bst_tree_array(b, 0, 2), *f = bst_tree_array(b, 0, 3);
    float *c = bst_tree_array(b, 0, 4);
    uint8_t *dl = bst_tree_array(b, 0, 8);
    l[0] = 1; r[0] = 2; l[1] = r[1] = l[2] = r[2] = -1; par[0] = XGB_NO_PARENT; par[1] = par[2] = 0;
    f[0] = 1; f[1] = f[2] = 0; c[0] = 0.25f; c[1] = -1; c[2] = 2; dl[0] = 1; dl[1] = dl[2] = 0;
    float X[6] = { 0, 0.1f, 0, 0.3f, 0, NAN }, out[3];
    CHECK(bst_predict(b, X, NULL, 3, 2, NULL, 3, 0, 1, 1, out) == 0, "predict on a hand-built model: %s", xgb_last_error());
    CHECK(out[0] == -0.5f && out[1] == 2.5f && out[2] == -0.5f, "hand-built stump predicts %g %g %g, want -0.5 2.5 -0.5", out[0], out[1], out[2]);
    CHECK(bst_predict(b, X, NULL, 3, 1, NULL, 3, 0, 1, 1, out) < 0, "predict with fewer features than the model succeeded");
    bst_free(b);
    bst_free(NULL);
  }
  check_normal_draws();
  fprintf(stderr, "\n%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}


/* Random valid parameters × random shapes × random data, under the sanitizers: every
 * combination must train (or fail with a message) and pass the invariants above. */
static int fuzz(int iterations, uint64_t seed) {
  rs = seed;
  char name[128];
  for (int it = 0; it < iterations; it++) {
    P p = defaults();
    const int objs[] = { OBJ_SQUARED_ERROR, OBJ_ABSOLUTE_ERROR, OBJ_PSEUDO_HUBER, OBJ_BINARY_LOGISTIC, OBJ_MULTI_SOFTPROB, OBJ_MULTI_SOFTMAX, OBJ_COUNT_POISSON };
    int obj = objs[rnext() % 7], k = 2 + (int)(rnext() % 4);
    p.v[P_OBJECTIVE] = obj;
    if (obj == OBJ_MULTI_SOFTPROB || obj == OBJ_MULTI_SOFTMAX) p.v[P_NUM_CLASS] = k;
    if (obj == OBJ_COUNT_POISSON) p.v[P_MAX_DELTA_STEP] = 0.7;
    int g = (int)(rnext() % 3);
    p.v[P_GROW_POLICY] = g;
    p.v[P_MAX_DEPTH] = g == GROW_SYMMETRIC ? 1 + (int)(rnext() % 10) : (int)(rnext() % 10);
    p.v[P_MAX_LEAVES] = (p.v[P_MAX_DEPTH] == 0 || rnext() % 2) ? 2 + (int)(rnext() % 60) : 0;
    p.v[P_ETA] = 0.01 + runif();
    p.v[P_GAMMA] = runif() < 0.3 ? runif() * 5 : 0;
    p.v[P_MIN_CHILD_WEIGHT] = runif() < 0.3 ? runif() * 20 : runif();
    p.v[P_LAMBDA] = runif() * 5;
    p.v[P_ALPHA] = runif() < 0.3 ? runif() * 3 : 0;
    p.v[P_MAX_DELTA_STEP] = runif() < 0.2 ? runif() * 2 : p.v[P_MAX_DELTA_STEP];
    p.v[P_SUBSAMPLE] = runif() < 0.5 ? 1 : 0.05 + 0.95 * runif();
    p.v[P_COLSAMPLE_BYTREE] = runif() < 0.5 ? 1 : 0.05 + 0.95 * runif();
    p.v[P_COLSAMPLE_BYLEVEL] = runif() < 0.7 ? 1 : 0.05 + 0.95 * runif();
    p.v[P_COLSAMPLE_BYNODE] = runif() < 0.7 ? 1 : 0.05 + 0.95 * runif();
    p.v[P_MAX_BIN] = 2 + (int)(rnext() % 255);
    p.v[P_SEED] = (double)(rnext() % 1000);
    p.v[P_NUM_PARALLEL_TREE] = runif() < 0.2 ? 1 + (int)(rnext() % 5) : 1;
    p.v[P_HUBER_SLOPE] = 0.1 + runif() * 3;
    p.v[P_RANDOM_STRENGTH] = runif() < 0.3 ? runif() * 3 : 0;
    p.v[P_BOOTSTRAP_TYPE] = (int)(rnext() % 3);
    p.v[P_BAGGING_TEMPERATURE] = runif() * 3;
    p.v[P_SCALE_POS_WEIGHT] = runif() < 0.2 ? runif() * 4 : 1;
    int nrow = 1 + (int)(rnext() % (rnext() % 4 ? 400 : 3000)), ncol = 1 + (int)(rnext() % 40);
    Data d = make_data(nrow, ncol, runif() < 0.5 ? 0 : runif(), obj, k);
    if (runif() < 0.3) {
      d.w = malloc(sizeof(float) * nrow);
      for (int i = 0; i < nrow; i++) d.w[i] = runif() < 0.1 ? 0 : (float)(runif() * 4);
    }
    if (runif() < 0.2) for (size_t i = 0; i < (size_t)nrow * ncol; i++) d.X[i] = (float)floor(d.X[i]); /* few distinct values */
    if (g != GROW_SYMMETRIC && runif() < 0.3) {
      make_categorical(&d, 1 + (int)(rnext() % 3), 1 + (int)(rnext() % (rnext() % 4 ? 40 : 700)), runif() * 0.3, obj, k);
      p.v[P_MAX_CAT_TO_ONEHOT] = 1 + (int)(rnext() % 10);
      p.v[P_MAX_CAT_THRESHOLD] = 1 + (int)(rnext() % 80);
    }
    snprintf(name, sizeof name, "fuzz %d (obj %d, policy %d, %d x %d)", it, obj, g, nrow, ncol);
    int rounds = 1 + (int)(rnext() % 6);
    Booster *b = train(&p, &d, rounds, name, 1);
    if (b) {
      check_predictions(b, &p, &d, name);
      park_between_rounds = 1;
      Booster *parked = train(&p, &d, rounds, name, 1);
      park_between_rounds = 0;
      if (parked) CHECK(same_model(b, parked), "%s: parking the fit between rounds changed the model", name);
      bst_free(parked);
      bst_free(b);
    }
    free_data(&d);
    if (it % 50 == 49) fprintf(stderr, "fuzz: %d/%d\n", it + 1, iterations);
  }
  fprintf(stderr, "fuzz: %d iterations, %d checks, %d failures\n", iterations, checks, failures);
  return failures ? 1 : 0;
}

static int bench(int nrow, int ncol, int rounds, const char *policy, int cat_levels) {
  Data d = { malloc(sizeof(float) * (size_t)nrow * ncol), malloc(sizeof(float) * nrow), NULL, nrow, ncol, NULL };
  for (int i = 0; i < nrow; i++) {
    float *x = d.X + (size_t)i * ncol;
    for (int j = 0; j < ncol; j++) x[j] = (float)runif();
    d.y[i] = (float)(10 * sin(M_PI * x[0] * x[1]) + 20 * (x[2] - 0.5) * (x[2] - 0.5) + 10 * x[3] + 5 * x[4]
                     + 0.1 * (x[5] + x[6] + x[7] + x[8] + x[9]) + rnorm());
  }
  if (cat_levels > 0) {
    /* column 0 categorical with cat_levels codes, each with a random effect */
    make_categorical(&d, 1, cat_levels, 0, OBJ_SQUARED_ERROR, 2);
  }
  P p = defaults();
  p.v[P_ETA] = 0.1;
  p.v[P_GROW_POLICY] = !strcmp(policy, "lossguide") ? GROW_LOSSGUIDE : !strcmp(policy, "symmetric") ? GROW_SYMMETRIC : GROW_DEPTHWISE;
  if (p.v[P_GROW_POLICY] == GROW_LOSSGUIDE) { p.v[P_MAX_DEPTH] = 0; p.v[P_MAX_LEAVES] = 64; }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  Booster *b = bst_create();
  bst_set_params(b, p.v);
  if (d.types) bst_set_feature_types(b, d.types, ncol);
  if (bst_train_begin(b, d.X, nrow, ncol, d.y, NULL, NAN) < 0) { fprintf(stderr, "train: %s\n", xgb_last_error()); return 1; }
  for (int it = 0; it < rounds; it++) if (bst_boost_round(b, it, rounds) < 0) { fprintf(stderr, "round %d: %s\n", it, xgb_last_error()); return 1; }
  bst_train_end(b);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  float *out = malloc(sizeof(float) * nrow);
  bst_predict(b, d.X, NULL, nrow, ncol, NULL, nrow, 0, bst_num_trees(b), 0, out);
  double se = 0;
  for (int i = 0; i < nrow; i++) se += (out[i] - d.y[i]) * (double)(out[i] - d.y[i]);
  printf("%s: %d rows x %d features, %d rounds: train %.3f s, train RMSE %.4f\n", policy, nrow, ncol, rounds,
         (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec), sqrt(se / nrow));
  free(out);
  bst_free(b);
  free_data(&d);
  return 0;
}

static double now_s(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

/* SHAP contributions of `explain` rows with a model trained as in bench() (for callgrind and
 * timing the C of shap.c natively): prints the seconds per call. */
static int shapbench(int nrow, int ncol, int rounds, const char *policy, int explain) {
  Data d = make_data(nrow, ncol, 0.0, OBJ_SQUARED_ERROR, 2);
  P p = defaults();
  p.v[P_ETA] = 0.1;
  p.v[P_GROW_POLICY] = !strcmp(policy, "lossguide") ? GROW_LOSSGUIDE : !strcmp(policy, "symmetric") ? GROW_SYMMETRIC : GROW_DEPTHWISE;
  if (p.v[P_GROW_POLICY] == GROW_LOSSGUIDE) { p.v[P_MAX_DEPTH] = 0; p.v[P_MAX_LEAVES] = 64; }
  Booster *b = train(&p, &d, rounds, policy, 1);
  if (!b) return 1;
  if (explain > nrow) explain = nrow;
  float *c = malloc(sizeof(float) * (size_t)explain * (ncol + 1));
  double t0 = now_s();
  if (bst_predict_contribs(b, d.X, NULL, explain, ncol, NULL, explain, bst_num_trees(b), 0, c) < 0) { fprintf(stderr, "contribs: %s\n", xgb_last_error()); return 1; }
  printf("%s: SHAP contributions of %d rows, %d trees: %.3f s\n", policy, explain, bst_num_trees(b), now_s() - t0);
  free(c);
  bst_free(b);
  free_data(&d);
  return 0;
}

/* The bench's own files (bench/synth.ts): train on rows [0, ntrain), predict the rest;
 * prints one JSON line, for bench/run.ts's "C core built natively" row. */
static float *read_f32(const char *path, size_t count) {
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "cannot open %s\n", path); return NULL; }
  float *a = malloc(sizeof(float) * count + 4);
  size_t got = fread(a, sizeof(float), count, f);
  fclose(f);
  if (got != count) { fprintf(stderr, "%s: %zu of %zu values\n", path, got, count); free(a); return NULL; }
  return a;
}

static int benchfile(const char *xpath, const char *ypath, int nrow, int ncol, int ntrain, int rounds, const char *policy) {
  float *X = read_f32(xpath, (size_t)nrow * ncol), *y = read_f32(ypath, nrow);
  if (!X || !y) return 1;
  double mean = 0;
  for (int i = 0; i < ntrain; i++) mean += y[i];
  mean /= ntrain;
  P p = defaults();
  p.v[P_ETA] = 0.1;
  p.v[P_BASE_SCORE] = mean;
  p.v[P_GROW_POLICY] = !strcmp(policy, "lossguide") ? GROW_LOSSGUIDE : !strcmp(policy, "symmetric") ? GROW_SYMMETRIC : GROW_DEPTHWISE;
  if (p.v[P_GROW_POLICY] == GROW_LOSSGUIDE) { p.v[P_MAX_DEPTH] = 0; p.v[P_MAX_LEAVES] = 64; }
  Booster *b = bst_create();
  bst_set_params(b, p.v);
  double t0 = now_s(), c0 = (double)clock() / CLOCKS_PER_SEC;
  if (bst_train_begin(b, X, ntrain, ncol, y, NULL, mean) < 0) { fprintf(stderr, "train: %s\n", xgb_last_error()); return 1; }
  for (int it = 0; it < rounds; it++) if (bst_boost_round(b, it, rounds) < 0) { fprintf(stderr, "round %d: %s\n", it, xgb_last_error()); return 1; }
  bst_train_end(b);
  double train_s = now_s() - t0, train_cpu = (double)clock() / CLOCKS_PER_SEC - c0;
  int nte = nrow - ntrain;
  float *out = malloc(sizeof(float) * nte + 4);
  double pred_s = 1e30;
  for (int r = 0; r < 3; r++) {
    double t1 = now_s();
    bst_predict(b, X + (size_t)ntrain * ncol, NULL, nte, ncol, NULL, nte, 0, bst_num_trees(b), 0, out);
    double s = now_s() - t1;
    if (s < pred_s) pred_s = s;
  }
  double se = 0;
  for (int i = 0; i < nte; i++) se += ((double)out[i] - y[ntrain + i]) * ((double)out[i] - y[ntrain + i]);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"trainSeconds\": %.6f, \"trainCpuSeconds\": %.6f, \"predictSeconds\": %.6f, \"nPredict\": %d, \"rmse\": %.6f, \"maxRssKb\": %ld}\n",
         train_s, train_cpu, pred_s, nte, sqrt(se / nte), ru.ru_maxrss);
  free(out); free(X); free(y);
  bst_free(b);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "bench"))
    return bench(argc > 2 ? atoi(argv[2]) : 100000, argc > 3 ? atoi(argv[3]) : 28, argc > 4 ? atoi(argv[4]) : 20, argc > 5 ? argv[5] : "depthwise",
                 argc > 6 ? atoi(argv[6]) : 0);
  if (argc >= 2 && !strcmp(argv[1], "shapbench"))
    return shapbench(argc > 2 ? atoi(argv[2]) : 20000, argc > 3 ? atoi(argv[3]) : 28, argc > 4 ? atoi(argv[4]) : 100, argc > 5 ? argv[5] : "depthwise", argc > 6 ? atoi(argv[6]) : 2000);
  if (argc >= 9 && !strcmp(argv[1], "benchfile"))
    return benchfile(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]), atoi(argv[7]), argv[8]);
  if (argc >= 2 && !strcmp(argv[1], "fuzz"))
    return fuzz(argc > 2 ? atoi(argv[2]) : 300, argc > 3 ? strtoull(argv[3], NULL, 10) : 1);
  if (argc >= 2 && strcmp(argv[1], "test")) { fprintf(stderr, "usage: %s test | fuzz [ITERATIONS [SEED]] | bench NROW NCOL ROUNDS [depthwise|lossguide|symmetric] [CAT_LEVELS]\n", argv[0]); return 2; }
  return test_all();
}
