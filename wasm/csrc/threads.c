#include "threads.h"

static int n_threads = 1;

XGB_API void xgb_set_threads(int n) { n_threads = n < 1 ? 1 : n; }
int par_threads(void) { return n_threads; }

#if defined(XGB_THREADS) && defined(__wasm__)
#define HAVE_THREADS 1
#else
#define HAVE_THREADS 0
#endif

XGB_API int xgb_threads_supported(void) { return HAVE_THREADS; }

#if HAVE_THREADS
/* The job being run. Written by the main thread before it publishes a new generation;
 * a worker that read a generation's fields only uses them through a successful claim
 * of that generation (below), which proves the main thread was still in it. */
static struct { TaskFn fn; void *arg; int n_tasks, n_threads; } job;
static int32_t generation;  /* futex word the idle workers sleep on; +1 per job */
static int64_t claim;       /* generation << 32 | next task index */
static int32_t done;        /* tasks finished in this job; futex word of the main thread */
static int32_t failed;      /* set (by the bindings) when a worker trapped */

XGB_API int32_t *xgb_worker_failed_word(void) { return &failed; }
XGB_API int32_t *xgb_worker_done_word(void) { return &done; }

#define LOAD(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)

/* Claims and runs tasks of generation g while any are left; n_tasks as read for g. */
static void run_tasks(int32_t g, TaskFn fn, void *arg, int n_tasks) {
  for (;;) {
    int64_t c = LOAD(&claim);
    if ((int32_t)(c >> 32) != g || (int32_t)c >= n_tasks) return;
    if (!__atomic_compare_exchange_n(&claim, &c, c + 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
    fn(arg, (int32_t)c);
    if (__atomic_add_fetch(&done, 1, __ATOMIC_ACQ_REL) == n_tasks) __builtin_wasm_memory_atomic_notify(&done, 1);
  }
}

XGB_API void xgb_worker_loop(int thread_id) {
  int32_t seen = LOAD(&generation);
  for (;;) {
    int32_t g = LOAD(&generation);
    /* jobs come in quick succession while a tree grows: look again a little before sleeping */
    for (int spin = 0; g == seen && spin < 20000; spin++) g = LOAD(&generation);
    if (g == seen) { __builtin_wasm_memory_atomic_wait32(&generation, g, -1); continue; }
    seen = g;
    TaskFn fn = job.fn; void *arg = job.arg;
    int n_tasks = job.n_tasks, nt = job.n_threads;
    if (thread_id < nt) run_tasks(g, fn, arg, n_tasks);
  }
}

int par_run(TaskFn fn, void *arg, int n_tasks) {
  if (n_tasks <= 0) return 0;
  if (n_threads <= 1 || n_tasks == 1) {
    for (int i = 0; i < n_tasks; i++) fn(arg, i);
    return 0;
  }
  job.fn = fn; job.arg = arg; job.n_tasks = n_tasks; job.n_threads = n_threads;
  STORE(&done, 0);
  int32_t g = generation + 1;
  STORE(&claim, (int64_t)g << 32);
  STORE(&generation, g);
  __builtin_wasm_memory_atomic_notify(&generation, (uint32_t)(n_threads - 1));
  run_tasks(g, fn, arg, n_tasks);
  for (int spin = 0;; spin++) {
    int32_t d = LOAD(&done);
    if (d >= n_tasks) break;
    if (LOAD(&failed)) return xgb_fail("a worker thread of the core failed (see the worker's error); the model is not usable");
    /* a worker can only fail by trapping; the bindings then set `failed` and wake us */
    if (spin > 20000) __builtin_wasm_memory_atomic_wait32(&done, d, 100000000); /* 100 ms */
  }
  return 0;
}
#else
XGB_API int32_t *xgb_worker_failed_word(void) { return NULL; }
XGB_API int32_t *xgb_worker_done_word(void) { return NULL; }
XGB_API void xgb_worker_loop(int thread_id) { (void)thread_id; }
int par_run(TaskFn fn, void *arg, int n_tasks) {
  for (int i = 0; i < n_tasks; i++) fn(arg, i);
  return 0;
}
#endif
