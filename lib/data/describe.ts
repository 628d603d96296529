/**
 * columnTypes(table): the type lib gives each column — what loadTable chose and what toMatrix will do —
 * as a small table for notebooks: column, type (numeric | categorical | date), missing cells, distinct
 * values (categories) and an example value.
 */
import { arquero } from "./arquero";
import { CategoricalColumn, float32Text, textOf } from "./columns";
import type { Table } from "./table";

export interface ColumnTypeRow {
  column: string;
  type: "numeric" | "categorical" | "date";
  missing: number;
  distinct: number;
  example: string;
}

const missingCell = (v: unknown) => v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v));

/** One row per column: its type, missing cells, distinct values and the first non-missing value. */
export function columnTypeRows(table: Table): ColumnTypeRow[] {
  return table.columnNames().map((column) => {
    const raw = table.column(column) as unknown;
    const show = (v: unknown) => (raw instanceof Float32Array && typeof v === "number" ? float32Text(v) : textOf(v));
    const values = table.array(column) as ArrayLike<unknown>;
    let missing = 0, example: unknown = undefined, text = false, dates = false;
    const distinct = new Set<string>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (missingCell(v)) {
        missing++;
        continue;
      }
      if (example === undefined) example = v;
      if (v instanceof Date) dates = true;
      else if (typeof v !== "number") text = true;
      distinct.add(show(v));
    }
    const type = raw instanceof CategoricalColumn || text ? "categorical" : dates ? "date" : "numeric";
    return { column, type, missing, distinct: distinct.size, example: example === undefined ? "" : show(example) };
  });
}

/** The column types as a table (show it with showTable). */
export function columnTypes(table: Table): Table {
  return arquero().from(columnTypeRows(table)) as Table;
}
