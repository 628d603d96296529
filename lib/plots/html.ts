/**
 * Standalone HTML for figures. The plotly.js bundle (plotly.js-dist-min) is
 * read as a file (located with require.resolve) and inlined in a <script>
 * tag, so pages work offline; Node code never imports plotly.js itself.
 */
import * as fs from "fs";
import * as path from "path";
import { titleText, type Figure } from "./figure";

let bundle: string | undefined;

/** The plotly.js-dist-min bundle's source text (read once per process). */
export function plotlyBundle(): string {
  if (bundle === undefined) {
    let file: string;
    try {
      file = require.resolve("plotly.js-dist-min");
    } catch {
      throw new Error("plotly.js-dist-min is not installed (npm install plotly.js-dist-min)");
    }
    bundle = fs.readFileSync(file, "utf8");
  }
  return bundle;
}

/**
 * JSON safe to embed in a <script>: typed arrays → arrays, every "<" as \u003c. Escaping "</" alone left "<!--":
 * a name holding "<!--<script>" put the HTML parser in the script's double-escaped state, where the snippet's own
 * </script> does not end the script — the rest of the page was read as script and no figure was drawn.
 */
export function figureJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v))
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

let divCounter = 0;
/** A unique element id for a figure's <div>. */
export function newDivId(): string {
  divCounter++;
  return `ewb-plot-${process.pid}-${Date.now().toString(36)}-${divCounter}`;
}

/** `<div>` + script that draws one figure with the page's Plotly. */
export function figureSnippet(figure: Figure, id = newDivId()): string {
  const config = { responsive: true, displaylogo: false };
  return (
    `<div id="${id}" class="ewb-plot" style="width:100%;min-height:450px"></div>\n` +
    `<script>(function(){var el=document.getElementById(${JSON.stringify(id)});` +
    // the kernel injects the bundle once (show.ts): re-running the cell that first showed a plot does not inject it again
    `if(!window.Plotly){el.textContent="plotly.js is not loaded in this page (the output holding it was cleared or replaced): run lib.injectPlotly({ force: true }) in a cell, then run this cell again.";return;}` +
    `window.Plotly.newPlot(el,${figureJson(figure.data)},${figureJson(figure.layout)},${JSON.stringify(config)});})();</script>`
  );
}

/** Text as HTML: & < > " escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** Write one or more figures into a standalone HTML file; returns its absolute path. */
export function writeHtml(figures: Figure | Figure[], file: string, opts: { title?: string } = {}): string {
  const list = Array.isArray(figures) ? figures : [figures];
  if (list.length === 0) throw new Error("writeHtml: no figures");
  for (const f of list) if (!f || !Array.isArray(f.data) || typeof f.layout !== "object") throw new Error("writeHtml: a figure must be { data: [...], layout: {...} }");
  const abs = path.resolve(file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const pageTitle = opts.title ?? titleText(list[0].layout) ?? "figure";
  const html =
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(String(pageTitle))}</title>\n` +
    `<script>${plotlyBundle().replace(/<\/script/gi, "<\\/script")}</script>\n</head><body>\n` +
    list.map((f) => figureSnippet(f)).join("\n") +
    `\n</body></html>\n`;
  fs.writeFileSync(abs, html);
  return abs;
}
