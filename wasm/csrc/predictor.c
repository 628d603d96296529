#include "predictor.h"
#include "threads.h"

int predict_leaf(const Tree *t, const float *row) {
  int nid = 0;
  while (t->left[nid] >= 0) nid = tree_next_node(t, nid, row[t->feature[nid]]);
  return nid;
}

/* A node packed into 16 bytes, so one step of the walk touches one cache line, and the
 * choice between the children is computed rather than branched on (which way a row
 * goes is a coin flip the branch predictor cannot learn). */
typedef struct {
  int32_t child[2];  /* left, right; -1 for a leaf */
  uint32_t feature;  /* split feature; bit 31: missing values go left; bit 29: categorical */
  union {
    float value;     /* numeric split condition, or the leaf output */
    uint32_t cats;   /* categorical split: index in the packed pool of [n_words, words...] */
  };
} PackedNode;

#define DEFAULT_LEFT_BIT 0x80000000u
#define CATEGORICAL_BIT 0x20000000u
#define FEATURE_MASK 0x1fffffffu

/* Numeric trees only: the walk as it was before categorical splits existed, so models
 * without them pay nothing for them. */
static inline float walk(const PackedNode *nodes, const float *row) {
  const PackedNode *n = nodes;
  while (n->child[0] >= 0) {
    float v = row[n->feature & ~DEFAULT_LEFT_BIT];
    int right = isnan(v) ? !(n->feature & DEFAULT_LEFT_BIT) : !(v < n->value);
    n = nodes + n->child[right];
  }
  return n->value;
}

/* Trees with categorical splits: the same rule as tree_goes_left (tree.h). */
static inline float walk_categorical(const PackedNode *nodes, const uint32_t *pool, const float *row) {
  const PackedNode *n = nodes;
  while (n->child[0] >= 0) {
    float v = row[n->feature & FEATURE_MASK];
    int right;
    if (isnan(v)) right = !(n->feature & DEFAULT_LEFT_BIT);
    else if (n->feature & CATEGORICAL_BIT) right = category_in_set(pool + n->cats + 1, (int)pool[n->cats], v);
    else right = !(v < n->value);
    n = nodes + n->child[right];
  }
  return n->value;
}

/* Trees of depth up to FIXED_DEPTH_MAX without categorical splits are walked with
 * leaves as self-loops (both children the leaf itself): every row takes exactly `depth`
 * steps, with no test for "at a leaf", and WALK_LANES rows go down the tree side by
 * side, so their independent chains of loads overlap instead of waiting on each other.
 * A row that reaches a leaf early just stays there. */
enum { FIXED_DEPTH_MAX = 12, WALK_LANES = 8, BLOCK_ROWS = 64, TASK_ROWS = 2048 };

static inline void walk_lanes(const PackedNode *nodes, int depth, const float *X, const int32_t *rows, size_t ncol, int r0,
                              float *margin, int n_groups, int g) {
  int32_t at[WALK_LANES];
  const float *row[WALK_LANES];
  for (int k = 0; k < WALK_LANES; k++) { at[k] = 0; row[k] = x_row(X, rows, ncol, r0 + k); }
  for (int d = 0; d < depth; d++) {
    for (int k = 0; k < WALK_LANES; k++) {
      const PackedNode *n = nodes + at[k];
      float v = row[k][n->feature & FEATURE_MASK];
      int left = isnan(v) ? (n->feature & DEFAULT_LEFT_BIT) != 0 : v < n->value;
      at[k] = n->child[!left];
    }
  }
  for (int k = 0; k < WALK_LANES; k++) margin[(size_t)(r0 + k) * n_groups + g] += nodes[at[k]].value;
}

static inline float walk_fixed(const PackedNode *nodes, int depth, const float *row) {
  int32_t at = 0;
  for (int d = 0; d < depth; d++) {
    const PackedNode *n = nodes + at;
    float v = row[n->feature & FEATURE_MASK];
    int left = isnan(v) ? (n->feature & DEFAULT_LEFT_BIT) != 0 : v < n->value;
    at = n->child[!left];
  }
  return nodes[at].value;
}

