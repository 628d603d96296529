#include "qmatrix.h"
#include "threads.h"

enum { QM_BLOCK_ROWS = 16384, DECODE_BLOCK_ROWS = 2048 };

typedef struct { const QMatrix *q; const float *X; const int32_t *rows; uint8_t *out; int n; } QmJob;

static void quantize_task(void *arg, int k) {
  const QmJob *j = arg;
  int r0 = k * QM_BLOCK_ROWS, r1 = r0 + QM_BLOCK_ROWS < j->n ? r0 + QM_BLOCK_ROWS : j->n;
  const QMatrix *q = j->q;
  cuts_quantize(&q->cuts, j->X + (size_t)r0 * q->ncol, r1 - r0, q->ncol, q->stride, q->bins + (size_t)r0 * q->stride);
}

XGB_API QMatrix *qm_build(const float *X, int nrow, int ncol, const float *weight, int max_bin, const uint8_t *feature_types) {
  if (nrow < 0 || ncol < 1) { xgb_fail("qm_build: %d rows × %d columns", nrow, ncol); return NULL; }
  /* codes are bytes (qmatrix.h): more than 256 bins would wrap */
  if (max_bin < 2 || max_bin > 256) { xgb_fail("qm_build: max_bin is %d; it must be between 2 and 256", max_bin); return NULL; }
  int any_cat = 0;
  if (feature_types)
    for (int f = 0; f < ncol; f++) {
      if (feature_types[f] > 1) { xgb_fail("feature type %d of feature %d is not 0 (numeric) or 1 (categorical)", feature_types[f], f); return NULL; }
      any_cat |= feature_types[f];
    }
  QMatrix *q = xgb_calloc(1, sizeof(QMatrix));
  if (!q) return NULL;
  q->nrow = nrow; q->ncol = ncol; q->max_bin = max_bin;
  if (any_cat) {
    if (!(q->feature_types = xgb_alloc(ncol))) { free(q); return NULL; }
    memcpy(q->feature_types, feature_types, ncol);
  }
  if (cuts_build(&q->cuts, X, nrow, ncol, weight, max_bin, q->feature_types) < 0) { free(q->feature_types); free(q); return NULL; }
  q->stride = qm_row_stride(q->cuts.n_columns);
  if (!(q->bins = xgb_alloc((size_t)nrow * q->stride))) { qm_free(q); return NULL; }
  /* each block quantises its own rows: the codes do not depend on the threads */
  QmJob j = { q, X, NULL, q->bins, nrow };
  if (par_run(quantize_task, &j, (nrow + QM_BLOCK_ROWS - 1) / QM_BLOCK_ROWS) < 0) { qm_free(q); return NULL; }
  return q;
}

XGB_API void qm_free(QMatrix *q) {
  if (!q) return;
  cuts_free(&q->cuts);
  free(q->bins); free(q->feature_types);
  free(q);
}

static void gather_task(void *arg, int k) {
  const QmJob *j = arg;
  int i0 = k * QM_BLOCK_ROWS, i1 = i0 + QM_BLOCK_ROWS < j->n ? i0 + QM_BLOCK_ROWS : j->n;
  size_t stride = (size_t)j->q->stride;
  const uint8_t *bins = j->q->bins;
  if (!j->rows) { memcpy(j->out + i0 * stride, bins + i0 * stride, (size_t)(i1 - i0) * stride); return; }
  for (int i = i0; i < i1; i++) copy_row(j->out + (size_t)i * stride, bins + (size_t)j->rows[i] * stride, stride);
}

int qm_gather(const QMatrix *q, const int32_t *rows, int n, uint8_t *out) {
  QmJob j = { q, NULL, rows, out, n };
  return par_run(gather_task, &j, (n + QM_BLOCK_ROWS - 1) / QM_BLOCK_ROWS);
}

int rows_check(const int32_t *rows, int n, int nrow, const char *what) {
  if (!rows) return n <= nrow ? 0 : xgb_fail("%s: %d rows of a matrix of %d", what, n, nrow);
  for (int i = 0; i < n; i++)
    if (rows[i] < 0 || rows[i] >= nrow) return xgb_fail("%s: row index %d (entry %d) is outside the matrix's %d rows", what, rows[i], i, nrow);
  return 0;
}

