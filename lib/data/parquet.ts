/**
 * Parquet → typed columns, with hyparquet (pure JavaScript) and hyparquet-compressors (ZSTD, gzip, Brotli,
 * LZ4, Snappy). Chosen over parquet-wasm 0.8 after measuring both on vega-datasets' flights-3m.parquet
 * (3M rows, ZSTD, written by Polars) on the 2-core machine: 3.4–3.9 s / 590–610 MB RSS for hyparquet versus
 * 3.4–4.4 s / 735 MB for parquet-wasm, and hyparquet decodes one row group × column at a time, so a large
 * file never sits in memory twice (parquet-wasm builds the whole Arrow table in WASM memory first).
 *
 * The file is read lazily (only the footer, then each column chunk), one (row group, column) at a time, page by
 * page with hyparquet's page decoders (readChunk), straight into the column's Float32Array / category codes / Dates;
 * an error names the file, column and rows. Dictionary indexes, definition levels and RLE booleans go through lib's
 * bounded RLE / bit-packed decoder (parquet-hybrid.ts), not hyparquet's, which trusts a damaged run's count. (hyparquet's parquetRead builds a JS array of every value first: on
 * flights-3m.parquet 5.9–6.4 s CPU against 1.7–2.0 s this way. The page functions come from hyparquet/src/*.js,
 * which its package exports; they are less stable than parquetRead, so a hyparquet upgrade runs lib-tables first.)
 * Types by the schema: integers, floats and decimals are numeric; strings, enums, booleans and UUIDs are
 * categorical; dates and timestamps become Date values (derive numbers from them); nested columns
 * (LIST, MAP, structs) and raw binary are an Error naming the column.
 */
import * as fs from "fs";
import { parquetMetadata, type AsyncBuffer, type DataReader, type FileMetaData, type SchemaElement } from "hyparquet";
// hyparquet's page decoders (public: its package exports ./src/*.js with types)
import { parquetHeader, readPage } from "hyparquet/src/column.js";
import { convert, DEFAULT_PARSERS } from "hyparquet/src/convert.js";
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js";
import { getMaxDefinitionLevel, getSchemaPath } from "hyparquet/src/schema.js";
import type { ColumnDecoder, DataPage, ParquetParsers } from "hyparquet/src/types.js";
import { compressors } from "hyparquet-compressors";
import { decodeHybrid } from "./parquet-hybrid";
import { CategoricalBuilder, float32Text, missingTokens, textOf, type MissingTokens } from "./columns";
import { decimalNumber } from "../core";
import type { ColumnValues, LoadedColumns } from "./sources";

type Kind = "numeric" | "text" | "date";

function kindOf(el: SchemaElement, what: string): Kind {
  const lt = el.logical_type?.type;
  const ct = el.converted_type;
  const unsupported = (why: string): never => {
    throw new Error(`${what}: column "${el.name}" has Parquet type ${why}, which is not supported (numbers, strings, booleans, dates and timestamps are)`);
  };
  if (el.num_children) return unsupported(`${ct ?? lt ?? "group"} (a nested column)`);
  if (lt === "TIMESTAMP" || lt === "DATE" || ct === "DATE" || ct === "TIMESTAMP_MILLIS" || ct === "TIMESTAMP_MICROS" || el.type === "INT96") return "date";
  if (ct === "DECIMAL" || lt === "DECIMAL") return "numeric";
  switch (el.type) {
    case "INT32":
    case "INT64":
    case "FLOAT":
    case "DOUBLE":
      if (ct === "INTERVAL") return unsupported("INTERVAL");
      return "numeric";
    case "BOOLEAN":
      return "text";
    case "BYTE_ARRAY":
      if (ct === "UTF8" || ct === "ENUM" || ct === "JSON" || lt === "STRING" || lt === "ENUM" || lt === "JSON") return "text";
      return unsupported("BYTE_ARRAY without a string annotation (binary)");
    case "FIXED_LEN_BYTE_ARRAY":
      if (lt === "UUID") return "text";
      if (lt === "FLOAT16") return "numeric";
      return unsupported(`FIXED_LEN_BYTE_ARRAY${lt ? ` (${lt})` : ""}`);
    default:
      return unsupported(String(el.type));
  }
}

