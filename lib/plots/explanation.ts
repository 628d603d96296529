/**
 * Figures of explanations (lib.explain's table: a column per feature, `bias` last, and the text columns
 * `member` / `class` when present):
 *   explanationSummaryFigure — every feature's contributions over a sample of rows, one row of dots per feature
 *     (a beeswarm: dots that would overlap are stacked sideways), features by mean |contribution|, each dot
 *     coloured by its feature's value from low (blue) to high (red); which features drive the predictions,
 *     in which direction, and for which values;
 *   waterfallFigure — one row: from the bias, each feature's contribution as a step, to the prediction;
 *   dependenceFigure — one feature: its value against its contribution over the rows, optionally coloured by
 *     a second feature (interactions show as vertical spread by colour).
 * Colours of values: numbers are clipped to their 5th–95th percentile and scaled to [0, 1] (as shap does, so
 * one outlier does not wash out the rest); text categories take evenly spaced colours in sorted order; missing
 * values are grey.
 * Interaction tables (with a `feature` column) are not contributions: pass explain's default output.
 */
import { EXPLAIN_COLUMNS } from "../ensemble/explain";
import { seededRng } from "../data/random";
import { formatMetric } from "../metrics/format";
import { checkOptionKeys, checkSeed } from "../options";
import { baseLayout, checkCount, colorFor, Figure, rowsOf, Trace } from "./figure";

/** shap's blue → red */
const COLORSCALE: [number, string][] = [[0, "#008bfb"], [0.5, "#a259c4"], [1, "#ff0051"]];
const MISSING = "#bbbbbb";

export interface ExplanationSelection {
  /** the member's rows when the table has a `member` column (default "ensemble") */
  member?: string;
  /** the class's rows when the table has a `class` column (multi:*; required there) */
  class?: string;
}

/** The options of ExplanationSelection (the figures' own are checked with them: a misspelt one was ignored). */
const SELECTION = ["member", "class"];

interface Selected {
  features: string[];
  /** rows × features */
  values: Float64Array;
  bias: Float64Array;
  nrow: number;
}

function tableColumns(t: unknown, who: string): { names: string[]; column: (name: string) => ArrayLike<unknown> } {
  const table = t as { columnNames?: () => string[]; array?: (name: string) => ArrayLike<unknown> } | null;
  if (table && typeof table.columnNames === "function" && typeof table.array === "function") {
    return { names: table.columnNames(), column: (name) => table.array!(name) };
  }
  const rows = rowsOf(t);
  if (rows.length === 0) throw new Error(`${who}: the table is empty`);
  return { names: Object.keys(rows[0]), column: (name) => rows.map((r) => r[name]) };
}

