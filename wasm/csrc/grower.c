#include "grower.h"
#include "threads.h"

/* ctx->field grown to cap elements, its old ones kept (a macro: each array has its own element type) */
#define GROW_NODE_ARRAY(field, cap)                                                         \
  do {                                                                                      \
    void *grown_ = realloc(ctx->field, sizeof *ctx->field * (size_t)(cap));                \
    if (!grown_) return xgb_fail("out of memory in tree growth");                           \
    ctx->field = grown_;                                                                    \
  } while (0)

int grow_reserve_nodes(GrowContext *ctx, int n) {
  if (n <= ctx->node_cap) return 0;
  int cap = ctx->node_cap ? ctx->node_cap : 64;
  while (cap < n) cap *= 2;
  GROW_NODE_ARRAY(node_begin, cap);
  GROW_NODE_ARRAY(node_end, cap);
  GROW_NODE_ARRAY(node_virtual, cap);
  GROW_NODE_ARRAY(node_alt, cap);
  GROW_NODE_ARRAY(node_split_bin, cap);
  GROW_NODE_ARRAY(node_lower, cap);
  GROW_NODE_ARRAY(node_upper, cap);
  ctx->node_cap = cap;
  return 0;
}

/* The side of the row whose codes are at src: for a numeric split (cat == NULL) its bin code against
 * (bin, default_left); for a categorical one bins_go_left on the tree node (grower.h). */
XGB_HOT_INLINE int goes_left(GrowContext *ctx, const uint8_t *src, int feature, int bin, int miss, int default_left,
                             const Tree *cat, int nid) {
  if (cat) return bins_go_left(ctx, cat, nid, src);
  int code = src[feature];
  return code == miss ? default_left : code <= bin;
}

/* Stable in-place partition of positions [begin, end) in single-threaded working memory, where every node's rows are
 * in the rows' own arrays and the scratch holds half the rows (GrowContext.scratch_cap). Returns the first position of
 * the right child. Usually rows going left are compacted forward (a row never moves to a later position, so copying
 * in place is safe) and rows going right are staged in the scratch and copied back after them. A node larger than
 * the scratch — the root, a large first child — first counts its sides, and when its right side is the larger one,
 * the mirror image runs instead: rows going right are compacted backward from the end (a row never moves to an
 * earlier position), rows going left staged and copied back before them. The result is the same stable partition
 * either way. Inlined into its callers, so each loop is specialised. */
static inline int partition_by(GrowContext *ctx, int begin, int end, int feature, int bin, int default_left,
                               const Tree *cat, int nid) {
  size_t stride = (size_t)ctx->stride;
  int cap = ctx->scratch_cap;
  uint8_t *bins = ctx->bins, *sb = ctx->scratch_bins;
  GradPair *gh = ctx->gh, *sg = ctx->scratch_gh;
  uint32_t *rows = ctx->rows, *sr = ctx->scratch_rows;
  int miss = ctx->cuts->n_bins[feature];
  if (end - begin > cap) {
    int n_left = 0;
    for (int i = begin; i < end; i++) n_left += goes_left(ctx, bins + (size_t)i * stride, feature, bin, miss, default_left, cat, nid);
    if (end - begin - n_left > cap) {
      /* the left side is the smaller: stage it (filled from its end, so in order), compact the right side backward */
      int nr = end, sl = n_left;
      for (int i = end - 1; i >= begin; i--) {
        const uint8_t *src = bins + (size_t)i * stride;
        if (goes_left(ctx, src, feature, bin, miss, default_left, cat, nid)) {
          sl--;
          copy_row(sb + (size_t)sl * stride, src, stride);
          sg[sl] = gh[i];
          sr[sl] = rows[i];
        } else {
          nr--;
          if (nr != i) {
            copy_row(bins + (size_t)nr * stride, src, stride);
            gh[nr] = gh[i];
            rows[nr] = rows[i];
          }
        }
      }
      memcpy(bins + (size_t)begin * stride, sb, (size_t)n_left * stride);
      memcpy(gh + begin, sg, sizeof(GradPair) * n_left);
      memcpy(rows + begin, sr, sizeof(uint32_t) * n_left);
      return begin + n_left;
    }
  }
  int nl = begin, nr = 0;
  for (int i = begin; i < end; i++) {
    const uint8_t *src = bins + (size_t)i * stride;
    int left = goes_left(ctx, src, feature, bin, miss, default_left, cat, nid);
    if (left) {
      if (nl != i) {
        copy_row(bins + (size_t)nl * stride, src, stride);
        gh[nl] = gh[i];
        rows[nl] = rows[i];
      }
      nl++;
    } else {
      copy_row(sb + (size_t)nr * stride, src, stride);
      sg[nr] = gh[i];
      sr[nr] = rows[i];
      nr++;
    }
  }
  memcpy(bins + (size_t)nl * stride, sb, (size_t)nr * stride);
  memcpy(gh + nl, sg, sizeof(GradPair) * nr);
  memcpy(rows + nl, sr, sizeof(uint32_t) * nr);
  return nl;
}

