/**
 * Tuning figures.
 * trialsFigure: the objective of each trial (points, in trial order) and the
 * best-so-far line (running minimum, or maximum when maximize is set); trials
 * Hyperband stopped early are open circles, and count for the line only until
 * a trial has run to its end (as the tuning job's BestTrainingJob).
 * parallelCoordinatesFigure: one axis per hyperparameter plus the objective,
 * one line per trial coloured by the objective; categorical values are mapped
 * to 0..n−1 with their names as tick labels; the hyperparameters named in
 * `log` (a Logarithmic range) on a log10 axis labelled in their own values.
 * bestSoFarFigure: the best-so-far line of several tuning jobs on one axis
 * (e.g. a cold job and a warm-started one), with each job's points.
 * They take an arquero table or an array of rows; the objective column is
 * opts.objective, else the first of "objective", "FinalObjectiveValue",
 * "value", "metric" that exists.
 */
import { baseLayout, Figure, rowsOf, type Trace } from "./figure";

const OBJECTIVE_COLUMNS = ["objective", "FinalObjectiveValue", "value", "metric"];

function objectiveColumn(rows: Record<string, unknown>[], given?: string): string {
  if (rows.length === 0) throw new Error("no trials");
  const cols = Object.keys(rows[0]);
  const col = given ?? OBJECTIVE_COLUMNS.find((c) => cols.includes(c));
  if (!col || !cols.includes(col)) throw new Error(`no objective column${given ? ` "${given}"` : ""}; columns are ${cols.join(", ")}`);
  return col;
}

/**
 * Integer ticks for trial numbers (plotly's automatic ticks put 1.5, 2.5 between few trials):
 * linear ticks every 1, 2, 5, 10, 20, 50, … trials (≤ ~10 ticks), integer format.
 * Trial columns that are not integers (e.g. job names) keep plotly's defaults.
 */
export function trialTicks(x: unknown[]): Record<string, unknown> {
  if (x.length === 0 || !x.every((v) => typeof v === "number" && Number.isInteger(v))) return {};
  const xs = x as number[];
  const span = Math.max(...xs) - Math.min(...xs);
  let dtick = 1;
  for (let p = 1; dtick * 10 < span; p *= 10) {
    for (const m of [1, 2, 5, 10]) {
      dtick = m * p;
      if (dtick * 10 >= span) break;
    }
  }
  return { tickmode: "linear", tick0: 0, dtick, tickformat: "d" };
}

export function trialsFigure(trials: unknown, opts: { objective?: string; maximize?: boolean; title?: string } = {}): Figure {
  const rows = rowsOf(trials);
  const col = objectiveColumn(rows, opts.objective);
  const x = rows.map((r, i) => (r.trial !== undefined ? (r.trial as string | number) : i + 1));
  const y = rows.map((r) => (r[col] === null || r[col] === undefined ? null : Number(r[col])));
  const stopped = rows.map(stoppedEarly);
  const best = runningBest(y, opts.maximize, stopped);
  const data: Trace[] = [
    { type: "scatter", mode: "markers", name: "trial", x, y: y.map((v, i) => (stopped[i] ? null : v)), marker: { color: "#4c78a8", size: 7 } },
    { type: "scatter", mode: "lines", name: "best so far", x, y: best, line: { color: "#e45756", shape: "hv" } },
  ];
  if (stopped.some(Boolean)) {
    const ix = stopped.flatMap((s, i) => (s ? [i] : []));
    data.push({ type: "scatter", mode: "markers", name: "stopped early (fewer rounds)", x: ix.map((i) => x[i]), y: ix.map((i) => y[i]), marker: { color: "#4c78a8", size: 7, symbol: "circle-open" } });
  }
  return {
    data,
    layout: baseLayout(opts.title ?? `${col} per trial`, {
      xaxis: { title: { text: "trial" }, ...trialTicks(x) },
      yaxis: { title: { text: col } },
    }),
  };
}

/** A trial Hyperband stopped early (TrainingJobStatus "Stopped", as tuner.trials() has it): its objective is from fewer rounds. */
export function stoppedEarly(r: Record<string, unknown>): boolean {
  return r.TrainingJobStatus === "Stopped";
}

/**
 * Running best of a column of objectives (minimum, or maximum when maximize is set); null until the first value.
 * As the tuning job's BestTrainingJob: the best trial that ran to its end, a stopped one only while none has — a
 * stopped trial's objective is from fewer rounds (its best-so-far line ended below the job's own best).
 */
export function runningBest(y: (number | null)[], maximize?: boolean, stopped: boolean[] = []): (number | null)[] {
  const best: (number | null)[] = [];
  let full: number | null = null;
  let early: number | null = null;
  const better = (v: number, cur: number | null) => cur === null || (maximize ? v > cur : v < cur);
  y.forEach((v, i) => {
    if (v !== null && Number.isFinite(v)) {
      if (!stopped[i] && better(v, full)) full = v;
      if (stopped[i] && better(v, early)) early = v;
    }
    best.push(full ?? early);
  });
  return best;
}

