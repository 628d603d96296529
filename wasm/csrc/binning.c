#include "binning.h"
#include "threads.h"

/* Floats map to unsigned keys whose integer order is the float order, so a radix sort
 * (three 11-bit passes, linear time) orders a million values in a few milliseconds. */
static inline uint32_t float_key(float f) {
  uint32_t u; memcpy(&u, &f, 4);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
static inline float key_float(uint32_t k) {
  uint32_t u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
  float f; memcpy(&f, &u, 4);
  return f;
}

/* Sorts keys (and their row ids when ids != NULL) with tmp buffers of the same size. */
static void radix_sort(uint32_t *keys, uint32_t *ids, uint32_t *tk, uint32_t *ti, int n) {
  uint32_t count[2048];
  for (int pass = 0; pass < 3; pass++) {
    int shift = pass * 11;
    memset(count, 0, sizeof count);
    for (int i = 0; i < n; i++) count[(keys[i] >> shift) & 2047]++;
    uint32_t sum = 0;
    for (int b = 0; b < 2048; b++) { uint32_t c = count[b]; count[b] = sum; sum += c; }
    for (int i = 0; i < n; i++) {
      uint32_t pos = count[(keys[i] >> shift) & 2047]++;
      tk[pos] = keys[i];
      if (ids) ti[pos] = ids[i];
    }
    uint32_t *t = keys; keys = tk; tk = t;
    if (ids) { t = ids; ids = ti; ti = t; }
  }
  /* three passes: the result is in the tmp buffers; copy back */
  memcpy(tk, keys, sizeof(uint32_t) * n);
  if (ids) memcpy(ti, ids, sizeof(uint32_t) * n);
}

static float cut_above_max(float mx) { return mx + (fabsf(mx) + 1e-5f); }

/* Above this many rows the quantiles are taken from a random sample of about this
 * many rows (fixed seed): ~1000 sampled values per bin place the cuts as well as the
 * full data would, at a quarter of the sorting cost for a million rows. */
#define CUT_SAMPLE (1 << 18)

/* Rows per task of the scan for missing values and minimums (a block's own results, merged in block order). */
enum { SCAN_BLOCK_ROWS = 16384 };
/* The most sort-buffer bytes the features cut side by side may hold (their lanes: cuts_build). */
#define CUT_LANE_BYTES ((size_t)64 << 20)

typedef struct {
  const float *X; const float *weight; int nrow, ncol, max_bin;
  Cuts *c;
  float *block_min; uint8_t *block_missing;      /* the scan: per block, per feature */
  const uint8_t *missing;                         /* per feature, over every row */
  const uint32_t *sample; int n_sample;           /* the rows the quantiles are taken from (NULL: every row) */
  int f0;                                         /* the first feature of this batch: task k is feature f0 + k */
  uint32_t **keys, **tk, **ids, **ti;             /* per lane (task k of a batch): sort buffers of n_sample */
} CutJob;

static void scan_task(void *arg, int k) {
  const CutJob *j = arg;
  int r0 = k * SCAN_BLOCK_ROWS, r1 = r0 + SCAN_BLOCK_ROWS < j->nrow ? r0 + SCAN_BLOCK_ROWS : j->nrow, ncol = j->ncol;
  float *mn = j->block_min + (size_t)k * ncol;
  uint8_t *miss = j->block_missing + (size_t)k * ncol;
  for (int f = 0; f < ncol; f++) { mn[f] = INFINITY; miss[f] = 0; }
  for (int r = r0; r < r1; r++)
    for (int f = 0; f < ncol; f++) {
      float v = j->X[(size_t)r * ncol + f];
      if (isnan(v)) miss[f] = 1;
      else if (v < mn[f]) mn[f] = v;
    }
}

/* A feature's most bins: max_bin, but 255 when it has missing values (their code, one past the last bin, is a byte). */
static inline int bin_limit(int max_bin, int has_missing) { return has_missing && max_bin > 255 ? 255 : max_bin; }

/* Feature f0 + k's cuts (numeric features; its cut array is allocated before the job), with lane k's buffers. */
static void cut_task(void *arg, int k) {
  const CutJob *j = arg;
  int f = j->f0 + k, ncol = j->ncol;
  Cuts *c = j->c;
  if (cuts_is_categorical(c, f)) return;
  uint32_t *keys = j->keys[k], *tk = j->tk[k], *ids = j->weight ? j->ids[k] : NULL, *ti = j->weight ? j->ti[k] : NULL;
  const float *X = j->X, *weight = j->weight;
  int n = 0;
  for (int s = 0; s < j->n_sample; s++) {
    int r = j->sample ? (int)j->sample[s] : s;
    float v = X[(size_t)r * ncol + f];
    if (!isnan(v)) { keys[n] = float_key(v); if (ids) ids[n] = r; n++; }
  }
  int limit = bin_limit(j->max_bin, j->missing[f]);
  float *cut = c->cuts[f];
  int nb = 0;
  if (n == 0) {
    cut[nb++] = 0.0f;                /* all missing: one empty bin */
  } else {
    radix_sort(keys, ids, tk, ti, n);
    /* distinct values (and their total weights) */
    int nu = 0;
    for (int i = 0; i < n; i++) if (i == 0 || keys[i] != keys[i - 1]) nu++;
    if (nu <= limit) {
      /* every distinct value its own bin: cuts are the distinct values after the first */
      for (int i = 1; i < n; i++) if (keys[i] != keys[i - 1]) cut[nb++] = key_float(keys[i]);
    } else {
      /* weighted quantiles: cut i at the first value whose cumulative weight reaches i/limit */
      double total = 0;
      if (weight) for (int i = 0; i < n; i++) total += weight[ids[i]]; else total = n;
      double acc = 0;
      int next = 1;
      for (int i = 0; i < n && next < limit; i++) {
        acc += weight ? weight[ids[i]] : 1.0;
        if (i + 1 < n && keys[i + 1] != keys[i] && acc >= total * next / limit) {
          float v = key_float(keys[i + 1]);
          if (nb == 0 || v > cut[nb - 1]) cut[nb++] = v;
          while (next < limit && acc >= total * next / limit) next++;
        }
      }
    }
    cut[nb++] = cut_above_max(key_float(keys[n - 1]));
  }
  c->n_bins[f] = nb;
}

/* The cuts of every feature. On several threads (par_run): the scan for missing values and minimums over row
 * blocks, then the features' quantiles, a batch of features at a time (one per thread, each with its own sort
 * buffers). Each feature's cuts depend only on its own values, and a block's scan only on its rows (minimum and
 * "has missing" merge the same in any order), so the cuts are the same for every thread count. */
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
  int lanes = 0; /* features cut at once: set once the sample's size is known */
  CutJob j = { X, weight, nrow, ncol, max_bin, c, NULL, NULL, NULL, NULL, nrow, 0, NULL, NULL, NULL, NULL };
  uint8_t *missing = xgb_calloc(ncol, 1);
  j.block_min = xgb_alloc(sizeof(float) * (size_t)(n_blocks ? n_blocks : 1) * ncol);
  j.block_missing = xgb_alloc((size_t)(n_blocks ? n_blocks : 1) * ncol);
  uint32_t *sample = NULL;
  int rc = -1;
  if (!missing || !j.block_min || !j.block_missing) goto done;
  /* which features have missing values: decided on all rows, since it sets the code range; and so is each
   * feature's minimum (a sample could miss it) */
  if (par_run(scan_task, &j, n_blocks) < 0) goto done;
  for (int f = 0; f < ncol; f++) c->below_min[f] = INFINITY;
  for (int b = 0; b < n_blocks; b++)
    for (int f = 0; f < ncol; f++) {
      missing[f] |= j.block_missing[(size_t)b * ncol + f];
      float v = j.block_min[(size_t)b * ncol + f];
      if (v < c->below_min[f]) c->below_min[f] = v;
    }
  for (int f = 0; f < ncol; f++) {
    float mn = isinf(c->below_min[f]) ? 0.0f : c->below_min[f];
    c->below_min[f] = mn - (fabsf(mn) + 1e-5f);
  }
  j.missing = missing;
  if (nrow > CUT_SAMPLE) {
    if (!(sample = xgb_alloc(sizeof(uint32_t) * (size_t)nrow))) goto done;
    Rng rng;
    rng_seed(&rng, 0x51ce5eedULL);
    double keep = (double)CUT_SAMPLE / nrow;
    int n_sample = 0;
    for (int r = 0; r < nrow; r++) if (rng_uniform(&rng) < keep) sample[n_sample++] = (uint32_t)r;
    j.sample = sample; j.n_sample = n_sample;
  }
  /* the tasks do not allocate (threads.h): every numeric feature's cut array and every lane's sort buffers first —
   * one lane per thread, but at most CUT_LANE_BYTES of buffers in all (up to 4 MB a lane at 2^18 sampled rows: a
   * high nthread must not cost gigabytes) */
  size_t n_keys = (size_t)(j.n_sample > 0 ? j.n_sample : 1), lane_bytes = n_keys * sizeof(uint32_t) * (weight ? 4 : 2);
  lanes = par_threads() < ncol ? par_threads() : ncol;
  if ((size_t)lanes * lane_bytes > CUT_LANE_BYTES) lanes = CUT_LANE_BYTES / lane_bytes > 0 ? (int)(CUT_LANE_BYTES / lane_bytes) : 1;
  j.keys = xgb_calloc(lanes, sizeof(uint32_t *)); j.tk = xgb_calloc(lanes, sizeof(uint32_t *));
  j.ids = xgb_calloc(lanes, sizeof(uint32_t *)); j.ti = xgb_calloc(lanes, sizeof(uint32_t *));
  if (!j.keys || !j.tk || !j.ids || !j.ti) goto done;
  for (int k = 0; k < lanes; k++) {
    j.keys[k] = xgb_alloc(sizeof(uint32_t) * n_keys); j.tk[k] = xgb_alloc(sizeof(uint32_t) * n_keys);
    if (!j.keys[k] || !j.tk[k]) goto done;
    if (weight && (!(j.ids[k] = xgb_alloc(sizeof(uint32_t) * n_keys)) || !(j.ti[k] = xgb_alloc(sizeof(uint32_t) * n_keys)))) goto done;
  }
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
    if (!(c->cuts[f] = xgb_alloc(sizeof(float) * (bin_limit(max_bin, missing[f]) + 1)))) goto done;
  }
  for (j.f0 = 0; j.f0 < ncol; j.f0 += lanes)
    if (par_run(cut_task, &j, ncol - j.f0 < lanes ? ncol - j.f0 : lanes) < 0) goto done;
  int32_t slot = 0;
  for (int b = 0; b < c->n_columns; b++) {
    c->offset[b] = slot;
    slot += c->n_bins[b] + 1;
  }
  c->total_slots = slot;
  rc = 0;
done:
  for (int k = 0; k < lanes; k++) {
    if (j.keys) free(j.keys[k]);
    if (j.tk) free(j.tk[k]);
    if (j.ids) free(j.ids[k]);
    if (j.ti) free(j.ti[k]);
  }
  free(j.keys); free(j.tk); free(j.ids); free(j.ti);
  free(missing); free(sample); free(j.block_min); free(j.block_missing);
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
