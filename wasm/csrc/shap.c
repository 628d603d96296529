/* SHAP contributions of tree ensembles: TreeSHAP (Lundberg, Erion & Lee, "Consistent
 * Individualized Feature Attribution for Tree Ensembles", 2018, Algorithm 2), its
 * interaction values, and Saabas' path attribution.
 *
 * What is computed. A row x's margin is split among the features:
 *     margin(x) = bias + sum_i phi_i(x),
 * phi_i being the Shapley value of feature i in the game v(S) = "the model's expected
 * output when only the features in S are known":
 *     phi_i = sum over S not containing i of |S|! (M - |S| - 1)! / M! * (v(S + i) - v(S)).
 * For one tree, v(S) walks from the root: at a split on a feature in S it follows x; at a
 * split on a feature outside S it takes both children, each weighted by its share of the
 * parent's training COVER (the sum of the hessians of the training rows that reached it:
 * Tree.sum_hess, XGBoost's sum_hessian). v(empty) is the cover-weighted mean of the
 * leaves, the node "mean value" of the root: that is the bias (plus the base margin).
 * Trees add, and so do their Shapley values.
 *
 * Why it is polynomial. A leaf reached by the path P (its d distinct split features)
 * enters v(S) with the weight  prod over j in P of (o_j if j in S else z_j),  where for
 * each feature j on the path
 *     z_j = the product of the cover fractions of the path's splits on j  ("zero fraction":
 *           the share of the cover that takes this path when j is unknown),
 *     o_j = 1 if x itself takes the path at every split on j, else 0  ("one fraction").
 * Features off the path do not change the weight, so the Shapley sum over all M features
 * reduces to one over the d path features, and the leaf value v_l gives feature i
 *     phi_i += v_l (o_i - z_i) * sum over S in P - i of |S|! (d - |S| - 1)! / d! *
 *              prod_{j in S} o_j prod_{j in P - i - S} z_j.
 * The sum is read off a polynomial kept along the path: weight[k] = the permutation-
 * weighted total of the subsets of size k,
 *     weight[k] = sum over |S| = k of k! (d - k)! / (d + 1)! prod_{S} o_j prod_{P - S} z_j
 * (the root's placeholder counts as one element, hence d + 1).
 *   EXTEND (a split adds the feature j: O(d)) moves each weight[k] by
 *     weight'[k + 1] += o_j weight[k] (k + 1) / (d + 1),   weight'[k] = z_j weight[k] (d - k) / (d + 1);
 *   UNWIND undoes an EXTEND (O(d)): when a feature is split on again lower down, its
 *     element is removed and re-added with the combined fractions, so each feature
 *     appears once; and at a leaf, the sum above for element i is the total of the
 *     weights with i unwound.
 * Each leaf costs O(d^2) and each node O(d), so a tree costs O(leaves * depth^2) per row.
 * Two savings on XGBoost's version of the same algorithm: the elements with o = 0 all
 * receive the same amount, -(d + 1) v_l sum_k weight[k] / (d - k), computed once per
 * leaf; and a branch entered with zero weight (a child of cover 0 that x does not
 * take) adds nothing, so it is not walked.
 *
 * Pattern tables (the idea of Yang's "Fast TreeSHAP" v2, 2021). A leaf's amounts depend
 * on the row only through its pattern: which of the leaf's d path features x follows
 * (the o_j, one bit each); the z_j and v_l are fixed by the tree. So each leaf can keep a
 * table of its amounts for all 2^d patterns, built once per model, and a row then costs
 * one walk over the tree — carrying a bit mask that loses bit j where x leaves the
 * path at a split on the j-th feature — plus d additions per leaf: O(nodes + leaves *
 * depth) instead of O(leaves * depth^2). Building costs about 2^d rows of the recursion
 * and the table 2^d * d floats per leaf, so a tree uses its tables only when its paths
 * are short (d <= FAST_MAX_PATH), FAST_TABLE_ROWS rows repay the building (the same choice
 * for every call: ShapCache below), and the tables fit the model's memory budget (and can
 * be allocated); otherwise, and for the
 * conditioned runs of the interaction values, the recursion above.
 *
 * Interaction values (pred_interactions, XGBoost's definition): for i != j
 *     Phi_ij = (phi_j with i always known - phi_j with i never known) / 2,
 * each conditioned run being the same walk where splits on i either follow x or split
 * by cover without i joining the path; only the trees that split on i are walked, the
 * others cancel. Phi_ii = phi_i - sum_{j != i} Phi_ij, so row i of Phi sums to phi_i and
 * the whole matrix to the margin. The bias is Phi_MM.
 *
 * Saabas (approx_contribs): walk x's path; at each split the change of the mean value
 * from the node to the child x takes goes to the split feature. Cheap, not a Shapley
 * value (it favours features split on near the leaves).
 *
 * Split nodes of zero cover have no cover-weighted expectation. Trees grown here have
 * none (an empty node stays a leaf); a model that has some below a covered root gets
 * fractions 1/2 at those nodes (XGBoost fails on them), and a model whose roots carry
 * no cover at all (saved without sum_hessian) is an error. Covers below 0 by at most
 * 1e-6 of the root's are rounding residues (older symmetric trees of this package) and
 * count as 0; larger ones are an error. */
