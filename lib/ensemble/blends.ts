/**
 * Blends: how member predictions become one prediction.
 *
 * All blends work on member predictions of the same shape: n values
 * (regression, or P(y=1) for binary:*) or n × K probabilities (multi:*).
 *   mean      — arithmetic mean per value.
 *   median    — median per value (robust to one wild member); multiclass rows
 *               rescaled to sum to 1.
 *   weighted  — Σ w_j p_j with w ≥ 0, Σ w = 1, fitted on out-of-fold
 *               predictions, exactly (convex-weights.ts). Multiclass: fitted on the
 *               flattened probabilities against one-hot labels.
 *   stacking  — a ridge meta-learner on the out-of-fold predictions:
 *               ŷ = c₀ + Σ c_j p_j with (c₁..c_m) = (PcᵀPc + αI)⁻¹ Pcᵀ yc on
 *               centred columns and an unpenalised intercept (linalg.ts);
 *               coefficients may be negative. Binary: clipped to [0, 1].
 *               Not defined for multi:*.
 *   vote      — hard majority vote over each member's class (p > 0.5, or
 *               argmax); a tie goes to the lowest class, as scikit-learn's
 *               hard VotingClassifier takes argmax(bincount(votes)) (text
 *               classes are sorted, as its LabelEncoder sorts them: the lowest
 *               is the first label). Returned in the same shape as
 *               probabilities: 0/1 for binary, one-hot rows for multiclass. These are classes,
 *               not probabilities: crossValidate scores their accuracy, and
 *               their logloss and auc are NaN (scikit-learn's hard
 *               VotingClassifier has no predict_proba either).
 *   soft_vote — mean of the members' probabilities (classification only).
 */
import { ridgeSolve } from "../members/linalg";
import { convexWeights } from "./convex-weights";
import { isClassification, isMulticlass, objectiveTask } from "../core";
import { positiveClass } from "../metrics/classification";

export type Blend = "mean" | "weighted" | "stacking" | "median" | "vote" | "soft_vote";
export const BLENDS: Blend[] = ["mean", "weighted", "stacking", "median", "vote", "soft_vote"];

export interface BlendState {
  weights?: number[];
  stacker?: { intercept: number; coef: number[] };
}

export function checkBlend(blend: string, objective: string): Blend {
  if (!BLENDS.includes(blend as Blend)) throw new Error(`unknown blend "${blend}"; known blends: ${BLENDS.join(", ")}`);
  if ((blend === "vote" || blend === "soft_vote") && !isClassification(objective)) {
    throw new Error(`blend "${blend}" needs a classification objective (binary:* or multi:*), not ${objective}`);
  }
  if (blend === "stacking" && isMulticlass(objective)) throw new Error(`blend "stacking" is not supported for ${objective}; use weighted or soft_vote`);
  // both fit their coefficients by squared error against the labels: survival:cox's labels are signed times and its
  // predictions hazard ratios, which no squared error compares
  if ((blend === "weighted" || blend === "stacking") && objectiveTask(objective) === "survival") {
    throw new Error(`blend "${blend}" fits its coefficients by squared error against the labels, which does not score ${objective}'s hazard ratios against its (signed) times; use mean or median`);
  }
  return blend as Blend;
}

/**
 * Fitted blend parameters handed to the constructor (a loaded model's, or a user's): the blend's own, one per member,
 * finite — weights ≥ 0 summing to 1, as convexWeights makes them. A mean blend given weights, 3 weights for 2 members
 * or a negative one were accepted, and then ignored or used as given.
 */
