#include "histogram.h"
#include "threads.h"

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

/* Rows per block: at least MIN_BLOCK_ROWS (so adding a block's histogram costs little
 * next to summing its rows: slots / (rows × features) ≈ 257 / 8192 ≈ 3 %), and few
 * enough blocks that their histograms stay within PARTIALS_BYTES. */
enum { MIN_BLOCK_ROWS = 8192, MAX_BLOCKS = 64 };
#define PARTIALS_BYTES ((size_t)64 << 20)

static int max_blocks(int32_t total_slots) {
  size_t by_memory = PARTIALS_BYTES / (sizeof(HistBin) * (size_t)(total_slots > 0 ? total_slots : 1));
  int m = by_memory < MAX_BLOCKS ? (int)by_memory : MAX_BLOCKS;
  return m < 1 ? 1 : m;
}

/* The row blocks of a histogram over n_rows: their rows each (the last one may have fewer) and
 * their count. hist_build_parallel cuts by it, and the caller sizes `partials` by it. */
static int hist_blocks(int32_t total_slots, int n_rows, int *block_rows) {
  int most = max_blocks(total_slots), rows = MIN_BLOCK_ROWS;
  if ((n_rows + rows - 1) / rows > most) rows = (n_rows + most - 1) / most;
  *block_rows = rows;
  return n_rows > 0 ? (n_rows + rows - 1) / rows : 1;
}

int hist_max_blocks(int32_t total_slots, int n_rows) {
  int block_rows;
  return hist_blocks(total_slots, n_rows, &block_rows);
}

typedef struct {
  HistBin *hist, *partials;
  int32_t slots;
  const uint8_t *bins; int ncol, stride; const int32_t *offset; const GradPair *gh;
  int n_rows, block_rows, n_blocks, slot_chunk;
} HistJob;

/* row block k's histogram into out */
static void build_block_into(const HistJob *j, int k, HistBin *out) {
  int begin = k * j->block_rows, end = begin + j->block_rows < j->n_rows ? begin + j->block_rows : j->n_rows;
  hist_build(out, j->slots, j->bins + (size_t)begin * j->stride, j->ncol, j->stride, j->offset, j->gh + begin, end - begin);
}

static void build_block(void *arg, int k) {
  const HistJob *j = arg;
  build_block_into(j, k, k == 0 ? j->hist : j->partials + (size_t)(k - 1) * j->slots);
}

/* out[s] += in[s] for slots [s0, s1), (g, h) as one two-lane vector */
static void add_slots(HistBin *out, const HistBin *in, int32_t s0, int32_t s1) {
  typedef double pair __attribute__((vector_size(16)));
  pair *o = (pair *)out;
  const pair *i = (const pair *)in;
  for (int32_t s = s0; s < s1; s++) o[s] += i[s];
}

static void add_blocks(void *arg, int k) {
  const HistJob *j = arg;
  int32_t s0 = k * j->slot_chunk, s1 = s0 + j->slot_chunk < j->slots ? s0 + j->slot_chunk : j->slots;
  for (int b = 1; b < j->n_blocks; b++) add_slots(j->hist, j->partials + (size_t)(b - 1) * j->slots, s0, s1);
}

int hist_build_parallel(HistBin *hist, HistBin *partials, int n_partials, int32_t total_slots, const uint8_t *bins, int ncol,
                        int stride, const int32_t *offset, const GradPair *gh, int n_rows) {
  int block_rows, n_blocks = hist_blocks(total_slots, n_rows, &block_rows);
  HistJob j = { hist, partials, total_slots, bins, ncol, stride, offset, gh, n_rows, block_rows, n_blocks, 1024 };
  if (n_blocks == 1) { build_block(&j, 0); return 0; }
  if (n_partials < n_blocks - 1) {
    /* one partial at a time (n_partials >= 1, grower.h): block k built, then added — add_blocks' additions, in its order */
    build_block(&j, 0);
    for (int k = 1; k < n_blocks; k++) {
      build_block_into(&j, k, partials);
      add_slots(hist, partials, 0, total_slots);
    }
    return 0;
  }
  if (par_run(build_block, &j, n_blocks) < 0) return -1;
  int n_chunks = (total_slots + j.slot_chunk - 1) / j.slot_chunk;
  /* a small sum is not worth waking the threads for (same additions either way) */
  if ((size_t)(n_blocks - 1) * total_slots < 65536) {
    for (int k = 0; k < n_chunks; k++) add_blocks(&j, k);
    return 0;
  }
  return par_run(add_blocks, &j, n_chunks);
}

void hist_subtract(HistBin *out, const HistBin *parent, const HistBin *child, int32_t total_slots) {
  for (int32_t s = 0; s < total_slots; s++) {
    out[s].g = parent[s].g - child[s].g;
    out[s].h = parent[s].h - child[s].h;
  }
}
