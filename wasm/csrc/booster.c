#include "api.h"
#include "objective/objective.h"
#include "metric/metric.h"
#include "predictor.h"
#include "shap.h"
#include "threads.h"

double objective_leaf_median(const float *residual, const float *weight, int n);

/* A fit's rows are given as a QMatrix (the quantised form of the whole matrix, qmatrix.h)
 * and optionally a list of its rows: the fit's row i is the matrix's row rows[i]. Its
 * own arrays — bin rows in partition order, labels, weights, margins, gradients — are
 * indexed by the fit's row i; the matrix's floats are read (through rows) only to start
 * continued training from the existing trees' margins. */
/* A fit's state between rounds. Between two bst_boost_round calls only margin and the RNG
 * carry over: every tree starts from the rows in their own order (position i = the fit's
 * row i, its bin codes gathered from the matrix in that order: a forward copy), so each
 * node's rows stay in ascending order and its sums are taken in row order, as XGBoost's
 * are. Everything else is working memory, rebuilt each round (gradients, the gathered
 * bins) or a function of those (the labels gathered through src_rows). So
 * bst_train_park can free it and the next round rebuild it exactly (acquire): a parked
 * fit holds its margins, 4 bytes a row, and fits advanced round by round in turn
 * (cross-validation folds in lockstep, as xgb.cv does) hold one working set between
 * them — with the same models as fits run one after another. */
struct TrainState {
  const float *label, *weight;  /* the fit's rows: the caller's arrays, or own_label / own_weight */
  const float *upper;           /* survival:aft's upper bounds (label: the lower ones), or NULL; own_upper likewise */
  float *own_label, *own_weight, *own_upper; /* gathered through rows */
  const float *src_label, *src_weight, *src_upper; /* the matrix's labels, weights and upper bounds (all its rows) */
  const int32_t *src_rows;      /* the fit's rows of the matrix (NULL: all, in order) */
  int parked;                   /* the working memory is freed until the next round */
  int nrow, ncol;
  const QMatrix *qm;
  QMatrix *own_qm;        /* built by bst_train_begin, freed with the state */
  uint8_t *bins;
  float *margin;          /* nrow * n_groups */
  GradPair *gh;           /* n_groups * nrow */
  GradPair *tree_gh;      /* nrow: this tree's gradients in position order (after row sampling); NULL with one
                           * output group and one tree a round, whose tree samples and moves gh itself (gh is
                           * computed anew from the margins every round): 8 bytes a row less */
  uint32_t *rows;         /* position -> row (see grower.h): the identity at each tree's start */
  uint8_t *scratch_bins; GradPair *scratch_gh; uint32_t *scratch_rows;
  int32_t *all_features, *tree_features;
  int8_t *monotone;       /* the booster's monotone_constraints padded to every feature (GrowContext.monotone), or NULL */
  uint8_t *groups;        /* the interaction groups as marks per feature (GrowContext.groups), or NULL */
  float *residual, *residual_w; /* reg:absoluteerror leaf refresh */
  int32_t *label_order;   /* survival:cox: the fit's rows by |label| (abs_label_order), sorted at its first round */
  /* rank:*'s query groups (bst_train_query_groups), in the fit's row order: kept while parked */
  int32_t *query_ptr;
  float *query_weight;
  int n_query;
  Rng rng;
  GrowContext ctx;
};

static void release_working_memory(TrainState *s);

XGB_API Booster *bst_create(void) { return xgb_calloc(1, sizeof(Booster)); }

XGB_API void bst_set_params(Booster *b, const double *values) { params_from_array(&b->p, values); }

XGB_API int bst_set_feature_types(Booster *b, const uint8_t *types, int n) {
  free(b->feature_types);
  b->feature_types = NULL;
  b->n_feature_types = 0;
  if (n <= 0) return 0;
  for (int f = 0; f < n; f++) if (types[f] > 1) return xgb_fail("feature type %d of feature %d is not 0 (numeric) or 1 (categorical)", types[f], f);
  if (!(b->feature_types = xgb_alloc(n))) return -1;
  memcpy(b->feature_types, types, n);
  b->n_feature_types = n;
  return 0;
}

XGB_API int bst_set_monotone(Booster *b, const int8_t *values, int n) {
  free(b->monotone);
  b->monotone = NULL;
  b->n_monotone = 0;
  if (n <= 0) return 0;
  for (int f = 0; f < n; f++)
    if (values[f] < -1 || values[f] > 1) return xgb_fail("monotone_constraints[%d] is %d: each must be -1, 0 or 1", f, values[f]);
  if (!(b->monotone = xgb_alloc((size_t)n))) return -1;
  memcpy(b->monotone, values, (size_t)n);
  b->n_monotone = n;
  return 0;
}

