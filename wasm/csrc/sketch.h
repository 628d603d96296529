/* A numeric feature's cuts as native XGBoost 1.7.4's hist takes them: its weighted quantile sketch
 * (src/common/quantile.h / quantile.cc, HostSketchContainer), reproduced step by step so that the cut values are
 * native's exactly — see sketch.c for the math. */
#ifndef XGB_SKETCH_H
#define XGB_SKETCH_H
#include "common.h"

/* The workspace bytes sketch_cuts needs for a feature of n_present values (not NaN) with at most max_bin bins. */
size_t sketch_work_bytes(size_t n_present, int max_bin);

/* Feature f's cuts (X row-major with ncol columns; weight NULL = every row 1): native's for max_bin, ascending, the last
 * above the largest value (of every row: see sketch_cuts), written into cut (room for max_bin) — but at most max_cuts
 * of them: where native has one more, the interior cut between the two lightest neighbouring bins is left out (the
 * core's 255 bins for a feature with missing values at max_bin 256). Returns their count, 0 when every value is NaN.
 * n_present is the feature's count of values that are not NaN (native's column size). work: sketch_work_bytes.
 * Returns -1 (xgb_fail) only when the sketch outgrows its levels, which the sizes rule out. */
int sketch_cuts(const float *X, int nrow, int ncol, int f, const float *weight, size_t n_present, int max_bin,
                int max_cuts, void *work, float *cut);
#endif