typedef struct {
  const PackedNode *packed; const size_t *start; const int32_t *depth; const uint32_t *pool;
  const int32_t *tree_group; int t_begin, t_end;
  const float *X; const int32_t *rows; int nrow, ncol, n_groups; float *margin;
} PredictJob;

/* Rows [task * TASK_ROWS, ...): blocks of rows, all trees per block, so the rows stay in
 * cache while the trees stream. Each row's outputs are added in tree order, as on one
 * thread: which thread runs a task changes nothing. */
static void predict_task(void *arg, int task) {
  const PredictJob *j = arg;
  int r_end = (task + 1) * TASK_ROWS < j->nrow ? (task + 1) * TASK_ROWS : j->nrow;
  size_t ncol = (size_t)j->ncol;
  int n_groups = j->n_groups;
  float *margin = j->margin;
  for (int r0 = task * TASK_ROWS; r0 < r_end; r0 += BLOCK_ROWS) {
    int r1 = r0 + BLOCK_ROWS < r_end ? r0 + BLOCK_ROWS : r_end;
    for (int t = j->t_begin; t < j->t_end; t++) {
      const PackedNode *nodes = j->packed + j->start[t - j->t_begin];
      int g = j->tree_group[t], depth = j->depth[t - j->t_begin], r = r0;
      if (j->pool) {
        for (; r < r1; r++) margin[(size_t)r * n_groups + g] += walk_categorical(nodes, j->pool, x_row(j->X, j->rows, ncol, r));
        continue;
      }
      if (depth <= FIXED_DEPTH_MAX) {
        for (; r + WALK_LANES <= r1; r += WALK_LANES) walk_lanes(nodes, depth, j->X, j->rows, ncol, r, margin, n_groups, g);
        for (; r < r1; r++) margin[(size_t)r * n_groups + g] += walk_fixed(nodes, depth, x_row(j->X, j->rows, ncol, r));
      } else {
        for (; r < r1; r++) margin[(size_t)r * n_groups + g] += walk(nodes, x_row(j->X, j->rows, ncol, r));
      }
    }
  }
}

int predict_add(const Tree *trees, const int32_t *tree_group, int t_begin, int t_end,
                const float *X, const int32_t *rows, int nrow, int ncol, int n_groups, float *margin) {
  if (t_end <= t_begin || nrow <= 0) return 0;
  size_t total = 0, pool_size = 0;
  for (int t = t_begin; t < t_end; t++) {
    const Tree *tr = &trees[t];
    total += tr->n_nodes;
    for (int i = 0; i < tr->n_nodes; i++)
      if (tr->split_type[i] == SPLIT_CATEGORICAL && tr->left[i] >= 0) pool_size += 1 + (size_t)tr->cat_size[i];
  }
  PackedNode *packed = malloc(sizeof(PackedNode) * total);
  size_t *start = malloc(sizeof(size_t) * (t_end - t_begin));
  int32_t *depth = malloc(sizeof(int32_t) * (t_end - t_begin));
  uint32_t *pool = pool_size ? malloc(sizeof(uint32_t) * pool_size) : NULL;
  if (!packed || !start || !depth || (pool_size && !pool)) {
    /* no memory for the packed copy: walk the trees as stored */
    free(packed); free(start); free(depth); free(pool);
    for (int r = 0; r < nrow; r++)
      for (int t = t_begin; t < t_end; t++)
        margin[(size_t)r * n_groups + tree_group[t]] += trees[t].cond[predict_leaf(&trees[t], x_row(X, rows, (size_t)ncol, r))];
    return 0;
  }
  size_t at = 0, pool_at = 0;
  for (int t = t_begin; t < t_end; t++) {
    const Tree *tr = &trees[t];
    start[t - t_begin] = at;
    depth[t - t_begin] = pool ? FIXED_DEPTH_MAX + 1 : tree_depth(tr);
    if (depth[t - t_begin] < 0) depth[t - t_begin] = FIXED_DEPTH_MAX + 1; /* no memory to measure it: the checked walk */
    for (int i = 0; i < tr->n_nodes; i++) {
      PackedNode *n = &packed[at + i];
      if (tr->left[i] < 0) {
        /* a leaf: -1 children for the checked walks; the fixed-depth walk never reads
         * them, as it stops after `depth` steps — but rows already at a leaf keep
         * stepping, so a leaf of a fixed-depth tree points at itself */
        int self = !pool && depth[t - t_begin] <= FIXED_DEPTH_MAX;
        n->child[0] = n->child[1] = self ? i : -1;
        n->feature = 0;
        n->value = tr->cond[i];
        continue;
      }
      n->child[0] = tr->left[i];
      n->child[1] = tr->right[i];
      n->feature = (uint32_t)tr->feature[i] | (tr->default_left[i] ? DEFAULT_LEFT_BIT : 0);
      if (tr->split_type[i] == SPLIT_CATEGORICAL) {
        n->feature |= CATEGORICAL_BIT;
        n->cats = (uint32_t)pool_at;
        pool[pool_at] = (uint32_t)tr->cat_size[i];
        memcpy(pool + pool_at + 1, tr->cat_words + tr->cat_begin[i], sizeof(uint32_t) * tr->cat_size[i]);
        pool_at += 1 + (size_t)tr->cat_size[i];
      } else {
        n->value = tr->cond[i];
      }
    }
    at += tr->n_nodes;
  }
  PredictJob j = { packed, start, depth, pool, tree_group, t_begin, t_end, X, rows, nrow, ncol, n_groups, margin };
  int rc = par_run(predict_task, &j, (nrow + TASK_ROWS - 1) / TASK_ROWS);
  free(packed); free(start); free(depth); free(pool);
  return rc;
}

