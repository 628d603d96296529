/**
 * The one seam between lib and the local SageMaker (workspace package @ensemble-workbook/sagemaker-local):
 * local mode starts it in this process and tells it which container program to run — the project's trainer
 * (projectTrainerCommand) unless SAGEMAKER_LOCAL_TRAINER names another. The package is
 * loaded on first use, so aws-mode users never load it.
 */
import * as fs from "fs";
import * as path from "path";
import type { LocalSageMaker, ServerOptions } from "@ensemble-workbook/sagemaker-local";
import { repoRoot } from "../repo";

export type { LocalSageMaker, ServerOptions as LocalServerOptions };

/**
 * The project's trainer as a local container program, one node process: the esbuild bundle the image runs,
 * out/trainer/main.js (trainer/bundle.ts; `npm run build` makes it), while it is fresh — no file it was built from
 * (out/trainer/inputs.json) was changed after its build began; else trainer/main.ts through tsx's CommonJS hook (a
 * source edited since the last build runs as edited). Asked at each start of the program: a job after an edit runs
 * the edit. Every training job, tuning trial, endpoint and transform job starts one: the
 * bundle starts in ~0.2 s of CPU, the sources through tsx in ~0.7 s (300 modules resolved, compiled and
 * source-mapped one by one): `npm start` took 7.3–7.4 s (9.2 s of CPU) with every job through tsx, 6.2–6.3 s (7.1 s)
 * with the bundle, on an idle 2-core VM.
 */
export function projectTrainerCommand(): string[] {
  const root = repoRoot();
  const bundle = path.join(root, "out", "trainer", "main.js");
  if (bundleIsFresh(bundle)) return [process.execPath, bundle];
  return [process.execPath, "--require", require.resolve("tsx/cjs"), path.join(root, "trainer", "main.ts")];
}

/** true when the bundle and its list of inputs (trainer/bundle.ts: { builtAt, inputs }) exist and no input was
 * changed after the build began (a missing input: stale) — a source saved during the build is newer than its start */
export function bundleIsFresh(bundle: string): boolean {
  try {
    if (!fs.statSync(bundle).isFile()) return false;
    const list: unknown = JSON.parse(fs.readFileSync(path.join(path.dirname(bundle), "inputs.json"), "utf8"));
    const { builtAt, inputs } = (list ?? {}) as { builtAt?: unknown; inputs?: unknown };
    if (typeof builtAt !== "number" || !Array.isArray(inputs) || inputs.length === 0) return false;
    return inputs.every((f) => typeof f === "string" && fs.statSync(f).mtimeMs <= builtAt);
  } catch {
    return false; // no bundle, no list, an input gone
  }
}

/** Starts a local SageMaker running the project's trainer (or SAGEMAKER_LOCAL_TRAINER's program). */
export function startLocalSageMaker(opts: ServerOptions = {}): Promise<LocalSageMaker> {
  const { startServer } = require("@ensemble-workbook/sagemaker-local") as typeof import("@ensemble-workbook/sagemaker-local");
  const fromEnv = Boolean(process.env.SAGEMAKER_LOCAL_TRAINER);
  return startServer({
    // asked at each job's start: a source edited mid-session runs as edited (through tsx) from its next job on
    ...(fromEnv ? {} : { trainerCommand: projectTrainerCommand, trainerCwd: repoRoot() }),
    ...opts,
  });
}
