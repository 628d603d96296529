/**
 * The model server: one node:http server on SAGEMAKER_BIND_TO_HOST:SAGEMAKER_BIND_TO_PORT that loads the
 * ensemble from model/ before listening and answers the SageMaker inference contract:
 *
 *   GET  /ping                   200 (the ensemble is loaded before the server listens); 500 once a WebAssembly trap broke
 *                                this process's core (a bug: every prediction would fail — the platform replaces an
 *                                unhealthy container; a worker of several exits and is restarted, ./serve)
 *   POST /invocations            ./invocation; 413 above SAGEMAKER_MAX_PAYLOAD_IN_MB (else MAX_CONTENT_LENGTH bytes; default 6 MB), by the declared
 *                                Content-Length (with Expect: 100-continue, before the body is sent) or while it arrives
 *   GET  /execution-parameters   batch transform's parameters: {MaxConcurrentTransforms, BatchStrategy, MaxPayloadInMB}
 *                                — in a batch job (SAGEMAKER_BATCH=true) the ones it runs with, else its preferences
 *
 * Before a route runs, ./limits' guard decides whether to answer at all (loopback Host, no browser Origin, the
 * timeouts and the connection cap). Errors never stop it: a client's mistake is its HttpError status (4xx), and
 * only a fault of this server is a 500, logged with its stack.
 * close() drains: stop accepting, answer the requests in flight (with Connection: close), free the model.
 */
import * as http from "http";
import * as fs from "fs";
import { coreBrokenBy, Ensemble, loadEnsemble, testTrapInAllocator } from "ensemble-workbook";
import { createGuardedServer, readBody } from "@ensemble-workbook/sagemaker-local/guard";
import { defaultAcceptFromEnv, HttpError, type Format } from "./formats";
import { startInvocation } from "./invocation";
import { AccessOptions, accessFromEnv, endpointGuard } from "./limits";
import { batchEnv, decimalInteger, ExecutionParameters } from "./batch-env";

export interface ServeOptions {
  modelDir: string;
  port: number;
  host: string;
  maxPayloadBytes: number;
  /** as given in SAGEMAKER_MAX_PAYLOAD_IN_MB (for messages) */
  maxPayloadMb?: number;
  /** the setting the limit came from, for messages: `SAGEMAKER_MAX_PAYLOAD_IN_MB=…` (the default) or `MAX_CONTENT_LENGTH=… (… MB)` */
  payloadSetting?: string;
  /** who may call it besides local programs (./limits) */
  access?: AccessOptions;
  /** what GET /execution-parameters answers (./batch-env; unset: batchEnv of the payload limit alone) */
  executionParameters?: ExecutionParameters;
  log?: (line: string) => void;
  /** the answer's format without Accept or with `*\/*` (SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT); unset: the request's */
  defaultAccept?: Format;
  /** called once when a prediction found the core broken by a trap (coreBrokenBy): ./serve ends a cluster worker */
  onCoreBroken?: () => void;
}

/** Test hook: env ENSEMBLE_WORKBOOK_TEST_SERVE_TRAP=<file> — the first invocation (of any worker) to find that file
 * removes it and traps the core (lib's testTrapInAllocator), as a bug would. */
export const TEST_SERVE_TRAP_ENV = "ENSEMBLE_WORKBOOK_TEST_SERVE_TRAP";
function testServeTrap(): void {
  const file = process.env[TEST_SERVE_TRAP_ENV];
  if (!file) return;
  try {
    fs.unlinkSync(file);
  } catch {
    return; // another worker took it
  }
  testTrapInAllocator();
}