/** An AsyncBuffer over a file: reads the byte ranges hyparquet asks for, nothing more. */
function fileBuffer(file: string): { buffer: AsyncBuffer; close(): void } {
  const fd = fs.openSync(file, "r");
  const byteLength = fs.fstatSync(fd).size;
  return {
    buffer: {
      byteLength,
      slice(start: number, end = byteLength): ArrayBuffer {
        const out = new Uint8Array(Math.max(0, end - start));
        fs.readSync(fd, out, 0, out.length, start);
        return out.buffer;
      },
    },
    close: () => fs.closeSync(fd),
  };
}

function bytesBuffer(bytes: Uint8Array): AsyncBuffer {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { byteLength: ab.byteLength, slice: (s: number, e?: number) => ab.slice(s, e) };
}

/** The metadata (footer) of a Parquet file or buffer; an Error names the file when it is not Parquet or is cut short. */
function readMetadata(buffer: AsyncBuffer, what: string): FileMetaData {
  const n = buffer.byteLength;
  if (n < 12) throw new Error(`${what}: not a Parquet file (${n} bytes; a Parquet file starts and ends with "PAR1")`);
  const head = new Uint8Array(buffer.slice(0, 4) as ArrayBuffer);
  const tail = new Uint8Array(buffer.slice(n - 8, n) as ArrayBuffer);
  const magic = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]) === "PAR1";
  if (!magic(head, 0)) throw new Error(`${what}: not a Parquet file (it does not start with "PAR1")`);
  if (!magic(tail, 4)) throw new Error(`${what}: truncated Parquet file (${n} bytes; it does not end with "PAR1": the footer is missing)`);
  const footerLength = new DataView(tail.buffer, tail.byteOffset).getUint32(0, true);
  if (footerLength + 8 > n - 4) throw new Error(`${what}: truncated or corrupt Parquet file (footer of ${footerLength} bytes in a ${n}-byte file)`);
  const footer = buffer.slice(n - 8 - footerLength, n) as ArrayBuffer;
  let md: FileMetaData;
  try {
    // parquetMetadata reads the footer from the end of the buffer it is given
    md = parquetMetadata(footer);
  } catch (e) {
    throw new Error(`${what}: corrupt Parquet footer: ${(e as Error).message}`);
  }
  // row counts size the columns allocated before any page is read (a negative one was a RangeError inside the reader)
  const bad = (v: bigint | number) => !(Number.isSafeInteger(Number(v)) && Number(v) >= 0);
  if (bad(md.num_rows)) throw new Error(`${what}: corrupt Parquet footer: it says the file has ${String(md.num_rows)} rows`);
  const g = md.row_groups.findIndex((group) => bad(group.num_rows));
  if (g >= 0) throw new Error(`${what}: corrupt Parquet footer: row group ${g + 1} has ${String(md.row_groups[g].num_rows)} rows`);
  // checked here, before the columns are allocated from num_rows (a 1 KB file claiming 10^9 rows allocated GBs first)
  const groupRows = md.row_groups.reduce((sum, group) => sum + Number(group.num_rows), 0);
  if (groupRows !== Number(md.num_rows)) throw new Error(`${what}: corrupt Parquet footer: the row groups hold ${groupRows} rows but the footer says ${String(md.num_rows)}`);
  return md;
}

export interface ParquetInfo {
  rows: number;
  names: string[];
}

/** Rows and column names from the footer (for the memory check before reading). */
export function parquetInfo(source: string | Uint8Array, what: string): ParquetInfo {
  const fb = typeof source === "string" ? fileBuffer(source) : undefined;
  try {
    const md = readMetadata(fb ? fb.buffer : bytesBuffer(source as Uint8Array), what);
    return { rows: Number(md.num_rows), names: topLevel(md).map((e) => e.name) };
  } finally {
    fb?.close();
  }
}

function topLevel(md: FileMetaData): SchemaElement[] {
  const out: SchemaElement[] = [];
  const schema = md.schema;
  let i = 1;
  while (i < schema.length) {
    out.push(schema[i]);
    // skip a group's descendants
    let skip = schema[i].num_children ?? 0;
    i++;
    while (skip > 0 && i < schema.length) {
      skip += (schema[i].num_children ?? 0) - 1;
      i++;
    }
  }
  return out;
}

/** A column being read; a text column's `textOf` writes a cell of the file's type as text (cellText). */
type ColumnOut = ({ kind: "numeric"; data: Float32Array } | { kind: "text"; data: CategoricalBuilder; textOf: (v: unknown) => string } | { kind: "date"; data: (Date | null)[] }) & { na: MissingTokens };

