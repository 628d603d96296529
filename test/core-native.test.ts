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
import { spawnSync } from "child_process";
import * as path from "path";

const NATIVE = path.join(__dirname, "..", "wasm", "native");
const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const available = have("gcc") && have("make");
if (!available) console.log("  SKIP native sanitizer build of the core: gcc/make not found — apt-get install gcc make");
const t = available ? test : test.skip;

function make(target: string, extra: string[] = []): { status: number | null; out: string } {
  const r = spawnSync("make", ["-s", "-C", NATIVE, target, "CC=gcc", ...extra], { encoding: "utf8", maxBuffer: 1 << 26, timeout: 600_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

t("native ASan/UBSan build: all objectives × grow policies, edge cases, API misuse", () => {
  const r = make("test");
  const summary = r.out.match(/(\d+) checks, (\d+) failures/);
  assert.ok(r.status === 0, `make test failed (status ${r.status}):\n${r.out.slice(-4000)}`);
  assert.ok(summary && summary[2] === "0", `driver summary: ${summary?.[0] ?? r.out.slice(-2000)}`);
  console.log(`    ${summary![0]}`);
});

t("native ASan/UBSan build: 150 random parameter sets × shapes × data", () => {
  const r = make("fuzz", ["FUZZ=150 11"]);
  const summary = r.out.match(/fuzz: (\d+) iterations, (\d+) checks, (\d+) failures/);
  assert.ok(r.status === 0, `make fuzz failed (status ${r.status}):\n${r.out.slice(-4000)}`);
  assert.ok(summary && summary[3] === "0", `fuzz summary: ${summary?.[0] ?? r.out.slice(-2000)}`);
  console.log(`    ${summary![0]}`);
});

test.run();
