/* Histograms: for one tree node, the sums of gradients g and hessians h of its rows
 * per (feature, bin) slot — everything split finding needs, in O(bins) instead of
 * O(rows). Layout: slot s of feature f is offset[f] + bin, stored as (g, h) doubles.
 *
 * A parent's histogram is the sum of its children's, so after a split only the child
 * with fewer rows is built from rows; the other is parent − smaller (subtraction),
 * halving the row passes per level. */
#ifndef XGB_HISTOGRAM_H
#define XGB_HISTOGRAM_H
#include "common.h"

typedef struct { double g, h; } HistBin;

/* The rows of one node: n_rows consecutive rows of bin codes (ncol codes each, rows
 * stride bytes apart) and their gradients. */
void hist_build(HistBin *hist, int32_t total_slots, const uint8_t *bins, int ncol, int stride,
                const int32_t *offset, const GradPair *gh, int n_rows);
void hist_subtract(HistBin *out, const HistBin *parent, const HistBin *child, int32_t total_slots);
#endif
