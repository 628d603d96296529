/**
 * Request bodies → the row-major Float32Array the ensemble predicts on, in the trained feature order.
 *
 * Bytes → text first (decodeBody): the Content-Type's charset (UTF-8 by default; UTF-16 and the single-byte
 * charsets TextDecoder knows), a byte order mark (which wins over the charset, as in browsers) is dropped,
 * invalid bytes are an error naming the line. CSV: rows of feature values, no header (a header equal to the
 * feature names is skipped), an empty cell or NaN in any spelling is a missing value; a fast path reads the
 * common body (numbers only, no quotes, every row complete) in one pass and anything unusual falls back to
 * csv.ts's validating splitter, which names the problem. JSON: `{"instances": [[…], …]}` or
 * `{"instances": [{"<feature>": value, …}, …]}` (every feature named, null = missing), nested at most
 * MAX_JSON_NESTING deep. Every value must be finite as a float32 (|x| ≤ 3.4e38, the type the model compares
 * against): an infinity in any spelling, or a number beyond that range (1e39, 1e400), is refused — it cannot
 * be scored, and the core would refuse it further down, which the client would see as a server fault.
 * Every error is a 400 (415 for an unknown charset) naming the row, the column (with its feature name) and the
 * value, shortened when long.
 *
 * Models trained on tables with text (a `BodySchema` with categorical columns): a categorical column's cell is
 * its text — a number sent for it is read as its text ("3", as in training), a missing token (the training job's
 * `na_values`, else pandas' defaults) is missing, and a category the training data never held is also missing, as
 * XGBoost's categorical splits and CatBoost's target statistics treat it (XGBoost sends it down the missing
 * branch; our catboost member gives it the prior). Both are counted per column (`drift`). Text in a numeric
 * column stays a 400 naming row, column and value. A CSV body may start with a header row: when every field of
 * the first row is a feature name (or the label), the columns are read by name, in whatever order they come, and
 * the label column is ignored; a header that lacks a feature is a 400 naming it.
 *
 * LIBSVM (text/libsvm, and a body without Content-Type, as SageMaker's XGBoost reads both): a line a row of
 * `index:value` pairs — a leading label token without a colon is ignored, as that container ignores it —, index i the
 * model's i-th feature (f<i> of a model trained on LIBSVM, whose columns are its indices as written), an absent
 * entry missing, a blank line between rows a row of missing values (one answer a line, as that container answers); an
 * index past the model's features, a qid, junk is a 400 naming the line.
 */
import { categoryCode, jsonNanHint, numericNaValues, parseLibsvm, sniffSeparator, type ColumnSchema, type Drift } from "ensemble-workbook";
import { cellNumber, splitCsv } from "./csv";
import { HttpError } from "./formats";
import { jsonNesting } from "@ensemble-workbook/sagemaker-local/guard";

/** The columns a body is read with: the model's feature columns, the missing-value tokens, the label's name. */
export interface BodySchema {
  columns: ColumnSchema[];
  /** text cells that are missing values (the training job's na_values, else pandas' defaults) */
  naValues: ReadonlySet<string>;
  /** the label column, ignored when a CSV header or a JSON object names it */
  label?: string;
}

/** A parsed body: row-major values in the model's feature order (category codes for categorical columns). */
export interface ParsedBody {
  X: Float32Array;
  nrow: number;
  /** missing and unseen cells per column, for a model with categorical columns */
  drift?: Drift;
}

/** feature names (every column numeric, the default missing spellings) or a model's schema */
export type BodyColumns = string[] | BodySchema;

function schemaOf(c: BodyColumns): BodySchema {
  return Array.isArray(c) ? { columns: c.map((name) => ({ name, type: "numeric" as const })), naValues: new Set() } : c;
}

/**
 * One column's cell reader: text (CSV) or a JSON value → the stored number, counting drift; throws a message
 * (without the row and column, which the caller adds) for a value it cannot read.
 */
type CellReader = (v: unknown) => number;

/** the missing-value tokens that read as numbers, once per schema (a loaded model's is cached: ./invocation) — lib's
 * rule, as loadTable read the training file: a number equal to such a token is missing */
