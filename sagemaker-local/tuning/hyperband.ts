/**
 * Hyperband (Li et al. 2018) in an asynchronous form, as SageMaker runs it — with two modes.
 *
 * Resource levels. With reduction factor η (default 3), R = maxResource, r = minResource:
 *     s_max = ⌊log_η(R / r)⌋,   level_j = round(R / η^j),  j = 0 … s_max   (level_0 = R).
 * Bracket s ∈ {0 … s_max} starts its configurations at level_s and judges them at the rungs
 * level_s, level_{s−1}, …, level_1 (then they run to R). Bracket s_max is the most aggressive
 * (starts at ≈ r), bracket 0 is plain random search at full resource. As in Hyperband, bracket s
 * gets weight n_s = ⌈(s_max + 1) / (s + 1) · η^s⌉; new configurations are dealt to brackets by
 * deficit round robin (the bracket with the smallest assigned/n_s goes next, ties → the more
 * aggressive one). New configurations are sampled uniformly at random (like Random).
 *
 * mode "stopping" (default; what SageMaker does: it never restarts a job, it stops jobs early
 * from their intermediate metric values). Every proposal sets `resourceParam` (if given) to R.
 * shouldStop(running) is called with the running job's per-round values; when the job has just
 * passed a rung ρ of its bracket, its value after round ρ is compared with the values after round
 * ρ of all jobs seen so far that reached ρ (finished jobs from the history, and running jobs that
 * were checked at ρ before — from any bracket, to have more data than per-bracket tables would).
 * The job continues iff it ranks among the best ⌈n/η⌉ of those n values (itself included), i.e.
 * the asynchronous successive-halving (ASHA) stopping rule; otherwise shouldStop returns true.
 * Each rung is decided once per job (the first call at or after it); between rungs → false.
 * Without resourceParam, a job that reached R rounds is stopped (SageMaker: "Once a job reaches
 * the MaxResource value, it is stopped"); with it the job simply ends after R rounds.
 *
 * mode "promotion" (synchronous-resource Hyperband/ASHA with promotions): `resourceParam` is
 * required and is set to the rung's resource, a "job" trains that many rounds from scratch, and a
 * configuration is promoted by proposing it again with η× more rounds. next() first looks for a
 * promotable result, from the highest level down: a configuration among the best ⌊n/η⌋ of the n
 * results at level_j (j ≥ 1) that was not promoted yet is proposed at level_{j−1}; otherwise a new
 * configuration starts at its bracket's level. Each promotion is a separate training job and counts
 * against maxJobs. shouldStop always returns false in this mode.
 *
 * Differences from SageMaker: SageMaker's exact rung schedule, bracket mix and sampler are not
 * public (it can combine Hyperband with a model-based sampler); we sample at random, compare across
 * brackets at each rung, and decide only at rung boundaries. "promotion" mode restarts jobs
 * (SageMaker does not); it exists for trainers that cannot report per-round metrics.
 */
import type { HyperbandOptions, Pending, Strategy, StrategyOptions, Trial } from "./types";
import { decode, type Param } from "./space";
import { Book, lossOf } from "./common";
import { Rng } from "node-xgboost-wasm";

/** SageMaker: "The maximum value is 20,000 epochs." */
export const MAX_RESOURCE_LIMIT = 20000;
/** keys SageMaker reads MaxResource from when it is not given, then this project's round counters */
export const RESOURCE_KEYS = ["epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs", "num_round", "num_boost_round", "iterations"];

/** The first of RESOURCE_KEYS the static hyperparameters give: the trials' round count, when they have one. */
export function staticResourceKey(staticHyperParameters: Record<string, string> | undefined): string | undefined {
  return RESOURCE_KEYS.find((k) => staticHyperParameters?.[k] !== undefined);
}

/**
 * SageMaker infers MaxResource from StaticHyperParameters (epochs, numepochs, n-epochs, n_epochs,
 * num_epochs) when HyperbandStrategyConfig.MaxResource is missing and fails validation otherwise.
 * We also accept num_round / num_boost_round / iterations (the trainer's round counters).
 * Returns the value and the key it came from; throws a validation-style Error if none is usable.
 */