/**
 * How a cell of a column declared categorical is written as text, by the file's type: a timestamp is decoded as epoch
 * milliseconds (EPOCH_MS_PARSERS), its text the ISO time as Arrow's Date cells give (a declared categorical date
 * column was "1577882096789" from Parquet, "2020-01-01T12:34:56.789Z" from Arrow); a FLOAT (32-bit) cell is decoded
 * as the double nearest it, its text the shortest that reads back as the same float32, as pandas and numpy print it
 * (0.1f was the category "0.10000000149011612"); any other as textOf writes it.
 */
function cellText(el: SchemaElement, kind: Kind): (v: unknown) => string {
  if (kind === "date") return (v) => new Date(Number(v)).toISOString();
  if (el.type === "FLOAT" && !el.converted_type && !el.logical_type) return (v) => float32Text(Number(v));
  return textOf;
}

/**
 * Timestamps as epoch milliseconds (numbers) rather than hyparquet's default Date per value, which divides a BigInt
 * first: the loader makes the Date itself — once per dictionary entry when the column is dictionary-encoded.
 */
const EPOCH_MS_PARSERS: ParquetParsers = {
  ...DEFAULT_PARSERS,
  timestampFromMilliseconds: (ms: bigint) => Number(ms),
  timestampFromMicroseconds: (us: bigint) => Number(us) / 1e3,
  timestampFromNanoseconds: (ns: bigint) => Number(ns) / 1e6,
  dateFromDays: (days: number) => days * 86_400_000,
};

const isMissing = (v: unknown) => v === null || v === undefined;

/** Decoded values (hyparquet's convert output) → this column's cell values, as the column stores them. */
function cellsOf(values: ArrayLike<unknown>, out: ColumnOut): Float32Array | Int32Array | (Date | null)[] {
  const n = values.length;
  if (out.kind === "numeric") {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = isMissing(values[i]) ? NaN : out.na.number(Number(values[i]));
    return a;
  }
  if (out.kind === "text") {
    const a = new Int32Array(n);
    const text = out.textOf;
    for (let i = 0; i < n; i++) {
      const t = isMissing(values[i]) ? undefined : text(values[i]);
      a[i] = t === undefined || out.na.text(t) ? -1 : out.data.code(t);
    }
    return a;
  }
  const a = new Array<Date | null>(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    a[i] = isMissing(v) ? null : v instanceof Date ? v : new Date(Number(v));
  }
  return a;
}

/** A flat column's definition levels (when it has nulls) decoded with bounds; values = the non-null count. */
function definitionLevelsOf(
  view: DataView, count: number, maxDefinition: number, levels: { start: number; end: number } | undefined,
): { definitionLevels?: Uint8Array; values: number } {
  if (!(maxDefinition > 0 && levels)) return { values: count };
  const definitionLevels = new Uint8Array(count);
  decodeHybrid(view, levels.start, levels.end, 32 - Math.clz32(maxDefinition), definitionLevels, "the page's definition levels");
  let values = count;
  for (let i = 0; i < count; i++) if (definitionLevels[i] !== maxDefinition) values--;
  return { definitionLevels: values < count ? definitionLevels : undefined, values };
}

/**
 * A dictionary-encoded data page of a flat column: definition levels and dictionary indexes into typed arrays
 * (hyparquet's readDataPage / readDataPageV2 decode both into plain JS arrays of num_values: most of the load's
 * remaining time, and unbounded on damaged bytes). Both are RLE / bit-packed hybrid runs (parquet-hybrid.ts).
 * `levels`: where the definition levels are — v1 pages prefix them with their length (4 bytes), v2 headers give it.
 */
function readDictionaryPage(
  bytes: Uint8Array, valuesAt: number, count: number, maxDefinition: number, levels: { start: number; end: number } | undefined,
): { definitionLevels?: Uint8Array; dataPage: Int32Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { definitionLevels, values } = definitionLevelsOf(view, count, maxDefinition, levels);
  let offset = valuesAt;
  if (offset >= bytes.byteLength) throw new Error(`a dictionary page of ${values} values has no index bytes`);
  const width = view.getUint8(offset++);
  const indexes = new Int32Array(values); // width 0: every value is the dictionary's first
  if (width) decodeHybrid(view, offset, bytes.byteLength, width, indexes, "the page's dictionary indexes");
  return { definitionLevels, dataPage: indexes };
}

