/**
 * One invocation, pure: headers + body → the answer (status, content type, body), without HTTP. Parses the
 * body (./bodies), predicts with the ensemble, and writes CSV (one prediction per line; multiclass: one
 * probability row per line) or JSON (`{"predictions": […]}`, plus each member's with `members=true`);
 * `contributions=true` adds each row's contributions (./explain). Client errors are thrown as HttpError.
 *
 * A classifier trained on text labels answers with them: JSON `{"predictions": [{"label": "yes"}, …]}`, CSV one
 * label per line; with the custom attribute `probabilities=true` each row also carries every class's probability
 * (JSON `"probabilities": {"no": 0.2, "yes": 0.8}`, CSV the label then the probabilities in class order) — as may
 * a classifier trained on numeric labels, whose plain answer stays the probabilities (class 1's for binary).
 * A model with categorical columns reports the missing and unseen cells of the request (./bodies) in the
 * answer's X-Amzn-SageMaker-Custom-Attributes (`missing=<n>,unseen=<n>`, what SageMaker passes back to the
 * caller as CustomAttributes) and, in JSON answers with any, per column in `"drift"`.
 */
import * as http from "http";
import { NA_VALUES, predictsClasses, type ClassPrediction, type Drift, type Ensemble } from "ensemble-workbook";
import { HttpError, MIME, requestFormat, responseFormat, type Format } from "./formats";
import { contributionsCsv, contributionsJson, customAttributes } from "./explain";

/** The most contribution numbers one answer holds (≈ 250 MB of JSON keyed by feature name; V8's longest string is ~512 MB). */
export const MAX_CONTRIBUTION_NUMBERS = 10_000_000;
import { BodySchema, decodeBody, parseCsvBody, parseJsonBody, parseLibsvmBody } from "./bodies";

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
  /** the answer's X-Amzn-SageMaker-Custom-Attributes */
  customAttributes?: string;
}

/** What a body is read with: the model's columns (all numeric for a model saved without them), its missing tokens. */
export function bodySchema(ensemble: Ensemble): BodySchema {
  const columns = ensemble.columns ?? ensemble.featureNames!.map((name) => ({ name, type: "numeric" as const }));
  return { columns, naValues: new Set(ensemble.naValues ?? NA_VALUES), label: ensemble.label };
}

