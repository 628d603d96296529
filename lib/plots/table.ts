/**
 * showTable(table): an arquero table (or rows) as HTML in a tslab notebook
 * (arquero's toHTML) and as aligned text in a terminal. Numbers are shown
 * with formatMetric (plain decimals, ~5 significant digits); missing cells (null, NaN) are blank.
 */
import { arquero } from "../data/arquero";
import type { Table } from "../data/table";

/** What showTable and tableText take: a table, or rows as objects. */
export type TableLike = Table | object[];
import { formatMetric } from "../metrics/format";
import { escapeHtml } from "./html";
import { tslabDisplay } from "./tslab";

function cell(v: unknown): string {
  if (typeof v === "number" && Number.isNaN(v)) return ""; // missing (loaded numeric columns hold NaN)
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : formatMetric(v);
  if (v === null || v === undefined) return "";
  return String(v);
}

/** Aligned plain-text rendering (numbers right-aligned). */
export function tableText(table: TableLike, opts: { limit?: number } = {}): string {
  const t = Array.isArray(table) ? arquero().from(table) : table;
  const names: string[] = t.columnNames();
  const limit = opts.limit ?? 50;
  const rows = t.objects({ limit }) as Record<string, unknown>[];
  const cells = rows.map((r) => names.map((n) => cell(r[n])));
  const numeric = names.map((n) => rows.length > 0 && rows.every((r) => typeof r[n] === "number" || r[n] == null));
  const widths = names.map((n, j) => Math.max(n.length, ...cells.map((c) => c[j].length)));
  const fmt = (vals: string[]) => vals.map((v, j) => (numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join("  ").trimEnd();
  const lines = [fmt(names), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(fmt)];
  const total = t.numRows();
  if (total > rows.length) lines.push(`… ${total - rows.length} more rows`);
  return lines.join("\n");
}

/** Show a table (or rows): HTML in a tslab notebook, aligned text elsewhere. */
export function showTable(table: TableLike, opts: { limit?: number } = {}): void {
  const t = Array.isArray(table) ? arquero().from(table) : table;
  const display = tslabDisplay();
  if (display) {
    // arquero's toHTML escapes the cells but writes the column names as they are: a header "age<30" lost its text
    // and a column named "<img onerror=…>" ran in the notebook. The names are escaped by renaming (one-to-one).
    // rename keeps the columns' order (select with an object listed integer-like names first: 2019 before film)
    const escaped = t.rename(Object.fromEntries(t.columnNames().map((n: string) => [n, escapeHtml(n)])));
    const format = Object.fromEntries(escaped.columnNames().map((n: string) => [n, cell]));
    const limit = opts.limit ?? 50;
    // the rows left out are counted, as tableText does: the notebook showed the first 50 of 442 rows as if they were all
    const more = t.numRows() - Math.min(limit, t.numRows());
    display.html(escaped.toHTML({ limit, format }) + (more > 0 ? `\n<p>… ${more} more rows</p>` : ""));
    return;
  }
  console.log(tableText(t, opts));
}