#include "shap.h"
#include "api.h"
#include "predictor.h"
#include "threads.h"

#define FAST_MAX_PATH 12                  /* at most 4096 patterns per leaf */
#define FAST_TABLE_BUDGET (64u << 20)     /* bytes of pattern tables per model */
#define FAST_TABLE_ROWS 2048              /* the rows a tree's tables must repay (see the cache below) */
#define ROW_BLOCK 64                      /* rows explained together: a tree's tables stay in cache */
#define INTERACTION_BLOCK 4               /* an interaction row costs ~M contribution rows: smaller tasks */
#define SHAP_MAX_DEPTH 1000                /* deepest tree explained: its walks recurse once per level on the native
                                           * stack, which held 4,000 levels and not 6,000 on the main thread */
#define BLOCK_BYTES (1u << 20)            /* at most this much of a block's contributions per thread (fewer rows when
                                           * a row is wide: 50 classes x 2000 features is 800 KB a row) */

/* One element of the decision path: a feature and its fractions, and weight[k] (the
 * index of the element in the path is k: the polynomial's coefficients ride along). */
typedef struct {
  int feature;
  double zero, one, weight;
} PathElement;

#define ROOT_ELEMENT (-1) /* the placeholder every path starts with */
#define NO_ELEMENT (-2)   /* a split that adds nothing to the path (the conditioned feature) */

typedef struct {
  const Tree *t;
  int depth;
  double *mean;  /* expected output of the subtree below each node */
  double *frac;  /* cover(node) / cover(parent) */
  /* pattern tables (NULL: this tree is walked with the recursion) */
  float *table;       /* per leaf: 2^d patterns x d amounts */
  int32_t *feats;     /* per leaf: its d path features, concatenated */
  int32_t *at_table;  /* per leaf node: offset of its table */
  int32_t *at_feats;  /* per leaf node: offset of its features */
  uint8_t *elem;      /* per split node: its feature's bit; per leaf node: d */
  size_t table_floats; /* the tables' size, counted against the model's budget */
} ShapTree;

/* One thread's working memory. The rows are explained in parallel (threads.h): blocks of rows are
 * the tasks, each row's numbers are computed the same way whichever thread or block it falls in
 * (trees in order, one row at a time), so the values are bit-identical for every nthread. */
typedef struct {
  PathElement *path;    /* room for the deepest tree's nested paths */
  double *amount;       /* one leaf's amounts */
  int32_t *stack;       /* the pattern walk's pending nodes ... */
  uint32_t *stack_mask; /* ... and their masks */
  int32_t *feats;       /* building tables: a path's distinct features ... */
  double *zero;         /* ... and their zero fractions */
  double *phi;          /* a block's contributions */
  double *on, *off;     /* interactions: one row's conditioned contributions */
} ShapScratch;

/* The booster's TreeSHAP numbers (booster.h: Booster.shap), kept between calls. Each tree's means and cover
 * fractions, and its pattern tables where they pay, depend on the tree alone; they are made when a call first
 * needs them — trees [0, n) — and dropped when the booster's trees change (shap_cache_drop). Whether a tree has
 * tables is decided once, for FAST_TABLE_ROWS rows and within FAST_TABLE_BUDGET for the whole model, trees in order:
 * not by the rows of a call. So every row's values are the same whatever the call's row count — one row at a time,
 * an endpoint's small steps and lib's chunks give the same bits (they did not when a call of 2,048 rows chose
 * tables and one of 256 the recursion: float tables against double sums) — and a call of one row reuses tables it
 * could never have repaid alone: an endpoint explaining one row per request walks them instead of the recursion.
 * The cost: up to FAST_TABLE_BUDGET bytes held with the model until its trees change or it is freed. */
struct ShapCache {
  ShapTree *trees;  /* [0, n) prepared, room for cap */
  int n, cap;
  int planned;      /* trees [0, planned) have had their tables decided (and built where chosen) */
  size_t budget;    /* floats of tables still allowed */
};

typedef struct {
  ShapTree *trees;  /* the booster's cache: not owned */
  int n_trees, max_depth;
  double *inv;          /* inv[k] = 1 / k */
  double *bias;         /* per group: the base margin plus the trees' root mean values */
  ShapScratch *scratch; /* one per thread: scratch[par_thread_index()] */
  int n_scratch;
  int block_rows;       /* rows a task explains: the kernel's block, fewer for wide rows (BLOCK_BYTES) */
} ShapModel;