/* ---- prediction on bin codes ------------------------------------------------------------
 * Rows whose floats were released are held only as their bin codes (qmatrix.h). A numeric
 * split of a tree trained on those bins is at a cut c_b of its feature (or at below_min, which
 * sends every present value right), and "x < c_b" is "code <= b" (binning.h): so the walk can
 * read the codes themselves, one byte a node, instead of decoding every feature of every row to
 * floats first — which, for the one new tree an evaluation set gets per round, cost several
 * times the walk. Same leaves, same order of additions: the same margins as the decoded walk. */
typedef struct {
  int32_t child[2];  /* left, right; a leaf: itself in trees of depth up to FIXED_DEPTH_MAX (every walk takes `depth`
                      * steps, as in walk_fixed), else -1 */
  uint16_t feature;  /* byte column of the split feature */
  uint16_t missing;  /* the feature's missing code (its bin count, up to 256), | MISSING_LEFT_BIT: missing values go left */
  union {
    int32_t bin;     /* numeric split: left when code <= bin (-1: every present value right) */
    float value;     /* leaf output */
  };
} BinNode;
#define MISSING_LEFT_BIT 0x8000u

/* The child a row goes to from node n: left when its code is at most the split's bin, missing values as the node says. */
static inline int32_t bin_step(const BinNode *n, const uint8_t *row) {
  int code = row[n->feature];
  int left = code == (int)(n->missing & ~MISSING_LEFT_BIT) ? (n->missing & MISSING_LEFT_BIT) != 0 : code <= n->bin;
  return n->child[!left];
}

typedef struct {
  const BinNode *packed; const size_t *start; const int32_t *depth; const int32_t *tree_group; int t_begin, t_end;
  const uint8_t *bins; size_t stride; const int32_t *rows; int nrow, n_groups; float *margin;
} BinPredictJob;