/** Best so far per trial for several tuning jobs (name → trials, in trial order), one colour each. */
export function bestSoFarFigure(jobs: Record<string, unknown>, opts: { objective?: string; maximize?: boolean; title?: string } = {}): Figure {
  const names = Object.keys(jobs);
  if (names.length === 0) throw new Error("bestSoFarFigure: no tuning jobs");
  const colors = ["#4c78a8", "#e45756", "#54a24b", "#f58518", "#b279a2"];
  const data: Trace[] = [];
  let col = "";
  let longest: number[] = [];
  names.forEach((name, k) => {
    const rows = rowsOf(jobs[name]);
    col = objectiveColumn(rows, opts.objective);
    const x = rows.map((_, i) => i + 1);
    if (x.length > longest.length) longest = x;
    const y = rows.map((r) => (r[col] === null || r[col] === undefined ? null : Number(r[col])));
    const color = colors[k % colors.length];
    const stopped = rows.map(stoppedEarly);
    // stopped trials are open circles, as in trialsFigure
    data.push({ type: "scatter", mode: "markers", name: `${name}: trial`, x, y: y.map((v, i) => (stopped[i] ? null : v)), marker: { color, size: 7, opacity: 0.6 } });
    if (stopped.some(Boolean)) {
      const ix = stopped.flatMap((st, i) => (st ? [i] : []));
      data.push({ type: "scatter", mode: "markers", name: `${name}: stopped early`, x: ix.map((i) => x[i]), y: ix.map((i) => y[i]), marker: { color, size: 7, symbol: "circle-open" } });
    }
    data.push({ type: "scatter", mode: "lines", name: `${name}: best so far`, x, y: runningBest(y, opts.maximize, stopped), line: { color, shape: "hv", width: 2.5 } });
  });
  return {
    data,
    layout: baseLayout(opts.title ?? `best ${col} so far`, { xaxis: { title: { text: "trial" }, ...trialTicks(longest) }, yaxis: { title: { text: col } } }),
  };
}

/**
 * A log10 axis for parcoords (plotly has no log type there): the values' logarithms, ticks at 1, 2 and 5 × 10^k
 * inside the range (each decade alone when the range spans more than two), labelled in the original values.
 */
function logDimension(name: string, values: (number | null)[]): Record<string, unknown> {
  const bad = values.find((v) => v !== null && !(v > 0));
  if (bad !== undefined) throw new Error(`parallelCoordinatesFigure: "${name}" is on a log axis (opts.log) but has the value ${bad}; a log axis takes values > 0`);
  const present = values.filter((v): v is number => v !== null);
  if (!present.length) return { label: `${name} (log)`, values };
  const lo = Math.min(...present), hi = Math.max(...present);
  const steps = Math.log10(hi / lo) > 2 ? [1] : [1, 2, 5];
  let ticks: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of steps) {
      const t = Number((m * 10 ** k).toPrecision(12));
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push(t);
    }
  }
  if (ticks.length < 2) ticks = [...new Set([lo, hi].map((v) => Number(v.toPrecision(3))))]; // less than a step wide: its ends
  return { label: `${name} (log)`, values: values.map((v) => (v === null ? null : Math.log10(v))), tickvals: ticks.map(Math.log10), ticktext: ticks.map(String) };
}

export function parallelCoordinatesFigure(trials: unknown, params: string[], opts: { objective?: string; title?: string; log?: string[] } = {}): Figure {
  const all = rowsOf(trials);
  const col = objectiveColumn(all, opts.objective);
  // a trial without an objective (failed; null in trials()) is left out and counted in the title: Number(null) drew
  // it at 0, the best value of a minimised objective, and stretched the colour scale so the real trials shared one
  const hasObjective = (r: Record<string, unknown>) => r[col] !== null && r[col] !== undefined && r[col] !== "" && Number.isFinite(Number(r[col]));
  const rows = all.filter(hasObjective);
  const without = all.length - rows.length;
  if (!rows.length) throw new Error(`parallelCoordinatesFigure: no trial has an objective (${col})`);
  if (!Array.isArray(params) || params.length === 0) throw new Error("parallelCoordinatesFigure: name the hyperparameters to show");
  const missing = params.filter((p) => !(p in rows[0]));
  if (missing.length) throw new Error(`parallelCoordinatesFigure: no column ${missing.map((m) => `"${m}"`).join(", ")}`);
  const log = opts.log ?? [];
  if (!Array.isArray(log) || log.some((n) => typeof n !== "string")) throw new Error(`parallelCoordinatesFigure: opts.log must be a list of hyperparameter names, e.g. ["eta"] (got ${JSON.stringify(log)})`);
  const notShown = log.filter((p) => !params.includes(p));
  if (notShown.length) throw new Error(`parallelCoordinatesFigure: opts.log names ${notShown.map((m) => `"${m}"`).join(", ")}, not among the hyperparameters shown (${params.join(", ")})`);
  const dimension = (name: string) => {
    const raw = rows.map((r) => r[name]);
    const numeric = raw.every((v) => v === null || v === undefined || (typeof v === "number" || (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)))));
    if (numeric) {
      const values = raw.map((v) => (v === null || v === undefined ? null : Number(v)));
      return log.includes(name) ? logDimension(name, values) : { label: name, values };
    }
    if (log.includes(name)) throw new Error(`parallelCoordinatesFigure: "${name}" is on a log axis (opts.log) but is categorical`);
    const cats = [...new Set(raw.map(String))];
    return { label: name, values: raw.map((v) => cats.indexOf(String(v))), tickvals: cats.map((_, i) => i), ticktext: cats };
  };
  const objective = rows.map((r) => Number(r[col]));
  return {
    data: [
      {
        type: "parcoords",
        line: { color: objective, colorscale: "Viridis", showscale: true, colorbar: { title: { text: col } } },
        dimensions: [...params.map(dimension), { label: col, values: objective }],
      } as Trace, // @types/plotly.js types `line` as a scatter line (no colorscale); parcoords takes this
    ],
    // a taller top margin: the axis labels sit above the plot, where the title was drawn over them
    layout: baseLayout(`${opts.title ?? "Hyperparameters and objective"}${without ? ` (${without} trial${without > 1 ? "s" : ""} without an objective left out)` : ""}`, { margin: { l: 60, r: 20, t: 100, b: 50 } }),
  };
}
