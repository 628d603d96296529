/**
 * train(): the boosting loop — one core call per round, then each evaluation set's
 * margins are advanced by the new trees only (a cache per set, as XGBoost keeps), its
 * metrics computed, callbacks and early stopping consulted.
 *
 * train() is synchronous and returns a Booster (no Promise): the work is CPU-bound
 * in one WebAssembly instance, and callers (notebook cells, the trainer) are simpler.
 */
import { Booster } from "./booster";
import { DMatrix } from "./dmatrix";
import { applyTargetStatistics, encodedColumns, encodedFeatureNames, fitOrderedTargetStatistics } from "./categorical";
import { MAXIMIZE, METRICS, numGroups, resolveParams, type ResolvedParams } from "./params";
import type { XGBoostParams } from "./xgboost-params";
import { alloc, check, f32, free, getCore, resolveThreads, setThreads } from "./wasm";

export interface IterationInfo {
  iteration: number;
  /** evals[name][metric] for this round */
  evals: Record<string, Record<string, number>>;
  booster: Booster;
}

export interface TrainCallback {
  /** Called after every round; return true to stop training. */
  afterIteration?(info: IterationInfo): boolean | void;
}

export interface TrainOptions {
  numBoostRound?: number;
  evals?: [DMatrix, string][];
  /** stop when the last metric on the last eval set has not improved for this many rounds */
  earlyStoppingRounds?: number;
  /** print the metrics every round (true) or every N rounds */
  verboseEval?: boolean | number;
  callbacks?: TrainCallback[];
}

function checkLabels(objective: string, numClass: number, label: Float32Array, what: string): void {
  for (let i = 0; i < label.length; i++) {
    const y = label[i];
    if (objective === "binary:logistic" && !(y >= 0 && y <= 1)) throw new Error(`${what}: label[${i}] = ${y}; binary:logistic needs labels in [0, 1]`);
    if (objective.startsWith("multi:") && !(Number.isInteger(y) && y >= 0 && y < numClass)) {
      throw new Error(`${what}: label[${i}] = ${y}; ${objective} needs integer class labels in [0, ${numClass - 1}] (num_class = ${numClass})`);
    }
    if (objective === "count:poisson" && !(y >= 0)) throw new Error(`${what}: label[${i}] = ${y}; count:poisson needs labels >= 0`);
  }
}

export function train(params: XGBoostParams, dtrain: DMatrix, opts: TrainOptions = {}): Booster {
  if (params === null || typeof params !== "object" || Array.isArray(params)) throw new Error(`train: params must be an object of XGBoost parameters, got ${params === null ? "null" : typeof params}`);
  const p = resolveParams(params);
  if (!(dtrain instanceof DMatrix)) throw new Error("train: dtrain must be a DMatrix");
  dtrain.assertLive();
  const rounds = opts.numBoostRound ?? 10;
  if (!(Number.isInteger(rounds) && rounds >= 0)) throw new Error(`train: numBoostRound must be an integer >= 0, got ${rounds}`);
  const label = dtrain.getLabel();
  if (!label) throw new Error("train: dtrain has no label");
  if (dtrain.nrow === 0) throw new Error("train: dtrain has no rows");
  checkLabels(p.objective, p.num_class, label, "train");
  const evals = opts.evals ?? [];
  for (const [d, name] of evals) {
    if (!(d instanceof DMatrix)) throw new Error(`train: evals entry "${name}" is not a DMatrix`);
    if (d.ncol !== dtrain.ncol) throw new Error(`train: eval set "${name}" has ${d.ncol} features, dtrain has ${dtrain.ncol}`);
    if (!d.hasLabel) throw new Error(`train: eval set "${name}" has no label`);
  }
  const es = opts.earlyStoppingRounds;
  if (es !== undefined && !(Number.isInteger(es) && es > 0)) throw new Error(`train: earlyStoppingRounds must be a positive integer, got ${es}`);
  if (es !== undefined && evals.length === 0) throw new Error("train: earlyStoppingRounds needs at least one eval set");

  if (dtrain.catFeatures.length === 0) return boost(p, dtrain, evals, rounds, opts);
  if (p.enable_categorical === false) {
    throw new Error(`train: enable_categorical is false but dtrain declares categorical columns ${dtrain.catFeatures.join(", ")}; drop them from catFeatures / featureTypes to use them as numbers`);
  }

  // Categorical columns, cat_encoding "partition": XGBoost's categorical splits, in the core.
  if (p.cat_encoding === "partition") return boost(p, dtrain, evals, rounds, opts, dtrain.featureTypes);

  // "ordered" / "naive": train on the columns' target statistics (per class for multi:*,
  // which adds columns), evaluate other sets with the prediction-time table, and keep the
  // table in the model.
  const { encoded, encoding } = fitOrderedTargetStatistics(dtrain.getData(), dtrain.ncol, label, dtrain.catFeatures, {
    permutations: p.cat_permutations, priorWeight: p.cat_prior_weight, naive: p.cat_encoding === "naive", seed: p.seed,
    numClass: p.objective.startsWith("multi:") ? p.num_class : undefined,
  });
  const width = encodedColumns(encoding), names = encodedFeatureNames(encoding, dtrain.featureNames);
  const temporaries: DMatrix[] = [];
  const encode = (d: DMatrix, X: Float32Array) => {
    const e = new DMatrix(X, { nrow: d.nrow, ncol: width, label: d.getLabel(), weight: d.getWeight(), featureNames: names });
    temporaries.push(e);
    return e;
  };
  try {
    const encTrain = encode(dtrain, encoded);
    const encEvals = evals.map(([d, name]): [DMatrix, string] => [d === dtrain ? encTrain : encode(d, applyTargetStatistics(d.getData(), d.ncol, encoding)), name]);
    const bst = boost(p, encTrain, encEvals, rounds, opts);
    bst.catEncoding = encoding;
    return bst;
  } finally {
    temporaries.forEach((d) => d.free());
  }
}

