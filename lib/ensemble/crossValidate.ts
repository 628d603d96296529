/**
 * crossValidate: every member on the same folds, data read once.
 *
 * For each outer fold f (1-based in the outputs) every member is cloned,
 * fitted on the other folds with the held-out fold as its eval set (which
 * only feeds the per-round learning curves — no early stopping, so nothing
 * about the held-out rows steers training), and predicts the held-out fold.
 * The ensemble's prediction on the fold is the blend of those predictions.
 * Blends with parameters (weighted, stacking) are fitted without touching the
 * held-out fold: an inner k-fold (ensemble.innerK) over the training part
 * gives out-of-fold predictions on which the weights / stacker are fitted
 * (nested cross-validation), so the reported ensemble metric is honest.
 *
 * Categorical columns get their codes from the whole table; in each held-out fold a category its
 * training part never holds is made missing (splitRows), as an unseen category is at prediction time.
 *
 * `blends` evaluates extra blends on the same member fits: they appear as
 * members "ensemble:<blend>" in the table and in `oof`.
 *
 * `keepModels: true` keeps the fitted fold members instead of freeing them:
 * `models[f][j]` is member j (ensemble.members order, same name) fitted on the
 * training part of fold f (0-based) — e.g. to average the fold models without
 * training them again. The caller owns them (free() each, or the ensemble
 * built from them). They are freed if crossValidate throws.
 */
import { arquero } from "../data/arquero";
import type { Table } from "../data/table";
import { splitRows, toMatrix, type ColumnSchema } from "../data/matrix";
import type { Fold } from "../data/folds";
import type { Member } from "../members/member";
import { metricsFor } from "../metrics/byObjective";
import { applyBlend, Blend, BlendState, checkBlend, fitBlend, needsFitting } from "./blends";
import { Ensemble, innerOutOfFold, ProgressCallback } from "./ensemble";
import { outputGroups } from "../core";

export interface Curve {
  fold: number; // 1-based
  member: string;
  metric: string;
  /** metric on the held-out fold after each round (index = round) */
  values: number[];
}

export interface CvOptions {
  label: string;
  features?: string[];
  /** Feature columns to treat as categorical although they hold numbers (integer-coded categories). */
  categorical?: string[];
  k?: number;
  seed?: number;
  onProgress?: ProgressCallback;
  /** Called when a fold is scored: metrics[member | "ensemble" | "ensemble:<blend>"][metric]. */
  onFold?: (fold: number, metrics: Record<string, Record<string, number>>) => void;
  /** Extra blends to score on the same member fits (rows "ensemble:<blend>"). */
  blends?: (Blend | string)[];
  /** Keep the fitted fold members in `models` (the caller frees them); default false (each is freed after predicting). */
  keepModels?: boolean;
}

export interface CvResult {
  /** One row per fold × (member | "ensemble" | "ensemble:<blend>"), columns fold, member, then the metrics. */
  table: Table;
  /** Mean and standard deviation over folds per member: columns member, <metric>_mean, <metric>_std. */
  summary: Table;
  /** Out-of-fold predictions per member and "ensemble" (row order of the input table). */
  oof: Record<string, Float64Array>;
  folds: Fold[];
  curves: Curve[];
  /** Fitted blend parameters per fold, per blend name ("ensemble" and "ensemble:<blend>"). */
  blendStates: Record<string, BlendState[]>;
  y: Float64Array;
  metrics: string[];
  objective: string;
  featureNames: string[];
  /** Each feature's type and categories (code → text) as the whole table gives them. */
  columns: ColumnSchema[];
  /** The class labels when the label column held text (class index → label; `y` holds the indexes). */
  classes?: string[];
  label: string;
  /** With keepModels: models[fold][member] (fold 0-based, members in ensemble order), fitted on that fold's training part. */
  models?: Member[][];
}

