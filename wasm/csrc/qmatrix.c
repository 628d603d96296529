#include "qmatrix.h"
#include "threads.h"

enum { QM_BLOCK_ROWS = 16384 };

typedef struct { const QMatrix *q; const float *X; const int32_t *rows; uint8_t *out; int n; } QmJob;

static void quantize_task(void *arg, int k) {
  const QmJob *j = arg;
  int r0 = k * QM_BLOCK_ROWS, r1 = r0 + QM_BLOCK_ROWS < j->n ? r0 + QM_BLOCK_ROWS : j->n;
  const QMatrix *q = j->q;
  cuts_quantize(&q->cuts, j->X + (size_t)r0 * q->ncol, r1 - r0, q->ncol, q->stride, q->bins + (size_t)r0 * q->stride);
}

XGB_API QMatrix *qm_build(const float *X, int nrow, int ncol, const float *weight, int max_bin, const uint8_t *feature_types) {
  if (nrow < 0 || ncol < 1) { xgb_fail("qm_build: %d rows × %d columns", nrow, ncol); return NULL; }
  if (max_bin < 2) { xgb_fail("qm_build: max_bin is %d; it must be at least 2", max_bin); return NULL; }
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
  for (int i = i0; i < i1; i++) memcpy(j->out + (size_t)i * stride, bins + (size_t)j->rows[i] * stride, stride);
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
