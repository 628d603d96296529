/**
 * Model servers: the container program's `serve` process behind each endpoint, supervised.
 *
 * A server is started by ./serve-process (the model's image in Docker, or the container program as a process —
 * ./containers chooses; /opt/ml = the endpoint's folder, plus the container's `Environment`; a serverless
 * endpoint's MemorySizeInMB is the container's memory limit in Docker;
 * its output to log.txt and the CloudWatch Logs group /aws/sagemaker/Endpoints/<endpoint>, stream
 * `<variant>/algo-1-<epoch>`). Starting one is a *cold start*, counted and timed. It is stopped as SageMaker stops a container:
 * SIGTERM, then SIGKILL.
 *
 * Serverless endpoints start their server on demand and scale to zero after serverlessIdleMs without
 * invocations (`armIdle`), but for ProvisionedConcurrency; a real-time endpoint's server runs from InService until
 * the endpoint is deleted.
 * The state of one endpoint's server (`ModelServer`) is keyed by the endpoint's record, so a deleted and
 * re-created endpoint of the same name starts from nothing.
 */
import * as path from "path";
import type { Context } from "./context";
import type { Container } from "./containers";
import { containerStream, endpointGroup } from "./log-streams";
import { startServeProcess } from "./serve-process";
import type { EndpointRecord } from "./records";

/** one endpoint's model server and its counters */
export interface ModelServer {
  container?: Container;
  /** the image that serves, as DescribeEndpoint's DeployedImages[].ResolvedImage: `<image>@<ID>` when Docker runs it */
  resolvedImage?: string;
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

  /** the folder that is the endpoint's model server's /opt/ml (an update's new fleet has its own) */
  optml(e: EndpointRecord): string {
    return path.join(this.dir(e), e.local.optml ?? "opt_ml");
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
    return !!(s.url && s.container?.running());
  }

  /** how long a start may take before /ping answers: AWS's per-variant health check timeout, else the server's */
  startTimeoutMs(e: EndpointRecord): number {
    return (e.local.variant.ContainerStartupHealthCheckTimeoutInSeconds ?? 0) * 1000 || this.opts.startTimeoutMs;
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
    const { container, url } = await startServeProcess(this.ctx, {
      image: e.local.model.PrimaryContainer.Image ?? "",
      optml: this.optml(e),
      environment: e.local.model.PrimaryContainer.Environment ?? {},
      memoryMb: e.local.variant.ServerlessConfig?.MemorySizeInMB,
      owner: e.wire.EndpointName,
      logFile: path.join(this.dir(e), "log.txt"),
      stream: this.ctx.logs.open(endpointGroup(e.wire.EndpointName), containerStream(e.local.variant.VariantName, Date.now())),
      startTimeoutMs: this.startTimeoutMs(e),
      onExit: (c) => {
        if (s.container === c) {
          s.container = undefined;
          s.url = undefined;
        }
      },
    });
    s.container = container;
    s.resolvedImage = container.imageId ? `${e.local.model.PrimaryContainer.Image}@${container.imageId}` : undefined;
    if (!this.all.has(s)) container.kill(); // the endpoint was deleted while its container was starting
    return url;
  }

  /** stops the server (it may be started again: a cold start) */
  stop(s: ModelServer): void {
    if (s.idleTimer) clearTimeout(s.idleTimer);
    s.idleTimer = undefined;
    const c = s.container;
    s.container = undefined;
    s.url = undefined;
    c?.stop(3000);
  }

  /** the endpoint is deleted: stop its server and forget it */
  release(e: EndpointRecord): void {
    const s = this.byEndpoint.get(e);
    if (!s) return;
    this.stop(s);
    this.all.delete(s);
  }

  /** serverless: scale to zero after serverlessIdleMs without invocations — unless the variant has
   * ProvisionedConcurrency: AWS keeps that many instances warm, and invocations meet no cold start */
  armIdle(e: EndpointRecord, s: ModelServer): void {
    if (s.idleTimer) clearTimeout(s.idleTimer);
    if (e.local.variant.ServerlessConfig?.ProvisionedConcurrency) return;
    s.idleTimer = setTimeout(() => {
      s.idleTimer = undefined;
      if (s.inFlight === 0 && s.container) {
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
      s.container?.kill();
      s.container = undefined;
      s.url = undefined;
    }
  }
}