/* The partition in working memory built for several threads, whose scratch holds every row: (1) each block of rows
 * records every row's side and counts its left rows; (2) with the counts' prefix sums every block knows where its
 * left and right rows go, and copies them there in the other set of row arrays, where they stay (node_alt: grower.h)
 * — each row copied once, where the in-place partition (partition_by) copies it one and a half times on average. A
 * large node's blocks run on every thread; a node too small to share out is one block on this thread (a symmetric
 * level's small nodes side by side, each on its own thread: partition_level). A stable partition is unique, so the
 * result is exactly the sequential one. Single-threaded working memory keeps half a scratch and partition_by (22
 * bytes a row of 28 features less per fit, which a training job running two fits at once needs: 3344f26). */
enum { PAR_PARTITION_MIN_ROWS = 65536, PARTITION_BLOCKS = 64 };
typedef struct {
  GrowContext *ctx; RowArrays from, to; int begin, end, block, feature, bin, default_left; const Tree *cat; int nid;
  int32_t left_count[PARTITION_BLOCKS], left_at[PARTITION_BLOCKS], right_at[PARTITION_BLOCKS];
} PartitionJob;

static void side_task(void *arg, int k) {
  PartitionJob *j = arg;
  GrowContext *ctx = j->ctx;
  int i0 = j->begin + k * j->block, i1 = i0 + j->block < j->end ? i0 + j->block : j->end;
  size_t stride = (size_t)ctx->stride;
  int miss = ctx->cuts->n_bins[j->feature], n_left = 0;
  for (int i = i0; i < i1; i++) {
    int left = goes_left(ctx, j->from.bins + (size_t)i * stride, j->feature, j->bin, miss, j->default_left, j->cat, j->nid);
    ctx->side[i] = (uint8_t)left;
    n_left += left;
  }
  j->left_count[k] = n_left;
}

static void scatter_task(void *arg, int k) {
  PartitionJob *j = arg;
  GrowContext *ctx = j->ctx;
  int i0 = j->begin + k * j->block, i1 = i0 + j->block < j->end ? i0 + j->block : j->end;
  size_t stride = (size_t)ctx->stride;
  int l = j->left_at[k], r = j->right_at[k];
  RowArrays from = j->from, to = j->to;
  for (int i = i0; i < i1; i++) {
    int at = ctx->side[i] ? l++ : r++;
    copy_row(to.bins + (size_t)at * stride, from.bins + (size_t)i * stride, stride);
    to.gh[at] = from.gh[i];
    to.rows[at] = from.rows[i];
  }
}

/* the blocks of a partition: on the core's threads (par_run), or one block here */
static int run_blocks(void (*task)(void *, int), PartitionJob *j, int blocks) {
  if (blocks > 1) return par_run(task, j, blocks);
  task(j, 0);
  return 0;
}