static void predict_bins_task(void *arg, int task) {
  const BinPredictJob *j = arg;
  int r_end = (task + 1) * TASK_ROWS < j->nrow ? (task + 1) * TASK_ROWS : j->nrow;
  for (int r0 = task * TASK_ROWS; r0 < r_end; r0 += BLOCK_ROWS) {
    int r1 = r0 + BLOCK_ROWS < r_end ? r0 + BLOCK_ROWS : r_end;
    for (int t = j->t_begin; t < j->t_end; t++) {
      const BinNode *nodes = j->packed + j->start[t - j->t_begin];
      int g = j->tree_group[t], depth = j->depth[t - j->t_begin];
      int r = r0;
      if (depth <= FIXED_DEPTH_MAX) {
        /* WALK_LANES rows side by side, as walk_lanes: their chains of loads overlap */
        for (; r + WALK_LANES <= r1; r += WALK_LANES) {
          const uint8_t *row[WALK_LANES];
          int32_t at[WALK_LANES];
          for (int k = 0; k < WALK_LANES; k++) { row[k] = j->bins + (size_t)(j->rows ? j->rows[r + k] : r + k) * j->stride; at[k] = 0; }
          for (int d = 0; d < depth; d++)
            for (int k = 0; k < WALK_LANES; k++) at[k] = bin_step(nodes + at[k], row[k]);
          for (int k = 0; k < WALK_LANES; k++) j->margin[(size_t)(r + k) * j->n_groups + g] += nodes[at[k]].value;
        }
      }
      for (; r < r1; r++) {
        const uint8_t *row = j->bins + (size_t)(j->rows ? j->rows[r] : r) * j->stride;
        int32_t at = 0;
        if (depth <= FIXED_DEPTH_MAX) {
          for (int d = 0; d < depth; d++) at = bin_step(nodes + at, row);
        } else {
          while (nodes[at].child[0] >= 0) at = bin_step(nodes + at, row);
        }
        j->margin[(size_t)r * j->n_groups + g] += nodes[at].value;
      }
    }
  }
}

int predict_add_bins(const Tree *trees, const int32_t *tree_group, int t_begin, int t_end, const QMatrix *qm,
                     const int32_t *rows, int nrow, int n_groups, float *margin) {
  if (t_end <= t_begin || nrow <= 0) return 0;
  size_t total = 0;
  for (int t = t_begin; t < t_end; t++) total += trees[t].n_nodes;
  BinNode *packed = malloc(sizeof(BinNode) * total);
  size_t *start = malloc(sizeof(size_t) * (t_end - t_begin));
  int32_t *depth = malloc(sizeof(int32_t) * (t_end - t_begin));
  if (!packed || !start || !depth) {
    free(packed); free(start); free(depth);
    return xgb_fail("out of memory predicting on bins");
  }
  size_t at = 0;
  for (int t = t_begin; t < t_end; t++) {
    const Tree *tr = &trees[t];
    start[t - t_begin] = at;
    depth[t - t_begin] = tree_depth(tr);
    if (depth[t - t_begin] < 0) depth[t - t_begin] = FIXED_DEPTH_MAX + 1; /* no memory to measure it: the checked walk */
    for (int i = 0; i < tr->n_nodes; i++) {
      BinNode *n = &packed[at + i];
      if (tr->left[i] < 0) {
        n->child[0] = n->child[1] = depth[t - t_begin] <= FIXED_DEPTH_MAX ? i : -1;
        n->feature = 0; n->missing = 0;
        n->value = tr->cond[i];
        continue;
      }
      int f = tr->feature[i];
      n->child[0] = tr->left[i];
      n->child[1] = tr->right[i];
      n->feature = (uint16_t)f;
      n->missing = (uint16_t)(qm->cuts.n_bins[f] | (tr->default_left[i] ? MISSING_LEFT_BIT : 0));
      n->bin = cuts_index(&qm->cuts, f, tr->cond[i]); /* -1 for below_min (qm_check_model): every present value right */
    }
    at += tr->n_nodes;
  }
  BinPredictJob j = { packed, start, depth, tree_group, t_begin, t_end, qm->bins, (size_t)qm->stride, rows, nrow, n_groups, margin };
  int rc = par_run(predict_bins_task, &j, (nrow + TASK_ROWS - 1) / TASK_ROWS);
  free(packed); free(start); free(depth);
  return rc;
}
