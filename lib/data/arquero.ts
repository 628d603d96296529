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

/**
 * An arquero table of named columns, in the order they are given — how every table lib builds is made. arquero's
 * table(object) takes the object's key order, and an object lists integer-like keys ("2019") before the others: a
 * loaded "name,2019,2020,label" came out 2019, 2020, name, label (and so did a matrix's features, which rows given as
 * arrays in the file's order then filled wrongly), and so would an explanation's or a transform output's columns.
 */
export function tableOf(columns: readonly (readonly [string, unknown])[]): ReturnType<ArqueroModule["table"]> {
  const data: Record<string, unknown> = {};
  for (const [name, values] of columns) data[name] = values;
  return arquero().table(data as Parameters<ArqueroModule["table"]>[0], columns.map(([name]) => name));
}