/* node `node`'s rows (in the arrays node_alt says) partitioned into the other set, node_alt then that; cat / nid: the
 * categorical split, else NULL. Returns the right side's first position, or -1 when a thread of the pool failed. */
static int partition_scatter(GrowContext *ctx, int node, int feature, int bin, int default_left, const Tree *cat, int nid) {
  int begin = ctx->node_begin[node], end = ctx->node_end[node], alt = ctx->node_alt[node];
  PartitionJob j = { ctx, row_arrays(ctx, alt), row_arrays(ctx, !alt), begin, end, 0, feature, bin, default_left, cat, nid, {0}, {0}, {0} };
  int n = end - begin, blocks = grow_threaded(ctx) && n >= PAR_PARTITION_MIN_ROWS ? par_threads() * 4 : 1;
  if (blocks > PARTITION_BLOCKS) blocks = PARTITION_BLOCKS;
  j.block = n > 0 ? (n + blocks - 1) / blocks : 1;
  blocks = n > 0 ? (n + j.block - 1) / j.block : 1;
  if (run_blocks(side_task, &j, blocks) < 0) return -1;
  int mid = begin;
  for (int k = 0; k < blocks; k++) mid += j.left_count[k];
  int l = begin, r = mid;
  for (int k = 0; k < blocks; k++) {
    int rows = (k + 1 < blocks ? j.block : n - k * j.block);
    j.left_at[k] = l; j.right_at[k] = r;
    l += j.left_count[k]; r += rows - j.left_count[k];
  }
  if (run_blocks(scatter_task, &j, blocks) < 0) return -1;
  ctx->node_alt[node] = (uint8_t)!alt;
  return mid;
}

/* node `node` partitioned: scattered where the scratch holds every row (`side`: booster.c acquire), else in place */
static int partition_node(GrowContext *ctx, int node, int feature, int bin, int default_left, const Tree *cat, int nid) {
  return ctx->side ? partition_scatter(ctx, node, feature, bin, default_left, cat, nid)
                   : partition_by(ctx, ctx->node_begin[node], ctx->node_end[node], feature, bin, default_left, cat, nid);
}

int partition_rows(GrowContext *ctx, int nid, int feature, int bin, int default_left) {
  return partition_node(ctx, nid, feature, bin, default_left, NULL, 0);
}

int partition_rows_categorical(GrowContext *ctx, const Tree *t, int nid) {
  return partition_node(ctx, nid, t->feature[nid], 0, 0, t, nid);
}

/* partition_level's job: node k of the level */
typedef struct {
  GrowContext *ctx; const int32_t *nodes; int32_t *mid; double *GL, *HL, *GR, *HR;
  int feature, bin, default_left, move;
} LevelJob;

static void level_node(const LevelJob *j, int k) {
  GrowContext *ctx = j->ctx;
  int node = j->nodes[k], b = ctx->node_begin[node], e = ctx->node_end[node];
  if (!j->move) {
    j->mid[k] = e;
    sum_sides(ctx, ctx->node_alt[node], b, e, j->feature, j->bin, j->default_left, &j->GL[k], &j->HL[k], &j->GR[k], &j->HR[k]);
    return;
  }
  /* a node left for here is one block on this thread (partition_scatter), which cannot fail */
  if (j->mid[k] < 0) j->mid[k] = partition_node(ctx, node, j->feature, j->bin, j->default_left, NULL, 0);
  sum_gradients(ctx, ctx->node_alt[node], b, j->mid[k], &j->GL[k], &j->HL[k]);
  sum_gradients(ctx, ctx->node_alt[node], j->mid[k], e, &j->GR[k], &j->HR[k]);
}

static void level_task(void *arg, int k) { level_node(arg, k); }

