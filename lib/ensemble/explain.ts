/**
 * Explanations: per row, each feature's contribution to the ensemble's prediction, plus a bias, adding up to
 * the prediction.
 *
 * Members (Member.contributions, on their margin scale):
 *   tree members — exact TreeSHAP from the core (wasm/csrc/shap.c; XGBoost's pred_contribs), or Saabas'
 *     attribution with `approx`, or SHAP interaction values with `interactions`;
 *   ridge — exact linear contributions β_k (x_k − μ_k) / σ_k on the standardised scale the member computes,
 *     a categorical feature's one-hot columns summed back into that feature; bias = intercept.
 * Ensemble (`scale: "prediction"`, the default — the scale the ensemble predicts on): each member's
 * contributions are carried to its prediction scale (links.ts: identity for regression, so nothing changes;
 * probabilities for classification, by the path-integrated link), then combined as the blend combines the
 * predictions, which is linear:
 *   mean, soft_vote — (1/M) Σ_j C_j;   weighted — Σ_j w_j C_j;
 *   stacking — Σ_j c_j C_j with the intercept c₀ added to the bias (the meta-learner is fitted on the members'
 *     predictions: their margins for regression, their rates for count:poisson, their probabilities for binary:*); under
 *     binary:* the stacked value is clipped to [0, 1], carried through the clip like a link.
 * The prediction is a sum of the contributions and the bias for every row (up to float32 rounding of the
 * members' own outputs). median and vote are not linear in the members (an order statistic, a majority) —
 * explaining them is an Error.
 *
 * `scale: "margin"` gives each member's contributions untouched (what native XGBoost's pred_contribs gives for
 * the same model: log-odds for binary, per-class logits for multiclass). The ensemble has a margin only when
 * its prediction is a blend of the members' margins — every member's link is the identity (regression,
 * without count:poisson), or it has one member blended by mean/soft_vote; otherwise only the members can be
 * explained on that scale (`members: true`), and asking for the ensemble there is an Error.
 *
 * Rows are explained in chunks (`chunkRows`, default 2,048 rows; 2,048 / (features + 1) with interactions,
 * which cost about features + 1 times as much — at least 16 a thread, as the core explains a chunk's rows in
 * parallel), with progress per chunk: `onProgress`, or a progress line
 * once the work has run for a second (the core's predict has no progress of its own).
 */
import { memoryLimit } from "../data/sources";
import { checkOptionKeys } from "../options";
import type { Drift, Matrix, RowsInput } from "../data/matrix";
import type { Table } from "../data/table";
import { tableOf } from "../data/arquero";
import type { Link, MemberContributions } from "../members/member";
import { defaultThreads, isMulticlass, objectiveTask, shownValue } from "../core";
import { progress as progressLine, type Progress } from "../progress";
import type { Ensemble } from "./ensemble";
import { applyLink1, secantSlope, softmaxPath } from "./links";

export type ExplainScale = "prediction" | "margin";

export interface ExplainOptions {
  /** "prediction" (default: the ensemble's own scale — probabilities for classification) or "margin" (the members' margins) */
  scale?: ExplainScale;
  /** also each member's contributions (on the same scale) */
  members?: boolean;
  /** SHAP interaction values: per row and group a (features + 1)² block whose row i sums to feature i's contribution */
  interactions?: boolean;
  /** Saabas' path attribution for the tree members instead of SHAP values (faster, not Shapley values) */
  approx?: boolean;
  /** rows per chunk (default 2,048; with interactions 2,048 / (features + 1), about the same work, and at least 16 a
   * thread: the core explains a chunk's rows in parallel) */
  chunkRows?: number;
  /** called after every chunk: rows done / total */
  onProgress?: (e: { done: number; total: number; message: string }) => void;
  /** false: no progress line (default: one appears when no onProgress is given and the work runs past a second) */
  progress?: boolean;
}

const OPTIONS = ["scale", "members", "interactions", "approx", "chunkRows", "onProgress", "progress"];

/** Contributions as arrays: per row, group (class) and feature (+ the bias last), row-major. */
export interface Contributions {
  scale: ExplainScale;
  /** the features, in column order (the bias follows them) */
  features: string[];
  nrow: number;
  /** output groups: the number of classes for multi:*, else 1 */
  groups: number;
  /** the class of each group (multi:* only) */
  classes?: string[];
  interactions: boolean;
  /**
   * The ensemble's: nrow × groups × (features + 1), or × (features + 1)² with interactions; undefined only for
   * scale "margin" when the ensemble has no margin (see the module comment).
   */
  ensemble?: Float64Array;
  /** Each member's, same layout (with `members: true`). */
  members: Record<string, Float64Array>;
  /** Per feature: missing cells and unseen categories of the input (tables and rows). */
  drift?: Drift;
}

