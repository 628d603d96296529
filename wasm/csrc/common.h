/* Shared definitions of the boosting core: export macro, error reporting, the PRNG,
 * and the gradient-pair layout every stage agrees on. */
#ifndef XGB_COMMON_H
#define XGB_COMMON_H
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <float.h>

#define XGB_API __attribute__((visibility("default"), used))
/* A per-row helper of a hot loop, inlined whatever the compiler's cost model says: clang left goes_left and
 * leaf_has_row as calls in the WebAssembly build (a call per row, and the numeric/categorical test not folded
 * away), ~2 and ~1 s of a 21 s fit (1M x 28, depth 6, 100 rounds, nthread 1; V8 CPU profile); inlined, the
 * same fit at 40 rounds took 7.3-8.9 s against 8.9-9.7 s, the same model byte for byte. */
#define XGB_HOT_INLINE static inline __attribute__((always_inline))
/* A row of bin codes copied in 8-byte words (a fixed-size memcpy compiles to one load and one store): a memcpy of a
 * size known only at run time is WebAssembly's memory.copy, which V8 runs as a call — dear for rows of a few dozen
 * bytes. Rows are padded to a multiple of 8 bytes (qmatrix.h qm_row_stride), so there is no tail. */
XGB_HOT_INLINE void copy_row(uint8_t *dst, const uint8_t *src, size_t n) {
  for (size_t k = 0; k < n; k += 8) memcpy(dst + k, src + k, 8);
}

/* Several callers at once (threads build). Besides the pool's worker threads (threads.h), the bindings may run
 * whole fits from other worker_threads, each its own instance of this module over the same shared memory, with its
 * own stack and its own thread-local block (__wasm_init_tls): so two callers may be inside the core together.
 * What they share must then be safe for that:
 *  - the C library's allocator (the single-threaded WASI libc's dlmalloc, linked with --no-check-features) is
 *    taken under one lock: every translation unit starts with this header (build.mjs: -include common.h), which
 *    maps malloc / calloc / realloc / free to the locked versions in common.c, so no call can bypass the lock;
 *  - the last error is thread-local (XGB_TLS), one per caller;
 *  - the thread pool has one owner at a time (threads.c).
 * Elsewhere (the single-threaded build, the native driver) XGB_TLS is nothing and the allocator is the C library's. */
#if defined(XGB_THREADS) && defined(__wasm__)
#define XGB_TLS _Thread_local
void *xgb_locked_malloc(size_t bytes);
void *xgb_locked_calloc(size_t n, size_t size);
void *xgb_locked_realloc(void *p, size_t bytes);
void xgb_locked_free(void *p);
#define malloc(bytes) xgb_locked_malloc(bytes)
#define calloc(n, size) xgb_locked_calloc(n, size)
#define realloc(p, bytes) xgb_locked_realloc(p, bytes)
#define free(p) xgb_locked_free(p)
/* this thread's instance brought up to the memory's latest size (common.c says why): the allocator calls it, and a
 * pool thread before each job's tasks, which write into blocks the job's owner took */
void xgb_see_grown_memory(void);
#else
#define XGB_TLS
#define xgb_see_grown_memory() ((void)0)
#endif

/* Errors: functions return 0 on success and a negative code on failure, after
 * recording a message that the bindings turn into a thrown Error. */
int xgb_fail(const char *fmt, ...);
XGB_API const char *xgb_last_error(void);
/* this caller's id (common.c): who owns a pool job, who trapped */
int32_t xgb_caller(void);
XGB_API void xgb_core_break(int32_t blamed);

void *xgb_alloc(size_t bytes);           /* malloc that records "out of memory" */
void *xgb_calloc(size_t n, size_t size);

/* xoshiro256** seeded by splitmix64: fast, good enough for sampling, and the same
 * sequence on every platform, so the same seed gives a bit-identical model. */
typedef struct {
  uint64_t s[4];
} Rng;
void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_next(Rng *r);
double rng_uniform(Rng *r);             /* [0, 1) */
double rng_normal(Rng *r);
void rng_choose(Rng *r, const int32_t *from, int n, int k, int32_t *out); /* k of n, sorted; out holds n entries */

/* A gradient pair per row (and per output group): first and second derivative of
 * the loss with respect to the margin, already multiplied by the row's weight. */
typedef struct { float g, h; } GradPair;

#define XGB_NO_PARENT 2147483647
#define XGB_RT_EPS 1e-6
#endif
