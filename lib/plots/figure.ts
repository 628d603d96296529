/**
 * Plotly figures as plain data: { data: traces[], layout }. Builders never
 * load plotly.js; rendering happens in HTML (html.ts, show.ts).
 * Titles are always objects ({ text }) — current plotly.js ignores a string
 * layout.title.
 */
export interface Figure {
  data: Record<string, any>[];
  layout: Record<string, any>;
}

/** Rows from an arquero table or an array of objects. */
export function rowsOf(t: unknown): Record<string, any>[] {
  if (Array.isArray(t)) return t as Record<string, any>[];
  if (t && typeof (t as any).objects === "function") return (t as any).objects();
  throw new Error("expected an arquero table or an array of row objects");
}

/** A title object, as plotly.js wants it. */
export function title(text: string): { text: string } {
  return { text };
}

/** Stable colours: members in order, the ensemble(s) in darker tones. */
const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac", "#eeca3b"];
const ENSEMBLE_PALETTE = ["#222222", "#6b3fa0", "#0b6e4f", "#8c2d04", "#444488"];

export function colorFor(name: string, index: number, ensembleIndex = 0): string {
  return name.startsWith("ensemble") ? ENSEMBLE_PALETTE[ensembleIndex % ENSEMBLE_PALETTE.length] : PALETTE[index % PALETTE.length];
}

/** Base layout shared by all figures. */
export function baseLayout(text: string, extra: Record<string, any> = {}): Record<string, any> {
  return {
    title: title(text),
    template: undefined,
    margin: { l: 60, r: 20, t: 50, b: 50 },
    legend: { orientation: "h", y: -0.2 },
    ...extra,
  };
}
