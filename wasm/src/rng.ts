/**
 * The project's one seeded pseudo-random number generator (mulberry32), used by the
 * bindings (target-statistics permutations), lib (folds, splits) and the local
 * SageMaker's tuning strategies. The C core has its own generator for row sampling.
 *
 * mulberry32 keeps one 32-bit state word; every call adds the odd constant 0x6D2B79F5
 * (a Weyl sequence, period 2^32) and passes the state through two xorshift–multiply
 * rounds; the 32-bit output divided by 2^32 is a uniform number in [0, 1). Small, fast,
 * deterministic and independent of Math.random — good for shuffles and search
 * heuristics, not for cryptography.
 *
 * Each user turns its seed into the starting state in its own way (`Rng.fromSeed` and
 * friends below). Those derivations are kept as they were when each module had its own
 * copy, so every seeded stream that tests and documented results depend on is unchanged.
 */
export class Rng {
  private state: number;
  private spare: number | null = null;

  /** A generator starting from the raw 32-bit `state` (see the seed derivations below). */
  constructor(state: number) {
    this.state = state >>> 0;
  }

  /** The core's derivation: the seed itself (0 would be a weak start, so it becomes the golden ratio). */
  static fromSeed(seed: number): Rng {
    return new Rng((seed >>> 0) || 0x9e3779b9);
  }

  /** lib's derivation (folds, splits): the seed xor the golden ratio. */
  static forData(seed = 0): Rng {
    return new Rng((Math.floor(seed) ^ 0x9e3779b9) >>> 0);
  }

  /** The tuning strategies' derivation: one multiply–xor mix, so seeds 0, 1, 2, … start far apart. */
  static forSearch(seed = 0): Rng {
    return new Rng((Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ 0x27d4eb2f) >>> 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u <= 1e-300) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place: for i from the end, swap a[i] with a uniform a[j], j ≤ i. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** A random permutation of 0, 1, …, n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
