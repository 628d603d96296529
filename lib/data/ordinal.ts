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
    const present = Array.from(values).filter((v) => !missing(v));
    // a column of numbers (one named in `columns`) in the numbers' order, as OrdinalEncoder sorts a numeric column:
    // sorted as text, horsepower 100 came before 60
    const numeric = present.every((v) => typeof v === "number");
    const key = (v: unknown): unknown => (numeric ? v : textOf(v));
    const categories = [...new Set(present.map(key))].sort(numeric ? (a, b) => (a as number) - (b as number) : undefined);
    const index = new Map<unknown, number>(categories.map((c, k) => [c, k]));
    replaced[name] = Float32Array.from(values, (v) => (missing(v) ? NaN : index.get(key(v))!));
  }
  return table.assign(replaced) as Table;
}
