/**
 * Loads the core's WebAssembly module once per process and gives the rest of the
 * bindings typed access to its memory. Nothing outside these bindings sees a pointer.
 *
 * The module is compiled synchronously (so `train` can be synchronous and the package
 * loads in CommonJS without top-level await — tslab cells need that). V8 normally
 * starts WebAssembly in its baseline tier and re-compiles hot functions in the
 * background; a long boosting loop entered once can stay in baseline code, about 2x
 * slower, so WebAssembly is compiled with the optimising tier up front (--no-liftoff).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as v8 from "node:v8";
import { checkCoreEnums } from "./enums";

// The WebAssembly global's types come from the DOM lib, which tslab cells lack:
// the few members used here are declared locally so no public type mentions them.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface CoreExports {
  memory: { buffer: ArrayBuffer };
  _initialize(): void;
  xgb_last_error(): number;
  xgb_malloc(bytes: number): number;
  xgb_free(ptr: number): void;
  bst_create(): number;
  bst_free(b: number): void;
  bst_set_params(b: number, values: number): void;
  bst_set_feature_types(b: number, types: number, n: number): number;
  bst_train_begin(b: number, X: number, nrow: number, ncol: number, label: number, weight: number, baseScore: number): number;
  bst_boost_round(b: number, iteration: number, numRounds: number): number;
  bst_train_margin(b: number): number;
  bst_train_end(b: number): void;
  bst_predict(b: number, X: number, nrow: number, ncol: number, treeBegin: number, treeEnd: number, outputMargin: number, out: number): number;
  bst_margin_init(b: number, margin: number, nrow: number): void;
  bst_margin_add(b: number, X: number, nrow: number, ncol: number, treeBegin: number, treeEnd: number, margin: number): number;
  bst_eval(b: number, metric: number, margin: number, label: number, weight: number, nrow: number): number;
  bst_predict_contribs(b: number, X: number, nrow: number, ncol: number, treeEnd: number, approx: number, out: number): number;
  bst_predict_interactions(b: number, X: number, nrow: number, ncol: number, treeEnd: number, approx: number, out: number): number;
  bst_num_trees(b: number): number;
  bst_tree_group(b: number, t: number): number;
  bst_tree_num_nodes(b: number, t: number): number;
  bst_tree_array(b: number, t: number, which: number): number;
  bst_add_tree(b: number, nNodes: number, group: number): number;
  bst_tree_num_cat_words(b: number, t: number): number;
  bst_tree_cat_words(b: number, t: number): number;
  bst_tree_reserve_cat_words(b: number, t: number, nWords: number): number;
  bst_set_model(b: number, numFeature: number, nGroups: number, baseScore: number): void;
  bst_base_score(b: number): number;
  bst_base_margin(b: number): number;
  xgb_enum_names(kind: number): number;
}

let core: CoreExports | undefined;

export function wasmPath(): string {
  return join(__dirname, "..", "build", "xgb.wasm");
}

export function getCore(): CoreExports {
  if (core) return core;
  let bytes: Buffer;
  try {
    bytes = readFileSync(wasmPath());
  } catch {
    throw new Error(`node-xgboost-wasm: ${wasmPath()} is missing; build it with "npm run build" (or npm install)`);
  }
  // Left on: V8 compiles wasm functions lazily, on first call, so switching the flag
  // back after new Module() would still give baseline code.
  v8.setFlagsFromString("--no-liftoff");
  const module = new Wasm.Module(bytes);
  // The C library links WASI's stdio but the core never prints: stub the three calls.
  const nosys = () => 52;
  const instance = new Wasm.Instance(module, {
    wasi_snapshot_preview1: { fd_close: nosys, fd_seek: nosys, fd_write: nosys },
  });
  core = instance.exports as unknown as CoreExports;
  core._initialize();
  const loaded = core;
  checkCoreEnums((kind) => {
    const ptr = loaded.xgb_enum_names(kind);
    return ptr ? cString(ptr) : undefined;
  });
  return core;
}

export function u8(): Uint8Array { return new Uint8Array(getCore().memory.buffer); }
export function f32(ptr: number, n: number): Float32Array { return new Float32Array(getCore().memory.buffer, ptr, n); }
export function f64(ptr: number, n: number): Float64Array { return new Float64Array(getCore().memory.buffer, ptr, n); }
export function i32(ptr: number, n: number): Int32Array { return new Int32Array(getCore().memory.buffer, ptr, n); }

/** A NUL-terminated UTF-8 string in module memory. */
function cString(ptr: number): string {
  const mem = u8();
  let end = ptr;
  while (mem[end] !== 0) end++;
  return Buffer.from(mem.subarray(ptr, end)).toString("utf8");
}

export function lastError(): string {
  return cString(getCore().xgb_last_error());
}

/** Throws the core's recorded error when a call returned a failure code. */
export function check(rc: number, what: string): number {
  if (rc < 0) throw new Error(`${what}: ${lastError() || "failed"}`);
  return rc;
}

export function alloc(bytes: number): number {
  const p = getCore().xgb_malloc(bytes);
  if (!p) throw new Error(`node-xgboost-wasm: ${lastError() || "out of memory"}`);
  return p;
}

export function free(ptr: number): void {
  if (ptr) getCore().xgb_free(ptr);
}

/** Copies a float array into module memory; the caller frees the pointer. */
export function copyF32(data: ArrayLike<number>): number {
  const p = alloc(Math.max(4, data.length * 4));
  f32(p, data.length).set(data);
  return p;
}
