/**
 * The local SageMaker's one HTTP server on 127.0.0.1, for the unmodified AWS SDK clients:
 *
 *   POST /  X-Amz-Target: SageMaker.<Op>       the SageMaker API (AWS JSON 1.1): ./operations, each typed by the SDK
 *   POST /  X-Amz-Target: Logs_20140328.<Op>   the CloudWatch Logs API (AWS JSON 1.1) over the jobs' logs: ./logs
 *   POST /endpoints/{name}/invocations         the SageMaker Runtime (REST JSON): InvokeEndpoint
 *   GET  /_local/endpoints/{name}              a local extension (not AWS): an endpoint's stats
 *
 * It owns the process-level things too: the state folder's registry of live servers (a second process on the
 * same folder leaves the first one's running jobs alone), and killing the child processes when the host exits.
 */
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import * as crypto from "crypto";
import { Context, ACCOUNT, trainerCommandFromEnv } from "./context";
import { ApiError, errorMessage } from "./errors";
import { DataAccess, S3Options, Store } from "./storage";
import { TrainingJobs } from "./training";
import { TuningJobs } from "./tuning-jobs";
import { Models } from "./models";
import { Endpoints } from "./endpoints";
import { TransformJobs } from "./transform-jobs";
import { invokeEndpoint, Invocation } from "./invocations";
import { findOperation, operationsOf } from "./operations";
import { isJsonObject, JsonObject } from "./wire";
import { LogStreams } from "./log-streams";
import { findLogsOperation, logsOperationsOf, LOGS_TARGET_PREFIX } from "./logs";

export interface ServerOptions {
  port?: number; // 0 (default) = any free port
  stateDir?: string; // default <cwd>/.sagemaker-local
  region?: string;
  /** argv of the container program before "train" / "serve" (default: env SAGEMAKER_LOCAL_TRAINER; one of them is required) */
  trainerCommand?: string[];
  /** the folder the container program runs in (default: the current folder) */
  trainerCwd?: string;
  /** s3:// URIs go to this S3 endpoint; without it they map to <stateDir>/s3/<bucket>/<key> */
  s3?: S3Options;
  serverlessIdleMs?: number; // default env SAGEMAKER_LOCAL_IDLE_MS or 300000
  startTimeoutMs?: number; // model server start timeout, default 120000
  maxConcurrentTrainingJobs?: number; // ResourceLimitExceeded beyond, default 16
  quiet?: boolean;
}

