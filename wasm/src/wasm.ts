/**
 * Loads the core's WebAssembly module once per process and gives the rest of the
 * bindings typed access to its memory. Nothing outside these bindings sees a pointer.
 *
 * The module is compiled synchronously (so `train` can be synchronous and the package
 * loads in CommonJS without top-level await — tslab cells need that), in V8's default tiers: a function's first
 * call runs baseline (Liftoff) code, and a hot function is re-compiled by the optimising tier in the background for
 * its next call. The core is entered per round and per kernel call, so its hot loops reach optimised code within a
 * round. The optimising tier up front (--no-liftoff, which the core once set) trained 1M × 28 fits no faster
 * (depthwise, lossguide, symmetric; nthread 1 and 2; Node 22 and 24), predicted 10–30 % slower, and cost every
 * process 50–100 ms of compilation on the calling thread in its first boosting round (bench/README.md). The trap
 * once seen in baseline code in a pool thread was the memory-growth race that csrc/common.c closes.
 *
 * Threads (csrc/threads.h): where shared WebAssembly memory is available (Node always),
 * the threads build (build/xgb-threads.wasm) is loaded over a shared memory of at most
 * 4 GiB (wasm32's limit; memory grows as needed, and running out is the core's "out of
 * memory" Error). `setThreads(n)` starts n - 1 worker_threads, once, that instantiate
 * the same module over the same memory and wait in the core's worker loop; they are
 * unref()'d, so they never keep the process alive. A worker that ends — a trap (caught and
 * rethrown), process.exit, any uncaught Error — reports itself from its exit hook, which runs on
 * its own thread: it marks itself dead in the core's words and wakes the main thread, blocked
 * inside the core in a job, whose job then fails with an Error naming it instead of waiting for
 * the lost task forever; from then on nthread > 1 is an Error in this process (nthread 1 still
 * works). (A terminate() runs no hook; no code here terminates a pool thread, and one that V8
 * stopped for its JavaScript heap — it holds almost none — would go unseen: no watcher thread
 * is kept for that, ~12 MB of an isolate in every process with a pool.) Elsewhere — or with the environment
 * variable XGB_WASM_THREADS=0 — the single-threaded build (build/xgb.wasm) is loaded
 * and every nthread runs on one thread, with the same model (determinism, threads.h).
 *
 * Other callers on the same core (threads build): `coreAttachment()` gives another thread what it needs to run
 * whole fits on this process's core — the module, the shared memory, and a stack and thread-local block of its
 * own, taken from the core's allocator — and that thread calls `attachCore(attachment)` before any other core
 * call: its getCore() is then an instance of the same module over the same memory (so it reads the main thread's
 * matrices through their pointers: dmatrix.ts DMatrix.fromShared), never a copy. Such an instance skips
 * `_initialize`: the data segments of a shared-memory module are written once, by the first instance
 * (__wasm_init_memory), and the C library's constructors have run in the main thread. The core is safe for
 * callers side by side (csrc/common.h: one lock on the allocator, the last error and the thread count per
 * caller, the pool owned by one caller per job). Shared memory never moves or shrinks (it only grows, under the
 * allocator's lock), so the pointers handed to another thread stay valid for as long as their owner keeps them
 * allocated. An attached thread never starts pool threads: its jobs of
 * nthread > 1 use the main thread's pool when it is free and run on its own thread otherwise (the same model), and
 * ask for no more threads than the pool has up (setThreads); the main thread starts them (prestartCoreThreads).
 * With the single-threaded build there is nothing to attach to (coreAttachment() is undefined): other threads
 * then load a core of their own and copy what they fit on.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { defaultThreads, threadLimit } from "./cores";
import { checkCoreEnums } from "./enums";
import { MAX_THREADS } from "./params";
import { shownValue } from "./shown";

// The WebAssembly global's types come from the DOM lib, which tslab cells lack:
// the few members used here are declared locally so no public type mentions them.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer; grow(pages: number): number };
  RuntimeError: new () => Error;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface CoreExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  _initialize(): void;
  xgb_set_threads(n: number): void;
  __stack_pointer?: { value: number };
  __tls_size?: { value: number };
  __tls_align?: { value: number };
  __wasm_init_tls?(block: number): void;
  xgb_threads_supported(): number;
  xgb_worker_failed_word(): number;
  xgb_worker_done_word(): number;
  xgb_worker_dead_words(): number;
  xgb_worker_alive_word(): number;
  xgb_last_error(): number;
  xgb_malloc(bytes: number): number;
  xgb_free(ptr: number): void;
  bst_create(): number;
  bst_free(b: number): void;
  bst_set_params(b: number, values: number): void;
  bst_set_feature_types(b: number, types: number, n: number): number;
  bst_set_monotone(b: number, values: number, n: number): number;
  bst_set_interactions(b: number, on: number, features: number, groupBegin: number, nGroups: number): number;
  qm_build(X: number, nrow: number, ncol: number, weight: number, maxBin: number, types: number): number;
  qm_free(qm: number): void;
  bst_train_begin(b: number, X: number, nrow: number, ncol: number, label: number, weight: number, baseScore: number): number;
  bst_train_begin_q(b: number, qm: number, X: number, label: number, weight: number, rows: number, nRows: number, baseScore: number): number;
  bst_train_set_upper(b: number, upper: number): number;
  bst_boost_round(b: number, iteration: number, numRounds: number): number;
  bst_train_query_groups(b: number, ptr: number, weight: number, nQuery: number): number;
  bst_train_margin(b: number): number;
  bst_train_park(b: number): void;
  bst_train_end(b: number): void;
  bst_predict(b: number, X: number, qm: number, xRows: number, ncol: number, rows: number, nrow: number, treeBegin: number, treeEnd: number, outputMargin: number, out: number): number;
  bst_margin_init(b: number, margin: number, nrow: number): void;
  bst_margin_add(b: number, X: number, qm: number, xRows: number, ncol: number, rows: number, nrow: number, treeBegin: number, treeEnd: number, margin: number): number;
  bst_check_decode(b: number, qm: number, treeBegin: number, treeEnd: number): number;
  bst_eval(b: number, metric: number, threshold: number, margin: number, label: number, upper: number, weight: number, nrow: number, queryPtr: number, nQuery: number, queryWeight: number, minus: number): number;
  bst_predict_contribs(b: number, X: number, qm: number, xRows: number, ncol: number, rows: number, nrow: number, treeEnd: number, approx: number, out: number): number;
  bst_predict_interactions(b: number, X: number, qm: number, xRows: number, ncol: number, rows: number, nrow: number, treeEnd: number, approx: number, out: number): number;
  bst_shap_task_rows(interactions: number): number;
  bst_num_trees(b: number): number;
  bst_tree_group(b: number, t: number): number;
  bst_tree_num_nodes(b: number, t: number): number;
  bst_tree_array(b: number, t: number, which: number): number;
  bst_add_tree(b: number, nNodes: number, group: number): number;
  bst_tree_num_cat_words(b: number, t: number): number;
  bst_tree_cat_words(b: number, t: number): number;
  bst_tree_reserve_cat_words(b: number, t: number, nWords: number): number;
  bst_set_model(b: number, numFeature: number, nGroups: number, baseScore: number): void;
  bst_base_score(b: number): number;
  bst_base_margin(b: number): number;
  xgb_enum_names(kind: number): number;
  xgb_core_break(blamed: number): void;
  xgb_core_broken_word(): number;
  xgb_trap_caller_word(): number;
  xgb_set_caller(id: number): void;
}

const DEATH_NOTE_BYTES = 1024;
let core: CoreExports | undefined;
/** the threads build's module and shared memory, and the pool's death note (undefined: the single-threaded build) */
let shared: { module: object; memory: CoreExports["memory"]; deathNote: Int32Array } | undefined;
/** worker threads started (ids 1..started) */
let started = 0;