/* ---- the path polynomial ------------------------------------------------------------ */

/* Adds (feature, zero, one) as element d of a path that has elements 0..d-1. */
static inline void extend(PathElement *p, int d, double zero, double one, int feature, const double *inv) {
  p[d].feature = feature; p[d].zero = zero; p[d].one = one; p[d].weight = d == 0 ? 1.0 : 0.0;
  double r = inv[d + 1];
  for (int k = d - 1; k >= 0; k--) {
    p[k + 1].weight += one * p[k].weight * (k + 1) * r;
    p[k].weight = zero * p[k].weight * (d - k) * r;
  }
}

/* Removes element i from a path with elements 0..d (EXTEND run backwards). */
static inline void unwind(PathElement *p, int d, int i, const double *inv) {
  double one = p[i].one, zero = p[i].zero, next = p[d].weight;
  if (one != 0) {
    double r = 1.0 / one;
    for (int k = d - 1; k >= 0; k--) {
      double w = p[k].weight;
      p[k].weight = next * (d + 1) * inv[k + 1] * r;
      next = w - p[k].weight * zero * (d - k) * inv[d + 1];
    }
  } else {
    /* zero > 0 here: elements with both fractions 0 are never walked */
    double r = (d + 1) / zero;
    for (int k = d - 1; k >= 0; k--) p[k].weight *= r * inv[d - k];
  }
  for (int k = i; k < d; k++) { p[k].feature = p[k + 1].feature; p[k].zero = p[k + 1].zero; p[k].one = p[k + 1].one; }
}

/* What a leaf of value `scale` gives each of the path's elements 1..d: amount[i]. */
static void leaf_amounts(const PathElement *p, int d, double scale, const double *inv, double *amount) {
  double off_path = 0; /* the common amount of the elements with one = 0 */
  int have_off = 0;
  for (int i = 1; i <= d; i++) {
    if (p[i].one == 0) {
      if (!have_off) {
        double s = 0;
        for (int k = 0; k < d; k++) s += p[k].weight * inv[d - k];
        off_path = -(d + 1) * s * scale;
        have_off = 1;
      }
      amount[i] = off_path;
    } else {
      /* the total of the weights with element i unwound */
      double zero = p[i].zero, r = 1.0 / p[i].one, next = p[d].weight, total = 0;
      for (int k = d - 1; k >= 0; k--) {
        double t = next * (d + 1) * inv[k + 1] * r;
        total += t;
        next = p[k].weight - t * zero * (d - k) * inv[d + 1];
      }
      amount[i] = total * (p[i].one - zero) * scale;
    }
  }
}

/* ---- the recursion ------------------------------------------------------------------ */

typedef struct {
  const Tree *t;
  const double *frac, *inv;
  const float *x;
  double *phi, *amount;
  int cond, cond_feature; /* cond +1: cond_feature always known; -1: never; 0: plain SHAP */
} Walk;

/* Enters node nid from a parent whose path has n elements, adding (feature, zero, one)
 * unless feature is NO_ELEMENT; share is the conditioning share of this branch. */
static void recurse(const Walk *w, int nid, const PathElement *parent, int n, double zero, double one, int feature, double share) {
  const Tree *t = w->t;
  PathElement *p = (PathElement *)parent + n;  /* this node's copy, just past the parent's */
  memcpy(p, parent, sizeof(PathElement) * n);
  int d = n - 1;
  if (feature != NO_ELEMENT) extend(p, ++d, zero, one, feature, w->inv);
  if (t->left[nid] < 0) {
    leaf_amounts(p, d, t->cond[nid] * share, w->inv, w->amount);
    for (int i = 1; i <= d; i++) w->phi[p[i].feature] += w->amount[i];
    return;
  }
  int f = t->feature[nid];
  int hot = tree_next_node(t, nid, w->x[f]);
  int cold = hot == t->left[nid] ? t->right[nid] : t->left[nid];
  double z_hot = w->frac[hot], z_cold = w->frac[cold], in_zero = 1, in_one = 1;
  /* a feature already on the path: take it off, re-add it below with both splits' fractions */
  for (int i = 1; i <= d; i++) {
    if (p[i].feature == f) {
      in_zero = p[i].zero; in_one = p[i].one;
      unwind(p, d, i, w->inv);
      d--;
      break;
    }
  }
  if (w->cond != 0 && f == w->cond_feature) {
    /* the conditioned feature never joins the path: known, x decides; unknown, the cover does */
    double s_hot = w->cond > 0 ? share : share * z_hot, s_cold = w->cond > 0 ? 0 : share * z_cold;
    if (s_hot != 0) recurse(w, hot, p, d + 1, 0, 0, NO_ELEMENT, s_hot);
    if (s_cold != 0) recurse(w, cold, p, d + 1, 0, 0, NO_ELEMENT, s_cold);
    return;
  }
  z_hot *= in_zero; z_cold *= in_zero;
  if (z_hot != 0 || in_one != 0) recurse(w, hot, p, d + 1, z_hot, in_one, f, share);
  if (z_cold != 0) recurse(w, cold, p, d + 1, z_cold, 0, f, share);
}