export function serveOptionsFromEnv(modelDir: string, env: NodeJS.ProcessEnv = process.env, argv: string[] = []): ServeOptions {
  // empty is unset (8080), as for SAGEMAKER_MODEL_SERVER_WORKERS; decimal digits only (Number("") is 0 — a random
  // port — and Number("0x4e6a") a port nobody asked for)
  const rawPort = env.SAGEMAKER_BIND_TO_PORT?.trim() || "8080";
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port <= 65535)) throw new Error(`SAGEMAKER_BIND_TO_PORT=${env.SAGEMAKER_BIND_TO_PORT} is not a port number (0 to 65535)`);
  // MAX_CONTENT_LENGTH: SageMaker's XGBoost container's payload limit in bytes (its only one; 6 MB by default), which
  // its users raise for batch transform's mini-batches — ignored, the limit here stayed 6 MB, and /execution-parameters
  // offered 6 where that container offers its MB. SAGEMAKER_MAX_PAYLOAD_IN_MB, the platform's, wins when both are set
  const rawBytes = env.MAX_CONTENT_LENGTH?.trim();
  const fromBytes = env.SAGEMAKER_MAX_PAYLOAD_IN_MB === undefined && !!rawBytes;
  if (fromBytes && !(decimalInteger(rawBytes) >= 1)) throw new Error(`MAX_CONTENT_LENGTH=${env.MAX_CONTENT_LENGTH} is not a positive number of bytes`);
  const mb = fromBytes ? decimalInteger(rawBytes) / 1048576 : Number(env.SAGEMAKER_MAX_PAYLOAD_IN_MB ?? 6);
  // finite (Infinity set no limit at all), and at least a byte
  if (!(mb > 0 && Number.isFinite(mb) && mb * 1024 * 1024 >= 1)) throw new Error(`SAGEMAKER_MAX_PAYLOAD_IN_MB=${env.SAGEMAKER_MAX_PAYLOAD_IN_MB} is not a positive number of megabytes`);
  const payloadSetting = fromBytes ? `MAX_CONTENT_LENGTH=${decimalInteger(rawBytes)} (${+mb.toFixed(3)} MB)` : `SAGEMAKER_MAX_PAYLOAD_IN_MB=${mb}`;
  // loopback unless told otherwise: the container image sets 0.0.0.0, where SageMaker must reach it
  const host = env.SAGEMAKER_BIND_TO_HOST || "127.0.0.1";
  // SageMaker's XGBoost container answers with the content this variable selects (predicted_label, probabilities, …)
  // in place of the predictions; ignored, a client written for it read probabilities as labels
  const selected = env.SAGEMAKER_INFERENCE_OUTPUT;
  if (selected !== undefined && selected.trim() !== "") {
    throw new Error(`SAGEMAKER_INFERENCE_OUTPUT=${selected}: SageMaker XGBoost's selectable inference content is not implemented by this server; unset it — a classifier's label and every class's probability come with the custom attribute probabilities=true (X-Amzn-SageMaker-Custom-Attributes)`);
  }
  const defaultAccept = defaultAcceptFromEnv(env);
  return { modelDir, port, host, maxPayloadBytes: Math.floor(mb * 1024 * 1024), maxPayloadMb: mb, payloadSetting, executionParameters: batchEnv(env, mb, payloadSetting), access: accessFromEnv(env, argv), ...(defaultAccept ? { defaultAccept } : {}) };
}

/**
 * What model/ holds when it holds no manifest.json: SageMaker extracts the ModelDataUrl's model.tar.gz into
 * /opt/ml/model as it is, so a tarball packed with its folder (`tar -czf model.tar.gz model`) puts the manifest one
 * level down — "no manifest.json in /opt/ml/model" alone left the endpoint's log reader to guess that.
 */
function modelDirHint(dir: string): string {
  if (fs.existsSync(`${dir}/manifest.json`)) return "";
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return " (the folder does not exist: SageMaker extracts the model's model.tar.gz into /opt/ml/model)";
  }
  if (names.length === 0) return " (the folder is empty: the model's model.tar.gz held no files)";
  const nested = names.find((n) => fs.existsSync(`${dir}/${n}/manifest.json`));
  if (nested) return ` (it is in ${nested}/: the model.tar.gz holds the folder ${nested}/ instead of its files — pack the folder's files at the top, e.g. tar -czf model.tar.gz -C ${nested} .)`;
  return ` (the folder holds ${names.slice(0, 10).join(", ")}${names.length > 10 ? `, … (${names.length})` : ""}: a model trained by this trainer is manifest.json and one file per member)`;
}

/** Set while draining: answers carry Connection: close so keep-alive sockets end and server.close() can finish. */
let draining = false;

