/**
 * ordinalCodes: categorical columns replaced by integer codes in sorted category order (as scikit-learn's
 * OrdinalEncoder does), missing kept missing — a baseline that treats categories as ordered numbers, to
 * compare against real categorical handling.
 */
import { columnTypeRows } from "./describe";
import { textOf } from "./columns";
import type { Table } from "./table";

/** The table with `columns` (default: every categorical column) as numeric codes 0, 1, … of their sorted categories. */
export function ordinalCodes(table: Table, columns?: string[]): Table {
  const types = columnTypeRows(table);
  const names = columns ?? types.filter((t) => t.type === "categorical").map((t) => t.column);
  const absent = names.filter((n) => !table.columnNames().includes(n));
  if (absent.length) throw new Error(`ordinalCodes: column${absent.length > 1 ? "s" : ""} ${absent.map((a) => `"${a}"`).join(", ")} not found; columns are: ${table.columnNames().join(", ")}`);
  const replaced: Record<string, Float32Array> = {};
  for (const name of names) {
    const values = table.array(name) as ArrayLike<unknown>;
    const missing = (v: unknown) => v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v));
    const categories = [...new Set(Array.from(values).filter((v) => !missing(v)).map(textOf))].sort();
    const index = new Map(categories.map((c, k) => [c, k]));
    replaced[name] = Float32Array.from(values, (v) => (missing(v) ? NaN : index.get(textOf(v))!));
  }
  return table.assign(replaced) as Table;
}
