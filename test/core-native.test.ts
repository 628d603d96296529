/**
 * The C core (wasm/csrc) built natively with gcc under AddressSanitizer + UBSan
 * (wasm/native/Makefile) and run through its test driver: every objective × grow policy
 * on data with NaNs, edge cases (one row, one column, all-NaN, extreme values, zero
 * weights, max_bin 2, depth 16 …), API misuse, and a short random fuzz. Any memory error,
 * undefined behaviour, leak or failed invariant fails the test. Skips with a message when
 * gcc or make is missing (apt-get install gcc make).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "child_process";
import * as path from "path";

const NATIVE = path.join(__dirname, "..", "wasm", "native");
const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const available = have("gcc") && have("make");
if (!available) console.log("  SKIP native sanitizer build of the core: gcc/make not found — apt-get install gcc make");
const t = available ? test : test.skip;

interface Made { status: number | null; out: string }

/** `make -s -C wasm/native <target> CC=gcc …` as a child process (killed after 10 minutes): its status and output. */
function make(target: string, extra: string[] = []): Promise<Made> {
  return new Promise((resolve) => {
    const child = spawn("make", ["-s", "-C", NATIVE, target, "CC=gcc", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
    child.on("error", (e) => { clearTimeout(timer); resolve({ status: null, out: `${out}\n${e.message}` }); });
    child.on("close", (status) => { clearTimeout(timer); resolve({ status, out }); });
  });
}

// The driver's checks and the fuzz run are two independent single-threaded processes on the same
// sanitizer build: it is built once, then both run at the same time (one per core) instead of one
// after the other. A failed build fails both tests with its output.
let runs: { checks: Promise<Made>; fuzz: Promise<Made> } | undefined;
function start(): { checks: Promise<Made>; fuzz: Promise<Made> } {
  if (!runs) {
    const built = make("build/xgb_asan");
    runs = {
      checks: built.then((b) => (b.status === 0 ? make("test") : b)),
      fuzz: built.then((b) => (b.status === 0 ? make("fuzz", ["FUZZ=150 11"]) : b)),
    };
  }
  return runs;
}

t("native ASan/UBSan build: all objectives × grow policies, edge cases, API misuse", async () => {
  const r = await start().checks;
  const summary = r.out.match(/(\d+) checks, (\d+) failures/);
  assert.ok(r.status === 0, `make test failed (status ${r.status}):\n${r.out.slice(-4000)}`);
  assert.ok(summary && summary[2] === "0", `driver summary: ${summary?.[0] ?? r.out.slice(-2000)}`);
  console.log(`    ${summary![0]}`);
});

t("native ASan/UBSan build: 150 random parameter sets × shapes × data", async () => {
  const r = await start().fuzz;
  const summary = r.out.match(/fuzz: (\d+) iterations, (\d+) checks, (\d+) failures/);
  assert.ok(r.status === 0, `make fuzz failed (status ${r.status}):\n${r.out.slice(-4000)}`);
  assert.ok(summary && summary[3] === "0", `fuzz summary: ${summary?.[0] ?? r.out.slice(-2000)}`);
  console.log(`    ${summary![0]}`);
});

test.run();
