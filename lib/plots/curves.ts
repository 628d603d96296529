/**
 * Learning curves: the held-out fold's eval metric after each boosting
 * round, one line per member per fold (members coloured alike, folds
 * distinguished by dash style; one legend entry per member).
 */
import type { Dash } from "plotly.js";
import { baseLayout, colorFor, Figure } from "./figure";

export interface CurveLike {
  fold: number;
  member: string;
  metric: string;
  values: number[];
}

const DASHES: Dash[] = ["solid", "dot", "dash", "longdash", "dashdot", "longdashdot"];

export function learningCurveFigure(curves: CurveLike[], opts: { metric?: string; title?: string } = {}): Figure {
  if (!Array.isArray(curves) || curves.length === 0) throw new Error("learningCurveFigure: no curves (only tree members record per-round metrics)");
  const metric = opts.metric ?? curves[0].metric;
  const chosen = curves.filter((c) => c.metric === metric);
  if (chosen.length === 0) throw new Error(`learningCurveFigure: no curves for metric "${metric}"; have ${[...new Set(curves.map((c) => c.metric))].join(", ")}`);
  const members = [...new Set(chosen.map((c) => c.member))];
  const data = chosen.map((c) => {
    const idx = members.indexOf(c.member);
    const first = chosen.find((d) => d.member === c.member) === c;
    return {
      type: "scatter" as const,
      mode: "lines" as const,
      name: first ? c.member : `${c.member} fold ${c.fold}`,
      legendgroup: c.member,
      showlegend: first,
      x: c.values.map((_, i) => i + 1),
      y: c.values,
      line: { color: colorFor(c.member, idx), dash: DASHES[(c.fold - 1) % DASHES.length], width: 1.5 },
      hovertemplate: `${c.member} fold ${c.fold}<br>round %{x}: %{y:.4f}<extra></extra>`,
    };
  });
  return {
    data,
    layout: baseLayout(opts.title ?? `Held-out ${metric} per round`, {
      xaxis: { title: { text: "round" } },
      yaxis: { title: { text: metric } },
    }),
  };
}