export function checkGivenBlend(blend: Blend, state: BlendState, members: number): void {
  const finite = (v: unknown) => typeof v === "number" && Number.isFinite(v);
  const { weights, stacker } = state;
  if (weights !== undefined) {
    if (blend !== "weighted") throw new Error(`weights are the weighted blend's, and this ensemble's blend is ${blend}`);
    if (!Array.isArray(weights) || weights.length !== members) throw new Error(`weights: one per member (${members}), got ${Array.isArray(weights) ? weights.length : typeof weights}`);
    if (!weights.every((w) => finite(w) && w >= 0)) throw new Error(`weights must be finite numbers ≥ 0, got [${weights.join(", ")}]`);
    const sum = weights.reduce((t, w) => t + w, 0);
    if (Math.abs(sum - 1) > 1e-6) throw new Error(`weights must sum to 1 (the weighted blend's weights are convex), got [${weights.join(", ")}], sum ${sum}`);
  }
  if (stacker !== undefined) {
    if (blend !== "stacking") throw new Error(`stacker is the stacking blend's, and this ensemble's blend is ${blend}`);
    if (!stacker || !Array.isArray(stacker.coef) || stacker.coef.length !== members) throw new Error(`stacker: { intercept, coef } with one coefficient per member (${members})`);
    if (!finite(stacker.intercept) || !stacker.coef.every(finite)) throw new Error("stacker: intercept and coefficients must be finite numbers");
  }
}

/** The blend predicts classes (vote), not probabilities: logloss and auc are not defined for it (PROBABILITY_METRICS). */
export function predictsClasses(blend: Blend): boolean {
  return blend === "vote";
}

export function needsFitting(blend: Blend): boolean {
  return blend === "weighted" || blend === "stacking";
}

/** One-hot flattening of class labels (n × K). */
function oneHot(y: ArrayLike<number>, k: number): Float64Array {
  const out = new Float64Array(y.length * k);
  for (let i = 0; i < y.length; i++) out[i * k + y[i]] = 1;
  return out;
}

/**
 * A member's NaN or infinite prediction is an Error naming the member, the row and (multiclass) the class; `use` says
 * what the blend does with the predictions. One check for the blends that would hide such a value: fitted blends
 * (scikit-learn's stacking refuses "Input X contains NaN"), the median (NaN sorts anywhere) and the vote (NaN is not
 * > 0.5: a vote for class 0).
 */
function refuseNonFinite(blend: Blend, P: Float64Array[], rows: number, members: string[] | undefined, use: string): void {
  P.forEach((p, j) => {
    const at = p.findIndex((v) => !Number.isFinite(v));
    if (at < 0) return;
    const width = p.length / rows;
    throw new Error(
      `the ${blend} blend ${use}, and member ${members?.[j] !== undefined ? `"${members[j]}"` : j} predicted ${p[at]} for row ${Math.floor(at / width)}` +
        `${width > 1 ? ` (class ${at % width})` : ""}: a blend cannot weigh a prediction that is not a finite number — check that member's parameters and data`,
    );
  });
}

/**
 * Fit the blend's parameters on out-of-fold member predictions P[j] and labels y (`members`: the members' names, for
 * the Error). A NaN or infinite prediction is an Error naming the member and row, as scikit-learn's stacking refuses
 * ("Input X contains NaN"): the weighted blend took equal weights without a word, stacking failed as "matrix is not
 * positive definite (use alpha > 0 for ridge)".
 */
