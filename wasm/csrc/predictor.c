#include "predictor.h"

int predict_leaf(const Tree *t, const float *row) {
  int nid = 0;
  const int32_t *left = t->left, *right = t->right, *feat = t->feature;
  const float *cond = t->cond;
  const uint8_t *dl = t->default_left;
  while (left[nid] >= 0) {
    float v = row[feat[nid]];
    nid = isnan(v) ? (dl[nid] ? left[nid] : right[nid]) : (v < cond[nid] ? left[nid] : right[nid]);
  }
  return nid;
}

void predict_add(const Tree *trees, const int32_t *tree_group, int t_begin, int t_end,
                 const float *X, int nrow, int ncol, int n_groups, float *margin) {
  /* blocks of rows, all trees per block: the rows stay in cache while the trees stream */
  enum { BLOCK = 64 };
  for (int r0 = 0; r0 < nrow; r0 += BLOCK) {
    int r1 = r0 + BLOCK < nrow ? r0 + BLOCK : nrow;
    for (int t = t_begin; t < t_end; t++) {
      const Tree *tr = &trees[t];
      int g = tree_group[t];
      for (int r = r0; r < r1; r++) {
        int leaf = predict_leaf(tr, X + (size_t)r * ncol);
        margin[(size_t)r * n_groups + g] += tr->cond[leaf];
      }
    }
  }
}
