/**
 * Training channels: input/data/<channel>/ holds one or more CSV files
 * (all files, recursively, sorted by path, concatenated). A header row is
 * optional but must be the same in every file. Each file is checked for
 * shape here (trainer/csv.ts names the line of a ragged row), then read by
 * lib's loader (arquero) — the one CSV reader for values.
 */
import * as fs from "fs";
import * as path from "path";
import { loadCsv, Table } from "ensemble-workbook";
import { checkRectangular, looksLikeHeader, splitCsv } from "./csv";

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface Channel {
  name: string;
  files: string[];
  header: boolean;
  table: Table;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue; // .DS_Store, temp files
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() || e.isSymbolicLink()) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Check the channel's declared content type, if inputdataconfig.json names one. */
export function checkContentType(inputDataConfig: unknown, name: string): void {
  if (!inputDataConfig || typeof inputDataConfig !== "object") return;
  const ch: unknown = (inputDataConfig as Record<string, unknown>)[name];
  const ct = ch && typeof ch === "object" ? (ch as { ContentType?: unknown }).ContentType : undefined;
  if (typeof ct === "string" && ct !== "" && !/^(text\/csv|application\/x-csv|text\/plain)\b/i.test(ct)) {
    throw new Error(`${name} channel has ContentType ${ct}; this container reads CSV only (text/csv)`);
  }
}

/** Read a channel; undefined when the folder does not exist and the channel is optional. */
export function readChannel(dir: string, name: string, required: boolean): Channel | undefined {
  if (!fs.existsSync(dir)) {
    if (!required) return undefined;
    throw new Error(`missing ${name} channel: no folder ${dir} (the training job needs a "${name}" channel with CSV files)`);
  }
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${name} channel: ${dir} is not a folder`);
  const files = listFiles(dir);
  if (files.length === 0) throw new Error(`${name} channel is empty: no files in ${dir}`);
  let header: boolean | undefined;
  let columns: string[] | undefined;
  let firstFile = "";
  const tables: Table[] = [];
  for (const file of files) {
    const rel = path.relative(dir, file);
    const what = `${name} channel file ${rel}`;
    const text = fs.readFileSync(file, "utf8");
    if (text.trim() === "") throw new Error(`${what} is empty`);
    if (text.includes("\u0000")) throw new Error(`${what} is not a text CSV file (binary content)`);
    const records = splitCsv(text, what);
    const width = checkRectangular(records, what);
    const hasHeader = looksLikeHeader(records[0].fields);
    if (header === undefined) {
      header = hasHeader;
      firstFile = rel;
    } else if (header !== hasHeader) {
      throw new Error(`${name} channel: ${rel} ${hasHeader ? "has" : "has no"} header row but ${firstFile} ${header ? "has" : "has not"} — header must be consistent across files`);
    }
    const names = hasHeader ? records[0].fields.map((f) => f.trim()) : Array.from({ length: width }, (_, i) => `c${i}`);
    if (hasHeader) {
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined) throw new Error(`${what}: column "${dup}" appears twice in the header`);
    }
    if (!columns) columns = names;
    else if (columns.length !== names.length || columns.some((c, i) => c !== names[i])) {
      throw new Error(`${name} channel: ${rel} has columns [${names.join(", ")}] but ${firstFile} has [${columns.join(", ")}]`);
    }
    // every column is used (features + label) and must be numeric; name the first bad cell
    // (arquero would turn the whole column into strings and lib could only name the column)
    for (let r = hasHeader ? 1 : 0; r < records.length; r++) {
      const fields = records[r].fields;
      for (let j = 0; j < width; j++) {
        const t = fields[j].trim();
        if (t !== "" && t !== "NaN" && !NUMERIC.test(t)) {
          throw new Error(`${what}: line ${records[r].line}, column ${j + 1} (${names[j]}): ${JSON.stringify(fields[j])} is not a number; every column must be numeric (empty = missing)`);
        }
      }
    }
    const dataRows = records.length - (hasHeader ? 1 : 0);
    if (dataRows === 0) continue;
    let table: Table;
    try {
      table = loadCsv(file, { header: hasHeader });
    } catch (e) {
      throw new Error(`${what}: ${(e as Error).message}`);
    }
    if (table.numRows() !== dataRows) throw new Error(`${what}: read ${table.numRows()} rows but the file has ${dataRows} data rows`);
    tables.push(table);
  }
  if (tables.length === 0) throw new Error(`${name} channel has no data rows (only header rows) in ${dir}`);
  const table = tables.length === 1 ? tables[0] : (tables[0].concat(...tables.slice(1)) as Table);
  return { name, files, header: header!, table };
}

/** The label column: hyperparameter `label`, else "target" with a header, else the first column. */
export function resolveLabel(channel: Channel, label: string | undefined): string {
  const columns = channel.table.columnNames();
  if (label === undefined) {
    if (!channel.header) return columns[0];
    if (!columns.includes("target")) {
      throw new Error(`label column "target" (the default for CSV with a header) not found; set hyperparameter label to one of: ${columns.join(", ")}`);
    }
    return "target";
  }
  if (!channel.header && /^\d+$/.test(label)) label = `c${label}`; // column index when there is no header
  if (!columns.includes(label)) {
    throw new Error(`hyperparameter label="${label}": no such column; columns are: ${columns.join(", ")}${channel.header ? "" : " (no header: c<i> or a 0-based index)"}`);
  }
  return label;
}
