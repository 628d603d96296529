/**
 * Bundle the trainer (trainer/ + lib/ + arquero, …) into one CommonJS file,
 * out/trainer/main.js, with esbuild (already installed as tsx's compiler), and
 * beside it lib's member-fit worker, out/trainer/fit-worker.js, and CSV-chunk worker, out/trainer/csv-worker.js
 * (lib looks for them next to the running script: the final fit trains the members in worker threads, and a
 * large CSV channel file is parsed in chunks on worker threads).
 * The core package node-xgboost-wasm stays external (it loads its .wasm from
 * its own folder). Same source, no TypeScript hook at start-up: `serve` cold
 * start drops from ~0.4 s (node --require tsx/cjs) to ~0.2 s. The Dockerfile
 * runs this bundle, and so does lib's local mode while it is fresh (out/trainer/inputs.json: the files it was built
 * from); `npm run build` makes it. From the repo: `npx tsx trainer/bundle.ts && node out/trainer/main.js serve`.
 */
import * as fs from "fs";
import * as path from "path";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const esbuild = require("esbuild");

const root = path.resolve(__dirname, "..");
const outdir = path.join(root, "out", "trainer");
const outfile = path.join(outdir, "main.js");
const t0 = Date.now();
// the build's start: a source saved while esbuild runs (after it read the file) is newer than this, and the bundle stale
const builtAt = t0;
const result = esbuild.buildSync({
  entryPoints: {
    main: path.join(root, "trainer", "main.ts"),
    "fit-worker": path.join(root, "lib", "ensemble", "fit-worker.ts"),
    "csv-worker": path.join(root, "lib", "data", "csv-worker.ts"),
  },
  absWorkingDir: root, // the metafile's paths are relative to it (from another folder, every input was missing)
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  outdir,
  external: ["node-xgboost-wasm"],
  // the local servers' guard from its source (the image builds no sagemaker-local package, only this file)
  alias: { "@ensemble-workbook/sagemaker-local/guard": path.join(root, "sagemaker-local", "guard.ts") },
  sourcemap: true,
  // lib's version, as saved ensembles record it (lib/repo.ts' libVersion reads lib/package.json, which the bundle has not)
  define: { ENSEMBLE_WORKBOOK_VERSION: JSON.stringify(JSON.parse(fs.readFileSync(path.join(root, "lib", "package.json"), "utf8")).version) },
  // no comments, no indentation: lib's doc comments made the bundle 1.37 MB with a few non-ASCII characters (×, —),
  // which V8 reads into a two-byte string — Node read and compiled it in ~40 ms of every job's and endpoint's start;
  // 0.9 MB of ASCII takes ~25 ms. Names and syntax are kept: error messages and stack frames' names read as the source does
  minifyWhitespace: true,
  logLevel: "warning",
  metafile: true,
});
// the files the bundle was built from, absolute — what esbuild read, lib's package.json (its version is defined in)
// and this script — and when the build began: lib's local mode runs the bundle only while none is newer than that
// (lib/sagemaker/local.ts: an edited source runs through tsx until the next `npm run build`)
const inputs = [...Object.keys(result.metafile.inputs).map((f: string) => path.resolve(root, f)), path.join(root, "lib", "package.json"), __filename];
fs.writeFileSync(path.join(outdir, "inputs.json"), JSON.stringify({ builtAt, inputs }) + "\n");
console.log(`bundled ${path.relative(root, outfile)} in ${Date.now() - t0} ms`);
