/**
 * comparisonFigure: the same members under several variants of the data (e.g. categorical columns as
 * categories, dropped, or as ordinal codes) — grouped bars, one group per member, one bar per variant,
 * height the mean of a metric over the folds and the error bar its standard deviation (crossValidate's
 * summary tables).
 */
import { formatMetric } from "../metrics/format";
import { baseLayout, Figure, rowsOf, type Trace } from "./figure";

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

/** `summaries`: variant name → crossValidate summary (member, <metric>_mean, <metric>_std). */
export function comparisonFigure(summaries: Record<string, unknown>, opts: { metric?: string; title?: string } = {}): Figure {
  const metric = opts.metric ?? "rmse";
  const variants = Object.keys(summaries);
  if (variants.length === 0) throw new Error("comparisonFigure: no variants to compare");
  const rowsBy = Object.fromEntries(variants.map((v) => [v, rowsOf(summaries[v])]));
  for (const v of variants) {
    const rows = rowsBy[v];
    if (rows.length === 0) throw new Error(`comparisonFigure: the summary of "${v}" is empty`);
    if (!(`${metric}_mean` in rows[0])) throw new Error(`comparisonFigure: "${v}" has no column "${metric}_mean"; columns are ${Object.keys(rows[0]).join(", ")}`);
  }
  const members = [...new Set(variants.flatMap((v) => rowsBy[v].map((r) => String(r.member))))];
  const data = variants.map((v, i): Trace => {
    const find = (m: string) => rowsBy[v].find((r) => String(r.member) === m);
    const y = members.map((m) => (find(m) ? Number(find(m)![`${metric}_mean`]) : null));
    const sd = members.map((m) => (find(m) ? Number(find(m)![`${metric}_std`] ?? 0) : null));
    return {
      type: "bar" as const,
      name: v,
      x: members,
      y,
      error_y: { type: "data" as const, array: sd as number[], visible: true },
      marker: { color: PALETTE[i % PALETTE.length] },
      text: y.map((val) => (val === null ? "" : formatMetric(val, 4))),
      textposition: "outside" as const,
      hovertemplate: `${v}<br>%{x}: %{y:.4f}<extra></extra>`,
    };
  });
  return {
    data,
    layout: baseLayout(opts.title ?? `${metric.toUpperCase()} by variant (mean ± sd over folds)`, {
      barmode: "group",
      xaxis: { title: { text: "member" } },
      yaxis: { title: { text: metric } },
    }),
  };
}