XGB_API int bst_set_interactions(Booster *b, int on, const int32_t *features, const int32_t *group_begin, int n_groups) {
  free(b->interaction); free(b->group_begin);
  b->interaction = b->group_begin = NULL;
  b->interactions_on = b->n_interaction_groups = 0;
  if (!on) return 0;
  if (n_groups < 0 || group_begin[0] != 0) return xgb_fail("interaction_constraints: bad group offsets");
  for (int g = 0; g < n_groups; g++) if (group_begin[g + 1] < group_begin[g]) return xgb_fail("interaction_constraints: bad group offsets");
  int n = group_begin[n_groups];
  for (int i = 0; i < n; i++) if (features[i] < 0) return xgb_fail("interaction_constraints: feature index %d is negative", features[i]);
  b->interaction = xgb_alloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
  b->group_begin = xgb_alloc(sizeof(int32_t) * (size_t)(n_groups + 1));
  if (!b->interaction || !b->group_begin) return -1;
  memcpy(b->interaction, features, sizeof(int32_t) * (size_t)n);
  memcpy(b->group_begin, group_begin, sizeof(int32_t) * (size_t)(n_groups + 1));
  b->interactions_on = 1;
  b->n_interaction_groups = n_groups;
  return 0;
}

/* The constraints for a fit on ncol features, into the fit's state and GrowContext (checked against the features) */
static int constraints_begin(Booster *b, TrainState *s, int ncol) {
  GrowContext *c = &s->ctx;
  if ((b->monotone || b->interactions_on) && b->p.grow_policy == GROW_SYMMETRIC)
    return xgb_fail("monotone_constraints and interaction_constraints are not implemented for symmetric trees");
  if (b->monotone) {
    if (b->n_monotone > ncol) return xgb_fail("monotone_constraints has %d values for %d features", b->n_monotone, ncol);
    if (!(s->monotone = xgb_calloc((size_t)ncol, 1))) return -1;
    memcpy(s->monotone, b->monotone, (size_t)b->n_monotone);
  }
  if (b->interactions_on) {
    int ng = b->n_interaction_groups;
    if (!(s->groups = xgb_calloc((size_t)(ng > 0 ? ng : 1) * ncol, 1))) return -1;
    for (int g = 0; g < ng; g++)
      for (int i = b->group_begin[g]; i < b->group_begin[g + 1]; i++) {
        int f = b->interaction[i];
        if (f >= ncol) return xgb_fail("interaction_constraints: feature index %d, but the matrix has %d features", f, ncol);
        s->groups[(size_t)g * ncol + f] = 1;
      }
  }
  c->monotone = s->monotone;
  c->interactions_on = b->interactions_on; c->n_groups = b->n_interaction_groups; c->groups = s->groups;
  return 0;
}

XGB_API void bst_train_end(Booster *b) {
  TrainState *s = b->train;
  if (!s) return;
  release_working_memory(s);
  qm_free(s->own_qm);
  free(s->margin); free(s->all_features); free(s->tree_features);
  free(s->ctx.node_begin); free(s->ctx.node_end); free(s->ctx.node_virtual); free(s->ctx.node_alt); free(s->ctx.node_split_bin);
  free(s->ctx.node_lower); free(s->ctx.node_upper); free(s->monotone); free(s->groups);
  free(s->query_ptr); free(s->query_weight);
  free(s);
  b->train = NULL;
}

XGB_API void bst_free(Booster *b) {
  if (!b) return;
  bst_train_end(b);
  shap_cache_drop(b);
  for (int t = 0; t < b->n_trees; t++) tree_free(&b->trees[t]);
  free(b->trees); free(b->tree_group); free(b->feature_types);
  free(b->monotone); free(b->interaction); free(b->group_begin);
  free(b);
}

static int n_groups_of(const Params *p) {
  return (p->objective == OBJ_MULTI_SOFTPROB || p->objective == OBJ_MULTI_SOFTMAX) ? p->num_class : 1;
}

/* A fit on every row of X, binned here (the bindings bin once per matrix and call
 * bst_train_begin_q). */
XGB_API int bst_train_begin(Booster *b, const float *X, int nrow, int ncol, const float *label, const float *weight, double base_score) {
  bst_train_end(b);
  const uint8_t *types = b->feature_types;
  if (types && b->n_feature_types != ncol) return xgb_fail("%d feature types for %d features", b->n_feature_types, ncol);
  QMatrix *qm = qm_build(X, nrow, ncol, weight, b->p.max_bin, types);
  if (!qm) return -1;
  if (bst_train_begin_q(b, qm, X, label, weight, NULL, nrow, base_score) < 0) { qm_free(qm); return -1; }
  b->train->own_qm = qm;
  return 0;
}

static int feature_type(const uint8_t *types, int f) { return types ? types[f] : 0; }
static int acquire(Booster *b);