/** The rows of one member (and class) of an explain table, as numbers. */
function select(contribs: unknown, opts: ExplanationSelection, who: string): Selected {
  const { names, column } = tableColumns(contribs, who);
  // explain's own columns (member, class, feature) hold text; a feature of the same name holds its contributions,
  // numbers — explain refuses the clash only for the columns it adds, so a regression model's feature "class" (or
  // "member" without members: true) is a feature here (it was taken for the class column: "no member ...")
  const added = (col: string) => {
    if (!names.includes(col)) return false;
    const v = column(col);
    return v.length > 0 && typeof v[0] === "string";
  };
  if (added(EXPLAIN_COLUMNS.feature)) throw new Error(`${who}: this is an interaction table (it has a "feature" column); pass explain's contributions (without interactions: true)`);
  if (names[names.length - 1] !== EXPLAIN_COLUMNS.bias) throw new Error(`${who}: expected lib.explain's table (a column per feature and "bias" last); got columns ${names.join(", ")}`);
  let keep: boolean[] | undefined;
  const filter = (col: string, wanted: string | undefined, fallback: string | undefined) => {
    if (!added(col)) {
      if (wanted !== undefined) throw new Error(`${who}: ${col} "${wanted}" asked for, but the table has no ${col} column`);
      return;
    }
    const v = Array.from(column(col), String);
    const choices = [...new Set(v)];
    const pick = wanted ?? fallback;
    if (pick === undefined) throw new Error(`${who}: the table holds several ${col === "class" ? "classes" : "members"}; choose one with { ${col}: ${choices.map((c) => JSON.stringify(c)).join(" | ")} }`);
    if (!choices.includes(pick)) throw new Error(`${who}: no ${col} "${pick}"; the table has ${choices.join(", ")}`);
    keep = v.map((x, i) => x === pick && (keep ? keep[i] : true));
  };
  filter(EXPLAIN_COLUMNS.member, opts.member, "ensemble");
  filter(EXPLAIN_COLUMNS.class, opts.class, undefined);
  const selection = [EXPLAIN_COLUMNS.member, EXPLAIN_COLUMNS.class].filter(added) as string[];
  const features = names.filter((n) => !selection.includes(n) && n !== EXPLAIN_COLUMNS.bias);
  const cols = features.map((f) => column(f));
  const biasCol = column(EXPLAIN_COLUMNS.bias);
  const rows: number[] = [];
  for (let i = 0; i < biasCol.length; i++) if (!keep || keep[i]) rows.push(i);
  const p = features.length;
  const values = new Float64Array(rows.length * p);
  const bias = new Float64Array(rows.length);
  rows.forEach((i, r) => {
    for (let j = 0; j < p; j++) values[r * p + j] = Number(cols[j][i]);
    bias[r] = Number(biasCol[i]);
  });
  return { features, values, bias, nrow: rows.length };
}

/** The feature values of the explained rows, by column (numbers, text, or null for missing). */
function featureValues(data: unknown, features: string[], nrow: number, who: string): Map<string, unknown[]> {
  const { names, column } = tableColumns(data, who);
  const absent = features.filter((f) => !names.includes(f));
  if (absent.length) throw new Error(`${who}: the data has no column ${absent.map((a) => `"${a}"`).join(", ")}; pass the rows that were explained`);
  const out = new Map<string, unknown[]>();
  for (const f of features) {
    const v = Array.from(column(f));
    if (v.length !== nrow) throw new Error(`${who}: the data has ${v.length} rows but the explanation ${nrow}; pass the rows that were explained`);
    out.set(f, v.map((x) => (x === undefined || x === null || (typeof x === "number" && Number.isNaN(x)) ? null : x)));
  }
  return out;
}

/** Each value's colour position in [0, 1] (null for missing): numbers by clipped percentile range, text by sorted category. */
function colourPositions(values: unknown[]): (number | null)[] {
  const nums = values.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
  if (nums.length === values.filter((v) => v !== null).length && nums.length > 0) {
    const q = (f: number) => nums[Math.min(nums.length - 1, Math.floor(f * (nums.length - 1)))];
    let lo = q(0.05), hi = q(0.95);
    if (hi <= lo) (lo = nums[0]), (hi = nums[nums.length - 1]);
    return values.map((v) => (v === null ? null : hi > lo ? Math.min(1, Math.max(0, ((v as number) - lo) / (hi - lo))) : 0.5));
  }
  const cats = [...new Set(values.filter((v) => v !== null).map(String))].sort();
  return values.map((v) => (v === null ? null : cats.length > 1 ? cats.indexOf(String(v)) / (cats.length - 1) : 0.5));
}

const show = (v: unknown) => (v === null ? "missing" : typeof v === "number" ? formatMetric(v, 4) : String(v));

/**
 * Beeswarm offsets: the dots of one feature are binned along x (100 bins over the figure's range), and the
 * k-th dot of a bin moves ±⌈k/2⌉ steps off the feature's line, so a dense bin spreads like a violin.
 */
