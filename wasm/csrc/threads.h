/* Threads for the kernels: a fork-join pool over WebAssembly shared memory.
 *
 * With the threads build (XGB_THREADS: clang -matomics, linked with a shared, imported
 * memory), the JavaScript side starts worker_threads that instantiate the same module
 * over the same memory and each call xgb_worker_loop(thread id), where they sleep on a
 * futex word (memory.atomic.wait32) until the main thread publishes a job. A job is a
 * function and n_tasks task indices; the main thread and the workers claim indices from
 * one atomic counter until none are left, and the main thread returns when every task
 * is done. Nothing waits for a particular worker: a worker that has not started yet (or
 * a build without threads, or nthread 1) just leaves more tasks to the main thread, so
 * every job completes with whatever threads there are; a worker that starts during a job
 * joins it for the tasks still unclaimed.
 *
 * Determinism: which thread runs a task never matters. Kernels write each task's result
 * to its own place and combine the results in task order afterwards, and the tasks are
 * cut independently of the number of threads (histogram.c: fixed row blocks), so a model
 * is bit-identical for every nthread.
 *
 * Tasks run on the workers' own stacks and do not allocate (kernels get their buffers from
 * their caller, before the job).
 *
 * Callers: the main thread's instance and, for fits side by side on one shared matrix, fit
 * workers' instances over the same memory (common.h). The thread count is per caller
 * (xgb_set_threads sets the calling instance's); the pool has one owner per job, and a
 * caller that finds it busy runs its job inline on its own thread (threads.c). */
#ifndef XGB_THREADS_H
#define XGB_THREADS_H
#include "common.h"

typedef void (*TaskFn)(void *arg, int task);

/* Runs fn(arg, task) for task in [0, n_tasks) on up to xgb_threads() threads and returns
 * when all are done: 0, or -1 (error recorded) when a worker thread failed. */
int par_run(TaskFn fn, void *arg, int n_tasks);
/* The number of threads jobs may use now (1 without the threads build). */
int par_threads(void);
/* Inside a task: which of the job's threads runs it, from 0 (the caller of par_run) to
 * par_threads() - 1 as the caller saw it. Tasks running at the same time have different
 * indexes, so a kernel whose tasks need working memory allocates par_threads() pieces before
 * the job and each task takes piece par_thread_index() (shap.c). */
int par_thread_index(void);

/* Thread ids 1 .. POOL_MAX_THREADS - 1 (nthread is at most 512: wasm/src/params.ts). */
#define POOL_MAX_THREADS 1024

/* For the bindings: how many threads the next jobs may use (the bindings start n - 1
 * workers first); the words the bindings set when a worker thread dies (`failed`, and
 * dead[thread id]); and a worker's loop, which returns only for the test hook (1: die now,
 * holding the task of its test_die_at-th claim, not run; 0 = never) or a bad thread id (-1).
 *
 * A dead worker fails the job it was in (par_run returns -1 instead of waiting for its task
 * forever) and every later job of more than one thread: the pool stays short, and the
 * bindings refuse nthread > 1 from then on. */
XGB_API void xgb_set_threads(int n);
XGB_API int32_t *xgb_worker_failed_word(void);
XGB_API int32_t *xgb_worker_done_word(void);
XGB_API int32_t *xgb_worker_dead_words(void);
XGB_API int32_t *xgb_worker_alive_word(void);
XGB_API int xgb_threads_supported(void);
XGB_API int xgb_worker_loop(int thread_id, int test_die_at);
#endif
