/* The quantised form of a matrix, built once and shared by every fit on its rows.
 *
 * Binning (binning.c) turns a float matrix into cuts and one byte code per (row,
 * column). Both depend only on the data and on what shapes the cuts — max_bin, which
 * columns are categorical, the row weights — not on the labels, the objective or the
 * rows a fit uses. So a QMatrix holds them for a whole matrix, and a fit on any subset
 * of its rows (a fold's training rows, a bagging member's) gathers those rows' byte
 * rows into its own partition buffers (booster.c: bst_train_begin_q) instead of
 * sorting and binning the floats again. k folds of a 1M-row matrix then bin once, and
 * no fit copies the floats.
 *
 * A fit on a row subset therefore uses the quantiles of the whole matrix, as LightGBM's
 * Dataset.subset and XGBoost's QuantileDMatrix(..., ref=) do: the cuts see the held-out
 * rows' feature values, never their labels. A categorical code that none of the subset's
 * rows has keeps its bin; its gradient sums are zero, as for a code absent from a node
 * (split_categorical.c).
 *
 * Layout: nrow rows of cuts.n_columns byte codes, each row padded with zeros to stride
 * bytes (a multiple of 8: grower.c copies rows in 8-byte words). */
#ifndef XGB_QMATRIX_H
#define XGB_QMATRIX_H
#include "binning.h"

typedef struct {
  Cuts cuts;
  uint8_t *bins;          /* nrow * stride */
  int nrow, ncol, stride;
  int max_bin;            /* what the cuts were built with, checked by bst_train_begin_q */
  uint8_t *feature_types; /* NULL (all numeric) or ncol bytes, 1 = categorical */
} QMatrix;

static inline int qm_row_stride(int n_columns) { return (n_columns + 7) & ~7; }

/* Cuts of X (row-major float32, NaN missing; weight may be NULL; feature_types NULL or
 * ncol bytes of 0 / 1) and every row's codes. NULL on failure (xgb_last_error). */
XGB_API QMatrix *qm_build(const float *X, int nrow, int ncol, const float *weight, int max_bin, const uint8_t *feature_types);
XGB_API void qm_free(QMatrix *q);
/* The byte rows of rows[0 .. n) (all rows in order when rows is NULL) into out, n * stride
 * bytes; in parallel over blocks of rows (threads.h). Returns 0, or -1 when a worker failed. */
int qm_gather(const QMatrix *q, const int32_t *rows, int n, uint8_t *out);
/* Whether every entry of rows[0 .. n) is a row of a matrix of nrow rows: the exported
 * functions taking row indexes check them before reading through them. */
int rows_check(const int32_t *rows, int n, int nrow, const char *what);
#endif