function swarm(x: number[], lo: number, hi: number): number[] {
  const bins = 100, width = (hi - lo) / bins || 1;
  const count = new Map<number, number>();
  const bin = x.map((v) => Math.min(bins - 1, Math.floor((v - lo) / width)));
  for (const b of bin) count.set(b, (count.get(b) ?? 0) + 1);
  const step = Math.min(0.05, 0.8 / Math.max(1, ...count.values()));
  const seen = new Map<number, number>();
  return bin.map((b) => {
    const k = seen.get(b) ?? 0;
    seen.set(b, k + 1);
    return (k % 2 ? -1 : 1) * Math.ceil(k / 2) * step;
  });
}

/**
 * Summary (beeswarm) of an explain table: features by mean |contribution| (the `top` most, default 20, the
 * largest on top), one dot per row (a seeded sample of `maxRows`, default 1,000), coloured by the feature's
 * value in `data` — the rows that were explained (a table or row objects).
 */
export function explanationSummaryFigure(
  contribs: unknown,
  data: unknown,
  opts: ExplanationSelection & { top?: number; maxRows?: number; seed?: number; title?: string } = {},
): Figure {
  const who = "explanationSummaryFigure";
  checkOptionKeys(opts, [...SELECTION, "top", "maxRows", "seed", "title"], who);
  checkCount(who, "top", opts.top);
  checkCount(who, "maxRows", opts.maxRows);
  const seed = checkSeed(opts.seed, who);
  const s = select(contribs, opts, who);
  if (s.nrow === 0) throw new Error(`${who}: no rows`);
  const p = s.features.length;
  const values = featureValues(data, s.features, s.nrow, who);
  const meanAbs = s.features.map((_, j) => {
    let t = 0;
    for (let r = 0; r < s.nrow; r++) t += Math.abs(s.values[r * p + j]);
    return t / s.nrow;
  });
  const order = s.features.map((_, j) => j).sort((a, b) => meanAbs[b] - meanAbs[a]).slice(0, opts.top ?? 20);
  const maxRows = opts.maxRows ?? 1000;
  const rows = s.nrow > maxRows ? Array.from(seededRng(seed).permutation(s.nrow).slice(0, maxRows)).sort((a, b) => a - b) : Array.from({ length: s.nrow }, (_, i) => i);
  let lo = Infinity, hi = -Infinity;
  for (const j of order) for (const r of rows) (lo = Math.min(lo, s.values[r * p + j])), (hi = Math.max(hi, s.values[r * p + j]));
  const data2: Trace[] = [];
  order.forEach((j, k) => {
    const f = s.features[j];
    const y0 = order.length - 1 - k; // most important on top
    const x = rows.map((r) => s.values[r * p + j]);
    const jitter = swarm(x, lo, hi);
    const raw = rows.map((r) => values.get(f)![r]);
    const pos = colourPositions(values.get(f)!);
    const present = rows.map((r, i) => i).filter((i) => pos[rows[i]] !== null);
    const missing = rows.map((r, i) => i).filter((i) => pos[rows[i]] === null);
    const trace = (idx: number[], marker: Record<string, unknown>, name: string): Trace => ({
      type: "scatter",
      mode: "markers",
      name,
      showlegend: false,
      x: idx.map((i) => x[i]),
      y: idx.map((i) => y0 + jitter[i]),
      text: idx.map((i) => `${f} = ${show(raw[i])}`),
      hovertemplate: "%{text}<br>contribution %{x:.4g}<extra></extra>",
      marker: { size: 5, opacity: 0.8, ...marker },
    });
    data2.push(trace(present, {
      color: present.map((i) => pos[rows[i]]),
      colorscale: COLORSCALE,
      cmin: 0,
      cmax: 1,
      showscale: k === 0,
      ...(k === 0 ? { colorbar: { title: { text: "feature value" }, tickvals: [0, 1], ticktext: ["low", "high"], len: 0.6 } } : {}),
    }, f));
    if (missing.length) data2.push(trace(missing, { color: MISSING }, `${f} (missing)`));
  });
  return {
    data: data2,
    // the features left out are counted: a figure of 20 rows read as a model of 20 features
    layout: baseLayout(`${opts.title ?? "What drives the predictions"}${order.length < p ? ` (the ${order.length} of ${p} features with the largest mean |contribution|)` : ""}`, {
      xaxis: { title: { text: "contribution to the prediction" }, zeroline: true, zerolinecolor: "#888" },
      yaxis: { tickvals: order.map((_, k) => order.length - 1 - k), ticktext: order.map((j) => s.features[j]), range: [-0.6, order.length - 0.4], zeroline: false },
      height: Math.max(300, 80 + 36 * order.length),
      margin: { l: 110, r: 20, t: 50, b: 50 },
      hovermode: "closest",
    }),
  };
}