int partition_level(GrowContext *ctx, const int32_t *nodes, int n, int feature, int bin, int default_left,
                    int move, int32_t *mid, double *GL, double *HL, double *GR, double *HR) {
  LevelJob j = { ctx, nodes, mid, GL, HL, GR, HR, feature, bin, default_left, move };
  for (int k = 0; k < n; k++) mid[k] = -1;
  /* side by side only threaded (each node's rows go to the other set of row arrays, at their own positions) */
  if (!grow_threaded(ctx)) {
    for (int k = 0; k < n; k++) level_node(&j, k);
    return 0;
  }
  if (move)
    for (int k = 0; k < n; k++) {
      int b = ctx->node_begin[nodes[k]], e = ctx->node_end[nodes[k]];
      if (e - b >= PAR_PARTITION_MIN_ROWS && (mid[k] = partition_scatter(ctx, nodes[k], feature, bin, default_left, NULL, 0)) < 0) return -1;
    }
  return par_run(level_task, &j, n);
}

void sum_sides(const GrowContext *ctx, int alt, int begin, int end, int feature, int bin, int default_left, double *GL, double *HL, double *GR, double *HR) {
  const RowArrays a = row_arrays(ctx, alt);
  const uint8_t *bins = a.bins;
  size_t stride = (size_t)ctx->stride;
  int miss = ctx->cuts->n_bins[feature];
  double g[2] = { 0, 0 }, h[2] = { 0, 0 };
  for (int i = begin; i < end; i++) {
    int code = bins[(size_t)i * stride + feature];
    int right = !(code == miss ? default_left : code <= bin);
    g[right] += a.gh[i].g; h[right] += a.gh[i].h;
  }
  *GL = g[0]; *HL = h[0]; *GR = g[1]; *HR = h[1];
}

void sum_gradients(const GrowContext *ctx, int alt, int begin, int end, double *G, double *H) {
  const GradPair *gh = row_arrays(ctx, alt).gh;
  double g = 0, h = 0;
  for (int i = begin; i < end; i++) { g += gh[i].g; h += gh[i].h; }
  *G = g; *H = h;
}

/* k = max(1, floor(fraction × n)) with the product taken in float, as XGBoost's ColumnSampler takes it (its colsample_*
 * are floats): in double, 0.7 × 90 is 62.999… and drew 62 features where native draws 63 (0.35 and 0.65 of 180 too) */
void choose_features(GrowContext *ctx, const int32_t *from, int n, double fraction, int32_t *out, int *n_out) {
  if (fraction >= 1.0) { memcpy(out, from, sizeof(int32_t) * n); *n_out = n; return; }
  int k = (int)((float)fraction * (float)n);
  if (k < 1) k = 1;
  rng_choose(ctx->rng, from, n, k, out);
  *n_out = k;
}

int hist_build_node(const GrowContext *ctx, HistBin *hist, int nid) {
  int begin = ctx->node_begin[nid], end = ctx->node_end[nid];
  RowArrays a = row_arrays(ctx, ctx->node_alt[nid]);
  return hist_build_parallel(hist, ctx->hist_partials, ctx->n_partials, ctx->cuts->total_slots, a.bins + (size_t)begin * ctx->stride,
                             ctx->ncol, ctx->stride, ctx->cuts->offset, a.gh + begin, end - begin);
}

void finish_leaf(const Params *p, Tree *t, int nid, double G, double H) {
  double w = leaf_weight(p, G, H) * p->eta;
  t->left[nid] = t->right[nid] = -1;
  t->cond[nid] = (float)w;
  t->base_weight[nid] = (float)w;
  t->sum_hess[nid] = (float)H;
  t->loss_chg[nid] = 0.0f;
}

/* A leaf of grow_tree. Under monotone constraints its weight is clamped to its parent's bounds: native sets a leaf's
 * value when its parent is split, with the parent's evaluator (evaluate_splits.h ApplyTreeSplit). Its value is the
 * float weight times the float learning_rate, multiplied in float as native (ApplyTreeSplit, InitRoot): the product
 * in double, rounded once, was an ulp off native's on about half the leaves. */
