#include "predictor.h"

int predict_leaf(const Tree *t, const float *row) {
  int nid = 0;
  while (t->left[nid] >= 0) nid = tree_next_node(t, nid, row[t->feature[nid]]);
  return nid;
}

/* A node packed into 16 bytes, so one step of the walk touches one cache line, and the
 * choice between the children is computed rather than branched on (which way a row
 * goes is a coin flip the branch predictor cannot learn). */
typedef struct {
  int32_t child[2];  /* left, right; -1 for a leaf */
  uint32_t feature;  /* split feature; bit 31: missing values go left; bit 29: categorical */
  union {
    float value;     /* numeric split condition, or the leaf output */
    uint32_t cats;   /* categorical split: index in the packed pool of [n_words, words...] */
  };
} PackedNode;

#define DEFAULT_LEFT_BIT 0x80000000u
#define CATEGORICAL_BIT 0x20000000u
#define FEATURE_MASK 0x1fffffffu

/* Numeric trees only: the walk as it was before categorical splits existed, so models
 * without them pay nothing for them. */
static inline float walk(const PackedNode *nodes, const float *row) {
  const PackedNode *n = nodes;
  while (n->child[0] >= 0) {
    float v = row[n->feature & ~DEFAULT_LEFT_BIT];
    int right = isnan(v) ? !(n->feature & DEFAULT_LEFT_BIT) : !(v < n->value);
    n = nodes + n->child[right];
  }
  return n->value;
}

/* Trees with categorical splits: the same rule as tree_goes_left (tree.h). */
static inline float walk_categorical(const PackedNode *nodes, const uint32_t *pool, const float *row) {
  const PackedNode *n = nodes;
  while (n->child[0] >= 0) {
    float v = row[n->feature & FEATURE_MASK];
    int right;
    if (isnan(v)) right = !(n->feature & DEFAULT_LEFT_BIT);
    else if (n->feature & CATEGORICAL_BIT) right = category_in_set(pool + n->cats + 1, (int)pool[n->cats], v);
    else right = !(v < n->value);
    n = nodes + n->child[right];
  }
  return n->value;
}

void predict_add(const Tree *trees, const int32_t *tree_group, int t_begin, int t_end,
                 const float *X, int nrow, int ncol, int n_groups, float *margin) {
  if (t_end <= t_begin) return;
  size_t total = 0, pool_size = 0;
  for (int t = t_begin; t < t_end; t++) {
    const Tree *tr = &trees[t];
    total += tr->n_nodes;
    for (int i = 0; i < tr->n_nodes; i++)
      if (tr->split_type[i] == SPLIT_CATEGORICAL && tr->left[i] >= 0) pool_size += 1 + (size_t)tr->cat_size[i];
  }
  PackedNode *packed = malloc(sizeof(PackedNode) * total);
  size_t *start = malloc(sizeof(size_t) * (t_end - t_begin));
  uint32_t *pool = pool_size ? malloc(sizeof(uint32_t) * pool_size) : NULL;
  if (!packed || !start || (pool_size && !pool)) {
    /* no memory for the packed copy: walk the trees as stored */
    free(packed); free(start); free(pool);
    for (int r = 0; r < nrow; r++)
      for (int t = t_begin; t < t_end; t++)
        margin[(size_t)r * n_groups + tree_group[t]] += trees[t].cond[predict_leaf(&trees[t], X + (size_t)r * ncol)];
    return;
  }
  size_t at = 0, pool_at = 0;
  for (int t = t_begin; t < t_end; t++) {
    const Tree *tr = &trees[t];
    start[t - t_begin] = at;
    for (int i = 0; i < tr->n_nodes; i++) {
      PackedNode *n = &packed[at + i];
      n->child[0] = tr->left[i];
      n->child[1] = tr->right[i];
      n->feature = (uint32_t)tr->feature[i] | (tr->default_left[i] ? DEFAULT_LEFT_BIT : 0);
      if (tr->split_type[i] == SPLIT_CATEGORICAL && tr->left[i] >= 0) {
        n->feature |= CATEGORICAL_BIT;
        n->cats = (uint32_t)pool_at;
        pool[pool_at] = (uint32_t)tr->cat_size[i];
        memcpy(pool + pool_at + 1, tr->cat_words + tr->cat_begin[i], sizeof(uint32_t) * tr->cat_size[i]);
        pool_at += 1 + (size_t)tr->cat_size[i];
      } else {
        n->value = tr->cond[i];
      }
    }
    at += tr->n_nodes;
  }
  /* blocks of rows, all trees per block: the rows stay in cache while the trees stream */
  enum { BLOCK = 64 };
  for (int r0 = 0; r0 < nrow; r0 += BLOCK) {
    int r1 = r0 + BLOCK < nrow ? r0 + BLOCK : nrow;
    for (int t = t_begin; t < t_end; t++) {
      const PackedNode *nodes = packed + start[t - t_begin];
      int g = tree_group[t];
      if (pool)
        for (int r = r0; r < r1; r++) margin[(size_t)r * n_groups + g] += walk_categorical(nodes, pool, X + (size_t)r * ncol);
      else
        for (int r = r0; r < r1; r++) margin[(size_t)r * n_groups + g] += walk(nodes, X + (size_t)r * ncol);
    }
  }
  free(packed);
  free(start);
  free(pool);
}
