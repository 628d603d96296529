/**
 * `serve` — the entry of the SageMaker container's inference side: one model server process (./http-server),
 * or with SAGEMAKER_MODEL_SERVER_WORKERS = n > 1 (the SageMaker inference toolkits' variable) n node:cluster
 * workers sharing one port, each with its own copy of the ensemble. SIGTERM/SIGINT: stop accepting, finish the
 * requests in flight, exit 0.
 */
import cluster from "cluster";
import { coreShareEnv } from "ensemble-workbook";
import { workerCount } from "./batch-env";
import { serveOptionsFromEnv, startServer } from "./http-server";
import { isContainerMain } from "./stop";

/** One process: start, and on SIGTERM/SIGINT drain and exit 0. */
async function serveOne(modelDir: string, announce: boolean): Promise<void> {
  // a SIGTERM while the model loads (seconds for a large one — 6 s for a 37 MB ensemble): as PID 1 a signal that finds
  // no handler is dropped, and the container served on until the SIGKILL 30 s later. So as the container's program a
  // handler is there from the start; the load is synchronous, and the signal takes effect once the server listens
  // (drained, exit 0). Any other process keeps the default action while it loads (Ctrl-C, local mode's stop: it ends
  // at once)
  let early: NodeJS.Signals | undefined;
  const onEarlyTerm = () => (early ??= "SIGTERM");
  const onEarlyInt = () => (early ??= "SIGINT");
  if (isContainerMain() && cluster.isPrimary) {
    process.on("SIGTERM", onEarlyTerm);
    process.on("SIGINT", onEarlyInt);
  }
  const opts = serveOptionsFromEnv(modelDir, process.env, process.argv.slice(3));
  if (announce) console.log(`loading the model from ${modelDir}`);
  // a worker of several whose core a trap broke tells the primary, which starts a fresh worker and, once that one
  // listens, stops this one (SIGTERM: drain). Closing at once could leave the port with no listener. One process:
  // its /ping answers 500, and the platform replaces the container.
  const onCoreBroken = announce ? undefined : () => process.send?.({ coreBroken: true });
  const running = await startServer({ ...opts, onCoreBroken, log: (l) => (announce || !l.startsWith("serving on ")) && console.log(l) });
  if (!announce) process.send?.({ listening: running.port });
  const stop = (signal: string) => {
    if (announce) console.log(`${signal}: draining in-flight requests, then exiting`);
    const force = setTimeout(() => {
      console.error("drain timed out after 30 s; exiting");
      process.exit(1);
    }, 30_000);
    force.unref();
    running.close().then(() => {
      if (announce) console.log("stopped");
      process.exit(0);
    });
  };
  // the stop handlers first, then the early ones off: a signal still waiting in the event loop finds a listener (with
  // none for a moment, Node stops watching the signal and the waiting one is dropped)
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  process.removeListener("SIGTERM", onEarlyTerm);
  process.removeListener("SIGINT", onEarlyInt);
  if (early) stop(early);
}

/**
 * Several workers (node:cluster) sharing one port, each with its own copy of
 * the ensemble. The primary announces `serving on …` when the first worker
 * listens, restarts a worker that dies, replaces a worker whose core a trap
 * broke (the new one listening first, then the old one drained), and on SIGTERM/SIGINT lets every
 * worker drain, then exits 0. A worker that dies before listening (e.g. the
 * model cannot be loaded) ends the server with exit code 1.
 */
function servePrimary(n: number, host: string): void {
  let announced = false;
  let stopping = false;
  const live = new Set<import("cluster").Worker>();
  /** workers whose core a trap broke, stopped once their replacement listens */
  const replaced = new Set<import("cluster").Worker>();
  const fork = (onListening?: () => void) => {
    // each of n workers gets OMP_NUM_THREADS = max(1, ⌊cores / n⌋), the core threads a prediction of a large batch
    // runs on (the core's default nthread), unless the operator set it: each would otherwise start every core's threads
    const w = cluster.fork(coreShareEnv(n));
    live.add(w);
    let listened = false;
    w.on("message", (m: { listening?: number; coreBroken?: boolean }) => {
      if (m?.coreBroken && !stopping && !replaced.has(w)) {
        replaced.add(w);
        console.error(`serve worker ${w.process.pid}: its core is unusable after a WebAssembly trap; starting another, then stopping it`);
        fork(() => w.process.kill("SIGTERM"));
      }
      if (m && typeof m.listening === "number") {
        listened = true;
        onListening?.();
        if (!announced) {
          announced = true;
          console.log(`serving on http://${host}:${m.listening} (${n} workers)`);
        }
      }
    });
    w.on("exit", (code) => {
      live.delete(w);
      if (replaced.delete(w)) {
        console.error(`serve worker ${w.process.pid} stopped (${code}); its replacement serves`);
        if (stopping && live.size === 0) process.exit(0);
      } else if (stopping) {
        if (live.size === 0) {
          console.log("stopped");
          process.exit(0);
        }
      } else if (!listened) {
        console.error(`serve worker exited (${code}) before listening`);
        for (const o of live) o.process.kill("SIGKILL");
        process.exit(1);
      } else {
        console.error(`serve worker exited (${code}); starting another`);
        fork();
      }
    });
  };
  for (let i = 0; i < n; i++) fork();
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining in-flight requests in ${live.size} workers, then exiting`);
    for (const w of live) w.process.kill("SIGTERM");
    const force = setTimeout(() => process.exit(1), 35_000);
    force.unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

/** `serve` entry. */
export async function serve(modelDir: string): Promise<void> {
  const n = workerCount();
  if (n === 1) return serveOne(modelDir, true);
  if (cluster.isPrimary) {
    const opts = serveOptionsFromEnv(modelDir, process.env, process.argv.slice(3)); // validate the environment once, in the primary
    return servePrimary(n, opts.host);
  }
  return serveOne(modelDir, false);
}