XGB_API int bst_train_begin_q(Booster *b, const QMatrix *qm, const float *X, const float *label, const float *weight,
                              const int32_t *rows, int n_rows, double base_score) {
  bst_train_end(b);
  if (!qm) return xgb_fail("bst_train_begin_q: no quantised matrix");
  int ncol = qm->ncol;
  const uint8_t *types = b->feature_types;
  if (types && b->n_feature_types != ncol) return xgb_fail("%d feature types for %d features", b->n_feature_types, ncol);
  for (int f = 0; f < ncol; f++)
    if (feature_type(types, f) != feature_type(qm->feature_types, f))
      return xgb_fail("feature %d is %s for training but the matrix was binned with it %s", f,
                      feature_type(types, f) ? "categorical" : "numeric", feature_type(qm->feature_types, f) ? "categorical" : "numeric");
  if (qm->max_bin != b->p.max_bin) return xgb_fail("the matrix was binned with max_bin %d but training asks for %d", qm->max_bin, b->p.max_bin);
  if (types && b->p.grow_policy == GROW_SYMMETRIC)
    for (int f = 0; f < ncol; f++)
      if (types[f] == 1) return xgb_fail("categorical splits (feature %d) are not implemented for symmetric trees", f);
  if (rows_check(rows, n_rows, qm->nrow, "bst_train_begin_q") < 0) return -1;
  if (!rows && n_rows != qm->nrow) return xgb_fail("bst_train_begin_q: %d rows without row indexes, but the matrix has %d", n_rows, qm->nrow);
  TrainState *s = xgb_calloc(1, sizeof(TrainState));
  if (!s) return -1;
  b->train = s;
  int k = n_groups_of(&b->p), nrow = n_rows;
  s->qm = qm; s->label = label; s->weight = weight; s->nrow = nrow; s->ncol = ncol;
  s->src_label = label; s->src_weight = weight; s->src_rows = rows;
  s->margin = xgb_alloc(sizeof(float) * (size_t)nrow * k);
  s->all_features = xgb_alloc(sizeof(int32_t) * (ncol + 1));
  s->tree_features = xgb_alloc(sizeof(int32_t) * (ncol + 1));
  if (!s->margin || !s->all_features || !s->tree_features) goto fail;
  if (constraints_begin(b, s, ncol) < 0) goto fail;
  s->parked = 1;
  if (acquire(b) < 0) goto fail;
  for (int f = 0; f < ncol; f++) s->all_features[f] = f;
  rng_seed(&s->rng, b->p.seed);

  if (b->n_trees == 0) {
    /* a fresh model: choose the intercept (continued training keeps the loaded one) */
    b->num_feature = ncol;
    b->n_groups = k;
    /* float, as the JSON model stores it, so a saved and reloaded model starts from
     * the very same margin */
    b->base_score = (float)(isnan(base_score) ? objective_estimate_base_score(&b->p, s->label, s->weight, nrow) : base_score);
    b->base_margin = objective_prob_to_margin(b->p.objective, b->base_score);
  }
  bst_margin_init(b, s->margin, nrow);
  /* continued training: the loaded trees' margins (on the decoded rows when X is NULL, for trees split at the form's cuts) */
  if (b->n_trees > 0 && bst_margin_add(b, X, qm, qm->nrow, ncol, rows, nrow, 0, b->n_trees, s->margin) < 0) goto fail;

  return 0;
fail:
  bst_train_end(b);
  return -1;
}

/* survival:aft's upper bounds, one per row of the matrix (as its labels, which hold the lower bounds): after
 * bst_train_begin_q, before the first round. */
XGB_API int bst_train_set_upper(Booster *b, const float *upper) {
  TrainState *s = b->train;
  if (!s) return xgb_fail("bst_train_set_upper called outside training");
  /* re-gathered with the labels at the next round's acquire */
  release_working_memory(s);
  s->parked = 1;
  s->src_upper = upper;
  if (!s->src_rows) s->upper = upper;
  return 0;
}