const BUILD_DIR = join(__dirname, "..", "build");
export function wasmPath(threads = false): string {
  return join(BUILD_DIR, threads ? "xgb-threads.wasm" : "xgb.wasm");
}

/** 64 KiB WebAssembly pages: 16 MiB to start, 4 GiB at most (wasm32's whole address space). */
const INITIAL_PAGES = 256, MAXIMUM_PAGES = 65536;
/** Each worker thread's C stack (the kernels keep little on it). */
const WORKER_STACK_BYTES = 256 * 1024;

/**
 * Test hook, read only by the pool's worker threads: "<how>:<n>" makes worker thread 1 die right after
 * its n-th task claim, holding that task (threads.c), so that job cannot finish: how = "exit" (process.exit(7)),
 * "throw" (an uncaught Error) or "trap" (a trap inside the allocator, holding its lock, then an uncaught Error: the
 * core breaks, laid to the job's owner — guardCore). Tests only.
 */
export const POOL_DEATH_ENV = "NODE_XGBOOST_WASM_TEST_POOL_DEATH";

// The C library links WASI's stdio but the core never prints: stub the three calls.
const nosys = () => 52;
const WASI = { fd_close: nosys, fd_seek: nosys, fd_write: nosys };

/** Which build runs: "threads" (shared memory, worker_threads) or "single-threaded"
 * (XGB_WASM_THREADS=0, or no shared WebAssembly memory on this platform). */
