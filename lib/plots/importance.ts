/**
 * Feature importance as horizontal bars, most important on top.
 * scores: { feature: value } for one model, or { member: { feature: value } }
 * for several; with several, each member's scores are normalised to shares
 * of its total (gain and |coefficient| are on different scales) and shown as
 * grouped bars.
 */
import { checkOptionKeys } from "../options";
import { baseLayout, checkCount, colorFor, Figure } from "./figure";

export function featureImportanceFigure(
  scores: Record<string, number> | Record<string, Record<string, number>>,
  opts: { title?: string; top?: number } = {},
): Figure {
  checkOptionKeys(opts, ["title", "top"], "featureImportanceFigure");
  checkCount("featureImportanceFigure", "top", opts.top);
  const entries = Object.entries(scores ?? {});
  if (entries.length === 0) throw new Error("featureImportanceFigure: no scores");
  const nested = typeof entries[0][1] === "object";
  const series: [string, Record<string, number>][] = nested
    ? (entries as [string, Record<string, number>][]).map(([m, s]) => {
        const total = Object.values(s).reduce((a, b) => a + Math.abs(b), 0) || 1;
        return [m, Object.fromEntries(Object.entries(s).map(([f, v]) => [f, Math.abs(v) / total]))];
      })
    : [["importance", scores as Record<string, number>]];
  const totals = new Map<string, number>();
  for (const [, s] of series) for (const [f, v] of Object.entries(s)) totals.set(f, (totals.get(f) ?? 0) + v);
  const all = [...totals.keys()].sort((a, b) => totals.get(a)! - totals.get(b)!);
  const features = opts.top ? all.slice(-opts.top) : all;
  const data = series.map(([name, s], i) => ({
    type: "bar" as const,
    orientation: "h" as const,
    name,
    y: features,
    x: features.map((f) => s[f] ?? 0),
    marker: { color: colorFor(name, i) },
  }));
  return {
    data,
    // the features left out by `top` are counted, as explanationSummaryFigure does
    layout: baseLayout(`${opts.title ?? "Feature importance"}${features.length < all.length ? ` (the ${features.length} most important of ${all.length} features)` : ""}`, {
      barmode: "group",
      showlegend: nested,
      xaxis: { title: { text: nested ? "share of total importance" : "importance" } },
      // names are categories even when they read as numbers ("2019", "7"): plotly made such an axis linear, the bars
      // sat at y = 2019 a pixel thick and no name was shown
      yaxis: { type: "category" },
      margin: { l: 90, r: 20, t: 50, b: 50 },
      height: Math.max(300, 40 + features.length * (nested ? 18 * series.length : 22)),
    }),
  };
}