/* The working memory of a fit (see TrainState), built from what carries over between rounds. */
static int acquire(Booster *b) {
  TrainState *s = b->train;
  if (!s->parked) return 0;
  const QMatrix *qm = s->qm;
  int k = n_groups_of(&b->p), nrow = s->nrow, stride = qm->stride; /* rows padded to 8-byte words: see partition_rows */
  if (s->src_rows) {
    /* the fit's labels and weights, in its row order (a float each: small next to X) */
    if (s->src_label && !(s->own_label = xgb_alloc(sizeof(float) * (size_t)nrow))) return -1;
    if (s->src_weight && !(s->own_weight = xgb_alloc(sizeof(float) * (size_t)nrow))) return -1;
    if (s->src_upper && !(s->own_upper = xgb_alloc(sizeof(float) * (size_t)nrow))) return -1;
    for (int i = 0; i < nrow; i++) {
      if (s->src_label) s->own_label[i] = s->src_label[s->src_rows[i]];
      if (s->src_weight) s->own_weight[i] = s->src_weight[s->src_rows[i]];
      if (s->src_upper) s->own_upper[i] = s->src_upper[s->src_rows[i]];
    }
    s->label = s->own_label; s->weight = s->own_weight; s->upper = s->own_upper;
  }
  s->bins = xgb_alloc((size_t)nrow * stride);
  s->gh = xgb_alloc(sizeof(GradPair) * (size_t)nrow * k);
  int own_tree_gh = k > 1 || b->p.num_parallel_tree > 1;
  s->tree_gh = own_tree_gh ? xgb_alloc(sizeof(GradPair) * (size_t)nrow) : NULL;
  /* the partition's scratch: a node's whole range for the parallel partition (several threads), else its smaller
   * side, at most half the rows (grower.c partition_by): 22 bytes a row of 28 features less per fit */
  int threads = par_threads() > 1;
  int scratch_cap = threads ? nrow : nrow - nrow / 2;
  s->scratch_bins = xgb_alloc((size_t)scratch_cap * stride);
  s->scratch_gh = xgb_alloc(sizeof(GradPair) * (size_t)scratch_cap);
  s->scratch_rows = xgb_alloc(sizeof(uint32_t) * (size_t)scratch_cap);
  s->rows = xgb_alloc(sizeof(uint32_t) * (size_t)nrow);
  if (!s->bins || !s->rows || !s->gh || (own_tree_gh && !s->tree_gh) || !s->scratch_bins || !s->scratch_gh || !s->scratch_rows) return -1;
  if (b->p.objective == OBJ_ABSOLUTE_ERROR) {
    s->residual = xgb_alloc(sizeof(float) * (size_t)nrow);
    s->residual_w = xgb_alloc(sizeof(float) * (size_t)nrow);
    if (!s->residual || !s->residual_w) return -1;
  }
  /* the kernels' scratch: row blocks' histograms — every block's for a parallel build, else one, the blocks summed
   * in turn (histogram.h: the same histogram; 7 MB less per single-threaded fit at 28 features of 256 bins) — and,
   * for the scattering partition only, the rows' sides (1 byte a row). A fit whose thread count rises after this runs
   * the single-threaded kernels (grower.c partition_node; hist_build_parallel), with the same model. */
  int blocks = hist_max_blocks(qm->cuts.total_slots, nrow);
  s->ctx.n_partials = threads && blocks > 2 ? blocks - 1 : 1;
  s->ctx.hist_partials = xgb_alloc(sizeof(HistBin) * (size_t)s->ctx.n_partials * qm->cuts.total_slots);
  s->ctx.side = threads ? xgb_alloc((size_t)nrow) : NULL;
  if (!s->ctx.hist_partials || (threads && !s->ctx.side)) return -1;
  GrowContext *c = &s->ctx;
  c->p = &b->p; c->cuts = &qm->cuts; c->nrow = nrow; c->ncol = qm->cuts.n_columns; c->stride = stride;
  c->bins = s->bins; c->rows = s->rows; c->gh = own_tree_gh ? s->tree_gh : s->gh; c->rng = &s->rng;
  c->scratch_bins = s->scratch_bins; c->scratch_gh = s->scratch_gh; c->scratch_rows = s->scratch_rows;
  c->scratch_cap = scratch_cap;
  s->parked = 0;
  return 0;
}

static void release_working_memory(TrainState *s) {
  free(s->own_label); free(s->own_weight); free(s->own_upper); s->own_label = s->own_weight = s->own_upper = NULL;
  if (s->src_rows) s->label = s->weight = s->upper = NULL;
  free(s->bins); free(s->gh); free(s->tree_gh); free(s->scratch_bins); free(s->scratch_gh); free(s->scratch_rows); free(s->rows);
  free(s->residual); free(s->residual_w); free(s->ctx.hist_partials); free(s->ctx.side); free(s->label_order);
  s->label_order = NULL;
  s->bins = s->scratch_bins = NULL; s->gh = s->tree_gh = s->scratch_gh = NULL; s->scratch_rows = s->rows = NULL;
  s->residual = s->residual_w = NULL; s->ctx.hist_partials = NULL; s->ctx.side = NULL;
  s->ctx.bins = s->ctx.scratch_bins = NULL; s->ctx.gh = s->ctx.scratch_gh = NULL; s->ctx.scratch_rows = s->ctx.rows = NULL;
}

/* Frees the fit's working memory until its next round (see TrainState). */
XGB_API void bst_train_park(Booster *b) {
  TrainState *s = b->train;
  if (!s || s->parked) return;
  release_working_memory(s);
  s->parked = 1;
}

XGB_API int bst_train_query_groups(Booster *b, const int32_t *ptr, const float *weight, int n_query) {
  TrainState *s = b->train;
  if (!s) return xgb_fail("bst_train_query_groups called outside training");
  if (!objective_is_rank(b->p.objective)) return xgb_fail("query groups are for the rank:* objectives");
  if (n_query < 1 || ptr[0] != 0 || ptr[n_query] != s->nrow)
    return xgb_fail("query groups must cover the fit's %d rows from row 0 (they end at row %d)", s->nrow, n_query >= 1 ? ptr[n_query] : 0);
  for (int k = 0; k < n_query; k++) {
    if (ptr[k + 1] < ptr[k]) return xgb_fail("query group %d ends at row %d before it begins (row %d)", k, ptr[k + 1], ptr[k]);
    if (weight && !(weight[k] >= 0 && isfinite(weight[k]))) return xgb_fail("query group %d's weight is %g: weights must be finite and >= 0", k, weight[k]);
  }
  free(s->query_ptr); free(s->query_weight);
  s->query_weight = NULL;
  if (!(s->query_ptr = xgb_alloc(sizeof(int32_t) * ((size_t)n_query + 1)))) return -1;
  memcpy(s->query_ptr, ptr, sizeof(int32_t) * ((size_t)n_query + 1));
  if (weight) {
    if (!(s->query_weight = xgb_alloc(sizeof(float) * (size_t)n_query))) return -1;
    memcpy(s->query_weight, weight, sizeof(float) * (size_t)n_query);
  }
  s->n_query = n_query;
  return 0;
}

