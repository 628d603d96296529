/**
 * Fits side by side on one shared matrix (wasm/csrc/common.h, wasm/src/wasm.ts attachCore, dmatrix.ts
 * DMatrix.fromShared): worker threads attached to this process's core train on the main thread's DMatrix through a
 * handle — no copy, no re-binning — while the main thread trains too. Every model must be byte-identical to the same
 * fit run alone, one after another: the allocator, the last error, the thread count and the pool are safe for
 * callers at once. One case makes many small allocations in every caller at once (lossguide trees of 255 leaves,
 * depth 10, many rounds: the allocator's lock contended); in another the main thread's fit owns the pool (nthread 2)
 * while the workers fit (nthread 2: they find the pool taken and run their jobs inline, or take it between jobs).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { Worker } from "worker_threads";
import { DMatrix, coreAttachment, coreBuild, train, trainingForm, type SharedMatrix } from "node-xgboost-wasm";
import { FIT_STACK_BYTES, poolReady } from "node-xgboost-wasm/dist/wasm";
import { regressionData } from "./helpers/core-data";

const data = regressionData(40_000, 8, 21, 0.05);
const d = new DMatrix(data.X, { nrow: data.nrow, ncol: data.ncol, label: data.y });
/** training rows of a fold: a row view, as cross-validation's fits use */
const foldRows = Int32Array.from({ length: 30_000 }, (_, i) => (i * 7) % data.nrow);

type Case = { name: string; params: Record<string, unknown>; rounds: number; view?: boolean };
const CASES: Case[] = [
  { name: "lossguide 255 leaves, depth 10 (many small allocations)", params: { grow_policy: "lossguide", max_depth: 10, max_leaves: 255, max_bin: 256, eta: 0.1, subsample: 0.8, seed: 5, nthread: 1 }, rounds: 40 },
  { name: "symmetric, border_count 254, on a row view", params: { grow_policy: "symmetric", max_depth: 6, max_bin: 254, eta: 0.2, random_strength: 1, seed: 7, nthread: 2 }, rounds: 30, view: true },
  { name: "depthwise, nthread 2", params: { max_depth: 8, max_bin: 256, eta: 0.2, colsample_bynode: 0.7, seed: 9, nthread: 2 }, rounds: 30 },
];

function fitAlone(c: Case): string {
  const dm = c.view ? d.slice(foldRows) : d;
  const bst = train(c.params, dm, { numBoostRound: c.rounds });
  const json = bst.saveModel();
  bst.free();
  if (dm !== d) dm.free();
  return json;
}

/** What a worker runs: attach, wait at the barrier, fit its case on the shared handle, post the model. */
const WORKER = `
const { workerData, parentPort } = require("node:worker_threads");
const { attachCore, DMatrix, train } = require(workerData.lib);
const { attachment, descriptor, c, rows, barrier } = workerData;
attachCore(attachment);
const shared = DMatrix.fromShared(descriptor);
const dm = c.view ? shared.slice(rows) : shared;
Atomics.add(barrier, 0, 1);
Atomics.notify(barrier, 0);
while (Atomics.load(barrier, 0) < barrier[1]) Atomics.wait(barrier, 0, Atomics.load(barrier, 0), 50);
const bst = train(c.params, dm, { numBoostRound: c.rounds });
parentPort.postMessage(bst.saveModel());
bst.free();
if (dm !== shared) dm.free();
shared.free();
`;

/** Runs `cases` in worker threads attached to this core and `local` in this thread, all at once. */
async function fitSideBySide(cases: Case[], local: Case): Promise<{ workers: string[]; local: string; stackUsed: number[] }> {
  const forms = [...cases, local].map((c) => trainingForm(c.params, d)!);
  const shared = d.sharedDescriptor(forms);
  const attachments = cases.map(() => coreAttachment()!);
  // paint the stacks, to measure how much of them a fit uses
  const mem = () => new Uint8Array((attachments[0].attachment.memory as { buffer: ArrayBuffer }).buffer);
  for (const a of attachments) mem().fill(0xa5, a.attachment.stackTop - FIT_STACK_BYTES + 16, a.attachment.stackTop);
  const barrier = new Int32Array(new SharedArrayBuffer(8));
  barrier[1] = cases.length + 1;
  const lib = require.resolve("node-xgboost-wasm");
  const results = cases.map((c, i) => new Promise<string>((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { lib, attachment: attachments[i].attachment, descriptor: shared.descriptor satisfies SharedMatrix, c, rows: foldRows, barrier } });
    w.once("message", resolve);
    w.once("error", reject);
    w.once("exit", (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  }));
  Atomics.add(barrier, 0, 1);
  while (Atomics.load(barrier, 0) < barrier[1]) await new Promise((r) => setTimeout(r, 5));
  const localJson = fitAlone(local); // this thread fits while the workers do
  const workers = await Promise.all(results);
  await new Promise((r) => setTimeout(r, 50)); // the workers' threads end after their last message
  const stackUsed = attachments.map((a) => {
    const m = mem(), low = a.attachment.stackTop - FIT_STACK_BYTES + 16;
    let i = low;
    while (i < a.attachment.stackTop && m[i] === 0xa5) i++;
    return a.attachment.stackTop - i;
  });
  shared.release();
  attachments.forEach((a) => a.release());
  return { workers, local: localJson, stackUsed };
}

