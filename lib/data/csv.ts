/**
 * CSV → arquero table. Parsing (quoting, type inference) is arquero's `fromCSV`;
 * this module only reads the file, names header-less columns c0..cN and
 * resolves the bundled diabetes data from the repository root.
 */
import * as fs from "fs";
import * as path from "path";
import type { ColumnTable } from "arquero";
import { arquero } from "./arquero";

export type Table = ColumnTable;

/** The repository root: the nearest ancestor of this file holding data/diabetes.csv (falls back to cwd). */
export function repoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = start;
    for (;;) {
      if (fs.existsSync(path.join(dir, "data", "diabetes.csv"))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return process.cwd();
}

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

/** The diabetes regression data (442 rows, 10 features, label column "target"). */
export function loadDiabetes(): Table {
  return loadCsv(path.join(repoRoot(), "data", "diabetes.csv"));
}
