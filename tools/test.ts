/**
 * Every test file with uvu, in two lanes side by side, and the typecheck (`npm run typecheck`): `npm test` after
 * `npm run build`.
 *
 * Why two lanes: most test files keep a core busy (the core's fits, pandas and XGBoost references, Chromium), but a
 * few mostly wait — on jobs whose fake trainer sleeps between rounds, on SageMaker's stop windows and idle timeouts,
 * on boto3 and the AWS CLI starting, on a Docker engine. Measured in one CI run on the 2-vCPU machine (vmstat every
 * 2 s, 2026-12-05), the machine was 22 % busy during sagemaker-api (51 s), 54 % during sagemaker-tuning (46 s), 39 %
 * during sagemaker-aws, 52 % during sagemaker-boto3-cli, 21 % during sagemaker-logs, 39 % during reliability-guard,
 * 62 % during the two Docker files; the whole Node 22 run idled 700 core-seconds of ~1900. So the files of the
 * servers — the local SageMaker's (sagemaker-*), the reliability campaigns against them (reliability-*) and the
 * trainer image's (container) — run in a lane of their own, beside the core, lib, trainer and notebook files: each lane
 * one uvu process, its files one after another as before, so no test file runs beside another of its own lane. (With
 * only the seven files above in it, the waiting lane ended at 366 s and the other at 722 s; the rest of sagemaker-* and
 * reliability-*, 60–70 % busy, even the two out.) The two Docker files share the waiting lane: they use one engine and
 * one image tag, and must not run at once.
 *
 * Output: the main lane streams as it runs (uvu's progress); the waiting lane, with the typecheck first, is printed
 * whole when the main lane has ended, so that the two never interleave. The last lines are uvu's totals for both
 * lanes together (`Total:`, `Passed:`, `Skipped:`, `Duration:`), which .ci/run reads. Exit 1 if either lane or the
 * typecheck failed.
 *
 * TEST_LANES=1 runs the typecheck and then every file in one uvu process, as `uvu -r tsx test '\.test\.ts$'`
 * (e.g. to read one lane's output as it comes).
 *
 * Usage: npx tsx tools/test.ts   (npm test builds first)
 *        npx tsx tools/test.ts --no-typecheck --lane '<file regex>' --lane '<file regex>'   (lanes of one's own: .ci/run's
 *        Node 24 run)
 */
import { spawn } from "child_process";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..");
/** the files that mostly wait (see above), as one uvu pattern: names without `.test.ts` */
const WAITING = "container|sagemaker-[a-z0-9-]+|reliability-[a-z0-9-]+";
const waitingPattern = `^(?:${WAITING})\\.test\\.ts$`;
const mainPattern = `^(?!(?:${WAITING})\\.test\\.ts$).*\\.test\\.ts$`;

interface Run {
  code: number;
  output: string;
}

/** Runs a command from the repository root; its output goes to `sink` as it comes and is kept. */
function run(command: string, args: string[], sink: (chunk: string) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? "1" : "0") } });
    let output = "";
    const take = (b: Buffer) => {
      const s = b.toString("utf8");
      output += s;
      sink(s);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (e) => resolve({ code: 1, output: `${output}\ncannot start ${command}: ${e.message}\n` }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1), output }));
    children.push(child);
  });
}
const children: ReturnType<typeof spawn>[] = [];
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    for (const c of children) c.kill(signal);
    process.exit(128 + os.constants.signals[signal]); // 130 for SIGINT, 143 for SIGTERM, as a shell reports them
  });

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const uvu = (pattern: string, sink: (s: string) => void) => run(process.execPath, [path.join(root, "node_modules", "uvu", "bin.js"), "-r", "tsx", "test", pattern], sink);
const typecheck = (sink: (s: string) => void) => run(npm, ["run", "typecheck", "--silent"], sink);

