/**
 * Random search: every proposal is drawn independently and uniformly in the scaled space
 * (so a Logarithmic range is sampled log-uniformly, an integer range uniformly over its
 * integers, a categorical range uniformly over its values), from a seeded PRNG. Proposals
 * already tried (or running, or tried by a warm start's parents) are redrawn; on a finite space that is exhausted → null.
 */
import type { Pending, Strategy, StrategyOptions, Trial } from "./types";
import { decode, type Param } from "./space";
import { Book, priorsIn } from "./common";
import { Rng } from "node-xgboost-wasm";

export function randomStrategy(space: Param[], opts: StrategyOptions): Strategy {
  const rng = Rng.forSearch(opts.seed ?? 0);
  const book = new Book(space);
  const prior = priorsIn(space, opts.prior); // a warm start's parents: not proposed again
  return {
    next(history: Trial[], pending: Pending) {
      if (!book.budgetLeft(history, pending, opts.maxJobs)) return null;
      const seen = book.seenKeys(history, book.pendingHps(history, pending));
      for (const t of prior) seen.add(book.key(t.hyperparameters));
      const x = book.randomUnseen(rng, seen);
      return x ? book.record(decode(space, x)) : null;
    },
  };
}