export function coreBuild(): "threads" | "single-threaded" {
  getCore();
  return shared ? "threads" : "single-threaded";
}

function readWasm(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new Error(`node-xgboost-wasm: ${path} is missing; build it with "npm run build" (or npm install)`);
  }
}

function sharedMemory(): CoreExports["memory"] | undefined {
  const env = process.env.XGB_WASM_THREADS;
  if (env !== undefined && env !== "0" && env !== "1") throw new Error(`XGB_WASM_THREADS must be 0 (single-threaded build) or 1, got ${shownValue(env)}`);
  if (env === "0" || typeof SharedArrayBuffer !== "function") return undefined;
  try {
    return new Wasm.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  } catch {
    return undefined; // e.g. no room to reserve 4 GiB of address space: run single-threaded
  }
}

/** Stack of a thread attached to the core to run whole fits (attachCore): the main thread's size (build.mjs
 * -z stack-size); a 1M-row fit was measured to use under 64 KiB of it (test/wasm-shared-fits.test.ts). */
export const FIT_STACK_BYTES = 1024 * 1024;

/** What another thread needs to run on this process's core (attachCore): the threads build's module, shared
 * memory and pool death note, the top of a stack and a thread-local block of its own (in the core's memory). */
export interface CoreAttachment {
  module: object;
  memory: CoreExports["memory"];
  /** the pool's death note (poolDeath names what killed a pool thread in the attached thread too) */
  deathNote: Int32Array;
  stackTop: number;
  tls: number;
  /** the attached thread's caller id in the core (csrc/common.c) */
  callerId: number;
}

/** set in a thread that attachCore()d: getCore() is an instance over the main thread's memory */
let attached = false;

/** The death note (made in getCore): the first failure of the core's threads — a pool thread's end, or a trap —
 * written once by whichever thread saw it first (WORKER_SOURCE's writeNote is the pool threads' copy). */
function writeDeathNote(note: Int32Array, text: string): void {
  if (Atomics.compareExchange(note, 0, 0, 1) !== 0) return;
  const bytes = new TextEncoder().encode(text).subarray(0, note.byteLength - 8);
  new Uint8Array(note.buffer, 8).set(bytes);
  Atomics.store(note, 1, bytes.length);
  Atomics.store(note, 0, 2);
}

function readDeathNote(note: Int32Array): string | undefined {
  // 1: another thread is writing it (a few microseconds): wait for the text rather than report none
  for (let spins = 0; Atomics.load(note, 0) === 1 && spins < 1e7; spins++);
  return Atomics.load(note, 0) === 2 ? Buffer.from(note.buffer, 8, Atomics.load(note, 1)).toString("utf8") : undefined;
}

