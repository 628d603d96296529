/**
 * The SageMaker container program: `train` or `serve` (as `docker run IMAGE train|serve`,
 * `npm run trainer -- train|serve`, or `tsx trainer/main.ts train|serve`).
 * The /opt/ml root is env OPT_ML when set (local mode, tests), else /opt/ml.
 */
import { optMlPaths, writeFailure } from "./optml";

function usage(): never {
  console.error("usage: trainer/main.ts train|serve   (env OPT_ML = the /opt/ml root; serve: SAGEMAKER_BIND_TO_PORT, SAGEMAKER_BIND_TO_HOST (127.0.0.1), SAGEMAKER_MAX_PAYLOAD_IN_MB, SAGEMAKER_MODEL_SERVER_WORKERS, TRAINER_ALLOWED_ORIGINS, TRAINER_ALLOWED_HOSTS, TRAINER_MAX_CONNECTIONS; serve --allow-origin <origin> --allow-host <name>)");
  process.exit(2);
}

function main(): void {
  const command = process.argv[2];
  const paths = optMlPaths();
  if (command === "train") {
    const fail = (e: unknown) => {
      const line = writeFailure(paths, e);
      console.error(`training failed: ${line}`);
      if (process.env.TRAINER_DEBUG) console.error(e);
      process.exitCode = 1;
    };
    try {
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

main();
