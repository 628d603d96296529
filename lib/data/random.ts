/**
 * Seeded randomness for folds and splits: the core's one generator (mulberry32, see
 * node-xgboost-wasm's rng.ts) started with lib's seed derivation, so folds are
 * reproducible for a seed and unchanged from earlier releases.
 */
import { Rng } from "node-xgboost-wasm";

export { Rng };

/** The generator lib uses for a seed (folds, splits, inner blend folds). */
export function seededRng(seed = 0): Rng {
  return Rng.forData(seed);
}

/** 0, 1, …, n-1 as an Int32Array. */
export function range(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
