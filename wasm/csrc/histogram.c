#include "histogram.h"

void hist_build(HistBin *hist, int32_t total_slots, const uint8_t *bins, int ncol, int stride,
                const int32_t *offset, const GradPair *gh, int n_rows) {
  memset(hist, 0, sizeof(HistBin) * total_slots);
  /* The node's rows are contiguous (grower.h), so this streams through memory.
   * Rows sampled out carry zero gradients and add nothing. */
  /* (g, h) is added as one two-lane vector: one load, one add, one store per slot
   * (WebAssembly's f64x2 with -msimd128, SSE2 natively). */
  typedef double pair __attribute__((vector_size(16)));
  pair *slots = (pair *)hist;
  for (int i = 0; i < n_rows; i++) {
    const uint8_t *b = bins + (size_t)i * stride;
    pair v = { gh[i].g, gh[i].h };
    for (int f = 0; f < ncol; f++) slots[offset[f] + b[f]] += v;
  }
}

void hist_subtract(HistBin *out, const HistBin *parent, const HistBin *child, int32_t total_slots) {
  for (int32_t s = 0; s < total_slots; s++) {
    out[s].g = parent[s].g - child[s].g;
    out[s].h = parent[s].h - child[s].h;
  }
}
