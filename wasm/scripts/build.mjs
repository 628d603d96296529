// Builds the boosting core: C11 kernels (csrc/) → build/xgb.wasm with @yowasp/clang
// (clang + lld compiled to WebAssembly, so no system compiler is needed), then the
// TypeScript bindings (src/) → dist/ as CommonJS, which plain Node, tsx and tslab all load.
import { runClang } from "@yowasp/clang";
import { readFileSync, readdirSync, writeFileSync, mkdirSync, statSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const csrc = join(root, "csrc");
const out = join(root, "build", "xgb.wasm");
const sources = readdirSync(csrc, { recursive: true }).map(String).filter((f) => f.endsWith(".c") || f.endsWith(".h")).sort();

function newestMtime(files) { return Math.max(...files.map((f) => statSync(f).mtimeMs)); }

const inputs = sources.map((f) => join(csrc, f));
const force = process.argv.includes("--force");
if (force || !existsSync(out) || newestMtime(inputs) > statSync(out).mtimeMs) {
  const tree = {};
  for (const f of sources) {
    // the compiler runs in a virtual file system: folders are nested objects
    const parts = f.split("/");
    let dir = tree;
    for (const p of parts.slice(0, -1)) dir = dir[p] ??= {};
    dir[parts.at(-1)] = readFileSync(join(csrc, f));
  }
  const cfiles = sources.filter((f) => f.endsWith(".c"));
  const t0 = Date.now();
  const args = [
    "clang", "--target=wasm32-wasip1", "-mexec-model=reactor", "-std=c11", "-O3",
    "-msimd128", "-mbulk-memory", "-mnontrapping-fptoint", "-fno-math-errno", "-I.",
    "-DNDEBUG", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter",
    "-Wl,--export-dynamic", "-Wl,--growable-table", "-Wl,-z,stack-size=1048576",
    "-Wl,--max-memory=4294967296", "-Wl,--initial-memory=16777216",
    ...cfiles, "-o", "xgb.wasm",
  ];
  let files;
  try {
    files = await runClang(args, tree, { stderr: (b) => b && process.stderr.write(b) });
  } catch (e) {
    console.error("node-xgboost-wasm: C build failed");
    process.exit(1);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, files["xgb.wasm"]);
  console.log(`node-xgboost-wasm: built ${out} (${files["xgb.wasm"].length} bytes) in ${Date.now() - t0} ms`);
}

// TypeScript bindings → dist/ (CommonJS).
const tsc = join(root, "..", "node_modules", "typescript", "bin", "tsc");
const tscLocal = join(root, "node_modules", "typescript", "bin", "tsc");
execFileSync(process.execPath, [existsSync(tscLocal) ? tscLocal : tsc, "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
