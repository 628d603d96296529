/**
 * The one seam between lib and the local SageMaker (workspace package @ensemble-workbook/sagemaker-local):
 * local mode starts it in this process and tells it which container program to run — the project's trainer
 * (trainer/main.ts, through tsx's CommonJS hook) unless SAGEMAKER_LOCAL_TRAINER names another. The package is
 * loaded on first use, so aws-mode users never load it.
 */
import * as path from "path";
import type { LocalSageMaker, ServerOptions } from "@ensemble-workbook/sagemaker-local";
import { repoRoot } from "../repo";

export type { LocalSageMaker, ServerOptions as LocalServerOptions };

/**
 * The project's trainer as a local container program: one node process with tsx's CommonJS hook (about half
 * the start-up of the tsx CLI, which starts a second node process).
 */
export function projectTrainerCommand(): string[] {
  return [process.execPath, "--require", require.resolve("tsx/cjs"), path.join(repoRoot(), "trainer", "main.ts")];
}

/** Starts a local SageMaker running the project's trainer (or SAGEMAKER_LOCAL_TRAINER's program). */
export function startLocalSageMaker(opts: ServerOptions = {}): Promise<LocalSageMaker> {
  const { startServer } = require("@ensemble-workbook/sagemaker-local") as typeof import("@ensemble-workbook/sagemaker-local");
  const fromEnv = Boolean(process.env.SAGEMAKER_LOCAL_TRAINER);
  return startServer({
    ...(fromEnv ? {} : { trainerCommand: projectTrainerCommand(), trainerCwd: repoRoot() }),
    ...opts,
  });
}
