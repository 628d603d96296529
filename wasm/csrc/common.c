#include "common.h"
#include <stdarg.h>
#include <stdio.h>
#include <math.h>

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
}

/* Standard normals by the ziggurat method (Marsaglia & Tsang 2000, with Doornik's 2005 correction: the layer and
 * the uniform come from separate bits of the draw). The area under f(x) = exp(-x²/2), x ≥ 0, is covered by
 * ZIG_LAYERS horizontal layers of equal area ZIG_AREA: layer i spans |x| < zig_x[i], and the top of layer i + 1
 * fits under the curve to |x| < zig_x[i + 1]. One 64-bit draw picks a layer (its low 8 bits) and a point
 * u·zig_x[i], u uniform in [-1, 1) (its top 53 bits); a point inside the next layer's width is under the curve:
 * returned at once, 99 % of draws — one draw, a multiply, a compare. Otherwise the point is in a wedge, kept if a
 * second uniform falls under the curve there (two exp), or, in the base layer, beyond zig_x[1] = ZIG_R, where the
 * tail is drawn by Marsaglia's method (two log). Per normal that is about half the polar method's time (natively
 * 15–18 → 7–10 ns; in WebAssembly a catboost-style diabetes fit's noise 45 → 22 ms), which drew a point in the unit
 * disc (21 % rejected) and paid half a log and half a square root per normal: the symmetric grower draws one per
 * split candidate (random_strength), ~8M in the seed's diabetes job, where the draws took 13 % of the job's CPU. The layers' edges are computed once, before any fit (a constructor: the C
 * library runs it in _initialize, on the thread that loads the core), with the C library's exp, log and sqrt. */
#define ZIG_LAYERS 256
#define ZIG_R 3.6541528853610088     /* where the base layer's tail starts */
#define ZIG_AREA 4.92867323399e-3    /* each layer's area, for 256 layers */
static double zig_x[ZIG_LAYERS + 1];   /* zig_x[0] = ZIG_AREA / f(ZIG_R): the base layer as one rectangle */
static double zig_ratio[ZIG_LAYERS];   /* zig_x[i + 1] / zig_x[i] */

__attribute__((constructor)) static void zig_init(void) {
  double f = exp(-0.5 * ZIG_R * ZIG_R);
  zig_x[0] = ZIG_AREA / f;
  zig_x[1] = ZIG_R;
  zig_x[ZIG_LAYERS] = 0.0;
  for (int i = 2; i < ZIG_LAYERS; i++) {
    zig_x[i] = sqrt(-2.0 * log(ZIG_AREA / zig_x[i - 1] + f));
    f = exp(-0.5 * zig_x[i] * zig_x[i]);
  }
  for (int i = 0; i < ZIG_LAYERS; i++) zig_ratio[i] = zig_x[i + 1] / zig_x[i];
}

