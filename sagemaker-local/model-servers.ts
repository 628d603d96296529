/**
 * Model servers: the container program's `serve` process behind each endpoint, supervised.
 *
 * A server is started on a free loopback port (`SAGEMAKER_BIND_TO_PORT`, `SAGEMAKER_BIND_TO_HOST=127.0.0.1`,
 * `OPT_ML` = the endpoint's folder, plus the container's `Environment`) and is ready once it printed
 * `serving on http://…` and answers `GET /ping` — within startTimeoutMs, or the start fails with the last lines
 * it printed. Starting one is a *cold start*, counted and timed. It is stopped as SageMaker stops a container:
 * SIGTERM, then SIGKILL.
 *
 * Serverless endpoints start their server on demand and scale to zero after serverlessIdleMs without
 * invocations (`armIdle`); a real-time endpoint's server runs from InService until the endpoint is deleted.
 * The state of one endpoint's server (`ModelServer`) is keyed by the endpoint's record, so a deleted and
 * re-created endpoint of the same name starts from nothing.
 */
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { spawn, ChildProcess } from "child_process";
import { Context, terminate } from "./context";
import type { EndpointRecord } from "./records";

/** one endpoint's model server and its counters */
export interface ModelServer {
  proc?: ChildProcess;
  url?: string;
  starting?: Promise<string>;
  /** invocations being answered now (serverless: at most MaxConcurrency) */
  inFlight: number;
  idleTimer?: NodeJS.Timeout;
  coldStarts: number;
  lastColdStartMs?: number;
  invocations: number;
  throttled: number;
}

export interface ModelServerOptions {
  serverlessIdleMs: number;
  startTimeoutMs: number;
}

export class ModelServers {
  private byEndpoint = new WeakMap<EndpointRecord, ModelServer>();
  private all = new Set<ModelServer>();
  constructor(private ctx: Context, private opts: ModelServerOptions) {}

  /** the endpoint's folder: opt_ml/ (model/ inside) and log.txt */
  dir(e: EndpointRecord): string {
    return this.ctx.store.dir("endpoints", e.wire.EndpointName);
  }

  of(e: EndpointRecord): ModelServer {
    let s = this.byEndpoint.get(e);
    if (!s) {
      s = { inFlight: 0, coldStarts: 0, invocations: 0, throttled: 0 };
      this.byEndpoint.set(e, s);
      this.all.add(s);
    }
    return s;
  }

  isWarm(s: ModelServer): boolean {
    return !!(s.url && s.proc && s.proc.exitCode === null && s.proc.signalCode === null);
  }

  /** the serve process URL, starting it if needed (a cold start) */
  ensureStarted(e: EndpointRecord): Promise<string> {
    const s = this.of(e);
    if (this.isWarm(s)) return Promise.resolve(s.url!);
    if (s.starting) return s.starting;
    const t0 = Date.now();
    s.starting = this.spawnServe(e, s)
      .then((url) => {
        s.url = url;
        s.coldStarts++;
        s.lastColdStartMs = Date.now() - t0;
        this.ctx.log(`endpoint ${e.wire.EndpointName}: cold start ${s.lastColdStartMs} ms`);
        return url;
      })
      .finally(() => {
        s.starting = undefined;
      });
    return s.starting;
  }

  private async spawnServe(e: EndpointRecord, s: ModelServer): Promise<string> {
    const optml = path.join(this.dir(e), "opt_ml");
    const port = await freePort();
    const [cmd, ...args] = this.ctx.trainerCommand;
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...(e.local.model.PrimaryContainer.Environment ?? {}),
      OPT_ML: optml,
      SAGEMAKER_BIND_TO_PORT: String(port),
      SAGEMAKER_BIND_TO_HOST: "127.0.0.1",
    };
    delete env.NODE_OPTIONS;
    const logFd = fs.openSync(path.join(this.dir(e), "log.txt"), "a");
    const proc = spawn(cmd, [...args, "serve"], { cwd: this.ctx.trainerCwd, env, stdio: ["ignore", "pipe", "pipe"] });
    s.proc = proc;
    return await new Promise<string>((resolve, reject) => {
      let out = "";
      let settled = false;
      const timer = setTimeout(() => fail(new Error(`the model server did not start within ${this.opts.startTimeoutMs} ms`)), this.opts.startTimeoutMs);
      timer.unref();
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        proc.kill("SIGKILL");
        reject(err);
      };
      const onData = (d: Buffer) => {
        fs.writeSync(logFd, d.toString("utf8"));
        if (settled) return;
        out += d.toString("utf8");
        const m = /serving on (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          const url = m[1].replace(/\/+$/, "");
          ping(url)
            .then(() => {
              if (settled) return;
              settled = true;
              clearTimeout(timer);
              resolve(url);
            })
            .catch((err) => fail(new Error(`the model server does not answer GET /ping: ${err.message}`)));
        }
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", onData);
      proc.on("error", (err) => fail(new Error(`could not start the model server: ${err.message}`)));
      proc.on("exit", (code, signal) => {
        fs.closeSync(logFd);
        if (s.proc === proc) {
          s.proc = undefined;
          s.url = undefined;
        }
        fail(new Error(`the model server exited (${signal ?? `code ${code}`}) before serving: ${out.trim().split("\n").slice(-3).join(" | ")}`));
      });
    });
  }

  /** stops the server (it may be started again: a cold start) */
  stop(s: ModelServer): void {
    if (s.idleTimer) clearTimeout(s.idleTimer);
    s.idleTimer = undefined;
    const p = s.proc;
    s.proc = undefined;
    s.url = undefined;
    if (p) terminate(p, 3000);
  }

  /** the endpoint is deleted: stop its server and forget it */
  release(e: EndpointRecord): void {
    const s = this.byEndpoint.get(e);
    if (!s) return;
    this.stop(s);
    this.all.delete(s);
  }

  /** serverless: scale to zero after serverlessIdleMs without invocations */
  armIdle(e: EndpointRecord, s: ModelServer): void {
    if (s.idleTimer) clearTimeout(s.idleTimer);
    s.idleTimer = setTimeout(() => {
      s.idleTimer = undefined;
      if (s.inFlight === 0 && s.proc) {
        this.ctx.log(`endpoint ${e.wire.EndpointName}: idle for ${this.opts.serverlessIdleMs} ms, scaled to zero`);
        this.stop(s);
      }
    }, this.opts.serverlessIdleMs);
    s.idleTimer.unref();
  }

  /** an invocation arrives: a pending scale to zero is off */
  disarmIdle(s: ModelServer): void {
    if (s.idleTimer) clearTimeout(s.idleTimer);
    s.idleTimer = undefined;
  }

  /** scale to zero now, unless invocations are in flight */
  scaleToZero(e: EndpointRecord): void {
    const s = this.byEndpoint.get(e);
    if (s && s.inFlight === 0) this.stop(s);
  }

  /** the host process is going away: SIGKILL every server now */
  shutdown(): void {
    for (const s of this.all) {
      if (s.idleTimer) clearTimeout(s.idleTimer);
      s.proc?.kill("SIGKILL");
      s.proc = undefined;
      s.url = undefined;
    }
  }
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