static void tree_shap(const ShapModel *m, ShapScratch *s, int ti, const float *x, double *phi, int cond, int cond_feature) {
  const ShapTree *st = &m->trees[ti];
  Walk w = { st->t, st->frac, m->inv, x, phi, s->amount, cond, cond_feature };
  recurse(&w, 0, s->path, 0, 1.0, 1.0, ROOT_ELEMENT, 1.0);
}

/* ---- pattern tables ----------------------------------------------------------------- */

/* Sizes and costs of one tree's tables, from a walk keeping each path's distinct features. */
typedef struct { int max_d; size_t feats, table; double build, per_row_recursion, per_row_tables; } TablePlan;

static int path_index(const int32_t *feats, int d, int f) {
  for (int j = 0; j < d; j++) if (feats[j] == f) return j;
  return -1;
}

static void plan_tables(const Tree *t, int nid, int32_t *feats, int d, TablePlan *pl) {
  if (t->left[nid] < 0) {
    if (d > pl->max_d) pl->max_d = d;
    if (d > FAST_MAX_PATH) return;
    pl->feats += d;
    pl->table += ((size_t)1 << d) * d;
    pl->build += (double)((size_t)1 << d) * (d + 1) * (d + 1) * 2;
    pl->per_row_recursion += (double)(d + 1) * (d + 1);
    pl->per_row_tables += d + 1;
    return;
  }
  pl->per_row_recursion += 2 * (d + 2);
  pl->per_row_tables += 2;
  int f = t->feature[nid], nd = d;
  if (path_index(feats, d, f) < 0) feats[nd++] = f;
  plan_tables(t, t->left[nid], feats, nd, pl);
  plan_tables(t, t->right[nid], feats, nd, pl);
}

/* Fills the tables below nid; feats/zero hold the path's distinct features and zero fractions. */
static void build_tables(ShapTree *st, const ShapModel *m, ShapScratch *s, int nid, int32_t *feats, double *zero, int d, size_t *at_feats, size_t *at_table) {
  const Tree *t = st->t;
  if (t->left[nid] < 0) {
    st->elem[nid] = (uint8_t)d;
    st->at_feats[nid] = (int32_t)*at_feats;
    st->at_table[nid] = (int32_t)*at_table;
    memcpy(st->feats + *at_feats, feats, sizeof(int32_t) * d);
    float *table = st->table + *at_table;
    for (uint32_t pattern = 0; pattern < (1u << d); pattern++) {
      PathElement *p = s->path;
      extend(p, 0, 1.0, 1.0, ROOT_ELEMENT, m->inv);
      for (int j = 0; j < d; j++) extend(p, j + 1, zero[j], (pattern >> j) & 1, feats[j], m->inv);
      leaf_amounts(p, d, t->cond[nid], m->inv, s->amount);
      for (int j = 0; j < d; j++) table[(size_t)pattern * d + j] = (float)s->amount[j + 1];
    }
    *at_feats += d;
    *at_table += ((size_t)1 << d) * d;
    return;
  }
  int f = t->feature[nid], e = path_index(feats, d, f), nd = d;
  if (e < 0) { e = nd++; feats[e] = f; zero[e] = 1.0; }
  st->elem[nid] = (uint8_t)e;
  for (int side = 0; side < 2; side++) {
    int c = side ? t->right[nid] : t->left[nid];
    double keep = zero[e];
    zero[e] = keep * st->frac[c];
    build_tables(st, m, s, c, feats, zero, nd, at_feats, at_table);
    zero[e] = keep;
  }
}

/* One row through a tree with tables: every leaf, with the mask of the path features x follows. */
static void table_walk(ShapScratch *s, const ShapTree *st, const float *x, double *phi) {
  const Tree *t = st->t;
  int32_t *stack = s->stack;
  uint32_t *stack_mask = s->stack_mask;
  int sp = 0, nid = 0;
  uint32_t mask = ~0u;
  for (;;) {
    if (t->left[nid] < 0) {
      int d = st->elem[nid];
      const float *amount = st->table + st->at_table[nid] + (size_t)(mask & ((1u << d) - 1)) * d;
      const int32_t *feats = st->feats + st->at_feats[nid];
      for (int j = 0; j < d; j++) phi[feats[j]] += amount[j];
      if (sp == 0) return;
      sp--;
      nid = stack[sp]; mask = stack_mask[sp];
      continue;
    }
    int hot = tree_next_node(t, nid, x[t->feature[nid]]);
    stack[sp] = hot == t->left[nid] ? t->right[nid] : t->left[nid];
    stack_mask[sp++] = mask & ~(1u << st->elem[nid]);
    nid = hot;
  }
}

