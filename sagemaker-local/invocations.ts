/**
 * InvokeEndpoint (SageMaker Runtime, `POST /endpoints/{name}/invocations`): the proxy to the model server.
 *
 * The request's Content-Type, Accept and X-Amzn-SageMaker-Custom-Attributes go to the model server's
 * `POST /invocations` and its answer comes back with x-Amzn-Invoked-Production-Variant, as on AWS. The runtime's
 * errors are AWS's: an unknown endpoint or one not InService is a ValidationError; a body above 6 MB is refused;
 * a serverless endpoint with MaxConcurrency invocations in flight throttles the next one (ThrottlingException
 * with status 400, as AWS's common errors list it; the SDKs retry it by its code); a model server that answers 4xx/5xx is a ModelError (424) carrying its status
 * and message. An invocation that had to start the model server reports the cold start's duration in the
 * (local, non-AWS) header x-local-sagemaker-cold-start-ms, which lib/sagemaker shows.
 */
import * as http from "http";
import type { InvokeEndpointInput, InvokeEndpointOutput } from "@aws-sdk/client-sagemaker-runtime";
import { ACCOUNT, Context } from "./context";
import { ApiError, Checker, errorMessage } from "./errors";
import type { Endpoints } from "./endpoints";

/** the runtime's payload limits: 6 MB, and 4 MB for requests and answers of a serverless endpoint */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
const MAX_SERVERLESS_BYTES = 4 * 1024 * 1024;
/** a model server must answer an invocation within 60 s (SageMaker's limit for real-time and serverless endpoints) */
export const INVOCATION_TIMEOUT_MS = 60_000;

/** InvokeEndpoint's answer, and how long the invocation waited for a cold start (if it did) */
export type Invocation = InvokeEndpointOutput & { Body: Uint8Array; coldStartMs?: number };

/** the request as the runtime's REST binding carries it: path, headers, body; `OtherHeaders`: the names of the
 * request's other X-Amzn-SageMaker-* headers (the runtime's options this server does not implement) */
export type InvocationRequest = InvokeEndpointInput & { EndpointName: string; Body: Uint8Array; OtherHeaders?: string[] };

/** InvokeEndpoint's options that are headers, by header name, for the messages refusing them */
const OPTION_HEADERS: Record<string, string> = {
  "x-amzn-sagemaker-target-model": "TargetModel",
  "x-amzn-sagemaker-target-container-hostname": "TargetContainerHostname",
  "x-amzn-sagemaker-enable-explanations": "EnableExplanations",
  "x-amzn-sagemaker-inference-component": "InferenceComponentName",
  "x-amzn-sagemaker-session-id": "SessionId",
};
/** InferenceId: 1–64 printable ASCII characters, the first not a space (the service model's \A\S[\p{Print}]*\z) */
const INFERENCE_ID_RE = /^\S[\x20-\x7e]*$/;
/** the headers the runtime passes to the model: at most 1024 ASCII characters each (the service model's Header and
 * CustomAttributesHeader, \p{ASCII}*) */
const PASSED_HEADERS = ["ContentType", "Accept", "CustomAttributes"] as const;
const ASCII_RE = /^[\x00-\x7f]*$/;
/** a header value as its sender wrote it: UTF-8 bytes (boto3, curl) read back from the Latin-1 that HTTP reads, else
 * the Latin-1 text itself (a Node client sends "é" as one byte) */
function headerText(v: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(v, "latin1"));
  } catch {
    return v;
  }
}

/**
 * The runtime's request constraints (checked before the endpoint is looked up, as AWS checks them) and the options
 * it takes: TargetVariant must name the endpoint's variant; InferenceId only labels captured data (none is captured
 * here, as on AWS without DataCaptureConfig); any other option header (TargetModel, TargetContainerHostname,
 * EnableExplanations, InferenceComponentName, SessionId…) asks for what this endpoint does not have — a
 * ValidationError naming it, never a request served as if it were not there.
 */
function checkRequest(input: InvocationRequest): void {
  const c = new Checker();
  c.name(input.EndpointName, "EndpointName");
  // a value past 1024 characters, or not ASCII, went to the model server as it was; not ASCII, as mojibake: HTTP
  // header bytes are read as Latin-1, so boto3's UTF-8 "café" reached the model as "cafÃ©"
  for (const f of PASSED_HEADERS) {
    const v = input[f];
    c.maxLength(v, f, 1024);
    if (typeof v === "string" && v.length <= 1024 && !ASCII_RE.test(v))
      c.custom(`Value '${headerText(v)}' at '${f[0].toLowerCase()}${f.slice(1)}' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{ASCII}*`);
  }
  c.name(input.TargetVariant, "TargetVariant", undefined, false);
  if (input.InferenceId !== undefined) {
    c.maxLength(input.InferenceId, "InferenceId", 64);
    if (!INFERENCE_ID_RE.test(input.InferenceId)) c.name(input.InferenceId, "InferenceId", INFERENCE_ID_RE);
  }
  try {
    c.throwIfAny();
  } catch (e) {
    // the runtime's error is ValidationError (the SageMaker API's is ValidationException)
    if (e instanceof ApiError) throw new ApiError("ValidationError", e.message, 400);
    throw e;
  }
}

