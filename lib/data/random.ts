/**
 * Seeded pseudo-random numbers, so that folds and splits are reproducible.
 *
 * mulberry32: a 32-bit state advanced by a Weyl increment (0x6D2B79F5) and
 * mixed by two multiply–xorshift rounds; `next()` returns the top 32 bits
 * divided by 2^32, i.e. a float in [0, 1). Small, fast and good enough for
 * shuffling row indices (not for cryptography).
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function seededRng(seed = 0): Rng {
  let state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

/** Fisher–Yates shuffle in place: for i from the end, swap a[i] with a uniform a[j], j ≤ i. */
export function shuffleInPlace<T extends { length: number; [i: number]: any }>(a: T, rng: Rng): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = a[i];
    a[i] = a[j];
    a[j] = tmp;
  }
  return a;
}

/** 0, 1, …, n-1 as an Int32Array. */
export function range(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