/** schemas by ensemble: built once per loaded model, not per request */
const schemas = new WeakMap<Ensemble, BodySchema>();

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function csvField(t: string): string {
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** a row's label, then with probabilities=true every class's probability in class order: a CSV answer's cells (a vote
 * blend's rows have none, and probabilities=true is refused for it before any prediction) */
function labelCells(r: ClassPrediction, probabilities: boolean): string[] {
  return [csvField(String(r.label)), ...(probabilities ? Object.values(r.probabilities ?? {}).map(String) : [])];
}

function labelsCsv(rows: ClassPrediction[], probabilities: boolean): string {
  return rows.map((r) => labelCells(r, probabilities).join(",") + "\n").join("");
}

/** drift totals for the answer's custom attributes, and the columns with any (for JSON answers) */
function driftSummary(drift: Drift): { header: string; columns: Drift } {
  let missing = 0, unseen = 0;
  const columns: Drift = {};
  for (const [name, d] of Object.entries(drift)) {
    missing += d.missing;
    unseen += d.unseen;
    if (d.missing || d.unseen) columns[name] = d;
  }
  return { header: `missing=${missing},unseen=${unseen}`, columns };
}

/** The most rows predicted per step of an invocation (contributions: TreeSHAP costs ~features × depth more a row).
 * Between steps the server's event loop runs: a /ping waits for one step, not for the whole request — one 6 MB request
 * for contributions held /ping for 9.85 s, where SageMaker's health check allows 2 s. The core's threads still take a
 * step of plain predictions (POOL_MIN_ROWS, 8192 rows). */
export const PREDICT_STEP_ROWS = 65_536;
export const CONTRIBUTIONS_STEP_ROWS = 2048;
/** What one step aims to take: a step's rows are as many as the steps so far predicted in that time (after a first
 * step of FIRST_STEP_ROWS, and never fewer), up to the most above. A fixed count of rows was a fixed time only for one
 * model's size: with 600 trees of depth 6 a step of 2,048 rows of contributions took seconds, and a /ping waited that
 * long. */
export const STEP_TARGET_MS = 100;
export const FIRST_STEP_ROWS = 256;

/**
 * An invocation in steps: the body parsed and checked at once (every client error before any prediction), then
 * blocks of rows predicted one step() at a time (true while rows remain), then answer(). Every row's prediction is
 * its own (trees, blends and contributions are row by row), so the answer is the one a single step over every row
 * gives.
 */
export interface Invocation {
  step(): boolean;
  answer(): InvocationResult;
}

/** What the server's environment sets for every invocation. */
export interface InvocationDefaults {
  /** the answer's format without Accept or with `*\/*` (SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT); unset: the request's */
  accept?: Format;
}

/** One invocation, pure: headers + body (bytes as they arrived, or text) → response. Throws HttpError for client errors. */
export function invoke(ensemble: Ensemble, headers: http.IncomingHttpHeaders, raw: string | Uint8Array, defaults: InvocationDefaults = {}): InvocationResult {
  const run = startInvocation(ensemble, headers, raw, defaults);
  while (run.step());
  return run.answer();
}

/** invoke, in steps (the model server yields to its event loop between them). */
export function startInvocation(ensemble: Ensemble, headers: http.IncomingHttpHeaders, raw: string | Uint8Array, defaults: InvocationDefaults = {}): Invocation {
  const inFormat = requestFormat(headers["content-type"]);
  const outFormat = responseFormat(headers["accept"], defaults.accept ?? (inFormat === "libsvm" ? "csv" : inFormat));
  const attributes = customAttributes(headers["x-amzn-sagemaker-custom-attributes"]);
  if (attributes.members && outFormat === "csv") throw new HttpError(400, "members=true needs Accept: application/json (a CSV answer is one line of numbers per row)");
  const body = typeof raw === "string" ? raw : decodeBody(raw, headers["content-type"]);
  const features = ensemble.featureNames!;
  if (body.trim() === "") throw new HttpError(400, "empty request body");
  let schema = schemas.get(ensemble);
  if (!schema) schemas.set(ensemble, (schema = bodySchema(ensemble)));
  const noType = !headers["content-type"] || headers["content-type"].trim() === "";
  const { X, nrow, drift } =
    inFormat === "csv" ? parseCsvBody(body, schema)
    : inFormat === "json" ? parseJsonBody(body, schema)
    : parseLibsvmBody(body, schema, noType ? " — a body without Content-Type is read as LIBSVM, as SageMaker's XGBoost reads it: send Content-Type: text/csv or application/json for those" : "");
  const ncol = features.length;
  const m = { X, nrow, ncol, featureNames: features, ...(ensemble.columns ? { columns: ensemble.columns } : {}) };
  const classification = /^(binary|multi):/.test(ensemble.objective);
  if (attributes.probabilities && !classification) throw new HttpError(400, `probabilities=true needs a classifier; this model's objective is ${ensemble.objective}`);
  if (attributes.probabilities && predictsClasses(ensemble.blend)) {
    throw new HttpError(400, `probabilities=true: this model's blend is ${ensemble.blend}, which predicts classes and no probabilities (as scikit-learn's hard VotingClassifier has no predict_proba); its answer is each row's class`);
  }
  const labelled = classification && (ensemble.classes !== undefined || attributes.probabilities);
  const maxStepRows = attributes.contributions ? CONTRIBUTIONS_STEP_ROWS : PREDICT_STEP_ROWS;
  // filled step by step: the predictions (rows × outputs), each member's, the contributions' CSV lines or JSON rows
  let prediction: Float64Array | undefined;
  const members: Record<string, Float64Array> = {};
  let contributionLines = "";
  const contributionRows: unknown[] = [];
  const memberContributionRows: Record<string, unknown[]> = {};
  let done = 0; // rows predicted
  let spentMs = 0; // the steps' time so far
  const step = (): boolean => {
    if (done >= nrow) return false;
    const want = Math.min(maxStepRows, Math.max(FIRST_STEP_ROWS, done === 0 ? FIRST_STEP_ROWS : Math.floor((STEP_TARGET_MS * done) / Math.max(spentMs, 1e-3))));
    // any split of the rows gives every row the same numbers (contributions too: the core decides its TreeSHAP tables
    // per model, not per call), so the steps' sizes follow the clock alone and the answer is lib.explain's
    const r1 = Math.min(nrow, done + want);
    const r0 = done;
    const t0 = performance.now();
    const block = { ...m, X: X.subarray(r0 * ncol, r1 * ncol), nrow: r1 - r0 };
    const pred = ensemble.predict(block);
    const width = pred.prediction.length / block.nrow;
    if (!prediction) {
      prediction = new Float64Array(nrow * width);
      if (attributes.contributions) {
        // the answer's size, known before it is computed: contributions are rows × groups × (features + 1) numbers,
        // for the ensemble and each member with members=true. Past a few tens of millions the JSON text outgrows
        // V8's longest string — a 500 after a minute's work (495k rows × 3 classes × 12 × 3 did) — so the client is
        // told how many rows one answer holds instead
        const perRow = width * (ncol + 1) * (attributes.members ? 1 + ensemble.members.length : 1);
        if (nrow * perRow > MAX_CONTRIBUTION_NUMBERS) {
          throw new HttpError(413, `contributions=true for ${nrow} rows is ${nrow * perRow} numbers (${perRow} a row${attributes.members ? ", the ensemble's and each member's" : ""}), more than the ${MAX_CONTRIBUTION_NUMBERS} one answer holds: send at most ${Math.floor(MAX_CONTRIBUTION_NUMBERS / perRow)} rows per request`);
        }
      }
    }
    // the inputs are finite or missing, so a non-finite prediction is a fault of the model, never sent as an answer
    const bad = pred.prediction.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`the model predicted ${pred.prediction[bad]} for row ${r0 + Math.floor(bad / width) + 1}: a damaged model file?`);
    prediction.set(pred.prediction, r0 * width);
    if (attributes.members) for (const [name, p] of Object.entries(pred.members)) (members[name] ??= new Float64Array(nrow * (p.length / block.nrow))).set(p, r0 * (p.length / block.nrow));
    if (attributes.contributions) {
      if (outFormat === "csv") {
        // probabilities=true: the label and every class's probability lead, as without contributions (they were
        // dropped for the prediction alone, P(second class) for binary); else the prediction(s)
        const classes = labelled && attributes.probabilities ? ensemble.classesOf(pred.prediction) : undefined;
        contributionLines += contributionsCsv(ensemble, block, (r) =>
          classes ? labelCells(classes[r], true) : Array.from(pred.prediction.subarray(r * width, (r + 1) * width), String),
        );
      }
      else {
        const c = contributionsJson(ensemble, block, attributes.members);
        for (const row of c.contributions) contributionRows.push(row);
        for (const [name, rows] of Object.entries(c.member_contributions ?? {})) for (const row of rows) (memberContributionRows[name] ??= []).push(row);
      }
    }
    done = r1;
    spentMs += performance.now() - t0;
    return done < nrow;
  };
  const answer = (): InvocationResult => {
    if (done < nrow || !prediction) throw new Error(`the invocation predicted ${done} of its ${nrow} rows`);
    const summary = drift ? driftSummary(drift) : undefined;
    const extra = summary ? { customAttributes: summary.header } : {};
    if (outFormat === "csv" && attributes.contributions) return { status: 200, contentType: MIME.csv, body: contributionLines, ...extra };
    // the class of each row, and its probabilities, from the same prediction
    const classes = labelled ? ensemble.classesOf(prediction) : undefined;
    if (outFormat === "csv") {
      const text = classes ? labelsCsv(classes, attributes.probabilities) : csvOf(prediction, nrow);
      return { status: 200, contentType: MIME.csv, body: text, ...extra };
    }
    const out: Record<string, unknown> = {
      // with contributions, the probabilities they add up to come along
      predictions: classes ? classes.map((c) => (attributes.probabilities || attributes.contributions ? c : { label: c.label })) : rowsOf(prediction, nrow),
    };
    if (summary && Object.keys(summary.columns).length) out.drift = summary.columns;
    if (attributes.members) out.members = Object.fromEntries(Object.entries(members).map(([name, p]) => [name, rowsOf(p, nrow)]));
    if (attributes.contributions) {
      out.contributions = contributionRows;
      if (attributes.members) out.member_contributions = memberContributionRows;
    }
    return { status: 200, contentType: MIME.json, body: JSON.stringify(out), ...extra };
  };
  return { step, answer };
}