/**
 * A trap leaving the core (a WebAssembly.RuntimeError: a bug — an access out of bounds, `unreachable`) unwinds its
 * thread out of C wherever it was, perhaps holding the allocator's lock, perhaps halfway through changing the heap.
 * Every export is therefore called through a guard:
 *  - the first trap breaks the core (csrc/common.c xgb_core_break: the allocator's waiters, on any thread,
 *    are woken and fail instead of waiting forever for a lock nobody will release), is named in the death note, and
 *    is rethrown as it was (a WebAssembly.RuntimeError, its message saying that the core is now unusable);
 *  - from then on every call, on every thread of the core, is refused with an Error naming that first trap — the
 *    heap may be corrupt, and going on could give wrong answers — except the calls that only free memory, which do
 *    nothing (cleanup in `finally` blocks must not hide the error that matters).
 * Calls that read the core's status words or its last error stay allowed. Other exceptions pass through and break
 * nothing: a JavaScript stack overflow raised on entry (a RangeError: the core never ran) must not end the process's
 * use of the core, and the core's C code holds no lock across a recursion deep enough to overflow inside it. Its
 * recursions are bounded so that none overflows inside it either (an overflow there would skip the call's frees):
 * the tree walks by their depth (tree.c tree_depth has a stack of its own; shap.c refuses trees deeper than
 * SHAP_MAX_DEPTH before it allocates).
 */
const CORE_STATUS = /^(xgb_.*_word|xgb_last_error|xgb_core_break|xgb_threads_supported)$/;
const CORE_RELEASE = /^(xgb_free|bst_free|qm_free|bst_train_end|bst_train_park)$/;
/** this thread saw the core break (the single-threaded build's only record: its memory is its own) */
let brokenHere: string | undefined;
/** the threads build's words (shared memory never moves: views made once stay valid as it grows): broken, and the
 * caller the first trap is laid to (csrc/common.c trap_caller) */
let brokenWord: Int32Array | undefined;
let trapCallerWord: Int32Array | undefined;
/** this thread's caller id in the core (csrc/common.c): the main thread's 1, an attached thread's from its attachment */
let callerId = 1;
let lastCallerId = 1;

function coreBroken(): boolean {
  return brokenHere !== undefined || (brokenWord !== undefined && Atomics.load(brokenWord, 0) !== 0);
}

/** what broke the core: the first trap's note (the threads build's death note is shared by every thread) */
function brokenNote(): string {
  const note = shared ? readDeathNote(shared.deathNote) : undefined;
  return note ?? brokenHere ?? "a trap in another thread";
}

/** True when a trap in another caller broke the core — not this thread's own, nor one of a pool thread running this
 * thread's job: this thread's errors since are its consequence (a fit pool reports the trap's own error, which
 * names the fit that hit it). */
export function coreBrokenElsewhere(): boolean {
  return brokenWord !== undefined && Atomics.load(brokenWord, 0) !== 0 && Atomics.load(trapCallerWord!, 0) !== callerId;
}

/** What broke this process's core (the first trap's note), or undefined while it is usable (guardCore). */
export function coreBrokenBy(): string | undefined {
  return coreBroken() ? brokenNote() : undefined;
}

function unusableError(): Error {
  return new Error(`node-xgboost-wasm: the core is unusable after a WebAssembly trap (${brokenNote()}); restart the process (in Jupyter: restart the kernel)`);
}

function guardCore(raw: CoreExports): CoreExports {
  const out: Record<string, unknown> = { ...raw };
  for (const [name, f] of Object.entries(raw)) {
    if (typeof f !== "function" || CORE_STATUS.test(name)) continue;
    const release = CORE_RELEASE.test(name);
    out[name] = (...args: unknown[]) => {
      if (coreBroken()) {
        if (release) return undefined;
        throw unusableError();
      }
      try {
        return f(...args);
      } catch (e) {
        if (!(e instanceof Wasm.RuntimeError)) throw e;
        if (coreBroken()) {
          // a trap in this thread after another broke the core (woken in the allocator's wait, which then traps)
          if (release) return undefined;
          throw unusableError();
        }
        const what = `${e.name}: ${e.message} in the core's ${name}`;
        brokenHere = what;
        // the note first: a thread that sees the core broken reads it at once (the other order named "a trap in
        // another thread" in 1 run of ~50 of test/core-trap's four threads, on Node 24)
        if (shared) writeDeathNote(shared.deathNote, what);
        raw.xgb_core_break(callerId);
        e.message += ` — a WebAssembly trap in the core's ${name} (a bug in node-xgboost-wasm); the core is unusable in this process from now on: restart it (in Jupyter, the kernel)`;
        throw e;
      }
    };
  }
  return out as unknown as CoreExports;
}

/**
 * A stack and thread-local block for one more caller of this process's core, and what that thread needs to attach
 * (attachCore). `release()` returns them to the core: call it only once that thread is gone (it ran on them).
 * Undefined with the single-threaded build (nothing to share).
 */
