/**
 * A trap leaving the core (a bug: here a heap corrupted on purpose, node-xgboost-wasm's testTrapInAllocator, so
 * that the allocator traps holding its lock) breaks the core for the whole process: the trapping call throws the
 * WebAssembly.RuntimeError saying so, and every later call — on that thread or any other attached to the same core,
 * including threads already waiting inside the core for the allocator — gets an Error naming that trap, never a
 * hang. Before, every thread's next allocation waited for the lock forever (a notebook's next cell, a training
 * job's threads). The lib side (a fit worker of a training job trapping) is in test/lib-parallel-fits.test.ts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as path from "path";

const FIXTURE = path.join(__dirname, "fixtures", "core-trap.cjs");
const UNUSABLE = /^node-xgboost-wasm: the core is unusable after a WebAssembly trap \(RuntimeError: memory access out of bounds in the core's xgb_free\); restart the process/;
const TRAP = /^memory access out of bounds — a WebAssembly trap in the core's xgb_free \(a bug in node-xgboost-wasm\); the core is unusable in this process from now on/;

interface Outcome { ok: boolean; type?: string; message?: string }

function run(mode: string, env: Record<string, string> = {}): Record<string, unknown> {
  const r = spawnSync(process.execPath, [FIXTURE, mode], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
  assert.ok(r.status === 0, `${mode}: status ${r.status}, signal ${r.signal} (a timeout is a hang): ${r.stdout}${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

function refusedAfter(o: Record<string, unknown>, what: string) {
  for (const call of ["fit", "nthread2"]) {
    const c = o[call] as Outcome;
    assert.ok(!c.ok && c.type === "Error", `${what}: ${call} after the trap: ${JSON.stringify(c)}`);
    assert.match(c.message!, UNUSABLE, `${what}: ${call} after the trap: ${c.message}`);
  }
}

for (const build of ["threads", "single-threaded"]) {
  test(`${build} build: a trap in the allocator throws the RuntimeError saying the core is unusable, and every later call an Error naming it`, () => {
    const o = run("main", build === "threads" ? {} : { XGB_WASM_THREADS: "0" });
    const trap = o.trap as Outcome;
    assert.is(trap.type, "RuntimeError", JSON.stringify(trap));
    assert.match(trap.message!, TRAP);
    refusedAfter(o, build);
  });
}

test("not a trap: JavaScript's stack overflowing as a core call is entered is a RangeError, and the core stays usable", () => {
  const o = run("stack");
  assert.is((o.overflow as Outcome).type, "RangeError", JSON.stringify(o.overflow));
  assert.ok((o.depth as number) > 100, `depth ${o.depth}`);
  assert.is(o.brokenBy, null);
  for (const call of ["fit", "nthread2"]) assert.ok((o[call] as Outcome).ok, `${call}: ${JSON.stringify(o[call])}`);
});

test("threads attached to one core: one traps holding the allocator's lock while the others fit — each of them ends with the Error naming the trap, none waits forever", () => {
  const o = run("threads", { THREADS: "4" });
  const threads = o.threads as (Outcome & { t: number; trapper?: boolean; fits?: number; error?: string })[];
  assert.is(threads.length, 4, JSON.stringify(threads));
  const [trapper, ...others] = threads;
  assert.ok(trapper.trapper && trapper.type === "RuntimeError", JSON.stringify(trapper));
  assert.match(trapper.message!, TRAP, `the trapping thread: ${trapper.message}`);
  for (const t of others) {
    assert.ok(!t.ok && t.type === "Error" && (t.fits ?? 0) > 0, `thread ${t.t}: ${JSON.stringify(t)}`);
    assert.match(t.message!, UNUSABLE, `thread ${t.t}: ${t.message}`);
  }
  refusedAfter(o, "the main thread");
});

test.run();