/**
 * The quantised form train(params, d) bins d into (its max_bin and, for categorical splits, the feature
 * types), or undefined when it bins something else (ordered target statistics train on an encoded copy). A caller
 * that hands d to other threads (DMatrix.sharedDescriptor) builds these first.
 */
export function trainingForm(params: XGBoostParams, d: DMatrix): { maxBin: number; types?: Uint8Array } | undefined {
  const p = resolveParams(params);
  if (d.catFeatures.length === 0) return { maxBin: p.max_bin };
  if (p.enable_categorical === false || p.cat_encoding !== "partition") return undefined;
  return { maxBin: p.max_bin, types: Uint8Array.from(d.featureTypes, (t) => (t === "c" ? 1 : 0)) };
}

/** The boosting loop; featureTypes ("c" = categorical, one per column) switches on the
 * core's categorical splits for those columns. */
function boost(p: ResolvedParams, dtrain: DMatrix, evals: [DMatrix, string][], rounds: number, opts: TrainOptions, featureTypes?: string[]): Booster {
  const es = opts.earlyStoppingRounds;
  const c = getCore();
  const bst = new Booster(p);
  bst.numFeature = dtrain.ncol;
  bst.featureNames = dtrain.featureNames;
  if (featureTypes) {
    bst.featureTypes = featureTypes;
    const types = alloc(featureTypes.length);
    new Uint8Array(c.memory.buffer, types, featureTypes.length).set(featureTypes.map((t) => (t === "c" ? 1 : 0)));
    try {
      check(c.bst_set_feature_types(bst.ptr, types, featureTypes.length), "train");
    } catch (e) {
      bst.free();
      throw e;
    } finally {
      free(types);
    }
  }
  const k = numGroups(p);
  const margins: number[] = [];
  const targets: { label: number; weight: number; done(): void }[] = [];
  const verbose = opts.verboseEval === true ? 1 : typeof opts.verboseEval === "number" ? opts.verboseEval : 0;
  let unpin: (() => void) | undefined;
  try {
    setThreads(resolveThreads(p.nthread));
    // The matrix's quantised form (built on the first fit, dmatrix.ts); a view's fit
    // gathers its rows' codes from it.
    const types = featureTypes ? Uint8Array.from(featureTypes, (t) => (t === "c" ? 1 : 0)) : undefined;
    const form = dtrain.quantised(p.max_bin, types);
    unpin = form.unpin;
    const src = dtrain.source();
    check(c.bst_train_begin_q(bst.ptr, form.qm, src.X, src.label, src.weight, src.rows, src.n, p.base_score ?? NaN), "train");
    for (const [d] of evals) {
      targets.push(d.targets());
      if (d === dtrain) { margins.push(0); continue; }
      const m = alloc(Math.max(4, d.nrow * k * 4));
      margins.push(m);
      c.bst_margin_init(bst.ptr, m, d.nrow);
    }
    for (const [, name] of evals) bst.evalsResult[name] = Object.fromEntries(p.eval_metric.map((m) => [m, [] as number[]]));
    let best = Infinity, bestRound = -1;
    const watchMetric = p.eval_metric[p.eval_metric.length - 1];
    const sign = MAXIMIZE.has(watchMetric) ? -1 : 1;
    for (let it = 0; it < rounds; it++) {
      const before = c.bst_num_trees(bst.ptr);
      setThreads(resolveThreads(p.nthread)); // another booster may have run in between (callbacks)
      check(c.bst_boost_round(bst.ptr, it, rounds), "train");
      const after = c.bst_num_trees(bst.ptr);
      const scores: Record<string, Record<string, number>> = {};
      evals.forEach(([d, name], j) => {
        let m = margins[j];
        if (d === dtrain) m = c.bst_train_margin(bst.ptr);
        else {
          const src = d.source({ bst: bst.ptr, treeBegin: before, treeEnd: after }); // a row view is read through its indexes
          check(c.bst_margin_add(bst.ptr, src.X, src.qm, src.xRows, src.ncol, src.rows, src.n, before, after, m), "train");
        }
        scores[name] = {};
        for (const metric of p.eval_metric) {
          const v = c.bst_eval(bst.ptr, METRICS.indexOf(metric), m, targets[j].label, targets[j].weight, d.nrow);
          scores[name][metric] = v;
          bst.evalsResult[name][metric].push(v);
        }
      });
      if (verbose && evals.length && (it % verbose === 0 || it === rounds - 1)) {
        const parts = evals.flatMap(([, name]) => p.eval_metric.map((metric) => `${name}-${metric}:${scores[name][metric].toFixed(5)}`));
        console.log(`[${it}]\t${parts.join("\t")}`);
      }
      let stop = false;
      for (const cb of opts.callbacks ?? []) if (cb.afterIteration?.({ iteration: it, evals: scores, booster: bst })) stop = true;
      if (es !== undefined) {
        const v = scores[evals[evals.length - 1][1]][watchMetric] * sign;
        if (v < best) { best = v; bestRound = it; }
        else if (it - bestRound >= es) stop = true;
      }
      if (stop) break;
    }
    if (es !== undefined && bestRound >= 0) {
      bst.bestIteration = bestRound;
      bst.bestScore = best * sign;
    }
  } catch (e) {
    bst.free();
    throw e;
  } finally {
    if (bst.ptr) c.bst_train_end(bst.ptr);
    unpin?.(); // the fit's state pointed into the quantised form and the matrix: both may go now
    margins.forEach((m) => free(m));
    targets.forEach((t) => t.done());
  }
  return bst;
}
