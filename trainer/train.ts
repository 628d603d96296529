/**
 * `train` — the SageMaker training contract.
 *
 * hyperparameters.json → members (lib's memberFromSpec) → lib's crossValidate
 * on the train channel (one metric line per fold) → the final model
 * (final_model=refit: every member refitted on all rows; folds: the fold
 * models averaged) → lib's saveEnsemble into a temp folder, published into
 * model/ at the end → output/data/cv.json → the final metric lines.
 * Any error: one line in output/failure, exit code 1 (main.ts).
 *
 * Log lines (SageMaker metric regexes read them; numbers are plain decimals):
 *   fold=<i> <member>-<metric>:<v>; … ensemble-<metric>:<v>;
 *   [<round>] validation-<metric>:<v>;       (with a validation channel: live, as the final fit's rounds finish)
 *   train-<metric>:<v>;
 *   validation-<metric>:<v>;
 * <metric> is rmse for regression objectives (logloss for binary and multi objectives).
 */
import * as fs from "fs";
import * as path from "path";
import {
  CategoricalColumn, crossValidate, CvResult, defaultWorkers, encodeLabels, Ensemble, formatMetric, Member, memberFromSpec, metricsFor, primaryMetric,
  saveEnsemble, Table,
} from "ensemble-workbook";
import { channelContentType, dropMissingLabels, readChannel, resolveCategorical, resolveLabel } from "./channels";
import { memberSpecs, parseHyperparameters, Settings } from "./hyperparameters";
import { OptMlPaths, publishDir, readJsonIfExists, writeFileAtomic } from "./optml";

export type Log = (line: string) => void;

/** Blends that stay the same blend when the fold models are averaged (linear in the member predictions). */
const FOLDS_BLENDS = ["mean", "weighted", "stacking", "soft_vote"];

export interface TrainResult {
  settings: Settings;
  cv: CvResult;
  metric: string;
  train: number;
  validation: number;
  validationSource: "validation channel" | "out-of-fold";
}

export function buildEnsemble(s: Settings): Ensemble {
  const members: Member[] = memberSpecs(s).map(({ kind, params }) => {
    try {
      return memberFromSpec(kind, params);
    } catch (e) {
      throw new Error(`model ${kind}: ${(e as Error).message}`);
    }
  });
  try {
    return new Ensemble({ members, blend: s.blend, objective: s.objective, seed: s.seed });
  } catch (e) {
    throw new Error(`hyperparameters: ${(e as Error).message}`);
  }
}

/** Core eval-metric names that are the logged metric (multiclass logloss is "mlogloss" in XGBoost). */
function isLoggedMetric(name: string, metric: string): boolean {
  return name === metric || name === "m" + metric;
}

/** The per-round value of the logged metric a member reported; undefined when it reports other metrics only. */
function roundValue(metrics: Record<string, number>, metric: string): number | undefined {
  const key = Object.keys(metrics).find((k) => isLoggedMetric(k, metric));
  return key === undefined ? undefined : metrics[key];
}

/** Mean over series of value at round r (a shorter series holds its last value). */
function meanByRound(series: number[][]): number[] {
  const live = series.filter((s) => s.length > 0);
  if (live.length === 0) return [];
  const rounds = Math.max(...live.map((s) => s.length));
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) out.push(live.reduce((acc, s) => acc + s[Math.min(r, s.length - 1)], 0) / live.length);
  return out;
}

/**
 * The fold models as one ensemble: k × members, with the fold blends averaged (weights/k, stacker coef/k).
 * The members are the ones the cross-validation fitted (crossValidate keepModels), not trained again.
 */