/** Per member, how its (prediction-scale) contributions enter the ensemble's. */
interface Combination {
  coef: number[];
  intercept: number;
  /** stacking under binary:*: the stacked value is clipped to [0, 1] */
  clip: boolean;
}

function combination(ensemble: Ensemble): Combination {
  const m = ensemble.members.length;
  switch (ensemble.blend) {
    case "mean":
    case "soft_vote":
      return { coef: new Array(m).fill(1 / m), intercept: 0, clip: false };
    case "weighted": {
      const w = ensemble.weights;
      if (!w || w.length !== m) throw new Error(`explain: the weighted blend needs ${m} fitted weights; fit the ensemble first`);
      return { coef: w, intercept: 0, clip: false };
    }
    case "stacking": {
      const s = ensemble.stacker;
      if (!s || s.coef.length !== m) throw new Error(`explain: the stacking blend needs a fitted stacker with ${m} coefficients; fit the ensemble first`);
      return { coef: s.coef, intercept: s.intercept, clip: objectiveTask(ensemble.objective) === "binary" };
    }
    case "median":
    case "vote":
      throw new Error(
        `explain: the ${ensemble.blend} blend is not additive (${ensemble.blend === "median" ? "the median of the members is an order statistic" : "a majority vote is a step function"}), so its prediction has no contributions that add up to it; explain an ensemble with a mean, weighted, stacking or soft_vote blend, or one member (members: true)`,
      );
  }
}

function checkOptions(opts: ExplainOptions): void {
  checkOptionKeys(opts, OPTIONS, "explain");
  for (const k of ["members", "interactions", "approx", "progress"] as const) {
    if (opts[k] !== undefined && typeof opts[k] !== "boolean") throw new Error(`explain: option ${k} must be true or false, got ${shownValue(opts[k])}`);
  }
  if (opts.scale !== undefined && opts.scale !== "prediction" && opts.scale !== "margin") {
    throw new Error(`explain: scale must be "prediction" or "margin", got ${shownValue(opts.scale)}`);
  }
  if (opts.chunkRows !== undefined && !(Number.isInteger(opts.chunkRows) && opts.chunkRows >= 1)) {
    throw new Error(`explain: chunkRows must be an integer ≥ 1, got ${shownValue(opts.chunkRows)}`);
  }
  if (opts.onProgress !== undefined && typeof opts.onProgress !== "function") throw new Error("explain: onProgress must be a function");
}

/**
 * A member's margin contributions on its prediction scale (links.ts): per row, every contribution × the
 * path-integrated link slope A, the bias → link(bias). Identity links are returned as they are.
 */
function toPredictionScale(c: MemberContributions, nrow: number, p: number, interactions: boolean): Float64Array {
  const { values, groups: G, link } = c;
  if (link === "identity") return values;
  const w = p + 1, cell = interactions ? w * w : w, biasAt = interactions ? p * w + p : p;
  const out = new Float64Array(values.length);
  if (G === 1) {
    for (let r = 0; r < nrow; r++) {
      const o = r * cell;
      let m = 0;
      for (let e = 0; e < cell; e++) m += values[o + e];
      const b = values[o + biasAt];
      const s = secantSlope(link, b, m);
      for (let e = 0; e < cell; e++) out[o + e] = s * values[o + e];
      out[o + biasAt] = applyLink1(link, b);
    }
    return out;
  }
  if (link !== "softmax") throw new Error(`a ${G}-output member needs the softmax link, not ${link}`);
  const b = new Float64Array(G), m = new Float64Array(G), base = new Float64Array(G), A = new Float64Array(G * G), work = new Float64Array(2 * G);
  for (let r = 0; r < nrow; r++) {
    const o = r * G * cell;
    for (let g = 0; g < G; g++) {
      let s = 0;
      for (let e = 0; e < cell; e++) s += values[o + g * cell + e];
      m[g] = s;
      b[g] = values[o + g * cell + biasAt];
    }
    softmaxPath(b, m, base, A, work);
    for (let c2 = 0; c2 < G; c2++) {
      for (let e = 0; e < cell; e++) {
        let s = 0;
        for (let g = 0; g < G; g++) s += A[c2 * G + g] * values[o + g * cell + e];
        out[o + c2 * cell + e] = s;
      }
      out[o + c2 * cell + biasAt] = base[c2];
    }
  }
  return out;
}

