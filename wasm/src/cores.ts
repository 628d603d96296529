/**
 * The cores this process may use — what `nthread` 0 (or unset) means, and the most threads any job runs on.
 *
 * os.availableParallelism() (the CPU affinity: `taskset -c 0` is 1; read once), lowered to a container's CPU quota when
 * cgroups set one (cgroup v2 cpu.max, v1 cpu.cfs_quota_us): `docker run --cpus 2` on a 16-core host is 2, as
 * XGBoost 2's Context::Threads() caps its OpenMP threads at the quota.
 *
 * OpenMP's variables, as native XGBoost reads them (through libgomp): OMP_THREAD_LIMIT lowers that count further
 * (threadLimit), and OMP_NUM_THREADS is what `nthread` 0 or unset means (defaultThreads) — so `OMP_NUM_THREADS=1`
 * keeps a process that runs beside others (a model server's workers, trainer/serve.ts) on one thread, as it keeps
 * XGBoost.
 *
 * A job never runs on more threads than threadLimit(), whatever `nthread` asks (resolveThreads). Native XGBoost starts
 * `nthread` OpenMP threads even above the cores, which costs it little; here each pool thread is a Node worker
 * thread — an isolate of ~10 MB that takes ~0.1 s to start — so `nthread` 512 on 2 cores took 52 s and 5 GB to
 * train 10k rows before this cap (3 rounds; native: 0.5 s, 139 MB), for no speed: the threads beyond the cores
 * only wait for one. The model does not depend on the thread count (csrc/threads.h), so the cap changes time and
 * memory only.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { MAX_THREADS } from "./params";
import { shownValue } from "./shown";

/**
 * Tests only: "<n>" makes availableCores() n (from 1 to MAX_THREADS), so that a test on a 2-core machine can run jobs on
 * more threads than its cores (a thread count's own partition of the work) or check the cap.
 */
export const TEST_CORES_ENV = "NODE_XGBOOST_WASM_TEST_CORES";

/** the cgroup's CPU quota in cores (rounded up), or undefined when none is set or readable; read once */
let quotaCores: number | null | undefined;

function cgroupQuota(): number | undefined {
  if (quotaCores === undefined) {
    quotaCores = null;
    const cores = (quota: number, period: number) => (quota > 0 && period > 0 ? Math.max(1, Math.ceil(quota / period)) : null);
    try {
      const [q, p] = readFileSync("/sys/fs/cgroup/cpu.max", "utf8").trim().split(/\s+/);
      if (q !== "max") quotaCores = cores(Number(q), Number(p));
    } catch {
      try {
        const q = Number(readFileSync("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "utf8"));
        quotaCores = cores(q, Number(readFileSync("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "utf8")));
      } catch {
        /* no cgroup limits readable: the affinity count stands */
      }
    }
  }
  return quotaCores ?? undefined;
}

/**
 * An OpenMP variable's value: undefined when unset or empty; else an integer ≥ 1, read as libgomp reads it (strtoul:
 * spaces around, an optional "+", leading zeros) — OMP_NUM_THREADS may list one per nesting level ("4,2"), every item
 * such a number, and its first is the value; OMP_THREAD_LIMIT is one number. A bad value is an Error naming the
 * variable: libgomp warns and ignores it (every core's threads), and so would "1,abc", which read as 1 before.
 */
function ompVariable(name: "OMP_NUM_THREADS" | "OMP_THREAD_LIMIT"): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const items = name === "OMP_NUM_THREADS" ? raw.split(",") : [raw];
  const values = items.map((item) => (/^\s*\+?[0-9]+\s*$/.test(item) ? Number(item) : NaN));
  if (values.some((v) => !(v >= 1))) {
    const what = name === "OMP_NUM_THREADS" ? "an integer ≥ 1, or a list of them (one per nesting level)" : "an integer ≥ 1";
    throw new Error(`${name} must be ${what} (OpenMP's variable, which XGBoost reads too), got ${JSON.stringify(raw)}`);
  }
  return values[0];
}

/** The most threads a job runs on: availableCores(), lowered to OMP_THREAD_LIMIT when set. */
export function threadLimit(): number {
  return Math.min(availableCores(), ompVariable("OMP_THREAD_LIMIT") ?? Infinity);
}

/** What `nthread` 0 or unset means: OMP_NUM_THREADS when set, else every core — within threadLimit(). */
export function defaultThreads(): number {
  return Math.min(ompVariable("OMP_NUM_THREADS") ?? Infinity, threadLimit());
}

/**
 * The environment that gives one of `n` processes sharing the cores its share: OMP_NUM_THREADS = max(1, ⌊cores / n⌋),
 * which this core — and native XGBoost, any OpenMP program — reads as its default threads, so that n processes ×
 * threads stay within the cores. Nothing when `env` sets OMP_NUM_THREADS already (not blank: a blank value is unset
 * for the core too). The model server's workers (trainer/serve.ts) and the local SageMaker's tuning trials use it.
 */
export function coreShareEnv(n: number, env: Record<string, string | undefined> = process.env, cores = availableCores()): Record<string, string> {
  for (const [what, v] of [["processes", n], ["cores", cores]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`coreShareEnv: the ${what} must be an integer ≥ 1, got ${shownValue(v)}`);
  }
  if (env.OMP_NUM_THREADS !== undefined && env.OMP_NUM_THREADS.trim() !== "") return {};
  return { OMP_NUM_THREADS: String(Math.max(1, Math.floor(cores / n))) };
}

/** The cores this process may use (the module comment): at least 1. */
export function availableCores(): number {
  const forced = process.env[TEST_CORES_ENV];
  if (forced !== undefined) {
    const n = Number(forced);
    if (!/^[1-9][0-9]*$/.test(forced) || n > MAX_THREADS) throw new Error(`${TEST_CORES_ENV} must be an integer from 1 to ${MAX_THREADS}, got ${JSON.stringify(forced)}`);
    return n;
  }
  const quota = cgroupQuota();
  return quota === undefined ? affinity() : Math.min(affinity(), quota);
}

/**
 * The CPU affinity's count, read once, as libgomp reads it when a process starts (a `taskset -p` on a running process
 * is not seen). Each read is a system call and, in libuv, the cgroup files again: ~14 µs, which resolveThreads' calls
 * — one per round of every fit — made 30–50 ms of CPU in the diabetes training job.
 */
let affinityCount: number | undefined;
function affinity(): number {
  return (affinityCount ??= availableParallelism());
}
