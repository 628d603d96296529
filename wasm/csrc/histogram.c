#include "histogram.h"

void hist_build(HistBin *hist, int32_t total_slots, const uint8_t *bins, int ncol,
                const int32_t *offset, const uint32_t *rows, int n_rows, const GradPair *gh) {
  memset(hist, 0, sizeof(HistBin) * total_slots);
  /* Rows of a node are kept in increasing order (stable partitioning), so the reads of
   * bins and gradients move forward through memory. Zero-hessian rows (sampled out)
   * still cost a pass but carry nothing. */
  for (int i = 0; i < n_rows; i++) {
    uint32_t r = rows[i];
    const uint8_t *b = bins + (size_t)r * ncol;
    double g = gh[r].g, h = gh[r].h;
    for (int f = 0; f < ncol; f++) {
      HistBin *s = hist + offset[f] + b[f];
      s->g += g;
      s->h += h;
    }
  }
}

void hist_subtract(HistBin *out, const HistBin *parent, const HistBin *child, int32_t total_slots) {
  for (int32_t s = 0; s < total_slots; s++) {
    out[s].g = parent[s].g - child[s].g;
    out[s].h = parent[s].h - child[s].h;
  }
}
