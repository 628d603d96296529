/** Predicted vs actual: one point per row and the y = x diagonal (perfect prediction). */
import { baseLayout, Figure } from "./figure";

export function predictedVsActualFigure(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  opts: { title?: string; name?: string } = {},
): Figure {
  if (y.length !== p.length) throw new Error(`predictedVsActualFigure: ${y.length} labels but ${p.length} predictions`);
  if (y.length === 0) throw new Error("predictedVsActualFigure: no values");
  const ys = Array.from(y);
  const ps = Array.from(p);
  const lo = Math.min(...ys, ...ps);
  const hi = Math.max(...ys, ...ps);
  return {
    data: [
      {
        type: "scatter",
        mode: "markers",
        name: opts.name ?? "prediction",
        x: ys,
        y: ps,
        marker: { size: 6, opacity: 0.6, color: "#4c78a8" },
        hovertemplate: "actual %{x:.3f}<br>predicted %{y:.3f}<extra></extra>",
      },
      { type: "scatter", mode: "lines", name: "y = x", x: [lo, hi], y: [lo, hi], line: { color: "#888", dash: "dash" } },
    ],
    layout: baseLayout(opts.title ?? "Predicted vs actual", {
      xaxis: { title: { text: "actual" } },
      yaxis: { title: { text: "predicted" }, scaleanchor: "x" },
    }),
  };
}
