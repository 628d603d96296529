/* Growing one tree from gradients: the driver shared by every grow policy.
 *
 * The training rows are kept physically in node order: each node owns a contiguous
 * range of positions, and a split partitions that range in place (stably), moving each
 * row's bin codes, gradient pair and original row id together. Building a histogram
 * then streams through memory — which matters at a million rows, where scattered
 * reads of the rows of deep nodes would miss the cache on almost every row (and
 * WebAssembly has no prefetch instruction; partitioning row indexes instead, as
 * XGBoost's row sets do, was measured at twice the CPU time). Every tree starts from the
 * rows in their own order — booster.c copies their codes forward from the quantised
 * matrix — so a stable partition keeps each node's rows ascending and its sums are taken
 * in row order, as XGBoost's are; nothing about the order carries over between trees
 * (a parked fit keeps only its margins). After the tree is grown the ranges of the
 * leaves tell which rows received which output, so the training margins are updated
 * without walking the tree.
 *
 * A fit's working memory built for several threads has two sets of row arrays, each of every row: the rows' own
 * (bins, gh, rows) and the scratch. The parallel partition scatters a node's rows into the other set, at the node's
 * own positions, and leaves them there: its children are read where they are (node_alt), instead of the node's range
 * being copied back — a pass over the codes, gradient pairs and ids of every row of a large node fewer (1M x 28,
 * depth 6: the two-thread partition moved each row three times, a single-threaded one one and a half). A node too
 * small to share out is partitioned the same way on one thread there (count, then scatter). Single-threaded working
 * memory has half a scratch, and every node's rows stay in the rows' own arrays (grower.c partition_by). */
#ifndef XGB_GROWER_H
#define XGB_GROWER_H
#include "params.h"
#include "binning.h"
#include "histogram.h"
#include "split.h"
#include "tree.h"
#include "threads.h"

typedef struct {
  const Params *p;
  const Cuts *cuts;
  uint8_t *bins;         /* nrow rows of ncol bin codes (byte columns: cuts->n_columns), in position order,
                          * each row padded to stride bytes */
  int nrow, ncol, stride;
  GradPair *gh;          /* this tree's gradients in position order (0 for rows sampled out) */
  uint32_t *rows;        /* position -> original row id */
  uint8_t *scratch_bins; GradPair *scratch_gh; uint32_t *scratch_rows; /* one side while partitioning */
  int scratch_cap;       /* rows the scratch holds: nrow for the parallel partition (several threads), else half
                          * (rounded up) — a node's smaller side never has more (grower.c partition_by) */
  int32_t *node_begin, *node_end; /* position range per node id (grown with the tree) */
  /* A split whose children are final leaves is not applied to the rows (moving them
   * would serve no later histogram): both children keep the parent's range, marked
   * "virtual", and a row's side is read from its bin code when needed. */
  uint8_t *node_virtual;
  uint8_t *node_alt;     /* 1 when the node's rows are in the scratch arrays, 0 in bins / gh / rows (above) */
  int32_t *node_split_bin;
  float *node_lower, *node_upper; /* monotone_constraints: each node's bounds on its children's weights (split.h NodeBounds) */
  int node_cap;
  /* monotone_constraints: -1 / 0 / 1 per feature (cuts->n_features), or NULL when none were given */
  const int8_t *monotone;
  /* interaction_constraints, when given (interactions_on): n_groups groups, group g's features marked in
   * groups[g * cuts->n_features ..] (grower.c allowed_features) */
  int interactions_on, n_groups;
  const uint8_t *groups;
  Rng *rng;
  const int32_t *features; int n_features; /* after colsample_bytree */
  int iteration, num_rounds; /* for random_strength's schedule */
  double grad_variance;      /* for random_strength's scale */
  HistBin *hist_partials;    /* n_partials histograms: the row blocks of a build (histogram.h) */
  int n_partials;            /* hist_max_blocks - 1 for a parallel build (several threads), else 1: one block at a time */
  uint8_t *side;             /* nrow bytes: each row's side during a parallel partition; set only in working memory
                              * built for several threads, whose scratch then holds every row (booster.c acquire) */
} GrowContext;

/* Whether the kernels may split a fit's work across threads now: several threads for this job, and the fit's working
 * memory built for them (`side` set: a scratch of every row, booster.c acquire). A fit whose thread count rose after
 * its memory was built runs the single-threaded kernels, with the same model. */