/* ---- per-tree tables ---------------------------------------------------------------- */

/* a cover as TreeSHAP uses it: rounding residues below 0 (checked small) count as 0 */
static inline double cover(const Tree *t, int nid) { return t->sum_hess[nid] > 0 ? t->sum_hess[nid] : 0.0; }

static double fill_means(const Tree *t, int nid, double *mean, double *frac) {
  if (t->left[nid] < 0) return mean[nid] = t->cond[nid];
  int l = t->left[nid], r = t->right[nid];
  double c = cover(t, nid);
  frac[l] = c > 0 ? cover(t, l) / c : 0.5;
  frac[r] = c > 0 ? cover(t, r) / c : 0.5;
  double ml = fill_means(t, l, mean, frac), mr = fill_means(t, r, mean, frac);
  return mean[nid] = frac[l] * ml + frac[r] * mr;
}

static void drop_tables(ShapTree *st) {
  free(st->table); free(st->feats); free(st->at_table); free(st->at_feats); free(st->elem);
  st->table = NULL; st->feats = NULL; st->at_table = st->at_feats = NULL; st->elem = NULL;
}

static void shap_release(ShapModel *m) {
  if (m->scratch)
    for (int i = 0; i < m->n_scratch; i++) {
      ShapScratch *s = &m->scratch[i];
      free(s->path); free(s->amount); free(s->stack); free(s->stack_mask); free(s->feats); free(s->zero);
      free(s->phi); free(s->on); free(s->off);
    }
  free(m->inv); free(m->bias); free(m->scratch);
  memset(m, 0, sizeof *m);
}

void shap_cache_drop(Booster *b) {
  ShapCache *c = b->shap;
  if (!c) return;
  for (int i = 0; i < c->n; i++) {
    free(c->trees[i].mean); free(c->trees[i].frac);
    drop_tables(&c->trees[i]);
  }
  free(c->trees); free(c);
  b->shap = NULL;
}

/* Trees [0, tree_end) in the cache, each checked, its depth measured and its means and fractions filled. */
static int cache_trees(Booster *b, int tree_end) {
  if (!b->shap) {
    if (!(b->shap = xgb_calloc(1, sizeof(ShapCache)))) return -1;
    b->shap->budget = FAST_TABLE_BUDGET / sizeof(float);
  }
  ShapCache *c = b->shap;
  if (tree_end > c->cap) {
    int cap = tree_end > 2 * c->cap ? tree_end : 2 * c->cap;
    ShapTree *nt = realloc(c->trees, sizeof(ShapTree) * cap);
    if (!nt) return xgb_fail("out of memory preparing contributions");
    memset(nt + c->cap, 0, sizeof(ShapTree) * (cap - c->cap));
    c->trees = nt;
    c->cap = cap;
  }
  for (int i = c->n; i < tree_end; i++) {
    const Tree *t = &b->trees[i];
    /* models grown here before empty sides were summed exactly can hold -1e-13 */
    double residue = -1e-6 * fabs(t->sum_hess[0]);
    for (int nid = 0; nid < t->n_nodes; nid++) {
      float cv = t->sum_hess[nid];
      if (!(cv >= residue) || isinf(cv)) return xgb_fail("tree %d node %d has cover (sum_hessian) %g; covers must be finite and >= 0", i, nid, (double)cv);
    }
    if (t->left[0] >= 0 && !(t->sum_hess[0] > 0))
      return xgb_fail("tree %d has no cover (sum_hessian) at its root: SHAP values weight each branch by the training cover of its node, which this model does not carry", i);
    /* the walks below recurse once per level, on the native stack: a tree deeper than SHAP_MAX_DEPTH is refused
     * before anything is allocated (a chain of 5,000 splits overflowed it: a RangeError, this call's memory lost) */
    int d = tree_depth(t);
    if (d < 0) return xgb_fail("out of memory measuring tree %d's depth", i);
    if (d > SHAP_MAX_DEPTH) return xgb_fail("tree %d has depth %d: contributions are computed for trees up to depth %d (the walk recurses once per level)", i, d, SHAP_MAX_DEPTH);
    ShapTree *st = &c->trees[i];
    memset(st, 0, sizeof *st);
    st->t = t;
    st->depth = d;
    st->mean = xgb_alloc(sizeof(double) * t->n_nodes);
    st->frac = xgb_alloc(sizeof(double) * t->n_nodes);
    if (!st->mean || !st->frac) { free(st->mean); free(st->frac); st->mean = st->frac = NULL; return -1; }
    st->frac[0] = 1.0;
    fill_means(t, 0, st->mean, st->frac);
    c->n = i + 1;
  }
  return 0;
}

/* The trees whose tables are built, in parallel: one tree a task. */
typedef struct { ShapModel *m; const int32_t *tree; } TablesJob;