XGB_API float *bst_train_margin(Booster *b) { return b->train ? b->train->margin : NULL; }

static int push_tree(Booster *b, Tree *t, int group) {
  shap_cache_drop(b); /* it points into b->trees, which may move */
  if (b->n_trees == b->cap_trees) {
    int cap = b->cap_trees ? b->cap_trees * 2 : 64;
    Tree *nt = realloc(b->trees, sizeof(Tree) * cap);
    if (!nt) return xgb_fail("out of memory adding a tree");
    b->trees = nt;
    int32_t *ng = realloc(b->tree_group, sizeof(int32_t) * cap);
    if (!ng) return xgb_fail("out of memory adding a tree");
    b->tree_group = ng;
    b->cap_trees = cap;
  }
  b->trees[b->n_trees] = *t;
  b->tree_group[b->n_trees] = group;
  return b->n_trees++;
}

/* The new tree's outputs added to the training margins, in parallel over its nodes. A leaf that owns its rows adds
 * its value to each; the two leaves of a split that was not applied (virtual: both keep the split node's range,
 * grower.h) are served by that node in one pass, reading each row's side once and adding the value of the leaf it
 * belongs to — a pass per leaf read every such range twice (1M x 28, depth 6, 100 rounds: the margin update 1.76 ->
 * 0.85 s of a 16-20 s fit). Every row is in exactly one leaf, so each margin gets exactly one addition, whichever
 * thread makes it. */
typedef struct { const GrowContext *c; const Tree *t; float *margin; int k, g; } LeafJob;
static void leaf_task(void *arg, int nid) {
  const LeafJob *j = arg;
  const GrowContext *c = j->c;
  const Tree *t = j->t;
  float *margin = j->margin + j->g;
  size_t k = (size_t)j->k;
  int l = t->left[nid];
  if (l < 0) {
    if (c->node_virtual[nid]) return; /* its split node's pass adds it */
    float v = t->cond[nid];
    const uint32_t *rows = row_arrays(c, c->node_alt[nid]).rows;
    for (int i = c->node_begin[nid]; i < c->node_end[nid]; i++) margin[rows[i] * k] += v;
    return;
  }
  if (!c->node_virtual[l]) return;
  float vl = t->cond[l], vr = t->cond[t->right[nid]];
  RowArrays a = row_arrays(c, c->node_alt[l]); /* the split node's: its rows were not moved */
  for (int i = c->node_begin[l]; i < c->node_end[l]; i++)
    margin[a.rows[i] * k] += bins_go_left(c, t, nid, a.bins + (size_t)i * c->stride) ? vl : vr;
}

/* The Bayesian bootstrap's weight of a row from its uniform draw u. CatBoost's default temperature is 1, where the
 * power is the identity (pow(x, 1) is x exactly, as pow(x, 0) is 1): skipped there, it was a twentieth of a training
 * job's CPU time (1M × 28, xgboost + catboost). */
static inline float bayesian_weight(double u, double temp) {
  if (u < 1e-300) u = 1e-300;
  double e = -log(u);
  return (float)(temp == 1.0 ? e : temp == 0.0 ? 1.0 : pow(e, temp));
}

/* The Bayesian bootstrap on several threads: the draws stay one stream, taken in row order on this thread (cheap)
 * into a scratch of a double per row; the weights — a logarithm each, most of the cost — are then computed in row
 * blocks side by side. The same weights as one loop. */
enum { BOOTSTRAP_BLOCK_ROWS = 16384 };
typedef struct { const double *u; const GradPair *gh; GradPair *out; int n; double temp; } BootstrapJob;
static void bootstrap_task(void *arg, int k) {
  const BootstrapJob *j = arg;
  int i0 = k * BOOTSTRAP_BLOCK_ROWS, i1 = i0 + BOOTSTRAP_BLOCK_ROWS < j->n ? i0 + BOOTSTRAP_BLOCK_ROWS : j->n;
  for (int i = i0; i < i1; i++) {
    float w = bayesian_weight(j->u[i], j->temp);
    j->out[i].g = j->gh[i].g * w; j->out[i].h = j->gh[i].h * w;
  }
}

/* One tree's gradients in position order, which is the fit's row order at the tree's start
 * (tree_gh[i] belongs to row i; the partition then moves them with their rows), sampled:
 * Bernoulli keeps a row with probability subsample; the Bayesian bootstrap gives each row
 * the weight (-log U)^bagging_temperature. 0, or -1 when a thread of the core's pool died (par_run). */