static inline int grow_threaded(const GrowContext *ctx) { return par_threads() > 1 && ctx->side != NULL; }

int grow_tree(GrowContext *ctx, Tree *t);              /* depthwise / lossguide */
int grow_symmetric_tree(GrowContext *ctx, Tree *t);    /* oblivious (grower_symmetric.c) */

/* One set of row arrays: the rows' own (alt 0) or the scratch (alt 1, every row only in working memory built for
 * several threads). */
typedef struct { uint8_t *bins; GradPair *gh; uint32_t *rows; } RowArrays;
XGB_HOT_INLINE RowArrays row_arrays(const GrowContext *ctx, int alt) {
  RowArrays a = { ctx->bins, ctx->gh, ctx->rows }, s = { ctx->scratch_bins, ctx->scratch_gh, ctx->scratch_rows };
  return alt ? s : a;
}

/* Helpers shared by the growers. */
int grow_reserve_nodes(GrowContext *ctx, int n);
/* Partitions node nid's rows (its node_begin .. node_end) on a numeric split and returns its right side's first
 * position; node_alt[nid] is then where they are, which its children inherit. */
int partition_rows(GrowContext *ctx, int nid, int feature, int bin, int default_left);
/* The same for the categorical split stored at node nid of t (its feature, set and default). */
int partition_rows_categorical(GrowContext *ctx, const Tree *t, int nid);
void sum_gradients(const GrowContext *ctx, int alt, int begin, int end, double *G, double *H);
void choose_features(GrowContext *ctx, const int32_t *from, int n, double fraction, int32_t *out, int *n_out);
/* Whether a training row, given by its bin codes, goes left at split node nid: the
 * training-side twin of tree_goes_left (tree.h). A numeric split "bin <= b" is
 * "x < cuts[b]" (binning.h); a categorical split asks tree_goes_left itself with the
 * row's category code, which its bin gives back exactly. */
XGB_HOT_INLINE int bins_go_left(const GrowContext *ctx, const Tree *t, int nid, const uint8_t *row) {
  int f = t->feature[nid];
  if (t->split_type[nid] == SPLIT_CATEGORICAL) {
    int bin = cat_bin_of_row(ctx->cuts, f, row);
    return bin < 0 ? t->default_left[nid] : tree_goes_left(t, nid, (float)ctx->cuts->cat[f].codes[bin]);
  }
  int code = row[f];
  return code == ctx->cuts->n_bins[f] ? t->default_left[nid] : code <= ctx->node_split_bin[nid];
}
/* Whether the row at position pos (inside the node's range) belongs to leaf nid. */
XGB_HOT_INLINE int leaf_has_row(const GrowContext *ctx, const Tree *t, int nid, int pos) {
  if (!ctx->node_virtual[nid]) return 1;
  int p = t->parent[nid];
  return bins_go_left(ctx, t, p, row_arrays(ctx, ctx->node_alt[nid]).bins + (size_t)pos * ctx->stride) == (t->left[p] == nid);
}
/* A level's nodes split at once, on one (feature, bin, default_left) — a symmetric tree's level: the rows of node
 * nodes[k] (its node_begin .. node_end) partitioned (when `move`; mid[k] = its right side's first row, node_alt where
 * they are now; else mid[k] = its end, the rows stay) and both sides' gradient sums in GL/HL, GR/HR. Threaded (grow_threaded) the nodes run side
 * by side, one per task, a large node's partition on every thread first: the same rows, order and sums as one node
 * after another (a stable partition is unique; each side is summed in row order). */
int partition_level(GrowContext *ctx, const int32_t *nodes, int n, int feature, int bin, int default_left,
                    int move, int32_t *mid, double *GL, double *HL, double *GR, double *HR);
/* Gradient sums of the rows of [begin, end) that a split sends left and right, without
 * moving them (each side summed over its own rows: an empty side is exactly 0). */
void sum_sides(const GrowContext *ctx, int alt, int begin, int end, int feature, int bin, int default_left, double *GL, double *HL, double *GR, double *HR);
/* The histogram of node nid's rows (its range, in its arrays). */
int hist_build_node(const GrowContext *ctx, HistBin *hist, int nid);
void finish_leaf(const Params *p, Tree *t, int nid, double G, double H);
#endif
