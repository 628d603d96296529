/**
 * A batch transform's data, as SageMaker handles it between the input object and the container (pure, no I/O):
 *
 *   split      SplitType None: the object is one record; Line: one record per line (a last empty line is none)
 *   filter     DataProcessing.InputFilter (./jsonpath) on each record: a CSV record is the JSON array of its
 *              fields (RFC 4180 quoting), a JSON record (application/json, application/jsonlines) its value
 *   batch      BatchStrategy SingleRecord: one record per request; MultiRecord: as many records, in order, as fit
 *              in MaxPayloadInMB, joined with newlines
 *   answers    a mini-batch's answer split back into one output per record: lines (text/csv,
 *              application/jsonlines, …), or for application/json a JSON array or an object holding one
 *              (`{"predictions": […]}`) — it must hold as many outputs as the batch had records
 *   join       JoinSource Input: CSV — the input's fields then the output's; JSON — the input object with
 *              SageMakerOutput, or {SageMakerInput, SageMakerOutput} when the input is not an object. A CSV answer
 *              joined to JSON is the JSON array of its fields, numbers as numbers ("0.73" → [0.73]): AWS takes a CSV
 *              record as a JSON array and writes its examples' records so ([1,2,3], the label result [1]); what
 *              becomes of a CSV answer under SageMakerOutput the docs leave open, and text "0.73" would make every
 *              reader parse the numbers again
 *   output     DataProcessing.OutputFilter on the joined record, written back as CSV or JSON
 *   assemble   AssembleWith Line: each output followed by a newline; None: the answers concatenated as they are
 */
import { decimalNumber } from "node-xgboost-wasm";
import { evaluateJsonPath, JsonPath } from "./jsonpath";

export type RecordFormat = "csv" | "json" | "raw";

/** the form of records of a content type (CSV and JSON can be filtered and joined; anything else passes as is) */
export function formatOf(contentType: string | undefined): RecordFormat {
  const t = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (t === "text/csv" || t === "application/csv") return "csv";
  if (t === "application/json" || t === "application/jsonlines" || t === "application/x-jsonlines") return "json";
  return "raw";
}

export interface InputRecord {
  /** the record as read (a line without its newline, or the whole object) */
  text: string;
  /** 1-based line of the object where it starts */
  line: number;
}

/** the records of one input object */
export function splitRecords(text: string, splitType: "None" | "Line"): InputRecord[] {
  if (splitType === "None") return text.length ? [{ text, line: 1 }] : [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l, i) => ({ text: l.endsWith("\r") ? l.slice(0, -1) : l, line: i + 1 }));
}