/**
 * An RLE-encoded BOOLEAN data page (what pyarrow and hyparquet-writer write for booleans in v2 pages): the values
 * are one-bit RLE / bit-packed hybrid runs after their 4-byte length, decoded with bounds (parquet-hybrid.ts;
 * hyparquet's readRleBitPackedHybrid trusts a damaged run's count and grows a plain Array to it) straight into
 * the column's category codes — "false" / "true", coded in order of first appearance as for any text.
 */
function readBooleanRlePage(
  bytes: Uint8Array, valuesAt: number, count: number, maxDefinition: number, levels: { start: number; end: number } | undefined, out: ColumnOut,
): { definitionLevels?: Uint8Array; cells: Int32Array } {
  if (out.kind !== "text") throw new Error("a BOOLEAN column read as numbers"); // kindOf makes booleans text
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { definitionLevels, values } = definitionLevelsOf(view, count, maxDefinition, levels);
  const cells = new Int32Array(values);
  if (values === 0) return { definitionLevels, cells };
  if (valuesAt + 4 > bytes.byteLength) throw new Error(`a BOOLEAN page of ${values} values has no run length (${bytes.byteLength - valuesAt} bytes left)`);
  const length = view.getUint32(valuesAt, true);
  const start = valuesAt + 4;
  if (start + length > bytes.byteLength) throw new Error(`the page's BOOLEAN runs (${length} bytes) run past its ${bytes.byteLength - start} bytes`);
  const bits = new Uint8Array(values);
  decodeHybrid(view, start, start + length, 1, bits, "the page's BOOLEAN values");
  const code = [-1, -1];
  for (let i = 0; i < values; i++) {
    const bit = bits[i];
    let c = code[bit];
    if (c < 0) c = code[bit] = out.data.code(bit ? "true" : "false");
    cells[i] = c;
  }
  return { definitionLevels, cells };
}

/** The byte range of a v1 page's definition levels (after their 4-byte length), checked. */
function v1Levels(bytes: Uint8Array, maxDefinition: number): { start: number; end: number } | undefined {
  if (maxDefinition === 0) return undefined;
  if (bytes.byteLength < 4) throw new Error(`a data page of ${bytes.byteLength} bytes has no definition levels`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + length > bytes.byteLength) throw new Error(`the page's definition levels (${length} bytes) run past its ${bytes.byteLength} bytes`);
  return { start: 4, end: 4 + length };
}

/** Decodes a level stream once with bounds, so that hyparquet's unbounded decoder only ever sees a sound one. */
function checkLevels(bytes: Uint8Array, range: { start: number; end: number } | undefined, count: number, maxDefinition: number): void {
  if (!range) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  decodeHybrid(view, range.start, range.end, 32 - Math.clz32(maxDefinition), new Uint8Array(count), "the page's definition levels");
}

/**
 * One column chunk (one row group × one flat column), page by page with hyparquet's page decoders, into `out` at
 * rows [rowStart, rowEnd). Why not parquetRead: it assembles every page into a plain JS array of values (Dremel
 * list assembly, even for a flat column) and dereferences dictionaries per row — for an INT64 column one BigInt
 * object per cell, for a timestamp one Date (before this, 60 % of the flights file's load). Here a dictionary page
 * becomes a small table of cell values (a float, a category code, a Date) and each data page's indexes copy from it.
 */
