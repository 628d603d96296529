#include "tree.h"

#define TREE_ARRAYS(X) X(left, int32_t) X(right, int32_t) X(parent, int32_t) X(feature, int32_t) \
  X(cond, float) X(base_weight, float) X(loss_chg, float) X(sum_hess, float) X(default_left, uint8_t) \
  X(split_type, uint8_t) X(cat_begin, int32_t) X(cat_size, int32_t)

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
  free(t->cat_words);
  t->cat_words = NULL;
  t->n_nodes = t->cap = t->n_cat_words = t->cap_cat_words = 0;
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
  t->split_type[id] = SPLIT_NUMERIC;
  t->cat_begin[id] = t->cat_size[id] = 0;
  return id;
}

uint32_t *tree_reserve_cat_words(Tree *t, int n_words) {
  if (n_words < 0) { xgb_fail("negative category bitset size"); return NULL; }
  if (t->n_cat_words + n_words > t->cap_cat_words) {
    int cap = t->cap_cat_words ? t->cap_cat_words : 16;
    while (cap < t->n_cat_words + n_words) cap *= 2;
    uint32_t *w = realloc(t->cat_words, sizeof(uint32_t) * cap);
    if (!w) { xgb_fail("out of memory storing a categorical split"); return NULL; }
    t->cat_words = w;
    t->cap_cat_words = cap;
  }
  return t->cat_words + t->n_cat_words;
}

int tree_set_categories(Tree *t, int nid, const uint32_t *words, int n_words) {
  uint32_t *dst = tree_reserve_cat_words(t, n_words);
  if (!dst) return -1;
  memcpy(dst, words, sizeof(uint32_t) * n_words);
  t->split_type[nid] = SPLIT_CATEGORICAL;
  t->cat_begin[nid] = t->n_cat_words;
  t->cat_size[nid] = n_words;
  t->cond[nid] = 0.0f;
  t->n_cat_words += n_words;
  return 0;
}

/* The longest root-to-leaf path, walked with an explicit stack of (node, depth) pairs: a recursion here ran out of
 * the native stack on a loaded model's chain of 5,000 splits (a RangeError from inside the core, and the memory of
 * the call that asked never freed). Walking the right child first leaves at most one pending sibling a level, so
 * the stack holds at most depth + 2 pairs: an ordinary tree's fit in a local array (predict measures every tree each
 * call — no allocation there), a deeper one moves to the heap, sized for every node (each is pushed once: a loaded
 * tree is checked to be one tree). -1 when that memory is not to be had. */
#define DEPTH_LOCAL_PAIRS 256
int tree_depth(const Tree *t) {
  if (!t->n_nodes) return 0;
  int32_t local[2 * DEPTH_LOCAL_PAIRS];
  int32_t *stack = local;
  int cap = 2 * DEPTH_LOCAL_PAIRS, top = 0, deepest = 0;
  stack[top++] = 0; stack[top++] = 0;
  while (top > 0) {
    int d = stack[--top], nid = stack[--top];
    if (t->left[nid] < 0) {
      if (d > deepest) deepest = d;
      continue;
    }
    if (top + 4 > cap) {
      if (stack != local || 2 * t->n_nodes < top + 4) break; /* not a tree: cannot happen for a checked one */
      int32_t *heap = xgb_alloc(sizeof(int32_t) * 2 * (size_t)t->n_nodes);
      if (!heap) return -1;
      memcpy(heap, local, sizeof(int32_t) * (size_t)top);
      stack = heap;
      cap = 2 * t->n_nodes;
    }
    stack[top++] = t->left[nid]; stack[top++] = d + 1;
    stack[top++] = t->right[nid]; stack[top++] = d + 1;
  }
  if (stack != local) free(stack);
  return deepest;
}
