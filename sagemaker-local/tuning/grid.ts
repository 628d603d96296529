/**
 * Grid search (SageMaker accepts only categorical ranges for it): the Cartesian product of
 * the categorical values, in order — the first range varies slowest, the last fastest, each
 * in the order of its Values list. Proposals are handed out one by one; the grid is capped at
 * maxJobs (when maxJobs > 0) and next() returns null once it is exhausted. Results do not
 * influence the order.
 */
import type { Pending, Strategy, StrategyOptions, Trial } from "./types";
import { decode, type Param, type Point } from "./space";
import { enumerate } from "./common";

export function gridPoints(space: Param[]): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  enumerate(space, (x: Point) => out.push(decode(space, x)));
  return out;
}

export function gridStrategy(space: Param[], opts: StrategyOptions): Strategy {
  const all = gridPoints(space);
  const cap = opts.maxJobs > 0 && Number.isFinite(opts.maxJobs) ? Math.min(all.length, Math.floor(opts.maxJobs)) : all.length;
  let i = 0;
  return {
    next(_history: Trial[], _pending: Pending) {
      if (i >= cap) return null;
      return { ...all[i++] };
    },
  };
}
