/* One regression tree in XGBoost's own array layout (the JSON model stores exactly
 * these arrays), produced by every grow policy: depthwise, lossguide and symmetric.
 * A leaf has left == -1 and keeps its output (already scaled by eta) in cond.
 *
 * A split node is numeric (split_type 0: left when x < cond) or categorical
 * (split_type 1, XGBoost's FeatureType::kCategorical): it holds a set of category codes,
 * stored as a bitset of cat_size 32-bit words at cat_words + cat_begin (bit c of word
 * c / 32 for code c), and a row whose code is IN the set goes RIGHT — XGBoost's rule,
 * which makes a one-hot split "category c vs the rest" put c on the right. Its cond is
 * unused (0; native XGBoost keeps NaN there). */
#ifndef XGB_TREE_H
#define XGB_TREE_H
#include "common.h"

enum { SPLIT_NUMERIC = 0, SPLIT_CATEGORICAL = 1 };

/* Category codes are integers 0 .. XGB_MAX_CAT (the bindings refuse larger ones). */
#define XGB_MAX_CAT 65535

typedef struct {
  int n_nodes, cap;
  int32_t *left, *right, *parent, *feature;
  float *cond;          /* split: go left when x < cond; leaf: the output value */
  float *base_weight, *loss_chg, *sum_hess;
  uint8_t *default_left; /* where a missing value goes */
  uint8_t *split_type;   /* SPLIT_NUMERIC or SPLIT_CATEGORICAL */
  int32_t *cat_begin, *cat_size; /* categorical nodes: their bitset words in cat_words */
  uint32_t *cat_words;
  int n_cat_words, cap_cat_words;
} Tree;

int tree_init(Tree *t, int cap);
void tree_free(Tree *t);
int tree_add_node(Tree *t, int parent);   /* returns the new node id, or -1 */
int tree_depth(const Tree *t);           /* the longest root-to-leaf path; -1 out of memory */
/* Makes nid a categorical split whose set is the given bitset (n_words words). */
int tree_set_categories(Tree *t, int nid, const uint32_t *words, int n_words);
/* Room for n_words more bitset words (for loading a model); returns them, or NULL. */
uint32_t *tree_reserve_cat_words(Tree *t, int n_words);

/* Whether the category value v is in the set (words, n_words). As XGBoost
 * (common::Decision): a value is truncated to an integer code; a negative value, one
 * of 2^24 or more (not exactly representable as a float), or a code beyond the
 * bitset is not in the set. */
static inline int category_in_set(const uint32_t *words, int n_words, float v) {
  if (!(v >= 0.0f && v < 16777216.0f)) return 0;
  uint32_t c = (uint32_t)v, w = c >> 5;
  return w < (uint32_t)n_words && ((words[w] >> (c & 31)) & 1u);
}

/* THE decision of the model: does a row whose value of the node's feature is v go
 * to the left child of split node nid? Missing (NaN) follows default_left; a numeric
 * split goes left when v < cond; a categorical split goes left when v is NOT in its
 * category set. The predictor, the training-time row partition (through the bins,
 * grower.h) and TreeSHAP all follow this rule. */
static inline int tree_goes_left(const Tree *t, int nid, float v) {
  if (isnan(v)) return t->default_left[nid];
  if (t->split_type[nid] == SPLIT_CATEGORICAL)
    return !category_in_set(t->cat_words + t->cat_begin[nid], t->cat_size[nid], v);
  return v < t->cond[nid];
}
static inline int tree_next_node(const Tree *t, int nid, float v) {
  return tree_goes_left(t, nid, v) ? t->left[nid] : t->right[nid];
}
#endif