test("the threads build is loaded (shared memory)", () => {
  assert.is(coreBuild(), "threads");
});

test("fits in three callers at once on one shared matrix give the models of the same fits run one after another", async () => {
  const alone = CASES.map(fitAlone);
  await poolReady(); // the pool's thread (started by the nthread 2 fits) is up: callers of nthread 2 contend for it
  // each case in a worker while the main thread fits another one
  for (let k = 0; k < CASES.length; k++) {
    const local = CASES[k];
    const others = CASES.filter((_, i) => i !== k);
    const got = await fitSideBySide(others, local);
    assert.ok(got.local === alone[k], `${local.name} in the main thread, workers fitting beside it: the model differs from the fit alone`);
    others.forEach((c, i) => assert.ok(got.workers[i] === alone[CASES.indexOf(c)], `${c.name} in a worker: the model differs from the fit alone`));
    for (const used of got.stackUsed) assert.ok(used > 0 && used < FIT_STACK_BYTES / 4, `a fit used ${used} bytes of its ${FIT_STACK_BYTES}-byte stack`);
    if (k === 0) console.log(`  stack used by a fit in an attached worker: ${got.stackUsed.map((u) => `${(u / 1024).toFixed(1)} KiB`).join(", ")}`);
  }
});

test("two workers fitting the allocation-heavy case at once, beside the main thread's, match the fit alone", async () => {
  const heavy = CASES[0];
  const alone = fitAlone(heavy);
  const got = await fitSideBySide([heavy, heavy], heavy);
  assert.ok(got.local === alone);
  got.workers.forEach((w, i) => assert.ok(w === alone, `worker ${i}'s model differs`));
});

test("a handle from fromShared never frees or evicts the matrix it shares: its free() ends the handle only", () => {
  const c = CASES[2];
  const before = fitAlone(c);
  const shared = d.sharedDescriptor([trainingForm(c.params, d)!]);
  const h = DMatrix.fromShared(shared.descriptor);
  // forms of more keys than a matrix keeps (MAX_FORMS = 4) built on the handle: its own, never the shared one
  for (const max_bin of [8, 16, 32, 64, 128]) train({ max_depth: 2, max_bin, nthread: 1 }, h, { numBoostRound: 1 }).free();
  const v = h.slice([0, 1, 2, 3]);
  v.free();
  h.free();
  h.free(); // twice: nothing more
  assert.throws(() => train(c.params, h, { numBoostRound: 1 }), (e: Error) => /used after free/.test(e.message));
  assert.throws(() => h.slice([0]), (e: Error) => /used after free/.test(e.message));
  assert.ok(fitAlone(c) === before, "the shared matrix still trains the same model after its handle was freed");
  assert.throws(() => d.slice([1, 2]).sharedDescriptor([]), (e: Error) => /row view cannot be shared/.test(e.message));
  shared.release();
  assert.ok(fitAlone(c) === before);
});

test("threads fitting while the shared memory grows under them: no trap, no hang, and each one's predictions those of the fit alone (V8's wasm stack checks off, so a busy thread handles the grow interrupt late)", () => {
  // the fixture's threads make matrices of growing size; without the core bringing a thread's instance up to the
  // memory's latest size (csrc/common.c memory_pages), one of 8 threads trapped or the run hung in 3 runs of 3
  const r = spawnSync(process.execPath, ["--no-wasm-stack-checks", path.join(__dirname, "fixtures", "core-memory-growth.cjs")], {
    encoding: "utf8", timeout: 120_000, env: { ...process.env, THREADS: "8", STEPS: "30" },
  });
  assert.ok(r.status === 0, `status ${r.status} signal ${r.signal}: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /8 threads x 30 steps: 0 failed, 0 mismatched/);
});

test.run();
