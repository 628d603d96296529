/**
 * `serve` — the SageMaker inference contract, one node:http server.
 *
 *   GET  /ping         200 once the ensemble is loaded (it is loaded before listening)
 *   POST /invocations  text/csv (rows of feature values, no header) or
 *                      application/json ({"instances": [[…], …]} or [{"bmi": 32.1, …}, …])
 *                      → Accept text/csv (one prediction per line) or application/json
 *                      ({"predictions": […]}, plus "members" with
 *                      X-Amzn-SageMaker-Custom-Attributes: members=true)
 *   GET  /execution-parameters  batch-transform hints
 *
 * Errors never crash the server: 400 names row and column, 413 above
 * SAGEMAKER_MAX_PAYLOAD_IN_MB (default 6), 415 / 406 for content types.
 * SIGTERM/SIGINT: stop accepting, finish in-flight requests, exit 0.
 */
import cluster from "cluster";
import * as http from "http";
import { Ensemble, loadEnsemble } from "ensemble-workbook";
import { cellNumber, splitCsv } from "./csv";

export class HttpError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

type Format = "csv" | "json";

const CONTENT_TYPES: Record<string, Format> = { "text/csv": "csv", "application/csv": "csv", "application/json": "json" };
const ACCEPT_TYPES: Record<string, Format> = { "text/csv": "csv", "application/json": "json" };
const MIME: Record<Format, string> = { csv: "text/csv", json: "application/json" };

function mediaType(h: string | undefined): string {
  return (h ?? "").split(";")[0].trim().toLowerCase();
}

/** Request format from Content-Type, or 415. */
export function requestFormat(contentType: string | undefined): Format {
  const t = mediaType(contentType);
  const f = CONTENT_TYPES[t];
  if (!f) {
    throw new HttpError(415, `unsupported Content-Type ${t ? `"${t}"` : "(none)"}; send text/csv or application/json`);
  }
  return f;
}

