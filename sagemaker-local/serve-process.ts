/**
 * A container's `serve`, as SageMaker starts one for an endpoint or a transform job: the image's `serve` on a free
 * loopback port (`SAGEMAKER_BIND_TO_PORT`, `SAGEMAKER_BIND_TO_HOST=127.0.0.1`, plus the container's environment) —
 * in Docker (`--network host`, /opt/ml mounted) or as the container program's process (`OPT_ML`), as ./containers
 * chooses. It is ready once `GET /ping` on that port answers 200 (the process backend's program also prints
 * `serving on http://…`, which is pinged at once) — within startTimeoutMs, or the start fails with the last lines
 * it printed and the container is killed. Its output goes to a log file and to a CloudWatch Logs stream.
 */
import * as http from "http";
import * as net from "net";
import type { Context } from "./context";
import type { Container } from "./containers";
import { ContainerOutput, LineSplitter, type StreamWriter } from "./log-streams";

export interface ServeProcessOptions {
  /** PrimaryContainer.Image */
  image: string;
  optml: string;
  environment: Record<string, string>;
  /** a serverless endpoint's MemorySizeInMB (the container's memory limit in Docker) */
  memoryMb?: number;
  /** the endpoint's or job's name */
  owner: string;
  logFile: string;
  stream: StreamWriter;
  startTimeoutMs: number;
  /** the container has exited (after it started serving, or while starting) */
  onExit?(container: Container): void;
}

/** how often /ping is tried while a container starts */
const PING_EVERY_MS = 100;

/** Starts the image's `serve`; `url` resolves once it serves, or rejects saying why it did not. */
export async function startServeProcess(ctx: Context, o: ServeProcessOptions): Promise<{ container: Container; url: Promise<string> }> {
  const port = await freePort();
  // a model server whose output cannot be written (the disk full) serves on: its log is what is lost, said once
  const output = new ContainerOutput(o.logFile, o.stream, (e) => ctx.log(`${o.owner}: the model server's output could not be written to ${o.logFile} or its log stream (${e.message}); the rest of it is dropped`));
  const write = (text: string) => output.write(text);
  let container: Container;
  try {
    container = await ctx.containers.start(
      { mode: "serve", image: o.image, optml: o.optml, environment: o.environment, port, memoryMb: o.memoryMb, owner: o.owner },
      (line) => write(line + "\n"),
    );
  } catch (e) {
    output.close();
    throw e;
  }
  const proc = container.proc;
  const own = `http://127.0.0.1:${port}`;
  const url = new Promise<string>((resolve, reject) => {
    let out = "";
    let settled = false;
    let poll: NodeJS.Timeout | undefined;
    const timer = setTimeout(
      () => fail(new Error(`the model server did not answer GET /ping with 200 within ${o.startTimeoutMs} ms (startTimeoutMs)${out.trim() ? `; last lines: ${lastLines(out)}` : ""}`)),
      o.startTimeoutMs,
    );
    timer.unref();
    const done = () => {
      settled = true;
      clearTimeout(timer);
      if (poll) clearTimeout(poll);
    };
    const fail = (err: Error) => {
      if (settled) return;
      done();
      container.kill();
      reject(err);
    };
    const ready = (served: string) => {
      if (settled) return;
      done();
      resolve(served);
    };
    // Docker: SageMaker's contract alone — /ping on the port it was given, tried until it answers 200
    const tryPing = () => {
      poll = undefined;
      ping(own).then(
        () => ready(own),
        () => {
          if (!settled) (poll = setTimeout(tryPing, PING_EVERY_MS)).unref();
        },
      );
    };
    if (container.backend === "docker") tryPing();
    // each stream's lines (log-streams' LineSplitter: UTF-8 across chunks, long lines cut); until the server serves,
    // the last 64 KB of its output are kept, for "serving on" and a start-up failure's message
    const onLine = (line: string) => {
      write(line + "\n");
      if (settled) return;
      out = (out + line + "\n").slice(-65_536);
      if (container.backend === "docker") return;
      const m = /serving on (http:\/\/[^\s]+)/.exec(line);
      if (m) {
        const served = m[1].replace(/\/+$/, "");
        ping(served)
          .then(() => ready(served))
          .catch((err) => fail(new Error(`the model server does not answer GET /ping: ${err.message}`)));
      }
    };
    for (const stream of [proc.stdout!, proc.stderr!]) {
      const lines = new LineSplitter(onLine);
      stream.on("data", (d: Buffer) => lines.push(d));
      stream.on("end", () => lines.end());
    }
    proc.on("error", (err) => fail(new Error(`could not start the model server: ${err.message}`)));
    // "close", not "exit": the log file is closed once the output has been read to its end
    proc.on("close", (code, signal) => {
      output.close();
      o.onExit?.(container);
      fail(new Error(`the model server exited (${signal ?? `code ${code}`}) before serving: ${lastLines(out)}`));
    });
  });
  return { container, url };
}

function lastLines(out: string): string {
  return out.trim().split("\n").slice(-3).join(" | ");
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
    const r = http.get(`${url}/ping`, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`status ${res.statusCode}`));
    });
    r.on("timeout", () => r.destroy(new Error("no answer within 2 s")));
    r.on("error", reject);
  });
}
