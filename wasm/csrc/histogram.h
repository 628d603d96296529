/* Histograms: for one tree node, the sums of gradients g and hessians h of its rows
 * per (feature, bin) slot — everything split finding needs, in O(bins) instead of
 * O(rows). Layout: slot s of feature f is offset[f] + bin, stored as (g, h) doubles.
 *
 * A parent's histogram is the sum of its children's, so after a split only the child
 * with fewer rows is built from rows; the other is parent − smaller (subtraction),
 * halving the row passes per level.
 *
 * In parallel (threads.h): a node's rows are cut into blocks of hist_block_rows() rows,
 * a number that depends on the node's row count and the histogram's size only — never
 * on the number of threads. Each block is summed into its own histogram (any thread),
 * then the blocks are added slot by slot in block order:
 *     hist[s] = ((block_0[s] + block_1[s]) + block_2[s]) + ...
 * so every nthread adds the same numbers in the same order and the model is the same. */
#ifndef XGB_HISTOGRAM_H
#define XGB_HISTOGRAM_H
#include "common.h"

typedef struct { double g, h; } HistBin;

/* The rows of one node: n_rows consecutive rows of bin codes (ncol codes each, rows
 * stride bytes apart) and their gradients; one block, summed in row order. */
void hist_build(HistBin *hist, int32_t total_slots, const uint8_t *bins, int ncol, int stride,
                const int32_t *offset, const GradPair *gh, int n_rows);
/* The most blocks a histogram of total_slots slots over at most n_rows rows is cut
 * into; the scratch of hist_build_parallel holds (hist_max_blocks - 1) histograms. */
int hist_max_blocks(int32_t total_slots, int n_rows);
/* The same sums over fixed row blocks; partials holds n_partials >= 1 histograms. With one for every block but the first
 * (n_partials >= hist_max_blocks - 1), the blocks are summed in parallel and then added together; with fewer (a
 * fit's scratch built for one thread: one histogram, not up to 63 — 7 MB at 28 features of 256 bins) the blocks
 * are built one after another into partials[0], each added as it is done: per slot the same additions in the same
 * order, so the same histogram whatever the threads. Returns 0, or -1 when a worker thread failed. */
int hist_build_parallel(HistBin *hist, HistBin *partials, int n_partials, int32_t total_slots, const uint8_t *bins, int ncol,
                        int stride, const int32_t *offset, const GradPair *gh, int n_rows);
void hist_subtract(HistBin *out, const HistBin *parent, const HistBin *child, int32_t total_slots);
#endif
