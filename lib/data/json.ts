/**
 * JSON (an array of records, as vega-datasets ships movies.json and penguins.json) and JSON Lines (one
 * record per line) → typed columns. Columns are the union of the records' keys in order of first
 * appearance in the text (as pandas keeps them; Object.keys lists "2019" before "name"); a key a record lacks is
 * missing there. A column is numeric when every non-missing value is a number, else categorical with each value's text (booleans "true"/"false", numbers as written by
 * JavaScript). Missing: null, strings in the missing-value tokens, and numbers equal to a token that reads as one
 * (as in CSV). JSON is for tables that
 * fit comfortably in memory (it is parsed whole); large data belongs in CSV, Parquet or Arrow.
 */
import { decimalNumber } from "../core";
import { columnFromValues, firstInvalidUtf8, numericNaValues } from "./columns";
import type { LoadedColumns } from "./sources";

type Row = Record<string, unknown>;

/** A key that JavaScript objects list before the others, whatever its place: an array index ("0", "2019"). */
const isIndexKey = (k: string) => /^(0|[1-9]\d*)$/.test(k) && Number(k) < 4294967295;

/**
 * The records' keys in the order the text first gives them: the keys of the objects `keyDepth` brackets deep (2 in an
 * array of records, 1 on a JSON Lines line). Object.keys lists index keys first ({"name": …, "2019": …} gave 2019,
 * name), where pandas keeps the document's order; read only when a key is one (a pass over the text).
 */
function keysInTextOrder(text: string, keyDepth: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      if (depth === keyDepth) {
        let k = j + 1;
        while (k < text.length && (text[k] === " " || text[k] === "\t" || text[k] === "\n" || text[k] === "\r")) k++;
        if (text.charCodeAt(k) === 0x3a) {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (!seen.has(key)) {
            seen.add(key);
            out.push(key);
          }
        }
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return out;
}

function recordsToColumns(records: Row[], what: string, naValues: Set<string>, textColumns: Set<string>, textOrder: () => string[]): LoadedColumns {
  let names: string[] = [];
  const seen = new Set<string>();
  records.forEach((r, i) => {
    if (r === null || typeof r !== "object" || Array.isArray(r)) {
      throw new Error(`${what}: record ${i + 1} is ${Array.isArray(r) ? "an array" : JSON.stringify(r)}; expected an object of column values`);
    }
    for (const k of Object.keys(r)) if (!seen.has(k)) {
      seen.add(k);
      names.push(k);
    }
  });
  if (names.some(isIndexKey)) {
    const ordered = textOrder().filter((k) => seen.has(k));
    if (ordered.length === names.length) names = ordered;
  }
  const unknown = [...textColumns].filter((c) => !seen.has(c));
  if (unknown.length) throw new Error(`${what}: categorical column${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `"${c}"`).join(", ")} not found; columns are: ${names.join(", ")}`);
  // a number equal to a token that reads as one (na_values ["-999"]) is missing too, as in CSV
  const naNumbers = numericNaValues(naValues, decimalNumber);
  // a string token as is or trimmed, as the CSV, Parquet and Arrow readers compare (columns.ts missingTokens): " NA"
  // was a category in JSON and missing in the same table's CSV
  const missing = (v: unknown) =>
    v === null || v === undefined || (typeof v === "number" && (Number.isNaN(v) || naNumbers.has(v))) || (typeof v === "string" && (naValues.has(v) || naValues.has(v.trim())));
  const columns = names.map((name) => {
    const values = records.map((r) => r[name]);
    const nested = values.findIndex((v) => v !== null && typeof v === "object");
    if (nested >= 0) throw new Error(`${what}: record ${nested + 1}, column "${name}": ${JSON.stringify(values[nested]).slice(0, 60)} is a nested value; columns must hold numbers, strings or booleans`);
    return columnFromValues(values, missing, textColumns.has(name));
  });
  return { names, columns, rows: records.length };
}

/**
 * A JSON document's text: UTF-8, as JSON is — bytes that are not UTF-8 are an Error naming the line and byte (decoded
 * with U+FFFD for each bad byte, a Latin-1 file's "café" and "cafè" were one category; pandas' read_json stops
 * with a UnicodeDecodeError).
 */
export function jsonText(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes) ?? 0;
    let line = 1;
    for (let i = bytes.indexOf(10); i >= 0 && i < at; i = bytes.indexOf(10, i + 1)) line++;
    const byte = bytes[at].toString(16).toUpperCase().padStart(2, "0");
    throw new Error(`${what}: line ${line}: byte 0x${byte} (byte ${at + 1} of the file) is not UTF-8 — JSON is UTF-8 text; is the file Latin-1 or Windows-1252? Convert it to UTF-8 first (iconv -f cp1252 -t utf-8)`);
  }
}

/**
 * What to do when the parse stopped at NaN or Infinity: Python's json.dumps writes them for float nan and inf by
 * default (pandas' read_json reads them back), but they are not JSON. `text`: what was parsed — V8 says of -Infinity
 * only "No number after minus sign … at position p" (p just past the minus), so the text tells. `instead`: the other
 * way to send the data.
 */
export function jsonNanHint(e: unknown, text: string, instead = "the table as CSV or Parquet"): string {
  const message = (e as Error).message;
  const minus = /No number after minus sign in JSON at position (\d+)/.exec(message);
  const stoppedThere = (/Unexpected token '?(N|I)'?/.test(message) && /\b(NaN|Infinity)\b/.test(message)) || (minus !== null && text.startsWith("Infinity", Number(minus[1])));
  return stoppedThere
    ? ` — NaN and Infinity are not JSON (Python's json.dumps writes them for float nan and inf): write null for a missing number (pandas' to_json does; json.dumps(…, allow_nan=False) refuses them), or ${instead}`
    : "";
}

export function readJson(text: string, what: string, opts: { naValues: Set<string>; textColumns: Set<string> }): LoadedColumns {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: not valid JSON: ${(e as Error).message}${jsonNanHint(e, text)}`);
  }
  if (!Array.isArray(doc)) throw new Error(`${what}: expected a JSON array of records ([{"column": value, …}, …]), got ${doc === null ? "null" : typeof doc}`);
  return recordsToColumns(doc as Row[], what, opts.naValues, opts.textColumns, () => keysInTextOrder(text, 2));
}

export function readJsonLines(text: string, what: string, opts: { naValues: Set<string>; textColumns: Set<string> }): LoadedColumns {
  const records: Row[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === "") return;
    try {
      records.push(JSON.parse(t) as Row);
    } catch (e) {
      throw new Error(`${what}: line ${i + 1} is not valid JSON: ${(e as Error).message}${jsonNanHint(e, t)}`);
    }
  });
  return recordsToColumns(records, what, opts.naValues, opts.textColumns, () => keysInTextOrder(text, 1));
}
