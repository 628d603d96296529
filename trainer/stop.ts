/**
 * Stopping a training job: StopTrainingJob (and MaxRuntimeInSeconds, and a tuning job's early stop of a trial) is
 * `docker stop -t120` — SIGTERM, then SIGKILL 120 s later; "If the container handles the SIGTERM gracefully and exits
 * within 120 seconds from receiving it, no SIGKILL is sent" (How Amazon SageMaker Runs Your Training Image).
 *
 * The kernel applies no default action to a signal sent to PID 1: node as PID 1 ignored a SIGTERM without a handler,
 * trained on and held its instance until the SIGKILL. A JavaScript handler does not help either: the
 * cross-validation and the final fit run synchronously on the main thread (lib's runFitsSync), so a handler would run
 * only once they are done. So as the container's program (isContainerMain), `train` supervises: the job runs in a
 * child process (not PID 1, so a SIGTERM ends it at once, as it does outside the image), the parent forwards
 * SIGTERM / SIGINT, removes the child's temporary model folder and exits 128 + the signal's number; any other exit
 * of the child is the parent's. A child killed by a signal nobody sent through the parent — the kernel's OOM killer
 * (SIGKILL), V8 aborting on a full heap (SIGABRT) — leaves the cause in output/failure, which a dead PID 1 could not
 * write. In the image PID 1 is tini (trainer/Dockerfile), and node its child: a SIGTERM before node has installed a
 * handler (its bootstrap, 0.1–0.4 s) ends node at once, where node as PID 1 dropped it.
 *
 * The model is published last (train.ts: saveEnsemble into a temporary folder, then publishDir); a SIGTERM in that
 * step would cut a publish file by file (model/ a mount point) short, leaving model/ without its manifest. holdStop
 * defers it: the step ends, then the job exits 128 + 15 with the whole model in model/.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeFailure, type OptMlPaths } from "./optml";

/** the folder the model is saved into before it is published into model/ */
export const modelTmpDir = (root: string, pid: number) => path.join(root, `.model-${pid}.tmp`);

const exitCodeOf = (signal: NodeJS.Signals) => 128 + (os.constants.signals[signal] ?? 0);

/**
 * node is the container's program: PID 1 (an image run with `--entrypoint node`), or the child of the image's tini,
 * which says so in TRAINER_CONTAINER=1 (trainer/Dockerfile).
 */
export const isContainerMain = (): boolean => process.pid === 1 || process.env.TRAINER_CONTAINER === "1";

/** `train` as the container's program: the job in a child process (this program, `train`), signals forwarded, its exit passed on. */
export function superviseTrain(paths: OptMlPaths): void {
  let stopping: NodeJS.Signals | undefined;
  // the child is no container's program (it would supervise a child of its own)
  const env = { ...process.env };
  delete env.TRAINER_CONTAINER;
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2)], { stdio: "inherit", env });
  const forward = (signal: NodeJS.Signals) => {
    if (!stopping) console.error(`${signal}: the training job is stopped (StopTrainingJob, MaxRuntimeInSeconds or a tuning job's early stop): the training process ends now`);
    stopping ??= signal;
    child.kill(signal);
  };
  process.on("SIGTERM", () => forward("SIGTERM"));
  process.on("SIGINT", () => forward("SIGINT"));
  child.on("error", (e) => {
    console.error(`training failed: ${writeFailure(paths, new Error(`cannot start the training process: ${e.message}`))}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      try {
        fs.rmSync(modelTmpDir(paths.root, child.pid!), { recursive: true, force: true });
      } catch {
        /* the next job in this root removes it */
      }
      if (!stopping) {
        // nobody stopped the job: a SIGKILL is the kernel's out-of-memory killer (the container's memory limit), a
        // SIGABRT V8's own end when the JavaScript heap is full ("FATAL ERROR: … heap out of memory" in the log)
        const why =
          signal === "SIGKILL" ? " — most likely by the kernel's out-of-memory killer: the job needs more memory than the instance has (a larger instance type, or a lower parallel_fits)"
          : signal === "SIGABRT" ? " — Node aborts so when its JavaScript heap is full (the log's FATAL ERROR line says so): a larger instance type, or NODE_OPTIONS=--max-old-space-size=<MB> in the job's Environment"
          : "";
        console.error(`training failed: ${writeFailure(paths, new Error(`the training process was killed by ${signal}${why}`))}`);
      }
      process.exit(exitCodeOf(signal));
    }
    process.exit(code ?? 1);
  });
}

/**
 * SIGTERM / SIGINT while `step` runs (synchronously) are held until it has run: then the process exits 128 + the
 * signal's number. Resolves when no signal came (the default action is back in place).
 */
export async function holdStop(step: () => void): Promise<void> {
  let got: NodeJS.Signals | undefined;
  const onTerm = () => (got ??= "SIGTERM");
  const onInt = () => (got ??= "SIGINT");
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  try {
    step();
  } finally {
    // a signal that came during the step is taken from the event loop's poll phase: one turn runs its listener
    await new Promise<void>((next) => setImmediate(next));
    await new Promise<void>((next) => setImmediate(next));
    process.removeListener("SIGTERM", onTerm);
    process.removeListener("SIGINT", onInt);
  }
  if (got) {
    console.error(`${got}: the training job is stopped; the model was written in full before it`);
    process.exit(exitCodeOf(got));
  }
}
