/**
 * Model servers: the container program's `serve` process behind each endpoint, supervised.
 *
 * A server is started by ./serve-process (`OPT_ML` = the endpoint's folder, plus the container's `Environment`;
 * its output to log.txt and the CloudWatch Logs group /aws/sagemaker/Endpoints/<endpoint>, stream
 * `<variant>/algo-1-<epoch>`). Starting one is a *cold start*, counted and timed. It is stopped as SageMaker stops a container:
 * SIGTERM, then SIGKILL.
 *
 * Serverless endpoints start their server on demand and scale to zero after serverlessIdleMs without
 * invocations (`armIdle`); a real-time endpoint's server runs from InService until the endpoint is deleted.
 * The state of one endpoint's server (`ModelServer`) is keyed by the endpoint's record, so a deleted and
 * re-created endpoint of the same name starts from nothing.
 */
import * as path from "path";
import type { ChildProcess } from "child_process";
import { Context, terminate } from "./context";
import { containerStream, endpointGroup } from "./log-streams";
import { startServeProcess } from "./serve-process";
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
    const { proc, url } = await startServeProcess(this.ctx, {
      optml: path.join(this.dir(e), "opt_ml"),
      environment: e.local.model.PrimaryContainer.Environment ?? {},
      logFile: path.join(this.dir(e), "log.txt"),
      stream: this.ctx.logs.open(endpointGroup(e.wire.EndpointName), containerStream(e.local.variant.VariantName, Date.now())),
      startTimeoutMs: this.opts.startTimeoutMs,
      onExit: (p) => {
        if (s.proc === p) {
          s.proc = undefined;
          s.url = undefined;
        }
      },
    });
    s.proc = proc;
    return url;
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