const naNumbersBySchema = new WeakMap<BodySchema, ReadonlySet<number>>();
function naNumbersOf(schema: BodySchema): ReadonlySet<number> {
  let out = naNumbersBySchema.get(schema);
  if (!out) naNumbersBySchema.set(schema, (out = numericNaValues(schema.naValues, cellNumber)));
  return out;
}

function cellReaders(schema: BodySchema, drift: Drift | undefined, format: "csv" | "json"): CellReader[] {
  const na = schema.naValues;
  const isNa = (t: string) => na.has(t) || na.has(t.trim());
  const naNumbers = naNumbersOf(schema);
  return schema.columns.map((col) => {
    const d = drift ? (drift[col.name] = { missing: 0, unseen: 0 }) : undefined;
    if (col.type === "categorical") {
      const index = new Map((col.categories ?? []).map((t, k) => [t, k]));
      return (v) => {
        if (v === null || (typeof v === "number" && Number.isNaN(v))) {
          if (d) d.missing++;
          return NaN;
        }
        if (typeof v === "object") throw new CellError(`${preview(v)} is not a category (send its text, or null for a missing value)`);
        const t = String(v);
        if (typeof v === "string" && (isNa(t) || t.trim() === "")) {
          if (d) d.missing++;
          return NaN;
        }
        // lib's rule, as Ensemble.predict reads a cell: "3.0" of an integer-coded column, true as "true" or "True"
        const k = categoryCode(index, v);
        if (k === undefined) {
          if (d) d.unseen++;
          return NaN;
        }
        return k;
      };
    }
    return (v) => {
      let n: number | undefined;
      if (typeof v === "number") n = naNumbers.has(v) ? NaN : v;
      else if (v === null) n = NaN;
      else if (typeof v === "string") n = isNa(v) ? NaN : cellNumber(v);
      if (n === undefined) throw new CellError(`${preview(v)} is not a number${col.type === "numeric" && schema.columns.some((c) => c.type === "categorical") ? " (the column is numeric)" : ""}`);
      const bad = outOfRange(n, v);
      // JSON.parse reads a number beyond the float64 range (1e400) as Infinity: say so rather than show "Infinity"
      if (bad) throw new CellError(`${typeof v === "number" && !Number.isFinite(v) ? "a number beyond the float64 range" : preview(v)} ${bad}; features must be finite numbers (${format === "csv" ? "empty or NaN" : "null"} for a missing value)`);
      if (d && Number.isNaN(n)) d.missing++;
      return n;
    };
  });
}

/** a cell that cannot be read: the caller adds where */
class CellError extends Error {}

/** the deepest JSON body understood: {"instances": [[…]]} nests 3 levels */
export const MAX_JSON_NESTING = 16;

/** a value as an error message shows it: quoted and shortened (a 5 MB cell, a value nested a million levels deep) */
export function preview(v: unknown): string {
  if (typeof v === "string") return v.length > 60 ? `${JSON.stringify(v.slice(0, 60))}… (${v.length} characters)` : JSON.stringify(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v !== null && typeof v === "object") return "an object";
  return String(v);
}

/** why a parsed value cannot be scored, or undefined when it can (finite in float32, or NaN = missing) */
function outOfRange(v: number, text?: unknown): string | undefined {
  // a decimal too long or too large for float64 (1e400) parses as ±Infinity: it is beyond the range, not infinite
  if ((v === Infinity || v === -Infinity) && !(typeof text === "string" && /inf/i.test(text))) return "is beyond the float32 range (±3.4e38)";
  if (v === Infinity || v === -Infinity) return "is not finite";
  // beyond once stored as a float32 — as the fast path stores it (3.40282356e38 rounds to the largest float32, as
  // training's reader rounds it; this path refused it)
  const f = Math.fround(v);
  if (f === Infinity || f === -Infinity) return "is beyond the float32 range (±3.4e38)";
  return undefined;
}

const BOMS: [number[], string][] = [
  [[0xef, 0xbb, 0xbf], "utf-8"],
  [[0xff, 0xfe], "utf-16le"],
  [[0xfe, 0xff], "utf-16be"],
];

