#include "threads.h"

/* per caller (XGB_TLS, common.h): a fit in another instance never changes this caller's thread count mid-fit */
static XGB_TLS int n_threads = 1;

XGB_API void xgb_set_threads(int n) { n_threads = n < 1 ? 1 : n; }
int par_threads(void) { return n_threads; }

/* 0 on every caller's thread; a pool worker's thread id on that worker (xgb_worker_loop) */
static XGB_TLS int thread_index = 0;
int par_thread_index(void) { return thread_index; }

#if defined(XGB_THREADS) && defined(__wasm__)
#define HAVE_THREADS 1
#else
#define HAVE_THREADS 0
#endif

XGB_API int xgb_threads_supported(void) { return HAVE_THREADS; }

#if HAVE_THREADS
/* The job being run. Written by the main thread before it publishes a new generation.
 * A worker that saw generation g may read the NEXT job's fields if it is slow (the main
 * thread moves on once g's tasks are done); so par_run first closes g's claims (claim =
 * g << 32 | INT32_MAX) and only then writes the fields, n_tasks last with release order,
 * and the worker reads n_tasks first with acquire order: a worker that sees a new field
 * then sees g's claims closed, and one that sees only g's fields finds g's tasks all
 * claimed — either way it runs nothing of a job it did not enter through its generation. */
static struct { TaskFn fn; void *arg; int n_tasks, n_threads; } job;
static int32_t generation;  /* futex word the idle workers sleep on; +1 per job */
static int64_t claim;       /* generation << 32 | next task index */
static int32_t done;        /* tasks finished in this job; futex word of the main thread */
static int32_t failed;      /* set (by the bindings) when a worker thread died: sticky */
/* Per worker thread: inside a job's run_tasks (set by the worker), and dead (set by the
 * bindings when its thread ended). A failed job waits for the live ones to leave it. */
static int32_t in_job[POOL_MAX_THREADS];
static int32_t dead[POOL_MAX_THREADS];
static int32_t alive;       /* worker threads that entered their loop (for the bindings' poolReady) */
/* The pool's owner: the caller's id (common.c xgb_caller; at least 1) while it runs a job on it, else 0. Callers are the instances over the shared memory (the main
 * thread's, fit workers': common.h); one owns the pool for a job at a time, and a caller that finds it taken runs
 * its job inline on its own thread — the same result (determinism above), only less parallel. So the job fields,
 * generation, claim and done below have one writer at a time, as the protocol assumes. */
static int32_t pool_owner;

XGB_API int32_t *xgb_worker_failed_word(void) { return &failed; }
XGB_API int32_t *xgb_worker_done_word(void) { return &done; }
XGB_API int32_t *xgb_worker_dead_words(void) { return dead; }
XGB_API int32_t *xgb_worker_alive_word(void) { return &alive; }

/* A pool thread's trap (its bindings call this): the core breaks, the trap laid to the owner of the job it ran. */
XGB_API void xgb_pool_thread_trapped(void) { xgb_core_break(__atomic_load_n(&pool_owner, __ATOMIC_ACQUIRE)); }

#define LOAD(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
/* in_job against claim (a failed job closing its claims): sequentially consistent, so that
 * either the main thread sees a worker in the job or the worker sees the claims closed */
#define LOAD_SC(p) __atomic_load_n(p, __ATOMIC_SEQ_CST)
#define STORE_SC(p, v) __atomic_store_n(p, v, __ATOMIC_SEQ_CST)

/* Claims and runs tasks of generation g while any are left; n_tasks as read for g.
 * die_countdown (a worker's test hook, else NULL): returns 1 right after the claim that
 * brings it to 0, without running that task. */