/** one CSV line → its fields (RFC 4180: "…" quotes, "" inside quotes) */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error("unterminated quoted field");
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
      if (i >= line.length) return out;
      if (line[i] !== ",") throw new Error(`a quoted field is followed by ${JSON.stringify(line[i])}, not a comma`);
      i++;
    } else {
      const c = line.indexOf(",", i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** a record's value for JSONPath: CSV → the array of its fields, JSON → the parsed value */
export function recordValue(text: string, format: RecordFormat): unknown {
  if (format === "csv") return csvFields(text);
  if (format === "json") return JSON.parse(text);
  throw new Error("records of this content type cannot be filtered or joined (CSV or JSON only)");
}

/** a selected value written back as one record of the format */
export function recordText(value: unknown, format: RecordFormat): string {
  if (format === "csv") return Array.isArray(value) ? value.map(csvField).join(",") : csvField(value);
  return JSON.stringify(value);
}

/** InputFilter on one record (undefined path or "$": the record as it is) */
export function filterInput(rec: string, format: RecordFormat, path: JsonPath | undefined): string {
  if (!path || path.segments.length === 0) return rec;
  return recordText(evaluateJsonPath(path, recordValue(rec, format)), format);
}

/** mini-batches as [first, end) record ranges: one record each, or as many as fit in maxBytes (joined by "\n") */
export function miniBatches(sizes: number[], strategy: "SingleRecord" | "MultiRecord", maxBytes: number): [number, number][] {
  const out: [number, number][] = [];
  if (strategy === "SingleRecord") {
    for (let i = 0; i < sizes.length; i++) out.push([i, i + 1]);
    return out;
  }
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < sizes.length; i++) {
    const add = sizes[i] + 1; // the record and its newline
    if (i > start && bytes + add > maxBytes) {
      out.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += add;
  }
  if (start < sizes.length) out.push([start, sizes.length]);
  return out;
}

/** a mini-batch's answer as one output per record, or an Error saying why it cannot be split so */
export function splitAnswer(body: string, accept: string | undefined, n: number): string[] {
  const t = (accept ?? "").split(";")[0].trim().toLowerCase();
  let outs: string[];
  if (t === "application/json") {
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      throw new Error("the answer is not valid JSON");
    }
    const list = Array.isArray(v) ? v : v && typeof v === "object" ? Object.values(v).find((x) => Array.isArray(x) && x.length === n) : undefined;
    if (!Array.isArray(list)) throw new Error(`the JSON answer holds no list of ${n} outputs (a JSON array, or an object such as {"predictions": […]})`);
    outs = list.map((x) => JSON.stringify(x));
  } else {
    outs = body.split("\n");
    if (outs[outs.length - 1] === "") outs.pop();
    outs = outs.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  }
  if (outs.length !== n) throw new Error(`the model answered ${outs.length} output record(s) for ${n} input record(s)`);
  return outs;
}

/** a CSV field as a JSON value: a number when it is a decimal number's text that the number keeps — JavaScript writes it
 * back the same, or it has at most 15 significant digits (which a double holds) and no leading zero ("1e-05", "1.10"
 * are numbers; "001", a label, and "12345678901234567890", past a double's digits, stay text) —, else the text (also
 * "0x1", "NaN", "Infinity", "" and a number past a double's range, which JSON would write as null) */
function jsonOfField(field: string): string | number {
  const v = decimalNumber(field);
  if (v === undefined || !Number.isFinite(v)) return field;
  const t = field.trim();
  if (String(v) === t) return v;
  const digits = t.replace(/^[+-]/, "").replace(/[eE].*$/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return /^[+-]?0\d/.test(t) || digits.length > 15 ? field : v;
}

/** JoinSource Input: the input record with its output, as the output's record (CSV fields appended; JSON SageMakerOutput) */
export function joinRecord(input: string, inFormat: RecordFormat, output: string, outFormat: RecordFormat): unknown {
  const inValue = recordValue(input, inFormat);
  if (inFormat === "csv") {
    const outValue = outFormat === "csv" ? csvFields(output) : [JSON.parse(output)];
    return [...(inValue as string[]), ...outValue];
  }
  // JSON input: the CSV answer's fields as JSON values — they were text ("0.73"), a number no JSON reader saw as one
  const outValue = outFormat === "json" ? JSON.parse(output) : outFormat === "csv" ? csvFields(output).map(jsonOfField) : output;
  if (inValue && typeof inValue === "object" && !Array.isArray(inValue)) return { ...(inValue as Record<string, unknown>), SageMakerOutput: outValue };
  return { SageMakerInput: inValue, SageMakerOutput: outValue };
}

/** one output record after join and OutputFilter, in the input's format when joined, else the answer's */
export function outputRecord(
  input: string,
  inFormat: RecordFormat,
  output: string,
  outFormat: RecordFormat,
  join: boolean,
  outputFilter: JsonPath | undefined,
): string {
  if (!join && !outputFilter) return output;
  const format = join ? inFormat : outFormat;
  const value = join ? joinRecord(input, inFormat, output, outFormat) : recordValue(output, outFormat);
  const filtered = outputFilter && outputFilter.segments.length ? evaluateJsonPath(outputFilter, value) : value;
  return recordText(filtered, format);
}