export async function invokeEndpoint(ctx: Context, endpoints: Endpoints, input: InvocationRequest): Promise<Invocation> {
  const name = input.EndpointName;
  // the runtime's pattern for EndpointName, as AWS checks it before looking (a 5,000-character name was echoed back
  // whole in "not found")
  checkRequest(input);
  const e = endpoints.endpoints.get(name);
  // an endpoint being updated answers from its current fleet until the new one takes over (AWS's blue/green update)
  if (!e || (e.wire.EndpointStatus !== "InService" && e.wire.EndpointStatus !== "Updating"))
    throw new ApiError("ValidationError", e ? `Endpoint ${name} of account ${ACCOUNT} is not in service (status ${e.wire.EndpointStatus}).` : `Endpoint ${name} of account ${ACCOUNT} not found.`, 400);
  const v = e.local.variant;
  const other = input.OtherHeaders ?? [];
  if (other.includes("x-amzn-sagemaker-target-model")) throw new ApiError("ValidationError", `Endpoint ${name} is not a multi-model endpoint and does not support target model header.`, 400);
  if (other.length)
    throw new ApiError("ValidationError", `${other.map((h) => (OPTION_HEADERS[h] ? `${OPTION_HEADERS[h]} (${h})` : h)).join(", ")}: not supported by the local SageMaker for endpoint ${name} (it would be ignored) — leave ${other.length > 1 ? "them" : "it"} out, or run on AWS.`, 400);
  if (input.TargetVariant !== undefined && input.TargetVariant !== v.VariantName)
    throw new ApiError("ValidationError", `TargetVariant ${input.TargetVariant} is not a production variant of endpoint ${name} (its variant: ${v.VariantName}).`, 400);
  if (input.Body.length > MAX_BODY_BYTES) throw new ApiError("ValidationError", "Request payload exceeds the 6 MB limit.", 413);
  if (v.ServerlessConfig && input.Body.length > MAX_SERVERLESS_BYTES)
    throw new ApiError("ValidationError", "Request payload exceeds the 4 MB limit of a serverless endpoint.", 413);
  const servers = endpoints.servers;
  const s = servers.of(e);
  const max = v.ServerlessConfig ? v.ServerlessConfig.MaxConcurrency : Infinity;
  if (s.inFlight >= max) {
    s.throttled++;
    throw new ApiError("ThrottlingException", "Rate exceeded", 400);
  }
  s.inFlight++;
  s.invocations++;
  servers.disarmIdle(s);
  try {
    let url: string;
    const warm = servers.isWarm(s);
    const t0 = Date.now();
    try {
      url = await servers.ensureStarted(e);
    } catch (err) {
      throw new ApiError("ServiceUnavailable", `The model server of endpoint ${name} could not start: ${errorMessage(err)}`, 503);
    }
    const headers: Record<string, string> = {};
    if (input.ContentType) headers["content-type"] = input.ContentType;
    if (input.Accept) headers["accept"] = input.Accept;
    if (input.CustomAttributes) headers["x-amzn-sagemaker-custom-attributes"] = input.CustomAttributes;
    const res = await forward(`${url}/invocations`, headers, input.Body, name, v.ServerlessConfig ? MAX_SERVERLESS_BYTES : MAX_BODY_BYTES);
    if (res.status < 200 || res.status >= 300) {
      const msg = res.body.toString("utf8").slice(0, 1024);
      throw new ApiError(
        "ModelError",
        `Received ${res.status < 500 ? "client" : "server"} error (${res.status}) from primary with message "${msg}". See https://127.0.0.1/cloudwatch/home?region=${ctx.region}#logEventViewer:group=/aws/sagemaker/Endpoints/${name} in account ${ACCOUNT} for more information.`,
        424,
        { OriginalStatusCode: res.status, OriginalMessage: msg, LogStreamArn: `arn:aws:logs:${ctx.region}:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/${name}` },
      );
    }
    const attributes = res.headers["x-amzn-sagemaker-custom-attributes"];
    return {
      Body: res.body,
      ContentType: res.headers["content-type"] ? String(res.headers["content-type"]) : "application/octet-stream",
      InvokedProductionVariant: v.VariantName,
      CustomAttributes: attributes ? String(attributes) : undefined,
      coldStartMs: warm ? undefined : Date.now() - t0,
    };
  } finally {
    s.inFlight--;
    if (v.ServerlessConfig && s.inFlight === 0 && endpoints.endpoints.get(name) === e) servers.armIdle(e, s);
  }
}

/** POST to the model server, no keep-alive agent (each endpoint's server may be gone by the next call) */
function forward(url: string, headers: Record<string, string>, body: Uint8Array, name: string, maxAnswer: number): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = http.request(url, { method: "POST", agent: false, headers: { ...headers, "content-length": String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      // an answer past the endpoint's limit (6 MB, serverless 4 MB) is a ModelError as soon as it passes it: it was
      // buffered whole first (serverless) or without any limit (real-time)
      res.on("data", (d: Buffer) => {
        bytes += d.length;
        if (bytes > maxAnswer) {
          r.destroy();
          reject(new ApiError("ModelError", `Received a response of more than ${maxAnswer / 1048576} MB from primary; ${maxAnswer === MAX_SERVERLESS_BYTES ? "a serverless endpoint" : "an endpoint"} answers at most ${maxAnswer / 1048576} MB.`, 424, { OriginalStatusCode: res.statusCode ?? 0 }));
          return;
        }
        chunks.push(d);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", (err) => reject(new ApiError("ModelError", `The model server's answer broke off: ${err.message}`, 424)));
    });
    // as SageMaker: a container that does not answer within 60 s is a ModelError, not a hanging client
    r.setTimeout(INVOCATION_TIMEOUT_MS, () => {
      r.destroy();
      reject(new ApiError("ModelError", `Your invocation timed out while waiting for a response from container primary of endpoint ${name} (${INVOCATION_TIMEOUT_MS / 1000} s).`, 424, { OriginalStatusCode: 0 }));
    });
    r.on("error", (err) => reject(new ApiError("ModelError", `Could not reach the model server: ${err.message}`, 424)));
    r.end(body);
  });
}