static int tree_gradients(Booster *b, const GradPair *gh) {
  TrainState *s = b->train;
  const Params *p = &b->p;
  GradPair *out = s->ctx.gh; /* tree_gh, or gh itself (TrainState): then sampled in place */
  int n = s->nrow;
  int bernoulli = (p->bootstrap_type == BOOT_BERNOULLI || p->bootstrap_type == BOOT_NO) && p->subsample < 1.0;
  if (p->bootstrap_type == BOOT_BAYESIAN) {
    double temp = p->bagging_temperature;
    /* threaded, the partition's scratch holds a GradPair — a double — for every row, unused until the tree grows */
    if (grow_threaded(&s->ctx) && n >= 2 * BOOTSTRAP_BLOCK_ROWS) {
      double *u = (double *)(void *)s->scratch_gh;
      for (int i = 0; i < n; i++) u[i] = rng_uniform(&s->rng);
      BootstrapJob j = { u, gh, out, n, temp };
      return par_run(bootstrap_task, &j, (n + BOOTSTRAP_BLOCK_ROWS - 1) / BOOTSTRAP_BLOCK_ROWS);
    }
    for (int i = 0; i < n; i++) {
      float w = bayesian_weight(rng_uniform(&s->rng), temp);
      out[i].g = gh[i].g * w; out[i].h = gh[i].h * w;
    }
  } else if (bernoulli) {
    for (int i = 0; i < n; i++) {
      int keep = rng_uniform(&s->rng) < p->subsample;
      out[i].g = keep ? gh[i].g : 0.0f; out[i].h = keep ? gh[i].h : 0.0f;
    }
  } else {
    if (out != gh) memcpy(out, gh, sizeof(GradPair) * (size_t)n);
  }
  return 0;
}

/* Spread of the gradients relative to the curvature: the gain a split on noise
 * yields, which sets the scale of random_strength's noise. */
static double gradient_noise_scale(const GradPair *gh, int n) {
  double sg = 0, sgg = 0, sh = 0;
  for (int i = 0; i < n; i++) { sg += gh[i].g; sgg += (double)gh[i].g * gh[i].g; sh += gh[i].h; }
  if (n == 0 || sh <= 0) return 0;
  double var = sgg / n - (sg / n) * (sg / n);
  return var / (sh / n);
}

XGB_API int bst_boost_round(Booster *b, int iteration, int num_rounds) {
  TrainState *s = b->train;
  if (!s) return xgb_fail("bst_boost_round called outside training");
  if (acquire(b) < 0) { release_working_memory(s); s->parked = 1; return -1; }
  const Params *p = &b->p;
  int k = b->n_groups, n = s->nrow, npt = p->num_parallel_tree > 0 ? p->num_parallel_tree : 1;
  if (p->objective == OBJ_SURVIVAL_AFT && !s->upper) return xgb_fail("survival:aft: no label_upper_bound (bst_train_set_upper)");
  /* the labels do not change during a fit: sorted once, as native caches its LabelAbsSort (a sort every round was
   * most of a survival:cox round: 150 ms against 20 for squared error at 100k rows) */
  if (p->objective == OBJ_SURVIVAL_COX && !s->label_order && !(s->label_order = abs_label_order(s->label, n))) return -1;
  QueryGroups groups = { s->query_ptr, s->query_weight, s->n_query };
  if (objective_gradients(p, s->margin, s->label, s->upper, s->weight, s->label_order, n, k, &groups, iteration, s->gh) < 0)
    return -1;
  /* XGBoost divides the learning rate among parallel trees: a forest is their mean (in float, as its updater:
   * float lr / trees.size() — in double, 0.45 / 7 was an ulp off native's, and so was every leaf) */
  Params tp = *p;
  tp.eta = (double)((float)p->eta / (float)npt);
  GrowContext *c = &s->ctx;
  c->p = &tp;
  c->iteration = iteration; c->num_rounds = num_rounds;
  for (int g = 0; g < k; g++) {
    for (int pt = 0; pt < npt; pt++) {
      /* the tree starts from the rows in their own order: their bin codes copied forward from the matrix */
      for (int i = 0; i < n; i++) s->rows[i] = (uint32_t)i;
      if (qm_gather(s->qm, s->src_rows, n, s->bins) < 0) return -1;
      if (tree_gradients(b, s->gh + (size_t)g * n) < 0) return -1;
      int nf;
      choose_features(c, s->all_features, s->ncol, p->colsample_bytree, s->tree_features, &nf);
      c->features = s->tree_features; c->n_features = nf;
      c->grad_variance = p->random_strength > 0 ? gradient_noise_scale(c->gh, n) : 0;
      Tree t;
      if (tree_init(&t, 64) < 0) return -1;
      int rc = p->grow_policy == GROW_SYMMETRIC ? grow_symmetric_tree(c, &t) : grow_tree(c, &t);
      if (rc < 0) { tree_free(&t); return -1; }
      if (objective_refresh_leaves(p, p->objective)) {
        /* reg:absoluteerror: each leaf outputs eta x the weighted median residual of its (sampled) rows */
        for (int nid = 0; nid < t.n_nodes; nid++) {
          if (t.left[nid] >= 0) continue;
          int m = 0;
          RowArrays a = row_arrays(c, c->node_alt[nid]);
          for (int i = c->node_begin[nid]; i < c->node_end[nid]; i++) {
            uint32_t r = a.rows[i];
            if (a.gh[i].h <= 0 || !leaf_has_row(c, &t, nid, i)) continue;
            s->residual[m] = s->label[r] - s->margin[(size_t)r * k + g];
            s->residual_w[m] = a.gh[i].h;
            m++;
          }
          /* rows count equally unless the data has weights or the bootstrap reweights them */
          int weighted = s->weight != NULL || p->bootstrap_type == BOOT_BAYESIAN;
          float v = m ? (float)(objective_leaf_median(s->residual, weighted ? s->residual_w : NULL, m) * tp.eta) : 0.0f;
          t.cond[nid] = t.base_weight[nid] = v;
        }
      }
      LeafJob lj = { c, &t, s->margin, k, g };
      if (par_run(leaf_task, &lj, t.n_nodes) < 0) { tree_free(&t); return -1; }
      if (push_tree(b, &t, g) < 0) { tree_free(&t); return -1; }
    }
  }
  c->p = p;
  return 0;
}

