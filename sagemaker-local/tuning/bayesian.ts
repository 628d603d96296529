/**
 * Bayesian optimisation: Gaussian-process surrogate + expected improvement (see gp.ts for the math).
 *
 * Per proposal:
 *  1. Data: Completed and Stopped trials with a finite objective (Failed ones are excluded); the
 *     objective is negated for Maximize so that we always minimise; targets are standardised.
 *  2. Warm-up: while fewer than nInit = max(2, min(5, d + 1)) results exist (d = number of tuned
 *     hyperparameters), propose uniform random points of the scaled space (not yet tried). A maximin
 *     space-filling warm-up was measured to be worse: it pushes the first points into the corners.
 *  3. At most 200 results enter the fit (the best 100 and an even spread of the others), so a
 *     proposal stays well under a second even for 500-job tuning runs.
 *  4. Fit the GP by maximising the (profiled) log marginal likelihood (gp.ts).
 *  5. Parallel proposals — "kriging believer": each running trial is added to the data with the
 *     GP's posterior mean at its point as a fantasised result, and the GP is refitted. The
 *     posterior variance collapses around running points, so EI pushes the next proposal away.
 *  6. Maximise EI(x) (ξ = 0.01 in standardised units, incumbent = best real result) over
 *     1000 + 200·d uniform random candidates plus Gaussian perturbations (σ ∈ {0.02, 0.05, 0.1, 0.2}
 *     in scaled units, categorical values re-drawn with probability 0.15) of the 5 best results,
 *     then polish the 5 best candidates by a shrinking-step random local search.
 *  7. Take the highest-EI candidate whose decoded hyperparameters (integers rounded, continuous
 *     values as written) were not tried or proposed before; if none, a random unseen
 *     point; on an exhausted finite space → null.
 * Warm start: the prior trials (opts.prior, a warm start's parents) inside the ranges are results like the job's
 * own in step 1 — so the warm-up is shorter or skipped and the first proposals already come from a fitted model —
 * and are never proposed again; the incumbent is the best of them all.
 * Everything random comes from one seeded PRNG, so a run is deterministic for (seed, call sequence).
 */
import type { Pending, Strategy, StrategyOptions, Trial } from "./types";
import { decode, randomPoint, type Param, type Point } from "./space";
import { Book, lossOf, priorsIn } from "./common";
import { Rng } from "node-xgboost-wasm";
import { expectedImprovement, featureLayout, featurize, fitGp } from "./gp";

const MAX_FIT = 200;

export function bayesianStrategy(space: Param[], opts: StrategyOptions): Strategy {
  const rng = Rng.forSearch(opts.seed ?? 0);
  const book = new Book(space);
  const { group } = featureLayout(space);
  const d = space.length;
  const nInit = Math.max(2, Math.min(5, d + 1));
  const prior = priorsIn(space, opts.prior);
  const feat = (x: Point) => featurize(space, x);
  const perturb = (x: Point, sd: number): Point =>
    space.map((p, i) => {
      if (p.kind === "categorical") return rng.next() < 0.15 ? rng.int(p.values.length) : x[i];
      return Math.min(1, Math.max(0, x[i] + sd * rng.normal()));
    });

  return {
    next(history: Trial[], pending: Pending) {
      if (!book.budgetLeft(history, pending, opts.maxJobs)) return null;
      const pend = book.pendingHps(history, pending);
      const seen = book.seenKeys(history, pend);
      for (const t of prior) seen.add(book.key(t.hyperparameters));
      const obs: { x: Point; y: number }[] = [];
      for (const t of [...prior, ...history]) {
        const y = lossOf(t, opts.objectiveType);
        const x = book.encode(t.hyperparameters);
        if (Number.isFinite(y) && x) obs.push({ x, y });
      }
      const pendX = pend.map((h) => book.encode(h)).filter((x): x is Point => x !== null);

      if (obs.length < nInit) {
        // warm-up: uniform random in the scaled space (a maximin design was tried and is worse:
        // it pushes the first points into corners, far from typical optima)
        const x = book.randomUnseen(rng, seen);
        return x ? book.record(decode(space, x)) : null;
      }

      if (obs.length > MAX_FIT) {
        // keep the fit O(MAX_FIT³): the best half plus an even spread of the rest (in trial order)
        const order = obs.map((_, i) => i).sort((a, b) => obs[a].y - obs[b].y);
        const keep = new Set(order.slice(0, MAX_FIT / 2));
        const rest = obs.map((_, i) => i).filter((i) => !keep.has(i));
        for (let j = 0; j < MAX_FIT / 2; j++) keep.add(rest[Math.floor((j * rest.length) / (MAX_FIT / 2))]);
        const kept = [...keep].sort((a, b) => a - b).map((i) => obs[i]);
        obs.length = 0;
        obs.push(...kept);
      }
      // standardise
      const ys = obs.map((o) => o.y);
      const mu = ys.reduce((a, b) => a + b, 0) / ys.length;
      const sdY = Math.sqrt(ys.reduce((a, b) => a + (b - mu) ** 2, 0) / ys.length) || 1;
      const X = obs.map((o) => feat(o.x));
      const Y = Float64Array.from(ys.map((y) => (y - mu) / sdY));
      let gp = fitGp(X, Y, group, d);
      const incumbent = Math.min(...Y);
      if (pendX.length) {
        // kriging believer: fantasise the running trials at the posterior mean, refit
        const Xp = [...X];
        const Yp = Array.from(Y);
        for (const x of pendX) {
          const f = feat(x);
          Yp.push(gp.predict(f).mean);
          Xp.push(f);
        }
        gp = fitGp(Xp, Float64Array.from(Yp), group, d);
      }
      const ei = (x: Point) => {
        const { mean, sd } = gp.predict(feat(x));
        return expectedImprovement(mean, sd, incumbent, 0.01);
      };

      // candidates
      const cands: { x: Point; v: number }[] = [];
      const add = (x: Point) => cands.push({ x, v: ei(x) });
      for (let c = 0; c < 1000 + 200 * d; c++) add(randomPoint(space, rng));
      const ranked = obs.map((o, i) => ({ x: o.x, y: Y[i] })).sort((a, b) => a.y - b.y);
      for (const o of ranked.slice(0, 5)) for (const s of [0.02, 0.05, 0.1, 0.2]) for (let k = 0; k < 15; k++) add(perturb(o.x, s));
      cands.sort((a, b) => b.v - a.v);
      // local polish of the top candidates
      for (const c of cands.slice(0, 5)) {
        let step = 0.1;
        for (let it = 0; it < 40; it++) {
          const x = perturb(c.x, step);
          const v = ei(x);
          if (v > c.v) {
            c.x = x;
            c.v = v;
          } else if (it % 8 === 7) step /= 2;
        }
      }
      cands.sort((a, b) => b.v - a.v);
      for (const c of cands) {
        const hp = decode(space, c.x);
        if (!seen.has(book.key(hp))) return book.record(hp);
      }
      const x = book.randomUnseen(rng, seen);
      return x ? book.record(decode(space, x)) : null;
    },
  };
}