/**
 * One row's prediction as a waterfall: the bias, then the `top` (default 10) largest contributions by size,
 * the rest summed into one step, then the prediction they add up to. With `data` (the explained rows) the
 * steps are labelled with the row's values ("bmi = 32.1").
 */
export function waterfallFigure(
  contribs: unknown,
  row: number,
  opts: ExplanationSelection & { data?: unknown; top?: number; title?: string } = {},
): Figure {
  const who = "waterfallFigure";
  checkOptionKeys(opts, [...SELECTION, "data", "top", "title"], who);
  checkCount(who, "top", opts.top);
  const s = select(contribs, opts, who);
  if (!(Number.isInteger(row) && row >= 0 && row < s.nrow)) throw new Error(`${who}: row ${row} is not one of the ${s.nrow} explained rows (0..${s.nrow - 1})`);
  const p = s.features.length;
  const values = opts.data === undefined ? undefined : featureValues(opts.data, s.features, s.nrow, who);
  const phi = s.features.map((_, j) => s.values[row * p + j]);
  const order = phi.map((_, j) => j).sort((a, b) => Math.abs(phi[b]) - Math.abs(phi[a]));
  const top = order.slice(0, opts.top ?? 10);
  const rest = order.slice(top.length);
  const label = (j: number) => (values ? `${s.features[j]} = ${show(values.get(s.features[j])![row])}` : s.features[j]);
  const total = s.bias[row] + phi.reduce((a, b) => a + b, 0);
  const y = ["bias", ...top.map(label), ...(rest.length ? [`${rest.length} other features`] : []), "prediction"];
  const x = [s.bias[row], ...top.map((j) => phi[j]), ...(rest.length ? [rest.reduce((a, j) => a + phi[j], 0)] : []), total];
  const measure = ["absolute", ...x.slice(1, -1).map(() => "relative"), "total"];
  // the axis spans the steps (as shap's waterfall), not 0..prediction: the bias and total bars run off its edge
  let level = x[0], lo = level, hi = level;
  for (const v of x.slice(1, -1)) (level += v), (lo = Math.min(lo, level)), (hi = Math.max(hi, level));
  const pad = 0.15 * (hi - lo || Math.abs(hi) || 1);
  return {
    data: [
      {
        type: "waterfall",
        orientation: "h",
        name: `row ${row}`,
        y,
        x,
        measure,
        text: x.map((v, i) => (i === 0 || i === x.length - 1 ? formatMetric(v, 4) : `${v >= 0 ? "+" : ""}${formatMetric(v, 3)}`)),
        textposition: "outside",
        increasing: { marker: { color: "#ff0051" } },
        decreasing: { marker: { color: "#008bfb" } },
        totals: { marker: { color: "#555555" } },
        connector: { line: { color: "#999", width: 1 } },
      },
    ],
    layout: baseLayout(opts.title ?? `Row ${row}: from the bias to the prediction`, {
      // a category axis: with features named like numbers ("2019") plotly made it linear and dropped bias and prediction
      yaxis: { type: "category", autorange: "reversed", automargin: true },
      xaxis: { title: { text: "prediction" }, range: [lo - pad, hi + pad] },
      showlegend: false,
      height: Math.max(300, 90 + 30 * y.length),
      margin: { l: 160, r: 40, t: 50, b: 50 },
    }),
  };
}

/**
 * One feature's value (from `data`, the explained rows) against its contribution, one dot per row; rows where
 * the feature is missing are left out (counted in the axis title). `color`: another feature whose value
 * colours the dots.
 */
