/**
 * show(figure): render a figure where the user is.
 *  - In a tslab notebook: the plotly.js bundle is injected once per kernel
 *    (tslab.display.html('<script>' + bundle + '</script>'), remembered on
 *    globalThis so re-imported modules do not inject it again), then each
 *    figure is one <div> + Plotly.newPlot. No network access is needed.
 *  - Elsewhere: writes out/plots/<title-slug>.html (under process.cwd()),
 *    prints the path and returns it.
 */
import * as path from "path";
import { titleText, type Figure } from "./figure";
import { figureSnippet, plotlyBundle, writeHtml } from "./html";
import { tslabDisplay } from "./tslab";

const FLAG = "__ensembleWorkbookPlotlyInjected";
const written = new Map<string, number>();

/** Inject the plotly.js bundle into the notebook (once per kernel unless force). */
export function injectPlotly(opts: { force?: boolean } = {}): boolean {
  const display = tslabDisplay();
  if (!display) return false;
  const g = globalThis as Record<string, unknown>;
  if (g[FLAG] && !opts.force) return true;
  display.html(`<script>${plotlyBundle().replace(/<\/script/gi, "<\\/script")}</script>`);
  g[FLAG] = true;
  return true;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "figure";
}

/** Where show() writes outside a notebook: out/plots/<name>.html, unique per process. */
export function plotPath(figure: Figure, name?: string): string {
  const base = slug(name ?? titleText(figure.layout) ?? "figure");
  const n = (written.get(base) ?? 0) + 1;
  written.set(base, n);
  return path.resolve(process.cwd(), "out", "plots", `${n > 1 ? `${base}-${n}` : base}.html`);
}

export function show(figure: Figure, opts: { name?: string } = {}): string | undefined {
  const display = tslabDisplay();
  if (display) {
    injectPlotly();
    display.html(figureSnippet(figure));
    return undefined;
  }
  const file = writeHtml(figure, plotPath(figure, opts.name));
  console.log(`plot written to ${file}`);
  return file;
}
