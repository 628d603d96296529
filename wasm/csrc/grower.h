/* Growing one tree from gradients: the driver shared by every grow policy.
 *
 * The training rows are kept physically in node order: each node owns a contiguous
 * range of positions, and a split partitions that range in place (stably), moving each
 * row's bin codes, gradient pair and original row id together. Building a histogram
 * then streams through memory — which matters at a million rows, where scattered
 * reads of the rows of deep nodes would miss the cache on almost every row (and
 * WebAssembly has no prefetch instruction). The order carries over from tree to tree;
 * only the gradients are gathered into it at the start of each tree. After the tree is
 * grown the ranges of the leaves tell which rows received which output, so the
 * training margins are updated without walking the tree. */
#ifndef XGB_GROWER_H
#define XGB_GROWER_H
#include "params.h"
#include "binning.h"
#include "histogram.h"
#include "split.h"
#include "tree.h"

typedef struct {
  const Params *p;
  const Cuts *cuts;
  uint8_t *bins;         /* nrow x ncol bin codes, in position order */
  int nrow, ncol;
  GradPair *gh;          /* this tree's gradients in position order (0 for rows sampled out) */
  uint32_t *rows;        /* position -> original row id */
  uint8_t *scratch_bins; GradPair *scratch_gh; uint32_t *scratch_rows; /* the right side while partitioning */
  int32_t *node_begin, *node_end; /* row range per node id (grown with the tree) */
  int node_cap;
  Rng *rng;
  const int32_t *features; int n_features; /* after colsample_bytree */
  int iteration, num_rounds; /* for random_strength's schedule */
  double grad_variance;      /* for random_strength's scale */
} GrowContext;

int grow_tree(GrowContext *ctx, Tree *t);              /* depthwise / lossguide */
int grow_symmetric_tree(GrowContext *ctx, Tree *t);    /* oblivious (grower_symmetric.c) */

/* Helpers shared by the growers. */
int grow_reserve_nodes(GrowContext *ctx, int n);
int partition_rows(GrowContext *ctx, int begin, int end, int feature, int bin, int default_left);
void sum_gradients(const GrowContext *ctx, int begin, int end, double *G, double *H);
void choose_features(GrowContext *ctx, const int32_t *from, int n, double fraction, int32_t *out, int *n_out);
void hist_build_range(const GrowContext *ctx, HistBin *hist, int begin, int end);
void finish_leaf(const Params *p, Tree *t, int nid, double G, double H);
#endif