/** The body's bytes as text, by its byte order mark, else the Content-Type's charset, else UTF-8. */
export function decodeBody(bytes: Uint8Array, contentType: string | undefined): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? "")?.[1]?.toLowerCase();
  const bom = BOMS.find(([b]) => b.every((x, i) => bytes[i] === x))?.[1];
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(bom ?? (charset || "utf-8"), { fatal: true });
  } catch {
    throw new HttpError(415, `unsupported charset ${JSON.stringify(charset)} in Content-Type; send UTF-8 (or UTF-16, ISO-8859-1)`);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    const lossy = new TextDecoder(decoder.encoding).decode(bytes);
    const at = lossy.indexOf("\ufffd");
    const line = lossy.slice(0, Math.max(0, at)).split("\n").length;
    throw new HttpError(400, `body is not valid ${decoder.encoding} text: invalid bytes on line ${line}${charset ? "" : " (no charset in Content-Type: UTF-8 assumed)"}`);
  }
}

/**
 * Fast path for the common body: no quotes, numbers only, every row complete. Values go
 * through the same cellNumber as the general path; anything unusual (a header, a quote,
 * a bad cell, a ragged or blank row) returns undefined and the general path parses the
 * body again and names the problem.
 */
function fastCsvBody(text: string, ncol: number, sep: string): { X: Float32Array; nrow: number } | undefined {
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
      const to = j < ncol - 1 ? text.indexOf(sep, from) : le;
      if (to < 0 || to > le) return undefined; // too few values
      const v = cellNumber(text.slice(from, to)); // a stray comma in the last field fails here
      if (v === undefined) return undefined;
      X[k] = v;
      const f = X[k++]; // as stored: a float64 beyond ±3.4e38 became ±Infinity
      if (f === Infinity || f === -Infinity) return undefined; // the general path names it
      from = to + 1;
    }
    pos = lineEnd + 1;
  }
  return { X, nrow };
}

/** the first line's fields of a body without quotes (the fast path's), trimmed */
function firstLineFields(text: string, sep: string): string[] {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = text.indexOf("\n", start);
  return text.slice(start, end < 0 ? text.length : end).replace(/\r$/, "").split(sep).map((f) => f.trim());
}

/**
 * Whether a body's first row (its fields, as names: trimmed unless a feature's name as they are) is a header: it names features (and maybe the label), and nothing
 * else. Where the model's features are named by numbers (0, 1, 2, as pandas names a frame's columns), a row of numbers
 * is a row — unless it names every feature once, when it reads as both a header and a row: a 400 naming it, never a
 * guess. Before, the general path took a row of feature names' numbers for a header (a prediction too few, the columns
 * reordered; or a valid row refused as a header lacking a feature), the fast path (plain numbers) for a row.
 */
function headerOrRow(head: string[], features: string[], label: string | undefined, line: number): "header" | "row" {
  const known = (f: string) => features.includes(f) || f === label;
  if (!(head.some((f) => features.includes(f)) && head.every(known))) return "row";
  if (!head.every((f) => { const n = cellNumber(f); return n !== undefined && !Number.isNaN(n); })) return "header";
  const named = new Set(head.filter((f) => f !== label));
  if (named.size !== head.filter((f) => f !== label).length || features.some((f) => !named.has(f))) return "row";
  throw new HttpError(
    400,
    `CSV body: line ${line} (${head.join(",")}) reads both as a header row (the model's features are named ${features.join(", ")}) and as a row of numbers; send the rows without a header row in the features' order, or as JSON ({"instances": [[…], …]})`,
  );
}

/**
 * A CSV body without its lines of spaces alone before the first row and after the last, and how many lines went before
 * it: SageMaker's XGBoost strips the body (payload.strip()) before it reads the rows, so a body sent with a leading
 * blank line was answered there and a 400 here ("line 1 is empty"), and a last line of spaces was a row here (a 400
 * naming its width; for a one-feature model a missing value, one more prediction than rows sent). Spaces, \v and \f
 * count as blank (CSV gives them no meaning). A line holding a tab stays, where that container strips it too: it is a
 * TSV row of missing values, dropped there without a word.
 */
function trimBlankLines(text: string): { text: string; skipped: number } {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let skipped = 0;
  for (let i = start; ; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 13 || c === 11 || c === 12) continue;
    if (c !== 10) break;
    start = i + 1;
    skipped++;
  }
  let end = text.length;
  for (;;) {
    let i = end;
    while (i > start && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 11 || text.charCodeAt(i - 1) === 12)) i--;
    if (i === start || text.charCodeAt(i - 1) !== 10) break;
    end = i - 1;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
  }
  return { text: start === 0 && end === text.length ? text : text.slice(start, end), skipped };
}

