/**
 * A whole training job as the container runs it — the esbuild bundle out/trainer/main.js (trainer/bundle.ts), one
 * process under `/usr/bin/time -v` — on a one-file train channel: peak RSS of the process (worker threads
 * included), wall and CPU time, and the job's first, fold and final lines. Used by `npm run bench -- data` (the
 * 1M × 28 CSV and the flights Parquet channel).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const BUNDLE = path.join(ROOT, "out", "trainer", "main.js");

export interface JobRun {
  maxRssMb: number;
  seconds: number;
  cpu: number;
  /** the first line, the fold lines and the final metric lines */
  tail: string[];
}

let bundled = false;

/** Bundles the trainer once per process (the container's program). */
export function bundleTrainer(log: (m: string) => void): void {
  if (bundled) return;
  log("bundling the trainer (out/trainer/main.js + fit-worker.js) …");
  const b = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(ROOT, "trainer", "bundle.ts")], { cwd: ROOT, encoding: "utf8" });
  if (b.status !== 0) throw new Error(`bundling the trainer failed: ${b.stderr}`);
  bundled = true;
}

/**
 * Runs `train` on a channel holding `channelFile` (linked as `fileName`), with these hyperparameters and, when
 * given, the channel's ContentType; undefined (logged) when the job fails.
 */
export function runTrainingJob(
  channelFile: string,
  o: { fileName: string; hyperparameters: Record<string, string>; contentType?: string },
  log: (m: string) => void,
): JobRun | undefined {
  bundleTrainer(log);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-job-"));
  try {
    fs.mkdirSync(path.join(root, "input", "config"), { recursive: true });
    fs.mkdirSync(path.join(root, "input", "data", "train"), { recursive: true });
    fs.mkdirSync(path.join(root, "model"), { recursive: true });
    fs.symlinkSync(channelFile, path.join(root, "input", "data", "train", o.fileName));
    fs.writeFileSync(path.join(root, "input", "config", "hyperparameters.json"), JSON.stringify(o.hyperparameters));
    if (o.contentType) {
      fs.writeFileSync(path.join(root, "input", "config", "inputdataconfig.json"), JSON.stringify({ train: { ContentType: o.contentType, TrainingInputMode: "File" } }));
    }
    const r = spawnSync("/usr/bin/time", ["-v", process.execPath, BUNDLE, "train"], { encoding: "utf8", cwd: ROOT, env: { ...process.env, OPT_ML: root }, maxBuffer: 1 << 26 });
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
    if (r.status !== 0 || !rss || !wall) {
      log(`training job failed (${r.status}): ${r.stderr.trim().split("\n").slice(-5).join(" | ")}`);
      return undefined;
    }
    const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
    const cpu = Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN) + Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
    const lines = r.stdout.trim().split("\n").filter((l) => !l.startsWith("load "));
    return { maxRssMb: Number(rss[1]) / 1024, seconds, cpu, tail: [lines[0], ...lines.filter((l) => /^fold=|^(train|validation)-\w+:/.test(l))] };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