double rng_normal(Rng *r) {
  for (;;) {
    uint64_t bits = rng_next(r);
    int i = (int)(bits & (ZIG_LAYERS - 1));
    double u = (double)(int64_t)(bits >> 11) * 0x1.0p-52 - 1.0; /* the top 53 bits (a signed conversion: cheaper) */
    if (fabs(u) < zig_ratio[i]) return u * zig_x[i];
    if (i == 0) {
      /* the tail beyond ZIG_R: x = -ln(U1) / R, kept with probability exp(-x²/2) (as -2 ln U2 > x²); 1 - U is in (0, 1] */
      double x, y;
      do {
        x = -log(1.0 - rng_uniform(r)) / ZIG_R;
        y = -log(1.0 - rng_uniform(r));
      } while (2.0 * y < x * x);
      return u < 0 ? -(ZIG_R + x) : ZIG_R + x;
    }
    double x = u * zig_x[i];
    double f0 = exp(-0.5 * (zig_x[i] * zig_x[i] - x * x)), f1 = exp(-0.5 * (zig_x[i + 1] * zig_x[i + 1] - x * x));
    if (f1 + rng_uniform(r) * (f0 - f1) < 1.0) return x;
  }
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

/* Set once a trap left the core (the bindings call xgb_core_break): every later call is refused (wasm.ts). In the
 * threads build it lies in the shared memory, seen by every thread's instance. trap_caller: the caller (below) the
 * trap is laid to — the trapping caller itself, or the owner of the pool job a pool thread trapped in — so that of
 * the errors of several callers' fits, the one that caused the others is reported (lib's fit pool). */
static int32_t core_broken;
static int32_t trap_caller;
XGB_API int32_t *xgb_core_broken_word(void) { return &core_broken; }
XGB_API int32_t *xgb_trap_caller_word(void) { return &trap_caller; }

/* Each caller of the core (an instance over the shared memory: the main thread's 1, an attached thread's its own,
 * set by the bindings; a pool thread 0) by its id: who owns the pool's job (threads.c), who trapped. */
static XGB_TLS int32_t caller_id;
XGB_API void xgb_set_caller(int32_t id) { caller_id = id; }
int32_t xgb_caller(void) { return caller_id; }

#if defined(XGB_THREADS) && defined(__wasm__)
/* The allocator's lock (common.h): a futex word, 0 free, 1 taken, 2 taken with waiters (Drepper's "Futexes are
 * tricky", mutex 2), LOCK_BROKEN once a trap broke the core (below). memory.atomic.wait32 blocks the caller's thread — allowed on every Node thread, the main one too
 * — and the holder wakes one waiter on unlock; malloc holds it for microseconds, so waits are rare and short. */
static int32_t alloc_lock;

/* Memory another thread grew. The memory grows only here, in malloc / calloc / realloc under the lock (the C
 * library's sbrk), and V8 tells the other threads' instances of the module the new size by an interrupt, which each
 * handles at its next stack check — until then its bulk-memory instructions (memset, memcpy: memory.fill, .copy) and
 * its atomics are checked against the old size, and JavaScript's view of the memory is the old buffer. A thread that
 * took a block from the grown part — or ran a pool task writing into one — before it had handled the interrupt
 * trapped ("memory access out of bounds"; calloc's memset under this lock, which then stayed taken: every other
 * thread hung), or its bindings failed making a view of it ("Invalid typed array length"): a training job with many
 * fits side by side (parallel_fits 24-64 on a loaded machine, 1 run in 3). So the size after the latest grow is kept
 * here, and a thread whose instance saw an older one calls memory.grow(0): V8 then updates the calling thread's
 * instance and memory object at once (WasmMemoryObject::Grow broadcasts the size and refreshes its own isolate). */
static int32_t memory_pages;                 /* pages after the latest grow, written under the lock */
static XGB_TLS int32_t memory_pages_seen;   /* what this thread's instance was last brought up to */

void xgb_see_grown_memory(void) {
  int32_t pages = __atomic_load_n(&memory_pages, __ATOMIC_ACQUIRE);
  if (pages != memory_pages_seen) {
    __builtin_wasm_memory_grow(0, 0);
    memory_pages_seen = pages;
  }
}

/* under the lock, after the allocator ran: a grow is this thread's own (its instance knows the new size) */
static void note_memory_grown(void) {
  int32_t pages = (int32_t)__builtin_wasm_memory_size(0);
  if (pages != memory_pages) {
    __atomic_store_n(&memory_pages, pages, __ATOMIC_RELEASE);
    memory_pages_seen = pages;
  }
}

/* A trap (a bug: an access out of bounds, `unreachable`) unwinds the trapping thread out of the core wherever it
 * was — inside the allocator, its lock stays taken and every other caller would wait for it forever (a training
 * job's threads, a notebook's next cell). The bindings catch every trap as it leaves the core and call
 * xgb_core_break (wasm.ts): the core is marked unusable, the lock's word set to LOCK_BROKEN and every waiter woken.
 * A caller inside the core that then needs the allocator traps in turn (its bindings report the core unusable,
 * naming the first trap), and the bindings refuse every later call: after a trap the heap may be corrupt, and
 * going on could give wrong answers. */
#define LOCK_BROKEN 3

static _Noreturn void core_is_broken(void) { __builtin_trap(); }

static void alloc_acquire(void) {
  int32_t c = 0;
  if (!__atomic_compare_exchange_n(&alloc_lock, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
    /* taken (1), taken with waiters (2), or broken: mark that a thread waits, sleep, retry; a CAS that fails
     * leaves the word's current value in c */
    for (;;) {
      if (c == LOCK_BROKEN) core_is_broken();
      if (c == 0) {
        if (__atomic_compare_exchange_n(&alloc_lock, &c, 2, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) break;
        continue;
      }
      if (c == 1 && !__atomic_compare_exchange_n(&alloc_lock, &c, 2, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) continue;
      __builtin_wasm_memory_atomic_wait32(&alloc_lock, 2, -1);
      c = __atomic_load_n(&alloc_lock, __ATOMIC_RELAXED);
    }
  }
  /* any block the allocator hands out or copies lies below the latest grow's end: see it first */
  xgb_see_grown_memory();
}

static void alloc_release(void) {
  note_memory_grown();
  int32_t c = 1;
  if (__atomic_compare_exchange_n(&alloc_lock, &c, 0, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) return;
  /* 2: wake a waiter; LOCK_BROKEN (the core broken by a trap elsewhere while this thread held the lock): it stays */
  if (c == 2 && __atomic_compare_exchange_n(&alloc_lock, &c, 0, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    __builtin_wasm_memory_atomic_notify(&alloc_lock, 1);
}

XGB_API void xgb_core_break(int32_t blamed) {
  int32_t none = 0;
  __atomic_compare_exchange_n(&trap_caller, &none, blamed, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED); /* the first trap */
  __atomic_store_n(&core_broken, 1, __ATOMIC_SEQ_CST);
  __atomic_store_n(&alloc_lock, LOCK_BROKEN, __ATOMIC_SEQ_CST);
  __builtin_wasm_memory_atomic_notify(&alloc_lock, UINT32_MAX);
}

#undef malloc
#undef calloc
#undef realloc
#undef free
void *xgb_locked_malloc(size_t bytes) { alloc_acquire(); void *p = malloc(bytes); alloc_release(); return p; }
void *xgb_locked_calloc(size_t n, size_t size) { alloc_acquire(); void *p = calloc(n, size); alloc_release(); return p; }
void *xgb_locked_realloc(void *q, size_t bytes) { alloc_acquire(); void *p = realloc(q, bytes); alloc_release(); return p; }
void xgb_locked_free(void *p) { alloc_acquire(); free(p); alloc_release(); }
#else
XGB_API void xgb_core_break(int32_t blamed) {
  if (!trap_caller) trap_caller = blamed;
  core_broken = 1;
}
#endif