static void finish_tree_leaf(const GrowContext *ctx, Tree *t, int nid, double G, double H) {
  finish_leaf(ctx->p, t, nid, G, H);
  int parent = t->parent[nid];
  float w = ctx->monotone && parent != XGB_NO_PARENT ? bounded_weight(ctx->p, G, H, ctx->node_lower[parent], ctx->node_upper[parent])
                                                     : (float)leaf_weight(ctx->p, G, H);
  t->cond[nid] = t->base_weight[nid] = w * (float)ctx->p->eta;
  /* a tree that is its root alone keeps the root's own weight as its base weight, the leaf value being eta times it
   * (native's InitRoot: base_weight = weight, SetLeaf(learning_rate * weight)); a leaf below a split has the scaled
   * value as both, as native's ExpandNode gives it. The root's was scaled here too: saved base_weights 0.297 where
   * native's are 0.990 (predictions unchanged) */
  if (parent == XGB_NO_PARENT) t->base_weight[nid] = w;
}

/* interaction_constraints (XGBoost's FeatureInteractionConstraintHost, constraints.cc): the features node nid may split
 * on, marked in allowed (cuts->n_features bytes) — every feature at the root; below it the features its ancestors
 * split on, and every feature of each group that holds all of those (none, when no group does: the node may split
 * only on its path's features). path: scratch of n_features ints. */
static void allowed_features(const GrowContext *ctx, const Tree *t, int nid, uint8_t *allowed, int32_t *path) {
  int nf = ctx->cuts->n_features, n_path = 0;
  if (t->parent[nid] == XGB_NO_PARENT) { memset(allowed, 1, (size_t)nf); return; }
  memset(allowed, 0, (size_t)nf);
  for (int a = t->parent[nid]; a != XGB_NO_PARENT; a = t->parent[a]) {
    int f = t->feature[a];
    if (!allowed[f]) { allowed[f] = 1; path[n_path++] = f; }
  }
  for (int g = 0; g < ctx->n_groups; g++) {
    const uint8_t *group = ctx->groups + (size_t)g * nf;
    int k = 0;
    while (k < n_path && group[path[k]]) k++;
    if (k == n_path) for (int f = 0; f < nf; f++) allowed[f] |= group[f];
  }
}

/* A node waiting to be split: its histogram and its best split. */
typedef struct {
  int nid, depth;
  double G, H;
  HistBin *hist;
  SplitInfo split;
} Candidate;

/* Depthwise pops the shallowest node first (level by level, as XGBoost's "depthwise");
 * lossguide pops the node whose split reduces the loss most (as LightGBM). */
static int pick(const Candidate *q, int n, int policy) {
  int best = 0;
  for (int i = 1; i < n; i++) {
    if (policy == GROW_LOSSGUIDE) {
      if (q[i].split.loss_chg > q[best].split.loss_chg ||
          (q[i].split.loss_chg == q[best].split.loss_chg && q[i].nid < q[best].nid)) best = i;
    } else if (q[i].depth < q[best].depth || (q[i].depth == q[best].depth && q[i].nid < q[best].nid)) {
      best = i;
    }
  }
  return best;
}

/* A categorical split becomes the node's category set (split_categorical.c), built
 * from the node's histogram before it is reused for a child. */
static int apply_categorical(GrowContext *ctx, Tree *t, const Candidate *c) {
  int n_words = cat_set_words(ctx->cuts, c->split.feature);
  uint32_t *words = xgb_alloc(sizeof(uint32_t) * n_words);
  if (!words) return -1;
  int rc = split_categorical_set(ctx->p, ctx->cuts, c->hist, &c->split, words);
  if (rc == 0) rc = tree_set_categories(t, c->nid, words, n_words);
  t->feature[c->nid] = c->split.feature;
  t->default_left[c->nid] = (uint8_t)c->split.default_left;
  free(words);
  return rc;
}

