#include "binning.h"
#include "sketch.h"
#include "threads.h"

/* Rows per task of the scan for missing values and minimums (a block's own results, merged in block order). */
enum { SCAN_BLOCK_ROWS = 16384 };
/* The most sketch-workspace bytes the features cut side by side may hold (their lanes: cuts_build). */
#define CUT_LANE_BYTES ((size_t)64 << 20)

typedef struct {
  const float *X; const float *weight; int nrow, ncol, max_bin;
  Cuts *c;
  float *block_min; int32_t *block_present;       /* the scan: per block, per feature */
  const int32_t *present;                         /* per feature, values that are not NaN over every row */
  int f0;                                         /* the first feature of this batch: task k is feature f0 + k */
  void **work;                                    /* per lane (task k of a batch): the sketch's workspace */
  uint8_t *failed;                                /* per lane: its sketch failed (xgb_fail recorded on that thread) */
} CutJob;

static void scan_task(void *arg, int k) {
  const CutJob *j = arg;
  int r0 = k * SCAN_BLOCK_ROWS, r1 = r0 + SCAN_BLOCK_ROWS < j->nrow ? r0 + SCAN_BLOCK_ROWS : j->nrow, ncol = j->ncol;
  float *mn = j->block_min + (size_t)k * ncol;
  int32_t *present = j->block_present + (size_t)k * ncol;
  for (int f = 0; f < ncol; f++) { mn[f] = INFINITY; present[f] = 0; }
  for (int r = r0; r < r1; r++)
    for (int f = 0; f < ncol; f++) {
      float v = j->X[(size_t)r * ncol + f];
      if (isnan(v)) continue;
      present[f]++;
      if (v < mn[f]) mn[f] = v;
    }
}

/* A feature's most bins: max_bin, but 255 when it has missing values (their code, one past the last bin, is a byte). */
static inline int bin_limit(int max_bin, int has_missing) { return has_missing && max_bin > 255 ? 255 : max_bin; }

/* Feature f0 + k's cuts (numeric features; its cut array, max_bin + 1 floats, is allocated before the job), with lane
 * k's workspace: native's quantile sketch (sketch.c) for max_bin, at most the feature's bin limit of them — at
 * max_bin 256 with missing values, native's 256 bins (32-bit bin indexes) less one cut, for the byte code of missing. */
static void cut_task(void *arg, int k) {
  const CutJob *j = arg;
  int f = j->f0 + k;
  Cuts *c = j->c;
  if (cuts_is_categorical(c, f)) return;
  int limit = bin_limit(j->max_bin, j->present[f] < j->nrow);
  int nb = sketch_cuts(j->X, j->nrow, j->ncol, f, j->weight, (size_t)j->present[f], j->max_bin, limit, j->work[k], c->cuts[f]);
  if (nb < 0) { j->failed[k] = 1; nb = 0; }
  /* all missing: one empty bin */
  if (nb == 0) c->cuts[f][nb++] = 0.0f;
  c->n_bins[f] = nb;
}

/* The cuts of every feature. On several threads (par_run): the scan for missing values and minimums over row
 * blocks, then the features' sketches, a batch of features at a time (one per thread, each with its own workspace).
 * Each feature's cuts depend only on its own values, and a block's scan only on its rows (counts and minimums merge
 * the same in any order), so the cuts are the same for every thread count. */
