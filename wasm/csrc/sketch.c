/* The weighted quantile sketch of native XGBoost 1.7.4's hist (src/common/quantile.h: WQuantileSketch, WQSummary;
 * quantile.cc: HostSketchContainer, AllReduce, MakeCuts, AddCutPoint), step for step, so that a feature with more
 * distinct values than bins gets native's cut values — the thresholds its trees split at.
 *
 * A summary is a list of distinct values v_0 < v_1 < … each with three ranks over the weighted data it stands for:
 * rmin (weight strictly below v_i, at least), rmax (weight up to and including v_i, at most) and wmin (the weight of
 * v_i itself, at least). The exact summary of a sorted chunk has rmin = weight before v_i, rmax = rmin + w_i, wmin =
 * w_i. Two operations keep it small:
 *   - prune to m entries: keep the first and last and, for k = 1 … m-2, the entry whose rank is nearest the k-th of
 *     m-1 equal steps between rmax_0 and rmin_last (comparing twice the target with rmin + rmax sums, in float);
 *   - combine two summaries of disjoint data: merge the values; an entry of one gains, from the other, the rmin of
 *     the other's entries below it and the rmax of the first entry above it (less that entry's wmin), and equal
 *     values add up; then ranks are made monotone again (FixError).
 * The stream: values enter a queue of 2L entries (consecutive equal values merged, weight 0 skipped); a full queue is
 * sorted into its exact summary and pushed up levels 1, 2, … like a binary counter: pruned to L, combined with the
 * level's summary, and carried to the next level when the result has more than L entries. At the end the queue's
 * summary and every level are combined and pruned to L, then to min(n, 8·max_bin) (AllReduce's intermediate prune,
 * one worker) and to max_bin + 1 (MakeCuts); the cuts are entries 1 … max_bin-1 and one above the largest value.
 * L and the level count follow from eps = 1 / (8·min(max_bin, n)) (LimitSizeLevel). Ranks are floats, as native's
 * (RType float): the float arithmetic is native's, in its order. A feature with at most L distinct values is never
 * pruned before MakeCuts, so with at most max_bin distinct values each value is its own bin.
 *
 * The queue is sorted by a radix sort of the floats' order-preserving keys (stable, linear), where native calls
 * std::sort: the same order of values. Only several equal values with fractional weights could sum in another order
 * (native's sort is not stable), a difference in the last bit of a rank.
 *
 * Two cuts of the core's own (sketch_cuts): the last one lies above every row's value, weight-0 rows included (so a
 * row's bin and its floats agree on every split), and where the caller holds one bin fewer than native makes (255
 * byte codes and missing values' at max_bin 256) the interior cut between the two lightest bins is left out. */
#include "sketch.h"

typedef struct { float rmin, rmax, wmin, value; } Entry;
typedef struct { Entry *data; size_t size; } Summary;

