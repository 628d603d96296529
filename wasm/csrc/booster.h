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
  /* monotone_constraints: NULL when none were given (native's evaluator then keeps its plain formula), else
   * n_monotone values of -1 / 0 / 1, padded with 0 to the features when a fit begins, as native pads them */
  int8_t *monotone;
  int n_monotone;
  /* interaction_constraints, when given (interactions_on, even with no group): group g's features are
   * interaction[group_begin[g] .. group_begin[g + 1]) */
  int interactions_on, n_interaction_groups;
  int32_t *interaction, *group_begin;
  TrainState *train;
  ShapCache *shap; /* TreeSHAP's per-tree numbers, kept between calls (shap.c); dropped when the trees change */
} Booster;
#endif
