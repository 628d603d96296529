/**
 * Plotly figures as plain data: { data: traces[], layout }. Builders never
 * load plotly.js; rendering happens in HTML (html.ts, show.ts).
 * Titles are always objects ({ text }) — current plotly.js ignores a string
 * layout.title.
 */
import type { Layout, PlotData } from "plotly.js";
import { shownValue } from "../core";

/**
 * A plotly.js trace: the attributes @types/plotly.js knows are typed (completion, checked values); plotly.js has
 * more than those types list (e.g. a histogram's `nbinsx`, parcoords' `dimensions`), so other keys are allowed.
 */
export type Trace = Partial<PlotData> & Record<string, unknown>;

/** A plotly.js figure: traces and a layout (the builders always set `title: { text }`). */
export interface Figure {
  data: Trace[];
  layout: Partial<Layout>;
}

/** A count option of a figure (`top`, `maxRows`): undefined (the default) or an integer ≥ 1 — 0 drew an empty figure and
 * -1 silently left out the most important feature (slice(-(-1))). */
export function checkCount(who: string, name: string, value: unknown): void {
  if (value !== undefined && !(typeof value === "number" && Number.isInteger(value) && value >= 1)) {
    throw new Error(`${who}: ${name} must be an integer ≥ 1, got ${shownValue(value)}`);
  }
}

/** Rows from an arquero table or an array of objects. */
export function rowsOf(t: unknown): Record<string, unknown>[] {
  if (Array.isArray(t)) return t as Record<string, unknown>[];
  const table = t as { objects?: () => Record<string, unknown>[] } | null;
  if (table && typeof table.objects === "function") return table.objects();
  throw new Error("expected an arquero table or an array of row objects");
}

/** The text of a layout's title (a string or `{ text }`), if any. */
export function titleText(layout: Partial<Layout> | undefined): string | undefined {
  const t = layout?.title;
  return typeof t === "string" ? t : t?.text;
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
export function baseLayout(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: title(text),
    template: undefined,
    margin: { l: 60, r: 20, t: 50, b: 50 },
    legend: { orientation: "h", y: -0.2 },
    ...extra,
  };
}