XGB_API void bst_margin_init(Booster *b, float *margin, int nrow) {
  size_t total = (size_t)nrow * (b->n_groups ? b->n_groups : 1);
  float m = (float)b->base_margin;
  for (size_t i = 0; i < total; i++) margin[i] = m;
}

typedef struct { Booster *b; int tree_begin, tree_end, ncol; float *margin; } MarginJob;

static int margin_chunk(void *arg, const float *X, const int32_t *rows, int r0, int n) {
  const MarginJob *j = arg;
  return predict_add(j->b->trees, j->b->tree_group, j->tree_begin, j->tree_end, X, rows, n, j->ncol, j->b->n_groups,
                     j->margin + (size_t)r0 * j->b->n_groups);
}

/* Whether trees [tree_begin, tree_end) can be evaluated on qm's decoded rows (qmatrix.h). */
XGB_API int bst_check_decode(Booster *b, const QMatrix *qm, int tree_begin, int tree_end) {
  if (!qm) return xgb_fail("bst_check_decode: no quantised matrix");
  if (tree_begin < 0) tree_begin = 0;
  if (tree_end < 0 || tree_end > b->n_trees) tree_end = b->n_trees;
  return qm_check_model(qm, b->trees, tree_begin, tree_end);
}

/* X NULL: the rows are qm's decoded rows, for a model bst_check_decode accepts (checked here too). */
XGB_API int bst_margin_add(Booster *b, const float *X, const QMatrix *qm, int x_rows, int ncol, const int32_t *rows, int nrow,
                           int tree_begin, int tree_end, float *margin) {
  if (ncol < b->num_feature) return xgb_fail("data has %d features but the model uses %d", ncol, b->num_feature);
  if (rows_check(rows, nrow, x_rows, "predict") < 0) return -1;
  if (tree_begin < 0) tree_begin = 0;
  if (tree_end > b->n_trees) tree_end = b->n_trees;
  if (tree_end <= tree_begin || nrow <= 0) return 0;
  if (!X && bst_check_decode(b, qm, tree_begin, tree_end) < 0) return -1;
  /* no floats, no categorical feature: the trees walk the bin codes (predictor.h) */
  if (!X && !qm->cuts.cat) return predict_add_bins(b->trees, b->tree_group, tree_begin, tree_end, qm, rows, nrow, b->n_groups, margin);
  MarginJob j = { b, tree_begin, tree_end, ncol, margin };
  return for_row_chunks(X, qm, rows, nrow, ncol, margin_chunk, &j);
}

XGB_API int bst_predict(Booster *b, const float *X, const QMatrix *qm, int x_rows, int ncol, const int32_t *rows, int nrow,
                        int tree_begin, int tree_end, int output_margin, float *out) {
  bst_margin_init(b, out, nrow);
  if (bst_margin_add(b, X, qm, x_rows, ncol, rows, nrow, tree_begin, tree_end, out) < 0) return -1;
  if (!output_margin) {
    int k = b->n_groups;
    if (b->p.objective == OBJ_MULTI_SOFTMAX) {
      /* class ids: one number per row, written over the first nrow slots */
      float *tmp = xgb_alloc(sizeof(float) * (size_t)nrow);
      if (!tmp) return -1;
      objective_transform(OBJ_MULTI_SOFTMAX, out, nrow, k, tmp);
      memcpy(out, tmp, sizeof(float) * nrow);
      free(tmp);
    } else {
      objective_transform(b->p.objective, out, b->p.objective == OBJ_MULTI_SOFTPROB ? nrow : nrow * k, k, out);
    }
  }
  return 0;
}