function foldsEnsemble(ens: Ensemble, cv: CvResult, label: string): Ensemble {
  if (!cv.models || cv.models.length !== cv.folds.length) throw new Error("the cross-validation kept no fold models");
  const k = cv.folds.length;
  const members: Member[] = [];
  const weights: number[] = [];
  const coef: number[] = [];
  let intercept = 0;
  cv.folds.forEach((_fold, f) => {
    const state = cv.blendStates.ensemble?.[f] ?? {};
    if (state.stacker) intercept += state.stacker.intercept / k;
    ens.members.forEach((member, j) => {
      const c = cv.models![f][j];
      c.name = `${member.name}_fold${f + 1}`;
      members.push(c);
      if (state.weights) weights.push(state.weights[j] / k);
      if (state.stacker) coef.push(state.stacker.coef[j] / k);
    });
  });
  const out = new Ensemble({
    members,
    blend: ens.blend,
    objective: ens.objective,
    seed: ens.seed,
    ...(ens.blend === "weighted" ? { weights } : {}),
    ...(ens.blend === "stacking" ? { stacker: { intercept, coef } } : {}),
  });
  out.featureNames = [...cv.featureNames];
  out.columns = cv.columns;
  if (cv.classes) out.classes = cv.classes;
  out.label = label;
  if (ens.numClass !== undefined) out.numClass = ens.numClass;
  return out;
}

/**
 * Per-round lines as the final fit's rounds come in from the members training side by side (lib's
 * Ensemble.fitParallel): `[r]` is printed once every member that reports the metric has reported round r or has
 * finished (then holding its last value), so the values are exactly meanByRound's — only no longer in one burst.
 * A member that reports no logged metric at its first round (ridge; an xgboost with another eval_metric) is left out.
 */
class LiveRounds {
  private readonly perMember = new Map<string, number[]>();
  private readonly silent = new Set<string>();
  private readonly finished = new Set<string>();
  private printed = 0;
  constructor(private readonly members: string[], private readonly metric: string, private readonly log: Log) {}

  onRound = (member: string, round: number, metrics: Record<string, number>): void => {
    const v = roundValue(metrics, this.metric);
    if (v === undefined) {
      if (round === 0) this.silent.add(member);
      return;
    }
    let series = this.perMember.get(member);
    if (!series) this.perMember.set(member, (series = []));
    series[round] = v;
    this.flush();
  };
  onDone = (member: string): void => {
    this.finished.add(member);
    this.flush();
  };
  /** every round's value (what was printed) */
  values(): number[] {
    return meanByRound([...this.perMember.values()]);
  }
  private flush(): void {
    for (;;) {
      const r = this.printed;
      const ready = this.members.every((m) => this.silent.has(m) || this.finished.has(m) || this.perMember.get(m)?.[r] !== undefined);
      const series = [...this.perMember.values()].filter((s) => s.length > 0);
      if (!ready || !series.some((s) => s.length > r)) return;
      const v = series.reduce((acc, s) => acc + s[Math.min(r, s.length - 1)], 0) / series.length;
      this.log(`[${r}] validation-${this.metric}:${formatMetric(v)};`);
      this.printed++;
    }
  }
}

/** ", categorical: a, b" — the feature columns read as categories (text, or declared), for the first log line */
function textColumnsNote(table: Table, label: string, declared: string[]): string {
  const text = table.columnNames().filter((c) => c !== label && (declared.includes(c) || table.column(c) instanceof CategoricalColumn));
  return text.length ? `, categorical: ${text.join(", ")}` : "";
}