static void tables_task(void *arg, int task) {
  const TablesJob *j = arg;
  ShapScratch *s = &j->m->scratch[par_thread_index()];
  size_t at_feats = 0, at_table = 0;
  build_tables(&j->m->trees[j->tree[task]], j->m, s, 0, s->feats, s->zero, 0, &at_feats, &at_table);
}

/* Tables for the trees of [0, m->n_trees) not yet decided, where they repay their building over FAST_TABLE_ROWS rows
 * and fit what is left of the budget; where memory runs short, the recursion does the work instead. */
static int prepare_tables(ShapCache *c, ShapModel *m) {
  int from = c->planned, to = m->n_trees;
  if (from >= to) return 0;
  int32_t *feats = m->scratch[0].feats, *tree = malloc(sizeof(int32_t) * (to - from));
  if (!tree) return xgb_fail("out of memory preparing contributions");
  int n = 0;
  for (int i = from; i < to; i++) {
    ShapTree *st = &m->trees[i];
    const Tree *t = st->t;
    TablePlan pl = { 0 };
    plan_tables(t, 0, feats, 0, &pl);
    if (pl.max_d > FAST_MAX_PATH || pl.table > c->budget) continue;
    if (!(pl.build + FAST_TABLE_ROWS * pl.per_row_tables < FAST_TABLE_ROWS * pl.per_row_recursion)) continue;
    st->table = malloc(sizeof(float) * (pl.table + 1));
    st->feats = malloc(sizeof(int32_t) * (pl.feats + 1));
    st->at_table = malloc(sizeof(int32_t) * t->n_nodes);
    st->at_feats = malloc(sizeof(int32_t) * t->n_nodes);
    st->elem = malloc(t->n_nodes);
    if (!st->table || !st->feats || !st->at_table || !st->at_feats || !st->elem) { drop_tables(st); c->budget = 0; break; }
    tree[n++] = i;
    st->table_floats = pl.table;
    c->budget -= pl.table;
  }
  TablesJob j = { m, tree };
  int rc = par_run(tables_task, &j, n);
  if (rc < 0)
    for (int k = 0; k < n; k++) { /* undecided again, their budget given back: the next call decides as this one */
      c->budget += m->trees[tree[k]].table_floats;
      m->trees[tree[k]].table_floats = 0;
      drop_tables(&m->trees[tree[k]]);
    }
  else c->planned = to;
  free(tree);
  return rc;
}

/* The model's per-tree numbers (the booster's cache), and working memory for the threads jobs may use now: each
 * with room for a block of up to block_rows rows of contributions (fewer when wide: BLOCK_BYTES), and the
 * conditioned rows of interactions. */
static int shap_prepare(Booster *b, int tree_end, int tables, int block_rows, int interactions, ShapModel *m) {
  memset(m, 0, sizeof *m);
  if (tree_end < 0 || tree_end > b->n_trees) tree_end = b->n_trees;
  int k = b->n_groups > 0 ? b->n_groups : 1;
  if (cache_trees(b, tree_end) < 0) return -1;
  m->bias = xgb_calloc(k, sizeof(double));
  if (!m->bias) goto fail;
  m->trees = b->shap->trees;
  m->n_trees = tree_end;
  for (int g = 0; g < k; g++) m->bias[g] = (float)b->base_margin;
  for (int i = 0; i < tree_end; i++) {
    m->bias[b->tree_group[i]] += m->trees[i].mean[0];
    if (m->trees[i].depth > m->max_depth) m->max_depth = m->trees[i].depth;
  }
  int D = m->max_depth;
  size_t row = (size_t)k * (b->num_feature + 1);
  size_t fit = BLOCK_BYTES / (sizeof(double) * row);
  m->block_rows = fit < 1 ? 1 : fit < (size_t)block_rows ? (int)fit : block_rows;
  m->inv = xgb_alloc(sizeof(double) * (D + 3));
  m->n_scratch = par_threads();
  m->scratch = xgb_calloc(m->n_scratch, sizeof(ShapScratch));
  if (!m->inv || !m->scratch) goto fail;
  for (int i = 0; i < m->n_scratch; i++) {
    ShapScratch *s = &m->scratch[i];
    s->path = xgb_alloc(sizeof(PathElement) * ((size_t)(D + 2) * (D + 3) / 2 + 1));
    s->amount = xgb_alloc(sizeof(double) * (D + 2));
    s->stack = xgb_alloc(sizeof(int32_t) * (D + 1));
    s->stack_mask = xgb_alloc(sizeof(uint32_t) * (D + 1));
    s->feats = xgb_alloc(sizeof(int32_t) * (D + 1));
    s->zero = xgb_alloc(sizeof(double) * (D + 1));
    s->phi = xgb_alloc(sizeof(double) * row * m->block_rows);
    if (!s->path || !s->amount || !s->stack || !s->stack_mask || !s->feats || !s->zero || !s->phi) goto fail;
    if (interactions && (!(s->on = xgb_alloc(sizeof(double) * row)) || !(s->off = xgb_alloc(sizeof(double) * row)))) goto fail;
  }
  m->inv[0] = 0;
  for (int i = 1; i < D + 3; i++) m->inv[i] = 1.0 / i;
  if (tables && prepare_tables(b->shap, m) < 0) goto fail;
  return 0;
fail:
  shap_release(m);
  return -1;
}

