/**
 * One invocation, pure: headers + body → the answer (status, content type, body), without HTTP. Parses the
 * body (./bodies), predicts with the ensemble, and writes CSV (one prediction per line; multiclass: one
 * probability row per line) or JSON (`{"predictions": […]}`, plus each member's with `members=true`);
 * `contributions=true` adds each row's contributions (./explain). Client errors are thrown as HttpError.
 */
import * as http from "http";
import type { Ensemble } from "ensemble-workbook";
import { HttpError, MIME, requestFormat, responseFormat } from "./formats";
import { contributionsCsv, contributionsJson, customAttributes } from "./explain";
import { decodeBody, parseCsvBody, parseJsonBody } from "./bodies";

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

/** One invocation, pure: headers + body (bytes as they arrived, or text) → response. Throws HttpError for client errors. */
export function invoke(ensemble: Ensemble, headers: http.IncomingHttpHeaders, raw: string | Uint8Array): InvocationResult {
  const inFormat = requestFormat(headers["content-type"]);
  const outFormat = responseFormat(headers["accept"], inFormat);
  const attributes = customAttributes(headers["x-amzn-sagemaker-custom-attributes"]);
  if (attributes.members && outFormat === "csv") throw new HttpError(400, "members=true needs Accept: application/json (a CSV answer is one line of numbers per row)");
  const body = typeof raw === "string" ? raw : decodeBody(raw, headers["content-type"]);
  const features = ensemble.featureNames!;
  if (body.trim() === "") throw new HttpError(400, "empty request body");
  const { X, nrow } = inFormat === "csv" ? parseCsvBody(body, features) : parseJsonBody(body, features);
  const m = { X, nrow, ncol: features.length, featureNames: features };
  const pred = ensemble.predict(m);
  // the inputs are finite or missing, so a non-finite prediction is a fault of the model, never sent as an answer
  const bad = pred.prediction.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`the model predicted ${pred.prediction[bad]} for row ${Math.floor(bad / (pred.prediction.length / nrow)) + 1}: a damaged model file?`);
  if (outFormat === "csv") {
    return { status: 200, contentType: MIME.csv, body: attributes.contributions ? contributionsCsv(ensemble, m, pred.prediction) : csvOf(pred.prediction, nrow) };
  }
  const out: Record<string, unknown> = { predictions: rowsOf(pred.prediction, nrow) };
  if (attributes.members) out.members = Object.fromEntries(Object.entries(pred.members).map(([name, p]) => [name, rowsOf(p, nrow)]));
  if (attributes.contributions) Object.assign(out, contributionsJson(ensemble, m, attributes.members));
  return { status: 200, contentType: MIME.json, body: JSON.stringify(out) };
}