function readChunk(bytes: Uint8Array, decoder: ColumnDecoder, out: ColumnOut, rowStart: number, rowEnd: number, chunkUncompressed: number): void {
  const reader: DataReader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const maxDefinition = getMaxDefinitionLevel(decoder.schemaPath);
  let dictionary: Float32Array | Int32Array | (Date | null)[] | undefined;
  let row = rowStart;
  while (row < rowEnd) {
    if (reader.offset >= bytes.byteLength) throw new Error(`the column chunk ends after ${row - rowStart} of its ${rowEnd - rowStart} rows`);
    const header = parquetHeader(reader);
    if (!(header.compressed_page_size >= 0) || reader.offset + header.compressed_page_size > bytes.byteLength) {
      throw new Error(`corrupt page header at byte ${reader.offset} of the column chunk (page size ${header.compressed_page_size}, ${bytes.byteLength - reader.offset} bytes left)`);
    }
    // hyparquet's decompressors allocate uncompressed_page_size bytes: bounded by the chunk's uncompressed size
    // (page headers included), so a damaged header cannot ask for gigabytes
    const uncompressedSize = Number(header.uncompressed_page_size);
    if (!(Number.isSafeInteger(uncompressedSize) && uncompressedSize >= 0 && uncompressedSize <= chunkUncompressed)) {
      throw new Error(`corrupt page header at byte ${reader.offset} of the column chunk: an uncompressed page size of ${String(header.uncompressed_page_size)} bytes, beyond the chunk's ${chunkUncompressed}`);
    }
    if (header.type === "DICTIONARY_PAGE") {
      const { data } = readPage(reader, header, decoder, undefined, undefined, 0);
      dictionary = cellsOf(convert(data!, decoder) as ArrayLike<unknown>, out);
      continue;
    }
    const page = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type !== "DATA_PAGE" && header.type !== "DATA_PAGE_V2") continue; // index pages
    const pageHeader = header.type === "DATA_PAGE" ? header.data_page_header : header.data_page_header_v2;
    if (!pageHeader) throw new Error(`a ${header.type} page without its ${header.type === "DATA_PAGE" ? "data_page_header" : "data_page_header_v2"}`);
    // a page's value count sizes what its decoders allocate: checked against the row group before any decoding
    const count = pageHeader.num_values;
    if (!(Number.isInteger(count) && count >= 0 && row + count <= rowEnd)) {
      throw new Error(`a page holds ${count} values, beyond the row group's ${rowEnd - row} remaining rows`);
    }
    // dataPage: the values as hyparquet decodes them (dictionary indexes on dictionary pages); cells: already this column's cells
    let decoded: { definitionLevels?: ArrayLike<number>; dataPage?: DataPage["dataPage"]; cells?: Int32Array }, encoding: string;
    if (header.type === "DATA_PAGE") {
      const daph = header.data_page_header!;
      const bytes = decompressPage(page, uncompressedSize, decoder.codec, decoder.compressors);
      const levels = v1Levels(bytes, maxDefinition);
      if (daph.encoding.endsWith("_DICTIONARY")) decoded = readDictionaryPage(bytes, levels ? levels.end : 0, daph.num_values, maxDefinition, levels);
      else if (daph.encoding === "RLE" && decoder.type === "BOOLEAN") decoded = readBooleanRlePage(bytes, levels ? levels.end : 0, daph.num_values, maxDefinition, levels, out);
      else {
        checkLevels(bytes, levels, daph.num_values, maxDefinition);
        decoded = readDataPage(bytes, daph, decoder);
      }
      encoding = daph.encoding;
    } else {
      const daph2 = header.data_page_header_v2!;
      const repEnd = daph2.repetition_levels_byte_length, defEnd = repEnd + daph2.definition_levels_byte_length;
      if (!(Number.isInteger(repEnd) && Number.isInteger(defEnd)) || repEnd < 0 || defEnd < repEnd || defEnd > page.byteLength) throw new Error(`a v2 page's levels (${defEnd} bytes) run past its ${page.byteLength} bytes`);
      if (uncompressedSize < defEnd) throw new Error(`a v2 page's uncompressed size (${uncompressedSize} bytes) is less than its ${defEnd} bytes of levels`);
      const levels = maxDefinition > 0 ? { start: repEnd, end: defEnd } : undefined;
      const indexes = daph2.encoding.endsWith("_DICTIONARY"), booleanRle = daph2.encoding === "RLE" && decoder.type === "BOOLEAN";
      if (indexes || booleanRle) {
        // levels stay uncompressed in a v2 page; the values part alone may be compressed
        const valueSize = uncompressedSize - defEnd;
        let valueBytes = page.subarray(defEnd);
        if (daph2.is_compressed !== false && valueSize) valueBytes = decompressPage(valueBytes, valueSize, decoder.codec, decoder.compressors);
        const joined = new Uint8Array(defEnd + valueBytes.byteLength);
        joined.set(page.subarray(0, defEnd));
        joined.set(valueBytes, defEnd);
        decoded = indexes
          ? readDictionaryPage(joined, defEnd, daph2.num_values, maxDefinition, levels)
          : readBooleanRlePage(joined, defEnd, daph2.num_values, maxDefinition, levels, out);
      } else {
        checkLevels(page, levels, daph2.num_values, maxDefinition);
        decoded = readDataPageV2(page, header, decoder);
      }
      encoding = daph2.encoding;
    }
    const byDictionary = encoding.endsWith("_DICTIONARY");
    if (byDictionary && !dictionary) throw new Error(`a ${encoding} page comes before any dictionary page`);
    const values = byDictionary ? (decoded.dataPage as ArrayLike<number>) : decoded.cells ?? cellsOf(convert(decoded.dataPage!, decoder) as ArrayLike<unknown>, out);
    const from = byDictionary ? dictionary! : values;
    const defs = decoded.definitionLevels;
    const hasNulls = !!defs && defs.length > 0;
    const missing = out.kind === "numeric" ? NaN : out.kind === "text" ? -1 : null;
    const target = out.kind === "text" ? out.data.codes : out.data;
    let v = 0;
    for (let i = 0; i < count; i++, row++) {
      if (hasNulls && defs![i] !== maxDefinition) {
        (target as unknown[])[row] = missing;
        continue;
      }
      const k = byDictionary ? (values as ArrayLike<number>)[v++] : v++;
      if (byDictionary && !(k < from.length)) throw new Error(`row ${row + 1} points at dictionary entry ${k} of ${from.length}`);
      (target as unknown[])[row] = (from as ArrayLike<unknown>)[k];
    }
  }
}

