#include "tree.h"

#define TREE_ARRAYS(X) X(left, int32_t) X(right, int32_t) X(parent, int32_t) X(feature, int32_t) \
  X(cond, float) X(base_weight, float) X(loss_chg, float) X(sum_hess, float) X(default_left, uint8_t)

int tree_init(Tree *t, int cap) {
  memset(t, 0, sizeof *t);
  if (cap < 1) cap = 1;
#define ALLOC(name, type) t->name = xgb_calloc(cap, sizeof(type)); if (!t->name) { tree_free(t); return -1; }
  TREE_ARRAYS(ALLOC)
#undef ALLOC
  t->cap = cap;
  return 0;
}

void tree_free(Tree *t) {
#define FREE(name, type) free(t->name); t->name = NULL;
  TREE_ARRAYS(FREE)
#undef FREE
  t->n_nodes = t->cap = 0;
}

static int tree_grow(Tree *t) {
  int cap = t->cap * 2;
#define GROW(name, type) { type *p = realloc(t->name, sizeof(type) * cap); if (!p) return xgb_fail("out of memory growing a tree"); t->name = p; }
  TREE_ARRAYS(GROW)
#undef GROW
  t->cap = cap;
  return 0;
}

int tree_add_node(Tree *t, int parent) {
  if (t->n_nodes == t->cap && tree_grow(t) < 0) return -1;
  int id = t->n_nodes++;
  t->left[id] = t->right[id] = -1;
  t->parent[id] = parent < 0 ? XGB_NO_PARENT : parent;
  t->feature[id] = 0;
  t->cond[id] = t->base_weight[id] = t->loss_chg[id] = t->sum_hess[id] = 0.0f;
  t->default_left[id] = 0;
  return id;
}

static int depth_of(const Tree *t, int nid) {
  if (t->left[nid] < 0) return 0;
  int a = depth_of(t, t->left[nid]), b = depth_of(t, t->right[nid]);
  return 1 + (a > b ? a : b);
}
int tree_depth(const Tree *t) { return t->n_nodes ? depth_of(t, 0) : 0; }
