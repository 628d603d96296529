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
#include "tree.h"

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
 * bytes: a fit's rows in their own order, as each tree starts (booster.c); in parallel over
 * blocks of rows (threads.h). Returns 0, or -1 when a worker failed. */
int qm_gather(const QMatrix *q, const int32_t *rows, int n, uint8_t *out);
/* Whether every entry of rows[0 .. n) is a row of a matrix of nrow rows: the exported
 * functions taking row indexes check them before reading through them. */
int rows_check(const int32_t *rows, int n, int nrow, const char *what);

/* Decoding: prediction without the floats (LightGBM's free_raw_data).
 *
 * A row's codes say which side of every split on this form's cuts the row takes. For a
 * numeric feature with cuts c_0 < ... < c_{B-1}, code b means c_{b-1} <= x < c_b (b = 0:
 * x < c_0), so the value c_{b-1} goes the same way as x at every split "x < c_k", and for
 * b = 0 the value below_min (under every present value) does, also at the split on
 * below_min itself; a code of B or more is missing (NaN). A categorical code is the
 * category value itself. Hence a model whose numeric thresholds are all cuts (or below-min
 * thresholds) of this form walks a decoded row to the very leaf the original row reaches:
 * predictions, margins and SHAP values on the decoded rows equal those on the floats, bit
 * for bit. Any model trained on this form satisfies that (grower.c splits at cuts), so a
 * matrix may drop its floats once binned (wasm/src/dmatrix.ts: releaseFloats). A model
 * from elsewhere generally does not, and qm_check_model refuses it, naming the split.
 * Predictions and margins on a form without categorical features skip the decoding: the
 * walk compares the codes themselves with each split's bin (predictor.h: predict_add_bins),
 * the same leaves; SHAP values, and forms with categorical features, read decoded rows. */

/* Float rows for source rows r0 .. r0+n (row i is the matrix's row rows[i], or i when
 * rows is NULL) into out, n * ncol floats; in parallel over blocks of rows. */
int qm_decode(const QMatrix *q, const int32_t *rows, int r0, int n, float *out);
/* 0 when trees [t_begin, t_end) split numeric features of q only at its cuts or below-min
 * thresholds and split categorically only on its categorical features; else -1 with an
 * error naming the first split that does not. */
int qm_check_model(const QMatrix *q, const Tree *trees, int t_begin, int t_end);

/* Where rows come from: X's rows (through rows when not NULL), or, when X is NULL, the
 * decoded rows of qm. for_row_chunks calls fn with float rows: fn's rows i = 0 .. n-1 are
 * the source's rows r0 + i (X: once, with r0 = 0 and the source's own row indexes;
 * decoded: chunk after chunk of a buffer, with rows NULL). */
typedef int (*RowChunkFn)(void *arg, const float *X, const int32_t *rows, int r0, int n);
int for_row_chunks(const float *X, const QMatrix *qm, const int32_t *rows, int n, int ncol, RowChunkFn fn, void *arg);
#endif
