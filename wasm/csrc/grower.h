/* Growing one tree from gradients: the driver shared by every grow policy.
 *
 * Rows live in one index array; each node owns a contiguous range of it, and a split
 * partitions that range in place (stably, so rows stay in increasing order). After
 * the tree is grown the ranges of the leaves tell which rows received which output,
 * so the training margins are updated without walking the tree. */
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
  const uint8_t *bins;   /* nrow x ncol bin codes */
  int nrow, ncol;
  const GradPair *gh;    /* this tree's gradients, one per row (0 for rows sampled out) */
  uint32_t *rows, *scratch; /* partition and its scratch space, nrow each */
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
void finish_leaf(const Params *p, Tree *t, int nid, double G, double H);
#endif
