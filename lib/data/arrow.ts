/**
 * Arrow IPC (file or stream format) → typed columns, decoded by flechette (arquero's own Arrow reader,
 * pinned at 2.6.0 by the root package's override). Integers, floats, decimals, times and durations are
 * numeric (Float32Array); strings, dictionaries of strings and booleans are categorical; dates and
 * timestamps become Date values; nested and binary columns are an Error naming the column. Bytes that are
 * not Arrow (no "ARROW1" file magic and no stream message header) are an Error naming the file, and so are bytes
 * cut short (`checkComplete`): flechette reads what is there, so a file cut short loaded as a table of 0 rows, and a
 * stream cut between two messages as the rows before the cut.
 */
import { Precision, tableFromIPC, Type } from "@uwdata/flechette";
import { CategoricalBuilder, float32Text, missingTokens, textOf, type MissingTokens } from "./columns";
import { decimalNumber } from "../core";
import type { ColumnValues, LoadedColumns } from "./sources";

const TYPE_NAMES = Object.fromEntries(Object.entries(Type).map(([k, v]) => [v, k])) as Record<number, string>;

/** True when the bytes start like an Arrow IPC file ("ARROW1") or stream (a 0xFFFFFFFF continuation marker). */
export function looksLikeArrow(b: Uint8Array): boolean {
  const file = b.length >= 6 && String.fromCharCode(...b.subarray(0, 6)) === "ARROW1";
  const stream = b.length >= 8 && b[0] === 0xff && b[1] === 0xff && b[2] === 0xff && b[3] === 0xff;
  return file || stream;
}

/**
 * The whole of an IPC file or stream is there, or an Error saying where it ends.
 * - File format: "ARROW1", padding, a stream of messages, the footer (a flatbuffer), its int32 length, "ARROW1".
 *   flechette finds the batches through the footer; without the trailing magic it read a length out of the data.
 * - Stream format: messages (0xFFFFFFFF, the int32 metadata length, the metadata flatbuffer, a body of the
 *   metadata's bodyLength bytes) up to the end-of-stream marker 0xFFFFFFFF 00000000. The format allows a writer to
 *   end a stream by closing it instead, but every writer of stored streams (pyarrow's and Arrow JS's `close`,
 *   flechette's `tableToIPC`, arrow-rs' `finish`) writes the marker, and a stream cut after a message is otherwise
 *   indistinguishable from a whole one: the marker is required. The walk reads each message's bodyLength from its
 *   metadata table (field 3 of arrow's Message: version, header_type, header, bodyLength).
 */
function checkComplete(b: Uint8Array, what: string): void {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length;
  if (b[0] === 0x41) { // "A": the file format (looksLikeArrow checked the magic)
    const trailing = n >= 12 && String.fromCharCode(...b.subarray(n - 6)) === "ARROW1";
    if (!trailing) throw new Error(`${what}: truncated Arrow IPC file (${n} bytes; it does not end with "ARROW1": the footer is missing)`);
    const footer = view.getInt32(n - 10, true);
    if (footer <= 0 || footer > n - 18) throw new Error(`${what}: truncated or damaged Arrow IPC file (a footer of ${footer} bytes in a ${n}-byte file)`);
    return;
  }
  let at = 0;
  for (let message = 0; ; message++) {
    if (at + 8 > n) {
      throw new Error(`${what}: truncated Arrow IPC stream (${n} bytes: it ends after ${message} message${message === 1 ? "" : "s"} without the end-of-stream marker)`);
    }
    if (view.getInt32(at, true) !== -1) throw new Error(`${what}: damaged Arrow IPC stream (no message starts at byte ${at})`);
    const metadata = view.getInt32(at + 4, true);
    if (metadata === 0) return; // the end-of-stream marker
    const head = at + 8;
    if (metadata < 0 || head + metadata > n) throw new Error(`${what}: truncated Arrow IPC stream (message ${message + 1}'s ${metadata} bytes of metadata end past its ${n} bytes)`);
    at = head + metadata + bodyLength(view, head, metadata, what);
    if (at > n) throw new Error(`${what}: truncated Arrow IPC stream (message ${message + 1}'s body ends at byte ${at} of ${n})`);
  }
}

/** bodyLength of the Message flatbuffer at [head, head + size): its root table's field 3, 0 when absent */
function bodyLength(view: DataView, head: number, size: number, what: string): number {
  const bad = () => new Error(`${what}: damaged Arrow IPC stream (a message's metadata at byte ${head} is not a flatbuffer)`);
  if (size < 8) throw bad();
  const table = head + view.getUint32(head, true);
  if (table + 4 > head + size) throw bad();
  const vtable = table - view.getInt32(table, true);
  if (vtable < head || vtable + 4 > head + size) throw bad();
  const vtableSize = view.getUint16(vtable, true);
  const slot = 4 + 2 * 3;
  if (slot + 2 > vtableSize) return 0;
  const field = view.getUint16(vtable + slot, true);
  if (field === 0) return 0;
  if (table + field + 8 > head + size) throw bad();
  const length = Number(view.getBigInt64(table + field, true));
  if (length < 0) throw bad();
  return length;
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
  checkComplete(bytes, what);
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
    const type = field.type as { typeId: number; precision?: number; dictionary?: { typeId: number; precision?: number } };
    const kind = opts.textColumns.has(field.name) ? "text" : kindOf(type.typeId, type.dictionary?.typeId, field.name, what);
    // a 32-bit float cell declared categorical: the shortest text that reads back as the same float32, as pandas and
    // numpy print it (0.1f was the category "0.10000000149011612"; Parquet's FLOAT cells the same)
    const values = type.dictionary ?? type;
    const f32 = values.typeId === Type.Float && values.precision === Precision.SINGLE;
    names.push(field.name);
    try {
      columns.push(columnOf(col, kind, rows, na, f32 ? (v) => float32Text(Number(v)) : textOf));
    } catch (e) {
      throw new Error(`${what}: column "${field.name}": ${(e as Error).message}`);
    }
  }
  return { names, columns, rows };
}

/** One Arrow column's cells as the column stores them. */
function columnOf(col: { at(row: number): unknown }, kind: Kind, rows: number, na: MissingTokens, textOf: (v: unknown) => string): ColumnValues {
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