export async function train(paths: OptMlPaths, log: Log = (l) => console.log(l)): Promise<TrainResult> {
  const t0 = Date.now();
  fs.rmSync(paths.failure, { force: true }); // a stale failure from an earlier run in the same folder
  const hp = readJsonIfExists(paths.hyperparameters) ?? {};
  const s = parseHyperparameters(hp as Record<string, unknown>);
  if (s.finalModel === "folds" && !FOLDS_BLENDS.includes(s.blend)) {
    throw new Error(`hyperparameter final_model=folds works with blend ${FOLDS_BLENDS.join(", ")} (the fold models are averaged), not blend=${s.blend}`);
  }
  const inputDataConfig = readJsonIfExists(paths.inputDataConfig);
  const ens = buildEnsemble(s); // bad model params fail before any data is read
  if (s.naValues) ens.naValues = s.naValues; // saved with the model: the endpoint reads the same cells as missing

  const channelOpts = (name: string) => ({ contentType: channelContentType(inputDataConfig, name), header: s.header, naValues: s.naValues });
  const trainCh = (await readChannel(paths.channel("train"), "train", true, channelOpts("train")))!;
  const valCh = await readChannel(paths.channel("validation"), "validation", false, channelOpts("validation"));
  const label = resolveLabel(trainCh, s.label);
  const categorical = resolveCategorical(trainCh, label, s.categoricalFeatures);
  for (const ch of valCh ? [trainCh, valCh] : [trainCh]) {
    const dropped = dropMissingLabels(ch, label);
    if (dropped) log(`${ch.name} channel: ${dropped} row${dropped > 1 ? "s" : ""} with a missing label "${label}" left out`);
  }
  if (valCh) {
    const a = trainCh.table.columnNames();
    const b = valCh.table.columnNames();
    if (a.length !== b.length || a.some((c, i) => c !== b[i])) {
      throw new Error(`validation channel columns [${b.join(", ")}] differ from the train channel's [${a.join(", ")}]`);
    }
  }
  const nrow = trainCh.table.numRows();
  const ncol = trainCh.table.numCols() - 1;
  if (s.kFold > nrow) throw new Error(`hyperparameter k_fold=${s.kFold} is larger than the ${nrow} training rows`);
  const metric = primaryMetric(ens.objective);
  const metricFn = metricsFor(ens.objective)[metric];
  // the job's core budget: parallel_fits core threads in all — the cross-validation runs min(parallel_fits, fits)
  // fits at once with ⌊parallel_fits / fits at once⌋ core threads each (one, unless there are fewer fits than
  // parallel_fits), the final refit's members share it (⌊parallel_fits / members⌋ each), so a tuning job's trials,
  // given ⌊cores / trials⌋ each by the local SageMaker, never ask for more threads than the machine has
  const parallelFits = s.parallelFits ?? defaultWorkers(nrow, ncol);
  const finalWorkers = Math.min(parallelFits, ens.members.length);
  const finalThreads = Math.max(1, Math.floor(parallelFits / finalWorkers));
  log(
    `training on ${nrow} rows x ${ncol} features (${trainCh.files.length} file${trainCh.files.length > 1 ? "s" : ""}, label "${label}"${textColumnsNote(trainCh.table, label, categorical)})` +
      `${valCh ? `, validation ${valCh.table.numRows()} rows` : ""}; models ${ens.members.map((m) => m.name).join(",")}; blend ${ens.blend}; objective ${ens.objective}; k_fold ${s.kFold}; final_model ${s.finalModel}; parallel_fits ${parallelFits}`,
  );

  // 1. k-fold cross-validation, every member on the same folds
  let cv: CvResult;
  try {
    cv = crossValidate(ens, trainCh.table, {
      label,
      categorical,
      k: s.kFold,
      seed: s.seed,
      keepModels: s.finalModel === "folds", // the final model averages the fold models: keep them
      workers: parallelFits,
      threads: parallelFits,
      onFold: (fold, metrics) => {
        const parts = Object.entries(metrics)
          .filter(([name]) => !name.startsWith("ensemble:"))
          .map(([name, ms]) => `${name}-${metric}:${formatMetric(ms[metric])};`);
        log(`fold=${fold} ${parts.join(" ")}`);
      },
    });
  } catch (e) {
    throw new Error(`cross-validation failed: ${(e as Error).message}`);
  }

  // 2. per-round lines and the final model. Rounds come from held-out data only: the validation
  // channel during the final refit when there is one, else the cross-validation's held-out folds
  // (printed right away, before the final fit).
  const cvRounds = () => meanByRound(cv.curves.filter((c) => isLoggedMetric(c.metric, metric)).map((c) => c.values));
  const CV_SOURCE = "held-out folds of the cross-validation (mean over folds and boosted members)";
  const logRounds = (values: number[]) => values.forEach((v, r) => log(`[${r}] validation-${metric}:${formatMetric(v)};`));
  let final: Ensemble;
  let rounds: number[];
  let roundsSource: string;
  if (s.finalModel === "refit" && valCh) {
    // the members train side by side (one worker thread each, whatever parallel_fits: a line needs every member's
    // round) and the [r] lines go out as their rounds finish
    const live = new LiveRounds(ens.members.map((m) => m.name), metric, log);
    try {
      await ens.fitParallel(trainCh.table, {
        label, categorical, evalSet: valCh.table, onRound: live.onRound, onMemberDone: live.onDone, nthread: Math.max(1, Math.floor(parallelFits / ens.members.length)),
      });
    } catch (e) {
      throw new Error(`final fit failed: ${(e as Error).message}`);
    }
    final = ens;
    rounds = live.values();
    roundsSource = "final fit on the validation channel (mean over boosted members)";
  } else {
    rounds = cvRounds();
    roundsSource = CV_SOURCE;
    logRounds(rounds);
    try {
      if (s.finalModel === "folds") final = foldsEnsemble(ens, cv, label);
      else final = ens.fit(trainCh.table, { label, categorical, workers: finalWorkers, nthread: finalThreads });
    } catch (e) {
      throw new Error(`${s.finalModel === "refit" ? "final fit" : "averaging the fold models"} failed: ${(e as Error).message}`);
    }
  }

  // 3. scores of the final model
  const yTrain = cv.y; // the label column in row order (text labels as class indexes)
  const trainScore = metricFn(yTrain, final.predict(trainCh.table).prediction);
  let validation: number;
  let validationSource: TrainResult["validationSource"];
  if (valCh) {
    try {
      const yVal = encodeLabels(valCh.table, label, cv.classes);
      validation = metricFn(yVal, final.predict(valCh.table).prediction);
    } catch (e) {
      throw new Error(`validation channel: ${(e as Error).message}`);
    }
    validationSource = "validation channel";
  } else {
    validation = metricFn(cv.y, cv.oof.ensemble);
    validationSource = "out-of-fold";
  }

  // 4. artifacts: output/data/cv.json, then model/ (saved aside, published whole as the last step,
  // so a job that fails anywhere leaves no model)
  const cvJson = {
    format: "ensemble-workbook/cv/1",
    objective: cv.objective,
    metric,
    metrics: cv.metrics,
    k: s.kFold,
    seed: s.seed,
    blend: ens.blend,
    final_model: s.finalModel,
    label,
    featureNames: cv.featureNames,
    columns: cv.columns.map((c) => ({ name: c.name, type: c.type, ...(c.categories ? { categories: c.categories.length } : {}) })),
    ...(cv.classes ? { classes: cv.classes } : {}),
    rows: nrow,
    members: ens.members.map((m) => ({ name: m.name, kind: m.kind, params: m.params })),
    folds: cv.table.objects(),
    summary: cv.summary.objects(),
    curves: cv.curves,
    rounds: { source: roundsSource, values: rounds },
    y: Array.from(cv.y),
    oof: Object.fromEntries(Object.entries(cv.oof).map(([k, v]) => [k, Array.from(v)])),
    train: { [metric]: trainScore },
    validation: { [metric]: validation, source: validationSource },
    seconds: (Date.now() - t0) / 1000,
  };
  writeFileAtomic(path.join(paths.outputData, "cv.json"), JSON.stringify(cvJson) + "\n");
  const tmpModel = path.join(paths.root, `.model-${process.pid}.tmp`);
  fs.rmSync(tmpModel, { recursive: true, force: true });
  try {
    saveEnsemble(final, tmpModel);
    publishDir(tmpModel, paths.model);
  } finally {
    fs.rmSync(tmpModel, { recursive: true, force: true });
  }

  log(`training done in ${((Date.now() - t0) / 1000).toFixed(1)} s; model written to ${paths.model}`);
  // the final metric lines are the last lines of the log
  log(`train-${metric}:${formatMetric(trainScore)};`);
  log(`validation-${metric}:${formatMetric(validation)};`);
  final.free();
  return { settings: s, cv, metric, train: trainScore, validation, validationSource };
}