/* colsample_bylevel's features of each depth: drawn from the tree's features the first time a node of that depth is
 * evaluated, then kept for the tree, as XGBoost's ColumnSampler::GetFeatureSet(depth) keeps them. Lossguide reaches
 * the depths out of order; drawing a new set whenever the depth changed gave one depth's nodes different sets
 * (colsample_bylevel 0.1 of 20 features: one depth split on up to 8 features, where native's split on 2). Depths are
 * first reached in order 0, 1, 2, …, so the sets are kept by depth; depthwise draws in the same order as before. */
typedef struct { int32_t *feats; int32_t *n; int n_depths, cap; } LevelSets;

static const int32_t *level_set(GrowContext *ctx, LevelSets *ls, int depth, int *n_out) {
  if (ctx->p->colsample_bylevel >= 1.0) { *n_out = ctx->n_features; return ctx->features; }
  size_t stride = (size_t)ctx->n_features + 1;
  if (depth >= ls->n_depths) {
    if (ls->n_depths == ls->cap) {
      int cap = ls->cap ? 2 * ls->cap : 8;
      int32_t *f = realloc(ls->feats, sizeof(int32_t) * stride * (size_t)cap), *n = f ? realloc(ls->n, sizeof(int32_t) * (size_t)cap) : NULL;
      if (f) ls->feats = f;
      if (!f || !n) { xgb_fail("out of memory in tree growth"); return NULL; }
      ls->n = n; ls->cap = cap;
    }
    int k;
    choose_features(ctx, ctx->features, ctx->n_features, ctx->p->colsample_bylevel, ls->feats + stride * (size_t)ls->n_depths, &k);
    ls->n[ls->n_depths++] = k;
  }
  *n_out = ls->n[depth];
  return ls->feats + stride * (size_t)depth;
}

/* Best splits of n (1 or 2) candidates at once, in parallel over (node, feature);
 * colsample_bynode draws each node's features in candidate order, as one at a time would. Interaction constraints
 * then drop the features the node may not split on (native skips them after the same draw); monotone constraints
 * give each node its bounds (split.h NodeBounds). allowed / path: allowed_features' scratch. */
static int evaluate(GrowContext *ctx, const Tree *t, Candidate **c, int n, const int32_t *level_feats, int n_level, int32_t *node_feats,
                    SplitInfo *scratch, uint8_t *allowed, int32_t *path) {
  SplitNode nodes[2];
  NodeBounds bounds[2];
  for (int k = 0; k < n; k++) {
    int32_t *feats = node_feats + (size_t)k * (ctx->n_features + 1);
    int n_node, nid = c[k]->nid;
    choose_features(ctx, level_feats, n_level, ctx->p->colsample_bynode, feats, &n_node);
    if (ctx->interactions_on) {
      allowed_features(ctx, t, nid, allowed, path);
      int kept = 0;
      for (int i = 0; i < n_node; i++) if (allowed[feats[i]]) feats[kept++] = feats[i];
      n_node = kept;
    }
    const NodeBounds *nb = NULL;
    if (ctx->monotone) {
      int parent = t->parent[nid], root = parent == XGB_NO_PARENT;
      bounds[k] = (NodeBounds){ ctx->monotone, ctx->node_lower[nid], ctx->node_upper[nid],
                                root ? -FLT_MAX : ctx->node_lower[parent], root ? FLT_MAX : ctx->node_upper[parent] };
      nb = &bounds[k];
    }
    nodes[k] = (SplitNode){ c[k]->hist, c[k]->G, c[k]->H, feats, n_node, &c[k]->split, nb, 0.0 };
  }
  return split_find_nodes(ctx->p, ctx->cuts, nodes, n, scratch);
}

