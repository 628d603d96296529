/** Predicted vs actual: one point per row and the y = x diagonal (perfect prediction). */
import { baseLayout, Figure } from "./figure";

export function predictedVsActualFigure(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  opts: { title?: string; name?: string } = {},
): Figure {
  if (y.length !== p.length) throw new Error(`predictedVsActualFigure: ${y.length} labels but ${p.length} predictions`);
  if (y.length === 0) throw new Error("predictedVsActualFigure: no values");
  // rows whose label or prediction is not finite are left out (and counted in the legend): a NaN made the y = x line
  // vanish. The range is a loop: Math.min(...values) overflowed the stack past ~63k rows
  const ys: number[] = [];
  const ps: number[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]) || !Number.isFinite(p[i])) continue;
    ys.push(y[i]);
    ps.push(p[i]);
    lo = Math.min(lo, y[i], p[i]);
    hi = Math.max(hi, y[i], p[i]);
  }
  if (!ys.length) throw new Error("predictedVsActualFigure: no row has a finite label and prediction");
  const dropped = y.length - ys.length;
  // many points: WebGL, smaller and fainter markers (SVG took 16 s for 60k points and drew a solid blob)
  const large = ys.length > 20_000;
  return {
    data: [
      {
        type: large ? "scattergl" : "scatter",
        mode: "markers",
        name: `${opts.name ?? "prediction"}${dropped ? ` (${dropped} non-finite left out)` : ""}`,
        x: ys,
        y: ps,
        marker: large ? { size: 3, opacity: 0.3, color: "#4c78a8" } : { size: 6, opacity: 0.6, color: "#4c78a8" },
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