export function coreAttachment(stackBytes = FIT_STACK_BYTES): { attachment: CoreAttachment; release(): void } | undefined {
  const c = getCore();
  if (!shared || attached) return undefined;
  const stack = alloc(stackBytes);
  let tls: number;
  try {
    tls = tlsBlock(c);
  } catch (e) {
    free(stack);
    throw e;
  }
  let released = false;
  return {
    attachment: { module: shared.module, memory: shared.memory, deathNote: shared.deathNote, stackTop: (stack + stackBytes) & ~15, tls, callerId: ++lastCallerId },
    release: () => {
      if (released) return;
      released = true;
      free(stack);
      free(tls);
    },
  };
}

/** A thread-local block for another instance (its __wasm_init_tls argument, aligned as the module asks): allocated
 * with the alignment's slack in front, so the pointer returned is the allocation's start (free() takes it). */
function tlsBlock(c: CoreExports): number {
  const size = c.__tls_size?.value ?? 0, align = Math.max(16, c.__tls_align?.value ?? 16);
  return alloc(size + align);
}
const alignUp = (p: number, align: number) => (p + align - 1) & -align;

/** Runs this thread's core calls on the main thread's core (see the module comment). Before any other core call in
 * this thread; once. */
export function attachCore(a: CoreAttachment): void {
  if (core) throw new Error("attachCore: this thread already has a core (attach before any other core call)");
  const instance = new Wasm.Instance(a.module, { env: { memory: a.memory }, wasi_snapshot_preview1: WASI });
  const c = guardCore({ ...(instance.exports as unknown as CoreExports), memory: a.memory });
  if (!c.__stack_pointer || !c.__wasm_init_tls) throw new Error("attachCore: the core module exports no __stack_pointer / __wasm_init_tls (rebuild it)");
  c.__stack_pointer.value = a.stackTop;
  c.__wasm_init_tls(alignUp(a.tls, Math.max(16, c.__tls_align?.value ?? 16)));
  core = c;
  shared = { module: a.module, memory: a.memory, deathNote: a.deathNote };
  brokenWord = new Int32Array(a.memory.buffer, c.xgb_core_broken_word(), 1);
  trapCallerWord = new Int32Array(a.memory.buffer, c.xgb_trap_caller_word(), 1);
  callerId = a.callerId;
  c.xgb_set_caller(callerId);
  attached = true;
}

export function getCore(): CoreExports {
  if (core) return core;
  // the environment's thread settings (OMP_NUM_THREADS, OMP_THREAD_LIMIT: ./cores) checked as the core loads — a
  // model server with a bad one then fails as it starts, not at every prediction after a healthy /ping
  defaultThreads();
  const memory = sharedMemory();
  if (memory) {
    const module = new Wasm.Module(readWasm(wasmPath(true)));
    const instance = new Wasm.Instance(module, { env: { memory }, wasi_snapshot_preview1: WASI });
    core = guardCore({ ...(instance.exports as unknown as CoreExports), memory });
    // what killed a worker thread, written once by the first to die (its catch or its exit hook): [0] 0 = nothing
    // yet, 1 = being written, 2 = written; [1] its length in bytes; then UTF-8 text. Made here, not as the module
    // loads: where SharedArrayBuffer is missing (--enable-sharedarraybuffer-per-context) the package must still load
    // and run the single-threaded build
    shared = { module, memory, deathNote: new Int32Array(new SharedArrayBuffer(8 + DEATH_NOTE_BYTES)) };
    brokenWord = new Int32Array(memory.buffer, core.xgb_core_broken_word(), 1);
    trapCallerWord = new Int32Array(memory.buffer, core.xgb_trap_caller_word(), 1);
  } else {
    const module = new Wasm.Module(readWasm(wasmPath(false)));
    const instance = new Wasm.Instance(module, { wasi_snapshot_preview1: WASI });
    core = guardCore(instance.exports as unknown as CoreExports);
  }
  core._initialize();
  core.xgb_set_caller(callerId);
  const loaded = core;
  checkCoreEnums((kind) => {
    const ptr = loaded.xgb_enum_names(kind);
    return ptr ? cString(ptr) : undefined;
  });
  return core;
}