XGB_API double bst_eval(Booster *b, int metric, double threshold, const float *margin, const float *label, const float *upper,
                        const float *weight, int nrow, const int32_t *query_ptr, int n_query, const float *query_weight,
                        int minus) {
  int k = b->n_groups, obj = b->p.objective;
  /* on the margins and the bounds (label: the lower ones), as native's survival metrics */
  if (metric == M_AFT_NLOGLIK || metric == M_INTERVAL_REGRESSION_ACCURACY) {
    if (!upper) { xgb_fail("%s needs label_upper_bound", metric == M_AFT_NLOGLIK ? "aft-nloglik" : "interval-regression-accuracy"); return NAN; }
    /* threshold -1: native 1.7.4's default aft-nloglik, configured without the objective's parameters (params.ts
     * aftDefaultMetric): the normal distribution, scale 1 */
    int native_default = threshold == -1;
    return metric_aft(metric, margin, label, upper, weight, nrow, native_default ? AFT_NORMAL : b->p.aft_loss_distribution,
                      native_default ? 1.0 : (float)b->p.aft_loss_distribution_scale);
  }
  float *pred = xgb_alloc(sizeof(float) * (size_t)nrow * k);
  if (!pred) return NAN;
  int multi = obj == OBJ_MULTI_SOFTPROB || obj == OBJ_MULTI_SOFTMAX;
  objective_transform(multi ? OBJ_MULTI_SOFTPROB : obj, margin, multi ? nrow : nrow * k, k, pred);
  double v;
  if (metric == M_RMSE || metric == M_MAE || metric == M_POISSON_NLOGLIK || metric == M_MPHE || metric == M_RMSLE || metric == M_MAPE
      || metric == M_GAMMA_NLOGLIK || metric == M_GAMMA_DEVIANCE || metric == M_TWEEDIE_NLOGLIK) {
    if (multi) {
      /* regression metrics on a multiclass model compare the predicted class id */
      float *ids = xgb_alloc(sizeof(float) * (size_t)nrow);
      if (!ids) { free(pred); return NAN; }
      objective_transform(OBJ_MULTI_SOFTMAX, margin, nrow, k, ids);
      v = metric_regression(metric, ids, label, weight, nrow, b->p.huber_slope, threshold);
      free(ids);
    } else {
      v = metric_regression(metric, pred, label, weight, nrow, b->p.huber_slope, threshold);
    }
  } else if (metric == M_COX_NLOGLIK) {
    v = metric_cox(pred, label, nrow);
  } else if (metric == M_NDCG || metric == M_MAP || metric == M_PRE) {
    /* a multiclass model has no one score a row: NaN here, and params.ts refuses these metrics for multi:* (native
     * fails on the sizes) */
    uint32_t topn = threshold >= 4294967295.0 ? UINT32_MAX : (uint32_t)threshold;
    v = multi ? NAN : metric_rank(metric, pred, label, nrow, n_query > 0 ? query_ptr : NULL, n_query, topn, minus);
  } else if (metric == M_MLOGLOSS || metric == M_MERROR) {
    v = metric_multiclass(metric, pred, label, weight, nrow, k);
  } else if ((metric == M_AUC || metric == M_AUCPR) && n_query > 0) {
    /* an eval set with query groups: per query, as native's whatever the objective (a multiclass model's: refused by
     * the bindings, native reads its class probabilities as one score a row) */
    v = multi ? NAN : metric_rank_auc(metric == M_AUCPR, pred, label, nrow, query_ptr, n_query, query_weight);
  } else if ((metric == M_AUC || metric == M_AUCPR) && multi) {
    v = metric_auc_ovr(pred, label, weight, nrow, k, metric == M_AUCPR);
  } else {
    v = metric_binary(metric, pred, label, weight, nrow, threshold);
  }
  free(pred);
  return v;
}

XGB_API int bst_num_trees(Booster *b) { return b->n_trees; }
XGB_API int bst_tree_group(Booster *b, int t) { return b->tree_group[t]; }
XGB_API int bst_tree_num_nodes(Booster *b, int t) { return b->trees[t].n_nodes; }

/* The loader writes a tree's arrays through these right after bst_add_tree (which dropped the TreeSHAP cache);
 * every other caller reads them. */
XGB_API void *bst_tree_array(Booster *b, int t, int which) {
  Tree *tr = &b->trees[t];
  switch (which) {
  case 0: return tr->left;
  case 1: return tr->right;
  case 2: return tr->parent;
  case 3: return tr->feature;
  case 4: return tr->cond;
  case 5: return tr->base_weight;
  case 6: return tr->loss_chg;
  case 7: return tr->sum_hess;
  case 8: return tr->default_left;
  case 9: return tr->split_type;
  case 10: return tr->cat_begin;
  case 11: return tr->cat_size;
  }
  return NULL;
}

XGB_API int bst_tree_num_cat_words(Booster *b, int t) { return b->trees[t].n_cat_words; }
XGB_API uint32_t *bst_tree_cat_words(Booster *b, int t) { return b->trees[t].cat_words; }
XGB_API uint32_t *bst_tree_reserve_cat_words(Booster *b, int t, int n_words) {
  shap_cache_drop(b);
  Tree *tr = &b->trees[t];
  uint32_t *w = tree_reserve_cat_words(tr, n_words);
  if (w) { memset(w, 0, sizeof(uint32_t) * n_words); tr->n_cat_words += n_words; }
  return w;
}

XGB_API int bst_add_tree(Booster *b, int n_nodes, int group) {
  Tree t;
  if (tree_init(&t, n_nodes) < 0) return -1;
  t.n_nodes = n_nodes;
  int idx = push_tree(b, &t, group);
  if (idx < 0) tree_free(&t);
  return idx;
}

XGB_API void bst_set_model(Booster *b, int num_feature, int n_groups, double base_score) {
  shap_cache_drop(b);
  b->num_feature = num_feature;
  b->n_groups = n_groups;
  b->base_score = (float)base_score;
  b->base_margin = objective_prob_to_margin(b->p.objective, b->base_score);
}

XGB_API double bst_base_score(Booster *b) { return b->base_score; }
XGB_API double bst_base_margin(Booster *b) { return b->base_margin; }
