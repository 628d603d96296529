/* Prediction: walk each tree from the root on raw feature values (tree_goes_left in
 * tree.h: numeric splits go left when x < cond, categorical splits when x is not in
 * the node's category set, missing values follow default_left) and add the leaf
 * outputs to the margin, in float, tree by tree in order — as XGBoost's CPU predictor
 * does, so models loaded from XGBoost predict the same numbers. */
#ifndef XGB_PREDICTOR_H
#define XGB_PREDICTOR_H
#include "tree.h"
#include "qmatrix.h"

/* margin[i * n_groups + tree_group[t]] += tree t's output on row i, for t in [t_begin, t_end)
 * and i in [0, nrow); row i is X's row rows[i] (X's row i when rows is NULL: a row view
 * is read through its indexes, never copied). In parallel over blocks of rows
 * (threads.h). Returns 0, or -1 when a worker failed. */
int predict_add(const Tree *trees, const int32_t *tree_group, int t_begin, int t_end,
                const float *X, const int32_t *rows, int nrow, int ncol, int n_groups, float *margin);
/* The same on qm's bin codes (row i is qm's row rows[i]), for trees whose splits are all numeric splits at qm's
 * cuts (qm_check_model) on a matrix without categorical features: the walk compares codes, no row is decoded. */
int predict_add_bins(const Tree *trees, const int32_t *tree_group, int t_begin, int t_end, const QMatrix *qm,
                     const int32_t *rows, int nrow, int n_groups, float *margin);
/* Row i of X, through the optional row indexes. */
static inline const float *x_row(const float *X, const int32_t *rows, size_t ncol, int i) {
  return X + (rows ? (size_t)rows[i] : (size_t)i) * ncol;
}
/* Index of the leaf each row reaches in one tree. */
int predict_leaf(const Tree *t, const float *row);
#endif
