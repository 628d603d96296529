/* The booster: an additive model of trees plus the state of a training run.
 *   margin(x) = base_margin + sum over trees t of group g: tree_t(x)
 * Each boosting round computes gradients at the current training margins, grows
 * num_parallel_tree trees per output group on them, and adds their outputs to the
 * margins using the leaf row ranges the growers leave behind. */
#ifndef XGB_BOOSTER_H
#define XGB_BOOSTER_H
#include "params.h"
#include "tree.h"
#include "binning.h"
#include "qmatrix.h"
#include "grower.h"

typedef struct TrainState TrainState;
typedef struct ShapCache ShapCache;

typedef struct {
  Params p;
  int num_feature, n_groups;
  double base_score, base_margin;
  Tree *trees;
  int32_t *tree_group;
  int n_trees, cap_trees;
  uint8_t *feature_types; /* NULL (all numeric) or one per feature: 1 = categorical (XGBoost's "c") */
  int n_feature_types;
  TrainState *train;
  ShapCache *shap; /* TreeSHAP's per-tree numbers, kept between calls (shap.c); dropped when the trees change */
} Booster;
#endif
