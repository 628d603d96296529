/** Book-keeping shared by the strategies: proposals made, which are still pending, de-duplication. */
import type { Pending, Trial } from "./types";
import { decode, encode, keyOf, randomPoint, spaceSize, type Param, type Point } from "./space";
import type { Rng } from "node-xgboost-wasm";

export class Book {
  readonly proposals: Record<string, string>[] = [];
  constructor(readonly space: Param[]) {}

  key(hp: Record<string, string>): string {
    return keyOf(this.space, hp);
  }

  /**
   * Hyperparameters of the running trials. With an array they are given; with a count we take
   * the most recent own proposals that do not (yet) appear in the history.
   */
  pendingHps(history: Trial[], pending: Pending): Record<string, string>[] {
    if (Array.isArray(pending)) return pending;
    const n = Math.max(0, Math.floor(Number(pending) || 0));
    if (n === 0) return [];
    const counts = new Map<string, number>();
    for (const t of history) {
      const k = this.key(t.hyperparameters);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const unmatched: Record<string, string>[] = [];
    for (const p of this.proposals) {
      const k = this.key(p);
      const c = counts.get(k) ?? 0;
      if (c > 0) counts.set(k, c - 1);
      else unmatched.push(p);
    }
    return unmatched.slice(-n);
  }

  /** keys of everything already tried, running or proposed */
  seenKeys(history: Trial[], pendingHps: Record<string, string>[]): Set<string> {
    const s = new Set<string>();
    for (const t of history) s.add(this.key(t.hyperparameters));
    for (const p of pendingHps) s.add(this.key(p));
    for (const p of this.proposals) s.add(this.key(p));
    return s;
  }

  pendingCount(pending: Pending): number {
    return Array.isArray(pending) ? pending.length : Math.max(0, Math.floor(Number(pending) || 0));
  }

  budgetLeft(history: Trial[], pending: Pending, maxJobs: number): boolean {
    if (!(maxJobs > 0)) return false;
    return this.proposals.length < maxJobs && history.length + this.pendingCount(pending) < maxJobs;
  }

  /** points of the space not yet seen; null if the (finite) space is exhausted */
  randomUnseen(rng: Rng, seen: Set<string>, tries = 200): Point | null {
    const size = spaceSize(this.space);
    if (seen.size >= size) return null;
    for (let t = 0; t < tries; t++) {
      const x = randomPoint(this.space, rng);
      if (!seen.has(this.key(decode(this.space, x)))) return x;
    }
    if (size <= 200000) {
      // small finite space: enumerate what is left and choose uniformly
      const left: Point[] = [];
      enumerate(this.space, (x) => {
        if (!seen.has(this.key(decode(this.space, x)))) left.push(x);
      });
      return left.length ? left[rng.int(left.length)] : null;
    }
    return randomPoint(this.space, rng); // huge space: a duplicate is astronomically unlikely to matter
  }

  record(hp: Record<string, string>): Record<string, string> {
    this.proposals.push(hp);
    return { ...hp };
  }

  encode(hp: Record<string, string>): Point | null {
    return encode(this.space, hp);
  }
}

/** visit every point of a finite space (numeric params must be integers); last parameter varies fastest */
export function enumerate(space: Param[], visit: (x: Point) => void): void {
  const lists: number[][] = space.map((p) => {
    if (p.kind === "categorical") return p.values.map((_, i) => i);
    if (p.kind === "integer") {
      const out: number[] = [];
      for (let v = p.min; v <= p.max; v++) out.push(encodeInt(p, v));
      return out;
    }
    throw new Error("enumerate: continuous parameter");
  });
  const x: Point = new Array(space.length).fill(0);
  const rec = (i: number) => {
    if (i === space.length) return visit([...x]);
    for (const v of lists[i]) {
      x[i] = v;
      rec(i + 1);
    }
  };
  rec(0);
}

function encodeInt(p: Param, v: number): number {
  return encode([p], { [p.name]: String(v) })![0];
}

/** objective oriented for minimisation (Maximize → negated); NaN when not usable */
export function lossOf(t: Trial, objectiveType: "Minimize" | "Maximize"): number {
  if (t.status === "Failed" || t.objective === undefined || t.objective === null || !Number.isFinite(t.objective)) return NaN;
  return objectiveType === "Maximize" ? -t.objective : t.objective;
}

/**
 * The prior trials (a warm start's parents) that lie in this space: every tuned name present, numeric values within
 * [min, max], categorical values among the values. The others are left out rather than clamped onto the border,
 * where they would claim results the range never produced.
 */
export function priorsIn(space: Param[], prior: Trial[] | undefined): Trial[] {
  return (prior ?? []).filter((t) =>
    space.every((p) => {
      const s = t.hyperparameters?.[p.name];
      if (s === undefined) return false;
      if (p.kind === "categorical") return p.values.includes(String(s));
      const v = Number(s);
      return Number.isFinite(v) && v >= p.min && v <= p.max;
    }),
  );
}

/**
 * How many combinations of a finite space no prior trial (a warm start's parents) took: what Bayesian and Random,
 * which never propose a parent's point again, can still propose (Infinity for a space with a continuous range).
 */
export function combinationsLeft(space: Param[], prior: Trial[] | undefined): number {
  const size = spaceSize(space);
  if (!Number.isFinite(size)) return size;
  return size - new Set(priorsIn(space, prior).map((t) => keyOf(space, t.hyperparameters))).size;
}
