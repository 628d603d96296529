/**
 * The SageMaker container program: `train` or `serve` (as `docker run IMAGE train|serve`,
 * `npm run trainer -- train|serve`, or `tsx trainer/main.ts train|serve`).
 * The /opt/ml root is env OPT_ML when set (local mode, tests), else /opt/ml.
 */
import cluster from "cluster";
import * as fs from "fs";
import { decodeValue } from "./hyperparameter-value";
import { optMlPaths, writeFailure, type OptMlPaths } from "./optml";
import { isContainerMain, superviseTrain } from "./stop";
import { stopWithParent } from "./parent-watch";

function usage(): never {
  console.error("usage: trainer/main.ts train|serve   (env OPT_ML = the /opt/ml root; serve: SAGEMAKER_BIND_TO_PORT, SAGEMAKER_BIND_TO_HOST (127.0.0.1), SAGEMAKER_MAX_PAYLOAD_IN_MB, SAGEMAKER_MODEL_SERVER_WORKERS, TRAINER_ALLOWED_ORIGINS, TRAINER_ALLOWED_HOSTS, TRAINER_MAX_CONNECTIONS; serve --allow-origin <origin> --allow-host <name>)");
  process.exit(2);
}

function main(): void {
  const command = process.argv[2];
  const paths = optMlPaths();
  // a serve cluster's workers go with their primary (a watch of their own raced it, and the primary forked anew)
  if ((command === "train" || command === "serve") && cluster.isPrimary) stopWithParent();
  if (command === "train" && isContainerMain()) {
    // the image: the job runs in a child process, which a SIGTERM stops, watched by this one (./stop)
    superviseTrain(paths);
  } else if (command === "train") {
    const fail = (e: unknown) => {
      const line = writeFailure(paths, e);
      console.error(`training failed: ${line}`);
      if (process.env.TRAINER_DEBUG) console.error(e);
      process.exitCode = 1;
    };
    try {
      prestartFirstFitWorker(paths);
      // required lazily so that a failure while loading lib/the core still lands in output/failure
      const { train } = require("./train") as typeof import("./train");
      // the process ends on its own (not process.exit): a fit worker's writes to stdout / stderr reach them through this
      // thread's event loop, which takes them as the worker's end is handled — process.exit would drop them
      train(paths).then(() => (process.exitCode = 0), fail);
    } catch (e) {
      fail(e);
    }
  } else if (command === "serve") {
    const { serve } = require("./serve") as typeof import("./serve");
    serve(paths.model).catch((e: Error) => {
      console.error(`serve failed: ${e.message}`);
      process.exit(1);
    });
  } else {
    usage();
  }
}

/**
 * parallel_fits 2 or more: the first fit worker starts now, before the job's modules load (lib, arquero, the
 * trainer: ~45 ms), as a worker thread takes 50–140 ms to start (Node's bootstrap of its isolate, more while this
 * thread loads) — started once the settings were parsed, the diabetes job's worker began fitting 52–85 ms after
 * this thread; started here, 3–16 ms after (instrumented runs). train() starts the others, if any, with the
 * settings checked (lib's prestartFitWorkers tops the waiting workers up). The value is only peeked at here: one
 * train() refuses fails the job there, and a worker nobody uses ends with the process (unref'd). Only lib's fit pool
 * is loaded for it (ensemble-workbook/fit-workers), not the rest of lib.
 */
function prestartFirstFitWorker(paths: OptMlPaths): void {
  let fits: number;
  try {
    const raw = (JSON.parse(fs.readFileSync(paths.hyperparameters, "utf8")) as Record<string, unknown> | null)?.parallel_fits;
    fits = raw === undefined ? NaN : Number(decodeValue(raw));
  } catch {
    return; // no file, not JSON, or a value of no type a hyperparameter has: train() says so
  }
  if (!Number.isInteger(fits) || fits < 2) return;
  const { prestartFitWorkers } = require("ensemble-workbook/fit-workers") as typeof import("ensemble-workbook/fit-workers");
  prestartFitWorkers(1);
}

main();