int grow_tree(GrowContext *ctx, Tree *t) {
  const Params *p = ctx->p;
  const Cuts *cuts = ctx->cuts;
  int slots = cuts->total_slots, rc = -1;
  int max_depth = p->max_depth, max_leaves = p->max_leaves;
  int qcap = 64, qn = 0, n_leaves = 1;
  Candidate *queue = xgb_alloc(sizeof(Candidate) * qcap);
  LevelSets levels = { NULL, NULL, 0, 0 };
  const int32_t *level_feats;
  int32_t *node_feats = xgb_alloc(sizeof(int32_t) * 2 * (ctx->n_features + 1));
  SplitInfo *scratch = xgb_alloc(sizeof(SplitInfo) * 2 * (ctx->n_features + 1));
  int n_all = ctx->cuts->n_features;
  uint8_t *allowed = ctx->interactions_on ? xgb_alloc((size_t)n_all) : NULL;
  int32_t *path = ctx->interactions_on ? xgb_alloc(sizeof(int32_t) * (size_t)n_all) : NULL;
  int n_level = 0;
  if (!queue || !node_feats || !scratch || (ctx->interactions_on && (!allowed || !path))) goto done;
  if (grow_reserve_nodes(ctx, 1) < 0) goto done;

  int root = tree_add_node(t, -1);
  if (root < 0) goto done;
  ctx->node_lower[root] = -FLT_MAX; ctx->node_upper[root] = FLT_MAX;
  ctx->node_begin[root] = 0; ctx->node_end[root] = ctx->nrow;
  ctx->node_virtual[root] = 0; ctx->node_alt[root] = 0;
  Candidate c0 = { root, 0, 0, 0, xgb_alloc(sizeof(HistBin) * slots), {0} };
  if (!c0.hist) goto done;
  sum_gradients(ctx, 0, 0, ctx->nrow, &c0.G, &c0.H);
  if (hist_build_node(ctx, c0.hist, root) < 0) { free(c0.hist); goto done; }
  if (!(level_feats = level_set(ctx, &levels, 0, &n_level))) { free(c0.hist); goto done; }
  Candidate *first[1] = { &c0 };
  if (evaluate(ctx, t, first, 1, level_feats, n_level, node_feats, scratch, allowed, path) < 0) { free(c0.hist); goto done; }
  queue[qn++] = c0;

  while (qn > 0) {
    int i = pick(queue, qn, p->grow_policy);
    Candidate c = queue[i];
    queue[i] = queue[--qn];
    SplitInfo *s = &c.split;
    int can_split = s->feature >= 0 && s->loss_chg > XGB_RT_EPS && s->loss_chg >= p->gamma &&
                    s->HL > 0.0 && s->HR > 0.0 &&
                    (max_depth <= 0 || c.depth < max_depth) &&
                    (max_leaves <= 0 || n_leaves < max_leaves);
    if (!can_split) {
      finish_tree_leaf(ctx, t, c.nid, c.G, c.H);
      free(c.hist);
      continue;
    }
    /* apply the split; rows move only if the children may split again */
    int child_depth = c.depth + 1;
    int may_split = (max_depth <= 0 || child_depth < max_depth) && (max_leaves <= 0 || n_leaves + 1 < max_leaves);
    int begin = ctx->node_begin[c.nid], end = ctx->node_end[c.nid];
    if (s->kind != SPLIT_ON_THRESHOLD && apply_categorical(ctx, t, &c) < 0) { free(c.hist); goto done; }
    int mid = !may_split ? end
            : s->kind != SPLIT_ON_THRESHOLD ? partition_rows_categorical(ctx, t, c.nid)
            : partition_rows(ctx, c.nid, s->feature, s->bin, s->default_left);
    if (mid < 0) { free(c.hist); goto done; }
    int l = tree_add_node(t, c.nid), r = l < 0 ? -1 : tree_add_node(t, c.nid);
    if (r < 0 || grow_reserve_nodes(ctx, t->n_nodes) < 0) { free(c.hist); goto done; }
    t->left[c.nid] = l; t->right[c.nid] = r;
    t->feature[c.nid] = s->feature;
    if (s->kind == SPLIT_ON_THRESHOLD) t->cond[c.nid] = s->bin >= 0 ? cuts->cuts[s->feature][s->bin] : cuts->below_min[s->feature];
    t->default_left[c.nid] = (uint8_t)s->default_left;
    t->loss_chg[c.nid] = (float)s->loss_chg;
    t->sum_hess[c.nid] = (float)c.H;
    t->base_weight[c.nid] = ctx->monotone ? bounded_weight(p, c.G, c.H, ctx->node_lower[c.nid], ctx->node_upper[c.nid]) : (float)leaf_weight(p, c.G, c.H);
    ctx->node_split_bin[c.nid] = s->bin;
    if (ctx->monotone) {
      /* native's TreeEvaluator::AddSplit: the children inherit the node's bounds, and a constrained feature's split
       * bounds them at the mean of their two (clamped) weights — the lower side's from above, the upper's from below */
      float lo = ctx->node_lower[c.nid], up = ctx->node_upper[c.nid];
      float wl = bounded_weight(p, s->GL, s->HL, lo, up), wr = bounded_weight(p, s->GR, s->HR, lo, up), between = (wl + wr) / 2;
      ctx->node_lower[l] = ctx->node_lower[r] = lo;
      ctx->node_upper[l] = ctx->node_upper[r] = up;
      int dir = ctx->monotone[s->feature];
      if (dir < 0) { ctx->node_lower[l] = between; ctx->node_upper[r] = between; }
      else if (dir > 0) { ctx->node_upper[l] = between; ctx->node_lower[r] = between; }
    }
    ctx->node_alt[l] = ctx->node_alt[r] = ctx->node_alt[c.nid];
    if (may_split) {
      ctx->node_begin[l] = begin; ctx->node_end[l] = mid;
      ctx->node_begin[r] = mid; ctx->node_end[r] = end;
      ctx->node_virtual[l] = ctx->node_virtual[r] = 0;
    } else {
      ctx->node_begin[l] = ctx->node_begin[r] = begin;
      ctx->node_end[l] = ctx->node_end[r] = end;
      ctx->node_virtual[l] = ctx->node_virtual[r] = 1;
    }
    n_leaves++;

    /* children: build the smaller one, derive the larger by subtraction in place */
    Candidate cl = { l, child_depth, s->GL, s->HL, NULL, {0} };
    Candidate cr = { r, child_depth, s->GR, s->HR, NULL, {0} };
    if (!may_split) {
      finish_tree_leaf(ctx, t, l, cl.G, cl.H);
      finish_tree_leaf(ctx, t, r, cr.G, cr.H);
      free(c.hist);
      continue;
    }
    HistBin *small = xgb_alloc(sizeof(HistBin) * slots);
    if (!small) { free(c.hist); goto done; }
    int left_smaller = (mid - begin) <= (end - mid);
    if (hist_build_node(ctx, small, left_smaller ? l : r) < 0) { free(small); free(c.hist); goto done; }
    hist_subtract(c.hist, c.hist, small, slots);
    cl.hist = left_smaller ? small : c.hist;
    cr.hist = left_smaller ? c.hist : small;
    if (!(level_feats = level_set(ctx, &levels, child_depth, &n_level))) { free(cl.hist); free(cr.hist); goto done; }
    Candidate *pair[2] = { &cl, &cr };
    if (evaluate(ctx, t, pair, 2, level_feats, n_level, node_feats, scratch, allowed, path) < 0) { free(cl.hist); free(cr.hist); goto done; }
    if (qn + 2 > qcap) {
      qcap *= 2;
      Candidate *q = realloc(queue, sizeof(Candidate) * qcap);
      if (!q) { free(cl.hist); free(cr.hist); xgb_fail("out of memory in tree growth"); goto done; }
      queue = q;
    }
    queue[qn++] = cl;
    queue[qn++] = cr;
  }
  rc = 0;
done:
  if (queue) for (int i = 0; i < qn; i++) free(queue[i].hist);
  free(queue); free(levels.feats); free(levels.n); free(node_feats); free(scratch); free(allowed); free(path);
  return rc;
}