/**
 * A body's separator: lib's sniffSeparator (comma, tab, semicolon or pipe on the first line) — or a space, where the
 * first line has none of those, no quote, and fields between spaces, and the model more than one feature: SageMaker's
 * XGBoost sniffs a space there (csv.Sniffer), so numpy's savetxt rows (its default delimiter is a space) sent as
 * text/csv were answered there and a 400 here ("row 1 has 1 values"). One feature: a space is in a value ("Science
 * Fiction"), never a separator.
 */
function bodySeparator(text: string, ncol: number): string {
  const sep = sniffSeparator(text);
  if (sep !== "," || ncol < 2) return sep;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = text.indexOf("\n", start);
  const first = text.slice(start, end < 0 ? text.length : end).replace(/\r$/, "");
  return !/[,"]/.test(first) && / /.test(first.trim()) ? " " : sep;
}

/**
 * CSV body → row-major Float32Array; errors name the row (1-based line) and column (1-based, with feature name). The
 * fields' separator is the body's first line's (comma, tab, semicolon, pipe or space: bodySeparator), as SageMaker's
 * XGBoost serves text/csv (csv.Sniffer on the first line): a semicolon-separated body, which it answers, was a 400.
 */
export function parseCsvBody(body: string, columns: BodyColumns): ParsedBody {
  const { text, skipped } = trimBlankLines(body);
  const schema = schemaOf(columns);
  const features = schema.columns.map((c) => c.name);
  const sep = bodySeparator(text, features.length);
  const categorical = schema.columns.some((c) => c.type === "categorical");
  // the fast path reads every cell as a number: not where a number is a missing-value token; nor where a space
  // separates them (it trims a value's spaces: a row's trailing space, an empty last field there, would be lost)
  if (!categorical && naNumbersOf(schema).size === 0 && sep !== " ") {
    const fast = fastCsvBody(text, features.length, sep);
    if (fast) {
      // a first line of numbers that are the features' names (pandas' default names 0, 1, 2…): a header or a row?
      if (features.every((f) => cellNumber(f) !== undefined)) headerOrRow(firstLineFields(text, sep), features, schema.label, 1 + skipped);
      return fast;
    }
  }
  let records;
  try {
    records = splitCsv(text, "CSV body", sep, 1 + skipped);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
  const ncol = features.length;
  // where each feature is among the body's fields: in order, or by the names of a header row
  let at = features.map((_, j) => j);
  let width = ncol;
  // a header's field as the name it gives: trimmed, unless it is a feature's (or the label's) name as it is — a
  // model trained on a JSON key " age" is sent that name (lib's Predictor), which trimmed matched no feature
  const named = (f: string) => (features.includes(f) || f === schema.label ? f : f.trim());
  if (records.length > 0) {
    const head = records[0].fields.map(named);
    if (headerOrRow(head, features, schema.label, records[0].line) === "header") {
      const absent = features.filter((f) => !head.includes(f));
      if (absent.length) throw new HttpError(400, `CSV body: the header row (line ${records[0].line}) lacks the feature${absent.length > 1 ? "s" : ""} ${absent.map((a) => JSON.stringify(a)).join(", ")}; features are: ${features.join(", ")}`);
      const dup = head.find((f, i) => head.indexOf(f) !== i);
      if (dup !== undefined) throw new HttpError(400, `CSV body: the header row (line ${records[0].line}) names ${JSON.stringify(dup)} twice`);
      at = features.map((f) => head.indexOf(f));
      width = head.length;
      records = records.slice(1);
    }
  }
  if (records.length === 0) throw new HttpError(400, "CSV body has no rows");
  const X = new Float32Array(records.length * ncol);
  const drift: Drift | undefined = categorical ? {} : undefined;
  const read = cellReaders(schema, drift, "csv");
  records.forEach((r, i) => {
    if (i === 0 && width === ncol && at.every((p, j) => p === j)) {
      // a header naming features and columns the model lacks (an id): named as such, not as a row of the wrong width
      const head = r.fields.map(named);
      const unknown = head.filter((f) => !features.includes(f) && f !== schema.label);
      if (head.some((f) => features.includes(f)) && unknown.length && unknown.length < head.length && unknown.every((f) => f !== "" && cellNumber(f) === undefined)) {
        throw new HttpError(400, `CSV body: the header row (line ${r.line}) names column${unknown.length > 1 ? "s" : ""} the model does not have: ${unknown.slice(0, 5).map((f) => JSON.stringify(f)).join(", ")}${unknown.length > 5 ? ", …" : ""}; features are: ${features.join(", ")}`);
      }
    }
    if (r.fields.length !== width) {
      throw new HttpError(400, `CSV body: row ${i + 1} (line ${r.line}) has ${r.fields.length} values, expected ${width} (${width === ncol && at.every((p, j) => p === j) ? features.join(", ") : "as in the header row"})`);
    }
    for (let j = 0; j < ncol; j++) {
      try {
        X[i * ncol + j] = read[j](r.fields[at[j]]);
      } catch (e) {
        if (!(e instanceof CellError)) throw e;
        throw new HttpError(400, `CSV body: row ${i + 1} (line ${r.line}), column ${at[j] + 1} (${features[j]}): ${e.message}`);
      }
    }
  });
  return { X, nrow: records.length, ...(drift ? { drift } : {}) };
}

/** How many JSON documents the text holds one a line (JSON Lines), when every non-empty line is one; else 0. */
function jsonLinesCount(text: string): number {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length < 2) return 0;
  for (const l of lines) {
    try {
      JSON.parse(l);
    } catch {
      return 0;
    }
  }
  return lines.length;
}

/** JSON body ({"instances": [...]}) → row-major Float32Array; errors name the instance (row) and feature (column). */
export function parseJsonBody(text: string, columns: BodyColumns): ParsedBody {
  const schema = schemaOf(columns);
  const features = schema.columns.map((c) => c.name);
  let body: unknown;
  if (jsonNesting(text, MAX_JSON_NESTING) > MAX_JSON_NESTING) throw new HttpError(400, `JSON body nests deeper than ${MAX_JSON_NESTING} levels; send {"instances": [[…], …]}`);
  const parsed = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    body = JSON.parse(parsed);
  } catch (e) {
    const lines = jsonLinesCount(text);
    if (lines > 1) {
      throw new HttpError(400, `JSON body holds ${lines} JSON documents, one a line (JSON Lines — what a batch transform with SplitType Line sends, its records joined by newlines): this endpoint reads one document, {"instances": [[…], …]}; in a transform job give JSON files with SplitType None, or CSV with SplitType Line`);
    }
    throw new HttpError(400, `JSON body is not valid JSON: ${(e as Error).message}${jsonNanHint(e, parsed, "the rows as CSV (an empty cell or nan is missing)")}`);
  }
  const instances: unknown = Array.isArray(body) ? body : body && typeof body === "object" ? (body as { instances?: unknown }).instances : undefined;
  // a key beside instances asks for something this endpoint does not do (SageMaker's built-in algorithms' "configuration",
  // TensorFlow Serving's "signature_name"): it was ignored, and the answer looked like the one asked for
  const others = Array.isArray(instances) && !Array.isArray(body) ? Object.keys(body as object).filter((k) => k !== "instances") : [];
  if (others.length) throw new HttpError(400, `JSON body: ${others.slice(0, 5).map((k) => preview(k)).join(", ")}${others.length > 5 ? ", …" : ""} beside "instances" ${others.length > 1 ? "are" : "is"} not read by this endpoint; send {"instances": […]} alone (its options are X-Amzn-SageMaker-Custom-Attributes: members, contributions, probabilities)`);
  if (!Array.isArray(instances)) throw new HttpError(400, 'JSON body needs {"instances": [[…], …]}, {"instances": [{"<feature>": value, …}, …]} or {"instances": [{"features": […]}, …]}');
  if (instances.length === 0) throw new HttpError(400, "JSON body: instances is empty");
  const ncol = features.length;
  const index = new Map(features.map((f, j) => [f, j]));
  const X = new Float32Array(instances.length * ncol);
  const drift: Drift | undefined = schema.columns.some((c) => c.type === "categorical") ? {} : undefined;
  const read = cellReaders(schema, drift, "json");
  const cell = (i: number, j: number, v: unknown, row: string) => {
    try {
      X[i * ncol + j] = read[j](v);
    } catch (e) {
      if (!(e instanceof CellError)) throw e;
      throw new HttpError(400, `JSON body: ${row}, column ${j + 1} (${features[j]}): ${e.message}`);
    }
  };
  instances.forEach((instance: unknown, i: number) => {
    const row = `row ${i + 1} (instances[${i}])`;
    // SageMaker's built-in algorithms' JSON rows, {"features": [values]}: the list, unless a feature is named so
    const inst = !index.has("features") && instance && typeof instance === "object" && !Array.isArray(instance) && Object.keys(instance).length === 1 && Array.isArray((instance as { features?: unknown }).features) ? (instance as { features: unknown[] }).features : instance;
    if (Array.isArray(inst)) {
      if (inst.length !== ncol) throw new HttpError(400, `JSON body: ${row} has ${inst.length} values, expected ${ncol} (${features.join(", ")})`);
      for (let j = 0; j < ncol; j++) cell(i, j, inst[j], row);
    } else if (inst && typeof inst === "object") {
      const obj = inst as Record<string, unknown>;
      for (const key of Object.keys(obj)) {
        if (!index.has(key) && key !== schema.label) throw new HttpError(400, `JSON body: ${row}: unknown feature ${preview(key)}; features are: ${features.join(", ")}`);
      }
      for (let j = 0; j < ncol; j++) {
        if (!(features[j] in obj)) throw new HttpError(400, `JSON body: ${row}, column ${j + 1} (${features[j]}): missing (use null for a missing value)`);
        cell(i, j, obj[features[j]], row);
      }
    } else {
      throw new HttpError(400, `JSON body: ${row} must be a list of ${ncol} values or an object keyed by feature name`);
    }
  });
  return { X, nrow: instances.length, ...(drift ? { drift } : {}) };
}