export function fitBlend(blend: Blend, P: Float64Array[], y: ArrayLike<number>, opts: { numClass?: number; stackerAlpha?: number; members?: string[] } = {}): BlendState {
  if (needsFitting(blend)) refuseNonFinite(blend, P, y.length, opts.members, "is fitted on the members' out-of-fold predictions");
  const k = opts.numClass && opts.numClass > 1 && P[0].length === y.length * opts.numClass ? opts.numClass : 1;
  const target = k > 1 ? oneHot(y, k) : y;
  if (blend === "weighted") return { weights: convexWeights(P, target) };
  if (blend === "stacking") {
    const { coef, intercept } = ridgeSolve(P, target, opts.stackerAlpha ?? 1);
    return { stacker: { intercept, coef: Array.from(coef) } };
  }
  return {};
}

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Combine member predictions P[j] (each length L = n or n × K) into one prediction (`members`: their names, for Errors). */
export function applyBlend(blend: Blend, P: Float64Array[], state: BlendState, opts: { objective: string; numClass?: number; members?: string[] }): Float64Array {
  const m = P.length;
  const L = P[0].length;
  // every member one prediction per value: a longer one (another class count) was read as more rows
  const other = P.findIndex((p) => p.length !== L);
  if (other >= 0) throw new Error(`blend ${blend}: member ${other} gave ${P[other].length} predictions and member 0 ${L}; members must predict the same rows and classes`);
  const out = new Float64Array(L);
  const task = objectiveTask(opts.objective);
  const binary = task === "binary";
  const multi = task === "multiclass";
  // the mean and the linear blends carry a NaN into the answer, where it shows; the median and the vote would hide it
  // (the median of 1, NaN, 5 was NaN or a number by the values' order; a NaN member voted for class 0)
  const rows = multi && (opts.numClass ?? 0) > 1 ? L / opts.numClass! : L;
  if (blend === "median") refuseNonFinite(blend, P, rows, opts.members, "takes each value's median of the members' predictions");
  if (blend === "vote") refuseNonFinite(blend, P, rows, opts.members, "counts each member's class");
  switch (blend) {
    case "mean":
    case "soft_vote":
      for (let i = 0; i < L; i++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += P[j][i];
        out[i] = s / m;
      }
      return out;
    case "median": {
      for (let i = 0; i < L; i++) out[i] = median(P.map((p) => p[i]));
      // multiclass: each class's median, rescaled to sum to 1 per row — the medians of three members' rows
      // [.6 .3 .1], [.1 .6 .3], [.3 .1 .6] are [.3 .3 .3], 0.9 of probability (predictClasses showed it so, and logloss
      // scored the row rescaled: a figure for another prediction than the one returned)
      const k = multi ? opts.numClass ?? 0 : 1;
      if (k > 1 && L % k === 0) {
        for (let r = 0; r < L / k; r++) {
          let s = 0;
          for (let c = 0; c < k; c++) s += out[r * k + c];
          if (s > 0) for (let c = 0; c < k; c++) out[r * k + c] /= s;
        }
      }
      return out;
    }
    case "weighted": {
      const w = state.weights;
      if (!w || w.length !== m) throw new Error(`weighted blend needs ${m} fitted weights (got ${w ? w.length : "none"}); fit the ensemble first`);
      for (let i = 0; i < L; i++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += w[j] * P[j][i];
        out[i] = s;
      }
      return out;
    }
    case "stacking": {
      const st = state.stacker;
      if (!st || st.coef.length !== m) throw new Error(`stacking blend needs a fitted stacker with ${m} coefficients; fit the ensemble first`);
      for (let i = 0; i < L; i++) {
        let s = st.intercept;
        for (let j = 0; j < m; j++) s += st.coef[j] * P[j][i];
        out[i] = binary ? Math.min(1, Math.max(0, s)) : s;
      }
      return out;
    }
    case "vote": {
      if (!multi) {
        // a tie (half the members each way) is class 0, the lower one
        for (let i = 0; i < L; i++) {
          let votes = 0;
          for (let j = 0; j < m; j++) if (positiveClass(P[j][i])) votes++;
          out[i] = 2 * votes > m ? 1 : 0;
        }
        return out;
      }
      const k = opts.numClass ?? 0;
      if (!(k > 1) || L % k !== 0) throw new Error("vote blend for multi:* needs num_class probabilities per row");
      const n = L / k;
      for (let r = 0; r < n; r++) {
        const votes = new Array(k).fill(0);
        for (let j = 0; j < m; j++) {
          let best = 0;
          for (let c = 1; c < k; c++) if (P[j][r * k + c] > P[j][r * k + best]) best = c;
          votes[best]++;
        }
        // strictly more votes: of classes with as many votes, the first (lowest) wins
        let win = 0;
        for (let c = 1; c < k; c++) if (votes[c] > votes[win]) win = c;
        out[r * k + win] = 1;
      }
      return out;
    }
  }
}