/* Floats map to unsigned keys whose integer order is the float order (-0 just below +0: adjacent, merged as equal). */
static inline uint32_t float_key(float f) {
  uint32_t u; memcpy(&u, &f, 4);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
static inline float key_float(uint32_t k) {
  uint32_t u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
  float f; memcpy(&f, &u, 4);
  return f;
}

/* Sorts keys with their weights, stable, in three 11-bit passes between (keys, w) and (tk, tw) — the three digits
 * counted in one read, a pass skipped when every key has the same digit there. Returns where the result is:
 * 0 in keys, w; 1 in tk, tw. */
static int radix_sort(uint32_t *keys, float *w, uint32_t *tk, float *tw, size_t n) {
  uint32_t count[3][2048];
  memset(count, 0, sizeof count);
  for (size_t i = 0; i < n; i++) {
    uint32_t k = keys[i];
    count[0][k & 2047]++; count[1][(k >> 11) & 2047]++; count[2][k >> 22]++;
  }
  int in_tmp = 0;
  for (int pass = 0; pass < 3; pass++) {
    uint32_t *c = count[pass], sum = 0;
    int shift = pass * 11, trivial = 0;
    for (int b = 0; b < 2048; b++) { uint32_t m = c[b]; if (m == n) trivial = 1; c[b] = sum; sum += m; }
    if (trivial) continue;
    for (size_t i = 0; i < n; i++) {
      uint32_t pos = c[(keys[i] >> shift) & 2047]++;
      tk[pos] = keys[i]; tw[pos] = w[i];
    }
    uint32_t *t = keys; keys = tk; tk = t;
    float *u = w; w = tw; tw = u;
    in_tmp ^= 1;
  }
  return in_tmp;
}

static void summary_copy(Summary *dst, const Summary *src) {
  if (src->size) memcpy(dst->data, src->data, sizeof(Entry) * src->size);
  dst->size = src->size;
}

/* WQSummary::SetPrune: dst = src kept to at most maxsize entries (dst holds maxsize). */
static void summary_prune(Summary *dst, const Summary *src, size_t maxsize) {
  if (src->size <= maxsize) { summary_copy(dst, src); return; }
  const Entry *s = src->data;
  const size_t last = src->size - 1, n = maxsize - 1;
  const float begin = s[0].rmax, range = s[last].rmin - s[0].rmax;
  dst->data[0] = s[0];
  dst->size = 1;
  size_t i = 1, lastidx = 0;  /* lastidx: no entry twice */
  for (size_t k = 1; k < n; ++k) {
    float dx2 = 2.0f * ((float)k * range / (float)n + begin);
    /* the first i with dx2 < rmax[i+1] + rmin[i+1] */
    while (i < last && dx2 >= s[i + 1].rmax + s[i + 1].rmin) ++i;
    if (i == last) break;
    if (dx2 < (s[i].rmin + s[i].wmin) + (s[i + 1].rmax - s[i + 1].wmin)) {
      if (i != lastidx) { dst->data[dst->size++] = s[i]; lastidx = i; }
    } else if (i + 1 != lastidx) {
      dst->data[dst->size++] = s[i + 1]; lastidx = i + 1;
    }
  }
  if (lastidx != last) dst->data[dst->size++] = s[last];
}

/* WQSummary::FixError: rounding can leave ranks out of order; make rmin and rmax non-decreasing, rmax >= rmin + wmin. */
static void summary_fix(Summary *d) {
  float prev_rmin = 0, prev_rmax = 0;
  for (size_t i = 0; i < d->size; ++i) {
    Entry *e = &d->data[i];
    if (e->rmin < prev_rmin) e->rmin = prev_rmin; else prev_rmin = e->rmin;
    if (e->rmax < prev_rmax) e->rmax = prev_rmax;
    float rmin_next = e->rmin + e->wmin;
    if (e->rmax < rmin_next) e->rmax = rmin_next;
    prev_rmax = e->rmax;
  }
}

/* WQSummary::SetCombine: dst (room for both sizes) = the summary of sa's and sb's data together. */
static void summary_combine(Summary *dst, const Summary *sa, const Summary *sb) {
  if (sa->size == 0) { summary_copy(dst, sb); return; }
  if (sb->size == 0) { summary_copy(dst, sa); return; }
  const Entry *a = sa->data, *a_end = a + sa->size, *b = sb->data, *b_end = b + sb->size;
  float aprev_rmin = 0, bprev_rmin = 0;  /* rmin of the data below the current entry, from each side */
  Entry *d = dst->data;
  while (a != a_end && b != b_end) {
    if (a->value == b->value) {
      *d++ = (Entry){ a->rmin + b->rmin, a->rmax + b->rmax, a->wmin + b->wmin, a->value };
      aprev_rmin = a->rmin + a->wmin; bprev_rmin = b->rmin + b->wmin;
      ++a; ++b;
    } else if (a->value < b->value) {
      *d++ = (Entry){ a->rmin + bprev_rmin, a->rmax + (b->rmax - b->wmin), a->wmin, a->value };
      aprev_rmin = a->rmin + a->wmin;
      ++a;
    } else {
      *d++ = (Entry){ b->rmin + aprev_rmin, b->rmax + (a->rmax - a->wmin), b->wmin, b->value };
      bprev_rmin = b->rmin + b->wmin;
      ++b;
    }
  }
  if (a != a_end) {
    float brmax = (b_end - 1)->rmax;
    for (; a != a_end; ++a) *d++ = (Entry){ a->rmin + bprev_rmin, a->rmax + brmax, a->wmin, a->value };
  }
  if (b != b_end) {
    float armax = (a_end - 1)->rmax;
    for (; b != b_end; ++b) *d++ = (Entry){ b->rmin + aprev_rmin, b->rmax + armax, b->wmin, b->value };
  }
  dst->size = (size_t)(d - dst->data);
  summary_fix(dst);
}

/* One feature's stream (QuantileSketchTemplate): the queue, the levels (level 0 is scratch) and a temp summary. */
typedef struct {
  size_t limit, cap;               /* L (limit_size) and the queue's 2L */
  uint32_t *qkey; float *qw;       /* the queue: values (as float_key), weights */
  size_t qtail; float last;        /* its length and last value */
  uint32_t *tk; float *tw;         /* its sort buffers */
  Summary temp, *level;
  int n_levels, max_levels;
} Stream;

/* LimitSizeLevel: the fewest levels with 2^levels · L >= n, where L = ceil(levels / eps) + 1 (at most n). */
static void limit_size_level(size_t n, double eps, size_t *nlevel, size_t *limit) {
  for (*nlevel = 1;; ++*nlevel) {
    *limit = (size_t)ceil((double)*nlevel / eps) + 1;
    if (*limit > n) *limit = n;
    if (((size_t)1 << *nlevel) * *limit >= n) break;
  }
}

/* HostSketchContainer's eps: 1 / (kFactor 8 · min(max_bin, n)), the product in float. */
static size_t stream_limit(size_t n, int max_bin) {
  size_t bins = n < (size_t)max_bin ? n : (size_t)max_bin;
  if (bins < 1) bins = 1;
  size_t nlevel, limit;
  limit_size_level(n, 1.0 / (double)((float)bins * 8.0f), &nlevel, &limit);
  return limit;
}

/* Levels the stream can reach: a level l is first used after 2^(l-1) pushes of a full queue (a binary counter),
 * and there are fewer than n / 2L of those; level 0 is scratch. */
static int stream_levels(size_t n, size_t limit) {
  size_t pushes = limit ? n / (2 * limit) : 0;
  int bits = 0;
  while (pushes >> bits) bits++;
  return bits + 2;
}

/* The summary reductions after the stream: min(n, 8·max_bin) (AllReduce), max_bin + 1 (MakeCuts). */
static size_t intermediate_cuts(size_t n, int max_bin) {
  size_t m = (size_t)((float)max_bin * 8.0f);
  return n < m ? n : m;
}

size_t sketch_work_bytes(size_t n, int max_bin) {
  size_t limit = stream_limit(n, max_bin), cap = 2 * limit;
  size_t entries = cap /* temp */ + cap /* out */ + (size_t)stream_levels(n, limit) * limit
                 + intermediate_cuts(n, max_bin) + (size_t)max_bin + 1;
  return entries * sizeof(Entry) + cap * 2 * (sizeof(uint32_t) + sizeof(float));
}

/* Queue::MakeSummary: the queue sorted, equal values merged, as an exact summary (out holds 2L). */
static void queue_summary(Stream *s, Summary *out) {
  size_t n = s->qtail;
  const uint32_t *key = s->qkey;
  const float *qw = s->qw;
  if (radix_sort(s->qkey, s->qw, s->tk, s->tw, n)) { key = s->tk; qw = s->tw; }
  float wsum = 0;
  out->size = 0;
  for (size_t i = 0; i < n;) {
    float w = qw[i];
    size_t j = i + 1;
    /* equal values: equal keys, or -0 then +0 */
    for (; j < n && (key[j] == key[i] || (key[i] == 0x7fffffffu && key[j] == 0x80000000u)); ++j) w += qw[j];
    out->data[out->size++] = (Entry){ wsum, wsum + w, w, key_float(key[i]) };
    wsum += w;
    i = j;
  }
}

/* PushTemp: the temp summary (a full queue's) carried up the levels. */
static int push_temp(Stream *s) {
  for (int l = 1;; ++l) {
    if (l + 1 > s->max_levels) return xgb_fail("quantile sketch: more than %d levels", s->max_levels - 1);
    if (s->n_levels < l + 1) s->n_levels = l + 1;  /* InitLevel: new levels are empty */
    Summary *lev = &s->level[l];
    if (lev->size == 0) { summary_prune(lev, &s->temp, s->limit); return 0; }
    summary_prune(&s->level[0], &s->temp, s->limit);
    summary_combine(&s->temp, &s->level[0], lev);
    if (s->temp.size <= s->limit) { summary_copy(lev, &s->temp); return 0; }
    lev->size = 0;  /* still too big: on to the next level */
  }
}

/* Push: weight 0 skipped; a value equal to the last one queued adds its weight there; another value, when the queue
 * is full, first sends the queue up the levels. */
static inline int stream_push(Stream *s, float x, float w) {
  if (w == 0) return 0;
  if (s->qtail && x == s->last) { s->qw[s->qtail - 1] += w; return 0; }
  if (s->qtail == s->cap) {
    queue_summary(s, &s->temp);
    s->qtail = 0;
    if (push_temp(s) < 0) return -1;
  }
  s->qkey[s->qtail] = float_key(x); s->qw[s->qtail++] = w;
  s->last = x;
  return 0;
}

/* GetSummary: the queue's summary and every level's, combined and pruned to L, into out (room for 2L). */
static void stream_summary(Stream *s, Summary *out) {
  queue_summary(s, out);
  if (s->n_levels == 0) {
    if (out->size > s->limit) { summary_prune(&s->temp, out, s->limit); summary_copy(out, &s->temp); }
    return;
  }
  Summary *l0 = &s->level[0];
  summary_prune(l0, out, s->limit);
  for (int l = 1; l < s->n_levels; ++l) {
    if (s->level[l].size == 0) continue;
    if (l0->size == 0) summary_copy(l0, &s->level[l]);
    else { summary_combine(out, l0, &s->level[l]); summary_prune(l0, out, s->limit); }
  }
  summary_copy(out, l0);
}

/* The weight below summary entry k (its rmin); past the last entry, all of it. */
static inline float rank_below(const Summary *s, size_t k) {
  return k < s->size ? s->data[k].rmin : s->data[s->size - 1].rmax;
}

/* Leaves out one of the n interior cuts (cut[i] = summary entry i + 1): the one whose two bins hold the least weight
 * together (the first of equals), so that every other cut stays native's. */
static void drop_lightest_cut(const Summary *final, float *cut, int *n) {
  int drop = 0;
  float lightest = INFINITY;
  for (int i = 0; i < *n; i++) {
    float w = rank_below(final, (size_t)i + 2) - final->data[i].rmin;  /* bins i and i + 1: entries i .. i + 2 */
    if (w < lightest) { lightest = w; drop = i; }
  }
  for (int i = drop; i + 1 < *n; i++) cut[i] = cut[i + 1];
  (*n)--;
}

int sketch_cuts(const float *X, int nrow, int ncol, int f, const float *weight, size_t n_present, int max_bin,
                int max_cuts, void *work, float *cut) {
  Stream s = { 0 };
  s.limit = stream_limit(n_present, max_bin);
  s.cap = 2 * s.limit;
  s.max_levels = stream_levels(n_present, s.limit);
  size_t n_inter = intermediate_cuts(n_present, max_bin);
  /* the workspace, as sketch_work_bytes sizes it: entries first (16-byte), then the queue's 4-byte arrays */
  Entry *e = work;
  Summary out = { e, 0 }, reduced, final;
  e += s.cap;
  s.temp.data = e; e += s.cap;
  Summary levels[64];
  if (s.max_levels > 64) return xgb_fail("quantile sketch: %d levels", s.max_levels);
  for (int l = 0; l < s.max_levels; l++) { levels[l].data = e; levels[l].size = 0; e += s.limit; }
  s.level = levels;
  reduced.data = e; e += n_inter;
  final.data = e; e += (size_t)max_bin + 1;
  s.qkey = (uint32_t *)e; s.tk = s.qkey + s.cap;
  s.qw = (float *)(s.tk + s.cap); s.tw = s.qw + s.cap;

  float mx = -INFINITY;  /* the largest value of every row, weight 0 included */
  for (int r = 0; r < nrow; r++) {
    float v = X[(size_t)r * ncol + f];
    if (isnan(v)) continue;
    if (v > mx) mx = v;
    if (stream_push(&s, v, weight ? weight[r] : 1.0f) < 0) return -1;
  }
  if (n_present == 0) return 0;
  stream_summary(&s, &out);
  /* AddCutPoint: entries 1 … bins-1 (increasing: a summary's values are distinct), then one above the largest value.
   * Native puts that one above the largest value of weight > 0 (its summary's last); here it is above every row's, so
   * that a row of weight 0 beyond it, binned into the last bin, also falls left of a split at that cut on its floats:
   * with native's, its training margin and its prediction part (the two differ only there). */
  int nb = 0;
  if (out.size > 0) {
    summary_prune(&reduced, &out, n_inter);                 /* AllReduce */
    size_t bins = n_inter < (size_t)max_bin ? n_inter : (size_t)max_bin;
    summary_prune(&final, &reduced, bins + 1);              /* MakeCuts */
    size_t required = final.size < bins ? final.size : bins;
    for (size_t i = 1; i < required; i++) cut[nb++] = final.data[i].value;
    if (nb >= max_cuts) drop_lightest_cut(&final, cut, &nb);
  }
  /* native's `cpt + (fabs(cpt) + 1e-5f)`: fabs is C's double one there, so the sum is a double rounded once to float
   * (in float it was an ulp off for 8-21 % of positive maxima and for negative ones: -1 gave 0.0000100136, not 1e-5) */
  cut[nb++] = (float)((double)mx + (fabs((double)mx) + (double)1e-5f));
  return nb;
}
