/**
 * The local SageMaker's one HTTP server on 127.0.0.1, for the unmodified AWS SDK clients:
 *
 *   POST /  X-Amz-Target: SageMaker.<Op>       the SageMaker API (AWS JSON 1.1): ./operations, each typed by the SDK
 *   POST /  X-Amz-Target: Logs_20140328.<Op>   the CloudWatch Logs API (AWS JSON 1.1) over the jobs' logs: ./logs
 *   POST /endpoints/{name}/invocations         the SageMaker Runtime (REST JSON): InvokeEndpoint
 *   GET  /_local/endpoints/{name}              a local extension (not AWS): an endpoint's stats
 *
 * Before a route runs, ./guard decides whether to answer at all: only requests addressed to a loopback name and
 * not sent by a web page (Origin, Sec-Fetch-Site), within the timeouts and the connection cap; bodies are read up
 * to the limits below and must be JSON nested at most MAX_JSON_NESTING deep. Every refusal and every client
 * mistake is AWS's error shape with a 4xx; a 500 (InternalFailure) is a fault of this server, logged with its stack.
 *
 * It owns the process-level things too: the state folder's registry of live servers (a second process on the
 * same folder leaves the first one's running jobs alone), and killing the child processes when the host exits.
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as net from "net";
import * as path from "path";
import * as crypto from "crypto";
import { Context, ACCOUNT, trainerCommandFromEnv } from "./context";
import { ApiError, errorMessage } from "./errors";
import { DataAccess, S3Options, Store, StoredObject, writeFileAtomic } from "./storage";
import { TrainingJobs } from "./training";
import { TuningJobs } from "./tuning-jobs";
import { Models } from "./models";
import { Endpoints } from "./endpoints";
import { TransformJobs } from "./transform-jobs";
import { invokeEndpoint, Invocation } from "./invocations";
import { findOperation, operationsOf } from "./operations";
import { isJsonObject, JsonObject } from "./wire";
import { createGuardedServer, Guard, jsonNesting, listFromEnv, readBody } from "./guard";
import { FileRoots } from "./file-roots";
import { recoverStateFolder } from "./recovery";
import { BackendOption, BACKENDS, backendFromEnv, Containers } from "./containers";

/**
 * Request body limits. The SageMaker API has no published limit on a whole request, only on its fields
 * (HyperParameters: 100 entries of at most 2500 characters, MetricDefinitions: 40, …); 2 MiB is far above any
 * request within them. The runtime's are AWS's: InvokeEndpoint takes at most 6 MB (a serverless endpoint 4 MB,
 * checked in ./invocations once the endpoint is known). Anything else (GET /_local/…) has no body.
 */
export const MAX_API_BODY = 2 * 1024 * 1024;
export const MAX_INVOKE_BODY = 6 * 1024 * 1024;
const MAX_SERVERLESS_INVOKE_BODY = 4 * 1024 * 1024;
const MAX_OTHER_BODY = 64 * 1024;
/** nesting of a SageMaker API request body; the deepest request the API defines nests fewer than 10 levels */
const MAX_JSON_NESTING = 64;
/** the error types of what the guard answers before routing */
const ERROR_TYPES: Record<number, string> = { 400: "BadRequestException", 403: "AccessDeniedException", 408: "RequestTimeoutException", 421: "MisdirectedRequest", 431: "RequestHeaderFieldsTooLarge" };
import { LogStreams } from "./log-streams";
import { findLogsOperation, logsOperationsOf, LOGS_TARGET_PREFIX } from "./logs";

/**
 * Why an X-Amz-Target has no handler: an operation AWS has that this server does not implement says so, naming the
 * ones it does (it was "Unknown operation" as if misspelt); anything else is unknown. AWS's operations are the SDK
 * clients' commands, loaded only here.
 */