/* ---- decoding (qmatrix.h) ---------------------------------------------------------- */

typedef struct { const QMatrix *q; const int32_t *rows; int r0, n; float *out; } DecodeJob;

static void decode_task(void *arg, int k) {
  const DecodeJob *j = arg;
  const QMatrix *q = j->q;
  const Cuts *c = &q->cuts;
  int i0 = k * DECODE_BLOCK_ROWS, i1 = i0 + DECODE_BLOCK_ROWS < j->n ? i0 + DECODE_BLOCK_ROWS : j->n, ncol = q->ncol;
  for (int i = i0; i < i1; i++) {
    size_t r = j->rows ? (size_t)j->rows[j->r0 + i] : (size_t)(j->r0 + i);
    const uint8_t *codes = q->bins + r * q->stride;
    float *x = j->out + (size_t)i * ncol;
    for (int f = 0; f < ncol; f++) {
      if (cuts_is_categorical(c, f)) {
        int b = cat_bin_of_row(c, f, codes);
        x[f] = b < 0 ? NAN : (float)c->cat[f].codes[b];
        continue;
      }
      int b = codes[f];
      x[f] = b >= c->n_bins[f] ? NAN : b == 0 ? c->below_min[f] : c->cuts[f][b - 1];
    }
  }
}

int qm_decode(const QMatrix *q, const int32_t *rows, int r0, int n, float *out) {
  DecodeJob j = { q, rows, r0, n, out };
  return par_run(decode_task, &j, (n + DECODE_BLOCK_ROWS - 1) / DECODE_BLOCK_ROWS);
}

int qm_check_model(const QMatrix *q, const Tree *trees, int t_begin, int t_end) {
  const Cuts *c = &q->cuts;
  for (int t = t_begin; t < t_end; t++) {
    const Tree *tr = &trees[t];
    for (int nid = 0; nid < tr->n_nodes; nid++) {
      if (tr->left[nid] < 0) continue;
      int f = tr->feature[nid];
      if (f < 0 || f >= q->ncol) return xgb_fail("tree %d node %d splits feature %d, which the matrix (%d features) lacks", t, nid, f, q->ncol);
      if (cuts_is_categorical(c, f)) continue; /* codes decode exactly: any split on them is exact */
      if (tr->split_type[nid] == SPLIT_CATEGORICAL)
        return xgb_fail("tree %d node %d is a categorical split on feature %d, which the matrix holds as numeric bins", t, nid, f);
      float v = tr->cond[nid];
      if (v != c->below_min[f] && cuts_index(c, f, v) < 0)
        return xgb_fail("tree %d node %d splits feature %d at %.9g, which is not a cut of the matrix's bins (max_bin %d)", t, nid, f, (double)v, q->max_bin);
    }
  }
  return 0;
}

int for_row_chunks(const float *X, const QMatrix *qm, const int32_t *rows, int n, int ncol, RowChunkFn fn, void *arg) {
  if (X) return fn(arg, X, rows, 0, n);
  if (!qm) return xgb_fail("no rows to read: the matrix has neither floats nor bins");
  if (qm->ncol != ncol) return xgb_fail("the matrix's bins have %d columns, not %d", qm->ncol, ncol);
  /* a chunk of a few MB: decoded once, then read by every tree while it is in cache-friendly reach */
  int chunk = (int)(((size_t)4 << 20) / (sizeof(float) * (size_t)ncol));
  if (chunk < DECODE_BLOCK_ROWS) chunk = DECODE_BLOCK_ROWS;
  chunk -= chunk % DECODE_BLOCK_ROWS;
  if (chunk > n) chunk = n;
  float *buf = xgb_alloc(sizeof(float) * (size_t)(chunk > 0 ? chunk : 1) * ncol);
  if (!buf) return -1;
  int rc = 0;
  for (int r0 = 0; r0 < n && rc == 0; r0 += chunk) {
    int m = r0 + chunk < n ? chunk : n - r0;
    rc = qm_decode(qm, rows, r0, m, buf);
    if (rc == 0) rc = fn(arg, buf, NULL, r0, m);
  }
  free(buf);
  return rc;
}