export function inferMaxResource(staticHyperParameters: Record<string, string> | undefined): { maxResource: number; resourceParam: string } {
  const k = staticResourceKey(staticHyperParameters);
  if (k !== undefined) {
    const v = staticHyperParameters![k];
    const n = Number(v);
    if (Number.isInteger(n) && n >= 1) return { maxResource: n, resourceParam: k };
    throw new Error(`Hyperband: cannot infer MaxResource from StaticHyperParameters ${k}=${JSON.stringify(v)} (not a positive integer).`);
  }
  throw new Error(
    `Hyperband: MaxResource is not set in HyperbandStrategyConfig and cannot be inferred from StaticHyperParameters (${RESOURCE_KEYS.join(", ")}).`,
  );
}

export interface HyperbandSchedule {
  eta: number;
  sMax: number;
  /** level_j = resource of level j (level_0 = maxResource) */
  levels: number[];
  /** rungs (early decision points) of bracket s, increasing */
  rungs(s: number): number[];
  /** Hyperband's n_s */
  weights: number[];
}

export function hyperbandSchedule(h: HyperbandOptions): HyperbandSchedule {
  const eta = h.eta ?? 3;
  const R = h.maxResource;
  const r = h.minResource ?? 1;
  if (!(Number.isFinite(R) && R >= 1)) throw new Error(`Hyperband: MaxResource (${R}) must be a number >= 1.`);
  if (R > MAX_RESOURCE_LIMIT) throw new Error(`Hyperband: MaxResource (${R}) must not be greater than ${MAX_RESOURCE_LIMIT}.`);
  if (!(Number.isFinite(r) && r >= 1)) throw new Error(`Hyperband: MinResource (${r}) must be a number >= 1.`);
  if (r > R) throw new Error(`Hyperband: MinResource (${r}) must not be greater than MaxResource (${R}).`);
  if (!(eta > 1)) throw new Error(`Hyperband: eta (${eta}) must be greater than 1.`);
  const sMax = Math.floor(Math.log(R / r) / Math.log(eta) + 1e-9);
  const levels: number[] = [];
  for (let j = 0; j <= sMax; j++) levels.push(Math.max(Math.ceil(r - 1e-9), Math.round(R / eta ** j)));
  const weights: number[] = [];
  for (let s = 0; s <= sMax; s++) weights.push(Math.ceil(((sMax + 1) / (s + 1)) * eta ** s));
  return {
    eta,
    sMax,
    levels,
    weights,
    rungs: (s) => {
      const out: number[] = [];
      for (let j = s; j >= 1; j--) out.push(levels[j]);
      return [...new Set(out)].filter((x) => x < R);
    },
  };
}