/** Read a Parquet file or buffer into typed columns. */
export async function readParquet(
  source: string | Uint8Array,
  what: string,
  opts: { textColumns: Set<string>; naValues: Set<string>; onRows?(rows: number, total: number): void },
): Promise<LoadedColumns> {
  const na = missingTokens(opts.naValues, decimalNumber);
  const fb = typeof source === "string" ? fileBuffer(source) : undefined;
  const file = fb ? fb.buffer : bytesBuffer(source as Uint8Array);
  try {
    const metadata = readMetadata(file, what);
    const rows = Number(metadata.num_rows);
    const elements = topLevel(metadata);
    const schemaKinds = elements.map((el) => kindOf(el, what));
    const kinds = elements.map((el, j) => (opts.textColumns.has(el.name) ? "text" : schemaKinds[j]));
    const outs: ColumnOut[] = kinds.map((k, j) =>
      k === "numeric" ? { kind: k, data: new Float32Array(rows), na } : k === "text" ? { kind: k, data: new CategoricalBuilder(rows), na, textOf: cellText(elements[j], schemaKinds[j]) } : { kind: k, data: new Array<Date | null>(rows).fill(null), na },
    );
    let rowStart = 0;
    for (let g = 0; g < metadata.row_groups.length; g++) {
      const group = metadata.row_groups[g];
      const groupRows = Number(group.num_rows);
      const rowEnd = rowStart + groupRows;
      for (let j = 0; j < elements.length; j++) {
        const name = elements[j].name;
        try {
          const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name)?.meta_data;
          if (!chunk) throw new Error("the row group has no column chunk for it");
          const schemaPath = getSchemaPath(metadata.schema, [name]);
          const decoder: ColumnDecoder = {
            pathInSchema: chunk.path_in_schema, type: chunk.type, element: schemaPath[schemaPath.length - 1].element, schemaPath,
            codec: chunk.codec, parsers: EPOCH_MS_PARSERS, compressors, utf8: true,
          };
          const start = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
          const end = start + Number(chunk.total_compressed_size);
          if (end > file.byteLength) throw new Error(`the column chunk (bytes ${start}–${end}) runs past the end of the ${file.byteLength}-byte file`);
          readChunk(new Uint8Array((await file.slice(start, end)) as ArrayBuffer), decoder, outs[j], rowStart, rowEnd, Number(chunk.total_uncompressed_size));
        } catch (e) {
          throw new Error(`${what}: column "${name}", rows ${rowStart + 1}–${rowEnd} (row group ${g + 1}): ${(e as Error).message}`);
        }
      }
      rowStart = rowEnd;
      opts.onRows?.(rowStart, rows);
    }
    const columns: ColumnValues[] = outs.map((out) => {
      if (out.kind !== "text") return out.data;
      out.data.length = rows;
      return out.data.finish();
    });
    return { names: elements.map((e) => e.name), columns, rows };
  } finally {
    fb?.close();
  }
}
