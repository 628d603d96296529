/**
 * Request bodies → the row-major Float32Array the ensemble predicts on, in the trained feature order.
 *
 * CSV: rows of feature values, no header (a header equal to the feature names is skipped), an empty cell is a
 * missing value; a fast path reads the common body (numbers only, no quotes, every row complete) in one pass
 * and anything unusual falls back to csv.ts's validating splitter, which names the problem. JSON:
 * `{"instances": [[…], …]}` or `{"instances": [{"<feature>": value, …}, …]}` (every feature named, null =
 * missing). Every error is a 400 naming the row and the column (with its feature name).
 */
import { cellNumber, splitCsv } from "./csv";
import { HttpError } from "./formats";

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

/** CSV body → row-major Float32Array; errors name the row (1-based line) and column (1-based, with feature name). */
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
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `JSON body is not valid JSON: ${(e as Error).message}`);
  }
  const instances: unknown = Array.isArray(body) ? body : body && typeof body === "object" ? (body as { instances?: unknown }).instances : undefined;
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
