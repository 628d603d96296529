/**
 * Small seeded pseudo-random number generator (mulberry32).
 *
 * mulberry32 keeps one 32-bit state word; every call adds the odd constant
 * 0x6D2B79F5 (a Weyl sequence, period 2^32) and passes the state through two
 * xorshift-multiply rounds, giving a 32-bit output that we divide by 2^32 to get
 * a uniform number in [0, 1). Good enough for search heuristics, deterministic,
 * and independent of Math.random so a tuning job is reproducible for a seed.
 */
export class Rng {
  private s: number;
  private spare: number | null = null;
  constructor(seed = 0) {
    // mix the seed once so that seeds 0, 1, 2, ... give unrelated streams
    this.s = (Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ 0x27d4eb2f) >>> 0;
  }
  /** uniform in [0, 1) */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** integer in [0, n) */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }
  /** standard normal (Box–Muller, the second value is cached) */
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
}