/** Response format from Accept (q-values honoured), defaulting to the request's format; or 406. */
export function responseFormat(accept: string | undefined, fallback: Format): Format {
  if (!accept || accept.trim() === "") return fallback;
  const options = accept
    .split(",")
    .map((part, i) => {
      const [type, ...params] = part.split(";").map((x) => x.trim().toLowerCase());
      const q = params.find((p) => p.startsWith("q="));
      return { type, q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((o) => o.type !== "" && o.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const o of options) {
    if (o.type === "*/*" || o.type === "text/*" && fallback === "csv" || o.type === "application/*" && fallback === "json") return fallback;
    if (ACCEPT_TYPES[o.type]) return ACCEPT_TYPES[o.type];
    if (o.type === "text/*") return "csv";
    if (o.type === "application/*") return "json";
  }
  throw new HttpError(406, `unsupported Accept "${accept}"; this endpoint answers text/csv or application/json`);
}

/** X-Amzn-SageMaker-Custom-Attributes "members=true" (key=value pairs separated by ; or ,). */
export function wantsMembers(header: string | string[] | undefined): boolean {
  const h = Array.isArray(header) ? header.join(";") : header ?? "";
  return h.split(/[;,]/).some((kv) => {
    const [k, v] = kv.split("=").map((x) => (x ?? "").trim().toLowerCase());
    return k === "members" && (v === "true" || v === "1" || v === "yes");
  });
}

/** CSV body → row-major Float32Array; errors name the row (1-based line) and column (1-based, with feature name). */
/**
 * Fast path for the common body: no quotes, numbers only, every row complete. Values go
 * through the same cellNumber as the general path; anything unusual (a header, a quote,
 * a bad cell, a ragged or blank row) returns undefined and the general path parses the
 * body again and names the problem.
 */
function fastCsvBody(text: string, ncol: number): { X: Float32Array; nrow: number } | undefined {
  if (text.indexOf('"') >= 0) return undefined;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let end = text.length;
  while (end > start && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
  if (end <= start) return undefined;
  let nrow = 1;
  for (let i = text.indexOf("\n", start); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) nrow++;
  const X = new Float32Array(nrow * ncol);
  let pos = start;
  let k = 0;
  for (let r = 0; r < nrow; r++) {
    let lineEnd = text.indexOf("\n", pos);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    const le = lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
    if (le === pos) return undefined; // blank line
    let from = pos;
    for (let j = 0; j < ncol; j++) {
      const to = j < ncol - 1 ? text.indexOf(",", from) : le;
      if (to < 0 || to > le) return undefined; // too few values
      const v = cellNumber(text.slice(from, to)); // a stray comma in the last field fails here
      if (v === undefined) return undefined;
      X[k++] = v;
      from = to + 1;
    }
    pos = lineEnd + 1;
  }
  return { X, nrow };
}

export function parseCsvBody(text: string, features: string[]): { X: Float32Array; nrow: number } {
  const fast = fastCsvBody(text, features.length);
  if (fast) return fast;
  let records;
  try {
    records = splitCsv(text, "CSV body");
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
  const ncol = features.length;
  // a header equal to the feature names is tolerated and skipped
  if (records.length > 0 && records[0].fields.length === ncol && records[0].fields.every((f, j) => f.trim() === features[j])) records = records.slice(1);
  if (records.length === 0) throw new HttpError(400, "CSV body has no rows");
  const X = new Float32Array(records.length * ncol);
  records.forEach((r, i) => {
    if (r.fields.length !== ncol) {
      throw new HttpError(400, `CSV body: row ${i + 1} (line ${r.line}) has ${r.fields.length} values, expected ${ncol} (${features.join(", ")})`);
    }
    for (let j = 0; j < ncol; j++) {
      const v = cellNumber(r.fields[j]);
      if (v === undefined) {
        throw new HttpError(400, `CSV body: row ${i + 1} (line ${r.line}), column ${j + 1} (${features[j]}): ${JSON.stringify(r.fields[j])} is not a number`);
      }
      X[i * ncol + j] = v;
    }
  });
  return { X, nrow: records.length };
}

function jsonValue(v: unknown, where: () => string): number {
  if (typeof v === "number") return v;
  if (v === null) return NaN; // missing
  if (typeof v === "string") {
    const n = cellNumber(v);
    if (n !== undefined) return n;
  }
  throw new HttpError(400, `${where()}: ${JSON.stringify(v)} is not a number`);
}

/** JSON body ({"instances": [...]}) → row-major Float32Array; errors name the instance (row) and feature (column). */
export function parseJsonBody(text: string, features: string[]): { X: Float32Array; nrow: number } {
  let body: any;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `JSON body is not valid JSON: ${(e as Error).message}`);
  }
  const instances = Array.isArray(body) ? body : body && typeof body === "object" ? body.instances : undefined;
  if (!Array.isArray(instances)) throw new HttpError(400, 'JSON body needs {"instances": [[…], …]} or {"instances": [{"<feature>": value, …}, …]}');
  if (instances.length === 0) throw new HttpError(400, "JSON body: instances is empty");
  const ncol = features.length;
  const index = new Map(features.map((f, j) => [f, j]));
  const X = new Float32Array(instances.length * ncol);
  instances.forEach((inst: unknown, i: number) => {
    const row = `row ${i + 1} (instances[${i}])`;
    if (Array.isArray(inst)) {
      if (inst.length !== ncol) throw new HttpError(400, `JSON body: ${row} has ${inst.length} values, expected ${ncol} (${features.join(", ")})`);
      for (let j = 0; j < ncol; j++) X[i * ncol + j] = jsonValue(inst[j], () => `JSON body: ${row}, column ${j + 1} (${features[j]})`);
    } else if (inst && typeof inst === "object") {
      const obj = inst as Record<string, unknown>;
      for (const key of Object.keys(obj)) {
        if (!index.has(key)) throw new HttpError(400, `JSON body: ${row}: unknown feature "${key}"; features are: ${features.join(", ")}`);
      }
      for (let j = 0; j < ncol; j++) {
        if (!(features[j] in obj)) throw new HttpError(400, `JSON body: ${row}, column ${j + 1} (${features[j]}): missing (use null for a missing value)`);
        X[i * ncol + j] = jsonValue(obj[features[j]], () => `JSON body: ${row}, column ${j + 1} (${features[j]})`);
      }
    } else {
      throw new HttpError(400, `JSON body: ${row} must be a list of ${ncol} values or an object keyed by feature name`);
    }
  });
  return { X, nrow: instances.length };
}

function rowsOf(p: Float64Array, nrow: number): number[] | number[][] {
  const width = p.length / nrow;
  if (width === 1) return Array.from(p);
  const out: number[][] = [];
  for (let i = 0; i < nrow; i++) out.push(Array.from(p.subarray(i * width, (i + 1) * width)));
  return out;
}

function csvOf(p: Float64Array, nrow: number): string {
  const width = p.length / nrow;
  let out = "";
  for (let i = 0; i < nrow; i++) {
    for (let c = 0; c < width; c++) out += (c ? "," : "") + String(p[i * width + c]);
    out += "\n";
  }
  return out;
}

export interface InvocationResult {
  status: number;
  contentType: string;
  body: string;
}

/** One invocation, pure: headers + body → response. Throws HttpError for client errors. */
export function invoke(ensemble: Ensemble, headers: http.IncomingHttpHeaders, body: string): InvocationResult {
  const inFormat = requestFormat(headers["content-type"]);
  const outFormat = responseFormat(headers["accept"], inFormat);
  const features = ensemble.featureNames!;
  if (body.trim() === "") throw new HttpError(400, "empty request body");
  const { X, nrow } = inFormat === "csv" ? parseCsvBody(body, features) : parseJsonBody(body, features);
  const pred = ensemble.predict({ X, nrow, ncol: features.length, featureNames: features });
  if (outFormat === "csv") return { status: 200, contentType: MIME.csv, body: csvOf(pred.prediction, nrow) };
  const out: Record<string, unknown> = { predictions: rowsOf(pred.prediction, nrow) };
  if (wantsMembers(headers["x-amzn-sagemaker-custom-attributes"])) {
    out.members = Object.fromEntries(Object.entries(pred.members).map(([name, p]) => [name, rowsOf(p, nrow)]));
  }
  return { status: 200, contentType: MIME.json, body: JSON.stringify(out) };
}

export interface ServeOptions {
  modelDir: string;
  port: number;
  host: string;
  maxPayloadBytes: number;
  /** as given in SAGEMAKER_MAX_PAYLOAD_IN_MB (for messages) */
  maxPayloadMb?: number;
  log?: (line: string) => void;
}

export function serveOptionsFromEnv(modelDir: string, env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const port = Number(env.SAGEMAKER_BIND_TO_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`SAGEMAKER_BIND_TO_PORT=${env.SAGEMAKER_BIND_TO_PORT} is not a port number`);
  const mb = Number(env.SAGEMAKER_MAX_PAYLOAD_IN_MB ?? 6);
  if (!(mb > 0)) throw new Error(`SAGEMAKER_MAX_PAYLOAD_IN_MB=${env.SAGEMAKER_MAX_PAYLOAD_IN_MB} is not a positive number`);
  return { modelDir, port, host: env.SAGEMAKER_BIND_TO_HOST || "0.0.0.0", maxPayloadBytes: Math.floor(mb * 1024 * 1024), maxPayloadMb: mb };
}

/** Set while draining: answers carry Connection: close so keep-alive sockets end and server.close() can finish. */
let draining = false;

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent) return;
  if (draining) res.setHeader("Connection", "close");
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: http.ServerResponse, status: number, message: string): void {
  send(res, status, "application/json", JSON.stringify({ error: message }));
}

export interface RunningServer {
  server: http.Server;
  port: number;
  host: string;
  ensemble: Ensemble;
  /** Stop accepting, let in-flight requests finish, free the model. */
  close(): Promise<void>;
}

export function startServer(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log ?? ((l: string) => console.log(l));
  let ensemble: Ensemble;
  try {
    ensemble = loadEnsemble(opts.modelDir);
  } catch (e) {
    return Promise.reject(new Error(`cannot load the model from ${opts.modelDir}: ${(e as Error).message}`));
  }
  const features = ensemble.featureNames!;
  const executionParameters = JSON.stringify({ MaxConcurrentTransforms: 1, BatchStrategy: "MULTI_RECORD", MaxPayloadInMB: Math.floor(opts.maxPayloadBytes / 1048576) });

  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (url === "/ping") {
      if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, `method ${req.method} not allowed on /ping (use GET)`);
      return send(res, 200, "application/json", '{"status":"ok"}');
    }
    if (url === "/execution-parameters" && req.method === "GET") return send(res, 200, "application/json", executionParameters);
    if (url !== "/invocations") {
      req.resume();
      return sendError(res, 404, `no route ${req.method} ${url}; routes: GET /ping, POST /invocations`);
    }
    if (req.method !== "POST") {
      req.resume();
      return sendError(res, 405, `method ${req.method} not allowed on /invocations (use POST)`);
    }
    const tooLarge = () => `payload above ${opts.maxPayloadBytes} bytes (SAGEMAKER_MAX_PAYLOAD_IN_MB=${opts.maxPayloadMb ?? opts.maxPayloadBytes / 1048576})`;
    const declared = Number(req.headers["content-length"]);
    if (declared > opts.maxPayloadBytes) {
      res.setHeader("Connection", "close");
      sendError(res, 413, tooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on("data", (c: Buffer) => {
      if (aborted) return;
      size += c.length;
      if (size > opts.maxPayloadBytes) {
        aborted = true;
        chunks.length = 0;
        res.setHeader("Connection", "close");
        sendError(res, 413, tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on("error", () => {
      aborted = true;
    });
    req.on("end", () => {
      if (aborted) return;
      try {
        const r = invoke(ensemble, req.headers, chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8"));
        send(res, r.status, r.contentType, r.body);
      } catch (e) {
        if (e instanceof HttpError) sendError(res, e.status, e.message);
        else {
          log(`invocation failed: ${(e as Error).message}`);
          sendError(res, 500, `prediction failed: ${(e as Error).message}`);
        }
      }
    });
  });
  server.keepAliveTimeout = 65_000; // longer than a load balancer's idle timeout (SageMaker guidance)
  server.headersTimeout = 66_000;

  return new Promise((resolve, reject) => {
    server.once("error", (e) => {
      ensemble.free();
      reject(new Error(`cannot listen on ${opts.host}:${opts.port}: ${e.message}`));
    });
    server.listen(opts.port, opts.host, () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : opts.port;
      log(`loaded ensemble from ${opts.modelDir}: ${ensemble.members.map((m) => m.name).join(", ")} (blend ${ensemble.blend}, ${features.length} features)`);
      log(`serving on http://${opts.host}:${port}`);
      let closed: Promise<void> | undefined;
      resolve({
        server,
        port,
        host: opts.host,
        ensemble,
        close: () =>
          (closed ??= new Promise<void>((done) => {
            draining = true;
            server.close(() => {
              ensemble.free();
              done();
            });
            server.closeIdleConnections();
          })),
      });
    });
  });
}

/** Worker processes: SAGEMAKER_MODEL_SERVER_WORKERS (the SageMaker inference toolkits' variable), default 1. */
export function workerCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SAGEMAKER_MODEL_SERVER_WORKERS;
  if (raw === undefined || raw.trim() === "") return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`SAGEMAKER_MODEL_SERVER_WORKERS=${raw} must be an integer from 1 to 64`);
  return n;
}

/** One process: start, and on SIGTERM/SIGINT drain and exit 0. */
async function serveOne(modelDir: string, announce: boolean): Promise<void> {
  const opts = serveOptionsFromEnv(modelDir);
  const running = await startServer({ ...opts, log: (l) => (announce || !l.startsWith("serving on ")) && console.log(l) });
  if (!announce) process.send?.({ listening: running.port });
  const stop = (signal: string) => {
    if (announce) console.log(`${signal}: draining in-flight requests, then exiting`);
    const force = setTimeout(() => {
      console.error("drain timed out after 30 s; exiting");
      process.exit(1);
    }, 30_000);
    force.unref();
    running.close().then(() => {
      if (announce) console.log("stopped");
      process.exit(0);
    });
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

/**
 * Several workers (node:cluster) sharing one port, each with its own copy of
 * the ensemble. The primary announces `serving on …` when the first worker
 * listens, restarts a worker that dies, and on SIGTERM/SIGINT lets every
 * worker drain, then exits 0. A worker that dies before listening (e.g. the
 * model cannot be loaded) ends the server with exit code 1.
 */
function servePrimary(n: number, host: string): void {
  let announced = false;
  let stopping = false;
  const live = new Set<import("cluster").Worker>();
  const fork = () => {
    const w = cluster.fork();
    live.add(w);
    let listened = false;
    w.on("message", (m: { listening?: number }) => {
      if (m && typeof m.listening === "number") {
        listened = true;
        if (!announced) {
          announced = true;
          console.log(`serving on http://${host}:${m.listening} (${n} workers)`);
        }
      }
    });
    w.on("exit", (code) => {
      live.delete(w);
      if (stopping) {
        if (live.size === 0) {
          console.log("stopped");
          process.exit(0);
        }
      } else if (!listened) {
        console.error(`serve worker exited (${code}) before listening`);
        for (const o of live) o.process.kill("SIGKILL");
        process.exit(1);
      } else {
        console.error(`serve worker exited (${code}); starting another`);
        fork();
      }
    });
  };
  for (let i = 0; i < n; i++) fork();
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining in-flight requests in ${live.size} workers, then exiting`);
    for (const w of live) w.process.kill("SIGTERM");
    const force = setTimeout(() => process.exit(1), 35_000);
    force.unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

/** `serve` entry. */
export async function serve(modelDir: string): Promise<void> {
  const n = workerCount();
  if (n === 1) return serveOne(modelDir, true);
  if (cluster.isPrimary) {
    const opts = serveOptionsFromEnv(modelDir); // validate the environment once, in the primary
    return servePrimary(n, opts.host);
  }
  return serveOne(modelDir, false);
}
