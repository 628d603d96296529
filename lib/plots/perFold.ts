/**
 * Per-fold metric figure: grouped bars, one series per member and per
 * ensemble blend, one bar per fold in each series. Each series' mean over
 * folds is marked by a dashed horizontal line across its bars' x range and
 * stated in its legend entry ("ridge (mean 54.33)").
 */
import { formatMetric } from "../metrics/format";
import { baseLayout, colorFor, Figure, rowsOf } from "./figure";

export function perFoldFigure(table: unknown, opts: { metric?: string; title?: string } = {}): Figure {
  const metric = opts.metric ?? "rmse";
  const rows = rowsOf(table);
  if (rows.length === 0) throw new Error("perFoldFigure: the table is empty");
  if (!(metric in rows[0])) throw new Error(`perFoldFigure: no column "${metric}"; columns are ${Object.keys(rows[0]).join(", ")}`);
  const folds = [...new Set(rows.map((r) => Number(r.fold)))].sort((a, b) => a - b);
  const members = [...new Set(rows.map((r) => String(r.member)))];
  const x = folds.map((f) => `fold ${f}`);
  const data: Record<string, unknown>[] = [];
  const all: number[] = [];
  let memberIdx = 0;
  let ensembleIdx = 0;
  for (const name of members) {
    const isEnsemble = name.startsWith("ensemble");
    const color = colorFor(name, memberIdx, ensembleIdx);
    if (isEnsemble) ensembleIdx++;
    else memberIdx++;
    const y = folds.map((f) => {
      const r = rows.find((row) => Number(row.fold) === f && String(row.member) === name);
      return r ? Number(r[metric]) : null;
    });
    const vals = y.filter((v): v is number => v !== null && Number.isFinite(v));
    all.push(...vals);
    const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
    data.push({
      type: "bar",
      name: `${name} (mean ${formatMetric(mean, 4)})`,
      legendgroup: name,
      x,
      y,
      marker: { color },
      hovertemplate: `${name}<br>%{x}: %{y:.4f}<extra></extra>`,
    });
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${name} mean`,
      legendgroup: name,
      showlegend: false,
      x: [x[0], x[x.length - 1]],
      y: [mean, mean],
      line: { color, dash: "dash", width: 1.5 },
      hovertemplate: `${name} mean: ${formatMetric(mean, 5)}<extra></extra>`,
    });
  }
  return {
    data,
    layout: baseLayout(opts.title ?? `${metric.toUpperCase()} per fold`, {
      barmode: "group",
      xaxis: { title: { text: "fold" } },
      // zoom on the bars' range (differences between members are a few %)
      yaxis: { title: { text: metric }, range: yRange(all) },
    }),
  };
}

function yRange(values: number[]): [number, number] | undefined {
  if (values.length === 0) return undefined;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.15;
  return [lo >= 0 ? Math.max(0, lo - 2 * pad) : lo - 2 * pad, hi + pad];
}