export interface LocalSageMaker {
  url: string;
  port: number;
  stateDir: string;
  training: TrainingJobs;
  tuning: TuningJobs;
  models: Models;
  endpoints: Endpoints;
  transforms: TransformJobs;
  /** other live processes serving the same state folder when this one started */
  sharedWith: number[];
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions = {}): Promise<LocalSageMaker> {
  const trainerCommand = opts.trainerCommand ?? trainerCommandFromEnv();
  if (!trainerCommand?.length) {
    throw new Error("startServer: no container program — pass trainerCommand (argv before train/serve) or set SAGEMAKER_LOCAL_TRAINER");
  }
  const stateDir = path.resolve(opts.stateDir ?? path.join(process.cwd(), ".sagemaker-local"));
  const store = new Store(stateDir);
  // servers using this state folder: <state>/servers/<pid>. If another live process serves the same folder
  // (a notebook kernel and `npm start`, say), its running jobs are not ours to mark Failed.
  const serversDir = path.join(stateDir, "servers");
  fs.mkdirSync(serversDir, { recursive: true });
  const others = fs
    .readdirSync(serversDir)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid)
    .filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        fs.rmSync(path.join(serversDir, String(pid)), { force: true });
        return false;
      }
    });
  const lockFile = path.join(serversDir, String(process.pid));
  fs.writeFileSync(lockFile, new Date().toISOString());
  const recover = others.length === 0;
  const region = opts.region ?? "us-east-1";
  const logFile = path.join(stateDir, "server.log");
  const ctx: Context = {
    store,
    data: new DataAccess(store, opts.s3),
    region,
    trainerCommand,
    trainerCwd: opts.trainerCwd ?? process.cwd(),
    log: (msg) => {
      const line = `${new Date().toISOString()} ${msg}\n`;
      fs.appendFileSync(logFile, line);
      if (!opts.quiet && process.env.SAGEMAKER_LOCAL_VERBOSE) process.stderr.write(`[local-sagemaker] ${line}`);
    },
    arn: (kind, name) => `arn:aws:sagemaker:${region}:${ACCOUNT}:${kind}/${name}`,
    logs: new LogStreams(path.join(stateDir, "logs")),
  };
  if (!recover) ctx.log(`state folder shared with running process(es) ${others.join(", ")}: their in-progress jobs are left as they are`);
  const training = new TrainingJobs(ctx, { maxConcurrentJobs: opts.maxConcurrentTrainingJobs ?? 16, recover });
  const tuning = new TuningJobs(ctx, training, recover);
  const models = new Models(ctx);
  const endpoints = new Endpoints(ctx, models, {
    serverlessIdleMs: opts.serverlessIdleMs ?? (Number(process.env.SAGEMAKER_LOCAL_IDLE_MS) || 300_000),
    startTimeoutMs: opts.startTimeoutMs ?? 120_000,
    recover,
  });

  const transforms = new TransformJobs(ctx, models, recover);
  const operations = operationsOf({ training, tuning, models, endpoints, transforms });
  const logsOperations = logsOperationsOf(ctx.logs, region);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch((e) => {
        ctx.log(`internal error: ${e instanceof Error ? e.stack : errorMessage(e)}`);
        if (!res.headersSent) send(res, 500, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "InternalFailure" }, { __type: "InternalFailure", message: errorMessage(e) });
      });
    });
  });

  function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
    const buf = body instanceof Uint8Array ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    res.writeHead(status, { "x-amzn-requestid": crypto.randomUUID(), "content-length": String(buf.length), ...headers });
    res.end(buf);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const target = req.headers["x-amz-target"];
    // --- SageMaker API ---
    if (req.method === "POST" && typeof target === "string") {
      const json = { "content-type": "application/x-amz-json-1.1" };
      const m = /^(SageMaker|Logs_20140328)\.(\w+)$/.exec(target);
      const fn = !m ? undefined : m[1] === LOGS_TARGET_PREFIX ? findLogsOperation(logsOperations, m[2]) : findOperation(operations, m[2]);
      if (!fn) return send(res, 400, { ...json, "x-amzn-errortype": "UnknownOperationException" }, { __type: "UnknownOperationException", message: `Unknown operation ${target}` });
      const input = parseJsonObject(body);
      if (!input) return send(res, 400, { ...json, "x-amzn-errortype": "SerializationException" }, { __type: "SerializationException", message: "Request body is not a JSON object." });
      try {
        const out = await fn(input);
        return send(res, 200, json, out ?? {});
      } catch (e) {
        if (e instanceof ApiError) return send(res, e.status, { ...json, "x-amzn-errortype": e.type }, { __type: e.type, message: e.message, ...e.extra });
        throw e;
      }
    }
    // --- Runtime: InvokeEndpoint ---
    const inv = /^\/endpoints\/([^/]+)\/invocations$/.exec(url.pathname);
    if (inv && req.method === "POST") {
      const name = decodeURIComponent(inv[1]);
      try {
        const out = await invokeEndpoint(ctx, endpoints, {
          EndpointName: name,
          Body: body,
          ContentType: header(req, "content-type"),
          Accept: header(req, "accept"),
          CustomAttributes: header(req, "x-amzn-sagemaker-custom-attributes"),
        });
        return send(res, 200, invocationHeaders(out), out.Body);
      } catch (e) {
        if (e instanceof ApiError)
          return send(res, e.status, { "content-type": "application/json", "x-amzn-errortype": e.type }, { message: e.message, ...e.extra });
        throw e;
      }
    }
    // --- a local extension (not AWS): endpoint stats ---
    const st = /^\/_local\/endpoints\/([^/]+)$/.exec(url.pathname);
    if (st && req.method === "GET") {
      const s = endpoints.stats(decodeURIComponent(st[1]));
      return send(res, s ? 200 : 404, { "content-type": "application/json" }, s ?? { message: "no such endpoint" });
    }
    if (url.pathname === "/ping" || url.pathname === "/_local/health") return send(res, 200, { "content-type": "application/json" }, { ok: true });
    return send(res, 404, { "content-type": "application/json", "x-amzn-errortype": "UnknownOperationException" }, { __type: "UnknownOperationException", message: `No route for ${req.method} ${url.pathname}` });
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (e) {
    fs.rmSync(lockFile, { force: true });
    throw e;
  }
  server.keepAliveTimeout = 1000;
  const port = (server.address() as net.AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  ctx.log(`listening on ${url}, state ${stateDir}`);
  // if the hosting process exits without close(), take the trainer / model server processes with it
  const killChildren = () => {
    for (const run of training.running.values()) run.child?.kill("SIGKILL");
    transforms.killAll();
    endpoints.shutdown();
  };
  process.on("exit", killChildren);
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    stateDir,
    training,
    tuning,
    models,
    endpoints,
    transforms,
    sharedWith: others,
    close() {
      closed ??= (async () => {
        await tuning.shutdown();
        await transforms.shutdown();
        endpoints.shutdown();
        await training.shutdown();
        await tuning.drain();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections?.();
        });
        process.removeListener("exit", killChildren);
        fs.rmSync(lockFile, { force: true });
        ctx.log("stopped");
      })();
      return closed;
    },
  };
}

/** the request body as a JSON object (an empty body is {}), or undefined */
function parseJsonObject(body: Buffer): JsonObject | undefined {
  try {
    const v: unknown = body.length ? JSON.parse(body.toString("utf8")) : {};
    return isJsonObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v || undefined;
}

/** InvokeEndpoint's answer as the runtime's REST binding sends it */
function invocationHeaders(out: Invocation): Record<string, string> {
  const h: Record<string, string> = { "x-amzn-invoked-production-variant": out.InvokedProductionVariant ?? "" };
  // not an AWS header: this invocation waited for a cold start of the model server (lib/sagemaker reports it)
  if (out.coldStartMs !== undefined) h["x-local-sagemaker-cold-start-ms"] = String(out.coldStartMs);
  h["content-type"] = out.ContentType ?? "application/octet-stream";
  if (out.CustomAttributes) h["x-amzn-sagemaker-custom-attributes"] = out.CustomAttributes;
  return h;
}
