/* Binning: each feature's values are cut into at most max_bin bins at quantiles of the
 * training data, and every row is stored as one u8 bin code per feature (row-major).
 *
 * Cuts follow XGBoost's convention: for feature f, cut values c_0 < c_1 < ... < c_{B-1},
 * a value x falls in bin b = #{ i : c_i <= x } (an upper bound search), and the last
 * cut lies above the feature's maximum. A split "left if bin <= b" is therefore the
 * same as "left if x < c_b", which is exactly the condition XGBoost's JSON stores, so
 * a split found on bins is a split on raw values. The cut values are native XGBoost
 * 1.7.4's: its weighted quantile sketch over every row of weight > 0 (sketch.c), so a
 * feature with at most max_bin distinct values gets a bin per value (a value only rows of
 * weight 0 hold shares its neighbour's bin, as native's), and otherwise native's quantiles.
 * A missing value gets code B (one past the last bin); a feature with missing values
 * is limited to 255 bins so that code still fits in a byte (at max_bin 256: native's
 * cuts less one, sketch.c).
 *
 * Categorical features (feature type 1) are binned by binning_categorical.c: one bin per
 * category code seen in training, stored in one or more byte columns ("chunks" of 255
 * codes each) — see that file. The binned matrix therefore has n_columns >= n_features
 * byte columns: column f < n_features is feature f (or its first chunk), the further
 * chunks of wide categorical features follow. n_bins / offset are per byte column. */
#ifndef XGB_BINNING_H
#define XGB_BINNING_H
#include "common.h"

/* A categorical feature's bins (binning_categorical.c). */
#define CAT_CHUNK 255       /* codes per byte column; byte value CAT_CHUNK-or-less = "not in this chunk" */
typedef struct {
  int n_codes;              /* distinct codes seen in training = the feature's bins */
  int n_categories;         /* largest code + 1: XGBoost's category count (one-hot or partition) */
  int32_t *codes;           /* bin -> code, ascending */
  int32_t *bin_of_code;     /* code -> bin (-1: not seen), for codes 0 .. n_categories-1 */
  int n_chunks;
  int32_t *columns;         /* byte column of chunk j (bins j*CAT_CHUNK ..); columns[0] = the feature */
} CatFeature;

typedef struct {
  int n_features;
  int n_columns;        /* byte columns of the binned matrix (>= n_features) */
  int32_t *n_bins;      /* B per byte column */
  int32_t *offset;      /* first histogram slot of column j; each column has B_j + 1 slots (the last one: missing) */
  int32_t total_slots;
  float **cuts;         /* numeric feature f: cuts[f][0 .. B_f-1]; NULL for categorical features */
  float *below_min;     /* per feature, min - |min| - 1e-5 (as native, in double): the threshold of the split that sends every
                         * present value right (and missing values left), as XGBoost's min cut */
  CatFeature *cat;      /* per feature; NULL when no feature is categorical, else cat[f].columns == NULL for numeric f */
} Cuts;

/* feature_types: NULL (all numeric) or one byte per feature, 1 = categorical. Fails with a
 * message naming the feature and row when a categorical value is not a code 0..XGB_MAX_CAT. */
int cuts_build(Cuts *c, const float *X, int nrow, int ncol, const float *weight, int max_bin, const uint8_t *feature_types);
void cuts_free(Cuts *c);
static inline int cuts_is_categorical(const Cuts *c, int f) { return c->cat && c->cat[f].columns; }
/* The index b of numeric feature f's cut equal to v (c_b == v: a split "x < v" is "code <= b"), or -1 when v is not
 * one of its cuts (binary search). */
static inline int cuts_index(const Cuts *c, int f, float v) {
  const float *cuts = c->cuts[f];
  int lo = 0, hi = c->n_bins[f];
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (cuts[mid] < v) lo = mid + 1; else hi = mid;
  }
  return lo < c->n_bins[f] && cuts[lo] == v ? lo : -1;
}
/* Quantise rows into out: ncol bin codes per row, rows stride bytes apart (padding zeroed). */
void cuts_quantize(const Cuts *c, const float *X, int nrow, int ncol, int stride, uint8_t *out);

/* binning_categorical.c */
int cat_features_build(Cuts *c, const float *X, int nrow, int ncol, const uint8_t *feature_types);
void cat_features_free(Cuts *c);
void cat_quantize_row(const Cuts *c, const float *row, uint8_t *out);
/* A row's bin of categorical feature f (0 .. n_codes-1), or -1 when its value is missing. */
static inline int cat_bin_of_row(const Cuts *c, int f, const uint8_t *row) {
  const CatFeature *cf = &c->cat[f];
  for (int j = 0; j < cf->n_chunks; j++) {
    int col = cf->columns[j], b = row[col];
    if (b < c->n_bins[col]) return j * CAT_CHUNK + b;
  }
  return -1;
}
#endif