int cuts_build(Cuts *c, const float *X, int nrow, int ncol, const float *weight, int max_bin, const uint8_t *feature_types) {
  memset(c, 0, sizeof *c);
  c->n_features = c->n_columns = ncol;
  if (feature_types && cat_features_build(c, X, nrow, ncol, feature_types) < 0) { cuts_free(c); return -1; }
  c->n_bins = xgb_calloc(c->n_columns, sizeof(int32_t));
  c->offset = xgb_calloc(c->n_columns, sizeof(int32_t));
  c->cuts = xgb_calloc(ncol, sizeof(float *));
  c->below_min = xgb_calloc(ncol, sizeof(float));
  if (!c->n_bins || !c->offset || !c->cuts || !c->below_min) { cuts_free(c); return -1; }
  int n_blocks = (nrow + SCAN_BLOCK_ROWS - 1) / SCAN_BLOCK_ROWS;
  int lanes = 0; /* features cut at once: set once the workspaces' size is known */
  CutJob j = { X, weight, nrow, ncol, max_bin, c, NULL, NULL, NULL, 0, NULL, NULL };
  int32_t *present = xgb_calloc(ncol, sizeof(int32_t));
  j.block_min = xgb_alloc(sizeof(float) * (size_t)(n_blocks ? n_blocks : 1) * ncol);
  j.block_present = xgb_alloc(sizeof(int32_t) * (size_t)(n_blocks ? n_blocks : 1) * ncol);
  int rc = -1;
  if (!present || !j.block_min || !j.block_present) goto done;
  /* which features have missing values (it sets the code range), how many values each has (native's column size,
   * which sizes its sketch) and each feature's minimum */
  if (par_run(scan_task, &j, n_blocks) < 0) goto done;
  for (int f = 0; f < ncol; f++) c->below_min[f] = INFINITY;
  for (int b = 0; b < n_blocks; b++)
    for (int f = 0; f < ncol; f++) {
      present[f] += j.block_present[(size_t)b * ncol + f];
      float v = j.block_min[(size_t)b * ncol + f];
      if (v < c->below_min[f]) c->below_min[f] = v;
    }
  for (int f = 0; f < ncol; f++) {
    float mn = isinf(c->below_min[f]) ? 0.0f : c->below_min[f];
    /* native's min_vals_ `mval - fabs(mval) - 1e-5f`, in double as the last cut (sketch.c) */
    c->below_min[f] = (float)((double)mn - fabs((double)mn) - (double)1e-5f);
  }
  j.present = present;
  /* the tasks do not allocate (threads.h): every numeric feature's cut array and every lane's workspace first (the
   * largest any numeric feature needs) — one lane per thread, but at most CUT_LANE_BYTES of workspace in all (about
   * 3.3 MB a lane for a million rows and 256 bins: a high nthread must not cost gigabytes) */
  size_t lane_bytes = 1;
  for (int f = 0; f < ncol; f++) {
    if (cuts_is_categorical(c, f)) continue;
    size_t b = sketch_work_bytes((size_t)present[f], max_bin);
    if (b > lane_bytes) lane_bytes = b;
  }
  lanes = par_threads() < ncol ? par_threads() : ncol;
  if ((size_t)lanes * lane_bytes > CUT_LANE_BYTES) lanes = CUT_LANE_BYTES / lane_bytes > 0 ? (int)(CUT_LANE_BYTES / lane_bytes) : 1;
  j.work = xgb_calloc(lanes, sizeof(void *));
  j.failed = xgb_calloc(lanes, 1);
  if (!j.work || !j.failed) goto done;
  for (int k = 0; k < lanes; k++)
    if (!(j.work[k] = xgb_alloc(lane_bytes))) goto done;
  for (int f = 0; f < ncol; f++) {
    if (cuts_is_categorical(c, f)) {
      /* one bin per code, CAT_CHUNK per byte column (binning_categorical.c) */
      const CatFeature *cf = &c->cat[f];
      for (int b = 0; b < cf->n_chunks; b++) {
        int left = cf->n_codes - b * CAT_CHUNK;
        c->n_bins[cf->columns[b]] = left < CAT_CHUNK ? left : CAT_CHUNK;
      }
      continue;
    }
    if (!(c->cuts[f] = xgb_alloc(sizeof(float) * ((size_t)max_bin + 1)))) goto done;
  }
  for (j.f0 = 0; j.f0 < ncol; j.f0 += lanes) {
    if (par_run(cut_task, &j, ncol - j.f0 < lanes ? ncol - j.f0 : lanes) < 0) goto done;
    for (int k = 0; k < lanes; k++)
      if (j.failed[k]) { xgb_fail("quantile sketch of feature %d failed", j.f0 + k); goto done; }
  }
  int32_t slot = 0;
  for (int b = 0; b < c->n_columns; b++) {
    c->offset[b] = slot;
    slot += c->n_bins[b] + 1;
  }
  c->total_slots = slot;
  rc = 0;
done:
  if (j.work) for (int k = 0; k < lanes; k++) free(j.work[k]);
  free(j.work); free(j.failed);
  free(present); free(j.block_min); free(j.block_present);
  if (rc < 0) cuts_free(c);
  return rc;
}

void cuts_free(Cuts *c) {
  if (c->cuts) for (int f = 0; f < c->n_features; f++) free(c->cuts[f]);
  cat_features_free(c);
  free(c->cuts); free(c->n_bins); free(c->offset); free(c->below_min);
  memset(c, 0, sizeof *c);
}

static inline int bin_of(const float *cut, int nb, float v) {
  /* number of cuts <= v, by a binary search whose steps are conditional moves rather
   * than branches (the branches of a plain search mispredict on every other step) */
  const float *first = cut;
  int n = nb;
  while (n > 1) {
    int half = n >> 1;
    first = first[half] <= v ? first + half : first;
    n -= half;
  }
  int b = (int)(first - cut) + (*first <= v);
  return b < nb ? b : nb - 1;
}

void cuts_quantize(const Cuts *c, const float *X, int nrow, int ncol, int stride, uint8_t *out) {
  for (int r = 0; r < nrow; r++) {
    const float *row = X + (size_t)r * ncol;
    uint8_t *o = out + (size_t)r * stride;
    for (int f = 0; f < ncol; f++) {
      float v = row[f];
      if (c->cuts[f]) o[f] = (uint8_t)(isnan(v) ? c->n_bins[f] : bin_of(c->cuts[f], c->n_bins[f], v));
    }
    for (int f = c->n_columns; f < stride; f++) o[f] = 0;
    if (c->cat) cat_quantize_row(c, row, o);
  }
}