/** What one worker thread runs: the same module over the same memory, on its own stack,
 * in the core's worker loop. A trap there is written to the death note and rethrown; the
 * thread's exit hook (process.exit, an uncaught Error) reports its end to the core: its dead
 * word, the failed word, and the done word notified — the main thread waits on it in a job. */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, threadId, stackTop, tls, tlsAlign, note, failedWord, doneWord, deadWords } = workerData;
// the first death note (later deaths keep it)
function writeNote(note, text) {
  if (Atomics.compareExchange(note, 0, 0, 1) !== 0) return;
  const bytes = new TextEncoder().encode(text).subarray(0, note.byteLength - 8);
  new Uint8Array(note.buffer, 8).set(bytes);
  Atomics.store(note, 1, bytes.length);
  Atomics.store(note, 0, 2);
}
process.on("exit", (code) => {
  writeNote(note, "worker thread " + threadId + " of the core's pool exited with code " + code);
  const words = new Int32Array(memory.buffer);
  Atomics.store(words, (deadWords >>> 2) + threadId, 1);
  Atomics.store(words, failedWord >>> 2, 1);
  Atomics.notify(words, doneWord >>> 2);
});
const nosys = () => 52;
const instance = new WebAssembly.Instance(module, { env: { memory }, wasi_snapshot_preview1: { fd_close: nosys, fd_seek: nosys, fd_write: nosys } });
instance.exports.__stack_pointer.value = stackTop;
instance.exports.__wasm_init_tls((tls + tlsAlign - 1) & -tlsAlign); // its own thread-local block (csrc/common.h)
const hook = threadId === 1 && /^(exit|throw|trap):([1-9][0-9]*)$/.exec(process.env.${POOL_DEATH_ENV} ?? "");
// a trap leaving the core breaks it (wasm.ts guardCore says why), laid to the owner of the job this thread ran
const breakOnTrap = (f) => {
  try {
    return f();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      const broken = Atomics.load(new Int32Array(memory.buffer, instance.exports.xgb_core_broken_word(), 1), 0) !== 0;
      if (!broken) writeNote(note, "worker thread " + threadId + " of the core's pool trapped: " + e.name + ": " + e.message);
      instance.exports.xgb_pool_thread_trapped();
    }
    throw e;
  }
};
try {
  const r = breakOnTrap(() => instance.exports.xgb_worker_loop(threadId, hook ? Number(hook[2]) : 0));
  if (r !== 1 || !hook) throw new Error("xgb_worker_loop returned " + r);
  if (hook[1] === "exit") process.exit(7);
  if (hook[1] === "trap") {
    // inside the job, holding a claimed task: a heap block corrupted and freed (wasm.ts testTrapInAllocator)
    breakOnTrap(() => {
      const p = instance.exports.xgb_malloc(64);
      new Uint32Array(memory.buffer, p - 4, 1)[0] = 0x7ffffff3;
      instance.exports.xgb_free(p);
    });
  }
  throw new Error("the test hook ${POOL_DEATH_ENV} threw");
} catch (e) {
  writeNote(note, "worker thread " + threadId + " of the core's pool threw " + (e && e.name) + ": " + (e && e.message));
  throw e;
}`;

/**
 * Resolves once every worker thread started so far runs the core's loop (they start in the background: until
 * then the main thread does their share, with the same result). For tests and benchmarks that need the pool up.
 */
export async function poolReady(): Promise<void> {
  const c = getCore();
  if (!shared) return;
  const alive = i32(c.xgb_worker_alive_word(), 1);
  while (Atomics.load(alive, 0) < started && !poolDeath()) await new Promise((r) => setTimeout(r, 5));
}

/** What killed the pool's worker thread, when one died (the core then fails its jobs of more than one thread). */
export function poolDeath(): string | undefined {
  if (!shared || !i32(getCore().xgb_worker_failed_word(), 1)[0]) return undefined;
  const note = readDeathNote(shared.deathNote) ?? "a worker thread of the core's pool ended";
  return `${note}; nthread > 1 is refused in this process from now on (restart it, or use nthread 1)`;
}

/**
 * XGBoost's nthread: 0 (or undefined) = every core this process may use, or OMP_NUM_THREADS when set (./cores
 * defaultThreads: the CPU affinity, a container's quota, OpenMP's variables); otherwise an integer from 1 to
 * MAX_THREADS, of which a job runs on at most ./cores threadLimit() (its module comment: each thread here is an
 * isolate; the model is the same). Every count the core is given passes here (train's params and
 * TrainOptions.threads, predict, DMatrix.releaseFloats).
 */
export function resolveThreads(nthread: unknown, what = "nthread"): number {
  if (nthread === undefined || nthread === null) return defaultThreads();
  if (typeof nthread !== "number" || !Number.isInteger(nthread) || nthread < 0 || nthread > MAX_THREADS) {
    throw new Error(`parameter ${what} must be an integer from 0 (every core, as XGBoost) to ${MAX_THREADS}, got ${shownValue(nthread)}`);
  }
  return nthread === 0 ? defaultThreads() : Math.min(nthread, threadLimit());
}

/**
 * Rows from which a job starts the pool (setThreads): one histogram row block (csrc/histogram.c MIN_BLOCK_ROWS).
 * A job on fewer rows is a few milliseconds of work in every kernel, less than starting a thread (~0.1–0.2 s, in
 * the background, and ~12 MB: an isolate). The diabetes training job at parallel_fits 2 started the pool — then a
 * worker and a watcher thread, a quarter of the job's memory — to bin 442 rows.
 */
export const POOL_MIN_ROWS = 8192;

/** Lets the core's next job — on `rows` rows — use n threads, starting the worker threads it lacks; a job on fewer
 * than POOL_MIN_ROWS rows starts none and runs on one thread until the pool is up (the same model either way: the
 * module comment). The single-threaded build runs on one thread whatever n is. After a worker thread died, n > 1 is
 * an Error. Returns the count set: an attached thread's is at most the main thread's pool threads that are up, plus
 * its own (it starts none: the module comment), so that a fit's working memory is built for threads only where
 * there are some (csrc/booster.c acquire). */
export function setThreads(n: number, rows = Infinity): number {
  const c = getCore();
  if (!shared || n <= 1) { c.xgb_set_threads(1); return 1; }
  if (attached) {
    const up = Math.min(n, Atomics.load(i32(c.xgb_worker_alive_word(), 1), 0) + 1);
    c.xgb_set_threads(up);
    return up;
  }
  const dead = poolDeath();
  if (dead) throw new Error(`nthread ${n}: ${dead}`);
  if (started === 0 && rows < POOL_MIN_ROWS) { c.xgb_set_threads(1); return 1; }
  while (started < n - 1) {
    const stack = c.xgb_malloc(WORKER_STACK_BYTES);
    if (!stack) throw new Error(`node-xgboost-wasm: out of memory for a worker thread's stack`);
    started++;
    const tls = tlsBlock(c);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module: shared.module, memory: shared.memory, threadId: started, stackTop: (stack + WORKER_STACK_BYTES) & ~15, tls,
        tlsAlign: Math.max(16, c.__tls_align?.value ?? 16), note: shared.deathNote,
        failedWord: c.xgb_worker_failed_word(), doneWord: c.xgb_worker_done_word(), deadWords: c.xgb_worker_dead_words(),
      },
    });
    worker.on("error", () => {}); // its catch wrote the note and its exit hook reported the end
    worker.unref();
  }
  c.xgb_set_threads(n);
  return n;
}