export function hyperbandStrategy(space: Param[], opts: StrategyOptions): Strategy {
  if (!opts.hyperband) throw new Error("Hyperband: HyperbandStrategyConfig (maxResource) is required.");
  const h = opts.hyperband;
  const mode = h.mode ?? "stopping";
  if (mode !== "stopping" && mode !== "promotion") throw new Error(`Hyperband: mode ${mode} is not one of stopping, promotion.`);
  if (mode === "promotion" && !h.resourceParam) throw new Error("Hyperband: promotion mode needs resourceParam (e.g. num_round).");
  if (h.resourceParam && space.some((p) => p.name === h.resourceParam))
    throw new Error(`Hyperband: ${h.resourceParam} is the resource parameter and cannot also be tuned.`);
  const sched = hyperbandSchedule(h);
  const R = h.maxResource;
  const rng = Rng.forSearch(opts.seed ?? 0);
  const book = new Book(space);
  const assigned = new Array(sched.sMax + 1).fill(0);
  const bracketOf = new Map<string, number>();
  const better = (a: number, b: number) => a < b; // losses (minimised)

  const pickBracket = () => {
    let best = sched.sMax;
    for (let s = sched.sMax; s >= 0; s--) if (assigned[s] / sched.weights[s] < assigned[best] / sched.weights[best]) best = s;
    assigned[best]++;
    return best;
  };
  const newConfig = (history: Trial[], pending: Pending, level: (s: number) => number) => {
    const pend = book.pendingHps(history, pending);
    const seen = book.seenKeys(history, pend);
    const x = book.randomUnseen(rng, seen);
    if (!x) return null;
    const hp = decode(space, x);
    const s = pickBracket();
    bracketOf.set(book.key(hp), s);
    if (h.resourceParam) hp[h.resourceParam] = String(level(s));
    return book.record(hp);
  };

  if (mode === "stopping") {
    // rung tables: resource → (trial key → loss after that many rounds)
    const rungValues = new Map<number, Map<string, number>>();
    const judged = new Map<string, number>(); // trial key → highest rung already decided (each rung is decided once)
    const allRungs = [...new Set(sched.levels.filter((l) => l < R))];
    const note = (rung: number, key: string, v: number) => {
      if (!rungValues.has(rung)) rungValues.set(rung, new Map());
      rungValues.get(rung)!.set(key, v);
    };
    const toLoss = (v: number) => {
      const l = opts.objectiveType === "Maximize" ? -v : v;
      return Number.isFinite(l) ? l : Infinity;
    };
    return {
      next(history, pending) {
        if (!book.budgetLeft(history, pending, opts.maxJobs)) return null;
        return newConfig(history, pending, () => R);
      },
      shouldStop(running, history) {
        for (const t of history) {
          if (t.status === "Failed" || !t.intermediate) continue;
          const k = book.key(t.hyperparameters);
          for (const rung of allRungs) if (t.intermediate.length >= rung) note(rung, k, toLoss(t.intermediate[rung - 1]));
        }
        const key = book.key(running.hyperparameters);
        const s = bracketOf.get(key) ?? sched.sMax;
        const t = running.intermediate.length;
        // SageMaker: "Once a job reaches the MaxResource value, it is stopped." Only without resourceParam —
        // with it, the job ends by itself after maxResource rounds (and keeps its model artifact).
        if (!h.resourceParam && t >= R) return true;
        const passed = sched.rungs(s).filter((rung) => rung <= t);
        if (!passed.length) return false;
        const rung = passed[passed.length - 1];
        if ((judged.get(key) ?? 0) >= rung) return false;
        judged.set(key, rung);
        const v = toLoss(running.intermediate[rung - 1]);
        note(rung, key, v);
        const vals = [...rungValues.get(rung)!.values()].sort((a, b) => a - b);
        const keep = Math.max(1, Math.ceil(vals.length / sched.eta));
        const rank = vals.filter((u) => better(u, v)).length; // number strictly better
        return rank >= keep;
      },
    };
  }

  // promotion mode
  const promoted = new Set<string>();
  const rp = h.resourceParam!;
  return {
    next(history, pending) {
      if (!book.budgetLeft(history, pending, opts.maxJobs)) return null;
      const pend = book.pendingHps(history, pending);
      const running = new Set(pend.map((p) => `${book.key(p)}@${Number(p[rp])}`));
      // results per level
      const byLevel = new Map<number, { key: string; hp: Record<string, string>; loss: number }[]>();
      for (const t of history) {
        const loss = lossOf(t, opts.objectiveType);
        const lvl = Number(t.hyperparameters?.[rp]);
        if (!Number.isFinite(loss) || !Number.isFinite(lvl)) continue;
        if (!byLevel.has(lvl)) byLevel.set(lvl, []);
        byLevel.get(lvl)!.push({ key: book.key(t.hyperparameters), hp: t.hyperparameters, loss });
      }
      for (let j = 1; j <= sched.sMax; j++) {
        const lvl = sched.levels[j];
        const up = sched.levels[j - 1];
        if (up === lvl) continue;
        const res = (byLevel.get(lvl) ?? []).sort((a, b) => a.loss - b.loss);
        const k = Math.floor(res.length / sched.eta);
        for (const c of res.slice(0, k)) {
          const tag = `${c.key}@${lvl}`;
          if (promoted.has(tag) || running.has(`${c.key}@${up}`)) continue;
          promoted.add(tag);
          const hp: Record<string, string> = {};
          for (const p of space) hp[p.name] = c.hp[p.name];
          hp[rp] = String(up);
          return book.record(hp);
        }
      }
      return newConfig(history, pending, (s) => sched.levels[s]);
    },
    shouldStop() {
      return false;
    },
  };
}
