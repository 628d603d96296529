/**
 * A container's `serve` process, as SageMaker starts one for an endpoint or a transform job: the container program
 * with `serve` on a free loopback port (`SAGEMAKER_BIND_TO_PORT`, `SAGEMAKER_BIND_TO_HOST=127.0.0.1`, `OPT_ML`, plus
 * the container's environment), ready once it printed `serving on http://…` and answers `GET /ping` — within
 * startTimeoutMs, or the start fails with the last lines it printed. Its output goes to a log file and to a
 * CloudWatch Logs stream.
 */
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import { spawn, ChildProcess } from "child_process";
import type { Context } from "./context";
import type { StreamWriter } from "./log-streams";

export interface ServeProcessOptions {
  optml: string;
  environment: Record<string, string>;
  logFile: string;
  stream: StreamWriter;
  startTimeoutMs: number;
  /** the process has exited (after it started serving, or while starting) */
  onExit?(proc: ChildProcess): void;
}

/** Starts `<container program> serve`; `url` resolves once it serves, or rejects saying why it did not. */
export async function startServeProcess(ctx: Context, o: ServeProcessOptions): Promise<{ proc: ChildProcess; url: Promise<string> }> {
  const port = await freePort();
  const [cmd, ...args] = ctx.trainerCommand;
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...o.environment,
    OPT_ML: o.optml,
    SAGEMAKER_BIND_TO_PORT: String(port),
    SAGEMAKER_BIND_TO_HOST: "127.0.0.1",
  };
  delete env.NODE_OPTIONS;
  const logFd = fs.openSync(o.logFile, "a");
  const proc = spawn(cmd, [...args, "serve"], { cwd: ctx.trainerCwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const url = new Promise<string>((resolve, reject) => {
    let out = "";
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`the model server did not start within ${o.startTimeoutMs} ms`)), o.startTimeoutMs);
    timer.unref();
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(err);
    };
    const onData = (d: Buffer) => {
      const text = d.toString("utf8");
      fs.writeSync(logFd, text);
      o.stream.write(text);
      if (settled) return;
      out += text;
      const m = /serving on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        const served = m[1].replace(/\/+$/, "");
        ping(served)
          .then(() => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(served);
          })
          .catch((err) => fail(new Error(`the model server does not answer GET /ping: ${err.message}`)));
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("error", (err) => fail(new Error(`could not start the model server: ${err.message}`)));
    proc.on("exit", (code, signal) => {
      o.stream.flush();
      fs.closeSync(logFd);
      o.onExit?.(proc);
      fail(new Error(`the model server exited (${signal ?? `code ${code}`}) before serving: ${out.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
  return { proc, url };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function ping(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = http.get(`${url}/ping`, { agent: false }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`status ${res.statusCode}`));
    });
    r.on("error", reject);
  });
}