function unknownOperation(target: string, service: string | undefined, op: string | undefined): string {
  if (service && op) {
    const sdk = (service === LOGS_TARGET_PREFIX ? require("@aws-sdk/client-cloudwatch-logs") : require("@aws-sdk/client-sagemaker")) as Record<string, unknown>;
    if (typeof sdk[`${op}Command`] === "function") {
      return `${target} is an AWS operation the local SageMaker does not implement (sagemaker-local/README.md lists the ones it does)`;
    }
  }
  return `Unknown operation ${target}`;
}

export interface ServerOptions {
  port?: number; // 0 (default) = any free port
  stateDir?: string; // default <cwd>/.sagemaker-local
  region?: string;
  /** argv of the container program before "train" / "serve" (default: env SAGEMAKER_LOCAL_TRAINER; one of them is
   * required) — or a function giving it, asked at each start of the program (lib's local mode: the trainer's bundle
   * while it is fresh, else its sources, which a source edited mid-session makes) */
  trainerCommand?: string[] | (() => string[]);
  /**
   * where images run (./containers): "auto" (default) — in the local Docker engine when it has the image, else the
   * container program as a process; "docker" — always in Docker (the engine must answer; an image it lacks is a
   * ValidationException); "process" — never Docker. Env SAGEMAKER_LOCAL_BACKEND.
   */
  backend?: BackendOption;
  /** the folder the container program runs in (default: the current folder) */
  trainerCwd?: string;
  /** s3:// URIs go to this S3 endpoint; without it they map to <stateDir>/s3/<bucket>/<key> */
  s3?: S3Options;
  serverlessIdleMs?: number; // default env SAGEMAKER_LOCAL_IDLE_MS or 300000
  /** a model server (endpoint, transform job) must answer GET /ping with 200 within this time, else it is killed and the endpoint / job Failed (default 120 000 ms) */
  startTimeoutMs?: number;
  maxConcurrentTrainingJobs?: number; // ResourceLimitExceeded beyond, default 16
  quiet?: boolean;
  /** browser origins allowed to call this server (default: none; env SAGEMAKER_LOCAL_ALLOWED_ORIGINS, comma-separated) */
  allowedOrigins?: string[];
  /** Host names accepted besides localhost, 127.0.0.1 and [::1] (env SAGEMAKER_LOCAL_ALLOWED_HOSTS) */
  allowedHosts?: string[];
  /** answer only this user's (and root's) processes (default true; false, or env SAGEMAKER_LOCAL_OWNER_ONLY=0, for a
   * server meant to be called by other users of the machine) */
  ownerOnly?: boolean;
  /**
   * folders that file:// channels, outputs and model data may be in (default: trainerCwd — the project folder —,
   * the state folder and the OS temp folder; env SAGEMAKER_LOCAL_FILE_ROOTS, separated by the OS path delimiter,
   * adds to them)
   */
  fileRoots?: string[];
  /** open connections at most (default 256; env SAGEMAKER_LOCAL_MAX_CONNECTIONS) */
  maxConnections?: number;
  /** a request's headers must arrive within this time (default 10 000 ms), the whole request within requestTimeoutMs (60 000) */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
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
  /** where images run: the backend option, this server's id (its containers' label) */
  containers: Containers;
  /** other live processes serving the same state folder when this one started */
  sharedWith: number[];
  /** the folders file:// URIs may name; fileRoots.add(dir) allows one more (lib's session does, for a local data path its user passes) */
  fileRoots: FileRoots;
  /**
   * s3:// and file:// URIs as the jobs of this server read and write them (its S3 endpoint, or the state folder's
   * local S3 folder): the objects under a prefix, and an object's bytes — lib's session reads a job's outputs
   * through these in local mode (with its own S3 client it read a real bucket of that name, or failed without
   * credentials).
   */
  objects(uri: string): Promise<StoredObject[]>;
  readObject(uri: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** the live servers of this process, per state folder: they share one registration (servers/<pid>) */
const servingHere = new Map<string, number>();
/** a server of this process leaves the folder: the registration goes with the last one */
function leaveStateDir(stateDir: string, lockFile: string): void {
  const n = (servingHere.get(stateDir) ?? 1) - 1;
  if (n > 0) return void servingHere.set(stateDir, n);
  servingHere.delete(stateDir);
  fs.rmSync(lockFile, { force: true });
}

export async function startServer(opts: ServerOptions = {}): Promise<LocalSageMaker> {
  const backend = opts.backend ?? backendFromEnv() ?? "auto";
  if (!BACKENDS.includes(backend)) throw new Error(`startServer: backend ${JSON.stringify(backend)}: expected one of ${BACKENDS.join(", ")}`);
  const given = opts.trainerCommand ?? trainerCommandFromEnv() ?? [];
  const trainerCommand = typeof given === "function" ? given : () => given;
  if (!trainerCommand().length && backend !== "docker") {
    throw new Error("startServer: no container program — pass trainerCommand (argv before train/serve) or set SAGEMAKER_LOCAL_TRAINER (only backend docker runs without one)");
  }
  // 127.0.0.1 is every local user's, and no credentials are checked: another user's request read this user's files
  // into its jobs and ran programs as this user — and its model servers (process backend) answer this user only too
  const ownerOnly = opts.ownerOnly ?? process.env.SAGEMAKER_LOCAL_OWNER_ONLY !== "0";
  // the options are checked before anything is written
  const guard = new Guard({
    allowedOrigins: opts.allowedOrigins ?? listFromEnv(process.env.SAGEMAKER_LOCAL_ALLOWED_ORIGINS),
    allowedHosts: opts.allowedHosts ?? listFromEnv(process.env.SAGEMAKER_LOCAL_ALLOWED_HOSTS),
    maxConnections: opts.maxConnections ?? (process.env.SAGEMAKER_LOCAL_MAX_CONNECTIONS ? Number(process.env.SAGEMAKER_LOCAL_MAX_CONNECTIONS) : undefined),
    keepAliveTimeoutMs: 1000,
    ownerOnly,
    headersTimeoutMs: opts.headersTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs,
    optionNames: {
      hosts: "the allowedHosts option (env SAGEMAKER_LOCAL_ALLOWED_HOSTS, --allow-host)",
      origins: "the allowedOrigins option (env SAGEMAKER_LOCAL_ALLOWED_ORIGINS, --allow-origin)",
    },
  });
  const stateDir = path.resolve(opts.stateDir ?? path.join(process.cwd(), ".sagemaker-local"));
  const trainerCwd = opts.trainerCwd ?? process.cwd();
  const logFile = path.join(stateDir, "server.log");
  const log = (msg: string) => {
    const line = `${new Date().toISOString()} ${msg}\n`;
    try {
      fs.appendFileSync(logFile, line);
    } catch (e) {
      // never a throw: log() is called from error handlers (a request's 500, a job's internal error), where a throw
      // (ENOSPC: the disk full) was an unhandled rejection that ended the server; the line goes to stderr instead
      process.stderr.write(`[local-sagemaker] server.log: ${(e as Error).message}: ${line}`);
      return;
    }
    if (!opts.quiet && process.env.SAGEMAKER_LOCAL_VERBOSE) process.stderr.write(`[local-sagemaker] ${line}`);
  };
  const containers = new Containers({ backend, trainerCommand, trainerCwd, stateDir, log, ownerOnly });
  await containers.checkEngine(); // backend docker: refuse to start without an engine
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
      if (serverAlive(pid, path.join(serversDir, String(pid)))) return true;
      fs.rmSync(path.join(serversDir, String(pid)), { force: true });
      return false;
    });
  const lockFile = path.join(serversDir, String(process.pid));
  writeFileAtomic(lockFile, JSON.stringify({ pid: process.pid, started: processStart(process.pid), at: new Date().toISOString() }));
  // another server of this process on the folder is live too (its registration is this pid's: the one above): it
  // recovered the folder when it started, and its running jobs' processes are not orphans
  const here = servingHere.get(stateDir) ?? 0;
  servingHere.set(stateDir, here + 1);
  const recover = others.length === 0 && here === 0;
  const region = opts.region ?? "us-east-1";
  const fileRoots = new FileRoots([trainerCwd, stateDir, os.tmpdir(), ...(opts.fileRoots ?? []), ...(process.env.SAGEMAKER_LOCAL_FILE_ROOTS ?? "").split(path.delimiter).filter(Boolean)]);
  const ctx: Context = {
    store,
    data: new DataAccess(store, opts.s3, fileRoots),
    region,
    trainerCommand,
    trainerCwd,
    containers,
    log,
    arn: (kind, name) => `arn:aws:sagemaker:${region}:${ACCOUNT}:${kind}/${name}`,
    logs: new LogStreams(path.join(stateDir, "logs")),
  };
  // from here to listening, a failure (ENOSPC re-saving an interrupted job, say) leaves the folder, as a failed listen
  // does: the registration kept would make the next start in this process skip recovery ("shared with another server")
  let training: TrainingJobs, tuning: TuningJobs, models: Models, endpoints: Endpoints, transforms: TransformJobs;
  const startTimeoutMs = opts.startTimeoutMs ?? 120_000;
  try {
    if (recover) {
      recoverStateFolder(stateDir, log);
      const orphans = await containers.removeOrphans();
      if (orphans.length) log(`recovery: removed ${orphans.length} Docker container(s) left by a server that stopped: ${orphans.join(", ")}`);
    }
    else log(`state folder shared with ${others.length ? `running process(es) ${others.join(", ")}` : "another server in this process"}: their in-progress jobs are left as they are`);
    training = new TrainingJobs(ctx, { maxConcurrentJobs: opts.maxConcurrentTrainingJobs ?? 16, recover });
    tuning = new TuningJobs(ctx, training, recover);
    models = new Models(ctx);
    endpoints = new Endpoints(ctx, models, {
      serverlessIdleMs: opts.serverlessIdleMs ?? (Number(process.env.SAGEMAKER_LOCAL_IDLE_MS) || 300_000),
      startTimeoutMs,
      recover,
    });

    transforms = new TransformJobs(ctx, models, recover, startTimeoutMs);
  } catch (e) {
    leaveStateDir(stateDir, lockFile);
    throw e;
  }
  // once every component has loaded its records (the problems are found as they load: logged before, there were none)
  for (const p of store.problems) log(`state: ${p}`);
  const operations = operationsOf({ training, tuning, models, endpoints, transforms, containers });
  const logsOperations = logsOperationsOf(ctx.logs, region);