/**
 * LIBSVM body → row-major Float32Array (lib's parseLibsvm, the training reader's own): index i is the model's i-th
 * feature, an entry a row lacks is missing. Unlike SageMaker's XGBoost, a body whose indices all start at 1 is not
 * shifted down by one — its container guesses so at serving while training (xgboost.DMatrix) reads indices as
 * written, so a 1-based training file and its 1-based rows disagreed there; here both read them as written. `hint`
 * is added to its 400s (a body sent without Content-Type, read as LIBSVM).
 */
export function parseLibsvmBody(text: string, columns: BodyColumns, hint = ""): ParsedBody {
  const schema = schemaOf(columns);
  const features = schema.columns.map((c) => c.name);
  const ncol = features.length;
  const shown = ncol > 4 ? `${features.slice(0, 3).join(", ")} … ${features[ncol - 1]}` : features.join(", ");
  let p;
  try {
    p = parseLibsvm(text, "LIBSVM body", {
      label: "optional",
      blankRows: true,
      naValues: schema.naValues,
      maxIndex: ncol - 1,
      tooLarge: (i) => `feature index ${i} is past the model's features: it has ${ncol} (${shown}), indices 0 to ${ncol - 1}`,
    });
  } catch (e) {
    throw new HttpError(400, (e as Error).message + hint);
  }
  if (p.rows === 0) throw new HttpError(400, `LIBSVM body has no rows${hint}`);
  // sent without Content-Type, a body of no index:value pair is no LIBSVM a client meant: a CSV of one number a row read
  // so was each row's label (ignored) and no features — a 200 of the all-missing prediction for every row
  if (hint && p.indices.length === 0) throw new HttpError(400, `LIBSVM body has no index:value pair in any row${hint}`);
  const X = new Float32Array(p.rows * ncol);
  const drift: Drift | undefined = schema.columns.some((c) => c.type === "categorical") ? {} : undefined;
  const read = cellReaders(schema, drift, "json");
  const row = new Float64Array(ncol);
  for (let i = 0; i < p.rows; i++) {
    row.fill(NaN);
    for (let k = p.starts[i]; k < p.starts[i + 1]; k++) row[p.indices[k]] = p.values[k];
    for (let j = 0; j < ncol; j++) {
      try {
        X[i * ncol + j] = read[j](row[j]);
      } catch (e) {
        if (!(e instanceof CellError)) throw e;
        throw new HttpError(400, `LIBSVM body: row ${i + 1} (line ${p.lines[i]}), index ${j} (${features[j]}): ${e.message}`);
      }
    }
  }
  return { X, nrow: p.rows, ...(drift ? { drift } : {}) };
}
