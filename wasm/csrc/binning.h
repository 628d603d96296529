/* Binning: each feature's values are cut into at most max_bin bins at quantiles of the
 * training data, and every row is stored as one u8 bin code per feature (row-major).
 *
 * Cuts follow XGBoost's convention: for feature f, cut values c_0 < c_1 < ... < c_{B-1},
 * a value x falls in bin b = #{ i : c_i <= x } (an upper bound search), and the last
 * cut lies above the feature's maximum. A split "left if bin <= b" is therefore the
 * same as "left if x < c_b", which is exactly the condition XGBoost's JSON stores, so
 * a split found on bins is a split on raw values. When a feature has few distinct
 * values every value gets its own bin; otherwise cuts sit at (weighted) quantiles.
 * A missing value gets code B (one past the last bin); a feature with missing values
 * is limited to 255 bins so that code still fits in a byte. */
#ifndef XGB_BINNING_H
#define XGB_BINNING_H
#include "common.h"

typedef struct {
  int n_features;
  int32_t *n_bins;      /* B_f per feature */
  int32_t *offset;      /* first histogram slot of feature f; each feature has B_f + 1 slots (the last one: missing) */
  int32_t total_slots;
  float **cuts;         /* cuts[f][0 .. B_f-1] */
  float *below_min;     /* per feature, min - (|min| + 1e-5): the threshold of the split that sends every
                         * present value right (and missing values left), as XGBoost's min cut */
} Cuts;

int cuts_build(Cuts *c, const float *X, int nrow, int ncol, const float *weight, int max_bin);
void cuts_free(Cuts *c);
/* Quantise rows into out: ncol bin codes per row, rows stride bytes apart (padding zeroed). */
void cuts_quantize(const Cuts *c, const float *X, int nrow, int ncol, int stride, uint8_t *out);
#endif