  const awsError = (res: http.ServerResponse, status: number, type: string, message: string) =>
    send(res, status, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": type }, { __type: type, message });
  const server = createGuardedServer(
    guard,
    (status, message, given) => {
      const type = given ?? ERROR_TYPES[status] ?? "BadRequestException";
      return { headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": type, "x-amzn-requestid": crypto.randomUUID() }, body: JSON.stringify({ __type: type, message }) };
    },
    (req, res) => {
      const limit = routeLimit(req);
      readBody(req, limit.bytes).then((body) => {
        if ("aborted" in body) return;
        if ("tooLarge" in body) return awsError(res, 413, limit.type, limit.message);
        handle(req, res, body.bytes).catch((e) => {
          ctx.log(`internal error on ${req.method} ${req.url}: ${e instanceof Error ? e.stack : errorMessage(e)}`);
          if (!res.headersSent) awsError(res, 500, "InternalFailure", errorMessage(e));
          else res.destroy();
        });
      });
    },
    // Expect: 100-continue: a body declared larger than its route takes is refused before it is sent (it was
    // answered 100 Continue, and the client uploaded all 200 MB for the 413)
    routeLimit,
  );

  /** the most bytes a request's body may have on its route, and the 413 it gets past them: the SageMaker and Logs
   * APIs 2 MiB; an invocation 6 MB, or 4 MB for a serverless endpoint; anything else 64 KiB */
  function routeLimit(req: http.IncomingMessage): { bytes: number; type: string; message: string } {
    if (req.method === "POST" && typeof req.headers["x-amz-target"] === "string") {
      return { bytes: MAX_API_BODY, type: "ValidationException", message: `Request body exceeds ${MAX_API_BODY} bytes, the limit of a SageMaker API request here.` };
    }
    if (req.method === "POST") {
      const m = /^\/endpoints\/([^/?]+)\/invocations/.exec(req.url ?? "");
      let name: string | undefined;
      try {
        name = m ? decodeURIComponent(m[1]) : undefined;
      } catch {
        name = undefined;
      }
      const serverless = name !== undefined && endpoints.endpoints.get(name)?.local.variant.ServerlessConfig !== undefined;
      return serverless
        ? { bytes: MAX_SERVERLESS_INVOKE_BODY, type: "ValidationError", message: "Request payload exceeds the 4 MB limit of a serverless endpoint." }
        : { bytes: MAX_INVOKE_BODY, type: "ValidationError", message: `Request payload exceeds the ${MAX_INVOKE_BODY / 1048576} MB limit.` };
    }
    return { bytes: MAX_OTHER_BODY, type: "ValidationException", message: `Request body exceeds ${MAX_OTHER_BODY} bytes.` };
  }

  function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
    const buf = body instanceof Uint8Array ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    res.writeHead(status, { "x-amzn-requestid": crypto.randomUUID(), "content-length": String(buf.length), ...headers });
    res.end(buf);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = parseUrl(req.url);
    if (!url) return awsError(res, 400, "ValidationException", `Request target ${JSON.stringify(String(req.url).slice(0, 200))} is not a valid path.`);
    const target = req.headers["x-amz-target"];
    // --- SageMaker API ---
    if (req.method === "POST" && typeof target === "string") {
      const json = { "content-type": "application/x-amz-json-1.1" };
      const m = /^(SageMaker|Logs_20140328)\.(\w+)$/.exec(target);
      const fn = !m ? undefined : m[1] === LOGS_TARGET_PREFIX ? findLogsOperation(logsOperations, m[2]) : findOperation(operations, m[2]);
      if (!fn) return send(res, 400, { ...json, "x-amzn-errortype": "UnknownOperationException" }, { __type: "UnknownOperationException", message: unknownOperation(target, m?.[1], m?.[2]) });
      const input = parseJsonObject(body);
      if (typeof input === "string") return send(res, 400, { ...json, "x-amzn-errortype": "SerializationException" }, { __type: "SerializationException", message: input });
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
      const name = decodePathSegment(inv[1]);
      if (name === undefined) return send(res, 400, { "content-type": "application/json", "x-amzn-errortype": "ValidationError" }, { message: "The endpoint name in the path is not valid percent-encoding." });
      try {
        const out = await invokeEndpoint(ctx, endpoints, {
          EndpointName: name,
          Body: body,
          ContentType: header(req, "content-type"),
          Accept: header(req, "accept"),
          CustomAttributes: header(req, "x-amzn-sagemaker-custom-attributes"),
          TargetVariant: header(req, "x-amzn-sagemaker-target-variant"),
          InferenceId: header(req, "x-amzn-sagemaker-inference-id"),
          OtherHeaders: Object.keys(req.headers).filter((h) => h.startsWith("x-amzn-sagemaker-") && !INVOCATION_HEADERS.includes(h)),
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
      const s = endpoints.stats(decodePathSegment(st[1]) ?? "");
      return send(res, s ? 200 : 404, { "content-type": "application/json" }, s ?? { message: "no such endpoint" });
    }
    if (url.pathname === "/ping") return send(res, 200, { "content-type": "application/json" }, { ok: true });
    if (url.pathname === "/_local/health") {
      const m = process.memoryUsage();
      return send(res, 200, { "content-type": "application/json" }, { ok: true, refused: guard.refused, memoryMb: { rss: m.rss / 1048576, heapUsed: m.heapUsed / 1048576, heapTotal: m.heapTotal / 1048576, external: m.external / 1048576 } });
    }
    // the runtime's other operations, named: InvokeEndpointAsync and InvokeEndpointWithResponseStream were "No route
    // for POST /endpoints/e1/async-invocations", which does not say what is missing
    const other = /^\/endpoints\/[^/]+\/(async-invocations|invocations-response-stream)$/.exec(url.pathname);
    if (other && req.method === "POST") {
      const op = other[1] === "async-invocations" ? "InvokeEndpointAsync" : "InvokeEndpointWithResponseStream";
      return send(res, 404, { "content-type": "application/json", "x-amzn-errortype": "UnknownOperationException" }, { __type: "UnknownOperationException", message: `${op} (POST ${url.pathname}) is an AWS operation the local SageMaker does not implement: use InvokeEndpoint (sagemaker-local/README.md lists what it implements)` });
    }
    return send(res, 404, { "content-type": "application/json", "x-amzn-errortype": "UnknownOperationException" }, { __type: "UnknownOperationException", message: `No route for ${req.method} ${url.pathname}` });
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (e) {
    leaveStateDir(stateDir, lockFile);
    throw e;
  }
  const port = (server.address() as net.AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  ctx.log(`listening on ${url}, state ${stateDir}`);
  // if the hosting process exits without close(), take the trainer / model server processes with it
  const killChildren = () => {
    for (const run of training.running.values()) run.container?.kill();
    transforms.killAll();
    endpoints.shutdown();
    containers.killAllSync();
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
    containers,
    sharedWith: others,
    fileRoots,
    objects: (uri) => ctx.data.objects(uri, "objects"),
    readObject: (uri) => ctx.data.readObject(uri, "readObject"),
    close() {
      closed ??= (async () => {
        await tuning.shutdown();
        await transforms.shutdown();
        endpoints.shutdown();
        await training.shutdown();
        await tuning.drain();
        await containers.removeAll(); // whatever was still starting when the components stopped
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections?.();
        });
        process.removeListener("exit", killChildren);
        leaveStateDir(stateDir, lockFile);
        ctx.log("stopped");
      })();
      return closed;
    },
  };
}

/** the request body as a JSON object (an empty body is {}), or why it is not one */
function parseJsonObject(body: Buffer): JsonObject | string {
  const text = body.toString("utf8");
  if (jsonNesting(text, MAX_JSON_NESTING) > MAX_JSON_NESTING) return `Request body nests deeper than ${MAX_JSON_NESTING} levels.`;
  try {
    const v: unknown = body.length ? JSON.parse(text) : {};
    return isJsonObject(v) ? v : "Request body is not a JSON object.";
  } catch (e) {
    return `Request body is not valid JSON: ${errorMessage(e)}`;
  }
}

/** a live server registered at `lockFile`: the pid runs, and (where /proc tells) it is the process that registered */
function serverAlive(pid: number, lockFile: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  let started: unknown;
  try {
    started = (JSON.parse(fs.readFileSync(lockFile, "utf8")) as { started?: unknown }).started;
  } catch {
    return true; // an older server's registration (a date): trust the pid
  }
  const now = processStart(pid);
  return started === undefined || started === null || now === undefined || now === started; // a reused pid starts later
}

/** a process's start time in clock ticks since boot (Linux /proc/<pid>/stat field 22), to tell a reused pid */
function processStart(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  } catch {
    return undefined;
  }
}

/** the request target as a URL (origin-form, or absolute-form as proxies send it), or undefined if it is not one */
function parseUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? "/", "http://127.0.0.1");
  } catch {
    return undefined;
  }
}

function decodePathSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** the X-Amzn-SageMaker-* headers of InvokeEndpoint that ./invocations implements (any other is refused there) */
const INVOCATION_HEADERS = ["x-amzn-sagemaker-custom-attributes", "x-amzn-sagemaker-target-variant", "x-amzn-sagemaker-inference-id"];

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
