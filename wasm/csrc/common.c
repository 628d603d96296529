#include "common.h"
#include <stdarg.h>
#include <stdio.h>

/* one per caller (XGB_TLS, common.h): a fit in another instance never overwrites this caller's message */
static XGB_TLS char last_error[1024];

int xgb_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return -1;
}

XGB_API const char *xgb_last_error(void) { return last_error; }

void *xgb_alloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p) xgb_fail("out of memory allocating %zu bytes", bytes);
  return p;
}

void *xgb_calloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) xgb_fail("out of memory allocating %zu bytes", n * size);
  return p;
}

/* Memory for the bindings: they copy matrices in and read results out. */
XGB_API void *xgb_malloc(size_t bytes) { return xgb_alloc(bytes); }
XGB_API void xgb_free(void *p) { free(p); }

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(Rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
  s[2] ^= t; s[3] = rotl(s[3], 45);
  return result;
}

double rng_uniform(Rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

void rng_seed(Rng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
  r->has_spare = 0;
}

/* Marsaglia's polar method: a point (u, v) uniform in the unit disc (a square's draws, 21 % of them rejected) gives
 * two independent standard normals u·m and v·m, m = sqrt(-2 ln s / s), s = u² + v². The second is kept for the next
 * call. Per normal that is half a log and half a square root, and no cos / sin: Box–Muller (a log and a cos per
 * normal, its second value thrown away) took about half of a CatBoost-style fit's time in the WebAssembly build,
 * where the symmetric grower draws one per split candidate (random_strength: ~4M draws in a 250-round fit of depth
 * 6 on 10 features), and its cos about half of each draw. */
double rng_normal(Rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u, v, s;
  do {
    u = 2.0 * rng_uniform(r) - 1.0;
    v = 2.0 * rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double m = sqrt(-2.0 * log(s) / s);
  r->spare = v * m;
  r->has_spare = 1;
  return u * m;
}

/* Partial Fisher–Yates, then sort so feature order stays deterministic. Every caller's `out`
 * holds n entries (fraction 1 copies all of `from`), so the shuffle runs in `out` itself:
 * no allocation that could fail, and the same stream of draws as ever. */
static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}
void rng_choose(Rng *r, const int32_t *from, int n, int k, int32_t *out) {
  if (out != from) memmove(out, from, sizeof(int32_t) * n);
  for (int i = 0; i < k; i++) {
    int j = i + (int)(rng_next(r) % (uint64_t)(n - i));
    int32_t t = out[i]; out[i] = out[j]; out[j] = t;
  }
  qsort(out, k, sizeof(int32_t), cmp_i32);
}

#if defined(XGB_THREADS) && defined(__wasm__)
/* The allocator's lock (common.h): a futex word, 0 free, 1 taken, 2 taken with waiters (Drepper's "Futexes are
 * tricky", mutex 2). memory.atomic.wait32 blocks the caller's thread — allowed on every Node thread, the main one too
 * — and the holder wakes one waiter on unlock; malloc holds it for microseconds, so waits are rare and short. */
static int32_t alloc_lock;

static void alloc_acquire(void) {
  int32_t c = 0;
  if (__atomic_compare_exchange_n(&alloc_lock, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
  if (c != 2) c = __atomic_exchange_n(&alloc_lock, 2, __ATOMIC_ACQUIRE);
  while (c != 0) {
    __builtin_wasm_memory_atomic_wait32(&alloc_lock, 2, -1);
    c = __atomic_exchange_n(&alloc_lock, 2, __ATOMIC_ACQUIRE);
  }
}

static void alloc_release(void) {
  if (__atomic_exchange_n(&alloc_lock, 0, __ATOMIC_RELEASE) == 2) __builtin_wasm_memory_atomic_notify(&alloc_lock, 1);
}

#undef malloc
#undef calloc
#undef realloc
#undef free
void *xgb_locked_malloc(size_t bytes) { alloc_acquire(); void *p = malloc(bytes); alloc_release(); return p; }
void *xgb_locked_calloc(size_t n, size_t size) { alloc_acquire(); void *p = calloc(n, size); alloc_release(); return p; }
void *xgb_locked_realloc(void *q, size_t bytes) { alloc_acquire(); void *p = realloc(q, bytes); alloc_release(); return p; }
void xgb_locked_free(void *p) { alloc_acquire(); free(p); alloc_release(); }
#endif
