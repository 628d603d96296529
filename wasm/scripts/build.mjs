// Builds the boosting core: C11 kernels (csrc/) → two WebAssembly modules with
// @yowasp/clang (clang + lld compiled to WebAssembly, so no system compiler is needed):
//   build/xgb-threads.wasm  threads (XGB_THREADS, csrc/threads.h): atomics, and a shared memory
//                           the module imports, so worker_threads can run the same module on it;
//   build/xgb.wasm          single-threaded, its own memory: where shared memory is unavailable.
// Both build in parallel (each in a worker thread), then the TypeScript bindings (src/) →
// dist/ as CommonJS, which plain Node, tsx and tslab all load.
//
// @yowasp/clang ships the single-threaded WASI libc only (no wasm32-wasi-threads sysroot):
// the threads build links it with --no-check-features. That is sound here because the core
// makes what it uses of the C library safe itself: every file starts with common.h (-include),
// which routes malloc / calloc / realloc / free through one lock, and the core's own state
// that differs per caller (the last error, the thread count) is thread-local — each instance
// over the shared memory (the main thread's, a fit worker's) has its own TLS block
// (__wasm_init_tls, exported with __tls_size / __tls_align) and stack (__stack_pointer).
// The pool's worker threads run the kernels, which do not allocate (threads.h).
import { runClang } from "@yowasp/clang";
import { readFileSync, readdirSync, writeFileSync, mkdirSync, statSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { Worker, isMainThread, workerData, parentPort } from "node:worker_threads";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const csrc = join(root, "csrc");
const out = join(root, "build", "xgb.wasm");
const sources = readdirSync(csrc, { recursive: true }).map(String).filter((f) => f.endsWith(".c") || f.endsWith(".h")).sort();

function newestMtime(files) { return Math.max(...files.map((f) => statSync(f).mtimeMs)); }

const inputs = sources.map((f) => join(csrc, f));
const force = process.argv.includes("--force");

const VARIANTS = {
  "xgb.wasm": ["-Wl,--initial-memory=16777216"],
  "xgb-threads.wasm": [
    "-DXGB_THREADS=1", "-matomics", "-Wl,--shared-memory", "-Wl,--import-memory", "-Wl,--no-check-features",
    "-Wl,--export=__stack_pointer", "-Wl,--export=__wasm_init_tls", "-Wl,--export=__tls_size", "-Wl,--export=__tls_align",
    "-Wl,--initial-memory=16777216",
  ],
};

async function build(name) {
  const tree = {};
  for (const f of sources) {
    // the compiler runs in a virtual file system: folders are nested objects
    const parts = f.split("/");
    let dir = tree;
    for (const p of parts.slice(0, -1)) dir = dir[p] ??= {};
    dir[parts.at(-1)] = readFileSync(join(csrc, f));
  }
  const cfiles = sources.filter((f) => f.endsWith(".c"));
  const args = [
    "clang", "--target=wasm32-wasip1", "-mexec-model=reactor", "-std=c11", "-O3",
    "-msimd128", "-mbulk-memory", "-mnontrapping-fptoint", "-fno-math-errno", "-I.",
    "-DNDEBUG", "-include", "common.h", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter",
    "-Wl,--export-dynamic", "-Wl,--growable-table", "-Wl,-z,stack-size=1048576",
    "-Wl,--max-memory=4294967296", ...VARIANTS[name],
    ...cfiles, "-o", name,
  ];
  const files = await runClang(args, tree, { stderr: (b) => b && process.stderr.write(b) });
  return files[name];
}

if (!isMainThread) {
  parentPort.postMessage(await build(workerData));
} else {
  const stale = (name) => { const out = join(root, "build", name); return force || !existsSync(out) || newestMtime(inputs) > statSync(out).mtimeMs; };
  const names = Object.keys(VARIANTS).filter(stale);
  if (names.length) {
    const t0 = Date.now();
    mkdirSync(join(root, "build"), { recursive: true });
    const one = (name) => new Promise((resolve, reject) => {
      const w = new Worker(fileURLToPath(import.meta.url), { workerData: name });
      w.once("message", resolve);
      w.once("error", reject);
      w.once("exit", (code) => code !== 0 && reject(new Error(`exit ${code}`)));
    });
    try {
      const outs = await Promise.all(names.map(one));
      names.forEach((name, i) => {
        writeFileSync(join(root, "build", name), outs[i]);
        console.log(`node-xgboost-wasm: built build/${name} (${outs[i].length} bytes)`);
      });
    } catch (e) {
      console.error(`node-xgboost-wasm: C build failed: ${e.message}`);
      process.exit(1);
    }
    console.log(`node-xgboost-wasm: C build in ${Date.now() - t0} ms`);
  }
}

// TypeScript bindings → dist/ (CommonJS).
if (isMainThread) {
  const tsc = join(root, "..", "node_modules", "typescript", "bin", "tsc");
  const tscLocal = join(root, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [existsSync(tscLocal) ? tscLocal : tsc, "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
}