static int run_tasks(int32_t g, TaskFn fn, void *arg, int n_tasks, int *die_countdown) {
  for (;;) {
    int64_t c = LOAD(&claim);
    if ((int32_t)(c >> 32) != g || (int32_t)c >= n_tasks) return 0;
    if (!__atomic_compare_exchange_n(&claim, &c, c + 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
    if (die_countdown && --*die_countdown == 0) return 1;
    fn(arg, (int32_t)c);
    if (__atomic_add_fetch(&done, 1, __ATOMIC_ACQ_REL) == n_tasks) __builtin_wasm_memory_atomic_notify(&done, 1);
  }
}

XGB_API int xgb_worker_loop(int thread_id, int test_die_at) {
  /* a worker that starts while a job runs joins it: the bindings start the pool in the background, and a long job
   * that began without it (SHAP values of many rows: one job) would otherwise run on the caller alone. Joining is
   * safe for the reason any worker's wake-up is (the comment at `job`); a job that is over has no claims left. */
  int32_t seen = LOAD(&generation) - 1;
  int countdown = test_die_at;
  if (thread_id < 1 || thread_id >= POOL_MAX_THREADS) return -1;
  thread_index = thread_id; /* the job runs it only when thread_id < the job's n_threads */
  __atomic_add_fetch(&alive, 1, __ATOMIC_ACQ_REL);
  for (;;) {
    int32_t g = LOAD(&generation);
    /* jobs come in quick succession while a tree grows: look again a little before sleeping */
    for (int spin = 0; g == seen && spin < 20000; spin++) g = LOAD(&generation);
    if (g == seen) { __builtin_wasm_memory_atomic_wait32(&generation, g, -1); continue; }
    seen = g;
    int n_tasks = LOAD(&job.n_tasks); /* first, acquire: see the comment at `job` */
    TaskFn fn = job.fn; void *arg = job.arg;
    int nt = job.n_threads;
    if (thread_id >= nt) continue;
    STORE_SC(&in_job[thread_id], 1);
    xgb_see_grown_memory(); /* the job's buffers may lie in memory the owner grew since this thread's last job */
    /* test hook (the bindings' POOL_DEATH_ENV): return holding the task of the
     * test_die_at-th claim — the caller then ends the thread */
    if (run_tasks(g, fn, arg, n_tasks, test_die_at > 0 ? &countdown : NULL)) return 1;
    STORE_SC(&in_job[thread_id], 0);
  }
}

/* A worker died during job g: no task is claimed any more, and the live workers still in
 * the job finish the task they run (they write into the job's buffers, which the caller
 * frees once par_run returns) — a dead worker's task is lost. */
static void abandon(int32_t g, int n_tasks, int nt) {
  STORE_SC(&claim, ((int64_t)g << 32) | (uint32_t)n_tasks);
  for (int t = 1; t < nt && t < POOL_MAX_THREADS; t++) {
    while (LOAD_SC(&in_job[t]) && !LOAD_SC(&dead[t])) __builtin_wasm_memory_atomic_wait32(&done, LOAD(&done), 1000000); /* 1 ms */
  }
}

static int pool_failed(void) {
  return xgb_fail("a worker thread of the core's thread pool died during a job; the job's result is lost");
}

static int run_inline(TaskFn fn, void *arg, int n_tasks) {
  for (int i = 0; i < n_tasks; i++) fn(arg, i);
  return 0;
}

static int run_owned(TaskFn fn, void *arg, int n_tasks);

int par_run(TaskFn fn, void *arg, int n_tasks) {
  if (n_tasks <= 0) return 0;
  if (n_threads <= 1 || n_tasks == 1) return run_inline(fn, arg, n_tasks);
  if (LOAD(&failed)) return pool_failed();
  int32_t free_ = 0;
  int32_t me = xgb_caller() > 0 ? xgb_caller() : 1;
  if (!__atomic_compare_exchange_n(&pool_owner, &free_, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return run_inline(fn, arg, n_tasks);
  int rc = run_owned(fn, arg, n_tasks);
  __atomic_store_n(&pool_owner, 0, __ATOMIC_RELEASE);
  return rc;
}

/* par_run's job on the pool, by its owner */
static int run_owned(TaskFn fn, void *arg, int n_tasks) {
  STORE(&claim, ((int64_t)generation << 32) | INT32_MAX); /* the last job's claims closed before its fields change */
  job.fn = fn; job.arg = arg; job.n_threads = n_threads;
  STORE(&job.n_tasks, n_tasks);
  STORE(&done, 0);
  int32_t g = generation + 1;
  STORE(&claim, (int64_t)g << 32);
  STORE(&generation, g);
  __builtin_wasm_memory_atomic_notify(&generation, (uint32_t)(n_threads - 1));
  run_tasks(g, fn, arg, n_tasks, NULL);
  for (int spin = 0;; spin++) {
    int32_t d = LOAD(&done);
    if (d >= n_tasks) break;
    /* a worker thread that dies (a trap, an exit, an uncaught error) is reported by its exit hook
     * (the bindings, wasm.ts), which sets `failed` and wakes us: its claimed task would never be done */
    if (LOAD(&failed)) {
      abandon(g, n_tasks, n_threads);
      return pool_failed();
    }
    if (spin > 20000) __builtin_wasm_memory_atomic_wait32(&done, d, 100000000); /* 100 ms */
  }
  /* every task is done, but a worker that died meanwhile (holding none) leaves the pool short */
  if (LOAD(&failed)) return pool_failed();
  return 0;
}
#else
XGB_API int32_t *xgb_worker_failed_word(void) { return NULL; }
XGB_API int32_t *xgb_worker_done_word(void) { return NULL; }
XGB_API int32_t *xgb_worker_dead_words(void) { return NULL; }
XGB_API int32_t *xgb_worker_alive_word(void) { return NULL; }
XGB_API void xgb_pool_thread_trapped(void) { xgb_core_break(0); }
XGB_API int xgb_worker_loop(int thread_id, int test_die_at) { (void)thread_id; (void)test_die_at; return -1; }
int par_run(TaskFn fn, void *arg, int n_tasks) {
  for (int i = 0; i < n_tasks; i++) fn(arg, i);
  return 0;
}
#endif