export function crossValidate(ensemble: Ensemble, table: Table, opts: CvOptions): CvResult {
  if (!(ensemble instanceof Ensemble)) throw new Error("crossValidate needs an Ensemble as first argument");
  if (!opts || typeof opts.label !== "string") throw new Error("crossValidate needs { label: <label column name> }");
  const k = opts.k ?? 5;
  const seed = opts.seed ?? 0;
  const m = toMatrix(table, { label: opts.label, features: opts.features, categorical: opts.categorical, objective: ensemble.objective });
  const y = m.y!;
  ensemble.prepareLabels(y, m.classes);
  const folds = ensemble.foldsFor(y, k, seed);
  const objective = ensemble.objective;
  const metricFns = metricsFor(objective);
  const metricNames = Object.keys(metricFns);

  const blendList: { key: string; blend: Blend }[] = [{ key: "ensemble", blend: ensemble.blend }];
  for (const b of opts.blends ?? []) {
    const blend = checkBlend(String(b), objective);
    if (!blendList.some((x) => x.blend === blend)) blendList.push({ key: `ensemble:${blend}`, blend });
  }
  const anyInner = blendList.some((b) => needsFitting(b.blend));
  const members = ensemble.members;
  const total = k * members.length * (anyInner ? ensemble.innerK + 1 : 1);
  let done = 0;
  const tick = (message: string, fold: number, member: string) => opts.onProgress?.({ done: ++done, total, message, fold, member });

  const width = outputGroups(objective, ensemble.numClass);
  const oof: Record<string, Float64Array> = {};
  for (const mem of members) oof[mem.name] = new Float64Array(m.nrow * width);
  for (const b of blendList) oof[b.key] = new Float64Array(m.nrow * width);
  const blendStates: Record<string, BlendState[]> = Object.fromEntries(blendList.map((b) => [b.key, []]));
  const rows: Record<string, unknown>[] = [];
  const curves: Curve[] = [];
  const kept: Member[][] | undefined = opts.keepModels ? [] : undefined;

  try {
    folds.forEach((fold, f) => {
      const foldNo = f + 1;
      const { train: tr, test: te } = splitRows(m, fold.train, fold.test);
      let innerOof: Float64Array[] | undefined;
      if (anyInner) {
        const innerFolds = ensemble.foldsFor(tr.y!, ensemble.innerK, seed + 1000 + f);
        innerOof = innerOutOfFold(members, tr, innerFolds, (member, inner) =>
          tick(`fold ${foldNo}/${k} inner ${inner + 1}/${ensemble.innerK} ${member}`, foldNo, member),
        );
      }
      const preds: Float64Array[] = [];
      const foldModels: Member[] = [];
      kept?.push(foldModels);
      for (const member of members) {
        const c = member.clone();
        if (kept) foldModels.push(c); // owned by the caller from here on (freed below if we throw)
        const curveByMetric: Record<string, number[]> = {};
        c.fit(tr, {
          evalSet: te,
          onRound: (round, metrics) => {
            for (const [name, v] of Object.entries(metrics)) (curveByMetric[name] ??= [])[round] = v;
          },
        });
        for (const [metric, values] of Object.entries(curveByMetric)) curves.push({ fold: foldNo, member: member.name, metric, values });
        const p = c.predict(te);
        if (!kept) c.free();
        preds.push(p);
        tick(`fold ${foldNo}/${k} ${member.name}`, foldNo, member.name);
      }
      const scored: [string, Float64Array][] = members.map((mem, j) => [mem.name, preds[j]]);
      for (const b of blendList) {
        const state = needsFitting(b.blend)
          ? fitBlend(b.blend, innerOof!, tr.y!, { numClass: ensemble.numClass, stackerAlpha: ensemble.stackerAlpha })
          : {};
        blendStates[b.key].push(state);
        scored.push([b.key, applyBlend(b.blend, preds, state, { objective, numClass: ensemble.numClass })]);
      }
      const foldMetrics: Record<string, Record<string, number>> = {};
      for (const [name, p] of scored) {
        const row: Record<string, unknown> = { fold: foldNo, member: name };
        foldMetrics[name] = {};
        for (const metric of metricNames) row[metric] = foldMetrics[name][metric] = metricFns[metric](te.y!, p);
        rows.push(row);
        fold.test.forEach((rowIdx, r) => {
          for (let c2 = 0; c2 < width; c2++) oof[name][rowIdx * width + c2] = p[r * width + c2];
        });
      }
      opts.onFold?.(foldNo, foldMetrics);
    });
  } catch (e) {
    for (const fm of kept ?? []) for (const c of fm) c.free();
    throw e;
  }

  const resultTable = arquero().from(rows) as Table;
  const summary = summarise(rows, metricNames);
  return {
    table: resultTable,
    summary,
    oof,
    folds,
    curves,
    blendStates,
    y: Float64Array.from(y),
    metrics: metricNames,
    objective,
    featureNames: m.featureNames,
    columns: m.columns!,
    ...(m.classes ? { classes: m.classes } : {}),
    label: opts.label,
    ...(kept ? { models: kept } : {}),
  };
}

/** Mean and (population) standard deviation over folds for each member, in first-seen order. */
function summarise(rows: Record<string, unknown>[], metrics: string[]): Table {
  const order: string[] = [];
  const byMember = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const name = String(r.member);
    if (!byMember.has(name)) {
      byMember.set(name, []);
      order.push(name);
    }
    byMember.get(name)!.push(r);
  }
  const out = order.map((name) => {
    const rs = byMember.get(name)!;
    const row: Record<string, unknown> = { member: name };
    for (const metric of metrics) {
      const v = rs.map((r) => Number(r[metric]));
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      row[`${metric}_mean`] = mean;
      row[`${metric}_std`] = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    }
    return row;
  });
  return arquero().from(out) as Table;
}