/** Rows [a, b) of a matrix, sharing its storage. */
function rowsView(m: Matrix, a: number, b: number): Matrix {
  return { ...m, X: m.X.subarray(a * m.ncol, b * m.ncol), y: undefined, nrow: b - a };
}

/** Whether the ensemble's prediction is a blend of its members' margins (scale "margin"). */
function hasMargin(ensemble: Ensemble, links: Link[]): boolean {
  if (links.every((l) => l === "identity")) return true;
  return ensemble.members.length === 1 && (ensemble.blend === "mean" || ensemble.blend === "soft_vote");
}

/**
 * Contributions of the ensemble (and with `members: true` of each member) to its predictions for the input
 * rows (a table, rows as arrays or objects, or a Matrix), as arrays; see the module comment for the scales.
 */
export function contributions(ensemble: Ensemble, input: RowsInput | Matrix, opts: ExplainOptions = {}): Contributions {
  checkOptions(opts);
  const comb = combination(ensemble);
  const scale = opts.scale ?? "prediction";
  const interactions = opts.interactions === true;
  const { matrix, drift } = ensemble.encodeInput(input);
  const n = matrix.nrow, p = matrix.ncol, w = p + 1, cell = interactions ? w * w : w;
  if (n === 0) throw new Error("explain: no rows to explain");
  const G = isMulticlass(ensemble.objective) ? ensemble.numClass ?? 0 : 1;
  if (!(G >= 1)) throw new Error("explain: the multiclass ensemble does not know its number of classes; fit it first");
  // interaction values cost about (features + 1) times the contributions: chunks of about the same work — but at
  // least 16 rows a thread, as the core explains a chunk's rows in parallel, 4 interaction rows a task (a chunk of
  // 3 rows, 2048 / 601 on 600 features, was one task: one thread whatever nthread said)
  const chunk = opts.chunkRows ?? (interactions ? Math.max(16 * defaultThreads(), Math.floor(2048 / w)) : 2048);
  const members = ensemble.members;
  checkResultSize(n, G, cell, 1 + (opts.members ? members.length : 0), interactions);

  const chunks = Math.ceil(n / chunk), started = performance.now();
  let line: Progress | undefined;
  let ens: Float64Array | undefined;
  const perMember: Record<string, Float64Array> = {};
  for (let a = 0; a < n; a += chunk) {
    const b = Math.min(n, a + chunk);
    const rows = rowsView(matrix, a, b);
    const parts = members.map((member) => {
      const c = member.contributions(rows, { interactions, approx: opts.approx === true });
      if (c.groups !== G) throw new Error(`explain: member "${member.name}" has ${c.groups} output groups, the ensemble ${G}`);
      return c;
    });
    if (a === 0) {
      const withEnsemble = scale === "prediction" || hasMargin(ensemble, parts.map((c) => c.link));
      if (!withEnsemble && !opts.members) {
        throw new Error(
          `explain: scale "margin" — the ensemble's prediction (a ${ensemble.blend} of ${objectiveTask(ensemble.objective) === "regression" ? "rates" : "probabilities"}) is not a sum of member margins, so only the members have margin contributions; pass members: true, or use scale "prediction" (the default)`,
        );
      }
      if (withEnsemble) ens = new Float64Array(n * G * cell);
      if (opts.members) for (const member of members) perMember[member.name] = new Float64Array(n * G * cell);
    }
    const offset = a * G * cell;
    parts.forEach((c, j) => {
      const values = scale === "prediction" ? toPredictionScale(c, b - a, p, interactions) : c.values;
      if (opts.members) perMember[members[j].name].set(values, offset);
      if (ens) for (let e = 0; e < values.length; e++) ens[offset + e] += comb.coef[j] * values[e];
    });
    if (ens) finishEnsembleRows(ens, offset, b - a, G, cell, interactions ? p * w + p : p, comb, scale);
    opts.onProgress?.({ done: b, total: n, message: `explained ${b} of ${n} rows` });
    if (!line && !opts.onProgress && opts.progress !== false && b < n && performance.now() - started > 1000) {
      line = progressLine("explain", chunks);
      for (let k = 1; k < Math.ceil(b / chunk); k++) line.tick();
    }
    line?.tick(`${b}/${n} rows`);
  }
  line?.done();
  return {
    scale,
    features: [...matrix.featureNames],
    nrow: n,
    groups: G,
    ...(isMulticlass(ensemble.objective) ? { classes: ensemble.classNames() } : {}),
    interactions,
    ...(ens ? { ensemble: ens } : {}),
    members: perMember,
    ...(drift ? { drift } : {}),
  };
}

