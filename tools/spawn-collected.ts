/**
 * A child process run to its end without blocking the event loop, its stdout and stderr collected: what the
 * notebook and script runners' async forms share (spawnSync's result, as a Promise).
 */
import { spawn, type SpawnOptions } from "child_process";

export interface Collected {
  status: number | null;
  stdout: string;
  stderr: string;
  /** the process could not be started */
  error?: Error;
  seconds: number;
}

export function spawnCollected(command: string, args: string[], options: SpawnOptions): Promise<Collected> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let done = false;
    const finish = (status: number | null, error?: Error) => {
      if (done) return;
      done = true;
      resolve({ status, stdout, stderr, error, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    };
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (e) => finish(null, e));
    child.on("close", (status) => finish(status));
  });
}
