/* One regression tree in XGBoost's own array layout (the JSON model stores exactly
 * these arrays), produced by every grow policy: depthwise, lossguide and symmetric.
 * A leaf has left == -1 and keeps its output (already scaled by eta) in cond. */
#ifndef XGB_TREE_H
#define XGB_TREE_H
#include "common.h"

typedef struct {
  int n_nodes, cap;
  int32_t *left, *right, *parent, *feature;
  float *cond;          /* split: go left when x < cond; leaf: the output value */
  float *base_weight, *loss_chg, *sum_hess;
  uint8_t *default_left; /* where a missing value goes */
} Tree;

int tree_init(Tree *t, int cap);
void tree_free(Tree *t);
int tree_add_node(Tree *t, int parent);   /* returns the new node id, or -1 */
int tree_depth(const Tree *t);

/* The one decision of a split node: does a row whose split feature has the value v go
 * to the left child? Missing values (NaN) follow the node's default direction; present
 * values go left when v < cond. Every walk down a stored tree (prediction, SHAP
 * contributions) asks here, so a new kind of split changes this function only. */
static inline int tree_goes_left(const Tree *t, int nid, float v) {
  return isnan(v) ? t->default_left[nid] : v < t->cond[nid];
}
static inline int tree_next_node(const Tree *t, int nid, float v) {
  return tree_goes_left(t, nid, v) ? t->left[nid] : t->right[nid];
}
#endif
