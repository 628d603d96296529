/**
 * arquero, loaded on first use. Loading it costs ~150–200 ms, and the trainer's
 * `serve` path (loadEnsemble + Ensemble.predict, reached through lib's index)
 * never uses it, so the modules that do (data/csv, data/folds,
 * ensemble/crossValidate, plots/table) take it from here instead of a top-level
 * import. Types come from `import type` (erased at compile time).
 * The literal require("arquero") keeps it visible to bundlers (esbuild bundles
 * it and runs its initialiser at the first call).
 */
import type * as Arquero from "arquero";

export type ArqueroModule = typeof Arquero;

let cached: ArqueroModule | undefined;

/** The arquero module (required on the first call). */
export function arquero(): ArqueroModule {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (cached ??= require("arquero") as ArqueroModule);
}
