/**
 * Arrow IPC (file or stream format) → typed columns, decoded by flechette (arquero's own Arrow reader,
 * pinned at 2.6.0 by the root package's override). Integers, floats, decimals, times and durations are
 * numeric (Float32Array); strings, dictionaries of strings and booleans are categorical; dates and
 * timestamps become Date values; nested and binary columns are an Error naming the column. Bytes that are
 * not Arrow (no "ARROW1" file magic and no stream message header) are an Error naming the file.
 */
import { tableFromIPC, Type } from "@uwdata/flechette";
import { CategoricalBuilder, missingTokens, textOf, type MissingTokens } from "./columns";
import { decimalNumber } from "../core";
import type { ColumnValues, LoadedColumns } from "./sources";

const TYPE_NAMES = Object.fromEntries(Object.entries(Type).map(([k, v]) => [v, k])) as Record<number, string>;

/** True when the bytes start like an Arrow IPC file ("ARROW1") or stream (a 0xFFFFFFFF continuation marker). */
export function looksLikeArrow(b: Uint8Array): boolean {
  const file = b.length >= 6 && String.fromCharCode(...b.subarray(0, 6)) === "ARROW1";
  const stream = b.length >= 8 && b[0] === 0xff && b[1] === 0xff && b[2] === 0xff && b[3] === 0xff;
  return file || stream;
}

type Kind = "numeric" | "text" | "date";

function kindOf(typeId: number, valueTypeId: number | undefined, name: string, what: string): Kind {
  switch (typeId) {
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Time:
    case Type.Duration:
    case Type.Null:
      return "numeric";
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
    case Type.Bool:
      return "text";
    case Type.Date:
    case Type.Timestamp:
      return "date";
    case Type.Dictionary:
      if (valueTypeId !== undefined) return kindOf(valueTypeId, undefined, name, what);
  }
  throw new Error(`${what}: column "${name}" has Arrow type ${TYPE_NAMES[typeId] ?? typeId}, which is not supported (numbers, strings, booleans, dates and timestamps are)`);
}

export function readArrow(bytes: Uint8Array, what: string, opts: { textColumns: Set<string>; naValues: Set<string> }): LoadedColumns {
  const na = missingTokens(opts.naValues, decimalNumber);
  if (!looksLikeArrow(bytes)) {
    throw new Error(`${what}: not an Arrow IPC file (it starts with neither "ARROW1" nor an IPC stream message; ${bytes.length} bytes)`);
  }
  let table: ReturnType<typeof tableFromIPC>;
  try {
    // 64-bit integers as BigInt, made numbers below (rounded, as Parquet's): as plain numbers flechette refused a
    // value past 2^53 ("BigInt exceeds integer number representation"), an error naming neither file nor column
    table = tableFromIPC(bytes, { useDate: true, useBigInt: true });
  } catch (e) {
    throw new Error(`${what}: not a valid Arrow IPC file (truncated or damaged?): ${(e as Error).message}`);
  }
  const rows = table.numRows;
  const names: string[] = [];
  const columns: ColumnValues[] = [];
  for (const field of table.schema.fields) {
    const col = table.getChild(field.name);
    const type = field.type as { typeId: number; dictionary?: { typeId: number } };
    const kind = opts.textColumns.has(field.name) ? "text" : kindOf(type.typeId, type.dictionary?.typeId, field.name, what);
    names.push(field.name);
    try {
      columns.push(columnOf(col, kind, rows, na));
    } catch (e) {
      throw new Error(`${what}: column "${field.name}": ${(e as Error).message}`);
    }
  }
  return { names, columns, rows };
}

/** One Arrow column's cells as the column stores them. */
function columnOf(col: { at(row: number): unknown }, kind: Kind, rows: number, na: MissingTokens): ColumnValues {
  if (kind === "numeric") {
    const out = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      const v = col.at(r);
      out[r] = v === null || v === undefined ? NaN : na.number(Number(v));
    }
    return out;
  }
  if (kind === "text") {
    const b = new CategoricalBuilder(rows);
    for (let r = 0; r < rows; r++) {
      const v = col.at(r);
      const t = v === null || v === undefined ? null : textOf(v);
      b.push(t === null || na.text(t) ? null : t);
    }
    return b.finish();
  }
  const out = new Array<Date | null>(rows);
  for (let r = 0; r < rows; r++) {
    const v = col.at(r);
    out[r] = v === null || v === undefined ? null : v instanceof Date ? v : new Date(Number(v));
  }
  return out;
}
