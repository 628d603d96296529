#include "binning.h"

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

int cuts_build(Cuts *c, const float *X, int nrow, int ncol, const float *weight, int max_bin, const uint8_t *feature_types) {
  memset(c, 0, sizeof *c);
  c->n_features = c->n_columns = ncol;
  if (feature_types && cat_features_build(c, X, nrow, ncol, feature_types) < 0) { cuts_free(c); return -1; }
  c->n_bins = xgb_calloc(c->n_columns, sizeof(int32_t));
  c->offset = xgb_calloc(c->n_columns, sizeof(int32_t));
  c->cuts = xgb_calloc(ncol, sizeof(float *));
  c->below_min = xgb_calloc(ncol, sizeof(float));
  uint32_t *keys = xgb_alloc(sizeof(uint32_t) * nrow), *tk = xgb_alloc(sizeof(uint32_t) * nrow);
  uint32_t *ids = NULL, *ti = NULL;
  if (weight) { ids = xgb_alloc(sizeof(uint32_t) * nrow); ti = xgb_alloc(sizeof(uint32_t) * nrow); }
  if (!c->n_bins || !c->offset || !c->cuts || !c->below_min || !keys || !tk || (weight && (!ids || !ti))) {
    free(keys); free(tk); free(ids); free(ti); cuts_free(c); return -1;
  }
  /* which features have missing values: decided on all rows, since it sets the code range */
  uint8_t *missing = xgb_calloc(ncol, 1);
  uint32_t *sample = NULL;
  int n_sample = nrow;
  if (nrow > CUT_SAMPLE) sample = xgb_alloc(sizeof(uint32_t) * (size_t)nrow);
  if (!missing || (nrow > CUT_SAMPLE && !sample)) {
    free(missing); free(sample); free(keys); free(tk); free(ids); free(ti); cuts_free(c); return -1;
  }
  /* ... and so is each feature's minimum (a sample could miss it) */
  for (int f = 0; f < ncol; f++) c->below_min[f] = INFINITY;
  for (int r = 0; r < nrow; r++)
    for (int f = 0; f < ncol; f++) {
      float v = X[(size_t)r * ncol + f];
      if (isnan(v)) missing[f] = 1;
      else if (v < c->below_min[f]) c->below_min[f] = v;
    }
  for (int f = 0; f < ncol; f++) {
    float mn = isinf(c->below_min[f]) ? 0.0f : c->below_min[f];
    c->below_min[f] = mn - (fabsf(mn) + 1e-5f);
  }
  if (sample) {
    Rng rng;
    rng_seed(&rng, 0x51ce5eedULL);
    double keep = (double)CUT_SAMPLE / nrow;
    n_sample = 0;
    for (int r = 0; r < nrow; r++) if (rng_uniform(&rng) < keep) sample[n_sample++] = (uint32_t)r;
  }
  int32_t slot = 0;
  for (int f = 0; f < ncol; f++) {
    if (cuts_is_categorical(c, f)) {
      /* one bin per code, CAT_CHUNK per byte column (binning_categorical.c) */
      const CatFeature *cf = &c->cat[f];
      for (int j = 0; j < cf->n_chunks; j++) {
        int left = cf->n_codes - j * CAT_CHUNK;
        c->n_bins[cf->columns[j]] = left < CAT_CHUNK ? left : CAT_CHUNK;
      }
      continue;
    }
    int n = 0;
    for (int k = 0; k < n_sample; k++) {
      int r = sample ? (int)sample[k] : k;
      float v = X[(size_t)r * ncol + f];
      if (!isnan(v)) { keys[n] = float_key(v); if (ids) ids[n] = r; n++; }
    }
    int has_missing = missing[f];
    int limit = max_bin;
    if (has_missing && limit > 255) limit = 255;
    float *cut = xgb_alloc(sizeof(float) * (limit + 1));
    if (!cut) { free(missing); free(sample); free(keys); free(tk); free(ids); free(ti); cuts_free(c); return -1; }
    c->cuts[f] = cut;
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
  for (int j = 0; j < c->n_columns; j++) {
    c->offset[j] = slot;
    slot += c->n_bins[j] + 1;
  }
  c->total_slots = slot;
  free(missing); free(sample); free(keys); free(tk); free(ids); free(ti);
  return 0;
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