/**
 * Starts now, in the background, the pool threads that a job of n threads on `rows` rows would start (setThreads),
 * and runs nothing: for a caller that knows that fits on attached threads — which use the pool but never start it —
 * are about to ask for n threads (lib's runs of fits, as the main thread's own fits are done). Nothing with the
 * single-threaded build, in an attached thread, or after a pool thread died.
 */
export function prestartCoreThreads(n: number, rows = Infinity): void {
  const c = getCore();
  if (!shared || attached || poolDeath()) return;
  setThreads(n, rows);
  c.xgb_set_threads(1); // every job sets its own count first (setThreads): none is left raised here
}

/**
 * Addresses in the core's memory. The core returns them as wasm i32s, which JavaScript reads as signed: an address
 * of 2 GiB or more (the memory grows to 4 GiB) comes back negative. `addr` reads one as the unsigned number it is —
 * every view and offset here goes through it (a negative offset was a RangeError after the work was done, or, in
 * `slice`, a count from the end: the wrong bytes). Passed back to the core, either form is the same i32.
 */
export const addr = (ptr: number): number => ptr >>> 0;

/**
 * The core's memory as this thread sees it, up to at least byte `end`. Over the shared memory, a block another
 * thread's allocation grew the memory for can lie past the end of this thread's buffer until V8 handles the grow
 * interrupt it sent this thread (csrc/common.c): a view of it was a RangeError ("Invalid typed array length") in a
 * fit worker. memory.grow(0) brings this thread's buffer up to the memory's size at once.
 */
