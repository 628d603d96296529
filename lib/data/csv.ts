/**
 * CSV → arquero table. Parsing (quoting, type inference) is arquero's `fromCSV`;
 * this module only reads the file, names header-less columns c0..cN and
 * resolves the bundled diabetes data from the repository root.
 */
import * as fs from "fs";
import * as path from "path";
import type { ColumnTable } from "arquero";
import { arquero } from "./arquero";
import { repoRoot } from "../repo";

export type Table = ColumnTable;

/** Read a CSV file into an arquero table. `header: false` names the columns c0, c1, …, cN. */
export function loadCsv(file: string, opts: { header?: boolean } = {}): Table {
  const header = opts.header ?? true;
  if (!fs.existsSync(file)) throw new Error(`loadCsv: file not found: ${file}`);
  const text = fs.readFileSync(file, "utf8");
  if (text.trim() === "") throw new Error(`loadCsv: ${file} is empty`);
  let table = arquero().fromCSV(text, { header }) as Table;
  if (!header) {
    const names = table.columnNames();
    table = table.rename(Object.fromEntries(names.map((n, i) => [n, `c${i}`]))) as Table;
  }
  return table;
}

/**
 * The path of a data file shipped with the project (its data/ folder), e.g. `dataFile("diabetes.csv")` — for a
 * training channel, or to read it yourself. A name that is not there is an Error listing what is.
 */
export function dataFile(name: string): string {
  const dir = path.join(repoRoot(), "data");
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    const have = fs.existsSync(dir) ? fs.readdirSync(dir).sort().join(", ") : "(no data folder)";
    throw new Error(`dataFile: no "${name}" in ${dir}; it holds: ${have}`);
  }
  return file;
}

/** The diabetes regression data (442 rows, 10 features, label column "target"). */
export function loadDiabetes(): Table {
  return loadCsv(dataFile("diabetes.csv"));
}