/* ---- contributions of a block of rows ----------------------------------------------- */

static void saabas(const ShapModel *m, int ti, const float *x, double *phi) {
  const ShapTree *st = &m->trees[ti];
  const Tree *t = st->t;
  int nid = 0;
  while (t->left[nid] >= 0) {
    int f = t->feature[nid], next = tree_next_node(t, nid, x[f]);
    phi[f] += st->mean[next] - st->mean[nid];
    nid = next;
  }
}

/* phi[(row - r0) * K * W + group * W + j] for rows [r0, r1), bias included; tree by tree
 * over the block, so each tree's tables are read from cache. */
static void block_contribs(const ShapModel *m, ShapScratch *s, const int32_t *tree_group, const float *X, const int32_t *rows, int ncol, int r0, int r1,
                           int M, int K, int approx, double *phi) {
  size_t W = (size_t)M + 1, row = (size_t)K * W;
  memset(phi, 0, sizeof(double) * row * (r1 - r0));
  for (int r = r0; r < r1; r++)
    for (int g = 0; g < K; g++) phi[(r - r0) * row + g * W + M] = m->bias[g];
  for (int t = 0; t < m->n_trees; t++) {
    const ShapTree *st = &m->trees[t];
    double *pg = phi + (size_t)tree_group[t] * W;
    for (int r = r0; r < r1; r++) {
      const float *x = x_row(X, rows, (size_t)ncol, r);
      double *pr = pg + (r - r0) * row;
      if (approx) saabas(m, t, x, pr);
      else if (st->table) table_walk(s, st, x, pr);
      else tree_shap(m, s, t, x, pr, 0, 0);
    }
  }
}

/* ---- exported ----------------------------------------------------------------------- */

XGB_API int bst_shap_task_rows(int interactions) { return interactions ? INTERACTION_BLOCK : ROW_BLOCK; }

/* A chunk of rows (for_row_chunks) is explained in blocks of rows, one block a task. */
typedef struct {
  Booster *b; const ShapModel *m; int ncol, M, K, approx;
  const int32_t *start, *list; /* interactions: the trees splitting on each feature */
  const float *X; const int32_t *rows; int r0, n; /* the chunk */
  float *out;
} ShapJob;

static void contribs_task(void *arg, int task) {
  const ShapJob *j = arg;
  ShapScratch *s = &j->m->scratch[par_thread_index()];
  size_t row = (size_t)j->K * (j->M + 1);
  int B = j->m->block_rows, i0 = task * B, i1 = i0 + B < j->n ? i0 + B : j->n;
  block_contribs(j->m, s, j->b->tree_group, j->X, j->rows, j->ncol, i0, i1, j->M, j->K, j->approx, s->phi);
  float *o = j->out + (size_t)(j->r0 + i0) * row;
  for (size_t k = 0; k < row * (i1 - i0); k++) o[k] = (float)s->phi[k];
}

static int contribs_chunk(void *arg, const float *X, const int32_t *rows, int r0, int n) {
  ShapJob *j = arg;
  j->X = X; j->rows = rows; j->r0 = r0; j->n = n;
  return par_run(contribs_task, j, (n + j->m->block_rows - 1) / j->m->block_rows);
}

/* X NULL: qm's decoded rows (qmatrix.h), for a model bst_check_decode accepts. */
XGB_API int bst_predict_contribs(Booster *b, const float *X, const QMatrix *qm, int x_rows, int ncol, const int32_t *rows, int nrow, int tree_end, int approx, float *out) {
  if (ncol < b->num_feature) return xgb_fail("data has %d features but the model uses %d", ncol, b->num_feature);
  if (rows_check(rows, nrow, x_rows, "predict") < 0) return -1;
  if (!X && bst_check_decode(b, qm, 0, tree_end) < 0) return -1;
  ShapModel m;
  if (shap_prepare(b, tree_end, !approx, ROW_BLOCK, 0, &m) < 0) return -1;
  ShapJob j = { b, &m, ncol, b->num_feature, b->n_groups > 0 ? b->n_groups : 1, approx, NULL, NULL, NULL, NULL, 0, 0, out };
  int rc = for_row_chunks(X, qm, rows, nrow, ncol, contribs_chunk, &j);
  shap_release(&m);
  return rc;
}