function memoryTo(end: number): ArrayBuffer {
  const memory = getCore().memory;
  const buffer = memory.buffer;
  if (end <= buffer.byteLength || !shared) return buffer;
  memory.grow(0);
  return memory.buffer;
}
/** n elements of a typed array at ptr in the core's memory */
function view<T>(Of: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number }, ptr: number, n: number): T {
  const at = addr(ptr);
  return new Of(memoryTo(at + Of.BYTES_PER_ELEMENT * n), at, n);
}
export const f32 = (ptr: number, n: number): Float32Array => view(Float32Array, ptr, n);
export const f64 = (ptr: number, n: number): Float64Array => view(Float64Array, ptr, n);
export const i32 = (ptr: number, n: number): Int32Array => view(Int32Array, ptr, n);
export const u32 = (ptr: number, n: number): Uint32Array => view(Uint32Array, ptr, n);
export const bytesAt = (ptr: number, n: number): Uint8Array => view(Uint8Array, ptr, n);

/** A NUL-terminated UTF-8 string in module memory (its end may lie past this thread's view: then the view is brought up to date once). */
function cString(at: number): string {
  const ptr = addr(at);
  let mem = new Uint8Array(memoryTo(ptr + 1));
  let end = mem.indexOf(0, ptr);
  if (end < 0) {
    mem = new Uint8Array(memoryTo(mem.length + 1));
    end = mem.indexOf(0, ptr);
  }
  if (end < 0) throw new Error("node-xgboost-wasm: a string of the core's runs past the end of its memory");
  return Buffer.from(mem.subarray(ptr, end)).toString("utf8");
}

export function lastError(): string {
  return cString(getCore().xgb_last_error());
}

/** Throws the core's recorded error when a call returned a failure code. */
export function check(rc: number, what: string): number {
  if (rc < 0) {
    const dead = poolDeath();
    throw new Error(`${what}: ${lastError() || "failed"}${dead ? ` (${dead})` : ""}`);
  }
  return rc;
}

export function alloc(bytes: number): number {
  // the core's size_t is 32 bits: a larger count would wrap to a small block, which the caller then overruns (a
  // trap, and a core left corrupt)
  if (!(Number.isSafeInteger(bytes) && bytes >= 0 && bytes < 2 ** 32)) throw new Error(`node-xgboost-wasm: cannot allocate ${bytes} bytes (the core's memory holds at most 4 GiB)`);
  const p = addr(getCore().xgb_malloc(bytes));
  if (!p) throw new Error(`node-xgboost-wasm: ${lastError() || "out of memory"}`);
  return p;
}

export function free(ptr: number): void {
  if (ptr) getCore().xgb_free(ptr);
}

/**
 * Test hook: heap corruption as a bug in the core would leave it — a block's header (the C library's dlmalloc keeps
 * its size in the 4 bytes before it) overwritten with a size that reaches past the memory — then the block freed:
 * the allocator traps while it holds its lock. The tests of guardCore use it (a trap must fail every caller of the
 * core, on every thread, rather than leave them waiting for that lock); nothing else may call it.
 */
export function testTrapInAllocator(): never {
  const p = alloc(64);
  u32(p - 4, 1)[0] = 0x7ffffff3;
  free(p);
  throw new Error("testTrapInAllocator: the allocator did not trap on the corrupt block");
}

/** Copies a float array into module memory; the caller frees the pointer. */
export function copyF32(data: ArrayLike<number>): number {
  const p = alloc(Math.max(4, data.length * 4));
  f32(p, data.length).set(data);
  return p;
}