/**
 * The result's arrays (the ensemble's and, with members, each member's: nrow × groups × cell float64 values) must fit
 * in half the memory this process may use (the rest for the table explain() makes of them): 2 million rows × 20
 * features with interactions is 7 GB a member, and the request was V8's "Array buffer allocation failed" or the
 * process killed for its memory, after minutes of work. An Error naming the size before any of it.
 */
function checkResultSize(n: number, G: number, cell: number, arrays: number, interactions: boolean): void {
  const values = n * G * cell;
  const bytes = values * 8 * arrays, limit = memoryLimit() / 2;
  if (bytes <= limit) return;
  const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)} GB`;
  throw new Error(
    `explain: ${n} rows${G > 1 ? ` × ${G} classes` : ""} × ${interactions ? `${cell} interaction values` : `${cell} values`} would take ${gb(bytes)}${arrays > 1 ? ` (${arrays} arrays: the ensemble's and each member's)` : ""}, more than half the memory this process may use (${gb(limit)}) — explain fewer rows at a time (table.slice(a, b))${interactions ? ", or without interactions" : ""}`,
  );
}

/** The stacker's intercept goes into the bias; under binary:* the stacked value is carried through the clip. */
function finishEnsembleRows(ens: Float64Array, offset: number, nrow: number, G: number, cell: number, biasAt: number, comb: Combination, scale: ExplainScale): void {
  if (comb.intercept === 0 && !comb.clip) return;
  for (let r = 0; r < nrow * G; r++) {
    const o = offset + r * cell;
    ens[o + biasAt] += comb.intercept;
    if (!comb.clip || scale !== "prediction") continue;
    let m = 0;
    for (let e = 0; e < cell; e++) m += ens[o + e];
    const b = ens[o + biasAt];
    const s = secantSlope("clip01", b, m);
    for (let e = 0; e < cell; e++) ens[o + e] *= s;
    ens[o + biasAt] = applyLink1("clip01", b);
  }
}

/** The names explain's table gives its own columns (a feature with one of these names is an Error). */
export const EXPLAIN_COLUMNS = { member: "member", class: "class", feature: "feature", bias: "bias" } as const;

/**
 * The ensemble's contributions as an arquero table: one row per input row (per row and class for multi:*; per
 * row, class and feature with interactions), a column per feature and `bias` last; the row's values add up to
 * its prediction (see `contributions` and the module comment for the scale).
 * Leading text columns: `member` ("ensemble", then each member, with `members: true`), `class` (multi:*),
 * `feature` (with interactions: which feature's row of the interaction block; "bias" for the last).
 * Order: member, then input row, then class, then feature.
 */
export function explain(ensemble: Ensemble, input: RowsInput | Matrix, opts: ExplainOptions = {}): Table {
  const c = contributions(ensemble, input, opts);
  const p = c.features.length, w = p + 1;
  const used: string[] = [...(opts.members ? ["member"] : []), ...(c.classes ? ["class"] : []), ...(c.interactions ? ["feature"] : []), "bias"];
  const clash = c.features.filter((f) => used.includes(f));
  if (clash.length) {
    throw new Error(`explain: feature ${clash.map((f) => `"${f}"`).join(", ")} has the name of a column explain adds (${used.join(", ")}); rename it in the input table (e.g. table.rename({ ${JSON.stringify(clash[0])}: ${JSON.stringify(clash[0] + "_")} })) and refit`);
  }
  const blocks: [string, Float64Array][] = [...(c.ensemble ? [["ensemble", c.ensemble] as [string, Float64Array]] : []), ...Object.entries(c.members)];
  const rowsPerBlock = c.nrow * c.groups * (c.interactions ? w : 1);
  const total = rowsPerBlock * blocks.length;
  const columns: [string, ArrayLike<unknown>][] = [];
  if (opts.members) columns.push(["member", blocks.flatMap(([name]) => new Array<string>(rowsPerBlock).fill(name))]);
  if (c.classes) {
    const per = c.interactions ? w : 1;
    columns.push(["class", Array.from({ length: total }, (_, t) => c.classes![Math.floor(t / per) % c.groups])]);
  }
  if (c.interactions) columns.push(["feature", Array.from({ length: total }, (_, t) => (t % w === p ? "bias" : c.features[t % w]))]);
  [...c.features, "bias"].forEach((name, j) => {
    const col = new Float64Array(total);
    blocks.forEach(([, values], k) => {
      for (let t = 0; t < rowsPerBlock; t++) col[k * rowsPerBlock + t] = values[t * w + j];
    });
    columns.push([name, col]);
  });
  return tableOf(columns);
}