static void interactions_task(void *arg, int task) {
  const ShapJob *j = arg;
  const ShapModel *m = j->m;
  ShapScratch *s = &m->scratch[par_thread_index()];
  int M = j->M, K = j->K, W = M + 1;
  size_t row = (size_t)K * W;
  const int32_t *start = j->start, *list = j->list;
  double *phi = s->phi, *on = s->on, *off = s->off;
  int B = m->block_rows, i0 = task * B, i1 = i0 + B < j->n ? i0 + B : j->n;
  block_contribs(m, s, j->b->tree_group, j->X, j->rows, j->ncol, i0, i1, M, K, j->approx, phi);
  for (int r = i0; r < i1; r++) {
    const float *x = x_row(j->X, j->rows, (size_t)j->ncol, r);
    const double *pr = phi + (size_t)(r - i0) * row;
    float *o = j->out + (size_t)(j->r0 + r) * row * W;
    memset(o, 0, sizeof(float) * row * W);
    for (int g = 0; g < K; g++) o[((size_t)g * W + M) * W + M] = (float)pr[g * W + M];
    for (int i = 0; i < M; i++) {
      if (j->approx || start[i] == start[i + 1]) {
        /* Saabas has no interactions (as XGBoost); a feature no tree splits on has none */
        for (int g = 0; g < K; g++) o[((size_t)g * W + i) * W + i] = (float)pr[g * W + i];
        continue;
      }
      memset(on, 0, sizeof(double) * row);
      memset(off, 0, sizeof(double) * row);
      for (int k = start[i]; k < start[i + 1]; k++) {
        int t = list[k];
        size_t g = (size_t)j->b->tree_group[t] * W;
        tree_shap(m, s, t, x, on + g, 1, i);
        tree_shap(m, s, t, x, off + g, -1, i);
      }
      for (int g = 0; g < K; g++) {
        float *oi = o + ((size_t)g * W + i) * W;
        double diag = pr[g * W + i];
        for (int jj = 0; jj < M; jj++) {
          if (jj == i) continue;
          double v = (on[g * W + jj] - off[g * W + jj]) / 2;
          oi[jj] = (float)v;
          diag -= v;
        }
        oi[i] = (float)diag;
      }
    }
  }
}

static int interactions_chunk(void *arg, const float *X, const int32_t *rows, int r0, int n) {
  ShapJob *j = arg;
  j->X = X; j->rows = rows; j->r0 = r0; j->n = n;
  return par_run(interactions_task, j, (n + j->m->block_rows - 1) / j->m->block_rows);
}

XGB_API int bst_predict_interactions(Booster *b, const float *X, const QMatrix *qm, int x_rows, int ncol, const int32_t *rows, int nrow, int tree_end, int approx, float *out) {
  if (ncol < b->num_feature) return xgb_fail("data has %d features but the model uses %d", ncol, b->num_feature);
  if (rows_check(rows, nrow, x_rows, "predict") < 0) return -1;
  if (!X && bst_check_decode(b, qm, 0, tree_end) < 0) return -1;
  ShapModel m;
  if (shap_prepare(b, tree_end, !approx, INTERACTION_BLOCK, 1, &m) < 0) return -1;
  int M = b->num_feature, K = b->n_groups > 0 ? b->n_groups : 1, rc = -1;
  /* which trees split on each feature: list[start[f] .. start[f + 1]) */
  int32_t *start = xgb_calloc(M + 2, sizeof(int32_t)), *seen = xgb_alloc(sizeof(int32_t) * (M + 1)), *fill = xgb_alloc(sizeof(int32_t) * (M + 1)), *list = NULL;
  if (!start || !seen || !fill) goto done;
  for (int pass = 0; pass < 2; pass++) {
    for (int f = 0; f < M; f++) seen[f] = -1;
    for (int t = 0; t < m.n_trees; t++) {
      const Tree *tr = m.trees[t].t;
      for (int nid = 0; nid < tr->n_nodes; nid++) {
        int f = tr->feature[nid];
        if (tr->left[nid] < 0 || seen[f] == t) continue;
        seen[f] = t;
        if (pass == 0) start[f + 1]++;
        else list[fill[f]++] = t;
      }
    }
    if (pass == 0) {
      for (int f = 0; f < M; f++) start[f + 1] += start[f];
      memcpy(fill, start, sizeof(int32_t) * (M + 1));
      if (!(list = xgb_alloc(sizeof(int32_t) * (start[M] + 1)))) goto done;
    }
  }
  {
    ShapJob j = { b, &m, ncol, M, K, approx, start, list, NULL, NULL, 0, 0, out };
    if (for_row_chunks(X, qm, rows, nrow, ncol, interactions_chunk, &j) < 0) goto done;
  }
  rc = 0;
done:
  free(start); free(seen); free(fill); free(list);
  shap_release(&m);
  return rc;
}