function send(res: http.ServerResponse, status: number, contentType: string, body: string, customAttributes?: string): void {
  if (res.headersSent) return;
  if (draining) res.setHeader("Connection", "close");
  if (customAttributes !== undefined) res.setHeader("X-Amzn-SageMaker-Custom-Attributes", customAttributes);
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
    return Promise.reject(new Error(`cannot load the model from ${opts.modelDir}: ${(e as Error).message}${modelDirHint(opts.modelDir)}`));
  }
  const features = ensemble.featureNames!;
  let coreBrokenReported = false;
  const executionParameters = opts.executionParameters ?? batchEnv({}, opts.maxPayloadBytes / 1048576);

  const payloadLimitText = () => opts.payloadSetting ?? `SAGEMAKER_MAX_PAYLOAD_IN_MB=${opts.maxPayloadMb ?? opts.maxPayloadBytes / 1048576}`;
  const payloadTooLarge = () => `payload above ${opts.maxPayloadBytes} bytes (${payloadLimitText()})`;
  const server = createGuardedServer(
    endpointGuard(opts.host, opts.access),
    (_status, message) => ({ headers: { "content-type": "application/json" }, body: JSON.stringify({ error: message }) }),
    (req, res) => {
      const url = (req.url ?? "/").split("?")[0];
      if (url === "/ping") {
        req.resume();
        if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, `method ${req.method} not allowed on /ping (use GET)`);
        const broken = coreBrokenBy();
        if (broken) return sendError(res, 500, `unhealthy: the model server's core is unusable after a WebAssembly trap (${broken}); restart the server`);
        return send(res, 200, "application/json", '{"status":"ok"}');
      }
      if (url === "/execution-parameters") {
        req.resume();
        if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, `method ${req.method} not allowed on /execution-parameters (use GET)`);
        if (!executionParameters)
          return sendError(res, 404, `no batch transform parameters: the payload limit (${payloadLimitText()}) is under the 1 MB a batch transform's mini-batch can be`);
        return send(res, 200, "application/json", JSON.stringify(executionParameters));
      }
      if (url !== "/invocations") {
        req.resume();
        return sendError(res, 404, `no route ${req.method} ${url.slice(0, 200)}; routes: GET /ping, POST /invocations, GET /execution-parameters`);
      }
      if (req.method !== "POST") {
        req.resume();
        return sendError(res, 405, `method ${req.method} not allowed on /invocations (use POST)`);
      }
      // a compressed body would be read as its bytes: a 400 about invalid UTF-8 for gzip, a wrong answer for a body
      // labelled br that is not (its label ignored); this server reads bodies as they are sent
      const encoding = String(req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
      if (encoding !== "identity" && encoding !== "") {
        req.resume();
        return sendError(res, 415, `Content-Encoding ${JSON.stringify(String(req.headers["content-encoding"]).slice(0, 100))} is not supported: send the body uncompressed (identity)`);
      }
      readBody(req, opts.maxPayloadBytes).then((body) => {
        if ("aborted" in body) return;
        if ("tooLarge" in body) {
          return sendError(res, 413, payloadTooLarge());
        }
        // in steps, the event loop running between them: a /ping (and other requests) are answered while a large
        // request is predicted, not after it
        const answer = async () => {
          testServeTrap();
          const run = startInvocation(ensemble, req.headers, body.bytes, { accept: opts.defaultAccept });
          for (let i = 0, more = true; more; i++) {
            if (i > 0) await new Promise<void>((next) => setImmediate(next));
            if (res.destroyed) return undefined; // the client left: no more work for it
            more = run.step();
          }
          return run.answer();
        };
        return answer().then(
          (r) => {
            if (r) send(res, r.status, r.contentType, r.body, r.customAttributes);
          },
          (e) => {
            if (e instanceof HttpError) return sendError(res, e.status, e.message);
            // not the client's mistake: a fault of this server, with its stack in the log
            log(`invocation failed (500): ${e instanceof Error ? e.stack : String(e)}`);
            sendError(res, 500, `prediction failed: ${e instanceof Error ? e.message : String(e)}`);
            if (coreBrokenBy() && !coreBrokenReported) {
              coreBrokenReported = true;
              opts.onCoreBroken?.();
            }
          },
        );
      });
    },
    // a body declared above the limit with Expect: 100-continue: the 413 before the client sends it
    (req) => ((req.url ?? "/").split("?")[0] === "/invocations" && req.method === "POST" ? { bytes: opts.maxPayloadBytes, message: payloadTooLarge() } : undefined),
  );

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
