/**
 * Where the project's files are: the repository holding data/, trainer/ and notebooks/. lib ships inside
 * the repository (a workspace package), so its bundled data (data/diabetes.csv) and the trainer that local
 * mode runs are found by walking up from this file (lib/ or lib/dist/), then from the working folder.
 * The one place that knows this; internal (not in the public index).
 */
import * as fs from "fs";
import * as path from "path";

/** The repository root: the nearest ancestor holding data/diabetes.csv (from this file, then cwd; else cwd). */
export function repoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = start;
    for (;;) {
      if (fs.existsSync(path.join(dir, "data", "diabetes.csv"))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return process.cwd();
}

/** the version the trainer's bundle is built with (trainer/bundle.ts defines it): the bundle has no lib/package.json beside it */
declare const ENSEMBLE_WORKBOOK_VERSION: string | undefined;

/** lib's own version (lib/package.json), recorded in saved ensembles — a job of the trainer's bundle wrote "unknown". */
export function libVersion(): string {
  if (typeof ENSEMBLE_WORKBOOK_VERSION === "string") return ENSEMBLE_WORKBOOK_VERSION;
  for (const rel of ["package.json", "../package.json"]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, rel), "utf8"));
      if (pkg.name === "ensemble-workbook") return pkg.version ?? "unknown";
    } catch {
      /* try the next */
    }
  }
  return "unknown";
}