export function dependenceFigure(
  contribs: unknown,
  data: unknown,
  feature: string,
  opts: ExplanationSelection & { color?: string; title?: string } = {},
): Figure {
  const who = "dependenceFigure";
  checkOptionKeys(opts, [...SELECTION, "color", "title"], who);
  const s = select(contribs, opts, who);
  const j = s.features.indexOf(feature);
  if (j < 0) throw new Error(`${who}: no feature "${feature}"; the features are ${s.features.join(", ")}`);
  if (opts.color !== undefined && !s.features.includes(opts.color)) throw new Error(`${who}: color "${opts.color}" is not a feature; the features are ${s.features.join(", ")}`);
  const p = s.features.length;
  const values = featureValues(data, opts.color ? [feature, opts.color] : [feature], s.nrow, who);
  const xs = values.get(feature)!;
  const idx = xs.map((_, i) => i).filter((i) => xs[i] !== null);
  const missing = s.nrow - idx.length;
  const colour = opts.color ? values.get(opts.color)! : undefined;
  const trace = (rows: number[], name: string, marker: Record<string, unknown>, showlegend = false): Trace => ({
    type: "scatter",
    mode: "markers",
    name,
    showlegend,
    x: rows.map((i) => xs[i]) as (number | string)[],
    y: rows.map((i) => s.values[i * p + j]),
    text: rows.map((i) => (colour ? `${opts.color} = ${show(colour[i])}` : `row ${i}`)),
    hovertemplate: `${feature} %{x}<br>contribution %{y:.4g}<br>%{text}<extra></extra>`,
    marker: { size: 6, opacity: 0.8, ...marker },
  });
  // colour by another feature: numbers on the low → high scale, text as categories with a legend (the scale sorted
  // them alphabetically along "low → high"), a missing value grey in a trace of its own (it was drawn mid-scale, as
  // if it were a value)
  const traces: Trace[] = [];
  if (!colour) traces.push(trace(idx, feature, { opacity: 0.7, color: "#4c78a8" }));
  else {
    const known = idx.filter((i) => colour[i] !== null);
    const unknown = idx.filter((i) => colour[i] === null);
    if (known.every((i) => typeof colour[i] === "number")) {
      const pos = colourPositions(known.map((i) => colour[i]));
      if (known.length) {
        traces.push(trace(known, feature, {
          color: pos, colorscale: COLORSCALE, cmin: 0, cmax: 1, showscale: true,
          colorbar: { title: { text: opts.color! }, tickvals: [0, 1], ticktext: ["low", "high"], len: 0.6 },
        }));
      }
    } else {
      const cats = [...new Set(known.map((i) => String(colour[i])))].sort();
      cats.forEach((c, k) => traces.push(trace(known.filter((i) => String(colour[i]) === c), `${opts.color} = ${c}`, { color: colorFor(c, k) }, true)));
    }
    if (unknown.length) traces.push(trace(unknown, `${opts.color} missing`, { color: MISSING }, true));
  }
  const categories = traces.some((t) => String(t.name).startsWith(`${opts.color} = `));
  const legend = traces.some((t) => t.showlegend);
  return {
    data: traces,
    layout: baseLayout(opts.title ?? `How ${feature} moves the prediction`, {
      xaxis: {
        title: { text: missing ? `${feature} (${missing} missing not shown)` : feature },
        automargin: true,
        // a text feature's values are categories even when most read as numbers (codes "1", "10", "B7"): plotly made
        // such an axis linear and left out the rows of the other categories
        ...(idx.some((i) => typeof xs[i] === "string") ? { type: "category" } : {}),
      },
      yaxis: { title: { text: `contribution of ${feature}` }, zeroline: true, zerolinecolor: "#888" },
      showlegend: legend,
      ...(categories ? { legend: { orientation: "v", x: 1.02, y: 1, title: { text: opts.color } } } : {}),
      hovermode: "closest",
    }),
  };
}