/** uvu's closing counts in one run's output (colour codes stripped); undefined when it printed none (it crashed). */
function counts(output: string): { total: number; passed: number; skipped: number } | undefined {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const n = (label: string) => Number(new RegExp(`^\\s*${label}:\\s+([0-9]+)`, "m").exec(plain)?.[1]);
  const total = n("Total");
  if (!Number.isFinite(total)) return undefined;
  return { total, passed: n("Passed") || 0, skipped: n("Skipped") || 0 };
}

/** The command line: `--lane <regex>` (repeatable: each a uvu file pattern, one process each, the first streamed),
 * `--no-typecheck`. Without lanes: the typecheck and the two lanes above. */
function parseArgs(argv: string[]): { lanes: { pattern: string; label: string }[]; typecheck: boolean } {
  const lanes: { pattern: string; label: string }[] = [];
  let withTypecheck = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--no-typecheck") withTypecheck = false;
    else if (argv[i] === "--lane" && i + 1 < argv.length) {
      const pattern = argv[++i];
      new RegExp(pattern); // a bad pattern fails here, naming itself, not inside a uvu process
      lanes.push({ pattern, label: `the test files matching ${pattern}` });
    } else throw new Error(`tools/test.ts: unknown argument ${JSON.stringify(argv[i])}; usage: tsx tools/test.ts [--lane <file regex>]… [--no-typecheck]`);
  }
  if (lanes.length === 0) lanes.push({ pattern: mainPattern, label: "core, lib, trainer, notebooks" }, { pattern: waitingPattern, label: `the server test files (${WAITING})` });
  return { lanes, typecheck: withTypecheck };
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const write = (s: string) => process.stdout.write(s);
  const args = parseArgs(process.argv.slice(2));
  if (process.env.TEST_LANES === "1") {
    if (args.typecheck) {
      const tc = await typecheck(write);
      if (tc.code !== 0) return tc.code;
    }
    return (await uvu(args.lanes.map((l) => `(?:${l.pattern})`).join("|"), write)).code; // the lanes' files, one process
  }
  // the first lane streams; the others (the last one after the typecheck) are kept and printed when it is done
  const others = args.lanes.slice(1).map((lane, i, all) =>
    (async () => {
      const tc = i === all.length - 1 && args.typecheck ? await typecheck(() => {}) : undefined;
      return { lane, tc, tests: await uvu(lane.pattern, () => {}) };
    })(),
  );
  const first = await uvu(args.lanes[0].pattern, write);
  const runs = [{ lane: args.lanes[0], tc: undefined as Run | undefined, tests: first, streamed: true }, ...(await Promise.all(others)).map((r) => ({ ...r, streamed: false }))];
  if (args.typecheck && args.lanes.length === 1) runs[0].tc = await typecheck(() => {});
  let failedRuns = 0;
  for (const r of runs) {
    if (r.tc) write(`\n── typecheck (npm run typecheck), run beside the tests: ${r.tc.code === 0 ? "passed" : "FAILED"} ──\n${r.tc.output}`);
    if (!r.streamed) write(`\n── ${r.lane.label}, run beside the others ──\n${r.tests.output}`);
    failedRuns += (r.tests.code !== 0 ? 1 : 0) + (r.tc && r.tc.code !== 0 ? 1 : 0);
  }
  const lanes = runs.map((r) => counts(r.tests.output));
  const total = lanes.reduce((s, c) => s + (c?.total ?? 0), 0);
  const passed = lanes.reduce((s, c) => s + (c?.passed ?? 0), 0);
  const skipped = lanes.reduce((s, c) => s + (c?.skipped ?? 0), 0);
  // a lane that printed no counts (it crashed) or a failed typecheck adds one failure, so that the totals never read
  // as a clean run
  const crashed = lanes.filter((c) => !c).length + runs.filter((r) => r.tc && r.tc.code !== 0).length;
  const wall = ((Date.now() - t0) / 1000).toFixed(2);
  write(`\n── ${runs.length} lanes together, ${wall} s of wall time ──\n`);
  write(`  Total:     ${total + crashed}\n  Passed:    ${passed}\n  Skipped:   ${skipped}\n  Duration:  ${wall}s\n\n`);
  return failedRuns > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.error(e.message);
    process.exitCode = 2;
  },
);
