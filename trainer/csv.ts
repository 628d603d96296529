/**
 * A small, validating CSV record splitter (RFC 4180: comma separator — or the body's own, ./bodies — fields
 * optionally in double quotes with "" as an escaped quote, LF or CRLF line ends)
 * for the request bodies of `/invocations`: a body is a few rows held as one
 * string, and its errors must name the row and column (./bodies). Channel files
 * are read by lib's loadTable (its own streaming CSV reader, which names file,
 * line and column).
 */
import { decimalNumber } from "ensemble-workbook";

export interface CsvRecord {
  /** 1-based line number where the record starts */
  line: number;
  fields: string[];
}

/** Split CSV text into records, fields separated by `sep` (one character). Blank lines are allowed only at the end.
 * Throws naming the line; `firstLine` is the text's first line's number (lines cut off before it). */
export function splitCsv(text: string, what = "CSV", sep = ",", firstLine = 1): CsvRecord[] {
  const SEP = sep.charCodeAt(0);
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = firstLine;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  let blankAt = 0; // line of the first blank line seen (error if a record follows)
  while (i < n) {
    const startLine = line;
    // blank line?
    if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] === "\n")) {
      if (!blankAt) blankAt = line;
      i += text[i] === "\r" ? 2 : 1;
      line++;
      continue;
    }
    if (blankAt) throw new Error(`${what}: line ${blankAt} is empty (blank lines are only allowed at the end)`);
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (text[i] === '"') {
        let j = i + 1;
        let out = "";
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new Error(`${what}: line ${startLine}, column ${fields.length + 1}: quoted field is not closed`);
          out += text.slice(j, q);
          for (let k = j; k < q; k++) if (text[k] === "\n") line++;
          if (text[q + 1] === '"') {
            out += '"';
            j = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        field = out;
        if (i < n && text[i] !== sep && text[i] !== "\n" && text[i] !== "\r") {
          throw new Error(`${what}: line ${line}, column ${fields.length + 1}: unexpected character after a closing quote`);
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === SEP || c === 10 /* \n */ || c === 13 /* \r */) break;
          j++;
        }
        field = text.slice(i, j);
        if (field.includes('"')) throw new Error(`${what}: line ${line}, column ${fields.length + 1}: stray quote in an unquoted field`);
        i = j;
      }
      fields.push(field);
      if (i >= n) break;
      if (text[i] === sep) {
        i++;
        continue;
      }
      // line end
      if (text[i] === "\r") {
        if (text[i + 1] !== "\n") throw new Error(`${what}: line ${line}: bare carriage return`);
        i++;
      }
      i++;
      line++;
      break;
    }
    records.push({ line: startLine, fields });
  }
  return records;
}

/** the spellings of a missing value: empty, NA, null, and NaN in any case with any sign (numpy writes "nan", "-nan") */
const MISSING = /^(?:|NA|null|[+-]?nan)$/i;
/** infinity as C's strtod, Python's float() and numpy spell it, in any case */
const INFINITY = /^[+-]?inf(?:inity)?$/i;

/**
 * A CSV cell as a number: a missing value (MISSING) → NaN, a strict decimal → its value (±Infinity when beyond
 * the float64 range, like 1e400), an infinity in any spelling → ±Infinity; undefined if not a number. Callers
 * that need finite values (request bodies) check for ±Infinity.
 */
export function cellNumber(s: string): number | undefined {
  // fast path: Number() checks the structure; reject only the non-decimal forms it also accepts
  // (0x1f, 0b1, 0o7, Infinity) and require a digit ("" and " " are 0 for Number, missing here)
  const n = Number(s);
  if (n === n && n !== Infinity && n !== -Infinity && plainDecimal(s)) return n;
  const t = s.trim();
  if (MISSING.test(t)) return NaN;
  const decimal = decimalNumber(t); // the core's one reading of decimal text
  if (decimal !== undefined) return decimal;
  if (INFINITY.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  return undefined;
}

function plainDecimal(s: string): boolean {
  let digit = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digit = true;
    else if (c !== 46 /* . */ && c !== 45 /* - */ && c !== 43 /* + */ && c !== 101 /* e */ && c !== 69 /* E */ && c !== 32 && c !== 9) return false;
  }
  return digit;
}
